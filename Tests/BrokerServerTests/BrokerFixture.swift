import BrokerCore
import BrokerSealing
import BrokerServer
import BrokerStorage
import BrokerTLS
import BrokerTesting
import Foundation
import Hummingbird
import Logging
import NIOSSL
import NIOHTTP1
import Synchronization

/// Log lines the broker wrote, kept in memory so tests can search them for planted secrets.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger() -> Logger {
        var logger = Logger(label: "credbroker-test") { label in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
    }
}

/// A real broker on an ephemeral loopback port with TLS, mTLS, a SQLite file and seeded clients.
final class BrokerFixture: Sendable {
    let directory: TemporaryDirectory
    let pki: TestPKI
    let configuration: BrokerConfiguration
    let logs = LogCapture()
    let keys: [String: String]
    let keyring: Keyring

    /// Clients seeded in every fixture: name → (roles, patterns, mTLS identity).
    static let clients: [(name: String, roles: Set<Role>, patterns: [String], identity: String?)] = [
        ("admin", [.admin], ["*"], nil),
        ("consumer", [.consumer], ["*"], nil),
        ("ops", [.ops], ["*"], nil),
        ("acme-admin", [.admin], ["acme.*"], nil),
        ("acme-consumer", [.consumer], ["acme.*"], nil),
        ("portal", [.admin], ["*"], "spiffe://corp/portal"),
        ("ops-tool", [.ops], ["*"], "ops-tool"),
    ]

    /// `configure` may change the configuration (and write files it names) before the broker starts.
    init(configure: (inout BrokerConfiguration, TemporaryDirectory) throws -> Void = { _, _ in }) async throws {
        directory = try TemporaryDirectory()
        pki = try TestPKI(in: directory)
        keyring = try Keyring.generate()
        try KeyringFile.write(keyring, to: directory.file("keyring.json"), overwrite: false)
        var configuration = BrokerConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.database = directory.file("credbroker.sqlite")
        configuration.keyringPath = directory.file("keyring.json")
        configuration.tlsCertificatePath = pki.serverCertificatePath
        configuration.tlsKeyPath = pki.serverKeyPath
        configuration.tlsClientCAPath = pki.clientCAPath
        configuration.auditLog = directory.file("audit.log")
        configuration.keyringReloadInterval = .milliseconds(100)
        try configure(&configuration, directory)
        self.configuration = configuration

        let store = try SQLiteStore(path: configuration.database)
        var keys: [String: String] = [:]
        for client in Self.clients {
            let (key, hash) = try APIKey.generate()
            keys[client.name] = key.revealUTF8()
            try await store.add(Client(
                name: client.name, roles: client.roles, patterns: client.patterns.compactMap(IntegrationPattern.init),
                mtlsIdentity: client.identity, apiKeyHash: hash, createdAt: Date()))
        }
        self.keys = keys
    }

    /// Runs `body` against the broker, then stops it.
    func run(_ body: @Sendable (BrokerSession) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(
            configuration: configuration, logger: logs.logger(), listensForSIGHUP: false,
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let session = try BrokerSession(fixture: self, port: port)
            do {
                try await body(session)
            } catch {
                try? await session.shutdown()
                group.cancelAll()
                throw error
            }
            try await session.shutdown()
            group.cancelAll()
        }
    }

    var auditText: String { (try? String(contentsOfFile: configuration.auditLog, encoding: .utf8)) ?? "" }

    var databaseFiles: [String] { [configuration.database, configuration.database + "-wal", configuration.database + "-shm"] }
}

/// Clients connected to a running fixture.
final class BrokerSession: Sendable {
    let fixture: BrokerFixture
    let port: Int
    let http: TestHTTPClient
    let replies = Mutex<[TestHTTPClient.Reply]>([])

    init(fixture: BrokerFixture, port: Int) throws {
        self.fixture = fixture
        self.port = port
        http = try TestHTTPClient(baseURL: "https://127.0.0.1:\(port)", trustingCAPEM: fixture.pki.serverCA.certificatePEM)
    }

    func key(_ client: String) -> String { fixture.keys[client]! }

    /// A client presenting a certificate issued by `authority` (the trusted client CA by default).
    func certificateClient(commonName: String, uri: String?, authority: DevCertificateAuthority? = nil, maximumTLSVersion: TLSVersion? = nil) throws -> TestHTTPClient {
        let issued = try (authority ?? fixture.pki.clientCA).issueClientCertificate(commonName: commonName, uri: uri)
        return try TestHTTPClient(
            baseURL: http.baseURL, trustingCAPEM: fixture.pki.serverCA.certificatePEM,
            clientCertificatePEM: issued.certificatePEM, clientKeyPEM: issued.privateKeyPEM, maximumTLSVersion: maximumTLSVersion)
    }

    /// Sends a JSON request as `client` (an API key holder) and remembers the reply for leak scans.
    @discardableResult
    func call(_ method: HTTPMethodName, _ path: String, as client: String? = "admin", body: Any? = nil, via transport: TestHTTPClient? = nil) async throws -> TestHTTPClient.Reply {
        let reply = try await (transport ?? http).json(method.nio, path, key: client.map(key), body: body)
        replies.withLock { $0.append(reply) }
        return reply
    }

    var allReplyBytes: [UInt8] { replies.withLock { $0.flatMap { $0.body + Array("\($0.headers)".utf8) } } }

    func shutdown() async throws { try await http.shutdown() }
}

/// The HTTP methods the tests use, spelled once.
enum HTTPMethodName: Sendable {
    case get, post, patch, delete

    var nio: NIOHTTP1.HTTPMethod {
        switch self {
        case .get: .GET
        case .post: .POST
        case .patch: .PATCH
        case .delete: .DELETE
        }
    }
}
