//! Sign-in, sign-out, password change and API tokens.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use rectify_security::password;
use rectify_security::session::{new_api_token, new_csrf_token, new_session_id, session_key};
use rectify_store::{Actor, AuditEvent};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Auth, AuthAllowExpired, Ctx, Via, cookie_name};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub user_id: i64,
    pub login: String,
    pub display_name: String,
    pub role: rectify_core::access::Role,
    pub organisation_id: i64,
    /// Send this as `X-CSRF-Token` on every state-changing request made with the cookie.
    pub csrf_token: Option<String>,
    /// The password must be changed before anything else is allowed.
    pub password_change_required: bool,
}

fn generic_failure() -> ApiError {
    ApiError::Unauthorized {
        code: "login_failed",
        message: "登录名或密码错误,或账号已锁定 (wrong login or password, or account locked)"
            .into(),
    }
}

fn anonymous(ctx: &Ctx) -> Actor {
    Actor {
        source_ip: ctx.ip.clone(),
        request_id: Some(ctx.request_id.clone()),
        ..Actor::default()
    }
}

/// A successful sign-in: the new session's id (for the cookie) and its CSRF token.
pub(crate) struct SignedIn {
    pub user: rectify_store::User,
    pub session_id: String,
    pub csrf: String,
    pub password_change_required: bool,
}

/// Check login and password and open a session (shared by the API and the HTML sign-in).
/// The same error answers unknown users, wrong passwords and locked accounts.
pub(crate) async fn sign_in(
    s: &AppState,
    ctx: &Ctx,
    login: &str,
    password_text: &str,
) -> ApiResult<SignedIn> {
    let policy = s.policy().await?;
    let actor = anonymous(ctx);
    if let Some(ip) = &ctx.ip
        && s.store.recent_ip_failures(ip).await? >= policy.ip_failures_per_15min
    {
        return Err(ApiError::TooMany {
            message: "尝试次数过多,请稍后再试 (too many attempts; try later)".into(),
        });
    }
    let user = s.store.user_by_login(login).await?;
    let now = Utc::now();
    let ok = match &user {
        Some(u) => {
            let good = u
                .password_hash
                .as_deref()
                .is_some_and(|h| password::verify(password_text, h));
            good && !u.disabled && !u.is_locked(now)
        }
        None => {
            password::dummy_verify(password_text);
            false
        }
    };
    let uid = user.as_ref().map(|u| u.id);
    let Some(user) = user.filter(|_| ok) else {
        let mut w = s.store.begin_write().await?;
        w.login_failed(&actor, uid, login, &policy).await?;
        w.commit().await?;
        return Err(generic_failure());
    };
    let id = new_session_id();
    let key = session_key(&id);
    let csrf = new_csrf_token();
    let mut w = s.store.begin_write().await?;
    w.login_succeeded(user.id).await?;
    w.create_session(&key, user.id, &csrf, ctx.ip.as_deref())
        .await?;
    let actor = Actor {
        user_id: Some(user.id),
        login: Some(user.login.clone()),
        role: Some(user.role.as_str().into()),
        ..actor
    };
    w.audit(&actor, AuditEvent::ok("session.login", "user", user.id))
        .await?;
    w.commit().await?;
    let password_change_required = user.password_expired(&policy, now);
    Ok(SignedIn {
        user,
        session_id: id,
        csrf,
        password_change_required,
    })
}

/// The `Set-Cookie` value that carries a new session id.
pub(crate) fn session_cookie(s: &AppState, id: &str) -> String {
    let secure = if s.config.tls { "; Secure" } else { "" };
    format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict{secure}",
        cookie_name(s.config.tls)
    )
}

/// The `Set-Cookie` value that clears the session cookie.
pub(crate) fn clear_cookie(s: &AppState) -> String {
    let secure = if s.config.tls { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
        cookie_name(s.config.tls)
    )
}

/// Sign in with login and password. The same message answers unknown users, wrong passwords
/// and locked accounts.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let signed = sign_in(&s, &ctx, &req.login, &req.password).await?;
    let cookie = session_cookie(&s, &signed.session_id);
    let user = signed.user;
    let info = SessionInfo {
        user_id: user.id,
        login: user.login,
        display_name: user.display_name,
        role: user.role,
        organisation_id: user.organisation_id,
        csrf_token: Some(signed.csrf),
        password_change_required: signed.password_change_required,
    };
    let mut resp = Json(info).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::Internal {
            message: "cookie".into(),
        })?,
    );
    Ok(resp)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(s): State<AppState>,
    AuthAllowExpired(a): AuthAllowExpired,
) -> ApiResult<Json<SessionInfo>> {
    let policy = s.policy().await?;
    let csrf = match &a.via {
        Via::Session { csrf, .. } => Some(csrf.clone()),
        Via::Token { .. } => None,
    };
    Ok(Json(SessionInfo {
        user_id: a.user.id,
        login: a.user.login.clone(),
        display_name: a.user.display_name.clone(),
        role: a.user.role,
        organisation_id: a.user.organisation_id,
        csrf_token: csrf,
        password_change_required: matches!(a.via, Via::Session { .. })
            && a.user.password_expired(&policy, Utc::now()),
    }))
}

/// Sign out: the session row is deleted.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(s): State<AppState>,
    AuthAllowExpired(a): AuthAllowExpired,
) -> ApiResult<Response> {
    sign_out(&s, &a).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(&s)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// End the caller's session (its row is deleted), audited.
pub(crate) async fn sign_out(s: &AppState, a: &Auth) -> ApiResult<()> {
    if let Via::Session { key, .. } = &a.via {
        let mut w = s.store.begin_write().await?;
        w.audit(
            &a.actor(),
            AuditEvent::ok("session.logout", "user", a.user.id),
        )
        .await?;
        w.commit().await?;
        s.store.delete_session(key).await?;
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password (also the only thing a one-time or expired password allows).
/// Other sessions of the user end.
#[utoipa::path(post, path = "/api/v1/session/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn change_password(
    State(s): State<AppState>,
    AuthAllowExpired(a): AuthAllowExpired,
    JsonBody(req): JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    change_own_password(&s, &a, &req.current_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change one's own password after checking the current one; the user's other sessions end.
pub(crate) async fn change_own_password(
    s: &AppState,
    a: &Auth,
    current: &str,
    new: &str,
) -> ApiResult<()> {
    let ok = a
        .user
        .password_hash
        .as_deref()
        .is_some_and(|h| password::verify(current, h));
    if !ok {
        return Err(ApiError::field(
            "current_password",
            "wrong_password",
            "当前密码错误 (current password is wrong)",
        ));
    }
    let policy = s.policy().await?;
    let mut w = s.store.begin_write().await?;
    w.set_password(&a.actor(), a.user.id, new, &policy, false)
        .await?;
    let keep = match &a.via {
        Via::Session { key, .. } => Some(key.as_str()),
        Via::Token { .. } => None,
    };
    w.delete_user_sessions(a.user.id, keep).await?;
    w.commit().await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    pub id: i64,
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// Create an API token for the signed-in user (machine clients send `Authorization: Bearer`).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "session", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(req): JsonBody<TokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let (token, hash) = new_api_token();
    let mut w = s.store.begin_write().await?;
    let id = w.create_token(a.user.id, &req.name, &hash).await?;
    w.audit(&a.actor(), AuditEvent::ok("token.create", "api_token", id))
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(TokenCreated { id, token })))
}
