// Layer: session. The versions `rdc --version` prints, `kernel_info` reports and exported
// models record: declared here once, read by the executable and the session.

/// Versions reported to users, to Jupyter and in exported files.
public enum RDCVersion {
    /// The implementation's version: `rdc --version`, `implementation_version` in
    /// `kernel_info_reply`, and the producer version of exported models.
    public static let current = "0.1.0"
    /// The command language's version: `language_info.version` in `kernel_info_reply`.
    public static let language = "1.0"
}
