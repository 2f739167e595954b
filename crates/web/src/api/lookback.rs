//! Look-back (回头看), re-verification sampling (抽查复核) and quality-flag routes, plus a
//! person's e-mail address for the daily digest. Thin: parse, check the role, call the store.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use rectify_core::access::Action;
use rectify_core::flags::{Flag, FlagKind};
use rectify_core::lookback::{
    LookbackOutcome, LookbackState, SampleSize, VerifyResult, parse_seed,
};
use rectify_core::text;
use rectify_store::lookback::{
    DrawReplay, Lookback, LookbackFilter, NewDraw, SampleDraw, SampleItem,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;

fn query<T>(q: Result<Query<T>, axum::extract::rejection::QueryRejection>) -> ApiResult<T> {
    q.map(|Query(q)| q).map_err(|e| ApiError::BadRequest {
        code: "invalid_query",
        message: e.body_text(),
        field: None,
    })
}

fn date(field: &str, v: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    v.map(|s| text::date(field, s))
        .transpose()
        .map_err(|e| ApiError::field(&e.field, e.code, e.message))
}

/// Office and supervisor read look-backs and draws.
fn require_any(a: &Auth, actions: &[Action]) -> ApiResult<()> {
    if actions.iter().any(|x| a.user.role.may(*x)) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookbackQuery {
    pub state: Option<LookbackState>,
    /// YYYY-MM-DD: only look-backs due on or before this day.
    pub due_by: Option<String>,
    /// At most 1000 (default 200).
    pub limit: Option<i64>,
}

/// Look-backs in scope, earliest due first.
#[utoipa::path(get, path = "/api/v1/lookbacks", tag = "lookback", params(LookbackQuery),
    responses((status = 200, body = Vec<Lookback>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_lookbacks(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<LookbackQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<Lookback>>> {
    require_any(&a, &[Action::LookBack, Action::ReVerify])?;
    let q = query(q)?;
    let f = LookbackFilter {
        state: q.state,
        due_by: date("due_by", q.due_by.as_deref())?,
        limit: q.limit.unwrap_or(200),
    };
    Ok(Json(s.store.lookbacks(&a.viewer(), &f).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookbackResultRequest {
    pub version: i64,
    /// holds (成效巩固) or relapsed (反弹: reopens the item).
    pub result: LookbackOutcome,
    /// Required for a relapse: what was found.
    pub notes: Option<String>,
}

/// Record a look-back's result; a relapse reopens the measure (or the problem and its closed
/// measures), history intact.
#[utoipa::path(post, path = "/api/v1/lookbacks/{id}/result", tag = "lookback", params(("id" = i64, Path)), request_body = LookbackResultRequest,
    responses((status = 200, body = Lookback), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_lookback(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<LookbackResultRequest>,
) -> ApiResult<Json<Lookback>> {
    a.require(Action::LookBack)?;
    let mut w = s.store.begin_write().await?;
    let l = w
        .record_lookback(
            &a.actor(),
            &a.viewer(),
            id,
            r.version,
            r.result,
            r.notes.as_deref(),
        )
        .await?;
    w.commit().await?;
    Ok(Json(l))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookbackPolicyBody {
    /// Months after closing or sign-off that a look-back falls due (1–60; default 6).
    pub months: i64,
}

#[utoipa::path(get, path = "/api/v1/lookback-policy", tag = "lookback",
    responses((status = 200, body = LookbackPolicyBody), (status = 403, body = ErrorBody)))]
pub async fn get_lookback_policy(
    State(s): State<AppState>,
    a: Auth,
) -> ApiResult<Json<LookbackPolicyBody>> {
    require_any(&a, &[Action::LookBack, Action::ReVerify])?;
    let p = s.store.lookback_policy().await?;
    Ok(Json(LookbackPolicyBody {
        months: i64::from(p.month_count()),
    }))
}

#[utoipa::path(put, path = "/api/v1/lookback-policy", tag = "lookback", request_body = LookbackPolicyBody,
    responses((status = 200, body = LookbackPolicyBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_lookback_policy(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<LookbackPolicyBody>,
) -> ApiResult<Json<LookbackPolicyBody>> {
    a.require(Action::LookBack)?;
    let mut w = s.store.begin_write().await?;
    let p = w.set_lookback_months(&a.actor(), r.months).await?;
    w.commit().await?;
    Ok(Json(LookbackPolicyBody {
        months: i64::from(p.month_count()),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// How many closed measures to draw (give this or `percent`).
    pub size: Option<i64>,
    /// Percentage of the population, 1–100, rounded up.
    pub percent: Option<i64>,
    /// Decimal 0 to 2⁶⁴−1, as a string; absent: a fresh random seed (recorded).
    pub seed: Option<String>,
    pub inspection_id: Option<i64>,
    /// YYYY-MM-DD: population of measures closed on or before this day (default today).
    pub as_of: Option<String>,
}

/// Draw closed measures for re-verification; the seed and population are recorded so the
/// draw can be reproduced.
#[utoipa::path(post, path = "/api/v1/samples", tag = "lookback", request_body = DrawRequest,
    responses((status = 201, body = SampleDraw), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_draw(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<DrawRequest>,
) -> ApiResult<(StatusCode, Json<SampleDraw>)> {
    a.require(Action::ReVerify)?;
    let size = match (r.size, r.percent) {
        (Some(n), None) => SampleSize::count(n),
        (None, Some(p)) => SampleSize::percent(p),
        _ => {
            return Err(ApiError::field(
                "size",
                "required",
                "请给出抽取数量 size 或比例 percent 之一 (give exactly one of size or percent)",
            ));
        }
    }
    .map_err(|e| ApiError::field(&e.field, e.code, e.message))?;
    let seed = r
        .seed
        .as_deref()
        .map(parse_seed)
        .transpose()
        .map_err(|e| ApiError::field(&e.field, e.code, e.message))?;
    let as_of = date("as_of", r.as_of.as_deref())?.unwrap_or_else(rectify_store::today);
    let n = NewDraw {
        size,
        seed,
        inspection_id: r.inspection_id,
        as_of,
    };
    let mut w = s.store.begin_write().await?;
    let id = w.create_sample_draw(&a.actor(), &a.viewer(), &n).await?;
    w.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.sample_draw(&a.viewer(), id).await?),
    ))
}

/// Draws taken in scope, newest first (without items).
#[utoipa::path(get, path = "/api/v1/samples", tag = "lookback",
    responses((status = 200, body = Vec<SampleDraw>), (status = 403, body = ErrorBody)))]
pub async fn list_draws(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Vec<SampleDraw>>> {
    a.require(Action::ReVerify)?;
    Ok(Json(s.store.sample_draws(&a.viewer()).await?))
}

#[utoipa::path(get, path = "/api/v1/samples/{id}", tag = "lookback", params(("id" = i64, Path)),
    responses((status = 200, body = SampleDraw), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_draw(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<SampleDraw>> {
    a.require(Action::ReVerify)?;
    Ok(Json(s.store.sample_draw(&a.viewer(), id).await?))
}

/// Recompute the draw from its recorded seed over the population as it is now, and say
/// whether population and items are the same.
#[utoipa::path(get, path = "/api/v1/samples/{id}/replay", tag = "lookback", params(("id" = i64, Path)),
    responses((status = 200, body = DrawReplay), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn replay_draw(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<DrawReplay>> {
    a.require(Action::ReVerify)?;
    Ok(Json(s.store.replay_draw(&a.viewer(), id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub version: i64,
    /// confirmed (整改属实) or not_confirmed (整改不实).
    pub result: VerifyResult,
    /// Required when not confirmed.
    pub notes: Option<String>,
}

/// Record what re-verification of one drawn item found.
#[utoipa::path(post, path = "/api/v1/samples/{id}/items/{seq}/result", tag = "lookback",
    params(("id" = i64, Path), ("seq" = i64, Path)), request_body = VerifyRequest,
    responses((status = 200, body = SampleItem), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_verification(
    State(s): State<AppState>,
    a: Auth,
    Path((id, seq)): Path<(i64, i64)>,
    JsonBody(r): JsonBody<VerifyRequest>,
) -> ApiResult<Json<SampleItem>> {
    a.require(Action::ReVerify)?;
    let mut w = s.store.begin_write().await?;
    let item = w
        .record_sample_result(
            &a.actor(),
            &a.viewer(),
            id,
            seq,
            r.version,
            r.result,
            r.notes.as_deref(),
        )
        .await?;
    w.commit().await?;
    Ok(Json(item))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FlagQuery {
    pub inspection_id: Option<i64>,
    /// Only flags of this kind.
    pub kind: Option<FlagKind>,
    /// At most this many flags, in order (1–10000; default 1000).
    pub limit: Option<i64>,
}

/// Quality flags for paper rectification: pointers for the supervisor, each with its reasons
/// and figures; never a finding.
#[utoipa::path(get, path = "/api/v1/quality-flags", tag = "lookback", params(FlagQuery),
    responses((status = 200, body = Vec<Flag>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_flags(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<FlagQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<Flag>>> {
    a.require(Action::ReadQualityFlags)?;
    let q = query(q)?;
    if let Some(i) = q.inspection_id {
        s.store.inspection_for(&a.viewer(), i).await.map_err(|_| {
            ApiError::field(
                "inspection_id",
                "not_found",
                "巡察不存在 (no such inspection)",
            )
        })?;
    }
    let limit = q.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            "limit 须为 1 至 10000 (limit must be 1–10000)",
        ));
    }
    let mut flags = s.store.quality_flags(&a.viewer(), q.inspection_id).await?;
    if let Some(k) = q.kind {
        flags.retain(|f| f.kind == k);
    }
    flags.truncate(limit as usize);
    Ok(Json(flags))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    /// The address for the daily digest; null or empty clears it.
    pub email: Option<String>,
}

/// Set a person's e-mail address for the daily digest (whoever may create people in scope).
#[utoipa::path(put, path = "/api/v1/people/{id}/email", tag = "admin", params(("id" = i64, Path)), request_body = EmailRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_person_email(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<EmailRequest>,
) -> ApiResult<StatusCode> {
    if !(a.user.role.may(Action::ManageUsers) || a.user.role.may(Action::EditPlan)) {
        return Err(ApiError::forbidden());
    }
    let person = s.store.person(id).await?;
    let org = s.store.organisation(person.organisation_id).await?;
    if !a.user.org_path.contains(&org.path) {
        return Err(ApiError::not_found());
    }
    let mut w = s.store.begin_write().await?;
    w.set_person_email(&a.actor(), id, r.email.as_deref())
        .await?;
    w.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
