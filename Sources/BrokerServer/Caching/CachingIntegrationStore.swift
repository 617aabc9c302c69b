import BrokerCore
import BrokerStorage
import Foundation

/// Integrations read on every token request come from memory for up to a second (`recentIntegration`):
/// the hot path then touches the database only to refresh. Every other read goes to the store, so an
/// admin sees (and PATCHes) what another replica just wrote. Writes through this store drop the entry
/// at once; a change made elsewhere (the CLI, another replica) reaches the hot path within the TTL, and
/// a write that meets a newer revision (a conflict) drops the entry.
final class CachingIntegrationStore: IntegrationStore {
    let base: any IntegrationStore
    private let cache: ReadCache<IntegrationName, Integration>

    init(_ base: any IntegrationStore, ttl: TimeInterval = 1) {
        self.base = base
        cache = ReadCache(ttl: ttl)
    }

    /// The integration as stored at most `ttl` ago (the token and pass-through paths); while the
    /// database cannot be reached, as last read (up to the cache's stale limit), so tokens held in
    /// memory keep being handed out through an outage.
    func recentIntegration(named name: IntegrationName) async throws -> Integration? {
        try await cache.value(for: name) { try await base.integration(named: name) }
    }

    func integration(named name: IntegrationName) async throws -> Integration? {
        try await cache.reload(name) { try await base.integration(named: name) }
    }

    func create(_ integration: Integration, secrets: [SecretField: SealedSecret]) async throws {
        cache.remove(integration.name)
        try await base.create(integration, secrets: secrets)
    }

    func update(_ integration: Integration, expectedRevision: Int, secrets: [SecretField: SealedSecret], removing: Set<SecretField>) async throws -> Integration {
        cache.remove(integration.name)
        do {
            let stored = try await base.update(integration, expectedRevision: expectedRevision, secrets: secrets, removing: removing)
            cache.store(stored, for: stored.name)
            return stored
        } catch {
            cache.remove(integration.name)
            throw error
        }
    }

    func delete(named name: IntegrationName) async throws -> Bool {
        cache.remove(name)
        return try await base.delete(named: name)
    }

    func replaceSealed(_ replacements: [(read: StoredSecret, rewrapped: SealedSecret)]) async throws -> Int {
        defer { cache.removeAll() }
        return try await base.replaceSealed(replacements)
    }

    func list(_ query: IntegrationQuery) async throws -> [Integration] { try await base.list(query) }
    func sealedSecrets(of name: IntegrationName) async throws -> [SecretField: SealedSecret] { try await base.sealedSecrets(of: name) }
    func integrationCountsByStatus() async throws -> [IntegrationStatus: Int] { try await base.integrationCountsByStatus() }
    func secretCountsByKeyVersion() async throws -> [UInt32: Int] { try await base.secretCountsByKeyVersion() }
    func ping() async throws { try await base.ping() }
    func secrets(notSealedUnder keyVersion: UInt32, after: StoredSecret.Position?, limit: Int) async throws -> [StoredSecret] {
        try await base.secrets(notSealedUnder: keyVersion, after: after, limit: limit)
    }
}
