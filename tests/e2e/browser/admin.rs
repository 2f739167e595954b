//! The three administrators in the browser: lockout after 5 failures and the security admin's
//! unlock; the system admin creates an organisation and an account (form errors keep what was
//! typed, XSS payloads stay text), the new account's first sign-in forces a password change;
//! the audit admin finds the unlock by user, action and date and exports it as CSV; each admin
//! reaches only their own pages.

use serde_json::json;

use super::driver::Browser;
use super::steps::{XSS, assert_inert, set_lang, sign_in, sign_out};
use crate::support::PASSWORD;

pub async fn scenario(b: &mut Browser) {
    // --- lockout: five wrong passwords, then the right one is refused too -------------------
    b.expect_refusal("/sign-in");
    for i in 0..5 {
        let p = sign_in(b, "liaison_a2", &format!("wrong-{i}")).await;
        assert!(
            p.starts_with("/sign-in"),
            "wrong password {i} signed in: {p}"
        );
        assert!(
            b.exists("#signin-error").await,
            "no error after failure {i}"
        );
        // What was typed in the login field is kept.
        assert_eq!(b.value_of("#login").await, "liaison_a2");
    }
    let p = sign_in(b, "liaison_a2", PASSWORD).await;
    assert!(p.starts_with("/sign-in"), "a locked account signed in: {p}");
    let msg = b.text_of("#signin-error").await;
    assert!(msg.contains("锁定"), "the lockout is not mentioned: {msg}");
    b.screenshot("sign-in-locked-zh").await;

    // --- security admin: sees the lock, unlocks --------------------------------------------
    let p = sign_in(b, "secadmin", PASSWORD).await;
    assert_eq!(p, "/admin/security", "the security admin's first page");
    let row = b.text_of("#user-liaison_a2").await;
    assert!(row.contains("已锁定"), "lock not shown: {row}");
    b.submit("#user-liaison_a2 form[action$='/unlock'] button")
        .await;
    assert!(b.path().await.starts_with("/admin/security"));
    assert!(b.text_of("p.notice").await.contains("解锁"));
    assert!(!b.text_of("#user-liaison_a2").await.contains("已锁定"));
    // The role matrix: the audit admin reads the audit log and nothing else.
    assert!(b.text().await.contains("查阅审计日志"));
    b.screenshot("admin-security-zh").await;
    // Policy: a bad number is refused next to its field, everything typed is kept.
    b.goto("/admin/policy").await;
    b.expect_refusal("/admin/policy");
    b.fill("[id='lock_minutes']", "").await;
    b.fill("[id='lock_minutes']", "forever").await;
    b.fill("[id='idle_minutes_other']", "45").await;
    b.submit("form[action='/admin/policy'] button[type=submit]")
        .await;
    assert!(
        b.exists("#lock_minutes-error").await,
        "no error next to lock_minutes"
    );
    assert_eq!(b.value_of("[id='lock_minutes']").await, "forever");
    assert_eq!(b.value_of("[id='idle_minutes_other']").await, "45");
    // Out of the allowed range: refused by the API's check.
    b.fill("[id='lock_minutes']", "99999").await;
    b.submit("form[action='/admin/policy'] button[type=submit]")
        .await;
    assert!(
        b.exists("#lock_minutes-error").await,
        "99999 minutes accepted"
    );
    b.fill("[id='lock_minutes']", "20").await;
    b.submit("form[action='/admin/policy'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/admin/policy?saved=1");
    assert_eq!(b.value_of("[id='lock_minutes']").await, "20");
    assert_eq!(b.value_of("[id='idle_minutes_other']").await, "45");
    set_lang(b, "en").await;
    b.screenshot("admin-policy-en").await;
    set_lang(b, "zh-CN").await;
    // Not the other admins' pages.
    for p in ["/admin/users", "/admin/organisations", "/admin/audit", "/"] {
        assert_forbidden(b, p).await;
    }
    sign_out(b).await;
    assert_eq!(
        sign_in(b, "liaison_a2", PASSWORD).await,
        "/",
        "unlocked account signs in"
    );
    sign_out(b).await;

    // --- system admin: organisation and account, errors keep input, payloads inert ---------
    let p = sign_in(b, "sysadmin", PASSWORD).await;
    assert_eq!(p, "/admin/users");
    b.goto("/admin/organisations").await;
    b.expect_refusal("/admin/organisations");
    let org_name = XSS[1];
    // Missing kind: the error is next to the field and the name stays as typed.
    b.select("#parent_id", &first_option(b, "#parent_id").await)
        .await;
    b.set_value("#name", org_name).await;
    b.submit("form[action='/admin/organisations'] button[type=submit]")
        .await;
    assert!(b.exists("#kind-error").await, "no error next to kind");
    assert_eq!(b.value_of("#name").await, org_name, "typed name lost");
    assert_inert(b, None).await;
    b.fill("#kind", "unit").await;
    b.submit("form[action='/admin/organisations'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/admin/organisations?saved=1");
    assert_inert(b, Some(org_name)).await;
    b.screenshot("admin-organisations-zh").await;

    b.goto("/admin/users").await;
    b.expect_refusal("/admin/users");
    let display = XSS[0];
    b.set_value("#display_name", display).await;
    b.submit("form[action='/admin/users'] button[type=submit]")
        .await;
    assert!(
        b.exists("#login-error").await,
        "no error next to the empty login"
    );
    assert!(b.exists("#organisation_id-error").await);
    assert_eq!(
        b.value_of("#display_name").await,
        display,
        "typed name lost"
    );
    b.fill("#login", "newbie").await;
    b.select(
        "#organisation_id",
        &first_option(b, "#organisation_id").await,
    )
    .await;
    b.submit("form[action='/admin/users'] button[type=submit]")
        .await;
    let otp = b.text_of("#one-time-password").await;
    assert!(otp.len() >= 12, "one-time password shown: {otp:?}");
    assert_inert(b, Some(display)).await;
    b.screenshot("admin-users-zh").await;
    set_lang(b, "en").await;
    b.screenshot("admin-users-en").await;
    assert!(
        !b.text().await.contains(&otp),
        "the one-time password is shown again"
    );
    set_lang(b, "zh-CN").await;
    // Disable and enable an account.
    b.submit("#user-liaison_a1 form[action$='/disabled'] button")
        .await;
    assert!(b.text_of("#user-liaison_a1").await.contains("已停用"));
    b.submit("#user-liaison_a1 form[action$='/disabled'] button")
        .await;
    assert!(!b.text_of("#user-liaison_a1").await.contains("已停用"));
    for p in ["/admin/security", "/admin/policy", "/admin/audit", "/"] {
        assert_forbidden(b, p).await;
    }
    sign_out(b).await;

    // --- first sign-in with the one-time password: change it first -------------------------
    assert_eq!(sign_in(b, "newbie", &otp).await, "/password");
    b.goto("/").await;
    assert_eq!(
        b.path().await,
        "/password",
        "other pages wait for the change"
    );
    b.fill("#current_password", &otp).await;
    b.fill("#new_password", "Nb#7kQ2mZx9w").await;
    b.fill("#confirm_password", "Nb#7kQ2mZx9w").await;
    b.submit("form[action='/password'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/", "after the change: home");
    sign_out(b).await;
    assert_eq!(sign_in(b, "newbie", "Nb#7kQ2mZx9w").await, "/");
    sign_out(b).await;

    // --- audit admin: search by user, action and date; export CSV ---------------------------
    assert_eq!(sign_in(b, "auditadmin", PASSWORD).await, "/admin/audit");
    let today = b
        .eval("const d = new Date(Date.now() + 8 * 3600e3); return d.toISOString().slice(0, 10)")
        .await;
    let today = today.as_str().unwrap().to_string();
    b.goto(&format!(
        "/admin/audit?actor=secadmin&action=user.unlock&from={today}&to={today}"
    ))
    .await;
    let rows = b.find_all("#audit-rows tbody tr").await;
    assert_eq!(rows.len(), 1, "one unlock by secadmin today");
    assert!(b.text_of("#audit-rows").await.contains("user.unlock"));
    b.screenshot("admin-audit-zh").await;
    // A date range before everything: nothing.
    b.goto("/admin/audit?actor=secadmin&from=2000-01-01&to=2000-12-31")
        .await;
    assert!(!b.exists("#audit-rows").await);
    // A bad date: the error is next to the field, the rest kept.
    b.expect_refusal("/admin/audit?actor=secadmin&from=2026-13-40");
    b.goto("/admin/audit?actor=secadmin&from=2026-13-40").await;
    assert!(b.exists("#from-error").await);
    assert_eq!(b.value_of("#actor").await, "secadmin");
    // The CSV of the same search, fetched with the browser's session cookie (the page's CSP
    // allows no script fetches, so not from the page).
    b.goto("/admin/audit?action=user.unlock").await;
    let href = b
        .find("#export-csv")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let csv = b.fetch_with_cookies(&href).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert!(
        csv.disposition.contains("attachment"),
        "{}",
        csv.disposition
    );
    let text = csv.body.as_str();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0]
            .trim_start_matches('\u{feff}')
            .starts_with("seq,at,actor")
    );
    assert_eq!(lines.len(), 2, "header and the one unlock: {text}");
    assert!(lines[1].contains(",secadmin,") && lines[1].contains(",user.unlock,"));
    for p in ["/admin/users", "/admin/security", "/admin/policy", "/"] {
        assert_forbidden(b, p).await;
    }
    // Reading and exporting were audited.
    b.goto("/admin/audit?action=audit.export").await;
    assert!(
        b.exists("#audit-rows").await,
        "the export is in the audit log"
    );
    sign_out(b).await;

    // --- a ledger role is refused the admin pages ------------------------------------------
    sign_in(b, "office", PASSWORD).await;
    for p in ["/admin", "/admin/users", "/admin/security", "/admin/audit"] {
        assert_forbidden(b, p).await;
    }
    // The error page has no user bar: sign out from home.
    b.goto("/").await;
    sign_out(b).await;

    // --- the remaining roles sign in to their home page, console clean -----------------------
    for login in ["supervisor", "leader", "office_a", "office_b", "owner"] {
        assert_eq!(sign_in(b, login, PASSWORD).await, "/", "{login}");
        assert!(b.exists("main h1").await, "{login}'s home has no heading");
        sign_out(b).await;
    }
}

/// The value of the first non-empty option of a select.
async fn first_option(b: &Browser, css: &str) -> String {
    b.eval(&format!(
        "return [...document.querySelectorAll(\"{css} option\")].map(o => o.value).find(v => v !== '')"
    ))
    .await
    .as_str()
    .unwrap()
    .to_string()
}

/// The page answers 403 (or, for a home page an admin has none of, sends them to their own).
async fn assert_forbidden(b: &mut Browser, path: &str) {
    b.expect_refusal(path);
    b.goto(path).await;
    let now = b.path().await;
    if path == "/" {
        assert!(now.starts_with("/admin"), "{path} led to {now}");
        return;
    }
    let status = b
        .eval("return performance.getEntriesByType('navigation')[0].responseStatus")
        .await;
    assert_eq!(status, json!(403), "{path} is not refused (now on {now})");
}
