import BrokerCore
import BrokerSealing
import BrokerStorage
import BrokerTesting
import NIOHTTP1
import Foundation
import Testing

@Suite(.serialized) struct KeyRotationEndToEndTests {
    /// `keys rewrap` killed with SIGKILL part-way leaves every secret openable; run again, it finishes,
    /// and `keys retire` is refused until nothing is sealed under the old version.
    @Test func rewrapSurvivesSIGKILLAndRetireWaitsForIt() async throws {
        let directory = try TemporaryDirectory()
        let environment = [
            "CREDBROKER_DATABASE": directory.file("credbroker.sqlite"), "CREDBROKER_KEYRING": directory.file("keyring.json"),
            "CREDBROKER_AUDIT_LOG": directory.file("audit.log"),
        ]
        let keyring = try Keyring.generate()
        try KeyringFile.write(keyring, to: directory.file("keyring.json"), overwrite: false)
        let store = try SQLiteStore(path: directory.file("credbroker.sqlite"))
        let sealer = EnvelopeSealer(keyring: keyring)
        let count = 3000
        for index in 0..<count {
            let name = IntegrationName("fmis-\(index)")!
            let now = Date()
            let integration = Integration(
                name: name, displayName: nil, settings: .oauth2(OAuth2Settings(tokenURL: "https://fmis.example/token", clientID: "c")),
                secrets: [:], status: .unverified, createdAt: now, updatedAt: now)
            try await store.create(integration, secrets: [.clientSecret: try sealer.seal(SecretValue("secret-\(index)"), for: SealingContext(integration: name, field: .clientSecret))])
        }

        #expect(try await CommandRunner.run(["keys", "add"], environment: environment, in: directory).status == 0)
        #expect(try await CommandRunner.run(["keys", "activate", "2"], environment: environment, in: directory).status == 0)

        let rewrap = try CommandRunner.start(["keys", "rewrap", "--batch-size", "3"], environment: environment, in: directory)
        let progressed = try await waitForProgress(rewrap)
        kill(rewrap.pid, SIGKILL)
        _ = await rewrap.exit()
        let midway = try await store.secretCountsByKeyVersion()
        #expect(progressed, "rewrap reported progress before it was killed")
        #expect((midway[1] ?? 0) > 0 && (midway[2] ?? 0) > 0, "killed part-way: \(midway)")
        #expect(midway.values.reduce(0, +) == count)

        let refused = try await CommandRunner.run(["keys", "retire", "1"], environment: environment, in: directory)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("still sealed under it"))

        let resumed = try await CommandRunner.run(["keys", "rewrap"], environment: environment, in: directory)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try await store.secretCountsByKeyVersion() == [2: count])

        let rotated = try KeyringFile.load(path: directory.file("keyring.json"))
        let opener = EnvelopeSealer(keyring: rotated)
        for index in 0..<count {
            let name = IntegrationName("fmis-\(index)")!
            let sealed = try #require(try await store.sealedSecrets(of: name)[.clientSecret])
            #expect(try opener.open(sealed, for: SealingContext(integration: name, field: .clientSecret)).revealUTF8() == "secret-\(index)")
        }

        let retired = try await CommandRunner.run(["keys", "retire", "1"], environment: environment, in: directory)
        #expect(retired.status == 0, "\(retired.stderr)")
        let status = try await CommandRunner.run(["keys", "status", "--json"], environment: environment, in: directory)
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(json?["loaded"] as? [Int] == [2])
        #expect((json?["versions"] as? [[String: Any]])?.map { $0["state"] as? String } == ["retired", "active"])
        #expect(try FileManager.default.attributesOfItem(atPath: directory.file("keyring.json"))[.posixPermissions] as? Int == 0o600)
        let audit = try String(contentsOfFile: directory.file("audit.log"), encoding: .utf8)
        for event in ["keys.added", "keys.activated", "keys.rewrapped", "keys.retired"] {
            #expect(audit.contains(#""event":"\#(event)""#), "audit has \(event)")
        }
    }

    /// A running `serve` reloads its keyring on SIGHUP (file polling off), visible in /readyz.
    @Test func serveReloadsTheKeyringOnSIGHUP() async throws {
        let served = try await ServedSetup(["CREDBROKER_KEYRING_RELOAD_SECONDS": "0"])
        let (server, address) = try await served.serve()
        let client = try TestHTTPClient(baseURL: address, trustingCAPEM: served.caPEM)
        func loaded() async throws -> [Int]? {
            (try await client.request(.GET, "/readyz").json["keyring"] as? [String: Any])?["loaded"] as? [Int]
        }
        #expect(try await loaded() == [1])
        #expect(try await served.run(["keys", "add"]).status == 0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await loaded() == [1], "polling is off, so nothing changes before the signal")
        kill(server.pid, SIGHUP)
        var reloaded = false
        for _ in 0..<100 where !reloaded {
            reloaded = try await loaded() == [1, 2]
            if !reloaded { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(reloaded)
        try await client.shutdown()
        await server.stop()
        #expect(server.stderr.contains("keyring reloaded"))
    }

    private func waitForProgress(_ command: RunningCommand) async throws -> Bool {
        for _ in 0..<600 {
            // "rewrap to v2: 123/3000 (4%)" with some done and not all.
            for line in command.stdout.split(separator: "\n") {
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                if numbers.count >= 3, numbers[1] > 0, numbers[1] < numbers[2] { return true }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
