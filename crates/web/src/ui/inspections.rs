//! Rounds and inspections: list, create, edit, and importing a published notice into an
//! inspection's ledger with the dry-run plan shown as a page before anything is written.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use rectify_core::access::Action;
use rectify_core::ledger::{InspectionDates, InspectionKind};
use rectify_core::text;
use rectify_store::import::{self, ImportPlan};
use rectify_store::{Inspection, InspectionPatch, NewInspection, Organisation, Round};
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::measure::UiMultipart;
use super::{Chrome, Locale, Ui, UiError, UiResult};
use crate::AppState;
use crate::api::ledger_import::{ReadPlanError, read_and_plan};
use crate::error::ApiError;

/// The inspection form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct InspectionForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub round: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub stationed_from: String,
    #[serde(default)]
    pub stationed_to: String,
    #[serde(default)]
    pub feedback_on: String,
    #[serde(default)]
    pub plan_due: String,
    #[serde(default)]
    pub report_due: String,
}

fn ds(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl InspectionForm {
    fn of(i: &Inspection) -> Self {
        InspectionForm {
            version: i.version.to_string(),
            round: i.round_id.map(|v| v.to_string()).unwrap_or_default(),
            kind: i.kind.as_str().to_string(),
            team: i.team.clone().unwrap_or_default(),
            org: i.inspected_org_id.to_string(),
            title: i.title.clone(),
            stationed_from: ds(i.dates.stationed_from),
            stationed_to: ds(i.dates.stationed_to),
            feedback_on: ds(i.dates.feedback_on),
            plan_due: ds(i.dates.plan_due),
            report_due: ds(i.dates.report_due),
        }
    }

    fn dates(&self, l: Locale, errors: &mut FieldErrors) -> InspectionDates {
        let mut d = |field: &str, v: &str| -> Option<NaiveDate> {
            if v.trim().is_empty() {
                return None;
            }
            match text::date(field, v.trim()) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.add(field, l.error(e.code, &e.message));
                    None
                }
            }
        };
        InspectionDates {
            stationed_from: d("stationed_from", &self.stationed_from),
            stationed_to: d("stationed_to", &self.stationed_to),
            feedback_on: d("feedback_on", &self.feedback_on),
            plan_due: d("plan_due", &self.plan_due),
            report_due: d("report_due", &self.report_due),
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RoundForm {
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub year: String,
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct ListPage {
    c: Chrome,
    inspections: Vec<Inspection>,
    rounds: Vec<Round>,
    orgs: Vec<Organisation>,
    can_edit: bool,
    form: InspectionForm,
    errors: FieldErrors,
    round_form: RoundForm,
    round_errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
}

impl ListPage {
    fn org_name(&self, id: &i64) -> String {
        self.orgs
            .iter()
            .find(|o| o.id == *id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
}

fn kinds(l: Locale) -> Vec<(&'static str, &'static str)> {
    InspectionKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.inspection_kind(*k)))
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    s: &AppState,
    ui: &Ui,
    form: InspectionForm,
    errors: FieldErrors,
    round_form: RoundForm,
    round_errors: FieldErrors,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let c = ui.chrome(s, l.t("nav.inspections"), "inspections").await;
    Ok(super::html(
        status,
        &ListPage {
            c,
            inspections: s.store.inspections(&viewer).await?,
            rounds: s.store.rounds(&viewer.scope).await?,
            orgs: s.store.organisations_in(&viewer.scope).await?,
            can_edit: ui.role().may(Action::EditPlan),
            form,
            errors,
            round_form,
            round_errors,
            kinds: kinds(l),
        },
    ))
}

/// GET /inspections
pub async fn list(State(s): State<AppState>, ui: Ui) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let form = InspectionForm {
        kind: "regular".into(),
        ..InspectionForm::default()
    };
    render_list(
        &s,
        &ui,
        form,
        FieldErrors::new(),
        RoundForm::default(),
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

fn in_scope_org(orgs: &[Organisation], v: &str) -> Option<i64> {
    let id: i64 = v.trim().parse().ok()?;
    orgs.iter().any(|o| o.id == id).then_some(id)
}

/// Map an API error onto the form's fields (API field names to form names).
fn form_errors(l: Locale, e: ApiError, errors: &mut FieldErrors) -> Result<(), UiError> {
    for (f, m) in FieldErrors::from_api(l, e, "title")?.all() {
        let f = match f.as_str() {
            "inspected_org_id" | "organisation_id" => "org",
            "round_id" => "round",
            x => x,
        };
        errors.add(f, m.clone());
    }
    Ok(())
}

/// POST /inspections
pub async fn create(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<InspectionForm>,
) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let orgs = s.store.organisations_in(&viewer.scope).await?;
    let mut errors = FieldErrors::new();
    errors.require(l, &[("title", &f.title), ("org", &f.org)]);
    let org = in_scope_org(&orgs, &f.org);
    if org.is_none() && !f.org.is_empty() {
        errors.add("org", l.t("err.bad_selection"));
    }
    let kind = InspectionKind::parse(&f.kind);
    if kind.is_none() {
        errors.add("kind", l.t("err.bad_selection"));
    }
    let round = if f.round.is_empty() {
        None
    } else {
        let rounds = s.store.rounds(&viewer.scope).await?;
        match f
            .round
            .parse::<i64>()
            .ok()
            .filter(|r| rounds.iter().any(|x| x.id == *r))
        {
            Some(r) => Some(r),
            None => {
                errors.add("round", l.t("err.bad_selection"));
                None
            }
        }
    };
    let dates = f.dates(l, &mut errors);
    if errors.is_empty()
        && let (Some(org), Some(kind)) = (org, kind)
    {
        let mut w = s.store.begin_write().await?;
        let r = w
            .create_inspection(
                &ui.auth.actor(),
                &NewInspection {
                    round_id: round,
                    kind,
                    team: Some(f.team.trim().to_string()).filter(|t| !t.is_empty()),
                    inspected_org_id: org,
                    title: f.title.trim().to_string(),
                    dates,
                },
            )
            .await;
        match r {
            Ok(i) => {
                w.commit().await?;
                return Ok(super::see_other(&format!("/inspections/{}", i.id)));
            }
            Err(e) => {
                drop(w);
                form_errors(l, ApiError::from(e), &mut errors)?;
            }
        }
    }
    render_list(
        &s,
        &ui,
        f,
        errors,
        RoundForm::default(),
        FieldErrors::new(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// POST /rounds
pub async fn create_round(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<RoundForm>,
) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let orgs = s.store.organisations_in(&viewer.scope).await?;
    let mut errors = FieldErrors::new();
    errors.require(l, &[("name", &f.name), ("org", &f.org)]);
    let org = in_scope_org(&orgs, &f.org);
    if org.is_none() && !f.org.is_empty() {
        errors.add("org", l.t("err.bad_selection"));
    }
    let year = if f.year.trim().is_empty() {
        None
    } else {
        match f.year.trim().parse::<i64>() {
            Ok(y) if (1949..=2100).contains(&y) => Some(y),
            _ => {
                errors.add("year", l.t("inspections.bad_year"));
                None
            }
        }
    };
    if errors.is_empty()
        && let Some(org) = org
    {
        let mut w = s.store.begin_write().await?;
        match w
            .create_round(&ui.auth.actor(), org, f.name.trim(), year)
            .await
        {
            Ok(_) => {
                w.commit().await?;
                return Ok(super::see_other("/inspections"));
            }
            Err(e) => {
                drop(w);
                form_errors(l, ApiError::from(e), &mut errors)?;
            }
        }
    }
    let form = InspectionForm {
        kind: "regular".into(),
        ..InspectionForm::default()
    };
    render_list(
        &s,
        &ui,
        form,
        FieldErrors::new(),
        f,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct DetailPage {
    c: Chrome,
    i: Inspection,
    org: String,
    can_edit: bool,
    form: InspectionForm,
    errors: FieldErrors,
    conflict: bool,
    /// Errors of the two import forms: `notice` and `ledger`.
    import_errors: FieldErrors,
    /// The upload limit, shown next to the file fields.
    limit_text: String,
    limit_bytes: usize,
}

#[allow(clippy::too_many_arguments)]
async fn render_detail(
    s: &AppState,
    ui: &Ui,
    i: Inspection,
    form: Option<InspectionForm>,
    errors: FieldErrors,
    conflict: bool,
    import_errors: FieldErrors,
    status: StatusCode,
) -> UiResult<Response> {
    let org = s.store.organisation(i.inspected_org_id).await?.name;
    let c = ui.chrome(s, &i.title, "inspections").await;
    Ok(super::html(
        status,
        &DetailPage {
            c,
            form: form.unwrap_or_else(|| InspectionForm::of(&i)),
            i,
            org,
            can_edit: ui.role().may(Action::EditPlan),
            errors,
            conflict,
            import_errors,
            limit_text: super::measure::human_size(s.config.upload_limit as i64),
            limit_bytes: s.config.upload_limit,
        },
    ))
}

/// GET /inspections/{id}
pub async fn detail(State(s): State<AppState>, ui: Ui, Path(id): Path<i64>) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let i = s.store.inspection_for(&ui.auth.viewer(), id).await?;
    render_detail(
        &s,
        &ui,
        i,
        None,
        FieldErrors::new(),
        false,
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// POST /inspections/{id}: title, team and dates; a stale version is explained.
pub async fn update(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<InspectionForm>,
) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let current = s.store.inspection_for(&viewer, id).await?;
    let mut errors = FieldErrors::new();
    errors.require(l, &[("title", &f.title)]);
    let dates = f.dates(l, &mut errors);
    let mut conflict = false;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut form = f.clone();
    if errors.is_empty() {
        let patch = InspectionPatch {
            title: Some(f.title.trim().to_string()),
            team: Some(Some(f.team.trim().to_string()).filter(|t| !t.is_empty())),
            dates: Some(dates),
        };
        let version: i64 = f.version.parse().unwrap_or(0);
        let mut w = s.store.begin_write().await?;
        match w
            .update_inspection(&ui.auth.actor(), &viewer, id, version, &patch)
            .await
        {
            Ok(_) => {
                w.commit().await?;
                return Ok(super::see_other(&format!("/inspections/{id}")));
            }
            Err(e) => {
                drop(w);
                match ApiError::from(e) {
                    ApiError::Conflict {
                        current_version, ..
                    } => {
                        conflict = true;
                        status = StatusCode::CONFLICT;
                        form.version = current_version.to_string();
                    }
                    other => form_errors(l, other, &mut errors)?,
                }
            }
        }
    }
    let i = s.store.inspection_for(&viewer, id).await.unwrap_or(current);
    render_detail(
        &s,
        &ui,
        i,
        Some(form),
        errors,
        conflict,
        FieldErrors::new(),
        status,
    )
    .await
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    c: Chrome,
    i: Inspection,
    plan: ImportPlan,
    notice_hex: String,
    hint: String,
}

impl PreviewPage {
    fn action_label(&self, a: &import::ImportAction) -> &'static str {
        self.c.l.t(match a {
            import::ImportAction::Create => "import.create",
            import::ImportAction::Unchanged => "import.unchanged",
            import::ImportAction::Changed => "import.changed",
            import::ImportAction::Absent => "import.absent",
        })
    }
    fn level_label(&self, a: &import::ImportLevel) -> &'static str {
        self.c.l.t(match a {
            import::ImportLevel::Aspect => "home.aspect",
            import::ImportLevel::Problem => "ledger.col_problem",
            import::ImportLevel::Measure => "ledger.col_measure",
        })
    }
}

fn to_hex(b: &[u8]) -> String {
    rectify_security::crypto::to_hex(b)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn hint_of(file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".docx") {
        Some("notice.docx")
    } else if lower.ends_with(".html") || lower.ends_with(".htm") {
        Some("notice.html")
    } else {
        None
    }
}

/// The file sent in the multipart field `field` (its name and bytes; empty when absent). A body
/// over the upload limit is refused here, while it streams in.
async fn one_file(
    form: &mut axum::extract::Multipart,
    field_name: &str,
) -> UiResult<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut name = String::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?
    {
        if field.name() == Some(field_name) {
            name = field.file_name().unwrap_or("").to_string();
            data = field
                .bytes()
                .await
                .map_err(|_| UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large"))?
                .to_vec();
        }
    }
    Ok((name, data))
}

/// POST /inspections/{id}/import (multipart, one file): the dry run, shown as a page. The
/// notice travels back in the page's apply form; nothing is stored until it is applied.
pub async fn import_preview(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    UiMultipart { ui, mut form }: UiMultipart,
) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let i = s.store.inspection_for(&viewer, id).await?;
    let (name, data) = one_file(&mut form, "notice").await?;
    let hint = hint_of(&name);
    let mut errors = FieldErrors::new();
    if data.is_empty() {
        errors.add("notice", l.t("import.empty"));
        return render_detail(
            &s,
            &ui,
            i,
            None,
            FieldErrors::new(),
            false,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let notice = match rectify_notice::parse_bytes(&data, hint) {
        Ok(n) => n,
        Err(e) => {
            errors.add("notice", format!("{}: {e}", l.t("import.unreadable")));
            return render_detail(
                &s,
                &ui,
                i,
                None,
                FieldErrors::new(),
                false,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let plan = import::plan(&s.store, &viewer, id, &notice).await?;
    let c = ui.chrome(&s, l.t("import.title"), "inspections").await;
    Ok(super::page(&PreviewPage {
        c,
        i,
        plan,
        notice_hex: to_hex(&data),
        hint: hint.unwrap_or("").to_string(),
    }))
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    hint: String,
}

/// POST /inspections/{id}/import/apply: plan again (the ledger may have moved) and apply.
pub async fn import_apply(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ApplyForm>,
) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let viewer = ui.auth.viewer();
    s.store.inspection_for(&viewer, id).await?;
    let data = from_hex(&f.notice).ok_or(UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?;
    let hint = match f.hint.as_str() {
        "notice.docx" => Some("notice.docx"),
        "notice.html" => Some("notice.html"),
        _ => None,
    };
    let notice = rectify_notice::parse_bytes(&data, hint).map_err(|e| {
        UiError::Detailed(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable_notice",
            e.to_string(),
        )
    })?;
    let plan = import::plan(&s.store, &viewer, id, &notice).await?;
    if !plan.is_noop() {
        import::apply(&s.store, &ui.auth.actor(), &plan).await?;
    }
    Ok(super::see_other(&format!(
        "/ledger?view=tree&inspection={id}"
    )))
}

// ---------------------------------------------------------------------------------------
// Ledger import (整改台账, xlsx or CSV): upload → dry-run page → confirm.
//
// The upload is kept server-side between the dry run and the confirmation: its bytes in the
// blob store, and a `meta` row naming who uploaded it for which inspection, keyed by the hash
// of a random token that the confirm form carries (`Store::keep_ledger_upload`). The confirm
// form carries nothing else the server relies on: the file is read and planned again against
// the ledger as it is now, and applied only if the plan still has the counts the user saw
// (`expect`); otherwise the new dry run is shown. Nothing travels through the browser but the
// token, so a 50 MB ledger is not sent back and forth, and a forged form can neither change
// the rows nor name another user's upload.

/// Rows listed per action on the dry-run page (the counts cover all of them; the CLI's and
/// the API's JSON list every row).
const ROWS_SHOWN: usize = 200;
/// Problems listed on the dry-run page.
const PROBLEMS_SHOWN: usize = 1000;

/// One problem as a line of the dry-run page.
pub struct ProblemLine {
    pub sheet: String,
    pub row: u32,
    pub column: String,
    pub text: String,
}

/// A created or changed row as the dry-run page lists it.
pub struct ShownRow {
    pub sheet: String,
    pub row: u32,
    pub problem_no: u32,
    pub problem: String,
    pub text: String,
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "ledger_import_preview.html")]
struct LedgerPreviewPage {
    c: Chrome,
    i: Inspection,
    file_name: String,
    file: crate::api::ledger_import::FileSummary,
    counts: rectify_store::ledger_import::LedgerImportCounts,
    problem_count: usize,
    problems: Vec<ProblemLine>,
    notes: Vec<String>,
    created: Vec<ShownRow>,
    created_total: usize,
    changed: Vec<ShownRow>,
    changed_total: usize,
    /// Something would be written (with or without the problem rows).
    can_apply: bool,
    upload: String,
    expect: String,
    error: Option<String>,
}

/// A problem line in the page's language: `第12行 完成时限: 无法识别 '下月'` or
/// `Row 12, 完成时限: unreadable deadline (无法识别 '下月')`.
fn problem_line(l: Locale, p: &rectify_store::ledger_import::RowIssue) -> String {
    match l {
        Locale::Zh => p.to_string(),
        Locale::En => {
            let id = format!("ledger_import.code.{}", p.code);
            let what = if l.has(&id) {
                format!("{} ({})", l.t(&id), p.message)
            } else {
                p.message.clone()
            };
            match &p.column {
                Some(c) => format!("Row {}, {c}: {what}", p.row),
                None => format!("Row {}: {what}", p.row),
            }
        }
    }
}

fn field_label(l: Locale, field: &str) -> String {
    let id = format!("ledger_import.field.{field}");
    if l.has(&id) {
        l.t(&id).to_string()
    } else {
        field.to_string()
    }
}

/// The counts the user saw, to tell on confirmation whether the plan is still the same.
fn fingerprint(p: &rectify_store::ledger_import::LedgerImportPlan) -> String {
    let c = &p.counts;
    format!(
        "{}.{}.{}.{}.{}.{}.{}.{}.{}.{}",
        c.aspects_created,
        c.problems_created,
        c.problems_matched,
        c.problems_absent,
        c.measures_created,
        c.measures_changed,
        c.measures_unchanged,
        c.measures_absent,
        c.invalid_rows,
        p.problems.len()
    )
}

/// Would applying `p` (accepting only the valid rows, if need be) write anything?
fn writes_something(p: &rectify_store::ledger_import::LedgerImportPlan) -> bool {
    !p.is_noop()
}

#[allow(clippy::too_many_arguments)]
async fn render_ledger_preview(
    s: &AppState,
    ui: &Ui,
    i: Inspection,
    file_name: String,
    file: crate::api::ledger_import::FileSummary,
    plan: &rectify_store::ledger_import::LedgerImportPlan,
    upload: String,
    error: Option<String>,
    status: StatusCode,
) -> UiResult<Response> {
    use rectify_store::ledger_import::RowAction;
    let l = ui.locale;
    let shown = |action: RowAction| -> (Vec<ShownRow>, usize) {
        let all: Vec<_> = plan.rows.iter().filter(|r| r.action == action).collect();
        let rows = all
            .iter()
            .take(ROWS_SHOWN)
            .map(|r| ShownRow {
                sheet: r.sheet.clone(),
                row: r.row,
                problem_no: r.problem_no,
                problem: r.problem.clone(),
                text: r.text.clone(),
                changes: r
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            field_label(l, &c.field),
                            c.old.as_deref().unwrap_or("—"),
                            c.new.as_deref().unwrap_or("—")
                        )
                    })
                    .collect(),
            })
            .collect();
        (rows, all.len())
    };
    let (created, created_total) = shown(RowAction::Create);
    let (changed, changed_total) = shown(RowAction::Changed);
    let c = ui
        .chrome(s, l.t("ledger_import.title"), "inspections")
        .await;
    Ok(super::html(
        status,
        &LedgerPreviewPage {
            c,
            i,
            file_name,
            file,
            counts: plan.counts,
            problem_count: plan.problems.len(),
            problems: plan
                .problems
                .iter()
                .take(PROBLEMS_SHOWN)
                .map(|p| ProblemLine {
                    sheet: p.sheet.clone(),
                    row: p.row,
                    column: p.column.clone().unwrap_or_default(),
                    text: problem_line(l, p),
                })
                .collect(),
            notes: plan.notes.clone(),
            created,
            created_total,
            changed,
            changed_total,
            can_apply: writes_something(plan) && !upload.is_empty(),
            upload,
            expect: fingerprint(plan),
            error,
        },
    ))
}

/// POST /inspections/{id}/ledger-import (multipart, one file `ledger`): the dry run as a
/// page. The file is kept server-side for the confirmation; nothing else is written.
pub async fn ledger_import_preview(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    UiMultipart { ui, mut form }: UiMultipart,
) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let i = s.store.inspection_for(&viewer, id).await?;
    let (name, data) = one_file(&mut form, "ledger").await?;
    let mut errors = FieldErrors::new();
    if data.is_empty() {
        errors.add("ledger", l.t("ledger_import.empty"));
        return render_detail(
            &s,
            &ui,
            i,
            None,
            FieldErrors::new(),
            false,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let read = read_and_plan(&s.store, &viewer, id, data.clone(), Some(name.clone())).await;
    let (file, plan) = match read {
        Ok(v) => v,
        Err(ReadPlanError::Store(e)) => return Err(e.into()),
        Err(ReadPlanError::File(e)) => {
            errors.add(
                "ledger",
                format!("{}: {e}", l.t("ledger_import.unreadable")),
            );
            return render_detail(
                &s,
                &ui,
                i,
                None,
                FieldErrors::new(),
                false,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let upload = if writes_something(&plan) {
        s.store
            .keep_ledger_upload(viewer.user_id, id, &name, &data)
            .await?
    } else {
        String::new()
    };
    render_ledger_preview(&s, &ui, i, name, file, &plan, upload, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct LedgerApplyForm {
    #[serde(default)]
    upload: String,
    #[serde(default)]
    expect: String,
    #[serde(default)]
    accept_valid: String,
}

/// POST /inspections/{id}/ledger-import/apply: read the kept file again, plan again against
/// the ledger as it is now, and apply when the plan is the one the user saw (and, if rows
/// have problems, only the valid rows were accepted).
pub async fn ledger_import_apply(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<LedgerApplyForm>,
) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let i = s.store.inspection_for(&viewer, id).await?;
    let (name, data) = match s.store.ledger_upload(&f.upload, viewer.user_id, id).await {
        Ok(v) => v,
        Err(rectify_store::StoreError::NotFound { .. }) => {
            let mut errors = FieldErrors::new();
            errors.add("ledger", l.t("ledger_import.expired"));
            return render_detail(
                &s,
                &ui,
                i,
                None,
                FieldErrors::new(),
                false,
                errors,
                StatusCode::GONE,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let (file, plan) = read_and_plan(&s.store, &viewer, id, data, Some(name.clone()))
        .await
        .map_err(|e| match e {
            ReadPlanError::File(e) => UiError::Detailed(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable_ledger",
                e.to_string(),
            ),
            ReadPlanError::Store(e) => e.into(),
        })?;
    let accept_valid = f.accept_valid == "1";
    let refused = if fingerprint(&plan) != f.expect {
        Some(("ledger_import.moved", StatusCode::CONFLICT))
    } else if !plan.problems.is_empty() && !accept_valid {
        Some((
            "ledger_import.accept_needed",
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    } else {
        match rectify_store::ledger_import::apply(
            &s.store,
            &ui.auth.actor(),
            &viewer,
            &plan,
            accept_valid,
        )
        .await
        {
            Ok(_) => None,
            Err(rectify_store::StoreError::Conflict { .. }) => {
                Some(("ledger_import.moved", StatusCode::CONFLICT))
            }
            Err(e) => return Err(e.into()),
        }
    };
    if let Some((error, status)) = refused {
        return render_ledger_preview(
            &s,
            &ui,
            i,
            name,
            file,
            &plan,
            f.upload.clone(),
            Some(l.t(error).to_string()),
            status,
        )
        .await;
    }
    s.store.drop_ledger_upload(&f.upload).await?;
    Ok(super::see_other(&format!(
        "/ledger?view=tree&inspection={id}"
    )))
}
