//! Steps shared by the browser scenarios: signing in and out through the forms, switching the
//! language, and the XSS payload corpus with its "rendered inert" check.

use serde_json::json;

use super::driver::Browser;

/// Sign in through the form; returns the path the browser lands on.
pub async fn sign_in(b: &mut Browser, login: &str, password: &str) -> String {
    b.goto("/sign-in").await;
    b.fill("#login", login).await;
    b.fill("#password", password).await;
    b.submit("form[action='/sign-in'] button[type=submit]")
        .await;
    b.path().await
}

/// Sign out with the header's button (lands on the sign-in page).
pub async fn sign_out(b: &mut Browser) {
    b.submit("form[action='/sign-out'] button").await;
    let p = b.path().await;
    assert!(
        p.starts_with("/sign-in"),
        "after sign-out the browser is on {p}"
    );
}

/// The page's language (`<html lang>`).
pub async fn lang(b: &Browser) -> String {
    b.eval("return document.documentElement.lang")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Switch to `want` ("zh-CN" or "en") with the header's switch, if not already there.
pub async fn set_lang(b: &mut Browser, want: &str) {
    if lang(b).await != want {
        b.submit("form[action='/locale'] button").await;
    }
    assert_eq!(lang(b).await, want, "language switch on {}", b.path().await);
}

/// Strings that run script or inject markup if a page does not escape them. Each one that
/// would inject an element gives it an id starting with `xss-`; each script sets `__xss`.
pub const XSS: &[&str] = &[
    "<script>window.__xss=1</script>",
    "\"><img id=xss-1 src=x onerror=\"window.__xss=2;alert(2)\">",
    "'><svg id=xss-2 onload=alert(3)>",
    "</textarea></title><script>window.__xss=4</script>",
    "<iframe id=xss-3 srcdoc=\"<script>parent.__xss=5</script>\"></iframe>",
    "\" autofocus onfocus=\"window.__xss=6\" x=\"",
    "javascript:window.__xss=7",
    "<a id=xss-4 href=\"javascript:alert(8)\">点我</a>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "<style>body{display:none}</style><b id=xss-5>粗</b>",
];

/// The current page shows no sign of an injection: no dialog, no script ran, no injected
/// element, the page is visible; and (when given) the payload is shown as text.
pub async fn assert_inert(b: &Browser, shown: Option<&str>) {
    assert!(
        !b.dialog_open().await,
        "a dialog opened on {}",
        b.path().await
    );
    let v = b
        .eval(
            "return {xss: window.__xss || null, injected: document.querySelectorAll('[id^=xss-]').length, \
             hidden: getComputedStyle(document.body).display === 'none'}",
        )
        .await;
    assert_eq!(
        v,
        json!({"xss": null, "injected": 0, "hidden": false}),
        "payload not inert on {}",
        b.path().await
    );
    if let Some(text) = shown {
        let body = b.text().await;
        let visible = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            body.contains(&visible),
            "the payload is not shown as text on {}: {text}",
            b.path().await
        );
    }
}
