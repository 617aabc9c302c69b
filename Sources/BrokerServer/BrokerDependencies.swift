public import BrokerSealing
public import BrokerStorage
public import BrokerTokens
public import BrokerUpstreams
public import Foundation
public import Logging

/// What the routes need, already built: `serve`, `demo` and the tests hand the same shape to `buildRouter`.
public struct BrokerDependencies: Sendable {
    public let integrations: any IntegrationStore
    /// The same store, for the hot path's reads that may be a second old.
    let integrationCache: CachingIntegrationStore
    public let clients: any ClientStore
    /// Link G Suite sessions (the same store as `integrations` for SQLite).
    public let linkSessions: any LinkSessionStore
    /// Where browsers reach the broker and where they may be sent back to.
    public var link: LinkSettings
    public let keyring: KeyringHolder
    public let audit: AuditLog
    public let verifier: Verifier
    public let http: UpstreamHTTPClient
    /// Cached access tokens, shared by every request of this process.
    public let tokens: TokenCache
    /// Verifications per client (each sends credentials upstream).
    let verifyLimiter: RateLimiter
    /// Failed authentications per remote address.
    let authFailureLimiter: RateLimiter
    /// This broker's Prometheus registry.
    public let metrics: BrokerMetrics
    /// Whether `/metrics` needs an ops client.
    public var metricsAuth: BrokerConfiguration.MetricsAuth
    /// Retries and per-provider circuit breakers around token fetches.
    public let resilience: UpstreamResilience
    /// Status-change events for the configured receivers.
    public let webhooks: WebhookNotifier
    public let now: @Sendable () -> Date
    public let logger: Logger
    /// Opens and seals under the current keyring (built once: the hot path must not rebuild it).
    public let sealer: EnvelopeSealer
    /// Tokens sealed in the store, as the token path and unlink see them.
    let persistedTokens: PersistedTokens
    /// How a token is had when the in-memory cache has none.
    let freshTokens: FreshTokens

    public init(
        integrations: any IntegrationBackingStore, clients: any ClientStore, keyring: KeyringHolder, audit: AuditLog, http: UpstreamHTTPClient, verifier: Verifier,
        webhooks: WebhookNotifier? = nil, link: LinkSettings = LinkSettings(), resilience: UpstreamResilience? = nil,
        metricsAuth: BrokerConfiguration.MetricsAuth = .none, verifyRatePerMinute: Int = 30, authFailuresPerMinute: Int = 20,
        refreshLeaseSeconds: TimeInterval = 30, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.verifyLimiter = RateLimiter(perMinute: verifyRatePerMinute, now: now)
        self.authFailureLimiter = RateLimiter(perMinute: authFailuresPerMinute, now: now)
        self.metrics = BrokerMetrics()
        self.metricsAuth = metricsAuth
        self.resilience = resilience ?? UpstreamResilience(now: now)
        // The hot path's reads (callers, integrations) are served from memory for a second or two.
        let cachingIntegrations = CachingIntegrationStore(integrations)
        self.integrations = cachingIntegrations
        self.integrationCache = cachingIntegrations
        self.linkSessions = integrations
        self.link = link
        self.clients = CachingClientStore(clients)
        self.keyring = keyring
        self.audit = audit
        self.verifier = verifier
        self.http = http
        self.tokens = TokenCache(now: now)
        self.webhooks = webhooks ?? WebhookNotifier(urls: [], secret: nil, http: http, logger: logger)
        self.now = now
        self.logger = logger
        let sealer = keyring.sealer
        self.sealer = sealer
        let persisted = PersistedTokens(store: integrations, sealer: sealer, logger: logger, now: now)
        self.persistedTokens = persisted
        self.freshTokens = FreshTokens(
            persisted: persisted,
            source: UpstreamTokenSource(
                store: self.integrations, sealer: sealer, microsoft: verifier.microsoft, oauth2: verifier.oauth2, google: verifier.google, now: now),
            resilience: self.resilience, metrics: self.metrics,
            holder: "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8))",
            leaseDuration: refreshLeaseSeconds)
    }
}

/// The browser-facing settings of Link G Suite.
public struct LinkSettings: Sendable {
    /// `CREDBROKER_PUBLIC_URL` without a trailing slash: the redirect URI's base.
    public var publicURL: String
    /// `CREDBROKER_RETURN_TO_ORIGINS`.
    public var returnToOrigins: [String]

    public init(publicURL: String = "https://localhost:8443", returnToOrigins: [String] = []) {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicURL = base
        self.returnToOrigins = returnToOrigins.map { origin in
            var trimmed = origin.lowercased()
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            return trimmed
        }
    }
}
