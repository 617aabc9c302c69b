public import BrokerCore

/// The registered callers of the broker and how each one authenticates.
public protocol ClientStore: Sendable {
    /// Registers a client; throws `BrokerError.conflict` when the name, key hash or mTLS identity is taken.
    func add(_ client: Client) async throws
    func client(named name: String) async throws -> Client?
    func client(apiKeyHash: String) async throws -> Client?
    func client(mtlsIdentity: String) async throws -> Client?
    func clients() async throws -> [Client]
    func removeClient(named name: String) async throws -> Bool
}
