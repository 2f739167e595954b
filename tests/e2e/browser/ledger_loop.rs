//! The rectification loop in the browser: the office creates an inspection (a form error keeps
//! what was typed), imports the Dongguan notice through the dry-run preview, assigns owner,
//! unit and deadline in bulk; a liaison reports progress with two files on one page (pages and
//! required fields counted); the office returns once with a reason, the owner reports again,
//! the office accepts, the problem is signed off; the dashboard's numbers move. Text fields
//! carry XSS payloads that must render inert. Screenshots in Chinese and English.

use std::path::PathBuf;

use sqlx::Row;

use super::driver::Browser;
use super::steps::{XSS, assert_inert, set_lang, sign_in, sign_out};
use crate::support::{PASSWORD, World};

/// Measures of the inspection's smallest problem (fewest measures), with that problem's id.
async fn smallest_problem(db_url: &str, inspection: i64) -> (i64, Vec<i64>) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db_url).await.unwrap();
    let rows = sqlx::query(
        "SELECT problem_id, id FROM measure WHERE inspection_id = $1 ORDER BY problem_id, id",
    )
    .bind(inspection)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let mut by_problem: Vec<(i64, Vec<i64>)> = Vec::new();
    for r in rows {
        let (p, m): (i64, i64) = (r.get(0), r.get(1));
        match by_problem.last_mut() {
            Some((lp, ms)) if *lp == p => ms.push(m),
            _ => by_problem.push((p, vec![m])),
        }
    }
    by_problem
        .into_iter()
        .min_by_key(|(_, ms)| ms.len())
        .expect("the import created measures")
}

async fn number(b: &Browser, css: &str) -> i64 {
    let t = b.text_of(css).await;
    t.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{css} is not a number: {t:?}"))
}

/// Two small evidence files (a PNG and a PDF) in a temp dir.
fn evidence_files(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let png = dir.join("现场照片.png");
    // 1×1 PNG.
    std::fs::write(
        &png,
        [
            0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
            0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0d, 0x49,
            0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0, 0x05, 0, 0x01,
            0xff, 0x89, 0x99, 0x3d, 0x1d, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60,
            0x82,
        ],
    )
    .unwrap();
    let pdf = dir.join("整改报告.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )
    .unwrap();
    (png, pdf)
}

pub async fn scenario(b: &mut Browser, w: &World, db_url: &str) {
    let files = tempfile::tempdir().unwrap();
    let (png, pdf) = evidence_files(files.path());

    // --- office: dashboard before ----------------------------------------------------------
    assert_eq!(sign_in(b, "office", PASSWORD).await, "/");
    let total_before = number(b, "#total-measures").await;
    let closed_before = number(b, "#closed-measures").await;

    // --- create an inspection; a missing title keeps the rest as typed ---------------------
    b.goto("/inspections").await;
    b.expect_refusal("/inspections");
    b.select("#i-org", &w.org_a.to_string()).await;
    b.set_value("#i-team", XSS[2]).await;
    b.submit("form[action='/inspections'] button[type=submit]")
        .await;
    assert!(b.exists("#title-error").await, "no error next to the title");
    assert_eq!(b.value_of("#i-org").await, w.org_a.to_string(), "org lost");
    assert_eq!(b.value_of("#i-team").await, XSS[2], "team lost");
    assert_inert(b, None).await;
    b.fill("#i-title", "2026年第一轮巡察·市教育局").await;
    b.submit("form[action='/inspections'] button[type=submit]")
        .await;
    let p = b.path().await;
    let inspection: i64 = p
        .strip_prefix("/inspections/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("after create: {p}"));

    // --- import the Dongguan notice: preview, then apply ----------------------------------
    let notice = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("crates/notice/testdata/dongguan-2021-12-28.txt");
    b.find("#notice")
        .await
        .send_keys(notice.to_str().unwrap())
        .await
        .unwrap();
    b.submit("form[action$='/import'] button[type=submit]")
        .await;
    let to_create = number(b, "#measures-create").await;
    assert!(to_create > 0, "the preview creates no measures");
    b.screenshot("import-preview-zh").await;
    b.submit("form[action$='/import/apply'] button[type=submit]")
        .await;
    let (problem, measures) = smallest_problem(db_url, inspection).await;

    // --- ledger: bulk owner, unit and deadline on the chosen problem's measures -------------
    b.goto(&format!("/ledger?inspection={inspection}")).await;
    for m in &measures {
        b.check(&format!("#m-{m}")).await;
    }
    // Without a unit filter the owner is typed by number; with one, chosen from its people.
    if b.find("#bulk-owner").await.tag_name().await.unwrap() == "select" {
        b.select("#bulk-owner", &w.owner_person.to_string()).await;
    } else {
        b.fill("#bulk-owner", &w.owner_person.to_string()).await;
    }
    b.select("#bulk-unit", &w.unit_a1.to_string()).await;
    let deadline = (chrono::Local::now().date_naive() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    b.set_value("#bulk-deadline", &deadline).await;
    b.submit("form[action='/ledger/bulk'] button[type=submit]")
        .await;
    assert!(b.path().await.starts_with("/ledger"));
    assert!(
        b.text().await.contains("张伟"),
        "owner not shown in the ledger"
    );
    b.screenshot("ledger-zh").await;
    set_lang(b, "en").await;
    b.screenshot("ledger-en").await;
    set_lang(b, "zh-CN").await;
    // Assign each (draft → assigned) from its page.
    for m in &measures {
        b.goto(&format!("/measures/{m}")).await;
        if b.exists("button[value=assign]").await {
            b.submit("button[value=assign]").await;
        }
    }
    sign_out(b).await;

    // --- liaison: one page, ≤ 3 required fields, two files, several measures at once -------
    assert_eq!(sign_in(b, "liaison_a1", PASSWORD).await, "/");
    let start = b.document_id().await;
    let mut pages = 0;
    b.click("a[href^='/reports/new']").await;
    if b.document_id().await != start {
        pages += 1;
    }
    assert!(b.path().await.starts_with("/reports/new"));
    let required: i64 = b
        .eval(
            "const f = document.getElementById('report-form');
             const fields = f.querySelectorAll('[required]').length;
             const groups = [...f.querySelectorAll('fieldset')]
                 .filter(g => g.querySelector('legend') && g.querySelector('legend').textContent.includes('*')).length;
             return fields + groups;",
        )
        .await
        .as_i64()
        .unwrap();
    b.screenshot("report-form-zh").await;
    set_lang(b, "en").await;
    b.screenshot("report-form-en").await;
    set_lang(b, "zh-CN").await;
    for m in &measures {
        b.check(&format!("#report-form input[name=m][value='{m}']"))
            .await;
    }
    b.set_value("#text", XSS[3]).await;
    b.select("#percent", "60").await;
    b.find("#files")
        .await
        .send_keys(&format!("{}\n{}", png.display(), pdf.display()))
        .await
        .unwrap();
    b.check("#report-form input[name=submit]").await;
    let before_submit = b.document_id().await;
    b.submit("#report-form button[type=submit]").await;
    assert_ne!(
        b.document_id().await,
        before_submit,
        "the report was not sent"
    );
    let landed = b.path().await;
    assert!(
        landed.starts_with("/measures/"),
        "after the report: {landed} ({})",
        b.text().await
    );
    eprintln!(
        "browser: liaison's progress report: {pages} page (form) + the answer page, {required} required fields"
    );
    assert_eq!(pages, 1, "the report takes one page");
    assert!(required <= 3, "{required} required fields");
    assert_inert(b, Some(XSS[3])).await;
    sign_out(b).await;

    // --- office: the report with two files; return once with a reason ----------------------
    let m0 = measures[0];
    assert_eq!(sign_in(b, "office", PASSWORD).await, "/");
    b.goto(&format!("/measures/{m0}")).await;
    assert_eq!(b.find_all("ul.evidence li").await.len(), 2, "two files");
    // A small image keeps its size and aspect (not stretched to the column).
    let mut img = serde_json::Value::Null;
    for _ in 0..50 {
        img = b
            .eval(
                "const i = document.querySelector('ul.evidence img');
                 i.scrollIntoView();
                 return i.complete && i.naturalWidth > 0
                     ? [i.naturalWidth, i.naturalHeight, i.clientWidth, i.clientHeight] : null;",
            )
            .await;
        if !img.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        img,
        serde_json::json!([1, 1, 1, 1]),
        "evidence image shown at its size"
    );
    assert_inert(b, Some(XSS[3])).await;
    b.screenshot("measure-reports-zh").await;
    set_lang(b, "en").await;
    b.screenshot("measure-reports-en").await;
    set_lang(b, "zh-CN").await;
    // Returning needs a reason: the error is next to it.
    b.expect_refusal(&format!("/measures/{m0}/transition"));
    b.submit("button[value=return]").await;
    assert!(b.exists("#reason-error").await, "return without a reason");
    b.set_value("#reason", XSS[4]).await;
    b.submit("button[value=return]").await;
    assert!(b.text_of("#measure-state").await.contains("退回"));
    assert_inert(b, None).await;
    sign_out(b).await;

    // --- owner: reports again ---------------------------------------------------------------
    assert_eq!(sign_in(b, "owner", PASSWORD).await, "/");
    b.screenshot("home-owner-zh").await;
    set_lang(b, "en").await;
    b.screenshot("home-owner-en").await;
    set_lang(b, "zh-CN").await;
    b.goto(&format!("/reports/new?m={m0}")).await;
    b.set_value("#text", "已按退回意见补充整改材料。").await;
    b.select("#percent", "100").await;
    b.find("#files")
        .await
        .send_keys(&pdf.display().to_string())
        .await
        .unwrap();
    b.check("#report-form input[name=submit]").await;
    b.submit("#report-form button[type=submit]").await;
    assert!(b.path().await.starts_with("/measures/"));
    sign_out(b).await;

    // --- office: accept every measure of the problem, then sign the problem off -----------
    assert_eq!(sign_in(b, "office", PASSWORD).await, "/");
    for m in &measures {
        b.goto(&format!("/measures/{m}")).await;
        b.submit("button[value=close]").await;
        assert!(
            b.text_of("#measure-state").await.contains("销号"),
            "measure {m} not closed: {}",
            b.text_of("#measure-state").await
        );
    }
    b.goto(&format!("/measures/{m0}")).await;
    b.click(&format!(
        "form[action='/problems/{problem}/sign-off'] button"
    ))
    .await;
    // The confirmation dialog (app.js) comes first.
    assert!(b.dialog_open().await, "no confirmation before signing off");
    b.client.accept_alert().await.unwrap();
    b.settle_after_dialog().await;
    assert!(
        !b.exists(&format!("form[action='/problems/{problem}/sign-off']"))
            .await,
        "still offered after signing off"
    );

    // --- the dashboard's numbers moved -----------------------------------------------------
    b.goto("/").await;
    assert_eq!(
        number(b, "#total-measures").await,
        total_before + to_create,
        "total measures"
    );
    assert_eq!(
        number(b, "#closed-measures").await,
        closed_before + measures.len() as i64,
        "closed measures"
    );
    b.screenshot("home-office-zh").await;
    set_lang(b, "en").await;
    b.screenshot("home-office-en").await;
    set_lang(b, "zh-CN").await;
    sign_out(b).await;
}
