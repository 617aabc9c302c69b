import BrokerCore
import BrokerStorage
import BrokerTesting
import Foundation
import Testing

/// What only the SQLite file promises (the shared behaviour is in StoreContractTests).
@Suite struct SQLiteStoreTests {
    typealias S = StoreSamples

    /// Reopening finds the migrations applied; the file is owner-only.
    @Test func reopensMigratedAndKeepsTheFilePrivate() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("db/credbroker.sqlite"))
        let reopened = try SQLiteStore(path: store.path)
        #expect(try reopened.appliedMigrations() == ["v1-integrations-and-clients", "v2-link-sessions", "v3-cached-tokens", "v4-refresh-leases"])
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// A deleted integration's sealed bytes do not linger in the database file or its WAL.
    @Test func deleteLeavesNoSealedBytesInTheFile() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("credbroker.sqlite"))
        let marker = "sealed-bytes-marker-0123456789"
        try await store.create(S.integration("fmis"), secrets: [.clientSecret: S.sealed(ciphertext: Array(marker.utf8))])
        #expect(try await store.delete(named: IntegrationName("fmis")!))
        let files = [store.path, store.path + "-wal", store.path + "-shm"]
        #expect(SecretCanary([marker]).findings(inFiles: files).filter { $0.contains("(plain)") }.isEmpty)
    }
}
