//! 工作台账 pages: the register statistics, and per register (meetings, rules issued, accountability,
//! money, site visits, talks) its list and a form to record an entry. Reads and writes go
//! through the `api::registers` handlers (same scope, role checks, validation and audit).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rectify_core::access::Action;
use rectify_core::registers::{
    AccountabilityForm, EntryBody, EntryInput, MeetingKind, MoneyKind, RegisterKind, RuleChange,
};
use rectify_store::registers::{RegisterEntry, RegisterStats};
use rectify_store::{Inspection, Organisation};
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::sv_common::{SvLabels, api_errors, id_list, opt, pick, typed_date};
use super::{Chrome, Locale, Ui, UiError, UiResult};
use crate::AppState;
use crate::api::registers as api;
use crate::json::JsonBody;

/// Entries shown on a register's page (newest first).
const PAGE_ROWS: usize = 300;

fn kind_of(v: &str) -> UiResult<RegisterKind> {
    RegisterKind::parse(v).ok_or_else(UiError::not_found)
}

// ---------------------------------------------------------------------------------------
// Statistics

#[derive(Deserialize, Default)]
pub struct StatsForm {
    #[serde(default)]
    inspection: String,
}

#[derive(Template)]
#[template(path = "supervision/registers.html")]
struct StatsPage {
    c: Chrome,
    q: StatsForm,
    inspections: Vec<Inspection>,
    stats: RegisterStats,
    kinds: Vec<(&'static str, &'static str)>,
}

impl StatsPage {
    fn inspection_selected(&self, id: &i64) -> bool {
        self.q.inspection == id.to_string()
    }
    fn money_label(&self, k: &MoneyKind) -> &'static str {
        self.c.l.money_kind(k)
    }
    fn kind_label(&self, prefix: &str, kind: &str) -> String {
        let l = self.c.l;
        match prefix {
            "meeting" => MeetingKind::parse(kind).map(|k| l.meeting_kind(k)),
            _ => AccountabilityForm::parse(kind).map(|k| l.accountability_form(k)),
        }
        .unwrap_or(kind)
        .to_string()
    }
}

fn kinds(l: Locale) -> Vec<(&'static str, &'static str)> {
    RegisterKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.register_kind(k)))
        .collect()
}

/// GET /registers — counts by type, rules, people held accountable, money totals.
pub async fn stats(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<StatsForm>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let inspections = s.store.inspections(&viewer).await?;
    let ids: Vec<i64> = inspections.iter().map(|i| i.id).collect();
    let mut errors = FieldErrors::new();
    let inspection = pick(l, &mut errors, "inspection", &q.inspection, &ids);
    if !errors.is_empty() {
        return Err(UiError::not_found());
    }
    let stats = api::register_stats(
        State(s.clone()),
        ui.auth.clone(),
        Ok(Query(api::StatsQuery {
            inspection_id: inspection,
        })),
    )
    .await?
    .0;
    let c = ui.chrome(&s, l.t("sv.registers_title"), "registers").await;
    Ok(super::page(&StatsPage {
        c,
        q,
        inspections,
        stats,
        kinds: kinds(l),
    }))
}

// ---------------------------------------------------------------------------------------
// One register: list and form

/// Every field of every register's form, as typed; the kind decides which are read.
#[derive(Deserialize, Default, Clone)]
pub struct EntryForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    inspection: String,
    #[serde(default)]
    on_date: String,
    #[serde(default)]
    meeting_kind: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    decisions: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    money_kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    measures: String,
}

/// One entry as a row of its register's table.
pub struct Row {
    pub id: i64,
    pub date: String,
    pub org: String,
    /// The kind's sub-kind (meeting kind, form, money kind, new/revised).
    pub sub: String,
    /// Topic, title, person or subject.
    pub main: String,
    /// Document number, or the exact amount in yuan.
    pub figure: String,
    /// Attendees, decisions, reason, findings or note.
    pub detail: String,
    pub links: String,
}

fn row(l: Locale, e: &RegisterEntry) -> Row {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let (sub, main, figure, detail) = match &e.entry {
        EntryBody::Meeting {
            meeting_kind,
            topic,
            attendees,
            decisions,
        } => {
            let mut d = o(attendees);
            if let Some(x) = decisions {
                if !d.is_empty() {
                    d.push_str(" · ");
                }
                d.push_str(x);
            }
            (
                l.meeting_kind(meeting_kind).to_string(),
                topic.clone(),
                String::new(),
                d,
            )
        }
        EntryBody::Rule {
            title,
            doc_number,
            change,
        } => (
            l.rule_change(change).to_string(),
            title.clone(),
            o(doc_number),
            String::new(),
        ),
        EntryBody::Accountability {
            person,
            form,
            reason,
        } => (
            l.accountability_form(form).to_string(),
            person.clone(),
            String::new(),
            o(reason),
        ),
        EntryBody::Money {
            money_kind,
            amount_yuan,
            note,
            ..
        } => (
            l.money_kind(money_kind).to_string(),
            String::new(),
            format!("{amount_yuan}{}", l.t("sv.yuan")),
            o(note),
        ),
        EntryBody::SiteVisit { subject, findings } => {
            (String::new(), subject.clone(), String::new(), o(findings))
        }
        EntryBody::Talk { person, reason } => {
            (String::new(), person.clone(), String::new(), o(reason))
        }
    };
    let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let mut links = String::new();
    if !e.problem_ids.is_empty() {
        links.push_str(&format!(
            "{} {}",
            l.t("ledger.col_problem"),
            ids(&e.problem_ids)
        ));
    }
    if !e.measure_ids.is_empty() {
        if !links.is_empty() {
            links.push_str("; ");
        }
        links.push_str(&format!(
            "{} {}",
            l.t("ledger.col_measure"),
            ids(&e.measure_ids)
        ));
    }
    Row {
        id: e.id,
        date: l.date(e.on_date),
        org: e.organisation.clone(),
        sub,
        main,
        figure,
        detail,
        links,
    }
}

#[derive(Template)]
#[template(path = "supervision/register.html")]
struct RegisterPage {
    c: Chrome,
    kind: &'static str,
    kind_label: &'static str,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    more: bool,
    can_edit: bool,
    orgs: Vec<Organisation>,
    inspections: Vec<Inspection>,
    form: EntryForm,
    errors: FieldErrors,
    subs: Vec<(&'static str, &'static str)>,
    saved: bool,
}

impl RegisterPage {
    fn org_selected(&self, id: &i64) -> bool {
        self.form.org == id.to_string()
    }
    fn inspection_selected(&self, id: &i64) -> bool {
        self.form.inspection == id.to_string()
    }
    /// The typed value of the sub-kind select of this register.
    fn sub_value(&self) -> &str {
        match self.kind {
            "meeting" => &self.form.meeting_kind,
            "rule" => &self.form.change,
            "accountability" => &self.form.form,
            _ => &self.form.money_kind,
        }
    }
    fn sub_name(&self) -> &'static str {
        match self.kind {
            "meeting" => "meeting_kind",
            "rule" => "change",
            "accountability" => "form",
            _ => "money_kind",
        }
    }
    fn has_sub(&self) -> bool {
        !self.subs.is_empty()
    }
}

fn subs(l: Locale, kind: RegisterKind) -> Vec<(&'static str, &'static str)> {
    match kind {
        RegisterKind::Meeting => MeetingKind::ALL
            .iter()
            .map(|k| (k.as_str(), l.meeting_kind(k)))
            .collect(),
        RegisterKind::Rule => RuleChange::ALL
            .iter()
            .map(|k| (k.as_str(), l.rule_change(k)))
            .collect(),
        RegisterKind::Accountability => AccountabilityForm::ALL
            .iter()
            .map(|k| (k.as_str(), l.accountability_form(k)))
            .collect(),
        RegisterKind::Money => MoneyKind::ALL
            .iter()
            .map(|k| (k.as_str(), l.money_kind(k)))
            .collect(),
        RegisterKind::SiteVisit | RegisterKind::Talk => Vec::new(),
    }
}

#[derive(Deserialize, Default)]
pub struct ListForm {
    #[serde(default)]
    saved: String,
}

async fn render_register(
    s: &AppState,
    ui: &Ui,
    kind: RegisterKind,
    form: EntryForm,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let entries = api::list_entries(
        State(s.clone()),
        ui.auth.clone(),
        Ok(Query(api::EntryQuery {
            kind: Some(kind),
            inspection_id: None,
            from: None,
            to: None,
        })),
    )
    .await?
    .0;
    let more = entries.len() > PAGE_ROWS;
    let rows = entries.iter().take(PAGE_ROWS).map(|e| row(l, e)).collect();
    let can_edit = ui.role().may(Action::EditRegisters);
    let (orgs, inspections) = if can_edit {
        (
            s.store.organisations_in(&viewer.scope).await?,
            s.store.inspections(&viewer).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let kind_label = l.register_kind(kind);
    let c = ui.chrome(s, kind_label, "registers").await;
    Ok(super::html(
        status,
        &RegisterPage {
            c,
            kind: kind.as_str(),
            kind_label,
            kinds: kinds(l),
            rows,
            more,
            can_edit,
            orgs,
            inspections,
            form,
            errors,
            subs: subs(l, kind),
            saved,
        },
    ))
}

/// GET /registers/{kind}
pub async fn register(
    State(s): State<AppState>,
    ui: Ui,
    Path(kind): Path<String>,
    Query(q): Query<ListForm>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let kind = kind_of(&kind)?;
    let mut form = EntryForm {
        on_date: rectify_store::today().format("%Y-%m-%d").to_string(),
        ..EntryForm::default()
    };
    if let Some((first, _)) = subs(ui.locale, kind).first() {
        match kind {
            RegisterKind::Meeting => form.meeting_kind = (*first).into(),
            RegisterKind::Rule => form.change = (*first).into(),
            RegisterKind::Accountability => form.form = (*first).into(),
            _ => form.money_kind = (*first).into(),
        }
    }
    render_register(
        &s,
        &ui,
        kind,
        form,
        FieldErrors::new(),
        !q.saved.is_empty(),
        StatusCode::OK,
    )
    .await
}

/// The kind's part of the form as the API takes it; required fields checked here so every
/// missing one is named at once.
fn entry_input(
    l: Locale,
    kind: RegisterKind,
    f: &EntryForm,
    errors: &mut FieldErrors,
) -> Option<EntryInput> {
    let mut sub = |field: &str, v: &str| -> Option<String> {
        if v.trim().is_empty() {
            errors.add(field, l.t("err.required"));
            None
        } else {
            Some(v.trim().to_string())
        }
    };
    let bad = |field: &str, errors: &mut FieldErrors| errors.add(field, l.t("err.bad_selection"));
    Some(match kind {
        RegisterKind::Meeting => {
            let k = MeetingKind::parse(f.meeting_kind.trim());
            let topic = sub("topic", &f.topic);
            if k.is_none() {
                bad("meeting_kind", errors);
            }
            EntryInput::Meeting {
                meeting_kind: k?,
                topic: topic?,
                attendees: opt(&f.attendees),
                decisions: opt(&f.decisions),
            }
        }
        RegisterKind::Rule => {
            let c = RuleChange::parse(f.change.trim());
            let title = sub("title", &f.title);
            if c.is_none() {
                bad("change", errors);
            }
            EntryInput::Rule {
                title: title?,
                doc_number: opt(&f.doc_number),
                change: c?,
            }
        }
        RegisterKind::Accountability => {
            let k = AccountabilityForm::parse(f.form.trim());
            let person = sub("person", &f.person);
            if k.is_none() {
                bad("form", errors);
            }
            EntryInput::Accountability {
                person: person?,
                form: k?,
                reason: opt(&f.reason),
            }
        }
        RegisterKind::Money => {
            let k = MoneyKind::parse(f.money_kind.trim());
            let amount = sub("amount", &f.amount);
            if k.is_none() {
                bad("money_kind", errors);
            }
            EntryInput::Money {
                money_kind: k?,
                amount: amount?,
                note: opt(&f.note),
            }
        }
        RegisterKind::SiteVisit => EntryInput::SiteVisit {
            subject: sub("subject", &f.subject)?,
            findings: opt(&f.findings),
        },
        RegisterKind::Talk => EntryInput::Talk {
            person: sub("person", &f.person)?,
            reason: opt(&f.reason),
        },
    })
}

/// POST /registers/{kind} — record an entry (office).
pub async fn create(
    State(s): State<AppState>,
    ui: Ui,
    Path(kind): Path<String>,
    UiForm(f): UiForm<EntryForm>,
) -> UiResult<Response> {
    ui.require(Action::EditRegisters)?;
    let kind = kind_of(&kind)?;
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let orgs: Vec<i64> = s
        .store
        .organisations_in(&viewer.scope)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
    let insps: Vec<i64> = s
        .store
        .inspections(&viewer)
        .await?
        .iter()
        .map(|i| i.id)
        .collect();
    let mut errors = FieldErrors::new();
    errors.require(l, &[("org", &f.org), ("on_date", &f.on_date)]);
    let org = pick(l, &mut errors, "org", &f.org, &orgs);
    let inspection = pick(l, &mut errors, "inspection", &f.inspection, &insps);
    let on = typed_date(l, &mut errors, "on_date", &f.on_date);
    let entry = entry_input(l, kind, &f, &mut errors);
    let problems = id_list(l, &mut errors, "problems", &f.problems);
    let measures = id_list(l, &mut errors, "measures", &f.measures);
    if let (true, Some(org), Some(on), Some(entry)) = (errors.is_empty(), org, on, entry) {
        let r = api::create_entry(
            State(s.clone()),
            ui.auth.clone(),
            JsonBody(api::EntryRequest {
                version: None,
                organisation_id: org,
                inspection_id: inspection,
                on_date: on.format("%Y-%m-%d").to_string(),
                entry,
                problem_ids: problems,
                measure_ids: measures,
            }),
        )
        .await;
        match r {
            Ok(_) => {
                return Ok(super::see_other(&format!(
                    "/registers/{}?saved=1",
                    kind.as_str()
                )));
            }
            Err(e) => {
                let shown: Vec<(&str, &str)> = [
                    ("organisation_id", "org"),
                    ("inspection_id", "inspection"),
                    ("on_date", "on_date"),
                    ("problem_ids", "problems"),
                    ("measure_ids", "measures"),
                ]
                .into_iter()
                .chain(
                    [
                        "topic",
                        "attendees",
                        "decisions",
                        "title",
                        "doc_number",
                        "person",
                        "reason",
                        "amount",
                        "note",
                        "subject",
                        "findings",
                    ]
                    .into_iter()
                    .map(|f| (f, f)),
                )
                .collect();
                let fallback = match kind {
                    RegisterKind::Meeting => "topic",
                    RegisterKind::Rule => "title",
                    RegisterKind::Money => "amount",
                    RegisterKind::SiteVisit => "subject",
                    _ => "person",
                };
                errors = api_errors(l, e, fallback, &shown)?;
            }
        }
    }
    render_register(
        &s,
        &ui,
        kind,
        f,
        errors,
        false,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
