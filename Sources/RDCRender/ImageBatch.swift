// Layer: render. Pure Swift value type describing images as plain float arrays.

/// A batch of images stored as one contiguous `count × channels × height × width` float array
/// (channel planes one after another for each image). Values are nominally in 0...1 and are
/// clamped when drawn; NaN draws as 0. One channel is grey, three are RGB.
public struct ImageBatch: Sendable, Equatable {
    /// Number of images.
    public let count: Int
    /// Channels per image: 1 (grey) or 3 (RGB).
    public let channels: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// The `count * channels * height * width` values, image-major then channel, row, column.
    public let values: [Float]

    /// A batch over `values`; throws if the shape is not positive, the channel count is not
    /// 1 or 3, or `values.count` does not equal `count * channels * height * width`.
    /// `count` may be 0 (an empty batch, e.g. a cluster with no members to show).
    public init(count: Int, channels: Int, height: Int, width: Int, values: [Float]) throws {
        try require(count >= 0, "image count must not be negative, got \(count)")
        try require(channels == 1 || channels == 3, "images must have 1 (grey) or 3 (RGB) channels, got \(channels)")
        try require(height > 0 && width > 0, "image height and width must be positive, got \(height)x\(width)")
        let expected = count * channels * height * width
        try require(values.count == expected,
                    "\(count)x\(channels)x\(height)x\(width) images need \(expected) values, got \(values.count)")
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// Number of values in one image (`channels * height * width`).
    public var valuesPerImage: Int { channels * height * width }

    /// True when `other` has the same channels, height and width (counts may differ).
    public func hasSameImageShape(as other: ImageBatch) -> Bool {
        channels == other.channels && height == other.height && width == other.width
    }

    /// A short shape description such as `1x28x28`, for error messages.
    var imageShapeDescription: String { "\(channels)x\(height)x\(width)" }

    /// Converts one value to an 8-bit intensity, clamping to 0...1 and drawing NaN as 0.
    @inline(__always)
    static func intensity(_ value: Float) -> UInt8 {
        guard value > 0 else { return 0 }  // also catches NaN
        guard value < 1 else { return 255 }
        return UInt8((value * 255).rounded())
    }
}
