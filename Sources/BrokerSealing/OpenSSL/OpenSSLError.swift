internal import CredbrokerOpenSSL

/// A failed OpenSSL call, with the library's error queue drained into readable lines.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let details: [String]

    /// Drains OpenSSL's thread-local error queue so the next call starts clean.
    static func drain(_ operation: String) -> OpenSSLError {
        var details: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            details.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return OpenSSLError(operation: operation, details: details)
    }

    public var description: String {
        details.isEmpty ? "OpenSSL \(operation) failed" : "OpenSSL \(operation) failed: \(details.joined(separator: "; "))"
    }
}
