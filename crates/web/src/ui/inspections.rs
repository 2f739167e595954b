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
    import_errors: FieldErrors,
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
    let mut data = Vec::new();
    let mut name = String::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?
    {
        if field.name() == Some("notice") {
            name = field.file_name().unwrap_or("").to_string();
            data = field
                .bytes()
                .await
                .map_err(|_| UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large"))?
                .to_vec();
        }
    }
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
