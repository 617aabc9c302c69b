import BrokerCore
import BrokerStorage
import BrokerTLS
import BrokerTesting
import Foundation
import Logging
import Testing

/// What only the PostgreSQL store promises: its URL, TLS, and replicas migrating together.
@Suite(.timeLimit(.minutes(3))) struct PostgresStoreTests {
    /// Replicas starting at once against an empty database migrate it exactly once.
    @Test func replicasOpeningTogetherMigrateOnce() async throws {
        let url = try await TestPostgres.freshDatabaseURL()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore(url: PostgresURL(url), operationTimeout: TestPostgres.loadedOperationTimeout, logger: Logger(label: "test")) } }
            return try await group.reduce(into: [PostgresStore]()) { $0.append($1) }
        }
        for store in stores {
            #expect(try await store.appliedMigrations() == ["v1-integrations-and-clients", "v2-link-sessions", "v3-cached-tokens", "v4-refresh-leases"])
            await store.close()
        }
    }

    /// `sslmode=verify-full` with the server's CA connects over TLS; with another CA it is refused
    /// with a message naming the database but never the password.
    @Test func verifiesTheServerCertificateWhenAsked() async throws {
        let url = try await TestPostgres.freshDatabaseURL()
        let ca = try #require(TestPostgres.certificateAuthorityPath, "scripts/with-postgres.sh sets CREDBROKER_TEST_POSTGRES_CA")
        let verified = url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=verify-full&sslrootcert=\(ca)")
        let store = try await PostgresStore(url: PostgresURL(verified), operationTimeout: TestPostgres.loadedOperationTimeout, logger: Logger(label: "test"))
        try await store.ping()
        await store.close()

        let directory = try TemporaryDirectory()
        let other = try directory.write(try DevCertificateAuthority().certificatePEM, to: "other-ca.pem")
        let password = try #require(try PostgresURL(url).password)
        do {
            let store = try await PostgresStore(url: url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=verify-full&sslrootcert=\(other)"), logger: Logger(label: "test"))
            await store.close()
            Issue.record("a server certificate from another CA was accepted")
        } catch {
            #expect("\(error)".contains("cannot open postgres://credbroker@127.0.0.1"))
            #expect(!"\(error)".contains(password))
        }
    }

    /// A wrong password is refused with the server's reason, and the password is not repeated.
    @Test func wrongPasswordIsRefusedClearly() async throws {
        let url = try await TestPostgres.freshDatabaseURL()
        let password = try #require(try PostgresURL(url).password)
        let wrong = url.replacingOccurrences(of: ":\(password)@", with: ":not-\(password)-at-all@")
        do {
            _ = try await PostgresStore(url: wrong, logger: Logger(label: "test"))
            Issue.record("a wrong password was accepted")
        } catch {
            #expect("\(error)".contains("password authentication failed"), "\(error)")
            #expect(!"\(error)".contains(password))
        }
    }

    /// URLs are read as libpq reads them.
    @Test func readsURLsLikeLibpq() throws {
        let full = try PostgresURL("postgresql://app%40corp:p%3Ass@db.internal:6432/credbroker?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(full.username == "app@corp" && full.password == "p:ss" && full.host == "db.internal" && full.port == 6432)
        #expect(full.database == "credbroker" && full.tls == .verifyFull && full.rootCertificatePath == "/etc/ca.pem")
        #expect(!full.description.contains("p:ss") && full.description.contains("db.internal:6432"))
        let defaults = try PostgresURL("postgres://broker@localhost")
        #expect(defaults.port == 5432 && defaults.database == "broker" && defaults.tls == .prefer && defaults.password == nil)
        let socket = try PostgresURL("postgres:///credbroker?host=/run/postgresql&user=broker")
        #expect(socket.socketDirectory == "/run/postgresql" && socket.username == "broker" && socket.database == "credbroker")
    }

    /// Bad URLs are refused with what is wrong, and never echo a password.
    @Test(arguments: [
        ("postgres://u:secretpw@h/db?sslmode=sometimes", "sslmode"),
        ("postgres://u:secretpw@h/db?sslmode=verify-full", "sslrootcert"),
        ("postgres://u:secretpw@h:0/db", "out of range"),
        ("postgres://u:secretpw@h/db?application=x", "unknown parameter 'application'"),
        ("postgres://u:secretpw@h/db?sslmode", "no value"),
        ("mysql://u:secretpw@h/db", "is not a postgres:// URL"),
    ])
    func refusesBadURLs(url: String, expected: String) {
        do {
            _ = try PostgresURL(url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
            #expect(!error.description.contains("secretpw"))
        }
    }
}
