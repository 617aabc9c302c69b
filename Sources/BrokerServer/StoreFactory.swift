import BrokerCore
public import BrokerStorage
public import Logging

/// Opens the store `CREDBROKER_DATABASE` names: a `postgres://` URL (replicas share it) or a SQLite path.
public enum StoreFactory {
    public static func open(_ database: String, logger: Logger) async throws -> any BrokerStore {
        if PostgresURL.isPostgres(database) {
            do {
                return try await PostgresStore(url: try PostgresURL(database), logger: logger)
            } catch let error as PostgresURLError {
                throw ConfigurationError(error.description)
            } catch let error as PostgresStoreError {
                throw ConfigurationError("CREDBROKER_DATABASE: \(error.description)")
            }
        }
        return try SQLiteStore(path: database)
    }
}
