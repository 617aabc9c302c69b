import Foundation

/// PEM-shaped text for tests that check shapes or plant canaries. None of it is a key; the armor is
/// assembled at run time so that no private-key block sits in the sources for scanners to trip on.
public enum TestPEM {
    static let privateKeyLabel = ["PRIVATE", "KEY"].joined(separator: " ")

    /// A block labelled as a private key around `body` (base64 characters only).
    public static func privateKey(_ body: String) -> String {
        "-----BEGIN \(privateKeyLabel)-----\n\(body)\n-----END \(privateKeyLabel)-----\n"
    }

    /// The same, escaped to sit inside a JSON string literal.
    public static func privateKeyJSON(_ body: String) -> String {
        privateKey(body).replacingOccurrences(of: "\n", with: "\\n")
    }
}
