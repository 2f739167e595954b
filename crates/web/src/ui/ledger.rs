//! The ledger (整改台账) pages: the table with filters, sort and keyset pagination, the tree
//! (aspect → problem → measure) of one inspection, bulk assignment of owner / unit / deadline
//! by the office, and the export link.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use rectify_core::access::{Action, Role};
use rectify_core::ledger::MeasureKind;
use rectify_core::state::MeasureState;
use rectify_core::text;
use rectify_store::dashboard::{
    LedgerFilter, LedgerPage, LedgerRow, LedgerSort, PickKind, PickScope,
};
use rectify_store::{Aspect, MeasurePatch, Problem, Viewer, today};
use serde::Deserialize;

use super::forms::{FieldErrors, RawForm};
use super::picker::{self, Picker, PickerSpec};
use super::{Chrome, Ui, UiError, UiResult};
use crate::AppState;

/// The ledger's query string, kept as typed so the filter form shows it back.
#[derive(Deserialize, Default, Clone)]
pub struct LedgerQuery {
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub inspection: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
    /// The inspection / unit the page resolved last time (see `picker`).
    #[serde(default)]
    pub inspection_id: String,
    #[serde(default)]
    pub unit_id: String,
}

impl LedgerQuery {
    /// This query as a query string, without the cursor (the filters of every page link).
    pub fn filters_qs(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("inspection", &self.inspection),
            ("unit", &self.unit),
            ("state", &self.state),
            ("kind", &self.kind),
            ("overdue", &self.overdue),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
            ("sort", &self.sort),
            ("desc", &self.desc),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

fn parse_id(v: &str) -> Option<i64> {
    v.trim().parse().ok().filter(|v| *v > 0)
}

fn parse_date(
    l: super::Locale,
    errors: &mut FieldErrors,
    field: &str,
    v: &str,
) -> Option<NaiveDate> {
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
}

/// Cursor as written in links: `<sort key>_<id>` (`_<id>` when sorting by id).
fn parse_cursor(v: &str) -> Option<(Option<String>, i64)> {
    let (k, id) = v.rsplit_once('_')?;
    let id = id.parse().ok()?;
    let k = if k.is_empty() {
        None
    } else {
        NaiveDate::parse_from_str(k, "%Y-%m-%d").ok()?;
        Some(k.to_string())
    };
    Some((k, id))
}

fn cursor_text(c: &(Option<String>, i64)) -> String {
    format!("{}_{}", c.0.clone().unwrap_or_default(), c.1)
}

/// One aspect of the tree view.
pub struct TreeAspect {
    pub aspect: Aspect,
    pub problems: Vec<TreeProblem>,
}

pub struct TreeProblem {
    pub problem: Problem,
    pub measures: Vec<LedgerRow>,
}

/// What the bulk form had when it was refused (shown back with the errors).
#[derive(Default)]
pub struct BulkState {
    pub errors: FieldErrors,
    pub selected: Vec<i64>,
    pub owner: String,
    pub owner_id: String,
    pub unit: String,
    pub unit_id: String,
    pub deadline: String,
}

/// The tree view shows at most this many measures at a time (then pages).
const TREE_MAX: i64 = 500;

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPageView {
    c: Chrome,
    q: LedgerQuery,
    errors: FieldErrors,
    tree: bool,
    inspection: Picker,
    unit: Picker,
    /// A picker could not resolve what was typed: nothing is listed until it is fixed.
    unresolved: bool,
    page: Option<LedgerPage>,
    aspects: Vec<TreeAspect>,
    /// The tree shows one page of its measures: which, and how to see the rest.
    tree_notice: Option<String>,
    next_qs: Option<String>,
    prev_qs: Option<String>,
    first_qs: Option<String>,
    filters_qs: String,
    export_qs: String,
    states: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    bulk: Option<BulkState>,
    bulk_owner: Option<Picker>,
    bulk_unit: Option<Picker>,
}

impl LedgerPageView {
    fn checked(&self, id: &i64) -> bool {
        self.bulk.as_ref().is_some_and(|b| b.selected.contains(id))
    }
}

/// GET /ledger
pub async fn ledger(
    State(s): State<AppState>,
    ui: Ui,
    Query(q): Query<LedgerQuery>,
) -> UiResult<Response> {
    ui.require(Action::ReadLedger)?;
    render(&s, &ui, q, None, StatusCode::OK).await
}

/// The people an owner may be chosen from: those of the unit the ledger is filtered to,
/// else of the viewer's scope.
async fn owner_scope(s: &AppState, viewer: &Viewer, unit: Option<i64>) -> UiResult<PickScope> {
    let scope = PickScope::new(PickKind::Person, viewer);
    Ok(match unit {
        Some(u) => scope.within(s.store.organisation(u).await?.path),
        None => scope,
    })
}

/// The bulk form's owner and unit pickers, resolved from what the form sent.
async fn bulk_pickers(
    s: &AppState,
    ui: &Ui,
    filter_unit: Option<i64>,
    b: &BulkState,
) -> UiResult<(Picker, Picker)> {
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let owner = picker::resolve(
        &s.store,
        l,
        PickerSpec {
            field: "owner",
            html_id: "bulk-owner",
            label: l.t("ledger.col_owner").into(),
            blank: "—".into(),
            scope: owner_scope(s, &viewer, filter_unit).await?,
        },
        &b.owner,
        &b.owner_id,
    )
    .await?;
    let unit = picker::resolve(
        &s.store,
        l,
        PickerSpec {
            field: "bulk_unit",
            html_id: "bulk-unit",
            label: l.t("ledger.col_unit").into(),
            blank: "—".into(),
            scope: PickScope::new(PickKind::Unit, &viewer),
        },
        &b.unit,
        &b.unit_id,
    )
    .await?;
    Ok((owner, unit))
}

fn with_cursor(
    filters_qs: &str,
    extra: &[(&str, &str)],
    key: &str,
    c: &(Option<String>, i64),
) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    q.append_pair(key, &cursor_text(c));
    let tail = q.finish();
    if filters_qs.is_empty() {
        tail
    } else {
        format!("{filters_qs}&{tail}")
    }
}

/// The export link's query: the filters the page accepted, under the export API's names
/// (its unit filter also takes the units below, as the page's does).
fn export_query(f: &LedgerFilter) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("format", "xlsx");
    if let Some(i) = f.inspection_id {
        q.append_pair("inspection_id", &i.to_string());
    }
    if let Some(u) = f.unit_id {
        q.append_pair("unit_id", &u.to_string());
    }
    if let Some(st) = f.state {
        q.append_pair("state", st.as_str());
    }
    if f.overdue {
        q.append_pair("overdue", "true");
    }
    if let Some(k) = f.kind {
        q.append_pair("kind", k.as_str());
    }
    if let Some(d) = f.deadline_from {
        q.append_pair("deadline_from", &d.to_string());
    }
    if let Some(d) = f.deadline_to {
        q.append_pair("deadline_to", &d.to_string());
    }
    if let Some(t) = &f.text {
        q.append_pair("q", t.trim());
    }
    q.finish()
}

async fn render(
    s: &AppState,
    ui: &Ui,
    mut q: LedgerQuery,
    bulk: Option<BulkState>,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let mut errors = FieldErrors::new();
    let inspection = picker::resolve(
        &s.store,
        l,
        PickerSpec {
            field: "inspection",
            html_id: "f-inspection",
            label: l.t("home.inspection").into(),
            blank: l.t("home.all_inspections").into(),
            scope: PickScope::new(PickKind::Inspection, &viewer),
        },
        &q.inspection,
        &q.inspection_id,
    )
    .await?;
    let unit = picker::resolve(
        &s.store,
        l,
        PickerSpec {
            field: "unit",
            html_id: "f-unit",
            label: l.t("ledger.col_unit").into(),
            blank: l.t("ledger.all").into(),
            scope: PickScope::new(PickKind::Unit, &viewer),
        },
        &q.unit,
        &q.unit_id,
    )
    .await?;
    let unresolved = inspection.failed() || unit.failed();
    // Links carry ids: the filters of every page link and the export name what was resolved.
    for (p, v, vid) in [
        (&inspection, &mut q.inspection, &mut q.inspection_id),
        (&unit, &mut q.unit, &mut q.unit_id),
    ] {
        if let Some(id) = p.id() {
            *v = id.to_string();
        }
        vid.clear();
    }
    let inspection_id = inspection.id();
    let unit_id = unit.id();
    let tree = q.view == "tree";
    let f = LedgerFilter {
        inspection_id,
        unit_id,
        state: MeasureState::parse(&q.state),
        kind: MeasureKind::parse(&q.kind),
        overdue: q.overdue == "1",
        open: false,
        deadline_from: parse_date(l, &mut errors, "from", &q.from),
        deadline_to: parse_date(l, &mut errors, "to", &q.to),
        text: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        sort: if q.sort == "deadline" {
            LedgerSort::Deadline
        } else {
            LedgerSort::Id
        },
        descending: q.desc == "1",
        after: parse_cursor(&q.after),
        before: parse_cursor(&q.before),
        limit: if tree { TREE_MAX } else { 50 },
    };
    let today = today();
    let mut aspects = Vec::new();
    let mut page = None;
    let mut tree_notice = None;
    if unresolved {
        // Nothing listed until the filter names something that exists.
    } else if tree {
        if let Some(iid) = inspection_id {
            let p = s.store.ledger_page(&viewer, &f, today).await?;
            let paged = p.next.is_some() || p.prev.is_some();
            if paged {
                tree_notice = Some(
                    l.t("ledger.tree_paged")
                        .replace("{shown}", &p.rows.len().to_string())
                        .replace(
                            "{total}",
                            &format!("{}{}", p.total, if p.total_capped { "+" } else { "" }),
                        )
                        .replace("{max}", &TREE_MAX.to_string()),
                );
            }
            let problems = s.store.problems(iid).await?;
            let only_with_measures = ui.role() == Role::Owner
                || paged
                || f.state.is_some()
                || f.overdue
                || f.text.is_some()
                || f.unit_id.is_some()
                || f.kind.is_some()
                || f.deadline_from.is_some()
                || f.deadline_to.is_some();
            for a in s.store.aspects(iid).await? {
                let mut tp = Vec::new();
                for pr in problems.iter().filter(|pr| pr.aspect_id == a.id) {
                    let measures: Vec<LedgerRow> = p
                        .rows
                        .iter()
                        .filter(|r| r.problem_id == pr.id)
                        .cloned()
                        .collect();
                    if only_with_measures && measures.is_empty() {
                        continue;
                    }
                    tp.push(TreeProblem {
                        problem: pr.clone(),
                        measures,
                    });
                }
                if !tp.is_empty() || !only_with_measures {
                    aspects.push(TreeAspect {
                        aspect: a,
                        problems: tp,
                    });
                }
            }
            page = Some(p);
        }
    } else {
        page = Some(s.store.ledger_page(&viewer, &f, today).await?);
    }
    let filters_qs = q.filters_qs();
    let view: &[(&str, &str)] = if tree { &[("view", "tree")] } else { &[] };
    let next_qs = page
        .as_ref()
        .and_then(|p| p.next.as_ref())
        .map(|c| with_cursor(&filters_qs, view, "after", c));
    let prev_qs = page
        .as_ref()
        .and_then(|p| p.prev.as_ref())
        .map(|c| with_cursor(&filters_qs, view, "before", c));
    let first_qs = prev_qs.as_ref().map(|_| {
        let mut qs = form_urlencoded::Serializer::new(String::new());
        for (k, v) in view {
            qs.append_pair(k, v);
        }
        let tail = qs.finish();
        match (filters_qs.is_empty(), tail.is_empty()) {
            (_, true) => filters_qs.clone(),
            (true, false) => tail,
            (false, false) => format!("{tail}&{filters_qs}"),
        }
    });
    let states = MeasureState::ALL
        .iter()
        .map(|st| (st.as_str(), l.state(*st)))
        .collect();
    let kinds = MeasureKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.measure_kind(*k)))
        .collect();
    let bulk = if ui.role().may(Action::EditPlan) && !tree {
        Some(bulk.unwrap_or_default())
    } else {
        None
    };
    let (bulk_owner, bulk_unit) = match &bulk {
        Some(b) => {
            let (o, u) = bulk_pickers(s, ui, unit_id, b).await?;
            (Some(o), Some(u))
        }
        None => (None, None),
    };
    let c = ui.chrome(s, l.t("nav.ledger"), "ledger").await;
    let export_qs = export_query(&f);
    Ok(super::html(
        status,
        &LedgerPageView {
            c,
            q,
            errors,
            tree,
            inspection,
            unit,
            unresolved,
            page,
            aspects,
            tree_notice,
            next_qs,
            prev_qs,
            first_qs,
            filters_qs,
            export_qs,
            states,
            kinds,
            bulk,
            bulk_owner,
            bulk_unit,
        },
    ))
}

/// POST /ledger/bulk: set owner, responsible unit and/or deadline on the ticked measures, all
/// in one transaction (a stale row refuses the whole change).
pub async fn bulk(State(s): State<AppState>, ui: Ui, RawForm(form): RawForm) -> UiResult<Response> {
    ui.require(Action::EditPlan)?;
    let l = ui.locale;
    let get = |k: &str| {
        form.iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let back: LedgerQuery = serde_urlencoded::from_str(&get("back")).unwrap_or_default();
    let mut st = BulkState {
        owner: get("owner"),
        owner_id: get("owner_id"),
        unit: get("bulk_unit"),
        unit_id: get("bulk_unit_id"),
        deadline: get("deadline"),
        ..BulkState::default()
    };
    // `m` = "<id>.<version>" per ticked row.
    let mut picked = Vec::new();
    for (_, v) in form.iter().filter(|(k, _)| k == "m") {
        match v
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)))
        {
            Some(p) => picked.push(p),
            None => st.errors.add("m", l.t("err.bad_selection")),
        }
    }
    st.selected = picked.iter().map(|p| p.0).collect();
    if picked.is_empty() {
        st.errors.add("m", l.t("ledger.bulk_none"));
    }
    let mut patch = MeasurePatch::default();
    // Owner and unit are named (or picked) and resolved in the caller's scope; a name that
    // matches nothing or several is shown next to its field by the re-rendered pickers.
    let filter_unit = parse_id(&back.unit);
    let (owner, unit) = bulk_pickers(&s, &ui, filter_unit, &st).await?;
    if let Some(v) = owner.id() {
        patch.owner_id = Some(Some(v));
    }
    if let Some(v) = unit.id() {
        patch.responsible_unit_id = Some(Some(v));
    }
    let unresolved = owner.failed() || unit.failed();
    if let Some(d) = parse_date(l, &mut st.errors, "deadline", &st.deadline) {
        patch.deadline = Some(Some(d));
    }
    if st.errors.is_empty() && !unresolved && patch.fields().is_empty() {
        st.errors.add("bulk", l.t("ledger.bulk_nothing"));
    }
    if st.errors.is_empty() && !unresolved {
        let viewer = ui.auth.viewer();
        let mut w = s.store.begin_write().await?;
        let mut failed = None;
        for (id, version) in &picked {
            if let Err(e) = w
                .update_measure(&ui.auth.actor(), &viewer, *id, *version, &patch)
                .await
            {
                failed = Some((*id, e));
                break;
            }
        }
        match failed {
            None => {
                w.commit().await?;
                let qs = back.filters_qs();
                return Ok(super::see_other(&if qs.is_empty() {
                    "/ledger".to_string()
                } else {
                    format!("/ledger?{qs}")
                }));
            }
            Some((id, e)) => {
                drop(w);
                match crate::error::ApiError::from(e) {
                    crate::error::ApiError::Conflict { .. } => {
                        st.errors.add(
                            "bulk",
                            format!(
                                "{} ({} {id})",
                                l.t("ledger.bulk_stale"),
                                l.t("ledger.col_id")
                            ),
                        );
                    }
                    crate::error::ApiError::NotFound { .. } => return Err(UiError::not_found()),
                    other => {
                        let fe = FieldErrors::from_api(l, other, "bulk")?;
                        for (f, m) in fe.all() {
                            let f = match f.as_str() {
                                "owner_id" => "owner",
                                "responsible_unit_id" => "bulk_unit",
                                x => x,
                            };
                            st.errors
                                .add(f, format!("{m} ({} {id})", l.t("ledger.col_id")));
                        }
                    }
                }
            }
        }
    }
    render(&s, &ui, back, Some(st), StatusCode::UNPROCESSABLE_ENTITY).await
}
