//! Ledger export (整改台账导出): `GET /api/v1/ledger/export` and [`export_ledger`], the one
//! driver the API and `rectify ledger export` share — store pages in, xlsx / CSV / JSON out.

use std::io::Write;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rectify_core::access::Action;
use rectify_core::ledger::MeasureKind;
use rectify_core::state::MeasureState;
use rectify_office::ledger::csv_out::CsvWriter;
use rectify_office::ledger::json_out::JsonWriter;
use rectify_office::ledger::xlsx_out::XlsxWriter;
use rectify_office::ledger::{Deadline, Lang, LedgerRow, WriteError};
use rectify_store::export::{ExportFilter, ExportProblem};
use rectify_store::{AuditEvent, Store, StoreError, Viewer};
use serde::Deserialize;
use utoipa::IntoParams;

use super::ledger::content_disposition;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
    Json,
}

impl Format {
    /// `xlsx`, `csv` or `json`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Title used in the title row and file name (the inspection's, or empty for several).
    pub title: String,
    /// The "as of" date (today, Asia/Shanghai).
    pub as_of: NaiveDate,
    pub inspections: usize,
    pub problems: u64,
    pub measures: u64,
    /// The years whose holidays the lights assumed: while any are, the lights are provisional
    /// (the xlsx title says so).
    pub lights_assumed_years: Vec<i32>,
}

impl ExportSummary {
    /// `<title>整改台账-<date>.<ext>`, safe as a file name (path separators replaced).
    pub fn file_name(&self, format: Format) -> String {
        let title: String = self
            .title
            .chars()
            .map(|c| {
                if c.is_control() || "/\\:*?\"<>|".contains(c) {
                    '_'
                } else {
                    c
                }
            })
            .take(80)
            .collect();
        format!("{title}整改台账-{}.{}", self.as_of, format.extension())
    }
}

fn rows_of(p: ExportProblem) -> Vec<LedgerRow> {
    let mut rows = Vec::with_capacity(p.measures.len());
    let mut measures = p.measures.into_iter().peekable();
    let (mut aspect, mut title) = (Some(p.aspect), Some(p.title));
    while let Some(m) = measures.next() {
        // The last row takes the problem's strings; the others get copies.
        let last = measures.peek().is_none();
        let take = |s: &mut Option<String>| {
            if last {
                s.take().unwrap_or_default()
            } else {
                s.clone().unwrap_or_default()
            }
        };
        rows.push(LedgerRow {
            problem_no: p.no,
            aspect: take(&mut aspect),
            problem: take(&mut title),
            measure: m.text,
            kind: m.kind,
            leader: m.leader,
            unit: m.unit,
            owner: m.owner,
            deadline: Deadline::of_measure(m.kind, m.deadline),
            progress: m.progress,
            state: m.state,
            light: Some(m.light),
            evidence: u32::try_from(m.evidence).unwrap_or(u32::MAX),
            remarks: m.remarks,
        });
    }
    rows
}

enum Sink<W: Write + Send> {
    Xlsx(Box<XlsxWriter<W>>),
    Csv(CsvWriter<W>),
    Json(JsonWriter<W>),
}

/// Pages read ahead of the writer: reading the next page overlaps writing this one, and
/// at most this many pages (plus the one being written) sit in memory.
const PAGES_AHEAD: usize = 1;

/// Export the ledger the viewer may see, filtered, into `out`, a page of problems at a time
/// (whole inspections of about 2,000 measures in memory at once). The filters are resolved before anything
/// is written, so a bad one (unknown inspection, unit or round) leaves `out` empty.
///
/// The pages are read by a task of their own and handed over through a bounded channel, so
/// the database reads and the file writing run side by side (on the runtime's other worker).
pub async fn export_ledger<W: Write + Send>(
    store: &Store,
    viewer: &Viewer,
    filter: &ExportFilter,
    format: Format,
    lang: Lang,
    out: W,
) -> Result<ExportSummary, ExportError> {
    let plan = store.export_plan(viewer, filter).await?;
    let title = match plan.inspections.as_slice() {
        [(_, title)] => title.clone(),
        _ => String::new(),
    };
    let as_of = plan.today();
    let mut sink = match format {
        Format::Xlsx => Sink::Xlsx(Box::new(XlsxWriter::new(
            out,
            &title,
            as_of,
            plan.lights_assumed_years(),
            lang,
        )?)),
        Format::Csv => Sink::Csv(CsvWriter::new(out, lang)?),
        Format::Json => Sink::Json(JsonWriter::new(out, lang)?),
    };
    let mut summary = ExportSummary {
        title,
        as_of,
        inspections: plan.inspections.len(),
        problems: 0,
        measures: 0,
        lights_assumed_years: plan.lights_assumed_years().to_vec(),
    };
    let (tx, mut rx) =
        tokio::sync::mpsc::channel::<Result<Vec<Vec<LedgerRow>>, StoreError>>(PAGES_AHEAD);
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut reader = plan.reader();
            loop {
                let page = match reader.next_page(&store).await {
                    Ok(Some(page)) => Ok(page.into_iter().map(rows_of).collect()),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                let failed = page.is_err();
                // The writer hung up (it failed): stop reading.
                if tx.send(page).await.is_err() || failed {
                    break;
                }
            }
        })
    };
    // Dropping the receiver on an early return stops the reader at its next page.
    let _stop = AbortOnDrop(reader);
    while let Some(page) = rx.recv().await {
        for rows in page? {
            summary.problems += 1;
            summary.measures += rows.len() as u64;
            match &mut sink {
                Sink::Xlsx(w) => w.write_problem(&rows)?,
                Sink::Csv(w) => rows.iter().try_for_each(|r| w.write_row(r))?,
                Sink::Json(w) => rows.iter().try_for_each(|r| w.write_row(r))?,
            }
        }
    }
    match sink {
        Sink::Xlsx(w) => {
            w.finish()?;
        }
        Sink::Csv(w) => {
            w.finish()?;
        }
        Sink::Json(w) => {
            w.finish()?;
        }
    }
    Ok(summary)
}

/// Aborts the page reader when the export returns (early, on an error) or is dropped (the
/// client went away).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Query of `GET /api/v1/ledger/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `xlsx`, `csv` or `json`
    pub format: Option<String>,
    pub inspection_id: Option<i64>,
    pub round_id: Option<i64>,
    /// The responsible unit and every unit below it.
    pub unit_id: Option<i64>,
    /// A measure state (`in_progress`, `closed`, …)
    pub state: Option<String>,
    /// Only measures overdue today
    pub overdue: Option<bool>,
    /// Header language: `zh` (default) or `en`
    pub lang: Option<String>,
    /// A measure kind (`immediate`, `time_bound`, `ongoing`)
    pub kind: Option<String>,
    /// Deadline on or after this date (`YYYY-MM-DD`)
    pub deadline_from: Option<String>,
    /// Deadline on or before this date (`YYYY-MM-DD`)
    pub deadline_to: Option<String>,
    /// Text in the measure or its problem's title
    pub q: Option<String>,
}

/// A `YYYY-MM-DD` query value, or a 422 naming `field`.
fn query_date(field: &'static str, v: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    v.filter(|v| !v.is_empty())
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                ApiError::field(
                    field,
                    "invalid_date",
                    format!("日期应为 YYYY-MM-DD (date must be YYYY-MM-DD, got '{v}')"),
                )
            })
        })
        .transpose()
}

/// The ledger in the caller's scope as a file: xlsx in the standard layout (title row, merged
/// problem cells, traffic-light status), CSV (UTF-8 with BOM) or JSON keyed by header. The
/// export is recorded in the audit trail (`ledger.export`).
#[utoipa::path(get, path = "/api/v1/ledger/export", tag = "ledger", params(ExportQuery),
    responses(
        (status = 200, description = "The ledger file, as an attachment",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"), ("application/json"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(s): State<AppState>,
    a: Auth,
    q: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    a.require(Action::ReadLedger)?;
    let Query(q) = q.map_err(|e| ApiError::BadRequest {
        code: "invalid_query",
        message: e.body_text(),
        field: None,
    })?;
    let format = match q.format.as_deref() {
        None => Format::Xlsx,
        Some(f) => Format::parse(f).ok_or_else(|| {
            ApiError::field(
                "format",
                "invalid_format",
                format!(
                    "导出格式应为 xlsx、csv 或 json (format must be xlsx, csv or json, got '{f}')"
                ),
            )
        })?,
    };
    let lang = match q.lang.as_deref() {
        None => Lang::Zh,
        Some(l) => Lang::parse(l).ok_or_else(|| {
            ApiError::field(
                "lang",
                "invalid_lang",
                format!("语言应为 zh 或 en (lang must be zh or en, got '{l}')"),
            )
        })?,
    };
    let state = q
        .state
        .as_deref()
        .map(|v| {
            MeasureState::parse(v).ok_or_else(|| {
                ApiError::field(
                    "state",
                    "invalid_state",
                    format!("未知的措施状态 '{v}' (unknown measure state)"),
                )
            })
        })
        .transpose()?;
    let kind = q
        .kind
        .as_deref()
        .map(|v| {
            MeasureKind::parse(v).ok_or_else(|| {
                ApiError::field(
                    "kind",
                    "invalid_kind",
                    format!("未知的整改类型 '{v}' (unknown measure kind)"),
                )
            })
        })
        .transpose()?;
    let filter = ExportFilter {
        inspection_id: q.inspection_id,
        round_id: q.round_id,
        unit_id: q.unit_id,
        state,
        overdue: q.overdue.unwrap_or(false),
        kind,
        deadline_from: query_date("deadline_from", q.deadline_from.as_deref())?,
        deadline_to: query_date("deadline_to", q.deadline_to.as_deref())?,
        text: q.q.filter(|t| !t.trim().is_empty()),
    };
    let mut body = Vec::new();
    let summary = export_ledger(&s.store, &a.viewer(), &filter, format, lang, &mut body)
        .await
        .map_err(|e| match e {
            ExportError::Store(e) => ApiError::from(e),
            ExportError::Write(WriteError::TooManyRows(n)) => ApiError::field(
                "inspection_id",
                "too_many_rows",
                format!("超过单个工作表的行数上限 {n},请缩小范围 (more rows than one sheet holds; narrow the filter)"),
            ),
            ExportError::Write(e) => ApiError::Internal {
                message: format!("导出失败 (export failed): {e}"),
            },
        })?;
    let mut w = s.store.begin_write().await?;
    w.audit(
        &a.actor(),
        AuditEvent::ok("ledger.export", "ledger", "").after(serde_json::json!({
            "format": format.extension(), "inspection_id": filter.inspection_id,
            "round_id": filter.round_id, "unit_id": filter.unit_id,
            "state": filter.state.map(|s| s.as_str()), "overdue": filter.overdue,
            "kind": filter.kind.map(|k| k.as_str()), "deadline_from": filter.deadline_from,
            "deadline_to": filter.deadline_to, "q": filter.text,
            "measures": summary.measures,
        })),
    )
    .await?;
    w.commit().await?;
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&summary.file_name(format))) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((h, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_dated() {
        let s = ExportSummary {
            title: "市委第一巡察组/对../市财政局".into(),
            as_of: NaiveDate::from_ymd_opt(2021, 12, 28).unwrap(),
            inspections: 1,
            problems: 0,
            measures: 0,
            lights_assumed_years: Vec::new(),
        };
        assert_eq!(
            s.file_name(Format::Xlsx),
            "市委第一巡察组_对.._市财政局整改台账-2021-12-28.xlsx"
        );
        let h = content_disposition(&s.file_name(Format::Csv));
        assert!(h.contains("filename*=UTF-8''%E5%B8%82"), "{h}");
        assert!(!h.contains('/'), "{h}");
    }

    #[test]
    fn formats_parse_strictly() {
        assert_eq!(Format::parse("xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::parse("XLSX"), None);
        assert_eq!(Format::parse("pdf"), None);
        assert!(Format::Csv.content_type().starts_with("text/csv"));
    }
}
