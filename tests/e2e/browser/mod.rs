//! The staff web application in a real browser: headless Chromium through chromedriver against
//! the server on loopback (SQLite), every request through a recording proxy, console watched.

mod admin;
mod driver;
mod ledger_loop;
mod proxy;
mod steps;

use driver::Browser;

use crate::support;

/// The harness itself: a page loads through the proxy, only 127.0.0.1 is asked, a screenshot lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_loads_a_page_through_the_proxy() {
    let Some((chromium, chromedriver)) = driver::tools() else {
        return;
    };
    let e = support::sqlite().await;
    support::seed(&e.store).await;
    let server = support::start(&e.store, false).await;
    let mut b = Browser::launch(&chromium, &chromedriver, &format!("http://{}", server.addr)).await;
    b.goto("/healthz").await;
    assert_eq!(b.text().await.trim(), "ok");
    let shot = b.screenshot("harness-healthz").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 100);
    let seen = b.proxy.requests();
    assert!(
        seen.iter()
            .any(|r| r.path == "/healthz" && r.from_page && r.loopback()),
        "the page did not go through the proxy: {seen:?}"
    );
    assert_nothing_left(&mut b).await;
    let severe = b.severe().await;
    assert!(severe.is_empty(), "console errors: {severe:?}");
    b.close().await;
    e.drop_db().await;
}

/// The three administrators' pages (see `admin.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_in_the_browser() {
    let Some((chromium, chromedriver)) = driver::tools() else {
        return;
    };
    let e = support::sqlite().await;
    support::seed(&e.store).await;
    let server = support::start(&e.store, false).await;
    let mut b = Browser::launch(&chromium, &chromedriver, &format!("http://{}", server.addr)).await;
    admin::scenario(&mut b).await;
    assert_nothing_left(&mut b).await;
    assert_console_clean(&mut b).await;
    b.close().await;
    e.drop_db().await;
}

/// The rectification loop (see `ledger_loop.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rectification_loop_in_the_browser() {
    let Some((chromium, chromedriver)) = driver::tools() else {
        return;
    };
    let e = support::sqlite().await;
    let world = support::seed(&e.store).await;
    let server = support::start(&e.store, false).await;
    let mut b = Browser::launch(&chromium, &chromedriver, &format!("http://{}", server.addr)).await;
    ledger_loop::scenario(&mut b, &world, &e.url).await;
    assert_nothing_left(&mut b).await;
    assert_console_clean(&mut b).await;
    b.close().await;
    e.drop_db().await;
}

/// Nothing at SEVERE level in the console (CSP violations, script errors, failed loads).
pub async fn assert_console_clean(b: &mut Browser) {
    let severe = b.severe().await;
    assert!(severe.is_empty(), "console errors: {severe:#?}");
}

/// No request left 127.0.0.1: every URL a page asked for (DevTools network log) is on the
/// server under test, every request the proxy saw from web content went to 127.0.0.1, and what
/// else the proxy saw is Chromium's own background services (sign-in, updates), which it
/// refused: nothing was forwarded off the machine.
pub async fn assert_nothing_left(b: &mut Browser) {
    let outside = b.page_requests_outside().await;
    assert!(
        outside.is_empty(),
        "pages asked for outside URLs: {outside:?}"
    );
    assert!(
        b.page_request_count() > 0,
        "the DevTools network log recorded nothing"
    );
    let seen = b.proxy.requests();
    let from_pages: Vec<_> = seen
        .iter()
        .filter(|r| r.from_page && !r.loopback())
        .collect();
    assert!(
        from_pages.is_empty(),
        "web content requested other hosts: {from_pages:?}"
    );
    let browser_own: Vec<_> = b.proxy.outside();
    for r in &browser_own {
        let host = r.authority.split(':').next().unwrap_or_default();
        assert!(
            ["google.com", "googleapis.com", "gstatic.com"]
                .iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}"))),
            "a request to {} ({} {}) is neither the server nor one of Chromium's own services",
            r.authority,
            r.method,
            r.path
        );
    }
    if !browser_own.is_empty() {
        let hosts: std::collections::BTreeSet<_> =
            browser_own.iter().map(|r| r.authority.as_str()).collect();
        eprintln!(
            "browser: Chromium's own background requests, refused by the proxy (not from pages): {hosts:?}"
        );
    }
}
