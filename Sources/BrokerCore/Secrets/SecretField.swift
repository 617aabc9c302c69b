/// The slot a secret fills in an integration; part of what a sealed value is bound to.
public enum SecretField: String, Sendable, CaseIterable, Codable, Comparable {
    case password
    case clientSecret = "client_secret"
    case privateKey = "private_key"
    case refreshToken = "refresh_token"
    /// A cached access token, sealed in the store so a restart or another replica can reuse it.
    case accessToken = "access_token"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
