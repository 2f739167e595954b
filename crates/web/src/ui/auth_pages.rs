//! Sign-in (with lockout, expiry and generic failure messages), sign-out, the password
//! change (forced on first login and after expiry) and the language switch.

use askama::Template;
use axum::Extension;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::{Chrome, LOCALE_COOKIE, Locale, Nonce, UiAllowExpired, UiError, UiResult};
use crate::AppState;
use crate::api::session::{
    change_own_password, clear_cookie, session_cookie, sign_in as open_session,
    sign_out as end_session,
};
use crate::auth::{AuthAllowExpired, Ctx};
use crate::error::ApiError;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    c: Chrome,
    login: String,
    next: String,
    /// A notice above the form (timed out, signed out).
    notice: Option<&'static str>,
    /// The failure message (generic on purpose: same for unknown login, wrong password, locked).
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    out: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// GET /sign-in
pub async fn sign_in_page(
    Extension(l): Extension<Locale>,
    Extension(n): Extension<Nonce>,
    Query(q): Query<SignInQuery>,
) -> Response {
    let notice = if q.expired.is_some() {
        Some(l.t("signin.expired"))
    } else if q.out.is_some() {
        Some(l.t("signin.signed_out"))
    } else {
        None
    };
    super::page(&SignInPage {
        c: Chrome::anonymous(l, &n.0, l.t("signin.title")),
        login: String::new(),
        next: q.next.filter(|n| super::safe_next(n)).unwrap_or_default(),
        notice,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// POST /sign-in: opens a session like the API does; the failure message is the same for an
/// unknown login, a wrong password and a locked account.
pub async fn sign_in(
    State(s): State<AppState>,
    Extension(l): Extension<Locale>,
    Extension(n): Extension<Nonce>,
    Extension(ctx): Extension<Ctx>,
    headers: axum::http::HeaderMap,
    UiForm(f): UiForm<SignInForm>,
) -> UiResult<Response> {
    // No session yet, so no CSRF token: a cross-site sign-in is refused by its Origin.
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if origin_host != host {
            return Err(UiError::Page(StatusCode::FORBIDDEN, "cross_origin"));
        }
    }
    let next = if super::safe_next(&f.next) {
        f.next.clone()
    } else {
        String::new()
    };
    let failed = |status: StatusCode, message: String| {
        super::html(
            status,
            &SignInPage {
                c: Chrome::anonymous(l, &n.0, l.t("signin.title")),
                login: f.login.clone(),
                next: next.clone(),
                notice: None,
                error: Some(message),
            },
        )
    };
    let signed = match open_session(&s, &ctx, &f.login, &f.password).await {
        Ok(x) => x,
        Err(ApiError::TooMany { .. }) => {
            return Ok(failed(
                StatusCode::TOO_MANY_REQUESTS,
                l.t("err.too_many_attempts").into(),
            ));
        }
        Err(ApiError::Unauthorized { .. }) => {
            return Ok(failed(
                StatusCode::UNAUTHORIZED,
                l.t("err.login_failed").into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let stored = s.store.user_locale(signed.user.id).await?;
    let to = if signed.password_change_required {
        "/password".to_string()
    } else if next.is_empty() {
        "/".to_string()
    } else {
        next
    };
    let mut resp = super::see_other(&to);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&s, &signed.session_id)) {
        h.append(header::SET_COOKIE, v);
    }
    if let Some(loc) = stored.as_deref().and_then(Locale::parse)
        && let Ok(v) = HeaderValue::from_str(&locale_cookie(loc))
    {
        h.append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

fn locale_cookie(l: Locale) -> String {
    format!(
        "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        l.as_str()
    )
}

/// POST /sign-out
pub async fn sign_out(
    State(s): State<AppState>,
    UiAllowExpired(ui): UiAllowExpired,
) -> UiResult<Response> {
    end_session(&s, &ui.auth).await?;
    let mut resp = super::see_other("/sign-in?out=1");
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(&s)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    expired: bool,
    errors: FieldErrors,
}

/// GET /password
pub async fn password_page(
    State(s): State<AppState>,
    UiAllowExpired(ui): UiAllowExpired,
) -> Response {
    let c = ui.chrome(&s, ui.locale.t("password.title"), "").await;
    super::page(&PasswordPage {
        c,
        expired: ui.password_expired,
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// POST /password: the errors name their field; passwords are never echoed back.
pub async fn change_password(
    State(s): State<AppState>,
    UiAllowExpired(ui): UiAllowExpired,
    UiForm(f): UiForm<PasswordForm>,
) -> UiResult<Response> {
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    errors.require(
        l,
        &[
            ("current_password", &f.current_password),
            ("new_password", &f.new_password),
            ("confirm_password", &f.confirm_password),
        ],
    );
    if errors.is_empty() && f.new_password != f.confirm_password {
        errors.add("confirm_password", l.t("err.password_mismatch"));
    }
    if errors.is_empty()
        && let Err(e) =
            change_own_password(&s, &ui.auth, &f.current_password, &f.new_password).await
    {
        errors = FieldErrors::from_api(l, e, "new_password")?;
    }
    if errors.is_empty() {
        return Ok(super::see_other("/"));
    }
    let c = ui.chrome(&s, l.t("password.title"), "").await;
    Ok(super::html(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PasswordPage {
            c,
            expired: ui.password_expired,
            errors,
        },
    ))
}

#[derive(Deserialize)]
pub struct LocaleForm {
    #[serde(default)]
    locale: String,
    #[serde(default)]
    back: String,
}

/// POST /locale: switch the language; remembered for the user when signed in (the CSRF token
/// is then required like on every form), and in a cookie either way.
pub async fn set_locale(State(s): State<AppState>, req: Request) -> UiResult<Response> {
    let (mut parts, body) = req.into_parts();
    let signed_in = super::cookie(&parts.headers, crate::auth::cookie_name(s.config.tls)).is_some();
    // A session cookie that no longer resolves (timed out) switches the cookie only; a live
    // session must pass the CSRF and Origin checks.
    let auth = if signed_in {
        match AuthAllowExpired::from_request_parts(&mut parts, &s).await {
            Ok(a) => Some(a.0),
            Err(ApiError::Unauthorized { .. }) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let UiForm(f) = <UiForm<LocaleForm> as axum::extract::FromRequest<()>>::from_request(
        Request::from_parts(parts, body),
        &(),
    )
    .await?;
    let l = Locale::parse(&f.locale).ok_or(UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?;
    if let Some(a) = auth {
        let mut w = s.store.begin_write().await?;
        w.set_user_locale(&a.actor(), a.user.id, l.as_str()).await?;
        w.commit().await?;
    }
    let back = if super::safe_next(&f.back) {
        f.back.as_str()
    } else {
        "/"
    };
    let mut resp = super::see_other(back);
    if let Ok(v) = HeaderValue::from_str(&locale_cookie(l)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
