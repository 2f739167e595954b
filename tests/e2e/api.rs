//! The API end to end, on every engine: accounts and sessions, 三员分立, the rectification loop,
//! scope and field rules, optimistic concurrency, bad input, and the audit chain.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Client, PASSWORD, World, engines, err, seed, start};

#[tokio::test]
async fn health_openapi_and_metrics() {
    for e in engines().await {
        seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let c = Client::new(&srv);
        let (st, body) = c.get("/healthz").await;
        assert_eq!(
            (st, body),
            (StatusCode::OK, Value::String("ok".into())),
            "{}",
            e.name
        );
        let (st, doc) = c.get("/api/v1/openapi.json").await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            doc["openapi"]
        );
        for p in [
            "/api/v1/measures",
            "/api/v1/measures/{id}/transitions",
            "/api/v1/session",
            "/api/v1/audit",
        ] {
            assert!(doc["paths"][p].is_object(), "OpenAPI lacks {p}");
        }
        let (st, m) = c.get("/metrics").await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            m.as_str().unwrap().contains("rectify_http_requests_total"),
            "{m}"
        );
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn sign_in_lockout_unlock_and_generic_failures() {
    for e in engines().await {
        seed(&e.store).await;
        let srv = start(&e.store, false).await;
        for login in [
            "sysadmin",
            "secadmin",
            "auditadmin",
            "office",
            "supervisor",
            "leader",
            "liaison_a1",
            "owner",
        ] {
            let mut c = Client::new(&srv);
            let (st, body) = c.login(login, PASSWORD).await;
            assert_eq!(st, StatusCode::OK, "{login} on {}: {body}", e.name);
            assert_eq!(body["login"], login);
            let (st, me) = c.get("/api/v1/session").await;
            assert_eq!((st, me["login"].as_str()), (StatusCode::OK, Some(login)));
        }
        let mut c = Client::new(&srv);
        let (st, unknown) = c.login("nobody", PASSWORD).await;
        let (st2, wrong) = c.login("office", "Wrong#Pass1").await;
        assert_eq!(
            (st, st2),
            (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            unknown["error"], wrong["error"],
            "unknown user and wrong password must look the same"
        );
        for _ in 0..4 {
            c.login("office", "Wrong#Pass1").await;
        }
        // Five failures: locked, and the right password now gets the same generic answer.
        let (st, locked) = c.login("office", PASSWORD).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        assert_eq!(locked["error"], wrong["error"]);
        let sec = Client::login_as(&srv, "secadmin").await;
        let office_id = e.store.user_by_login("office").await.unwrap().unwrap().id;
        let (st, _) = sec
            .post(&format!("/api/v1/users/{office_id}/unlock"), json!({}))
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (st, _) = c.login("office", PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "unlocked account signs in");
        let audit = Client::login_as(&srv, "auditadmin").await;
        let (_, rows) = audit.get("/api/v1/audit?limit=200").await;
        let actions: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"user.lock") && actions.contains(&"user.unlock"),
            "{actions:?}"
        );
        let failures = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == "session.login" && r["outcome"] == "failure")
            .count();
        assert!(failures >= 6, "each failure is audited: {failures}");
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn one_time_passwords_allow_only_a_change_and_the_policy_holds() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let sys = Client::login_as(&srv, "sysadmin").await;
        let (st, created) = sys
            .post(
                "/api/v1/users",
                json!({"login": "newbie", "display_name": "新用户", "organisation_id": w.org_a}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{created}");
        let otp = created["one_time_password"].as_str().unwrap().to_string();
        let mut c = Client::new(&srv);
        let (st, info) = c.login("newbie", &otp).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(info["password_change_required"], true);
        let (st, body) = c.get("/api/v1/measures").await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::FORBIDDEN, "password_change_required")
        );
        for (bad, code) in [
            ("short1A", "password_too_short"),
            ("alllowercase1", "password_too_few_classes"),
            ("Newbie#2026x", "password_contains_login"),
            ("P@ssw0rd", "password_common"),
            ("Admin@123", "password_common"),
        ] {
            let (st, body) = c
                .post(
                    "/api/v1/session/password",
                    json!({"current_password": otp, "new_password": bad}),
                )
                .await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
            assert_eq!(err(&body), (code, Some("new_password")), "{bad}");
        }
        let (st, body) = c
            .post(
                "/api/v1/session/password",
                json!({"current_password": otp, "new_password": otp}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNPROCESSABLE_ENTITY, "password_reused")
        );
        let (st, _) = c
            .post(
                "/api/v1/session/password",
                json!({"current_password": otp, "new_password": "Vq3#kd8Lmz"}),
            )
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (st, _) = c.get("/api/v1/measures").await;
        assert_eq!(
            st,
            StatusCode::OK,
            "after the change the session is a full one"
        );
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn sessions_csrf_timeouts_logout_and_disable() {
    for e in engines().await {
        seed(&e.store).await;
        let srv = start(&e.store, false).await;
        // Cookie flags, plain-HTTP loopback mode.
        let resp = reqwest::Client::new()
            .post(format!("http://{}/api/v1/session", srv.addr))
            .json(&json!({"login": "office", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.starts_with("rectify_session=")
                && cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let id = cookie.split(';').next().unwrap().split('=').nth(1).unwrap();
        assert!(id.len() >= 43, "session id carries ≥ 256 bits: {id}");
        // TLS mode: __Host- prefix and Secure.
        let tls = start(&e.store, true).await;
        let resp = reqwest::Client::new()
            .post(format!("http://{}/api/v1/session", tls.addr))
            .json(&json!({"login": "office", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.starts_with("__Host-rectify_session=")
                && cookie.contains("Secure")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(resp.headers().contains_key("strict-transport-security"));

        // CSRF: a cookie-authenticated change without the token is refused; with it, accepted.
        let mut c = Client::login_as(&srv, "office").await;
        let token = c.csrf.take();
        let (st, body) = c.post("/api/v1/tokens", json!({"name": "t"})).await;
        assert_eq!((st, err(&body).0), (StatusCode::FORBIDDEN, "csrf"));
        c.csrf = token;
        let (st, tok) = c.post("/api/v1/tokens", json!({"name": "t"})).await;
        assert_eq!(st, StatusCode::CREATED);
        // Cross-origin with a valid token is refused too.
        let resp = c
            .http
            .post(format!("{}/api/v1/tokens", c.base))
            .header("x-csrf-token", c.csrf.clone().unwrap())
            .header("origin", "http://evil.example")
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        // Bearer tokens need no CSRF token.
        let bearer = Client {
            http: reqwest::Client::new(),
            base: c.base.clone(),
            csrf: None,
            bearer: tok["token"].as_str().map(str::to_string),
        };
        let (st, _) = bearer
            .post("/api/v1/tokens", json!({"name": "from-token"}))
            .await;
        assert_eq!(st, StatusCode::CREATED);

        // Idle timeout is enforced by the server: the row goes.
        let sessions_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session")
            .fetch_one(e.store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE session SET last_seen = '2020-01-01T00:00:00.000+08:00'")
            .execute(e.store.pool())
            .await
            .unwrap();
        let (st, body) = c.get("/api/v1/session").await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNAUTHORIZED, "session_expired")
        );
        let sessions_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session")
            .fetch_one(e.store.pool())
            .await
            .unwrap();
        assert_eq!(sessions_after, sessions_before - 1);

        // Logout kills the session; disabling a user kills theirs and their tokens.
        let c = Client::login_as(&srv, "leader").await;
        let (st, _) = c.call(Method::DELETE, "/api/v1/session", None).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        assert_eq!(c.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED);
        let victim = Client::login_as(&srv, "supervisor").await;
        let sys = Client::login_as(&srv, "sysadmin").await;
        let sup_id = e
            .store
            .user_by_login("supervisor")
            .await
            .unwrap()
            .unwrap()
            .id;
        let (st, _) = sys
            .put(
                &format!("/api/v1/users/{sup_id}/disabled"),
                json!({"disabled": true}),
            )
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        assert_eq!(
            victim.get("/api/v1/session").await.0,
            StatusCode::UNAUTHORIZED
        );
        drop(srv);
        drop(tls);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn three_separated_admins_each_only_their_own() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let sys = Client::login_as(&srv, "sysadmin").await;
        let sec = Client::login_as(&srv, "secadmin").await;
        let aud = Client::login_as(&srv, "auditadmin").await;
        let office_id = e.store.user_by_login("office").await.unwrap().unwrap().id;
        // system admin: organisations and users, nothing else.
        assert_eq!(
            sys.post(
                "/api/v1/organisations",
                json!({"parent_id": w.root, "name": "市审计局", "kind": "organisation"})
            )
            .await
            .0,
            StatusCode::CREATED
        );
        assert_eq!(sys.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
        assert_eq!(sys.get("/api/v1/measures").await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            sys.put(
                &format!("/api/v1/users/{office_id}/role"),
                json!({"role": "leader"})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(sys.get("/api/v1/policy").await.0, StatusCode::FORBIDDEN);
        // security admin: roles, policy, unlock; no accounts, no audit, no ledger.
        assert_eq!(
            sec.post(
                "/api/v1/users",
                json!({"login": "x1", "display_name": "x", "organisation_id": w.root})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(sec.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
        assert_eq!(sec.get("/api/v1/measures").await.0, StatusCode::FORBIDDEN);
        let (st, policy) = sec.get("/api/v1/policy").await;
        assert_eq!(st, StatusCode::OK);
        let mut weaker = policy.clone();
        weaker["password"]["min_length"] = json!(4);
        let (st, body) = sec.put("/api/v1/policy", weaker).await;
        assert_eq!(
            (st, err(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("out_of_range", Some("password.min_length"))
            )
        );
        let sec_id = e.store.user_by_login("secadmin").await.unwrap().unwrap().id;
        assert_eq!(
            sec.put(
                &format!("/api/v1/users/{sec_id}/role"),
                json!({"role": "audit_admin"})
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // audit admin: reads the trail, and reading is audited.
        assert_eq!(
            aud.post(
                "/api/v1/organisations",
                json!({"parent_id": w.root, "name": "x", "kind": "unit"})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(aud.get("/api/v1/measures").await.0, StatusCode::FORBIDDEN);
        let (st, _) = aud.get("/api/v1/audit").await;
        assert_eq!(st, StatusCode::OK);
        let (_, rows) = aud.get("/api/v1/audit?action=audit.view").await;
        let row = &rows.as_array().unwrap()[0];
        assert_eq!(
            (row["actor"].as_str(), row["role"].as_str()),
            (Some("auditadmin"), Some("audit_admin"))
        );
        for k in ["at", "request_id", "source_ip", "outcome", "hash"] {
            assert!(row[k].is_string(), "audit row lacks {k}: {row}");
        }
        assert!(
            row["at"].as_str().unwrap().ends_with("+08:00"),
            "time with offset: {}",
            row["at"]
        );
        // A ledger role never administers.
        let office = Client::login_as(&srv, "office").await;
        assert_eq!(office.get("/api/v1/users").await.0, StatusCode::FORBIDDEN);
        assert_eq!(office.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
        drop(srv);
        e.drop_db().await;
    }
}

/// Create an inspection → aspect → problem → measure as the office; returns (inspection, problem, measure) ids.
async fn plan(office: &Client, w: &World, severity: i64) -> (i64, i64, i64) {
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
        .post("/api/v1/problems", json!({"aspect_id": aspect["id"], "title": "针对党组发挥领导作用不够充分的问题", "severity": severity}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{problem}");
    let pid = problem["id"].as_i64().unwrap();
    let (st, m) = office
        .post(
            "/api/v1/measures",
            json!({"problem_id": pid, "text": "制定党组议事规则,严格落实“第一议题”制度。", "kind": "time_bound",
                   "responsible_unit_id": w.unit_a1, "owner_id": w.owner_person, "leader_id": w.leader_person, "deadline": "2021-12-31"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    (iid, pid, m["id"].as_i64().unwrap())
}

#[tokio::test]
async fn the_rectification_loop_with_scope_fields_versions_and_bad_input() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (iid, pid, mid) = plan(&office, &w, 1).await;
        let m = |v: &Value| {
            (
                v["state"].as_str().unwrap().to_string(),
                v["version"].as_i64().unwrap(),
            )
        };

        // Bad input: each a 4xx naming the field, nothing written.
        let before: i64 = e.store.count("measure").await.unwrap();
        for (body, code, field) in [
            (
                json!({"problem_id": pid, "text": "x", "kind": "time_bound", "deadline": "2021-07-01"}),
                "deadline_before_feedback",
                Some("deadline"),
            ),
            (
                json!({"problem_id": pid, "text": "x", "kind": "time_bound", "deadline": "2021-02-30"}),
                "invalid_date",
                Some("deadline"),
            ),
            (
                json!({"problem_id": pid, "text": "x", "kind": "sometimes"}),
                "invalid_value",
                Some("kind"),
            ),
            (
                json!({"problem_id": "seven", "text": "x", "kind": "ongoing"}),
                "invalid_value",
                Some("problem_id"),
            ),
            (
                json!({"problem_id": pid, "text": "x", "kind": "ongoing", "status": "closed"}),
                "unknown_field",
                Some("status"),
            ),
            (
                json!({"problem_id": pid, "text": "字".repeat(20_001), "kind": "ongoing"}),
                "too_long",
                Some("text"),
            ),
            (
                json!({"problem_id": pid, "text": "  ", "kind": "ongoing"}),
                "required",
                Some("text"),
            ),
            (
                json!({"problem_id": pid, "kind": "ongoing"}),
                "required",
                Some("text"),
            ),
            (
                json!({"problem_id": pid, "text": "x", "kind": "ongoing", "responsible_unit_id": w.org_b}),
                "out_of_scope",
                Some("responsible_unit_id"),
            ),
        ] {
            let (st, resp) = office.post("/api/v1/measures", body.clone()).await;
            assert_eq!(
                st,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {body}: {resp}",
                e.name
            );
            assert_eq!(err(&resp), (code, field), "{body}");
        }
        let resp = office
            .http
            .post(format!("{}/api/v1/measures", office.base))
            .header("x-csrf-token", office.csrf.clone().unwrap())
            .header("content-type", "application/json")
            .body("{\"problem_id\": 1,")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"]["code"],
            "malformed_json"
        );
        let (st, resp) = office.post("/api/v1/inspections", json!({"kind": "regular", "inspected_org_id": w.org_a, "title": "t", "stationed_from": "2021-04-10", "stationed_to": "2021-04-09"})).await;
        assert_eq!(
            (st, err(&resp)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("date_order", Some("stationed_to"))
            )
        );
        assert_eq!(
            e.store.count("measure").await.unwrap(),
            before,
            "nothing partly written"
        );

        // Assign, report with evidence as the owner, submit.
        let (_, cur) = office.get(&format!("/api/v1/measures/{mid}")).await;
        let (st, cur) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "assign", "version": cur["version"]}),
            )
            .await;
        assert_eq!(
            (st, m(&cur).0.as_str()),
            (StatusCode::OK, "assigned"),
            "{cur}"
        );
        let owner = Client::login_as(&srv, "owner").await;
        let up = owner
            .http
            .post(format!(
                "{}/api/v1/evidence?file_name=%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf",
                owner.base
            ))
            .header("x-csrf-token", owner.csrf.clone().unwrap())
            .body(b"%PDF-1.4 minutes of the meeting".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(up.status(), StatusCode::CREATED);
        let ev: Value = up.json().await.unwrap();
        assert_eq!(ev["file_name"], "会议纪要.pdf");
        let exe = owner
            .http
            .post(format!("{}/api/v1/evidence?file_name=x.pdf", owner.base))
            .header("x-csrf-token", owner.csrf.clone().unwrap())
            .body(b"MZ\x90\x00 not a pdf".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(
            exe.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong magic bytes refused"
        );
        let (st, r) = owner.post("/api/v1/reports", json!({"measure_ids": [mid], "text": "已制定党组议事规则。", "percent": 60, "evidence_ids": [ev["id"]]})).await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        let (st, r) = owner
            .post(
                "/api/v1/reports",
                json!({"measure_ids": [mid], "text": "完成。", "percent": 100, "submit": true}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        let (_, cur) = office.get(&format!("/api/v1/measures/{mid}")).await;
        assert_eq!(m(&cur).0, "submitted");
        let (st, reports) = office.get(&format!("/api/v1/measures/{mid}/reports")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(reports.as_array().unwrap().len(), 2);
        let dl = office
            .http
            .get(format!(
                "{}/api/v1/evidence/{}/content",
                office.base, ev["id"]
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(dl.status(), StatusCode::OK);
        assert!(
            dl.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''%E4%BC%9A"),
            "RFC 6266 name"
        );
        assert_eq!(
            &dl.bytes().await.unwrap()[..],
            b"%PDF-1.4 minutes of the meeting"
        );

        // Review: return needs a reason; stale versions get 409 with the current one.
        let (st, body) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "return", "version": cur["version"]}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNPROCESSABLE_ENTITY, "reason_required")
        );
        let (st, ret) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "return", "version": cur["version"], "reason": "佐证材料不足"}),
            )
            .await;
        assert_eq!((st, m(&ret).0.as_str()), (StatusCode::OK, "returned"));
        let (st, body) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "close", "version": cur["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::CONFLICT);
        assert_eq!(
            (err(&body).0, body["error"]["current_version"].as_i64()),
            ("version_conflict", Some(m(&ret).1))
        );
        let (st, body) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "close", "version": m(&ret).1}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNPROCESSABLE_ENTITY, "illegal_transition")
        );

        // Two people edit one measure: the second gets 409, never a silent overwrite.
        let liaison = Client::login_as(&srv, "liaison_a1").await;
        let v = m(&ret).1;
        let (st, _) = office
            .patch(
                &format!("/api/v1/measures/{mid}"),
                json!({"version": v, "text": "办公室修改"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let (st, body) = liaison
            .patch(
                &format!("/api/v1/measures/{mid}"),
                json!({"version": v, "text": "联络员修改"}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::CONFLICT, "version_conflict")
        );
        let (_, now) = office.get(&format!("/api/v1/measures/{mid}")).await;
        assert_eq!(now["text"], "办公室修改");
        // Field rules: a liaison may not move the measure to another unit, nor set state.
        let (st, body) = liaison
            .patch(
                &format!("/api/v1/measures/{mid}"),
                json!({"version": now["version"], "responsible_unit_id": w.unit_a2}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::FORBIDDEN, "field_forbidden")
        );
        let (st, _) = liaison
            .patch(
                &format!("/api/v1/measures/{mid}"),
                json!({"version": now["version"], "state": "closed"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, body) = liaison
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "close", "version": now["version"]}),
            )
            .await;
        assert_eq!((st, err(&body).0), (StatusCode::FORBIDDEN, "forbidden"));

        // Another unit sees nothing of it, on every route.
        let other = Client::login_as(&srv, "liaison_a2").await;
        let office_b = Client::login_as(&srv, "office_b").await;
        for c in [&other, &office_b] {
            for path in [
                format!("/api/v1/measures/{mid}"),
                format!("/api/v1/measures/{mid}/reports"),
                format!("/api/v1/measures/{mid}/history"),
                format!("/api/v1/evidence/{}", ev["id"]),
                format!("/api/v1/evidence/{}/content", ev["id"]),
            ] {
                let (st, _) = c.get(&path).await;
                assert!(
                    st == StatusCode::NOT_FOUND || st == StatusCode::FORBIDDEN,
                    "{path}: {st}"
                );
            }
            let (st, _) = c
                .patch(
                    &format!("/api/v1/measures/{mid}"),
                    json!({"version": now["version"], "text": "x"}),
                )
                .await;
            assert!(
                st == StatusCode::NOT_FOUND || st == StatusCode::FORBIDDEN,
                "patch: {st}"
            );
            let (st, _) = c
                .post(
                    &format!("/api/v1/measures/{mid}/transitions"),
                    json!({"action": "submit", "version": now["version"]}),
                )
                .await;
            assert!(
                st == StatusCode::NOT_FOUND || st == StatusCode::FORBIDDEN,
                "transition: {st}"
            );
            let (_, list) = c
                .get(&format!("/api/v1/measures?inspection_id={iid}"))
                .await;
            assert_eq!(list["total"], 0, "{list}");
        }
        let (_, mine) = liaison
            .get(&format!(
                "/api/v1/measures?inspection_id={iid}&unit_id={}",
                w.unit_a1
            ))
            .await;
        assert_eq!(mine["total"], 1);

        // Resubmit, close, sign off; statistics follow.
        let (st, _) = liaison.post("/api/v1/reports", json!({"measure_ids": [mid], "text": "已补充佐证。", "percent": 100, "submit": true})).await;
        assert_eq!(st, StatusCode::CREATED);
        let (_, cur) = office.get(&format!("/api/v1/measures/{mid}")).await;
        let (st, closed) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "close", "version": cur["version"]}),
            )
            .await;
        assert_eq!((st, m(&closed).0.as_str()), (StatusCode::OK, "closed"));
        let (_, p) = office.get(&format!("/api/v1/problems/{pid}")).await;
        let office_a = Client::login_as(&srv, "office_a").await;
        let (st, signed) = office_a
            .post(
                &format!("/api/v1/problems/{pid}/sign-off"),
                json!({"version": p["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{signed}");
        let (_, stats) = office
            .get(&format!("/api/v1/inspections/{iid}/stats"))
            .await;
        assert_eq!(
            (
                stats["problems"]["completed"].as_i64(),
                stats["completion_rate"].as_str()
            ),
            (Some(1), Some("100.00%")),
            "{stats}"
        );
        // Filters: state, overdue, deadline range.
        let (_, l) = office.get(&format!("/api/v1/measures?inspection_id={iid}&state=closed&deadline_from=2021-12-01&deadline_to=2021-12-31&sort=deadline&desc=true")).await;
        assert_eq!(l["total"], 1);
        let (_, l) = office
            .get(&format!(
                "/api/v1/measures?inspection_id={iid}&overdue=true"
            ))
            .await;
        assert_eq!(l["total"], 0);
        let (st, body) = office
            .get("/api/v1/measures?deadline_from=2021-02-30")
            .await;
        assert_eq!(
            (st, err(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("invalid_date", Some("deadline_from"))
            )
        );
        // History comes from the audit trail.
        let (_, hist) = office.get(&format!("/api/v1/measures/{mid}/history")).await;
        let acts: Vec<&str> = hist
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        for a in [
            "measure.create",
            "measure.assign",
            "measure.return",
            "measure.close",
            "measure.update",
        ] {
            assert!(acts.contains(&a), "{a} missing from {acts:?}");
        }
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn serious_problems_need_the_inspecting_body_to_sign_off() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (_, pid, mid) = plan(&office, &w, 3).await;
        let owner = Client::login_as(&srv, "owner").await;
        let (_, cur) = office.get(&format!("/api/v1/measures/{mid}")).await;
        office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "assign", "version": cur["version"]}),
            )
            .await;
        let (_, p) = office.get(&format!("/api/v1/problems/{pid}")).await;
        let (st, body) = office
            .post(
                &format!("/api/v1/problems/{pid}/sign-off"),
                json!({"version": p["version"]}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNPROCESSABLE_ENTITY, "measures_open")
        );
        owner
            .post(
                "/api/v1/reports",
                json!({"measure_ids": [mid], "text": "完成", "percent": 100, "submit": true}),
            )
            .await;
        let (_, cur) = office.get(&format!("/api/v1/measures/{mid}")).await;
        office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "close", "version": cur["version"]}),
            )
            .await;
        let office_a = Client::login_as(&srv, "office_a").await;
        let (st, body) = office_a
            .post(
                &format!("/api/v1/problems/{pid}/sign-off"),
                json!({"version": p["version"]}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNPROCESSABLE_ENTITY, "tier_required")
        );
        let (st, _) = office
            .post(
                &format!("/api/v1/problems/{pid}/sign-off"),
                json!({"version": p["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn user_input_cannot_forge_log_lines_and_secrets_stay_out_of_the_trail() {
    for e in engines().await {
        seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let mut c = Client::new(&srv);
        c.login(
            "evil\r\n2026-01-01 INFO admin logged in",
            "S3cret#pw-NOT-LOGGED",
        )
        .await;
        let aud = Client::login_as(&srv, "auditadmin").await;
        let (_, rows) = aud.get("/api/v1/audit?limit=500").await;
        let text = rows.to_string();
        assert!(
            !text.contains("S3cret#pw-NOT-LOGGED") && !text.contains(PASSWORD),
            "a password reached the audit trail"
        );
        let failure = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["outcome"] == "failure")
            .unwrap();
        let oid = failure["object_id"].as_str().unwrap();
        assert!(
            !oid.contains('\n') && !oid.contains('\r') && oid.contains("\\r\\n"),
            "{oid}"
        );
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn audit_verify_passes_then_names_the_tampered_row() {
    for e in engines().await {
        let w = seed(&e.store).await;
        {
            let srv = start(&e.store, false).await;
            let office = Client::login_as(&srv, "office").await;
            plan(&office, &w, 1).await;
        }
        let exe = env!("CARGO_BIN_EXE_rectify");
        let run = |url: &str| {
            std::process::Command::new(exe)
                .args(["audit", "verify", "--database", url])
                .env_remove("RECTIFY_DATA_DIR")
                .output()
                .expect("run rectify")
        };
        let ok = run(&e.url);
        assert!(
            ok.status.success(),
            "{}: {}",
            e.name,
            String::from_utf8_lossy(&ok.stdout)
        );
        // The trigger refuses edits through SQL…
        let refused = sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE seq = 7")
            .execute(e.store.pool())
            .await;
        assert!(refused.is_err(), "append-only trigger must refuse updates");
        assert!(
            sqlx::query("DELETE FROM audit_log WHERE seq = 7")
                .execute(e.store.pool())
                .await
                .is_err()
        );
        // …so an intruder with file access drops it first, then edits row 7.
        let drop_sql = match e.name {
            "sqlite" => "DROP TRIGGER audit_log_no_update",
            _ => "DROP TRIGGER audit_log_no_update ON audit_log",
        };
        sqlx::query(drop_sql).execute(e.store.pool()).await.unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE seq = 7")
            .execute(e.store.pool())
            .await
            .unwrap();
        let bad = run(&e.url);
        let out = String::from_utf8_lossy(&bad.stdout);
        assert_eq!(bad.status.code(), Some(1), "{out}");
        assert!(out.contains("seq 7"), "names the row: {out}");
        e.drop_db().await;
    }
}

#[tokio::test]
async fn expired_passwords_absolute_timeouts_ip_throttle_and_idle_accounts() {
    for e in engines().await {
        seed(&e.store).await;
        let srv = start(&e.store, false).await;
        // A password older than 90 days gives a change-only session.
        sqlx::query("UPDATE app_user SET password_changed_at = '2020-01-01T00:00:00.000+08:00' WHERE login = 'leader'").execute(e.store.pool()).await.unwrap();
        let mut c = Client::new(&srv);
        let (_, info) = c.login("leader", PASSWORD).await;
        assert_eq!(info["password_change_required"], true);
        let (st, body) = c.get("/api/v1/inspections").await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::FORBIDDEN, "password_change_required")
        );
        // Absolute lifetime: 12 hours, however active the session.
        let c = Client::login_as(&srv, "office").await;
        sqlx::query("UPDATE session SET created_at = '2020-01-01T00:00:00.000+08:00'")
            .execute(e.store.pool())
            .await
            .unwrap();
        let (st, body) = c.get("/api/v1/session").await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNAUTHORIZED, "session_expired")
        );
        // Per-IP throttle: the security admin tightens it; then this address is refused for a while.
        let sec = Client::login_as(&srv, "secadmin").await;
        let (_, mut p) = sec.get("/api/v1/policy").await;
        p["ip_failures_per_15min"] = json!(3);
        assert_eq!(sec.put("/api/v1/policy", p).await.0, StatusCode::NO_CONTENT);
        let mut c = Client::new(&srv);
        for _ in 0..3 {
            assert_eq!(
                c.login("nobody", "Wrong#Pass1").await.0,
                StatusCode::UNAUTHORIZED
            );
        }
        let (st, body) = c.login("office", PASSWORD).await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
        );
        // Accounts idle for 90 days are disabled.
        sqlx::query("UPDATE app_user SET last_login_at = '2020-01-01T00:00:00.000+08:00' WHERE login = 'supervisor'").execute(e.store.pool()).await.unwrap();
        let disabled = e
            .store
            .disable_idle_accounts(&rectify_store::Actor::cli("test"))
            .await
            .unwrap();
        let sup = e.store.user_by_login("supervisor").await.unwrap().unwrap();
        assert!(sup.disabled && disabled.contains(&sup.id));
        assert!(
            !e.store
                .user_by_login("office")
                .await
                .unwrap()
                .unwrap()
                .disabled,
            "recently active accounts stay"
        );
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn problems_and_inspections_are_edited_with_versions() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (iid, pid, _) = plan(&office, &w, 1).await;
        let (_, p) = office.get(&format!("/api/v1/problems/{pid}")).await;
        let (st, p2) = office.patch(&format!("/api/v1/problems/{pid}"), json!({"version": p["version"], "title": "针对议事规则不健全的问题", "severity": 2})).await;
        assert_eq!(
            (st, p2["severity"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{p2}"
        );
        let (st, body) = office
            .patch(
                &format!("/api/v1/problems/{pid}"),
                json!({"version": p["version"], "title": "stale"}),
            )
            .await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::CONFLICT, "version_conflict")
        );
        let (st, body) = office
            .patch(
                &format!("/api/v1/problems/{pid}"),
                json!({"version": p2["version"], "severity": 9}),
            )
            .await;
        assert_eq!(
            (st, err(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("invalid_severity", Some("severity"))
            )
        );
        let (_, i) = office.get(&format!("/api/v1/inspections/{iid}")).await;
        let (st, body) = office
            .patch(
                &format!("/api/v1/inspections/{iid}"),
                json!({"version": i["version"], "feedback_on": "2021-04-01"}),
            )
            .await;
        assert_eq!(
            (st, err(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("date_order", Some("feedback_on"))
            ),
            "feedback before stationing ended"
        );
        let (st, i2) = office.patch(&format!("/api/v1/inspections/{iid}"), json!({"version": i["version"], "team": "市委第二巡察组", "plan_due": "2021-08-22"})).await;
        assert_eq!(
            (st, i2["team"].as_str(), i2["dates"]["feedback_on"].as_str()),
            (StatusCode::OK, Some("市委第二巡察组"), Some("2021-07-22")),
            "{i2}"
        );
        let liaison = Client::login_as(&srv, "liaison_a1").await;
        assert_eq!(
            liaison
                .patch(
                    &format!("/api/v1/problems/{pid}"),
                    json!({"version": p2["version"], "title": "x"})
                )
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let other = Client::login_as(&srv, "office_b").await;
        assert_eq!(
            other
                .patch(
                    &format!("/api/v1/inspections/{iid}"),
                    json!({"version": i2["version"], "title": "x"})
                )
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        drop(srv);
        e.drop_db().await;
    }
}

/// SECURITY-BAR row 8: every route with an object id in its path, every verb, called by an
/// office of another organisation and by a liaison of a sibling unit, answers 403 or 404 —
/// never data, never a change. Routes come from the OpenAPI document, so new ones are covered.
#[tokio::test]
async fn every_object_route_refuses_other_units() {
    for e in engines().await {
        let w = seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let office = Client::login_as(&srv, "office").await;
        let (iid, pid, mid) = plan(&office, &w, 1).await;
        let owner = Client::login_as(&srv, "owner").await;
        let up = owner
            .http
            .post(format!("{}/api/v1/evidence?file_name=a.pdf", owner.base))
            .header("x-csrf-token", owner.csrf.clone().unwrap())
            .body(b"%PDF-1.4 x".to_vec())
            .send()
            .await
            .unwrap();
        let eid = up.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let liaison_id = e
            .store
            .user_by_login("liaison_a1")
            .await
            .unwrap()
            .unwrap()
            .id;
        // Organisation A's supervision objects: an assigned overdue measure (lights the owner's
        // inbox), a closed one half a year back (a look-back falls due; a sample draws it), a
        // draft supervision notice, a register entry.
        let (_, m) = office.get(&format!("/api/v1/measures/{mid}")).await;
        let (st, m) = office
            .post(
                &format!("/api/v1/measures/{mid}/transitions"),
                json!({"action": "assign", "version": m["version"]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{m}");
        let done = crate::lookback::closed(&office, &w, pid, w.unit_a1, "已完成", None).await;
        crate::lookback::sql(
            &e,
            "UPDATE measure SET closed_at = $1 WHERE id = $2",
            "2025-03-01T10:00:00.000+08:00",
            done,
        )
        .await;
        crate::lookback::ok(&["supervise", "run", "--date", "2025-09-10"], &e);
        let (_, lbs) = office.get("/api/v1/lookbacks").await;
        let lookback_id = lbs[0]["id"].as_i64().unwrap_or_else(|| panic!("{lbs}"));
        let (_, inbox) = owner.get("/api/v1/inbox").await;
        let inbox_id = inbox[0]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no inbox item: {inbox}"));
        let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
        let (st, draw) = office
            .post(
                "/api/v1/samples",
                json!({"size": 1, "seed": "7", "inspection_id": iid, "as_of": tomorrow.to_string()}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{draw}");
        let draw_id = draw["id"].as_i64().unwrap();
        let (st, notice) = office
            .post(
                "/api/v1/notices",
                json!({"unit_id": w.unit_a1, "inspection_id": iid, "title": "督办单", "tier": "key",
                       "reply_due": "2026-04-10", "items": [{"measure_id": mid}]}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{notice}");
        let notice_id = notice["id"].as_i64().unwrap();
        let register = json!({"organisation_id": w.org_a, "on_date": "2026-03-01",
                              "entry": {"kind": "talk", "person": "王某"}});
        let (st, entry) = office.post("/api/v1/registers", register.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{entry}");
        let entry_id = entry["id"].as_i64().unwrap();

        let (_, doc) = office.get("/api/v1/openapi.json").await;
        let audit_before = e.store.count("audit_log").await.unwrap();
        let (_, m) = office.get(&format!("/api/v1/measures/{mid}")).await;
        let v = m["version"].clone();
        let body_for = |path: &str| -> Value {
            match path {
                p if p.ends_with("/transitions") => json!({"action": "submit", "version": v}),
                p if p.ends_with("/sign-off") => json!({"version": 1}),
                p if p.ends_with("/milestones") => json!({"milestones": []}),
                p if p.ends_with("/aspects") => json!({"title": "x"}),
                p if p.ends_with("/role") => json!({"role": "office"}),
                p if p.ends_with("/disabled") => json!({"disabled": true}),
                p if p.ends_with("/unlock") => json!({}),
                p if p.ends_with("/issue") => json!({"version": 1, "issued_on": "2026-04-01"}),
                p if p.ends_with("/reply") => {
                    json!({"version": 1, "replied_on": "2026-04-02", "text": "x"})
                }
                p if p.ends_with("/review") => json!({"version": 1, "outcome": "accept"}),
                p if p.ends_with("/close") => json!({"version": 1}),
                p if p.ends_with("/read") => json!({}),
                p if p.starts_with("/api/v1/lookbacks/") => {
                    json!({"version": 1, "result": "holds"})
                }
                p if p.starts_with("/api/v1/samples/") => {
                    json!({"version": 1, "result": "confirmed"})
                }
                p if p.ends_with("/email") => json!({"email": "x@example.org"}),
                p if p.starts_with("/api/v1/calendar/") => json!({"schedule": "[2025]"}),
                p if p.starts_with("/api/v1/registers/") => {
                    let mut r = register.clone();
                    r["version"] = json!(1);
                    r
                }
                p if p.starts_with("/api/v1/measures/") => json!({"version": v, "text": "x"}),
                _ => json!({"version": 1, "title": "x"}),
            }
        };
        // The one route with an id this test does not sweep: a day's run record is the
        // deployment's own bookkeeping, not an object in anyone's scope (every staff role reads
        // its day and outcome, and its counts only with a scope holding every organisation:
        // supervise.rs).
        const NOT_HERE: [&str; 1] = ["/api/v1/supervision/runs/{date}"];
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            if !path.contains('{') || NOT_HERE.iter().any(|p| path.starts_with(p)) {
                continue;
            }
            let id = if path.starts_with("/api/v1/inspections/") {
                iid
            } else if path.starts_with("/api/v1/problems/") {
                pid
            } else if path.starts_with("/api/v1/measures/") {
                mid
            } else if path.starts_with("/api/v1/evidence/") {
                eid
            } else if path.starts_with("/api/v1/users/") {
                liaison_id
            } else if path.starts_with("/api/v1/notices/") {
                notice_id
            } else if path.starts_with("/api/v1/registers/") {
                entry_id
            } else if path.starts_with("/api/v1/lookbacks/") {
                lookback_id
            } else if path.starts_with("/api/v1/inbox/") {
                inbox_id
            } else if path.starts_with("/api/v1/samples/") {
                draw_id
            } else if path.starts_with("/api/v1/people/") {
                w.owner_person
            } else if path.starts_with("/api/v1/calendar/") {
                2025
            } else {
                panic!("no object id known for {path}: extend this test");
            };
            let concrete = path
                .replace("{id}", &id.to_string())
                .replace("{year}", &id.to_string())
                .replace("{seq}", "1");
            for method in item.as_object().unwrap().keys() {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                // The working-day calendar is reference data every signed-in user reads.
                if method == Method::GET && path.starts_with("/api/v1/calendar/") {
                    continue;
                }
                let concrete = if method == Method::DELETE {
                    format!("{concrete}?version=1")
                } else {
                    concrete.clone()
                };
                for login in ["office_b", "liaison_a2"] {
                    let c = Client::login_as(&srv, login).await;
                    let body = (method != Method::GET).then(|| body_for(path));
                    let (st, resp) = c.call(method.clone(), &concrete, body).await;
                    assert!(
                        st == StatusCode::NOT_FOUND || st == StatusCode::FORBIDDEN,
                        "{} {method} {concrete} as {login}: {st} {resp}",
                        e.name
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 30, "only {checked} route/verb pairs checked");
        // Nothing changed: refusals write no business rows (only sign-ins were audited).
        let (_, after) = office.get(&format!("/api/v1/measures/{mid}")).await;
        assert_eq!(after["version"], v);
        let changes: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE seq > $1 AND action <> 'session.login'",
        )
        .bind(audit_before)
        .fetch_one(e.store.pool())
        .await
        .unwrap();
        assert_eq!(changes, 0, "a refused request changed something");
        let (_, inbox) = owner.get("/api/v1/inbox?unread=true").await;
        assert!(
            inbox
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"].as_i64() == Some(inbox_id)),
            "the owner's message is still unread: {inbox}"
        );
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn disabling_a_user_revokes_their_cached_bearer_token_at_once() {
    for e in engines().await {
        seed(&e.store).await;
        let srv = start(&e.store, false).await;
        let leader = Client::login_as(&srv, "leader").await;
        let (_, tok) = leader
            .post("/api/v1/tokens", json!({"name": "dashboard"}))
            .await;
        let bearer = Client {
            http: reqwest::Client::new(),
            base: leader.base.clone(),
            csrf: None,
            bearer: tok["token"].as_str().map(str::to_string),
        };
        assert_eq!(
            bearer.get("/api/v1/inspections").await.0,
            StatusCode::OK,
            "token works (and is now cached)"
        );
        let sys = Client::login_as(&srv, "sysadmin").await;
        let id = e.store.user_by_login("leader").await.unwrap().unwrap().id;
        assert_eq!(
            sys.put(
                &format!("/api/v1/users/{id}/disabled"),
                json!({"disabled": true})
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        let (st, body) = bearer.get("/api/v1/inspections").await;
        assert_eq!(
            (st, err(&body).0),
            (StatusCode::UNAUTHORIZED, "invalid_token")
        );
        let (st, _) = Client {
            bearer: Some("rct_not-a-token".into()),
            ..Client::new(&srv)
        }
        .get("/api/v1/inspections")
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        drop(srv);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn uploads_over_the_limit_get_413_in_the_error_envelope_and_store_nothing() {
    let e = crate::support::sqlite().await;
    seed(&e.store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = rectify_web::AppState::new(
        e.store.clone(),
        rectify_web::WebConfig {
            upload_limit: 64 * 1024,
            ..Default::default()
        },
    );
    let task = tokio::spawn(async move {
        let _ = rectify_web::serve_on(state, listener).await;
    });
    let mut c = Client {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        base: format!("http://{addr}"),
        csrf: None,
        bearer: None,
    };
    assert_eq!(c.login("owner", PASSWORD).await.0, StatusCode::OK);
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(200 * 1024, b'x');
    let r = c
        .http
        .post(format!("{}/api/v1/evidence?file_name=big.pdf", c.base))
        .header("x-csrf-token", c.csrf.clone().unwrap())
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "too_large"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evidence")
        .fetch_one(e.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing stored");
    task.abort();
    e.drop_db().await;
}
