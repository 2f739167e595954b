//! 工作日历 page (the system administrator): the stored years, loading a data file (upload → a
//! dry run listing what would change or the error with its line → confirm; all or nothing,
//! audited by the store), and a small form asking whether a day is a working day and which
//! day lies N working days after it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rectify_calendar::Calendar;
use rectify_core::access::Action;
use rectify_store::StoreError;
use rectify_store::calendar::CalendarYear;
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::measure::UiMultipart;
use super::sv_common::{SvLabels, typed_date};
use super::{Chrome, Locale, Ui, UiError, UiResult};
use crate::AppState;

/// Largest calendar file read (the shipped seven years are about 5 KB).
const FILE_LIMIT: usize = 256 * 1024;

#[derive(Deserialize, Default, Clone)]
pub struct ComputeForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    n: String,
    #[serde(default)]
    loaded: String,
}

/// The answer of the small form.
pub struct Answer {
    pub workday: bool,
    /// The day N working days after, when N was given.
    pub after: Option<String>,
}

#[derive(Template)]
#[template(path = "supervision/calendar.html")]
struct CalendarPage {
    c: Chrome,
    years: Vec<CalendarYear>,
    q: ComputeForm,
    errors: FieldErrors,
    answer: Option<Answer>,
    /// The error of a refused upload.
    upload_error: Option<String>,
}

impl CalendarPage {
    fn when(&self, ts: &str) -> String {
        self.c.l.timestamp(ts)
    }
}

/// One year of an uploaded file as the dry run shows it.
pub struct PlannedYear {
    pub year: i32,
    /// Replaces a stored year (its version), or adds a new one.
    pub replaces: Option<i64>,
    pub unchanged: bool,
    pub holidays: usize,
    pub workdays: usize,
}

#[derive(Template)]
#[template(path = "supervision/calendar_preview.html")]
struct PreviewPage {
    c: Chrome,
    file_name: String,
    text: String,
    plan: Vec<PlannedYear>,
    error: Option<String>,
}

fn calendar_error(l: Locale, e: &rectify_calendar::CalendarError) -> String {
    format!("{}{e}", l.t("sv.cal.invalid"))
}

async fn render(
    s: &AppState,
    ui: &Ui,
    q: ComputeForm,
    upload_error: Option<String>,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    let day = typed_date(l, &mut errors, "date", &q.date);
    let n = match q.n.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) if n.abs() <= 3660 => Some(n),
            _ => {
                errors.add("n", l.t("sv.err.whole_number"));
                None
            }
        },
    };
    if day.is_none() && n.is_some() && errors.is_empty() {
        errors.add("date", l.t("err.required"));
    }
    let mut answer = None;
    if let (true, Some(d)) = (errors.is_empty(), day) {
        let cal = s.store.calendar().await?;
        match cal.is_workday(d) {
            Ok(workday) => {
                let mut after = None;
                if let Some(n) = n {
                    match cal.add_workdays(d, n) {
                        Ok(a) => after = Some(l.day(a)),
                        Err(e) => errors.add("n", calendar_error(l, &e)),
                    }
                }
                answer = Some(Answer { workday, after });
            }
            Err(e) => errors.add("date", calendar_error(l, &e)),
        }
    }
    let status = if errors.is_empty() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let c = ui.chrome(s, l.t("sv.calendar_title"), "calendar").await;
    Ok(super::html(
        status,
        &CalendarPage {
            c,
            years: s.store.calendar_years().await?,
            q,
            errors,
            answer,
            upload_error,
        },
    ))
}

/// GET /calendar?date=&n= — the stored years; is the day a working day, and N working days on.
pub async fn calendar(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<ComputeForm>,
) -> UiResult<Response> {
    ui.require(Action::ManageCalendar)?;
    render(&s, &ui, q, None, StatusCode::OK).await
}

/// What the file would do to the stored years.
fn plan(cal: &Calendar, stored: &[CalendarYear]) -> Vec<PlannedYear> {
    cal.years()
        .into_iter()
        .filter_map(|y| {
            let sched = cal.schedule(y)?;
            let old = stored.iter().find(|s| s.year == y);
            let unchanged = old.is_some_and(|o| {
                Calendar::parse(&o.schedule)
                    .ok()
                    .and_then(|c| c.schedule(y).cloned())
                    .as_ref()
                    == Some(sched)
            });
            Some(PlannedYear {
                year: y,
                replaces: old.map(|o| o.version),
                unchanged,
                holidays: sched.holidays().count(),
                workdays: sched.adjusted_workdays().count(),
            })
        })
        .collect()
}

/// POST /calendar/preview (multipart `file`) — the dry run: nothing is stored.
pub async fn preview(
    State(s): State<AppState>,
    UiMultipart { ui, mut form }: UiMultipart,
) -> UiResult<Response> {
    ui.require(Action::ManageCalendar)?;
    let l = ui.locale;
    let mut file_name = String::new();
    let mut bytes = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?
    {
        if field.name() == Some("file") {
            file_name = field.file_name().unwrap_or("").to_string();
            bytes = field
                .bytes()
                .await
                .map_err(|_| UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large"))?
                .to_vec();
        }
    }
    let refused = if bytes.is_empty() {
        Some(l.t("sv.cal.no_file"))
    } else if bytes.len() > FILE_LIMIT {
        Some(l.t("err.too_large"))
    } else {
        None
    };
    let text = match (refused, String::from_utf8(bytes)) {
        (None, Ok(t)) => t,
        (r, _) => {
            let msg = r.unwrap_or_else(|| l.t("sv.cal.not_utf8")).to_string();
            let q = ComputeForm::default();
            return render(&s, &ui, q, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let text = text.trim_start_matches('\u{feff}').to_string();
    let (plan, error) = match Calendar::parse(&text) {
        Ok(cal) if cal.years().is_empty() => (Vec::new(), Some(l.t("sv.cal.no_year").into())),
        Ok(cal) => (plan(&cal, &s.store.calendar_years().await?), None),
        Err(e) => (Vec::new(), Some(calendar_error(l, &e))),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ui.chrome(&s, l.t("sv.cal.preview"), "calendar").await;
    Ok(super::html(
        status,
        &PreviewPage {
            c,
            file_name,
            text,
            plan,
            error,
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct LoadForm {
    #[serde(default)]
    schedule: String,
}

/// POST /calendar/load — store the previewed file's years (all or nothing, audited).
pub async fn load(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<LoadForm>,
) -> UiResult<Response> {
    ui.require(Action::ManageCalendar)?;
    let l = ui.locale;
    match s.store.load_calendar(&ui.auth.actor(), &f.schedule).await {
        Ok(years) => {
            let list = years
                .iter()
                .map(|y| y.year.to_string())
                .collect::<Vec<_>>()
                .join(",");
            Ok(super::see_other(&format!("/calendar?loaded={list}")))
        }
        Err(StoreError::Invalid(e)) => {
            let msg = super::sv_common::error_text(l, e.code, &e.message);
            render(
                &s,
                &ui,
                ComputeForm::default(),
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
