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
        try await byKeyHash.value(for: apiKeyHash) { try await base.client(apiKeyHash: apiKeyHash) }
    }

    func client(mtlsIdentity: String) async throws -> Client? {
        try await byIdentity.value(for: mtlsIdentity) { try await base.client(mtlsIdentity: mtlsIdentity) }
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
