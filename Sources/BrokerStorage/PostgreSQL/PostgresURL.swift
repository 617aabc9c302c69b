import Foundation

/// A `postgres://user:password@host:port/database?sslmode=…&sslrootcert=…` URL, read the way libpq
/// reads it. The password stays out of `description`, so the URL can be logged.
public struct PostgresURL: Sendable, CustomStringConvertible {
    /// libpq's `sslmode` values; `prefer`, as in libpq, when the URL names none.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// A Unix socket directory (`?host=/run/postgresql`), used instead of TCP.
    public var socketDirectory: String?
    public var tls: TLSMode
    /// CA certificates (PEM) the server's certificate must chain to (`verify-ca`, `verify-full`).
    public var rootCertificatePath: String?

    /// Whether a `CREDBROKER_DATABASE` value names PostgreSQL rather than a SQLite path.
    public static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    public init(_ string: String) throws(PostgresURLError) {
        guard Self.isPostgres(string), let components = URLComponents(string: string) else {
            throw PostgresURLError("is not a postgres:// URL")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard let value = item.value else { throw PostgresURLError("the parameter '\(item.name)' has no value") }
            query[item.name] = value
        }
        let known: Set = ["sslmode", "sslrootcert", "host", "port", "user", "dbname"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresURLError("unknown parameter '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        let socket = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"].flatMap { $0.hasPrefix("/") ? nil : $0 } ?? "localhost"
        socketDirectory = socket
        if let rawPort = query["port"] {
            guard let value = Int(rawPort) else { throw PostgresURLError("port '\(rawPort)' is not a number") }
            port = value
        } else {
            port = components.port ?? 5432
        }
        guard (1...65535).contains(port) else { throw PostgresURLError("port \(port) is out of range") }
        username = components.user.flatMap { $0.removingPercentEncoding } ?? query["user"] ?? "credbroker"
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 } ?? query["dbname"] ?? username
        guard let mode = TLSMode(rawValue: query["sslmode"] ?? "prefer") else {
            throw PostgresURLError("sslmode '\(query["sslmode"] ?? "")' is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        tls = mode
        rootCertificatePath = query["sslrootcert"]
        if (mode == .verifyCA || mode == .verifyFull) && rootCertificatePath == nil {
            // libpq would read ~/.postgresql/root.crt; a service should say which CA it trusts.
            throw PostgresURLError("sslmode=\(mode.rawValue) needs sslrootcert=<CA bundle path>")
        }
    }

    public var description: String {
        let location = socketDirectory.map { "socket \($0)/.s.PGSQL.\(port)" } ?? "\(host):\(port)"
        return "postgres://\(username)@\(location)/\(database) (sslmode=\(tls.rawValue))"
    }
}

/// Why a PostgreSQL URL was refused; never repeats the URL, which may hold a password.
public struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ problem: String) { description = "CREDBROKER_DATABASE: the PostgreSQL URL " + problem }
}
