//! The real `rectify` binary: bootstrap, `serve --demo` on each engine, and the verbs that
//! print ids and tokens.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

const DEMO_PASSWORD: &str = "Zgt#2026demo";

fn rectify() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rectify"));
    c.env_remove("RECTIFY_DATA_DIR")
        .env_remove("RECTIFY_DATABASE_URL")
        .env("RECTIFY_LOG", "warn");
    c
}

struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_healthy(base: &str) {
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} never became healthy");
}

struct Session {
    http: reqwest::Client,
    base: String,
    csrf: String,
}

impl Session {
    async fn login(base: &str, login: &str) -> Session {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let r = http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"login": login, "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "demo login {login}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["password_change_required"], false,
            "demo accounts need no forced change"
        );
        Session {
            http,
            base: base.to_string(),
            csrf: v["csrf_token"].as_str().unwrap().to_string(),
        }
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .patch(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

/// `serve --demo` seeds, serves, and is reused on restart; it refuses a non-demo database.
async fn demo_server_scenario(data_args: &[String], label: &str) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let start = || {
        let mut c = rectify();
        c.args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
            .args(data_args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        Running(c.spawn().expect("spawn rectify serve"))
    };
    let srv = start();
    wait_healthy(&base).await;
    let doc: Value = reqwest::get(format!("{base}/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/measures"].is_object(), "{label}");
    for login in [
        "sysadmin",
        "secadmin",
        "auditadmin",
        "office",
        "supervisor",
        "leader",
        "liaison",
        "owner",
    ] {
        Session::login(&base, login).await;
    }
    let office = Session::login(&base, "office").await;
    let (st, all) = office.get("/api/v1/measures?per_page=200").await;
    assert_eq!(st, StatusCode::OK);
    let total = all["total"].as_i64().unwrap();
    assert!(total > 20, "{label}: demo ledger has measures: {total}");
    let (_, filtered) = office
        .get("/api/v1/measures?state=closed&per_page=5&sort=deadline")
        .await;
    assert!(
        filtered["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["state"] == "closed")
    );
    let (_, me) = Session::login(&base, "liaison")
        .await
        .get("/api/v1/session")
        .await;
    let liaison = Session::login(&base, "liaison").await;
    let unit = me["organisation_id"].as_i64().unwrap();
    let (_, mine) = liaison.get("/api/v1/measures?per_page=200").await;
    assert!(
        mine["total"].as_i64().unwrap() < total,
        "a liaison sees only its unit"
    );
    let foreign = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["responsible_unit_id"].as_i64() != Some(unit))
        .expect("a measure of another unit");
    let (st, _) = liaison
        .get(&format!("/api/v1/measures/{}", foreign["id"]))
        .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "{label}: another unit's measure is invisible"
    );
    let id = foreign["id"].as_i64().unwrap();
    let v = foreign["version"].as_i64().unwrap();
    let (st, _) = office
        .patch(
            &format!("/api/v1/measures/{id}"),
            json!({"version": v, "text": "第一次修改"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, body) = office
        .patch(
            &format!("/api/v1/measures/{id}"),
            json!({"version": v, "text": "过期的修改"}),
        )
        .await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("version_conflict")),
        "{label}"
    );
    drop(srv);
    // Restart: the same demo database is reused, not re-seeded.
    let srv = start();
    wait_healthy(&base).await;
    let (_, again) = Session::login(&base, "office")
        .await
        .get("/api/v1/measures?per_page=1")
        .await;
    assert_eq!(
        again["total"].as_i64().unwrap(),
        total,
        "{label}: reused, not re-seeded"
    );
    drop(srv);
}

#[tokio::test]
async fn serve_demo_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    demo_server_scenario(
        &["--data-dir".into(), dir.path().display().to_string()],
        "sqlite",
    )
    .await;
    let e = crate::support::engines().await;
    for engine in e {
        if engine.name == "postgres" {
            let url = engine.url.clone();
            engine.store.close().await;
            demo_server_scenario(&["--database".into(), url], "postgres").await;
        }
        engine.drop_db().await;
    }
}

#[tokio::test]
async fn bootstrap_once_then_verbs_print_what_they_made() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let out = rectify()
        .args([
            "admin",
            "bootstrap",
            "--audit-hash",
            "sm3",
            "--data-dir",
            &d,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for login in ["sysadmin", "secadmin", "auditadmin"] {
        assert!(
            text.contains(login) && text.contains("one-time password"),
            "{text}"
        );
    }
    let again = rectify()
        .args(["admin", "bootstrap", "--data-dir", &d])
        .output()
        .unwrap();
    assert!(!again.status.success(), "bootstrap runs once");
    // --demo refuses a database that holds other data.
    let demo = rectify()
        .args(["serve", "--demo", "--addr", "127.0.0.1:1", "--data-dir", &d])
        .output()
        .unwrap();
    assert!(!demo.status.success());
    assert!(
        String::from_utf8_lossy(&demo.stderr).contains("refusing"),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let id = rectify()
        .args([
            "inspection",
            "create",
            "--org",
            "1",
            "--title",
            "十四届市委第十三轮巡察",
            "--team",
            "市委第一巡察组",
            "--feedback",
            "2021-07-22",
            "--data-dir",
            &d,
        ])
        .output()
        .unwrap();
    assert!(
        id.status.success(),
        "{}",
        String::from_utf8_lossy(&id.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&id.stdout).trim(), "1");
    let bad = rectify()
        .args([
            "inspection",
            "create",
            "--org",
            "1",
            "--title",
            "x",
            "--feedback",
            "2021-02-30",
            "--data-dir",
            &d,
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--feedback"),
        "names the option: {}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let tok = rectify()
        .args([
            "admin",
            "token",
            "create",
            "--login",
            "auditadmin",
            "--data-dir",
            &d,
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&tok.stdout)
            .trim()
            .starts_with("rct_")
    );
    let verify = rectify()
        .args(["audit", "verify", "--data-dir", &d])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    // One-time passwords never reach the log (stderr).
    assert!(!String::from_utf8_lossy(&out.stderr).contains("one-time password"));
}

/// The allocator commits memory on demand (`.cargo/config.toml`): the build took the define
/// that keeps the large export's peak RSS under its aim.
#[test]
fn the_allocator_commits_on_demand() {
    let out = rectify()
        .arg("--version")
        .env("MIMALLOC_VERBOSE", "1")
        .env_remove("MIMALLOC_ARENA_EAGER_COMMIT")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let option = err
        .lines()
        .find(|l| l.contains("option 'arena_eager_commit'"))
        .unwrap_or_else(|| panic!("mimalloc printed no options:\n{err}"));
    assert_eq!(
        option.split(':').nth(1).map(str::trim),
        Some("0"),
        "{option} (a CFLAGS of your own replaces the one in .cargo/config.toml)"
    );
}
