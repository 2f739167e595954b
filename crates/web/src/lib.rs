//! HTTP: the JSON API under `/api/v1` with its OpenAPI document, sessions and access control,
//! health and metrics. The only crate that knows HTTP.

pub mod api;
pub mod auth;
pub mod error;
pub mod json;
mod metrics;
pub mod openapi;
pub mod ui;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rectify_store::{SecurityPolicy, Store, StoreError};
use tokio::sync::RwLock;

use crate::auth::Ctx;

/// Server settings that are not security policy (policy lives in the database).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// TLS terminates in front of us: cookies are `__Host-` and Secure, HSTS is sent.
    pub tls: bool,
    /// Largest evidence upload, in bytes.
    pub upload_limit: usize,
    /// Largest JSON body, in bytes.
    pub json_limit: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            tls: false,
            upload_limit: 50 * 1024 * 1024,
            json_limit: 1024 * 1024,
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    policy: Arc<RwLock<(Instant, SecurityPolicy)>>,
    metrics: Arc<metrics::Metrics>,
    pub(crate) tokens: Arc<auth::TokenCache>,
    pub(crate) dashboards: Arc<ui::home::DashboardCache>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            policy: Arc::new(RwLock::new((
                Instant::now() - Duration::from_secs(3600),
                SecurityPolicy::default(),
            ))),
            metrics: Arc::new(metrics::Metrics::default()),
            tokens: Arc::new(auth::TokenCache::default()),
            dashboards: Arc::new(ui::home::DashboardCache::default()),
        }
    }

    /// The security policy, re-read from the database at most every few seconds so that
    /// several servers converge quickly without a query per request.
    pub async fn policy(&self) -> Result<SecurityPolicy, StoreError> {
        {
            let p = self.policy.read().await;
            if p.0.elapsed() < Duration::from_secs(5) {
                return Ok(p.1.clone());
            }
        }
        let fresh = self.store.policy().await?;
        *self.policy.write().await = (Instant::now(), fresh.clone());
        Ok(fresh)
    }

    /// Forget the cached policy (after the security admin changes it here).
    pub async fn policy_changed(&self) {
        self.policy.write().await.0 = Instant::now() - Duration::from_secs(3600);
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .nest("/api/v1", api::routes(&state))
        .merge(ui::routes(&state))
        .fallback(|| async { error::ApiError::not_found() })
        .layer(middleware::from_fn_with_state(state.clone(), outer))
        .with_state(state)
}

async fn healthz(State(s): State<AppState>) -> Response {
    match sqlx_ping(&s.store).await {
        Ok(()) => (axum::http::StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
                .into_response()
        }
    }
}

async fn sqlx_ping(store: &Store) -> Result<(), StoreError> {
    store.meta_get("schema_version").await.map(|_| ())
}

/// Request id, client address, security headers and metrics for every request.
async fn outer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let request_id = rectify_security::crypto::random_token(12);
    req.extensions_mut().insert(Ctx {
        request_id: request_id.clone(),
        ip,
    });
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".into());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        "x-request-id",
        HeaderValue::from_str(&request_id).unwrap_or(HeaderValue::from_static("-")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Pages and assets of the UI set their own frame, CSP and cache headers; keep those.
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    // API answers carry personal data: never cache them.
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if state.config.tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    state
        .metrics
        .observe(&route, resp.status().as_u16(), started.elapsed());
    resp
}

/// Bind and serve until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener).await
}

/// Serve on an already bound listener (tests bind port 0).
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
