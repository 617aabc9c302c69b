import BrokerCore
public import BrokerStorage

/// Opens the store `CREDBROKER_DATABASE` names: a SQLite path (PostgreSQL URLs come with the replicas work).
public enum StoreFactory {
    public static func open(_ database: String) throws -> SQLiteStore {
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            throw ConfigurationError("CREDBROKER_DATABASE: PostgreSQL is not supported by this build yet; use a SQLite path")
        }
        return try SQLiteStore(path: database)
    }
}
