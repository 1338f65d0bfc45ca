// Layer: numeric core. May use CBLAS only; knows nothing of R-DC, sessions or files.

/// The geometry shared by a convolution and its transpose: a square kernel sliding over a
/// C×H×W image with a stride and zero padding, producing outHeight×outWidth positions.
public struct ConvolutionGeometry: Equatable, Sendable {
    /// Channels of the image the kernel slides over.
    public var channels: Int
    /// Height and width of that image.
    public var height: Int, width: Int
    /// Kernel side, stride and zero padding.
    public var kernel: Int, stride: Int, padding: Int

    /// Number of kernel positions vertically.
    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    /// Number of kernel positions horizontally.
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    public var patchSize: Int { channels * kernel * kernel }

    /// The output columns `ox` whose input column `ox·stride − padding + kx` lies inside the image.
    @inline(__always)
    private func validColumns(kx: Int, outWidth: Int) -> Range<Int> {
        let shift = padding - kx
        let low = shift > 0 ? (shift + stride - 1) / stride : 0
        let high = min(outWidth, (width - 1 + shift) / stride + 1)
        return low..<max(low, high)
    }

    /// Width of one phase plane: an image row split by column index modulo the stride.
    private var phaseWidth: Int { (width + stride - 1) / stride }

    /// Where kernel column `kx` reads: the phase plane `phase` and the shift from `ox` to the
    /// phase-plane column, so input column ox·stride − padding + kx is phase[ox + shift].
    @inline(__always)
    private func phaseAndShift(kx: Int) -> (phase: Int, shift: Int) {
        let offset = kx - padding
        let phase = ((offset % stride) + stride) % stride
        return (phase, (offset - phase) / stride)
    }

    /// Copies every kernel-sized patch of a batch of images into a column matrix of shape
    /// [patchSize, batch·outHeight·outWidth] (row = channel and kernel offset, column =
    /// image and output position), so the convolution becomes one GEMM. Rows are `rowStride`
    /// values apart (default: tight), so a block of images can fill its columns of a wider matrix.
    ///
    /// The images are first split into `stride` phase planes (columns by index modulo the
    /// stride) so that every kernel offset reads contiguous runs, and the column matrix is
    /// written row by row, in memory order.
    func imageToColumns(_ images: UnsafePointer<Float>, batch: Int, into columns: UnsafeMutablePointer<Float>,
                        rowStride: Int? = nil) {
        let outH = outHeight, outW = outWidth, positions = outH * outW
        let rowStride = rowStride ?? batch * positions
        let planeSize = height * width, phaseW = phaseWidth, phaseSize = height * phaseW
        let phasedPlaneSize = stride * phaseSize
        let phases = UnsafeMutablePointer<Float>.allocate(capacity: batch * channels * phasedPlaneSize)
        defer { phases.deallocate() }
        for item in 0..<batch {
            for channel in 0..<channels {
                splitIntoPhases(images + (item * channels + channel) * planeSize,
                                phases + (item * channels + channel) * phasedPlaneSize)
            }
        }
        for channel in 0..<channels {
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let row = columns + ((channel * kernel + ky) * kernel + kx) * rowStride
                    let valid = validColumns(kx: kx, outWidth: outW)
                    let (phase, shift) = phaseAndShift(kx: kx)
                    for item in 0..<batch {
                        let phasePlane = phases + (item * channels + channel) * phasedPlaneSize + phase * phaseSize
                        let target = row + item * positions
                        for oy in 0..<outH {
                            let y = oy * stride - padding + ky
                            let line = target + oy * outW
                            guard y >= 0 && y < height, !valid.isEmpty else {
                                line.update(repeating: 0, count: outW)
                                continue
                            }
                            if valid.lowerBound > 0 { line.update(repeating: 0, count: valid.lowerBound) }
                            let source = phasePlane + y * phaseW + shift
                            for ox in valid { line[ox] = source[ox] }
                            if valid.upperBound < outW {
                                (line + valid.upperBound).update(repeating: 0, count: outW - valid.upperBound)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `imageToColumns`: adds every column entry back onto the image position
    /// it was copied from. `images` must be zeroed (or hold values to add to).
    func columnsToImage(_ columns: UnsafePointer<Float>, batch: Int, into images: UnsafeMutablePointer<Float>) {
        let outH = outHeight, outW = outWidth, positions = outH * outW
        let rowStride = batch * positions
        let planeSize = height * width, phaseW = phaseWidth, phaseSize = height * phaseW
        let phasedPlaneSize = stride * phaseSize
        let phaseCount = batch * channels * phasedPlaneSize
        let phases = UnsafeMutablePointer<Float>.allocate(capacity: phaseCount)
        defer { phases.deallocate() }
        phases.update(repeating: 0, count: phaseCount)
        for channel in 0..<channels {
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let row = columns + ((channel * kernel + ky) * kernel + kx) * rowStride
                    let valid = validColumns(kx: kx, outWidth: outW)
                    guard !valid.isEmpty else { continue }
                    let (phase, shift) = phaseAndShift(kx: kx)
                    for item in 0..<batch {
                        let phasePlane = phases + (item * channels + channel) * phasedPlaneSize + phase * phaseSize
                        let source = row + item * positions
                        for oy in 0..<outH {
                            let y = oy * stride - padding + ky
                            guard y >= 0 && y < height else { continue }
                            let target = phasePlane + y * phaseW + shift
                            let line = source + oy * outW
                            for ox in valid { target[ox] += line[ox] }
                        }
                    }
                }
            }
        }
        for item in 0..<batch {
            for channel in 0..<channels {
                addPhases(phases + (item * channels + channel) * phasedPlaneSize,
                          into: images + (item * channels + channel) * planeSize)
            }
        }
    }

    /// How many images go through im2col/col2im and their GEMM at a time: blocks of about
    /// 1 MB of column values, so a block's columns are still in cache when the GEMM (or
    /// col2im) reads them.
    var imagesPerBlock: Int { max(1, (1 << 18) / max(1, patchSize * outHeight * outWidth)) }

    /// Adds the columns Wᵀ·source back onto `count` images through col2im, a block of images at a
    /// time: a convolution's input gradient and a transposed convolution's output. `weights` is
    /// [sourceChannels, patchSize]; `source` is channel-first, [sourceChannels, count·positions].
    func addColumnProduct(weights: UnsafePointer<Float>, source: UnsafePointer<Float>, sourceChannels: Int,
                          count: Int, into images: UnsafeMutablePointer<Float>) {
        let positions = outHeight * outWidth, imageSize = channels * height * width
        let blockSize = min(imagesPerBlock, count)
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: patchSize * blockSize * positions)
        defer { columns.deallocate() }
        for start in Swift.stride(from: 0, to: count, by: blockSize) {
            let blockCount = min(blockSize, count - start)
            gemm(transposeA: true, m: patchSize, n: blockCount * positions, k: sourceChannels,
                 a: weights, b: source + start * positions, ldb: count * positions, c: columns)
            columnsToImage(columns, batch: blockCount, into: images + start * imageSize)
        }
    }

    /// phase[r][y][j] = plane[y][j·stride + r].
    @inline(__always)
    private func splitIntoPhases(_ plane: UnsafePointer<Float>, _ phases: UnsafeMutablePointer<Float>) {
        let phaseW = phaseWidth, phaseSize = height * phaseW
        if stride == 1 {
            phases.update(from: plane, count: height * width)
            return
        }
        for phase in 0..<min(stride, width) {
            let target = phases + phase * phaseSize
            let count = (width - phase + stride - 1) / stride
            for y in 0..<height {
                let source = plane + y * width + phase, line = target + y * phaseW
                for j in 0..<count { line[j] = source[j * stride] }
            }
        }
    }

    /// plane[y][j·stride + r] += phase[r][y][j].
    @inline(__always)
    private func addPhases(_ phases: UnsafePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        let phaseW = phaseWidth, phaseSize = height * phaseW
        for phase in 0..<min(stride, width) {
            let source = phases + phase * phaseSize
            let count = (width - phase + stride - 1) / stride
            for y in 0..<height {
                let target = plane + y * width + phase, line = source + y * phaseW
                for j in 0..<count { target[j * stride] += line[j] }
            }
        }
    }
}

/// Moves between the batch-first layout [n, C, P] and the channel-first layout [C, n·P]
/// that batch-wide convolution GEMMs produce and consume.
enum ChannelLayout {
    /// [n, C, P] → [C, n·P].
    static func channelFirst(_ source: UnsafePointer<Float>, batch: Int, channels: Int, positions: Int,
                             into target: UnsafeMutablePointer<Float>) {
        for item in 0..<batch {
            for channel in 0..<channels {
                (target + (channel * batch + item) * positions)
                    .update(from: source + (item * channels + channel) * positions, count: positions)
            }
        }
    }

    /// [C, n·P] → [n, C, P], adding `bias[channel]` to every value when given.
    static func batchFirst(_ source: UnsafePointer<Float>, batch: Int, channels: Int, positions: Int,
                           bias: UnsafePointer<Float>?, into target: UnsafeMutablePointer<Float>) {
        for item in 0..<batch {
            for channel in 0..<channels {
                let from = source + (channel * batch + item) * positions
                let to = target + (item * channels + channel) * positions
                if let bias {
                    let b = bias[channel]
                    for p in 0..<positions { to[p] = from[p] + b }
                } else {
                    to.update(from: from, count: positions)
                }
            }
        }
    }

    /// Adds, per channel, the sum of a [n, C, P] gradient into `biasGradient`.
    static func accumulateChannelSums(_ source: UnsafePointer<Float>, batch: Int, channels: Int, positions: Int,
                                      into biasGradient: UnsafeMutablePointer<Float>) {
        for item in 0..<batch {
            for channel in 0..<channels {
                let from = source + (item * channels + channel) * positions
                var sum: Float = 0
                for p in 0..<positions { sum += from[p] }
                biasGradient[channel] += sum
            }
        }
    }
}

/// A 2-D convolution over [n, C, H, W] batches (cross-correlation, as in PyTorch), on the
/// process's `ConvolutionBackend`: oneDNN's primitives, or im2col followed by GEMM, where each
/// compute thread takes a contiguous slice of the batch through im2col, one GEMM and the layout
/// change, so no thread waits on another between the steps. Weights are [outChannels, inChannels, k, k].
public struct Conv2D: Layer {
    /// Kernel weights, [outChannels, inChannels, kernel, kernel].
    public var weight: Parameter
    /// One bias per output channel.
    public var bias: Parameter
    /// Stride and zero padding.
    public let stride: Int, padding: Int
    private var geometry: ConvolutionGeometry?
    /// The column matrices of the last forward, one [patchSize, items·positions] block per
    /// batch slice, stored one after another in item order.
    private var columns: [Float] = []
    private var batch = 0
    /// The last forward's input, plan and reordered input when oneDNN computed it.
    private var oneDNN: OneDNNForward?

    /// Output channels.
    public var outChannels: Int { weight.value.shape[0] }
    /// Input channels.
    public var inChannels: Int { weight.value.shape[1] }
    /// Kernel side.
    public var kernel: Int { weight.value.shape[2] }

    /// A convolution with a square kernel; weights from `initializer`, zero biases.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                initializer: Initializer = .glorotUniform, generator: inout SeededGenerator) {
        self.stride = stride
        self.padding = padding
        weight = Parameter(initializer.tensor(shape: [outChannels, inChannels, kernel, kernel],
                                              fanIn: inChannels * kernel * kernel,
                                              fanOut: outChannels * kernel * kernel, generator: &generator))
        bias = Parameter(Tensor(shape: [outChannels]))
    }

    public mutating func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inChannels,
                     "Conv2D expects [n, \(inChannels), h, w], got \(input.shape)")
        let geometry = ConvolutionGeometry(channels: inChannels, height: input.shape[2], width: input.shape[3],
                                           kernel: kernel, stride: stride, padding: padding)
        self.geometry = geometry
        let shape = ConvolutionShape(transposed: false, batch: input.batchSize, inChannels: inChannels,
                                     outChannels: outChannels, inHeight: geometry.height, inWidth: geometry.width,
                                     outHeight: geometry.outHeight, outWidth: geometry.outWidth,
                                     kernel: kernel, stride: stride, padding: padding)
        oneDNN = nil
        if let (output, record) = OneDNNForward.run(shape, input, weight: weight.value, bias: bias.value) {
            oneDNN = record
            columns = []
            return output
        }
        return referenceForward(input, geometry)
    }

    private mutating func referenceForward(_ input: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
        let n = input.batchSize, positions = geometry.outHeight * geometry.outWidth
        let patch = geometry.patchSize, outC = outChannels
        let inputItem = input.itemSize, outputItem = outC * positions
        batch = n
        var columns = [Float](unsafeUninitializedCapacity: patch * n * positions) { $1 = $0.count }
        let output = Tensor(shape: [n, outC, geometry.outHeight, geometry.outWidth]) { y in
            columns.withUnsafeMutableBufferPointer { cols in
                input.storage.withUnsafeBufferPointer { x in
                    weight.value.storage.withUnsafeBufferPointer { w in
                        bias.value.storage.withUnsafeBufferPointer { b in
                            ParallelItems.forEachChunk(of: n) { _, items in
                                // The slice's columns stay cached for backward as one
                                // [patch, items·positions] matrix, filled a block at a time.
                                let sliceColumns = cols.baseAddress! + patch * items.lowerBound * positions
                                let rowStride = items.count * positions
                                let blockSize = min(geometry.imagesPerBlock, items.count)
                                let product = UnsafeMutablePointer<Float>.allocate(capacity: outC * blockSize * positions)
                                defer { product.deallocate() }
                                for start in Swift.stride(from: 0, to: items.count, by: blockSize) {
                                    let count = min(blockSize, items.count - start), item = items.lowerBound + start
                                    let blockColumns = sliceColumns + start * positions
                                    geometry.imageToColumns(x.baseAddress! + item * inputItem, batch: count,
                                                            into: blockColumns, rowStride: rowStride)
                                    gemm(m: outC, n: count * positions, k: patch, a: w.baseAddress!,
                                         b: blockColumns, ldb: rowStride, c: product)
                                    ChannelLayout.batchFirst(product, batch: count, channels: outC, positions: positions,
                                                             bias: b.baseAddress!, into: y.baseAddress! + item * outputItem)
                                }
                            }
                        }
                    }
                }
            }
        }
        self.columns = columns
        return output
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        guard let geometry else { preconditionFailure("Conv2D.backward before forward") }
        if let record = oneDNN {
            if let gradient = record.backward(outputGradient, &weight, &bias, needs) { return gradient }
            _ = referenceForward(record.input, geometry)
        }
        let n = batch, outC = outChannels, positions = geometry.outHeight * geometry.outWidth
        let patch = geometry.patchSize, outputItem = outC * positions
        let inputItem = inChannels * geometry.height * geometry.width
        if needs.parameterGradients {
            outputGradient.storage.withUnsafeBufferPointer { dy in
                bias.gradient.storage.withUnsafeMutableBufferPointer { db in
                    ChannelLayout.accumulateChannelSums(dy.baseAddress!, batch: n, channels: outC,
                                                        positions: positions, into: db.baseAddress!)
                }
            }
        }
        var inputGradient = Tensor(shape: needs.inputGradient ? [n, inChannels, geometry.height, geometry.width] : [0]) { _ in }
        columns.withUnsafeBufferPointer { cols in
            inputGradient.storage.withUnsafeMutableBufferPointer { dx in
                outputGradient.storage.withUnsafeBufferPointer { dy in
                    weight.value.storage.withUnsafeBufferPointer { w in
                        weight.gradient.storage.withUnsafeMutableBufferPointer { dw in
                            ParallelItems.forEachChunk(of: n, accumulatingInto: dw, enabled: needs.parameterGradients) {
                                items, weightGradient, beta in
                                let count = items.count
                                let sliceColumns = cols.baseAddress! + patch * items.lowerBound * positions
                                let gradient = UnsafeMutablePointer<Float>.allocate(capacity: outC * count * positions)
                                defer { gradient.deallocate() }
                                ChannelLayout.channelFirst(dy.baseAddress! + items.lowerBound * outputItem, batch: count,
                                                           channels: outC, positions: positions, into: gradient)
                                if let weightGradient {
                                    gemm(transposeB: true, m: outC, n: patch, k: count * positions,
                                         a: gradient, b: sliceColumns, beta: beta, c: weightGradient)
                                }
                                guard needs.inputGradient else { return }
                                let sliceGradient = dx.baseAddress! + items.lowerBound * inputItem
                                sliceGradient.update(repeating: 0, count: count * inputItem)
                                geometry.addColumnProduct(weights: w.baseAddress!, source: gradient, sourceChannels: outC,
                                                          count: count, into: sliceGradient)
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    public mutating func visitParameters(_ body: (inout Parameter) -> Void) {
        body(&weight)
        body(&bias)
    }

    public mutating func clearCache() {
        columns = []
        oneDNN = nil
    }
}

/// A 2-D transposed convolution (the adjoint of `Conv2D`, as PyTorch's ConvTranspose2d):
/// output side (in − 1)·stride − 2·padding + kernel + outputPadding. On the reference backend,
/// batch slices go to the compute threads as in `Conv2D`. Weights are [inChannels, outChannels, k, k].
public struct ConvTranspose2D: Layer {
    /// Kernel weights, [inChannels, outChannels, kernel, kernel].
    public var weight: Parameter
    /// One bias per output channel.
    public var bias: Parameter
    /// Stride, zero padding and extra rows/columns added on the bottom/right of the output.
    public let stride: Int, padding: Int, outputPadding: Int
    private var geometry: ConvolutionGeometry?
    private var inputShape: [Int] = []
    /// The last input in channel-first layout, one [inChannels, items·positions] block per batch
    /// slice, stored one after another in item order.
    private var inputChannelFirst: [Float] = []
    /// The last forward's input, plan and reordered input when oneDNN computed it.
    private var oneDNN: OneDNNForward?

    /// Input channels.
    public var inChannels: Int { weight.value.shape[0] }
    /// Output channels.
    public var outChannels: Int { weight.value.shape[1] }
    /// Kernel side.
    public var kernel: Int { weight.value.shape[2] }

    /// A transposed convolution; `outputPadding` must be smaller than `stride`.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, initializer: Initializer = .glorotUniform,
                generator: inout SeededGenerator) {
        precondition(stride >= 1 && outputPadding < stride, "output padding must be below the stride")
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        weight = Parameter(initializer.tensor(shape: [inChannels, outChannels, kernel, kernel],
                                              fanIn: outChannels * kernel * kernel,
                                              fanOut: inChannels * kernel * kernel, generator: &generator))
        bias = Parameter(Tensor(shape: [outChannels]))
    }

    /// Output height and width for an input of `height`×`width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height - 1) * stride - 2 * padding + kernel + outputPadding,
         (width - 1) * stride - 2 * padding + kernel + outputPadding)
    }

    public mutating func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inChannels,
                     "ConvTranspose2D expects [n, \(inChannels), h, w], got \(input.shape)")
        let n = input.batchSize, inH = input.shape[2], inW = input.shape[3]
        let (outH, outW) = outputSize(height: inH, width: inW)
        // The geometry of the forward convolution this layer is the adjoint of: it slides over
        // the output image and lands on inH×inW positions.
        let geometry = ConvolutionGeometry(channels: outChannels, height: outH, width: outW,
                                           kernel: kernel, stride: stride, padding: padding)
        self.geometry = geometry
        inputShape = input.shape
        let shape = ConvolutionShape(transposed: true, batch: n, inChannels: inChannels, outChannels: outChannels,
                                     inHeight: inH, inWidth: inW, outHeight: outH, outWidth: outW,
                                     kernel: kernel, stride: stride, padding: padding)
        oneDNN = nil
        if let (output, record) = OneDNNForward.run(shape, input, weight: weight.value, bias: bias.value) {
            oneDNN = record
            inputChannelFirst = []
            return output
        }
        return referenceForward(input, geometry)
    }

    private mutating func referenceForward(_ input: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
        let n = input.batchSize, inH = input.shape[2], inW = input.shape[3]
        let outH = geometry.height, outW = geometry.width
        let positions = inH * inW, inC = inChannels, outC = outChannels
        let inputItem = inC * positions, planes = outH * outW, outputItem = outC * planes
        var channelFirst = [Float](unsafeUninitializedCapacity: input.count) { $1 = $0.count }
        let output = Tensor(shape: [n, outC, outH, outW]) { y in
            channelFirst.withUnsafeMutableBufferPointer { cf in
                input.storage.withUnsafeBufferPointer { x in
                    weight.value.storage.withUnsafeBufferPointer { w in
                        bias.value.storage.withUnsafeBufferPointer { b in
                            ParallelItems.forEachChunk(of: n) { _, items in
                                let count = items.count
                                let sliceInput = cf.baseAddress! + items.lowerBound * inputItem
                                ChannelLayout.channelFirst(x.baseAddress! + items.lowerBound * inputItem, batch: count,
                                                           channels: inC, positions: positions, into: sliceInput)
                                let sliceOutput = y.baseAddress! + items.lowerBound * outputItem
                                for item in 0..<count {
                                    for channel in 0..<outC {
                                        (sliceOutput + (item * outC + channel) * planes)
                                            .update(repeating: b[channel], count: planes)
                                    }
                                }
                                geometry.addColumnProduct(weights: w.baseAddress!, source: sliceInput, sourceChannels: inC,
                                                          count: count, into: sliceOutput)
                            }
                        }
                    }
                }
            }
        }
        inputChannelFirst = channelFirst
        return output
    }

    public mutating func backward(_ outputGradient: Tensor, needs: BackwardNeeds) -> Tensor {
        guard let geometry else { preconditionFailure("ConvTranspose2D.backward before forward") }
        if let record = oneDNN {
            if let gradient = record.backward(outputGradient, &weight, &bias, needs) { return gradient }
            _ = referenceForward(record.input, geometry)
        }
        let n = inputShape[0], positions = inputShape[2] * inputShape[3]
        let inC = inChannels, outC = outChannels, patch = geometry.patchSize
        let inputItem = inC * positions, outputItem = outC * geometry.height * geometry.width
        if needs.parameterGradients {
            outputGradient.storage.withUnsafeBufferPointer { dy in
                bias.gradient.storage.withUnsafeMutableBufferPointer { db in
                    ChannelLayout.accumulateChannelSums(dy.baseAddress!, batch: n, channels: outC,
                                                        positions: geometry.height * geometry.width,
                                                        into: db.baseAddress!)
                }
            }
        }
        var inputGradient = Tensor(shape: needs.inputGradient ? inputShape : [0]) { _ in }
        inputGradient.storage.withUnsafeMutableBufferPointer { dx in
            inputChannelFirst.withUnsafeBufferPointer { cf in
                outputGradient.storage.withUnsafeBufferPointer { dy in
                    weight.value.storage.withUnsafeBufferPointer { w in
                        weight.gradient.storage.withUnsafeMutableBufferPointer { dw in
                            ParallelItems.forEachChunk(of: n, accumulatingInto: dw, enabled: needs.parameterGradients) {
                                items, weightGradient, beta in
                                let count = items.count, blockSize = min(geometry.imagesPerBlock, count)
                                let sliceInput = cf.baseAddress! + items.lowerBound * inputItem
                                let columns = UnsafeMutablePointer<Float>.allocate(capacity: patch * blockSize * positions)
                                let product = UnsafeMutablePointer<Float>.allocate(capacity: inC * blockSize * positions)
                                defer {
                                    columns.deallocate()
                                    product.deallocate()
                                }
                                for start in Swift.stride(from: 0, to: count, by: blockSize) {
                                    let blockCount = min(blockSize, count - start), item = items.lowerBound + start
                                    geometry.imageToColumns(dy.baseAddress! + item * outputItem, batch: blockCount,
                                                            into: columns)
                                    if let weightGradient {
                                        gemm(transposeB: true, m: inC, n: patch, k: blockCount * positions,
                                             a: sliceInput + start * positions, lda: count * positions, b: columns,
                                             beta: start == 0 ? beta : 1, c: weightGradient)
                                    }
                                    guard needs.inputGradient else { continue }
                                    gemm(m: inC, n: blockCount * positions, k: patch, a: w.baseAddress!, b: columns,
                                         c: product)
                                    ChannelLayout.batchFirst(product, batch: blockCount, channels: inC, positions: positions,
                                                             bias: nil, into: dx.baseAddress! + item * inputItem)
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    public mutating func visitParameters(_ body: (inout Parameter) -> Void) {
        body(&weight)
        body(&bias)
    }

    public mutating func clearCache() {
        inputShape = []
        inputChannelFirst = []
        oneDNN = nil
    }
}

/// What a forward pass on oneDNN leaves for its backward pass.
private struct OneDNNForward {
    let input: Tensor
    let plan: OneDNNConvolutionPlan
    let reorderedInput: [Float]?

    /// Runs a forward pass on oneDNN when it is the current backend and can run `shape`; nil
    /// (after a note) otherwise, so the layer computes it on the reference backend.
    static func run(_ shape: ConvolutionShape, _ input: Tensor, weight: Tensor, bias: Tensor) -> (Tensor, OneDNNForward)? {
        guard ConvolutionBackend.current == .onednn, let plan = OneDNNConvolutionPlans.plan(for: shape) else { return nil }
        do {
            let (output, reordered) = try plan.forward(input: input, weight: weight, bias: bias)
            return (output, OneDNNForward(input: input, plan: plan, reorderedInput: reordered))
        } catch {
            ConvolutionBackend.noteFallback("oneDNN failed on the forward pass of the \(shape): \(error)")
            return nil
        }
    }

    /// The backward pass; nil (after a note, with no gradient added) when oneDNN failed, so the
    /// layer recomputes it on the reference backend.
    func backward(_ outputGradient: Tensor, _ weight: inout Parameter, _ bias: inout Parameter,
                  _ needs: BackwardNeeds) -> Tensor? {
        do {
            return try plan.backward(input: input, reorderedInput: reorderedInput, outputGradient: outputGradient,
                                     weight: &weight, bias: &bias, needs: needs)
        } catch {
            ConvolutionBackend.noteFallback("oneDNN failed on the backward pass of the \(plan.shape): \(error)")
            return nil
        }
    }
}
