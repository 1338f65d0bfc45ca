// Layer: numeric core. May use CDNNL (oneDNN's C API and libgomp's thread count); this is the
// only file that calls them. Knows nothing of R-DC, sessions or files.

import CDNNL

/// A oneDNN call that failed: what was asked and the status oneDNN answered.
struct OneDNNError: Error, CustomStringConvertible {
    /// A sentence naming the call and its status.
    let description: String
}

/// Throws a `OneDNNError` naming `call` unless `status` is success.
@inline(__always)
private func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws(OneDNNError) {
    guard status != dnnl_success else { return }
    let names: [UInt32: String] = [1: "out of memory", 2: "invalid arguments", 3: "unimplemented",
                                   5: "runtime error", 6: "not required"]
    throw OneDNNError(description: "oneDNN \(call()) failed: \(names[status.rawValue] ?? "status \(status.rawValue)")")
}

/// The process's CPU engine and its in-order stream. Every oneDNN call runs on the thread
/// that calls the numeric core (never on our own workers), so one stream serves all.
final class OneDNNEngine: @unchecked Sendable {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    /// The engine, or why oneDNN could not start.
    static let shared: Result<OneDNNEngine, OneDNNError> = Result { () throws(OneDNNError) in try OneDNNEngine() }

    private init() throws(OneDNNError) {
        var engine: dnnl_engine_t?
        try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
        var stream: dnnl_stream_t?
        try check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "stream_create")
        self.engine = engine!
        self.stream = stream!
    }

    /// The instruction set oneDNN's JIT kernels use in this process (after any
    /// `DNNL_MAX_CPU_ISA` cap), e.g. "avx2" or "avx512_core".
    static var effectiveISA: String {
        let names: [UInt32: String] = [
            0x1: "sse41", 0x3: "avx", 0x7: "avx2", 0x407: "avx2_vnni", 0xf: "avx512_mic",
            0x1f: "avx512_mic_4ops", 0x27: "avx512_core", 0x67: "avx512_core_vnni",
            0xe7: "avx512_core_bf16", 0x3e7: "avx512_core_amx",
        ]
        let isa = dnnl_get_effective_cpu_isa().rawValue
        return names[isa] ?? "isa 0x\(String(isa, radix: 16))"
    }

    /// The oneDNN version, e.g. "2.6.3".
    static var version: String {
        guard let v = dnnl_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"
    }
}

/// The layout of a 4-D f32 tensor: plain row-major (NCHW, or a weight order), or chosen by the
/// primitive (`any`), or whatever a primitive reported.
struct OneDNNMemory: Equatable {
    fileprivate var raw: dnnl_memory_desc_t

    /// The plain layouts the numeric core stores.
    enum Plain {
        /// [n, c, h, w], and Conv2D's [out, in, k, k] weights.
        case rowMajor
        /// ConvTranspose2D's [in, out, k, k] weights seen as oneDNN's [out, in, k, k].
        case inputOutputWeights
        /// One value per channel.
        case vector
    }

    /// A plain layout of `dims` (oneDNN's order: n, c, h, w or o, i, h, w).
    static func plain(_ dims: [Int], _ plain: Plain = .rowMajor) throws -> OneDNNMemory {
        let tag: dnnl_format_tag_t
        switch plain {
        case .rowMajor: tag = dnnl_nchw
        case .inputOutputWeights: tag = dnnl_iohw
        case .vector: tag = dnnl_x
        }
        return try make(dims, tag)
    }

    /// A layout the primitive chooses.
    static func any(_ dims: [Int]) throws -> OneDNNMemory { try make(dims, dnnl_format_tag_any) }

    private static func make(_ dims: [Int], _ tag: dnnl_format_tag_t) throws -> OneDNNMemory {
        var raw = dnnl_memory_desc_t()
        let values = dims.map { dnnl_dim_t($0) }
        try check(dnnl_memory_desc_init_by_tag(&raw, Int32(values.count), values, dnnl_f32, tag),
                  "memory_desc_init_by_tag(\(dims))")
        return OneDNNMemory(raw: raw)
    }

    /// Floats a buffer in this layout holds (blocked layouts pad channels up to their block).
    var floatCount: Int {
        withUnsafePointer(to: raw) { dnnl_memory_desc_get_size($0) } / MemoryLayout<Float>.stride
    }

    static func == (lhs: OneDNNMemory, rhs: OneDNNMemory) -> Bool {
        withUnsafePointer(to: lhs.raw) { l in withUnsafePointer(to: rhs.raw) { r in dnnl_memory_desc_equal(l, r) != 0 } }
    }
}

/// The arguments a (de)convolution or reorder primitive is executed with.
enum OneDNNArgument {
    case source, weights, bias, destination, sourceGradient, weightsGradient, biasGradient, destinationGradient

    fileprivate var raw: Int32 {
        switch self {
        case .source: DNNL_ARG_SRC
        case .weights: DNNL_ARG_WEIGHTS
        case .bias: DNNL_ARG_BIAS
        case .destination: DNNL_ARG_DST
        case .sourceGradient: DNNL_ARG_DIFF_SRC
        case .weightsGradient: DNNL_ARG_DIFF_WEIGHTS
        case .biasGradient: DNNL_ARG_DIFF_BIAS
        case .destinationGradient: DNNL_ARG_DIFF_DST
        }
    }
}

/// Which pass of a (de)convolution a primitive computes.
enum OneDNNPass: String {
    case forward = "forward", backwardData = "backward-data", backwardWeights = "backward-weights"
}

/// One built oneDNN primitive (its descriptor, its JIT code) and the implementation oneDNN picked.
final class OneDNNPrimitive: @unchecked Sendable {
    private let descriptor: dnnl_primitive_desc_t
    private let primitive: dnnl_primitive_t
    private let engine: OneDNNEngine
    /// oneDNN's name for the implementation, e.g. "jit:avx2", "gemm:jit" or "ref:any".
    let implementation: String

    private init(descriptor: dnnl_primitive_desc_t, engine: OneDNNEngine) throws {
        var primitive: dnnl_primitive_t?
        do {
            try check(dnnl_primitive_create(&primitive, descriptor), "primitive_create")
        } catch {
            dnnl_primitive_desc_destroy(descriptor)
            throw error
        }
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
        self.descriptor = descriptor
        self.primitive = primitive!
        self.engine = engine
        implementation = name.map { String(cString: $0) } ?? "unknown"
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }

    /// A convolution (`transposed` false) or deconvolution primitive for `pass`. Layouts are
    /// oneDNN's n, c, h, w and o, i, h, w orders; `bias` nil means none. Backward passes need
    /// the forward primitive as `hint`.
    static func convolution(transposed: Bool, pass: OneDNNPass, source: OneDNNMemory, weights: OneDNNMemory,
                            bias: OneDNNMemory?, destination: OneDNNMemory, stride: Int, paddingLow: Int,
                            paddingHigh: (height: Int, width: Int), hint: OneDNNPrimitive?) throws -> OneDNNPrimitive {
        let engine = try OneDNNEngine.shared.get()
        let strides = [dnnl_dim_t(stride), dnnl_dim_t(stride)]
        let low = [dnnl_dim_t(paddingLow), dnnl_dim_t(paddingLow)]
        let high = [dnnl_dim_t(paddingHigh.height), dnnl_dim_t(paddingHigh.width)]
        var src = source.raw, w = weights.raw, dst = destination.raw
        var b = bias?.raw ?? dnnl_memory_desc_t()
        var op = dnnl_convolution_desc_t()  // dnnl_deconvolution_desc_t is the same C type
        let what = "\(transposed ? "deconvolution" : "convolution") \(pass.rawValue) desc_init"
        switch (transposed, pass) {
        case (false, .forward):
            try check(dnnl_convolution_forward_desc_init(&op, dnnl_forward_training, dnnl_convolution_direct,
                                                         &src, &w, &b, &dst, strides, low, high), what)
        case (false, .backwardData):
            try check(dnnl_convolution_backward_data_desc_init(&op, dnnl_convolution_direct, &src, &w, &dst,
                                                               strides, low, high), what)
        case (false, .backwardWeights):
            try check(dnnl_convolution_backward_weights_desc_init(&op, dnnl_convolution_direct, &src, &w, &b, &dst,
                                                                  strides, low, high), what)
        case (true, .forward):
            try check(dnnl_deconvolution_forward_desc_init(&op, dnnl_forward_training, dnnl_deconvolution_direct,
                                                           &src, &w, &b, &dst, strides, low, high), what)
        case (true, .backwardData):
            try check(dnnl_deconvolution_backward_data_desc_init(&op, dnnl_deconvolution_direct, &src, &w, &dst,
                                                                 strides, low, high), what)
        case (true, .backwardWeights):
            try check(dnnl_deconvolution_backward_weights_desc_init(&op, dnnl_deconvolution_direct, &src, &w, &b, &dst,
                                                                    strides, low, high), what)
        }
        var descriptor: dnnl_primitive_desc_t?
        try check(dnnl_primitive_desc_create(&descriptor, &op, nil, engine.engine, hint?.descriptor),
                  "\(transposed ? "deconvolution" : "convolution") \(pass.rawValue) primitive_desc_create")
        return try OneDNNPrimitive(descriptor: descriptor!, engine: engine)
    }

    /// A reorder from one layout of a tensor to another.
    static func reorder(from source: OneDNNMemory, to destination: OneDNNMemory) throws -> OneDNNPrimitive {
        let engine = try OneDNNEngine.shared.get()
        var src = source.raw, dst = destination.raw
        var descriptor: dnnl_primitive_desc_t?
        try check(dnnl_reorder_primitive_desc_create(&descriptor, &src, engine.engine, &dst, engine.engine, nil),
                  "reorder primitive_desc_create")
        return try OneDNNPrimitive(descriptor: descriptor!, engine: engine)
    }

    /// The layout this primitive expects for `argument` (a reorder's are `source` and `destination`).
    func layout(of argument: OneDNNArgument) -> OneDNNMemory {
        let (query, index): (dnnl_query_t, Int32)
        switch argument {
        case .source: (query, index) = (dnnl_query_src_md, 0)
        case .weights: (query, index) = (dnnl_query_weights_md, 0)
        case .bias: (query, index) = (dnnl_query_weights_md, 1)
        case .destination: (query, index) = (dnnl_query_dst_md, 0)
        case .sourceGradient: (query, index) = (dnnl_query_diff_src_md, 0)
        case .weightsGradient: (query, index) = (dnnl_query_diff_weights_md, 0)
        case .biasGradient: (query, index) = (dnnl_query_diff_weights_md, 1)
        case .destinationGradient: (query, index) = (dnnl_query_diff_dst_md, 0)
        }
        return OneDNNMemory(raw: dnnl_primitive_desc_query_md(descriptor, query, index).pointee)
    }

    /// Runs the primitive on `ComputeThreads.count` OpenMP threads over the given buffers (each
    /// in the layout `layout(of:)` reports) and waits for it to finish.
    func execute(_ arguments: [(OneDNNArgument, UnsafeMutableRawPointer)]) throws {
        omp_set_num_threads(Int32(ComputeThreads.count))
        var memories: [dnnl_exec_arg_t] = []
        memories.reserveCapacity(arguments.count)
        defer { for entry in memories { dnnl_memory_destroy(entry.memory) } }
        for (argument, pointer) in arguments {
            var memory: dnnl_memory_t?
            var raw = layout(of: argument).raw
            try check(dnnl_memory_create(&memory, &raw, engine.engine, pointer), "memory_create")
            memories.append(dnnl_exec_arg_t(arg: argument.raw, memory: memory))
        }
        try check(dnnl_primitive_execute(primitive, engine.stream, Int32(memories.count), memories),
                  "primitive_execute (\(implementation))")
        try check(dnnl_stream_wait(engine.stream), "stream_wait")
    }
}
