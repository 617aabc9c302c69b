// The token hot path and a refresh storm, over HTTPS with keep-alive, in one run:
// 1. cached hand-out: `POST /v1/integrations/fmis/token` (authentication, policy, cache lookup, JSON)
//    against `GET /healthz` on the same server, same connections, as the baseline;
// 2. refresh storm: N integrations with nothing cached, C concurrent callers each asking for every
//    one of them in its own order: exactly N calls must reach the provider; latency percentiles.
// Run in release mode: swift run -c release TokenBenchmark [integrations=1000] [connections=64] [seconds=5] [replicas=1]
// The store is SQLite unless CREDBROKER_BENCH_DATABASE names a (fresh) PostgreSQL database; with
// replicas > 1 (PostgreSQL only), that many brokers in this process share it, each with its own
// pool, caches and port, and the callers are spread over them. scripts/bench-stores.sh runs both.
import AsyncHTTPClient
import BrokerCore
import BrokerSealing
import BrokerServer
import BrokerStorage
import BrokerTLS
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import StandIns

let arguments = CommandLine.arguments.dropFirst().compactMap(Int.init)
let integrations = arguments.count > 0 ? arguments[0] : 1000
let connections = arguments.count > 1 ? arguments[1] : 64
let seconds = arguments.count > 2 ? arguments[2] : 5
let replicas = arguments.count > 3 ? arguments[3] : 1
let postgresURL = ProcessInfo.processInfo.environment["CREDBROKER_BENCH_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
precondition(replicas == 1 || postgresURL != nil, "several replicas need CREDBROKER_BENCH_DATABASE (PostgreSQL)")
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("token-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
func write(_ text: String, _ name: String) throws -> String {
    let path = directory + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    return path
}

let authority = try DevCertificateAuthority()
let issued = try authority.issueServerCertificate()
let standIn = try await OAuth2StandIn(
    clients: ["broker": .init(secret: "s3cret", allowedScopes: ["rooms.read"])],
    tls: try StandInServer.tls(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM))

var configuration = BrokerConfiguration()
configuration.listenPort = 0
configuration.database = postgresURL ?? directory + "/credbroker.sqlite"
configuration.keyringPath = directory + "/keyring.json"
configuration.tlsCertificatePath = try write(issued.certificatePEM, "server.pem")
configuration.tlsKeyPath = try write(issued.privateKeyPEM, "server-key.pem")
configuration.upstreamCAPath = try write(authority.certificatePEM, "ca.pem")
configuration.auditLog = directory + "/audit.log"
try KeyringFile.write(try Keyring.generate(), to: configuration.keyringPath, overwrite: false)
var logger = Logger(label: "bench")
logger.logLevel = .error
let store = try await StoreFactory.open(configuration, logger: logger)
var keys: [String: String] = [:]
for (name, role) in [("admin", Role.admin), ("consumer", Role.consumer)] {
    let (key, hash) = try APIKey.generate()
    keys[name] = key.revealUTF8()
    try await store.add(Client(name: name, roles: [role], patterns: [.everything], mtlsIdentity: nil, apiKeyHash: hash, createdAt: Date()))
}

await store.close()
var servers: [Task<Void, any Error>] = []
var ports: [Int] = []
for _ in 0..<replicas {
    let (started, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = try await buildApplication(configuration: configuration, logger: logger, listensForSIGHUP: false) { channel in
        continuation.yield(channel.localAddress?.port ?? 0)
    }
    servers.append(Task { try await app.runService(gracefulShutdownSignals: []) })
    ports.append(await started.first { _ in true }!)
}
let replicaPorts = ports

var tls = TLSConfiguration.makeClientConfiguration()
tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(authority.certificatePEM.utf8)))
let client = HTTPClient(
    eventLoopGroupProvider: .singleton,
    configuration: .init(tlsConfiguration: tls, connectionPool: .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))

/// A request to replica `replica` (modulo the number of replicas).
func request(_ method: HTTPMethod, _ path: String, key: String?, body: [String: Any]? = nil, replica: Int = 0) async throws -> (Int, ByteBuffer) {
    var request = HTTPClientRequest(url: "https://127.0.0.1:\(replicaPorts[replica % replicaPorts.count])\(path)")
    request.method = method
    if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
    }
    let response = try await client.execute(request, timeout: .seconds(60))
    return (Int(response.status.code), try await response.body.collect(upTo: 1 << 20))
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func percentile(_ samples: [Duration], _ p: Double) -> Double {
    let sorted = samples.sorted()
    return milliseconds(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
}

/// `connections` workers sending `send(worker)` for `seconds`; returns requests per second and latencies.
func load(_ label: String, _ send: @escaping @Sendable (Int) async throws -> Int) async throws -> (rate: Double, samples: [Duration]) {
    let deadline = ContinuousClock.now + .seconds(seconds)
    let started = ContinuousClock.now
    let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for worker in 0..<connections {
            group.addTask {
                var own: [Duration] = []
                while ContinuousClock.now < deadline {
                    let start = ContinuousClock.now
                    let status = try await send(worker)
                    precondition(status == 200, "\(label): HTTP \(status)")
                    own.append(ContinuousClock.now - start)
                }
                return own
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
    let elapsed = milliseconds(ContinuousClock.now - started) / 1000
    return (Double(samples.count) / elapsed, samples)
}

for index in 0..<integrations {
    let (status, _) = try await request(.POST, "/v1/integrations", key: keys["admin"], body: [
        "name": "fmis-\(index)", "kind": "oauth2", "settings": ["token_url": standIn.tokenURL, "client_id": "broker", "scopes": ["rooms.read"]],
        "secrets": ["client_secret": "s3cret"],
    ])
    precondition(status == 201)
}

// 1. Refresh storm: nothing cached yet.
let consumer = keys["consumer"]!
let names = (0..<integrations).map { "fmis-\($0)" }
let stormStart = ContinuousClock.now
let storm = try await withThrowingTaskGroup(of: [Duration].self) { group in
    for worker in 0..<connections {
        group.addTask {
            var own: [Duration] = []
            for name in names.shuffled() {
                let start = ContinuousClock.now
                let (status, _) = try await request(.POST, "/v1/integrations/\(name)/token", key: consumer, replica: worker)
                precondition(status == 200)
                own.append(ContinuousClock.now - start)
            }
            return own
        }
    }
    var all: [Duration] = []
    for try await part in group { all += part }
    return all
}
let stormSeconds = milliseconds(ContinuousClock.now - stormStart) / 1000
let storeName = postgresURL == nil ? "SQLite" : "PostgreSQL"
print("store: \(storeName), \(replicas) replica(s)")
print("refresh storm: \(integrations) integrations x \(connections) concurrent callers = \(storm.count) requests in \(String(format: "%.1f", stormSeconds)) s")
print("  upstream token calls: \(standIn.control.count("/oauth/token")) (must be \(integrations))")
print(String(format: "  latency p50 %.2f ms, p99 %.2f ms, max %.2f ms", percentile(storm, 0.5), percentile(storm, 0.99), percentile(storm, 1)))

// 2. Cached hand-out against /healthz on the same server and connections.
let baseline = try await load("healthz") { try await request(.GET, "/healthz", key: nil, replica: $0).0 }
let tokens = try await load("token") { try await request(.POST, "/v1/integrations/fmis-0/token", key: consumer, replica: $0).0 }
print("cached hand-out over TLS keep-alive, \(connections) connections, \(seconds) s each:")
print(String(format: "  GET /healthz (baseline):         %8.0f req/s, p50 %.2f ms, p99 %.2f ms", baseline.rate, percentile(baseline.samples, 0.5), percentile(baseline.samples, 0.99)))
print(String(format: "  POST /v1/integrations/…/token:   %8.0f req/s, p50 %.2f ms, p99 %.2f ms", tokens.rate, percentile(tokens.samples, 0.5), percentile(tokens.samples, 0.99)))
print(String(format: "  token / healthz throughput: %.2fx", tokens.rate / baseline.rate))
print("  upstream token calls after the load: \(standIn.control.count("/oauth/token"))")

try await client.shutdown().get()
for server in servers { server.cancel() }
await standIn.server.stop()
