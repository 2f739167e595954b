//! Registers: meetings, rules issued or revised, accountability actions, money, site visits and
//! admonitory talks — list, read, create, replace, delete (office), and their statistics.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rectify_core::access::Action;
use rectify_core::registers::{EntryInput, RegisterKind};
use rectify_core::text;
use rectify_store::registers::{EntryData, EntryFilter, RegisterEntry, RegisterStats};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;

fn date(field: &str, v: &str) -> ApiResult<chrono::NaiveDate> {
    text::date(field, v).map_err(|e| ApiError::field(&e.field, e.code, e.message))
}

fn query<T>(q: Result<Query<T>, axum::extract::rejection::QueryRejection>) -> ApiResult<T> {
    q.map(|Query(q)| q).map_err(|e| ApiError::BadRequest {
        code: "invalid_query",
        message: e.body_text(),
        field: None,
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntryQuery {
    pub kind: Option<RegisterKind>,
    pub inspection_id: Option<i64>,
    /// YYYY-MM-DD, inclusive
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive
    pub to: Option<String>,
}

/// Register entries in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/registers", tag = "registers", params(EntryQuery),
    responses((status = 200, body = Vec<RegisterEntry>), (status = 422, body = ErrorBody)))]
pub async fn list_entries(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<EntryQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<RegisterEntry>>> {
    a.require(Action::ReadLedger)?;
    let q = query(q)?;
    let f = EntryFilter {
        kind: q.kind,
        inspection_id: q.inspection_id,
        from: q.from.as_deref().map(|d| date("from", d)).transpose()?,
        to: q.to.as_deref().map(|d| date("to", d)).transpose()?,
    };
    Ok(Json(s.store.entries(&a.viewer(), &f).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    /// Required when replacing an entry.
    pub version: Option<i64>,
    pub organisation_id: i64,
    pub inspection_id: Option<i64>,
    /// YYYY-MM-DD
    pub on_date: String,
    /// The register and its fields, e.g. `{"kind":"money","money_kind":"recovered","amount":"1,234.56元"}`.
    pub entry: EntryInput,
    #[serde(default)]
    pub problem_ids: Vec<i64>,
    #[serde(default)]
    pub measure_ids: Vec<i64>,
}

fn entry_data(r: EntryRequest) -> ApiResult<EntryData> {
    let on_date = date("on_date", &r.on_date)?;
    let entry = r
        .entry
        .check()
        .map_err(|e| ApiError::field(&e.field, e.code, e.message))?;
    Ok(EntryData {
        organisation_id: r.organisation_id,
        inspection_id: r.inspection_id,
        on_date,
        entry,
        problem_ids: r.problem_ids,
        measure_ids: r.measure_ids,
    })
}

/// Record an entry (office).
#[utoipa::path(post, path = "/api/v1/registers", tag = "registers", request_body = EntryRequest,
    responses((status = 201, body = RegisterEntry), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_entry(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<EntryRequest>,
) -> ApiResult<(StatusCode, Json<RegisterEntry>)> {
    a.require(Action::EditRegisters)?;
    let d = entry_data(r)?;
    let mut w = s.store.begin_write().await?;
    let e = w.create_entry(&a.actor(), &a.viewer(), &d).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(e)))
}

#[utoipa::path(get, path = "/api/v1/registers/{id}", tag = "registers", params(("id" = i64, Path)),
    responses((status = 200, body = RegisterEntry), (status = 404, body = ErrorBody)))]
pub async fn get_entry(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<RegisterEntry>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.entry_for(&a.viewer(), id).await?))
}

/// Replace an entry at `version` (office).
#[utoipa::path(put, path = "/api/v1/registers/{id}", tag = "registers", params(("id" = i64, Path)), request_body = EntryRequest,
    responses((status = 200, body = RegisterEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_entry(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<EntryRequest>,
) -> ApiResult<Json<RegisterEntry>> {
    a.require(Action::EditRegisters)?;
    let version = r.version.ok_or_else(|| {
        ApiError::field("version", "required", "须提供版本号 (version is required)")
    })?;
    let d = entry_data(r)?;
    let mut w = s.store.begin_write().await?;
    let e = w
        .update_entry(&a.actor(), &a.viewer(), id, version, &d)
        .await?;
    w.commit().await?;
    Ok(Json(e))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    pub version: i64,
}

/// Delete an entry at `version` (office); the audit trail keeps what it said.
#[utoipa::path(delete, path = "/api/v1/registers/{id}", tag = "registers", params(("id" = i64, Path), VersionQuery),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_entry(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    q: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<StatusCode> {
    a.require(Action::EditRegisters)?;
    let q = query(q)?;
    let mut w = s.store.begin_write().await?;
    w.delete_entry(&a.actor(), &a.viewer(), id, q.version)
        .await?;
    w.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// One inspection; absent: everything in scope.
    pub inspection_id: Option<i64>,
}

/// Counts by type, rule count, people held accountable and money totals.
#[utoipa::path(get, path = "/api/v1/registers/stats", tag = "registers", params(StatsQuery),
    responses((status = 200, body = RegisterStats), (status = 404, body = ErrorBody)))]
pub async fn register_stats(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<RegisterStats>> {
    a.require(Action::ReadLedger)?;
    let q = query(q)?;
    let v = a.viewer();
    if let Some(i) = q.inspection_id {
        s.store.inspection_for(&v, i).await?;
    }
    Ok(Json(s.store.register_stats(&v, q.inspection_id).await?))
}
