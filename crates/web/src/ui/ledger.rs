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
use rectify_store::dashboard::{LedgerFilter, LedgerPage, LedgerRow, LedgerSort};
use rectify_store::{Aspect, Inspection, MeasurePatch, Organisation, Person, Problem, today};
use serde::Deserialize;

use super::forms::{FieldErrors, RawForm};
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
    pub unit: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPageView {
    c: Chrome,
    q: LedgerQuery,
    errors: FieldErrors,
    tree: bool,
    inspections: Vec<Inspection>,
    units: Vec<Organisation>,
    page: Option<LedgerPage>,
    aspects: Vec<TreeAspect>,
    next_qs: Option<String>,
    filters_qs: String,
    states: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    bulk: Option<BulkState>,
    owners: Vec<Person>,
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

async fn render(
    s: &AppState,
    ui: &Ui,
    q: LedgerQuery,
    bulk: Option<BulkState>,
    status: StatusCode,
) -> UiResult<Response> {
    let l = ui.locale;
    let viewer = ui.auth.viewer();
    let mut errors = FieldErrors::new();
    let inspections = s.store.inspections(&viewer).await?;
    let units = s.store.organisations_in(&viewer.scope).await?;
    let inspection_id =
        parse_id(&q.inspection).filter(|id| inspections.iter().any(|i| i.id == *id));
    let unit_id = parse_id(&q.unit).filter(|id| units.iter().any(|u| u.id == *id));
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
        limit: 50,
    };
    let tree = q.view == "tree";
    let today = today();
    let mut aspects = Vec::new();
    let mut page = None;
    if tree {
        if let Some(iid) = inspection_id {
            let rows = s
                .store
                .ledger_page(
                    &viewer,
                    &LedgerFilter {
                        limit: 500,
                        after: None,
                        ..f.clone()
                    },
                    today,
                )
                .await?
                .rows;
            let problems = s.store.problems(iid).await?;
            let only_with_measures = ui.role() == Role::Owner
                || f.state.is_some()
                || f.overdue
                || f.text.is_some()
                || f.unit_id.is_some();
            for a in s.store.aspects(iid).await? {
                let mut tp = Vec::new();
                for p in problems.iter().filter(|p| p.aspect_id == a.id) {
                    let measures: Vec<LedgerRow> = rows
                        .iter()
                        .filter(|r| r.problem_id == p.id)
                        .cloned()
                        .collect();
                    if only_with_measures && measures.is_empty() {
                        continue;
                    }
                    tp.push(TreeProblem {
                        problem: p.clone(),
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
        }
    } else {
        page = Some(s.store.ledger_page(&viewer, &f, today).await?);
    }
    let filters_qs = q.filters_qs();
    let next_qs = page.as_ref().and_then(|p| p.next.as_ref()).map(|c| {
        let mut qs = filters_qs.clone();
        if !qs.is_empty() {
            qs.push('&');
        }
        qs.push_str(
            &form_urlencoded::Serializer::new(String::new())
                .append_pair("after", &cursor_text(c))
                .finish(),
        );
        qs
    });
    let owners = match (ui.role().may(Action::EditPlan), unit_id) {
        (true, Some(u)) => {
            let org = s.store.organisation(u).await?;
            s.store.people_in(&org.path).await?
        }
        _ => Vec::new(),
    };
    let states = MeasureState::ALL
        .iter()
        .map(|st| (st.as_str(), l.state(*st)))
        .collect();
    let kinds = MeasureKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.measure_kind(*k)))
        .collect();
    let c = ui.chrome(s, l.t("nav.ledger"), "ledger").await;
    let bulk = if ui.role().may(Action::EditPlan) {
        Some(bulk.unwrap_or_default())
    } else {
        None
    };
    Ok(super::html(
        status,
        &LedgerPageView {
            c,
            q,
            errors,
            tree,
            inspections,
            units,
            page,
            aspects,
            next_qs,
            filters_qs,
            states,
            kinds,
            bulk,
            owners,
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
        unit: get("bulk_unit"),
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
    if !st.owner.is_empty() {
        match parse_id(&st.owner) {
            Some(v) => patch.owner_id = Some(Some(v)),
            None => st.errors.add("owner", l.t("err.bad_selection")),
        }
    }
    if !st.unit.is_empty() {
        match parse_id(&st.unit) {
            Some(v) => patch.responsible_unit_id = Some(Some(v)),
            None => st.errors.add("bulk_unit", l.t("err.bad_selection")),
        }
    }
    if let Some(d) = parse_date(l, &mut st.errors, "deadline", &st.deadline) {
        patch.deadline = Some(Some(d));
    }
    if st.errors.is_empty() && patch.fields().is_empty() {
        st.errors.add("bulk", l.t("ledger.bulk_nothing"));
    }
    if st.errors.is_empty() {
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
