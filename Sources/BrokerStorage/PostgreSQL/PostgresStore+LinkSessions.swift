public import BrokerCore
public import Foundation
import PostgresNIO

extension PostgresStore {
    public func createLinkSession(_ session: LinkSession) async throws {
        try await query(
            """
            INSERT INTO link_sessions (id, integration, return_to, created_by, created_at, expires_at)
            VALUES (\(session.id), \(session.integration.rawValue), \(session.returnTo), \(session.createdBy),
                \(session.createdAt.timeIntervalSince1970), \(session.expiresAt.timeIntervalSince1970))
            """, logger: logger
        )
    }

    public func linkSession(id: String) async throws -> LinkSession? {
        try await fetchLinkSession("SELECT \(unescaped: Self.linkColumns) FROM link_sessions WHERE id = \(id)")
    }

    public func linkSession(stateHash: String) async throws -> LinkSession? {
        try await fetchLinkSession("SELECT \(unescaped: Self.linkColumns) FROM link_sessions WHERE state_hash = \(stateHash)")
    }

    public func startLinkSession(id: String, stateHash: String, browserHash: String, at date: Date) async throws -> Bool {
        try await query(
            """
            UPDATE link_sessions SET started_at = \(date.timeIntervalSince1970), state_hash = \(stateHash), browser_hash = \(browserHash)
            WHERE id = \(id) AND started_at IS NULL RETURNING 1
            """, logger: logger
        ).count == 1
    }

    public func completeLinkSession(id: String, at date: Date) async throws -> Bool {
        try await query(
            "UPDATE link_sessions SET completed_at = \(date.timeIntervalSince1970) WHERE id = \(id) AND completed_at IS NULL RETURNING 1", logger: logger
        ).count == 1
    }

    @discardableResult
    public func deleteLinkSessions(expiredBefore date: Date) async throws -> Int {
        try await query("DELETE FROM link_sessions WHERE expires_at < \(date.timeIntervalSince1970) RETURNING 1", logger: logger).count
    }

    private static let linkColumns = "id, integration, return_to, created_by, created_at, expires_at, started_at, state_hash, browser_hash, completed_at"

    private func fetchLinkSession(_ statement: PostgresQuery) async throws -> LinkSession? {
        let rows = try await query(statement, logger: logger)
        for (id, integration, returnTo, createdBy, createdAt, expiresAt, startedAt, stateHash, browserHash, completedAt)
            in try rows.decode((String, String, String?, String, Double, Double, Double?, String?, String?, Double?).self)
        {
            guard let name = IntegrationName(integration) else { return nil }
            return LinkSession(
                id: id, integration: name, returnTo: returnTo, createdBy: createdBy,
                createdAt: Date(timeIntervalSince1970: createdAt), expiresAt: Date(timeIntervalSince1970: expiresAt),
                startedAt: startedAt.map(Date.init(timeIntervalSince1970:)), stateHash: stateHash, browserHash: browserHash,
                completedAt: completedAt.map(Date.init(timeIntervalSince1970:)))
        }
        return nil
    }
}
