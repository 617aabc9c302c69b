import BrokerCore
import BrokerStorage
import Foundation

/// Callers looked up by API-key hash or certificate identity on every request are kept in memory for
/// a few seconds; `clients remove` (another process) takes effect within that TTL. Unknown keys are
/// never cached, so a new client works at once and guessing fills nothing.
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
        if let cached = byKeyHash.value(for: apiKeyHash) { return cached }
        let client = try await base.client(apiKeyHash: apiKeyHash)
        if let client { byKeyHash.store(client, for: apiKeyHash) }
        return client
    }

    func client(mtlsIdentity: String) async throws -> Client? {
        if let cached = byIdentity.value(for: mtlsIdentity) { return cached }
        let client = try await base.client(mtlsIdentity: mtlsIdentity)
        if let client { byIdentity.store(client, for: mtlsIdentity) }
        return client
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
