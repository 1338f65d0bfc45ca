// Layer: render. Pure Swift; colour values and palettes for figures, no I/O.

/// An opaque 8-bit RGB colour.
public struct RGB: Sendable, Equatable, Hashable {
    /// Red component, 0...255.
    public var red: UInt8
    /// Green component, 0...255.
    public var green: UInt8
    /// Blue component, 0...255.
    public var blue: UInt8

    /// A colour from its three components.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from a 24-bit `0xRRGGBB` literal.
    public init(hex: UInt32) {
        self.init(red: UInt8((hex >> 16) & 0xFF), green: UInt8((hex >> 8) & 0xFF), blue: UInt8(hex & 0xFF))
    }

    /// Pure white, the background of every figure.
    public static let white = RGB(hex: 0xFFFFFF)
    /// Pure black.
    public static let black = RGB(hex: 0x000000)

    /// Relative luminance in 0...1 (Rec. 709 weights on the 8-bit values); used to pick
    /// light or dark text over a coloured background.
    public var luminance: Double {
        (0.2126 * Double(red) + 0.7152 * Double(green) + 0.0722 * Double(blue)) / 255
    }

    /// The colour `fraction` of the way from `self` to `other` (fraction clamped to 0...1).
    public func mixed(with other: RGB, fraction: Double) -> RGB {
        let t = fraction.isNaN ? 0 : min(max(fraction, 0), 1)
        func channel(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded())
        }
        return RGB(red: channel(red, other.red), green: channel(green, other.green), blue: channel(blue, other.blue))
    }
}

/// Colour schemes shared by all figures, so a group keeps its colour from one picture to the next.
public enum Palette {
    /// 22 clearly distinguishable colours for categories (clusters, classes, loss series):
    /// ten saturated hues, then lighter and darker companions.
    public static let categorical: [RGB] = [
        0x1F5FBF, 0xE8601C, 0x2E9E3E, 0xD62839, 0x7B4FC4, 0x8C5A3C, 0xE377C2, 0x5F6B73,
        0xB8B21C, 0x17B3C9, 0x9DC3F0, 0xF6B26B, 0x98DF8A, 0xF4A3A8, 0xC5B0E3, 0xC9A27E,
        0x0E6E5C, 0x1A237E, 0x800040, 0xF2C500, 0x6B8E23, 0xFF00FF,
    ].map(RGB.init(hex:))

    /// DBSCAN's noise points: a light grey no category uses.
    public static let noise = RGB(hex: 0xB4B4B4)

    /// The colour of category `index`; indices beyond the palette cycle, negative ones wrap too.
    public static func categoryColor(_ index: Int) -> RGB {
        let count = categorical.count
        return categorical[((index % count) + count) % count]
    }

    private static let sequentialStops: [RGB] = [0xF5F9FE, 0xA6CDE6, 0x3C86C0, 0x0A2F6B].map(RGB.init(hex:))

    /// A white-to-dark-blue ramp for heatmaps; `fraction` 0 is near white, 1 is dark blue.
    public static func sequential(_ fraction: Double) -> RGB {
        let t = fraction.isNaN ? 0 : min(max(fraction, 0), 1)
        let scaled = t * Double(sequentialStops.count - 1)
        let lower = min(Int(scaled), sequentialStops.count - 2)
        return sequentialStops[lower].mixed(with: sequentialStops[lower + 1], fraction: scaled - Double(lower))
    }
}
