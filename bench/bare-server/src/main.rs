//! The floor for `scripts/bench-api`: axum 0.8 + sqlx's `Any` driver on Rectify's database,
//! serving the same two reads as `GET /api/v1/measures` (filtered page + total count) and
//! `GET /api/v1/measures/{id}`, with the same SQL text, pool and pragmas as rectify-store, the
//! same row decoding and JSON shape, and nothing else: no auth, audit, metrics or middleware.
//!
//!   bare-server --addr 127.0.0.1:18081 --db target/bench-api/city/rectify.db [--scope /1/]
//!   GET /measures?inspection_id=N&state=in_progress&per_page=25[&page=1]
//!   GET /measures/{id}
//!
//! The scope (an organisation path) stands in for the signed-in user's subtree; by default it is
//! the root organisation's path, as for an office account at the root. `--token-lookup HASH`
//! (a profiling aid, not used for the floor) adds Rectify's bearer-token query to each request.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow, install_default_drivers};
use sqlx::{AnyPool, AssertSqlSafe, Executor, Row};

/// Copied from rectify-store (`crates/store/src/ledger.rs`).
const MEASURE_COLUMNS: &str = "m.id, m.problem_id, m.inspection_id, m.seq, m.text, m.kind, m.state, m.responsible_unit_id, m.lead_unit_id, \
    m.co_unit_ids, m.leader_id, m.owner_id, m.liaison_id, m.deadline, m.percent, m.version";

#[derive(Clone)]
struct App {
    pool: AnyPool,
    scope: String,
    upper: String,
    /// Profiling aid (`--token-lookup HASH`): run Rectify's bearer-token query per request.
    token_hash: Option<String>,
}

/// The statement `Store::token` runs for every bearer request (crates/store/src/sessions.rs).
const TOKEN_SQL: &str = "SELECT t.id AS t_id, t.name AS t_name, u.id, u.login, u.display_name, u.role, u.organisation_id, o.path AS org_path, u.person_id, \
    u.password_hash, u.password_changed_at, u.must_change, u.failed_count, u.locked_until, u.disabled, u.last_login_at, u.created_at, u.version \
    FROM api_token t JOIN app_user u ON u.id = t.user_id JOIN organisation o ON o.id = u.organisation_id \
    WHERE t.token_hash = $1 AND t.revoked = 0";

impl App {
    async fn auth(&self) -> Result<(), Fail> {
        let Some(h) = &self.token_hash else {
            return Ok(());
        };
        let row = sqlx::query(TOKEN_SQL)
            .bind(h.clone())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Fail(StatusCode::UNAUTHORIZED, "invalid token".into()))?;
        let _: i64 = row.try_get("id")?;
        let _: String = row.try_get("login")?;
        let _: String = row.try_get("org_path")?;
        Ok(())
    }
}

#[derive(Serialize)]
struct MeasureView {
    id: i64,
    problem_id: i64,
    inspection_id: i64,
    seq: i64,
    text: String,
    kind: String,
    state: String,
    responsible_unit_id: Option<i64>,
    lead_unit_id: Option<i64>,
    co_unit_ids: Vec<i64>,
    leader_id: Option<i64>,
    owner_id: Option<i64>,
    liaison_id: Option<i64>,
    deadline: Option<String>,
    percent: i64,
    version: i64,
    responsible_unit: Option<String>,
    owner: Option<String>,
    overdue: bool,
}

#[derive(Serialize)]
struct Page {
    items: Vec<MeasureView>,
    total: i64,
    page: i64,
    per_page: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    inspection_id: Option<i64>,
    state: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

enum Param {
    Int(i64),
    Text(String),
}

struct Fail(StatusCode, String);

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

impl From<sqlx::Error> for Fail {
    fn from(e: sqlx::Error) -> Self {
        Fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

/// Today in the ledger's time zone (UTC+8, as rectify-store).
fn today() -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    chrono::Utc::now()
        .with_timezone(&tz)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

fn view(row: &AnyRow, today: &str) -> Result<MeasureView, sqlx::Error> {
    let co: String = row.try_get("co_unit_ids")?;
    let state: String = row.try_get("state")?;
    let deadline: Option<String> = row.try_get("deadline")?;
    let overdue = !matches!(state.as_str(), "closed" | "closed_ongoing" | "draft")
        && deadline.as_deref().is_some_and(|d| d < today);
    Ok(MeasureView {
        id: row.try_get("id")?,
        problem_id: row.try_get("problem_id")?,
        inspection_id: row.try_get("inspection_id")?,
        seq: row.try_get("seq")?,
        text: row.try_get("text")?,
        kind: row.try_get("kind")?,
        state,
        responsible_unit_id: row.try_get("responsible_unit_id")?,
        lead_unit_id: row.try_get("lead_unit_id")?,
        co_unit_ids: serde_json::from_str(&co).unwrap_or_default(),
        leader_id: row.try_get("leader_id")?,
        owner_id: row.try_get("owner_id")?,
        liaison_id: row.try_get("liaison_id")?,
        deadline,
        percent: row.try_get("percent")?,
        version: row.try_get("version")?,
        responsible_unit: row.try_get("unit_name")?,
        owner: row.try_get("owner_name")?,
        overdue,
    })
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    params: &[Param],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
        };
    }
    q
}

/// The same WHERE, ORDER BY and LIMIT text that `Store::measures` builds for an office viewer
/// filtering by inspection and state, sorted by id.
async fn list(State(app): State<App>, Query(q): Query<ListQuery>) -> Result<Json<Page>, Fail> {
    app.auth().await?;
    let today = today();
    let mut sql = String::new();
    let mut params = vec![
        Param::Text(app.scope.clone()),
        Param::Text(app.upper.clone()),
    ];
    sql.push_str(" AND m.org_path >= $1 AND m.org_path < $2");
    if let Some(v) = q.inspection_id {
        params.push(Param::Int(v));
        sql.push_str(&format!(" AND m.inspection_id = ${}", params.len()));
    }
    if let Some(v) = q.state {
        params.push(Param::Text(v));
        sql.push_str(&format!(" AND m.state = ${}", params.len()));
    }
    let per_page = q.per_page.unwrap_or(25).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    let list_sql = format!(
        "SELECT {MEASURE_COLUMNS}, u.name AS unit_name, p.name AS owner_name FROM measure m \
         LEFT JOIN organisation u ON u.id = m.responsible_unit_id LEFT JOIN person p ON p.id = m.owner_id \
         WHERE 1 = 1{sql} ORDER BY m.id ASC, m.id ASC LIMIT {per_page} OFFSET {}",
        (page - 1) * per_page
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(list_sql)), &params)
        .fetch_all(&app.pool)
        .await?;
    let items = rows
        .iter()
        .map(|r| view(r, &today))
        .collect::<Result<Vec<_>, _>>()?;
    let count_sql = format!("SELECT COUNT(*) FROM measure m WHERE 1 = 1{sql}");
    let total: i64 = bind_all(sqlx::query(AssertSqlSafe(count_sql)), &params)
        .fetch_one(&app.pool)
        .await?
        .try_get(0)?;
    Ok(Json(Page {
        items,
        total,
        page,
        per_page,
    }))
}

/// The same statement as `Store::measure_for`.
async fn one(State(app): State<App>, Path(id): Path<i64>) -> Result<Json<MeasureView>, Fail> {
    app.auth().await?;
    let sql = format!(
        "SELECT {MEASURE_COLUMNS}, u.name AS unit_name, p.name AS owner_name FROM measure m \
         LEFT JOIN organisation u ON u.id = m.responsible_unit_id LEFT JOIN person p ON p.id = m.owner_id \
         WHERE 1 = 1 AND m.id = $1 AND m.org_path >= $2 AND m.org_path < $3"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .bind(app.scope.clone())
        .bind(app.upper.clone())
        .fetch_optional(&app.pool)
        .await?
        .ok_or_else(|| Fail(StatusCode::NOT_FOUND, "not found".into()))?;
    Ok(Json(view(&row, &today())?))
}

fn usage() -> ! {
    eprintln!(
        "usage: bare-server --addr 127.0.0.1:PORT (--db FILE | --database URL) [--scope /n/…/] [--token-lookup HASH]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut addr: Option<SocketAddr> = None;
    let mut url: Option<String> = None;
    let mut scope: Option<String> = None;
    let mut token_hash: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--addr" => addr = Some(val().parse().unwrap_or_else(|_| usage())),
            // The URL rectify-store builds for a data directory.
            "--db" => url = Some(format!("sqlite://{}?mode=rwc", val())),
            "--database" => url = Some(val()),
            "--scope" => scope = Some(val()),
            "--token-lookup" => token_hash = Some(val()),
            _ => usage(),
        }
    }
    let (Some(addr), Some(url)) = (addr, url) else {
        usage()
    };

    // Exactly as `Store::connect` for SQLite (crates/store/src/lib.rs).
    install_default_drivers();
    let mut opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        opts = opts.max_connections(8).after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                Ok(())
            })
        });
    } else {
        opts = opts.max_connections(16);
    }
    let pool = match opts.connect(&url).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bare-server: cannot open {url}: {e}");
            std::process::exit(1)
        }
    };
    let scope = match scope {
        Some(s) => s,
        None => {
            match sqlx::query_scalar::<_, String>(
                "SELECT path FROM organisation WHERE parent_id IS NULL ORDER BY id LIMIT 1",
            )
            .fetch_one(&pool)
            .await
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("bare-server: no root organisation: {e}");
                    std::process::exit(1)
                }
            }
        }
    };
    // OrgPath::upper_bound: `/1/4/` → `/1/40`.
    let mut upper = scope.clone();
    upper.pop();
    upper.push('0');
    let app = App {
        pool,
        scope,
        upper,
        token_hash,
    };
    let router = Router::new()
        .route("/measures", get(list))
        .route("/measures/{id}", get(one))
        .with_state(app);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bare-server: cannot bind {addr}: {e}");
            std::process::exit(1)
        }
    };
    eprintln!("bare-server serving on http://{addr}");
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
    };
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("bare-server: {e}");
        std::process::exit(1)
    }
}
