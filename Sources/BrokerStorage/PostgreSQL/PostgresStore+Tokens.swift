public import BrokerCore
public import Foundation
import PostgresNIO

extension PostgresStore {
    public func cachedToken(of integration: IntegrationName, cacheKey: String) async throws -> CachedToken? {
        let rows = try await query(
            "SELECT sealed, token_type, scopes, issued_at, expires_at FROM cached_tokens WHERE integration = \(integration.rawValue) AND cache_key = \(cacheKey)",
            logger: logger)
        for (bytes, tokenType, scopesText, issuedAt, expiresAt) in try rows.decode((ByteBuffer, String, String, Double, Double).self) {
            guard let sealed = SealedSecret(serialized: Array(bytes.readableBytesView)), let scopes = StoredForm.scopes(from: scopesText) else { return nil }
            return CachedToken(
                integration: integration, cacheKey: cacheKey, sealed: sealed, tokenType: tokenType, scopes: scopes,
                issuedAt: Date(timeIntervalSince1970: issuedAt), expiresAt: Date(timeIntervalSince1970: expiresAt))
        }
        return nil
    }

    @discardableResult
    public func storeCachedToken(_ token: CachedToken, now: Date, fence: Int64?) async throws -> Bool {
        let scopes = try StoredForm.text(of: token.scopes)
        let name = token.integration.rawValue
        return try await transaction { [logger] connection in
            if let fence {
                // FOR UPDATE: a successor taking the lease waits for this commit, or this waits for theirs and sees the new generation.
                let rows = try await connection.query(
                    "SELECT generation FROM refresh_leases WHERE integration = \(name) AND cache_key = \(token.cacheKey) FOR UPDATE", logger: logger)
                var generation: Int64?
                for try await value in rows.decode(Int64.self) { generation = value }
                guard generation == fence else { return false }
            }
            try await connection.query("DELETE FROM cached_tokens WHERE integration = \(name) AND expires_at < \(now.timeIntervalSince1970)", logger: logger)
            try await connection.query(
                """
                INSERT INTO cached_tokens (integration, cache_key, sealed, key_version, token_type, scopes, issued_at, expires_at)
                VALUES (\(name), \(token.cacheKey), \(ByteBuffer(bytes: token.sealed.serialized)), \(Int64(token.sealed.keyVersion)), \(token.tokenType),
                    \(scopes), \(token.issuedAt.timeIntervalSince1970), \(token.expiresAt.timeIntervalSince1970))
                ON CONFLICT (integration, cache_key) DO UPDATE SET sealed = excluded.sealed, key_version = excluded.key_version,
                    token_type = excluded.token_type, scopes = excluded.scopes, issued_at = excluded.issued_at, expires_at = excluded.expires_at
                """, logger: logger)
            return true
        }
    }

    public func deleteCachedTokens(of integration: IntegrationName) async throws {
        try await query("DELETE FROM cached_tokens WHERE integration = \(integration.rawValue)", logger: logger)
    }

    public func acquireRefreshLease(of integration: IntegrationName, cacheKey: String, holder: String, now: Date, until: Date) async throws -> Int64? {
        let rows = try await query(
            """
            INSERT INTO refresh_leases (integration, cache_key, generation, holder, expires_at)
            VALUES (\(integration.rawValue), \(cacheKey), 1, \(holder), \(until.timeIntervalSince1970))
            ON CONFLICT (integration, cache_key) DO UPDATE SET generation = refresh_leases.generation + 1,
                holder = excluded.holder, expires_at = excluded.expires_at
            WHERE refresh_leases.expires_at <= \(now.timeIntervalSince1970)
            RETURNING generation
            """, logger: logger)
        return try rows.first?.decode(Int64.self)
    }

    public func releaseRefreshLease(of integration: IntegrationName, cacheKey: String, generation: Int64) async throws {
        try await query(
            "UPDATE refresh_leases SET expires_at = 0 WHERE integration = \(integration.rawValue) AND cache_key = \(cacheKey) AND generation = \(generation)",
            logger: logger
        )
    }
}
