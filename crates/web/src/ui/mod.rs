//! The staff web application: server-rendered HTML pages over the same store and access rules
//! as the API. This module owns the UI router, the per-request layer (CSP nonce, locale,
//! `_csrf` form field, error pages, `no-store`), the page context every template gets
//! ([`Chrome`]) and the embedded static assets.

pub mod admin;
pub mod auth_pages;
pub mod calendar;
pub mod charts;
pub mod forms;
pub mod home;
pub mod i18n;
pub mod i18n_supervision;
pub mod inbox;
pub mod inspections;
pub mod ledger;
pub mod lookback;
pub mod measure;
pub mod picker;
pub mod registers;
pub mod supervision;
pub mod sv_common;

use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use rectify_core::access::{Action, Role};

use crate::AppState;
use crate::auth::{Auth, AuthAllowExpired, FormCsrf, Via};
use crate::error::ApiError;
pub use i18n::Locale;

/// The cookie that remembers the interface language between visits (and before sign-in).
pub const LOCALE_COOKIE: &str = "rectify_lang";

/// Largest urlencoded form body the UI reads (file uploads are multipart and limited apart).
const FORM_LIMIT: usize = 1024 * 1024;

/// The routes of the UI; mounted at `/` next to the API.
pub fn routes(state: &AppState) -> Router<AppState> {
    let upload_limit = state.config.upload_limit;
    Router::new()
        .route("/", get(home::home))
        .route(
            "/sign-in",
            get(auth_pages::sign_in_page).post(auth_pages::sign_in),
        )
        .route("/sign-out", post(auth_pages::sign_out))
        .route(
            "/password",
            get(auth_pages::password_page).post(auth_pages::change_password),
        )
        .route("/locale", post(auth_pages::set_locale))
        .route("/ledger", get(ledger::ledger))
        .route("/ledger/bulk", post(ledger::bulk))
        .route(
            "/inspections",
            get(inspections::list).post(inspections::create),
        )
        .route(
            "/inspections/{id}",
            get(inspections::detail).post(inspections::update),
        )
        .route(
            "/inspections/{id}/import",
            post(inspections::import_preview).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/inspections/{id}/import/apply",
            post(inspections::import_apply),
        )
        .route(
            "/inspections/{id}/ledger-import",
            post(inspections::ledger_import_preview).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/inspections/{id}/ledger-import/apply",
            post(inspections::ledger_import_apply),
        )
        .route("/rounds", post(inspections::create_round))
        .route("/measures/{id}", get(measure::page).post(measure::edit))
        .route("/measures/{id}/transition", post(measure::transition))
        .route(
            "/measures/{id}/owner-phone",
            post(measure::reveal_owner_phone),
        )
        .route("/problems/{id}/sign-off", post(measure::sign_off))
        .route(
            "/reports",
            post(measure::create_report).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/reports/new", get(measure::new_report))
        .route("/evidence/{id}/view", get(measure::view_evidence))
        .route("/admin", get(admin::index))
        .route(
            "/admin/organisations",
            get(admin::organisations).post(admin::create_organisation),
        )
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}/disabled", post(admin::set_disabled))
        .route("/admin/users/{id}/unlock", post(admin::unlock))
        .route("/admin/users/{id}/role", post(admin::set_role))
        .route("/admin/security", get(admin::security))
        .route("/admin/policy", get(admin::policy).post(admin::save_policy))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/audit.csv", get(admin::audit_csv))
        // Supervision pages (督查督办, 工作台账, 回头看, 消息, 工作日历)
        .route("/supervision", get(supervision::index))
        .route("/supervision/lists", get(supervision::lists))
        .route("/supervision/lists.docx", get(supervision::lists_docx))
        .route("/supervision/lists/drafts", post(supervision::draft))
        .route(
            "/notices",
            get(supervision::notices).post(supervision::create_notice),
        )
        .route("/notices/new", get(supervision::new_notice))
        .route("/notices/{id}", get(supervision::notice))
        .route("/notices/{id}/docx", get(supervision::notice_docx))
        .route("/notices/{id}/edit", post(supervision::edit))
        .route("/notices/{id}/issue", post(supervision::issue))
        .route("/notices/{id}/reply", post(supervision::reply))
        .route("/notices/{id}/review", post(supervision::review))
        .route("/notices/{id}/close", post(supervision::close))
        .route("/inbox", get(inbox::inbox))
        .route("/inbox/{id}/read", post(inbox::mark_read))
        .route("/registers", get(registers::stats))
        .route(
            "/registers/{kind}",
            get(registers::register).post(registers::create),
        )
        .route("/lookbacks", get(lookback::lookbacks))
        .route("/lookbacks/{id}/result", post(lookback::record))
        .route(
            "/samples",
            get(lookback::samples).post(lookback::create_draw),
        )
        .route("/samples/{id}", get(lookback::sample))
        .route("/samples/{id}/items/{seq}/result", post(lookback::verify))
        .route("/quality-flags", get(lookback::flags))
        .route("/calendar", get(calendar::calendar))
        .route(
            "/calendar/preview",
            post(calendar::preview).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/calendar/load", post(calendar::load))
        .route("/static/{name}", get(static_asset))
        .layer(middleware::from_fn_with_state(state.clone(), page_layer))
}

/// The per-request CSP nonce (one per page; scripts carry it, inline handlers are refused).
#[derive(Debug, Clone)]
pub struct Nonce(pub String);

/// Who the request turned out to be, noted by the [`Ui`] extractor, so that an error page
/// after sign-in (403, 404) keeps the user's header and navigation.
#[derive(Clone, Default)]
pub struct SignedIn(std::sync::Arc<std::sync::Mutex<Option<Ui>>>);

impl SignedIn {
    fn note(&self, ui: &Ui) {
        if let Ok(mut v) = self.0.lock() {
            *v = Some(ui.clone());
        }
    }

    fn get(&self) -> Option<Ui> {
        self.0.lock().ok().and_then(|v| v.clone())
    }
}

// ---------------------------------------------------------------------------------------
// The page layer

/// Nonce, locale and the form's `_csrf` field in; error pages, CSP and `no-store` out.
async fn page_layer(
    axum::extract::State(s): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = rectify_security::crypto::random_token(18);
    let locale = request_locale(req.headers());
    let signed_in = SignedIn::default();
    req.extensions_mut().insert(Nonce(nonce.clone()));
    req.extensions_mut().insert(locale);
    req.extensions_mut().insert(signed_in.clone());
    let req = match read_form_csrf(req).await {
        Ok(r) => r,
        Err(e) => return finish(&s, e.into_response(), locale, &nonce, None).await,
    };
    let resp = next.run(req).await;
    finish(&s, resp, locale, &nonce, signed_in.get()).await
}

async fn finish(
    s: &AppState,
    mut resp: Response,
    locale: Locale,
    nonce: &str,
    ui: Option<Ui>,
) -> Response {
    if let Some(e) = resp.extensions_mut().remove::<PageFailure>() {
        let status = resp.status();
        let title = locale.t("error.title");
        // A signed-in user keeps the header and navigation on an error page.
        let c = match ui {
            Some(ui) => ui.chrome(s, title, "").await,
            None => Chrome::anonymous(locale, nonce, title),
        };
        let page = ErrorPage {
            c,
            status: status.as_u16(),
            message: locale.error(e.code, &e.message),
        };
        resp = html(status, &page);
    }
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        let csp = format!(
            "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; \
             object-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        );
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        // Pages show personal data: never stored by the browser or a proxy.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    }
    resp
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language cookie, else the browser's `Accept-Language`, else Chinese.
fn request_locale(headers: &HeaderMap) -> Locale {
    if let Some(l) = cookie(headers, LOCALE_COOKIE).and_then(Locale::parse) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::from_accept_language)
        .unwrap_or_default()
}

/// For urlencoded POSTs: read the body (bounded), take its `_csrf` field into the request's
/// extensions (checked by `auth` like the header), and put the body back for the handler.
async fn read_form_csrf(req: Request) -> Result<Request, UiError> {
    let is_form = req.method() == Method::POST
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large"))?;
    if let Some((_, v)) = form_urlencoded::parse(&bytes).find(|(k, _)| k == "_csrf") {
        parts.extensions.insert(FormCsrf(v.into_owned()));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

// ---------------------------------------------------------------------------------------
// Errors

/// What a page handler can fail with. Rendered as a page in the user's language by the page
/// layer, or as a redirect to sign-in / password change.
#[derive(Debug)]
pub enum UiError {
    /// Not signed in (or the session ended): go to the sign-in page.
    SignIn { expired: bool, next: Option<String> },
    /// The password must be changed before anything else.
    PasswordChange,
    /// An error page with this status and error code (translated through the catalogue).
    Page(StatusCode, &'static str),
    /// An error page with a code and the server's message as fallback text.
    Detailed(StatusCode, &'static str, String),
}

/// Marker the page layer turns into a rendered error page.
#[derive(Debug, Clone)]
struct PageFailure {
    code: &'static str,
    message: String,
}

impl UiError {
    pub fn not_found() -> Self {
        UiError::Page(StatusCode::NOT_FOUND, "not_found")
    }
    pub fn forbidden() -> Self {
        UiError::Page(StatusCode::FORBIDDEN, "forbidden")
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Unauthorized { code, .. } => UiError::SignIn {
                expired: code == "session_expired",
                next: None,
            },
            ApiError::Forbidden {
                code: "password_change_required",
                ..
            } => UiError::PasswordChange,
            ApiError::Forbidden { code, message } => {
                UiError::Detailed(StatusCode::FORBIDDEN, code, message)
            }
            ApiError::NotFound { .. } => UiError::not_found(),
            ApiError::BadRequest { code, message, .. } => {
                UiError::Detailed(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            ApiError::Conflict { message, .. } => {
                UiError::Detailed(StatusCode::CONFLICT, "version_conflict", message)
            }
            ApiError::TooMany { message } => {
                UiError::Detailed(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
            }
            ApiError::PayloadTooLarge { message } => {
                UiError::Detailed(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            }
            ApiError::Unsupported { message } => {
                UiError::Detailed(StatusCode::UNSUPPORTED_MEDIA_TYPE, "internal", message)
            }
            ApiError::Internal { message } => {
                UiError::Detailed(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
            }
        }
    }
}

impl From<rectify_store::StoreError> for UiError {
    fn from(e: rectify_store::StoreError) -> Self {
        UiError::from(ApiError::from(e))
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            UiError::SignIn { expired, next } => {
                let mut to = String::from("/sign-in");
                let mut q = form_urlencoded::Serializer::new(String::new());
                if expired {
                    q.append_pair("expired", "1");
                }
                if let Some(n) = next.filter(|n| safe_next(n)) {
                    q.append_pair("next", &n);
                }
                let q = q.finish();
                if !q.is_empty() {
                    to.push('?');
                    to.push_str(&q);
                }
                return Redirect::to(&to).into_response();
            }
            UiError::PasswordChange => return Redirect::to("/password").into_response(),
            UiError::Page(status, code) => (status, code, String::new()),
            UiError::Detailed(status, code, message) => (status, code, message),
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(PageFailure { code, message });
        resp
    }
}

/// Only local absolute paths may be redirect targets after sign-in.
pub fn safe_next(n: &str) -> bool {
    n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://")
}

pub type UiResult<T> = Result<T, UiError>;

// ---------------------------------------------------------------------------------------
// The page context

/// A signed-in page request: the caller, their CSRF token for forms, language and nonce.
#[derive(Clone)]
/// Extracting it redirects to sign-in when there is no session, and to the password page
/// when the password must be changed. State-changing requests have had their CSRF token
/// (header or `_csrf` field) and Origin checked by `auth`.
pub struct Ui {
    pub auth: Auth,
    pub csrf: String,
    pub locale: Locale,
    pub nonce: String,
    pub password_expired: bool,
    /// Path and query of this request (the language switch comes back here).
    pub path: String,
}

/// Like [`Ui`] but lets a user whose password must change through (the password page).
pub struct UiAllowExpired(pub Ui);

async fn extract_ui(parts: &mut Parts, state: &AppState) -> Result<Ui, UiError> {
    let locale = parts
        .extensions
        .get::<Locale>()
        .copied()
        .unwrap_or_default();
    let nonce = parts
        .extensions
        .get::<Nonce>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let next = (parts.method == Method::GET).then(|| path.clone());
    let AuthAllowExpired(auth) = AuthAllowExpired::from_request_parts(parts, state)
        .await
        .map_err(|e| match UiError::from(e) {
            UiError::SignIn { expired, .. } => UiError::SignIn {
                expired,
                next: next.clone().filter(|n| n != "/"),
            },
            other => other,
        })?;
    let (csrf, password_expired) = match &auth.via {
        Via::Session { csrf, .. } => {
            let policy = state.policy().await?;
            (
                csrf.clone(),
                auth.user.password_expired(&policy, Utc::now()),
            )
        }
        Via::Token { .. } => (String::new(), false),
    };
    let ui = Ui {
        auth,
        csrf,
        locale,
        nonce,
        password_expired,
        path,
    };
    if let Some(slot) = parts.extensions.get::<SignedIn>() {
        slot.note(&ui);
    }
    Ok(ui)
}

impl<S> FromRequestParts<S> for Ui
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = UiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let ui = extract_ui(parts, &state).await?;
        if ui.password_expired {
            return Err(UiError::PasswordChange);
        }
        Ok(ui)
    }
}

impl<S> FromRequestParts<S> for UiAllowExpired
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = UiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        extract_ui(parts, &state).await.map(UiAllowExpired)
    }
}

impl Ui {
    /// Refuse (403 page) unless the role may do `action`.
    pub fn require(&self, action: Action) -> UiResult<()> {
        if self.auth.user.role.may(action) {
            Ok(())
        } else {
            Err(UiError::forbidden())
        }
    }

    pub fn role(&self) -> Role {
        self.auth.user.role
    }

    /// The layout context for a page titled `title`, with `nav` the active navigation entry.
    pub async fn chrome(&self, s: &AppState, title: &str, nav: &'static str) -> Chrome {
        let org = s
            .store
            .organisation(self.auth.user.organisation_id)
            .await
            .map(|o| o.name)
            .unwrap_or_default();
        let role = self.auth.user.role;
        Chrome {
            l: self.locale,
            nonce: self.nonce.clone(),
            csrf: self.csrf.clone(),
            title: title.to_string(),
            nav,
            back: if self.path.starts_with('/') && !self.path.starts_with("//") {
                self.path.clone()
            } else {
                "/".into()
            },
            user: Some(UserBar {
                name: self.auth.user.display_name.clone(),
                role: self.locale.role(role),
                org,
                ledger: role.may(Action::ReadLedger),
                admin: role.is_privileged()
                    && matches!(
                        role,
                        Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
                    ),
                password_expired: self.password_expired,
                sv: inbox::nav_extra(s, &self.auth).await,
            }),
            css: asset_path(0),
            js: asset_path(1),
        }
    }
}

/// What the layout (`base.html`) needs: language, nonce, the user bar, the active nav entry.
pub struct Chrome {
    pub l: Locale,
    pub nonce: String,
    pub csrf: String,
    pub title: String,
    /// The active navigation entry (`home`, `ledger`, `inspections`, `admin`, or empty).
    pub nav: &'static str,
    /// Where the language switch returns to (this page).
    pub back: String,
    pub user: Option<UserBar>,
    pub css: &'static str,
    pub js: &'static str,
}

/// The signed-in user as the header shows them.
pub struct UserBar {
    pub name: String,
    pub role: &'static str,
    pub org: String,
    /// May read the ledger (ledger roles).
    pub ledger: bool,
    /// Is one of the three administrators (三员).
    pub admin: bool,
    /// Only the password page is open.
    pub password_expired: bool,
    /// The supervision pages' links and the unread count.
    pub sv: inbox::NavExtra,
}

impl Chrome {
    /// The layout for a page seen before sign-in (or an error page).
    pub fn anonymous(l: Locale, nonce: &str, title: &str) -> Chrome {
        Chrome {
            l,
            nonce: nonce.to_string(),
            csrf: String::new(),
            title: title.to_string(),
            nav: "",
            back: "/sign-in".into(),
            user: None,
            css: asset_path(0),
            js: asset_path(1),
        }
    }

    /// A date in this page's language.
    pub fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        self.l.date_opt(*d)
    }
}

/// Render a template as an HTML response.
pub fn html<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// A 200 page.
pub fn page<T: Template>(t: &T) -> Response {
    html(StatusCode::OK, t)
}

/// After a successful POST: see the result with a GET (no resubmission on reload).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
}

// ---------------------------------------------------------------------------------------
// Static assets

struct Asset {
    /// `/static/app.<hash>.css`
    path: String,
    content_type: &'static str,
    body: &'static [u8],
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    let mk = |stem: &str, ext: &str, content_type, body: &'static [u8]| {
        let hash = rectify_security::crypto::to_hex(&rectify_security::crypto::sha256(body)[..6]);
        Asset {
            path: format!("/static/{stem}.{hash}.{ext}"),
            content_type,
            body,
        }
    };
    [
        mk(
            "app",
            "css",
            "text/css; charset=utf-8",
            include_bytes!("../../static/app.css"),
        ),
        mk(
            "app",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../static/app.js"),
        ),
    ]
});

fn asset_path(i: usize) -> &'static str {
    ASSETS[i].path.as_str()
}

/// Embedded assets under content-hashed names, cached for a year.
async fn static_asset(Path(name): Path<String>) -> Response {
    let want = format!("/static/{name}");
    match ASSETS.iter().find(|a| a.path == want) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.body,
        )
            .into_response(),
        None => UiError::not_found().into_response(),
    }
}
