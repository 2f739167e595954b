//! Reading the ledger for export (整改台账导出): the measures a viewer may see, filtered, in
//! ledger order (inspection, aspect seq, problem seq, measure seq), with the names, latest
//! progress, evidence count and remarks a ledger sheet shows — fetched whole inspections, about
//! 2 000 measures a page, so 100 000 measures never sit in memory at once.
//!
//! 序号 is the problem's running number within its whole inspection (aspect seq, problem seq),
//! computed before filtering, so a filtered export keeps the numbers of the full ledger.

use std::collections::HashMap;

use chrono::NaiveDate;
use rectify_core::ledger::MeasureKind;
use rectify_core::progress::Light;
use rectify_core::state::MeasureState;
use serde::Deserialize;
use sqlx::{AssertSqlSafe, Row};

use crate::ledger::{Viewer, today};
use crate::row::{Where, bind_all, fetch_json_rows, json_rows};
use crate::supervision::LightInputs;
use crate::{Store, StoreError};

/// Which measures to export. Every filter given narrows; none given means the whole scope.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub inspection_id: Option<i64>,
    pub round_id: Option<i64>,
    /// The responsible unit and every unit below it.
    pub unit_id: Option<i64>,
    pub state: Option<MeasureState>,
    /// Only measures overdue as of `today` (Asia/Shanghai).
    pub overdue: bool,
    pub kind: Option<MeasureKind>,
    /// Deadline on or after this date.
    pub deadline_from: Option<NaiveDate>,
    /// Deadline on or before this date.
    pub deadline_to: Option<NaiveDate>,
    /// Text search in the measure's text or its problem's title (as the ledger page does).
    pub text: Option<String>,
}

/// One measure as the ledger sheet shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportMeasure {
    pub id: i64,
    pub text: String,
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub deadline: Option<NaiveDate>,
    pub leader: Option<String>,
    pub unit: Option<String>,
    pub owner: Option<String>,
    /// Text of the latest progress report (by report date, then id).
    pub progress: Option<String>,
    pub evidence: i64,
    pub remarks: Option<String>,
    pub light: Light,
}

/// One problem with its exported measures (never empty).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportProblem {
    pub id: i64,
    /// 序号: running number in the inspection (see the module doc).
    pub no: u32,
    pub aspect: String,
    pub title: String,
    pub measures: Vec<ExportMeasure>,
}

/// Reads the planned inspections' ledgers in order, a page of whole inspections (about
/// `MEASURES_PER_PAGE` measures) at a time, in two queries per page (its problems, its measures).
#[derive(Debug)]
pub struct ExportReader<'a> {
    plan: &'a ExportPlan,
    next: usize,
}

impl Store {
    /// Plan an export: the inspections holding measures it covers (by id, one query) and the
    /// resolved unit filter. An unknown or invisible inspection, round or unit is `NotFound`.
    pub async fn export_plan(
        &self,
        viewer: &Viewer,
        f: &ExportFilter,
    ) -> Result<ExportPlan, StoreError> {
        let unit_scope = self.unit_scope(viewer, f).await?;
        let today = today();
        let mut plan = ExportPlan {
            inspections: Vec::new(),
            sizes: Vec::new(),
            filter: f.clone(),
            viewer: viewer.clone(),
            unit_scope,
            today,
            lights: self.light_view(today).await?,
            unit_labels: self.unit_names().await?.labels,
        };
        // The one inspection asked for names the export even when no measure matches.
        let mut asked = None;
        if let Some(id) = f.inspection_id {
            let i = self.inspection_for(viewer, id).await?;
            if f.round_id.is_some_and(|r| i.round_id != Some(r)) {
                return Ok(plan);
            }
            asked = Some((i.id, i.title));
        }
        if let Some(r) = f.round_id {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM round WHERE id = $1")
                .bind(r)
                .fetch_one(self.pool())
                .await?;
            if n == 0 {
                return Err(StoreError::not_found("round", r));
            }
        }
        let mut w = Where::default();
        self.measure_conditions(viewer, f, plan.unit_scope.as_ref(), today, false, &mut w);
        if let Some(id) = f.inspection_id {
            w.and("m.inspection_id =", id);
        }
        // An inspection with a measure the viewer sees is one the viewer sees (`inspection_for`).
        let mut sql = format!(
            "SELECT i.id, i.title, c.n FROM inspection i JOIN (SELECT m.inspection_id, COUNT(*) AS n \
             FROM measure m WHERE 1 = 1{} GROUP BY m.inspection_id) c ON c.inspection_id = i.id",
            w.sql
        );
        if let Some(r) = f.round_id {
            w.params.push(r.into());
            sql.push_str(&format!(" AND i.round_id = ${}", w.params.len()));
        }
        sql.push_str(" ORDER BY i.id");
        for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?
        {
            plan.inspections
                .push((r.try_get::<i64, _>("id")?, r.try_get::<String, _>("title")?));
            plan.sizes.push(r.try_get::<i64, _>("n")?);
        }
        if let (Some(i), true) = (asked, plan.inspections.is_empty()) {
            plan.inspections.push(i);
            plan.sizes.push(0);
        }
        Ok(plan)
    }

    /// The path range of the unit filter, checked against the viewer's scope.
    async fn unit_scope(
        &self,
        viewer: &Viewer,
        f: &ExportFilter,
    ) -> Result<Option<(String, String)>, StoreError> {
        let Some(u) = f.unit_id else {
            return Ok(None);
        };
        let org = self
            .organisation(u)
            .await
            .map_err(|_| StoreError::not_found("organisation", u))?;
        // A unit outside the viewer's tree, unless the viewer's scope lies inside it.
        if !viewer.scope.contains(&org.path) && !org.path.contains(&viewer.scope) {
            return Err(StoreError::not_found("organisation", u));
        }
        Ok(Some((
            org.path.as_str().to_string(),
            org.path.upper_bound(),
        )))
    }

    /// Scope and filter conditions on measures (alias `m`), inspection excepted.
    /// `by_inspection`: the caller also names inspections, and the state filter must not steer
    /// SQLite to the `measure_state` index (a state holds most of the ledger; `|| ''` hides the
    /// column from the planner on SQLite and is a no-op on PostgreSQL).
    fn measure_conditions(
        &self,
        viewer: &Viewer,
        f: &ExportFilter,
        unit_scope: Option<&(String, String)>,
        today: NaiveDate,
        by_inspection: bool,
        w: &mut Where,
    ) {
        let state_col = if by_inspection {
            "(m.state || '') ="
        } else {
            "m.state ="
        };
        viewer.scope_measures(w);
        if let Some((lo, hi)) = unit_scope {
            w.and("m.org_path >=", lo.as_str());
            w.and("m.org_path <", hi.as_str());
        }
        if let Some(s) = f.state {
            w.and(state_col, s.as_str());
        }
        if f.overdue {
            w.and("m.deadline <", today.format("%Y-%m-%d").to_string());
            w.raw("m.state NOT IN ('closed', 'closed_ongoing', 'draft')");
        }
        if let Some(k) = f.kind {
            w.and("m.kind =", k.as_str());
        }
        if let Some(d) = f.deadline_from {
            w.and("m.deadline >=", d.format("%Y-%m-%d").to_string());
        }
        if let Some(d) = f.deadline_to {
            w.and("m.deadline <=", d.format("%Y-%m-%d").to_string());
        }
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = crate::dashboard::like_pattern(t);
            w.params.push(pat.clone().into());
            let a = w.params.len();
            w.params.push(pat.into());
            let b = w.params.len();
            w.sql.push_str(&format!(
                " AND (m.text LIKE ${a} ESCAPE '\\' OR m.problem_id IN \
                 (SELECT pr.id FROM problem pr WHERE pr.title LIKE ${b} ESCAPE '\\'))"
            ));
        }
    }
}

/// What an export covers: the inspections (id, title) in order, with the resolved filters.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    pub inspections: Vec<(i64, String)>,
    /// Matching measures per inspection (parallel to `inspections`).
    sizes: Vec<i64>,
    filter: ExportFilter,
    viewer: Viewer,
    unit_scope: Option<(String, String)>,
    today: NaiveDate,
    /// Lights as the daily run decides them (`supervision::LightView`).
    lights: crate::supervision::LightView,
    /// How the ledger names each unit (`unit_names::labels`).
    unit_labels: HashMap<i64, String>,
}

impl ExportPlan {
    /// The date lights and overdue are computed for (today, Asia/Shanghai).
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The years whose holidays the lights assumed (`LightView::assumed_years`): while any
    /// are, the exported lights are provisional.
    pub fn lights_assumed_years(&self) -> &[i32] {
        self.lights.assumed_years()
    }

    /// Start reading the planned inspections' ledgers, in order.
    pub fn reader(&self) -> ExportReader<'_> {
        ExportReader {
            plan: self,
            next: 0,
        }
    }

    /// `m.inspection_id IN (…)` over `ids`, appended to `w`.
    fn in_inspections(w: &mut Where, col: &str, ids: &[i64]) {
        let mut list = String::new();
        for (i, id) in ids.iter().enumerate() {
            w.params.push((*id).into());
            if i > 0 {
                list.push_str(", ");
            }
            list.push_str(&format!("${}", w.params.len()));
        }
        w.raw(&format!("{col} IN ({list})"));
    }
}

/// Measures per page (whole inspections; one larger inspection makes a larger page).
const MEASURES_PER_PAGE: i64 = 2_000;
/// Inspections per page at most (bounds the placeholders of one query).
const INSPECTIONS_PER_PAGE: usize = 500;

impl ExportReader<'_> {
    /// The next page of problems that have matching measures, or `None` at the end.
    pub async fn next_page(
        &mut self,
        store: &Store,
    ) -> Result<Option<Vec<ExportProblem>>, StoreError> {
        let plan = self.plan;
        while self.next < plan.inspections.len() {
            let start = self.next;
            let mut n = 0;
            while self.next < plan.inspections.len()
                && self.next - start < INSPECTIONS_PER_PAGE
                && (self.next == start || n + plan.sizes[self.next] <= MEASURES_PER_PAGE)
            {
                n += plan.sizes[self.next];
                self.next += 1;
            }
            let ids: Vec<i64> = plan.inspections[start..self.next]
                .iter()
                .map(|(id, _)| *id)
                .collect();
            let page = self.read(store, &ids).await?;
            if !page.is_empty() {
                return Ok(Some(page));
            }
        }
        Ok(None)
    }

    /// Two queries: the page's problems with their 序号, title and aspect, then its matching
    /// measures with their names, latest progress text (report date, then id), evidence count
    /// and the values their lights need. Each query returns its rows as one JSON document
    /// (`row::json_rows`): the driver hands a row over from SQLite's worker thread and copies and
    /// converts every value, which for 100,000 measures of 19 values cost more than the
    /// queries themselves.
    async fn read(&self, store: &Store, ids: &[i64]) -> Result<Vec<ExportProblem>, StoreError> {
        let plan = self.plan;
        let dialect = store.dialect();
        let mut w = Where::default();
        ExportPlan::in_inspections(&mut w, "p.inspection_id", ids);
        let sql = json_rows(
            dialect,
            "id, title, aspect, no",
            &format!(
                "(SELECT p.id, p.title, a.title AS aspect, \
                 ROW_NUMBER() OVER (PARTITION BY p.inspection_id ORDER BY a.seq, p.seq, p.id) AS no \
                 FROM problem p JOIN aspect a ON a.id = p.aspect_id WHERE 1 = 1{}) pn",
                w.sql
            ),
        );
        let read: Vec<(i64, String, String, i64)> =
            fetch_json_rows(store.pool(), sql, &w.params).await?;
        // problem id → (序号, title, aspect)
        let mut problems: HashMap<i64, (i64, String, String)> = read
            .into_iter()
            .map(|(id, title, aspect, no)| (id, (no, title, aspect)))
            .collect();

        let mut w = Where::default();
        store.measure_conditions(
            &plan.viewer,
            &plan.filter,
            plan.unit_scope.as_ref(),
            plan.today,
            true,
            &mut w,
        );
        ExportPlan::in_inspections(&mut w, "m.inspection_id", ids);
        w.params.push(plan.lights.day_param().into());
        let [percent, updated, planned, recorded, feedback] =
            plan.lights.expressions_besides_basics(w.params.len());
        // The order of `MeasureRow`.
        let sql = json_rows(
            dialect,
            &format!(
                "m.id, m.problem_id, m.text, m.kind, m.state, m.deadline, m.remarks, \
                 m.responsible_unit_id, o.name, l.name, \
                 (SELECT r.text FROM report_measure rm JOIN progress_report r ON r.id = rm.report_id \
                  WHERE rm.measure_id = m.id ORDER BY r.reported_on DESC, r.id DESC LIMIT 1), \
                 (SELECT COUNT(*) FROM report_measure rm JOIN evidence e ON e.report_id = rm.report_id \
                  WHERE rm.measure_id = m.id), \
                 m.inspection_id, m.seq, {percent}, {updated}, {planned}, {recorded}, {feedback}"
            ),
            &format!(
                "measure m \
                 LEFT JOIN person o ON o.id = m.owner_id \
                 LEFT JOIN person l ON l.id = m.leader_id \
                 WHERE 1 = 1{}",
                w.sql
            ),
        );
        let rows: Vec<MeasureRow> = fetch_json_rows(store.pool(), sql, &w.params).await?;
        // Sorted here, not by the query: SQLite would sort the whole page's wide rows (names,
        // progress text) in a temporary b-tree, a third of the query's time.
        // (ledger order: inspection, 序号, seq, id), the measure, its problem.
        type LedgerKey = (i64, i64, i64, i64);
        let mut read: Vec<(LedgerKey, ExportMeasure, i64)> = Vec::with_capacity(rows.len());
        for r in rows {
            let light = plan
                .lights
                .light_of(&LightInputs {
                    kind: &r.kind,
                    state: &r.state,
                    deadline: r.deadline.as_deref(),
                    percent: r.percent,
                    updated: &r.updated,
                    planned: r.planned,
                    recorded: r.recorded.as_deref(),
                    feedback: r.feedback.as_deref(),
                })?
                // Closed and draft measures show green, as the ledger always has.
                .unwrap_or(Light::Green);
            let kind = MeasureKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Config(format!("unknown measure kind {}", r.kind)))?;
            let state = MeasureState::parse(&r.state)
                .ok_or_else(|| StoreError::Config(format!("unknown measure state {}", r.state)))?;
            let deadline = r
                .deadline
                .as_deref()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
            let no = problems.get(&r.problem_id).map_or(i64::MAX, |p| p.0);
            let measure = ExportMeasure {
                id: r.id,
                text: r.text,
                kind,
                state,
                deadline,
                leader: r.leader,
                unit: r.unit.and_then(|u| plan.unit_labels.get(&u).cloned()),
                owner: r.owner,
                progress: r.progress,
                evidence: r.evidence,
                remarks: r.remarks,
                light,
            };
            read.push(((r.inspection_id, no, r.seq, r.id), measure, r.problem_id));
        }
        read.sort_unstable_by_key(|(key, ..)| *key);
        let mut out: Vec<ExportProblem> = Vec::new();
        for ((_, no, _, _), measure, problem_id) in read {
            match out.last_mut() {
                Some(p) if p.id == problem_id => p.measures.push(measure),
                _ => {
                    let (_, title, aspect) = problems.remove(&problem_id).ok_or_else(|| {
                        StoreError::Config(format!("measure {} has no problem", measure.id))
                    })?;
                    out.push(ExportProblem {
                        id: problem_id,
                        no: u32::try_from(no).unwrap_or(u32::MAX),
                        title,
                        aspect,
                        measures: vec![measure],
                    })
                }
            }
        }
        Ok(out)
    }
}

/// One measure as [`ExportReader::read`] selects it (a JSON array, in this order).
#[derive(Deserialize)]
struct MeasureRow {
    id: i64,
    problem_id: i64,
    text: String,
    kind: String,
    state: String,
    deadline: Option<String>,
    remarks: Option<String>,
    unit: Option<i64>,
    owner: Option<String>,
    leader: Option<String>,
    progress: Option<String>,
    evidence: i64,
    inspection_id: i64,
    seq: i64,
    percent: i64,
    updated: String,
    planned: Option<i64>,
    recorded: Option<String>,
    feedback: Option<String>,
}

impl Store {
    /// A viewer for local command-line exports: an office over the whole organisation tree the
    /// filter points at (the inspection's, the round's, the unit's), or the only tree there is.
    pub async fn export_tool_viewer(&self, f: &ExportFilter) -> Result<Viewer, StoreError> {
        if let Some(i) = f.inspection_id {
            return self.tool_viewer(i).await;
        }
        let org: Option<i64> = if let Some(r) = f.round_id {
            Some(
                sqlx::query_scalar("SELECT organisation_id FROM round WHERE id = $1")
                    .bind(r)
                    .fetch_optional(self.pool())
                    .await?
                    .ok_or_else(|| StoreError::not_found("round", r))?,
            )
        } else {
            f.unit_id
        };
        let root = match org {
            Some(id) => {
                let o = self
                    .organisation(id)
                    .await
                    .map_err(|_| StoreError::not_found("organisation", id))?;
                o.path
                    .as_str()
                    .trim_matches('/')
                    .split('/')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| {
                        StoreError::Config(format!("corrupt path {}", o.path.as_str()))
                    })?
            }
            None => {
                let roots: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM organisation WHERE parent_id IS NULL ORDER BY id LIMIT 2",
                )
                .fetch_all(self.pool())
                .await?;
                match roots.as_slice() {
                    [one] => *one,
                    [] => return Err(StoreError::not_found("organisation", "root")),
                    _ => {
                        return Err(StoreError::Invalid(rectify_core::FieldError::new(
                            "inspection",
                            "ambiguous_scope",
                            "数据库中有多个组织树，请指定巡察、轮次或单位 (several organisation trees: give an inspection, round or unit)",
                        )));
                    }
                }
            }
        };
        Ok(Viewer {
            user_id: 0,
            role: rectify_core::access::Role::Office,
            scope: rectify_core::access::OrgPath::root(root),
            person_id: None,
        })
    }
}
