//! `rectify ledger export` and `GET /api/v1/ledger/export` on SQLite always and PostgreSQL when
//! `RECTIFY_TEST_PG_URL` is set. The xlsx is read back by openpyxl (`RECTIFY_TEST_PYTHON`:
//! merged ranges, real dates, values, freeze pane, auto-filter, print setup) and converted to
//! PDF by LibreOffice (`RECTIFY_TEST_SOFFICE`; page 1 rendered to `<target>/office-artifacts/`
//! when poppler's `pdftoppm` is on PATH). A missing tool prints `SKIPPED: …`; with
//! `RECTIFY_TEST_REQUIRE_ALL=1` it fails instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support;

const HEADERS_ZH: [&str; 13] = [
    "序号",
    "方面",
    "问题",
    "整改措施",
    "整改类型",
    "责任领导",
    "责任单位",
    "责任人",
    "完成时限",
    "整改进展",
    "完成情况",
    "佐证材料(数)",
    "备注",
];

fn rectify() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rectify"));
    c.env_remove("RECTIFY_DATA_DIR")
        .env_remove("RECTIFY_DATABASE_URL")
        .env("RECTIFY_LOG", "warn");
    c
}

fn exec(args: &[&str], data: &[String]) -> Output {
    rectify()
        .args(args)
        .args(data)
        .output()
        .expect("run rectify")
}

fn run(args: &[&str], data: &[String]) -> Output {
    let out = exec(args, data);
    assert!(
        out.status.success(),
        "rectify {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs and must fail; returns stderr.
fn fails(args: &[&str], data: &[String]) -> String {
    let out = exec(args, data);
    assert!(!out.status.success(), "rectify {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn loud(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!! {msg} !!!!!!!!\n");
}

fn tool(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            let msg = format!("SKIPPED: {what}: set {var} to enable it");
            if std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() == Ok("1") {
                panic!("{msg} (RECTIFY_TEST_REQUIRE_ALL=1)");
            }
            loud(&msg);
            None
        }
    }
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("office-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What openpyxl sees in the first sheet, as JSON.
const READ_XLSX: &str = r#"
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
def cell(v):
    if isinstance(v, datetime.datetime):
        return {"date": v.date().isoformat()}
    return v
ps = ws.page_setup
print(json.dumps({
    "sheets": wb.sheetnames,
    "merged": sorted(str(r) for r in ws.merged_cells.ranges),
    "freeze": ws.freeze_panes,
    "filter": ws.auto_filter.ref,
    "orientation": ps.orientation,
    "paper": ps.paperSize,
    "fit_to_page": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
    "fit_width": ps.fitToWidth,
    "fit_height": ps.fitToHeight,
    "print_titles": ws.print_title_rows,
    "footer": ws.oddFooter.center.text,
    "date_format": ws.cell(3, 9).number_format,
    "status_fill": [ws.cell(r, 11).fill.fgColor.rgb for r in range(3, ws.max_row)],
    "rows": [[cell(c.value) for c in row] for row in ws.iter_rows()],
}, ensure_ascii=False))
"#;

fn openpyxl(path: &Path) -> Option<Value> {
    let python = tool("RECTIFY_TEST_PYTHON", "openpyxl xlsx reader")?;
    let out = Command::new(python)
        .args(["-c", READ_XLSX])
        .arg(path)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "openpyxl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("openpyxl JSON"))
}

const FONTS_CONF: &str = r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>方正小标宋简体</family><prefer><family>Noto Serif CJK SC</family><family>AR PL UMing CN</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family><family>WenQuanYi Zen Hei</family></prefer></alias>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family><family>AR PL UMing CN</family></prefer></alias>
</fontconfig>
"#;

/// LibreOffice converts the xlsx to PDF without error; page 1 goes to the artifacts as PNG.
fn libreoffice_renders(xlsx: &Path, stem: &str) {
    let Some(soffice) = tool("RECTIFY_TEST_SOFFICE", "LibreOffice PDF rendering") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("{stem}.xlsx"));
    std::fs::copy(xlsx, &input).unwrap();
    let fonts_conf = dir.path().join("fonts.conf");
    std::fs::write(&fonts_conf, FONTS_CONF).unwrap();
    let out = Command::new(&soffice)
        .env("HOME", dir.path())
        .env("FONTCONFIG_FILE", &fonts_conf)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&input)
        .output()
        .expect("run soffice");
    let pdf = dir.path().join(format!("{stem}.pdf"));
    let size = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
    assert!(
        out.status.success() && size > 1000,
        "no PDF from soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let art = artifacts();
    std::fs::copy(&pdf, art.join(format!("{stem}.pdf"))).unwrap();
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        loud("SKIPPED: PNG rendering: `pdftoppm` (poppler-utils) is not on PATH");
        return;
    }
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(art.join(format!("{stem}-1")))
        .status()
        .unwrap();
    assert!(status.success());
    if let Ok(t) = Command::new("pdftotext").arg(&pdf).arg("-").output() {
        let t = String::from_utf8_lossy(&t.stdout);
        assert!(t.contains("整改台账"), "PDF text: {t}");
    }
}

/// The export button's link on a rendered /ledger page (HTML entities undone).
fn export_link(html: &str) -> String {
    let key = "href=\"/api/v1/ledger/export";
    let i = html.find(key).expect("the /ledger page has an export link") + "href=\"".len();
    let j = html[i..].find('"').unwrap();
    // The attribute as a browser reads it: character references decoded.
    html[i..i + j].replace("&amp;", "&").replace("&#38;", "&")
}

fn data_args(e: &support::Engine) -> Vec<String> {
    match &e._data_dir {
        Some(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
        None => vec!["--database".into(), e.url.clone()],
    }
}

fn json_rows(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v.as_array().unwrap().clone()
}

/// Checks of the standard layout that hold for any exported ledger; returns the data rows.
fn check_layout(x: &Value, label: &str, json: &[Value]) -> Vec<Value> {
    let rows = x["rows"].as_array().unwrap();
    assert!(
        rows[0][0].as_str().unwrap().contains("整改台账"),
        "{label}: title row {:?}",
        rows[0]
    );
    let headers: Vec<&str> = rows[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(headers, HEADERS_ZH, "{label}");
    // Title, header, one row per measure, then the 合计 row (merged across, skipped by importers).
    let data: Vec<Value> = rows[2..rows.len() - 1].to_vec();
    assert_eq!(data.len(), json.len(), "{label}: one row per measure");
    let total = rows.last().unwrap()[0].as_str().unwrap();
    assert!(
        total.starts_with("合计：") && total.ends_with(&format!("{}项整改措施", json.len())),
        "{label}: {total}"
    );
    let last = rows.len() - 1;
    assert_eq!(x["freeze"], "A3", "{label}");
    assert_eq!(x["filter"], format!("A2:M{last}"), "{label}");
    assert_eq!(x["orientation"], "landscape", "{label}");
    assert_eq!(x["paper"].as_i64(), Some(9), "{label}: A4");
    assert_eq!(x["fit_to_page"], true, "{label}");
    // fitToWidth defaults to 1 in SpreadsheetML: absent (None) means one page wide.
    assert!(
        matches!(x["fit_width"].as_i64(), None | Some(1)),
        "{label}: {}",
        x["fit_width"]
    );
    assert_eq!(x["fit_height"].as_i64(), Some(0), "{label}");
    assert_eq!(x["print_titles"], "$1:$2", "{label}");
    assert!(
        x["footer"].as_str().unwrap().contains("&P"),
        "{label}: {}",
        x["footer"]
    );
    assert_eq!(x["date_format"], "yyyy-mm-dd", "{label}");

    // Merged problem cells: each problem's run of rows (same 序号 in the JSON export).
    let merged: Vec<&str> = x["merged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(merged.contains(&"A1:M1"), "{label}: title merged");
    assert!(
        merged.contains(&format!("A{}:M{}", last + 1, last + 1).as_str()),
        "{label}: 合计 merged"
    );
    let mut start = 0;
    let mut multi = 0;
    while start < json.len() {
        let no = &json[start]["序号"];
        let end = (start..json.len())
            .find(|&i| &json[i]["序号"] != no)
            .unwrap_or(json.len());
        let (r0, r1) = (start + 3, end + 2);
        for col in ["A", "B", "C"] {
            let range = format!("{col}{r0}:{col}{r1}");
            assert_eq!(
                merged.contains(&range.as_str()),
                r1 > r0,
                "{label}: {range} merged iff the problem has several measures"
            );
        }
        if r1 > r0 {
            multi += 1;
        }
        // The merged cells hold the problem's values in the first row only.
        assert_eq!(data[start][0], *no, "{label}: 序号 row {r0}");
        assert_eq!(data[start][2], json[start]["问题"], "{label}");
        for d in &data[start + 1..end] {
            assert!(d[0].is_null() && d[2].is_null(), "{label}: {d:?}");
        }
        start = end;
    }
    assert!(multi > 0, "{label}: some problem has several measures");

    // Values: the same ledger as the JSON export; deadlines as real dates.
    let mut dates = 0;
    for (d, j) in data.iter().zip(json) {
        assert_eq!(d[3], j["整改措施"], "{label}");
        assert_eq!(d[6], j["责任单位"], "{label}");
        assert_eq!(d[10], j["完成情况"], "{label}");
        assert_eq!(d[11], j["佐证材料(数)"], "{label}");
        match j["完成时限"].as_str() {
            Some(s) if s.starts_with("20") => {
                assert_eq!(d[8], serde_json::json!({"date": s}), "{label}");
                dates += 1;
            }
            Some(s) => assert_eq!(d[8], s, "{label}"),
            None => assert!(d[8].is_null(), "{label}"),
        }
    }
    assert!(dates > 0, "{label}: real date cells");
    // Traffic-light fills on every status cell.
    for f in x["status_fill"].as_array().unwrap() {
        let f = f.as_str().unwrap_or("");
        assert!(
            // green, yellow, red, blue, deep red (the daily run's lights)
            ["FFC6EFCE", "FFFFEB9C", "FFFFC7CE", "FFDDEBF7", "FFFF9B9B"].contains(&f),
            "{label}: status fill {f}"
        );
    }
    data
}

#[tokio::test(flavor = "multi_thread")]
async fn ledger_export_of_a_generated_ledger_through_the_cli() {
    for engine in support::engines().await {
        let label = engine.name;
        let data = data_args(&engine);
        run(
            &[
                "demo",
                "generate",
                "--scale",
                "small",
                "--as-of",
                "2026-11-28",
            ],
            &data,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = |n: &str| dir.path().join(n);
        let export = |format: &str, out: &Path, extra: &[&str]| {
            let mut args = vec![
                "ledger",
                "export",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ];
            args.extend_from_slice(extra);
            run(&args, &data)
        };

        // JSON: the reference the other formats are checked against.
        let o = export("json", &path("all.json"), &[]);
        let all = json_rows(&path("all.json"));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            stdout.contains(&format!("wrote {} measures", all.len())),
            "{stdout}"
        );
        let measures = engine.store.count("measure").await.unwrap() as usize;
        assert_eq!(all.len(), measures, "{label}: every measure once");
        assert_eq!(
            all[0].as_object().unwrap().keys().count(),
            13,
            "{label}: 13 columns"
        );
        // 序号 runs 1, 2, 3 … over problems in ledger order.
        let mut nos: Vec<i64> = all.iter().map(|r| r["序号"].as_i64().unwrap()).collect();
        nos.dedup();
        assert_eq!(nos, (1..=nos.len() as i64).collect::<Vec<_>>(), "{label}");

        // xlsx, read back by openpyxl and LibreOffice.
        export("xlsx", &path("all.xlsx"), &["--inspection", "1"]);
        if let Some(x) = openpyxl(&path("all.xlsx")) {
            assert_eq!(x["sheets"], serde_json::json!(["整改台账"]), "{label}");
            check_layout(&x, label, &all);
        }
        libreoffice_renders(&path("all.xlsx"), &format!("ledger-generated-{label}"));

        // CSV: BOM, the header row, one line per measure (no title row).
        export("csv", &path("all.csv"), &[]);
        let csv = std::fs::read(path("all.csv")).unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "{label}: BOM");
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            HEADERS_ZH
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(","),
            "{label}"
        );
        // English headers.
        export("csv", &path("en.csv"), &["--lang", "en"]);
        let en = std::fs::read_to_string(path("en.csv")).unwrap();
        assert!(
            en.trim_start_matches('\u{feff}')
                .starts_with("\"No.\",\"Aspect\",\"Problem\",\"Measure\""),
            "{label}: {en:.80}"
        );

        // Filters narrow the rows, and the numbers stay those of the full ledger.
        export("json", &path("closed.json"), &["--state", "closed"]);
        let closed = json_rows(&path("closed.json"));
        let expect_closed = all.iter().filter(|r| r["完成情况"] == "已销号").count();
        assert_eq!(closed.len(), expect_closed, "{label}");
        assert!(closed.len() < all.len(), "{label}: the filter narrows");
        for r in &closed {
            assert_eq!(r["完成情况"], "已销号", "{label}");
            assert!(all.contains(r), "{label}: same row as in the full export");
        }
        export("json", &path("overdue.json"), &["--overdue"]);
        let today = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive()
            .to_string();
        for r in json_rows(&path("overdue.json")) {
            let d = r["完成时限"].as_str().unwrap();
            assert!(d < today.as_str(), "{label}: {r}");
            assert!(
                !["已销号", "已销号(长期坚持)", "草拟"].contains(&r["完成情况"].as_str().unwrap()),
                "{label}: {r}"
            );
        }
        // --unit: that unit's measures (and those of units below it).
        let unit = all[0]["责任单位"].as_str().unwrap().to_owned();
        let unit_id = engine
            .store
            .organisations_in(&rectify_core::access::OrgPath::root(1))
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name == unit)
            .unwrap()
            .id
            .to_string();
        export("json", &path("unit.json"), &["--unit", &unit_id]);
        let by_unit = json_rows(&path("unit.json"));
        assert!(!by_unit.is_empty() && by_unit.len() < all.len(), "{label}");
        assert!(by_unit.iter().all(|r| r["责任单位"] == unit.as_str()));
        assert_eq!(
            by_unit.len(),
            all.iter()
                .filter(|r| r["责任单位"] == unit.as_str())
                .count()
        );

        // Bad input: clear errors, nothing written.
        let out = path("bad.xlsx");
        let o = out.to_str().unwrap();
        let e = fails(&["ledger", "export", "--format", "xlsx"], &data);
        assert!(e.contains("--out"), "{e}");
        let e = fails(&["ledger", "export", "--format", "pdf", "--out", o], &data);
        assert!(e.contains("pdf") && e.contains("xlsx, csv, json"), "{e}");
        let e = fails(
            &[
                "ledger", "export", "--format", "xlsx", "--out", o, "--state", "finished",
            ],
            &data,
        );
        assert!(
            e.contains("--state: unknown measure state 'finished'") && e.contains("in_progress"),
            "{e}"
        );
        let e = fails(
            &[
                "ledger",
                "export",
                "--format",
                "xlsx",
                "--out",
                o,
                "--inspection",
                "999",
            ],
            &data,
        );
        assert!(e.contains("--inspection: no inspection 999"), "{e}");
        let e = fails(
            &[
                "ledger", "export", "--format", "csv", "--out", o, "--unit", "99999",
            ],
            &data,
        );
        assert!(e.contains("--unit: no organisation 99999"), "{e}");
        let e = fails(
            &[
                "ledger",
                "export",
                "--format",
                "csv",
                "--out",
                "/nonexistent-dir/x.csv",
            ],
            &data,
        );
        assert!(
            e.contains("--out: directory /nonexistent-dir does not exist"),
            "{e}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("bad"))
            .collect();
        assert!(left.is_empty(), "{label}: nothing half-written: {left:?}");
        engine.drop_db().await;
    }
}

/// A ledger built through the API: the download is role-scoped, audited, named per RFC 6266,
/// and carries the latest progress and the evidence count.
#[tokio::test(flavor = "multi_thread")]
async fn ledger_export_through_the_api() {
    use reqwest::StatusCode;
    use serde_json::json;
    use support::Client;
    for e in support::engines().await {
        let label = e.name;
        let w = support::seed(&e.store).await;
        let srv = support::start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (st, insp) = office
            .post(
                "/api/v1/inspections",
                json!({"kind": "regular", "team": "市委第一巡察组", "inspected_org_id": w.org_a, "title": "市委第一巡察组对市教育局党组",
                       "stationed_from": "2021-03-12", "stationed_to": "2021-04-09", "feedback_on": "2021-07-22"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{insp}");
        let iid = insp["id"].as_i64().unwrap();
        let (_, aspect) = office
            .post(
                &format!("/api/v1/inspections/{iid}/aspects"),
                json!({"marker": "第一方面问题", "title": "党的领导方面仍需加强"}),
            )
            .await;
        let mut ids = Vec::new();
        for (problem, measures) in [
            (
                "针对党组发挥领导作用不够充分的问题",
                vec![
                    ("制定党组议事规则。", w.unit_a1, "2021-12-31"),
                    ("及时报备分工调整情况。", w.unit_a2, "2022-03-31"),
                ],
            ),
            (
                "针对意识形态工作责任制落实不到位的问题",
                vec![("开展专题学习。", w.unit_a1, "2021-10-31")],
            ),
        ] {
            let (st, p) = office
                .post(
                    "/api/v1/problems",
                    json!({"aspect_id": aspect["id"], "title": problem, "severity": 1}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{p}");
            for (text, unit, deadline) in measures {
                let (st, m) = office
                    .post(
                        "/api/v1/measures",
                        json!({"problem_id": p["id"], "text": text, "kind": "time_bound",
                               "responsible_unit_id": unit, "owner_id": w.owner_person,
                               "leader_id": w.leader_person, "deadline": deadline}),
                    )
                    .await;
                assert_eq!(st, StatusCode::CREATED, "{m}");
                ids.push(m["id"].as_i64().unwrap());
            }
        }
        let mid = ids[0];
        let (_, cur) = office.get(&format!("/api/v1/measures/{mid}")).await;
        let (st, _) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "assign", "version": cur["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let owner = Client::login_as(&srv, "owner").await;
        let up = owner
            .http
            .post(format!(
                "{}/api/v1/evidence?file_name=minutes.pdf",
                owner.base
            ))
            .header("x-csrf-token", owner.csrf.clone().unwrap())
            .body(b"%PDF-1.4 minutes".to_vec())
            .send()
            .await
            .unwrap();
        let ev: Value = up.json().await.unwrap();
        for (text, evidence) in [
            ("已起草党组议事规则。", json!([ev["id"]])),
            ("党组议事规则已印发实施。", json!([])),
        ] {
            let (st, r) = owner
                .post("/api/v1/reports", json!({"measure_ids": [mid], "text": text, "percent": 60, "evidence_ids": evidence}))
                .await;
            assert_eq!(st, StatusCode::CREATED, "{r}");
        }

        let get = |c: &Client, q: String| {
            let url = format!("{}/api/v1/ledger/export?{q}", c.base);
            let req = c.http.get(url);
            async move { req.send().await.unwrap() }
        };
        // xlsx download: type, RFC 6266 name, contents.
        let r = get(&office, format!("format=xlsx&inspection_id={iid}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let cd = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cd.starts_with("attachment; filename=\""), "{cd}");
        assert!(
            cd.contains("filename*=UTF-8''%E5%B8%82%E5%A7%94"),
            "{label}: {cd}"
        );
        assert!(cd.contains(".xlsx"), "{cd}");
        let body = r.bytes().await.unwrap();
        assert_eq!(&body[..2], b"PK");
        let dir = tempfile::tempdir().unwrap();
        let xlsx = dir.path().join("api.xlsx");
        std::fs::write(&xlsx, &body).unwrap();

        let r = get(&office, format!("format=json&inspection_id={iid}")).await;
        assert_eq!(r.headers()["content-type"], "application/json");
        let rows: Vec<Value> = r.json().await.unwrap();
        assert_eq!(rows.len(), 3, "{label}");
        assert_eq!(rows[0]["序号"], 1);
        assert_eq!(rows[1]["序号"], 1);
        assert_eq!(rows[2]["序号"], 2);
        assert_eq!(
            rows[0]["整改进展"], "党组议事规则已印发实施。",
            "latest report"
        );
        assert_eq!(rows[0]["佐证材料(数)"], 1);
        assert_eq!(rows[0]["责任领导"], "李强");
        assert_eq!(rows[0]["责任单位"], "办公室");
        assert_eq!(rows[0]["责任人"], "张伟");
        assert_eq!(rows[0]["完成情况"], "正在整改");
        assert_eq!(rows[1]["完成时限"], "2022-03-31");
        assert_eq!(rows[1]["整改进展"], Value::Null);
        if let Some(x) = openpyxl(&xlsx) {
            let data = check_layout(&x, label, &rows);
            assert!(
                data[0][9]
                    .as_str()
                    .unwrap()
                    .contains("党组议事规则已印发实施"),
                "{label}"
            );
            let merged = x["merged"].as_array().unwrap();
            assert!(merged.contains(&json!("A3:A4")) && !merged.contains(&json!("A5:A5")));
            assert!(
                x["rows"][0][0]
                    .as_str()
                    .unwrap()
                    .starts_with("市委第一巡察组对市教育局党组整改台账（截至"),
                "{label}: {}",
                x["rows"][0][0]
            );
        }
        libreoffice_renders(&xlsx, &format!("ledger-api-{label}"));

        // CSV over HTTP with the BOM; English headers.
        let r = get(&office, format!("format=csv&lang=en&inspection_id={iid}")).await;
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let b = r.bytes().await.unwrap();
        assert!(b.starts_with(b"\xEF\xBB\xBF\"No.\""));

        // Filters: by unit subtree and state.
        let r = get(&office, format!("format=json&unit_id={}", w.unit_a2)).await;
        let rows: Vec<Value> = r.json().await.unwrap();
        assert_eq!(rows.len(), 1, "{label}");
        assert_eq!(rows[0]["序号"], 1, "numbers of the full ledger");
        let r = get(&office, format!("format=json&unit_id={}", w.org_a)).await;
        let rows: Vec<Value> = r.json().await.unwrap();
        assert_eq!(rows.len(), 3, "{label}: the unit's subtree");
        let r = get(&office, "format=json&state=assigned".into()).await;
        let rows: Vec<Value> = r.json().await.unwrap();
        assert_eq!(
            rows.len(),
            0,
            "{label}: the assigned measure has reports now"
        );

        // The 导出 button of the /ledger page, followed as rendered with filters applied,
        // downloads exactly the measures the page lists.
        let mut b = crate::ui::Browser::sign_in(&srv, "office").await;
        for (filters, expect) in [
            (
                format!("inspection={iid}&unit={}", w.unit_a1),
                vec![(ids[0], "制定党组议事规则。"), (ids[2], "开展专题学习。")],
            ),
            (
                format!("inspection={iid}&state=in_progress&overdue=1"),
                vec![(ids[0], "制定党组议事规则。")],
            ),
            // Kind, deadline range and text (problem title or measure text, percent-encoded).
            (
                "kind=time_bound&from=2021-11-01&to=2022-12-31&q=%E8%AE%AE%E4%BA%8B".to_string(),
                vec![(ids[0], "制定党组议事规则。")],
            ),
            (
                "q=%E6%84%8F%E8%AF%86%E5%BD%A2%E6%80%81&to=2021-12-31".to_string(),
                vec![(ids[2], "开展专题学习。")],
            ),
        ] {
            let page = b.get(&format!("/ledger?{filters}")).await;
            assert_eq!(page.status, StatusCode::OK, "{label} {filters}");
            for id in &ids {
                let listed = page.body.contains(&format!("href=\"/measures/{id}\""));
                assert_eq!(
                    listed,
                    expect.iter().any(|(m, _)| m == id),
                    "{label} {filters}: measure {id} on the page"
                );
            }
            let href = export_link(&page.body);
            if filters.contains("inspection=") {
                assert!(href.contains(&format!("inspection_id={iid}")), "{href}");
            }
            let r = b
                .http
                .get(format!("{}{href}", b.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{label} {href}");
            assert_eq!(
                r.headers()["content-type"],
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "{href}"
            );
            let body = r.bytes().await.unwrap();
            let read = rectify_office::ledger::import::read(
                &body,
                Some("export.xlsx"),
                &rectify_office::zipguard::Limits::default(),
            )
            .unwrap_or_else(|e| panic!("{label} {href}: not a readable xlsx: {e}"));
            let measures: Vec<&str> = read
                .rows
                .iter()
                .map(|r| r.ledger.measure.as_str())
                .collect();
            let want: Vec<&str> = expect.iter().map(|(_, t)| *t).collect();
            assert_eq!(measures, want, "{label} {href}");
            assert!(read.problems.is_empty(), "{label}: {:?}", read.problems);
            let file = dir.path().join("page-link.xlsx");
            std::fs::write(&file, &body).unwrap();
            if let Some(x) = openpyxl(&file) {
                let rows = x["rows"].as_array().unwrap();
                // Title, header, the filtered measures, 合计.
                assert_eq!(rows.len(), want.len() + 3, "{label} {href}");
            }
        }

        // Role scope: the owner sees its own measures; another organisation's office nothing.
        let r = get(&owner, format!("format=json&inspection_id={iid}")).await;
        let rows: Vec<Value> = r.json().await.unwrap();
        // Owner of all three, but its account sits in 办公室: the 人事科 measure is out of scope.
        assert_eq!(rows.len(), 2, "{label}");
        assert!(rows.iter().all(|r| r["责任单位"] == "办公室"), "{label}");
        let office_b = Client::login_as(&srv, "office_b").await;
        let r = get(&office_b, format!("format=json&inspection_id={iid}")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{label}");
        let r = get(&office_b, "format=json".into()).await;
        let rows: Vec<Value> = r.json().await.unwrap();
        assert!(rows.is_empty(), "{label}: nothing outside its scope");
        let sysadmin = Client::login_as(&srv, "sysadmin").await;
        let r = get(&sysadmin, "format=json".into()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");

        // Bad input: 422 naming the field; an unknown parameter `invalid_query`.
        for (q, field) in [
            ("format=pdf", "format"),
            ("format=xlsx&lang=fr", "lang"),
            ("format=xlsx&state=done", "state"),
        ] {
            let r = get(&office, q.into()).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(support::err(&v).1, Some(field), "{q}: {v}");
        }
        for (q, field) in [
            ("format=json&kind=soon", "kind"),
            ("format=json&deadline_from=2021-13-01", "deadline_from"),
            ("format=json&deadline_to=31.12.2021", "deadline_to"),
        ] {
            let r = get(&office, q.into()).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(support::err(&v).1, Some(field), "{q}: {v}");
        }
        let r = get(&office, "format=xlsx&colour=red".into()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        assert_eq!(support::err(&v).0, "invalid_query", "{v}");

        // Each export is in the audit trail.
        let audited = e
            .store
            .audit_list(&rectify_store::AuditFilter {
                action: Some("ledger.export".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(audited.len() >= 8, "{label}: {}", audited.len());
        drop(srv);
        e.drop_db().await;
    }
}

/// While a year in the yellow window has no holiday schedule, the xlsx title says the lights
/// are provisional (as the pages do), on a second line that a re-import passes over; once the
/// year is loaded, the title is the plain one.
#[tokio::test]
async fn the_xlsx_title_says_when_lights_are_provisional() {
    use reqwest::StatusCode;
    use support::Client;
    for e in support::engines().await {
        let label = e.name;
        let w = support::seed(&e.store).await;
        let l = crate::ui::ledger(&e.store, &w, "").await;
        let (year, schedule) = support::drop_this_years_calendar(&e.store).await;
        let srv = support::start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let dir = tempfile::tempdir().unwrap();
        let export = |name: &str| {
            let url = format!(
                "{}/api/v1/ledger/export?format=xlsx&inspection_id={}",
                office.base, l.inspection
            );
            let req = office.http.get(url);
            let path = dir.path().join(name);
            async move {
                let r = req.send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{label}");
                std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
                path
            }
        };
        let provisional = export("provisional.xlsx").await;
        let read_back = |path: &Path| {
            let p = rectify_office::ledger::import::read(
                &std::fs::read(path).unwrap(),
                Some("ledger.xlsx"),
                &rectify_office::zipguard::Limits::default(),
            )
            .unwrap();
            assert!(p.problems.is_empty(), "{label}: {:#?}", p.problems);
            p.rows.into_iter().map(|r| r.ledger).collect::<Vec<_>>()
        };

        let admin = Client::login_as(&srv, "sysadmin").await;
        let (st, body) = admin
            .put(
                &format!("/api/v1/calendar/{year}"),
                serde_json::json!({ "schedule": schedule }),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{label}: {body}");
        let loaded = export("loaded.xlsx").await;
        // Both read back as the same ledger: the note is passed over.
        let rows = read_back(&provisional);
        assert!(!rows.is_empty(), "{label}");
        assert_eq!(rows, read_back(&loaded), "{label}");

        if let Some(x) = openpyxl(&provisional) {
            let title = x["rows"][0][0].as_str().unwrap();
            let (first, note) = title.split_once('\n').unwrap_or((title, ""));
            assert!(first.contains("整改台账（截至"), "{label}: {title}");
            assert!(
                note.starts_with("灯号为暂估：") && note.contains(&year.to_string()),
                "{label}: {title}"
            );
            let x = openpyxl(&loaded).unwrap();
            assert_eq!(x["rows"][0][0].as_str(), Some(first), "{label}");
        }
        drop(srv);
        e.drop_db().await;
    }
}
