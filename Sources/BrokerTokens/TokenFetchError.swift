/// Why no token could be had from the provider, classified as the contract needs it.
public enum TokenFetchError: Error, Sendable, Equatable {
    /// Credentials rejected or consent missing: a person must act (`needs_attention`).
    case credentialsRejected(code: String, message: String)
    /// The grant was revoked or expired (Google `invalid_grant`): relink (`needs_attention`).
    case needsRelink(message: String)
    /// Provider down, throttled, or answering garbage (`failing`); `retryAfter` in seconds when known.
    case unavailable(message: String, retryAfter: Int?)
    /// No answer within the upstream timeout (`failing`).
    case timeout(message: String)
    /// This kind hands out no tokens (Exchange on-premises).
    case noTokens(message: String)

    /// True when a person must act; false for trouble that may pass.
    public var needsAttention: Bool {
        switch self {
        case .credentialsRejected, .needsRelink: true
        case .unavailable, .timeout, .noTokens: false
        }
    }

    public var message: String {
        switch self {
        case .credentialsRejected(_, let message), .needsRelink(let message), .unavailable(let message, _), .timeout(let message), .noTokens(let message): message
        }
    }
}
