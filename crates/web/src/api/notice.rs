//! Notice import: a published progress notice (整改进展情况的通报) sent as raw bytes becomes
//! an inspection's aspects, problems and measures. Office only, in scope.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use rectify_core::access::Action;
use rectify_store::import::{self, ImportCounts, ImportPlan};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeImportQuery {
    /// `true`: answer the plan and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// The plan, and what was written when this was not a dry run.
#[derive(Serialize, ToSchema)]
pub struct NoticeImportResponse {
    pub dry_run: bool,
    pub plan: ImportPlan,
    /// `null` for a dry run.
    pub applied: Option<ImportCounts>,
}

/// Import a notice into an inspection's ledger: new aspects, problems and measures become
/// drafts, changed measure texts are replaced, nothing is deleted. The body is the notice
/// itself (plain text in UTF-8/GBK/GB18030, an HTML page, or a .docx file).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/notice-import", tag = "ledger",
    params(("id" = i64, Path), NoticeImportQuery),
    request_body(description = "the notice file itself", content(
        (Vec<u8> = "text/plain"), (Vec<u8> = "text/html"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (Vec<u8> = "application/octet-stream"))),
    responses((status = 200, body = NoticeImportResponse, description = "dry run, or nothing to change"),
        (status = 201, body = NoticeImportResponse, description = "rows created or changed"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_notice(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    Query(q): Query<NoticeImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<NoticeImportResponse>)> {
    a.require(Action::EditPlan)?;
    let viewer = a.viewer();
    let insp = s.store.inspection_for(&viewer, id).await?;
    if !viewer.scope.contains(&insp.org_path) {
        return Err(ApiError::not_found());
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    let hint = match media.as_deref() {
        None | Some("text/plain") | Some("application/octet-stream") => None,
        Some("text/html") => Some("notice.html"),
        Some(DOCX) => Some("notice.docx"),
        Some(other) => {
            return Err(ApiError::field(
                "body",
                "unsupported_media_type",
                format!(
                    "不支持的内容类型 {other}: 请发送通报的文本、HTML 或 .docx (send the notice as text/plain, text/html, .docx or application/octet-stream)"
                ),
            ));
        }
    };
    if body.is_empty() {
        return Err(ApiError::field(
            "body",
            "empty_file",
            "通报为空 (empty notice)",
        ));
    }
    // A .docx is a zip: refuse bombs before the notice reader inflates anything.
    if rectify_office::zipguard::looks_like_zip(&body) {
        rectify_office::zipguard::inspect(&body, &Default::default())
            .map_err(|e| ApiError::field("body", e.code(), e.to_string()))?;
    }
    let notice = rectify_notice::parse_bytes(&body, hint).map_err(|e| {
        ApiError::field(
            "body",
            "unreadable_notice",
            format!("无法读取通报 (unreadable notice): {e}"),
        )
    })?;
    let plan = import::plan(&s.store, &viewer, id, &notice).await?;
    if q.dry_run {
        return Ok((
            StatusCode::OK,
            Json(NoticeImportResponse {
                dry_run: true,
                plan,
                applied: None,
            }),
        ));
    }
    let applied = if plan.is_noop() {
        ImportCounts::default()
    } else {
        import::apply(&s.store, &a.actor(), &plan).await?
    };
    let status = if plan.is_noop() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(NoticeImportResponse {
            dry_run: false,
            plan,
            applied: Some(applied),
        }),
    ))
}
