//! Test fixtures: a fresh database per test on each engine, a seeded organisation tree with one
//! account per role, and an HTTP client that keeps cookies and the CSRF token.

use std::net::SocketAddr;

use rectify_core::access::Role;
use rectify_store::{
    Actor, BlobLocation, Dialect, NewOrganisation, NewPerson, NewUser, SecurityPolicy, Store,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "Tq#8rLm2vX";

/// Which engine a test runs on, with what it needs to be torn down.
pub struct Engine {
    pub name: &'static str,
    pub store: Store,
    pub url: String,
    /// Keeps the SQLite data directory alive for the test's duration.
    pub _data_dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl Engine {
    pub async fn drop_db(self) {
        self.store.close().await;
        if let Some((admin_url, db)) = self.pg_admin {
            sqlx::any::install_default_drivers();
            if let Ok(pool) = sqlx::AnyPool::connect(&admin_url).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
                )))
                .execute(&pool)
                .await;
            }
        }
    }
}

/// The engines available here. PostgreSQL is skipped loudly, or fails under `RECTIFY_TEST_REQUIRE_ALL=1`.
pub async fn engines() -> Vec<Engine> {
    let mut v = vec![sqlite().await];
    match std::env::var("RECTIFY_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => v.push(postgres(&url).await),
        _ => {
            assert!(
                std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
                "RECTIFY_TEST_PG_URL is not set but RECTIFY_TEST_REQUIRE_ALL=1: the PostgreSQL suite must run"
            );
            eprintln!(
                "SKIPPED: PostgreSQL suite (RECTIFY_TEST_PG_URL not set; run scripts/test to start a throw-away server)"
            );
        }
    }
    v
}

pub async fn sqlite() -> Engine {
    let dir = tempfile::tempdir().expect("temp dir");
    let loc = rectify_store::Location {
        database_url: None,
        data_dir: dir.path().to_path_buf(),
    };
    let store = Store::open(&loc).await.expect("open sqlite");
    Engine {
        name: "sqlite",
        url: loc.url(),
        store,
        _data_dir: Some(dir),
        pg_admin: None,
    }
}

pub async fn postgres(admin_url: &str) -> Engine {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin_url)
        .await
        .expect("connect to RECTIFY_TEST_PG_URL");
    let db = format!(
        "rectify_t_{}",
        rectify_security::crypto::random_token(9)
            .to_ascii_lowercase()
            .replace(['-', '_'], "x")
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&pool)
        .await
        .expect("create test database");
    pool.close().await;
    let mut u = url::Url::parse(admin_url).expect("RECTIFY_TEST_PG_URL is a URL");
    u.set_path(&format!("/{db}"));
    let url = u.to_string();
    let store = Store::connect(&url, Dialect::Postgres, BlobLocation::Database)
        .await
        .expect("open postgres");
    Engine {
        name: "postgres",
        store,
        url,
        _data_dir: None,
        pg_admin: Some((admin_url.to_string(), db)),
    }
}

/// Organisation tree and people used by the scenarios.
#[derive(Debug, Clone)]
pub struct World {
    pub root: i64,
    pub org_a: i64,
    pub unit_a1: i64,
    pub unit_a2: i64,
    pub org_b: i64,
    pub owner_person: i64,
    pub leader_person: i64,
}

/// Root (市委) → A (inspected) → A1, A2 units; B another inspected organisation. One account per
/// role, all with [`PASSWORD`] and no forced change.
pub async fn seed(store: &Store) -> World {
    let a = Actor::cli("test seed");
    let mut w = store.begin_write().await.unwrap();
    let org = |parent: Option<i64>, name: &str, kind: &str| NewOrganisation {
        parent_id: parent,
        name: name.into(),
        kind: kind.into(),
    };
    let root = w
        .create_organisation(&a, &org(None, "中共测试市委", "committee"))
        .await
        .unwrap()
        .id;
    let org_a = w
        .create_organisation(&a, &org(Some(root), "市教育局", "organisation"))
        .await
        .unwrap()
        .id;
    let unit_a1 = w
        .create_organisation(&a, &org(Some(org_a), "办公室", "unit"))
        .await
        .unwrap()
        .id;
    let unit_a2 = w
        .create_organisation(&a, &org(Some(org_a), "人事科", "unit"))
        .await
        .unwrap()
        .id;
    let org_b = w
        .create_organisation(&a, &org(Some(root), "市卫生健康局", "organisation"))
        .await
        .unwrap()
        .id;
    let person = |org: i64, name: &str| NewPerson {
        organisation_id: org,
        name: name.into(),
        title: None,
        phone: Some("13812345678".into()),
    };
    let owner_person = w
        .create_person(&a, &person(unit_a1, "张伟"))
        .await
        .unwrap()
        .id;
    let leader_person = w
        .create_person(&a, &person(org_a, "李强"))
        .await
        .unwrap()
        .id;
    let policy = SecurityPolicy::default();
    for (login, role, org, person) in [
        ("sysadmin", Role::SystemAdmin, root, None),
        ("secadmin", Role::SecurityAdmin, root, None),
        ("auditadmin", Role::AuditAdmin, root, None),
        ("office", Role::Office, root, None),
        ("office_a", Role::Office, org_a, None),
        ("supervisor", Role::Supervisor, root, None),
        ("leader", Role::Leader, root, None),
        ("liaison_a1", Role::Liaison, unit_a1, None),
        ("liaison_a2", Role::Liaison, unit_a2, None),
        ("owner", Role::Owner, unit_a1, Some(owner_person)),
        ("office_b", Role::Office, org_b, None),
    ] {
        let u = w
            .create_user(
                &a,
                &NewUser {
                    login: login.into(),
                    display_name: login.into(),
                    role,
                    organisation_id: org,
                    person_id: person,
                },
            )
            .await
            .unwrap();
        w.set_password(&a, u.id, PASSWORD, &policy, false)
            .await
            .unwrap();
    }
    w.commit().await.unwrap();
    World {
        root,
        org_a,
        unit_a1,
        unit_a2,
        org_b,
        owner_person,
        leader_person,
    }
}

/// A running server on a loopback port.
pub struct Server {
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Delete this year's holiday schedule (the lights then count its Monday to Friday and say
/// they are provisional); answers the schedule, to load it back.
pub async fn drop_this_years_calendar(store: &Store) -> (i32, String) {
    use chrono::Datelike;
    let year = rectify_store::today().year();
    let schedule: String = sqlx::query_scalar("SELECT schedule FROM calendar_year WHERE year = $1")
        .bind(i64::from(year))
        .fetch_one(store.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM calendar_year WHERE year = $1")
        .bind(i64::from(year))
        .execute(store.pool())
        .await
        .unwrap();
    (year, schedule)
}

pub async fn start(store: &Store, tls: bool) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = rectify_web::AppState::new(
        store.clone(),
        rectify_web::WebConfig {
            tls,
            ..Default::default()
        },
    );
    let task = tokio::spawn(async move {
        let _ = rectify_web::serve_on(state, listener).await;
    });
    Server { addr, task }
}

/// A browser-like client: cookies kept, CSRF token sent on state changes.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn new(server: &Server) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        Client {
            http,
            base: format!("http://{}", server.addr),
            csrf: None,
            bearer: None,
        }
    }

    pub async fn login_as(server: &Server, login: &str) -> Client {
        let mut c = Client::new(server);
        let (st, body) = c.login(login, PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "login {login}: {body}");
        c
    }

    pub async fn login(&mut self, login: &str, password: &str) -> (StatusCode, Value) {
        let (st, body) = self
            .call(
                Method::POST,
                "/api/v1/session",
                Some(json!({"login": login, "password": password})),
            )
            .await;
        if st == StatusCode::OK {
            self.csrf = body["csrf_token"].as_str().map(str::to_string);
        }
        (st, body)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = &self.bearer {
            rb = rb.bearer_auth(t);
        }
        if method != Method::GET
            && let Some(c) = &self.csrf
        {
            rb = rb.header("x-csrf-token", c);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("request");
        let st = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (
            st,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
}

/// The error envelope's code and field.
pub fn err(v: &Value) -> (&str, Option<&str>) {
    (
        v["error"]["code"].as_str().unwrap_or("<no code>"),
        v["error"]["field"].as_str(),
    )
}
