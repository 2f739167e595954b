//! The measure page (details, history from the audit trail, progress reports with evidence
//! previews, edit with stale-version explanation, review, assignment, problem sign-off), the
//! one-page progress report form (several measures, several files, visible size limit) and
//! the inline evidence preview.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rectify_core::access::{Action, SignOffPolicy, SignOffTier};
use rectify_core::ledger::MeasureKind;
use rectify_core::state::{MeasureState, Transition};
use rectify_core::text;
use rectify_store::dashboard::{LedgerFilter, LedgerRow, LedgerSort};
use rectify_store::{
    AuditFilter, Inspection, MeasurePatch, MeasureView, NewReport, Organisation, Person, Problem,
    ReportView, today,
};
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::{Chrome, Locale, Ui, UiError, UiResult};
use crate::AppState;
use crate::auth::FormCsrf;
use crate::error::ApiError;

/// One entry of the history timeline.
pub struct HistoryEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub changes: Vec<String>,
}

/// A field that changed under the user's feet (shown after a 409).
pub struct Changed {
    pub field: &'static str,
    pub saw: String,
    pub now: String,
}

/// The edit form as typed (kept on errors).
#[derive(Deserialize, Default, Clone)]
pub struct EditForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub orig_text: String,
    #[serde(default)]
    pub orig_kind: String,
    #[serde(default)]
    pub orig_unit: String,
    #[serde(default)]
    pub orig_owner: String,
    #[serde(default)]
    pub orig_deadline: String,
}

impl EditForm {
    fn of(m: &MeasureView) -> EditForm {
        let me = &m.measure;
        let text = me.text.clone();
        let kind = me.kind.as_str().to_string();
        let unit = me
            .responsible_unit_id
            .map(|v| v.to_string())
            .unwrap_or_default();
        let owner = me.owner_id.map(|v| v.to_string()).unwrap_or_default();
        let deadline = me
            .deadline
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        EditForm {
            version: me.version.to_string(),
            orig_text: text.clone(),
            orig_kind: kind.clone(),
            orig_unit: unit.clone(),
            orig_owner: owner.clone(),
            orig_deadline: deadline.clone(),
            text,
            kind,
            unit,
            owner,
            deadline,
        }
    }
}

#[derive(Template)]
#[template(path = "measure.html")]
struct MeasurePage {
    c: Chrome,
    m: MeasureView,
    problem: Problem,
    inspection: Inspection,
    reports: Vec<ReportView>,
    history: Vec<HistoryEntry>,
    can_edit: bool,
    can_review: bool,
    can_assign: bool,
    can_report: bool,
    can_sign_off: bool,
    sign_off_tier: &'static str,
    edit: EditForm,
    edit_errors: FieldErrors,
    conflict: Vec<Changed>,
    review_errors: FieldErrors,
    reason: String,
    units: Vec<Organisation>,
    owners: Vec<Person>,
    kinds: Vec<(&'static str, &'static str)>,
    light: &'static str,
    /// The years the light counted as Monday–Friday (no holidays loaded), joined; empty when
    /// the light is final.
    lights_assumed: String,
    /// The owner's phone: masked (138****5678) unless this response reveals it (audited).
    owner_phone: Option<String>,
    phone_revealed: bool,
}

impl MeasurePage {
    fn is_image(&self, media: &str) -> bool {
        matches!(media, "image/png" | "image/jpeg" | "image/gif")
    }
    fn is_pdf(&self, media: &str) -> bool {
        media == "application/pdf"
    }
    fn size(&self, n: &i64) -> String {
        human_size(*n)
    }
    fn owner_listed(&self) -> bool {
        self.owners
            .iter()
            .any(|o| o.id.to_string() == self.edit.owner)
    }
}

/// `1.5 MB`, `12 KB`.
pub fn human_size(n: i64) -> String {
    if n >= 1024 * 1024 {
        let tenths = (n % (1024 * 1024)) * 10 / (1024 * 1024);
        if tenths == 0 {
            format!("{} MB", n / (1024 * 1024))
        } else {
            format!("{}.{tenths} MB", n / (1024 * 1024))
        }
    } else {
        format!("{} KB", (n + 1023) / 1024)
    }
}

fn history(l: Locale, rows: Vec<rectify_security::audit::AuditRecord>) -> Vec<HistoryEntry> {
    rows.into_iter()
        .map(|r| {
            let before: serde_json::Value = r
                .before
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(serde_json::Value::Null);
            let after: serde_json::Value = r
                .after
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(serde_json::Value::Null);
            let mut changes = Vec::new();
            if let Some(obj) = after.as_object() {
                for (k, v) in obj {
                    let show = |v: &serde_json::Value| match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => "—".into(),
                        other => other.to_string(),
                    };
                    let old = before.get(k).map(show);
                    match old {
                        Some(o) => changes.push(format!("{k}: {o} → {}", show(v))),
                        None => changes.push(format!("{k}: {}", show(v))),
                    }
                }
            }
            let action_id = format!("audit.{}", r.action);
            let action = if l.has(&action_id) {
                l.t(&action_id).to_string()
            } else {
                r.action.clone()
            };
            HistoryEntry {
                at: l.timestamp(&r.at),
                actor: r.actor.unwrap_or_else(|| "—".into()),
                action,
                changes,
            }
        })
        .collect()
}

struct Loaded {
    m: MeasureView,
    problem: Problem,
    inspection: Inspection,
}

async fn load(s: &AppState, ui: &Ui, id: i64) -> UiResult<Loaded> {
    let viewer = ui.auth.viewer();
    let m = s.store.measure_for(&viewer, id).await?;
    let problem = s.store.problem_for(&viewer, m.measure.problem_id).await?;
    let inspection = s
        .store
        .inspection_for(&viewer, m.measure.inspection_id)
        .await?;
    Ok(Loaded {
        m,
        problem,
        inspection,
    })
}

/// Everything the page shows besides the forms' state.
#[allow(clippy::too_many_arguments)]
async fn render(
    s: &AppState,
    ui: &Ui,
    x: Loaded,
    edit: Option<EditForm>,
    edit_errors: FieldErrors,
    conflict: Vec<Changed>,
    review_errors: FieldErrors,
    reason: String,
    status: StatusCode,
    reveal_phone: bool,
) -> UiResult<Response> {
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let role = ui.role();
    let owner_phone = match x.m.measure.owner_id {
        Some(pid) => s.store.person(pid).await?.phone.map(|p| {
            if reveal_phone {
                p
            } else {
                crate::api::admin::mask_phone(&p)
            }
        }),
        None => None,
    };
    let id = x.m.measure.id;
    let reports = s.store.reports_for_measure(&viewer, id).await?;
    let rows = s
        .store
        .audit_list(&AuditFilter {
            object_type: Some("measure".into()),
            object_id: Some(id.to_string()),
            limit: 500,
            ..AuditFilter::default()
        })
        .await?;
    let st = x.m.measure.state;
    let can_edit = role.may(Action::EditMeasure) || role.may(Action::EditPlan);
    let units = if can_edit {
        s.store.organisations_in(&x.inspection.org_path).await?
    } else {
        Vec::new()
    };
    let owners = match (can_edit, x.m.measure.responsible_unit_id) {
        (true, Some(u)) => {
            let org = s.store.organisation(u).await?;
            s.store.people_in(&org.path).await?
        }
        _ => Vec::new(),
    };
    let policy = SignOffPolicy::default();
    let sign_off_tier = match policy.tier(x.problem.severity) {
        SignOffTier::Organisation => l.t("measure.tier_org"),
        SignOffTier::Inspecting => l.t("measure.tier_inspecting"),
    };
    let can_sign_off = role.may(Action::SignOff)
        && x.problem.signed_off_at.is_none()
        && policy.may_sign_off(&viewer.scope, &x.inspection.org_path, x.problem.severity);
    // The daily run's light (closed and draft show green, as the ledger always has).
    let shown = s.store.measure_light(id, today()).await?;
    let light = l.light(shown.light.unwrap_or(rectify_core::progress::Light::Green));
    // Provisional only for a measure under supervision (a draft or closed one has no light).
    let lights_assumed = match shown.light {
        Some(_) => l.years(&shown.assumed_years),
        None => String::new(),
    };
    let kinds = MeasureKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.measure_kind(*k)))
        .collect();
    let c = ui
        .chrome(s, &super::charts::truncate(&x.m.measure.text, 30), "ledger")
        .await;
    let edit = edit.unwrap_or_else(|| EditForm::of(&x.m));
    Ok(super::html(
        status,
        &MeasurePage {
            c,
            can_review: role.may(Action::Review) && st == MeasureState::Submitted,
            can_assign: role.may(Action::EditPlan) && st == MeasureState::Draft,
            can_report: role.may(Action::Report)
                && matches!(
                    st,
                    MeasureState::Assigned
                        | MeasureState::InProgress
                        | MeasureState::Returned
                        | MeasureState::Reopened
                ),
            can_edit,
            can_sign_off,
            sign_off_tier,
            history: history(l, rows),
            reports,
            m: x.m,
            problem: x.problem,
            inspection: x.inspection,
            edit,
            edit_errors,
            conflict,
            review_errors,
            reason,
            units,
            owners,
            kinds,
            light,
            lights_assumed,
            owner_phone,
            phone_revealed: reveal_phone,
        },
    ))
}

/// GET /measures/{id}
pub async fn page(State(s): State<AppState>, ui: Ui, Path(id): Path<i64>) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let x = load(&s, &ui, id).await?;
    render(
        &s,
        &ui,
        x,
        None,
        FieldErrors::new(),
        Vec::new(),
        FieldErrors::new(),
        String::new(),
        StatusCode::OK,
        false,
    )
    .await
}

fn opt_id(v: &str) -> Result<Option<i64>, ()> {
    if v.trim().is_empty() {
        Ok(None)
    } else {
        v.trim().parse::<i64>().map(Some).map_err(|_| ())
    }
}

/// POST /measures/{id}/owner-phone: show the owner's full phone number on the page; each
/// unmasked view is written to the audit trail (SECURITY-BAR row 20).
pub async fn reveal_owner_phone(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let x = load(&s, &ui, id).await?;
    let pid = x.m.measure.owner_id.ok_or_else(UiError::not_found)?;
    let mut w = s.store.begin_write().await?;
    w.audit(
        &ui.auth.actor(),
        rectify_store::AuditEvent::ok("person.phone_view", "person", pid),
    )
    .await?;
    w.commit().await?;
    render(
        &s,
        &ui,
        x,
        None,
        FieldErrors::new(),
        Vec::new(),
        FieldErrors::new(),
        String::new(),
        StatusCode::OK,
        true,
    )
    .await
}

/// POST /measures/{id}: change the fields that differ from what the form showed. A stale
/// version answers 409 with the fields someone else changed meanwhile.
pub async fn edit(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<EditForm>,
) -> UiResult<Response> {
    if !(ui.role().may(Action::EditMeasure) || ui.role().may(Action::EditPlan)) {
        return Err(UiError::forbidden());
    }
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    let mut patch = MeasurePatch::default();
    if f.text != f.orig_text {
        if f.text.trim().is_empty() {
            errors.add("text", l.t("err.required"));
        } else {
            patch.text = Some(f.text.trim().to_string());
        }
    }
    if f.kind != f.orig_kind {
        match MeasureKind::parse(&f.kind) {
            Some(k) => patch.kind = Some(k),
            None => errors.add("kind", l.t("err.bad_selection")),
        }
    }
    if f.unit != f.orig_unit {
        match opt_id(&f.unit) {
            Ok(v) => patch.responsible_unit_id = Some(v),
            Err(()) => errors.add("unit", l.t("err.bad_selection")),
        }
    }
    if f.owner != f.orig_owner {
        match opt_id(&f.owner) {
            Ok(v) => patch.owner_id = Some(v),
            Err(()) => errors.add("owner", l.t("err.bad_selection")),
        }
    }
    if f.deadline != f.orig_deadline {
        if f.deadline.trim().is_empty() {
            patch.deadline = Some(None);
        } else {
            match text::date("deadline", f.deadline.trim()) {
                Ok(d) => patch.deadline = Some(Some(d)),
                Err(e) => errors.add("deadline", l.error(e.code, &e.message)),
            }
        }
    }
    let version: i64 = f.version.parse().unwrap_or(0);
    let mut conflict = Vec::new();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty() {
        if patch.fields().is_empty() {
            return Ok(super::see_other(&format!("/measures/{id}")));
        }
        let mut w = s.store.begin_write().await?;
        match w
            .update_measure(&ui.auth.actor(), &ui.auth.viewer(), id, version, &patch)
            .await
        {
            Ok(_) => {
                w.commit().await?;
                return Ok(super::see_other(&format!("/measures/{id}")));
            }
            Err(e) => {
                drop(w);
                match ApiError::from(e) {
                    ApiError::Conflict { .. } => {
                        status = StatusCode::CONFLICT;
                    }
                    ApiError::Forbidden { code, message } => {
                        // A field this role may not set: shown next to it.
                        let field = message.split(':').next().unwrap_or("").trim().to_string();
                        let field = match field.as_str() {
                            "responsible_unit_id" => "unit".to_string(),
                            "owner_id" => "owner".to_string(),
                            other => other.to_string(),
                        };
                        errors.add(&field, l.error(code, &message));
                    }
                    other => {
                        for (fld, msg) in FieldErrors::from_api(l, other, "text")?.all() {
                            let fld = match fld.as_str() {
                                "responsible_unit_id" => "unit",
                                "owner_id" => "owner",
                                x => x,
                            };
                            errors.add(fld, msg.clone());
                        }
                    }
                }
            }
        }
    }
    let x = load(&s, &ui, id).await?;
    let mut kept = f.clone();
    if status == StatusCode::CONFLICT {
        // What changed since the form was loaded, then the form moves to the current version
        // with the user's own values kept.
        let now = EditForm::of(&x.m);
        let names = |v: &str, units: bool| -> String {
            if v.is_empty() {
                "—".into()
            } else if units {
                format!("#{v}")
            } else {
                v.to_string()
            }
        };
        for (field, saw, cur, is_id) in [
            ("measure.text", &f.orig_text, &now.orig_text, false),
            ("ledger.kind", &f.orig_kind, &now.orig_kind, false),
            ("ledger.col_unit", &f.orig_unit, &now.orig_unit, true),
            ("ledger.col_owner", &f.orig_owner, &now.orig_owner, true),
            (
                "ledger.col_deadline",
                &f.orig_deadline,
                &now.orig_deadline,
                false,
            ),
        ] {
            if saw != cur {
                conflict.push(Changed {
                    field: l.t(field),
                    saw: names(saw, is_id),
                    now: names(cur, is_id),
                });
            }
        }
        if conflict.is_empty() {
            conflict.push(Changed {
                field: l.t("measure.state"),
                saw: String::new(),
                now: l.state(x.m.measure.state).to_string(),
            });
        }
        kept.version = now.version;
        kept.orig_text = now.orig_text;
        kept.orig_kind = now.orig_kind;
        kept.orig_unit = now.orig_unit;
        kept.orig_owner = now.orig_owner;
        kept.orig_deadline = now.orig_deadline;
    }
    render(
        &s,
        &ui,
        x,
        Some(kept),
        errors,
        conflict,
        FieldErrors::new(),
        String::new(),
        status,
        false,
    )
    .await
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

/// POST /measures/{id}/transition: accept (close), close as ongoing, return with a reason,
/// or assign (交办) a draft.
pub async fn transition(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ReviewForm>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let l = ui.locale;
    let t = match f.action.as_str() {
        "close" => Transition::Close,
        "close_ongoing" => Transition::CloseOngoing,
        "return" => Transition::Return,
        "assign" => Transition::Assign,
        "submit" => Transition::Submit,
        _ => return Err(UiError::Page(StatusCode::BAD_REQUEST, "bad_form")),
    };
    let mut errors = FieldErrors::new();
    if t == Transition::Return && f.reason.trim().is_empty() {
        errors.add("reason", l.t("measure.reason_required"));
    }
    let version: i64 = f.version.parse().unwrap_or(0);
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty() {
        let reason = Some(f.reason.trim()).filter(|r| !r.is_empty());
        let mut w = s.store.begin_write().await?;
        match w
            .transition_measure(&ui.auth.actor(), &ui.auth.viewer(), id, version, t, reason)
            .await
        {
            Ok(_) => {
                w.commit().await?;
                return Ok(super::see_other(&format!("/measures/{id}")));
            }
            Err(e) => {
                drop(w);
                match ApiError::from(e) {
                    ApiError::Conflict { message, .. } => {
                        status = StatusCode::CONFLICT;
                        errors.add("review", l.error("version_conflict", &message));
                    }
                    ApiError::NotFound { .. } => return Err(UiError::not_found()),
                    ApiError::Forbidden { .. } => return Err(UiError::forbidden()),
                    other => {
                        for (_, msg) in FieldErrors::from_api(l, other, "review")?.all() {
                            errors.add("review", msg.clone());
                        }
                    }
                }
            }
        }
    }
    let x = load(&s, &ui, id).await?;
    render(
        &s,
        &ui,
        x,
        None,
        FieldErrors::new(),
        Vec::new(),
        errors,
        f.reason,
        status,
        false,
    )
    .await
}

#[derive(Deserialize)]
pub struct SignOffForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    back: String,
}

/// POST /problems/{id}/sign-off (两级销号; the tier follows the problem's severity).
pub async fn sign_off(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<SignOffForm>,
) -> UiResult<Response> {
    ui.require(Action::SignOff)?;
    let version: i64 = f.version.parse().unwrap_or(0);
    let mut w = s.store.begin_write().await?;
    w.sign_off_problem(
        &ui.auth.actor(),
        &ui.auth.viewer(),
        id,
        version,
        &SignOffPolicy::default(),
    )
    .await?;
    w.commit().await?;
    let back = if super::safe_next(&f.back) {
        f.back
    } else {
        "/ledger".into()
    };
    Ok(super::see_other(&back))
}

// ---------------------------------------------------------------------------------------
// Progress report form

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportFormPage {
    c: Chrome,
    measures: Vec<LedgerRow>,
    selected: Vec<i64>,
    text: String,
    /// Nothing until the owner chooses (no default that could be sent unread).
    percent: Option<i64>,
    submit: bool,
    errors: FieldErrors,
    limit_text: String,
    limit_bytes: usize,
    files_lost: bool,
}

impl ReportFormPage {
    fn is_selected(&self, id: &i64) -> bool {
        self.selected.contains(id)
    }

    fn is_percent(&self, p: &i64) -> bool {
        self.percent == Some(*p)
    }
}

/// The measures this user may report on now (open and assigned), most urgent first.
async fn reportable(s: &AppState, ui: &Ui) -> UiResult<Vec<LedgerRow>> {
    let f = LedgerFilter {
        open: true,
        sort: LedgerSort::Deadline,
        limit: 200,
        ..LedgerFilter::default()
    };
    let rows = s
        .store
        .ledger_page(&ui.auth.viewer(), &f, today())
        .await?
        .rows;
    Ok(rows
        .into_iter()
        .filter(|r| {
            matches!(
                r.state,
                MeasureState::Assigned
                    | MeasureState::InProgress
                    | MeasureState::Returned
                    | MeasureState::Reopened
            )
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    s: &AppState,
    ui: &Ui,
    selected: Vec<i64>,
    text: String,
    percent: Option<i64>,
    submit: bool,
    errors: FieldErrors,
    files_lost: bool,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let measures = reportable(s, ui).await?;
    let c = ui.chrome(s, l.t("report.new"), "home").await;
    let limit = s.config.upload_limit;
    Ok(super::html(
        status,
        &ReportFormPage {
            c,
            measures,
            selected,
            text,
            percent,
            submit,
            errors,
            limit_text: human_size(limit as i64),
            limit_bytes: limit,
            files_lost,
        },
    ))
}

/// GET /reports/new?m=1&m=2
pub async fn new_report(
    State(s): State<AppState>,
    ui: Ui,
    RawQuery(q): RawQuery,
) -> UiResult<Response> {
    ui.require(Action::Report)?;
    let selected: Vec<i64> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "m")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    render_form(
        &s,
        &ui,
        selected,
        String::new(),
        None,
        false,
        FieldErrors::new(),
        false,
        StatusCode::OK,
    )
    .await
}

/// A signed-in multipart request whose first field, `_csrf`, has been checked like the
/// header; the remaining fields are read by the handler.
pub struct UiMultipart {
    pub ui: Ui,
    pub form: Multipart,
}

impl FromRequest<AppState> for UiMultipart {
    type Rejection = UiError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // Refuse an upload over the limit before reading it.
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > state.config.upload_limit) {
            return Err(UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
        }
        // The parts `auth` needs, copied before the body is handed to the multipart reader.
        let mut b = Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone());
        if let Some(h) = b.headers_mut() {
            *h = req.headers().clone();
        }
        if let Some(c) = req.extensions().get::<crate::auth::Ctx>().cloned() {
            b = b.extension(c);
        }
        if let Some(n) = req.extensions().get::<super::Nonce>().cloned() {
            b = b.extension(n);
        }
        if let Some(l) = req.extensions().get::<Locale>().copied() {
            b = b.extension(l);
        }
        if let Some(w) = req.extensions().get::<super::SignedIn>().cloned() {
            b = b.extension(w);
        }
        let (mut parts, ()) = b
            .body(())
            .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?
            .into_parts();
        if let Some(f) = req.extensions().get::<FormCsrf>().cloned() {
            parts.extensions.insert(f);
        }
        let mut form = match Multipart::from_request(req, state).await {
            Ok(f) => f,
            Err(_) => {
                // Not multipart: the session and CSRF checks still answer first.
                <Ui as axum::extract::FromRequestParts<AppState>>::from_request_parts(
                    &mut parts, state,
                )
                .await?;
                return Err(UiError::Page(StatusCode::BAD_REQUEST, "bad_form"));
            }
        };
        let first = form
            .next_field()
            .await
            .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?;
        if let Some(field) = first
            && field.name() == Some("_csrf")
        {
            let token = field
                .text()
                .await
                .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?;
            parts.extensions.insert(FormCsrf(token));
        }
        let ui = <Ui as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            &mut parts, state,
        )
        .await?;
        Ok(UiMultipart { ui, form })
    }
}

/// POST /reports (multipart): one report answering the ticked measures, with the chosen
/// files as evidence, all written in one transaction.
pub async fn create_report(
    State(s): State<AppState>,
    UiMultipart { ui, mut form }: UiMultipart,
) -> UiResult<Response> {
    ui.require(Action::Report)?;
    let l = ui.locale;
    let mut selected = Vec::new();
    let mut text_v = String::new();
    let mut percent_v = String::new();
    let mut submit = false;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut errors = FieldErrors::new();
    let too_large = || UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    while let Some(field) = form.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            UiError::Page(StatusCode::BAD_REQUEST, "bad_form")
        }
    })? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "files" => {
                let file_name = field.file_name().unwrap_or("").to_string();
                let data = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        UiError::Page(StatusCode::BAD_REQUEST, "bad_form")
                    }
                })?;
                if file_name.is_empty() && data.is_empty() {
                    continue; // no file chosen
                }
                files.push((file_name, data.to_vec()));
            }
            other => {
                let v = field
                    .text()
                    .await
                    .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))?;
                match other {
                    "m" => match v.parse::<i64>() {
                        Ok(id) => selected.push(id),
                        Err(_) => errors.add("m", l.t("err.bad_selection")),
                    },
                    "text" => text_v = v,
                    "percent" => percent_v = v,
                    "submit" => submit = v == "1",
                    _ => {}
                }
            }
        }
    }
    if selected.is_empty() {
        errors.add("m", l.t("report.pick_measure"));
    }
    if text_v.trim().is_empty() {
        errors.add("text", l.t("err.required"));
    }
    let percent = match percent_v.trim().parse::<i64>() {
        Ok(p) if (0..=100).contains(&p) => Some(p),
        _ if percent_v.trim().is_empty() => {
            errors.add("percent", l.t("err.required"));
            None
        }
        _ => {
            errors.add("percent", l.t("report.percent_range"));
            None
        }
    };
    let mut checked = Vec::new();
    for (name, data) in &files {
        let safe = match crate::api::ledger::safe_file_name(name) {
            Ok(n) => n,
            Err(_) => {
                errors.add("files", format!("{}: {name}", l.t("report.bad_file_name")));
                continue;
            }
        };
        match crate::api::ledger::sniff(data).filter(|t| *t != "application/octet-stream") {
            Some(t) if !data.is_empty() => checked.push((safe, t, data)),
            _ => errors.add("files", format!("{}: {safe}", l.t("report.bad_file_type"))),
        }
    }
    if errors.is_empty() {
        let viewer = ui.auth.viewer();
        let actor = ui.auth.actor();
        let result: Result<i64, rectify_store::StoreError> = async {
            let mut w = s.store.begin_write().await?;
            let mut evidence_ids = Vec::new();
            for (name, media, data) in &checked {
                let key = w.put_blob(s.store.blob_location(), data).await?;
                evidence_ids.push(
                    w.create_evidence(&actor, &viewer, &key, name, media, data.len() as i64)
                        .await?,
                );
            }
            let id = w
                .create_report(
                    &actor,
                    &viewer,
                    &NewReport {
                        measure_ids: selected.clone(),
                        text: text_v.trim().to_string(),
                        percent: percent.unwrap_or_default(),
                        reported_on: today(),
                        evidence_ids,
                        submit,
                    },
                )
                .await?;
            w.commit().await?;
            Ok(id)
        }
        .await;
        match result {
            Ok(_) => return Ok(super::see_other(&format!("/measures/{}", selected[0]))),
            Err(e) => {
                for (f, msg) in FieldErrors::from_api(l, ApiError::from(e), "text")?.all() {
                    let f = match f.as_str() {
                        "measure_ids" => "m",
                        "evidence_ids" => "files",
                        x => x,
                    };
                    errors.add(f, msg.clone());
                }
            }
        }
    }
    let files_lost = !files.is_empty();
    render_form(
        &s,
        &ui,
        selected,
        text_v,
        percent,
        submit,
        errors,
        files_lost,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Evidence preview

/// GET /evidence/{id}/view: an image or PDF shown inline on the measure page (same-origin
/// framing only); anything else downloads. The name travels as RFC 6266 `filename*`.
pub async fn view_evidence(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let e = s.store.evidence_for(&ui.auth.viewer(), id).await?;
    let data = s.store.get_blob(&e.sha256).await?;
    let inline = matches!(
        e.media_type.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "application/pdf"
    );
    let disposition = crate::api::ledger::content_disposition(&e.file_name);
    let disposition = if inline {
        disposition.replacen("attachment", "inline", 1)
    } else {
        disposition
    };
    let mut resp = data.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&e.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; frame-ancestors 'self'"),
    );
    Ok(resp)
}
