// Layer: method (R-DC), data. May use NumericCore and Foundation; never the session, sockets or pictures.

import Foundation
import NumericCore

/// The shapes the synthetic data set draws, one per class, in class order.
public enum SyntheticShape: String, CaseIterable, Sendable {
    case disk, square, triangle, plus, ring, diamond, cross, frame

    /// Numbers of images `Dataset.syntheticShapes` accepts.
    public static let countRange = 1...1_000_000
    /// Numbers of classes it accepts: one per shape.
    public static let classRange = 1...allCases.count
    /// Image sides, in pixels, it accepts.
    public static let sizeRange = 8...256
    /// The most pixel values one generated data set may hold (4 GiB of Float32): within the
    /// ranges above, n × size² could otherwise ask for 262 GB and abort the process.
    public static let valueLimit = 1 << 30

    /// Whether the point (u, v), in shape units (radius 1, y downwards), lies inside the shape.
    func contains(_ u: Float, _ v: Float) -> Bool {
        switch self {
        case .disk: return u * u + v * v <= 1
        case .ring: let r = u * u + v * v; return r <= 1 && r >= 0.3
        case .square: return abs(u) <= 0.75 && abs(v) <= 0.75
        case .frame: return abs(u) <= 0.8 && abs(v) <= 0.8 && (abs(u) >= 0.45 || abs(v) >= 0.45)
        case .diamond: return abs(u) + abs(v) <= 1
        case .plus: return (abs(u) <= 0.25 && abs(v) <= 1) || (abs(v) <= 0.25 && abs(u) <= 1)
        case .cross:
            let a = (u + v) * 0.70710677, b = (u - v) * 0.70710677
            return (abs(a) <= 0.22 && abs(b) <= 1) || (abs(b) <= 0.22 && abs(a) <= 1)
        case .triangle:
            // Upward triangle with vertices (0, −1), (0.866, 0.5), (−0.866, 0.5).
            return v <= 0.5 && 1.732 * u - v <= 1 && -1.732 * u - v <= 1
        }
    }
}

extension Dataset {
    /// Generated one-channel images of simple shapes, one class per shape (`SyntheticShape`
    /// order): random centre, size (0.2–0.34 of the image), tilt (±15°) and brightness
    /// (0.7–1), 2×2 supersampled edges, plus Gaussian pixel noise of standard deviation
    /// `noise`, clamped to [0, 1]. Sample i has label i mod `classes`. Same seed, same images.
    ///
    /// - Throws: `DatasetError` unless `count`, `classes` and `size` lie in `SyntheticShape`'s
    ///   `countRange`, `classRange` and `sizeRange`, and `noise ≥ 0`.
    public static func syntheticShapes(
        count: Int = 2000, classes: Int = 5, size: Int = 28, noise: Float = 0.05, seed: UInt64 = 0
    ) throws -> Dataset {
        let shapes = SyntheticShape.allCases
        for (option, value, range) in [("n", count, SyntheticShape.countRange), ("classes", classes, SyntheticShape.classRange),
                                       ("size", size, SyntheticShape.sizeRange)] where !range.contains(value) {
            throw DatasetError(file: "synthetic", problem: "\(option) must be \(range.lowerBound)–\(range.upperBound), got \(value)")
        }
        guard noise >= 0, noise.isFinite else { throw DatasetError(file: "synthetic", problem: "noise must be ≥ 0, got \(noise)") }
        guard count * size * size <= SyntheticShape.valueLimit else {
            throw DatasetError(file: "synthetic", problem: "n=\(count) images of \(size)×\(size) would take "
                               + "\(count * size * size * 4 >> 20) MiB; at most \(SyntheticShape.valueLimit * 4 >> 30) GiB "
                               + "(\(SyntheticShape.valueLimit) values) can be generated: lower n or size")
        }
        var generator = SeededGenerator(seed: seed)
        let plane = size * size
        var storage = [Float](repeating: 0, count: count * plane)
        let side = Float(size)
        storage.withUnsafeMutableBufferPointer { out in
            for sample in 0..<count {
                let shape = shapes[sample % classes]
                let centreX = side * generator.nextUniform(0.36, 0.64), centreY = side * generator.nextUniform(0.36, 0.64)
                let radius = side * generator.nextUniform(0.2, 0.34)
                let tilt = generator.nextUniform(-Float.pi / 12, Float.pi / 12)
                let brightness = generator.nextUniform(0.7, 1)
                let cosine = cos(tilt) / radius, sine = sin(tilt) / radius
                let image = out.baseAddress! + sample * plane
                for y in 0..<size {
                    for x in 0..<size {
                        var covered = 0
                        for sub in 0..<4 {
                            let dx = Float(x) + 0.25 + 0.5 * Float(sub & 1) - centreX
                            let dy = Float(y) + 0.25 + 0.5 * Float(sub >> 1) - centreY
                            if shape.contains(cosine * dx + sine * dy, -sine * dx + cosine * dy) { covered += 1 }
                        }
                        let value = brightness * Float(covered) / 4 + (noise > 0 ? noise * generator.nextNormal() : 0)
                        image[y * size + x] = min(1, max(0, value))
                    }
                }
            }
        }
        return Dataset(name: "synthetic shapes", layout: .image(channels: 1, height: size, width: size),
                       samples: Tensor(shape: [count, 1, size, size], storage: storage),
                       labels: (0..<count).map { $0 % classes }, classNames: shapes.prefix(classes).map(\.rawValue))
    }
}
