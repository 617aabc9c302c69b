public import BrokerCore
public import Foundation
import GRDB

extension SQLiteStore {
    public func createLinkSession(_ session: LinkSession) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO link_sessions (id, integration, return_to, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [session.id, session.integration.rawValue, session.returnTo, session.createdBy, session.createdAt.timeIntervalSince1970, session.expiresAt.timeIntervalSince1970])
        }
    }

    public func linkSession(id: String) async throws -> LinkSession? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM link_sessions WHERE id = ?", arguments: [id]).flatMap(Self.linkSession) }
    }

    public func linkSession(stateHash: String) async throws -> LinkSession? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM link_sessions WHERE state_hash = ?", arguments: [stateHash]).flatMap(Self.linkSession) }
    }

    public func startLinkSession(id: String, stateHash: String, browserHash: String, at date: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE link_sessions SET started_at = ?, state_hash = ?, browser_hash = ? WHERE id = ? AND started_at IS NULL",
                arguments: [date.timeIntervalSince1970, stateHash, browserHash, id])
            return db.changesCount == 1
        }
    }

    public func completeLinkSession(id: String, at date: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE link_sessions SET completed_at = ? WHERE id = ? AND completed_at IS NULL", arguments: [date.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
    }

    @discardableResult
    public func deleteLinkSessions(expiredBefore date: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM link_sessions WHERE expires_at < ?", arguments: [date.timeIntervalSince1970])
            return db.changesCount
        }
    }

    private static func linkSession(_ row: Row) -> LinkSession? {
        guard let name = IntegrationName(row["integration"] as String) else { return nil }
        func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        return LinkSession(
            id: row["id"], integration: name, returnTo: row["return_to"], createdBy: row["created_by"],
            createdAt: date("created_at") ?? .distantPast, expiresAt: date("expires_at") ?? .distantPast,
            startedAt: date("started_at"), stateHash: row["state_hash"], browserHash: row["browser_hash"], completedAt: date("completed_at"))
    }
}
