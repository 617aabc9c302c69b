import BrokerTesting
import Foundation
import Testing

@Suite(.serialized) struct CommandLineTests {
    /// `init` writes a working setup with owner-only secrets and prints the admin key alone on the last line;
    /// a second `init` refuses to overwrite it.
    @Test func initCreatesASetupOnceAndOnlyOnce() async throws {
        let directory = try TemporaryDirectory()
        let setup = directory.file("data")
        let first = try await CommandRunner.run(["init", "--dir", setup], in: directory)
        #expect(first.status == 0, "\(first.stderr)")
        let lastLine = first.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("cbk_") && !lastLine.contains(" "))
        for (file, mode) in [("keyring.json", 0o600), ("credbroker.sqlite", 0o600), ("tls/server-key.pem", 0o600), ("credbroker.env", 0o600), ("tls/ca.pem", 0o644), ("tls/server.pem", 0o644)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: setup + "/" + file)
            #expect(attributes[.posixPermissions] as? Int == mode, "\(file)")
        }
        let environment = try String(contentsOfFile: setup + "/credbroker.env", encoding: .utf8)
        #expect(environment.contains("CREDBROKER_KEYRING=\(setup)/keyring.json"))
        #expect(!environment.contains(lastLine))

        let again = try await CommandRunner.run(["init", "--dir", setup], in: directory)
        #expect(again.status == 1)
        #expect(again.stderr.contains("refusing to overwrite"))
        #expect(again.stderr.split(separator: "\n").count == 1)
    }

    /// `serve` without a keyring exits 1 with one line that names `init`; bad usage exits 2.
    @Test func serveWithoutKeyringAndBadUsageFailClearly() async throws {
        let directory = try TemporaryDirectory()
        let serve = try await CommandRunner.run(["serve"], environment: ["CREDBROKER_KEYRING": directory.file("missing.json"), "CREDBROKER_DATABASE": directory.file("db.sqlite")], in: directory)
        #expect(serve.status == 1)
        #expect(serve.stderr.contains("credbroker init"))
        #expect(serve.stderr.split(separator: "\n").count == 1)

        let usage = try await CommandRunner.run(["clients", "add"], in: directory)
        #expect(usage.status == 2)
        let unknown = try await CommandRunner.run(["frobnicate"], in: directory)
        #expect(unknown.status == 2)
        let badRole = try await CommandRunner.run(["clients", "add", "x", "--role", "wizard"], environment: ["CREDBROKER_DATABASE": directory.file("db.sqlite")], in: directory)
        #expect(badRole.status == 2)
    }

    /// `clients add` prints the key alone on the last line (or JSON), `list` shows no keys, `remove` removes.
    @Test func clientsAreAddedListedAndRemoved() async throws {
        let directory = try TemporaryDirectory()
        let environment = ["CREDBROKER_DATABASE": directory.file("db.sqlite")]
        let added = try await CommandRunner.run(["clients", "add", "calendar-sync", "--role", "consumer", "--integrations", "acme.*", "globex.*", "--mtls-identity", "spiffe://corp/calendar-sync"], environment: environment, in: directory)
        #expect(added.status == 0, "\(added.stderr)")
        let key = added.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(key.hasPrefix("cbk_"))

        let json = try await CommandRunner.run(["clients", "add", "portal", "--role", "admin", "--json"], environment: environment, in: directory)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["api_key"] as? String)?.hasPrefix("cbk_") == true)
        #expect(object?["roles"] as? [String] == ["admin"])

        let duplicate = try await CommandRunner.run(["clients", "add", "portal", "--role", "admin"], environment: environment, in: directory)
        #expect(duplicate.status == 1)

        let list = try await CommandRunner.run(["clients", "list"], environment: environment, in: directory)
        #expect(list.stdout.contains("calendar-sync") && list.stdout.contains("acme.*,globex.*") && list.stdout.contains("spiffe://corp/calendar-sync"))
        #expect(!list.stdout.contains(key))

        #expect(try await CommandRunner.run(["clients", "remove", "portal"], environment: environment, in: directory).status == 0)
        #expect(try await CommandRunner.run(["clients", "remove", "portal"], environment: environment, in: directory).status == 1)
    }
}
