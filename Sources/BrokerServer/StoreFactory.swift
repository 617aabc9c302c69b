import BrokerCore
public import BrokerStorage
public import Logging

/// Opens the store `CREDBROKER_DATABASE` names: a `postgres://` URL (replicas share it) or a SQLite path.
public enum StoreFactory {
    public static func open(_ configuration: BrokerConfiguration, logger: Logger) async throws -> any BrokerStore {
        guard PostgresURL.isPostgres(configuration.database) else {
            if configuration.databasePasswordFile != nil {
                throw ConfigurationError("CREDBROKER_DATABASE_PASSWORD_FILE is set, but CREDBROKER_DATABASE is a SQLite path, which has no password")
            }
            return try SQLiteStore(path: configuration.database)
        }
        do {
            var url = try PostgresURL(configuration.database)
            if let file = configuration.databasePasswordFile {
                url.password = try BrokerConfiguration.readSecretFile(file)
            }
            return try await PostgresStore(url: url, logger: logger)
        } catch let error as PostgresURLError {
            throw ConfigurationError(error.description)
        } catch let error as PostgresStoreError {
            throw ConfigurationError("CREDBROKER_DATABASE: \(error.description)")
        }
    }
}
