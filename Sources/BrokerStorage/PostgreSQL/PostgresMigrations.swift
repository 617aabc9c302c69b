/// The PostgreSQL schema: the same tables, columns and migration names as SQLite's, in PostgreSQL's
/// dialect. Names sort bytewise (`COLLATE "C"`) so pages and rewrap batches come in the same order
/// on both stores; times are epoch seconds (`DOUBLE PRECISION`), so a `Date` round-trips exactly.
enum PostgresMigrations {
    static let all: [(name: String, sql: [String])] = [
        (
            "v1-integrations-and-clients",
            [
                """
                CREATE TABLE integrations (
                    name TEXT COLLATE "C" PRIMARY KEY,
                    kind TEXT NOT NULL,
                    display_name TEXT,
                    settings TEXT NOT NULL,
                    status TEXT NOT NULL,
                    linked_account TEXT,
                    linked_subject TEXT,
                    last_verified_at DOUBLE PRECISION,
                    last_token_at DOUBLE PRECISION,
                    last_used_at DOUBLE PRECISION,
                    last_error TEXT,
                    created_at DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL,
                    revision BIGINT NOT NULL
                )
                """,
                "CREATE INDEX integrations_kind ON integrations(kind, name)",
                "CREATE INDEX integrations_status ON integrations(status, name)",
                """
                CREATE TABLE integration_secrets (
                    integration TEXT COLLATE "C" NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    field TEXT COLLATE "C" NOT NULL,
                    key_version BIGINT NOT NULL,
                    sealed BYTEA NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (integration, field)
                )
                """,
                "CREATE INDEX integration_secrets_key_version ON integration_secrets(key_version)",
                """
                CREATE TABLE clients (
                    name TEXT COLLATE "C" PRIMARY KEY,
                    roles TEXT NOT NULL,
                    patterns TEXT NOT NULL,
                    mtls_identity TEXT UNIQUE,
                    api_key_hash TEXT UNIQUE,
                    created_at DOUBLE PRECISION NOT NULL
                )
                """,
            ]
        ),
        (
            "v2-link-sessions",
            [
                """
                CREATE TABLE link_sessions (
                    id TEXT PRIMARY KEY,
                    integration TEXT COLLATE "C" NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    return_to TEXT,
                    created_by TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    started_at DOUBLE PRECISION,
                    state_hash TEXT UNIQUE,
                    browser_hash TEXT,
                    completed_at DOUBLE PRECISION
                )
                """,
                "CREATE INDEX link_sessions_expires ON link_sessions(expires_at)",
                "CREATE INDEX link_sessions_integration ON link_sessions(integration)",
            ]
        ),
        (
            "v3-cached-tokens",
            [
                """
                CREATE TABLE cached_tokens (
                    integration TEXT COLLATE "C" NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    cache_key TEXT NOT NULL,
                    sealed BYTEA NOT NULL,
                    key_version BIGINT NOT NULL,
                    token_type TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    issued_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (integration, cache_key)
                )
                """
            ]
        ),
        (
            "v4-refresh-leases",
            [
                """
                CREATE TABLE refresh_leases (
                    integration TEXT COLLATE "C" NOT NULL REFERENCES integrations(name) ON DELETE CASCADE,
                    cache_key TEXT NOT NULL,
                    generation BIGINT NOT NULL,
                    holder TEXT NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (integration, cache_key)
                )
                """
            ]
        ),
    ]
}
