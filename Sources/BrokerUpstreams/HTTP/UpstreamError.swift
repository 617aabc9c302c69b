/// Why an outbound call produced no usable response. Messages never contain credentials or bodies.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// DNS failed, or the connection was refused or reset.
    case unreachable(String)
    /// No complete answer within the configured time.
    case timeout
    /// The TLS handshake failed: untrusted or mismatched certificate, protocol error.
    case tls(String)
    /// The answer was larger than the broker accepts.
    case responseTooLarge(limit: Int)
    /// The target is not an https URL, or resolves to a link-local or cloud-metadata address.
    case refusedTarget(String)
    /// Credential material the broker holds cannot be used (a private key or certificate that is not
    /// valid PEM, or missing): the credentials are wrong, not the provider.
    case unusableCredentials(String)
    case other(String)

    public var description: String {
        switch self {
        case .unreachable(let detail): "unreachable: \(detail)"
        case .timeout: "timed out"
        case .tls(let detail): "TLS failed: \(detail)"
        case .responseTooLarge(let limit): "response larger than \(limit) bytes"
        case .refusedTarget(let detail): "refused target: \(detail)"
        case .unusableCredentials(let detail), .other(let detail): detail
        }
    }
}
