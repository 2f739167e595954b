//! 回头看 pages: due look-backs with their result form (a relapse reopens the item), the
//! re-verification draws (new draw with size and seed; a draw with its items, its replay from
//! the recorded seed, and the result of each item), and the quality flags with their
//! explanations — prompts to check, never findings. Through the `api::lookback` handlers.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rectify_core::access::Action;
use rectify_core::flags::{Flag, FlagKind};
use rectify_core::lookback::{LookbackOutcome, LookbackState, VerifyResult};
use rectify_store::Inspection;
use rectify_store::lookback::{DrawReplay, Lookback, SampleDraw};
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::sv_common::{SvLabels, api_errors, opt, pick, text_day, typed_date};
use super::{Chrome, Locale, Ui, UiError, UiResult};
use crate::AppState;
use crate::api::lookback as api;
use crate::json::JsonBody;

/// Look-backs per page.
const LOOKBACK_LIMIT: i64 = 200;
/// Flags per page.
const FLAG_LIMIT: i64 = 300;

fn may_read(ui: &Ui) -> UiResult<()> {
    if ui.role().may(Action::LookBack) || ui.role().may(Action::ReVerify) {
        Ok(())
    } else {
        Err(UiError::forbidden())
    }
}

fn version(v: &str) -> UiResult<i64> {
    v.trim()
        .parse()
        .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))
}

// ---------------------------------------------------------------------------------------
// Look-backs

#[derive(Deserialize, Default, Clone)]
pub struct LookbackQuery {
    #[serde(default)]
    state: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ResultForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    notes: String,
}

#[derive(Template)]
#[template(path = "supervision/lookbacks.html")]
struct LookbacksPage {
    c: Chrome,
    state: String,
    rows: Vec<Lookback>,
    can_record: bool,
    /// The row whose result form failed, what was typed, and why.
    failed: Option<(i64, ResultForm, FieldErrors)>,
}

impl LookbacksPage {
    fn err(&self, id: &i64, field: &str) -> Option<String> {
        match &self.failed {
            Some((fid, _, e)) if fid == id => e.get(field).map(str::to_string),
            _ => None,
        }
    }
    fn typed_notes(&self, id: &i64) -> String {
        match &self.failed {
            Some((fid, f, _)) if fid == id => f.notes.clone(),
            _ => String::new(),
        }
    }
    fn day(&self, s: &str) -> String {
        text_day(self.c.l, s)
    }
    fn is_due(&self, l: &Lookback) -> bool {
        l.state == LookbackState::Due
    }
    fn subject(&self, l: &Lookback) -> &'static str {
        match l.subject_type.as_str() {
            "measure" => self.c.l.t("ledger.col_measure"),
            _ => self.c.l.t("ledger.col_problem"),
        }
    }
}

async fn render_lookbacks(
    s: &AppState,
    ui: &Ui,
    state: String,
    failed: Option<(i64, ResultForm, FieldErrors)>,
) -> UiResult<Response> {
    let l = ui.locale;
    let st = match state.as_str() {
        "" => Some(LookbackState::Due),
        "all" => None,
        v => Some(LookbackState::parse(v).ok_or_else(UiError::not_found)?),
    };
    let rows = api::list_lookbacks(
        State(s.clone()),
        ui.auth.clone(),
        Ok(Query(api::LookbackQuery {
            state: st,
            due_by: None,
            limit: Some(LOOKBACK_LIMIT),
        })),
    )
    .await?
    .0;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ui.chrome(s, l.t("sv.lookbacks_title"), "lookback").await;
    Ok(super::html(
        status,
        &LookbacksPage {
            c,
            state,
            rows,
            can_record: ui.role().may(Action::LookBack),
            failed,
        },
    ))
}

/// GET /lookbacks?state= — look-backs in scope, earliest due first (default: those due).
pub async fn lookbacks(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<LookbackQuery>,
) -> UiResult<Response> {
    may_read(&ui)?;
    render_lookbacks(&s, &ui, q.state.trim().to_string(), None).await
}

/// POST /lookbacks/{id}/result — holds, or relapsed (reopens the item, history intact).
pub async fn record(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ResultForm>,
) -> UiResult<Response> {
    ui.require(Action::LookBack)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    let result = match f.result.as_str() {
        "holds" => Some(LookbackOutcome::Holds),
        "relapsed" => Some(LookbackOutcome::Relapsed),
        _ => {
            errors.add("result", l.t("err.bad_selection"));
            None
        }
    };
    if result == Some(LookbackOutcome::Relapsed) {
        errors.require(l, &[("notes", &f.notes)]);
    }
    if let (true, Some(result)) = (errors.is_empty(), result) {
        let r = api::record_lookback(
            State(s.clone()),
            ui.auth.clone(),
            Path(id),
            JsonBody(api::LookbackResultRequest {
                version: version(&f.version)?,
                result,
                notes: opt(&f.notes),
            }),
        )
        .await;
        match r {
            Ok(_) => return Ok(super::see_other("/lookbacks?recorded=1")),
            Err(e) => errors = api_errors(l, e, "result", &[("notes", "notes")])?,
        }
    }
    render_lookbacks(&s, &ui, String::new(), Some((id, f, errors))).await
}

// ---------------------------------------------------------------------------------------
// Re-verification draws

#[derive(Deserialize, Default, Clone)]
pub struct DrawForm {
    #[serde(default)]
    size: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    inspection: String,
    #[serde(default)]
    as_of: String,
}

#[derive(Template)]
#[template(path = "supervision/samples.html")]
struct SamplesPage {
    c: Chrome,
    draws: Vec<SampleDraw>,
    inspections: Vec<Inspection>,
    form: DrawForm,
    errors: FieldErrors,
}

impl SamplesPage {
    fn inspection_selected(&self, id: &i64) -> bool {
        self.form.inspection == id.to_string()
    }
    fn day(&self, s: &str) -> String {
        text_day(self.c.l, s)
    }
    fn size_text(&self, rule: &str) -> String {
        size_text(self.c.l, rule)
    }
}

fn size_text(l: Locale, rule: &str) -> String {
    match rule.split_once(':') {
        Some(("count", n)) => format!("{n} {}", l.t("sv.items_unit")),
        Some(("percent", p)) => format!("{p}%"),
        _ => rule.to_string(),
    }
}

async fn render_samples(
    s: &AppState,
    ui: &Ui,
    form: DrawForm,
    errors: FieldErrors,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let draws = api::list_draws(State(s.clone()), ui.auth.clone()).await?.0;
    let c = ui.chrome(s, l.t("sv.samples_title"), "lookback").await;
    Ok(super::html(
        status,
        &SamplesPage {
            c,
            draws,
            inspections: s.store.inspections(&ui.auth.viewer()).await?,
            form,
            errors,
        },
    ))
}

/// GET /samples — the draws taken in scope, and the form for a new one.
pub async fn samples(State(s): State<AppState>, ui: Ui) -> UiResult<Response> {
    ui.require(Action::ReVerify)?;
    render_samples(
        &s,
        &ui,
        DrawForm::default(),
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// POST /samples — draw closed measures for re-verification (size and seed recorded).
pub async fn create_draw(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<DrawForm>,
) -> UiResult<Response> {
    ui.require(Action::ReVerify)?;
    let l = ui.locale;
    let insps: Vec<i64> = s
        .store
        .inspections(&ui.auth.viewer())
        .await?
        .iter()
        .map(|i| i.id)
        .collect();
    let mut errors = FieldErrors::new();
    errors.require(l, &[("size", &f.size)]);
    let size = if f.size.trim().is_empty() {
        None
    } else {
        match f.size.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add("size", l.t("sv.err.whole_number"));
                None
            }
        }
    };
    let inspection = pick(l, &mut errors, "inspection", &f.inspection, &insps);
    let as_of = typed_date(l, &mut errors, "as_of", &f.as_of);
    if let (true, Some(size)) = (errors.is_empty(), size) {
        let r = api::create_draw(
            State(s.clone()),
            ui.auth.clone(),
            JsonBody(api::DrawRequest {
                size: Some(size),
                percent: None,
                seed: opt(&f.seed),
                inspection_id: inspection,
                as_of: as_of.map(|d| d.format("%Y-%m-%d").to_string()),
            }),
        )
        .await;
        match r {
            Ok((_, d)) => return Ok(super::see_other(&format!("/samples/{}", d.0.id))),
            Err(e) => {
                errors = api_errors(
                    l,
                    e,
                    "size",
                    &[
                        ("seed", "seed"),
                        ("inspection_id", "inspection"),
                        ("as_of", "as_of"),
                    ],
                )?
            }
        }
    }
    render_samples(&s, &ui, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Deserialize, Default, Clone)]
pub struct VerifyForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    notes: String,
}

#[derive(Template)]
#[template(path = "supervision/sample.html")]
struct SamplePage {
    c: Chrome,
    d: SampleDraw,
    replay: DrawReplay,
    failed: Option<(i64, VerifyForm, FieldErrors)>,
}

impl SamplePage {
    fn err(&self, seq: &i64, field: &str) -> Option<String> {
        match &self.failed {
            Some((s, _, e)) if s == seq => e.get(field).map(str::to_string),
            _ => None,
        }
    }
    fn typed_notes(&self, seq: &i64) -> String {
        match &self.failed {
            Some((s, f, _)) if s == seq => f.notes.clone(),
            _ => String::new(),
        }
    }
    fn day(&self, s: &str) -> String {
        text_day(self.c.l, s)
    }
    fn size_text(&self) -> String {
        size_text(self.c.l, &self.d.size_rule)
    }
    fn pending(&self, r: &VerifyResult) -> bool {
        *r == VerifyResult::Pending
    }
    fn replay_ids(&self) -> String {
        self.replay
            .measure_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn render_sample(
    s: &AppState,
    ui: &Ui,
    id: i64,
    failed: Option<(i64, VerifyForm, FieldErrors)>,
) -> UiResult<Response> {
    let l = ui.locale;
    let d = api::get_draw(State(s.clone()), ui.auth.clone(), Path(id))
        .await?
        .0;
    let replay = api::replay_draw(State(s.clone()), ui.auth.clone(), Path(id))
        .await?
        .0;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let c = ui.chrome(s, l.t("sv.sample_title"), "lookback").await;
    Ok(super::html(
        status,
        &SamplePage {
            c,
            d,
            replay,
            failed,
        },
    ))
}

/// GET /samples/{id} — a draw, its items and their results, and its replay from the seed.
pub async fn sample(State(s): State<AppState>, ui: Ui, Path(id): Path<i64>) -> UiResult<Response> {
    ui.require(Action::ReVerify)?;
    render_sample(&s, &ui, id, None).await
}

/// POST /samples/{id}/items/{seq}/result — what re-verifying one drawn item found.
pub async fn verify(
    State(s): State<AppState>,
    ui: Ui,
    Path((id, seq)): Path<(i64, i64)>,
    UiForm(f): UiForm<VerifyForm>,
) -> UiResult<Response> {
    ui.require(Action::ReVerify)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    let result = match f.result.as_str() {
        "confirmed" => Some(VerifyResult::Confirmed),
        "not_confirmed" => Some(VerifyResult::NotConfirmed),
        _ => {
            errors.add("result", l.t("err.bad_selection"));
            None
        }
    };
    if result == Some(VerifyResult::NotConfirmed) {
        errors.require(l, &[("notes", &f.notes)]);
    }
    if let (true, Some(result)) = (errors.is_empty(), result) {
        let r = api::record_verification(
            State(s.clone()),
            ui.auth.clone(),
            Path((id, seq)),
            JsonBody(api::VerifyRequest {
                version: version(&f.version)?,
                result,
                notes: opt(&f.notes),
            }),
        )
        .await;
        match r {
            Ok(_) => return Ok(super::see_other(&format!("/samples/{id}"))),
            Err(e) => errors = api_errors(l, e, "result", &[("notes", "notes")])?,
        }
    }
    render_sample(&s, &ui, id, Some((seq, f, errors))).await
}

// ---------------------------------------------------------------------------------------
// Quality flags

#[derive(Deserialize, Default, Clone)]
pub struct FlagsQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    inspection: String,
}

#[derive(Template)]
#[template(path = "supervision/flags.html")]
struct FlagsPage {
    c: Chrome,
    q: FlagsQuery,
    kinds: Vec<(&'static str, &'static str)>,
    inspections: Vec<Inspection>,
    flags: Vec<Flag>,
}

impl FlagsPage {
    fn inspection_selected(&self, id: &i64) -> bool {
        self.q.inspection == id.to_string()
    }
    /// A figure's name in this language (the raw name when the catalogue lacks it).
    fn figure_name(&self, name: &str) -> String {
        match super::i18n_supervision::lookup(&format!("sv.fig.{name}")) {
            Some((zh, en)) => match self.c.l {
                Locale::Zh => zh.into(),
                Locale::En => en.into(),
            },
            None => name.to_string(),
        }
    }
    fn explanation<'a>(&self, f: &'a Flag) -> &'a str {
        match self.c.l {
            Locale::Zh => &f.explanation_zh,
            Locale::En => &f.explanation_en,
        }
    }
}

const FLAG_KINDS: [FlagKind; 5] = [
    FlagKind::FastClose,
    FlagKind::EvidenceReused,
    FlagKind::BoilerplateText,
    FlagKind::ClosedWithoutEvidence,
    FlagKind::SignedOffWithoutEvidence,
];

/// GET /quality-flags?kind=&inspection= — pointers for the supervisor, each explained.
pub async fn flags(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<FlagsQuery>,
) -> UiResult<Response> {
    ui.require(Action::ReadQualityFlags)?;
    let l = ui.locale;
    let inspections = s.store.inspections(&ui.auth.viewer()).await?;
    let ids: Vec<i64> = inspections.iter().map(|i| i.id).collect();
    let mut errors = FieldErrors::new();
    let inspection = pick(l, &mut errors, "inspection", &q.inspection, &ids);
    let kind = match q.kind.trim() {
        "" => None,
        v => Some(
            FLAG_KINDS
                .into_iter()
                .find(|k| k.as_str() == v)
                .ok_or_else(UiError::not_found)?,
        ),
    };
    if !errors.is_empty() {
        return Err(UiError::not_found());
    }
    let flags = api::list_flags(
        State(s.clone()),
        ui.auth.clone(),
        Ok(Query(api::FlagQuery {
            inspection_id: inspection,
            kind,
            limit: Some(FLAG_LIMIT),
        })),
    )
    .await?
    .0;
    let c = ui.chrome(&s, l.t("sv.flags_title"), "lookback").await;
    Ok(super::page(&FlagsPage {
        c,
        q,
        kinds: FLAG_KINDS
            .iter()
            .map(|k| (k.as_str(), l.flag_kind(k)))
            .collect(),
        inspections,
        flags,
    }))
}
