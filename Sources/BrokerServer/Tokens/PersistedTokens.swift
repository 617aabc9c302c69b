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

    /// Stores a fetched token for the others; with `fence`, only while that lease generation is the newest.
    func save(_ token: AccessToken, for key: TokenCache.Key, fence: Int64?) async {
        do {
            let sealed = try sealer.seal(token.value, for: SealingContext(integration: key.integration, field: .accessToken))
            let stored = try await store.storeCachedToken(
                CachedToken(integration: key.integration, cacheKey: Self.cacheKey(key), sealed: sealed, tokenType: token.tokenType, scopes: token.scopes, issuedAt: token.issuedAt, expiresAt: token.expiresAt),
                now: now(), fence: fence)
            if !stored {
                logger.notice("a newer refresh took over; this token was not stored", metadata: ["integration": "\(key.integration)"])
            }
        } catch {
            logger.warning("could not persist a token", metadata: ["integration": "\(key.integration)", "error": "\(error)"])
        }
    }

    /// The outcome of asking for the refresh lease of a key.
    enum Lease {
        /// This replica may call the provider; store under this generation.
        case acquired(generation: Int64)
        /// Another replica is fetching it: wait for the stored token.
        case heldElsewhere
        /// The store could not answer: fetch anyway rather than fail the caller.
        case storeUnavailable
    }

    func lease(_ key: TokenCache.Key, holder: String, duration: TimeInterval) async -> Lease {
        let now = now()
        do {
            let generation = try await store.acquireRefreshLease(
                of: key.integration, cacheKey: Self.cacheKey(key), holder: holder, now: now, until: now.addingTimeInterval(duration))
            return generation.map { .acquired(generation: $0) } ?? .heldElsewhere
        } catch {
            logger.warning("could not take the refresh lease", metadata: ["integration": "\(key.integration)", "error": "\(error)"])
            return .storeUnavailable
        }
    }

    func release(_ key: TokenCache.Key, generation: Int64) async {
        try? await store.releaseRefreshLease(of: key.integration, cacheKey: Self.cacheKey(key), generation: generation)
    }

    /// A stored token other than `seen` (what another replica fetched since), whatever its lifetime.
    func load(_ key: TokenCache.Key, replacing seen: AccessToken?) async -> AccessToken? {
        guard let token = await load(key, minimumLifetime: 0) else { return nil }
        guard let seen else { return token }
        return token.issuedAt != seen.issuedAt || token.expiresAt != seen.expiresAt ? token : nil
    }

    func forget(_ integration: IntegrationName) async {
        try? await store.deleteCachedTokens(of: integration)
    }

    /// Scopes and credentials version, hashed: the store needs equality, not the values.
    static func cacheKey(_ key: TokenCache.Key) -> String {
        Digest.sha256Hex(Array((key.scopes.joined(separator: " ") + "\n" + key.credentials).utf8))
    }
}
