//! Ledger routes: rounds, inspections, aspects, problems, measures, progress reports, evidence.
//! Thin: parse the request, check the role, call the store, shape the answer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rectify_core::access::Action;
use rectify_core::ledger::{InspectionDates, InspectionKind, MeasureKind, Severity};
use rectify_core::state::{MeasureState, Transition};
use rectify_core::text;
use rectify_store::{
    Aspect, AuditFilter, EvidenceView, Inspection, InspectionPatch, InspectionStats, MeasureFilter,
    MeasurePatch, MeasureSort, MeasureView, NewInspection, NewMeasure, NewProblem, NewReport, Page,
    Problem, ProblemPatch, ReportView, Round,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::admin::AuditRow;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;

fn date(field: &str, v: &Option<String>) -> ApiResult<Option<NaiveDate>> {
    v.as_deref()
        .map(|s| text::date(field, s))
        .transpose()
        .map_err(|e| ApiError::field(&e.field, e.code, e.message))
}

/// Rounds of inspections run by organisations in scope.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "ledger", responses((status = 200, body = Vec<Round>)))]
pub async fn list_rounds(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Vec<Round>>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.rounds(&a.user.org_path).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundRequest {
    pub organisation_id: i64,
    pub name: String,
    pub year: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/rounds", tag = "ledger", request_body = RoundRequest,
    responses((status = 201, body = Round), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_round(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<RoundRequest>,
) -> ApiResult<(StatusCode, Json<Round>)> {
    a.require(Action::EditPlan)?;
    let org = s.store.organisation(r.organisation_id).await.map_err(|_| {
        ApiError::field(
            "organisation_id",
            "not_found",
            "单位不存在 (no such organisation)",
        )
    })?;
    if !a.user.org_path.contains(&org.path) {
        return Err(ApiError::field(
            "organisation_id",
            "not_found",
            "单位不存在 (no such organisation)",
        ));
    }
    let mut w = s.store.begin_write().await?;
    let round = w
        .create_round(&a.actor(), r.organisation_id, &r.name, r.year)
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(round)))
}

#[utoipa::path(get, path = "/api/v1/inspections", tag = "ledger", responses((status = 200, body = Vec<Inspection>)))]
pub async fn list_inspections(
    State(s): State<AppState>,
    a: Auth,
) -> ApiResult<Json<Vec<Inspection>>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.inspections(&a.viewer()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionRequest {
    pub round_id: Option<i64>,
    pub kind: InspectionKind,
    pub team: Option<String>,
    pub inspected_org_id: i64,
    pub title: String,
    /// YYYY-MM-DD
    pub stationed_from: Option<String>,
    pub stationed_to: Option<String>,
    pub feedback_on: Option<String>,
    pub plan_due: Option<String>,
    pub report_due: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/inspections", tag = "ledger", request_body = InspectionRequest,
    responses((status = 201, body = Inspection), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_inspection(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<InspectionRequest>,
) -> ApiResult<(StatusCode, Json<Inspection>)> {
    a.require(Action::EditPlan)?;
    let org = s
        .store
        .organisation(r.inspected_org_id)
        .await
        .map_err(|_| {
            ApiError::field(
                "inspected_org_id",
                "not_found",
                "单位不存在 (no such organisation)",
            )
        })?;
    if !a.user.org_path.contains(&org.path) {
        return Err(ApiError::field(
            "inspected_org_id",
            "not_found",
            "单位不存在 (no such organisation)",
        ));
    }
    let dates = InspectionDates {
        stationed_from: date("stationed_from", &r.stationed_from)?,
        stationed_to: date("stationed_to", &r.stationed_to)?,
        feedback_on: date("feedback_on", &r.feedback_on)?,
        plan_due: date("plan_due", &r.plan_due)?,
        report_due: date("report_due", &r.report_due)?,
    };
    let mut w = s.store.begin_write().await?;
    let i = w
        .create_inspection(
            &a.actor(),
            &NewInspection {
                round_id: r.round_id,
                kind: r.kind,
                team: r.team,
                inspected_org_id: r.inspected_org_id,
                title: r.title,
                dates,
            },
        )
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Inspection), (status = 404, body = ErrorBody)))]
pub async fn get_inspection(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Inspection>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.inspection_for(&a.viewer(), id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionPatchRequest {
    pub version: i64,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub team: Option<Option<String>>,
    /// When any date is given, all five are replaced together (absent ones cleared).
    #[serde(default, deserialize_with = "double_option")]
    pub stationed_from: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub stationed_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub feedback_on: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub plan_due: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub report_due: Option<Option<String>>,
}

/// Edit an inspection (office).
#[utoipa::path(patch, path = "/api/v1/inspections/{id}", tag = "ledger", params(("id" = i64, Path)), request_body = InspectionPatchRequest,
    responses((status = 200, body = Inspection), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_inspection(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<InspectionPatchRequest>,
) -> ApiResult<Json<Inspection>> {
    a.require(Action::EditPlan)?;
    let current = s.store.inspection_for(&a.viewer(), id).await?;
    let any_date = [
        &r.stationed_from,
        &r.stationed_to,
        &r.feedback_on,
        &r.plan_due,
        &r.report_due,
    ]
    .iter()
    .any(|d| d.is_some());
    let pick = |field: &str,
                v: &Option<Option<String>>,
                cur: Option<NaiveDate>|
     -> ApiResult<Option<NaiveDate>> {
        match v {
            None => Ok(cur),
            Some(v) => date(field, v),
        }
    };
    let dates = if any_date {
        Some(InspectionDates {
            stationed_from: pick(
                "stationed_from",
                &r.stationed_from,
                current.dates.stationed_from,
            )?,
            stationed_to: pick("stationed_to", &r.stationed_to, current.dates.stationed_to)?,
            feedback_on: pick("feedback_on", &r.feedback_on, current.dates.feedback_on)?,
            plan_due: pick("plan_due", &r.plan_due, current.dates.plan_due)?,
            report_due: pick("report_due", &r.report_due, current.dates.report_due)?,
        })
    } else {
        None
    };
    let patch = InspectionPatch {
        title: r.title,
        team: r.team,
        dates,
    };
    let mut w = s.store.begin_write().await?;
    let i = w
        .update_inspection(&a.actor(), &a.viewer(), id, r.version, &patch)
        .await?;
    w.commit().await?;
    Ok(Json(i))
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}/aspects", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Aspect>), (status = 404, body = ErrorBody)))]
pub async fn list_aspects(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Aspect>>> {
    a.require(Action::ReadLedger)?;
    s.store.inspection_for(&a.viewer(), id).await?;
    Ok(Json(s.store.aspects(id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AspectRequest {
    pub marker: Option<String>,
    pub title: String,
}

#[utoipa::path(post, path = "/api/v1/inspections/{id}/aspects", tag = "ledger", params(("id" = i64, Path)), request_body = AspectRequest,
    responses((status = 201, body = Aspect), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_aspect(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<AspectRequest>,
) -> ApiResult<(StatusCode, Json<Aspect>)> {
    a.require(Action::EditPlan)?;
    let i = s.store.inspection_for(&a.viewer(), id).await?;
    if !a.user.org_path.contains(&i.org_path) {
        return Err(ApiError::forbidden());
    }
    let mut w = s.store.begin_write().await?;
    let aspect = w
        .create_aspect(&a.actor(), id, r.marker.as_deref(), &r.title)
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(aspect)))
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}/problems", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Problem>), (status = 404, body = ErrorBody)))]
pub async fn list_problems(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Problem>>> {
    a.require(Action::ReadLedger)?;
    s.store.inspection_for(&a.viewer(), id).await?;
    Ok(Json(s.store.problems(id).await?))
}

/// Public statistics of an inspection, computed from the ledger now.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/stats", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = InspectionStats), (status = 404, body = ErrorBody)))]
pub async fn inspection_stats(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<InspectionStats>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.inspection_stats(&a.viewer(), id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemRequest {
    pub aspect_id: i64,
    pub title: String,
    pub detail: Option<String>,
    /// 1 一般, 2 较大, 3 重大
    pub severity: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/problems", tag = "ledger", request_body = ProblemRequest,
    responses((status = 201, body = Problem), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_problem(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<ProblemRequest>,
) -> ApiResult<(StatusCode, Json<Problem>)> {
    a.require(Action::EditPlan)?;
    let severity = Severity::parse("severity", r.severity.unwrap_or(1), 3)
        .map_err(|e| ApiError::field(&e.field, e.code, e.message))?;
    let aspect_insp = s
        .store
        .inspection_of_aspect(&a.viewer(), r.aspect_id)
        .await
        .map_err(|_| ApiError::field("aspect_id", "not_found", "方面不存在 (no such aspect)"))?;
    if !a.user.org_path.contains(&aspect_insp.org_path) {
        return Err(ApiError::field(
            "aspect_id",
            "not_found",
            "方面不存在 (no such aspect)",
        ));
    }
    let mut w = s.store.begin_write().await?;
    let p = w
        .create_problem(
            &a.actor(),
            &NewProblem {
                aspect_id: r.aspect_id,
                title: r.title,
                detail: r.detail,
                severity,
            },
        )
        .await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(get, path = "/api/v1/problems/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Problem), (status = 404, body = ErrorBody)))]
pub async fn get_problem(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Problem>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.problem_for(&a.viewer(), id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemPatchRequest {
    pub version: i64,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub detail: Option<Option<String>>,
    /// 1 一般, 2 较大, 3 重大
    pub severity: Option<i64>,
}

/// Edit a problem (office). Signed-off problems are frozen.
#[utoipa::path(patch, path = "/api/v1/problems/{id}", tag = "ledger", params(("id" = i64, Path)), request_body = ProblemPatchRequest,
    responses((status = 200, body = Problem), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_problem(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<ProblemPatchRequest>,
) -> ApiResult<Json<Problem>> {
    a.require(Action::EditPlan)?;
    let severity = r
        .severity
        .map(|v| Severity::parse("severity", v, 3))
        .transpose()
        .map_err(|e| ApiError::field(&e.field, e.code, e.message))?;
    let patch = ProblemPatch {
        title: r.title,
        detail: r.detail,
        severity,
    };
    let mut w = s.store.begin_write().await?;
    let p = w
        .update_problem(&a.actor(), &a.viewer(), id, r.version, &patch)
        .await?;
    w.commit().await?;
    Ok(Json(p))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionRequest {
    pub version: i64,
}

/// Sign off a problem once all its measures are closed; serious problems need the inspecting body's office.
#[utoipa::path(post, path = "/api/v1/problems/{id}/sign-off", tag = "ledger", params(("id" = i64, Path)), request_body = VersionRequest,
    responses((status = 200, body = Problem), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_off_problem(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<VersionRequest>,
) -> ApiResult<Json<Problem>> {
    a.require(Action::SignOff)?;
    let mut w = s.store.begin_write().await?;
    let p = w
        .sign_off_problem(
            &a.actor(),
            &a.viewer(),
            id,
            r.version,
            &rectify_core::access::SignOffPolicy::default(),
        )
        .await?;
    w.commit().await?;
    Ok(Json(p))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MeasureQuery {
    pub inspection_id: Option<i64>,
    pub round_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub state: Option<MeasureState>,
    pub kind: Option<MeasureKind>,
    pub owner_id: Option<i64>,
    /// YYYY-MM-DD, inclusive
    pub deadline_from: Option<String>,
    /// YYYY-MM-DD, inclusive
    pub deadline_to: Option<String>,
    pub overdue: Option<bool>,
    pub sort: Option<MeasureSort>,
    pub desc: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Filtered, sorted, paginated measures in the caller's scope.
#[utoipa::path(get, path = "/api/v1/measures", tag = "ledger", params(MeasureQuery),
    responses((status = 200, body = Page<MeasureView>), (status = 422, body = ErrorBody)))]
pub async fn list_measures(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<MeasureQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<MeasureView>>> {
    a.require(Action::ReadLedger)?;
    let Query(q) = q.map_err(|e| ApiError::BadRequest {
        code: "invalid_query",
        message: e.body_text(),
        field: None,
    })?;
    let f = MeasureFilter {
        inspection_id: q.inspection_id,
        round_id: q.round_id,
        unit_id: q.unit_id,
        state: q.state,
        kind: q.kind,
        deadline_from: date("deadline_from", &q.deadline_from)?,
        deadline_to: date("deadline_to", &q.deadline_to)?,
        overdue: q.overdue,
        owner_id: q.owner_id,
        sort: q.sort,
        descending: q.desc.unwrap_or(false),
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(25),
    };
    Ok(Json(s.store.measures(&a.viewer(), &f).await?))
}

#[utoipa::path(get, path = "/api/v1/measures/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = MeasureView), (status = 404, body = ErrorBody)))]
pub async fn get_measure(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<MeasureView>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.measure_for(&a.viewer(), id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureRequest {
    pub problem_id: i64,
    pub text: String,
    pub kind: MeasureKind,
    pub responsible_unit_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub leader_id: Option<i64>,
    pub liaison_id: Option<i64>,
    /// YYYY-MM-DD, inclusive; not before the feedback date
    pub deadline: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/measures", tag = "ledger", request_body = MeasureRequest,
    responses((status = 201, body = MeasureView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_measure(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<MeasureRequest>,
) -> ApiResult<(StatusCode, Json<MeasureView>)> {
    a.require(Action::EditPlan)?;
    s.store
        .problem_for(&a.viewer(), r.problem_id)
        .await
        .map_err(|_| ApiError::field("problem_id", "not_found", "问题不存在 (no such problem)"))?;
    let n = NewMeasure {
        problem_id: r.problem_id,
        text: r.text,
        kind: r.kind,
        responsible_unit_id: r.responsible_unit_id,
        owner_id: r.owner_id,
        leader_id: r.leader_id,
        liaison_id: r.liaison_id,
        deadline: date("deadline", &r.deadline)?,
    };
    let mut w = s.store.begin_write().await?;
    let m = w.create_measure(&a.actor(), &n).await?;
    w.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.measure_for(&a.viewer(), m.id).await?),
    ))
}

/// `null` clears, absent leaves alone.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurePatchRequest {
    /// The version you read; a stale one gets 409 with the current version.
    pub version: i64,
    pub text: Option<String>,
    pub kind: Option<MeasureKind>,
    #[serde(default, deserialize_with = "double_option")]
    pub responsible_unit_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub lead_unit_id: Option<Option<i64>>,
    pub co_unit_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub leader_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub owner_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub liaison_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub deadline: Option<Option<String>>,
    pub seq: Option<i64>,
}

/// Edit a measure's fields. State, signer and sign-off are not fields (use transitions);
/// fields the role may not set are refused with 403 naming the field.
#[utoipa::path(patch, path = "/api/v1/measures/{id}", tag = "ledger", params(("id" = i64, Path)), request_body = MeasurePatchRequest,
    responses((status = 200, body = MeasureView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_measure(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<MeasurePatchRequest>,
) -> ApiResult<Json<MeasureView>> {
    a.require(Action::EditMeasure)?;
    let deadline = match &r.deadline {
        None => None,
        Some(None) => Some(None),
        Some(Some(d)) => Some(Some(
            text::date("deadline", d).map_err(|e| ApiError::field(&e.field, e.code, e.message))?,
        )),
    };
    let patch = MeasurePatch {
        text: r.text,
        kind: r.kind,
        responsible_unit_id: r.responsible_unit_id,
        lead_unit_id: r.lead_unit_id,
        co_unit_ids: r.co_unit_ids,
        leader_id: r.leader_id,
        owner_id: r.owner_id,
        liaison_id: r.liaison_id,
        deadline,
        seq: r.seq,
    };
    let mut w = s.store.begin_write().await?;
    w.update_measure(&a.actor(), &a.viewer(), id, r.version, &patch)
        .await?;
    w.commit().await?;
    Ok(Json(s.store.measure_for(&a.viewer(), id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub action: Transition,
    pub version: i64,
    /// Required to return or reopen.
    pub reason: Option<String>,
}

/// Move a measure through its states: assign, submit, return (with reason), close, close_ongoing, reopen.
#[utoipa::path(post, path = "/api/v1/measures/{id}/transitions", tag = "ledger", params(("id" = i64, Path)), request_body = TransitionRequest,
    responses((status = 200, body = MeasureView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transition_measure(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<TransitionRequest>,
) -> ApiResult<Json<MeasureView>> {
    a.require(Action::ReadLedger)?;
    let mut w = s.store.begin_write().await?;
    w.transition_measure(
        &a.actor(),
        &a.viewer(),
        id,
        r.version,
        r.action,
        r.reason.as_deref(),
    )
    .await?;
    w.commit().await?;
    Ok(Json(s.store.measure_for(&a.viewer(), id).await?))
}

#[utoipa::path(get, path = "/api/v1/measures/{id}/reports", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ReportView>), (status = 404, body = ErrorBody)))]
pub async fn list_reports(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ReportView>>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.reports_for_measure(&a.viewer(), id).await?))
}

/// The measure's history, read from the audit trail.
#[utoipa::path(get, path = "/api/v1/measures/{id}/history", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AuditRow>), (status = 404, body = ErrorBody)))]
pub async fn measure_history(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<AuditRow>>> {
    a.require(Action::ReadLedger)?;
    s.store.measure_for(&a.viewer(), id).await?;
    let f = AuditFilter {
        object_type: Some("measure".into()),
        object_id: Some(id.to_string()),
        limit: 500,
        ..AuditFilter::default()
    };
    let rows = s.store.audit_list(&f).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditRow {
                source_ip: None,
                request_id: None,
                ..AuditRow::from(r)
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// One report may answer several measures.
    pub measure_ids: Vec<i64>,
    pub text: String,
    pub percent: i64,
    /// YYYY-MM-DD; defaults to today
    pub reported_on: Option<String>,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    /// Also submit the measures for review.
    #[serde(default)]
    pub submit: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Report progress on one or more measures, with evidence uploaded before.
#[utoipa::path(post, path = "/api/v1/reports", tag = "ledger", request_body = ReportRequest,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_report(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<ReportRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    a.require(Action::Report)?;
    let reported_on = date("reported_on", &r.reported_on)?.unwrap_or_else(rectify_store::today);
    let n = NewReport {
        measure_ids: r.measure_ids,
        text: r.text,
        percent: r.percent,
        reported_on,
        evidence_ids: r.evidence_ids,
        submit: r.submit,
    };
    let mut w = s.store.begin_write().await?;
    let id = w.create_report(&a.actor(), &a.viewer(), &n).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Sniff the media type from magic bytes; the client's claim is not trusted.
pub(crate) fn sniff(data: &[u8]) -> Option<&'static str> {
    const SIGS: [(&[u8], &str); 7] = [
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "application/x-ole-storage",
        ),
        (b"RIFF", "application/octet-stream"),
    ];
    SIGS.iter()
        .find(|(sig, _)| data.starts_with(sig))
        .map(|(_, t)| *t)
}

pub(crate) fn safe_file_name(raw: &str) -> ApiResult<String> {
    let decoded = percent_decode(raw).ok_or_else(|| {
        ApiError::field(
            "file_name",
            "invalid_file_name",
            "文件名不是有效的 UTF-8 (file name is not UTF-8)",
        )
    })?;
    let base = decoded
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let bad = base.is_empty()
        || base == "."
        || base == ".."
        || base.chars().any(|c| c.is_control())
        || base.chars().count() > 200;
    if bad {
        return Err(ApiError::field(
            "file_name",
            "invalid_file_name",
            "文件名无效 (invalid file name)",
        ));
    }
    Ok(base)
}

/// Decode `%XX` escapes; `None` when the result is not UTF-8 (never stores U+FFFD).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The original file name (percent-encoded UTF-8 allowed).
    pub file_name: String,
}

/// Upload one evidence file as the raw request body; attach it with a progress report.
/// PDF, images and Office files only, recognised by their content.
#[utoipa::path(post, path = "/api/v1/evidence", tag = "ledger", params(UploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = EvidenceView), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_evidence(
    State(s): State<AppState>,
    a: Auth,
    Query(q): Query<UploadQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<EvidenceView>)> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge {
                message: format!(
                    "文件超过大小上限 (file over the size limit): {}",
                    e.body_text()
                ),
            }
        } else {
            ApiError::field("body", "unreadable_body", e.body_text())
        }
    })?;
    a.require(Action::Report)?;
    let name = safe_file_name(&q.file_name)?;
    if body.is_empty() {
        return Err(ApiError::field(
            "body",
            "empty_file",
            "文件为空 (empty file)",
        ));
    }
    let Some(media_type) = sniff(&body).filter(|t| *t != "application/octet-stream") else {
        return Err(ApiError::field(
            "body",
            "unsupported_file_type",
            "仅支持 PDF、图片和 Office 文件 (PDF, images and Office files only)",
        ));
    };
    let mut w = s.store.begin_write().await?;
    let key = w.put_blob(s.store.blob_location(), &body).await?;
    let id = w
        .create_evidence(
            &a.actor(),
            &a.viewer(),
            &key,
            &name,
            media_type,
            body.len() as i64,
        )
        .await?;
    w.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(EvidenceView {
            id,
            sha256: key,
            file_name: name,
            media_type: media_type.into(),
            size: body.len() as i64,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = EvidenceView), (status = 404, body = ErrorBody)))]
pub async fn get_evidence(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<EvidenceView>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.evidence_for(&a.viewer(), id).await?))
}

/// RFC 6266 / 5987: an ASCII fallback and the UTF-8 name, so Chinese names survive.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}")
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn download_evidence(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    a.require(Action::ReadLedger)?;
    let e = s.store.evidence_for(&a.viewer(), id).await?;
    let data = s.store.get_blob(&e.sha256).await?;
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&e.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&e.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((h, data).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_file_names_use_rfc6266() {
        let h = content_disposition("整改台账.xlsx");
        assert!(
            h.contains("filename*=UTF-8''%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6.xlsx"),
            "{h}"
        );
        assert!(h.starts_with("attachment; filename=\"____.xlsx\""), "{h}");
    }

    #[test]
    fn traversal_names_are_reduced_or_refused() {
        assert_eq!(safe_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(safe_file_name("C:\\x\\报告.pdf").unwrap(), "报告.pdf");
        assert_eq!(safe_file_name("%2e%2e%2f%2e%2e%2fa.pdf").unwrap(), "a.pdf");
        assert!(
            safe_file_name("%中文%E4.pdf").is_err(),
            "broken UTF-8 refused, never panics"
        );
        assert_eq!(safe_file_name("%中文.pdf").unwrap(), "%中文.pdf");
        assert!(safe_file_name("..").is_err());
        assert!(safe_file_name("a\u{0}b").is_err());
        assert!(safe_file_name("dir/").is_err());
    }

    #[test]
    fn magic_bytes_decide_the_type() {
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
    }
}
