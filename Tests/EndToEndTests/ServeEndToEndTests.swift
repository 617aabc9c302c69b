import BrokerTesting
import NIOHTTP1
import Foundation
import Testing

@Suite(.serialized) struct ServeEndToEndTests {
    /// `init` + `serve` + an HTTPS client: integrations of every kind are created with secrets, listed
    /// without them, patched and deleted; `integrations list` sees the same; and no planted secret
    /// reaches the server's output, the audit trail or the SQLite files.
    @Test func initServeAndManageIntegrations() async throws {
        let served = try await ServedSetup(["CREDBROKER_LOG_LEVEL": "trace"])
        let setup = served.path
        let adminKey = served.adminKey

        let password = SecretCanary.make("e2e-password")
        let clientSecret = SecretCanary.make("e2e-client-secret")
        let exchangePassword = SecretCanary.make("e2e-exchange")
        let keyBody = "RTJFUHJpdmF0ZUtleUNhbmFyeQ" + String(UUID().uuidString.filter(\.isLetter).prefix(6))
        let canary = SecretCanary([password, clientSecret, exchangePassword, keyBody, adminKey])

        let (server, address) = try await served.serve()
        let client = try TestHTTPClient(baseURL: address, trustingCAPEM: served.caPEM)
        var replies: [UInt8] = []
        func call(_ method: String, _ path: String, _ body: Any? = nil) async throws -> TestHTTPClient.Reply {
            let reply = try await client.json(.init(rawValue: method), path, key: adminKey, body: body)
            replies += reply.body
            return reply
        }
        let clientID = "11111111-2222-3333-4444-555555555555"
        let bodies: [[String: Any]] = [
            ["name": "hq-rooms", "kind": "office365", "settings": ["account": "rooms@corp.example", "client_id": clientID], "secrets": ["password": password]],
            ["name": "onprem", "kind": "exchange", "settings": ["ews_url": "https://mail.corp.example/EWS/Exchange.asmx", "account": "rooms@corp.example"], "secrets": ["password": exchangePassword]],
            ["name": "gsuite", "kind": "google", "settings": ["auth": "service_account", "client_email": "b@p.iam.gserviceaccount.com", "subject": "admin@corp.example"],
             "secrets": ["private_key": TestPEM.privateKey(keyBody)]],
            ["name": "fmis", "kind": "oauth2", "settings": ["token_url": "https://fmis.example/token", "client_id": "broker"], "secrets": ["client_secret": clientSecret]],
        ]
        for body in bodies {
            let created = try await call("POST", "/v1/integrations", body)
            #expect(created.status == 201, "\(created.text)")
        }
        let listed = try await call("GET", "/v1/integrations")
        #expect((listed.json["integrations"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["fmis", "gsuite", "hq-rooms", "onprem"])
        #expect(try await call("PATCH", "/v1/integrations/hq-rooms", ["display_name": "Head office"]).status == 200)
        #expect(try await call("DELETE", "/v1/integrations/onprem").status == 204)
        try await client.shutdown()

        let cli = try await served.run(["integrations", "list", "--json"])
        let rows = (try? JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(rows.compactMap { $0["name"] as? String } == ["fmis", "gsuite", "hq-rooms"])

        let status = await server.stop()
        #expect(status == 0 || status == 15, "serve exits cleanly on SIGTERM (status \(status))")
        var findings = canary.findings(in: replies, source: "responses")
        findings += canary.findings(inFiles: server.outputFiles)
        findings += canary.findings(inFiles: [setup + "/audit.log", setup + "/credbroker.sqlite", setup + "/credbroker.sqlite-wal", setup + "/credbroker.sqlite-shm"])
        #expect(findings.isEmpty, "\(findings)")
        #expect(server.stderr.contains("/v1/integrations"), "the server logged requests")
    }
}
