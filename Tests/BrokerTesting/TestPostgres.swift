public import BrokerStorage
import Foundation
public import Logging
import PostgresNIO

/// The PostgreSQL server `scripts/with-postgres.sh` started for the tests (or the one
/// `CREDBROKER_TEST_POSTGRES_URL` names): each test gets a database of its own on it.
public enum TestPostgres {
    /// The server's URL; throws with what to do when the tests run without one.
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CREDBROKER_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw MissingPostgres()
        }
        return url
    }

    /// The CA that signed the test server's certificate, when the script started the server.
    public static var certificateAuthorityPath: String? { ProcessInfo.processInfo.environment["CREDBROKER_TEST_POSTGRES_CA"] }

    /// Creates an empty database and returns the server URL pointing at it.
    public static func freshDatabaseURL() async throws -> String {
        let server = try serverURL()
        let url = try PostgresURL(server)
        let name = "cb_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await admin("CREATE DATABASE \(name)")
        return server.replacingOccurrences(of: "/\(url.database)?", with: "/\(name)?")
    }

    /// Runs one statement as the test server's administrator (on its `postgres` database).
    public static func admin(_ sql: String) async throws {
        let url = try PostgresURL(try serverURL())
        let logger = Logger(label: "credbroker.tests.postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable),
            id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// A fresh database, opened as a store. The tests start all at once on two cores, where a cold
    /// pool can take longer than the production bound to connect (the outage test keeps that bound).
    /// The operation bound tests open stores with: a cold pool connecting while the whole suite
    /// starts at once on two cores can take longer than the production 5 s.
    public static let loadedOperationTimeout: Duration = .seconds(30)

    public static func freshStore(
        operationTimeout: Duration = loadedOperationTimeout, logger: Logger = Logger(label: "credbroker.tests.postgres")
    ) async throws -> PostgresStore {
        try await PostgresStore(url: try PostgresURL(try freshDatabaseURL()), operationTimeout: operationTimeout, logger: logger)
    }
}

/// The PostgreSQL tests ran without a server.
public struct MissingPostgres: Error, CustomStringConvertible {
    public var description: String {
        "CREDBROKER_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh (it starts a throwaway PostgreSQL), or set it to a server the tests may create databases on"
    }
}
