/// Why a secret could not be sealed or opened. Messages never include secret material.
public enum SealingError: Error, Sendable, CustomStringConvertible {
    /// The sealed bytes do not authenticate: tampered, truncated, or moved to another integration or field.
    case authenticationFailed
    /// The secret is sealed under a key version this process has not loaded.
    case keyVersionUnavailable(UInt32)
    /// The bytes are not a sealed secret of a known format.
    case malformed
    case openssl(OpenSSLError)

    public var description: String {
        switch self {
        case .authenticationFailed: "sealed secret failed authentication (tampered, or not sealed for this integration and field)"
        case .keyVersionUnavailable(let version): "sealed under key version \(version), which is not loaded"
        case .malformed: "not a sealed secret of a known format"
        case .openssl(let error): error.description
        }
    }
}
