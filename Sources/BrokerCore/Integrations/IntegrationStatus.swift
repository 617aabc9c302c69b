/// Whether an integration works and, when it does not, whether a person must act.
public enum IntegrationStatus: String, Sendable, CaseIterable, Codable {
    case unverified
    case ok
    /// Transient trouble: unreachable, timeout, 5xx, throttled.
    case failing
    /// Credentials rejected, grant revoked, consent missing: a person must act.
    case needsAttention = "needs_attention"
    /// A Google OAuth integration that has not been linked yet.
    case unlinked
}
