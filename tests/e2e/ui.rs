//! The staff web application over HTTP (no browser): pages render per role on both engines,
//! sign-in/out and the forced password change, CSRF on every form, no state change on GET,
//! CSP nonces and `no-store`, scoping (404 pages), form errors that keep what was typed, and
//! a payload corpus that renders inert.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};

use crate::support::{self, PASSWORD, Server};

/// A browser-like client for HTML pages: keeps cookies, does not follow redirects, and
/// takes the CSRF token from the last page's `_csrf` field.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// The value of the first `name="…" value="…"` hidden field.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let i = html.find(&key)? + key.len();
    let j = html[i..].find('"')?;
    Some(html[i..i + j].to_string())
}

/// The value of field `name` inside the first form posting to `action`.
pub fn form_value(html: &str, action: &str, name: &str) -> Option<String> {
    let i = html.find(&format!("action=\"{action}\""))?;
    let end = html[i..]
        .find("</form>")
        .map(|j| i + j)
        .unwrap_or(html.len());
    field_value(&html[i..end], name)
}

impl Browser {
    pub fn new(server: &Server) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: format!("http://{}", server.addr),
            csrf: String::new(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let page = Page {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        };
        if let Some(t) = field_value(&page.body, "_csrf").filter(|t| !t.is_empty()) {
            self.csrf = t;
        }
        page
    }

    /// POST a form as typed (no CSRF field added).
    pub async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        Page {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    /// POST a form with the CSRF token of the last page.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut f: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        f.extend_from_slice(form);
        self.post_raw(path, &f).await
    }

    pub async fn sign_in(server: &Server, login: &str) -> Browser {
        let mut b = Browser::new(server);
        let p = b
            .post_raw("/sign-in", &[("login", login), ("password", PASSWORD)])
            .await;
        assert_eq!(
            p.status,
            StatusCode::SEE_OTHER,
            "sign in {login}: {}",
            p.body
        );
        assert_eq!(p.location(), "/");
        let home = b.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{login} home: {}", home.body);
        b
    }
}

/// Headers every HTML page must carry (SECURITY-BAR rows 19 and 29).
pub fn assert_page_headers(p: &Page) {
    assert_eq!(
        p.headers.get(CACHE_CONTROL).unwrap(),
        "no-store",
        "pages are never cached"
    );
    let csp = p
        .headers
        .get(CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("CSP has a script nonce");
    assert!(nonce.len() >= 16, "nonce {nonce}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Every script tag carries this response's nonce; no inline event handlers.
    for (i, _) in p.body.match_indices("<script") {
        let tag = &p.body[i..i + p.body[i..].find('>').unwrap()];
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{tag}");
    }
    for attr in [
        " onclick=",
        " onload=",
        " onerror=",
        " onsubmit=",
        "javascript:",
    ] {
        assert!(!p.body.contains(attr), "inline handler {attr}");
    }
}

#[tokio::test]
async fn sign_in_password_change_and_sign_out() {
    for e in support::engines().await {
        support::seed(&e.store).await;
        let server = support::start(&e.store, false).await;
        let mut b = Browser::new(&server);

        // Signed out: pages send you to sign in, remembering where you were going.
        let p = b.get("/?inspection=5").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", e.name);
        assert_eq!(p.location(), "/sign-in?next=%2F%3Finspection%3D5");
        let p = b.get("/sign-in").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_page_headers(&p);
        assert!(p.body.contains("lang=\"zh-CN\""), "Chinese by default");
        assert!(p.body.contains("<label for=\"login\">登录名</label>"));

        // A wrong password: the generic message, the login kept, the password not.
        let p = b
            .post_raw("/sign-in", &[("login", "office<x>"), ("password", "nope")])
            .await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert!(
            p.body.contains("登录名或密码错误,或账号已锁定。"),
            "{}",
            p.body
        );
        assert!(
            p.body.contains("value=\"office&#60;x&#62;\"")
                || p.body.contains("value=\"office&lt;x&gt;\""),
            "{}",
            p.body
        );
        assert!(!p.body.contains("nope"));

        // A cross-site sign-in is refused.
        let r = b
            .http
            .post(format!("{}/sign-in", b.base))
            .header("origin", "http://evil.example")
            .form(&[("login", "office"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Sign in, then come back to where we were going.
        let p = b
            .post_raw(
                "/sign-in",
                &[
                    ("login", "office"),
                    ("password", PASSWORD),
                    ("next", "/password"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert_eq!(p.location(), "/password");
        assert!(p.headers.get_all(SET_COOKIE).iter().any(|c| {
            let c = c.to_str().unwrap();
            c.starts_with("rectify_session=")
                && c.contains("HttpOnly")
                && c.contains("SameSite=Strict")
        }));
        // An open redirect is not possible.
        let mut other = Browser::new(&server);
        let p = other
            .post_raw(
                "/sign-in",
                &[
                    ("login", "office"),
                    ("password", PASSWORD),
                    ("next", "//evil.example/"),
                ],
            )
            .await;
        assert_eq!(p.location(), "/");

        let home = b.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        assert_page_headers(&home);
        assert!(home.body.contains("整改办"), "role shown");
        assert!(home.body.contains("中共测试市委"), "organisation shown");

        // Sign-out without the form's CSRF token is refused and changes nothing.
        let p = b.post_raw("/sign-out", &[]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_page_headers(&p);
        assert_eq!(b.get("/").await.status, StatusCode::OK, "still signed in");
        let p = b.post_raw("/sign-out", &[("_csrf", "wrong")]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        // GET on a POST-only route changes nothing.
        let p = b.get("/sign-out").await;
        assert_eq!(p.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(b.get("/").await.status, StatusCode::OK, "still signed in");
        let p = b.post("/sign-out", &[]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert_eq!(p.location(), "/sign-in?out=1");
        let p = b.get("/").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "signed out");

        // A one-time password: only the password page is open until it is changed.
        let policy = rectify_store::SecurityPolicy::default();
        let liaison = e.store.user_by_login("liaison_a2").await.unwrap().unwrap();
        let mut w = e.store.begin_write().await.unwrap();
        w.set_password(
            &rectify_store::Actor::cli("test"),
            liaison.id,
            "Tmp#Pass2024xy",
            &policy,
            true,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let mut l = Browser::new(&server);
        let p = l
            .post_raw(
                "/sign-in",
                &[("login", "liaison_a2"), ("password", "Tmp#Pass2024xy")],
            )
            .await;
        assert_eq!(p.location(), "/password");
        assert_eq!(l.get("/").await.location(), "/password");
        let p = l.get("/password").await;
        assert!(p.body.contains("一次性密码"), "{}", p.body);
        assert!(
            !p.body.contains("href=\"/ledger\""),
            "no navigation until changed"
        );
        // Errors next to their field, in Chinese.
        let p = l
            .post(
                "/password",
                &[
                    ("current_password", "Tmp#Pass2024xy"),
                    ("new_password", "Brand#New2024zz"),
                    ("confirm_password", "Brand#New2024"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p.body
                .contains("id=\"confirm_password-error\">两次输入的新密码不一致。"),
            "{}",
            p.body
        );
        let p = l
            .post(
                "/password",
                &[
                    ("current_password", "wrong"),
                    ("new_password", "Brand#New2024zz"),
                    ("confirm_password", "Brand#New2024zz"),
                ],
            )
            .await;
        assert!(
            p.body
                .contains("id=\"current_password-error\">当前密码错误。"),
            "{}",
            p.body
        );
        let p = l
            .post(
                "/password",
                &[
                    ("current_password", "Tmp#Pass2024xy"),
                    ("new_password", "Brand#New2024zz"),
                    ("confirm_password", "Brand#New2024zz"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(l.get("/").await.status, StatusCode::OK);
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn locale_is_remembered_per_user_and_assets_are_cached() {
    for e in support::engines().await {
        support::seed(&e.store).await;
        let server = support::start(&e.store, false).await;
        let mut b = Browser::sign_in(&server, "owner").await;
        let p = b.post("/locale", &[("locale", "en"), ("back", "/")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let p = b.get("/").await;
        assert!(p.body.contains("lang=\"en\""), "{}", e.name);
        assert!(p.body.contains("Sign out"));
        // Without the CSRF token a signed-in user's switch is refused.
        let p = b.post_raw("/locale", &[("locale", "zh")]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);

        // A new browser (no language cookie) gets English back after signing in.
        let mut fresh = Browser::new(&server);
        assert!(fresh.get("/sign-in").await.body.contains("lang=\"zh-CN\""));
        let p = fresh
            .post_raw("/sign-in", &[("login", "owner"), ("password", PASSWORD)])
            .await;
        assert!(
            p.headers
                .get_all(SET_COOKIE)
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("rectify_lang=en"))
        );
        assert!(fresh.get("/").await.body.contains("lang=\"en\""));

        // The stylesheet and script are served by rectify under content-hashed names.
        let css = p_asset(&b.get("/").await.body, ".css");
        let r = b.http.get(format!("{}{css}", b.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()[CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert!(r.text().await.unwrap().contains("@media print"));
        let r = b
            .http
            .get(format!("{}/static/app.0000.css", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        drop(server);
        e.drop_db().await;
    }
}

/// The `/static/…` path ending in `ext` that a page links.
fn p_asset(html: &str, ext: &str) -> String {
    let i = html.find("/static/app.").unwrap();
    let rest = &html[i..];
    let j = rest.find(ext).unwrap() + ext.len();
    rest[..j].to_string()
}

/// A multipart body built by hand: text fields, then files `(field, name, bytes)`.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----rectify-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, data) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Browser {
    /// POST a multipart form; the CSRF token goes first, as the page's form sends it.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        let csrf = self.csrf.clone();
        let mut f: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        f.extend_from_slice(fields);
        let (ct, body) = multipart(&f, files);
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        Page {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }
}

/// A small ledger made through the store: inspection of A with one aspect, one problem and
/// two measures (unit A1 with the owner, overdue; unit A2 draft), and one of B.
pub struct Ledger {
    pub inspection: i64,
    pub problem: i64,
    pub m_a1: i64,
    pub m_a2: i64,
    pub m_b: i64,
}

pub async fn ledger(store: &rectify_store::Store, w: &support::World, text: &str) -> Ledger {
    use chrono::NaiveDate;
    use rectify_core::ledger::{InspectionDates, InspectionKind, MeasureKind, Severity};
    use rectify_core::state::Transition;
    use rectify_store::{Actor, NewInspection, NewMeasure, NewProblem, Viewer};
    let a = Actor::cli("test ledger");
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let office = store.user_by_login("office").await.unwrap().unwrap();
    let viewer = Viewer {
        user_id: office.id,
        role: office.role,
        scope: office.org_path.clone(),
        person_id: None,
    };
    let mut tx = store.begin_write().await.unwrap();
    let make = |org: i64| NewInspection {
        round_id: None,
        kind: InspectionKind::Regular,
        team: Some(format!("市委第一巡察组{text}")),
        inspected_org_id: org,
        title: format!("十四届市委第十三轮巡察{text}"),
        dates: InspectionDates {
            stationed_from: d("2021-03-12"),
            stationed_to: d("2021-04-09"),
            feedback_on: d("2021-07-22"),
            plan_due: None,
            report_due: None,
        },
    };
    let ia = tx.create_inspection(&a, &make(w.org_a)).await.unwrap().id;
    let ib = tx.create_inspection(&a, &make(w.org_b)).await.unwrap().id;
    let mut ids = Vec::new();
    for (insp, unit, owner, deadline) in [
        (ia, w.unit_a1, Some(w.owner_person), "2021-12-31"),
        (ia, w.unit_a2, None, "2099-12-31"),
        (ib, w.org_b, None, "2099-12-31"),
    ] {
        let asp = tx
            .create_aspect(
                &a,
                insp,
                Some("第一方面问题"),
                &format!("党的领导方面{text}"),
            )
            .await
            .unwrap();
        let p = tx
            .create_problem(
                &a,
                &NewProblem {
                    aspect_id: asp.id,
                    title: format!("针对党组发挥领导作用不够充分的问题{text}"),
                    detail: Some(format!("具体表现{text}")),
                    severity: Severity::GENERAL,
                },
            )
            .await
            .unwrap();
        let m = tx
            .create_measure(
                &a,
                &NewMeasure {
                    problem_id: p.id,
                    text: format!("制定党组议事规则{text}"),
                    kind: MeasureKind::TimeBound,
                    responsible_unit_id: Some(unit),
                    owner_id: owner,
                    leader_id: Some(w.leader_person),
                    liaison_id: None,
                    deadline: d(deadline),
                },
            )
            .await
            .unwrap();
        ids.push((p.id, m.id, m.version));
    }
    // The first measure is handed to its owner; the others stay drafts.
    tx.transition_measure(&a, &viewer, ids[0].1, ids[0].2, Transition::Assign, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Ledger {
        inspection: ia,
        problem: ids[0].0,
        m_a1: ids[0].1,
        m_a2: ids[1].1,
        m_b: ids[2].1,
    }
}

/// The number in the element with this id (`<td … id="x">12</td>`).
fn number_in(html: &str, id: &str) -> i64 {
    let key = format!("id=\"{id}\">");
    let i = html.find(&key).unwrap_or_else(|| panic!("no #{id}")) + key.len();
    html[i..i + html[i..].find('<').unwrap()]
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn every_page_renders_for_each_role_and_scope_answers_404() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let server = support::start(&e.store, false).await;
        for login in [
            "office",
            "office_a",
            "supervisor",
            "leader",
            "liaison_a1",
            "owner",
        ] {
            let mut b = Browser::sign_in(&server, login).await;
            for path in [
                "/".to_string(),
                "/ledger".into(),
                format!("/ledger?inspection={}&view=tree", l.inspection),
                format!(
                    "/ledger?q=%E8%AE%AE%E4%BA%8B&sort=deadline&desc=1&overdue=1&from=2021-01-01&to=2022-01-01&state=assigned&kind=time_bound&unit={}",
                    w.unit_a1
                ),
                "/inspections".into(),
                format!("/inspections/{}", l.inspection),
                format!("/measures/{}", l.m_a1),
            ] {
                let p = b.get(&path).await;
                assert_eq!(
                    p.status,
                    StatusCode::OK,
                    "{} {login} {path}: {}",
                    e.name,
                    p.body
                );
                assert_page_headers(&p);
                assert!(p.body.contains("lang=\"zh-CN\""));
            }
            // The overdue measure is found by the combined filters for everyone who sees it.
            let p = b
                .get(&format!("/ledger?overdue=1&unit={}", w.unit_a1))
                .await;
            assert!(
                p.body.contains(&format!("href=\"/measures/{}\"", l.m_a1)),
                "{login}"
            );
            // Another organisation's measure: a 404 page, as if absent, in the user's language
            // (for everyone below the root, which sees both organisations).
            if !matches!(login, "office" | "supervisor" | "leader") {
                let p = b.get(&format!("/measures/{}", l.m_b)).await;
                assert_eq!(p.status, StatusCode::NOT_FOUND, "{login}");
                assert!(p.body.contains("不存在或无权查看。"), "{}", p.body);
                assert_page_headers(&p);
            }
        }
        // The owner sees only their own measure; the other unit's liaison not even that.
        let mut owner = Browser::sign_in(&server, "owner").await;
        let home = owner.get("/").await;
        assert!(home.body.contains("已逾期"), "owner home lists overdue");
        assert!(
            home.body
                .contains(&format!("href=\"/measures/{}\"", l.m_a1))
        );
        assert_eq!(
            owner.get(&format!("/measures/{}", l.m_a2)).await.status,
            StatusCode::NOT_FOUND
        );
        let p = owner.get("/ledger").await;
        assert!(!p.body.contains(&format!("href=\"/measures/{}\"", l.m_a2)));
        assert!(!p.body.contains("name=\"m\""), "no bulk form for an owner");
        let mut l2 = Browser::sign_in(&server, "liaison_a2").await;
        assert_eq!(
            l2.get(&format!("/measures/{}", l.m_a1)).await.status,
            StatusCode::NOT_FOUND
        );
        // The office's dashboard counts what is in scope.
        let mut office = Browser::sign_in(&server, "office").await;
        let d = office.get("/").await;
        assert_eq!(number_in(&d.body, "total-measures"), 3);
        assert_eq!(number_in(&d.body, "light-red"), 1);
        assert!(d.body.contains("<svg class=\"chart\" role=\"img\""));
        let d = office.get(&format!("/?inspection={}", l.inspection)).await;
        assert_eq!(number_in(&d.body, "total-measures"), 2);
        // Phone numbers are masked; the full number is shown on request, and audited.
        let m = office.get(&format!("/measures/{}", l.m_a1)).await;
        assert!(m.body.contains("id=\"owner-phone\">138****5678<"), "masked");
        assert!(!m.body.contains("13812345678"));
        let trail = e.store.count("audit_log").await.unwrap();
        let p = office
            .post(&format!("/measures/{}/owner-phone", l.m_a1), &[])
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert_page_headers(&p);
        assert!(p.body.contains("id=\"owner-phone\">13812345678<"));
        assert_eq!(
            e.store.count("audit_log").await.unwrap(),
            trail + 1,
            "unmasked view audited"
        );
        let rows = e
            .store
            .audit_list(&rectify_store::AuditFilter {
                action: Some("person.phone_view".into()),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].actor.as_deref(), Some("office"));
        // Administrators have no ledger: home sends them to their pages, the ledger refuses.
        let mut admin = Browser::sign_in_to(&server, "sysadmin", "/admin").await;
        let p = admin.get("/ledger").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        drop(server);
        e.drop_db().await;
    }
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[tokio::test]
async fn the_rectification_loop_through_the_pages() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        let before = office.get("/").await;
        let closed_before = number_in(&before.body, "closed-measures");

        // Bulk assignment: the draft of unit A2 gets the owner's unit, a deadline; one transaction.
        let p = office.get(&format!("/ledger?unit={}", w.unit_a2)).await;
        let version = field_value(&p.body, "m").is_some();
        assert!(version, "office sees row checkboxes");
        let row = format!("{}.", l.m_a2);
        let i = p.body.find(&format!("value=\"{row}")).unwrap() + 7;
        let tick = p.body[i..i + p.body[i..].find('"').unwrap()].to_string();
        // Nothing ticked: the error is shown and the typed deadline kept.
        let p = office
            .post("/ledger/bulk", &[("deadline", "2030-06-30"), ("back", "")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("请至少勾选一条措施。"));
        assert!(
            p.body.contains("value=\"2030-06-30\""),
            "typed deadline kept"
        );
        // A bad date is named next to its field.
        let p = office
            .post(
                "/ledger/bulk",
                &[
                    ("m", tick.as_str()),
                    ("deadline", "2030-02-30"),
                    ("back", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"deadline-error\""), "{}", p.body);
        let owner_id = w.owner_person.to_string();
        let unit = w.unit_a1.to_string();
        let p = office
            .post(
                "/ledger/bulk",
                &[
                    ("m", tick.as_str()),
                    ("owner", owner_id.as_str()),
                    ("bulk_unit", unit.as_str()),
                    ("deadline", "2030-06-30"),
                    ("back", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        // Replaying the same (now stale) version changes nothing and says why.
        let p = office
            .post(
                "/ledger/bulk",
                &[
                    ("m", tick.as_str()),
                    ("deadline", "2031-01-01"),
                    ("back", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("已被他人修改"), "{}", p.body);
        let m = office.get(&format!("/measures/{}", l.m_a2)).await;
        assert!(
            m.body.contains("2030年6月30日"),
            "deadline set, stale replay not applied"
        );
        // Assign (交办) the draft.
        let v = form_value(
            &m.body,
            &format!("/measures/{}/transition", l.m_a2),
            "version",
        )
        .unwrap();
        let p = office
            .post(
                &format!("/measures/{}/transition", l.m_a2),
                &[("version", v.as_str()), ("action", "assign")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

        // The owner reports on both measures at once, with two files.
        let mut owner = Browser::sign_in(&server, "owner").await;
        let form = owner.get(&format!("/reports/new?m={}", l.m_a1)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert_page_headers(&form);
        assert_eq!(
            form.body.matches("aria-hidden=\"true\">*</span>").count(),
            3,
            "three required fields"
        );
        assert!(form.body.contains("不超过 50 MB"), "visible size limit");
        assert!(
            form.body
                .contains(&format!("name=\"m\" value=\"{}\" checked", l.m_a1))
        );
        // Missing text: the error next to it, the ticked measures and percent kept.
        let m1 = l.m_a1.to_string();
        let m2 = l.m_a2.to_string();
        let p = owner
            .post_multipart(
                "/reports",
                &[("m", &m1), ("m", &m2), ("text", " "), ("percent", "60")],
                &[],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains("id=\"text-error\">此项必填。"));
        assert!(
            p.body
                .contains(&format!("name=\"m\" value=\"{}\" checked", l.m_a2))
        );
        assert!(p.body.contains("value=\"60\" selected"));
        // A file that is not evidence is refused by name; nothing is written.
        let p = owner
            .post_multipart(
                "/reports",
                &[("m", &m1), ("text", "已制定规则")],
                &[("files", "run.exe", b"MZ\x90\0")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("run.exe"));
        for table in ["progress_report", "evidence"] {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(e.store.pool())
                    .await
                    .unwrap();
            assert_eq!(n, 0, "{table}: nothing half-written");
        }
        // Without the CSRF field the upload is refused.
        let (ct, body) = multipart(&[("m", &m1), ("text", "x"), ("percent", "10")], &[]);
        let r = owner
            .http
            .post(format!("{}/reports", owner.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let p = owner
            .post_multipart(
                "/reports",
                &[
                    ("m", &m1),
                    ("m", &m2),
                    ("text", "已制定党组议事规则并印发。"),
                    ("percent", "100"),
                    ("submit", "1"),
                ],
                &[
                    ("files", "议事规则.pdf", PDF),
                    ("files", "会议照片.png", PNG),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let page = owner.get(&format!("/measures/{}", l.m_a1)).await;
        assert!(page.body.contains("已制定党组议事规则并印发。"));
        assert!(page.body.contains("待审核"), "submitted");
        assert!(
            page.body.contains("<object data=\"/evidence/"),
            "PDF previewed inline"
        );
        assert!(
            page.body.contains("<img src=\"/evidence/"),
            "image previewed inline"
        );
        let i = page.body.find("<img src=\"/evidence/").unwrap() + "<img src=\"".len();
        let src = page.body[i..i + page.body[i..].find('"').unwrap()].to_string();
        let r = owner
            .http
            .get(format!("{}{src}", owner.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let cd = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cd.starts_with("inline;")
                && cd.contains("filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%85%A7%E7%89%87.png"),
            "{cd}"
        );
        assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
        assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);

        // The office returns once (a reason is required), then accepts.
        let m = office.get(&format!("/measures/{}", l.m_a1)).await;
        let v = form_value(
            &m.body,
            &format!("/measures/{}/transition", l.m_a1),
            "version",
        )
        .unwrap();
        let p = office
            .post(
                &format!("/measures/{}/transition", l.m_a1),
                &[
                    ("version", v.as_str()),
                    ("action", "return"),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"reason-error\">退回时须填写理由。"));
        let p = office
            .post(
                &format!("/measures/{}/transition", l.m_a1),
                &[
                    ("version", v.as_str()),
                    ("action", "return"),
                    ("reason", "请补充印发文件"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let home = owner.get("/").await;
        assert!(home.body.contains("被退回"));
        let p = owner
            .post_multipart(
                "/reports",
                &[
                    ("m", &m1),
                    ("text", "已补充印发文件。"),
                    ("percent", "100"),
                    ("submit", "1"),
                ],
                &[("files", "印发通知.pdf", PDF)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        for id in [l.m_a1, l.m_a2] {
            let m = office.get(&format!("/measures/{id}")).await;
            let v = form_value(&m.body, &format!("/measures/{id}/transition"), "version").unwrap();
            let p = office
                .post(
                    &format!("/measures/{id}/transition"),
                    &[("version", v.as_str()), ("action", "close")],
                )
                .await;
            assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        }
        // History shows every step from the audit trail.
        let m = office.get(&format!("/measures/{}", l.m_a1)).await;
        for step in ["交办", "退回", "审核通过并销号", "请补充印发文件"] {
            assert!(m.body.contains(step), "history has {step}");
        }
        // Sign off the problem (general severity: the organisation's tier).
        let v = form_value(
            &m.body,
            &format!("/problems/{}/sign-off", l.problem),
            "version",
        )
        .expect("sign-off form");
        let p = office
            .post(
                &format!("/problems/{}/sign-off", l.problem),
                &[
                    ("version", v.as_str()),
                    ("back", &format!("/measures/{}", l.m_a1)),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let m = office.get(&format!("/measures/{}", l.m_a1)).await;
        assert!(!m.body.contains("/sign-off\""), "signed off once");
        let after = office.get("/").await;
        assert_eq!(
            number_in(&after.body, "closed-measures"),
            closed_before + 2,
            "dashboard moved"
        );
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn csrf_get_stale_edits_and_form_errors() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        let m = office.get(&format!("/measures/{}", l.m_a1)).await;
        let edit_action = format!("/measures/{}", l.m_a1);
        let v = form_value(&m.body, &edit_action, "version").unwrap();
        // No token, a wrong token, another site's Origin: 403 and nothing changes.
        for (form, origin) in [
            (vec![("version", v.as_str()), ("action", "assign")], None),
            (
                vec![("_csrf", "forged"), ("version", v.as_str()), ("text", "改")],
                None,
            ),
            (
                vec![
                    ("_csrf", office.csrf.as_str()),
                    ("version", v.as_str()),
                    ("text", "改"),
                ],
                Some("http://evil.example"),
            ),
        ] {
            let mut rb = office
                .http
                .post(format!("{}/measures/{}", office.base, l.m_a1))
                .form(&form);
            if let Some(o) = origin {
                rb = rb.header("origin", o);
            }
            assert_eq!(rb.send().await.unwrap().status(), StatusCode::FORBIDDEN);
        }
        for path in [
            "/ledger/bulk",
            "/rounds",
            "/reports",
            "/sign-out",
            "/locale",
        ] {
            let p = office.post_raw(path, &[]).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}");
        }
        // GET on every state-changing route changes nothing.
        for path in [
            "/ledger/bulk",
            "/rounds",
            "/sign-out",
            "/locale",
            &format!("/measures/{}/transition", l.m_a1),
            &format!("/problems/{}/sign-off", l.problem),
            &format!("/inspections/{}/import/apply", l.inspection),
        ] {
            let p = office.get(path).await;
            assert_eq!(p.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        }
        let trail = e.store.count("audit_log").await.unwrap();
        let again = office.get(&format!("/measures/{}", l.m_a1)).await;
        assert_eq!(
            form_value(&again.body, &edit_action, "version").unwrap(),
            v,
            "unchanged"
        );
        assert_eq!(e.store.count("audit_log").await.unwrap(), trail);

        // A stale edit: someone changes the deadline first; the page says what changed and
        // keeps what this user typed.
        let mut other = Browser::sign_in(&server, "office_a").await;
        let o = other.get(&format!("/measures/{}", l.m_a1)).await;
        let form_of = |body: &str| -> Vec<(String, String)> {
            [
                "version",
                "orig_text",
                "orig_kind",
                "orig_unit",
                "orig_owner",
                "orig_deadline",
            ]
            .iter()
            .map(|k| {
                (
                    k.to_string(),
                    form_value(body, &edit_action, k).unwrap_or_default(),
                )
            })
            .collect()
        };
        let mut f1 = form_of(&o.body);
        f1.extend([
            (
                "text".into(),
                form_value(&o.body, &edit_action, "orig_text").unwrap(),
            ),
            ("kind".into(), "time_bound".into()),
            ("unit".into(), w.unit_a1.to_string()),
            ("owner".into(), w.owner_person.to_string()),
            ("deadline".into(), "2022-03-31".into()),
        ]);
        let f1: Vec<(&str, &str)> = f1.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            other
                .post("/measures/".to_string().as_str(), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let p = other.post(&format!("/measures/{}", l.m_a1), &f1).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let mut f2 = form_of(&m.body);
        f2.extend([
            ("text".into(), "制定党组议事规则(修订稿)".into()),
            ("kind".into(), "time_bound".into()),
            ("unit".into(), w.unit_a1.to_string()),
            ("owner".into(), w.owner_person.to_string()),
            ("deadline".into(), "2021-12-31".into()),
        ]);
        let f2: Vec<(&str, &str)> = f2.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let p = office.post(&format!("/measures/{}", l.m_a1), &f2).await;
        assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
        assert!(p.body.contains("id=\"conflict\""));
        assert!(
            p.body
                .contains("完成时限: 您看到的是 2021-12-31 → 现在是 2022-03-31"),
            "{}",
            p.body
        );
        assert!(
            p.body.contains("制定党组议事规则(修订稿)</textarea>"),
            "typed text kept"
        );
        // Saving again from that page applies the edit on top of the other change.
        let mut f3 = form_of(&p.body);
        f3.extend([
            ("text".into(), "制定党组议事规则(修订稿)".into()),
            ("kind".into(), "time_bound".into()),
            ("unit".into(), w.unit_a1.to_string()),
            ("owner".into(), w.owner_person.to_string()),
            ("deadline".into(), "2022-03-31".into()),
        ]);
        let f3: Vec<(&str, &str)> = f3.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let p = office.post(&format!("/measures/{}", l.m_a1), &f3).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

        // Form errors: next to the field, in the user's language, everything typed kept.
        office.get("/inspections").await;
        let p = office
            .post(
                "/inspections",
                &[
                    ("title", ""),
                    ("team", "市委第二巡察组<b>"),
                    ("kind", "special"),
                    ("org", ""),
                    ("feedback_on", "2021-13-01"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"title-error\">此项必填。"));
        assert!(p.body.contains("id=\"org-error\">此项必填。"));
        assert!(p.body.contains("id=\"feedback_on-error\""));
        assert!(p.body.contains("value=\"2021-13-01\""));
        assert!(
            p.body.contains("市委第二巡察组&#60;b&#62;")
                || p.body.contains("市委第二巡察组&lt;b&gt;")
        );
        assert!(p.body.contains("value=\"special\" selected"));
        // The same in English.
        office
            .post("/locale", &[("locale", "en"), ("back", "/inspections")])
            .await;
        office.get("/inspections").await;
        let p = office
            .post("/inspections", &[("title", ""), ("org", "")])
            .await;
        assert!(
            p.body
                .contains("id=\"title-error\">This field is required."),
            "{}",
            p.body
        );
        drop(server);
        e.drop_db().await;
    }
}

/// Strings that must come out as text wherever they are shown.
pub const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "'><svg onload=alert(3)>",
    "javascript:alert(4)//<a href=\"javascript:alert(5)\">x</a>",
    "</textarea><script>alert(6)</script>",
    "{{7*7}}{% raw %}<iframe src=//evil.example>",
];

#[tokio::test]
async fn a_payload_corpus_in_every_text_field_renders_inert() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        for (n, payload) in PAYLOADS.iter().enumerate() {
            let l = ledger(&e.store, &w, payload).await;
            let server = support::start(&e.store, false).await;
            // Names of people and organisations, and the report and file names too.
            let mut owner = Browser::sign_in(&server, "owner").await;
            owner.get("/reports/new").await;
            let m1 = l.m_a1.to_string();
            let file = format!("证据{n}{payload}.pdf").replace(['/', '\\', '"'], "_");
            let p = owner
                .post_multipart(
                    "/reports",
                    &[("m", &m1), ("text", payload), ("percent", "50")],
                    &[("files", &file, PDF)],
                )
                .await;
            assert_eq!(p.status, StatusCode::SEE_OTHER, "{payload}: {}", p.body);
            for login in ["office", "owner"] {
                let mut b = Browser::sign_in(&server, login).await;
                for path in [
                    "/".to_string(),
                    format!("/?inspection={}", l.inspection),
                    "/ledger".into(),
                    format!("/ledger?view=tree&inspection={}", l.inspection),
                    format!("/ledger?q={}", form_urlencoded_q(payload)),
                    "/inspections".into(),
                    format!("/inspections/{}", l.inspection),
                    format!("/measures/{}", l.m_a1),
                    "/reports/new".into(),
                ] {
                    let p = b.get(&path).await;
                    if p.status != StatusCode::OK {
                        assert!(
                            login == "owner" && p.status == StatusCode::FORBIDDEN
                                || p.status == StatusCode::NOT_FOUND,
                            "{login} {path}: {}",
                            p.status
                        );
                        continue;
                    }
                    assert_inert(&p.body, payload, &format!("{login} {path}"));
                }
            }
            drop(server);
        }
        e.drop_db().await;
    }
}

pub fn form_urlencoded_q(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The payload never appears raw, and the page has no markup it could have injected.
pub fn assert_inert(body: &str, payload: &str, what: &str) {
    assert!(!body.contains(payload), "{what}: raw payload {payload}");
    assert_eq!(
        body.matches("<script").count(),
        1,
        "{what}: only our own script"
    );
    // Escaped, the payload's text may remain ("onerror=alert" as text); its markup may not.
    for bad in [
        "<img src=x",
        "<svg onload",
        "<iframe",
        "href=\"javascript:",
        "\"><img",
        "'><svg",
        "</textarea><script",
    ] {
        assert!(!body.contains(bad), "{what}: {bad} in the page");
    }
}

impl Browser {
    /// Sign in a user whose home redirects (administrators): check where it goes.
    pub async fn sign_in_to(server: &Server, login: &str, home: &str) -> Browser {
        let mut b = Browser::new(server);
        let p = b
            .post_raw("/sign-in", &[("login", login), ("password", PASSWORD)])
            .await;
        assert_eq!(
            p.status,
            StatusCode::SEE_OTHER,
            "sign in {login}: {}",
            p.body
        );
        let p = b.get("/").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert_eq!(p.location(), home);
        b
    }
}

const SEED_NOTICE: &str = include_str!("../../crates/notice/testdata/dongguan-2021-12-28.txt");

#[tokio::test]
async fn a_notice_is_previewed_as_a_page_then_applied() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        // Create the inspection through its form.
        office.get("/inspections").await;
        let org = w.org_a.to_string();
        let p = office
            .post(
                "/inspections",
                &[
                    ("title", "十四届市委第十三轮巡察"),
                    ("org", org.as_str()),
                    ("kind", "regular"),
                    ("team", "市委第一巡察组"),
                    ("feedback_on", "2021-07-22"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let at = p.location().to_string();
        let id: i64 = at.trim_start_matches("/inspections/").parse().unwrap();
        let page = office.get(&at).await;
        assert!(page.body.contains("enctype=\"multipart/form-data\""));
        // An empty upload is named next to its field.
        let p = office
            .post_multipart(&format!("{at}/import"), &[], &[("notice", "", b"")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"notice-error\">请选择通报文件。"));
        // The dry run is a page and writes nothing.
        let before = e.store.count("measure").await.unwrap();
        let p = office
            .post_multipart(
                &format!("{at}/import"),
                &[],
                &[("notice", "通报.txt", SEED_NOTICE.as_bytes())],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert_page_headers(&p);
        let planned = number_in(&p.body, "measures-create");
        assert!(planned > 20, "{planned}");
        assert_eq!(
            e.store.count("measure").await.unwrap(),
            before,
            "dry run writes nothing"
        );
        // Applying writes exactly the plan, then the tree shows it.
        let notice = form_value(&p.body, &format!("{at}/import/apply"), "notice").unwrap();
        let p = office
            .post(
                &format!("{at}/import/apply"),
                &[("notice", notice.as_str()), ("hint", "")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(p.location(), format!("/ledger?view=tree&inspection={id}"));
        assert_eq!(e.store.count("measure").await.unwrap(), before + planned);
        let tree = office.get(p.location()).await;
        assert_eq!(tree.status, StatusCode::OK);
        assert!(tree.body.matches("<a href=\"/measures/").count() as i64 >= planned.min(500));
        // A second preview finds nothing to create.
        let p = office
            .post_multipart(
                &format!("{at}/import"),
                &[],
                &[("notice", "通报.txt", SEED_NOTICE.as_bytes())],
            )
            .await;
        assert_eq!(number_in(&p.body, "measures-create"), 0);
        assert!(p.body.contains("台账已与通报一致"));
        drop(server);
        e.drop_db().await;
    }
}

// ---------------------------------------------------------------------------------------
// Pickers, paging back, the tree's page size, the report form's defaults, error pages.

/// `n` more units under organisation A (`科室1` …), so a root office's unit picker is a
/// search field, and a second `办公室` under B (names repeat across organisations).
async fn many_units(store: &rectify_store::Store, w: &support::World, n: usize) -> i64 {
    use rectify_store::{Actor, NewOrganisation};
    let a = Actor::cli("test units");
    let mut tx = store.begin_write().await.unwrap();
    for i in 1..=n {
        tx.create_organisation(
            &a,
            &NewOrganisation {
                parent_id: Some(w.org_a),
                name: format!("科室{i}"),
                kind: "unit".into(),
            },
        )
        .await
        .unwrap();
    }
    let office_b = tx
        .create_organisation(
            &a,
            &NewOrganisation {
                parent_id: Some(w.org_b),
                name: "办公室".into(),
                kind: "unit".into(),
            },
        )
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    office_b
}

/// `n` more measures under the ledger's first problem (unit A2, drafts).
async fn many_measures(store: &rectify_store::Store, w: &support::World, l: &Ledger, n: usize) {
    use rectify_core::ledger::MeasureKind;
    use rectify_store::{Actor, NewMeasure};
    let a = Actor::cli("test measures");
    let mut tx = store.begin_write().await.unwrap();
    for i in 0..n {
        tx.create_measure(
            &a,
            &NewMeasure {
                problem_id: l.problem,
                text: format!("补充措施{i}"),
                kind: MeasureKind::TimeBound,
                responsible_unit_id: Some(w.unit_a2),
                owner_id: None,
                leader_id: None,
                liaison_id: None,
                deadline: chrono::NaiveDate::from_ymd_opt(2099, 1, 1),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The measure ids a ledger table page links, in order.
fn table_ids(html: &str) -> Vec<i64> {
    let Some(i) = html.find("id=\"ledger-table\"") else {
        return Vec::new();
    };
    let body = &html[i..i + html[i..].find("</table>").unwrap()];
    let mut ids = Vec::new();
    for (j, _) in body.match_indices("<td class=\"num\"><a href=\"/measures/") {
        let rest = &body[j + 35..];
        ids.push(rest[..rest.find('"').unwrap()].parse().unwrap());
    }
    ids
}

/// The `href` of the element with this id (`&amp;` decoded).
fn href_of(html: &str, id: &str) -> Option<String> {
    let i = html.find(&format!("id=\"{id}\""))?;
    let start = html[..i].rfind("<a ")?;
    let tag = &html[start..i + html[i..].find('>')?];
    let h = tag.find("href=\"")? + 6;
    Some(
        tag[h..h + tag[h..].find('"')?]
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

#[tokio::test]
async fn pickers_resolve_names_and_refuse_unknown_ones_naming_the_field() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let office_b = many_units(&e.store, &w, 55).await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;

        // Over 50 units in scope: a search field, no select listing them.
        let p = office.get("/ledger").await;
        assert!(
            p.body
                .contains("id=\"f-unit\" name=\"unit\" type=\"search\""),
            "{}",
            e.name
        );
        assert!(!p.body.contains("科室17<"), "units not listed");
        // A unit found by its name: the ledger shows its measures only; links carry the id.
        let p = office
            .get(&format!("/ledger?unit={}", form_urlencoded_q("人事科")))
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.body.contains("value=\"人事科\""),
            "the name is shown back"
        );
        assert!(
            p.body
                .contains(&format!("name=\"unit_id\" value=\"{}\"", w.unit_a2))
        );
        assert_eq!(table_ids(&p.body), vec![l.m_a2]);
        assert!(
            p.body.contains(&format!(
                "/api/v1/ledger/export?format=xlsx&#38;unit_id={}",
                w.unit_a2
            )),
            "the export names the unit by id"
        );
        // By part of the name.
        let p = office
            .get(&format!("/ledger?unit={}", form_urlencoded_q("人事")))
            .await;
        assert_eq!(table_ids(&p.body), vec![l.m_a2]);
        // Unknown: the error names the field, keeps what was typed, lists nothing.
        let p = office
            .get(&format!(
                "/ledger?unit={}",
                form_urlencoded_q("不存在的单位")
            ))
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.body.contains("责任单位：未找到“不存在的单位”"),
            "{}",
            p.body
        );
        assert!(p.body.contains("id=\"f-unit-error\""));
        assert!(p.body.contains("aria-invalid=\"true\""));
        assert!(p.body.contains("value=\"不存在的单位\""));
        assert!(p.body.contains("id=\"ledger-unresolved\""));
        assert!(table_ids(&p.body).is_empty());
        // The same name in two organisations: choose between them (radio buttons), then the
        // choice travels as unit_id while the name still matches it.
        let p = office
            .get(&format!("/ledger?unit={}", form_urlencoded_q("办公室")))
            .await;
        assert!(p.body.contains("有 2 项与“办公室”相符"), "{}", p.body);
        assert!(p.body.contains(&format!(
            "type=\"radio\" name=\"unit_id\" value=\"{}\"",
            w.unit_a1
        )));
        assert!(p.body.contains(&format!(
            "type=\"radio\" name=\"unit_id\" value=\"{office_b}\""
        )));
        let p = office
            .get(&format!(
                "/ledger?unit={}&unit_id={}",
                form_urlencoded_q("办公室"),
                w.unit_a1
            ))
            .await;
        assert_eq!(table_ids(&p.body), vec![l.m_a1]);
        // Edited to another name: the stale id is not used.
        let p = office
            .get(&format!(
                "/ledger?unit={}&unit_id={}",
                form_urlencoded_q("人事科"),
                w.unit_a1
            ))
            .await;
        assert_eq!(table_ids(&p.body), vec![l.m_a2]);
        // An id outside the viewer's scope is not found (office_a sees only A).
        let mut office_a = Browser::sign_in(&server, "office_a").await;
        let p = office_a.get(&format!("/ledger?unit={}", w.org_b)).await;
        assert!(p.body.contains("id=\"f-unit-error\""), "{}", p.body);
        // The inspection picker: few inspections, a select; a title typed resolves too.
        let p = office.get("/ledger").await;
        assert!(
            p.body
                .contains("<select id=\"f-inspection\" name=\"inspection\"")
        );
        let p = office
            .get(&format!(
                "/ledger?inspection={}",
                form_urlencoded_q("没有这次巡察")
            ))
            .await;
        assert!(
            p.body.contains("巡察：未找到“没有这次巡察”")
                || p.body.contains("：未找到“没有这次巡察”")
        );
        assert!(p.body.contains("id=\"f-inspection-error\""));
        let p = office.get("/?inspection=999999").await;
        assert!(p.body.contains("id=\"inspection-error\""), "dashboard too");

        // Bulk: owner and unit named; an unknown owner is refused naming the field and
        // nothing is written.
        let p = office.get(&format!("/ledger?unit={}", w.unit_a2)).await;
        let i = p.body.find(&format!("value=\"{}.", l.m_a2)).unwrap() + 7;
        let tick = p.body[i..i + p.body[i..].find('"').unwrap()].to_string();
        let before = e.store.count("audit_log").await.unwrap();
        let p = office
            .post(
                "/ledger/bulk",
                &[
                    ("m", tick.as_str()),
                    ("owner", "无此人"),
                    ("bulk_unit", "人事科"),
                    ("back", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("责任人：未找到“无此人”"), "{}", p.body);
        assert!(p.body.contains("id=\"bulk-owner-error\""));
        // Few people in scope: the owner is a select, marked invalid.
        assert!(
            p.body
                .contains("<select id=\"bulk-owner\" name=\"owner\" aria-invalid=\"true\"")
        );
        assert!(p.body.contains("value=\"人事科\""), "the typed unit kept");
        assert_eq!(e.store.count("audit_log").await.unwrap(), before);
        let p = office
            .post(
                "/ledger/bulk",
                &[
                    ("m", tick.as_str()),
                    ("owner", "张伟"),
                    ("bulk_unit", "科室"),
                    ("back", ""),
                ],
            )
            .await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "科室 is ambiguous"
        );
        assert!(p.body.contains("id=\"bulk-unit-error\""), "{}", p.body);
        assert_eq!(e.store.count("audit_log").await.unwrap(), before);
        let p = office
            .post(
                "/ledger/bulk",
                &[
                    ("m", tick.as_str()),
                    ("owner", "张伟"),
                    ("bulk_unit", "办公室"),
                    ("bulk_unit_id", &w.unit_a1.to_string()),
                    ("back", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let m = office.get(&format!("/measures/{}", l.m_a2)).await;
        assert!(m.body.contains("张伟"), "owner set by name");

        // In English the error names the field in English.
        office
            .post("/locale", &[("locale", "en"), ("back", "/")])
            .await;
        let p = office
            .get(&format!("/ledger?unit={}", form_urlencoded_q("nowhere")))
            .await;
        assert!(
            p.body
                .contains("Responsible unit: nothing named “nowhere” was found."),
            "{}",
            p.body
        );
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn ledger_pages_back_and_the_tree_says_when_it_pages() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        many_measures(&e.store, &w, &l, 510).await;
        let server = support::start(&e.store, false).await;
        let mut office = Browser::sign_in(&server, "office").await;
        let first = office
            .get(&format!(
                "/ledger?inspection={}&sort=deadline",
                l.inspection
            ))
            .await;
        let page1 = table_ids(&first.body);
        assert_eq!(page1.len(), 50, "{}", e.name);
        assert!(
            href_of(&first.body, "page-prev").is_none(),
            "no way back from the first"
        );
        let next = href_of(&first.body, "page-next").expect("a next page");
        let second = office.get(&next).await;
        let page2 = table_ids(&second.body);
        assert_eq!(page2.len(), 50);
        assert!(
            page2.iter().all(|id| !page1.contains(id)),
            "{next}: {page1:?} {page2:?}"
        );
        let third = office
            .get(&href_of(&second.body, "page-next").unwrap())
            .await;
        let page3 = table_ids(&third.body);
        // Back from the third page: the second, then the first (which has no prev).
        let back2 = office
            .get(&href_of(&third.body, "page-prev").expect("a previous page"))
            .await;
        assert_eq!(table_ids(&back2.body), page2);
        assert_eq!(
            table_ids(
                &office
                    .get(&href_of(&back2.body, "page-next").unwrap())
                    .await
                    .body
            ),
            page3
        );
        let back1 = office
            .get(&href_of(&back2.body, "page-prev").unwrap())
            .await;
        assert_eq!(table_ids(&back1.body), page1);
        assert!(href_of(&back1.body, "page-prev").is_none());
        let home = office
            .get(&href_of(&third.body, "page-first").expect("a first-page link"))
            .await;
        assert_eq!(table_ids(&home.body), page1);

        // The tree shows 500 measures a page and says so, with the way to the rest.
        let tree = office
            .get(&format!("/ledger?view=tree&inspection={}", l.inspection))
            .await;
        assert!(tree.body.contains("id=\"tree-paged\""), "{}", e.name);
        assert!(
            tree.body.contains("本页 500 项，共 512 项"),
            "{}",
            &tree.body[tree.body.find("tree-paged").unwrap()..][..400]
        );
        let rest = office
            .get(&href_of(&tree.body, "page-next").expect("the tree's next page"))
            .await;
        assert!(rest.body.contains("view=tree"), "paging stays in the tree");
        assert!(rest.body.contains("本页 12 项，共 512 项"));
        assert!(href_of(&rest.body, "page-prev").is_some());
        drop(server);
        e.drop_db().await;
    }
}

#[tokio::test]
async fn report_form_defaults_and_error_pages_keep_the_header() {
    for e in support::engines().await {
        let w = support::seed(&e.store).await;
        let l = ledger(&e.store, &w, "").await;
        let server = support::start(&e.store, false).await;
        let mut owner = Browser::sign_in(&server, "owner").await;
        owner
            .post("/locale", &[("locale", "en"), ("back", "/")])
            .await;
        let form = owner.get(&format!("/reports/new?m={}", l.m_a1)).await;
        assert_eq!(form.status, StatusCode::OK);
        // One "Progress" label (the text) and a distinct one for the percentage.
        assert_eq!(
            form.body.matches(">Progress <span").count(),
            1,
            "{}",
            form.body
        );
        assert!(form.body.contains(">Percent complete <span"));
        // Nothing chosen for the owner: not submitted for review, no percentage.
        assert!(
            form.body.contains("name=\"submit\" value=\"1\">"),
            "unticked"
        );
        assert!(!form.body.contains("name=\"submit\" value=\"1\" checked"));
        assert!(
            form.body
                .contains("<option value=\"\" selected>Choose</option>")
        );
        assert!(!form.body.contains("value=\"100\" selected"));
        // Sent without a percentage: refused next to the field, the text kept.
        let m = l.m_a1.to_string();
        let p = owner
            .post_multipart(
                "/reports",
                &[("m", m.as_str()), ("text", "做了一些工作"), ("percent", "")],
                &[],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"percent-error\""), "{}", p.body);
        assert!(p.body.contains("做了一些工作"));

        // A refused page (403) and a missing one (404) keep the header and navigation.
        let mut admin = Browser::sign_in_to(&server, "sysadmin", "/admin").await;
        let p = admin.get("/ledger").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_page_headers(&p);
        assert!(p.body.contains("<nav aria-label="), "{}", p.body);
        assert!(p.body.contains("href=\"/admin\""));
        assert!(p.body.contains("action=\"/sign-out\""));
        let p = owner.get(&format!("/measures/{}", l.m_b)).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert!(
            p.body.contains("href=\"/ledger\""),
            "navigation on the 404 page"
        );
        // Before sign-in there is no user to show.
        let mut anon = Browser::new(&server);
        let p = anon.get("/static/app.0000.css").await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert!(!p.body.contains("action=\"/sign-out\""));
        let _ = w;
        drop(server);
        e.drop_db().await;
    }
}
