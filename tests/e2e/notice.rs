//! Notice import end to end, on every engine: the seed notice becomes the ledger of a fresh
//! inspection through the API and through the binary; dry runs write nothing; re-imports
//! change nothing; an edited copy yields exactly its diff.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Client, engines, err, seed, start};
use rectify_store::{Actor, NewInspection, Store};

const SEED: &str = include_str!("../../crates/notice/testdata/dongguan-2021-12-28.txt");
const SEED_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/notice/testdata/dongguan-2021-12-28.txt"
);

/// The seed with one measure's text changed (第二方面 / 问题 2 / 措施 2) and one problem added
/// to the second aspect.
fn edited_seed() -> String {
    let changed = SEED.replacen(
        "二是重新审核党员档案,有序完善新发展党员缺失的档案材料。",
        "二是重新审核党员档案,有序完善新发展党员缺失的档案材料,建立档案审核台账。",
        1,
    );
    assert_ne!(changed, SEED, "the seed holds the measure to edit");
    let added = changed.replacen(
        "第三方面问题,",
        "(三)针对党员教育管理不够到位的问题\n\n一是制定年度党员教育培训计划。二是建立党员积分管理台账。\n\n第三方面问题,",
        1,
    );
    assert_ne!(added, changed, "the seed has a third aspect");
    added
}

async fn inspection(store: &Store, org: i64, title: &str) -> i64 {
    let mut w = store.begin_write().await.unwrap();
    let i = w
        .create_inspection(
            &Actor::cli("test"),
            &NewInspection::regular(org, title, chrono::NaiveDate::from_ymd_opt(2021, 7, 22)),
        )
        .await
        .unwrap();
    w.commit().await.unwrap();
    i.id
}

async fn post_notice(
    c: &Client,
    inspection: i64,
    dry_run: bool,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut rb = c
        .http
        .post(format!(
            "{}/api/v1/inspections/{inspection}/notice-import?dry_run={dry_run}",
            c.base
        ))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = &c.csrf {
        rb = rb.header("x-csrf-token", t);
    }
    let resp = rb.send().await.expect("request");
    let st = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (
        st,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn tally(plan: &Value, level: &str) -> (i64, i64, i64, i64) {
    let t = &plan["counts"][level];
    (
        t["create"].as_i64().unwrap(),
        t["unchanged"].as_i64().unwrap(),
        t["changed"].as_i64().unwrap(),
        t["absent"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn api_imports_the_seed_once_and_diffs_an_edit() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let id = inspection(&e.store, w.org_a, "十四届市委第十三轮巡察").await;
        let other = inspection(&e.store, w.org_b, "另一单位的巡察").await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let n = e.name;

        // Dry run: the full plan, nothing written.
        let audit0 = e.store.count("audit_log").await.unwrap();
        let (st, body) = post_notice(&office, id, true, "text/plain", SEED.into()).await;
        assert_eq!(st, StatusCode::OK, "{n}: {body}");
        assert_eq!(body["dry_run"], true);
        assert!(body["applied"].is_null());
        let plan = &body["plan"];
        assert_eq!(tally(plan, "aspects"), (5, 0, 0, 0), "{n}");
        assert_eq!(tally(plan, "problems"), (20, 0, 0, 0), "{n}");
        assert_eq!(tally(plan, "measures"), (50, 0, 0, 0), "{n}");
        assert!(
            plan["facts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == "feedback_on" && f["status"] == "same"),
            "{n}: {}",
            plan["facts"]
        );
        assert_eq!(e.store.count("measure").await.unwrap(), 0, "{n}");
        assert_eq!(e.store.count("problem").await.unwrap(), 0, "{n}");
        assert_eq!(e.store.count("audit_log").await.unwrap(), audit0, "{n}");

        // Import: 5 aspects, 20 problems, 50 draft measures.
        let (st, body) = post_notice(&office, id, false, "text/plain", SEED.into()).await;
        assert_eq!(st, StatusCode::CREATED, "{n}: {body}");
        let a = &body["applied"];
        assert_eq!(
            (
                a["aspects_created"].as_i64(),
                a["problems_created"].as_i64(),
                a["measures_created"].as_i64(),
                a["measures_changed"].as_i64()
            ),
            (Some(5), Some(20), Some(50), Some(0)),
            "{n}"
        );
        let (st, aspects) = office
            .get(&format!("/api/v1/inspections/{id}/aspects"))
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(aspects.as_array().unwrap().len(), 5, "{n}");
        assert_eq!(aspects[1]["title"], "基层党建抓得不够严实", "{n}");
        let (_, problems) = office
            .get(&format!("/api/v1/inspections/{id}/problems"))
            .await;
        assert_eq!(problems.as_array().unwrap().len(), 20, "{n}");
        let (_, ms) = office
            .get(&format!("/api/v1/measures?inspection_id={id}&per_page=200"))
            .await;
        assert_eq!(ms["total"], 50, "{n}");
        assert!(
            ms["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["state"] == "draft"
                    && m["deadline"].is_null()
                    && m["owner_id"].is_null()),
            "{n}: imported measures are drafts without owners or deadlines"
        );
        let audit1 = e.store.count("audit_log").await.unwrap();
        assert_eq!(
            audit1,
            audit0 + 5 + 20 + 50 + 1,
            "{n}: one audit row per row and one summary"
        );

        // Again: nothing changes.
        let (st, body) =
            post_notice(&office, id, false, "application/octet-stream", SEED.into()).await;
        assert_eq!(st, StatusCode::OK, "{n}: {body}");
        assert_eq!(tally(&body["plan"], "measures"), (0, 50, 0, 0), "{n}");
        assert_eq!(body["applied"]["measures_created"], 0);
        assert_eq!(body["applied"]["measures_changed"], 0);
        assert_eq!(e.store.count("measure").await.unwrap(), 50, "{n}");
        assert_eq!(e.store.count("audit_log").await.unwrap(), audit1, "{n}");

        // An edited copy: exactly one changed measure and one new problem with its measures.
        let edited = edited_seed();
        let (st, body) = post_notice(&office, id, true, "text/plain", edited.clone().into()).await;
        assert_eq!(st, StatusCode::OK, "{n}: {body}");
        let plan = &body["plan"];
        assert_eq!(tally(plan, "aspects"), (0, 5, 0, 0), "{n}");
        assert_eq!(tally(plan, "problems"), (1, 20, 0, 0), "{n}");
        assert_eq!(tally(plan, "measures"), (2, 50 - 1, 1, 0), "{n}");
        let changed: Vec<&Value> = plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["action"] != "unchanged")
            .collect();
        assert_eq!(changed.len(), 4, "{n}: {changed:?}");
        let ch = changed.iter().find(|i| i["action"] == "changed").unwrap();
        assert_eq!(ch["location"], "第二方面 / 问题 2 / 措施 2", "{n}");
        assert!(
            ch["new_text"]
                .as_str()
                .unwrap()
                .ends_with("建立档案审核台账。")
        );
        assert!(ch["old_text"].as_str().unwrap().ends_with("档案材料。"));
        let (st, body) = post_notice(&office, id, false, "text/plain", edited.clone().into()).await;
        assert_eq!(st, StatusCode::CREATED, "{n}: {body}");
        assert_eq!(body["applied"]["problems_created"], 1);
        assert_eq!(body["applied"]["measures_created"], 2);
        assert_eq!(body["applied"]["measures_changed"], 1);
        assert_eq!(e.store.count("measure").await.unwrap(), 52, "{n}");
        let m = ch["id"].as_i64().unwrap();
        let (_, mv) = office.get(&format!("/api/v1/measures/{m}")).await;
        assert!(
            mv["text"].as_str().unwrap().ends_with("建立档案审核台账。"),
            "{n}"
        );
        let (_, history) = office.get(&format!("/api/v1/measures/{m}/history")).await;
        assert!(
            history.to_string().contains("建立档案审核台账"),
            "{n}: {history}"
        );
        let (_, again) = post_notice(&office, id, true, "text/plain", edited.into()).await;
        assert_eq!(tally(&again["plan"], "measures"), (0, 52, 0, 0), "{n}");

        // Roles and scope.
        let liaison = Client::login_as(&srv, "liaison_a1").await;
        let (st, body) = post_notice(&liaison, id, true, "text/plain", SEED.into()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{n}: {body}");
        let office_b = Client::login_as(&srv, "office_b").await;
        let (st, _) = post_notice(&office_b, id, true, "text/plain", SEED.into()).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{n}: another unit's inspection");
        let office_a = Client::login_as(&srv, "office_a").await;
        let (st, _) = post_notice(&office_a, other, false, "text/plain", SEED.into()).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{n}: another unit's inspection");
        let (st, body) = post_notice(&office_a, id, true, "text/plain", SEED.into()).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{n}: the inspected organisation's office: {body}"
        );

        // Garbage and wrong media types: 422 on the body.
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        let (st, body) = post_notice(&office, id, false, "application/octet-stream", garbage).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {body}");
        assert_eq!(err(&body).1, Some("body"), "{n}: {body}");
        let (st, body) = post_notice(&office, id, false, "image/png", SEED.into()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {body}");
        assert_eq!(err(&body).1, Some("body"));
        let (st, body) = post_notice(&office, id, false, "text/plain", Vec::new()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {body}");
        assert_eq!(e.store.count("measure").await.unwrap(), 52, "{n}");
        assert_eq!(e.store.count("measure").await.unwrap(), 52, "{n}");

        let (_, doc) = office.get("/api/v1/openapi.json").await;
        assert!(doc["paths"]["/api/v1/inspections/{id}/notice-import"]["post"].is_object());
        drop(srv);
        e.drop_db().await;
    }
}

fn rectify() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rectify"));
    c.env_remove("RECTIFY_DATA_DIR")
        .env_remove("RECTIFY_DATABASE_URL")
        .env("RECTIFY_LOG", "warn");
    c
}

fn run(args: &[&str], data: &[String]) -> (bool, String, String) {
    let out = rectify().args(args).args(data).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn cli_dry_run_import_and_reimport() {
    for e in engines().await {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<String> = if e.name == "postgres" {
            e.store.close().await;
            vec!["--database".into(), e.url.clone()]
        } else {
            e.store.close().await;
            vec!["--data-dir".into(), dir.path().display().to_string()]
        };
        let n = e.name;
        let (ok, _, stderr) = run(&["admin", "bootstrap"], &data);
        assert!(ok, "{n}: {stderr}");
        let (ok, id, stderr) = run(
            &[
                "inspection",
                "create",
                "--org",
                "1",
                "--title",
                "十四届市委第十三轮巡察",
                "--feedback",
                "2021-07-22",
            ],
            &data,
        );
        assert!(ok, "{n}: {stderr}");
        let id = id.trim().to_string();

        let (ok, out, stderr) = run(
            &[
                "notice",
                "import",
                SEED_PATH,
                "--inspection",
                &id,
                "--dry-run",
            ],
            &data,
        );
        assert!(ok, "{n}: {stderr}");
        for want in [
            "方面: 新增 5, 不变 0",
            "问题: 新增 20, 不变 0",
            "措施: 新增 50, 不变 0",
            "第二方面 / 问题 1 / 措施 2: 新增措施",
            "巡察组: 台账 — / 通报 市委第一巡察组 (台账未填)",
            "反馈日期: 台账 2021-07-22 / 通报 2021-07-22 (一致)",
            "未写入任何数据",
        ] {
            assert!(out.contains(want), "{n}: lacks {want}:\n{out}");
        }
        let (ok, out, stderr) = run(&["notice", "import", SEED_PATH, "--inspection", &id], &data);
        assert!(ok, "{n}: {stderr}");
        assert!(
            out.contains("已导入: 新增 5 个方面、20 个问题、50 项措施, 修改 0 项措施"),
            "{n}: {out}"
        );
        let (ok, out, _) = run(&["notice", "import", SEED_PATH, "--inspection", &id], &data);
        assert!(ok);
        assert!(
            out.contains("措施: 新增 0, 不变 50, 修改 0, 通报中没有 0"),
            "{n}: {out}"
        );
        assert!(out.contains("无需导入"), "{n}: {out}");

        let edited = dir.path().join("edited.txt");
        std::fs::write(&edited, edited_seed()).unwrap();
        let edited = edited.display().to_string();
        let (ok, out, stderr) = run(
            &[
                "notice",
                "import",
                &edited,
                "--inspection",
                &id,
                "--dry-run",
            ],
            &data,
        );
        assert!(ok, "{n}: {stderr}");
        assert!(
            out.contains("第二方面 / 问题 2 / 措施 2: 修改 「"),
            "{n}: {out}"
        );
        assert!(
            out.contains("第二方面 / 问题 3: 新增问题 针对党员教育管理不够到位的问题"),
            "{n}: {out}"
        );

        let (ok, _, stderr) = run(
            &["notice", "import", SEED_PATH, "--inspection", "999"],
            &data,
        );
        assert!(!ok);
        assert!(stderr.contains("--inspection"), "{n}: {stderr}");
        let junk = dir.path().join("junk.bin");
        std::fs::write(
            &junk,
            (0..4096u32)
                .map(|i| (i * 7919 % 251) as u8)
                .collect::<Vec<u8>>(),
        )
        .unwrap();
        let junk = junk.display().to_string();
        let (ok, _, stderr) = run(&["notice", "import", &junk, "--inspection", &id], &data);
        assert!(!ok);
        assert!(stderr.contains(&junk), "{n}: {stderr}");
        e.drop_db().await;
    }
}
