public import BrokerCore
import PostgresNIO
import Foundation

extension PostgresStore {
    public func add(_ client: Client) async throws {
        do {
            try await query(
                """
                INSERT INTO clients (name, roles, patterns, mtls_identity, api_key_hash, created_at)
                VALUES (\(client.name), \(StoredForm.rolesText(client)), \(StoredForm.patternsText(client)), \(client.mtlsIdentity),
                    \(client.apiKeyHash), \(client.createdAt.timeIntervalSince1970))
                """, logger: logger
            )
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StoredForm.conflict()
        }
    }

    public func client(named name: String) async throws -> Client? {
        try await fetchClients("SELECT name, roles, patterns, mtls_identity, api_key_hash, created_at FROM clients WHERE name = \(name)").first
    }

    public func client(apiKeyHash: String) async throws -> Client? {
        try await fetchClients("SELECT name, roles, patterns, mtls_identity, api_key_hash, created_at FROM clients WHERE api_key_hash = \(apiKeyHash)").first
    }

    public func client(mtlsIdentity: String) async throws -> Client? {
        try await fetchClients("SELECT name, roles, patterns, mtls_identity, api_key_hash, created_at FROM clients WHERE mtls_identity = \(mtlsIdentity)").first
    }

    public func clients() async throws -> [Client] {
        try await fetchClients("SELECT name, roles, patterns, mtls_identity, api_key_hash, created_at FROM clients ORDER BY name")
    }

    public func removeClient(named name: String) async throws -> Bool {
        try await query("DELETE FROM clients WHERE name = \(name) RETURNING 1", logger: logger).count > 0
    }

    private func fetchClients(_ statement: PostgresQuery) async throws -> [Client] {
        var result: [Client] = []
        let rows = try await query(statement, logger: logger)
        for (name, roles, patterns, mtls, keyHash, createdAt) in try rows.decode((String, String, String, String?, String?, Double).self) {
            result.append(StoredForm.client(name: name, roles: roles, patterns: patterns, mtlsIdentity: mtls, apiKeyHash: keyHash, createdAt: createdAt))
        }
        return result
    }
}
