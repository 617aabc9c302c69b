import BrokerServer
import BrokerTesting
import NIOHTTP1
import Foundation
import Testing

@Suite(.serialized) struct SecretLeakTests {
    /// Planted secrets of every kind never appear in any response, the server log (at trace level),
    /// the audit trail, or the SQLite files, in plain, base64, hex or URL-encoded form.
    @Test func plantedSecretsNeverLeak() async throws {
        let password = SecretCanary.make("office-password")
        let exchangePassword = SecretCanary.make("exchange-password")
        let clientSecret = SecretCanary.make("client-secret")
        let rotatedSecret = SecretCanary.make("rotated-secret")
        let wrongPlaceSecret = SecretCanary.make("wrong-place")
        // Private keys are PEM, so their canaries are base64 bodies.
        let officeKey = "Q2FuYXJ5T2ZmaWNlS2V5" + String(UUID().uuidString.filter(\.isLetter).prefix(8))
        let googleKey = "Q2FuYXJ5R29vZ2xlS2V5" + String(UUID().uuidString.filter(\.isLetter).prefix(8))
        let canary = SecretCanary([password, exchangePassword, clientSecret, rotatedSecret, wrongPlaceSecret, officeKey, googleKey])

        let fixture = try await BrokerFixture()
        try await fixture.run { (session: BrokerSession) async throws in
            for body in [
                Samples.office365("hq-rooms", password: password),
                Samples.office365Certificate("hq-cert", keyBody: officeKey),
                Samples.exchange("onprem", password: exchangePassword),
                Samples.googleServiceAccount("gsuite-sa", keyBody: googleKey),
                Samples.oauth2("fmis", clientSecret: clientSecret),
            ] {
                #expect(try await session.call(.post, "/v1/integrations", body: body).status == 201)
            }
            // Secrets in refused requests must not be echoed either.
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("hq-rooms", clientSecret: wrongPlaceSecret)).status == 409)
            var misplaced = Samples.oauth2("other", clientSecret: "x")
            misplaced["secrets"] = ["client_secret": "x", "password": wrongPlaceSecret]
            #expect(try await session.call(.post, "/v1/integrations", body: misplaced).status == 422)
            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["client_secret": rotatedSecret]]).status == 200)
            #expect(try await session.call(.patch, "/v1/integrations/fmis", body: ["secrets": ["refresh_token": wrongPlaceSecret]]).status == 422)
            for name in ["hq-rooms", "hq-cert", "onprem", "gsuite-sa", "fmis"] {
                #expect(try await session.call(.get, "/v1/integrations/\(name)").status == 200)
            }
            #expect(try await session.call(.get, "/v1/integrations").status == 200)
            #expect(try await session.call(.delete, "/v1/integrations/onprem").status == 204)

            var findings = canary.findings(in: session.allReplyBytes, source: "responses")
            findings += canary.findings(in: Array(fixture.logs.text.utf8), source: "server log")
            findings += canary.findings(inFiles: [fixture.configuration.auditLog] + fixture.databaseFiles)
            #expect(findings.isEmpty, "\(findings)")
            #expect(fixture.logs.text.contains("request"), "the log was captured")
        }
    }
}
