import BrokerCore
import BrokerStorage
import Foundation

/// Callers looked up by API-key hash or certificate identity on every request are kept in memory for
/// a few seconds; `clients remove` (another process) takes effect within that TTL. Unknown keys are
/// never cached, so a new client works at once and guessing fills nothing. While the database cannot
/// be reached, a caller seen in the last few minutes is still recognised (stale-if-error).
final class CachingClientStore: ClientStore {
    let base: any ClientStore
    private let byKeyHash: ReadCache<String, Client>
    private let byIdentity: ReadCache<String, Client>

    init(_ base: any ClientStore, ttl: TimeInterval = 2) {
        self.base = base
        byKeyHash = ReadCache(ttl: ttl)
        byIdentity = ReadCache(ttl: ttl)
    }

    func client(apiKeyHash: String) async throws -> Client? {
        try await lookup(apiKeyHash, in: byKeyHash) { try await self.base.client(apiKeyHash: $0) }
    }

    func client(mtlsIdentity: String) async throws -> Client? {
        try await lookup(mtlsIdentity, in: byIdentity) { try await self.base.client(mtlsIdentity: $0) }
    }

    private func lookup(_ key: String, in cache: ReadCache<String, Client>, _ read: (String) async throws -> Client?) async throws -> Client? {
        if let cached = cache.value(for: key) { return cached }
        do {
            let client = try await read(key)
            if let client { cache.store(client, for: key) } else { cache.remove(key) }
            return client
        } catch let error as BrokerError where error.isStoreUnavailable {
            guard let stale = cache.staleValue(for: key) else { throw error }
            return stale
        }
    }

    func add(_ client: Client) async throws { try await base.add(client) }
    func client(named name: String) async throws -> Client? { try await base.client(named: name) }
    func clients() async throws -> [Client] { try await base.clients() }

    func removeClient(named name: String) async throws -> Bool {
        byKeyHash.removeAll()
        byIdentity.removeAll()
        return try await base.removeClient(named: name)
    }
}
