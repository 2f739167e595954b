//! Supervision notices (督办单) and the monthly lists: create, edit a draft, issue (numbered),
//! reply (the addressed unit), review and close (the office), download as .docx; the monthly
//! lagging / at-risk lists as JSON or .docx and drafted into notices. Thin handlers.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rectify_core::access::Action;
use rectify_core::notices::{Month, NoticeState, NumberScheme, Tier};
use rectify_core::text;
use rectify_office::supervision_notice::{
    self as doc, ListDocItem, MonthlyListData, NoticeDocData, NoticeDocItem, UnitItems,
};
use rectify_store::notices::{
    LIST_CAP, LIST_DEFAULT, MonthlyLists, NewNotice, NewNoticeItem, NoticeFilter, NoticePatch,
    ReviewOutcome, SupervisionNotice, UnitList,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ledger::content_disposition;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::JsonBody;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn date(field: &str, v: &str) -> ApiResult<NaiveDate> {
    text::date(field, v).map_err(|e| ApiError::field(&e.field, e.code, e.message))
}

fn month(v: &str) -> ApiResult<Month> {
    Month::parse("month", v).map_err(|e| ApiError::field(&e.field, e.code, e.message))
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
pub struct NoticeQuery {
    pub state: Option<NoticeState>,
    pub unit_id: Option<i64>,
    /// `YYYY-MM`: notices drafted from that month's lists.
    pub month: Option<String>,
    pub overdue: Option<bool>,
}

/// Notices addressed to units in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/notices", tag = "supervision", params(NoticeQuery),
    responses((status = 200, body = Vec<SupervisionNotice>), (status = 422, body = ErrorBody)))]
pub async fn list_notices(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<NoticeQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<SupervisionNotice>>> {
    a.require(Action::ReadLedger)?;
    let q = query(q)?;
    let month = q.month.as_deref().map(month).transpose()?;
    let f = NoticeFilter {
        state: q.state,
        unit_id: q.unit_id,
        month: month.map(|m| m.label()),
        overdue: q.overdue,
    };
    Ok(Json(s.store.notices(&a.viewer(), &f).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    pub unit_id: i64,
    pub inspection_id: Option<i64>,
    pub title: String,
    pub body: Option<String>,
    #[serde(default = "general")]
    pub tier: Tier,
    /// YYYY-MM-DD: the unit replies in writing by this date.
    pub reply_due: String,
    pub items: Vec<NewNoticeItem>,
}

fn general() -> Tier {
    Tier::General
}

/// Draft a notice (office). It gets its number when issued.
#[utoipa::path(post, path = "/api/v1/notices", tag = "supervision", request_body = NoticeRequest,
    responses((status = 201, body = SupervisionNotice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_notice(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<NoticeRequest>,
) -> ApiResult<(StatusCode, Json<SupervisionNotice>)> {
    a.require(Action::SuperviseNotices)?;
    let n = NewNotice {
        unit_id: r.unit_id,
        inspection_id: r.inspection_id,
        title: r.title,
        body: r.body,
        tier: r.tier,
        reply_due: date("reply_due", &r.reply_due)?,
        items: r.items,
        month: None,
    };
    let mut w = s.store.begin_write().await?;
    let out = w.create_notice(&a.actor(), &a.viewer(), &n).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "supervision", params(("id" = i64, Path)),
    responses((status = 200, body = SupervisionNotice), (status = 404, body = ErrorBody)))]
pub async fn get_notice(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<SupervisionNotice>> {
    a.require(Action::ReadLedger)?;
    Ok(Json(s.store.notice_for(&a.viewer(), id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePatchRequest {
    pub version: i64,
    pub title: Option<String>,
    pub body: Option<String>,
    pub tier: Option<Tier>,
    /// YYYY-MM-DD
    pub reply_due: Option<String>,
    /// Replaces all items.
    pub items: Option<Vec<NewNoticeItem>>,
}

/// Edit a draft (office).
#[utoipa::path(patch, path = "/api/v1/notices/{id}", tag = "supervision", params(("id" = i64, Path)), request_body = NoticePatchRequest,
    responses((status = 200, body = SupervisionNotice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_notice(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<NoticePatchRequest>,
) -> ApiResult<Json<SupervisionNotice>> {
    a.require(Action::SuperviseNotices)?;
    let p = NoticePatch {
        title: r.title,
        body: r.body.map(Some),
        tier: r.tier,
        reply_due: r
            .reply_due
            .as_deref()
            .map(|d| date("reply_due", d))
            .transpose()?,
        items: r.items,
    };
    let mut w = s.store.begin_write().await?;
    let out = w
        .update_notice(&a.actor(), &a.viewer(), id, r.version, &p)
        .await?;
    w.commit().await?;
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub version: i64,
    /// YYYY-MM-DD; default today. The number's year is this date's year.
    pub issued_on: Option<String>,
}

/// Issue a draft: it gets the next number of the office for the year (office).
#[utoipa::path(post, path = "/api/v1/notices/{id}/issue", tag = "supervision", params(("id" = i64, Path)), request_body = IssueRequest,
    responses((status = 200, body = SupervisionNotice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_notice(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<IssueRequest>,
) -> ApiResult<Json<SupervisionNotice>> {
    a.require(Action::SuperviseNotices)?;
    let on = match r.issued_on.as_deref() {
        Some(d) => date("issued_on", d)?,
        None => rectify_store::today(),
    };
    let mut w = s.store.begin_write().await?;
    let out = w
        .issue_notice(&a.actor(), &a.viewer(), id, r.version, on)
        .await?;
    w.commit().await?;
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    pub version: i64,
    /// YYYY-MM-DD, not before the issue date nor after today.
    pub replied_on: String,
    pub text: String,
}

/// The addressed unit replies (its liaison).
#[utoipa::path(post, path = "/api/v1/notices/{id}/reply", tag = "supervision", params(("id" = i64, Path)), request_body = ReplyRequest,
    responses((status = 200, body = SupervisionNotice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply_notice(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<ReplyRequest>,
) -> ApiResult<Json<SupervisionNotice>> {
    a.require(Action::ReplyNotice)?;
    let on = date("replied_on", &r.replied_on)?;
    let mut w = s.store.begin_write().await?;
    let out = w
        .reply_notice(&a.actor(), &a.viewer(), id, r.version, on, &r.text)
        .await?;
    w.commit().await?;
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub version: i64,
    pub outcome: ReviewOutcome,
    /// Required to return.
    pub reason: Option<String>,
    /// With a return: a new reply date (YYYY-MM-DD, not in the past).
    pub reply_due: Option<String>,
}

/// The office accepts a reply or returns it.
#[utoipa::path(post, path = "/api/v1/notices/{id}/review", tag = "supervision", params(("id" = i64, Path)), request_body = ReviewRequest,
    responses((status = 200, body = SupervisionNotice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_notice(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<ReviewRequest>,
) -> ApiResult<Json<SupervisionNotice>> {
    a.require(Action::SuperviseNotices)?;
    let due = r
        .reply_due
        .as_deref()
        .map(|d| date("reply_due", d))
        .transpose()?;
    let mut w = s.store.begin_write().await?;
    let out = w
        .review_notice(
            &a.actor(),
            &a.viewer(),
            id,
            r.version,
            r.outcome,
            r.reason.as_deref(),
            due,
        )
        .await?;
    w.commit().await?;
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionRequest {
    pub version: i64,
}

/// Close an accepted notice (办结, office).
#[utoipa::path(post, path = "/api/v1/notices/{id}/close", tag = "supervision", params(("id" = i64, Path)), request_body = VersionRequest,
    responses((status = 200, body = SupervisionNotice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close_notice(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<VersionRequest>,
) -> ApiResult<Json<SupervisionNotice>> {
    a.require(Action::SuperviseNotices)?;
    let mut w = s.store.begin_write().await?;
    let out = w
        .close_notice(&a.actor(), &a.viewer(), id, r.version)
        .await?;
    w.commit().await?;
    Ok(Json(out))
}

fn docx_response(name: &str, doc: &rectify_office::docx::Document) -> ApiResult<Response> {
    let bytes = rectify_office::docx::write(doc).map_err(|e| ApiError::Internal {
        message: format!("文档生成失败 (could not write the document): {e}"),
    })?;
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(DOCX));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((h, bytes).into_response())
}

/// The notice's plain data for the document writer.
pub fn notice_doc(n: &SupervisionNotice) -> NoticeDocData {
    NoticeDocData {
        issuer: n.issuer.clone(),
        doc_number: n.doc_number.clone(),
        title: n.title.clone(),
        unit: n.unit.clone(),
        tier: n.tier.label_zh().to_owned(),
        body: n.body.clone(),
        items: n
            .items
            .iter()
            .map(|it| NoticeDocItem {
                text: it.text.clone(),
                responsible_unit: it.responsible_unit.clone(),
                deadline: it.deadline,
                status: it.measure_state.map(|s| s.label_zh().to_owned()),
            })
            .collect(),
        reply_due: n.reply_due,
        issued_on: n.issued_on,
        contact: None,
    }
}

/// The notice as a GB/T 9704 .docx (a draft has no number and no date yet).
#[utoipa::path(get, path = "/api/v1/notices/{id}/docx", tag = "supervision", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (status = 404, body = ErrorBody)))]
pub async fn notice_docx(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    a.require(Action::ReadLedger)?;
    let n = s.store.notice_for(&a.viewer(), id).await?;
    let name = format!(
        "{}.docx",
        n.doc_number
            .clone()
            .unwrap_or_else(|| format!("督办单草稿-{}", n.id))
    );
    docx_response(&name, &doc::compose(&notice_doc(&n)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeBody {
    /// `X督办〔{year}〕{n}号`
    pub template: String,
}

/// The caller's office numbering scheme.
#[utoipa::path(get, path = "/api/v1/notice-scheme", tag = "supervision",
    responses((status = 200, body = SchemeBody), (status = 403, body = ErrorBody)))]
pub async fn get_scheme(State(s): State<AppState>, a: Auth) -> ApiResult<Json<SchemeBody>> {
    a.require(Action::SuperviseNotices)?;
    let scheme: NumberScheme = s.store.notice_scheme(a.user.organisation_id).await?;
    Ok(Json(SchemeBody {
        template: scheme.template(),
    }))
}

/// Set the caller's office numbering scheme (office).
#[utoipa::path(put, path = "/api/v1/notice-scheme", tag = "supervision", request_body = SchemeBody,
    responses((status = 200, body = SchemeBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_scheme(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<SchemeBody>,
) -> ApiResult<Json<SchemeBody>> {
    a.require(Action::SuperviseNotices)?;
    let mut w = s.store.begin_write().await?;
    let scheme = w
        .set_notice_scheme(&a.actor(), &a.viewer(), &r.template)
        .await?;
    w.commit().await?;
    Ok(Json(SchemeBody {
        template: scheme.template(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListsQuery {
    /// `YYYY-MM`
    pub month: String,
    /// At risk: due within this many working days after the list's date (default: the light
    /// rules' yellow window, `yellow_within_workdays`).
    pub window_workdays: Option<u32>,
    pub unit_id: Option<i64>,
    /// Items listed per list (default 200, at most 5000); every unit's count is always given.
    pub limit: Option<usize>,
}

/// The monthly lagging (滞后) and at-risk (隐患) lists, per unit.
#[utoipa::path(get, path = "/api/v1/supervision/lists", tag = "supervision", params(ListsQuery),
    responses((status = 200, body = MonthlyLists), (status = 422, body = ErrorBody)))]
pub async fn monthly_lists(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<ListsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<MonthlyLists>> {
    a.require(Action::ReadLedger)?;
    let q = query(q)?;
    let m = month(&q.month)?;
    Ok(Json(
        s.store
            .monthly_lists(
                &a.viewer(),
                m,
                q.window_workdays,
                q.unit_id,
                q.limit.unwrap_or(LIST_DEFAULT),
            )
            .await?,
    ))
}

/// The monthly lists as the document writer's plain data.
pub fn monthly_list_doc(l: &MonthlyLists, m: Month, issuer: String) -> MonthlyListData {
    MonthlyListData {
        issuer,
        month: m.label_zh(),
        as_of: l.as_of,
        lagging: unit_items(&l.lagging.units),
        at_risk: unit_items(&l.at_risk.units),
        lagging_total: usize::try_from(l.lagging.total).unwrap_or(0),
        at_risk_total: usize::try_from(l.at_risk.total).unwrap_or(0),
        window_days: i64::from(l.window_workdays),
    }
}

fn unit_items(units: &[UnitList]) -> Vec<UnitItems> {
    units
        .iter()
        .map(|u| UnitItems {
            unit: u.unit.clone(),
            items: u
                .items
                .iter()
                .map(|i| ListDocItem {
                    problem: i.problem.clone(),
                    text: i.text.clone(),
                    deadline: i.deadline,
                    percent: i.percent,
                    days_overdue: i.days_overdue,
                })
                .collect(),
        })
        .collect()
}

/// The monthly lists as a .docx for the office to edit and issue.
#[utoipa::path(get, path = "/api/v1/supervision/lists/docx", tag = "supervision", params(ListsQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (status = 422, body = ErrorBody)))]
pub async fn monthly_lists_docx(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<ListsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    a.require(Action::ReadLedger)?;
    let q = query(q)?;
    let m = month(&q.month)?;
    let l = s
        .store
        .monthly_lists(
            &a.viewer(),
            m,
            q.window_workdays,
            q.unit_id,
            q.limit.unwrap_or(LIST_CAP),
        )
        .await?;
    let issuer = s.store.organisation(a.user.organisation_id).await?.name;
    let d = monthly_list_doc(&l, m, issuer);
    docx_response(
        &format!("{}滞后事项和隐患事项清单.docx", m.label_zh()),
        &doc::compose_monthly_list(&d),
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftsRequest {
    /// `YYYY-MM`
    pub month: String,
    /// YYYY-MM-DD: reply date of the drafted notices.
    pub reply_due: String,
    /// At risk: due within this many working days (default: the yellow light's window).
    pub window_workdays: Option<u32>,
    /// Also put at-risk items on the notices (default true).
    pub include_at_risk: Option<bool>,
}

/// Draft one notice per unit from the month's lists (office); drafting twice adds nothing.
#[utoipa::path(post, path = "/api/v1/supervision/lists/drafts", tag = "supervision", request_body = DraftsRequest,
    responses((status = 201, body = Vec<SupervisionNotice>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn draft_from_lists(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(r): JsonBody<DraftsRequest>,
) -> ApiResult<(StatusCode, Json<Vec<SupervisionNotice>>)> {
    a.require(Action::SuperviseNotices)?;
    let m = month(&r.month)?;
    let due = date("reply_due", &r.reply_due)?;
    if due < rectify_store::today() {
        return Err(ApiError::field(
            "reply_due",
            "in_past",
            "回复期限早于今天 (reply date in the past)",
        ));
    }
    let out = s
        .store
        .draft_notices_from_lists(
            &a.actor(),
            &a.viewer(),
            m,
            r.window_workdays,
            due,
            r.include_at_risk.unwrap_or(true),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}
