//! Who is calling: session cookies (with CSRF and timeouts) or bearer tokens, resolved into a
//! user, a scope and an audit actor. Every handler that touches data takes [`Auth`].

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use chrono::{DateTime, Duration, Utc};
use rectify_core::access::Action;
use rectify_security::session::{api_token_hash, csrf_matches, session_key};
use rectify_store::{Actor, User, Viewer};

use crate::AppState;
use crate::error::ApiError;

/// Per-request facts set by the outermost middleware.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub request_id: String,
    pub ip: Option<String>,
}

/// The CSRF token an HTML form sent in its `_csrf` field, put in the request's extensions by
/// the UI's form layer (only server code can set it); checked like the `X-CSRF-Token` header.
#[derive(Debug, Clone)]
pub struct FormCsrf(pub String);

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    Session { key: String, csrf: String },
    Token { id: i64 },
}

/// An authenticated caller whose password is current.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub via: Via,
    pub ctx: Ctx,
}

/// An authenticated caller who may still have to change an expired or one-time password:
/// only the session routes accept this.
#[derive(Debug, Clone)]
pub struct AuthAllowExpired(pub Auth);

impl Auth {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.user.id,
            role: self.user.role,
            scope: self.user.org_path.clone(),
            person_id: self.user.person_id,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            login: Some(self.user.login.clone()),
            role: Some(self.user.role.as_str().to_string()),
            source_ip: self.ctx.ip.clone(),
            request_id: Some(self.ctx.request_id.clone()),
        }
    }

    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if self.user.role.may(action) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

pub fn cookie_name(tls: bool) -> &'static str {
    if tls {
        "__Host-rectify_session"
    } else {
        "rectify_session"
    }
}

fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn unauthorized(code: &'static str) -> ApiError {
    let message = match code {
        "session_expired" => "会话已超时,请重新登录 (session expired; sign in again)",
        _ => "请先登录 (sign in first)",
    };
    ApiError::Unauthorized {
        code,
        message: message.into(),
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Bearer-token resolutions kept for [`TOKEN_TTL`], so machine clients cost one query per
/// request instead of two. A token revoked or a user disabled through this server is dropped
/// at once ([`TokenCache::clear`]); other servers sharing the database notice within the TTL.
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, i64, User)>>,
}

pub const TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(2);
const TOKEN_CACHE_MAX: usize = 10_000;

impl TokenCache {
    fn get(&self, hash: &str) -> Option<(i64, User)> {
        let m = self.entries.lock().ok()?;
        m.get(hash)
            .filter(|(at, _, _)| at.elapsed() < TOKEN_TTL)
            .map(|(_, id, u)| (*id, u.clone()))
    }
    fn put(&self, hash: String, id: i64, user: User) {
        if let Ok(mut m) = self.entries.lock() {
            if m.len() >= TOKEN_CACHE_MAX {
                m.clear();
            }
            m.insert(hash, (std::time::Instant::now(), id, user));
        }
    }
    /// Forget everything (after any change to accounts, roles or tokens).
    pub fn clear(&self) {
        if let Ok(mut m) = self.entries.lock() {
            m.clear();
        }
    }
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Auth, ApiError> {
    let ctx = parts.extensions.get::<Ctx>().cloned().unwrap_or(Ctx {
        request_id: "-".into(),
        ip: None,
    });
    if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
        let token = h
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| unauthorized("invalid_token"))?;
        let hash = api_token_hash(token.trim());
        if let Some((id, user)) = state.tokens.get(&hash) {
            return Ok(Auth {
                user,
                via: Via::Token { id },
                ctx,
            });
        }
        let row = state
            .store
            .token(&hash)
            .await?
            .ok_or_else(|| unauthorized("invalid_token"))?;
        if row.user.disabled {
            return Err(unauthorized("invalid_token"));
        }
        state.tokens.put(hash, row.id, row.user.clone());
        return Ok(Auth {
            user: row.user,
            via: Via::Token { id: row.id },
            ctx,
        });
    }
    let id = cookie_value(parts, cookie_name(state.config.tls))
        .ok_or_else(|| unauthorized("unauthenticated"))?;
    let key = session_key(id);
    let s = state
        .store
        .session(&key)
        .await?
        .ok_or_else(|| unauthorized("unauthenticated"))?;
    let policy = state.policy().await?;
    let now = Utc::now();
    let idle = if s.user.role.is_privileged() {
        policy.idle_minutes_privileged
    } else {
        policy.idle_minutes_other
    };
    let created = parse_time(&s.created_at).unwrap_or(now);
    let seen = parse_time(&s.last_seen).unwrap_or(now);
    let expired = now - created > Duration::hours(policy.absolute_hours)
        || now - seen > Duration::minutes(idle);
    if expired || s.user.disabled || s.user.is_locked(now) {
        state.store.delete_session(&key).await?;
        return Err(unauthorized("session_expired"));
    }
    // Cookie sessions must prove same-origin intent on every state change.
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        // From the header (API clients) or, for HTML forms, the `_csrf` field the UI's form
        // layer read from the body before this runs.
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .or_else(|| parts.extensions.get::<FormCsrf>().map(|f| f.0.as_str()))
            .unwrap_or("");
        if !csrf_matches(&s.csrf, sent) {
            return Err(ApiError::Forbidden {
                code: "csrf",
                message: "缺少或错误的 CSRF 令牌 (missing or wrong CSRF token)".into(),
            });
        }
        if let Some(origin) = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
            if origin_host != host {
                return Err(ApiError::Forbidden {
                    code: "cross_origin",
                    message: "跨站请求被拒绝 (cross-site request refused)".into(),
                });
            }
        }
    }
    if now - seen > Duration::seconds(30) {
        state.store.touch_session(&key).await?;
    }
    Ok(Auth {
        user: s.user,
        via: Via::Session { key, csrf: s.csrf },
        ctx,
    })
}

impl<S> FromRequestParts<S> for AuthAllowExpired
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        resolve(parts, &state).await.map(AuthAllowExpired)
    }
}

impl<S> FromRequestParts<S> for Auth
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let auth = resolve(parts, &state).await?;
        if matches!(auth.via, Via::Session { .. }) {
            let policy = state.policy().await?;
            if auth.user.password_expired(&policy, Utc::now()) {
                return Err(ApiError::Forbidden {
                    code: "password_change_required",
                    message: "请先修改密码 (change your password first)".into(),
                });
            }
        }
        Ok(auth)
    }
}
