import BrokerServer
import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns
import Testing

@Suite(.serialized) struct MetricsTests {
    static func value(_ text: String, _ series: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? -1
        }
        return 0
    }

    /// Counters and gauges move as requests happen, labelled by route template and closed sets only:
    /// no integration name, no token, no secret ever appears in /metrics.
    @Test func metricsMoveWithRequestsAndCarryNoNames() async throws {
        let harness = try await VerifyHarness()
        let standIns = harness.standIns
        try await harness.fixture.run { (session: BrokerSession) async throws in
            var body = TokenTests.fmis(standIns)
            body["name"] = "acme-secret-project"
            #expect(try await session.call(.post, "/v1/integrations", body: body).status == 201)
            let before = try await session.call(.get, "/metrics", as: nil)
            #expect(before.status == 200)
            #expect(before.headers["Content-Type"].first?.hasPrefix("text/plain") == true)
            let token = try await session.call(.post, "/v1/integrations/acme-secret-project/token", as: "consumer")
            #expect(token.status == 200)
            _ = try await session.call(.post, "/v1/integrations/acme-secret-project/token", as: "consumer")
            _ = try await session.call(.post, "/v1/integrations/nope/token", as: "consumer")
            let after = try await session.call(.get, "/metrics", as: nil).text
            let route = "credbroker_http_requests_total{route=\"/v1/integrations/{name}/token\",method=\"POST\",status=\"200\"}"
            #expect(Self.value(after, route) == 2, "\(after)")
            #expect(Self.value(after, "credbroker_http_requests_total{route=\"/v1/integrations/{name}/token\",method=\"POST\",status=\"404\"}") == 1)
            #expect(Self.value(after, "credbroker_token_requests_total{result=\"fetched\"}") == 1)
            #expect(Self.value(after, "credbroker_token_requests_total{result=\"cache_hit\"}") == 1)
            #expect(Self.value(after, "credbroker_upstream_calls_total{provider=\"oauth2\",outcome=\"ok\"}") == 1)
            #expect(after.contains("credbroker_upstream_call_duration_seconds_bucket{provider=\"oauth2\""))
            #expect(Self.value(after, "credbroker_integrations{status=\"ok\"}") == 1)
            #expect(Self.value(after, "credbroker_keyring_versions_loaded") == 1)
            #expect(!after.contains("acme-secret-project"))
            #expect(!after.contains(token.json["access_token"] as? String ?? "-"))
            #expect(!after.contains(StandInSet.appSecret))
        }
        await standIns.stop()
    }

    /// With CREDBROKER_METRICS_AUTH=ops, only an ops client may scrape.
    @Test func metricsCanRequireOps() async throws {
        let fixture = try await BrokerFixture { configuration, _ in configuration.metricsAuth = .ops }
        try await fixture.run { (session: BrokerSession) async throws in
            #expect(try await session.call(.get, "/metrics", as: nil).status == 401)
            #expect(try await session.call(.get, "/metrics", as: "consumer").status == 403)
            #expect(try await session.call(.get, "/metrics", as: "ops").status == 200)
        }
    }

    /// A caller's short X-Request-Id is echoed and appears in the broker's log line for it; one that
    /// could forge log lines is replaced by a fresh id.
    @Test func requestIdsAreEchoedAndLogged() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { (session: BrokerSession) async throws in
            let mine = try await session.http.request(.GET, "/healthz", headers: [("X-Request-Id", "portal-7f3a.1")])
            #expect(mine.headers["X-Request-Id"].first == "portal-7f3a.1")
            #expect(fixture.logs.text.contains("portal-7f3a.1"))
            let forged = try await session.http.request(.GET, "/healthz", headers: [("X-Request-Id", "x\" status=200 evil=\"1")])
            let replaced = try #require(forged.headers["X-Request-Id"].first)
            #expect(!replaced.contains("evil") && !replaced.isEmpty)
            #expect(try await session.http.request(.GET, "/v1/nothing").headers["X-Request-Id"].first != nil, "problem documents carry it too")
        }
    }
}
