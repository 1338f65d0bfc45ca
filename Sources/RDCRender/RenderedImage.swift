// Layer: render. A finished picture: PNG bytes plus its sizes and title; writes files via Foundation.
import Foundation
import SafeFiles

/// A finished figure: PNG bytes, pixel and logical sizes, and its title. Figures are drawn at
/// `density` device pixels per logical pixel (2 for every figure in this module), so a
/// front end should display the PNG at `logicalWidth` × `logicalHeight`.
public struct RenderedImage: Sendable, Equatable {
    /// The encoded PNG file.
    public let png: [UInt8]
    /// Width of the PNG in device pixels.
    public let pixelWidth: Int
    /// Height of the PNG in device pixels.
    public let pixelHeight: Int
    /// Display width: `pixelWidth / density`.
    public let logicalWidth: Int
    /// Display height: `pixelHeight / density`.
    public let logicalHeight: Int
    /// The figure's title (also drawn at its top).
    public let title: String

    /// Encodes `canvas`, recording its size at `density` pixels per logical pixel (rounded
    /// down when a side is not a multiple of `density`).
    public init(canvas: Canvas, title: String, density: Int = 2) throws {
        try require(density >= 1, "pixel density must be at least 1, got \(density)")
        png = try PNGEncoder.encode(canvas)
        pixelWidth = canvas.width
        pixelHeight = canvas.height
        logicalWidth = canvas.width / density
        logicalHeight = canvas.height / density
        self.title = title
    }

    /// Writes the PNG bytes to `path` atomically, replacing any existing file (never a folder
    /// or special file). The folder must exist. Throws `FileProblem`.
    public func write(to path: String) throws {
        try SafeFile.write(png, to: path)
    }
}
