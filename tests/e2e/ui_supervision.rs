//! The supervision pages over HTTP (no browser), on SQLite and PostgreSQL: each page renders
//! for the roles allowed and answers 403 / 404 to the others and to another organisation's
//! objects; a notice goes draft → issued → replied → accepted → closed through the forms; a
//! bad document number is shown next to its field with the input kept; a relapse recorded on
//! the look-back page reopens the measure; marking a message read lowers the unread count;
//! the calendar file is dry-run then loaded; lights say they are provisional while a year has no
//! holidays loaded; the payload corpus stays inert; and at demo
//! scale no page weighs more than 200 KB.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{self, Client, Engine, World};
use crate::ui::{Browser, Page, assert_inert, assert_page_headers, form_value, ledger};

fn today() -> chrono::NaiveDate {
    rectify_store::today()
}

fn ymd(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The text of the element with this id, up to the next tag.
fn text_of(html: &str, id: &str) -> String {
    let key = format!("id=\"{id}\">");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no #{id} in {html}"))
        + key.len();
    html[i..i + html[i..].find('<').unwrap()].trim().to_string()
}

fn unread(p: &Page) -> i64 {
    if !p.body.contains("id=\"nav-unread\"") {
        return 0;
    }
    text_of(&p.body, "nav-unread").parse().unwrap()
}

/// A draft notice to `unit` about `measure`, made through the API as `login`.
async fn api_notice(
    server: &support::Server,
    login: &str,
    unit: i64,
    measure: i64,
    title: &str,
) -> (i64, chrono::NaiveDate) {
    let c = Client::login_as(server, login).await;
    // The reply date the notice carries: the page shows this day even when the test runs
    // across midnight in Asia/Shanghai.
    let due_on = today() + chrono::Days::new(10);
    let due = ymd(due_on);
    let (st, n) = c
        .post(
            "/api/v1/notices",
            json!({"unit_id": unit, "title": title, "reply_due": due, "items": [{"measure_id": measure}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    (n["id"].as_i64().unwrap(), due_on)
}

/// A closed measure of `problem` for `unit` (assigned, reported with `evidence`, closed).
async fn closed_measure(
    office: &Client,
    w: &World,
    problem: i64,
    unit: i64,
    text: &str,
    evidence: &[u8],
) -> i64 {
    let (st, m) = office
        .post(
            "/api/v1/measures",
            json!({"problem_id": problem, "text": text, "kind": "time_bound",
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
    let r = office
        .http
        .post(format!("{}/api/v1/evidence?file_name=e.pdf", office.base))
        .header("x-csrf-token", office.csrf.clone().unwrap())
        .body(evidence.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let ev = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (st, r) = office
        .post(
            "/api/v1/reports",
            json!({"measure_ids": [id], "text": "已完成整改", "percent": 100, "reported_on": "2025-02-01", "evidence_ids": [ev], "submit": true}),
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

async fn set_closed_at(e: &Engine, measure: i64, at: &str) {
    sqlx::query("UPDATE measure SET closed_at = $1 WHERE id = $2")
        .bind(at.to_string())
        .bind(measure)
        .execute(e.store.pool())
        .await
        .unwrap();
}

async fn rows(e: &Engine, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(e.store.pool())
        .await
        .unwrap()
}

async fn notify(e: &Engine, person: i64, object: i64, message: &str, day: &str) {
    sqlx::query(
        "INSERT INTO notification (recipient_person_id, day, kind, tier, object_type, object_id, message) VALUES ($1, $2, 'light', 1, 'measure', $3, $4)",
    )
    .bind(person)
    .bind(day.to_string())
    .bind(object)
    .bind(message.to_string())
    .execute(e.store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn every_supervision_page_renders_for_its_roles_and_scope_answers_404() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let server = support::start(&e.store, false).await;
        let (n_a1, a1_due) =
            api_notice(&server, "office", w.unit_a1, l.m_a1, "关于督促整改的通知").await;
        let (n_b, _) = api_notice(&server, "office_b", w.org_b, l.m_b, "关于乙单位的督办").await;
        let month = today().format("%Y-%m").to_string();

        let common = [
            "/supervision".to_string(),
            "/supervision?date=2021-12-28".into(),
            "/supervision/lists".into(),
            format!("/supervision/lists?month={month}&unit={}", w.unit_a1),
            "/notices".into(),
            format!("/notices?state=draft&unit={}", w.unit_a1),
            "/registers".into(),
            "/registers/meeting".into(),
            "/registers/rule".into(),
            "/registers/accountability".into(),
            "/registers/money".into(),
            "/registers/site_visit".into(),
            "/registers/talk".into(),
            "/inbox".into(),
        ];
        for login in [
            "office",
            "office_a",
            "supervisor",
            "leader",
            "liaison_a1",
            "owner",
        ] {
            let mut b = Browser::sign_in(&server, login).await;
            let home = b.get("/").await;
            assert!(
                home.body.contains("href=\"/supervision\""),
                "{login}: nav link"
            );
            for path in &common {
                let p = b.get(path).await;
                assert_eq!(
                    p.status,
                    StatusCode::OK,
                    "{} {login} {path}: {}",
                    e.name,
                    p.body
                );
                assert_page_headers(&p);
                assert!(
                    p.body.len() < 200_000,
                    "{login} {path}: {} bytes",
                    p.body.len()
                );
            }
            // The notice to A1: seen by whoever's scope holds A1.
            let p = b.get(&format!("/notices/{n_a1}")).await;
            assert_eq!(p.status, StatusCode::OK, "{login}");
            assert!(p.body.contains("关于督促整改的通知"));
            // B's notice: as if absent below the root.
            let p = b.get(&format!("/notices/{n_b}")).await;
            let root = matches!(login, "office" | "supervisor" | "leader");
            assert_eq!(
                p.status,
                if root {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                "{login}"
            );
            let office_only = ["/notices/new".to_string()];
            for path in &office_only {
                let p = b.get(path).await;
                let want = if login.starts_with("office") {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(p.status, want, "{login} {path}");
            }
            for path in ["/lookbacks", "/samples", "/quality-flags"] {
                let p = b.get(path).await;
                let want = if matches!(login, "office" | "office_a" | "supervisor") {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(p.status, want, "{login} {path}: {}", p.body);
            }
            assert_eq!(
                b.get("/calendar").await.status,
                StatusCode::FORBIDDEN,
                "{login}"
            );
            // The lists document and the notice document download.
            let r = b
                .http
                .get(format!("{}/supervision/lists.docx?month={month}", b.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{login}");
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .contains("wordprocessingml")
            );
            assert!(r.bytes().await.unwrap().starts_with(b"PK"));
            let r = b
                .http
                .get(format!("{}/notices/{n_a1}/docx", b.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{login}");
        }
        // Another organisation's office: A's notice and its document are absent.
        let mut ob = Browser::sign_in(&server, "office_b").await;
        assert_eq!(
            ob.get(&format!("/notices/{n_a1}")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = ob
            .http
            .get(format!("{}/notices/{n_a1}/docx", ob.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let p = ob.get("/notices").await;
        assert!(
            !p.body.contains("关于督促整改的通知"),
            "B's list holds only B's notices"
        );
        // Unknown register, bad filters: 404 / field errors, not 500.
        let mut office = Browser::sign_in(&server, "office").await;
        // Every form of these pages needs its `_csrf` field: without it, refused, nothing done.
        let trail = e.store.count("audit_log").await.unwrap();
        for path in [
            "/supervision/lists/drafts".to_string(),
            "/notices".into(),
            format!("/notices/{n_a1}/edit"),
            format!("/notices/{n_a1}/issue"),
            format!("/notices/{n_a1}/reply"),
            format!("/notices/{n_a1}/review"),
            format!("/notices/{n_a1}/close"),
            "/registers/meeting".into(),
            "/lookbacks/1/result".into(),
            "/samples".into(),
            "/samples/1/items/1/result".into(),
            "/inbox/1/read".into(),
            "/calendar/load".into(),
        ] {
            let p = office
                .post_raw(&path, &[("version", "1"), ("month", &month), ("size", "1")])
                .await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{path} without _csrf");
        }
        assert_eq!(e.store.count("audit_log").await.unwrap(), trail);
        assert_eq!(
            office.get("/registers/bogus").await.status,
            StatusCode::NOT_FOUND
        );
        let p = office.get("/supervision/lists?month=2026-13").await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"month-error\""), "{}", p.body);
        // The overdue measure of A1 is on this month's lagging list.
        let p = office
            .get(&format!("/supervision/lists?month={month}"))
            .await;
        assert!(p.body.contains(&format!("href=\"/measures/{}\"", l.m_a1)));
        assert!(text_of(&p.body, "lagging-total").parse::<i64>().unwrap() >= 1);
        // Drafting notices from the lists: a redirect to the drafted notices, once per unit.
        let due = ymd(today() + chrono::Days::new(7));
        let p = office
            .post(
                "/supervision/lists/drafts",
                &[
                    ("month", &month),
                    ("reply_due", &due),
                    ("include_at_risk", "1"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert!(
            p.location()
                .starts_with(&format!("/notices?month={month}&drafted="))
        );
        let p = office.get(p.location()).await;
        assert!(p.body.contains("href=\"/notices/"), "{}", p.body);
        // A reply date in the past is refused next to its field.
        let p = office
            .post(
                "/supervision/lists/drafts",
                &[("month", &month), ("reply_due", "2020-01-01")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"reply_due-error\""), "{}", p.body);
        // English pages, ISO dates; Chinese dates as 2021年12月28日.
        let p = office.get("/supervision?date=2021-12-28").await;
        assert!(p.body.contains("2021-12-28"));
        let mut en = Browser::sign_in(&server, "supervisor").await;
        en.post("/locale", &[("locale", "en"), ("back", "/notices")])
            .await;
        let p = en.get(&format!("/notices/{n_a1}")).await;
        assert!(p.body.contains("lang=\"en\""));
        assert!(p.body.contains("Supervision notices"), "{}", p.body);
        let p = office.get(&format!("/notices/{n_a1}")).await;
        let due_zh = {
            use chrono::Datelike;
            format!("{}年{}月{}日", a1_due.year(), a1_due.month(), a1_due.day())
        };
        assert!(p.body.contains(&due_zh), "{}", p.body);
        // Administrators: only the calendar (system admin) among these pages.
        let mut admin = Browser::sign_in_to(&server, "sysadmin", "/admin").await;
        assert_eq!(
            admin.get("/supervision").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(admin.get("/registers").await.status, StatusCode::FORBIDDEN);
        let p = admin.get("/calendar").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.body.contains("href=\"/calendar\""),
            "nav link for the admin"
        );
        let mut sec = Browser::sign_in_to(&server, "secadmin", "/admin").await;
        assert_eq!(sec.get("/calendar").await.status, StatusCode::FORBIDDEN);
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn a_notice_goes_from_draft_to_closed_through_the_forms() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        let unit = w.unit_a1.to_string();
        let due = ymd(today() + chrono::Days::new(15));
        let m = l.m_a1.to_string();

        // New: errors next to their fields, everything typed kept, nothing written.
        let p = office.get("/notices/new").await;
        assert_eq!(p.status, StatusCode::OK);
        let before = rows(&e, "supervision_notice").await;
        let p = office
            .post(
                "/notices",
                &[
                    ("unit", &unit),
                    ("title", " "),
                    ("tier", "key"),
                    ("reply_due", &due),
                    ("measures", "12, abc"),
                    ("other", "另查<b>一项</b>"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains("id=\"title-error\""));
        assert!(p.body.contains("id=\"measures-error\""));
        assert!(p.body.contains("value=\"12, abc\""), "input kept");
        assert!(
            p.body.contains("另查&#60;b&#62;一项&#60;/b&#62;")
                || p.body.contains("另查&lt;b&gt;一项&lt;/b&gt;")
        );
        assert!(p.body.contains("<option value=\"key\" selected>"));
        assert_eq!(rows(&e, "supervision_notice").await, before);
        // Without the form's CSRF token: refused, nothing written.
        let p = office
            .post_raw(
                "/notices",
                &[
                    ("unit", &unit),
                    ("title", "x"),
                    ("reply_due", &due),
                    ("measures", &m),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(rows(&e, "supervision_notice").await, before);
        // Drafted.
        let p = office
            .post(
                "/notices",
                &[
                    ("unit", &unit),
                    ("title", "关于加快整改进度的督办单"),
                    ("tier", "general"),
                    ("reply_due", &due),
                    ("measures", &m),
                    ("other", "报送整改台账"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let at = p.location().to_string();
        let id: i64 = at.trim_start_matches("/notices/").parse().unwrap();
        let p = office.get(&at).await;
        assert_eq!(text_of(&p.body, "notice-state"), "草拟");
        assert!(p.body.contains("报送整改台账"));
        // The draft is edited: a bad date is refused next to it with the title kept, then saved.
        let v = form_value(&p.body, &format!("{at}/edit"), "version").unwrap();
        let p = office
            .post(
                &format!("{at}/edit"),
                &[
                    ("version", &v),
                    ("title", "关于加快整改进度的督办单(修改)"),
                    ("tier", "key"),
                    ("reply_due", "2026-02-30"),
                    ("body", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"edue-error\""), "{}", p.body);
        assert!(p.body.contains("value=\"关于加快整改进度的督办单(修改)\""));
        let p = office
            .post(
                &format!("{at}/edit"),
                &[
                    ("version", &v),
                    ("title", "关于加快整改进度的督办单(修改)"),
                    ("tier", "key"),
                    ("reply_due", &due),
                    ("body", "请于期限内书面回复。"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let p = office.get(&at).await;
        assert_eq!(text_of(&p.body, "notice-tier"), "重点督办");
        assert!(p.body.contains("请于期限内书面回复。"));
        // GET never changes state.
        let r = office
            .http
            .get(format!("{}{at}/issue", office.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        // The liaison cannot issue (403); another organisation's office cannot see it (404).
        let mut liaison = Browser::sign_in(&server, "liaison_a1").await;
        liaison.get(&at).await;
        let v = form_value(&p.body, &format!("{at}/issue"), "version").unwrap();
        let p2 = liaison
            .post(&format!("{at}/issue"), &[("version", &v)])
            .await;
        assert_eq!(p2.status, StatusCode::FORBIDDEN);
        let mut ob = Browser::sign_in(&server, "office_b").await;
        ob.get("/notices").await;
        let p2 = ob
            .post(
                &format!("{at}/issue"),
                &[("version", &v), ("issued_on", "")],
            )
            .await;
        assert_eq!(p2.status, StatusCode::NOT_FOUND);
        // Issue: numbered for the year.
        let p = office
            .post(
                &format!("{at}/issue"),
                &[("version", &v), ("issued_on", &ymd(today()))],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let p = office.get(&at).await;
        {
            use chrono::Datelike;
            assert_eq!(
                text_of(&p.body, "doc-number"),
                format!("督办〔{}〕1号", today().year())
            );
        }
        assert_eq!(text_of(&p.body, "notice-state"), "已下发");
        assert!(
            !p.body.contains(&format!("action=\"{at}/reply\"")),
            "the office does not reply"
        );
        // Reply (the unit's liaison): an empty text is refused next to it, the date kept.
        let p = liaison.get(&at).await;
        let v = form_value(&p.body, &format!("{at}/reply"), "version").unwrap();
        let p = liaison
            .post(
                &format!("{at}/reply"),
                &[
                    ("version", &v),
                    ("replied_on", &ymd(today())),
                    ("text", "  "),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"text-error\""), "{}", p.body);
        let p = liaison
            .post(
                &format!("{at}/reply"),
                &[
                    ("version", &v),
                    ("replied_on", &ymd(today())),
                    ("text", "已按要求完成整改并报送台账。"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        // The other unit's liaison never sees it.
        let mut l2 = Browser::sign_in(&server, "liaison_a2").await;
        assert_eq!(l2.get(&at).await.status, StatusCode::NOT_FOUND);
        // Review: returning needs a reason (kept when refused); then accept; then close.
        let p = office.get(&at).await;
        assert_eq!(text_of(&p.body, "notice-state"), "已回复");
        assert!(p.body.contains("已按要求完成整改并报送台账。"));
        let v = form_value(&p.body, &format!("{at}/review"), "version").unwrap();
        let p = office
            .post(
                &format!("{at}/review"),
                &[
                    ("version", &v),
                    ("outcome", "return"),
                    ("reason", ""),
                    ("reply_due", &due),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"reason-error\""), "{}", p.body);
        assert!(
            p.body.contains(&format!("value=\"{due}\"")),
            "the new date is kept"
        );
        let p = office
            .post(
                &format!("{at}/review"),
                &[("version", &v), ("outcome", "accept")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let p = office.get(&at).await;
        assert_eq!(text_of(&p.body, "notice-state"), "已认可");
        let v = form_value(&p.body, &format!("{at}/close"), "version").unwrap();
        // A stale version is refused, not applied.
        let stale = (v.parse::<i64>().unwrap() - 1).to_string();
        let p = office
            .post(&format!("{at}/close"), &[("version", &stale)])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("该记录已被他人修改"), "{}", p.body);
        let p = office
            .post(&format!("{at}/close"), &[("version", &v)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let p = office.get(&at).await;
        assert_eq!(text_of(&p.body, "notice-state"), "已办结");
        let (st, n) = Client::login_as(&server, "office")
            .await
            .get(&format!("/api/v1/notices/{id}"))
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(n["state"], "closed");
        assert_eq!(n["replies"].as_array().unwrap().len(), 1);
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn register_entries_through_the_forms_with_errors_next_to_the_field() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        let org = w.org_a.to_string();
        let p = office.get("/registers/rule").await;
        assert_eq!(p.status, StatusCode::OK);
        // A document number in square brackets: the error names the brackets, next to the
        // field; everything typed is kept; nothing is written.
        let bad = "东府办[2021]35号";
        let p = office
            .post(
                "/registers/rule",
                &[
                    ("org", &org),
                    ("on_date", "2021-11-30"),
                    ("change", "revised"),
                    ("title", "党组议事规则"),
                    ("doc_number", bad),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        let err = text_of(&p.body, "doc_number-error");
        assert!(err.contains("六角括号"), "{err}");
        assert!(p.body.contains(&format!("value=\"{bad}\"")), "input kept");
        assert!(p.body.contains("value=\"党组议事规则\""));
        assert!(p.body.contains("<option value=\"revised\" selected>"));
        assert!(
            p.body
                .contains("aria-describedby=\"doc_number-hint doc_number-error\"")
        );
        assert_eq!(rows(&e, "register_entry").await, 0);
        // In English, the same error in English.
        let mut en = Browser::sign_in(&server, "office").await;
        en.post("/locale", &[("locale", "en"), ("back", "/registers/rule")])
            .await;
        en.get("/registers/rule").await;
        let p = en
            .post(
                "/registers/rule",
                &[
                    ("org", &org),
                    ("on_date", "2021-11-30"),
                    ("change", "new"),
                    ("title", "x"),
                    ("doc_number", "东府办〔2021〕035号"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text_of(&p.body, "doc_number-error").contains("leading zeros"),
            "{}",
            p.body
        );
        // Right: saved, listed, counted.
        let p = office
            .post(
                "/registers/rule",
                &[
                    ("org", &org),
                    ("on_date", "2021-11-30"),
                    ("change", "new"),
                    ("title", "党组议事规则"),
                    ("doc_number", "东教党〔2021〕7号"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(p.location(), "/registers/rule?saved=1");
        let p = office.get(p.location()).await;
        assert!(p.body.contains("东教党〔2021〕7号"));
        assert!(p.body.contains("2021年11月30日"));
        // Money in exact yuan; a third decimal is refused next to the amount.
        office.get("/registers/money").await;
        let p = office
            .post(
                "/registers/money",
                &[
                    ("org", &org),
                    ("on_date", "2021-12-01"),
                    ("money_kind", "recovered"),
                    ("amount", "12.345"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"amount-error\""), "{}", p.body);
        assert!(p.body.contains("value=\"12.345\""));
        for amount in ["1,234.56元", "0.4"] {
            let p = office
                .post(
                    "/registers/money",
                    &[
                        ("org", &org),
                        ("on_date", "2021-12-01"),
                        ("money_kind", "recovered"),
                        ("amount", amount),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        }
        // Required fields of a meeting named at once; a bad date and a bad id list too.
        office.get("/registers/meeting").await;
        let p = office
            .post(
                "/registers/meeting",
                &[
                    ("org", ""),
                    ("on_date", "2021-02-30"),
                    ("meeting_kind", "party_group"),
                    ("topic", ""),
                    ("measures", "x1"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        for f in [
            "org-error",
            "on_date-error",
            "topic-error",
            "measures-error",
        ] {
            assert!(p.body.contains(&format!("id=\"{f}\"")), "{f}: {}", p.body);
        }
        // Statistics.
        let p = office.get("/registers").await;
        assert_eq!(text_of(&p.body, "stats-rules"), "1");
        // Exact decimal yuan: 1234.56 + 0.40.
        assert_eq!(text_of(&p.body, "money-recovered"), "1234.96元");
        // Only the office records; a leader reads (no form); a unit's liaison sees only its
        // own subtree (the entry is the organisation's), and may not record.
        let mut leader = Browser::sign_in(&server, "leader").await;
        let p = leader.get("/registers/rule").await;
        assert!(p.body.contains("东教党〔2021〕7号"));
        assert!(
            !p.body.contains("action=\"/registers/rule\""),
            "no form for a leader"
        );
        let mut liaison = Browser::sign_in(&server, "liaison_a1").await;
        let p = liaison.get("/registers/rule").await;
        assert!(!p.body.contains("东教党〔2021〕7号"));
        let p = liaison
            .post(
                "/registers/rule",
                &[
                    ("org", &org),
                    ("on_date", "2021-11-30"),
                    ("change", "new"),
                    ("title", "x"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        // Another organisation's office does not see A's entries.
        let mut ob = Browser::sign_in(&server, "office_b").await;
        let p = ob.get("/registers/rule").await;
        assert!(!p.body.contains("东教党〔2021〕7号"));
        // An organisation outside the office's scope is refused as a choice.
        let p = ob
            .post(
                "/registers/rule",
                &[
                    ("org", &org),
                    ("on_date", "2021-11-30"),
                    ("change", "new"),
                    ("title", "x"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"org-error\""));
        assert_eq!(rows(&e, "register_entry").await, 3);
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn a_relapse_on_the_look_back_page_reopens_the_measure_and_a_draw_replays() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let server = support::start(&e.store, false).await;
        let api = Client::login_as(&server, "office").await;
        let m = closed_measure(
            &api,
            &w,
            l.problem,
            w.unit_a1,
            "修订党组议事规则",
            b"%PDF-1.4 rules",
        )
        .await;
        set_closed_at(&e, m, "2025-03-01T10:00:00.000+08:00").await;
        rectify_store::lookback::daily(
            &e.store,
            chrono::NaiveDate::from_ymd_opt(2025, 9, 10).unwrap(),
        )
        .await
        .unwrap();

        let mut office = Browser::sign_in(&server, "office").await;
        let p = office.get("/lookbacks").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("修订党组议事规则"), "{}", p.body);
        let i = p.body.find("action=\"/lookbacks/").unwrap() + "action=\"/lookbacks/".len();
        let lb: i64 = p.body[i..i + p.body[i..].find('/').unwrap()]
            .parse()
            .unwrap();
        let at = format!("/lookbacks/{lb}/result");
        let v = form_value(&p.body, &at, "version").unwrap();
        // A relapse needs notes: refused next to them, nothing changed.
        let p = office
            .post(
                &at,
                &[("version", &v), ("result", "relapsed"), ("notes", "")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p.body.contains(&format!("id=\"notes-{lb}-error\"")),
            "{}",
            p.body
        );
        let (_, mv) = api.get(&format!("/api/v1/measures/{m}")).await;
        assert_eq!(mv["state"], "closed");
        // The supervisor reads look-backs but does not record them.
        let mut sup = Browser::sign_in(&server, "supervisor").await;
        let p = sup.get("/lookbacks").await;
        assert!(p.body.contains("修订党组议事规则"));
        assert!(!p.body.contains(&format!("action=\"{at}\"")));
        let p = sup.post(&at, &[("version", &v), ("result", "holds")]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        // Relapse: the measure reopens.
        let p = office
            .post(
                &at,
                &[
                    ("version", &v),
                    ("result", "relapsed"),
                    ("notes", "回访发现议事规则未执行"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let (_, mv) = api.get(&format!("/api/v1/measures/{m}")).await;
        assert_eq!(mv["state"], "reopened", "{mv}");
        let p = office.get("/lookbacks?state=relapsed").await;
        assert!(p.body.contains("回访发现议事规则未执行"));
        // Another organisation's office sees no look-back of A.
        let mut ob = Browser::sign_in(&server, "office_b").await;
        let p = ob.get("/lookbacks?state=all").await;
        assert!(!p.body.contains("修订党组议事规则"));

        // A second closed measure; a draw with a seed, shown with its replay.
        // Another unit's measure of another problem, "proved" by the very same file.
        let (_, other) = api.get(&format!("/api/v1/measures/{}", l.m_a2)).await;
        let other_problem = other["problem_id"].as_i64().unwrap();
        let m2 = closed_measure(
            &api,
            &w,
            other_problem,
            w.unit_a2,
            "建立台账",
            b"%PDF-1.4 rules",
        )
        .await;
        let p = office.get("/samples").await;
        assert_eq!(p.status, StatusCode::OK);
        let p = office
            .post("/samples", &[("size", "1"), ("seed", "abc")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"seed-error\""), "{}", p.body);
        assert!(p.body.contains("value=\"abc\""));
        let p = office
            .post("/samples", &[("size", "1"), ("seed", "42")])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let draw = p.location().to_string();
        let p = office.get(&draw).await;
        assert_eq!(text_of(&p.body, "seed"), "42");
        assert!(p.body.contains("复现结果与记录一致"), "{}", p.body);
        let (_, d) = api.get(&format!("/api/v1{draw}")).await;
        let drawn = d["items"][0]["measure_id"].as_i64().unwrap();
        assert_eq!(text_of(&p.body, "replay-ids"), drawn.to_string());
        // The supervisor records what re-verification found.
        let p = sup.get(&draw).await;
        let at = format!("{draw}/items/1/result");
        let v = form_value(&p.body, &at, "version").unwrap();
        let p = sup
            .post(
                &at,
                &[("version", &v), ("result", "not_confirmed"), ("notes", "")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        let p = sup
            .post(&at, &[("version", &v), ("result", "confirmed")])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert!(sup.get(&draw).await.body.contains("整改属实"));
        // Another organisation's office: the draw is absent.
        assert_eq!(ob.get(&draw).await.status, StatusCode::NOT_FOUND);
        // The flags page says what a flag is: a prompt to check, never a finding.
        // The crafted reuse is flagged, explained, with both measures to check.
        let p = sup.get("/quality-flags").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(text_of(&p.body, "flags-caveat").contains("不是结论"));
        assert!(p.body.contains("<h2>佐证材料重复使用</h2>"), "{}", p.body);
        assert!(p.body.contains("建议核实"));
        assert!(p.body.contains("文件指纹(SHA-256)"));
        for id in [m, m2] {
            assert!(p.body.contains(&format!("href=\"/measures/{id}\"")), "{id}");
        }
        let p = sup.get("/quality-flags?kind=fast_close").await;
        assert!(
            !p.body.contains("<h2>佐证材料重复使用</h2>"),
            "filtered by kind"
        );
        let mut sup_en = Browser::sign_in(&server, "supervisor").await;
        sup_en
            .post("/locale", &[("locale", "en"), ("back", "/")])
            .await;
        let p = sup_en.get("/quality-flags").await;
        assert!(text_of(&p.body, "flags-caveat").contains("not findings"));
        assert!(p.body.contains("worth checking"));
        // Leaders and liaisons do not see flags.
        let mut leader = Browser::sign_in(&server, "leader").await;
        assert_eq!(
            leader.get("/quality-flags").await.status,
            StatusCode::FORBIDDEN
        );
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn marking_a_message_read_lowers_the_unread_count() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        notify(&e, w.owner_person, l.m_a1, "措施即将到期", "2026-03-02").await;
        notify(&e, w.owner_person, l.m_a1, "措施已逾期", "2026-03-03").await;
        let server = support::start(&e.store, false).await;
        let mut owner = Browser::sign_in(&server, "owner").await;
        assert_eq!(unread(&owner.get("/").await), 2);
        let p = owner.get("/inbox").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("措施已逾期"));
        assert!(p.body.contains("2026年3月3日"));
        assert!(p.body.contains(&format!("href=\"/measures/{}\"", l.m_a1)));
        let i = p.body.find("action=\"/inbox/").unwrap() + "action=\"/inbox/".len();
        let id = &p.body[i..i + p.body[i..].find('/').unwrap()];
        // GET does not mark read.
        let r = owner
            .http
            .get(format!("{}/inbox/{id}/read", owner.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(unread(&owner.get("/inbox").await), 2);
        let p = owner
            .post(&format!("/inbox/{id}/read"), &[("back", "/inbox")])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert_eq!(p.location(), "/inbox");
        let p = owner.get("/inbox?unread=1").await;
        assert_eq!(unread(&p), 1);
        assert_eq!(p.body.matches("action=\"/inbox/").count(), 1);
        // Someone else's message: 404, and the owner's count is unchanged.
        let mut office = Browser::sign_in(&server, "office").await;
        assert_eq!(unread(&office.get("/inbox").await), 0);
        let p = office.post(&format!("/inbox/{id}/read"), &[]).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        let other: i64 = sqlx::query_scalar("SELECT MAX(id) FROM notification")
            .fetch_one(e.store.pool())
            .await
            .unwrap();
        assert_eq!(
            office
                .post(&format!("/inbox/{other}/read"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(unread(&owner.get("/").await), 1);
        drop(server);
        e.drop_db().await;
    }
}

const YEAR_2027: &str = "[2027]\n元旦 2027-01-01..2027-01-03\n春节 2027-02-06..2027-02-12 上班 2027-02-14\n国庆节 2027-10-01..2027-10-07 上班 2027-09-26, 2027-10-09\n";

#[tokio::test]
async fn a_calendar_file_is_dry_run_then_loaded_and_days_are_computed() {
    for e in support::engines().await {
        support::seed(&e.store).await;
        let server = support::start(&e.store, false).await;
        let mut admin = Browser::sign_in_to(&server, "sysadmin", "/admin").await;
        // National Day 2024: 1 October is a rest day; three working days on is 10 October.
        let p = admin.get("/calendar?date=2024-10-01&n=3").await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert_eq!(text_of(&p.body, "is-workday"), "休息日");
        assert_eq!(text_of(&p.body, "after-day"), "2024年10月10日");
        // Saturday 12 October 2024 was worked.
        let p = admin.get("/calendar?date=2024-10-12").await;
        assert_eq!(text_of(&p.body, "is-workday"), "工作日");
        // A year with no schedule is an error naming it, never a weekends-only guess.
        let p = admin.get("/calendar?date=2031-01-06").await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text_of(&p.body, "date-error").contains("2031"),
            "{}",
            p.body
        );
        assert!(p.body.contains("value=\"2031-01-06\""));

        let years = e.store.calendar_years().await.unwrap().len();
        let trail = e.store.count("audit_log").await.unwrap();
        // A malformed file: the dry run names the line; nothing stored.
        let bad = "[2027]\n元旦 2027-01-01..2027-01-03\n春节 2027-02-06..2027-02-02\n";
        let p = admin
            .post_multipart(
                "/calendar/preview",
                &[],
                &[("file", "2027.txt", bad.as_bytes())],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(
            text_of(&p.body, "preview-error").contains("line 3"),
            "{}",
            p.body
        );
        assert!(!p.body.contains("action=\"/calendar/load\""));
        assert_eq!(e.store.calendar_years().await.unwrap().len(), years);
        // A good one: what would change, then loaded on confirmation.
        let p = admin
            .post_multipart(
                "/calendar/preview",
                &[],
                &[("file", "2027.txt", YEAR_2027.as_bytes())],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert!(p.body.contains("<td>2027</td><td>新增</td>"), "{}", p.body);
        assert_eq!(
            e.store.calendar_years().await.unwrap().len(),
            years,
            "a dry run stores nothing"
        );
        let p = admin
            .post("/calendar/load", &[("schedule", YEAR_2027)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(p.location(), "/calendar?loaded=2027");
        assert_eq!(e.store.calendar_years().await.unwrap().len(), years + 1);
        assert!(e.store.count("audit_log").await.unwrap() > trail, "audited");
        let p = admin.get("/calendar?date=2027-02-14").await;
        assert_eq!(
            text_of(&p.body, "is-workday"),
            "工作日",
            "a Sunday worked in 2027"
        );
        // Loading the same file again: the dry run says unchanged.
        let p = admin
            .post_multipart(
                "/calendar/preview",
                &[],
                &[("file", "2027.txt", YEAR_2027.as_bytes())],
            )
            .await;
        assert!(p.body.contains("<td>2027</td><td>不变</td>"), "{}", p.body);
        // Not a UTF-8 text file; no file at all.
        let p = admin
            .post_multipart(
                "/calendar/preview",
                &[],
                &[("file", "x.txt", b"\xff\xfe\x00[")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"file-error\""));
        // The office may not load a calendar.
        let mut office = Browser::sign_in(&server, "office").await;
        let p = office
            .post("/calendar/load", &[("schedule", YEAR_2027)])
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        drop(server);
        e.drop_db().await;
    }
}

/// While a year the lights reach into has no holiday schedule, the home page and a measure's
/// page say the lights are provisional and name the year; loading the year (through the
/// calendar form) makes them final.
#[tokio::test]
async fn lights_say_they_are_provisional_while_a_year_has_no_holidays() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let (year, schedule) = support::drop_this_years_calendar(&e.store).await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        let names_year = |p: &Page| {
            p.body.contains("id=\"lights-provisional\"")
                && text_of(&p.body, "lights-provisional").contains(&year.to_string())
        };
        for path in ["/".to_string(), format!("/measures/{}", l.m_a1)] {
            let p = office.get(&path).await;
            assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
            assert!(names_year(&p), "{path}: {}", p.body);
            assert!(p.body.contains("灯号为暂估"), "{path}");
        }
        let mut admin = Browser::sign_in_to(&server, "sysadmin", "/admin").await;
        assert_eq!(admin.get("/calendar").await.status, StatusCode::OK);
        let p = admin
            .post("/calendar/load", &[("schedule", &schedule)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        // Final for this year (late in December the next year may still be missing).
        for path in ["/".to_string(), format!("/measures/{}", l.m_a1)] {
            let p = office.get(&path).await;
            assert_eq!(p.status, StatusCode::OK, "{path}");
            assert!(!names_year(&p), "{path}: {}", p.body);
        }
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn the_payload_corpus_stays_inert_on_the_supervision_pages() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        for (n, payload) in crate::ui::PAYLOADS.iter().enumerate() {
            let l = ledger(&e.store, &w, payload).await;
            notify(
                &e,
                w.owner_person,
                l.m_a1,
                payload,
                &format!("2026-01-{:02}", n + 1),
            )
            .await;
            let server = support::start(&e.store, false).await;
            let mut office = Browser::sign_in(&server, "office").await;
            office.get("/notices/new").await;
            let unit = w.unit_a1.to_string();
            let m = l.m_a1.to_string();
            let due = ymd(today() + chrono::Days::new(9));
            let p = office
                .post(
                    "/notices",
                    &[
                        ("unit", &unit),
                        ("title", payload),
                        ("tier", "general"),
                        ("reply_due", &due),
                        ("measures", &m),
                        ("other", payload),
                        ("body", payload),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::SEE_OTHER, "{payload}: {}", p.body);
            let notice = p.location().to_string();
            let v = form_value(
                &office.get(&notice).await.body,
                &format!("{notice}/issue"),
                "version",
            )
            .unwrap();
            office
                .post(&format!("{notice}/issue"), &[("version", &v)])
                .await;
            let mut liaison = Browser::sign_in(&server, "liaison_a1").await;
            let v = form_value(
                &liaison.get(&notice).await.body,
                &format!("{notice}/reply"),
                "version",
            )
            .unwrap();
            let p = liaison
                .post(
                    &format!("{notice}/reply"),
                    &[
                        ("version", &v),
                        ("replied_on", &ymd(today())),
                        ("text", payload),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::SEE_OTHER, "{payload}: {}", p.body);
            office.get("/registers/meeting").await;
            let org = w.org_a.to_string();
            let p = office
                .post(
                    "/registers/meeting",
                    &[
                        ("org", &org),
                        ("on_date", "2021-09-01"),
                        ("meeting_kind", "briefing"),
                        ("topic", payload),
                        ("attendees", payload),
                        ("decisions", payload),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::SEE_OTHER, "{payload}: {}", p.body);
            // A refused form shows the payload back, inert too.
            office.get("/registers/rule").await;
            let p = office
                .post(
                    "/registers/rule",
                    &[
                        ("org", &org),
                        ("on_date", "2021-09-01"),
                        ("change", "new"),
                        ("title", payload),
                        ("doc_number", payload),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_inert(&p.body, payload, "refused rule form");
            let month = today().format("%Y-%m").to_string();
            for (login, paths) in [
                (
                    "office",
                    vec![
                        "/notices".to_string(),
                        notice.clone(),
                        "/registers/meeting".into(),
                        "/registers".into(),
                        format!("/supervision/lists?month={month}"),
                        "/supervision".into(),
                        format!("/notices?month={}", crate::ui::form_urlencoded_q(payload)),
                    ],
                ),
                ("owner", vec!["/inbox".to_string(), notice.clone()]),
            ] {
                let mut b = Browser::sign_in(&server, login).await;
                for path in paths {
                    let p = b.get(&path).await;
                    assert!(
                        p.status == StatusCode::OK || p.status == StatusCode::UNPROCESSABLE_ENTITY,
                        "{login} {path}: {}",
                        p.status
                    );
                    assert_inert(&p.body, payload, &format!("{login} {path}"));
                }
            }
            drop(server);
        }
        e.drop_db().await;
    }
}

const DEMO_PASSWORD: &str = "Zgt#2026demo";

struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// At demo scale (`serve --demo`, the Dongguan ledger, after a supervision run) no supervision
/// page weighs more than 200 KB (SQLite; the page builds the same on PostgreSQL).
#[tokio::test]
async fn no_supervision_page_is_over_200_kb_at_demo_scale() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = dir.path().display().to_string();
    let _srv = Running(
        Command::new(env!("CARGO_BIN_EXE_rectify"))
            .env_remove("RECTIFY_DATA_DIR")
            .env_remove("RECTIFY_DATABASE_URL")
            .env_remove("RECTIFY_SMTP_URL")
            .env("RECTIFY_LOG", "warn")
            .args([
                "serve",
                "--demo",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
                &data,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn rectify serve --demo"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status() == StatusCode::OK
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "demo server never became healthy");
    let server_addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let month = today().format("%Y-%m").to_string();
    let mut largest = (0, String::new());
    for (login, paths) in [
        (
            "office",
            vec![
                "/supervision".to_string(),
                "/supervision/lists".into(),
                "/supervision/lists?month=2022-03".into(),
                format!("/supervision/lists?month={month}"),
                "/notices".into(),
                "/notices/new".into(),
                "/registers".into(),
                "/registers/meeting".into(),
                "/registers/rule".into(),
                "/registers/accountability".into(),
                "/registers/money".into(),
                "/registers/site_visit".into(),
                "/registers/talk".into(),
                "/lookbacks".into(),
                "/lookbacks?state=all".into(),
                "/samples".into(),
                "/quality-flags".into(),
                "/inbox".into(),
            ],
        ),
        (
            "supervisor",
            vec!["/quality-flags".to_string(), "/lookbacks?state=all".into()],
        ),
        ("owner", vec!["/inbox".to_string(), "/notices".into()]),
        ("liaison", vec!["/inbox".to_string(), "/notices".into()]),
        (
            "sysadmin",
            vec![
                "/calendar".to_string(),
                "/calendar?date=2025-01-28&n=5".into(),
            ],
        ),
    ] {
        let mut b = Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: format!("http://{server_addr}"),
            csrf: String::new(),
        };
        let p = b
            .post_raw("/sign-in", &[("login", login), ("password", DEMO_PASSWORD)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "demo sign-in {login}");
        for path in paths {
            let p = b.get(&path).await;
            assert_eq!(p.status, StatusCode::OK, "{login} {path}: {}", p.body);
            assert!(
                p.body.len() <= 200 * 1024,
                "{login} {path}: {} bytes",
                p.body.len()
            );
            if p.body.len() > largest.0 {
                largest = (p.body.len(), format!("{login} {path}"));
            }
        }
        // Open one notice, if the demo has any.
        let p = b.get("/notices").await;
        if let Some(i) = p.body.find("href=\"/notices/")
            && let Some(id) = p.body[i + 15..]
                .split('"')
                .next()
                .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
        {
            let p = b.get(&format!("/notices/{id}")).await;
            assert!(
                p.body.len() <= 200 * 1024,
                "{login} notice: {} bytes",
                p.body.len()
            );
        }
    }
    eprintln!(
        "largest supervision page at demo scale: {} bytes ({})",
        largest.0, largest.1
    );
}
