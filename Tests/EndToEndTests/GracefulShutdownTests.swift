import BrokerTLS
import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns
import Testing

@Suite(.serialized) struct GracefulShutdownTests {
    /// SIGTERM while a token request waits on a slow provider: the request still completes with its
    /// token, new connections are refused, and `serve` exits 0.
    @Test func sigtermLetsInFlightRequestsFinish() async throws {
        let pki = try DevCertificateAuthority(commonName: "stand-in CA")
        let standIns = try await StandInSet(authority: pki)
        let scratch = try TemporaryDirectory()
        let served = try await ServedSetup(["CREDBROKER_UPSTREAM_CA": try scratch.write(pki.certificatePEM, to: "standin-ca.pem")])
        let consumer = try await served.run(["clients", "add", "svc", "--role", "consumer"])
        let consumerKey = consumer.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let (server, address) = try await served.serve()
        let client = try TestHTTPClient(baseURL: address, trustingCAPEM: served.caPEM)
        let created = try await client.json(.POST, "/v1/integrations", key: served.adminKey, body: [
            "name": "fmis", "kind": "oauth2", "settings": ["token_url": standIns.oauth2.tokenURL, "client_id": "broker", "scopes": ["rooms.read"]],
            "secrets": ["client_secret": StandInSet.appSecret],
        ])
        #expect(created.status == 201, "\(created.text)")

        standIns.oauth2.control.fault = .delay(.seconds(2))
        let inFlight = Task { try await client.json(.POST, "/v1/integrations/fmis/token", key: consumerKey) }
        try await Task.sleep(for: .milliseconds(500))
        kill(server.pid, SIGTERM)
        let reply = try await inFlight.value
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json["access_token"] is String)
        #expect(await server.exit() == 0, "\(server.stderr)")
        #expect(!Self.accepts(port: Int(address.split(separator: ":").last ?? "") ?? 0), "the listener is closed")
        try await client.shutdown()
        await standIns.stop()
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` (a plain socket: HTTP clients
    /// retry refused connections until their timeout).
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
