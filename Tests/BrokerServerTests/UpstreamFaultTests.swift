import BrokerServer
import BrokerTLS
import BrokerTesting
import Foundation
import NIOHTTP1
import StandIns
import Testing

/// One way a provider's token endpoint can misbehave, and what a caller must get for it.
struct UpstreamFaultCase: Sendable, CustomTestStringConvertible {
    let name: String
    let fault: StandInFault
    let status: Int
    let code: String
    /// What the problem's detail must say, so an operator knows which failure it was.
    let detail: String

    var testDescription: String { name }

    static let all: [UpstreamFaultCase] = [
        .init(name: "stall", fault: .hang, status: 504, code: "upstream_timeout", detail: "did not answer"),
        .init(name: "connection reset mid-answer", fault: .reset, status: 503, code: "upstream_unavailable", detail: "cannot be reached"),
        .init(name: "5xx", fault: .status(503), status: 503, code: "upstream_unavailable", detail: "503"),
        .init(name: "429 with Retry-After", fault: .throttle(retryAfterSeconds: 1), status: 503, code: "upstream_unavailable", detail: "throttling"),
        .init(name: "garbage instead of JSON", fault: .garbage, status: 503, code: "upstream_unavailable", detail: "could not read"),
        .init(name: "huge body", fault: .hugeBody(bytes: 40 * 1024 * 1024), status: 503, code: "upstream_unavailable", detail: "answer too large"),
        .init(name: "slow drip", fault: .slowDrip(interval: .milliseconds(400)), status: 504, code: "upstream_timeout", detail: "did not answer"),
    ]
}

/// The provider misbehaves in each way we know: every caller gets a clear problem document within a
/// bounded time, a token already cached keeps being served, the stored integration is untouched,
/// and once the provider is well again tokens flow again.
@Suite(.timeLimit(.minutes(3))) struct UpstreamFaultTests {
    static let upstreamTimeout = 3

    @Test(arguments: UpstreamFaultCase.all)
    func faultGivesAClearErrorQuicklyAndLosesNothing(_ fault: UpstreamFaultCase) async throws {
        let harness = try await VerifyHarness(timeoutSeconds: Self.upstreamTimeout)
        let standIns = harness.standIns
        try await harness.fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: TokenTests.fmis(standIns)).status == 201)
            let cached = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer", body: ["scopes": ["rooms.read"]])
            #expect(cached.status == 200)
            let before = try await session.call(.get, "/v1/integrations/fmis")

            standIns.oauth2.control.fault = fault.fault
            let started = ContinuousClock.now
            // Another scope set is another token: this one has to come from the provider.
            let failed = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer", body: ["scopes": ["rooms.write"]])
            let took = ContinuousClock.now - started
            #expect(failed.status == fault.status, "\(failed.text)")
            #expect(failed.json["code"] as? String == fault.code, "\(failed.text)")
            #expect((failed.json["detail"] as? String)?.contains(fault.detail) == true, "\(failed.text)")
            if case .throttle = fault.fault { #expect(failed.headers["Retry-After"].first != nil, "a throttled caller is told when to come back") }
            // Retries of transient failures fit in 10 s; a stall costs one upstream timeout.
            #expect(took < .seconds(Self.upstreamTimeout + 10), "took \(took)")

            let stillCached = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer", body: ["scopes": ["rooms.read"]])
            #expect(stillCached.status == 200)
            #expect(stillCached.json["access_token"] as? String == cached.json["access_token"] as? String)
            let after = try await session.call(.get, "/v1/integrations/fmis")
            #expect(after.json["secrets"] as? NSDictionary == before.json["secrets"] as? NSDictionary)
            #expect(after.json["settings"] as? NSDictionary == before.json["settings"] as? NSDictionary)

            standIns.clearFaults()
            var recovered = false
            let deadline = ContinuousClock.now + .seconds(40)
            while !recovered && ContinuousClock.now < deadline {
                recovered = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer", body: ["scopes": ["rooms.write"]]).status == 200
                if !recovered { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(recovered, "tokens flow again once the provider is well")
        }
        await standIns.stop()
    }

    /// A token endpoint whose certificate the broker does not trust: refused, named as such, quickly.
    @Test func untrustedProviderCertificateIsRefused() async throws {
        let harness = try await VerifyHarness(timeoutSeconds: Self.upstreamTimeout)
        let stranger = try DevCertificateAuthority(commonName: "someone else's CA").issueServerCertificate()
        let impostor = try await OAuth2StandIn(
            clients: ["broker": .init(secret: StandInSet.appSecret, allowedScopes: ["rooms.read"])],
            tls: try StandInServer.tls(certificatePEM: stranger.certificatePEM, privateKeyPEM: stranger.privateKeyPEM))
        try await harness.fixture.run { session in
            var body = TokenTests.fmis(harness.standIns)
            body["settings"] = ["token_url": impostor.tokenURL, "client_id": "broker", "scopes": ["rooms.read"]]
            #expect(try await session.call(.post, "/v1/integrations", body: body).status == 201)
            let started = ContinuousClock.now
            let reply = try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer")
            #expect(ContinuousClock.now - started < .seconds(Self.upstreamTimeout + 5))
            #expect(reply.status == 503, "\(reply.text)")
            #expect(reply.json["code"] as? String == "upstream_unavailable", "\(reply.text)")
            #expect((reply.json["detail"] as? String)?.contains("TLS") == true, "\(reply.text)")
            #expect(impostor.control.count("/oauth/token") == 0, "no request reaches an untrusted server")
        }
        await impostor.server.stop()
        await harness.standIns.stop()
    }
}
