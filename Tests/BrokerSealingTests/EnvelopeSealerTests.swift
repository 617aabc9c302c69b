import BrokerCore
import BrokerSealing
import BrokerTesting
import Foundation
import Testing

@Suite struct EnvelopeSealerTests {
    let keyring: Keyring
    let sealer: EnvelopeSealer
    let context = SealingContext(integration: IntegrationName("hq-rooms")!, field: .password)

    init() throws {
        keyring = try Keyring.generate()
        sealer = EnvelopeSealer(keyring: keyring)
    }

    /// A sealed secret opens to the same value and does not contain it.
    @Test func sealThenOpenRoundTrips() throws {
        let secret = SecretValue("correct horse battery staple")
        let sealed = try sealer.seal(secret, for: context)
        #expect(sealed.keyVersion == 1)
        #expect(try sealer.open(sealed, for: context).revealUTF8() == "correct horse battery staple")
        #expect(SecretCanary(["correct horse battery staple"]).findings(in: sealed.serialized, source: "sealed").isEmpty)
        #expect(SealedSecret(serialized: sealed.serialized) == sealed)
    }

    /// Every seal uses a fresh data key and nonces, so the same secret never seals to the same bytes.
    @Test func sealingTwiceGivesDifferentBytes() throws {
        let first = try sealer.seal(SecretValue("same"), for: context)
        let second = try sealer.seal(SecretValue("same"), for: context)
        #expect(first.serialized != second.serialized)
        #expect(first.wrappedKey != second.wrappedKey)
    }

    /// Flipping any single byte of a sealed secret makes it fail to open.
    @Test func flippingAnyByteFailsToOpen() throws {
        let sealed = try sealer.seal(SecretValue("tamper me"), for: context).serialized
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            guard let parsed = SealedSecret(serialized: tampered) else { continue }  // the format byte itself
            #expect(throws: SealingError.self, "byte \(index)") { try sealer.open(parsed, for: context) }
        }
    }

    /// A sealed value moved to another integration or another field does not open there.
    @Test(arguments: [
        SealingContext(integration: IntegrationName("other-rooms")!, field: .password),
        SealingContext(integration: IntegrationName("hq-rooms")!, field: .clientSecret),
        SealingContext(integration: IntegrationName("hq-room")!, field: .password),
    ])
    func movedValueFailsToOpen(_ elsewhere: SealingContext) throws {
        let sealed = try sealer.seal(SecretValue("bound"), for: context)
        #expect(throws: SealingError.self) { try sealer.open(sealed, for: elsewhere) }
    }

    /// A secret sealed under a version this keyring lacks fails with an error naming that version.
    @Test func unknownKeyVersionIsNamed() throws {
        let other = EnvelopeSealer(keyring: try Keyring(keys: [KeyEncryptionKey(version: 7, material: SecureRandom.secret(32))], activeVersion: 7))
        let sealed = try other.seal(SecretValue("v7"), for: context)
        do {
            _ = try sealer.open(sealed, for: context)
            Issue.record("opened a secret sealed under a key it does not hold")
        } catch let error as SealingError {
            #expect(error.description.contains("7"))
        }
    }

    /// Rewrap moves the data key to the active version and leaves the secret's ciphertext unchanged.
    @Test func rewrapKeepsCiphertext() throws {
        let first = try KeyEncryptionKey(version: 1, material: SecureRandom.secret(32))
        let second = try KeyEncryptionKey(version: 2, material: SecureRandom.secret(32))
        let old = EnvelopeSealer(keyring: try Keyring(keys: [first], activeVersion: 1))
        let rotated = EnvelopeSealer(keyring: try Keyring(keys: [first, second], activeVersion: 2))
        let sealed = try old.seal(SecretValue("rotate me"), for: context)
        let rewrapped = try #require(try rotated.rewrap(sealed, for: context))
        #expect(rewrapped.keyVersion == 2)
        #expect(rewrapped.ciphertext == sealed.ciphertext && rewrapped.tag == sealed.tag)
        #expect(try rotated.open(rewrapped, for: context).revealUTF8() == "rotate me")
        #expect(try rotated.rewrap(rewrapped, for: context) == nil)
        // Forging the header to claim the other version does not open.
        let forged = SealedSecret(
            keyVersion: 1, wrapNonce: rewrapped.wrapNonce, wrappedKey: rewrapped.wrappedKey, wrapTag: rewrapped.wrapTag,
            nonce: rewrapped.nonce, ciphertext: rewrapped.ciphertext, tag: rewrapped.tag)
        #expect(throws: SealingError.self) { try rotated.open(forged, for: context) }
    }

    /// A batch rewrap (one cipher per key version for the whole batch) handles secrets under several
    /// old versions and ones already current, each bound to its own place.
    @Test func batchRewrapMixesVersions() throws {
        let keys = try (1...3).map { try KeyEncryptionKey(version: UInt32($0), material: SecureRandom.secret(32)) }
        let rotated = EnvelopeSealer(keyring: try Keyring(keys: keys, activeVersion: 3))
        let places = (0..<6).map { SealingContext(integration: IntegrationName("hq-\($0)")!, field: .password) }
        let batch = try places.enumerated().map { index, place in
            (sealed: try rotated.seal(SecretValue("secret-\(index)"), for: place, under: keys[index % 3]), context: place)
        }
        let rewrapped = try rotated.rewrap(batch)
        for (index, result) in rewrapped.enumerated() {
            if index % 3 == 2 {
                #expect(result == nil, "already under the active version")
            } else {
                let moved = try #require(result)
                #expect(moved.keyVersion == 3)
                #expect(try rotated.open(moved, for: places[index]).revealUTF8() == "secret-\(index)")
                #expect(throws: SealingError.self) { try rotated.open(moved, for: places[(index + 1) % 6]) }
            }
        }
    }

    /// Someone with the keyring file and docs/sealed-format.md alone can open a sealed secret:
    /// Python's `cryptography` package does, from the documented layout.
    @Test func pythonOpensWithTheKeyringAlone() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keyring.json")
        try KeyringFile.write(keyring, to: path, overwrite: false)
        let value = "pässwörd with ünïcode and \"quotes\""
        let sealed = try sealer.seal(SecretValue(value), for: context)
        let output = try runPython(
            [RepositoryPaths.root + "/scripts/open-sealed.py", "--keyring", path, "--integration", "hq-rooms", "--field", "password", sealed.serialized.hex])
        #expect(output == value)
    }

    private func runPython(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }
}
