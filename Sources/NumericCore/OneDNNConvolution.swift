// Layer: numeric core. May use the oneDNN wrappers of OneDNN.swift (no C calls here); knows
// nothing of R-DC, sessions or files.

import Foundation

/// Which implementation `Conv2D` and `ConvTranspose2D` run on, process-wide.
public enum ConvolutionBackend: String, CaseIterable, Sendable {
    /// im2col/col2im and OpenBLAS GEMMs on our own worker threads: the oracle of the tests.
    case reference
    /// oneDNN's (de)convolution primitives on OpenMP threads (the default).
    case onednn

    /// The backend new forward passes use: oneDNN where its engine starts. A layer whose shape
    /// oneDNN cannot run falls back to the reference for that shape and says so once on
    /// standard error (see `fallbackNotes`).
    nonisolated(unsafe) public static var current: ConvolutionBackend = isOneDNNAvailable ? .onednn : .reference
    private static let notesLock = NSLock()

    /// "oneDNN 2.6.3, avx2" when the library started, otherwise why it did not.
    public static var oneDNNDescription: String {
        switch OneDNNEngine.shared {
        case .success: "oneDNN \(OneDNNEngine.version), \(OneDNNEngine.effectiveISA)"
        case .failure(let error): "oneDNN unavailable: \(error)"
        }
    }

    /// Whether oneDNN's CPU engine started in this process.
    public static var isOneDNNAvailable: Bool { (try? OneDNNEngine.shared.get()) != nil }

    /// The instruction set oneDNN's kernels use here ("avx2", "avx512_core", …), nil without oneDNN.
    public static var oneDNNInstructionSet: String? { isOneDNNAvailable ? OneDNNEngine.effectiveISA : nil }

    /// One line per convolution shape built so far: the implementation oneDNN runs for each pass.
    public static var oneDNNImplementations: [String] { OneDNNConvolutionPlans.implementations }

    /// Every distinct reason a convolution fell back to the reference backend, in order.
    public static var fallbackNotes: [String] {
        notesLock.withLock { notes }
    }
    nonisolated(unsafe) private static var notes: [String] = []

    /// Records (once per distinct message) that oneDNN could not run a convolution.
    static func noteFallback(_ message: String) {
        let isNew = notesLock.withLock {
            guard !notes.contains(message) else { return false }
            notes.append(message)
            return true
        }
        if isNew { FileHandle.standardError.write(Data("warning: \(message); using the reference backend\n".utf8)) }
    }
}

/// A convolution's or transposed convolution's shapes for one batch size: what a oneDNN plan is
/// built for. Sizes are the layer's input (`in…`) and output (`out…`).
struct ConvolutionShape: Hashable, CustomStringConvertible {
    var transposed: Bool
    var batch: Int, inChannels: Int, outChannels: Int
    var inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
    var kernel: Int, stride: Int, padding: Int

    var description: String {
        "\(transposed ? "transposed conv" : "conv") \(inChannels)→\(outChannels) \(kernel)×\(kernel)/\(stride) "
            + "on \(batch)×\(inHeight)×\(inWidth)"
    }

    /// oneDNN's bottom/right padding: the smallest that makes its size equation hold (the
    /// output padding of a transposed convolution, or the rows a strided convolution skips).
    var paddingHigh: (height: Int, width: Int) {
        let (small, large) = transposed ? ((inHeight, inWidth), (outHeight, outWidth))
                                        : ((outHeight, outWidth), (inHeight, inWidth))
        return (max(0, (small.0 - 1) * stride + kernel - large.0 - padding),
                max(0, (small.1 - 1) * stride + kernel - large.1 - padding))
    }
}

/// Moves a tensor between a plain layout and the one a primitive wants; no reorder when they agree.
private struct Conversion {
    let reorder: OneDNNPrimitive?
    /// The primitive's layout.
    let layout: OneDNNMemory
    /// Floats in the primitive's layout (blocked layouts pad channels up to their block).
    let count: Int

    /// A conversion of an input, from our plain layout into the primitive's.
    init(from plain: OneDNNMemory, to primitive: OneDNNMemory) throws {
        reorder = plain == primitive ? nil : try OneDNNPrimitive.reorder(from: plain, to: primitive)
        layout = primitive
        count = primitive.floatCount
    }

    /// A conversion of a result, from the primitive's layout into our plain one.
    init(result primitive: OneDNNMemory, into plain: OneDNNMemory) throws {
        reorder = plain == primitive ? nil : try OneDNNPrimitive.reorder(from: primitive, to: plain)
        layout = primitive
        count = primitive.floatCount
    }

    /// Reorders `data` into `target` (`count` floats); needs a reorder.
    func convert(_ data: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>) throws {
        try reorder!.execute([(.source, UnsafeMutableRawPointer(mutating: data)), (.destination, UnsafeMutableRawPointer(target))])
    }

    /// Calls `body` with `data` in the target layout: `data` itself, or a reordered copy.
    func reading<R>(_ data: UnsafePointer<Float>, _ body: (UnsafeMutablePointer<Float>) throws -> R) throws -> R {
        guard reorder != nil else { return try body(UnsafeMutablePointer(mutating: data)) }
        return try withScratch(count) { target in
            try convert(data, into: target)
            return try body(target)
        }
    }

    /// Calls `body` to write a result in the primitive's layout, then stores it plainly in `target`.
    func writing(into target: UnsafeMutablePointer<Float>, _ body: (UnsafeMutablePointer<Float>) throws -> Void) throws {
        guard let reorder else { return try body(target) }
        try withScratch(count) { blocked in
            try body(blocked)
            try reorder.execute([(.source, UnsafeMutableRawPointer(blocked)), (.destination, UnsafeMutableRawPointer(target))])
        }
    }
}

/// Runs `body` on a 64-byte aligned scratch buffer of `count` floats.
private func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) throws -> R {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
    defer { raw.deallocate() }
    return try body(raw.bindMemory(to: Float.self, capacity: count))
}

/// The three oneDNN primitives of one convolution shape (forward, backward-data,
/// backward-weights with bias) and the reorders between our plain layouts and the ones they
/// chose, built once per shape and shared by every layer of that shape.
///
/// Activations and weights stay plain between layers and steps: each primitive reorders in and
/// out (a few percent of its time at these sizes), so the optimiser, the other layers and the
/// reference backend all see the same [Float] tensors.
final class OneDNNConvolutionPlan: @unchecked Sendable {
    let shape: ConvolutionShape
    private let forwardPrimitive: OneDNNPrimitive
    private let dataPrimitive: OneDNNPrimitive
    private let weightsPrimitive: OneDNNPrimitive
    private let forwardSource, forwardWeights, forwardOutput: Conversion
    private let dataGradient, dataWeights, dataOutput: Conversion
    private let weightsSource, weightsGradient, weightsOutput: Conversion

    /// "forward jit:avx2, backward-data …, backward-weights …".
    var implementations: String {
        "forward \(forwardPrimitive.implementation), backward-data \(dataPrimitive.implementation), "
            + "backward-weights \(weightsPrimitive.implementation)"
    }

    init(_ shape: ConvolutionShape) throws {
        self.shape = shape
        let sourceDims = [shape.batch, shape.inChannels, shape.inHeight, shape.inWidth]
        let outputDims = [shape.batch, shape.outChannels, shape.outHeight, shape.outWidth]
        // oneDNN orders weights [out, in, k, k]; a transposed convolution stores ours [in, out, k, k].
        let weightDims = [shape.outChannels, shape.inChannels, shape.kernel, shape.kernel]
        let plainSource = try OneDNNMemory.plain(sourceDims), plainOutput = try OneDNNMemory.plain(outputDims)
        let plainWeights = try OneDNNMemory.plain(weightDims, shape.transposed ? .inputOutputWeights : .rowMajor)
        let bias = try OneDNNMemory.plain([shape.outChannels], .vector)

        func build(_ pass: OneDNNPass, hint: OneDNNPrimitive?) throws -> OneDNNPrimitive {
            var lastError: Error = OneDNNError(description: "no layout tried")
            for plainActivations in Self.layoutCandidates(shape, pass) {
                func activation(_ dims: [Int], plain: Bool) throws -> OneDNNMemory {
                    plain ? try .plain(dims) : try .any(dims)
                }
                do {
                    let primitive = try OneDNNPrimitive.convolution(
                        transposed: shape.transposed, pass: pass,
                        source: try activation(sourceDims, plain: plainActivations.source),
                        weights: try .any(weightDims), bias: pass == .backwardData ? nil : bias,
                        destination: try activation(outputDims, plain: plainActivations.output), stride: shape.stride,
                        paddingLow: shape.padding, paddingHigh: shape.paddingHigh, hint: hint)
                    // oneDNN's reference kernels are 10-100× slower: never run one on a hot path.
                    guard !primitive.implementation.hasPrefix("ref") else {
                        lastError = OneDNNError(description: "oneDNN offers only \(primitive.implementation) for the \(pass.rawValue) pass of \(shape)")
                        continue
                    }
                    return primitive
                } catch {
                    lastError = error
                }
            }
            throw lastError
        }
        forwardPrimitive = try build(.forward, hint: nil)
        dataPrimitive = try build(.backwardData, hint: forwardPrimitive)
        weightsPrimitive = try build(.backwardWeights, hint: forwardPrimitive)
        guard weightsPrimitive.layout(of: .biasGradient) == bias else {
            throw OneDNNError(description: "oneDNN chose a blocked bias gradient for \(shape)")
        }
        forwardSource = try Conversion(from: plainSource, to: forwardPrimitive.layout(of: .source))
        forwardWeights = try Conversion(from: plainWeights, to: forwardPrimitive.layout(of: .weights))
        forwardOutput = try Conversion(result: forwardPrimitive.layout(of: .destination), into: plainOutput)
        dataGradient = try Conversion(from: plainOutput, to: dataPrimitive.layout(of: .destinationGradient))
        dataWeights = try Conversion(from: plainWeights, to: dataPrimitive.layout(of: .weights))
        dataOutput = try Conversion(result: dataPrimitive.layout(of: .sourceGradient), into: plainSource)
        weightsSource = try Conversion(from: plainSource, to: weightsPrimitive.layout(of: .source))
        weightsGradient = try Conversion(from: plainOutput, to: weightsPrimitive.layout(of: .destinationGradient))
        weightsOutput = try Conversion(result: weightsPrimitive.layout(of: .weightsGradient), into: plainWeights)
    }

    /// Which activations (source, output) are plain NCHW for `pass`, in the order to try; the
    /// others are left for oneDNN to choose (its blocked layouts and JIT kernels). The last
    /// candidates are the fallbacks when the preferred one has no fast implementation.
    ///
    /// One-channel tensors are plain: with AVX2 only, `jit:avx2` backward-weights of a
    /// one-input-channel convolution crashes on a chosen source layout (plain gives `gemm:jit`),
    /// and a transposed convolution to one channel runs 5× faster forward as `gemm:jit` on plain
    /// memory than blocked. Its backward-weights is the exception: blocked it is 10× faster.
    private static func layoutCandidates(_ shape: ConvolutionShape, _ pass: OneDNNPass)
        -> [(source: Bool, output: Bool)] {
        let singleOutput = shape.outChannels == 1 && !(shape.transposed && pass == .backwardWeights)
        let preferred = (source: shape.inChannels == 1, output: singleOutput)
        return [preferred, (false, false), (true, true)]
    }

    /// The layer's output for `input` ([n, in, h, w]), plain, and the input in the layout
    /// backward-weights reads when the forward pass reordered it into that layout already.
    func forward(input: Tensor, weight: Tensor, bias: Tensor) throws -> (output: Tensor, reorderedInput: [Float]?) {
        var reorderedInput: [Float]?
        let count = shape.batch * shape.outChannels * shape.outHeight * shape.outWidth
        let output = try [Float](unsafeUninitializedCapacity: count) { y, initialized in
            try input.storage.withUnsafeBufferPointer { x in
                try weight.storage.withUnsafeBufferPointer { w in
                    try bias.storage.withUnsafeBufferPointer { b in
                        func run(_ x: UnsafeMutablePointer<Float>) throws {
                            try forwardWeights.reading(w.baseAddress!) { w in
                                try forwardOutput.writing(into: y.baseAddress!) { y in
                                    try forwardPrimitive.execute([
                                        (.source, UnsafeMutableRawPointer(x)), (.weights, UnsafeMutableRawPointer(w)),
                                        (.bias, UnsafeMutableRawPointer(mutating: b.baseAddress!)),
                                        (.destination, UnsafeMutableRawPointer(y)),
                                    ])
                                }
                            }
                        }
                        if forwardSource.reorder != nil && forwardSource.layout == weightsSource.layout {
                            reorderedInput = try [Float](unsafeUninitializedCapacity: forwardSource.count) { target, kept in
                                try forwardSource.convert(x.baseAddress!, into: target.baseAddress!)
                                try run(target.baseAddress!)
                                kept = forwardSource.count
                            }
                        } else {
                            try forwardSource.reading(x.baseAddress!) { try run($0) }
                        }
                    }
                }
            }
            initialized = count
        }
        return (Tensor(shape: [shape.batch, shape.outChannels, shape.outHeight, shape.outWidth], storage: output),
                reorderedInput)
    }

    /// Back-propagates `outputGradient` through the layer that computed `forward(input:…)`
    /// (`reorderedInput` is what that returned): adds the weight and bias gradients (when `needs`
    /// asks) and returns dLoss/dInput (or an empty tensor). Nothing is added unless every
    /// primitive succeeded. The output gradient is reordered once when both passes read it in
    /// the same layout.
    func backward(input: Tensor, reorderedInput: [Float]?, outputGradient: Tensor, weight: inout Parameter,
                  bias: inout Parameter, needs: BackwardNeeds) throws -> Tensor {
        var weightStep = [Float](repeating: 0, count: needs.parameterGradients ? weight.value.count : 0)
        var biasStep = [Float](repeating: 0, count: needs.parameterGradients ? bias.value.count : 0)
        let inputCount = needs.inputGradient ? input.count : 0
        let weights = weight.value
        let inputGradient = try [Float](unsafeUninitializedCapacity: inputCount) { dx, initialized in
            try outputGradient.storage.withUnsafeBufferPointer { dyPlain in
                func weightsPass(_ dy: UnsafeMutablePointer<Float>) throws {
                    try weightStep.withUnsafeMutableBufferPointer { dw in
                        try biasStep.withUnsafeMutableBufferPointer { db in
                            func run(_ x: UnsafeMutablePointer<Float>) throws {
                                try weightsOutput.writing(into: dw.baseAddress!) { dw in
                                    try weightsPrimitive.execute([
                                        (.source, UnsafeMutableRawPointer(x)),
                                        (.destinationGradient, UnsafeMutableRawPointer(dy)),
                                        (.weightsGradient, UnsafeMutableRawPointer(dw)),
                                        (.biasGradient, UnsafeMutableRawPointer(db.baseAddress!)),
                                    ])
                                }
                            }
                            if let reorderedInput {
                                try reorderedInput.withUnsafeBufferPointer { try run(UnsafeMutablePointer(mutating: $0.baseAddress!)) }
                            } else {
                                try input.storage.withUnsafeBufferPointer { x in try weightsSource.reading(x.baseAddress!) { try run($0) } }
                            }
                        }
                    }
                }
                func dataPass(_ dy: UnsafeMutablePointer<Float>) throws {
                    try weights.storage.withUnsafeBufferPointer { w in
                        try dataWeights.reading(w.baseAddress!) { w in
                            try dataOutput.writing(into: dx.baseAddress!) { dx in
                                try dataPrimitive.execute([
                                    (.destinationGradient, UnsafeMutableRawPointer(dy)),
                                    (.weights, UnsafeMutableRawPointer(w)),
                                    (.sourceGradient, UnsafeMutableRawPointer(dx)),
                                ])
                            }
                        }
                    }
                }
                let dy = dyPlain.baseAddress!
                switch (needs.parameterGradients, needs.inputGradient) {
                case (true, true) where weightsGradient.layout == dataGradient.layout:
                    try weightsGradient.reading(dy) { dy in
                        try weightsPass(dy)
                        try dataPass(dy)
                    }
                case (let parameters, let inputs):
                    if parameters { try weightsGradient.reading(dy) { try weightsPass($0) } }
                    if inputs { try dataGradient.reading(dy) { try dataPass($0) } }
                }
            }
            initialized = inputCount
        }
        if needs.parameterGradients {
            weight.gradient.add(Tensor(shape: weight.value.shape, storage: weightStep))
            bias.gradient.add(Tensor(shape: bias.value.shape, storage: biasStep))
        }
        return Tensor(shape: needs.inputGradient ? input.shape : [0], storage: inputGradient)
    }
}

/// The process-wide cache of oneDNN plans, one per convolution shape.
enum OneDNNConvolutionPlans {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var plans: [ConvolutionShape: OneDNNConvolutionPlan] = [:]
    nonisolated(unsafe) private static var failed: Set<ConvolutionShape> = []
    /// Shapes kept at most (batch sizes vary at epoch ends); the cache starts over beyond it.
    private static let capacity = 64

    /// "shape: implementations" of every cached plan, sorted.
    static var implementations: [String] {
        lock.withLock { plans.values.map { "\($0.shape): \($0.implementations)" }.sorted() }
    }

    /// The plan for `shape`, built on first use; nil (after one note on standard error) when
    /// oneDNN cannot run it, so the caller uses the reference backend.
    static func plan(for shape: ConvolutionShape) -> OneDNNConvolutionPlan? {
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[shape] { return plan }
        if failed.contains(shape) { return nil }
        do {
            let plan = try OneDNNConvolutionPlan(shape)
            if plans.count >= capacity { plans.removeAll() }
            plans[shape] = plan
            return plan
        } catch {
            failed.insert(shape)
            ConvolutionBackend.noteFallback("oneDNN cannot run the \(shape): \(error)")
            return nil
        }
    }
}
