import BrokerCore
import BrokerSealing
import BrokerServer
import BrokerStorage
import BrokerTesting
import Foundation
import StandIns
import Testing

@Suite(.serialized) struct KeyRotationTests {
    /// A running broker picks up a new key from the file, seals new secrets under it once it is
    /// active, and shows the change in GET /v1/keys and /readyz.
    @Test func runningServerPicksUpKeyringChanges() async throws {
        let fixture = try await BrokerFixture()
        try await fixture.run { session in
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("before")).status == 201)
            try KeyringFile.update(path: fixture.configuration.keyringPath) { try $0.addingKey() }
            #expect(try await waitFor(session) { $0.json["loaded"] as? [Int] == [1, 2] })
            let ready = try await session.call(.get, "/readyz", as: nil)
            #expect((ready.json["keyring"] as? [String: Any])?["loaded"] as? [Int] == [1, 2])

            try KeyringFile.update(path: fixture.configuration.keyringPath) { try $0.activating(2) }
            #expect(try await waitFor(session) { $0.json["active"] as? Int == 2 })
            #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("after")).status == 201)
            let keys = try await session.call(.get, "/v1/keys", as: "ops")
            let versions = keys.json["versions"] as? [[String: Any]] ?? []
            #expect(versions.map { $0["secrets"] as? Int } == [1, 1])
            #expect(versions.map { $0["state"] as? String } == ["decrypt_only", "active"])

            // A malformed keyring is refused; the server keeps the one it has.
            try "{".write(toFile: fixture.configuration.keyringPath, atomically: true, encoding: .utf8)
            chmod(fixture.configuration.keyringPath, 0o600)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await session.call(.get, "/v1/keys", as: "ops").json["active"] as? Int == 2)
            #expect(fixture.logs.text.contains("keyring reload failed"))
        }
    }

    /// With nothing else writing, the pipelined batches rewrap every secret exactly once, in one pass: batch
    /// sizes that do not divide the count, one that exceeds it, progress that only grows and ends at
    /// the total, and every secret opening under the new version.
    @Test(arguments: [1, 4, 23, 100])
    func quietRewrapCountsEverySecretOnce(batchSize: Int) async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("broker.sqlite"))
        let keyring = try Keyring.generate()
        let sealer = EnvelopeSealer(keyring: keyring)
        let count = 23
        let now = Date()
        for index in 0..<count {
            let name = IntegrationName("fmis-\(index)")!
            let integration = Integration(
                name: name, displayName: nil, settings: .oauth2(OAuth2Settings(tokenURL: "https://fmis.example/token", clientID: "c")),
                secrets: [:], status: .unverified, createdAt: now, updatedAt: now)
            let sealed = try sealer.seal(SecretValue("secret-\(index)"), for: SealingContext(integration: name, field: .clientSecret))
            try await store.create(integration, secrets: [.clientSecret: sealed])
        }
        let rotated = try keyring.addingKey().activating(2)
        var reported: [Int] = []
        let result = try await KeyRotation(store: store, keyring: rotated).rewrap(batchSize: batchSize) { reported.append($0.done) }
        #expect(result.done == count && result.skipped == 0 && result.total == count)
        #expect(reported.first == 0 && reported.last == count && reported == reported.sorted())
        // One report per batch after the first: a batch lost and picked up by the second pass shows here.
        #expect(reported.count == 1 + (count + batchSize - 1) / batchSize)
        #expect(try await store.secretCountsByKeyVersion() == [2: count])
        let opener = EnvelopeSealer(keyring: rotated)
        for index in 0..<count {
            let name = IntegrationName("fmis-\(index)")!
            let sealed = try #require(try await store.sealedSecrets(of: name)[.clientSecret])
            #expect(try opener.open(sealed, for: SealingContext(integration: name, field: .clientSecret)).revealUTF8() == "secret-\(index)")
        }
        await store.close()
    }

    /// Rewrapping while admins create and change integrations and consumers fetch tokens (which opens
    /// secrets under either version) loses nothing: no request fails, every secret ends under the new
    /// version and opens to the last value written.
    @Test func rewrapDuringAdminAndTokenTrafficLosesNothing() async throws {
        let harness = try await VerifyHarness()
        let fixture = harness.fixture
        let standIns = harness.standIns
        try await fixture.run { session in
            let count = 120
            let tokenIntegrations = 30
            for index in 0..<count {
                #expect(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("fmis-\(index)", clientSecret: "v1-\(index)")).status == 201)
            }
            for index in 0..<tokenIntegrations {
                var body = VerifyCase.oauth2("x", code: "ok").body(standIns)
                body["name"] = "tok-\(index)"
                #expect(try await session.call(.post, "/v1/integrations", body: body).status == 201)
            }
            let rotated = try KeyringFile.update(path: fixture.configuration.keyringPath) { try $0.addingKey().activating(2) }
            #expect(try await waitFor(session) { $0.json["active"] as? Int == 2 })

            let store = try SQLiteStore(path: fixture.configuration.database)
            async let traffic: [Int] = {
                var statuses: [Int] = []
                for index in stride(from: 0, to: count, by: 3) {
                    statuses.append(try await session.call(.patch, "/v1/integrations/fmis-\(index)", body: ["secrets": ["client_secret": "v2-\(index)"]]).status)
                    statuses.append(try await session.call(.post, "/v1/integrations", body: Samples.oauth2("new-\(index)", clientSecret: "new-\(index)")).status)
                }
                return statuses
            }()
            async let tokens: [Int] = {
                var statuses: [Int] = []
                for index in 0..<tokenIntegrations {
                    statuses.append(try await session.call(.post, "/v1/integrations/tok-\(index)/token", as: "consumer").status)
                }
                return statuses
            }()
            let result = try await KeyRotation(store: store, keyring: rotated).rewrap(batchSize: 7)
            let statuses = try await traffic
            let tokenStatuses = try await tokens
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 201 }, "\(statuses.filter { $0 >= 300 })")
            #expect(tokenStatuses.allSatisfy { $0 == 200 }, "\(tokenStatuses.filter { $0 != 200 })")
            #expect(standIns.oauth2.control.count("/oauth/token") == tokenIntegrations)
            #expect(result.done + result.skipped <= count + tokenIntegrations)
            #expect(try await store.secretCountsByKeyVersion() == [2: count + tokenIntegrations + statuses.count / 2])

            let sealer = EnvelopeSealer(keyring: rotated)
            for index in 0..<count {
                let name = IntegrationName("fmis-\(index)")!
                let sealed = try #require(try await store.sealedSecrets(of: name)[.clientSecret])
                let expected = index % 3 == 0 ? "v2-\(index)" : "v1-\(index)"
                #expect(try sealer.open(sealed, for: SealingContext(integration: name, field: .clientSecret)).revealUTF8() == expected)
            }
        }
        await standIns.stop()
    }

    private func waitFor(_ session: BrokerSession, _ condition: (TestHTTPClient.Reply) -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if condition(try await session.call(.get, "/v1/keys", as: "ops")) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
