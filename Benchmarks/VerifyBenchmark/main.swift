// What "Verify with …" adds over the provider's own latency: N token requests straight to the OAuth 2.0
// stand-in (libcurl, the broker's own client) against N `POST /v1/verify` through the broker over
// HTTPS (TLS, authentication, validation, the same libcurl call, the answer), measured in one run.
// Run in release mode: swift run -c release VerifyBenchmark [iterations]
import AsyncHTTPClient
import BrokerCore
import BrokerSealing
import BrokerServer
import BrokerStorage
import BrokerTLS
import BrokerUpstreams
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import StandIns

let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 500
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-bench-\(getpid())").path
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
configuration.database = directory + "/credbroker.sqlite"
configuration.keyringPath = directory + "/keyring.json"
configuration.tlsCertificatePath = try write(issued.certificatePEM, "server.pem")
configuration.tlsKeyPath = try write(issued.privateKeyPEM, "server-key.pem")
configuration.upstreamCAPath = try write(authority.certificatePEM, "ca.pem")
configuration.auditLog = directory + "/audit.log"
try KeyringFile.write(try Keyring.generate(), to: configuration.keyringPath, overwrite: false)
let (key, hash) = try APIKey.generate()
try await SQLiteStore(path: configuration.database).add(Client(name: "admin", roles: [.admin], patterns: [.everything], mtlsIdentity: nil, apiKeyHash: hash, createdAt: Date()))

var logger = Logger(label: "bench")
logger.logLevel = .error
let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
let app = try await buildApplication(configuration: configuration, logger: logger, listensForSIGHUP: false) { channel in
    continuation.yield(channel.localAddress?.port ?? 0)
}
let server = Task { try await app.runService(gracefulShutdownSignals: []) }
let port = await ports.first { _ in true }!

func percentile(_ samples: [Duration], _ p: Double) -> Double {
    let sorted = samples.sorted()
    let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    return Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
}

// Baseline: the broker's own libcurl client straight at the stand-in.
let http = try configuration.upstreamHTTPClient()
let settings = OAuth2Settings(tokenURL: standIn.tokenURL, clientID: "broker", scopes: ["rooms.read"])
let oauth2 = OAuth2TokenClient(http: http)
var direct: [Duration] = []
for index in 0..<(iterations + 20) {
    let start = ContinuousClock.now
    let response = try await oauth2.requestToken(settings, clientSecret: SecretValue("s3cret"))
    precondition(response.status == 200)
    if index >= 20 { direct.append(ContinuousClock.now - start) }
}

// Through the broker: POST /v1/verify over HTTPS with a keep-alive client.
var tls = TLSConfiguration.makeClientConfiguration()
tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(authority.certificatePEM.utf8)))
let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
let body = try JSONSerialization.data(withJSONObject: [
    "name": "fmis", "kind": "oauth2", "settings": ["token_url": standIn.tokenURL, "client_id": "broker", "scopes": ["rooms.read"]],
    "secrets": ["client_secret": "s3cret"],
])
var verified: [Duration] = []
for index in 0..<(iterations + 20) {
    var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/v1/verify")
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(key.revealUTF8())")
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(bytes: body))
    let start = ContinuousClock.now
    let response = try await client.execute(request, timeout: .seconds(30))
    let answer = try await response.body.collect(upTo: 1 << 20)
    precondition(response.status.code == 200 && String(buffer: answer).contains("\"ok\":true"))
    if index >= 20 { verified.append(ContinuousClock.now - start) }
}
try await client.shutdown().get()

let directMedian = percentile(direct, 0.5), verifyMedian = percentile(verified, 0.5)
print(String(format: "token request straight to the stand-in (libcurl): median %.2f ms, p99 %.2f ms (%d requests)", directMedian, percentile(direct, 0.99), iterations))
print(String(format: "POST /v1/verify through the broker (HTTPS):       median %.2f ms, p99 %.2f ms (%d requests)", verifyMedian, percentile(verified, 0.99), iterations))
print(String(format: "the broker adds %.2f ms at the median (%.2fx the stand-in's own latency)", verifyMedian - directMedian, verifyMedian / directMedian))
server.cancel()
await standIn.server.stop()
