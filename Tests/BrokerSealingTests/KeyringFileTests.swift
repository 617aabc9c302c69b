import BrokerCore
import BrokerSealing
import BrokerTesting
import Foundation
import Testing

@Suite struct KeyringFileTests {
    /// A keyring written by the broker loads back with the same versions and key material, mode 0600.
    @Test func writtenKeyringLoadsBack() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keyring.json")
        let keyring = try Keyring.generate()
        try KeyringFile.write(keyring, to: path, overwrite: false)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try KeyringFile.load(path: path)
        #expect(loaded.activeVersion == 1)
        #expect(loaded.active.material.constantTimeEquals(keyring.active.material))
        #expect(throws: KeyringError.self) { try KeyringFile.write(keyring, to: path, overwrite: false) }
    }

    /// A keyring that group or others can read is refused with one line saying how to fix it.
    @Test(arguments: [0o640, 0o604, 0o644, 0o660])
    func refusesKeyringReadableByOthers(_ mode: Int) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keyring.json")
        try KeyringFile.write(try Keyring.generate(), to: path, overwrite: false)
        chmod(path, mode_t(mode))
        do {
            _ = try KeyringFile.load(path: path)
            Issue.record("loaded a keyring with mode \(String(mode, radix: 8))")
        } catch {
            #expect(error.description.contains("chmod 600"))
            #expect(!error.description.contains("\n"))
        }
    }

    /// Malformed keyrings are refused with a reason, never echoing key material.
    @Test(arguments: [
        ("not json", "malformed"),
        (#"{"format":1,"active":1,"keys":[]}"#, "no keys"),
        (#"{"format":2,"active":1,"keys":[{"version":1,"key":"AAAA"}]}"#, "format 2"),
        (#"{"format":1,"active":2,"keys":[{"version":1,"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}"#, "active version 2"),
        (#"{"format":1,"active":1,"keys":[{"version":1,"key":"c2hvcnQ="}]}"#, "32 bytes"),
        (#"{"format":1,"active":1,"keys":[{"version":1,"key":"%%%"}]}"#, "not base64"),
        (#"{"format":1,"active":1,"keys":[{"version":1,"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},{"version":1,"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}"#, "twice"),
    ])
    func refusesMalformedKeyrings(_ contents: String, _ reason: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(contents, to: "keyring.json", mode: 0o600)
        do {
            _ = try KeyringFile.load(path: path)
            Issue.record("loaded a malformed keyring")
        } catch {
            #expect(error.description.contains(reason))
            #expect(!error.description.contains("AAAAAAAA"))
        }
    }

    /// A missing keyring names `credbroker init`.
    @Test func missingKeyringNamesInit() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: KeyringError.missing(path: directory.file("nope.json"))) { try KeyringFile.load(path: directory.file("nope.json")) }
        #expect(KeyringError.missing(path: "x").description.contains("credbroker init"))
    }
}
