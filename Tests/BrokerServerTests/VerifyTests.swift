import BrokerServer
import BrokerTLS
import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns
import Testing

/// One "Verify with …" case: the draft sent and the answer expected.
struct VerifyCase: Sendable, CustomTestStringConvertible {
    let label: String
    let body: @Sendable (StandInSet) -> [String: Any]
    let code: String
    var fields: [String: String] = [:]

    var testDescription: String { label }

    static func office365(_ label: String, account: String = "rooms@corp.example", password: String = StandInSet.password, tenant: String? = nil, clientID: String = StandInSet.publicApp, code: String, fields: [String: String] = [:]) -> VerifyCase {
        VerifyCase(label: label, body: { _ in
            var settings: [String: Any] = ["account": account, "client_id": clientID]
            if let tenant { settings["tenant"] = tenant }
            return ["name": "draft", "kind": "office365", "settings": settings, "secrets": ["password": password]]
        }, code: code, fields: fields)
    }

    static func appOnly(_ label: String, clientID: String = StandInSet.publicApp, secret: String = StandInSet.appSecret, code: String, fields: [String: String] = [:]) -> VerifyCase {
        VerifyCase(label: label, body: { _ in
            ["name": "draft", "kind": "office365", "settings": ["tenant": StandInSet.tenant, "client_id": clientID, "auth": "client_secret"], "secrets": ["client_secret": secret]]
        }, code: code, fields: fields)
    }

    static func exchange(_ label: String, path: String = "/EWS/Exchange.asmx", account: String = "rooms@corp.example", username: String? = "CORP\\rooms", auth: String = "basic", password: String = StandInSet.password, code: String, fields: [String: String] = [:]) -> VerifyCase {
        VerifyCase(label: label, body: { standIns in
            var settings: [String: Any] = ["ews_url": standIns.ews.server.baseURL + path, "account": account, "auth": auth]
            if let username { settings["username"] = username }
            return ["name": "draft", "kind": "exchange", "settings": settings, "secrets": ["password": password]]
        }, code: code, fields: fields)
    }

    static func oauth2(_ label: String, secret: String = StandInSet.appSecret, clientAuth: String = "client_secret_basic", scopes: [String] = ["rooms.read"], code: String, fields: [String: String] = [:]) -> VerifyCase {
        VerifyCase(label: label, body: { standIns in
            ["name": "draft", "kind": "oauth2", "settings": ["token_url": standIns.oauth2.tokenURL, "client_id": "broker", "client_auth": clientAuth, "scopes": scopes], "secrets": ["client_secret": secret]]
        }, code: code, fields: fields)
    }

    static func certificate(_ label: String, _ issued: DevCertificateAuthority.Issued, key: String? = nil, code: String, fields: [String: String] = [:]) -> VerifyCase {
        VerifyCase(label: label, body: { _ in
            ["name": "draft", "kind": "office365",
             "settings": ["tenant": StandInSet.tenant, "client_id": StandInSet.certificateApp, "auth": "certificate", "certificate": issued.certificatePEM],
             "secrets": ["private_key": key ?? issued.privateKeyPEM]]
        }, code: code, fields: fields)
    }

    static let all: [VerifyCase] = [
        .certificate("certificate sign-in that works", StandInSet.appCertificate, code: "ok", fields: ["certificate": "ok", "private_key": "ok"]),
        .certificate("certificate not uploaded to the app", StandInSet.strayCertificate, code: "invalid_client", fields: ["certificate": "invalid"]),
        .certificate("private key of another certificate", StandInSet.appCertificate, key: StandInSet.strayCertificate.privateKeyPEM, code: "invalid_client", fields: ["certificate": "invalid"]),
        .office365("password that works", code: "ok", fields: ["account": "ok", "password": "ok"]),
        .office365("wrong password", password: "wrong", code: "invalid_credentials", fields: ["account": "ok", "password": "invalid"]),
        .office365("unknown account", account: "nobody@corp.example", code: "account_not_found", fields: ["account": "invalid"]),
        .office365("MFA required", account: "mfa@corp.example", code: "mfa_required"),
        .office365("locked account", account: "locked@corp.example", code: "account_locked", fields: ["account": "invalid"]),
        .office365("disabled account", account: "disabled@corp.example", code: "account_disabled", fields: ["account": "invalid"]),
        .office365("expired password", account: "expired@corp.example", code: "password_expired", fields: ["password": "invalid"]),
        .office365("blocked by conditional access", account: "blocked@corp.example", code: "conditional_access_blocked"),
        .office365("unknown tenant", tenant: "nowhere.example", code: "tenant_not_found", fields: ["tenant": "invalid"]),
        .office365("unknown client id", clientID: "99999999-2222-3333-4444-555555555555", code: "invalid_client", fields: ["client_id": "invalid"]),
        .office365("public client flows off", clientID: StandInSet.confidentialOnlyApp, code: "public_client_flows_disabled"),
        .office365("consent missing", clientID: StandInSet.unconsentedApp, code: "consent_required", fields: ["client_id": "ok"]),
        .appOnly("client secret that works", code: "ok", fields: ["client_secret": "ok"]),
        .appOnly("wrong client secret", secret: "wrong", code: "invalid_client", fields: ["client_secret": "invalid"]),
        .appOnly("expired client secret", clientID: StandInSet.expiredSecretApp, secret: "old-secret", code: "client_secret_expired", fields: ["client_secret": "invalid"]),
        .exchange("EWS with Basic that works", code: "ok", fields: ["ews_url": "ok", "password": "ok"]),
        .exchange("EWS with a UPN logon", username: nil, code: "ok"),
        .exchange("EWS with NTLM and DOMAIN\\user", auth: "ntlm", code: "ok", fields: ["password": "ok"]),
        .exchange("EWS with NTLM and a UPN", username: "rooms@corp.example", auth: "ntlm", code: "ok"),
        .exchange("EWS with NTLM and a wrong password", auth: "ntlm", password: "wrong", code: "invalid_credentials", fields: ["password": "invalid"]),
        .exchange("EWS wrong password", password: "wrong", code: "invalid_credentials", fields: ["password": "invalid"]),
        .exchange("EWS unknown mailbox", account: "ghost@corp.example", code: "account_not_found", fields: ["account": "invalid"]),
        .exchange("EWS URL is a web page", path: "/owa", code: "ews_url_not_found", fields: ["ews_url": "invalid"]),
        .exchange("EWS URL does not exist", path: "/EWS/Nothing.asmx", code: "ews_url_not_found", fields: ["ews_url": "invalid"]),
        .oauth2("client credentials that work (Basic)", code: "ok", fields: ["client_secret": "ok"]),
        .oauth2("client credentials that work (post)", clientAuth: "client_secret_post", code: "ok"),
        .oauth2("wrong client secret", secret: "wrong", code: "invalid_client", fields: ["client_secret": "invalid"]),
        .oauth2("scope not allowed", scopes: ["rooms.delete"], code: "consent_required", fields: ["scopes": "invalid"]),
        VerifyCase(label: "google not linked", body: { _ in ["name": "draft", "kind": "google", "settings": [:] as [String: Any]] }, code: "not_linked"),
    ]
}

/// A running broker configured to call the stand-ins, with the stand-ins' CA trusted.
struct VerifyHarness {
    let standIns: StandInSet
    let fixture: BrokerFixture

    init(timeoutSeconds: Int = 15, configure: @escaping (inout BrokerConfiguration, TemporaryDirectory) throws -> Void = { _, _ in }) async throws {
        let pki = try DevCertificateAuthority(commonName: "stand-in CA")
        let standIns = try await StandInSet(authority: pki)
        let authority = standIns.microsoft.authority
        self.standIns = standIns
        fixture = try await BrokerFixture { configuration, directory in
            configuration.microsoftAuthority = authority
            configuration.microsoftGraph = authority
            configuration.upstreamCAPath = try directory.write(pki.certificatePEM, to: "standin-ca.pem")
            configuration.upstreamTimeoutSeconds = timeoutSeconds
            try configure(&configuration, directory)
        }
    }
}

@Suite(.serialized) struct VerifyTests {
    /// Each kind of wrong input comes back as its verify code, with the right boxes marked, through the
    /// HTTPS API and libcurl against the stand-ins; a verify that ran answers 200.
    @Test(arguments: VerifyCase.all)
    func verifyCodesEndToEnd(_ verifyCase: VerifyCase) async throws {
        let harness = try await VerifyHarness()
        try await harness.fixture.run { session in
            let reply = try await session.call(.post, "/v1/verify", body: verifyCase.body(harness.standIns))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["code"] as? String == verifyCase.code, "\(reply.text)")
            #expect(reply.json["ok"] as? Bool == (verifyCase.code == "ok"))
            #expect((reply.json["message"] as? String)?.isEmpty == false)
            if verifyCase.code != "ok" { #expect(reply.json["hint"] is String) }
            let fields = reply.json["fields"] as? [String: String] ?? [:]
            for (field, state) in verifyCase.fields { #expect(fields[field] == state, "\(field) in \(fields)") }
            #expect(reply.json["checked_at"] is String)
        }
        await harness.standIns.stop()
    }

    /// Transport and provider trouble give clear transient codes; a hanging provider answers within
    /// the configured timeout plus one second.
    @Test func upstreamTroubleIsReportedQuickly() async throws {
        let harness = try await VerifyHarness(timeoutSeconds: 2)
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            let oauth2 = VerifyCase.oauth2("x", code: "ok").body(standIns)
            let control = harness.standIns.oauth2.control
            for (fault, code) in [(StandInFault.throttle(retryAfterSeconds: 30), "throttled"), (.status(503), "upstream_error"), (.status(500), "upstream_error"), (.garbage, "upstream_error")] {
                control.fault = fault
                let reply = try await session.call(.post, "/v1/verify", body: oauth2)
                #expect(reply.json["code"] as? String == code, "\(fault): \(reply.text)")
            }
            control.fault = .hang
            let start = ContinuousClock.now
            let hung = try await session.call(.post, "/v1/verify", body: oauth2)
            let elapsed = ContinuousClock.now - start
            #expect(hung.json["code"] as? String == "timeout")
            #expect(elapsed < .seconds(3), "answered after \(elapsed)")
            control.fault = .none

            // A closed port is unreachable at once.
            var closed = oauth2
            closed["settings"] = ["token_url": "https://127.0.0.1:\(try closedPort())/token", "client_id": "broker"]
            #expect(try await session.call(.post, "/v1/verify", body: closed).json["code"] as? String == "unreachable")

            // A certificate from a CA the broker does not trust is a TLS error.
            let untrusted = try await EWSStandIn(users: [:], mailboxes: [], tls: try {
                let issued = try DevCertificateAuthority(commonName: "rogue").issueServerCertificate()
                return try StandInServer.tls(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM)
            }())
            let tls = try await session.call(.post, "/v1/verify", body: [
                "name": "draft", "kind": "exchange",
                "settings": ["ews_url": untrusted.ewsURL, "account": "rooms@corp.example"], "secrets": ["password": "x"],
            ])
            #expect(tls.json["code"] as? String == "tls_error", "\(tls.text)")
            #expect(untrusted.control.totalRequests == 0)
            await untrusted.server.stop()

            // A redirect is not followed: the credentials never reach the other host.
            control.fault = .redirect(to: harness.standIns.microsoft.server.baseURL + "/steal")
            let redirected = try await session.call(.post, "/v1/verify", body: oauth2)
            #expect(redirected.json["ok"] as? Bool == false)
            #expect(harness.standIns.microsoft.control.totalRequests == 0)
            control.fault = .none
        }
        await harness.standIns.stop()
    }

    /// Verifying a stored integration records its status: ok, then needs_attention when the provider
    /// rejects it, then failing when the provider is down.
    @Test func storedVerifyRecordsStatus() async throws {
        let harness = try await VerifyHarness()
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: VerifyCase.oauth2("x", code: "ok").body(harness.standIns).merging(["name": "fmis"]) { $1 }).status == 201)
            let ok = try await session.call(.post, "/v1/integrations/fmis/verify")
            #expect(ok.json["ok"] as? Bool == true)
            let integration = ok.json["integration"] as? [String: Any]
            #expect(integration?["status"] as? String == "ok")
            #expect(integration?["last_verified_at"] is String)

            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["client_secret": "rotated-wrong"]]).status == 200)
            let rejected = try await session.call(.post, "/v1/integrations/fmis/verify")
            #expect(rejected.json["code"] as? String == "invalid_client")
            let afterReject = try await session.call(.get, "/v1/integrations/fmis")
            #expect(afterReject.json["status"] as? String == "needs_attention")
            #expect((afterReject.json["last_error"] as? [String: Any])?["code"] as? String == "invalid_client")

            harness.standIns.oauth2.control.fault = .status(503)
            _ = try await session.call(.post, "/v1/integrations/fmis/verify")
            #expect(try await session.call(.get, "/v1/integrations/fmis").json["status"] as? String == "failing")
            harness.standIns.clearFaults()

            #expect(try await session.call(.post, "/v1/integrations/missing/verify").status == 404)
            #expect(try await session.call(.post, "/v1/integrations/fmis/verify", as: "consumer").status == 403)
            let audit = fixture(harness).auditText
            #expect(audit.contains(#""event":"integration.verified""#))
        }
        await harness.standIns.stop()
    }

    /// With NTLM the handshake really happens: the stand-in sees the negotiate and the authenticate
    /// message, and checks the NTLMv2 proof against the password.
    @Test func ntlmHandshakeReallyHappens() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            let reply = try await session.call(.post, "/v1/verify", body: VerifyCase.exchange("x", auth: "ntlm", code: "ok").body(standIns))
            #expect(reply.json["code"] as? String == "ok", "\(reply.text)")
            #expect(standIns.ews.control.count("ntlm-negotiate") == 1)
            #expect(standIns.ews.control.count("ntlm-authenticate") == 1)
            #expect(standIns.ews.control.count("unauthenticated") == 0)
        }
        await standIns.stop()
    }

    /// With rooms, the answer says for each room whether the account can read its calendar, through
    /// Graph for Office 365 and EWS for Exchange; rooms are refused for kinds that cannot check them.
    @Test func roomsAreCheckedPerKind() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            var office = VerifyCase.office365("x", code: "ok").body(standIns)
            office["name"] = "hq-rooms"
            var exchange = VerifyCase.exchange("x", code: "ok").body(standIns)
            exchange["name"] = "onprem"
            #expect(try await session.call(.post, "/v1/integrations", body: office).status == 201)
            #expect(try await session.call(.post, "/v1/integrations", body: exchange).status == 201)
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("fmis")).status == 201)
            let rooms = ["hq-101@corp.example", "boardroom@corp.example", "ghost@corp.example"]
            let expected = ["hq-101@corp.example": "ok", "boardroom@corp.example": "no_access", "ghost@corp.example": "not_found"]
            for name in ["hq-rooms", "onprem"] {
                let reply = try await session.call(.post, "/v1/integrations/\(name)/verify", body: ["rooms": rooms])
                #expect(reply.json["ok"] as? Bool == true, "\(reply.text)")
                #expect(reply.json["rooms"] as? [String: String] == expected, "\(name): \(reply.text)")
            }
            #expect(standIns.microsoft.control.count("/graph/calendar") == 3)
            let refused = try await session.call(.post, "/v1/integrations/fmis/verify", body: ["rooms": rooms])
            #expect(refused.status == 422)
            let badRoom = try await session.call(.post, "/v1/integrations/onprem/verify", body: ["rooms": ["not an email"]])
            #expect(badRoom.status == 422)
            #expect(badRoom.fieldErrors == ["rooms[0]"])
        }
        await standIns.stop()
    }

    /// A draft verify stores nothing: no integration, no sealed value, and its password appears in no
    /// response, log line, audit line or database file.
    @Test func draftVerifyStoresNothing() async throws {
        let harness = try await VerifyHarness()
        let password = SecretCanary.make("draft-password")
        try await harness.fixture.run { session in
            let reply = try await session.call(.post, "/v1/verify", body: VerifyCase.office365("x", password: password, code: "x").body(harness.standIns))
            #expect(reply.json["code"] as? String == "invalid_credentials")
            let listed = try await session.call(.get, "/v1/integrations")
            #expect((listed.json["integrations"] as? [Any])?.isEmpty == true)
            #expect(try await session.call(.get, "/v1/keys", as: "ops").json["versions"].map { ($0 as? [[String: Any]])?.first?["secrets"] as? Int } == 0)
            let fixture = harness.fixture
            var findings = SecretCanary([password]).findings(in: session.allReplyBytes, source: "responses")
            findings += SecretCanary([password]).findings(in: Array(fixture.logs.text.utf8), source: "log")
            findings += SecretCanary([password]).findings(inFiles: [fixture.configuration.auditLog] + fixture.databaseFiles)
            #expect(findings.isEmpty, "\(findings)")
            // It did reach the stand-in, which is the point of verifying.
            #expect(harness.standIns.microsoft.control.receivedBodies.contains { $0.contains(password) })
        }
        await harness.standIns.stop()
    }

    private func fixture(_ harness: VerifyHarness) -> BrokerFixture { harness.fixture }

    private func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        close(fd)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
