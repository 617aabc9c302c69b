import GRDB

/// The SQLite schema, one registered migration per change; GRDB records applied ones in `grdb_migrations`.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-integrations-and-clients") { db in
            try db.execute(sql: """
                CREATE TABLE integrations (
                    name TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    display_name TEXT,
                    settings TEXT NOT NULL,
                    status TEXT NOT NULL,
                    linked_account TEXT,
                    linked_subject TEXT,
                    last_verified_at REAL,
                    last_token_at REAL,
                    last_used_at REAL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    revision INTEGER NOT NULL
                );
                CREATE INDEX integrations_kind ON integrations(kind, name);
                CREATE INDEX integrations_status ON integrations(status, name);
                CREATE TABLE integration_secrets (
                    integration TEXT NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    field TEXT NOT NULL,
                    key_version INTEGER NOT NULL,
                    sealed BLOB NOT NULL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (integration, field)
                );
                CREATE INDEX integration_secrets_key_version ON integration_secrets(key_version);
                CREATE TABLE clients (
                    name TEXT PRIMARY KEY NOT NULL,
                    roles TEXT NOT NULL,
                    patterns TEXT NOT NULL,
                    mtls_identity TEXT UNIQUE,
                    api_key_hash TEXT UNIQUE,
                    created_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-link-sessions") { db in
            try db.execute(sql: """
                CREATE TABLE link_sessions (
                    id TEXT PRIMARY KEY NOT NULL,
                    integration TEXT NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    return_to TEXT,
                    created_by TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    started_at REAL,
                    state_hash TEXT UNIQUE,
                    browser_hash TEXT,
                    completed_at REAL
                );
                CREATE INDEX link_sessions_expires ON link_sessions(expires_at);
                CREATE INDEX link_sessions_integration ON link_sessions(integration);
                """)
        }
        migrator.registerMigration("v3-cached-tokens") { db in
            try db.execute(sql: """
                CREATE TABLE cached_tokens (
                    integration TEXT NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    cache_key TEXT NOT NULL,
                    sealed BLOB NOT NULL,
                    key_version INTEGER NOT NULL,
                    token_type TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    issued_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    PRIMARY KEY (integration, cache_key)
                );
                """)
        }
        migrator.registerMigration("v4-refresh-leases") { db in
            // Which replica may call the provider for a token now; the generation fences a stalled holder.
            try db.execute(sql: """
                CREATE TABLE refresh_leases (
                    integration TEXT NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    cache_key TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    holder TEXT NOT NULL,
                    expires_at REAL NOT NULL,
                    PRIMARY KEY (integration, cache_key)
                );
                """)
        }
        return migrator
    }
}
