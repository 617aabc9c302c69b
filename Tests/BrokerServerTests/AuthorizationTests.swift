import BrokerServer
import BrokerTLS
import BrokerTesting
import NIOHTTP1
import NIOSSL
import Foundation
import Testing

/// Who calls, and how: each row of the authorization matrix.
enum CallerCase: String, CaseIterable, Sendable {
    case noCredentials, wrongKey, malformedHeader, admin, consumer, ops, outOfScopeAdmin, mtlsAdminByURI, mtlsOpsByCommonName, unregisteredCertificate

    /// Expected statuses for list, create, get, patch, delete, keys.
    var expected: [Int] {
        switch self {
        case .noCredentials, .wrongKey, .malformedHeader, .unregisteredCertificate: [401, 401, 401, 401, 401, 401]
        case .admin, .mtlsAdminByURI: [200, 201, 200, 200, 204, 403]
        case .consumer: [403, 403, 403, 403, 403, 403]
        case .ops, .mtlsOpsByCommonName: [403, 403, 403, 403, 403, 200]
        case .outOfScopeAdmin: [200, 403, 403, 403, 403, 403]
        }
    }
}

@Suite(.serialized) struct AuthorizationTests {
    /// Every caller gets exactly what its roles and patterns allow on every endpoint, and nothing more.
    @Test(arguments: CallerCase.allCases)
    func authorizationMatrix(_ caller: CallerCase) async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            // Seeded by admin: one to read, patch and delete; the caller creates another.
            let target = "globex-\(caller.rawValue.lowercased())"
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2(target)).status == 201)

            var transport: TestHTTPClient?
            var key: String?
            var rawHeader: String?
            switch caller {
            case .noCredentials: break
            case .wrongKey: rawHeader = "Bearer cbk_not-a-real-key"
            case .malformedHeader: rawHeader = "Basic YWRtaW46YWRtaW4="
            case .admin: key = "admin"
            case .consumer: key = "consumer"
            case .ops: key = "ops"
            case .outOfScopeAdmin: key = "acme-admin"
            case .mtlsAdminByURI: transport = try session.certificateClient(commonName: "portal backend", uri: "spiffe://corp/portal")
            case .mtlsOpsByCommonName: transport = try session.certificateClient(commonName: "ops-tool", uri: nil)
            case .unregisteredCertificate: transport = try session.certificateClient(commonName: "stranger", uri: "spiffe://corp/stranger")
            }
            let client = transport ?? session.http
            func send(_ method: HTTPMethodName, _ path: String, _ body: Any? = nil) async throws -> Int {
                var headers: [(String, String)] = []
                if let key { headers.append(("Authorization", "Bearer \(session.key(key))")) }
                if let rawHeader { headers.append(("Authorization", rawHeader)) }
                var bytes: [UInt8]?
                if let body {
                    headers.append(("Content-Type", "application/json"))
                    bytes = Array(try JSONSerialization.data(withJSONObject: body))
                }
                let reply = try await client.request(method.nio, path, headers: headers, body: bytes)
                if reply.status >= 400 {
                    #expect(reply.headers["Content-Type"].first == "application/problem+json", "\(method) \(path)")
                    #expect(reply.code != nil)
                }
                if reply.status == 401 { #expect(reply.code == "unauthorized") }
                if reply.status == 403 { #expect(reply.code == "forbidden") }
                return reply.status
            }
            let statuses = [
                try await send(.get, "/v1/integrations"),
                try await send(.post, "/v1/integrations", Samples.oauth2("\(target)-new")),
                try await send(.get, "/v1/integrations/\(target)"),
                try await send(.patch, "/v1/integrations/\(target)", ["display_name": "Renamed"]),
                try await send(.delete, "/v1/integrations/\(target)"),
                try await send(.get, "/v1/keys"),
            ]
            #expect(statuses == caller.expected)
            try await transport?.shutdown()
        }
    }

    /// A client certificate from a CA the broker does not trust is refused in the TLS handshake.
    @Test func untrustedClientCertificateIsRefused() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            let stranger = try session.certificateClient(commonName: "portal", uri: "spiffe://corp/portal", authority: session.fixture.pki.untrustedCA)
            await #expect(throws: (any Error).self) {
                _ = try await stranger.json(.GET, "/v1/integrations", key: nil)
            }
            try await stranger.shutdown()
        }
    }

    /// An admin scoped to `acme.*` lists only acme integrations, even across pages.
    @Test func scopedAdminSeesOnlyItsIntegrations() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            for name in ["acme.hq", "globex.hq", "acme.branch", "initech"] {
                #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2(name)).status == 201)
            }
            let listed = try await session.call(.get, "/v1/integrations", as: "acme-admin")
            let names = (listed.json["integrations"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["acme.branch", "acme.hq"])
            #expect(try await session.call(.post, "/v1/integrations", as: "acme-admin", body: Samples.oauth2("acme.new")).status == 201)
        }
    }

    /// TLS below 1.2 is refused.
    @Test func refusesTLSBelow12() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            let old = try TestHTTPClient(baseURL: session.http.baseURL, trustingCAPEM: fixture.pki.serverCA.certificatePEM, maximumTLSVersion: .tlsv11)
            await #expect(throws: (any Error).self) { _ = try await old.json(.GET, "/healthz", key: nil) }
            try await old.shutdown()
        }
    }

    /// Failed authentication is written to the audit trail without the key that was tried.
    @Test func failedAuthenticationIsAudited() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            let tried = "cbk_" + SecretCanary.make("tried")
            let reply = try await session.http.request(.GET, "/v1/integrations", headers: [("Authorization", "Bearer \(tried)")])
            #expect(reply.status == 401)
            #expect(reply.headers["WWW-Authenticate"].first?.contains("Bearer") == true)
            #expect(fixture.auditText.contains(#""event":"auth.failed""#))
            #expect(!fixture.auditText.contains(tried))
            #expect(!fixture.logs.text.contains(tried))
        }
    }
}

@Suite(.serialized) struct ThrottlingTests {
    /// An address that keeps presenting bad keys is turned away with 429 before its keys are checked
    /// (a right key does not get through either), and that is audited.
    @Test func repeatedFailedAuthenticationIsThrottled() async throws {
        let fixture = try await BrokerFixture { configuration, _ in configuration.authFailuresPerMinute = 3 }
        try await fixture.run { (session: BrokerSession) async throws in
            for _ in 0..<3 {
                #expect(try await session.http.request(.GET, "/v1/integrations", headers: [("Authorization", "Bearer cbk_wrong")]).status == 401)
            }
            let throttled = try await session.http.request(.GET, "/v1/integrations", headers: [("Authorization", "Bearer cbk_wrong")])
            #expect(throttled.status == 429)
            #expect(throttled.code == "rate_limited")
            #expect(throttled.headers["Retry-After"].first.flatMap(Int.init).map { $0 >= 1 } == true)
            #expect(try await session.call(.get, "/v1/integrations").status == 429, "not even a right key from this address")
            #expect(fixture.auditText.contains(#""event":"auth.throttled""#))
        }
    }

    /// Verification sends credentials upstream, so each client gets a budget of them per minute;
    /// other clients are not affected.
    @Test func verificationIsRateLimitedPerClient() async throws {
        let fixture = try await BrokerFixture { configuration, _ in configuration.verifyRatePerMinute = 2 }
        try await fixture.run { (session: BrokerSession) async throws in
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("fmis")).status == 201)
            for _ in 0..<2 { #expect(try await session.call(.post, "/v1/integrations/fmis/verify").status == 200) }
            let limited = try await session.call(.post, "/v1/integrations/fmis/verify")
            #expect(limited.status == 429)
            #expect(limited.code == "rate_limited")
            #expect(limited.headers["Retry-After"].first != nil)
            #expect(try await session.call(.post, "/v1/integrations/fmis/verify", as: "portal").status != 429, "another admin has its own budget")
        }
    }
}
