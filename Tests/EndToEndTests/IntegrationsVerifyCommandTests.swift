import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTLS
import BrokerTesting
import Foundation
import StandIns
import Testing

@Suite(.serialized) struct IntegrationsVerifyCommandTests {
    /// `integrations verify NAME` gives ops the verify answer at a terminal, records the status,
    /// and exits 1 when the credentials do not work.
    @Test func verifiesAtTheTerminal() async throws {
        let authority = try DevCertificateAuthority(commonName: "stand-in CA")
        let standIns = try await StandInSet(authority: authority)
        let directory = try TemporaryDirectory()
        let environment = [
            "CREDBROKER_DATABASE": directory.file("credbroker.sqlite"), "CREDBROKER_KEYRING": directory.file("keyring.json"),
            "CREDBROKER_UPSTREAM_CA": try directory.write(authority.certificatePEM, to: "standin-ca.pem"),
        ]
        let keyring = try Keyring.generate()
        try KeyringFile.write(keyring, to: directory.file("keyring.json"), overwrite: false)
        let store = try SQLiteStore(path: directory.file("credbroker.sqlite"))
        let sealer = EnvelopeSealer(keyring: keyring)
        for (name, secret) in [("fmis", StandInSet.appSecret), ("fmis-wrong", "wrong")] {
            let integrationName = IntegrationName(name)!
            let now = Date()
            try await store.create(
                Integration(name: integrationName, displayName: nil, settings: .oauth2(OAuth2Settings(tokenURL: standIns.oauth2.tokenURL, clientID: "broker", scopes: ["rooms.read"])),
                    secrets: [:], status: .unverified, createdAt: now, updatedAt: now),
                secrets: [.clientSecret: try sealer.seal(SecretValue(secret), for: SealingContext(integration: integrationName, field: .clientSecret))])
        }

        let ok = try await CommandRunner.run(["integrations", "verify", "fmis"], environment: environment, in: directory)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("OK fmis: ok"))
        let failed = try await CommandRunner.run(["integrations", "verify", "fmis-wrong", "--json"], environment: environment, in: directory)
        #expect(failed.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any]
        #expect(json?["code"] as? String == "invalid_client")
        #expect(json?["status"] as? String == "needs_attention")
        #expect(try await store.integration(named: IntegrationName("fmis")!)?.status == .ok)
        #expect(try await CommandRunner.run(["integrations", "verify", "missing"], environment: environment, in: directory).status == 1)
        await standIns.stop()
    }
}
