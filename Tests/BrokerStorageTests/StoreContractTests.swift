import BrokerCore
import BrokerStorage
import BrokerTesting
import Foundation
import Testing

/// What every store promises, run against SQLite and PostgreSQL alike so the two cannot drift.
@Suite(.timeLimit(.minutes(3))) struct StoreContractTests {
    typealias S = StoreSamples

    /// Both stores record the same migrations, in order.
    @Test(arguments: StoreBackend.allCases) func recordsTheSameMigrations(backend: StoreBackend) async throws {
        try await backend.withStore { (store: any BrokerStore) async throws in
            #expect(try await store.appliedMigrations() == ["v1-integrations-and-clients", "v2-link-sessions", "v3-cached-tokens", "v4-refresh-leases"])
        }
    }

    /// What is created reads back the same, with its sealed secrets and their metadata.
    @Test(arguments: StoreBackend.allCases) func createdIntegrationReadsBack(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var integration = S.integration("fmis")
            integration.linkedAccount = "ops@corp.example"
            integration.lastError = LastError(code: "invalid_client", message: "rejected", at: S.now)
            integration.lastUsedAt = Date(timeIntervalSince1970: 1_800_000_123.456789)
            try await store.create(integration, secrets: [.clientSecret: S.sealed()])
            integration.secrets = [.clientSecret: SecretMetadata(updatedAt: integration.updatedAt, keyVersion: 1)]
            #expect(try await store.integration(named: integration.name) == integration)
            #expect(try await store.sealedSecrets(of: integration.name) == [.clientSecret: S.sealed()])
            #expect(try await store.secretCountsByKeyVersion() == [1: 1])
            #expect(try await store.integrationCountsByStatus() == [.unverified: 1])
            try await store.ping()
        }
    }

    /// Creating a name that exists fails with name_taken and leaves the stored one exactly as it was.
    @Test(arguments: StoreBackend.allCases) func duplicateCreateChangesNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try await store.create(S.integration("fmis"), secrets: [.clientSecret: S.sealed(fill: 1)])
            let before = try await store.integration(named: IntegrationName("fmis")!)
            var other = S.integration("fmis", kind: .google)
            other.displayName = "Intruder"
            await #expect(throws: BrokerError.nameTaken(IntegrationName("fmis")!)) {
                try await store.create(other, secrets: [.clientSecret: S.sealed(fill: 2)])
            }
            #expect(try await store.integration(named: IntegrationName("fmis")!) == before)
            #expect(try await store.sealedSecrets(of: IntegrationName("fmis")!)[.clientSecret] == S.sealed(fill: 1))
        }
    }

    /// An update naming a stale revision is refused as a conflict and changes nothing; a missing one is not found.
    @Test(arguments: StoreBackend.allCases) func staleUpdateIsAConflict(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let original = S.integration("fmis")
            try await store.create(original, secrets: [.clientSecret: S.sealed(fill: 1), .password: S.sealed(fill: 2)])
            var first = original
            first.displayName = "First"
            let stored = try await store.update(first, expectedRevision: original.revision, secrets: [.clientSecret: S.sealed(fill: 3)], removing: [.password])
            #expect(stored.revision == original.revision + 1)
            #expect(Set(stored.secrets.keys) == [.clientSecret])
            var second = original
            second.displayName = "Second"
            await #expect(throws: BrokerError.self) {
                try await store.update(second, expectedRevision: original.revision, secrets: [.clientSecret: S.sealed(fill: 4)], removing: [])
            }
            let current = try #require(try await store.integration(named: original.name))
            #expect(current.displayName == "First")
            #expect(try await store.sealedSecrets(of: original.name) == [.clientSecret: S.sealed(fill: 3)])
            await #expect(throws: BrokerError.integrationNotFound("ghost")) {
                try await store.update(S.integration("ghost"), expectedRevision: 1, secrets: [:], removing: [])
            }
        }
    }

    /// Listing pages in name order and applies kind, status and pattern filters in the query.
    @Test(arguments: StoreBackend.allCases) func listsPagesAndFilters(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            for name in ["acme.a", "acme.b", "globex.a", "acme.c", "initech", "acme_x", "acmeyx", "acme-z"] {
                try await store.create(S.integration(name, kind: name == "initech" ? .google : .oauth2, status: name == "acme.b" ? .ok : .unverified), secrets: [:])
            }
            let page = try await store.list(IntegrationQuery(limit: 2))
            // Bytewise order on both stores ('-' < '.' < '_' < letters), whatever the database's locale.
            #expect(page.map(\.name.rawValue) == ["acme-z", "acme.a"])
            let next = try await store.list(IntegrationQuery(after: page.last?.name, limit: 3))
            #expect(next.map(\.name.rawValue) == ["acme.b", "acme.c", "acme_x"])
            #expect(try await store.list(IntegrationQuery(kind: .google)).map(\.name.rawValue) == ["initech"])
            #expect(try await store.list(IntegrationQuery(status: .ok)).map(\.name.rawValue) == ["acme.b"])
            #expect(try await store.list(IntegrationQuery(patterns: [IntegrationPattern("acme.*")!])).map(\.name.rawValue) == ["acme.a", "acme.b", "acme.c"])
            // '_' is a name character, not a wildcard.
            #expect(try await store.list(IntegrationQuery(patterns: [IntegrationPattern("acme_?")!])).map(\.name.rawValue) == ["acme_x"])
            #expect(try await store.list(IntegrationQuery(patterns: [IntegrationPattern("globex.?")!, IntegrationPattern("init*")!])).map(\.name.rawValue) == ["globex.a", "initech"])
            #expect(try await store.list(IntegrationQuery(patterns: [])).isEmpty)
        }
    }

    /// Deleting removes the integration with its secrets, cached tokens and link sessions.
    @Test(arguments: StoreBackend.allCases) func deleteTakesEverythingOfTheIntegration(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let name = IntegrationName("fmis")!
            try await store.create(S.integration("fmis"), secrets: [.clientSecret: S.sealed()])
            try await store.storeCachedToken(S.token("fmis"), now: S.now, fence: nil)
            try await store.createLinkSession(LinkSession(id: "s1", integration: name, returnTo: nil, createdBy: "admin", createdAt: S.now, expiresAt: S.now.addingTimeInterval(600)))
            #expect(try await store.delete(named: name))
            #expect(try await store.delete(named: name) == false)
            #expect(try await store.integration(named: name) == nil)
            #expect(try await store.secretCountsByKeyVersion().isEmpty)
            #expect(try await store.cachedToken(of: name, cacheKey: "k1") == nil)
            #expect(try await store.linkSession(id: "s1") == nil)
        }
    }

    /// Clients are found by name, key hash and mTLS identity; duplicates are refused as conflicts.
    @Test(arguments: StoreBackend.allCases) func clientsAreFoundByEachCredential(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let client = Client(name: "sync", roles: [.consumer, .ops], patterns: [IntegrationPattern("acme.*")!, IntegrationPattern("x")!], mtlsIdentity: "spiffe://corp/sync", apiKeyHash: "abc123", createdAt: S.now)
            try await store.add(client)
            #expect(try await store.client(named: "sync") == client)
            #expect(try await store.client(apiKeyHash: "abc123") == client)
            #expect(try await store.client(mtlsIdentity: "spiffe://corp/sync") == client)
            #expect(try await store.client(apiKeyHash: "other") == nil)
            var sameKey = client
            sameKey.name = "other"
            sameKey.mtlsIdentity = nil
            for duplicate in [client, sameKey] {
                await #expect(throws: BrokerError.self) { try await store.add(duplicate) }
            }
            #expect(try await store.clients() == [client])
            #expect(try await store.removeClient(named: "sync"))
            #expect(try await store.removeClient(named: "sync") == false)
            #expect(try await store.clients().isEmpty)
        }
    }

    /// A link session starts once and completes once, and is found by its state hash.
    @Test(arguments: StoreBackend.allCases) func linkSessionsStartAndCompleteOnce(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let name = IntegrationName("gsuite")!
            try await store.create(S.integration("gsuite", kind: .google), secrets: [:])
            let session = LinkSession(id: "s1", integration: name, returnTo: "https://app.example/done", createdBy: "admin", createdAt: S.now, expiresAt: S.now.addingTimeInterval(600))
            try await store.createLinkSession(session)
            #expect(try await store.linkSession(id: "s1") == session)
            #expect(try await store.startLinkSession(id: "s1", stateHash: "st", browserHash: "br", at: S.now.addingTimeInterval(1)))
            #expect(try await store.startLinkSession(id: "s1", stateHash: "st2", browserHash: "br2", at: S.now.addingTimeInterval(2)) == false)
            let started = try #require(try await store.linkSession(stateHash: "st"))
            #expect(started.browserHash == "br" && started.startedAt == S.now.addingTimeInterval(1))
            #expect(try await store.completeLinkSession(id: "s1", at: S.now.addingTimeInterval(3)))
            #expect(try await store.completeLinkSession(id: "s1", at: S.now.addingTimeInterval(4)) == false)
            #expect(try await store.linkSession(id: "s1")?.completedAt == S.now.addingTimeInterval(3))
            #expect(try await store.deleteLinkSessions(expiredBefore: S.now.addingTimeInterval(599)) == 0)
            #expect(try await store.deleteLinkSessions(expiredBefore: S.now.addingTimeInterval(601)) == 1)
            #expect(try await store.linkSession(id: "s1") == nil)
        }
    }

    /// Cached tokens are replaced by key, expired ones are dropped when another is stored, and they can be forgotten.
    @Test(arguments: StoreBackend.allCases) func cachedTokensRoundTrip(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let name = IntegrationName("fmis")!
            try await store.create(S.integration("fmis"), secrets: [:])
            #expect(try await store.storeCachedToken(S.token("fmis", key: "old", expiresIn: 10), now: S.now, fence: nil))
            #expect(try await store.storeCachedToken(S.token("fmis", fill: 1), now: S.now, fence: nil))
            #expect(try await store.storeCachedToken(S.token("fmis", fill: 2), now: S.now.addingTimeInterval(60), fence: nil))
            #expect(try await store.cachedToken(of: name, cacheKey: "k1") == S.token("fmis", fill: 2))
            #expect(try await store.cachedToken(of: name, cacheKey: "old") == nil, "expired tokens are dropped")
            try await store.deleteCachedTokens(of: name)
            #expect(try await store.cachedToken(of: name, cacheKey: "k1") == nil)
        }
    }

    /// One holder at a time gets the refresh lease; it can be taken over once expired or released,
    /// and a token is stored only under the newest generation.
    @Test(arguments: StoreBackend.allCases) func refreshLeaseFencesStaleHolders(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let name = IntegrationName("fmis")!
            try await store.create(S.integration("fmis"), secrets: [:])
            let t0 = S.now
            let first = try #require(try await store.acquireRefreshLease(of: name, cacheKey: "k1", holder: "a", now: t0, until: t0.addingTimeInterval(30)))
            #expect(try await store.acquireRefreshLease(of: name, cacheKey: "k1", holder: "b", now: t0.addingTimeInterval(1), until: t0.addingTimeInterval(31)) == nil)
            #expect(try await store.acquireRefreshLease(of: name, cacheKey: "k2", holder: "b", now: t0, until: t0.addingTimeInterval(30)) != nil, "leases are per key")
            // a stalls past its lease; b takes over.
            let second = try #require(try await store.acquireRefreshLease(of: name, cacheKey: "k1", holder: "b", now: t0.addingTimeInterval(31), until: t0.addingTimeInterval(61)))
            #expect(second > first)
            #expect(try await store.storeCachedToken(S.token("fmis", fill: 9), now: t0, fence: second))
            #expect(try await store.storeCachedToken(S.token("fmis", fill: 8), now: t0, fence: first) == false, "the stale holder cannot overwrite")
            #expect(try await store.cachedToken(of: name, cacheKey: "k1")?.sealed == S.sealed(fill: 9))
            // Releasing with a stale generation does nothing; the right one frees it at once.
            try await store.releaseRefreshLease(of: name, cacheKey: "k1", generation: first)
            #expect(try await store.acquireRefreshLease(of: name, cacheKey: "k1", holder: "c", now: t0.addingTimeInterval(32), until: t0.addingTimeInterval(62)) == nil)
            try await store.releaseRefreshLease(of: name, cacheKey: "k1", generation: second)
            let third = try #require(try await store.acquireRefreshLease(of: name, cacheKey: "k1", holder: "c", now: t0.addingTimeInterval(32), until: t0.addingTimeInterval(62)))
            #expect(third > second)
        }
    }

    /// Many holders racing for one lease: exactly one wins.
    @Test(arguments: StoreBackend.allCases) func concurrentLeaseRequestsHaveOneWinner(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let name = IntegrationName("fmis")!
            try await store.create(S.integration("fmis"), secrets: [:])
            let winners = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for holder in 0..<20 {
                    group.addTask { try await store.acquireRefreshLease(of: name, cacheKey: "k", holder: "h\(holder)", now: S.now, until: S.now.addingTimeInterval(30)) }
                }
                return try await group.reduce(into: [Int64]()) { if let generation = $1 { $0.append(generation) } }
            }
            #expect(winners.count == 1)
        }
    }

    /// Rewrap batches walk secrets not under the active version in order, and a secret changed
    /// since it was read is left to the change.
    @Test(arguments: StoreBackend.allCases) func rewrapBatchesSkipChangedSecrets(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            for name in ["a", "b", "c"] {
                try await store.create(S.integration(name), secrets: [.clientSecret: S.sealed(1, fill: 1), .password: S.sealed(1, fill: 2)])
            }
            let firstBatch = try await store.secrets(notSealedUnder: 2, after: nil, limit: 4)
            #expect(firstBatch.map { "\($0.position.integration)/\($0.position.field.rawValue)" } == ["a/client_secret", "a/password", "b/client_secret", "b/password"])
            // b's client secret changes (a PATCH) after the batch was read.
            let b = try #require(try await store.integration(named: IntegrationName("b")!))
            _ = try await store.update(b, expectedRevision: b.revision, secrets: [.clientSecret: S.sealed(2, fill: 7)], removing: [])
            let replaced = try await store.replaceSealed(firstBatch.map { ($0, S.sealed(2, fill: 9)) })
            #expect(replaced == 3)
            #expect(try await store.sealedSecrets(of: IntegrationName("b")!)[.clientSecret] == S.sealed(2, fill: 7))
            let rest = try await store.secrets(notSealedUnder: 2, after: firstBatch.last?.position, limit: 4)
            #expect(rest.map { "\($0.position.integration)/\($0.position.field.rawValue)" } == ["c/client_secret", "c/password"])
            #expect(try await store.replaceSealed(rest.map { ($0, S.sealed(2, fill: 9)) }) == 2)
            #expect(try await store.secretCountsByKeyVersion() == [2: 6])
            #expect(try await store.replaceSealed([]) == 0)
        }
    }
}
