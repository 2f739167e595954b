//! Supervision routes: the working-day calendar (read by all, a year replaced by the system
//! admin), traffic lights (summary in scope, a measure's history, milestones, rules), the
//! daily run's record, and the caller's inbox.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use rectify_core::access::Action;
use rectify_core::supervision::LightRules;
use rectify_core::text;
use rectify_store::calendar::CalendarYear;
use rectify_store::supervision::{InboxItem, LightChange, LightCounts, RunOutcome, RunSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;

fn day(field: &str, v: Option<&str>) -> ApiResult<NaiveDate> {
    match v {
        Some(s) => text::date(field, s).map_err(|e| ApiError::field(&e.field, e.code, e.message)),
        None => Ok(rectify_store::today()),
    }
}

/// The stored calendar years (any signed-in role: the schedule is public fact).
#[utoipa::path(get, path = "/api/v1/calendar", tag = "supervision", responses((status = 200, body = Vec<CalendarYear>)))]
pub async fn list_years(State(s): State<AppState>, _a: Auth) -> ApiResult<Json<Vec<CalendarYear>>> {
    Ok(Json(s.store.calendar_years().await?))
}

/// One year's schedule in the data format.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "supervision", params(("year" = i32, Path)),
    responses((status = 200, body = CalendarYear), (status = 404, body = ErrorBody)))]
pub async fn get_year(
    State(s): State<AppState>,
    _a: Auth,
    Path(year): Path<i32>,
) -> ApiResult<Json<CalendarYear>> {
    Ok(Json(s.store.calendar_year(year).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearRequest {
    /// The year's block: `[YEAR]` then one festival per line, as in holidays-cn.txt.
    pub schedule: String,
    /// The version read; a stale one is refused with 409. Absent for a new year.
    pub version: Option<i64>,
}

/// Add or replace one year (system admin). The whole block is validated first; an error names
/// its line and nothing is stored.
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "supervision", params(("year" = i32, Path)), request_body = YearRequest,
    responses((status = 200, body = CalendarYear), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_year(
    State(s): State<AppState>,
    a: Auth,
    Path(year): Path<i32>,
    JsonBody(r): JsonBody<YearRequest>,
) -> ApiResult<Json<CalendarYear>> {
    a.require(Action::ManageCalendar)?;
    Ok(Json(
        s.store
            .put_calendar_year(&a.actor(), year, &r.schedule, r.version)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct DayQuery {
    /// YYYY-MM-DD; default today (Asia/Shanghai).
    pub date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LightsSummary {
    pub date: NaiveDate,
    /// Measures under supervision in the caller's organisation subtree, by light as of the date.
    pub lights: LightCounts,
    /// The newest finished daily run.
    pub latest_run: Option<RunView>,
}

/// A daily run as the caller may see it. Its counts span the whole database, so only a caller
/// whose scope holds every organisation gets them; anyone else gets the day and the outcome.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RunView {
    /// The whole record, counts included.
    Whole(RunSummary),
    /// The day and outcome only.
    Partial { day: NaiveDate, outcome: RunOutcome },
}

impl RunView {
    /// `run` as the caller of `a` may see it.
    async fn of(s: &AppState, a: &Auth, run: RunSummary) -> ApiResult<RunView> {
        Ok(
            if s.store.covers_every_organisation(&a.user.org_path).await? {
                RunView::Whole(run)
            } else {
                RunView::Partial {
                    day: run.day,
                    outcome: run.outcome,
                }
            },
        )
    }

    pub fn day(&self) -> NaiveDate {
        match self {
            RunView::Whole(r) => r.day,
            RunView::Partial { day, .. } => *day,
        }
    }

    /// The counts, when the caller may see them.
    pub fn counts(&self) -> Option<&RunSummary> {
        match self {
            RunView::Whole(r) => Some(r),
            RunView::Partial { .. } => None,
        }
    }
}

/// Counts by light as of a date within the caller's scope.
#[utoipa::path(get, path = "/api/v1/supervision/lights", tag = "supervision", params(DayQuery),
    responses((status = 200, body = LightsSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lights_summary(
    State(s): State<AppState>,
    a: Auth,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<LightsSummary>> {
    a.require(Action::ReadLedger)?;
    let date = day("date", q.date.as_deref())?;
    let latest_run = match s.store.latest_supervision_run().await? {
        Some(run) => Some(RunView::of(&s, &a, run).await?),
        None => None,
    };
    Ok(Json(LightsSummary {
        date,
        lights: s.store.lights_summary(&a.user.org_path, date).await?,
        latest_run,
    }))
}

/// The recorded daily run of a day (its counts only for a caller whose scope holds every
/// organisation).
#[utoipa::path(get, path = "/api/v1/supervision/runs/{date}", tag = "supervision", params(("date" = String, Path)),
    responses((status = 200, body = RunView), (status = 404, body = ErrorBody)))]
pub async fn get_run(
    State(s): State<AppState>,
    a: Auth,
    Path(date): Path<String>,
) -> ApiResult<Json<RunView>> {
    a.require(Action::ReadLedger)?;
    let d = day("date", Some(&date))?;
    let run = s
        .store
        .supervision_run(d)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(RunView::of(&s, &a, run).await?))
}

#[derive(Serialize, ToSchema)]
pub struct MeasureLights {
    /// Every change, oldest first.
    pub history: Vec<LightChange>,
    /// The light as of the date asked (default today); absent before any run.
    pub as_of: Option<LightChange>,
}

/// A measure's light history and its light as of a date (scope-checked: out of scope is 404).
#[utoipa::path(get, path = "/api/v1/measures/{id}/lights", tag = "supervision", params(("id" = i64, Path), DayQuery),
    responses((status = 200, body = MeasureLights), (status = 404, body = ErrorBody)))]
pub async fn measure_lights(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<MeasureLights>> {
    a.require(Action::ReadLedger)?;
    s.store.measure_for(&a.viewer(), id).await?;
    let date = day("date", q.date.as_deref())?;
    Ok(Json(MeasureLights {
        history: s.store.light_history(id).await?,
        as_of: s.store.light_as_of(id, date).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// YYYY-MM-DD
    pub due: String,
    /// 1..=100, rising with the dates.
    pub percent: u8,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestonesRequest {
    pub milestones: Vec<Milestone>,
}

/// Replace a measure's milestones (the planned pace; office).
#[utoipa::path(put, path = "/api/v1/measures/{id}/milestones", tag = "supervision", params(("id" = i64, Path)), request_body = MilestonesRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_milestones(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<MilestonesRequest>,
) -> ApiResult<StatusCode> {
    a.require(Action::EditPlan)?;
    s.store.measure_for(&a.viewer(), id).await?;
    let mut list = Vec::with_capacity(r.milestones.len());
    for (i, m) in r.milestones.iter().enumerate() {
        let field = format!("milestones[{i}].due");
        let due =
            text::date(&field, &m.due).map_err(|e| ApiError::field(&field, e.code, e.message))?;
        list.push((due, m.percent));
    }
    s.store.set_milestones(&a.actor(), id, &list).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The traffic-light rules in force.
#[utoipa::path(get, path = "/api/v1/supervision/light-rules", tag = "supervision",
    responses((status = 200, body = LightRules), (status = 403, body = ErrorBody)))]
pub async fn get_rules(State(s): State<AppState>, a: Auth) -> ApiResult<Json<LightRules>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.light_rules().await?))
}

/// Replace the traffic-light rules (office); they apply from the next daily run.
#[utoipa::path(put, path = "/api/v1/supervision/light-rules", tag = "supervision", request_body = LightRules,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_rules(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<LightRules>,
) -> ApiResult<StatusCode> {
    a.require(Action::EditLightRules)?;
    s.store.set_light_rules(&a.actor(), &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct InboxQuery {
    /// Only unread entries.
    #[serde(default)]
    pub unread: bool,
    /// Entries with ids below this one (the next page).
    pub before: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

/// The caller's inbox, newest first (an account not linked to a person has none).
#[utoipa::path(get, path = "/api/v1/inbox", tag = "supervision", params(InboxQuery),
    responses((status = 200, body = Vec<InboxItem>)))]
pub async fn inbox(
    State(s): State<AppState>,
    a: Auth,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Json<Vec<InboxItem>>> {
    let Some(person) = a.user.person_id else {
        return Ok(Json(Vec::new()));
    };
    Ok(Json(
        s.store
            .inbox(person, q.unread, q.before, q.limit.unwrap_or(50))
            .await?,
    ))
}

/// Mark one of the caller's notifications read (someone else's answers 404).
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "supervision", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let person = a.user.person_id.ok_or_else(ApiError::not_found)?;
    s.store.mark_read(person, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
