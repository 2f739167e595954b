//! Ledger import over HTTP: an xlsx or CSV ledger (整改台账) sent as the raw request body is
//! read (zip-bomb guard first), planned against an inspection and, unless a dry run, applied.
//! Office only, in scope. Also the one mapping from the reader's rows to the store's.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use rectify_core::access::Action;
use rectify_office::ledger::Deadline;
use rectify_office::ledger::import::{self as reader, ImportError, ParsedLedger};
use rectify_office::zipguard::Limits;
use rectify_store::ledger_import::{
    self, IncomingRow, LedgerImportApplied, LedgerImportPlan, RowIssue,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// The reader's rows and problems in the store's terms (moved, not copied: a city ledger's
/// rows are a few hundred MB of text).
pub fn incoming(p: ParsedLedger) -> (Vec<IncomingRow>, Vec<RowIssue>) {
    let rows = p
        .rows
        .into_iter()
        .map(|r| IncomingRow {
            sheet: r.sheet,
            row: r.row,
            problem_no: r.ledger.problem_no,
            aspect: r.ledger.aspect,
            problem: r.ledger.problem,
            measure: r.ledger.measure,
            kind: r.ledger.kind,
            kind_given: r.kind_given,
            leader: r.ledger.leader,
            unit: r.ledger.unit,
            owner: r.ledger.owner,
            deadline: match r.ledger.deadline {
                Deadline::Date(d) => Some(d),
                _ => None,
            },
            remarks: r.ledger.remarks,
        })
        .collect();
    let issues = p
        .problems
        .into_iter()
        .map(|q| RowIssue {
            sheet: q.sheet,
            row: q.row,
            column: q.column,
            code: q.code,
            message: q.message,
        })
        .collect();
    (rows, issues)
}

/// How the file was understood, sheet by sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetSummary {
    pub name: String,
    /// 1-based header rows.
    pub header_rows: Vec<u32>,
    /// Header texts mapped to standard columns, as `表头 → 标准列`.
    pub columns: Vec<String>,
    /// Headers kept as notes in 备注.
    pub notes: Vec<String>,
    /// Blank, subtotal and heading rows skipped.
    pub skipped: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileSummary {
    pub sheets: Vec<SheetSummary>,
    /// Sheets without a recognisable header (not read).
    pub ignored_sheets: Vec<String>,
    /// CSV only: `UTF-8`, `UTF-8 BOM`, `GB18030/GBK` or `UTF-16`.
    pub encoding: Option<String>,
}

/// A summary of the reader's view of the file.
pub fn summary(p: &ParsedLedger) -> FileSummary {
    FileSummary {
        sheets: p
            .sheets
            .iter()
            .map(|s| SheetSummary {
                name: s.name.clone(),
                header_rows: s.header_rows.clone(),
                columns: s
                    .columns
                    .iter()
                    .map(|(c, h)| format!("{h} → {}", c.header_zh()))
                    .collect(),
                notes: s.notes.clone(),
                skipped: s.skipped,
            })
            .collect(),
        ignored_sheets: p.ignored_sheets.clone(),
        encoding: p.encoding.map(|e| e.label().to_string()),
    }
}

/// Read a ledger file with the default limits (zip guard, cell cap).
pub fn read_file(bytes: &[u8], file_name: Option<&str>) -> Result<ParsedLedger, ImportError> {
    reader::read(bytes, file_name, &Limits::default())
}

/// Why a ledger could not be planned: its file (reported first: that is the user's to fix), or
/// the store (no such inspection, not allowed, …).
#[derive(Debug)]
pub enum ReadPlanError {
    File(ImportError),
    Store(rectify_store::StoreError),
}

/// Read a ledger on a blocking thread while the plan's context (the inspection's ledger, the
/// names in its scope) is read from the store, then plan it: the file's summary and the plan.
pub async fn read_and_plan(
    store: &rectify_store::Store,
    viewer: &rectify_store::Viewer,
    inspection_id: i64,
    bytes: impl AsRef<[u8]> + Send + 'static,
    file_name: Option<String>,
) -> Result<(FileSummary, LedgerImportPlan), ReadPlanError> {
    let reading =
        tokio::task::spawn_blocking(move || read_file(bytes.as_ref(), file_name.as_deref()));
    let context = ledger_import::plan_context(store, viewer, inspection_id).await;
    let parsed = reading
        .await
        .unwrap_or_else(|e| Err(ImportError::Unreadable(format!("reading stopped: {e}"))))
        .map_err(ReadPlanError::File)?;
    let context = context.map_err(ReadPlanError::Store)?;
    let file = summary(&parsed);
    let (rows, issues) = incoming(parsed);
    Ok((file, ledger_import::plan_with(context, rows, issues)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LedgerImportQuery {
    /// `true`: answer the plan and write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// `true`: write the valid rows even when other rows have problems.
    #[serde(default)]
    pub accept_valid: bool,
    /// The file's name (percent-encoded UTF-8 allowed); names a CSV's sheet. The type is
    /// recognised by content. Also accepted as the `X-File-Name` header.
    pub file_name: Option<String>,
}

/// The plan with every problem, and what was written when this was not a dry run.
#[derive(Serialize, ToSchema)]
pub struct LedgerImportResponse {
    pub dry_run: bool,
    pub file: FileSummary,
    pub plan: LedgerImportPlan,
    /// Each problem as a line: `第12行 完成时限: 无法识别 '下月'`.
    pub messages: Vec<String>,
    /// `null` for a dry run.
    pub applied: Option<LedgerImportApplied>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Import an xlsx or CSV ledger (整改台账) into an inspection. The body is the file itself
/// (xlsx, or CSV in UTF-8, UTF-8 with BOM, GBK/GB18030). A dry run answers what would be
/// created or changed and every problem by row and column; otherwise nothing is written
/// while any row has a problem, unless `accept_valid=true`.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/ledger/import", tag = "ledger",
    params(("id" = i64, Path), LedgerImportQuery),
    request_body(description = "the ledger file itself", content(
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Vec<u8> = "text/csv"), (Vec<u8> = "application/octet-stream"))),
    responses((status = 200, body = LedgerImportResponse, description = "dry run, or nothing to change"),
        (status = 201, body = LedgerImportResponse, description = "rows created or changed"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "unreadable file (wrong magic bytes, truncated, zip bomb, undecodable text) or rows with problems")))]
pub async fn import_ledger(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<i64>,
    Query(q): Query<LedgerImportQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<LedgerImportResponse>)> {
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
    a.require(Action::EditPlan)?;
    let viewer = a.viewer();
    let insp = s.store.inspection_for(&viewer, id).await?;
    if !viewer.scope.contains(&insp.org_path) {
        return Err(ApiError::not_found());
    }
    let name = q
        .file_name
        .clone()
        .or_else(|| {
            headers
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .map(|n| percent_decode(&n));
    let (file, plan) = read_and_plan(&s.store, &viewer, id, body, name)
        .await
        .map_err(|e| match e {
            ReadPlanError::File(e) => ApiError::field("body", e.code(), e.to_string()),
            ReadPlanError::Store(e) => e.into(),
        })?;
    let messages: Vec<String> = plan.problems.iter().map(ToString::to_string).collect();
    if q.dry_run {
        return Ok((
            StatusCode::OK,
            Json(LedgerImportResponse {
                dry_run: true,
                file,
                plan,
                messages,
                applied: None,
            }),
        ));
    }
    if !plan.problems.is_empty() && !q.accept_valid {
        let mut shown: Vec<String> = messages.iter().take(20).cloned().collect();
        if messages.len() > 20 {
            shown.push(format!("… 共 {} 处", messages.len()));
        }
        return Err(ApiError::field(
            "body",
            "invalid_rows",
            format!(
                "文件有 {} 处问题, 未写入任何数据 (nothing written; fix them or set accept_valid=true): {}",
                messages.len(),
                shown.join("; ")
            ),
        ));
    }
    let applied =
        ledger_import::apply(&s.store, &a.actor(), &viewer, &plan, q.accept_valid).await?;
    let status = if applied == LedgerImportApplied::default() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(LedgerImportResponse {
            dry_run: false,
            file,
            plan,
            messages,
            applied: Some(applied),
        }),
    ))
}
