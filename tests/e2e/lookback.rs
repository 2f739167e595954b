//! Look-back, re-verification sampling, quality flags and the digest e-mail, end to end: the
//! real server and the real binary on SQLite always and PostgreSQL when `RECTIFY_TEST_PG_URL`
//! is set; the digest goes to a real SMTP server (Python's aiosmtpd) started here.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Client, Engine, World, engines, err, seed, start};

fn rectify(args: &[&str], engine: &Engine) -> Output {
    let data: Vec<String> = match &engine._data_dir {
        Some(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
        None => vec!["--database".into(), engine.url.clone()],
    };
    Command::new(env!("CARGO_BIN_EXE_rectify"))
        .env_remove("RECTIFY_DATA_DIR")
        .env_remove("RECTIFY_DATABASE_URL")
        .env_remove("RECTIFY_SMTP_URL")
        .env("RECTIFY_LOG", "warn")
        .args(args)
        .args(data)
        .output()
        .expect("run rectify")
}

pub(crate) fn ok(args: &[&str], engine: &Engine) -> String {
    let out = rectify(args, engine);
    assert!(
        out.status.success(),
        "rectify {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An inspection of org A (feedback 2025-01-01) with one aspect; returns (inspection, aspect).
async fn inspection(office: &Client, w: &World) -> (i64, i64) {
    let (st, insp) = office
        .post(
            "/api/v1/inspections",
            json!({"kind": "regular", "inspected_org_id": w.org_a, "title": "第一轮巡察", "feedback_on": "2025-01-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{insp}");
    let iid = insp["id"].as_i64().unwrap();
    let (st, a) = office
        .post(
            &format!("/api/v1/inspections/{iid}/aspects"),
            json!({"title": "党的领导方面"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    (iid, a["id"].as_i64().unwrap())
}

async fn problem(office: &Client, aspect: i64, title: &str) -> i64 {
    let (st, p) = office
        .post(
            "/api/v1/problems",
            json!({"aspect_id": aspect, "title": title, "severity": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    p["id"].as_i64().unwrap()
}

async fn upload(c: &Client, name: &str, bytes: &[u8]) -> i64 {
    let r = c
        .http
        .post(format!("{}/api/v1/evidence?file_name={name}", c.base))
        .header("x-csrf-token", c.csrf.clone().unwrap())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A measure for `unit`, assigned, reported with `text` (and `file` as evidence), closed.
pub(crate) async fn closed(
    office: &Client,
    w: &World,
    problem: i64,
    unit: i64,
    text: &str,
    file: Option<&[u8]>,
) -> i64 {
    let (st, m) = office
        .post(
            "/api/v1/measures",
            json!({"problem_id": problem, "text": format!("措施:{text}"), "kind": "time_bound",
                   "responsible_unit_id": unit, "owner_id": w.owner_person, "deadline": "2025-12-31"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    let id = m["id"].as_i64().unwrap();
    let (st, m) = office
        .post(
            &format!("/api/v1/measures/{id}/transitions"),
            json!({"action": "assign", "version": m["version"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    let evidence: Vec<i64> = match file {
        Some(b) => vec![upload(office, "evidence.pdf", b).await],
        None => vec![],
    };
    let (st, r) = office
        .post(
            "/api/v1/reports",
            json!({"measure_ids": [id], "text": text, "percent": 100, "reported_on": "2025-02-01", "evidence_ids": evidence, "submit": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let (_, m) = office.get(&format!("/api/v1/measures/{id}")).await;
    let (st, m) = office
        .post(
            &format!("/api/v1/measures/{id}/transitions"),
            json!({"action": "close", "version": m["version"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    id
}

pub(crate) async fn sql(e: &Engine, q: &str, v: &str, id: i64) {
    sqlx::query(sqlx::AssertSqlSafe(q.to_string()))
        .bind(v.to_string())
        .bind(id)
        .execute(e.store.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_relapse_found_at_look_back_reopens_the_item_with_its_history() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (_, aspect) = inspection(&office, &w).await;
        let p1 = problem(&office, aspect, "问题一").await;
        let p2 = problem(&office, aspect, "问题二").await;
        let m1 = closed(&office, &w, p1, w.unit_a1, "已完成", Some(b"%PDF-1.4 a")).await;
        let m2 = closed(&office, &w, p2, w.unit_a2, "已完成", Some(b"%PDF-1.4 b")).await;
        let (_, p) = office.get(&format!("/api/v1/problems/{p2}")).await;
        let (st, p) = office
            .post(
                &format!("/api/v1/problems/{p2}/sign-off"),
                json!({"version": p["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{p}");
        // Closed and signed off half a year before the run day.
        sql(
            &e,
            "UPDATE measure SET closed_at = $1 WHERE id = $2",
            "2025-03-01T10:00:00.000+08:00",
            m1,
        )
        .await;
        sql(
            &e,
            "UPDATE problem SET signed_off_at = $1 WHERE id = $2",
            "2025-03-01T16:00:00.000+08:00",
            p2,
        )
        .await;

        // The daily run schedules both look-backs, once.
        let out = ok(&["supervise", "run", "--date", "2025-09-10"], &e);
        assert!(
            out.contains("look-back (回头看) falling due: 2 items"),
            "{out}"
        );
        let (st, v) = office
            .put("/api/v1/lookback-policy", json!({"months": 0}))
            .await;
        assert_eq!(
            (st, err(&v).1),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("lookback_months"))
        );
        let (st, lbs) = office.get("/api/v1/lookbacks?state=due").await;
        assert_eq!(st, StatusCode::OK, "{lbs}");
        let lbs = lbs.as_array().unwrap().clone();
        let subjects: Vec<(&str, i64)> = lbs
            .iter()
            .map(|l| {
                (
                    l["subject_type"].as_str().unwrap(),
                    l["subject_id"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            subjects,
            vec![("measure", m1), ("problem", p2)],
            "{}",
            e.name
        );
        let supervisor = Client::login_as(&srv, "supervisor").await;
        assert_eq!(supervisor.get("/api/v1/lookbacks").await.0, StatusCode::OK);
        let owner = Client::login_as(&srv, "owner").await;
        assert_eq!(
            owner.get("/api/v1/lookbacks").await.0,
            StatusCode::FORBIDDEN
        );
        let office_b = Client::login_as(&srv, "office_b").await;
        let (_, none) = office_b.get("/api/v1/lookbacks").await;
        assert_eq!(none, json!([]), "other organisations see none");

        // The measure relapsed: notes required; then reopened, history and reports intact.
        let lb1 = &lbs[0];
        let path = format!("/api/v1/lookbacks/{}/result", lb1["id"]);
        let (st, v) = office
            .post(
                &path,
                json!({"version": lb1["version"], "result": "relapsed"}),
            )
            .await;
        assert_eq!(
            (st, err(&v).1),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("notes"))
        );
        assert_eq!(
            supervisor
                .post(&path, json!({"version": lb1["version"], "result": "holds"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let (st, v) = office
            .post(&path, json!({"version": lb1["version"], "result": "relapsed", "notes": "复查发现问题反弹"}))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["state"], "relapsed");
        let (st, v) = office
            .post(&path, json!({"version": lb1["version"], "result": "holds"}))
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("version_conflict"))
        );
        let (_, m) = office.get(&format!("/api/v1/measures/{m1}")).await;
        assert_eq!(m["state"], "reopened");
        let (_, hist) = office.get(&format!("/api/v1/measures/{m1}/history")).await;
        let actions: Vec<&str> = hist
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["action"].as_str().unwrap())
            .collect();
        for a in [
            "measure.create",
            "measure.assign",
            "measure.close",
            "measure.reopen",
        ] {
            assert!(actions.contains(&a), "history keeps {a}: {actions:?}");
        }
        let (_, reports) = office.get(&format!("/api/v1/measures/{m1}/reports")).await;
        assert_eq!(reports.as_array().unwrap().len(), 1);
        // The reopened measure can be reported on again.
        assert_eq!(
            office
                .post(
                    "/api/v1/reports",
                    json!({"measure_ids": [m1], "text": "重新整改", "percent": 20})
                )
                .await
                .0,
            StatusCode::CREATED
        );

        // The signed-off problem relapsed: sign-off cleared, the old one kept, measure reopened.
        let lb2 = &lbs[1];
        let (st, v) = office
            .post(
                &format!("/api/v1/lookbacks/{}/result", lb2["id"]),
                json!({"version": lb2["version"], "result": "relapsed", "notes": "违规问题再次出现"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(
            v["signed_off_at"]
                .as_str()
                .unwrap()
                .starts_with("2025-03-01"),
            "{v}"
        );
        let (_, p) = office.get(&format!("/api/v1/problems/{p2}")).await;
        assert_eq!(p["signed_off_at"], Value::Null);
        let (_, m) = office.get(&format!("/api/v1/measures/{m2}")).await;
        assert_eq!(m["state"], "reopened");
        let out = ok(&["audit", "verify"], &e);
        assert!(out.contains("audit chain intact"), "{out}");

        // A second run of the day changes nothing.
        let out = ok(&["supervise", "run", "--date", "2025-09-10"], &e);
        assert!(out.contains("already run"), "{out}");
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn a_sample_draw_is_reproduced_from_its_seed_through_api_and_cli() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (iid, aspect) = inspection(&office, &w).await;
        let p = problem(&office, aspect, "问题").await;
        let mut ids = Vec::new();
        for i in 0..8 {
            let unit = if i % 2 == 0 { w.unit_a1 } else { w.unit_a2 };
            ids.push(closed(&office, &w, p, unit, "已完成", None).await);
        }
        let today = chrono::Utc::now().date_naive() + chrono::Days::new(1);
        let body = json!({"size": 3, "seed": "18446744073709551615", "inspection_id": iid, "as_of": today.to_string()});
        let (st, a) = office.post("/api/v1/samples", body.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{a}");
        let (_, b) = office.post("/api/v1/samples", body.clone()).await;
        let items = |d: &Value| -> Vec<i64> {
            d["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["measure_id"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(
            items(&a),
            items(&b),
            "same seed, same population, same draw"
        );
        assert_eq!(a["population_size"], 8);
        assert!(items(&a).iter().all(|m| ids.contains(m)));
        let id = a["id"].as_i64().unwrap();
        let (_, r) = office.get(&format!("/api/v1/samples/{id}/replay")).await;
        assert_eq!(
            (r["same_population"].as_bool(), r["same_items"].as_bool()),
            (Some(true), Some(true)),
            "{r}"
        );

        // The binary reproduces it too: the replay, and a fresh draw with the same seed.
        let out = ok(&["supervise", "sample", "--replay", &id.to_string()], &e);
        assert!(
            out.contains("same population: yes; same items: yes"),
            "{out}"
        );
        let line = |out: &str| {
            out.lines()
                .find(|l| l.starts_with("measures:"))
                .unwrap()
                .to_string()
        };
        let want = format!(
            "measures: {}",
            items(&a)
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(line(&out), want);
        let out = ok(
            &[
                "supervise",
                "sample",
                "--size",
                "3",
                "--seed",
                "18446744073709551615",
                "--inspection",
                &iid.to_string(),
                "--as-of",
                &today.to_string(),
            ],
            &e,
        );
        assert_eq!(line(&out), want, "{out}");

        // Results: not confirmed needs notes; versions guard.
        let path = format!("/api/v1/samples/{id}/items/1/result");
        let (st, v) = office
            .post(&path, json!({"version": 1, "result": "not_confirmed"}))
            .await;
        assert_eq!(
            (st, err(&v).1),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("notes"))
        );
        let supervisor = Client::login_as(&srv, "supervisor").await;
        let (st, v) = supervisor
            .post(
                &path,
                json!({"version": 1, "result": "not_confirmed", "notes": "现场核查与报告不符"}),
            )
            .await;
        assert_eq!(
            (st, v["result"].as_str()),
            (StatusCode::OK, Some("not_confirmed")),
            "{v}"
        );
        assert_eq!(
            office
                .post(&path, json!({"version": 1, "result": "confirmed"}))
                .await
                .0,
            StatusCode::CONFLICT
        );
        let (_, d) = office.get(&format!("/api/v1/samples/{id}")).await;
        assert_eq!(d["items"][0]["result"], "not_confirmed");

        // Bad input names the field; nothing is recorded.
        for (body, field) in [
            (json!({"size": 0}), "size"),
            (json!({"size": 2, "percent": 10}), "size"),
            (json!({"percent": 101}), "percent"),
            (json!({"size": 2, "seed": "-1"}), "seed"),
            (json!({"size": 2, "as_of": "2025-02-30"}), "as_of"),
            (json!({"size": 2, "as_of": "2020-01-01"}), "as_of"),
            (json!({"size": 2, "inspection_id": 99999}), "inspection_id"),
        ] {
            let (st, v) = office.post("/api/v1/samples", body.clone()).await;
            assert_eq!(
                (st, err(&v).1),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{body} → {v}"
            );
        }
        let (_, all) = office.get("/api/v1/samples").await;
        assert_eq!(
            all.as_array().unwrap().len(),
            3,
            "the two API draws and the CLI draw only"
        );
        let owner = Client::login_as(&srv, "owner").await;
        assert_eq!(
            owner.post("/api/v1/samples", json!({"size": 1})).await.0,
            StatusCode::FORBIDDEN
        );
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn quality_flags_on_a_crafted_ledger_via_api_and_cli() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (iid, aspect) = inspection(&office, &w).await;
        let p1 = problem(&office, aspect, "问题一").await;
        let p2 = problem(&office, aspect, "问题二").await;
        let same_file = b"%PDF-1.4 one scan used twice";
        let a = closed(
            &office,
            &w,
            p1,
            w.unit_a1,
            "已清退违规补贴",
            Some(same_file),
        )
        .await;
        let b = closed(
            &office,
            &w,
            p2,
            w.unit_a2,
            "已完成公车专项清理",
            Some(same_file),
        )
        .await;
        let tpl =
            "已召开专题会议研究部署,制定整改方案,明确责任分工,建立长效机制,整改工作取得阶段性成效";
        let c = closed(
            &office,
            &w,
            p1,
            w.unit_a1,
            &format!("截至3月底,{tpl}。"),
            Some(b"%PDF-1.4 c"),
        )
        .await;
        let d = closed(
            &office,
            &w,
            p2,
            w.unit_a2,
            &format!("截至4月底,{tpl}"),
            Some(b"%PDF-1.4 d"),
        )
        .await;
        let bare = closed(&office, &w, p1, w.unit_a1, "已完成", None).await;

        let supervisor = Client::login_as(&srv, "supervisor").await;
        let (st, flags) = supervisor
            .get(&format!("/api/v1/quality-flags?inspection_id={iid}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{flags}");
        let got: Vec<(String, Vec<i64>)> = flags
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["measure_ids"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m.as_i64().unwrap())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("evidence_reused".to_string(), vec![a, b]),
                ("boilerplate_text".to_string(), vec![c, d]),
                ("closed_without_evidence".to_string(), vec![bare]),
            ],
            "{}: {flags:#}",
            e.name
        );
        for f in flags.as_array().unwrap() {
            assert!(
                !f["explanation_zh"].as_str().unwrap().is_empty()
                    && !f["explanation_en"].as_str().unwrap().is_empty()
            );
            assert!(!f["figures"].as_array().unwrap().is_empty());
        }
        let office_b = Client::login_as(&srv, "office_b").await;
        assert_eq!(office_b.get("/api/v1/quality-flags").await.1, json!([]));
        let owner = Client::login_as(&srv, "owner").await;
        assert_eq!(
            owner.get("/api/v1/quality-flags").await.0,
            StatusCode::FORBIDDEN
        );
        let (st, v) = supervisor
            .get("/api/v1/quality-flags?inspection_id=abc")
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (st, v) = supervisor.get("/api/v1/quality-flags?limit=0").await;
        assert_eq!(
            (st, err(&v).1),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
        );
        let (_, only) = supervisor
            .get(&format!(
                "/api/v1/quality-flags?inspection_id={iid}&kind=boilerplate_text"
            ))
            .await;
        assert_eq!(only.as_array().unwrap().len(), 1);
        assert_eq!(only[0]["measure_ids"], json!([c, d]));
        let (_, first) = supervisor.get("/api/v1/quality-flags?limit=1").await;
        assert_eq!(first.as_array().unwrap().len(), 1);

        let out = ok(
            &[
                "supervise",
                "flags",
                "--json",
                "--inspection",
                &iid.to_string(),
            ],
            &e,
        );
        let cli: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(cli, flags, "the binary and the API agree");
        let text = ok(
            &["supervise", "flags", "--inspection", &iid.to_string()],
            &e,
        );
        assert!(
            text.contains("佐证材料重复使用")
                && text.contains("进展内容雷同")
                && text.contains("无佐证销号"),
            "{text}"
        );
        drop(srv);
        e.drop_db().await;
    }
}

/// aiosmtpd writing a Maildir, on a free loopback port.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
    python: String,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_python() -> Option<String> {
    for c in [
        std::env::var("RECTIFY_TEST_SMTP_PYTHON").ok(),
        std::env::var("RECTIFY_TEST_PYTHON").ok(),
        Some("/usr/bin/python3".into()),
    ]
    .into_iter()
    .flatten()
    {
        if Command::new(&c)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            return Some(c);
        }
    }
    assert!(
        std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
        "no python with aiosmtpd but RECTIFY_TEST_REQUIRE_ALL=1 (install python3-aiosmtpd)"
    );
    eprintln!("SKIPPED: digest e-mail e2e (no python with aiosmtpd)");
    None
}

async fn sink(python: &str, dir: &Path) -> Sink {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(python)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Owned at once, so a failed start still kills and reaps the process.
    let sink = Sink {
        child,
        port,
        dir: dir.to_path_buf(),
        python: python.to_string(),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return sink;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("aiosmtpd did not start");
}

impl Sink {
    fn messages(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.dir.join("new"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }
    /// (To, Subject, body) as Python's e-mail parser decodes them.
    fn read(&self, f: &Path) -> (String, String, String) {
        let out = Command::new(&self.python)
            .args(["-c", "import sys, email\nfrom email import policy\nm = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)\nsys.stdout.buffer.write((str(m['To']) + '\\n' + str(m['Subject']) + '\\n' + m.get_content()).encode())"])
            .arg(f)
            .output()
            .unwrap();
        let s = String::from_utf8(out.stdout).unwrap();
        let mut it = s.splitn(3, '\n');
        (
            it.next().unwrap().into(),
            it.next().unwrap_or("").into(),
            it.next().unwrap_or("").into(),
        )
    }
}

#[tokio::test]
async fn the_daily_run_sends_one_digest_per_person_to_a_real_smtp_server() {
    let Some(python) = smtp_python() else {
        return;
    };
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let mail = tempfile::tempdir().unwrap();
        let sink = sink(&python, &mail.path().join("maildir")).await;
        let admin = Client::login_as(&srv, "sysadmin").await;
        let path = format!("/api/v1/people/{}/email", w.owner_person);
        let (st, v) = admin
            .put(&path, json!({"email": "zhang wei@example"}))
            .await;
        assert_eq!(
            (st, err(&v).1),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("email"))
        );
        assert_eq!(
            admin
                .put(&path, json!({"email": "zhangwei@example.cn"}))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            Client::login_as(&srv, "owner")
                .await
                .put(&path, json!({"email": "x@y.cn"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        // An overdue measure owned by 张伟: the run lights it red and notifies him.
        let office = Client::login_as(&srv, "office").await;
        let (_, aspect) = inspection(&office, &w).await;
        let p = problem(&office, aspect, "问题").await;
        let (_, m) = office
            .post(
                "/api/v1/measures",
                json!({"problem_id": p, "text": "清理违规公务用车", "kind": "time_bound",
                       "responsible_unit_id": w.unit_a1, "owner_id": w.owner_person, "leader_id": w.leader_person, "deadline": "2025-06-30"}),
            )
            .await;
        let (st, _) = office
            .post(
                &format!("/api/v1/measures/{}/transitions", m["id"]),
                json!({"action": "assign", "version": m["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let smtp = format!("smtp://127.0.0.1:{}", sink.port);
        let run = [
            "supervise",
            "run",
            "--date",
            "2025-07-15",
            "--smtp-url",
            smtp.as_str(),
            "--smtp-from",
            "整改通 <rectify@example.cn>",
        ];
        let out = ok(&run, &e);
        assert!(out.contains("digest e-mails: 1 sent"), "{out}");
        let files = sink.messages();
        assert_eq!(files.len(), 1, "one digest: 李强 has no address");
        let (to, subject, body) = sink.read(&files[0]);
        assert_eq!(to, "张伟 <zhangwei@example.cn>");
        assert_eq!(subject, "【整改通】2025年7月15日 整改事项提醒（1项）");
        assert!(
            body.starts_with("张伟同志：") && body.contains("整改措施「清理违规公务用车」"),
            "{body}"
        );
        let raw = std::fs::read_to_string(&files[0]).unwrap();
        let headers: Vec<&str> = raw.lines().take_while(|l| !l.is_empty()).collect();
        assert!(
            headers.iter().all(|h| h.is_ascii()),
            "encoded headers: {headers:?}"
        );

        // Again for the same day: nothing more is sent.
        let out = ok(&run, &e);
        assert!(out.contains("digest e-mails: 0 sent"), "{out}");
        assert_eq!(sink.messages().len(), 1);
        // Without SMTP settings the run sends nothing and says nothing about e-mail.
        let out = ok(&["supervise", "run", "--date", "2025-07-16"], &e);
        assert!(!out.contains("digest e-mails"), "{out}");
        let out = rectify(
            &[
                "supervise",
                "run",
                "--date",
                "2025-07-17",
                "--smtp-url",
                "http://x",
            ],
            &e,
        );
        assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("smtp_url"));
        drop(srv);
        e.drop_db().await;
    }
}
