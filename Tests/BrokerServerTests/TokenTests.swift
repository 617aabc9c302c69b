import BrokerServer
import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns
import Synchronization
import Testing

@Suite(.serialized) struct TokenTests {
    static func office(_ standIns: StandInSet) -> [String: Any] {
        var body = VerifyCase.office365("x", code: "ok").body(standIns)
        body["name"] = "hq-rooms"
        return body
    }

    static func fmis(_ standIns: StandInSet, secret: String = StandInSet.appSecret) -> [String: Any] {
        var body = VerifyCase.oauth2("x", secret: secret, scopes: ["rooms.read", "rooms.write"], code: "ok").body(standIns)
        body["name"] = "fmis"
        return body
    }

    /// Consumers get a token with its lifetime and scopes, never cached by HTTP; the next request is
    /// served from the broker's cache; many concurrent callers cause exactly one upstream call.
    @Test func tokensAreCachedAndFetchedOnce() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Self.office(standIns)).status == 201)
            #expect(try await session.call(.post, "/v1/integrations", body: Self.fmis(standIns)).status == 201)
            standIns.oauth2.control.fault = .delay(.milliseconds(300))
            let replies = try await withThrowingTaskGroup(of: TestHTTPClient.Reply.self) { group in
                for _ in 0..<200 { group.addTask { try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            standIns.clearFaults()
            #expect(replies.allSatisfy { $0.status == 200 })
            #expect(Set(replies.compactMap { $0.json["access_token"] as? String }).count == 1)
            #expect(standIns.oauth2.control.count("/oauth/token") == 1)

            let token = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer", body: ["scopes": ["rooms.read"], "min_ttl_seconds": 600])
            #expect(token.status == 200)
            #expect(token.headers["Cache-Control"].first == "no-store")
            #expect(token.json["token_type"] as? String == "Bearer")
            #expect(token.json["scopes"] as? [String] == ["rooms.read"])
            #expect(token.json["integration"] as? String == "fmis")
            #expect((token.json["expires_in"] as? Int ?? 0) >= 600)
            #expect(token.json["expires_at"] is String)
            #expect(standIns.oauth2.control.count("/oauth/token") == 2, "a different scope set is a different token")
            _ = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer", body: ["scopes": ["rooms.read"]])
            #expect(standIns.oauth2.control.count("/oauth/token") == 2)

            let office = try await session.call(.post, "/v1/integrations/hq-rooms/token", as: "consumer")
            #expect(office.status == 200, "\(office.text)")
            #expect(office.json["account"] as? String == "rooms@corp.example")
            let stored = try await session.call(.get, "/v1/integrations/hq-rooms")
            #expect(stored.json["status"] as? String == "ok")
            #expect(stored.json["last_token_at"] is String)

            // New credentials, new token.
            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["display_name": "FMIS", "secrets": ["client_secret": StandInSet.appSecret]]).status == 200)
            _ = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer")
            #expect(standIns.oauth2.control.count("/oauth/token") == 3)

            // Audit: a fingerprint, never the token.
            let audit = harness.fixture.auditText
            #expect(audit.contains(#""event":"token.issued""#))
            #expect(audit.contains("fingerprint"))
            for reply in replies + [token, office] {
                let value = reply.json["access_token"] as? String ?? "missing"
                #expect(!audit.contains(value))
                #expect(!harness.fixture.logs.text.contains(value))
            }
        }
        await standIns.stop()
    }

    /// Who may ask, for what: consumers inside their patterns, scopes within the integration's, a
    /// lifetime the provider can give; each refusal a problem document.
    @Test func refusalsFollowTheContract() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Self.fmis(standIns)).status == 201)
            #expect(try await session.call(.post, "/v1/integrations", body: EWSPassThroughTests.exchange("onprem", standIns)).status == 201)
            let cases: [(String, String, [String: Any]?, Int, String)] = [
                ("admin", "/v1/integrations/fmis/token", nil, 403, "forbidden"),
                ("ops", "/v1/integrations/fmis/token", nil, 403, "forbidden"),
                ("acme-consumer", "/v1/integrations/fmis/token", nil, 403, "forbidden"),
                ("consumer", "/v1/integrations/fmis/token", ["scopes": ["rooms.delete"]], 403, "scope_not_allowed"),
                ("consumer", "/v1/integrations/fmis/token", ["min_ttl_seconds": 7200], 422, "min_ttl_unattainable"),
                ("consumer", "/v1/integrations/fmis/token", ["min_ttl_seconds": "soon"], 422, "invalid_request"),
                ("consumer", "/v1/integrations/fmis/token", ["colour": "blue"], 422, "invalid_request"),
                ("consumer", "/v1/integrations/missing/token", nil, 404, "integration_not_found"),
                ("consumer", "/v1/integrations/onprem/token", nil, 400, "invalid_request"),
            ]
            for (client, path, body, status, code) in cases {
                let reply = try await session.call(.post, path, as: client, body: body)
                #expect(reply.status == status, "\(client) \(path) \(String(describing: body)): \(reply.text)")
                #expect(reply.code == code, "\(client) \(path)")
            }
            #expect(harness.fixture.auditText.contains(#""event":"token.denied""#))
        }
        await standIns.stop()
    }

    /// Provider trouble: rejected credentials → 502 and needs_attention; provider down → 503 with
    /// Retry-After and failing; provider hanging → 504 within the timeout plus a second.
    @Test func upstreamFailuresAreClassified() async throws {
        let harness = try await VerifyHarness(timeoutSeconds: 2)
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Self.fmis(standIns, secret: "wrong")).status == 201)
            let rejected = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer")
            #expect(rejected.status == 502)
            #expect(rejected.code == "credentials_rejected")
            let afterReject = try await session.call(.get, "/v1/integrations/fmis")
            #expect(afterReject.json["status"] as? String == "needs_attention")
            #expect((afterReject.json["last_error"] as? [String: Any])?["code"] as? String == "credentials_rejected")

            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["client_secret": StandInSet.appSecret]]).status == 200)
            standIns.oauth2.control.fault = .status(503)
            let down = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer")
            #expect(down.status == 503)
            #expect(down.code == "upstream_unavailable")
            #expect(down.headers["Retry-After"].first != nil)
            #expect(try await session.call(.get, "/v1/integrations/fmis").json["status"] as? String == "failing")
            let calls = standIns.oauth2.control.count("/oauth/token")
            #expect(try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer").status == 503)
            #expect(standIns.oauth2.control.count("/oauth/token") == calls, "backs off instead of calling again at once")

            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["settings": ["scopes": ["rooms.read"]]]).status == 200)
            standIns.oauth2.control.fault = .hang
            let start = ContinuousClock.now
            let hung = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer")
            #expect(hung.status == 504)
            #expect(hung.code == "upstream_timeout")
            #expect(ContinuousClock.now - start < .seconds(3))
            standIns.clearFaults()
        }
        await standIns.stop()
    }

    /// A failing provider is retried (bounded), then its circuit opens: every integration on it gets a
    /// 503 with Retry-After at once, without a call; after the cooldown a probe closes it again.
    @Test func circuitOpensForADeadProviderAndRecovers() async throws {
        let harness = try await VerifyHarness { configuration, _ in
            configuration.circuitFailures = 3
            configuration.circuitCooldownSeconds = 1
        }
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            for name in ["fmis-a", "fmis-b"] {
                var body = Self.fmis(standIns)
                body["name"] = name
                #expect(try await session.call(.post, "/v1/integrations", body: body).status == 201)
            }
            standIns.oauth2.control.fault = .status(503)
            #expect(try await session.call(.post, "/v1/integrations/fmis-a/token", as: "consumer").status == 503)
            #expect(standIns.oauth2.control.count("/oauth/token") == 3, "three attempts with backoff")
            let start = ContinuousClock.now
            let open = try await session.call(.post, "/v1/integrations/fmis-b/token", as: "consumer")
            #expect(open.status == 503)
            #expect(open.code == "upstream_unavailable")
            #expect(open.headers["Retry-After"].first.flatMap(Int.init).map { $0 >= 1 } == true)
            #expect((open.json["detail"] as? String)?.contains("circuit open") == true, "\(open.text)")
            #expect(standIns.oauth2.control.count("/oauth/token") == 3, "no call while the circuit is open")
            #expect(ContinuousClock.now - start < .seconds(1))

            standIns.clearFaults()
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await session.call(.post, "/v1/integrations/fmis-b/token", as: "consumer").status == 200)
            #expect(standIns.oauth2.control.count("/oauth/token") == 4)
        }
        await standIns.stop()
    }

    /// Tokens are kept sealed in the store: a restarted broker hands out the token it fetched before
    /// without calling the provider, and the store holds no token in the clear.
    @Test func tokensSurviveARestartSealed() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        let first = Mutex<String?>(nil)
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Self.fmis(standIns)).status == 201)
            let token = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer")
            first.withLock { $0 = token.json["access_token"] as? String }
        }
        let issued = try #require(first.withLock { $0 })
        #expect(standIns.oauth2.control.count("/oauth/token") == 1)
        #expect(SecretCanary([issued]).findings(inFiles: harness.fixture.databaseFiles).isEmpty, "sealed, never plain")
        try await harness.fixture.run { session in
            let again = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer")
            #expect(again.status == 200)
            #expect(again.json["access_token"] as? String == issued)
            #expect(standIns.oauth2.control.count("/oauth/token") == 1, "no provider call after the restart")
            // New credentials: the stored token no longer applies.
            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["client_secret": StandInSet.appSecret]]).status == 200)
            #expect(try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer").json["access_token"] as? String != issued)
            #expect(standIns.oauth2.control.count("/oauth/token") == 2)
        }
        await standIns.stop()
    }
}
