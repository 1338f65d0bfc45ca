// Layer: session (outputs). Pure Swift, no I/O: the typed outputs a command returns; each
// front end renders them its own way (design.md "Outputs").

/// The standard stream a text output belongs on.
public enum StandardStream: String, Sendable, Equatable {
    /// Ordinary output.
    case stdout
    /// Warnings and diagnostics.
    case stderr
}

/// A picture: PNG bytes with the size it should be shown at.
public struct ImageOutput: Sendable, Equatable {
    /// The encoded PNG file.
    public var pngData: [UInt8]
    /// Width to show it at, in logical pixels (the PNG may hold more for sharp HiDPI display).
    public var width: Int
    /// Height to show it at, in logical pixels.
    public var height: Int
    /// A short title (also the base of the file name at a terminal).
    public var title: String

    /// Makes an image output.
    public init(pngData: [UInt8], width: Int, height: Int, title: String) {
        self.pngData = pngData
        self.width = width
        self.height = height
        self.title = title
    }
}

/// One output of a command.
public enum SessionOutput: Sendable, Equatable {
    /// Text on a stream.
    case text(String, stream: StandardStream)
    /// A table (plain text and HTML).
    case table(Table)
    /// A picture.
    case image(ImageOutput)
    /// Progress of a long command.
    case progress(ProgressEvent)
    /// Help meant for a pager (a notebook's `page` payload).
    case page(String)
    /// Clear what the cell has shown so far.
    case clearOutput
}
