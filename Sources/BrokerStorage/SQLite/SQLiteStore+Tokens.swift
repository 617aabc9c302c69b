public import BrokerCore
public import Foundation
import GRDB

extension SQLiteStore: TokenStore {
    public func cachedToken(of integration: IntegrationName, cacheKey: String) async throws -> CachedToken? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM cached_tokens WHERE integration = ? AND cache_key = ?", arguments: [integration.rawValue, cacheKey]),
                let sealed = SealedSecret(serialized: [UInt8](row["sealed"] as Data)),
                let scopes = try? JSONDecoder().decode([String].self, from: Data((row["scopes"] as String).utf8))
            else { return nil }
            return CachedToken(
                integration: integration, cacheKey: cacheKey, sealed: sealed, tokenType: row["token_type"], scopes: scopes,
                issuedAt: Date(timeIntervalSince1970: row["issued_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
        }
    }

    public func storeCachedToken(_ token: CachedToken, now: Date) async throws {
        let scopes = String(decoding: try JSONEncoder().encode(token.scopes), as: UTF8.self)
        try await pool.write { db in
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
        }
    }

    public func deleteCachedTokens(of integration: IntegrationName) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM cached_tokens WHERE integration = ?", arguments: [integration.rawValue]) }
    }
}
