public import Foundation

/// A caller of the broker: its roles, the integrations it may reach, and how it proves who it is.
public struct Client: Sendable, Equatable {
    public var name: String
    public var roles: Set<Role>
    public var patterns: [IntegrationPattern]
    /// The URI SAN or subject CN of its TLS client certificate, when it uses one.
    public var mtlsIdentity: String?
    /// SHA-256 of its API key, hex; the key itself is shown once and never stored.
    public var apiKeyHash: String?
    public var createdAt: Date

    public init(name: String, roles: Set<Role>, patterns: [IntegrationPattern], mtlsIdentity: String?, apiKeyHash: String?, createdAt: Date) {
        self.name = name
        self.roles = roles
        self.patterns = patterns
        self.mtlsIdentity = mtlsIdentity
        self.apiKeyHash = apiKeyHash
        self.createdAt = createdAt
    }

    public func mayReach(_ name: IntegrationName) -> Bool {
        patterns.contains { $0.matches(name) }
    }

    /// Client names share the integration name rules, so they read well in audit lines and metrics.
    public static func isValidName(_ name: String) -> Bool { IntegrationName.isValid(name) }
}
