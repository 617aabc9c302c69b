import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTokens
import Foundation
import Logging

/// The second level of the token cache: tokens sealed in the store, so a restarted broker or another
/// replica hands out a token one of them already fetched instead of calling the provider again.
/// Best effort both ways: a store or sealing problem only costs an upstream call.
struct PersistedTokens {
    let store: any TokenStore
    let sealer: EnvelopeSealer
    let logger: Logger
    let now: @Sendable () -> Date

    /// A stored token for `key` that still has `minimumLifetime` left.
    func load(_ key: TokenCache.Key, minimumLifetime: TimeInterval) async -> AccessToken? {
        guard let stored = try? await store.cachedToken(of: key.integration, cacheKey: Self.cacheKey(key)),
            stored.expiresAt.timeIntervalSince(now()) >= minimumLifetime,
            let value = try? sealer.open(stored.sealed, for: SealingContext(integration: key.integration, field: .accessToken))
        else { return nil }
        return AccessToken(value: value, tokenType: stored.tokenType, expiresAt: stored.expiresAt, scopes: stored.scopes, issuedAt: stored.issuedAt)
    }

    func save(_ token: AccessToken, for key: TokenCache.Key) async {
        do {
            let sealed = try sealer.seal(token.value, for: SealingContext(integration: key.integration, field: .accessToken))
            try await store.storeCachedToken(
                CachedToken(integration: key.integration, cacheKey: Self.cacheKey(key), sealed: sealed, tokenType: token.tokenType, scopes: token.scopes, issuedAt: token.issuedAt, expiresAt: token.expiresAt),
                now: now())
        } catch {
            logger.warning("could not persist a token", metadata: ["integration": "\(key.integration)", "error": "\(error)"])
        }
    }

    func forget(_ integration: IntegrationName) async {
        try? await store.deleteCachedTokens(of: integration)
    }

    /// Scopes and credentials version, hashed: the store needs equality, not the values.
    static func cacheKey(_ key: TokenCache.Key) -> String {
        Digest.sha256Hex(Array((key.scopes.joined(separator: " ") + "\n" + key.credentials).utf8))
    }
}
