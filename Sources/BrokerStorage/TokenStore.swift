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
///
/// Replicas agree on who calls the provider through a refresh lease per (integration, cache key):
/// one replica takes it, fetches and stores the token; the others wait for the stored token. Each
/// taking of a lease bumps its generation, and a token is only stored under the newest generation,
/// so a holder that stalled past its lease cannot overwrite what its successor stored.
public protocol TokenStore: Sendable {
    func cachedToken(of integration: IntegrationName, cacheKey: String) async throws -> CachedToken?
    /// Stores (or replaces) a token, dropping the integration's expired ones. With `fence`, only while
    /// that is still the lease's generation; returns whether it was stored.
    @discardableResult
    func storeCachedToken(_ token: CachedToken, now: Date, fence: Int64?) async throws -> Bool
    func deleteCachedTokens(of integration: IntegrationName) async throws
    /// Takes the refresh lease for `holder` until `until` when it is free or its holder's time ran out;
    /// returns the new generation, or nil while someone else holds it.
    func acquireRefreshLease(of integration: IntegrationName, cacheKey: String, holder: String, now: Date, until: Date) async throws -> Int64?
    /// Frees the lease early (the token is stored, or the fetch failed) if `generation` still holds it.
    func releaseRefreshLease(of integration: IntegrationName, cacheKey: String, generation: Int64) async throws
}

/// Everything the server keeps about integrations: one store implements all of it.
public typealias IntegrationBackingStore = IntegrationStore & LinkSessionStore & TokenStore

/// A whole store as `CREDBROKER_DATABASE` names it: SQLite (embedded) or PostgreSQL (replicas).
public protocol BrokerStore: IntegrationStore, ClientStore, LinkSessionStore, TokenStore {
    /// The migrations applied, oldest first.
    func appliedMigrations() async throws -> [String]
    /// Releases connections; the store is unusable afterwards.
    func close() async
}
