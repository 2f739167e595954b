//! 督查督办 pages: the lights summary, the monthly lagging / at-risk lists (filters, .docx,
//! notices drafted from them) and supervision notices (督办单: list, new, detail with issue /
//! reply / review / close, .docx). Every read and change goes through the `api::notices` and
//! `api::supervision` handlers, so scope, role checks and audit rows are the API's.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rectify_core::access::Action;
use rectify_core::notices::{NoticeState, Tier};
use rectify_store::Organisation;
use rectify_store::notices::{MonthlyLists, NewNoticeItem, ReviewOutcome, SupervisionNotice};
use rectify_store::supervision::LightCounts;
use serde::Deserialize;

use super::forms::{FieldErrors, UiForm};
use super::sv_common::{SvLabels, api_errors, id_list, opt, pick, typed_date};
use super::{Chrome, Locale, Ui, UiError, UiResult};
use crate::AppState;
use crate::api::notices as api;
use crate::api::supervision as sapi;
use crate::json::JsonBody;

/// Items listed per monthly list on the page (every unit's count is always shown; the .docx
/// carries them all).
const PAGE_LIST_LIMIT: usize = 100;

fn ymd(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn this_month() -> String {
    rectify_store::today().format("%Y-%m").to_string()
}

fn units_of(orgs: &[Organisation]) -> Vec<i64> {
    orgs.iter().map(|o| o.id).collect()
}

// ---------------------------------------------------------------------------------------
// Lights summary

#[derive(Template)]
#[template(path = "supervision/index.html")]
struct IndexPage {
    c: Chrome,
    date: String,
    date_error: Option<String>,
    lights: LightCounts,
    latest: Option<sapi::RunView>,
    can_supervise: bool,
}

#[derive(Deserialize, Default)]
pub struct DayForm {
    #[serde(default)]
    date: String,
}

/// GET /supervision — counts by light as of a day in the caller's scope, and the last run.
pub async fn index(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<DayForm>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    let day = typed_date(l, &mut errors, "date", &q.date);
    let date = day.map(ymd);
    let r = sapi::lights_summary(
        State(s.clone()),
        ui.auth.clone(),
        Query(sapi::DayQuery { date: date.clone() }),
    )
    .await?
    .0;
    let c = ui.chrome(&s, l.t("sv.lights_title"), "supervision").await;
    Ok(super::page(&IndexPage {
        c,
        date: if errors.is_empty() {
            ymd(r.date)
        } else {
            q.date.clone()
        },
        date_error: errors.get("date").map(str::to_string),
        lights: r.lights,
        latest: r.latest_run,
        can_supervise: ui.role().may(Action::SuperviseNotices),
    }))
}

// ---------------------------------------------------------------------------------------
// Monthly lists

#[derive(Deserialize, Default, Clone)]
pub struct ListsForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    unit: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct DraftForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    reply_due: String,
    #[serde(default)]
    include_at_risk: String,
}

#[derive(Template)]
#[template(path = "supervision/lists.html")]
struct ListsPage {
    c: Chrome,
    q: ListsForm,
    errors: FieldErrors,
    units: Vec<Organisation>,
    lists: Option<MonthlyLists>,
    docx: String,
    can_supervise: bool,
    draft: DraftForm,
    draft_errors: FieldErrors,
}

impl ListsPage {
    fn unit_selected(&self, id: &i64) -> bool {
        self.q.unit == id.to_string()
    }
}

async fn render_lists(
    s: &AppState,
    ui: &Ui,
    q: ListsForm,
    draft: DraftForm,
    draft_errors: FieldErrors,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let units = s.store.organisations_in(&ui.auth.viewer().scope).await?;
    let mut errors = FieldErrors::new();
    let unit = pick(l, &mut errors, "unit", &q.unit, &units_of(&units));
    let mut lists = None;
    if errors.is_empty() {
        let r = api::monthly_lists(
            State(s.clone()),
            ui.auth.clone(),
            Ok(Query(api::ListsQuery {
                month: q.month.trim().to_string(),
                window_workdays: None,
                unit_id: unit,
                limit: Some(PAGE_LIST_LIMIT),
            })),
        )
        .await;
        match r {
            Ok(j) => lists = Some(j.0),
            Err(e) => errors = api_errors(l, e, "month", &[("unit_id", "unit")])?,
        }
    }
    let docx = {
        let mut d = form_urlencoded::Serializer::new(String::new());
        d.append_pair("month", q.month.trim());
        if let Some(u) = unit {
            d.append_pair("unit", &u.to_string());
        }
        format!("/supervision/lists.docx?{}", d.finish())
    };
    let c = ui.chrome(s, l.t("sv.lists_title"), "supervision").await;
    let status = if errors.is_empty() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &ListsPage {
            c,
            docx,
            q,
            errors,
            units,
            lists,
            can_supervise: ui.role().may(Action::SuperviseNotices),
            draft,
            draft_errors,
        },
    ))
}

/// GET /supervision/lists?month=&unit= — the month's lagging and at-risk lists.
pub async fn lists(
    State(s): State<AppState>,
    ui: Ui,
    Query(mut q): Query<ListsForm>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    if q.month.trim().is_empty() {
        q.month = this_month();
    }
    let draft = DraftForm {
        month: q.month.clone(),
        reply_due: String::new(),
        include_at_risk: "1".into(),
    };
    render_lists(&s, &ui, q, draft, FieldErrors::new(), StatusCode::OK).await
}

/// GET /supervision/lists.docx?month=&unit= — the lists as a document to edit and issue.
pub async fn lists_docx(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<ListsForm>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let units = s.store.organisations_in(&ui.auth.viewer().scope).await?;
    let mut errors = FieldErrors::new();
    let unit = pick(ui.locale, &mut errors, "unit", &q.unit, &units_of(&units));
    if !errors.is_empty() {
        return Err(UiError::Page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_selection",
        ));
    }
    let month = if q.month.trim().is_empty() {
        this_month()
    } else {
        q.month.trim().to_string()
    };
    Ok(api::monthly_lists_docx(
        State(s),
        ui.auth.clone(),
        Ok(Query(api::ListsQuery {
            month,
            window_workdays: None,
            unit_id: unit,
            limit: None,
        })),
    )
    .await?
    .into_response())
}

/// POST /supervision/lists/drafts — one draft notice per unit from the month's lists.
pub async fn draft(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<DraftForm>,
) -> UiResult<Response> {
    ui.require(Action::SuperviseNotices)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    errors.require(l, &[("reply_due", &f.reply_due)]);
    let due = typed_date(l, &mut errors, "reply_due", &f.reply_due);
    let q = ListsForm {
        month: f.month.clone(),
        unit: String::new(),
    };
    if let (true, Some(due)) = (errors.is_empty(), due) {
        let r = api::draft_from_lists(
            State(s.clone()),
            ui.auth.clone(),
            JsonBody(api::DraftsRequest {
                month: f.month.trim().to_string(),
                reply_due: ymd(due),
                window_workdays: None,
                include_at_risk: Some(!f.include_at_risk.is_empty()),
            }),
        )
        .await;
        match r {
            Ok((_, out)) => {
                let to = format!("/notices?month={}&drafted={}", f.month.trim(), out.0.len());
                return Ok(super::see_other(&to));
            }
            Err(e) => errors = api_errors(l, e, "reply_due", &[("month", "month")])?,
        }
    }
    render_lists(&s, &ui, q, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

// ---------------------------------------------------------------------------------------
// Notices: list and new

#[derive(Deserialize, Default, Clone)]
pub struct NoticeFilterForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    drafted: String,
}

#[derive(Template)]
#[template(path = "supervision/notices.html")]
struct NoticesPage {
    c: Chrome,
    q: NoticeFilterForm,
    errors: FieldErrors,
    units: Vec<Organisation>,
    states: Vec<(&'static str, &'static str)>,
    notices: Vec<SupervisionNotice>,
    can_supervise: bool,
}

impl NoticesPage {
    fn unit_selected(&self, id: &i64) -> bool {
        self.q.unit == id.to_string()
    }
}

/// GET /notices — notices addressed to units in scope, newest first.
pub async fn notices(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<NoticeFilterForm>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    let l = ui.locale;
    let units = s.store.organisations_in(&ui.auth.viewer().scope).await?;
    let mut errors = FieldErrors::new();
    let unit = pick(l, &mut errors, "unit", &q.unit, &units_of(&units));
    let state = match q.state.trim() {
        "" => None,
        v => match NoticeState::parse(v) {
            Some(st) => Some(st),
            None => {
                errors.add("state", l.t("err.bad_selection"));
                None
            }
        },
    };
    let mut notices = Vec::new();
    if errors.is_empty() {
        let r = api::list_notices(
            State(s.clone()),
            ui.auth.clone(),
            Ok(Query(api::NoticeQuery {
                state,
                unit_id: unit,
                month: opt(&q.month),
                overdue: (!q.overdue.is_empty()).then_some(true),
            })),
        )
        .await;
        match r {
            Ok(j) => notices = j.0,
            Err(e) => {
                errors = api_errors(l, e, "month", &[("state", "state"), ("unit_id", "unit")])?
            }
        }
    }
    let c = ui.chrome(&s, l.t("sv.notices_title"), "supervision").await;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &NoticesPage {
            c,
            q,
            errors,
            units,
            states: NoticeState::ALL
                .iter()
                .map(|st| (st.as_str(), l.notice_state(*st)))
                .collect(),
            notices,
            can_supervise: ui.role().may(Action::SuperviseNotices),
        },
    ))
}

#[derive(Deserialize, Default, Clone)]
pub struct NewNoticeForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    reply_due: String,
    /// Measure numbers, comma separated.
    #[serde(default)]
    measures: String,
    /// Further items as free text, one a line.
    #[serde(default)]
    other: String,
}

#[derive(Template)]
#[template(path = "supervision/notice_new.html")]
struct NewNoticePage {
    c: Chrome,
    form: NewNoticeForm,
    errors: FieldErrors,
    units: Vec<Organisation>,
    tiers: Vec<(&'static str, &'static str)>,
}

impl NewNoticePage {
    fn unit_selected(&self, id: &i64) -> bool {
        self.form.unit == id.to_string()
    }
}

fn tiers(l: Locale) -> Vec<(&'static str, &'static str)> {
    Tier::ALL.iter().map(|t| (t.as_str(), l.tier(*t))).collect()
}

async fn render_new(
    s: &AppState,
    ui: &Ui,
    form: NewNoticeForm,
    errors: FieldErrors,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let c = ui.chrome(s, l.t("sv.notice_new"), "supervision").await;
    Ok(super::html(
        status,
        &NewNoticePage {
            c,
            form,
            errors,
            units: s.store.organisations_in(&ui.auth.viewer().scope).await?,
            tiers: tiers(l),
        },
    ))
}

/// GET /notices/new
pub async fn new_notice(State(s): State<AppState>, ui: Ui) -> UiResult<Response> {
    ui.require(Action::SuperviseNotices)?;
    let form = NewNoticeForm {
        tier: "general".into(),
        ..NewNoticeForm::default()
    };
    render_new(&s, &ui, form, FieldErrors::new(), StatusCode::OK).await
}

/// POST /notices — draft a notice; it gets its number when issued.
pub async fn create_notice(
    State(s): State<AppState>,
    ui: Ui,
    UiForm(f): UiForm<NewNoticeForm>,
) -> UiResult<Response> {
    ui.require(Action::SuperviseNotices)?;
    let l = ui.locale;
    let units = s.store.organisations_in(&ui.auth.viewer().scope).await?;
    let mut errors = FieldErrors::new();
    errors.require(
        l,
        &[
            ("unit", &f.unit),
            ("title", &f.title),
            ("reply_due", &f.reply_due),
        ],
    );
    let unit = pick(l, &mut errors, "unit", &f.unit, &units_of(&units));
    let tier = Tier::parse(f.tier.trim());
    if tier.is_none() {
        errors.add("tier", l.t("err.bad_selection"));
    }
    let due = typed_date(l, &mut errors, "reply_due", &f.reply_due);
    let mut items: Vec<NewNoticeItem> = id_list(l, &mut errors, "measures", &f.measures)
        .into_iter()
        .map(|m| NewNoticeItem {
            measure_id: Some(m),
            ..NewNoticeItem::default()
        })
        .collect();
    items.extend(f.other.lines().filter_map(opt).map(|t| NewNoticeItem {
        text: Some(t),
        ..NewNoticeItem::default()
    }));
    if errors.is_empty() && items.is_empty() {
        errors.add("measures", l.t("sv.err.no_items"));
    }
    if let (true, Some(unit), Some(tier), Some(due)) = (errors.is_empty(), unit, tier, due) {
        let r = api::create_notice(
            State(s.clone()),
            ui.auth.clone(),
            JsonBody(api::NoticeRequest {
                unit_id: unit,
                inspection_id: None,
                title: f.title.trim().to_string(),
                body: opt(&f.body),
                tier,
                reply_due: ymd(due),
                items,
            }),
        )
        .await;
        match r {
            Ok((_, n)) => return Ok(super::see_other(&format!("/notices/{}", n.0.id))),
            Err(e) => {
                errors = api_errors(
                    l,
                    e,
                    "title",
                    &[
                        ("unit_id", "unit"),
                        ("items", "measures"),
                        ("reply_due", "reply_due"),
                        ("tier", "tier"),
                        ("body", "body"),
                    ],
                )?
            }
        }
    }
    render_new(&s, &ui, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

// ---------------------------------------------------------------------------------------
// Notice detail and its actions

/// What was typed into one of the action forms of a notice.
#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    replied_on: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reply_due: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tier: String,
}

#[derive(Template)]
#[template(path = "supervision/notice.html")]
struct NoticePage {
    c: Chrome,
    n: SupervisionNotice,
    form: ActionForm,
    /// Which action's form the errors belong to.
    failed: &'static str,
    errors: FieldErrors,
    can_supervise: bool,
    can_reply: bool,
    today: String,
    tiers: Vec<(&'static str, &'static str)>,
}

impl NoticePage {
    fn err(&self, action: &str, field: &str) -> Option<&str> {
        if self.failed == action {
            self.errors.get(field)
        } else {
            None
        }
    }
    fn event_label(&self, action: &str) -> String {
        match super::i18n_supervision::lookup(&format!("sv.event.{action}")) {
            Some((zh, en)) => match self.c.l {
                Locale::Zh => zh.into(),
                Locale::En => en.into(),
            },
            None => action.to_string(),
        }
    }
    fn state_is(&self, s: &str) -> bool {
        self.n.state.as_str() == s
    }
    /// The draft edit form's value of `field`: as typed after a refusal, else the notice's.
    fn edit_value(&self, field: &str) -> String {
        let typed = self.failed == "edit";
        match field {
            "title" if typed => self.form.title.clone(),
            "title" => self.n.title.clone(),
            "body" if typed => self.form.body.clone(),
            "body" => self.n.body.clone().unwrap_or_default(),
            "tier" if typed => self.form.tier.clone(),
            "tier" => self.n.tier.as_str().to_string(),
            _ if typed => self.form.reply_due.clone(),
            _ => ymd(self.n.reply_due),
        }
    }
}

async fn render_notice(
    s: &AppState,
    ui: &Ui,
    id: i64,
    form: ActionForm,
    failed: &'static str,
    errors: FieldErrors,
) -> UiResult<Response> {
    let l = ui.locale;
    let n = api::get_notice(State(s.clone()), ui.auth.clone(), Path(id))
        .await?
        .0;
    let title = n
        .doc_number
        .clone()
        .unwrap_or_else(|| l.t("sv.notice_draft").to_string());
    let c = ui.chrome(s, &title, "supervision").await;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::html(
        status,
        &NoticePage {
            c,
            n,
            form,
            failed,
            errors,
            can_supervise: ui.role().may(Action::SuperviseNotices),
            can_reply: ui.role().may(Action::ReplyNotice),
            today: ymd(rectify_store::today()),
            tiers: tiers(l),
        },
    ))
}

/// GET /notices/{id}
pub async fn notice(State(s): State<AppState>, ui: Ui, Path(id): Path<i64>) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    render_notice(&s, &ui, id, ActionForm::default(), "", FieldErrors::new()).await
}

/// GET /notices/{id}/docx
pub async fn notice_docx(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    Ok(api::notice_docx(State(s), ui.auth.clone(), Path(id)).await?)
}

fn version(f: &ActionForm) -> UiResult<i64> {
    f.version
        .trim()
        .parse()
        .map_err(|_| UiError::Page(StatusCode::BAD_REQUEST, "bad_form"))
}

/// After an action: back to the notice, or the notice with the form's errors.
#[allow(clippy::too_many_arguments)]
async fn after(
    s: &AppState,
    ui: &Ui,
    id: i64,
    f: ActionForm,
    action: &'static str,
    r: Result<axum::Json<SupervisionNotice>, crate::error::ApiError>,
    fallback: &str,
    shown: &[(&str, &str)],
) -> UiResult<Response> {
    match r {
        Ok(_) => Ok(super::see_other(&format!("/notices/{id}"))),
        Err(e) => {
            let errors = api_errors(ui.locale, e, fallback, shown)?;
            render_notice(s, ui, id, f, action, errors).await
        }
    }
}

/// POST /notices/{id}/edit — change a draft's title, requirements, tier or reply date.
pub async fn edit(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ActionForm>,
) -> UiResult<Response> {
    ui.require(Action::SuperviseNotices)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    errors.require(l, &[("title", &f.title), ("reply_due", &f.reply_due)]);
    let due = typed_date(l, &mut errors, "reply_due", &f.reply_due);
    let tier = Tier::parse(f.tier.trim());
    if tier.is_none() {
        errors.add("tier", l.t("err.bad_selection"));
    }
    let (true, Some(due), Some(tier)) = (errors.is_empty(), due, tier) else {
        return render_notice(&s, &ui, id, f, "edit", errors).await;
    };
    let r = api::update_notice(
        State(s.clone()),
        ui.auth.clone(),
        Path(id),
        JsonBody(api::NoticePatchRequest {
            version: version(&f)?,
            title: Some(f.title.trim().to_string()),
            body: Some(f.body.trim().to_string()),
            tier: Some(tier),
            reply_due: Some(ymd(due)),
            items: None,
        }),
    )
    .await;
    let shown = [
        ("title", "title"),
        ("body", "body"),
        ("tier", "tier"),
        ("reply_due", "reply_due"),
    ];
    after(&s, &ui, id, f, "edit", r, "title", &shown).await
}

/// POST /notices/{id}/issue
pub async fn issue(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ActionForm>,
) -> UiResult<Response> {
    ui.require(Action::SuperviseNotices)?;
    let mut errors = FieldErrors::new();
    let on = typed_date(ui.locale, &mut errors, "issued_on", &f.issued_on);
    if !errors.is_empty() {
        return render_notice(&s, &ui, id, f, "issue", errors).await;
    }
    let r = api::issue_notice(
        State(s.clone()),
        ui.auth.clone(),
        Path(id),
        JsonBody(api::IssueRequest {
            version: version(&f)?,
            issued_on: on.map(ymd),
        }),
    )
    .await;
    after(&s, &ui, id, f, "issue", r, "issued_on", &[]).await
}

/// POST /notices/{id}/reply (the addressed unit's liaison)
pub async fn reply(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ActionForm>,
) -> UiResult<Response> {
    ui.require(Action::ReplyNotice)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    errors.require(l, &[("replied_on", &f.replied_on), ("text", &f.text)]);
    let on = typed_date(l, &mut errors, "replied_on", &f.replied_on);
    let (true, Some(on)) = (errors.is_empty(), on) else {
        return render_notice(&s, &ui, id, f, "reply", errors).await;
    };
    let r = api::reply_notice(
        State(s.clone()),
        ui.auth.clone(),
        Path(id),
        JsonBody(api::ReplyRequest {
            version: version(&f)?,
            replied_on: ymd(on),
            text: f.text.trim().to_string(),
        }),
    )
    .await;
    let shown = [("replied_on", "replied_on"), ("text", "text")];
    after(&s, &ui, id, f, "reply", r, "text", &shown).await
}

/// POST /notices/{id}/review (accept, or return with a reason and a new reply date)
pub async fn review(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ActionForm>,
) -> UiResult<Response> {
    ui.require(Action::SuperviseNotices)?;
    let l = ui.locale;
    let mut errors = FieldErrors::new();
    let outcome = match f.outcome.as_str() {
        "accept" => Some(ReviewOutcome::Accept),
        "return" => Some(ReviewOutcome::Return),
        _ => {
            errors.add("outcome", l.t("err.bad_selection"));
            None
        }
    };
    if outcome == Some(ReviewOutcome::Return) {
        errors.require(l, &[("reason", &f.reason)]);
    }
    let due = typed_date(l, &mut errors, "reply_due", &f.reply_due);
    let (true, Some(outcome)) = (errors.is_empty(), outcome) else {
        return render_notice(&s, &ui, id, f, "review", errors).await;
    };
    let r = api::review_notice(
        State(s.clone()),
        ui.auth.clone(),
        Path(id),
        JsonBody(api::ReviewRequest {
            version: version(&f)?,
            outcome,
            reason: opt(&f.reason),
            reply_due: due.map(ymd),
        }),
    )
    .await;
    let shown = [("reason", "reason"), ("reply_due", "reply_due")];
    after(&s, &ui, id, f, "review", r, "reason", &shown).await
}

/// POST /notices/{id}/close (办结)
pub async fn close(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    UiForm(f): UiForm<ActionForm>,
) -> UiResult<Response> {
    ui.require(Action::SuperviseNotices)?;
    let r = api::close_notice(
        State(s.clone()),
        ui.auth.clone(),
        Path(id),
        JsonBody(api::VersionRequest {
            version: version(&f)?,
        }),
    )
    .await;
    after(&s, &ui, id, f, "close", r, "close", &[]).await
}
