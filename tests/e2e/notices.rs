//! Supervision notices (督办单) and registers through the real server, on SQLite always and
//! PostgreSQL when `RECTIFY_TEST_PG_URL` is set: the lifecycle as office and liaison, scoping
//! (another unit gets 404), bad input (invalid document number, reply dated before the issue
//! date → 422 naming the field, nothing written), the monthly lists and their drafts, the
//! notice .docx read back by python-docx and rendered by LibreOffice, register statistics.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{self, Client, World, err};

/// An inspection of A with one problem and two assigned measures of unit A1 (one overdue since
/// 2021, one due far ahead); returns (inspection, problem, [measures]).
async fn ledger(office: &Client, w: &World) -> (i64, i64, Vec<i64>) {
    let (st, insp) = office
        .post(
            "/api/v1/inspections",
            json!({"kind": "regular", "team": "市委第一巡察组", "inspected_org_id": w.org_a,
                   "title": "十四届市委第十三轮巡察", "feedback_on": "2021-07-22"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{insp}");
    let iid = insp["id"].as_i64().unwrap();
    let (_, aspect) = office
        .post(
            &format!("/api/v1/inspections/{iid}/aspects"),
            json!({"title": "党的领导方面仍需加强"}),
        )
        .await;
    let (st, problem) = office
        .post(
            "/api/v1/problems",
            json!({"aspect_id": aspect["id"], "title": "制度建设不够完善", "severity": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{problem}");
    let pid = problem["id"].as_i64().unwrap();
    let mut ms = Vec::new();
    for (text, deadline) in [
        ("修订党组工作规则", "2021-12-31"),
        ("完善财务报销制度", "2099-12-31"),
    ] {
        let (st, m) = office
            .post(
                "/api/v1/measures",
                json!({"problem_id": pid, "text": text, "kind": "time_bound", "responsible_unit_id": w.unit_a1,
                       "owner_id": w.owner_person, "deadline": deadline}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{m}");
        let mid = m["id"].as_i64().unwrap();
        let (st, m) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "assign", "version": m["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{m}");
        ms.push(mid);
    }
    (iid, pid, ms)
}

async fn count(e: &support::Engine, table: &str) -> i64 {
    let sql = match table {
        "supervision_notice_reply" => "SELECT COUNT(*) FROM supervision_notice_reply",
        "register_entry" => "SELECT COUNT(*) FROM register_entry",
        _ => "SELECT COUNT(*) FROM audit_log",
    };
    sqlx::query_scalar(sql)
        .fetch_one(e.store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn notice_lifecycle_scoping_bad_input_and_documents() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let srv = support::start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let liaison = Client::login_as(&srv, "liaison_a1").await;
        let other = Client::login_as(&srv, "liaison_a2").await;
        let office_b = Client::login_as(&srv, "office_b").await;
        let supervisor = Client::login_as(&srv, "supervisor").await;
        let (iid, _pid, ms) = ledger(&office, &w).await;
        let label = e.name;

        // Office sets its numbering scheme; a malformed template names the field.
        let (st, body) = office
            .put(
                "/api/v1/notice-scheme",
                json!({"template": "市整改督[{year}]{n}号"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {body}");
        assert_eq!(err(&body), ("invalid_scheme", Some("template")));
        let (st, body) = office
            .put(
                "/api/v1/notice-scheme",
                json!({"template": "市整改督〔{year}〕{n}号"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");

        // Draft: a liaison may not; the office may.
        let draft = json!({"unit_id": w.unit_a1, "inspection_id": iid, "title": "关于加快推进巡察整改落实的督办单",
                           "tier": "key", "reply_due": "2026-04-10",
                           "items": [{"measure_id": ms[0]}, {"text": "报送整改佐证材料清单"}]});
        let (st, _) = liaison.post("/api/v1/notices", draft.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, n) = office.post("/api/v1/notices", draft).await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {n}");
        let id = n["id"].as_i64().unwrap();
        assert_eq!(n["state"], "draft");
        assert_eq!(n["doc_number"], Value::Null);
        assert_eq!(n["items"][0]["text"], "修订党组工作规则");
        assert_eq!(n["items"][0]["responsible_unit"], "办公室");

        // Issued on a date after the reply date: 422 naming reply_due, nothing written.
        let audit = count(&e, "audit").await;
        let (st, body) = office
            .post(
                &format!("/api/v1/notices/{id}/issue"),
                json!({"version": n["version"], "issued_on": "2026-04-11"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(err(&body), ("reply_due_before_issue", Some("reply_due")));
        assert_eq!(count(&e, "audit").await, audit, "nothing written");
        assert_eq!(
            office.get(&format!("/api/v1/notices/{id}")).await.1["state"],
            "draft"
        );

        let (st, n) = office
            .post(
                &format!("/api/v1/notices/{id}/issue"),
                json!({"version": n["version"], "issued_on": "2026-03-20"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{n}");
        assert_eq!(n["doc_number"], "市整改督〔2026〕1号");
        assert_eq!(n["state"], "issued");
        assert_eq!(n["overdue"], json!(crate_today().as_str() > "2026-04-10"));

        // Scoping: the other unit's liaison and another organisation's office see nothing.
        for c in [&other, &office_b] {
            let (st, body) = c.get(&format!("/api/v1/notices/{id}")).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
            assert_eq!(
                c.get(&format!("/api/v1/notices/{id}/docx")).await.0,
                StatusCode::NOT_FOUND
            );
            assert!(
                c.get("/api/v1/notices")
                    .await
                    .1
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
        }
        let (st, body) = other
            .post(
                &format!("/api/v1/notices/{id}/reply"),
                json!({"version": n["version"], "replied_on": "2026-03-25", "text": "x"}),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
        // The supervisor reads but does not reply or review.
        assert_eq!(
            supervisor.get(&format!("/api/v1/notices/{id}")).await.0,
            StatusCode::OK
        );
        let (st, _) = supervisor
            .post(
                &format!("/api/v1/notices/{id}/review"),
                json!({"version": n["version"], "outcome": "accept"}),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Reply dated before the issue date: 422 naming replied_on, no reply stored.
        let replies = count(&e, "supervision_notice_reply").await;
        let (st, body) = liaison
            .post(
                &format!("/api/v1/notices/{id}/reply"),
                json!({"version": n["version"], "replied_on": "2026-03-19", "text": "已完成"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(err(&body), ("reply_before_issue", Some("replied_on")));
        let (st, body) = liaison
            .post(
                &format!("/api/v1/notices/{id}/reply"),
                json!({"version": n["version"], "replied_on": "2026-02-30", "text": "已完成"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(err(&body), ("invalid_date", Some("replied_on")));
        assert_eq!(count(&e, "supervision_notice_reply").await, replies);

        let (st, n) = liaison
            .post(
                &format!("/api/v1/notices/{id}/reply"),
                json!({"version": n["version"], "replied_on": "2026-03-25", "text": "已修订党组工作规则并印发执行"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{n}");
        assert_eq!(n["state"], "replied");
        // A stale version is a conflict.
        let (st, body) = office
            .post(
                &format!("/api/v1/notices/{id}/review"),
                json!({"version": 1, "outcome": "accept"}),
            )
            .await;
        assert_eq!(st, StatusCode::CONFLICT, "{body}");
        let (st, body) = office
            .post(
                &format!("/api/v1/notices/{id}/review"),
                json!({"version": n["version"], "outcome": "return"}),
            )
            .await;
        assert_eq!(
            (st, err(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("required", Some("reason"))
            )
        );
        let (st, n) = office
            .post(
                &format!("/api/v1/notices/{id}/review"),
                json!({"version": n["version"], "outcome": "return", "reason": "缺少印发文件"}),
            )
            .await;
        assert_eq!(
            (st, n["state"].as_str()),
            (StatusCode::OK, Some("returned")),
            "{n}"
        );
        let (_, n) = liaison
            .post(
                &format!("/api/v1/notices/{id}/reply"),
                json!({"version": n["version"], "replied_on": "2026-03-27", "text": "补充印发文件"}),
            )
            .await;
        let (_, n) = office
            .post(
                &format!("/api/v1/notices/{id}/review"),
                json!({"version": n["version"], "outcome": "accept"}),
            )
            .await;
        assert_eq!(n["state"], "accepted", "{n}");
        let (st, n) = office
            .post(
                &format!("/api/v1/notices/{id}/close"),
                json!({"version": n["version"]}),
            )
            .await;
        assert_eq!(
            (st, n["state"].as_str()),
            (StatusCode::OK, Some("closed")),
            "{n}"
        );
        assert_eq!(n["replies"].as_array().unwrap().len(), 2);

        // The .docx: RFC 6266 name, read back by python-docx, rendered by LibreOffice.
        let resp = office
            .http
            .get(format!("{}/api/v1/notices/{id}/docx", office.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let cd = resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cd.contains("filename*=UTF-8''"), "{cd}");
        assert!(cd.contains("%E5%B8%82"), "市 percent-encoded: {cd}");
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notice.docx");
        std::fs::write(&path, &bytes).unwrap();
        let path = path.display().to_string();
        if let Some(v) = crate::report::python_docx(&path) {
            let paragraphs: Vec<&str> = v["paragraphs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert!(
                paragraphs.contains(&"市整改督〔2026〕1号"),
                "{paragraphs:#?}"
            );
            assert!(paragraphs.contains(&"关于加快推进巡察整改落实的督办单"));
            assert!(paragraphs.contains(&"办公室："), "{paragraphs:#?}");
            assert!(paragraphs.iter().any(|p| p.contains("督办等级：重点督办")));
            assert!(
                paragraphs.iter().any(|p| p.contains("于2026年4月10日前")),
                "reply date: {paragraphs:#?}"
            );
            let table = &v["tables"][0];
            assert_eq!(table[0][1], "督办事项");
            assert_eq!(table[1][1], "修订党组工作规则");
            assert_eq!(table[1][3], "2021年12月31日");
            assert_eq!(table[2][1], "报送整改佐证材料清单");
        }
        if label == "sqlite" {
            crate::report::libreoffice_renders(&path, "supervision-notice");
        }

        // Monthly lists: the overdue measure is lagging, per unit; a bad month names the field.
        let (st, body) = office.get("/api/v1/supervision/lists?month=2026-13").await;
        assert_eq!(
            (st, err(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("invalid_month", Some("month"))
            )
        );
        let (st, l) = office.get("/api/v1/supervision/lists?month=2026-03").await;
        assert_eq!(st, StatusCode::OK, "{l}");
        assert_eq!(l["lagging"]["total"], 1, "{l}");
        assert_eq!(l["lagging"]["units"][0]["unit"], "办公室（市教育局）");
        assert_eq!(l["lagging"]["units"][0]["items"][0]["measure_id"], ms[0]);
        assert_eq!(
            other.get("/api/v1/supervision/lists?month=2026-03").await.1["lagging"]["total"],
            0
        );
        let (st, drafts) = office
            .post(
                "/api/v1/supervision/lists/drafts",
                json!({"month": "2026-03", "reply_due": "2099-01-31"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{drafts}");
        assert_eq!(drafts.as_array().unwrap().len(), 1);
        assert_eq!(drafts[0]["state"], "draft");
        assert_eq!(drafts[0]["items"][0]["measure_id"], ms[0]);
        let (_, again) = office
            .post(
                "/api/v1/supervision/lists/drafts",
                json!({"month": "2026-03", "reply_due": "2099-01-31"}),
            )
            .await;
        assert_eq!(again, json!([]), "drafting twice adds nothing");
        let resp = office
            .http
            .get(format!(
                "{}/api/v1/supervision/lists/docx?month=2026-03",
                office.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.bytes().await.unwrap().starts_with(b"PK"));

        // The same lists from the command line, with the document.
        let data: Vec<String> = match &e._data_dir {
            Some(dir) => vec!["--data-dir".into(), dir.path().display().to_string()],
            None => vec!["--database".into(), e.url.clone()],
        };
        let out = dir.path().join("lists.docx");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rectify"))
            .env("RECTIFY_LOG", "warn")
            .args(["supervise", "lists", "--month", "2026-03", "--out"])
            .arg(&out)
            .args(&data)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            stdout.contains("lagging (滞后事项): 1 items in 1 units"),
            "{stdout}"
        );
        assert!(stdout.contains("办公室（市教育局）\t1"), "{stdout}");
        assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rectify"))
            .args(["supervise", "lists", "--month", "2026-3"])
            .args(&data)
            .output()
            .unwrap();
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("--month"));

        drop(srv);
        e.drop_db().await;
    }
}

fn crate_today() -> String {
    rectify_store::today().format("%Y-%m-%d").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn registers_crud_statistics_and_bad_input() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let srv = support::start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let liaison = Client::login_as(&srv, "liaison_a1").await;
        let office_b = Client::login_as(&srv, "office_b").await;
        let (iid, pid, ms) = ledger(&office, &w).await;
        let entry = |e: Value| json!({"organisation_id": w.org_a, "inspection_id": iid, "on_date": "2026-03-05", "entry": e, "problem_ids": [pid]});

        // Bad input: an invalid document number, an amount with three decimals, an unknown
        // form — 422 naming the field, nothing written.
        let before = count(&e, "register_entry").await;
        for (body, code, field) in [
            (
                entry(
                    json!({"kind": "rule", "title": "党组工作规则", "doc_number": "东教党[2021]5号", "change": "revised"}),
                ),
                "wrong_brackets",
                "entry.doc_number",
            ),
            (
                entry(
                    json!({"kind": "rule", "title": "党组工作规则", "doc_number": "东教党〔2021〕5", "change": "revised"}),
                ),
                "missing_hao",
                "entry.doc_number",
            ),
            (
                entry(json!({"kind": "money", "money_kind": "recovered", "amount": "1.234"})),
                "invalid_amount",
                "entry.amount",
            ),
            (
                json!({"organisation_id": w.org_a, "on_date": "2026-02-30", "entry": {"kind": "talk", "person": "王某"}}),
                "invalid_date",
                "on_date",
            ),
            (
                json!({"organisation_id": w.org_a, "on_date": "2026-03-01", "entry": {"kind": "meeting", "meeting_kind": "party_group", "topic": "研究"}, "measure_ids": [ms[0], 99999]}),
                "not_found",
                "measure_ids[1]",
            ),
        ] {
            let (st, r) = office.post("/api/v1/registers", body).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
            assert_eq!(err(&r), (code, Some(field)), "{r}");
        }
        let (st, r) = office
            .post(
                "/api/v1/registers",
                entry(json!({"kind": "accountability", "person": "王某", "form": "scolding"})),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        assert!(err(&r).1.unwrap_or_default().starts_with("entry"), "{r}");
        assert_eq!(count(&e, "register_entry").await, before);

        // Only the office records entries.
        let (st, _) = liaison
            .post(
                "/api/v1/registers",
                entry(json!({"kind": "talk", "person": "王某"})),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        let mut ids = Vec::new();
        for body in [
            json!({"kind": "meeting", "meeting_kind": "party_group", "topic": "专题研究巡察整改", "decisions": "明确责任分工"}),
            json!({"kind": "meeting", "meeting_kind": "party_group", "topic": "听取整改进展汇报"}),
            json!({"kind": "meeting", "meeting_kind": "liaison", "topic": "联络员会议"}),
            json!({"kind": "rule", "title": "党组工作规则", "doc_number": "东教党〔2021〕5号", "change": "revised"}),
            json!({"kind": "accountability", "person": "王某", "form": "admonishment"}),
            json!({"kind": "money", "money_kind": "refunded", "amount": "3.25万元"}),
            json!({"kind": "money", "money_kind": "recovered", "amount": "1,200元"}),
            json!({"kind": "site_visit", "subject": "实地督查财务整改"}),
        ] {
            let (st, r) = office.post("/api/v1/registers", entry(body)).await;
            assert_eq!(st, StatusCode::CREATED, "{r}");
            ids.push((r["id"].as_i64().unwrap(), r["version"].as_i64().unwrap()));
        }
        let (st, s) = office
            .get(&format!("/api/v1/registers/stats?inspection_id={iid}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{s}");
        assert_eq!(s["rules"], 1);
        assert_eq!(s["accountability_people"], 1);
        assert_eq!(s["meetings"][0]["label"], "党组会");
        assert_eq!(s["meetings"][0]["count"], 2);
        assert_eq!(s["money"][0]["fen"], 3_250_000);
        assert_eq!(s["money"][0]["yuan"], "32500");
        assert_eq!(s["money"][1]["yuan"], "1200");
        // Out of scope: another organisation's office sees none, and 404 for one entry.
        let (id0, v0) = ids[0];
        assert_eq!(
            office_b.get(&format!("/api/v1/registers/{id0}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert!(
            office_b
                .get("/api/v1/registers")
                .await
                .1
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            office_b
                .get(&format!("/api/v1/registers/stats?inspection_id={iid}"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // Replace with a version, stale version conflicts, delete.
        let mut body = entry(
            json!({"kind": "meeting", "meeting_kind": "leading_group", "topic": "领导小组会议"}),
        );
        body["version"] = json!(v0 + 5);
        assert_eq!(
            office
                .put(&format!("/api/v1/registers/{id0}"), body.clone())
                .await
                .0,
            StatusCode::CONFLICT
        );
        body["version"] = json!(v0);
        let (st, r) = office.put(&format!("/api/v1/registers/{id0}"), body).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        let (st, _) = office
            .call(
                reqwest::Method::DELETE,
                &format!("/api/v1/registers/{id0}?version={}", v0 + 1),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        assert_eq!(
            office.get(&format!("/api/v1/registers/{id0}")).await.0,
            StatusCode::NOT_FOUND
        );

        // The published notice reads the registers: meetings, rules, money, accountability.
        let viewer = e.store.tool_viewer(iid).await.unwrap();
        let facts = e.store.notice_data(&viewer, iid).await.unwrap();
        assert_eq!(facts.registers.rules, 1);
        assert_eq!(
            facts
                .registers
                .meetings
                .iter()
                .map(|m| m.count)
                .sum::<i64>(),
            2
        );

        drop(srv);
        e.drop_db().await;
    }
}
