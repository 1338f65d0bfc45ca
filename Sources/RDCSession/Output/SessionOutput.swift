// Layer: session (outputs). Pure Swift, no I/O: the typed outputs a command returns; each
// front end renders them its own way (design.md "Outputs").

import RDCMethod
import RDCRender

/// The standard stream a text output belongs on.
public enum StandardStream: String, Sendable, Equatable, CaseIterable {
    /// Ordinary output.
    case stdout
    /// Warnings and diagnostics.
    case stderr
}

/// One output of a command.
public enum SessionOutput: Sendable, Equatable {
    /// Text on a stream.
    case text(String, stream: StandardStream)
    /// A table (plain text and HTML).
    case table(Table)
    /// A picture (PNG at 2x density with its logical size and title).
    case image(RenderedImage)
    /// Progress of a long command.
    case progress(TrainingProgress)
    /// Help meant for a pager (a notebook's `page` payload).
    case page(String)
    /// Clear what the cell has shown so far.
    case clearOutput
}
