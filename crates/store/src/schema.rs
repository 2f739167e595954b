//! Schema and migrations. The DDL is written once with a few placeholders for what the two
//! dialects spell differently (identity keys, byte order collation, blobs, triggers).

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use crate::{Dialect, Store, StoreError};
use sqlx::AssertSqlSafe;
use sqlx::Executor;

/// Version of the schema this build writes. A database at a higher version is refused.
pub const SCHEMA_VERSION: i64 = 5;

const V1: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE organisation (
    id {pk},
    parent_id {int} REFERENCES organisation(id),
    path {path} NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    principal_leader_id {int},
    version {int} NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE person (
    id {pk},
    organisation_id {int} NOT NULL REFERENCES organisation(id),
    name TEXT NOT NULL,
    title TEXT,
    phone TEXT,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX person_org ON person(organisation_id);

CREATE TABLE app_user (
    id {pk},
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id {int} NOT NULL REFERENCES organisation(id),
    person_id {int} REFERENCES person(id),
    password_hash TEXT,
    password_changed_at TEXT,
    must_change {int} NOT NULL DEFAULT 1,
    failed_count {int} NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled {int} NOT NULL DEFAULT 0,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1
);

CREATE TABLE password_history (
    user_id {int} NOT NULL REFERENCES app_user(id),
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, created_at);

CREATE TABLE session (
    key TEXT PRIMARY KEY,
    user_id {int} NOT NULL REFERENCES app_user(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    ip TEXT
);
CREATE INDEX session_by_user ON session(user_id);

CREATE TABLE api_token (
    id {pk},
    user_id {int} NOT NULL REFERENCES app_user(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked {int} NOT NULL DEFAULT 0
);

CREATE TABLE login_failure (ip TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX login_failure_ip ON login_failure(ip, at);

CREATE TABLE round (
    id {pk},
    organisation_id {int} NOT NULL REFERENCES organisation(id),
    name TEXT NOT NULL,
    year {int},
    version {int} NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE inspection (
    id {pk},
    round_id {int} REFERENCES round(id),
    kind TEXT NOT NULL,
    team TEXT,
    inspected_org_id {int} NOT NULL REFERENCES organisation(id),
    org_path {path} NOT NULL,
    title TEXT NOT NULL,
    stationed_from TEXT,
    stationed_to TEXT,
    feedback_on TEXT,
    plan_due TEXT,
    report_due TEXT,
    version {int} NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX inspection_path ON inspection(org_path);

CREATE TABLE aspect (
    id {pk},
    inspection_id {int} NOT NULL REFERENCES inspection(id),
    seq {int} NOT NULL,
    marker TEXT,
    title TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX aspect_inspection ON aspect(inspection_id, seq);

CREATE TABLE problem (
    id {pk},
    inspection_id {int} NOT NULL REFERENCES inspection(id),
    aspect_id {int} NOT NULL REFERENCES aspect(id),
    org_path {path} NOT NULL,
    seq {int} NOT NULL,
    title TEXT NOT NULL,
    detail TEXT,
    severity {int} NOT NULL DEFAULT 1,
    signed_off_at TEXT,
    signed_off_by {int} REFERENCES app_user(id),
    signoff_mac TEXT,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX problem_aspect ON problem(aspect_id, seq);
CREATE INDEX problem_inspection ON problem(inspection_id);

CREATE TABLE measure (
    id {pk},
    problem_id {int} NOT NULL REFERENCES problem(id),
    inspection_id {int} NOT NULL REFERENCES inspection(id),
    org_path {path} NOT NULL,
    seq {int} NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    responsible_unit_id {int} REFERENCES organisation(id),
    lead_unit_id {int} REFERENCES organisation(id),
    co_unit_ids TEXT NOT NULL DEFAULT '[]',
    leader_id {int} REFERENCES person(id),
    owner_id {int} REFERENCES person(id),
    liaison_id {int} REFERENCES person(id),
    deadline TEXT,
    percent {int} NOT NULL DEFAULT 0,
    closed_at TEXT,
    updated_at TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX measure_problem ON measure(problem_id, seq);
CREATE INDEX measure_inspection ON measure(inspection_id, id);
CREATE INDEX measure_path ON measure(org_path, id);
CREATE INDEX measure_deadline ON measure(deadline, id);
CREATE INDEX measure_state ON measure(state, deadline);
CREATE INDEX measure_owner ON measure(owner_id);
CREATE INDEX measure_unit ON measure(responsible_unit_id, id);

CREATE TABLE progress_report (
    id {pk},
    reported_on TEXT NOT NULL,
    text TEXT NOT NULL,
    percent {int} NOT NULL,
    author_id {int} NOT NULL REFERENCES app_user(id),
    created_at TEXT NOT NULL
);

CREATE TABLE report_measure (
    report_id {int} NOT NULL REFERENCES progress_report(id),
    measure_id {int} NOT NULL REFERENCES measure(id),
    PRIMARY KEY (report_id, measure_id)
);
CREATE INDEX report_measure_measure ON report_measure(measure_id);

CREATE TABLE evidence (
    id {pk},
    report_id {int} REFERENCES progress_report(id),
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size {int} NOT NULL,
    org_path {path} NOT NULL,
    uploaded_by {int} NOT NULL REFERENCES app_user(id),
    created_at TEXT NOT NULL
);
CREATE INDEX evidence_report ON evidence(report_id);

CREATE TABLE blob (sha256 TEXT PRIMARY KEY, size {int} NOT NULL, data {blob} NOT NULL);

CREATE TABLE review (
    id {pk},
    measure_id {int} NOT NULL REFERENCES measure(id),
    action TEXT NOT NULL,
    reason TEXT,
    reviewer_id {int} NOT NULL REFERENCES app_user(id),
    at TEXT NOT NULL
);
CREATE INDEX review_measure ON review(measure_id);

CREATE TABLE audit_head (id {int} PRIMARY KEY, seq {int} NOT NULL, hash TEXT NOT NULL);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq {int} PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    role TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    before_json TEXT,
    after_json TEXT,
    outcome TEXT NOT NULL,
    source_ip TEXT,
    request_id TEXT,
    alg TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_object ON audit_log(object_type, object_id, seq);
"#;

const SQLITE_TRIGGERS: &str = r#"
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
"#;

const PG_TRIGGERS: &str = r#"
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"#;

fn render(ddl: &str, d: Dialect) -> String {
    let (pk, int, path, blob) = match d {
        Dialect::Sqlite => (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "INTEGER",
            "TEXT",
            "BLOB",
        ),
        Dialect::Postgres => (
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "BIGINT",
            "TEXT COLLATE \"C\"",
            "BYTEA",
        ),
    };
    ddl.replace("{pk}", pk)
        .replace("{int}", int)
        .replace("{path}", path)
        .replace("{blob}", blob)
}

/// Migrations in order: (version, DDL). A new version appends here; applied ones never change.
const MIGRATIONS: [(i64, &str); 5] = [
    (1, V1),
    (2, include_str!("migrations/v2_office.sql")),
    (3, include_str!("migrations/v3_web.sql")),
    (
        4,
        concat!(
            include_str!("migrations/v4a_lights.sql"),
            include_str!("migrations/v4b_notices.sql"),
            include_str!("migrations/v4c_lookback.sql"),
        ),
    ),
    (5, include_str!("migrations/v5_measure_indexes.sql")),
];

async fn current_version(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
) -> Result<i64, StoreError> {
    let has_meta: Option<(String,)> = match dialect {
        Dialect::Sqlite => {
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
                .fetch_optional(&mut *conn)
                .await?
        }
        Dialect::Postgres => {
            sqlx::query_as(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'meta'",
            )
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    if has_meta.is_none() {
        return Ok(0);
    }
    let v: Option<(String,)> =
        sqlx::query_as("SELECT value FROM meta WHERE key = 'schema_version'")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(v.and_then(|v| v.0.parse().ok()).unwrap_or(0))
}

/// Bring the schema up to [`SCHEMA_VERSION`] in one transaction; refuse newer databases.
/// Several servers starting at once on one database serialise here (an advisory lock on
/// PostgreSQL, the write lock on SQLite) and all but the first find nothing to do.
pub(crate) async fn migrate(store: &Store) -> Result<(), StoreError> {
    let pool = store.pool();
    let mut conn = pool.acquire().await?;
    let current = current_version(&mut conn, store.dialect()).await?;
    drop(conn);
    if current > SCHEMA_VERSION {
        return Err(StoreError::SchemaVersion {
            found: current,
            expected: SCHEMA_VERSION,
        });
    }
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    match store.dialect() {
        Dialect::Postgres => {
            sqlx::query("SELECT pg_advisory_xact_lock(7300219117)")
                .execute(&mut *tx)
                .await?;
        }
        // A write as the first statement takes SQLite's write lock for the whole migration.
        Dialect::Sqlite => {
            sqlx::query("CREATE TABLE IF NOT EXISTS migration_lock (id INTEGER)")
                .execute(&mut *tx)
                .await?;
        }
    }
    let current = current_version(&mut tx, store.dialect()).await?;
    if current >= SCHEMA_VERSION {
        return Ok(());
    }
    for (version, ddl) in MIGRATIONS {
        if version <= current {
            continue;
        }
        (&mut *tx)
            .execute(sqlx::raw_sql(AssertSqlSafe(render(ddl, store.dialect()))))
            .await?;
        if version == 1 {
            let triggers = match store.dialect() {
                Dialect::Sqlite => SQLITE_TRIGGERS,
                Dialect::Postgres => PG_TRIGGERS,
            };
            (&mut *tx).execute(sqlx::raw_sql(triggers)).await?;
            sqlx::query("INSERT INTO meta (key, value) VALUES ('audit_alg', 'sha256')")
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(SCHEMA_VERSION.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{BlobLocation, Dialect, Location, Store};
    use sqlx::AssertSqlSafe;

    /// Several servers starting at once on an empty database all come up, and the schema is
    /// created once.
    #[tokio::test]
    async fn concurrent_first_starts_migrate_once() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location {
            database_url: None,
            data_dir: dir.path().to_path_buf(),
        };
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let l = loc.clone();
                tokio::spawn(async move { Store::open(&l).await.map(|_| ()) })
            })
            .collect();
        for s in starts {
            s.await.unwrap().expect("sqlite start");
        }
        let Ok(admin) = std::env::var("RECTIFY_TEST_PG_URL") else {
            assert!(
                std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
                "PostgreSQL required"
            );
            eprintln!("SKIPPED: PostgreSQL migration test (RECTIFY_TEST_PG_URL not set)");
            return;
        };
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        let db = format!(
            "rectify_m_{}",
            rectify_security::crypto::random_token(9)
                .to_ascii_lowercase()
                .replace(['-', '_'], "x")
        );
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&pool)
            .await
            .unwrap();
        let mut u = url::Url::parse(&admin).unwrap();
        u.set_path(&format!("/{db}"));
        let url = u.to_string();
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move {
                    Store::connect(&url, Dialect::Postgres, BlobLocation::Database).await
                })
            })
            .collect();
        let mut stores = Vec::new();
        for s in starts {
            stores.push(s.await.unwrap().expect("postgres start"));
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_head")
            .fetch_one(stores[0].pool())
            .await
            .unwrap();
        assert_eq!(n, 1, "the schema was created once");
        for s in stores {
            s.close().await;
        }
        let _ = sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(&pool)
        .await;
    }
}
