// Layer: render tests. Independent PNG decoding (libpng simplified read API) and synthetic arrays.
import CPNG
import Foundation
import RDCRender
import XCTest

/// A PNG decoded by libpng's own reader, independent of the module's encoder path.
struct DecodedPNG {
    let width: Int
    let height: Int
    let rgb: [UInt8]

    init(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        var pixels: [UInt8] = []
        let succeeded = bytes.withUnsafeBytes { source -> Bool in
            guard png_image_begin_read_from_memory(&image, source.baseAddress, source.count) != 0 else { return false }
            image.format = UInt32(PNG_FORMAT_RGB)
            pixels = [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * 3)
            return pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) } != 0
        }
        guard succeeded else {
            let message = withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            png_image_free(&image)
            XCTFail("libpng could not decode: \(message)", file: file, line: line)
            throw RenderError.encodingFailed(message)
        }
        width = Int(image.width)
        height = Int(image.height)
        rgb = pixels
    }

    func color(x: Int, y: Int) -> RGB {
        let index = (y * width + x) * 3
        return RGB(red: rgb[index], green: rgb[index + 1], blue: rgb[index + 2])
    }

    /// Number of distinct colours in the image.
    var distinctColorCount: Int {
        var seen = Set<UInt32>()
        for index in stride(from: 0, to: rgb.count, by: 3) {
            seen.insert(UInt32(rgb[index]) << 16 | UInt32(rgb[index + 1]) << 8 | UInt32(rgb[index + 2]))
        }
        return seen.count
    }

    /// Fraction of pixels that are not pure white.
    var inkedFraction: Double {
        var inked = 0
        for index in stride(from: 0, to: rgb.count, by: 3) where rgb[index] != 255 || rgb[index + 1] != 255 || rgb[index + 2] != 255 {
            inked += 1
        }
        return Double(inked) / Double(width * height)
    }
}

/// Decodes `image` independently and checks it matches its recorded sizes and is not blank.
@discardableResult
func assertValidFigure(_ image: RenderedImage, minimumColors: Int = 8,
                       file: StaticString = #filePath, line: UInt = #line) throws -> DecodedPNG {
    let decoded = try DecodedPNG(image.png, file: file, line: line)
    XCTAssertEqual(decoded.width, image.pixelWidth, "decoded width", file: file, line: line)
    XCTAssertEqual(decoded.height, image.pixelHeight, "decoded height", file: file, line: line)
    XCTAssertEqual(image.logicalWidth * 2, image.pixelWidth, "figures are drawn at 2x density", file: file, line: line)
    XCTAssertEqual(image.logicalHeight * 2, image.pixelHeight, "figures are drawn at 2x density", file: file, line: line)
    XCTAssertGreaterThanOrEqual(decoded.distinctColorCount, minimumColors, "figure looks blank", file: file, line: line)
    XCTAssertGreaterThan(decoded.inkedFraction, 0.01, "figure is nearly all white", file: file, line: line)
    return decoded
}

/// Deterministic synthetic pictures: grey rings of growing radius, or RGB colour gradients.
enum Synthetic {
    static func rings(count: Int, side: Int = 28, offset: Int = 0) throws -> ImageBatch {
        var values = [Float](repeating: 0, count: count * side * side)
        let centre = Float(side - 1) / 2
        for item in 0..<count {
            let radius = 3 + Float((item + offset) % 9)
            for y in 0..<side {
                for x in 0..<side {
                    let r = ((Float(x) - centre) * (Float(x) - centre) + (Float(y) - centre) * (Float(y) - centre)).squareRoot()
                    values[item * side * side + y * side + x] = exp(-(r - radius) * (r - radius) / 3)
                }
            }
        }
        return try ImageBatch(count: count, channels: 1, height: side, width: side, values: values)
    }

    static func gradients(count: Int, side: Int = 32) throws -> ImageBatch {
        var values = [Float](repeating: 0, count: count * 3 * side * side)
        for item in 0..<count {
            for channel in 0..<3 {
                for y in 0..<side {
                    for x in 0..<side {
                        let phase = Float(item) / Float(max(count, 1)) + Float(channel) / 3
                        let value = 0.5 + 0.5 * sin(phase * 6.28 + Float(x + y * channel) / Float(side) * 3)
                        values[((item * 3 + channel) * side + y) * side + x] = value
                    }
                }
            }
        }
        return try ImageBatch(count: count, channels: 3, height: side, width: side, values: values)
    }

    /// Linear cross-fade between two images of `batch`, one image per alpha.
    static func crossFade(_ batch: ImageBatch, from first: Int, to second: Int, alphas: [Float]) throws -> ImageBatch {
        let size = batch.valuesPerImage
        var values: [Float] = []
        for alpha in alphas {
            for index in 0..<size {
                values.append((1 - alpha) * batch.values[first * size + index] + alpha * batch.values[second * size + index])
            }
        }
        return try ImageBatch(count: alphas.count, channels: batch.channels, height: batch.height, width: batch.width, values: values)
    }

    /// `groups` Gaussian-ish blobs of points laid out on a circle, deterministic.
    static func blobs(pointsPerGroup: Int, groups: Int) -> (points: [Float], groups: [Int]) {
        var points: [Float] = [], labels: [Int] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        for group in 0..<groups {
            let angle = Float(group) / Float(groups) * 6.283
            for _ in 0..<pointsPerGroup {
                let spreadX = (uniform() + uniform() + uniform() - 1.5) * 3
                let spreadY = (uniform() + uniform() + uniform() - 1.5) * 3
                points += [20 * cos(angle) + spreadX, 20 * sin(angle) + spreadY]
                labels.append(group)
            }
        }
        return (points, labels)
    }
}
