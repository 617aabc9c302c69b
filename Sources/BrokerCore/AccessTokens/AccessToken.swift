public import Foundation

/// A short-lived access token from a provider, as the broker caches and hands it out.
public struct AccessToken: Sendable {
    public let value: SecretValue
    public let tokenType: String
    public let expiresAt: Date
    public let scopes: [String]
    /// When the provider issued it (for the lifetime check of `min_ttl_seconds`).
    public let issuedAt: Date

    public init(value: SecretValue, tokenType: String, expiresAt: Date, scopes: [String], issuedAt: Date) {
        self.value = value
        self.tokenType = tokenType
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.issuedAt = issuedAt
    }

    public func remaining(at now: Date) -> TimeInterval { expiresAt.timeIntervalSince(now) }

    /// How long tokens of this kind live when fresh.
    public var lifetime: TimeInterval { expiresAt.timeIntervalSince(issuedAt) }
}
