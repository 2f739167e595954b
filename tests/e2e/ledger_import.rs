//! Ledger import end to end, on SQLite always and PostgreSQL when `RECTIFY_TEST_PG_URL` is set:
//! a messy ledger written by openpyxl (`RECTIFY_TEST_PYTHON`, script in
//! `tests/data/ledgers/make_messy.py`), one converted by LibreOffice (`RECTIFY_TEST_SOFFICE`)
//! and a GBK CSV are imported through the API and the binary with a correct dry-run report;
//! re-imports change nothing; an edited file updates its rows; bombs, wrong magic bytes,
//! truncated files and bodies over the cap are refused with nothing stored; the binary refuses
//! every bomb within its memory budget (`/usr/bin/time -v`). A missing tool prints
//! `SKIPPED: …`; with `RECTIFY_TEST_REQUIRE_ALL=1` it fails the test instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Client, Server, engines, err, seed};
use rectify_office::zipguard::bombs;
use rectify_store::{Actor, NewInspection, Store};

const MAKE_MESSY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/ledgers/make_messy.py"
);

/// Peak resident memory allowed to the binary while it refuses a bomb.
const BOMB_BUDGET_KB: u64 = 100 * 1024;

fn loud(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!! {msg} !!!!!!!!\n");
}

fn skip(msg: String) {
    if std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("{msg} (RECTIFY_TEST_REQUIRE_ALL=1)");
    }
    loud(&msg);
}

fn tool(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            skip(format!("SKIPPED: {what}: set {var} to enable it"));
            None
        }
    }
}

/// The messy ledger written by openpyxl (`original` or `edited`).
fn openpyxl_ledger(dir: &Path, variant: &str) -> Option<Vec<u8>> {
    let python = tool("RECTIFY_TEST_PYTHON", "openpyxl-written ledger")?;
    let out = dir.join(format!("messy-{variant}.xlsx"));
    let st = Command::new(python)
        .arg(MAKE_MESSY)
        .arg(&out)
        .arg(variant)
        .output()
        .expect("run python");
    assert!(
        st.status.success(),
        "make_messy.py: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    Some(std::fs::read(out).unwrap())
}

/// The same ledger as CSV text (what LibreOffice and the GBK case start from).
const LEDGER_CSV: &str = "\
市教育局整改台账,,,,,,,
序号,方面,问题,整改措施,责任领导,责任单位,责任人,完成时限
1,党的领导方面,理论学习不深入,制定学习计划,李强,办公室,张伟,2021-12-31
1,党的领导方面,理论学习不深入,建立考勤制度,李强,人事科,,2022-03-31
2,作风建设方面,议事规则不健全,修订议事规则,,办公室,张伟,2022/6/30
";

/// `LEDGER_CSV` converted to xlsx by LibreOffice.
fn libreoffice_ledger(dir: &Path) -> Option<Vec<u8>> {
    let soffice = tool("RECTIFY_TEST_SOFFICE", "LibreOffice-converted ledger")?;
    let csv = dir.join("lo-ledger.csv");
    std::fs::write(&csv, LEDGER_CSV).unwrap();
    let out = Command::new(&soffice)
        .env("HOME", dir)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(dir)
        .arg(&csv)
        .output()
        .expect("run soffice");
    let xlsx = dir.join("lo-ledger.xlsx");
    assert!(
        out.status.success() && xlsx.exists(),
        "soffice --convert-to xlsx: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(std::fs::read(xlsx).unwrap())
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

/// A server like `support::start`, with a 1 MiB upload cap.
async fn start_small(store: &Store) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = rectify_web::AppState::new(
        store.clone(),
        rectify_web::WebConfig {
            upload_limit: 1 << 20,
            ..Default::default()
        },
    );
    let task = tokio::spawn(async move {
        let _ = rectify_web::serve_on(state, listener).await;
    });
    Server { addr, task }
}

async fn post(
    c: &Client,
    inspection: i64,
    query: &str,
    file_name: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut rb = c
        .http
        .post(format!(
            "{}/api/v1/inspections/{inspection}/ledger/import?{query}",
            c.base
        ))
        .header("content-type", "application/octet-stream")
        .header("x-file-name", file_name)
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

fn count(body: &Value, key: &str) -> i64 {
    body["plan"]["counts"][key].as_i64().unwrap_or(-1)
}

async fn stored(store: &Store) -> (i64, i64, i64) {
    (
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM aspect")
            .fetch_one(store.pool())
            .await
            .unwrap(),
        store.count("problem").await.unwrap(),
        store.count("measure").await.unwrap(),
    )
}

#[tokio::test]
async fn api_imports_messy_ledgers_and_refuses_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let original = openpyxl_ledger(dir.path(), "original");
    let edited = openpyxl_ledger(dir.path(), "edited");
    let lo = libreoffice_ledger(dir.path());
    for e in engines().await {
        let n = e.name;
        let w = seed(&e.store).await;
        let id = inspection(&e.store, w.org_a, "市委第一轮巡察").await;
        let srv = start_small(&e.store).await;
        let office = Client::login_as(&srv, "office").await;

        if let (Some(original), Some(edited)) = (&original, &edited) {
            // Dry run: every problem by row and column, nothing written.
            let audit0 = e.store.count("audit_log").await.unwrap();
            let (st, body) = post(&office, id, "dry_run=true", "台账.xlsx", original.clone()).await;
            assert_eq!(st, StatusCode::OK, "{n}: {body}");
            assert_eq!(
                body["messages"],
                serde_json::json!(["第8行 整改时限: 无法识别 '下月'"]),
                "{n}: {body}"
            );
            let sheet = &body["file"]["sheets"][0];
            assert_eq!(sheet["header_rows"], serde_json::json!([3, 4]), "{n}");
            assert_eq!(sheet["notes"], serde_json::json!(["联系电话"]), "{n}");
            assert_eq!(
                body["file"]["ignored_sheets"],
                serde_json::json!(["填表说明"])
            );
            assert!(
                sheet["columns"]
                    .as_array()
                    .unwrap()
                    .contains(&Value::from("责任部门 → 责任单位")),
                "{n}: {sheet}"
            );
            assert_eq!(
                (
                    count(&body, "aspects_created"),
                    count(&body, "problems_created"),
                    count(&body, "measures_created"),
                    count(&body, "invalid_rows")
                ),
                (1, 2, 3, 1),
                "{n}: {body}"
            );
            let rows = body["plan"]["rows"].as_array().unwrap();
            assert_eq!(rows[0]["deadline"], "2021-12-31", "{n}");
            assert_eq!(rows[1]["deadline"], "2022-03-31", "{n}: a real date cell");
            assert_eq!(rows[1]["problem_no"], 1, "{n}: merged 序号 filled");
            assert_eq!(rows[2]["kind"], "ongoing", "{n}");
            assert_eq!(
                rows[2]["co_unit_ids"],
                serde_json::json!([w.unit_a2]),
                "{n}"
            );
            assert_eq!(rows[0]["owner_id"], w.owner_person, "{n}");
            assert_eq!(rows[0]["leader_id"], w.leader_person, "{n}");
            assert_eq!(stored(&e.store).await, (0, 0, 0), "{n}");
            assert_eq!(e.store.count("audit_log").await.unwrap(), audit0, "{n}");

            // Apply without accepting: refused whole, nothing written.
            let (st, body) = post(&office, id, "", "台账.xlsx", original.clone()).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {body}");
            assert_eq!(err(&body).0, "invalid_rows", "{n}");
            assert!(body.to_string().contains("第8行 整改时限"), "{n}: {body}");
            assert_eq!(stored(&e.store).await, (0, 0, 0), "{n}");

            // Only the valid rows.
            let (st, body) = post(
                &office,
                id,
                "accept_valid=true",
                "台账.xlsx",
                original.clone(),
            )
            .await;
            assert_eq!(st, StatusCode::CREATED, "{n}: {body}");
            assert_eq!(body["applied"]["measures_created"], 3, "{n}");
            assert_eq!(stored(&e.store).await, (1, 2, 3), "{n}");
            let (_, ms) = office
                .get(&format!("/api/v1/measures?inspection_id={id}&per_page=50"))
                .await;
            let items = ms["items"].as_array().unwrap();
            assert!(items.iter().all(|m| m["state"] == "draft"), "{n}");
            assert!(
                items
                    .iter()
                    .any(|m| m["text"] == "制定学习计划" && m["responsible_unit_id"] == w.unit_a1),
                "{n}: {ms}"
            );

            // The same file again: nothing written, not even an audit row.
            let audit1 = e.store.count("audit_log").await.unwrap();
            let (st, body) = post(
                &office,
                id,
                "accept_valid=true",
                "台账.xlsx",
                original.clone(),
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{n}: {body}");
            assert_eq!(count(&body, "measures_unchanged"), 3, "{n}");
            assert_eq!(body["applied"]["measures_changed"], 0, "{n}");
            assert_eq!(e.store.count("audit_log").await.unwrap(), audit1, "{n}");

            // The edited file: one text changed, the fixed row created, the rest unchanged.
            let (st, body) = post(&office, id, "dry_run=true", "台账.xlsx", edited.clone()).await;
            assert_eq!(st, StatusCode::OK, "{n}: {body}");
            assert_eq!(body["messages"], serde_json::json!([]), "{n}");
            assert_eq!(
                (
                    count(&body, "measures_changed"),
                    count(&body, "measures_created"),
                    count(&body, "measures_unchanged"),
                    count(&body, "problems_created")
                ),
                (1, 1, 2, 1),
                "{n}: {body}"
            );
            let (st, body) = post(&office, id, "", "台账.xlsx", edited.clone()).await;
            assert_eq!(st, StatusCode::CREATED, "{n}: {body}");
            assert_eq!(stored(&e.store).await, (1, 3, 4), "{n}");
            let audit2 = e.store.count("audit_log").await.unwrap();
            let (st, _) = post(&office, id, "", "台账.xlsx", edited.clone()).await;
            assert_eq!(st, StatusCode::OK, "{n}");
            assert_eq!(e.store.count("audit_log").await.unwrap(), audit2, "{n}");

            // Roles.
            let liaison = Client::login_as(&srv, "liaison_a1").await;
            let (st, _) = post(&liaison, id, "dry_run=true", "台账.xlsx", edited.clone()).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{n}");
        }

        // LibreOffice's xlsx: its date cells and layout read the same.
        if let Some(lo) = &lo {
            let lid = inspection(&e.store, w.org_a, "LibreOffice 台账").await;
            let (st, body) = post(&office, lid, "dry_run=true", "lo.xlsx", lo.clone()).await;
            assert_eq!(st, StatusCode::OK, "{n}: {body}");
            assert_eq!(body["messages"], serde_json::json!([]), "{n}: {body}");
            assert_eq!(count(&body, "measures_created"), 3, "{n}: {body}");
            assert_eq!(count(&body, "aspects_created"), 2, "{n}");
            let rows = body["plan"]["rows"].as_array().unwrap();
            let deadlines: Vec<&str> = rows
                .iter()
                .map(|r| r["deadline"].as_str().unwrap())
                .collect();
            assert_eq!(deadlines, ["2021-12-31", "2022-03-31", "2022-06-30"], "{n}");
        }

        // A GBK CSV: detected, read, applied.
        let gid = inspection(&e.store, w.org_a, "GBK 台账").await;
        let before = stored(&e.store).await;
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(LEDGER_CSV);
        assert!(!unmappable);
        let (st, body) = post(
            &office,
            gid,
            "dry_run=true",
            "%E5%8F%B0%E8%B4%A6.csv",
            gbk.to_vec(),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{n}: {body}");
        assert_eq!(body["file"]["encoding"], "GB18030/GBK", "{n}");
        assert_eq!(body["file"]["sheets"][0]["name"], "台账.csv", "{n}");
        assert_eq!(count(&body, "measures_created"), 3, "{n}: {body}");
        let (st, body) = post(&office, gid, "", "a.csv", gbk.to_vec()).await;
        assert_eq!(st, StatusCode::CREATED, "{n}: {body}");
        let after = stored(&e.store).await;
        assert_eq!(after.2, before.2 + 3, "{n}");
        let (_, ms) = office
            .get(&format!("/api/v1/measures?inspection_id={gid}&per_page=50"))
            .await;
        assert!(
            ms.to_string().contains("建立考勤制度"),
            "{n}: no mojibake: {ms}"
        );

        // Bad files: 4xx in the envelope, never 5xx, nothing stored.
        let before = stored(&e.store).await;
        let audit = e.store.count("audit_log").await.unwrap();
        let small_bomb = bombs::huge_ratio(64 << 20);
        assert!(small_bomb.len() < (1 << 20));
        let mut truncated = edited
            .clone()
            .unwrap_or_else(|| bombs::archive(&[bombs::entry("a.xml", &[b'a'; 5000])], &[]));
        truncated.truncate(truncated.len() * 2 / 3);
        for (what, name, body, code) in [
            ("huge ratio", "bomb.xlsx", small_bomb, "compression_ratio"),
            (
                "overlapping",
                "o.xlsx",
                bombs::overlapping(3),
                "overlapping_entries",
            ),
            ("nested", "n.xlsx", bombs::nested(), "nested_archive"),
            (
                "lying sizes",
                "l.xlsx",
                bombs::lying_sizes(300 << 20),
                "size_mismatch",
            ),
            (
                "wrong magic",
                "x.xlsx",
                b"GIF89a not a spreadsheet".to_vec(),
                "wrong_magic",
            ),
            (
                "binary",
                "x.csv",
                vec![0x89, b'P', b'N', b'G', 0, 0, 0, 0],
                "wrong_magic",
            ),
            ("truncated", "t.xlsx", truncated, "truncated"),
            ("empty", "e.csv", Vec::new(), "empty_file"),
            (
                "old xls",
                "o.xls",
                vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
                "old_xls",
            ),
        ] {
            let (st, body) = post(&office, id, "", name, body).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {what}: {body}");
            assert_eq!(err(&body), (code, Some("body")), "{n}: {what}: {body}");
        }
        // Over the upload cap: 413 in the envelope.
        let (st, body) = post(&office, id, "", "big.csv", vec![b'a'; (1 << 20) + 10]).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{n}: {body}");
        assert_eq!(body["error"]["code"], "too_large", "{n}: {body}");
        assert_eq!(stored(&e.store).await, before, "{n}");
        assert_eq!(e.store.count("audit_log").await.unwrap(), audit, "{n}");

        // The notice import takes .docx files: the same guard refuses a docx bomb there.
        let mut rb = office
            .http
            .post(format!(
                "{}/api/v1/inspections/{id}/notice-import?dry_run=true",
                office.base
            ))
            .header("content-type", "application/octet-stream")
            .body(bombs::nested());
        if let Some(t) = &office.csrf {
            rb = rb.header("x-csrf-token", t);
        }
        let resp = rb.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(err(&body), ("nested_archive", Some("body")), "{n}: {body}");

        let (_, doc) = office.get("/api/v1/openapi.json").await;
        assert!(doc["paths"]["/api/v1/inspections/{id}/ledger/import"]["post"].is_object());
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

fn run(args: &[&str], data: &[String]) -> (i32, String, String) {
    let out = rectify().args(args).args(data).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn cli_dry_run_import_reimport_and_bombs_within_budget() {
    let files = tempfile::tempdir().unwrap();
    let messy = openpyxl_ledger(files.path(), "original").map(|b| {
        let p = files.path().join("台账.xlsx");
        std::fs::write(&p, b).unwrap();
        p
    });
    let gbk_path = files.path().join("gbk.csv");
    let mut bomb_files: Vec<(&str, String, &str)> = Vec::new();
    for (what, bytes, code) in [
        (
            "declared",
            bombs::huge_ratio(1 << 30),
            "too_large_uncompressed",
        ),
        ("ratio", bombs::huge_ratio(128 << 20), "compression_ratio"),
        ("lying", bombs::lying_sizes(1 << 30), "size_mismatch"),
        ("overlap", bombs::overlapping(64), "overlapping_entries"),
        ("entries", bombs::many_entries(100_000), "too_many_entries"),
        ("nested", bombs::nested(), "nested_archive"),
    ] {
        let path: PathBuf = files.path().join(format!("{what}.xlsx"));
        std::fs::write(&path, bytes).unwrap();
        bomb_files.push((what, path.display().to_string(), code));
    }
    for e in engines().await {
        let dir = tempfile::tempdir().unwrap();
        e.store.close().await;
        let data: Vec<String> = if e.name == "postgres" {
            vec!["--database".into(), e.url.clone()]
        } else {
            vec!["--data-dir".into(), dir.path().display().to_string()]
        };
        let n = e.name;
        let (code, _, stderr) = run(&["admin", "bootstrap"], &data);
        assert_eq!(code, 0, "{n}: {stderr}");
        let (code, id, stderr) = run(
            &[
                "inspection",
                "create",
                "--org",
                "1",
                "--title",
                "测试巡察",
                "--feedback",
                "2021-07-22",
            ],
            &data,
        );
        assert_eq!(code, 0, "{n}: {stderr}");
        let id = id.trim().to_string();
        // The messy workbook names units and people the bootstrap organisation lacks: the dry
        // run lists every problem by row and column and exits 2, writing nothing.
        if let Some(messy) = &messy {
            let p = messy.display().to_string();
            let (code, out, stderr) = run(
                &["ledger", "import", &p, "--inspection", &id, "--dry-run"],
                &data,
            );
            assert_eq!(code, 2, "{n}: {out}{stderr}");
            for want in [
                "工作表「整改台账」: 表头在第 3、4 行",
                "其他列 (记入备注): 联系电话",
                "工作表「填表说明」: 无表头, 未读取",
                "[整改台账] 第5行 责任单位: 被巡察单位中没有 '办公室'",
                "[整改台账] 第8行 整改时限: 无法识别 '下月'",
                "试运行 (--dry-run): 未写入任何数据",
            ] {
                assert!(out.contains(want), "{n}: lacks {want}:\n{out}");
            }
            let (code, out, _) = run(&["ledger", "import", &p, "--inspection", &id], &data);
            assert_eq!(code, 2, "{n}: {out}");
            assert!(out.contains("未写入任何数据"), "{n}: {out}");
        }

        // The GBK CSV without names the organisation lacks: dry run, import, re-import.
        let g = gbk_path.display().to_string();
        let gbk_csv = LEDGER_CSV
            .replace(",李强,办公室,张伟,", ",,,,")
            .replace(",李强,人事科,,", ",,,,")
            .replace(",,办公室,张伟,", ",,,,");
        let (bytes, _, _) = encoding_rs::GBK.encode(&gbk_csv);
        std::fs::write(&gbk_path, &bytes).unwrap();
        let (code, out, stderr) = run(
            &["ledger", "import", &g, "--inspection", &id, "--dry-run"],
            &data,
        );
        assert_eq!(code, 0, "{n}: {out}{stderr}");
        for want in [
            "编码: GB18030/GBK",
            "方面: 新增 2",
            "措施: 新增 3, 修改 0, 不变 0",
            "新增 第4行 [1 理论学习不深入] 建立考勤制度",
        ] {
            assert!(out.contains(want), "{n}: lacks {want}:\n{out}");
        }
        let (code, out, stderr) = run(&["ledger", "import", &g, "--inspection", &id], &data);
        assert_eq!(code, 0, "{n}: {stderr}");
        assert!(
            out.contains("已导入: 新增 2 个方面、2 个问题、3 项措施, 修改 0 项措施"),
            "{n}: {out}"
        );
        let (code, out, _) = run(&["ledger", "import", &g, "--inspection", &id], &data);
        assert_eq!(code, 0);
        assert!(out.contains("台账已与文件一致: 无需导入"), "{n}: {out}");
        // Edited: one deadline moved.
        let moved = gbk_csv.replace("2022/6/30", "2022年9月底");
        let (bytes, _, _) = encoding_rs::GBK.encode(&moved);
        std::fs::write(&gbk_path, &bytes).unwrap();
        let (code, out, _) = run(&["ledger", "import", &g, "--inspection", &id], &data);
        assert_eq!(code, 0);
        assert!(
            out.contains("修改 第5行 [2 议事规则不健全] deadline: 2022-06-30 → 2022-09-30"),
            "{n}: {out}"
        );
        assert!(out.contains("修改 1 项措施"), "{n}: {out}");

        // Bombs: refused by the binary within the memory budget, nothing written.
        let time = Path::new("/usr/bin/time");
        for (what, p, code) in &bomb_files {
            let p = p.as_str();
            if time.exists() {
                let out = Command::new(time)
                    .arg("-v")
                    .arg(env!("CARGO_BIN_EXE_rectify"))
                    .args(["ledger", "import", p, "--inspection", &id])
                    .args(&data)
                    .env_remove("RECTIFY_DATA_DIR")
                    .env_remove("RECTIFY_DATABASE_URL")
                    .output()
                    .unwrap();
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(!out.status.success(), "{n}: {what} accepted");
                assert!(err.contains(&format!("[{code}]")), "{n}: {what}: {err}");
                let kb: u64 = err
                    .lines()
                    .find_map(|l| {
                        l.trim()
                            .strip_prefix("Maximum resident set size (kbytes): ")
                    })
                    .and_then(|v| v.trim().parse().ok())
                    .expect("time -v reports the peak");
                assert!(
                    kb < BOMB_BUDGET_KB,
                    "{n}: {what}: peak {kb} kB over {BOMB_BUDGET_KB} kB"
                );
                loud(&format!("bomb {what}: refused, peak RSS {kb} kB"));
            } else {
                skip(
                    "SKIPPED: bomb memory budget: /usr/bin/time is missing (Debian package `time`)"
                        .into(),
                );
                let (status, _, stderr) = run(&["ledger", "import", p, "--inspection", &id], &data);
                assert_ne!(status, 0, "{n}: {what}: {stderr}");
                assert!(
                    stderr.contains(&format!("[{code}]")),
                    "{n}: {what}: {stderr}"
                );
            }
        }
        let (code, out, _) = run(
            &["ledger", "import", &g, "--inspection", &id, "--dry-run"],
            &data,
        );
        assert_eq!(code, 0);
        assert!(
            out.contains("措施: 新增 0, 修改 0, 不变 3"),
            "{n}: nothing written by the bombs: {out}"
        );
        e.drop_db().await;
    }
}

/// The web import screen: the inspection page's form (CSRF, visible size limit) → the dry run
/// as a page listing every problem by row and column (zh and en), writing nothing → confirm,
/// refused while rows have problems unless only the valid rows are accepted, refused for an
/// unknown token, re-planned when the ledger moved after the preview → the measures created.
#[tokio::test]
async fn web_page_previews_a_ledger_then_imports_the_valid_rows() {
    use crate::ui::{Browser, assert_page_headers, form_value, multipart};
    // Line 6: a deadline nobody can read.
    let csv = format!("{LEDGER_CSV}3,作风建设方面,公务接待不规范,修订接待办法,,办公室,张伟,下月\n");
    for e in engines().await {
        let w = seed(&e.store).await;
        let id = inspection(&e.store, w.org_a, "市教育局巡察").await;
        let server = crate::support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        let at = format!("/inspections/{id}");
        let page = office.get(&at).await;
        assert_eq!(page.status, StatusCode::OK);
        let form = &page.body[page
            .body
            .find(&format!("action=\"{at}/ledger-import\""))
            .unwrap()..];
        let form = &form[..form.find("</form>").unwrap()];
        assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
        assert!(form.contains("name=\"_csrf\""), "{form}");
        assert!(form.contains("不超过 50 MB"), "size limit shown: {form}");
        assert!(
            form.contains(&format!("data-max=\"{}\"", 50 * 1024 * 1024)),
            "{form}"
        );
        let nothing = stored(&e.store).await;

        // No CSRF token: refused, nothing kept or written.
        let (ct, body) = multipart(&[], &[("ledger", "台账.csv", csv.as_bytes())]);
        let r = office
            .http
            .post(format!("{}{at}/ledger-import", office.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // An empty upload is named next to its field.
        let p = office
            .post_multipart(&format!("{at}/ledger-import"), &[], &[("ledger", "", b"")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p.body.contains("id=\"ledger-error\">请选择台账文件"),
            "{}",
            p.body
        );
        // Not a ledger: named next to the field too.
        let p = office
            .post_multipart(
                &format!("{at}/ledger-import"),
                &[],
                &[("ledger", "a.xlsx", b"not a zip at all")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p.body.contains("id=\"ledger-error\">无法读取台账文件"),
            "{}",
            p.body
        );

        // The dry run is a page; it lists the row problem and writes nothing.
        let p = office
            .post_multipart(
                &format!("{at}/ledger-import"),
                &[],
                &[("ledger", "台账.csv", csv.as_bytes())],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert_page_headers(&p);
        assert!(
            p.body.contains("第6行 完成时限: 无法识别 &#39;下月&#39;")
                || p.body.contains("第6行 完成时限: 无法识别 &#x27;下月&#x27;"),
            "{}",
            p.body
        );
        assert_eq!(number_in(&p.body, "measures-create"), 3);
        assert_eq!(number_in(&p.body, "invalid-rows"), 1);
        assert!(p.body.contains("name=\"accept_valid\""));
        assert_eq!(
            stored(&e.store).await,
            nothing,
            "the dry run writes nothing"
        );
        let apply = format!("{at}/ledger-import/apply");
        let upload = form_value(&p.body, &apply, "upload").unwrap();
        let expect = form_value(&p.body, &apply, "expect").unwrap();
        assert!(upload.len() >= 40, "a random token: {upload}");

        // In English: the same problem, by row and column.
        let r = office
            .post("/locale", &[("locale", "en"), ("back", at.as_str())])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        office.get(&at).await;
        let en = office
            .post_multipart(
                &format!("{at}/ledger-import"),
                &[],
                &[("ledger", "ledger.csv", csv.as_bytes())],
            )
            .await;
        assert!(
            en.body.contains("Row 6, 完成时限: unreadable deadline"),
            "{}",
            en.body
        );
        // That upload replaced the first one (same user, same inspection).
        let upload_en = form_value(&en.body, &apply, "upload").unwrap();
        office
            .post("/locale", &[("locale", "zh"), ("back", at.as_str())])
            .await;
        office.get(&at).await;

        // Confirm without accepting only the valid rows: refused, nothing written.
        let p = office
            .post(
                &apply,
                &[("upload", upload_en.as_str()), ("expect", expect.as_str())],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains("只导入无问题的行"));
        // The replaced token, a made-up one, a token without CSRF: nothing written.
        for token in [upload.as_str(), "forged-token"] {
            let p = office
                .post(
                    &apply,
                    &[
                        ("upload", token),
                        ("expect", expect.as_str()),
                        ("accept_valid", "1"),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::GONE, "{token}: {}", p.body);
            assert!(p.body.contains("id=\"ledger-error\">上传的文件已过期"));
        }
        let p = office
            .post_raw(
                &apply,
                &[
                    ("upload", upload_en.as_str()),
                    ("expect", expect.as_str()),
                    ("accept_valid", "1"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(stored(&e.store).await, nothing);

        // Accepting only the valid rows creates exactly the planned measures.
        let p = office
            .post(
                &apply,
                &[
                    ("upload", upload_en.as_str()),
                    ("expect", expect.as_str()),
                    ("accept_valid", "1"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(p.location(), format!("/ledger?view=tree&inspection={id}"));
        assert_eq!(
            stored(&e.store).await,
            (nothing.0 + 2, nothing.1 + 2, nothing.2 + 3)
        );
        let tree = office.get(p.location()).await;
        assert!(tree.body.contains("修订议事规则"));
        // The token is spent.
        let p = office
            .post(
                &apply,
                &[
                    ("upload", upload_en.as_str()),
                    ("expect", expect.as_str()),
                    ("accept_valid", "1"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::GONE);

        // A preview, then the ledger moves (the same rows imported elsewhere), then confirm:
        // the plan is made again and shown, nothing applied twice.
        let fixed = csv.replace("下月", "2022-09-30");
        let p = office
            .post_multipart(
                &format!("{at}/ledger-import"),
                &[],
                &[("ledger", "台账.csv", fixed.as_bytes())],
            )
            .await;
        assert_eq!(number_in(&p.body, "measures-create"), 1);
        let upload = form_value(&p.body, &apply, "upload").unwrap();
        let expect = form_value(&p.body, &apply, "expect").unwrap();
        let viewer = rectify_store::import::office_viewer(&e.store, id)
            .await
            .unwrap();
        let (_, plan) = rectify_web::api::ledger_import::read_and_plan(
            &e.store,
            &viewer,
            id,
            fixed.as_bytes().to_vec(),
            Some("x.csv".into()),
        )
        .await
        .unwrap();
        rectify_store::ledger_import::apply(&e.store, &Actor::cli("test"), &viewer, &plan, false)
            .await
            .unwrap();
        let moved = stored(&e.store).await;
        let p = office
            .post(
                &apply,
                &[("upload", upload.as_str()), ("expect", expect.as_str())],
            )
            .await;
        assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
        assert!(p.body.contains("台账在预览之后已有变化"));
        assert_eq!(number_in(&p.body, "measures-create"), 0);
        assert_eq!(stored(&e.store).await, moved);
        // Now the ledger matches the file: the page says so and offers no confirm.
        let p = office
            .post_multipart(
                &format!("{at}/ledger-import"),
                &[],
                &[("ledger", "台账.csv", fixed.as_bytes())],
            )
            .await;
        assert!(
            p.body.contains("id=\"ledger-import-nothing\""),
            "{}",
            p.body
        );
        assert!(!p.body.contains(&format!("action=\"{apply}\"")));
        drop(server);
        e.drop_db().await;
    }
}

/// The number inside the element with this id.
fn number_in(html: &str, id: &str) -> i64 {
    let key = format!("id=\"{id}\">");
    let i = html.find(&key).unwrap_or_else(|| panic!("no #{id}")) + key.len();
    html[i..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}
