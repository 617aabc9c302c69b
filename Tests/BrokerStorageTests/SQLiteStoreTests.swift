import BrokerCore
import BrokerStorage
import BrokerTesting
import Foundation
import Testing

@Suite struct SQLiteStoreTests {
    let directory: TemporaryDirectory
    let store: SQLiteStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try SQLiteStore(path: directory.file("db/credbroker.sqlite"))
    }

    static func integration(_ name: String, kind: IntegrationKind = .oauth2, status: IntegrationStatus = .unverified) -> Integration {
        let settings: IntegrationSettings
        switch kind {
        case .google: settings = .google(GoogleSettings(auth: .oauth, scopes: GoogleSettings.defaultScopes))
        default: settings = .oauth2(OAuth2Settings(tokenURL: "https://fmis.example/token", clientID: "broker", scopes: ["read"], clientAuth: .clientSecretBasic))
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return Integration(name: IntegrationName(name)!, displayName: name.uppercased(), settings: settings, secrets: [:], status: status, createdAt: now, updatedAt: now)
    }

    static func sealed(_ version: UInt32 = 1, fill: UInt8 = 7) -> SealedSecret {
        SealedSecret(
            keyVersion: version, wrapNonce: .init(repeating: fill, count: 12), wrappedKey: .init(repeating: fill, count: 32),
            wrapTag: .init(repeating: fill, count: 16), nonce: .init(repeating: fill, count: 12), ciphertext: [1, 2, 3], tag: .init(repeating: fill, count: 16))
    }

    /// The schema is migrated on open and the applied migration is recorded; the file is owner-only.
    @Test func recordsMigrationsAndKeepsTheFilePrivate() throws {
        #expect(try store.appliedMigrations() == ["v1-integrations-and-clients", "v2-link-sessions", "v3-cached-tokens"])
        let reopened = try SQLiteStore(path: store.path)
        #expect(try reopened.appliedMigrations() == ["v1-integrations-and-clients", "v2-link-sessions", "v3-cached-tokens"])
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// What is created reads back the same, with its sealed secrets and their metadata.
    @Test func createdIntegrationReadsBack() async throws {
        var integration = Self.integration("fmis")
        try await store.create(integration, secrets: [.clientSecret: Self.sealed()])
        integration.secrets = [.clientSecret: SecretMetadata(updatedAt: integration.updatedAt, keyVersion: 1)]
        #expect(try await store.integration(named: integration.name) == integration)
        #expect(try await store.sealedSecrets(of: integration.name) == [.clientSecret: Self.sealed()])
        #expect(try await store.secretCountsByKeyVersion() == [1: 1])
    }

    /// Creating a name that exists fails with name_taken and leaves the stored one exactly as it was.
    @Test func duplicateCreateChangesNothing() async throws {
        try await store.create(Self.integration("fmis"), secrets: [.clientSecret: Self.sealed(fill: 1)])
        let before = try await store.integration(named: IntegrationName("fmis")!)
        var other = Self.integration("fmis", kind: .google)
        other.displayName = "Intruder"
        await #expect(throws: BrokerError.nameTaken(IntegrationName("fmis")!)) {
            try await store.create(other, secrets: [.clientSecret: Self.sealed(fill: 2)])
        }
        #expect(try await store.integration(named: IntegrationName("fmis")!) == before)
        #expect(try await store.sealedSecrets(of: IntegrationName("fmis")!)[.clientSecret] == Self.sealed(fill: 1))
    }

    /// An update naming a stale revision is refused as a conflict and changes nothing.
    @Test func staleUpdateIsAConflict() async throws {
        let original = Self.integration("fmis")
        try await store.create(original, secrets: [.clientSecret: Self.sealed(fill: 1)])
        var first = original
        first.displayName = "First"
        let stored = try await store.update(first, expectedRevision: original.revision, secrets: [.clientSecret: Self.sealed(fill: 3)], removing: [])
        #expect(stored.revision == original.revision + 1)
        var second = original
        second.displayName = "Second"
        await #expect(throws: BrokerError.self) {
            try await store.update(second, expectedRevision: original.revision, secrets: [.clientSecret: Self.sealed(fill: 4)], removing: [])
        }
        let current = try #require(try await store.integration(named: original.name))
        #expect(current.displayName == "First")
        #expect(try await store.sealedSecrets(of: original.name)[.clientSecret] == Self.sealed(fill: 3))
    }

    /// Listing pages in name order and applies kind, status and pattern filters in the query.
    @Test func listsPagesAndFilters() async throws {
        for name in ["acme.a", "acme.b", "globex.a", "acme.c", "initech"] {
            try await store.create(Self.integration(name, kind: name == "initech" ? .google : .oauth2, status: name == "acme.b" ? .ok : .unverified), secrets: [:])
        }
        let page = try await store.list(IntegrationQuery(limit: 2))
        #expect(page.map(\.name.rawValue) == ["acme.a", "acme.b"])
        let next = try await store.list(IntegrationQuery(after: page.last?.name, limit: 2))
        #expect(next.map(\.name.rawValue) == ["acme.c", "globex.a"])
        #expect(try await store.list(IntegrationQuery(kind: .google)).map(\.name.rawValue) == ["initech"])
        #expect(try await store.list(IntegrationQuery(status: .ok)).map(\.name.rawValue) == ["acme.b"])
        #expect(try await store.list(IntegrationQuery(patterns: [IntegrationPattern("acme.*")!])).map(\.name.rawValue) == ["acme.a", "acme.b", "acme.c"])
        #expect(try await store.list(IntegrationQuery(patterns: [IntegrationPattern("globex.?")!, IntegrationPattern("init*")!])).map(\.name.rawValue) == ["globex.a", "initech"])
        #expect(try await store.list(IntegrationQuery(patterns: [])).isEmpty)
    }

    /// Deleting removes the integration and its sealed secrets, whose bytes do not linger in the file.
    @Test func deleteDestroysSealedSecrets() async throws {
        let marker: [UInt8] = Array("sealed-bytes-marker-0123456789".utf8)
        let sealed = SealedSecret(
            keyVersion: 1, wrapNonce: .init(repeating: 9, count: 12), wrappedKey: .init(repeating: 9, count: 32),
            wrapTag: .init(repeating: 9, count: 16), nonce: .init(repeating: 9, count: 12), ciphertext: marker, tag: .init(repeating: 9, count: 16))
        try await store.create(Self.integration("fmis"), secrets: [.clientSecret: sealed])
        #expect(try await store.delete(named: IntegrationName("fmis")!))
        #expect(try await store.delete(named: IntegrationName("fmis")!) == false)
        #expect(try await store.integration(named: IntegrationName("fmis")!) == nil)
        #expect(try await store.secretCountsByKeyVersion().isEmpty)
        let files = [store.path, store.path + "-wal", store.path + "-shm"]
        #expect(SecretCanary(["sealed-bytes-marker-0123456789"]).findings(inFiles: files).filter { $0.contains("(plain)") }.isEmpty)
    }

    /// Clients are found by name, key hash and mTLS identity; duplicates are refused.
    @Test func clientsAreFoundByEachCredential() async throws {
        let client = Client(name: "sync", roles: [.consumer], patterns: [IntegrationPattern("acme.*")!], mtlsIdentity: "spiffe://corp/sync", apiKeyHash: "abc123", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        try await store.add(client)
        #expect(try await store.client(named: "sync") == client)
        #expect(try await store.client(apiKeyHash: "abc123") == client)
        #expect(try await store.client(mtlsIdentity: "spiffe://corp/sync") == client)
        #expect(try await store.client(apiKeyHash: "other") == nil)
        await #expect(throws: BrokerError.self) { try await store.add(client) }
        #expect(try await store.removeClient(named: "sync"))
        #expect(try await store.clients().isEmpty)
    }
}
