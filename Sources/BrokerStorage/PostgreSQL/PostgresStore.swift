public import BrokerCore
import Foundation
public import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The store for several replicas: one PostgreSQL database through a connection pool, every write
/// one transaction, migrated on open under an advisory lock so replicas starting together migrate once.
public final class PostgresStore: BrokerStore {
    let client: PostgresClient
    let logger: Logger
    private let reachability = Reachability()
    private let running: Task<Void, Never>
    public let url: PostgresURL

    /// Connects (TLS as the URL's `sslmode` says) and migrates. `maximumConnections` bounds the pool.
    public init(url: PostgresURL, maximumConnections: Int = 16, operationTimeout: Duration = defaultOperationTimeout, logger: Logger) async throws {
        self.url = url
        self.operationTimeout = operationTimeout
        // Driver logs stay at notice and above: at debug they would carry query binds (sealed bytes, key hashes).
        var driverLogger = logger
        driverLogger.logLevel = max(logger.logLevel, .notice)
        self.logger = driverLogger
        // One direct connection first: a wrong password or certificate fails here at once with the
        // server's reason (the pool would retry quietly), and the schema is migrated on it.
        do {
            try await Self.migrate(url: url, tls: try Self.connectionTLS(for: url), logger: driverLogger)
        } catch {
            throw PostgresStoreError(opening: url, error)
        }
        var configuration: PostgresClient.Configuration
        if let socket = url.socketDirectory {
            configuration = .init(unixSocketPath: Self.socketPath(socket, url.port), username: url.username, password: url.password, database: url.database)
        } else {
            configuration = .init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: Self.clientTLS(for: url))
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: driverLogger)
        self.client = client
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        running = Task {
            startedContinuation.finish()
            await client.run()
        }
        for await _ in started {}
    }

    private static func socketPath(_ directory: String, _ port: Int) -> String { "\(directory)/.s.PGSQL.\(port)" }

    /// Connects to the database a `postgres://` URL names.
    public convenience init(url: String, logger: Logger) async throws {
        try await self.init(url: try PostgresURL(url), logger: logger)
    }

    public func close() async {
        running.cancel()
    }

    deinit { running.cancel() }

    /// What `sslmode` asks for: nil for no TLS, else whether plain text is an acceptable fallback
    /// (`prefer`) and how the server's certificate is checked.
    private static func tlsSettings(for url: PostgresURL) -> (optional: Bool, configuration: TLSConfiguration)? {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let path = url.rootCertificatePath {
            tls.trustRoots = .file(path)
        }
        switch url.tls {
        case .disable: return nil
        case .prefer, .require:
            // libpq's meaning: encrypted, but the certificate is not checked.
            tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        return (url.tls == .prefer, tls)
    }

    private static func clientTLS(for url: PostgresURL) -> PostgresClient.Configuration.TLS {
        guard let settings = tlsSettings(for: url) else { return .disable }
        return settings.optional ? .prefer(settings.configuration) : .require(settings.configuration)
    }

    private static func connectionTLS(for url: PostgresURL) throws -> PostgresConnection.Configuration.TLS {
        guard let settings = tlsSettings(for: url) else { return .disable }
        let context = try NIOSSLContext(configuration: settings.configuration)
        return settings.optional ? .prefer(context) : .require(context)
    }

    // MARK: Migrations

    /// The migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        var names: [String] = []
        for row in try await query("SELECT name FROM credbroker_migrations ORDER BY applied_order", logger: logger) {
            names.append(try row.decode(String.self))
        }
        return names
    }

    private static func migrate(url: PostgresURL, tls: PostgresConnection.Configuration.TLS, logger: Logger) async throws {
        var configuration: PostgresConnection.Configuration
        if let socket = url.socketDirectory {
            configuration = .init(unixSocketPath: socketPath(socket, url.port), username: url.username, password: url.password, database: url.database)
        } else {
            configuration = .init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            try await connection.withTransaction(logger: logger) { connection in
                // One lock id for "credbroker schema": a second replica waits here, then finds nothing to do.
                try await connection.query("SELECT pg_advisory_xact_lock(7267837316153455)", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS credbroker_migrations (name TEXT PRIMARY KEY, applied_order INTEGER NOT NULL, applied_at DOUBLE PRECISION NOT NULL)",
                    logger: logger)
                var applied: Set<String> = []
                for try await name in try await connection.query("SELECT name FROM credbroker_migrations", logger: logger).decode(String.self) {
                    applied.insert(name)
                }
                for (order, migration) in PostgresMigrations.all.enumerated() where !applied.contains(migration.name) {
                    for statement in migration.sql {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO credbroker_migrations (name, applied_order, applied_at) VALUES (\(migration.name), \(order + 1), \(Date().timeIntervalSince1970))",
                        logger: logger)
                }
            }
        } catch {
            try? await connection.close()
            throw (error as? PostgresTransactionError)?.closureError ?? error
        }
        try await connection.close()
    }

    /// How long one store operation may take, waiting for a connection included: a database that
    /// went away costs a caller this much, never the pool's minute of retries.
    public static let defaultOperationTimeout: Duration = .seconds(5)
    /// This store's bound (`defaultOperationTimeout` unless the opener chose another).
    public let operationTimeout: Duration

    /// One statement on a pooled connection, its rows read in full.
    @discardableResult
    func query(_ statement: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await bounded { [client] in try await client.query(statement, logger: logger).collect() }
    }

    /// A pooled connection for several statements (reads that need no transaction).
    func withConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await bounded { [client] in try await client.withConnection { connection in try await body(connection) } }
    }

    /// One transaction on a pooled connection; the body's own error is what the caller sees.
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await bounded { [client, logger] in
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error
            }
        }
    }

    /// SQLSTATE classes that say the server is going away rather than that the statement was wrong:
    /// connection exceptions (08), insufficient resources (53), operator intervention (57: shutdown, terminated).
    static func meansUnavailable(_ sqlState: String?) -> Bool {
        guard let sqlState else { return false }
        return ["08", "53", "57"].contains(String(sqlState.prefix(2)))
    }

    /// Runs `operation` for at most `operationTimeout`. Failing to reach the database (a timeout, the
    /// pool giving up) becomes `store_unavailable`; what the database answered stays as it was.
    /// Once the database is found unreachable, operations fail at once, except one probe a second,
    /// until a probe gets through: an outage costs callers nothing but the answer.
    private func bounded<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
        guard reachability.admit() else {
            throw BrokerError.storeUnavailable("The database cannot be reached; try again shortly.")
        }
        do {
            let result = try await attempt(operation)
            reachability.succeeded()
            return result
        } catch let error as BrokerError where error.isStoreUnavailable {
            reachability.failed()
            throw error
        } catch {
            // The database answered (a conflict, a constraint), or the caller went away.
            reachability.succeeded()
            throw error
        }
    }

    private func attempt<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
        do {
            return try await withDeadline(
                operationTimeout,
                orThrow: { [operationTimeout] in BrokerError.storeUnavailable("The database did not answer within \(operationTimeout); try again shortly.") },
                operation)
        } catch let error as BrokerError {
            throw error
        } catch let error as PSQLError where error.serverInfo != nil && !Self.meansUnavailable(error.serverInfo?[.sqlState]) {
            throw error
        } catch let error as PostgresDecodingError {
            throw error
        } catch {
            if Task.isCancelled { throw error }
            // Connecting failed, the connection broke, or the pool gave up: the database is out of reach.
            throw BrokerError.storeUnavailable("The database cannot be reached; try again shortly.")
        }
    }

    // MARK: IntegrationStore

    public func create(_ integration: Integration, secrets: [SecretField: SealedSecret]) async throws {
        let settings = StoredForm.text(of: integration.settings)
        let lastError = try StoredForm.text(of: integration.lastError)
        try await transaction { [logger] connection in
            let inserted = try await connection.query(
                """
                INSERT INTO integrations (name, kind, display_name, settings, status, linked_account, linked_subject,
                    last_verified_at, last_token_at, last_used_at, last_error, created_at, updated_at, revision)
                VALUES (\(integration.name.rawValue), \(integration.kind.rawValue), \(integration.displayName), \(settings), \(integration.status.rawValue),
                    \(integration.linkedAccount), \(integration.linkedSubject), \(integration.lastVerifiedAt?.timeIntervalSince1970),
                    \(integration.lastTokenAt?.timeIntervalSince1970), \(integration.lastUsedAt?.timeIntervalSince1970), \(lastError),
                    \(integration.createdAt.timeIntervalSince1970), \(integration.updatedAt.timeIntervalSince1970), \(integration.revision))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: logger
            ).count()
            guard inserted == 1 else { throw BrokerError.nameTaken(integration.name) }
            try await Self.store(secrets, of: integration.name, at: integration.updatedAt, on: connection, logger: logger)
        }
    }

    public func integration(named name: IntegrationName) async throws -> Integration? {
        try await withConnection { [logger] connection in
            let rows = try await connection.query("SELECT * FROM integrations WHERE name = \(name.rawValue)", logger: logger).collect()
            guard let row = rows.first else { return nil }
            let secrets = try await Self.secretMetadata(of: [name.rawValue], on: connection, logger: logger)
            return try Self.integration(from: row.makeRandomAccess(), secrets: secrets[name.rawValue] ?? [:])
        }
    }

    public func list(_ query: IntegrationQuery) async throws -> [Integration] {
        if query.patterns.isEmpty { return [] }
        var clauses: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: String) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let after = query.after { clauses.append("name > " + bind(after.rawValue)) }
        if let kind = query.kind { clauses.append("kind = " + bind(kind.rawValue)) }
        if let status = query.status { clauses.append("status = " + bind(status.rawValue)) }
        if !query.patterns.contains(.everything) {
            clauses.append("(" + query.patterns.map { "name LIKE " + bind(Self.likePattern($0)) }.joined(separator: " OR ") + ")")
        }
        binds.append(query.limit)
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let sql = PostgresQuery(unsafeSQL: "SELECT * FROM integrations \(whereClause) ORDER BY name LIMIT $\(binds.count)", binds: binds)
        return try await withConnection { [logger] connection in
            let rows = try await connection.query(sql, logger: logger).collect().map { $0.makeRandomAccess() }
            let secrets = try await Self.secretMetadata(of: try rows.map { try $0["name"].decode(String.self) }, on: connection, logger: logger)
            return try rows.map { row in try Self.integration(from: row, secrets: secrets[try row["name"].decode(String.self)] ?? [:]) }
        }
    }

    /// A name pattern as LIKE reads it: `*` and `?` become `%` and `_`, and a literal `_` is escaped.
    static func likePattern(_ pattern: IntegrationPattern) -> String {
        var like = ""
        for character in pattern.rawValue {
            switch character {
            case "*": like += "%"
            case "?": like += "_"
            case "_", "%", "\\": like += "\\" + String(character)
            default: like.append(character)
            }
        }
        return like
    }

    public func update(_ integration: Integration, expectedRevision: Int, secrets: [SecretField: SealedSecret], removing: Set<SecretField>) async throws -> Integration {
        var next = integration
        next.revision = expectedRevision + 1
        let stored = next
        let settings = StoredForm.text(of: stored.settings)
        let lastError = try StoredForm.text(of: stored.lastError)
        let name = stored.name.rawValue
        let revision = stored.revision
        return try await transaction { [logger] connection in
            let changed = try await connection.query(
                """
                UPDATE integrations SET display_name = \(stored.displayName), settings = \(settings), status = \(stored.status.rawValue),
                    linked_account = \(stored.linkedAccount), linked_subject = \(stored.linkedSubject),
                    last_verified_at = \(stored.lastVerifiedAt?.timeIntervalSince1970), last_token_at = \(stored.lastTokenAt?.timeIntervalSince1970),
                    last_used_at = \(stored.lastUsedAt?.timeIntervalSince1970), last_error = \(lastError),
                    updated_at = \(stored.updatedAt.timeIntervalSince1970), revision = \(revision)
                WHERE name = \(name) AND revision = \(expectedRevision) RETURNING 1
                """, logger: logger
            ).count()
            guard changed == 1 else {
                let exists = try await connection.query("SELECT 1 FROM integrations WHERE name = \(name)", logger: logger).count() == 1
                throw exists ? StoredForm.staleRevision(stored.name) : BrokerError.integrationNotFound(name)
            }
            for field in removing {
                try await connection.query("DELETE FROM integration_secrets WHERE integration = \(name) AND field = \(field.rawValue)", logger: logger)
            }
            try await Self.store(secrets, of: stored.name, at: stored.updatedAt, on: connection, logger: logger)
            var result = stored
            result.secrets = try await Self.secretMetadata(of: [name], on: connection, logger: logger)[name] ?? [:]
            return result
        }
    }

    public func delete(named name: IntegrationName) async throws -> Bool {
        // Secrets, link sessions, cached tokens and leases go with it (ON DELETE CASCADE).
        try await query("DELETE FROM integrations WHERE name = \(name.rawValue) RETURNING 1", logger: logger).count > 0
    }

    public func sealedSecrets(of name: IntegrationName) async throws -> [SecretField: SealedSecret] {
        var result: [SecretField: SealedSecret] = [:]
        let rows = try await query("SELECT field, sealed FROM integration_secrets WHERE integration = \(name.rawValue)", logger: logger)
        for (rawField, bytes) in try rows.decode((String, ByteBuffer).self) {
            guard let field = SecretField(rawValue: rawField) else { continue }
            result[field] = try StoredForm.sealed(Array(bytes.readableBytesView), field: rawField, of: name.rawValue)
        }
        return result
    }

    public func integrationCountsByStatus() async throws -> [IntegrationStatus: Int] {
        var counts: [IntegrationStatus: Int] = [:]
        for (status, count) in try await query("SELECT status, COUNT(*) FROM integrations GROUP BY status", logger: logger).decode((String, Int).self) {
            if let status = IntegrationStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    public func secretCountsByKeyVersion() async throws -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        let rows = try await query("SELECT key_version, COUNT(*) FROM integration_secrets GROUP BY key_version", logger: logger)
        for (version, count) in try rows.decode((Int64, Int).self) {
            counts[UInt32(version)] = count
        }
        return counts
    }

    public func ping() async throws {
        try await query("SELECT 1", logger: logger)
    }

    public func secrets(notSealedUnder keyVersion: UInt32, after: StoredSecret.Position?, limit: Int) async throws -> [StoredSecret] {
        let version = Int64(keyVersion)
        let rows: [PostgresRow]
        if let after {
            rows = try await query(
                """
                SELECT integration, field, sealed FROM integration_secrets
                WHERE (integration, field) > (\(after.integration.rawValue), \(after.field.rawValue)) AND key_version <> \(version)
                ORDER BY integration, field LIMIT \(limit)
                """, logger: logger)
        } else {
            rows = try await query(
                "SELECT integration, field, sealed FROM integration_secrets WHERE key_version <> \(version) ORDER BY integration, field LIMIT \(limit)",
                logger: logger)
        }
        var result: [StoredSecret] = []
        for (rawName, rawField, bytes) in try rows.decode((String, String, ByteBuffer).self) {
            guard let name = IntegrationName(rawName), let field = SecretField(rawValue: rawField) else {
                throw BrokerError.internalError("The sealed \(rawField) of '\(rawName)' is corrupt in the store.")
            }
            let sealed = try StoredForm.sealed(Array(bytes.readableBytesView), field: rawField, of: rawName)
            result.append(StoredSecret(position: .init(integration: name, field: field), sealed: sealed))
        }
        return result
    }

    public func replaceSealed(_ replacements: [(read: StoredSecret, rewrapped: SealedSecret)]) async throws -> Int {
        guard !replacements.isEmpty else { return 0 }
        // One statement for the whole batch: each row is replaced only if its bytes are still the ones read.
        let names = replacements.map(\.read.position.integration.rawValue)
        let fields = replacements.map(\.read.position.field.rawValue)
        let versions = replacements.map { Int64($0.rewrapped.keyVersion) }
        let read = replacements.map { ByteBuffer(bytes: $0.read.sealed.serialized) }
        let rewrapped = replacements.map { ByteBuffer(bytes: $0.rewrapped.serialized) }
        return try await query(
            """
            UPDATE integration_secrets AS s SET key_version = u.version, sealed = u.rewrapped
            FROM unnest(\(names)::text[], \(fields)::text[], \(versions)::bigint[], \(read)::bytea[], \(rewrapped)::bytea[])
                AS u(integration, field, version, read, rewrapped)
            WHERE s.integration = u.integration AND s.field = u.field AND s.sealed = u.read
            RETURNING 1
            """, logger: logger
        ).count
    }

    // MARK: Rows

    static func store(_ secrets: [SecretField: SealedSecret], of name: IntegrationName, at date: Date, on connection: PostgresConnection, logger: Logger) async throws {
        for (field, sealed) in secrets {
            try await connection.query(
                """
                INSERT INTO integration_secrets (integration, field, key_version, sealed, updated_at)
                VALUES (\(name.rawValue), \(field.rawValue), \(Int64(sealed.keyVersion)), \(ByteBuffer(bytes: sealed.serialized)), \(date.timeIntervalSince1970))
                ON CONFLICT (integration, field) DO UPDATE SET key_version = excluded.key_version, sealed = excluded.sealed, updated_at = excluded.updated_at
                """, logger: logger)
        }
    }

    static func secretMetadata(of names: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: [SecretField: SecretMetadata]] {
        guard !names.isEmpty else { return [:] }
        var result: [String: [SecretField: SecretMetadata]] = [:]
        let rows = try await connection.query(
            "SELECT integration, field, key_version, updated_at FROM integration_secrets WHERE integration = ANY(\(names))", logger: logger)
        for try await (name, rawField, version, updatedAt) in rows.decode((String, String, Int64, Double).self) {
            guard let field = SecretField(rawValue: rawField) else { continue }
            result[name, default: [:]][field] = SecretMetadata(updatedAt: Date(timeIntervalSince1970: updatedAt), keyVersion: UInt32(version))
        }
        return result
    }

    static func integration(from row: PostgresRandomAccessRow, secrets: [SecretField: SecretMetadata]) throws -> Integration {
        try StoredForm.integration(
            name: row["name"].decode(String.self), kind: row["kind"].decode(String.self), status: row["status"].decode(String.self),
            settings: row["settings"].decode(String.self), lastError: row["last_error"].decode(String?.self), secrets: secrets,
            date: { column in try row[column].decode(Double?.self).map(Date.init(timeIntervalSince1970:)) },
            text: { column in try row[column].decode(String?.self) },
            revision: row["revision"].decode(Int.self))
    }
}

/// Whether the database was reachable at the last try; while not, it admits one probe a second.
final class Reachability: Sendable {
    private struct State {
        var nextProbe: ContinuousClock.Instant?
        var probing = false
    }
    private let state = Mutex(State())
    private let probeInterval: Duration

    init(probeInterval: Duration = .seconds(1)) {
        self.probeInterval = probeInterval
    }

    /// Whether an operation may try the database now.
    func admit() -> Bool {
        state.withLock { state in
            guard let next = state.nextProbe else { return true }
            guard !state.probing, ContinuousClock.now >= next else { return false }
            state.probing = true
            return true
        }
    }

    func succeeded() {
        state.withLock { $0 = State() }
    }

    func failed() {
        let next = ContinuousClock.now + probeInterval
        state.withLock { state in
            state.nextProbe = next
            state.probing = false
        }
    }
}

/// A database that could not be opened, named without its password.
public struct PostgresStoreError: Error, CustomStringConvertible {
    public let description: String

    init(opening url: PostgresURL, _ error: any Error) {
        let reason = (error as? PSQLError).map(Self.reason) ?? "\(error)"
        description = "cannot open \(url): \(reason)"
    }

    /// PSQLError's own description hides the server's message; the message and SQLSTATE are what help.
    static func reason(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}

extension [PostgresRow] {
    func decode<Column: PostgresDecodable>(_ column: Column.Type) throws -> [Column] {
        try map { try $0.decode(column) }
    }

    func decode<each Column: PostgresDecodable>(_ columns: (repeat each Column).Type) throws -> [(repeat each Column)] {
        try map { try $0.decode(columns) }
    }
}

extension PostgresRowSequence {
    /// Drains the rows and counts them (what `RETURNING 1` reports as the rows a statement changed).
    @discardableResult
    func count() async throws -> Int {
        var count = 0
        for try await _ in self { count += 1 }
        return count
    }
}
