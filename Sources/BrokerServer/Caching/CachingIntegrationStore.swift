import BrokerCore
import BrokerStorage
import Foundation

/// Integrations read on every token request come from memory for up to a second: the hot path then
/// touches the database only to refresh. Writes through this store drop the entry at once; a change
/// made elsewhere (the CLI, another replica) shows within the TTL, and a write that meets a newer
/// revision (a conflict) drops the entry so the caller's retry reads the current one.
final class CachingIntegrationStore: IntegrationStore {
    let base: any IntegrationStore
    private let cache: ReadCache<IntegrationName, Integration>

    init(_ base: any IntegrationStore, ttl: TimeInterval = 1) {
        self.base = base
        cache = ReadCache(ttl: ttl)
    }

    func integration(named name: IntegrationName) async throws -> Integration? {
        if let cached = cache.value(for: name) { return cached }
        let fresh = try await base.integration(named: name)
        if let fresh { cache.store(fresh, for: name) }
        return fresh
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
