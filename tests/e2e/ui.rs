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
        assert_eq!(home.status, StatusCode::OK);
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
