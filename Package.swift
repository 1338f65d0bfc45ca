// swift-tools-version:6.0
// The R-DC kernel: layers point down only (see ../shared/docs/design.md and README).
//
//   rdc (executable) ─┬─ RDCKernel     (the R-DC session as a Jupyter interpreter: outputs to display data)
//                     │    └─ JupyterKernel (protocol core behind a transport, ZeroMQ transport; knows nothing of R-DC)
//                     └─ RDCTerminal   (REPL and script runner; knows nothing of ZeroMQ)
//   RDCSession  (command language, session state, outputs)
//   RDCMethod   (models, trainers, clustering, metrics, data)   RDCRender (PNG pictures)
//     └─ ModelExchange (the trained networks as ONNX models and safetensors weights)
//   NumericCore (tensors, layers, losses, optimisers, kNN, k-means on BLAS; convolutions on oneDNN)
//   CBLAS, CDNNL, CZMQ, CPNG, CZlib, CFreeType (thin system-library targets), CPrefetch (a header); SignalPipe (SIGINT for both front ends);
//   SafeFiles (atomic writes and plain-words file errors, for every layer)
import PackageDescription

/// Numeric loops are 10-100x slower unoptimised, so our own modules are always built with -O,
/// even in debug builds used by `swift test`.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "RDC",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rdc", targets: ["rdc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        // The runtime of the ONNX messages in Sources/ModelExchange/Generated (generated once, committed).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // FreeType renders the figures' text (DejaVu Sans from fonts-dejavu-core, found at run time).
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        // oneDNN 2.x has no pkg-config file; its module map links dnnl and libgomp.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // Header only: a software prefetch for UMAP's SGD (Swift has no intrinsic for it).
        .systemLibrary(name: "CPrefetch"),

        .target(name: "SafeFiles"),
        .target(name: "NumericCore", dependencies: ["CBLAS", "CDNNL", "SafeFiles"], swiftSettings: optimised),
        .target(name: "RDCMethod", dependencies: ["NumericCore", "CZlib", "CPrefetch", "SafeFiles"], swiftSettings: optimised),
        .target(name: "RDCRender", dependencies: ["CPNG", "CFreeType", "SafeFiles"], swiftSettings: optimised),
        .target(name: "ModelExchange", dependencies: ["RDCMethod", "NumericCore", "SafeFiles",
                                                      .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Generated/README.md"]),
        .target(name: "RDCSession", dependencies: ["RDCMethod", "RDCRender", "ModelExchange", "NumericCore", "SafeFiles"],
                swiftSettings: optimised),
        .target(name: "SignalPipe"),
        .target(name: "JupyterKernel", dependencies: ["CZMQ", "SignalPipe", "SafeFiles", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "RDCKernel", dependencies: ["JupyterKernel", "RDCSession"]),
        .target(name: "RDCTerminal", dependencies: ["RDCSession", "RDCRender", "SignalPipe", "SafeFiles"]),
        .executableTarget(name: "rdc", dependencies: [
            "JupyterKernel", "RDCKernel", "RDCTerminal", "RDCSession", "RDCMethod", "NumericCore", "SafeFiles",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: optimised),

        .testTarget(name: "SafeFilesTests", dependencies: ["SafeFiles"]),
        .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore"], swiftSettings: optimised),
        .testTarget(name: "RDCMethodTests", dependencies: ["RDCMethod", "NumericCore", "SafeFiles"], exclude: ["Fixtures"], swiftSettings: optimised),
        .testTarget(name: "RDCRenderTests", dependencies: ["RDCRender", "CPNG", "SafeFiles"]),
        .testTarget(name: "ModelExchangeTests", dependencies: ["ModelExchange", "RDCMethod", "NumericCore"]),
        .testTarget(name: "RDCSessionTests", dependencies: ["RDCSession", "RDCMethod", "RDCRender", "NumericCore"]),
        .testTarget(name: "JupyterKernelTests", dependencies: ["JupyterKernel"]),
        .testTarget(name: "RDCKernelTests", dependencies: ["RDCKernel", "JupyterKernel", "RDCSession", "RDCRender"]),
        .testTarget(name: "RDCTerminalTests", dependencies: ["RDCTerminal", "RDCSession"]),
        // Mutation fuzzing of every parser (bounded here; scripts/fuzz.sh runs it long).
        .testTarget(name: "FuzzTests", dependencies: ["RDCMethod", "RDCSession", "JupyterKernel", "NumericCore", "CZlib"],
                    exclude: ["Corpus", "LibFuzzer"], swiftSettings: optimised),
    ],
    swiftLanguageModes: [.v5]
)
