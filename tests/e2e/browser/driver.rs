//! Headless Chromium driven through chromedriver (fantoccini): the test starts chromedriver on a
//! free loopback port and Chromium with a fresh profile, every request going through the
//! recording [`Proxy`]; console messages are collected through chromedriver's browser log.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::proxy::Proxy;

/// Chromium and chromedriver binaries, from `RECTIFY_TEST_CHROMIUM` / `RECTIFY_TEST_CHROMEDRIVER`
/// (exported by scripts/test). `None`: the browser suite is SKIPPED (a failure under
/// `RECTIFY_TEST_REQUIRE_ALL=1`).
pub fn tools() -> Option<(PathBuf, PathBuf)> {
    let get = |v: &str| {
        std::env::var(v)
            .ok()
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    };
    match (
        get("RECTIFY_TEST_CHROMIUM"),
        get("RECTIFY_TEST_CHROMEDRIVER"),
    ) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            assert!(
                std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
                "RECTIFY_TEST_CHROMIUM / RECTIFY_TEST_CHROMEDRIVER are not set but \
                 RECTIFY_TEST_REQUIRE_ALL=1: the browser suite must run"
            );
            eprintln!(
                "\n!!! SKIPPED: browser suite (RECTIFY_TEST_CHROMIUM / RECTIFY_TEST_CHROMEDRIVER not set; \
                 run scripts/test, which finds chromium and chromedriver)\n"
            );
            None
        }
    }
}

/// Where screenshots go: `$CARGO_TARGET_DIR/browser-artifacts/` (or `target/`).
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("browser-artifacts");
    std::fs::create_dir_all(&dir).expect("create browser-artifacts");
    dir
}

/// `POST /session/{id}/se/log {"type":…}`: one of chromedriver's logs (drained on read):
/// `browser` (the console) or `performance` (DevTools events; we ask for the network ones).
#[derive(Debug)]
struct GetLog(&'static str);

impl WebDriverCompatibleCommand for GetLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": self.0}).to_string()),
        )
    }
}

/// An answer fetched outside the browser with its cookies.
pub struct Fetched {
    pub status: u16,
    pub content_type: String,
    pub disposition: String,
    pub body: String,
}

/// One console message.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

/// A browser session with its chromedriver process and the proxy it talks through.
pub struct Browser {
    pub client: Client,
    pub base: String,
    pub proxy: Proxy,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    console: Vec<LogEntry>,
    /// Every URL a page asked for (DevTools `Network.requestWillBeSent` / `webSocketCreated`).
    page_requests: Vec<String>,
    /// Paths (with query) a test refused on purpose: their 4xx "Failed to load resource"
    /// console lines are expected, not errors.
    refused: Vec<String>,
    /// The document a click left when it opened a dialog (see [`Browser::settle_after_dialog`]).
    pending: Option<String>,
}

const WIDTH: u32 = 1366;
const HEIGHT: u32 = 900;

impl Browser {
    /// Start chromedriver and Chromium; `base` is the server's `http://127.0.0.1:PORT`.
    pub async fn launch(chromium: &PathBuf, chromedriver: &PathBuf, base: &str) -> Browser {
        let proxy = Proxy::start().await;
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let driver = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let wd = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-domain-reliability".into(),
            "--disable-client-side-phishing-detection".into(),
            "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,NetworkTimeServiceQuerying"
                .into(),
            "--disable-dev-shm-usage".into(),
            "--disable-extensions".into(),
            "--disable-default-apps".into(),
            "--no-pings".into(),
            "--metrics-recording-only".into(),
            "--password-store=basic".into(),
            "--lang=zh-CN".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={WIDTH},{HEIGHT}"),
            format!("--proxy-server=http://{}", proxy.addr),
            "--proxy-bypass-list=<-loopback>".into(),
            "about:blank".into(),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        // Leave a dialog open so a test sees it (the default dismisses it).
        caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": args,
                "prefs": {
                    "intl.accept_languages": "zh-CN,zh",
                    "net.network_prediction_options": 2,
                    "search.suggest_enabled": false,
                    "signin.allowed": false,
                    "safebrowsing.enabled": false,
                    "credentials_enable_service": false,
                    "profile.password_manager_enabled": false,
                    "profile.password_manager_leak_detection": false,
                    // Debian's default search engine is preconnected by the new-tab page:
                    // a loopback one keeps that on the machine.
                    "default_search_provider_data": {"template_url_data": {
                        "keyword": "local", "short_name": "local",
                        "url": "http://127.0.0.1:9/search?q={searchTerms}"
                    }}
                },
                "perfLoggingPrefs": {"enableNetwork": true, "enablePage": false}
            }),
        );
        caps.insert(
            "goog:loggingPrefs".into(),
            json!({"browser": "ALL", "performance": "ALL"}),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&wd)
            .await
            .expect("open a chromedriver session");
        Browser {
            client,
            base: base.to_string(),
            proxy,
            driver,
            _profile: profile,
            console: Vec::new(),
            page_requests: Vec::new(),
            refused: Vec::new(),
            pending: None,
        }
    }

    /// Close the session and stop chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }

    pub async fn goto(&mut self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
        self.drain_console().await;
    }

    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("find {css} on {}: {e}", self.path_quiet().await),
        }
    }

    async fn path_quiet(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
            .is_empty()
    }

    pub async fn find_all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// Clear a field and type into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear()
            .await
            .unwrap_or_else(|err| panic!("clear {css}: {err}"));
        if !text.is_empty() {
            e.send_keys(text)
                .await
                .unwrap_or_else(|err| panic!("type into {css}: {err}"));
        }
    }

    /// Set a field's value by script (for long texts and characters send_keys cannot type).
    pub async fn set_value(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        let el = serde_json::to_value(&e).unwrap();
        self.client
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true})); arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![el, json!(text)],
            )
            .await
            .unwrap_or_else(|err| panic!("set {css}: {err}"));
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Click and, when the click navigates, wait for the new document.
    pub async fn click(&mut self, css: &str) {
        let before = self.document_id().await;
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
        if self.dialog_open().await {
            // A confirmation: the test answers it, then calls settle_after_dialog.
            self.pending = Some(before);
            return;
        }
        self.settle(before).await;
    }

    /// Tick a checkbox (leave it ticked if it already is).
    pub async fn check(&mut self, css: &str) {
        if !self.find(css).await.is_selected().await.unwrap_or(false) {
            self.click(css).await;
        }
    }

    /// After answering a dialog a click opened: wait for the page the click leads to.
    pub async fn settle_after_dialog(&mut self) {
        if let Some(before) = self.pending.take() {
            self.settle(before).await;
        }
    }

    /// Submit the form holding `css` (a button) and wait for the answer page.
    pub async fn submit(&mut self, css: &str) {
        self.click(css).await;
    }

    /// A number unique to the current document (its time origin).
    pub async fn document_id(&self) -> String {
        self.client
            .execute("return String(performance.timeOrigin)", vec![])
            .await
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    /// Wait until a new document replaced `before` and finished loading (or 300 ms passed
    /// without navigation: the click did not navigate).
    async fn settle(&mut self, before: String) {
        let start = Instant::now();
        loop {
            let now = self.document_id().await;
            let ready = self
                .client
                .execute("return document.readyState", vec![])
                .await
                .map(|v| v == json!("complete"))
                .unwrap_or(false);
            if now != before && !now.is_empty() && ready {
                break;
            }
            if now == before && start.elapsed() > Duration::from_millis(300) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "page did not load"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.drain_console().await;
    }

    /// Body text of the page.
    pub async fn text(&self) -> String {
        self.find("body").await.text().await.unwrap_or_default()
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_default()
    }

    pub async fn value_of(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// Save a PNG of the viewport (full page height) under browser-artifacts.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // Grow the window to the page's height so the PNG shows the whole page.
        let h = self
            .eval("return Math.min(4000, Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0))")
            .await
            .as_u64()
            .unwrap_or(HEIGHT as u64) as u32;
        let _ = self.client.set_window_size(WIDTH, h.max(HEIGHT)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let _ = self.client.set_window_size(WIDTH, HEIGHT).await;
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Move the console messages and page requests chromedriver holds into our lists.
    pub async fn drain_console(&mut self) {
        if let Ok(Value::Array(entries)) = self.client.issue_cmd(GetLog("browser")).await {
            for e in entries {
                self.console.push(LogEntry {
                    level: e["level"].as_str().unwrap_or_default().to_string(),
                    message: e["message"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
        if let Ok(Value::Array(entries)) = self.client.issue_cmd(GetLog("performance")).await {
            for e in entries {
                let Ok(m) = serde_json::from_str::<Value>(e["message"].as_str().unwrap_or("{}"))
                else {
                    continue;
                };
                let m = &m["message"];
                let url = match m["method"].as_str() {
                    Some("Network.requestWillBeSent") => &m["params"]["request"]["url"],
                    Some("Network.webSocketCreated") => &m["params"]["url"],
                    _ => continue,
                };
                if let Some(u) = url.as_str() {
                    self.page_requests.push(u.to_string());
                }
            }
        }
    }

    /// Network URLs (http, https, ws, wss, ftp) pages asked for that are not on the server
    /// under test. Local schemes (data:, blob:, about:, Chromium's own chrome://) are no network.
    pub async fn page_requests_outside(&mut self) -> Vec<String> {
        self.drain_console().await;
        let own = format!("{}/", self.base);
        self.page_requests
            .iter()
            .filter(|u| {
                let network = ["http:", "https:", "ws:", "wss:", "ftp:"]
                    .iter()
                    .any(|s| u.starts_with(s));
                network && !u.starts_with(&own)
            })
            .cloned()
            .collect()
    }

    /// How many requests pages made so far.
    pub fn page_request_count(&self) -> usize {
        self.page_requests.len()
    }

    /// The next answer for `path` (path and query) is a deliberate 4xx (bad input, refused
    /// access, failed sign-in): Chromium's console line for it is expected.
    pub fn expect_refusal(&mut self, path: &str) {
        self.refused.push(path.to_string());
    }

    /// Console messages at SEVERE level so far, less the deliberate refusals.
    pub async fn severe(&mut self) -> Vec<LogEntry> {
        self.drain_console().await;
        let expected: Vec<String> = self
            .refused
            .iter()
            .map(|p| {
                format!(
                    "{}{p} - Failed to load resource: the server responded with a status of 4",
                    self.base
                )
            })
            .collect();
        self.console
            .iter()
            .filter(|e| e.level == "SEVERE")
            .filter(|e| !expected.iter().any(|x| e.message.starts_with(x.as_str())))
            .cloned()
            .collect()
    }

    /// GET `path` with the browser's cookies (for downloads, which a headless page cannot show).
    pub async fn fetch_with_cookies(&self, path: &str) -> Fetched {
        let cookies = self.client.get_all_cookies().await.expect("cookies");
        let header = cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ");
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .header("cookie", header)
            .send()
            .await
            .expect("fetch");
        let h = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (content_type, disposition) = (h("content-type"), h("content-disposition"));
        Fetched {
            status: resp.status().as_u16(),
            content_type,
            disposition,
            body: resp.text().await.unwrap_or_default(),
        }
    }

    /// True when a JavaScript dialog (alert/confirm/prompt) is open.
    pub async fn dialog_open(&self) -> bool {
        self.client.get_alert_text().await.is_ok()
    }
}
