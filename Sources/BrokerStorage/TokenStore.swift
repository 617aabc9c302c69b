public import BrokerCore
public import Foundation

/// An access token as the store keeps it: sealed, with what a cache lookup needs in the clear.
public struct CachedToken: Sendable, Equatable {
    public var integration: IntegrationName
    /// A hash of the scopes and the credentials version the token was issued for.
    public var cacheKey: String
    public var sealed: SealedSecret
    public var tokenType: String
    public var scopes: [String]
    public var issuedAt: Date
    public var expiresAt: Date

    public init(integration: IntegrationName, cacheKey: String, sealed: SealedSecret, tokenType: String, scopes: [String], issuedAt: Date, expiresAt: Date) {
        self.integration = integration
        self.cacheKey = cacheKey
        self.sealed = sealed
        self.tokenType = tokenType
        self.scopes = scopes
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// Access tokens shared across restarts and replicas. Losing one only costs an upstream call.
public protocol TokenStore: Sendable {
    func cachedToken(of integration: IntegrationName, cacheKey: String) async throws -> CachedToken?
    /// Stores (or replaces) a token, dropping the integration's expired ones.
    func storeCachedToken(_ token: CachedToken, now: Date) async throws
    func deleteCachedTokens(of integration: IntegrationName) async throws
}

/// Everything the server keeps about integrations: one store implements all of it.
public typealias IntegrationBackingStore = IntegrationStore & LinkSessionStore & TokenStore
