import BrokerCore
import BrokerStorage
import BrokerTesting
import Foundation
import Logging
import Testing

/// The database going away while the broker runs: callers get `store_unavailable` within the
/// store's operation timeout (never the pool's minute of retries), and the store recovers by itself.
@Suite(.timeLimit(.minutes(2))) struct PostgresOutageTests {
    @Test func outageFailsCallersQuicklyAndRecovers() async throws {
        let url = try await TestPostgres.freshDatabaseURL()
        // Set up with the tests' generous bound (the whole suite starting at once on two cores can
        // take seconds to connect); the store under test has the production bound.
        let setup = try await PostgresStore(url: PostgresURL(url), operationTimeout: TestPostgres.loadedOperationTimeout, logger: Logger(label: "test"))
        try await setup.create(StoreSamples.integration("fmis"), secrets: [:])
        await setup.close()
        let store = try await PostgresStore(url: url, logger: Logger(label: "test"))
        let name = IntegrationName("fmis")!
        let database = try PostgresURL(url).database
        // New connections are refused and the open ones are cut: as if the server went away.
        try await TestPostgres.admin("ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
        try await TestPostgres.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        for _ in 0..<2 {
            let started = ContinuousClock.now
            let error = await #expect(throws: BrokerError.self) { try await store.integration(named: name) }
            #expect(error?.code == "store_unavailable" && error?.status == 503)
            #expect(ContinuousClock.now - started < store.operationTimeout + .seconds(2))
        }
        // Back whatever the expectations found, so the server is left as it was.
        try await TestPostgres.admin("ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
        var recovered = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !recovered && ContinuousClock.now < deadline {
            recovered = (try? await store.integration(named: name)) != nil
            if !recovered { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(recovered, "the store answers again once the database is back")
        await store.close()
    }
}
