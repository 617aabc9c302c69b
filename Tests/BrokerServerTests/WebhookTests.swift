import BrokerCore
import BrokerServer
import BrokerTLS
import BrokerTesting
import BrokerUpstreams
import Foundation
import StandIns
import Testing

@Suite(.serialized) struct WebhookTests {
    static let secret = "webhook-signing-secret-0123456789"

    /// Status changes reach the receiver as signed JSON events (needs attention, then recovered), and
    /// a receiver that hangs does not slow token requests down.
    @Test func statusChangesAreSignedEvents() async throws {
        let authority = try DevCertificateAuthority(commonName: "receiver CA")
        let issued = try authority.issueServerCertificate()
        let receiver = try await WebhookReceiverStandIn(tls: try StandInServer.tls(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM))
        let harness = try await VerifyHarness { configuration, directory in
            configuration.webhookURLs = [receiver.url]
            configuration.webhookSecretFile = try directory.write(Self.secret + "\n", to: "webhook-secret")
            // The receiver's CA joins the stand-ins' in the bundle the broker trusts.
            let existing = try String(contentsOfFile: configuration.upstreamCAPath!, encoding: .utf8)
            configuration.upstreamCAPath = try directory.write(existing + "\n" + authority.certificatePEM, to: "trusted.pem")
        }
        let standIns = harness.standIns
        try await harness.fixture.run { (session: BrokerSession) async throws in
            #expect(try await session.call(.post, "/v1/integrations", body: TokenTests.fmis(standIns, secret: "wrong")).status == 201)
            #expect(try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer").status == 502)
            #expect(try await waitFor { receiver.deliveries.count == 1 })
            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["client_secret": StandInSet.appSecret]]).status == 200)
            #expect(try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer").status == 200)
            #expect(try await waitFor { receiver.deliveries.count == 2 })

            let events = receiver.deliveries.map { (try? JSONSerialization.jsonObject(with: Data($0.body))) as? [String: Any] ?? [:] }
            #expect(events.map { $0["type"] as? String } == ["integration.needs_attention", "integration.recovered"])
            #expect(events.allSatisfy { $0["integration"] as? String == "fmis" })
            let now = Int(Date().timeIntervalSince1970)
            for delivery in receiver.deliveries {
                #expect(WebhookSignature.verify(header: delivery.signature ?? "", body: delivery.body, secret: SecretValue(Self.secret), now: now))
                #expect(!WebhookSignature.verify(header: delivery.signature ?? "", body: delivery.body + [0x20], secret: SecretValue(Self.secret), now: now))
                #expect(!WebhookSignature.verify(header: delivery.signature ?? "", body: delivery.body, secret: SecretValue("another-secret-0123456789"), now: now))
            }

            // A hanging receiver: the status change that triggers a delivery does not wait for it.
            receiver.control.fault = .hang
            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["client_secret": "wrong-again"]]).status == 200)
            let start = ContinuousClock.now
            #expect(try await session.call(.post, "/v1/integrations/fmis/token", as: "consumer").status == 502)
            // Waiting on the hanging delivery would take its 10 s timeout; the bound leaves room for a busy machine.
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(try await waitFor { receiver.control.count("/hooks") == 3 })
        }
        await standIns.stop()
        await receiver.server.stop()
    }

    private func waitFor(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
