public import BrokerCore
public import Foundation
import GRDB

extension SQLiteStore {
    public func cachedToken(of integration: IntegrationName, cacheKey: String) async throws -> CachedToken? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM cached_tokens WHERE integration = ? AND cache_key = ?", arguments: [integration.rawValue, cacheKey]),
                let sealed = SealedSecret(serialized: [UInt8](row["sealed"] as Data)),
                let scopes = StoredForm.scopes(from: row["scopes"])
            else { return nil }
            return CachedToken(
                integration: integration, cacheKey: cacheKey, sealed: sealed, tokenType: row["token_type"], scopes: scopes,
                issuedAt: Date(timeIntervalSince1970: row["issued_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
        }
    }

    @discardableResult
    public func storeCachedToken(_ token: CachedToken, now: Date, fence: Int64?) async throws -> Bool {
        let scopes = try StoredForm.text(of: token.scopes)
        return try await pool.write { db in
            if let fence {
                let generation = try Int64.fetchOne(
                    db, sql: "SELECT generation FROM refresh_leases WHERE integration = ? AND cache_key = ?", arguments: [token.integration.rawValue, token.cacheKey])
                guard generation == fence else { return false }
            }
            try db.execute(sql: "DELETE FROM cached_tokens WHERE integration = ? AND expires_at < ?", arguments: [token.integration.rawValue, now.timeIntervalSince1970])
            try db.execute(
                sql: """
                    INSERT INTO cached_tokens (integration, cache_key, sealed, key_version, token_type, scopes, issued_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (integration, cache_key) DO UPDATE SET sealed = excluded.sealed, key_version = excluded.key_version,
                        token_type = excluded.token_type, scopes = excluded.scopes, issued_at = excluded.issued_at, expires_at = excluded.expires_at
                    """,
                arguments: [token.integration.rawValue, token.cacheKey, Data(token.sealed.serialized), Int64(token.sealed.keyVersion), token.tokenType, scopes,
                            token.issuedAt.timeIntervalSince1970, token.expiresAt.timeIntervalSince1970])
            return true
        }
    }

    public func acquireRefreshLease(of integration: IntegrationName, cacheKey: String, holder: String, now: Date, until: Date) async throws -> Int64? {
        try await pool.write { db in
            try Int64.fetchOne(
                db,
                sql: """
                    INSERT INTO refresh_leases (integration, cache_key, generation, holder, expires_at) VALUES (?, ?, 1, ?, ?)
                    ON CONFLICT (integration, cache_key) DO UPDATE SET generation = refresh_leases.generation + 1,
                        holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE refresh_leases.expires_at <= ?
                    RETURNING generation
                    """,
                arguments: [integration.rawValue, cacheKey, holder, until.timeIntervalSince1970, now.timeIntervalSince1970])
        }
    }

    public func releaseRefreshLease(of integration: IntegrationName, cacheKey: String, generation: Int64) async throws {
        try await pool.write { db in
            // The row stays, so the next holder's generation is higher still.
            try db.execute(
                sql: "UPDATE refresh_leases SET expires_at = 0 WHERE integration = ? AND cache_key = ? AND generation = ?",
                arguments: [integration.rawValue, cacheKey, generation])
        }
    }

    public func deleteCachedTokens(of integration: IntegrationName) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM cached_tokens WHERE integration = ?", arguments: [integration.rawValue]) }
    }
}
