//! `rectify report notice|rectification` through the real binary on a generated ledger, on
//! SQLite always and PostgreSQL when `RECTIFY_TEST_PG_URL` is set. The outputs are read back
//! independently: txt and md by the notice parser (`rectify_notice`), the .docx by python-docx
//! (`RECTIFY_TEST_PYTHON`) and LibreOffice (`RECTIFY_TEST_SOFFICE`, poppler's `pdftoppm` on
//! PATH), which renders page 1 to `target/report-artifacts/` for humans. A missing tool prints
//! `SKIPPED: …`; with `RECTIFY_TEST_REQUIRE_ALL=1` it fails the test instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rectify_store::Store;

use crate::support;

fn rectify() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rectify"));
    c.env_remove("RECTIFY_DATA_DIR")
        .env_remove("RECTIFY_DATABASE_URL")
        .env("RECTIFY_LOG", "warn");
    c
}

fn run(args: &[&str], data: &[String]) -> Output {
    let out = rectify()
        .args(args)
        .args(data)
        .output()
        .expect("run rectify");
    assert!(
        out.status.success(),
        "rectify {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Straight to the process's stderr: the harness captures `eprintln!` of passing tests.
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

fn on_path(program: &str, what: &str) -> bool {
    let found = Command::new(program).arg("-v").output().is_ok();
    if !found {
        skip(format!(
            "SKIPPED: {what}: `{program}` (poppler-utils) is not on PATH"
        ));
    }
    found
}

fn artifacts() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; humans look in <target>/report-artifacts.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("report-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Markdown back to the plain text a notice is published as: heading marks and backslash
/// escapes removed (the notice parser reads text, not Markdown).
fn unmarkdown(md: &str) -> String {
    md.lines()
        .map(|l| {
            let l = l.trim_start_matches('#').trim_start();
            let mut out = String::with_capacity(l.len());
            let mut chars = l.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
                    continue;
                }
                out.push(c);
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The tree the ledger holds: (aspect count, problem count, measure count).
async fn ledger_counts(store: &Store, inspection: i64) -> (usize, usize, usize, u64, u64) {
    let viewer = store.tool_viewer(inspection).await.unwrap();
    let f = store.notice_data(&viewer, inspection).await.unwrap();
    let aspects: Vec<_> = f
        .aspects
        .iter()
        .filter(|a| !a.problems.is_empty())
        .collect();
    let problems = aspects.iter().map(|a| a.problems.len()).sum();
    let measures = aspects
        .iter()
        .flat_map(|a| &a.problems)
        .map(|p| p.measures.len())
        .sum();
    (
        aspects.len(),
        problems,
        measures,
        f.stats.problems.total,
        f.stats.problems.completed,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn report_notice_and_rectification_from_a_generated_ledger() {
    for engine in support::engines().await {
        let data: Vec<String> = match &engine._data_dir {
            Some(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
            None => vec!["--database".into(), engine.url.clone()],
        };
        let label = engine.name;
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
        let (aspects, problems, measures, total, completed) = ledger_counts(&engine.store, 1).await;
        assert!(aspects >= 1 && problems >= aspects && measures >= problems);
        let out = tempfile::tempdir().unwrap();
        let file = |name: &str| out.path().join(name).display().to_string();

        // txt and md: the notice parser reads back the tree and the statistics.
        for format in ["txt", "md"] {
            let path = file(&format!("notice.{format}"));
            let o = run(
                &[
                    "report",
                    "notice",
                    "--inspection",
                    "1",
                    "--format",
                    format,
                    "--out",
                    &path,
                    "--date",
                    "2026-11-28",
                    "--contact",
                    "电话0769-22831389；电子邮箱：zgb@example.gov.cn；邮政编码：523888",
                ],
                &data,
            );
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(
                stdout.contains("wrote the progress notice of inspection 1"),
                "{stdout}"
            );
            let text = std::fs::read_to_string(&path).unwrap();
            let text = if format == "md" {
                unmarkdown(&text)
            } else {
                text
            };
            let n = rectify_notice::parse_text(&text);
            let tree = rectify_notice::render_tree(&n);
            assert_eq!(
                (n.counts.aspects, n.counts.problems, n.counts.measures),
                (aspects, problems, measures),
                "{label} {format}: {tree}"
            );
            assert_eq!(
                n.published.as_deref(),
                Some("2026-11-28"),
                "{label} {format}"
            );
            assert!(
                n.title
                    .as_deref()
                    .unwrap_or("")
                    .ends_with("整改阶段性进展情况的通报"),
                "{label} {format}: {:?}",
                n.title
            );
            assert_eq!(n.stats.problems_total, Some(u32::try_from(total).unwrap()));
            assert_eq!(n.stats.completed, Some(u32::try_from(completed).unwrap()));
            assert!(
                n.stats.completion_rate.is_some(),
                "{label} {format}: {tree}"
            );
            assert!(n.inspection.team.is_some() && n.inspection.from.is_some());
            assert_eq!(n.contacts.phones, ["0769-22831389"]);
            assert!(
                !n.warnings.iter().any(|w| w.code == "rate_mismatch"),
                "{label} {format}: {:?}",
                n.warnings
            );
        }

        // The rectification report: one table row per measure.
        let rect = file("rectification.txt");
        run(
            &[
                "report",
                "rectification",
                "--inspection",
                "1",
                "--format",
                "txt",
                "--out",
                &rect,
            ],
            &data,
        );
        let text = std::fs::read_to_string(&rect).unwrap();
        assert!(text.contains("整改情况的报告"), "{text}");
        assert!(text.contains("巡察工作领导小组："), "{text}");
        assert!(
            text.contains("序号\t问题\t整改措施\t责任单位（责任人）\t完成时限\t状态\t佐证材料")
        );
        let rows = text
            .lines()
            .filter(|l| l.split('\t').count() == 7 && !l.starts_with("序号"))
            .count();
        assert_eq!(rows, measures, "{label}: {text}");
        assert!(text.contains("份\n"), "evidence counts: {text}");
        run(
            &[
                "report",
                "rectification",
                "--inspection",
                "1",
                "--format",
                "docx",
                "--out",
                &file("rectification.docx"),
            ],
            &data,
        );

        // The docx notice, read back independently.
        let docx = file("notice.docx");
        run(
            &[
                "report",
                "notice",
                "--inspection",
                "1",
                "--format",
                "docx",
                "--out",
                &docx,
                "--date",
                "2026-11-28",
            ],
            &data,
        );
        let bytes = std::fs::read(&docx).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let n = rectify_notice::parse_bytes(&bytes, Some("notice.docx")).unwrap();
        assert_eq!(
            (n.counts.aspects, n.counts.problems, n.counts.measures),
            (aspects, problems, measures),
            "{label} docx: {}",
            rectify_notice::render_tree(&n)
        );
        let first_problem = n.aspects[0].problems[0].title.clone();
        if engine.name == "sqlite" {
            std::fs::copy(&docx, artifacts().join("notice.docx")).unwrap();
            std::fs::copy(
                file("rectification.docx"),
                artifacts().join("rectification.docx"),
            )
            .unwrap();
            python_docx_reads(&docx, &n.title.clone().unwrap(), &first_problem);
            python_docx_tables(&file("rectification.docx"), measures);
            libreoffice_renders(&docx, "notice");
            libreoffice_renders(&file("rectification.docx"), "rectification");
        }

        // Unknown inspection: an error naming the flag, nothing written.
        let missing = file("missing.docx");
        let o = rectify()
            .args(["report", "notice", "--inspection", "999", "--out", &missing])
            .args(&data)
            .output()
            .unwrap();
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--inspection 999"), "{err}");
        assert!(!Path::new(&missing).exists());
        let o = rectify()
            .args(["report", "notice", "--inspection", "1"])
            .args(&data)
            .output()
            .unwrap();
        assert!(!o.status.success(), "--out is required");
        assert!(String::from_utf8_lossy(&o.stderr).contains("--out"));
        engine.drop_db().await;
    }
}

const PY_READER: &str = r#"
import json, sys
import docx
d = docx.Document(sys.argv[1])
print(json.dumps({
    "paragraphs": [p.text for p in d.paragraphs],
    "styles": [p.style.name for p in d.paragraphs],
    "tables": [[[c.text for c in r.cells] for r in t.rows] for t in d.tables],
}, ensure_ascii=False))
"#;

pub(crate) fn python_docx(path: &str) -> Option<serde_json::Value> {
    let python = tool("RECTIFY_TEST_PYTHON", "python-docx reader")?;
    let out = Command::new(&python)
        .arg("-c")
        .arg(PY_READER)
        .arg(path)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python-docx failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("JSON"))
}

fn python_docx_reads(path: &str, title: &str, problem: &str) {
    let Some(v) = python_docx(path) else { return };
    let paragraphs: Vec<&str> = v["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let styles = v["styles"].as_array().unwrap();
    let t = paragraphs
        .iter()
        .position(|p| *p == title)
        .unwrap_or_else(|| panic!("no title {title:?} in {paragraphs:#?}"));
    assert_eq!(styles[t], "Title");
    let p = paragraphs
        .iter()
        .position(|p| p.ends_with(problem) && p.starts_with('（'))
        .unwrap_or_else(|| panic!("no problem heading {problem:?} in {paragraphs:#?}"));
    assert_eq!(styles[p], "Heading 2");
    assert!(paragraphs.iter().any(|p| p.starts_with("一、")));
    assert!(
        paragraphs
            .iter()
            .any(|p| p.starts_with("三、下一步工作计划"))
    );
}

fn python_docx_tables(path: &str, measures: usize) {
    let Some(v) = python_docx(path) else { return };
    let tables = v["tables"].as_array().unwrap();
    assert!(!tables.is_empty());
    let rows: usize = tables.iter().map(|t| t.as_array().unwrap().len() - 1).sum();
    assert_eq!(rows, measures, "one row per measure");
    assert_eq!(tables[0][0][6], "佐证材料");
}

const FONTS_CONF: &str = r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>方正小标宋简体</family><prefer><family>Noto Serif CJK SC</family><family>AR PL UMing CN</family></prefer></alias>
  <alias binding="same"><family>仿宋_GB2312</family><prefer><family>AR PL UMing CN</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>楷体_GB2312</family><prefer><family>AR PL UKai CN</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family><family>WenQuanYi Zen Hei</family></prefer></alias>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family><family>AR PL UMing CN</family></prefer></alias>
</fontconfig>
"#;

/// LibreOffice converts the .docx to PDF; page 1 is rendered to `<target>/report-artifacts/`.
pub(crate) fn libreoffice_renders(docx: &str, stem: &str) {
    let Some(soffice) = tool("RECTIFY_TEST_SOFFICE", "LibreOffice PDF rendering") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("{stem}.docx"));
    std::fs::copy(docx, &input).unwrap();
    let fonts_conf = dir.path().join("fonts.conf");
    std::fs::write(&fonts_conf, FONTS_CONF).unwrap();
    // A private profile and HOME: works as root and beside other soffice runs.
    let profile = dir.path().join("profile");
    let out = Command::new(&soffice)
        .env("HOME", dir.path())
        .env("FONTCONFIG_FILE", &fonts_conf)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
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
        size > 1000,
        "no PDF from soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let artifacts = artifacts();
    std::fs::copy(&pdf, artifacts.join(format!("{stem}.pdf"))).unwrap();
    if !on_path("pdftoppm", "PNG rendering for humans") {
        return;
    }
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(artifacts.join(format!("{stem}-1")))
        .status()
        .unwrap();
    assert!(status.success());
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output();
    if let Ok(t) = text {
        let t = String::from_utf8_lossy(&t.stdout);
        assert!(t.contains("整改"), "PDF text: {t}");
    }
    eprintln!(
        "rendered {}/{stem}-1.png ({stem}.pdf, {size} bytes)",
        artifacts.display()
    );
}

/// A ledger built through the API (seeded organisations, one measure reported with evidence):
/// the notice carries the latest progress, the rectification report the evidence count and
/// the overdue status.
#[tokio::test(flavor = "multi_thread")]
async fn reports_show_latest_progress_and_evidence_of_a_ledger_built_through_the_api() {
    use reqwest::StatusCode;
    use serde_json::json;
    use support::Client;
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let srv = support::start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (st, insp) = office
            .post(
                "/api/v1/inspections",
                json!({"kind": "regular", "team": "市委第一巡察组", "inspected_org_id": w.org_a, "title": "十四届市委第十三轮巡察",
                       "stationed_from": "2021-03-12", "stationed_to": "2021-04-09", "feedback_on": "2021-07-22"}),
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
            .post("/api/v1/problems", json!({"aspect_id": aspect["id"], "title": "针对党组发挥领导作用不够充分的问题", "severity": 1}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{problem}");
        let pid = problem["id"].as_i64().unwrap();
        let mut ids = Vec::new();
        for text in [
            "制定党组议事规则，严格落实“第一议题”制度。",
            "及时向上级党委报备分工调整情况。",
        ] {
            let (st, m) = office
                .post(
                    "/api/v1/measures",
                    json!({"problem_id": pid, "text": text, "kind": "time_bound",
                           "responsible_unit_id": w.unit_a1, "owner_id": w.owner_person, "deadline": "2021-12-31"}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{m}");
            ids.push(m["id"].as_i64().unwrap());
        }
        let mid = ids[0];
        let (_, cur) = office.get(&format!("/api/v1/measures/{mid}")).await;
        let (st, cur) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "assign", "version": cur["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{cur}");
        let owner = Client::login_as(&srv, "owner").await;
        let up = owner
            .http
            .post(format!(
                "{}/api/v1/evidence?file_name=minutes.pdf",
                owner.base
            ))
            .header("x-csrf-token", owner.csrf.clone().unwrap())
            .body(b"%PDF-1.4 minutes of the meeting".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(up.status(), StatusCode::CREATED);
        let ev: serde_json::Value = up.json().await.unwrap();
        let (st, r) = owner
            .post("/api/v1/reports", json!({"measure_ids": [mid], "text": "已起草党组议事规则。", "percent": 60, "evidence_ids": [ev["id"]]}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        let (st, r) = owner
            .post(
                "/api/v1/reports",
                json!({"measure_ids": [mid], "text": "党组议事规则已印发实施。", "percent": 100}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        drop(srv);

        let data: Vec<String> = match &e._data_dir {
            Some(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
            None => vec!["--database".into(), e.url.clone()],
        };
        let out = tempfile::tempdir().unwrap();
        let notice = out.path().join("notice.txt").display().to_string();
        let iid_s = iid.to_string();
        run(
            &[
                "report",
                "notice",
                "--inspection",
                &iid_s,
                "--format",
                "txt",
                "--out",
                &notice,
                "--date",
                "2022-01-10",
            ],
            &data,
        );
        let text = std::fs::read_to_string(&notice).unwrap();
        assert!(
            text.contains("市教育局关于十四届市委第十三轮巡察整改阶段性进展情况的通报"),
            "{text}"
        );
        assert!(
            text.contains("根据市委统一部署，2021年3月12日至4月9日，市委第一巡察组对市教育局进行了巡察。7月22日，市委第一巡察组向市教育局反馈了巡察意见。"),
            "{text}"
        );
        assert!(
            text.contains("第一方面问题，党的领导方面仍需加强。"),
            "{text}"
        );
        assert!(
            text.contains("（一）针对党组发挥领导作用不够充分的问题"),
            "{text}"
        );
        assert!(
            text.contains(
                "1.制定党组议事规则，严格落实“第一议题”制度。整改进展：党组议事规则已印发实施。"
            ),
            "the latest report: {text}"
        );
        assert!(
            text.contains("2.及时向上级党委报备分工调整情况。\n"),
            "{text}"
        );
        assert!(
            text.contains("巡察反馈的问题共1个，已完成整改0个"),
            "{text}"
        );
        let n = rectify_notice::parse_text(&text);
        assert_eq!(
            (n.counts.aspects, n.counts.problems, n.counts.measures),
            (1, 1, 2)
        );
        assert_eq!(n.inspection.feedback.as_deref(), Some("2021-07-22"));

        let rect = out.path().join("rectification.txt").display().to_string();
        run(
            &[
                "report",
                "rectification",
                "--inspection",
                &iid_s,
                "--format",
                "txt",
                "--out",
                &rect,
                "--date",
                "2022-01-10",
            ],
            &data,
        );
        let text = std::fs::read_to_string(&rect).unwrap();
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("1\t") || l.starts_with("2\t"))
            .collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(
            rows[0].contains("\t办公室（张伟）\t2021年12月31日\t"),
            "{}",
            rows[0]
        );
        assert!(rows[0].ends_with("（逾期）\t1份"), "{}", rows[0]);
        assert!(rows[1].ends_with("\t0份"), "{}", rows[1]);
        assert!(
            text.contains("制定整改措施2项，已销号0项，逾期未完成"),
            "{text}"
        );
        assert!(text.contains("上传佐证材料1份"), "{text}");
        e.drop_db().await;
    }
}
