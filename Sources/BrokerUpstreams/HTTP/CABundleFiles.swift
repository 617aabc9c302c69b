import Crypto
import Foundation
import Synchronization

/// Trust bundles (the system's plus extra CAs) written once to private files: libcurl caches a CA
/// file it has loaded, while a bundle passed in memory would be parsed again for every connection.
enum CABundleFiles {
    private static let written = Mutex<[String: String]>([:])
    private static let systemBundle: String = {
        for path in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text }
        }
        return ""
    }()

    /// The path of a file holding the system bundle plus `extra` PEM certificates.
    static func path(adding extra: [String]) throws -> String {
        let bundle = ([systemBundle] + extra).joined(separator: "\n")
        let digest = SHA256.hash(data: Data(bundle.utf8)).map { String(format: "%02x", $0) }.joined()
        if let path = written.withLock({ $0[digest] }) { return path }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credbroker-ca-\(getuid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/\(digest).pem"
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bundle.utf8), attributes: [.posixPermissions: 0o600]),
            rename(temporary, path) == 0
        else { throw UpstreamError.other("cannot write the CA bundle to \(directory)") }
        written.withLock { $0[digest] = path }
        return path
    }
}
