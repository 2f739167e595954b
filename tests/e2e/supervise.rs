//! The daily supervision run and the working-day calendar through the real binary and the real
//! server: `rectify supervise run --date` over a demo month, `rectify calendar load` with good
//! and bad files, the calendar cases, and the lights/inbox/calendar routes; on SQLite always
//! and PostgreSQL when `RECTIFY_TEST_PG_URL` is set.

use std::process::{Command, Output};

use chrono::{Duration, NaiveDate};
use rectify_core::access::OrgPath;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{self, Client, World};
use crate::ui::Browser;

fn rectify(args: &[&str], data: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rectify"))
        .env_remove("RECTIFY_DATA_DIR")
        .env_remove("RECTIFY_DATABASE_URL")
        .env("RECTIFY_LOG", "warn")
        .args(args)
        .args(data)
        .output()
        .expect("run rectify")
}

fn ok(args: &[&str], data: &[String]) -> String {
    let out = rectify(args, data);
    assert!(
        out.status.success(),
        "rectify {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn data_args(engine: &support::Engine) -> Vec<String> {
    match &engine._data_dir {
        Some(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
        None => vec!["--database".into(), engine.url.clone()],
    }
}

/// "lights: green 1, blue 0, yellow 2, red 3, deep red 4" → [1, 0, 2, 3, 4]
fn printed_lights(out: &str) -> Vec<u64> {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("lights:"))
        .unwrap_or_else(|| panic!("no lights line in {out}"));
    line.split(',')
        .map(|part| {
            part.split_whitespace()
                .last()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("bad lights line {line}"))
        })
        .collect()
}

/// Straight to the process's stderr (the harness captures `eprintln!` of passing tests).
fn note(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

async fn count(store: &rectify_store::Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// A demo month: the run for every day of March 2025 on a generated ledger; each day's printed
/// counts agree with the stored history read back as of that day; a repeated day changes
/// nothing; lights escalate over the month.
#[tokio::test]
async fn a_demo_month_of_daily_runs() {
    for engine in support::engines().await {
        let data = data_args(&engine);
        ok(
            &[
                "demo",
                "generate",
                "--scale",
                "small",
                "--as-of",
                "2025-02-28",
            ],
            &data,
        );
        let root: String =
            sqlx::query_scalar("SELECT path FROM organisation WHERE parent_id IS NULL")
                .fetch_one(engine.store.pool())
                .await
                .unwrap();
        let root = OrgPath::parse(&root).unwrap();
        let first = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let mut printed = Vec::new();
        for i in 0..31 {
            let day = first + Duration::days(i);
            let d = day.to_string();
            let out = ok(&["supervise", "run", "--date", &d], &data);
            assert!(
                out.starts_with(&format!("supervision run {d}: ran")),
                "{}: {out}",
                engine.name
            );
            printed.push((day, printed_lights(&out)));
        }
        // Read back: the history as of each day gives the counts the run printed.
        for (day, lights) in &printed {
            let c = engine.store.lights_summary(&root, *day).await.unwrap();
            assert_eq!(
                vec![c.green, c.blue, c.yellow, c.red, c.deep_red],
                *lights,
                "{} {day}",
                engine.name
            );
        }
        let (_, last) = printed.last().unwrap();
        assert!(
            last[2] + last[3] + last[4] > 0,
            "{}: some measure needs attention by the end of March: {last:?}",
            engine.name
        );
        assert_eq!(
            count(&engine.store, "SELECT COUNT(*) FROM supervision_run").await,
            31
        );
        let lit = count(&engine.store, "SELECT COUNT(*) FROM measure_light").await;
        let notes = count(&engine.store, "SELECT COUNT(*) FROM notification").await;
        assert!(lit > 0 && notes > 0, "{}: {lit} {notes}", engine.name);
        // The 15th again: recorded, nothing changes.
        let out = ok(&["supervise", "run", "--date", "2025-03-15"], &data);
        assert!(out.contains("already run"), "{out}");
        assert_eq!(
            printed_lights(&out),
            printed[14].1,
            "the recorded summary is the day's"
        );
        assert_eq!(
            count(&engine.store, "SELECT COUNT(*) FROM measure_light").await,
            lit
        );
        assert_eq!(
            count(&engine.store, "SELECT COUNT(*) FROM notification").await,
            notes
        );
        note(&format!(
            "{}: demo month March 2025: first day {:?}, last day {:?} (green, blue, yellow, red, deep red); {lit} light changes, {notes} notifications",
            engine.name, printed[0].1, last
        ));
        // A bad date names the option.
        let out = rectify(&["supervise", "run", "--date", "2025-02-30"], &data);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--date"));
        engine.drop_db().await;
    }
}

const GOOD_2027: &str = "\
# 2027 (test data)
[2027]
元旦 2027-01-01..2027-01-03
春节 2027-02-06..2027-02-12 上班 2027-02-14
国庆节 2027-10-01..2027-10-07 上班 2027-09-26, 2027-10-09
";

/// Overlapping entries on line 4; the 2028 block after it is fine but must not be loaded.
const OVERLAP: &str = "\
[2028]
元旦 2028-01-01
春节 2028-01-25..2028-01-31
国庆节 2028-01-30..2028-02-02
[2029]
元旦 2029-01-01
";

#[tokio::test]
async fn calendar_cases_and_load_good_and_bad_files() {
    // The shipped schedule, no database: the known cases.
    assert_eq!(ok(&["calendar", "is-workday", "2024-10-01"], &[]), "no\n");
    assert_eq!(ok(&["calendar", "is-workday", "2024-10-12"], &[]), "yes\n");
    assert_eq!(
        ok(&["calendar", "add", "2024-09-30", "1"], &[]),
        "2024-10-08\n"
    );
    assert_eq!(ok(&["calendar", "is-workday", "2025-01-29"], &[]), "no\n");
    assert_eq!(ok(&["calendar", "is-workday", "2025-01-26"], &[]), "yes\n");
    assert_eq!(
        ok(&["calendar", "add", "2025-01-27", "1"], &[]),
        "2025-02-05\n"
    );
    assert_eq!(
        ok(&["calendar", "due", "2025-01-24", "3个工作日内"], &[]),
        "2025-02-05\n"
    );
    assert_eq!(
        ok(&["calendar", "due", "2024-08-01", "反馈后2个月内"], &[]),
        "2024-10-08\n"
    );
    for engine in support::engines().await {
        let data = data_args(&engine);
        let dir = tempfile::tempdir().unwrap();
        // Without 2027 in the database, a 2027 date is an error naming the year.
        let out = rectify(&["calendar", "is-workday", "2027-10-09"], &data);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("2027"));
        let good = dir.path().join("2027.txt");
        std::fs::write(&good, GOOD_2027).unwrap();
        let out = ok(&["calendar", "load", good.to_str().unwrap()], &data);
        assert_eq!(out, "added 2027 (version 1)\n");
        assert_eq!(
            ok(&["calendar", "is-workday", "2027-10-09"], &data),
            "yes\n"
        );
        assert_eq!(ok(&["calendar", "is-workday", "2027-10-04"], &data), "no\n");
        // The database's calendar also answers the shipped cases.
        assert_eq!(
            ok(&["calendar", "is-workday", "2024-10-12"], &data),
            "yes\n"
        );
        // A bad file: refused naming the line; nothing of it is stored.
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, OVERLAP).unwrap();
        let out = rectify(&["calendar", "load", bad.to_str().unwrap()], &data);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("nothing was loaded"), "{err}");
        let out = rectify(&["calendar", "is-workday", "2029-01-01"], &data);
        assert!(!out.status.success(), "2029 must not have been loaded");
        let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM calendar_year ORDER BY year")
            .fetch_all(engine.store.pool())
            .await
            .unwrap();
        assert_eq!(years, vec![2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027]);
        let audited = count(
            &engine.store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.add_year'",
        )
        .await;
        assert_eq!(audited, 1);
        engine.drop_db().await;
    }
}

/// Create inspection → aspect → problem → an assigned measure due 2025-03-31 as the office.
async fn assigned_measure(office: &Client, w: &World) -> i64 {
    let (st, insp) = office
        .post(
            "/api/v1/inspections",
            json!({"kind": "regular", "team": "市委第一巡察组", "inspected_org_id": w.org_a,
                   "title": "十四届市委第十五轮巡察", "feedback_on": "2025-01-06"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{insp}");
    let iid = insp["id"].as_i64().unwrap();
    let (st, aspect) = office
        .post(
            &format!("/api/v1/inspections/{iid}/aspects"),
            json!({"marker": "第一方面问题", "title": "党的领导方面仍需加强"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{aspect}");
    let (st, problem) = office
        .post(
            "/api/v1/problems",
            json!({"aspect_id": aspect["id"], "title": "针对议事规则执行不严的问题", "severity": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{problem}");
    let (st, m) = office
        .post(
            "/api/v1/measures",
            json!({"problem_id": problem["id"], "text": "修订党组议事规则并严格执行。", "kind": "time_bound",
                   "responsible_unit_id": w.unit_a1, "owner_id": w.owner_person, "leader_id": w.leader_person,
                   "deadline": "2025-03-31"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    let mid = m["id"].as_i64().unwrap();
    let (st, body) = office
        .post(
            &format!("/api/v1/measures/{mid}/transitions"),
            json!({"action": "assign", "version": m["version"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    mid
}

#[tokio::test]
async fn lights_inbox_and_calendar_routes() {
    for engine in support::engines().await {
        let w = support::seed(&engine.store).await;
        let server = support::start(&engine.store, false).await;
        let office = Client::login_as(&server, "office").await;
        let mid = assigned_measure(&office, &w).await;
        // Milestones: 50 % due by 03-03, so 0 % done is behind pace.
        let (st, body) = office
            .put(
                &format!("/api/v1/measures/{mid}/milestones"),
                json!({"milestones": [{"due": "2025-03-03", "percent": 50}, {"due": "2025-02-01", "percent": 60}]}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(support::err(&body).1, Some("milestones[1]"));
        let (st, _) = office
            .put(
                &format!("/api/v1/measures/{mid}/milestones"),
                json!({"milestones": [{"due": "2025-03-03", "percent": 50}]}),
            )
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let cfg = rectify_store::supervision::RunConfig::default();
        for day in ["2025-03-03", "2025-04-01"] {
            let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            rectify_store::supervision::run_day(&engine.store, d, &cfg)
                .await
                .unwrap();
        }
        let (st, lights) = office
            .get(&format!("/api/v1/measures/{mid}/lights?date=2025-03-20"))
            .await;
        assert_eq!(st, StatusCode::OK, "{lights}");
        assert_eq!(lights["as_of"]["light"], "yellow");
        assert_eq!(lights["history"][1]["light"], "red");
        let (st, summary) = office
            .get("/api/v1/supervision/lights?date=2025-04-01")
            .await;
        assert_eq!(st, StatusCode::OK, "{summary}");
        assert_eq!(summary["lights"]["red"], 1);
        assert_eq!(summary["latest_run"]["day"], "2025-04-01");
        // The run's counts span the whole database: the office over every organisation
        // gets them, here and by day.
        assert_eq!(summary["latest_run"]["measures"], 1, "{summary}");
        let (st, run) = office.get("/api/v1/supervision/runs/2025-04-01").await;
        assert_eq!(st, StatusCode::OK, "{run}");
        assert_eq!(
            (&run["day"], &run["measures"]),
            (&json!("2025-04-01"), &json!(1))
        );
        // Another organisation's office sees none of it: not its lights, and of the runs only
        // the day and the outcome.
        let office_b = Client::login_as(&server, "office_b").await;
        let (_, b) = office_b
            .get("/api/v1/supervision/lights?date=2025-04-01")
            .await;
        assert_eq!(b["lights"]["red"], 0);
        assert_eq!(
            b["latest_run"],
            json!({"day": "2025-04-01", "outcome": run["outcome"]})
        );
        let (st, b_run) = office_b.get("/api/v1/supervision/runs/2025-04-01").await;
        assert_eq!(st, StatusCode::OK, "{b_run}");
        assert_eq!(b_run, b["latest_run"]);
        for (login, counts) in [("office", true), ("office_b", false)] {
            let mut page = Browser::sign_in(&server, login).await;
            let p = page.get("/supervision").await;
            assert_eq!(p.status, StatusCode::OK, "{login}: {}", p.body);
            let run = p
                .body
                .split_once("id=\"latest-run\"")
                .and_then(|(_, rest)| rest.split_once("</table>"))
                .map(|(table, _)| table)
                .unwrap_or_else(|| panic!("{login}: no latest run: {}", p.body));
            assert!(run.contains("2025"), "{login}: {run}");
            assert_eq!(run.contains("督办中的措施"), counts, "{login}: {run}");
            assert_eq!(
                p.body.contains("仅向管辖全部单位的账号显示"),
                !counts,
                "{login}"
            );
        }
        assert_eq!(
            office_b
                .get(&format!("/api/v1/measures/{mid}/lights"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // The owner's inbox: behind pace, then overdue; marking read.
        let owner = Client::login_as(&server, "owner").await;
        let (st, inbox) = owner.get("/api/v1/inbox?unread=true").await;
        assert_eq!(st, StatusCode::OK, "{inbox}");
        let items = inbox.as_array().unwrap();
        assert_eq!(items.len(), 2, "{inbox}");
        assert!(items[0]["message"].as_str().unwrap().contains("红灯"));
        assert!(
            items[1]["message"]
                .as_str()
                .unwrap()
                .contains("计划应达50%")
        );
        let id = items[0]["id"].as_i64().unwrap();
        assert_eq!(
            owner
                .post(&format!("/api/v1/inbox/{id}/read"), json!({}))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        let (_, inbox) = owner.get("/api/v1/inbox?unread=true").await;
        assert_eq!(inbox.as_array().unwrap().len(), 1);
        // Someone else's notification is not there for the office.
        assert_eq!(
            office
                .post(&format!("/api/v1/inbox/{id}/read"), json!({}))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // Calendar: any role reads; only the system admin writes; a bad block names its line.
        let (st, y) = office.get("/api/v1/calendar/2024").await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            y["schedule"]
                .as_str()
                .unwrap()
                .contains("国庆节 2024-10-01..2024-10-07")
        );
        let block = json!({"schedule": "[2027]\n元旦 2027-01-01\n"});
        assert_eq!(
            office.put("/api/v1/calendar/2027", block.clone()).await.0,
            StatusCode::FORBIDDEN
        );
        let sys = Client::login_as(&server, "sysadmin").await;
        let (st, body) = sys
            .put(
                "/api/v1/calendar/2027",
                json!({"schedule": "[2027]\n元旦 2027-01-01\n元旦 2027-01-01\n"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("line 3"),
            "{body}"
        );
        let (st, body) = sys.put("/api/v1/calendar/2027", block).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert_eq!(body["version"], 1);
        // Light rules: the office sets them; a contradiction names the field.
        let (st, body) = office
            .put(
                "/api/v1/supervision/light-rules",
                json!({"leader_from": "deep_red", "principal_from": "red"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(support::err(&body).1, Some("principal_from"));
        drop(server);
        engine.drop_db().await;
    }
}
