import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTLS
import BrokerTokens
public import BrokerUpstreams
import Foundation
public import Hummingbird
import HummingbirdTLS
public import Logging
import NIOCore

/// The routes of the broker over already-built dependencies (what route tests call).
public func buildRouter(dependencies: BrokerDependencies) -> Router<BrokerRequestContext> {
    let router = Router(context: BrokerRequestContext.self)
    // The request log is outermost so it also records the problem documents.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: dependencies.metrics))
    let knownRoutes = KnownRoutes()
    router.add(middleware: ProblemMiddleware(knownRoutes: knownRoutes))
    HealthController(dependencies: dependencies).addRoutes(to: router)
    let metrics = MetricsController(dependencies: dependencies)
    if dependencies.metricsAuth == .ops {
        router.group("metrics").add(middleware: ClientAuthenticator(clients: dependencies.clients, audit: dependencies.audit, failures: dependencies.authFailureLimiter)).get(use: metrics.scrape)
    } else {
        router.get("metrics", use: metrics.scrape)
    }
    GoogleLinkController(dependencies: dependencies).addRoutes(to: router)
    OpenAPIController().addRoutes(to: router)
    let v1 = router.group("v1").add(middleware: ClientAuthenticator(clients: dependencies.clients, audit: dependencies.audit, failures: dependencies.authFailureLimiter))
    IntegrationController(dependencies: dependencies).addRoutes(to: v1)
    VerifyController(dependencies: dependencies).addRoutes(to: v1)
    EWSPassThroughController(dependencies: dependencies).addRoutes(to: v1)
    TokenController(dependencies: dependencies).addRoutes(to: v1)
    LinkController(dependencies: dependencies).addRoutes(to: v1)
    KeyController(dependencies: dependencies).addRoutes(to: v1)
    knownRoutes.record(router.routes)
    return router
}

/// The whole service from its configuration: store, keyring, audit trail, TLS, routes.
/// `serve`, `demo` and the end-to-end tests all start the broker through this. In-process tests pass
/// `listensForSIGHUP: false`: a signal handler belongs to the process, not to one of several brokers in it.
public func buildApplication(
    configuration: BrokerConfiguration, logger: Logger, listensForSIGHUP: Bool = true,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let keyring = try KeyringHolder(KeyringFile.load(path: configuration.keyringPath), path: configuration.keyringPath)
    let store = try await StoreFactory.open(configuration, logger: logger)
    let audit = try AuditLog(destination: configuration.auditLog)
    guard let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath else {
        throw ConfigurationError("CREDBROKER_TLS_CERT and CREDBROKER_TLS_KEY must name the server's PEM certificate chain and key (`credbroker init` writes development ones)")
    }
    let serverCertificate = try ReloadableServerCertificate(certificatePath: certificate, keyPath: key)
    let tls = try ServerTLSFiles.configuration(certificate: serverCertificate, clientCAPath: configuration.tlsClientCAPath)
    let http = try configuration.upstreamHTTPClient()
    let verifier = try configuration.verifier(http: http)
    let webhooks = try configuration.webhookNotifier(http: http, logger: logger)
    let dependencies = BrokerDependencies(
        integrations: store, clients: store, keyring: keyring, audit: audit, http: http, verifier: verifier, webhooks: webhooks,
        link: LinkSettings(publicURL: configuration.publicURL, returnToOrigins: configuration.returnToOrigins),
        resilience: UpstreamResilience(breaker: { [configuration] in CircuitBreaker(threshold: configuration.circuitFailures, cooldown: configuration.circuitCooldownSeconds) }),
        metricsAuth: configuration.metricsAuth, verifyRatePerMinute: configuration.verifyRatePerMinute,
        authFailuresPerMinute: configuration.authFailuresPerMinute, refreshLeaseSeconds: configuration.refreshLeaseSeconds, logger: logger)
    return Application(
        router: buildRouter(dependencies: dependencies),
        server: try .tls(.http1(configuration: .init(idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)))), tlsConfiguration: tls),
        configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: "credbroker"),
        services: [
            KeyringReloader(
                holder: keyring, pollInterval: configuration.keyringReloadInterval, listensForSIGHUP: listensForSIGHUP, logger: logger,
                alsoOnSIGHUP: { [logger] in
                    do {
                        try serverCertificate.reload()
                        logger.notice("TLS certificate reloaded", metadata: ["credbroker.certificate": "\(serverCertificate.certificatePath)"])
                    } catch {
                        logger.error("TLS certificate reload failed; keeping the one in use", metadata: ["credbroker.error": "\(error)"])
                    }
                })
        ],
        onServerRunning: onServerRunning,
        logger: logger)
}

extension BrokerConfiguration {
    /// Webhooks from `CREDBROKER_WEBHOOK_URLS` (https only) signed with `CREDBROKER_WEBHOOK_SECRET_FILE`.
    /// Deliveries use `http`'s trust and limits with a shorter timeout, so a receiver cannot hold one long.
    func webhookNotifier(http: UpstreamHTTPClient, logger: Logger) throws -> WebhookNotifier {
        guard !webhookURLs.isEmpty else { return WebhookNotifier(urls: [], secret: nil, http: http, logger: logger) }
        for url in webhookURLs where FieldChecks.httpsURLProblem(url) != nil {
            throw ConfigurationError("CREDBROKER_WEBHOOK_URLS: '\(url)' must be an https URL")
        }
        guard let file = webhookSecretFile else {
            throw ConfigurationError("CREDBROKER_WEBHOOK_URLS is set: CREDBROKER_WEBHOOK_SECRET_FILE must name the file with the signing secret")
        }
        let secret = try Self.readSecretFile(file)
        guard secret.utf8.count >= 16 else { throw ConfigurationError("CREDBROKER_WEBHOOK_SECRET_FILE: the secret must be at least 16 bytes") }
        var client = http.configuration
        client.totalTimeout = min(client.totalTimeout, .seconds(10))
        return WebhookNotifier(urls: webhookURLs, secret: SecretValue(secret), http: UpstreamHTTPClient(configuration: client), logger: logger)
    }

    /// Provider conversations with this configuration's Microsoft and Google endpoints and Google OAuth client.
    public func verifier(http: UpstreamHTTPClient) throws -> Verifier {
        var client: GoogleOAuthClient?
        if let clientID = googleClientID {
            guard let file = googleClientSecretFile else {
                throw ConfigurationError("CREDBROKER_GOOGLE_CLIENT_ID is set: CREDBROKER_GOOGLE_CLIENT_SECRET_FILE must name the file with the client secret")
            }
            client = GoogleOAuthClient(clientID: clientID, clientSecret: SecretValue(try Self.readSecretFile(file)))
        }
        let google = GoogleTokenClient(http: http, discovery: GoogleDiscovery(issuer: googleIssuer, http: http), client: client)
        return Verifier(http: http, microsoftAuthority: microsoftAuthority, microsoftGraph: microsoftGraph, google: google, googleAPI: googleAPI)
    }

    /// The outbound client with this configuration's timeout and extra CA bundle.
    public func upstreamHTTPClient() throws -> UpstreamHTTPClient {
        let extraCA = try upstreamCAPath.map { path in
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigurationError("CREDBROKER_UPSTREAM_CA: cannot read \(path)") }
            return pem
        }
        return UpstreamHTTPClient(configuration: .init(totalTimeout: .seconds(upstreamTimeoutSeconds), extraCAPEM: extraCA))
    }
}
