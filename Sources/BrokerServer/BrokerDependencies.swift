public import BrokerSealing
public import BrokerStorage
public import BrokerTokens
public import BrokerUpstreams
public import Foundation
public import Logging

/// What the routes need, already built: `serve`, `demo` and the tests hand the same shape to `buildRouter`.
public struct BrokerDependencies: Sendable {
    public var integrations: any IntegrationStore
    public var clients: any ClientStore
    public var keyring: KeyringHolder
    public var audit: AuditLog
    public var verifier: Verifier
    public var http: UpstreamHTTPClient
    /// Cached access tokens, shared by every request of this process.
    public var tokens: TokenCache
    /// Status-change events for the configured receivers.
    public var webhooks: WebhookNotifier
    public var now: @Sendable () -> Date
    public var logger: Logger

    public init(
        integrations: any IntegrationStore, clients: any ClientStore, keyring: KeyringHolder, audit: AuditLog, http: UpstreamHTTPClient, verifier: Verifier, webhooks: WebhookNotifier? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.integrations = integrations
        self.clients = clients
        self.keyring = keyring
        self.audit = audit
        self.verifier = verifier
        self.http = http
        self.tokens = TokenCache(now: now)
        self.webhooks = webhooks ?? WebhookNotifier(urls: [], secret: nil, http: http, logger: logger)
        self.now = now
        self.logger = logger
    }

    public var sealer: EnvelopeSealer { keyring.sealer }

    var tokenSource: UpstreamTokenSource {
        UpstreamTokenSource(
            store: integrations, sealer: sealer, microsoft: verifier.microsoft, oauth2: verifier.oauth2, now: now)
    }
}
