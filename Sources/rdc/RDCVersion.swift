// Layer: executable. The versions `rdc --version` prints and `kernel_info` reports: declared
// here once, read by both.

/// Versions reported to users and to Jupyter.
enum RDCVersion {
    /// The implementation's version: `rdc --version`, and `implementation_version` in
    /// `kernel_info_reply`.
    static let current = "0.1.0"
    /// The command language's version: `language_info.version` in `kernel_info_reply`.
    static let language = "1.0"
}
