public import BrokerCore
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode, written in transactions, migrated on open.
public final class SQLiteStore: BrokerStore {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating with mode 0600 if needed) and migrates the database at `path`.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // Create the file owner-only before SQLite does; its -wal and -shm files copy these permissions.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // Deleted sealed secrets are overwritten with zeros, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteMigrations.migrator.migrate(pool)
    }

    /// The migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    public func close() async {
        try? pool.close()
    }

    // MARK: IntegrationStore

    public func create(_ integration: Integration, secrets: [SecretField: SealedSecret]) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM integrations WHERE name = ?", arguments: [integration.name.rawValue]) == true {
                throw BrokerError.nameTaken(integration.name)
            }
            try Self.insert(integration, db: db)
            try Self.store(secrets, of: integration.name, at: integration.updatedAt, db: db)
        }
    }

    public func integration(named name: IntegrationName) async throws -> Integration? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM integrations WHERE name = ?", arguments: [name.rawValue]) else { return nil }
            return try Self.integration(from: row, secrets: Self.secretMetadata(of: [name.rawValue], db: db)[name.rawValue] ?? [:])
        }
    }

    public func list(_ query: IntegrationQuery) async throws -> [Integration] {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let after = query.after {
                clauses.append("name > ?")
                arguments.append(after.rawValue)
            }
            if let kind = query.kind {
                clauses.append("kind = ?")
                arguments.append(kind.rawValue)
            }
            if let status = query.status {
                clauses.append("status = ?")
                arguments.append(status.rawValue)
            }
            if query.patterns.isEmpty { return [] }
            if !query.patterns.contains(.everything) {
                // Patterns allow only name characters, '*' and '?', which GLOB reads exactly as we do.
                clauses.append("(" + query.patterns.map { _ in "name GLOB ?" }.joined(separator: " OR ") + ")")
                arguments.append(contentsOf: query.patterns.map(\.rawValue))
            }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments.append(query.limit)
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM integrations \(whereClause) ORDER BY name LIMIT ?", arguments: StatementArguments(arguments))
            let secrets = try Self.secretMetadata(of: rows.map { $0["name"] }, db: db)
            return try rows.map { row in try Self.integration(from: row, secrets: secrets[row["name"]] ?? [:]) }
        }
    }

    public func update(_ integration: Integration, expectedRevision: Int, secrets: [SecretField: SealedSecret], removing: Set<SecretField>) async throws -> Integration {
        try await pool.write { db in
            var stored = integration
            stored.revision = expectedRevision + 1
            let lastError = try StoredForm.text(of: stored.lastError)
            try db.execute(
                sql: """
                    UPDATE integrations SET display_name = ?, settings = ?, status = ?, linked_account = ?, linked_subject = ?,
                        last_verified_at = ?, last_token_at = ?, last_used_at = ?, last_error = ?, updated_at = ?, revision = ?
                    WHERE name = ? AND revision = ?
                    """,
                arguments: [
                    stored.displayName, StoredForm.text(of: stored.settings), stored.status.rawValue,
                    stored.linkedAccount, stored.linkedSubject, stored.lastVerifiedAt?.timeIntervalSince1970,
                    stored.lastTokenAt?.timeIntervalSince1970, stored.lastUsedAt?.timeIntervalSince1970, lastError,
                    stored.updatedAt.timeIntervalSince1970, stored.revision, stored.name.rawValue, expectedRevision,
                ])
            guard db.changesCount == 1 else {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM integrations WHERE name = ?", arguments: [stored.name.rawValue]) == true {
                    throw StoredForm.staleRevision(stored.name)
                }
                throw BrokerError.integrationNotFound(stored.name.rawValue)
            }
            for field in removing {
                try db.execute(sql: "DELETE FROM integration_secrets WHERE integration = ? AND field = ?", arguments: [stored.name.rawValue, field.rawValue])
            }
            try Self.store(secrets, of: stored.name, at: stored.updatedAt, db: db)
            stored.secrets = try Self.secretMetadata(of: [stored.name.rawValue], db: db)[stored.name.rawValue] ?? [:]
            return stored
        }
    }

    public func delete(named name: IntegrationName) async throws -> Bool {
        let deleted = try await pool.write { db in
            try db.execute(sql: "DELETE FROM integration_secrets WHERE integration = ?", arguments: [name.rawValue])
            try db.execute(sql: "DELETE FROM integrations WHERE name = ?", arguments: [name.rawValue])
            return db.changesCount > 0
        }
        if deleted {
            // secure_delete zeroes the freed pages in the database; the WAL still holds the frames that
            // wrote them until it is checkpointed and truncated. Best effort: a busy reader only delays it.
            _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
        return deleted
    }

    public func sealedSecrets(of name: IntegrationName) async throws -> [SecretField: SealedSecret] {
        try await pool.read { db in
            var result: [SecretField: SealedSecret] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT field, sealed FROM integration_secrets WHERE integration = ?", arguments: [name.rawValue]) {
                guard let field = SecretField(rawValue: row["field"]) else { continue }
                let bytes: Data = row["sealed"]
                result[field] = try StoredForm.sealed(Array(bytes), field: field.rawValue, of: name.rawValue)
            }
            return result
        }
    }

    public func integrationCountsByStatus() async throws -> [IntegrationStatus: Int] {
        try await pool.read { db in
            var counts: [IntegrationStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM integrations GROUP BY status") {
                if let status = IntegrationStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func secretCountsByKeyVersion() async throws -> [UInt32: Int] {
        try await pool.read { db in
            var counts: [UInt32: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key_version, COUNT(*) AS n FROM integration_secrets GROUP BY key_version") {
                counts[UInt32(row["key_version"] as Int64)] = row["n"]
            }
            return counts
        }
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func secrets(notSealedUnder keyVersion: UInt32, after: StoredSecret.Position?, limit: Int) async throws -> [StoredSecret] {
        try await pool.read { db in
            let rows: RowCursor
            if let after {
                rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT integration, field, sealed FROM integration_secrets
                        WHERE (integration, field) > (?, ?) AND key_version != ?
                        ORDER BY integration, field LIMIT ?
                        """,
                    // The row-value comparison lets SQLite start the primary-key scan at the cursor.
                    arguments: [after.integration.rawValue, after.field.rawValue, Int64(keyVersion), limit])
            } else {
                rows = try Row.fetchCursor(
                    db, sql: "SELECT integration, field, sealed FROM integration_secrets WHERE key_version != ? ORDER BY integration, field LIMIT ?",
                    arguments: [Int64(keyVersion), limit])
            }
            var secrets: [StoredSecret] = []
            secrets.reserveCapacity(limit)
            // Columns by index: a batch is thousands of rows, and lookups by name compare strings.
            while let row = try rows.next() {
                let rawName: String = row[0]
                let rawField: String = row[1]
                let bytes: Data = row[2]
                guard let name = IntegrationName(rawName), let field = SecretField(rawValue: rawField),
                    let sealed = SealedSecret(serialized: [UInt8](bytes))
                else { throw BrokerError.internalError("The sealed \(rawField) of '\(rawName)' is corrupt in the store.") }
                secrets.append(StoredSecret(position: .init(integration: name, field: field), sealed: sealed))
            }
            return secrets
        }
    }

    public func replaceSealed(_ replacements: [(read: StoredSecret, rewrapped: SealedSecret)]) async throws -> Int {
        try await pool.write { db in
            var changed = 0
            let statement = try db.cachedStatement(
                sql: "UPDATE integration_secrets SET key_version = ?, sealed = ? WHERE integration = ? AND field = ? AND sealed = ?")
            for (read, rewrapped) in replacements {
                try statement.execute(arguments: [
                    Int64(rewrapped.keyVersion), Data(rewrapped.serialized), read.position.integration.rawValue,
                    read.position.field.rawValue, Data(read.sealed.serialized),
                ])
                changed += db.changesCount
            }
            return changed
        }
    }

    // MARK: ClientStore

    public func add(_ client: Client) async throws {
        try await pool.write { db in
            do {
                try db.execute(
                    sql: "INSERT INTO clients (name, roles, patterns, mtls_identity, api_key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        client.name, StoredForm.rolesText(client), StoredForm.patternsText(client), client.mtlsIdentity, client.apiKeyHash,
                        client.createdAt.timeIntervalSince1970,
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoredForm.conflict()
            }
        }
    }

    public func client(named name: String) async throws -> Client? {
        try await fetchClient(sql: "SELECT * FROM clients WHERE name = ?", name)
    }

    public func client(apiKeyHash: String) async throws -> Client? {
        try await fetchClient(sql: "SELECT * FROM clients WHERE api_key_hash = ?", apiKeyHash)
    }

    public func client(mtlsIdentity: String) async throws -> Client? {
        try await fetchClient(sql: "SELECT * FROM clients WHERE mtls_identity = ?", mtlsIdentity)
    }

    public func clients() async throws -> [Client] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM clients ORDER BY name").map(Self.client(from:)) }
    }

    public func removeClient(named name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM clients WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    private func fetchClient(sql: String, _ argument: String) async throws -> Client? {
        try await pool.read { db in try Row.fetchOne(db, sql: sql, arguments: [argument]).map(Self.client(from:)) }
    }

    // MARK: Rows

    private static func insert(_ integration: Integration, db: Database) throws {
        let lastError = try StoredForm.text(of: integration.lastError)
        try db.execute(
            sql: """
                INSERT INTO integrations (name, kind, display_name, settings, status, linked_account, linked_subject,
                    last_verified_at, last_token_at, last_used_at, last_error, created_at, updated_at, revision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                integration.name.rawValue, integration.kind.rawValue, integration.displayName,
                StoredForm.text(of: integration.settings), integration.status.rawValue,
                integration.linkedAccount, integration.linkedSubject, integration.lastVerifiedAt?.timeIntervalSince1970,
                integration.lastTokenAt?.timeIntervalSince1970, integration.lastUsedAt?.timeIntervalSince1970, lastError,
                integration.createdAt.timeIntervalSince1970, integration.updatedAt.timeIntervalSince1970, integration.revision,
            ])
    }

    private static func store(_ secrets: [SecretField: SealedSecret], of name: IntegrationName, at date: Date, db: Database) throws {
        for (field, sealed) in secrets {
            try db.execute(
                sql: """
                    INSERT INTO integration_secrets (integration, field, key_version, sealed, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (integration, field) DO UPDATE SET key_version = excluded.key_version, sealed = excluded.sealed, updated_at = excluded.updated_at
                    """,
                arguments: [name.rawValue, field.rawValue, Int64(sealed.keyVersion), Data(sealed.serialized), date.timeIntervalSince1970])
        }
    }

    private static func secretMetadata(of names: [String], db: Database) throws -> [String: [SecretField: SecretMetadata]] {
        guard !names.isEmpty else { return [:] }
        var result: [String: [SecretField: SecretMetadata]] = [:]
        let placeholders = names.map { _ in "?" }.joined(separator: ",")
        for row in try Row.fetchAll(
            db, sql: "SELECT integration, field, key_version, updated_at FROM integration_secrets WHERE integration IN (\(placeholders))",
            arguments: StatementArguments(names))
        {
            guard let field = SecretField(rawValue: row["field"]) else { continue }
            result[row["integration"], default: [:]][field] = SecretMetadata(
                updatedAt: Date(timeIntervalSince1970: row["updated_at"]), keyVersion: UInt32(row["key_version"] as Int64))
        }
        return result
    }

    private static func integration(from row: Row, secrets: [SecretField: SecretMetadata]) throws -> Integration {
        try StoredForm.integration(
            name: row["name"], kind: row["kind"], status: row["status"], settings: row["settings"], lastError: row["last_error"], secrets: secrets,
            date: { column in (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) },
            text: { column in row[column] },
            revision: row["revision"])
    }

    private static func client(from row: Row) -> Client {
        StoredForm.client(
            name: row["name"], roles: row["roles"], patterns: row["patterns"], mtlsIdentity: row["mtls_identity"], apiKeyHash: row["api_key_hash"],
            createdAt: row["created_at"])
    }
}
