public import Foundation
import Configuration
import SystemPackage

/// Everything `serve` needs, read once from the environment (and the `CREDBROKER_CONFIG` JSON file);
/// tests build it directly.
public struct BrokerConfiguration: Sendable {
    public var listenHost: String = "127.0.0.1"
    public var listenPort: Int = 8443
    public var publicURL: String = "https://localhost:8443"
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var tlsClientCAPath: String?
    public var database: String = "./data/credbroker.sqlite"
    /// A file holding the PostgreSQL password (`CREDBROKER_DATABASE_PASSWORD_FILE`), so the URL can sit in plain configuration.
    public var databasePasswordFile: String?
    public var keyringPath: String = "./data/keyring.json"
    public var googleIssuer: String = "https://accounts.google.com"
    public var googleClientID: String?
    public var googleClientSecretFile: String?
    /// Base of Google's APIs (Calendar), for room checks.
    public var googleAPI: String = "https://www.googleapis.com"
    public var microsoftAuthority: String = "https://login.microsoftonline.com"
    public var microsoftGraph: String = "https://graph.microsoft.com"
    public var upstreamCAPath: String?
    public var returnToOrigins: [String] = []
    public var auditLog: String = "-"
    public var logLevel: String = "info"
    public var logFormat: LogFormat = .text
    public var upstreamTimeoutSeconds: Int = 15
    public var metricsAuth: MetricsAuth = .none
    public var webhookURLs: [String] = []
    public var webhookSecretFile: String?
    /// Verifications one client may run per minute (`CREDBROKER_VERIFY_RATE_PER_MINUTE`): each sends credentials upstream.
    public var verifyRatePerMinute: Int = 30
    /// Failed authentications one remote address may make per minute before it is turned away (`CREDBROKER_AUTH_FAILURES_PER_MINUTE`).
    public var authFailuresPerMinute: Int = 20
    /// Transient failures in a row after which a provider's circuit opens (`CREDBROKER_CIRCUIT_FAILURES`).
    public var circuitFailures: Int = 5
    /// How long an open circuit turns calls away before one probe (`CREDBROKER_CIRCUIT_COOLDOWN_SECONDS`).
    public var circuitCooldownSeconds: Double = 30
    /// How long one replica may hold the right to refresh a token before another may take it over
    /// (`CREDBROKER_REFRESH_LEASE_SECONDS`): longer than a fetch with its retries takes.
    public var refreshLeaseSeconds: Double = 30
    /// How long a connection may stay silent — idle between requests, or stalled in a handshake or
    /// half-sent headers — before the broker closes it (`CREDBROKER_IDLE_TIMEOUT_SECONDS`).
    public var idleTimeoutSeconds: Double = 30
    /// How often the keyring file is checked for changes; nil turns polling off (SIGHUP still reloads).
    public var keyringReloadInterval: Duration? = .seconds(2)

    /// How log lines are written.
    public enum LogFormat: String, Sendable { case text, json }
    /// Whether `/metrics` needs an ops client.
    public enum MetricsAuth: String, Sendable { case none, ops }

    public init() {}

    /// Reads `CREDBROKER_*` from `environment`, then from the JSON or YAML file `CREDBROKER_CONFIG`
    /// names (nested the same way: `{"credbroker": {"tls": {"cert": "…"}}}` or `credbroker: {tls: {cert: …}}`
    /// is `CREDBROKER_TLS_CERT`); the environment wins.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> BrokerConfiguration {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: environment)]
        if let file = environment["CREDBROKER_CONFIG"], !file.isEmpty {
            let isYAML = file.hasSuffix(".yaml") || file.hasSuffix(".yml")
            guard isYAML || file.hasSuffix(".json") else {
                throw ConfigurationError("CREDBROKER_CONFIG=\(file): name a JSON (*.json) or YAML (*.yaml, *.yml) file")
            }
            do {
                if isYAML {
                    providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(file)))
                } else {
                    providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
                }
            } catch {
                throw ConfigurationError("CREDBROKER_CONFIG=\(file) cannot be read as \(isYAML ? "YAML" : "JSON"): \(error)")
            }
        }
        let reader = ConfigReader(providers: providers)
        var configuration = BrokerConfiguration()
        func string(_ key: String) -> String? {
            guard let value = reader.string(forKey: ConfigKey(key)), !value.isEmpty else { return nil }
            return value
        }
        if let listen = string("credbroker.listen") {
            (configuration.listenHost, configuration.listenPort) = try parseListen(listen)
        }
        configuration.publicURL = string("credbroker.public.url") ?? configuration.publicURL
        configuration.tlsCertificatePath = string("credbroker.tls.cert")
        configuration.tlsKeyPath = string("credbroker.tls.key")
        configuration.tlsClientCAPath = string("credbroker.tls.client.ca")
        configuration.database = string("credbroker.database") ?? configuration.database
        configuration.databasePasswordFile = string("credbroker.database.password.file")
        configuration.keyringPath = string("credbroker.keyring") ?? configuration.keyringPath
        configuration.googleIssuer = string("credbroker.google.issuer") ?? configuration.googleIssuer
        configuration.googleClientID = string("credbroker.google.client.id")
        configuration.googleClientSecretFile = string("credbroker.google.client.secret.file")
        configuration.googleAPI = string("credbroker.google.api") ?? configuration.googleAPI
        configuration.microsoftAuthority = string("credbroker.microsoft.authority") ?? configuration.microsoftAuthority
        configuration.microsoftGraph = string("credbroker.microsoft.graph") ?? configuration.microsoftGraph
        configuration.upstreamCAPath = string("credbroker.upstream.ca")
        configuration.returnToOrigins = list(string("credbroker.return.to.origins"))
        configuration.auditLog = string("credbroker.audit.log") ?? configuration.auditLog
        configuration.logLevel = string("credbroker.log.level") ?? configuration.logLevel
        if let format = string("credbroker.log.format") {
            guard let parsed = LogFormat(rawValue: format) else { throw ConfigurationError("CREDBROKER_LOG_FORMAT must be text or json, not '\(format)'") }
            configuration.logFormat = parsed
        }
        if let timeout = string("credbroker.upstream.timeout.seconds") {
            guard let seconds = Int(timeout), (1...300).contains(seconds) else {
                throw ConfigurationError("CREDBROKER_UPSTREAM_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 300, not '\(timeout)'")
            }
            configuration.upstreamTimeoutSeconds = seconds
        }
        if let metrics = string("credbroker.metrics.auth") {
            guard let parsed = MetricsAuth(rawValue: metrics) else { throw ConfigurationError("CREDBROKER_METRICS_AUTH must be none or ops, not '\(metrics)'") }
            configuration.metricsAuth = parsed
        }
        configuration.webhookURLs = list(string("credbroker.webhook.urls"))
        configuration.webhookSecretFile = string("credbroker.webhook.secret.file")
        for (key, variable, path) in [
            ("credbroker.verify.rate.per.minute", "CREDBROKER_VERIFY_RATE_PER_MINUTE", \BrokerConfiguration.verifyRatePerMinute),
            ("credbroker.auth.failures.per.minute", "CREDBROKER_AUTH_FAILURES_PER_MINUTE", \BrokerConfiguration.authFailuresPerMinute),
        ] {
            guard let raw = string(key) else { continue }
            guard let value = Int(raw), (1...100_000).contains(value) else { throw ConfigurationError("\(variable) must be a whole number from 1 to 100000, not '\(raw)'") }
            configuration[keyPath: path] = value
        }
        if let failures = string("credbroker.circuit.failures") {
            guard let value = Int(failures), (1...1000).contains(value) else { throw ConfigurationError("CREDBROKER_CIRCUIT_FAILURES must be a whole number from 1 to 1000, not '\(failures)'") }
            configuration.circuitFailures = value
        }
        if let cooldown = string("credbroker.circuit.cooldown.seconds") {
            guard let value = Double(cooldown), value >= 0.1, value <= 3600 else { throw ConfigurationError("CREDBROKER_CIRCUIT_COOLDOWN_SECONDS must be seconds from 0.1 to 3600, not '\(cooldown)'") }
            configuration.circuitCooldownSeconds = value
        }
        if let idle = string("credbroker.idle.timeout.seconds") {
            guard let value = Double(idle), value >= 1, value <= 3600 else { throw ConfigurationError("CREDBROKER_IDLE_TIMEOUT_SECONDS must be seconds from 1 to 3600, not '\(idle)'") }
            configuration.idleTimeoutSeconds = value
        }
        if let lease = string("credbroker.refresh.lease.seconds") {
            guard let value = Double(lease), value >= 1, value <= 600 else { throw ConfigurationError("CREDBROKER_REFRESH_LEASE_SECONDS must be seconds from 1 to 600, not '\(lease)'") }
            configuration.refreshLeaseSeconds = value
        }
        if let reload = string("credbroker.keyring.reload.seconds") {
            guard let seconds = Double(reload), seconds >= 0, seconds <= 3600 else {
                throw ConfigurationError("CREDBROKER_KEYRING_RELOAD_SECONDS must be seconds from 0 (off) to 3600, not '\(reload)'")
            }
            configuration.keyringReloadInterval = seconds == 0 ? nil : .milliseconds(Int(seconds * 1000))
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(configuration.logLevel) else {
            throw ConfigurationError("CREDBROKER_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        return configuration
    }

    /// `host:port`, `[v6]:port`; port 0 asks the system for a free one.
    static func parseListen(_ value: String) throws -> (String, Int) {
        var host: Substring
        var port: Substring
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]"), value[value.index(after: close)...].hasPrefix(":") else {
                throw ConfigurationError("CREDBROKER_LISTEN must be host:port or [ipv6]:port, not '\(value)'")
            }
            host = value[value.index(after: value.startIndex)..<close]
            port = value[value.index(close, offsetBy: 2)...]
        } else {
            guard let colon = value.lastIndex(of: ":") else {
                throw ConfigurationError("CREDBROKER_LISTEN must be host:port, not '\(value)'")
            }
            host = value[..<colon]
            port = value[value.index(after: colon)...]
        }
        guard !host.isEmpty, let number = Int(port), (0...65535).contains(number) else {
            throw ConfigurationError("CREDBROKER_LISTEN must be host:port with a port from 0 to 65535, not '\(value)'")
        }
        return (String(host), number)
    }

    /// Reads a `*_FILE` value: the whole file, one trailing newline removed.
    public static func readSecretFile(_ path: String) throws -> String {
        guard var text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError("cannot read \(path)")
        }
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    private static func list(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A configuration problem, said in one line that names the variable to fix.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
