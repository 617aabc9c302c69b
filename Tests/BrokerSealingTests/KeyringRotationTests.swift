import BrokerCore
import BrokerSealing
import BrokerTesting
import Foundation
import Testing

@Suite struct KeyringRotationTests {
    /// Added versions are decrypt-only until activated, and numbers are never reused after a retire.
    @Test func versionsOnlyGrow() throws {
        let first = try Keyring.generate()
        let added = try first.addingKey()
        #expect(added.loadedVersions == [1, 2])
        #expect(added.activeVersion == 1)
        let activated = try added.activating(2)
        #expect(activated.activeVersion == 2)
        let retired = try activated.retiring(1)
        #expect(retired.loadedVersions == [2])
        #expect(retired.retired == [1])
        #expect(try retired.addingKey().loadedVersions == [2, 3])
    }

    /// The active version cannot be retired, and only loaded versions can be activated.
    @Test func refusesChangesThatLoseKeys() throws {
        let keyring = try Keyring.generate().addingKey()
        #expect(throws: KeyringError.self) { try keyring.retiring(1) }
        #expect(throws: KeyringError.self) { try keyring.activating(9) }
        #expect(throws: KeyringError.self) { try keyring.retiring(9) }
    }

    /// `update` rewrites the file atomically with mode 0600, and the retired list survives a reload.
    @Test func updateKeepsPermissionsAndRetiredVersions() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keyring.json")
        try KeyringFile.write(try Keyring.generate(), to: path, overwrite: false)
        try KeyringFile.update(path: path) { try $0.addingKey().activating(2) }
        try KeyringFile.update(path: path) { try $0.retiring(1) }
        let loaded = try KeyringFile.load(path: path)
        #expect(loaded.activeVersion == 2 && loaded.loadedVersions == [2] && loaded.retired == [1])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }.isEmpty)
    }

    /// A holder reloads only when the file changed, and a sealer re-reads the keyring once when a
    /// secret names a version it has not loaded yet.
    @Test func holderReloadsChangedFilesAndMissingVersions() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keyring.json")
        try KeyringFile.write(try Keyring.generate(), to: path, overwrite: false)
        let holder = KeyringHolder(try KeyringFile.load(path: path), path: path)
        #expect(try holder.reloadIfChanged() == nil)

        // Another process rotates and seals under version 2 before this holder noticed.
        let rotated = try KeyringFile.update(path: path) { try $0.addingKey().activating(2) }
        let context = SealingContext(integration: IntegrationName("hq")!, field: .password)
        let sealed = try EnvelopeSealer(keyring: rotated).seal(SecretValue("fresh"), for: context)
        #expect(holder.keyring.activeVersion == 1)
        #expect(try holder.sealer.open(sealed, for: context).revealUTF8() == "fresh")
        #expect(holder.keyring.activeVersion == 2)
        #expect(try holder.reloadIfChanged() == nil)

        // A broken file is reported and the keyring in use stays.
        chmod(path, 0o644)
        #expect(throws: KeyringError.self) { try holder.reload() }
        #expect(holder.keyring.loadedVersions == [1, 2])
    }
}
