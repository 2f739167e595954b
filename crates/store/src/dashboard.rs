//! Read models for the staff web application: per-user interface preferences and the
//! dashboard aggregates (completion, traffic lights, ageing, monthly trend), computed in SQL.

pub use crate::audit::local_offset;
use crate::audit::{Actor, AuditEvent};
use crate::{Store, StoreError, WriteTx};

impl Store {
    /// The interface language the user chose (`zh`, `en`), if any.
    pub async fn user_locale(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        let v: Option<(Option<String>,)> =
            sqlx::query_as("SELECT locale FROM app_user WHERE id = $1")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(v.and_then(|v| v.0))
    }
}

/// The `meta` key holding the audit sequence number of the last committed change to what the
/// dashboard shows (written by `WriteTx::commit`).
pub(crate) const LEDGER_SEQ: &str = "ledger_seq";

/// Does an audited change of this object type change what the dashboard shows? Sign-ins,
/// users, settings, tokens, audit reads and people's details do not; anything else (including
/// object types added later) does, so the dashboard is never stale after a ledger change.
pub(crate) fn touches_ledger(object_type: &str) -> bool {
    !matches!(
        object_type,
        "user" | "settings" | "api_token" | "audit_log" | "person"
    )
}

impl Store {
    /// A number that grows with every committed change to the ledger (organisations,
    /// inspections, problems, measures, reports …), on this server or any other sharing the
    /// database, but not with sign-ins or other audit-only writes. Equal numbers mean the
    /// dashboard figures are unchanged (for the same day).
    pub async fn ledger_counter(&self) -> Result<i64, StoreError> {
        Ok(self
            .meta_get(LEDGER_SEQ)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

impl WriteTx {
    /// Remember the user's interface language (`zh` or `en`).
    pub async fn set_user_locale(
        &mut self,
        actor: &Actor,
        user_id: i64,
        locale: &str,
    ) -> Result<(), StoreError> {
        if !matches!(locale, "zh" | "en") {
            return Err(StoreError::Invalid(rectify_core::FieldError::new(
                "locale",
                "invalid",
                "locale must be zh or en",
            )));
        }
        sqlx::query("UPDATE app_user SET locale = $1 WHERE id = $2")
            .bind(locale)
            .bind(user_id)
            .execute(self.conn())
            .await?;
        self.audit(actor, AuditEvent::ok("user.locale", "user", user_id))
            .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Dashboard aggregates. One scan per figure family, aggregated in SQL; date buckets are
// computed as bound 'YYYY-MM-DD' strings so the same SQL runs on both engines.

use chrono::{Datelike, Duration, NaiveDate};
use rectify_core::ledger::MeasureKind;
use rectify_core::state::MeasureState;
use sqlx::{AssertSqlSafe, Row};

use crate::Viewer;
use crate::row::{Where, bind_all};

/// States that count as done in completion rates.
const CLOSED: &str = "m.state IN ('closed', 'closed_ongoing')";

/// Counts over all measures in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub total: i64,
    pub closed: i64,
    pub green: i64,
    pub yellow: i64,
    pub red: i64,
    /// Overdue measures by days overdue: 1–7, 8–30, 31–90, over 90.
    pub ageing: [i64; 4],
    /// Years whose holidays are not loaded, counted as Monday–Friday for the yellow window
    /// (`LightView::assumed_years`): the lights are provisional while any are.
    pub lights_assumed_years: Vec<i32>,
}

/// Completion of one group (an inspection, an aspect or a unit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub id: i64,
    pub label: String,
    pub total: i64,
    pub closed: i64,
    pub overdue: i64,
}

impl Completion {
    /// Completion rate in basis points (1 = 0.01 %), as published: closed ÷ total.
    pub fn rate_bp(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.closed * 10_000 / self.total
        }
    }

    /// The rate as printed: `98.71%`.
    pub fn rate_text(&self) -> String {
        let bp = self.rate_bp();
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
}

/// One month of the trend: measures falling due and measures closed in that month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthPoint {
    /// `YYYY-MM`
    pub month: String,
    pub due: i64,
    pub closed: i64,
}

/// Everything the office's home page shows.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub totals: Totals,
    pub by_inspection: Vec<Completion>,
    pub by_aspect: Vec<Completion>,
    pub by_unit: Vec<Completion>,
    pub trend: Vec<MonthPoint>,
}

/// Which measures a list on the home page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MyList {
    /// Open, deadline within the next 14 days.
    DueSoon,
    /// Open, past the deadline.
    Overdue,
    /// Returned by the office for more work.
    Returned,
}

fn d(v: NaiveDate) -> String {
    v.format("%Y-%m-%d").to_string()
}

fn scoped(viewer: &Viewer, inspection_id: Option<i64>) -> Where {
    let mut w = Where::default();
    viewer.scope_measures(&mut w);
    if let Some(i) = inspection_id {
        w.and("m.inspection_id =", i);
    }
    w
}

/// `CASE WHEN <open and overdue> …` fragments with the bound dates appended to `w`.
fn overdue_case(w: &mut Where, today: NaiveDate) -> String {
    w.params.push(d(today).into());
    format!(
        "CASE WHEN m.state NOT IN ('closed', 'closed_ongoing', 'draft') AND m.deadline < ${} THEN 1 ELSE 0 END",
        w.params.len()
    )
}

impl Store {
    /// The office dashboard over the viewer's scope, optionally one inspection.
    pub async fn dashboard(
        &self,
        viewer: &Viewer,
        inspection_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Dashboard, StoreError> {
        // The figures are independent scans: run them side by side on the pool's
        // connections rather than one after another.
        let aspects = async {
            match inspection_id {
                Some(_) => {
                    self.completion(viewer, inspection_id, today, Group::Aspect)
                        .await
                }
                None => Ok(Vec::new()),
            }
        };
        let (totals, by_inspection, by_aspect, by_unit, trend) = tokio::try_join!(
            self.totals(viewer, inspection_id, today),
            self.completion(viewer, None, today, Group::Inspection),
            aspects,
            self.completion(viewer, inspection_id, today, Group::Unit),
            self.trend(viewer, inspection_id, today),
        )?;
        Ok(Dashboard {
            totals,
            by_inspection,
            by_aspect,
            by_unit,
            trend,
        })
    }

    async fn totals(
        &self,
        viewer: &Viewer,
        inspection_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Totals, StoreError> {
        let mut w = scoped(viewer, inspection_id);
        let p = |w: &mut Where, v: NaiveDate| {
            w.params.push(d(v).into());
            format!("${}", w.params.len())
        };
        // Lights by the daily run's rule (`supervision::LightView`): yellow within the
        // working-day window or behind a milestone's pace.
        let lights = self.light_view(today).await?;
        let t = p(&mut w, today);
        let y = p(&mut w, lights.thresholds().yellow_until);
        w.params
            .push(i64::from(lights.rules().behind_pace_points).into());
        let pts = format!("${}", w.params.len());
        let b7 = p(&mut w, today - Duration::days(7));
        let b30 = p(&mut w, today - Duration::days(30));
        let b90 = p(&mut w, today - Duration::days(90));
        let open = "m.state NOT IN ('closed', 'closed_ongoing', 'draft')";
        let red = format!("{open} AND m.deadline < {t}");
        let sql = format!(
            "SELECT COUNT(*) AS total, \
             SUM(CASE WHEN {CLOSED} THEN 1 ELSE 0 END) AS closed, \
             SUM(CASE WHEN {red} THEN 1 ELSE 0 END) AS red, \
             SUM(CASE WHEN NOT ({red}) AND {open} AND (m.deadline <= {y} OR (SELECT MAX(ms.percent) FROM measure_milestone ms \
               WHERE ms.measure_id = m.id AND ms.due <= {t}) > m.percent + {pts}) THEN 1 ELSE 0 END) AS yellow, \
             SUM(CASE WHEN {red} AND m.deadline >= {b7} THEN 1 ELSE 0 END) AS a1, \
             SUM(CASE WHEN {red} AND m.deadline < {b7} AND m.deadline >= {b30} THEN 1 ELSE 0 END) AS a2, \
             SUM(CASE WHEN {red} AND m.deadline < {b30} AND m.deadline >= {b90} THEN 1 ELSE 0 END) AS a3, \
             SUM(CASE WHEN {red} AND m.deadline < {b90} THEN 1 ELSE 0 END) AS a4 \
             FROM measure m WHERE 1 = 1{}",
            w.sql
        );
        let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_one(self.pool())
            .await?;
        let n = |c: &str| -> Result<i64, StoreError> {
            Ok(row.try_get::<Option<i64>, _>(c)?.unwrap_or(0))
        };
        let total = n("total")?;
        let red = n("red")?;
        let yellow = n("yellow")?;
        Ok(Totals {
            total,
            closed: n("closed")?,
            green: total - red - yellow,
            yellow,
            red,
            ageing: [n("a1")?, n("a2")?, n("a3")?, n("a4")?],
            lights_assumed_years: lights.assumed_years().to_vec(),
        })
    }

    async fn completion(
        &self,
        viewer: &Viewer,
        inspection_id: Option<i64>,
        today: NaiveDate,
        group: Group,
    ) -> Result<Vec<Completion>, StoreError> {
        let mut w = scoped(viewer, inspection_id);
        let overdue = overdue_case(&mut w, today);
        let (key, join, label, order) = match group {
            Group::Inspection => (
                "m.inspection_id",
                "JOIN inspection g ON g.id = m.inspection_id",
                "g.title",
                "MIN(g.id)",
            ),
            Group::Aspect => (
                "pr.aspect_id",
                "JOIN problem pr ON pr.id = m.problem_id JOIN aspect g ON g.id = pr.aspect_id",
                "g.title",
                "MIN(g.seq)",
            ),
            Group::Unit => (
                "m.responsible_unit_id",
                "JOIN organisation g ON g.id = m.responsible_unit_id",
                "g.name",
                "MIN(g.path)",
            ),
        };
        let sql = format!(
            "SELECT {key} AS id, MIN({label}) AS label, COUNT(*) AS total, \
             SUM(CASE WHEN {CLOSED} THEN 1 ELSE 0 END) AS closed, SUM({overdue}) AS overdue \
             FROM measure m {join} WHERE 1 = 1{} GROUP BY {key} ORDER BY {order} LIMIT 200",
            w.sql
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Completion {
                    id: r.try_get("id")?,
                    label: r.try_get("label")?,
                    total: r.try_get("total")?,
                    closed: r.try_get::<Option<i64>, _>("closed")?.unwrap_or(0),
                    overdue: r.try_get::<Option<i64>, _>("overdue")?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// The last 12 months (this one included): measures due and measures closed per month.
    async fn trend(
        &self,
        viewer: &Viewer,
        inspection_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Vec<MonthPoint>, StoreError> {
        let months: Vec<String> = (0..12)
            .rev()
            .map(|back| {
                let total = today.year() * 12 + today.month0() as i32 - back;
                format!(
                    "{:04}-{:02}",
                    total.div_euclid(12),
                    total.rem_euclid(12) + 1
                )
            })
            .collect();
        let first = format!("{}-01", months[0]);
        let mut points: Vec<MonthPoint> = months
            .iter()
            .map(|m| MonthPoint {
                month: m.clone(),
                due: 0,
                closed: 0,
            })
            .collect();
        for (col, closed) in [("m.deadline", false), ("m.closed_at", true)] {
            let mut w = scoped(viewer, inspection_id);
            w.and(&format!("{col} >="), first.clone());
            let cond = if closed {
                format!(" AND {CLOSED}")
            } else {
                String::new()
            };
            let sql = format!(
                "SELECT SUBSTR({col}, 1, 7) AS month, COUNT(*) AS n FROM measure m \
                 WHERE 1 = 1{}{cond} GROUP BY SUBSTR({col}, 1, 7)",
                w.sql
            );
            let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
                .fetch_all(self.pool())
                .await?;
            for r in rows {
                let month: String = r.try_get("month")?;
                let n: i64 = r.try_get("n")?;
                if let Some(p) = points.iter_mut().find(|p| p.month == month) {
                    if closed {
                        p.closed = n;
                    } else {
                        p.due = n;
                    }
                }
            }
        }
        Ok(points)
    }
}

#[derive(Debug, Clone, Copy)]
enum Group {
    Inspection,
    Aspect,
    Unit,
}

// ---------------------------------------------------------------------------------------
// The ledger list: filters, sort and keyset pagination.

/// Sort keys of the ledger table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LedgerSort {
    #[default]
    Id,
    /// By deadline (measures without one last), then id.
    Deadline,
}

/// Filters of the ledger page. Every one given narrows the list.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub inspection_id: Option<i64>,
    /// The responsible unit and every unit below it.
    pub unit_id: Option<i64>,
    pub state: Option<MeasureState>,
    pub kind: Option<MeasureKind>,
    /// Only open measures past their deadline.
    pub overdue: bool,
    /// Only measures not closed.
    pub open: bool,
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    /// Substring of the measure's or its problem's text.
    pub text: Option<String>,
    pub sort: LedgerSort,
    pub descending: bool,
    /// Keyset cursor: the sort key and id of the last row of the previous page.
    pub after: Option<(Option<String>, i64)>,
    /// Keyset cursor going back: the sort key and id of the first row of the next page
    /// (the page before it is returned, in the usual order). Ignored when `after` is given.
    pub before: Option<(Option<String>, i64)>,
    pub limit: i64,
}

/// One row of the ledger table.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    pub id: i64,
    pub inspection_id: i64,
    pub problem_id: i64,
    pub problem_title: String,
    pub seq: i64,
    pub text: String,
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub percent: i64,
    pub overdue: bool,
    pub version: i64,
}

/// A page of the ledger and the cursor of the next one.
#[derive(Debug, Clone)]
pub struct LedgerPage {
    pub rows: Vec<LedgerRow>,
    /// Rows matching the filters (all pages); with `total_capped`, at least this many.
    pub total: i64,
    /// A text search counted only up to `COUNT_CAP` matches and there are more.
    pub total_capped: bool,
    /// The cursor for the next page, when there is one.
    pub next: Option<(Option<String>, i64)>,
    /// The cursor for the previous page (`LedgerFilter::before`), when this is not the first.
    pub prev: Option<(Option<String>, i64)>,
}

/// Escape `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_pattern(s: &str) -> String {
    let mut p = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

const NO_DEADLINE: &str = "9999-12-31";

/// A text search's match count stops here (the page shows "1000+").
pub const COUNT_CAP: i64 = 1000;

impl Store {
    /// A page of measures in the viewer's scope. Keyset pagination (`after`) keeps deep pages
    /// as fast as the first.
    pub async fn ledger_page(
        &self,
        viewer: &Viewer,
        f: &LedgerFilter,
        today: NaiveDate,
    ) -> Result<LedgerPage, StoreError> {
        let mut w = Where::default();
        viewer.scope_measures(&mut w);
        if let Some(v) = f.inspection_id {
            w.and("m.inspection_id =", v);
        }
        if let Some(v) = f.unit_id {
            // The unit and every unit below it, as the export's filter (a measure's org_path
            // is its responsible unit's path). Written with BETWEEN so that the page query's
            // rewrite of the scope's range (below) leaves it to the org_path index; no path
            // equals an upper bound (paths end with '/').
            let path = self.organisation(v).await?.path;
            w.params.push(path.as_str().into());
            let a = w.params.len();
            w.params.push(path.upper_bound().into());
            let b = w.params.len();
            w.sql
                .push_str(&format!(" AND m.org_path BETWEEN ${a} AND ${b}"));
        }
        if let Some(v) = f.state {
            w.and("m.state =", v.as_str());
        }
        if let Some(v) = f.kind {
            w.and("m.kind =", v.as_str());
        }
        if f.overdue {
            w.and("m.deadline <", d(today));
            w.raw("m.state NOT IN ('closed', 'closed_ongoing', 'draft')");
        }
        if f.open {
            w.raw("m.state NOT IN ('closed', 'closed_ongoing')");
        }
        // A deadline range, also on the deadline-sort expression (the same rows: a range
        // leaves out measures without a deadline either way), which its index serves.
        if let Some(v) = f.deadline_from {
            w.and("m.deadline >=", d(v));
            w.and(&format!("COALESCE(m.deadline, '{NO_DEADLINE}') >="), d(v));
        }
        if let Some(v) = f.deadline_to {
            w.and("m.deadline <=", d(v));
            w.and(&format!("COALESCE(m.deadline, '{NO_DEADLINE}') <="), d(v));
        }
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = like_pattern(t);
            w.params.push(pat.clone().into());
            let a = w.params.len();
            w.params.push(pat.into());
            let b = w.params.len();
            w.sql.push_str(&format!(
                " AND (m.text LIKE ${a} ESCAPE '\\' OR pr.title LIKE ${b} ESCAPE '\\')"
            ));
        }
        // The problem is joined only when its title is searched.
        let searched = f.text.as_deref().is_some_and(|t| !t.trim().is_empty());
        let from = if searched {
            "measure m JOIN problem pr ON pr.id = m.problem_id"
        } else {
            "measure m"
        };
        // A text search cannot use an index: its count stops at `COUNT_CAP` + 1 matches
        // (shown as "1000+") instead of reading every measure and problem title.
        let count_sql = if searched {
            format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE 1 = 1{} LIMIT {}) c",
                w.sql,
                COUNT_CAP + 1
            )
        } else {
            format!("SELECT COUNT(*) FROM {from} WHERE 1 = 1{}", w.sql)
        };
        let counted: i64 = bind_all(sqlx::query(AssertSqlSafe(count_sql)), &w.params)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        let total_capped = searched && counted > COUNT_CAP;
        let total = if total_capped { COUNT_CAP } else { counted };
        // Going back walks the same order reversed from the cursor, then flips the page.
        let back = f.after.is_none() && f.before.is_some();
        let (cmp, dir) = if f.descending != back {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let key = match f.sort {
            LedgerSort::Id => None,
            LedgerSort::Deadline => Some(format!("COALESCE(m.deadline, '{NO_DEADLINE}')")),
        };
        if let Some((k, id)) = f.after.as_ref().or(f.before.as_ref()) {
            match &key {
                None => w.and(&format!("m.id {cmp}"), *id),
                Some(key) => {
                    let k = k.clone().unwrap_or_else(|| NO_DEADLINE.into());
                    w.params.push(k.clone().into());
                    let a = w.params.len();
                    w.params.push(k.into());
                    let b = w.params.len();
                    w.params.push((*id).into());
                    let c = w.params.len();
                    w.sql.push_str(&format!(
                        " AND ({key} {cmp} ${a} OR ({key} = ${b} AND m.id {cmp} ${c}))"
                    ));
                }
            }
        }
        let order = match &key {
            None => format!("m.id {dir}"),
            Some(key) => format!("{key} {dir}, m.id {dir}"),
        };
        let limit = f.limit.clamp(1, 500);
        // Two steps: the page's ids from the measure table alone (no joins over every row
        // before the sort), then the names for those few rows.
        // The scope's org_path range is written so no index can serve it here: otherwise
        // both engines' planners take the org_path index (the whole table for a wide scope)
        // and sort every match, where walking the id or deadline-sort index stops after one
        // page. (Only constant fragments are rewritten; values stay bound parameters.)
        let page_where = w
            .sql
            .replace("m.org_path >=", "(m.org_path || '') >=")
            .replace("m.org_path <", "(m.org_path || '') <");
        let ids_sql = format!(
            "SELECT m.id FROM {from} WHERE 1 = 1{page_where} ORDER BY {order} LIMIT {}",
            limit + 1
        );
        let ids: Vec<i64> = bind_all(sqlx::query(AssertSqlSafe(ids_sql)), &w.params)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
        let rows = if ids.is_empty() {
            Vec::new()
        } else {
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT m.id, m.inspection_id, m.problem_id, pr.title AS problem_title, m.seq, m.text, m.kind, m.state, \
                 m.responsible_unit_id, u.name AS unit_name, m.owner_id, p.name AS owner_name, m.deadline, m.percent, m.version \
                 FROM measure m JOIN problem pr ON pr.id = m.problem_id \
                 LEFT JOIN organisation u ON u.id = m.responsible_unit_id LEFT JOIN person p ON p.id = m.owner_id \
                 WHERE m.id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            let mut rows = q.fetch_all(self.pool()).await?;
            rows.sort_by_key(|r| {
                let id: i64 = r.try_get("id").unwrap_or_default();
                ids.iter().position(|x| *x == id).unwrap_or(usize::MAX)
            });
            rows
        };
        let mut out = rows
            .iter()
            .map(|r| ledger_row(r, today))
            .collect::<Result<Vec<_>, _>>()?;
        let more = out.len() as i64 > limit;
        out.truncate(limit as usize);
        let cursor = |r: &LedgerRow| {
            let k = match f.sort {
                LedgerSort::Id => None,
                LedgerSort::Deadline => {
                    Some(r.deadline.map(d).unwrap_or_else(|| NO_DEADLINE.to_string()))
                }
            };
            (k, r.id)
        };
        let (next, prev) = if back {
            out.reverse();
            // The cursor row itself follows this page.
            (
                out.last().map(cursor),
                out.first().filter(|_| more).map(cursor),
            )
        } else {
            (
                out.last().filter(|_| more).map(cursor),
                out.first().filter(|_| f.after.is_some()).map(cursor),
            )
        };
        Ok(LedgerPage {
            rows: out,
            total,
            total_capped,
            next,
            prev,
        })
    }

    /// The viewer's own worklist on the home page (at most 50 rows, most urgent first).
    pub async fn my_measures(
        &self,
        viewer: &Viewer,
        list: MyList,
        today: NaiveDate,
    ) -> Result<Vec<LedgerRow>, StoreError> {
        let mut f = LedgerFilter {
            sort: LedgerSort::Deadline,
            limit: 50,
            ..LedgerFilter::default()
        };
        match list {
            MyList::DueSoon => {
                f.open = true;
                f.deadline_from = Some(today);
                f.deadline_to = Some(today + Duration::days(14));
            }
            MyList::Overdue => f.overdue = true,
            MyList::Returned => f.state = Some(MeasureState::Returned),
        }
        Ok(self.ledger_page(viewer, &f, today).await?.rows)
    }
}

// ---------------------------------------------------------------------------------------
// Pickers: the inspections, units and people a form may name, listed when few and searched
// by name when many (a page never lists thousands of options).

/// What a picker chooses among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKind {
    /// Inspections the viewer sees (by title).
    Inspection,
    /// Organisations in a subtree (by name).
    Unit,
    /// People of the organisations in a subtree (by name).
    Person,
}

/// One thing a picker offers: its id, its name and what tells equal names apart (the
/// parent organisation of a unit, a person's organisation, the inspected organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: i64,
    pub label: String,
    pub detail: Option<String>,
}

/// Where a picker looks: the viewer's scope (inspections) or an organisation subtree.
#[derive(Debug, Clone)]
pub struct PickScope {
    pub kind: PickKind,
    pub viewer: Viewer,
    /// Units and people: the subtree searched (defaults to the viewer's scope).
    pub within: Option<OrgPath>,
}

impl PickScope {
    pub fn new(kind: PickKind, viewer: &Viewer) -> PickScope {
        PickScope {
            kind,
            viewer: viewer.clone(),
            within: None,
        }
    }

    pub fn within(mut self, path: OrgPath) -> PickScope {
        self.within = Some(path);
        self
    }
}

use rectify_core::access::OrgPath;

impl Store {
    /// The SELECT and WHERE of a picker's rows (id, label, detail), scoped.
    async fn pick_base(
        &self,
        p: &PickScope,
    ) -> Result<(&'static str, Where, &'static str, &'static str), StoreError> {
        let path = p.within.clone().unwrap_or_else(|| p.viewer.scope.clone());
        let mut w = Where::default();
        Ok(match p.kind {
            PickKind::Inspection => {
                // As `Store::inspections`: those of organisations in scope, else (a unit below
                // the inspected organisation) those it has measures in.
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM inspection WHERE org_path >= $1 AND org_path < $2 LIMIT 1) c",
                )
                .bind(path.as_str().to_string())
                .bind(path.upper_bound())
                .fetch_one(self.pool())
                .await?;
                if n > 0 {
                    // Written so the org_path index cannot serve it: a wide scope would read
                    // every inspection through it and sort; walking the ids stops at the limit.
                    w.and("(g.org_path || '') >=", path.as_str());
                    w.and("(g.org_path || '') <", path.upper_bound());
                } else {
                    w.params.push(path.as_str().into());
                    let a = w.params.len();
                    w.params.push(path.upper_bound().into());
                    let b = w.params.len();
                    w.sql.push_str(&format!(
                        " AND EXISTS (SELECT 1 FROM measure m WHERE m.inspection_id = g.id AND m.org_path >= ${a} AND m.org_path < ${b})"
                    ));
                }
                (
                    "SELECT g.id, g.title AS label, o.name AS detail FROM inspection g JOIN organisation o ON o.id = g.inspected_org_id",
                    w,
                    "g.title",
                    "g.id",
                )
            }
            PickKind::Unit => {
                w.and("g.path >=", path.as_str());
                w.and("g.path <", path.upper_bound());
                (
                    "SELECT g.id, g.name AS label, o.name AS detail FROM organisation g LEFT JOIN organisation o ON o.id = g.parent_id",
                    w,
                    "g.name",
                    "g.path",
                )
            }
            PickKind::Person => {
                w.and("o.path >=", path.as_str());
                w.and("o.path <", path.upper_bound());
                (
                    "SELECT g.id, g.name AS label, o.name AS detail FROM person g JOIN organisation o ON o.id = g.organisation_id",
                    w,
                    "g.name",
                    "o.path, g.id",
                )
            }
        })
    }

    async fn pick_rows(
        &self,
        p: &PickScope,
        extra: impl FnOnce(&mut Where, &str),
        limit: i64,
    ) -> Result<Vec<Choice>, StoreError> {
        let base = self.pick_base(p).await?;
        self.pick_rows_of(base, extra, limit).await
    }

    /// [`pick_rows`](Self::pick_rows) on a base already built.
    async fn pick_rows_of(
        &self,
        (select, mut w, label, order): (&'static str, Where, &'static str, &'static str),
        extra: impl FnOnce(&mut Where, &str),
        limit: i64,
    ) -> Result<Vec<Choice>, StoreError> {
        extra(&mut w, label);
        let sql = format!(
            "{select} WHERE 1 = 1{} ORDER BY {order} LIMIT {}",
            w.sql,
            limit.clamp(1, 1000)
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Choice {
                    id: r.try_get("id")?,
                    label: r.try_get("label")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// The first `limit` choices in scope: units and people in tree order, inspections by id
    /// (pages use [`pick_list_upto`](Self::pick_list_upto)).
    #[cfg(test)]
    pub async fn pick_list(&self, p: &PickScope, limit: i64) -> Result<Vec<Choice>, StoreError> {
        self.pick_rows(p, |_, _| {}, limit).await
    }

    /// Every choice in scope when there are at most `max`, else `None`. A wide scope (a
    /// city's units and people) costs one counted row, not the `max + 1` choices with their
    /// names: a page shows several pickers, and most are search fields at that scale.
    pub async fn pick_list_upto(
        &self,
        p: &PickScope,
        max: i64,
    ) -> Result<Option<Vec<Choice>>, StoreError> {
        let max = max.clamp(1, 999);
        let base = self.pick_base(p).await?;
        let sql = format!(
            "SELECT COUNT(*) FROM ({} WHERE 1 = 1{} LIMIT {}) c",
            base.0,
            base.1.sql,
            max + 1
        );
        let n: i64 = bind_all(sqlx::query(AssertSqlSafe(sql)), &base.1.params)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        if n > max {
            return Ok(None);
        }
        self.pick_rows_of(base, |_, _| {}, max).await.map(Some)
    }

    /// The choice with this id, if it is in scope.
    pub async fn pick_id(&self, p: &PickScope, id: i64) -> Result<Option<Choice>, StoreError> {
        Ok(self
            .pick_rows(p, |w, _| w.and("g.id =", id), 1)
            .await?
            .into_iter()
            .next())
    }

    /// Choices named `text`: those named exactly so when there are any, else those whose
    /// name contains it; at most `limit`.
    pub async fn pick_search(
        &self,
        p: &PickScope,
        text: &str,
        limit: i64,
    ) -> Result<Vec<Choice>, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let exact = self
            .pick_rows(p, |w, label| w.and(&format!("{label} ="), text), limit)
            .await?;
        if !exact.is_empty() {
            return Ok(exact);
        }
        let pat = like_pattern(text);
        self.pick_rows(
            p,
            |w, label| {
                w.params.push(pat.into());
                w.sql.push_str(&format!(
                    " AND {label} LIKE ${} ESCAPE '\\'",
                    w.params.len()
                ));
            },
            limit,
        )
        .await
    }
}

fn ledger_row(r: &sqlx::any::AnyRow, today: NaiveDate) -> Result<LedgerRow, StoreError> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let state = MeasureState::parse(&state)
        .ok_or_else(|| StoreError::Config(format!("unknown measure state {state}")))?;
    let deadline: Option<String> = r.try_get("deadline")?;
    let deadline = deadline.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    Ok(LedgerRow {
        id: r.try_get("id")?,
        inspection_id: r.try_get("inspection_id")?,
        problem_id: r.try_get("problem_id")?,
        problem_title: r.try_get("problem_title")?,
        seq: r.try_get("seq")?,
        text: r.try_get("text")?,
        kind: MeasureKind::parse(&kind)
            .ok_or_else(|| StoreError::Config(format!("unknown measure kind {kind}")))?,
        state,
        unit_id: r.try_get("responsible_unit_id")?,
        unit: r.try_get("unit_name")?,
        owner_id: r.try_get("owner_id")?,
        owner: r.try_get("owner_name")?,
        deadline,
        percent: r.try_get("percent")?,
        overdue: rectify_core::progress::is_overdue(state, deadline, today),
        version: r.try_get("version")?,
    })
}

#[cfg(test)]
mod tests {
    use rectify_core::access::{OrgPath, Role};
    use rectify_core::demo::{Scale, generate};
    use rectify_core::progress::{Light, is_overdue};
    use rectify_core::supervision::{LightRules, MeasureFacts as Facts};

    use super::*;
    use crate::testing::stores;

    async fn root_viewer(store: &Store) -> Viewer {
        let (path,): (String,) =
            sqlx::query_as("SELECT path FROM organisation WHERE parent_id IS NULL")
                .fetch_one(store.pool())
                .await
                .unwrap();
        Viewer {
            user_id: 0,
            role: Role::Office,
            scope: OrgPath::parse(&path).unwrap(),
            person_id: None,
        }
    }

    /// (id, state, deadline) of every measure, read plainly.
    async fn all_measures(store: &Store) -> Vec<(i64, MeasureState, Option<NaiveDate>)> {
        let rows: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, state, deadline FROM measure ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
        rows.into_iter()
            .map(|(id, s, d)| {
                (
                    id,
                    MeasureState::parse(&s).unwrap(),
                    d.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn dashboard_figures_agree_with_the_domain_rules() {
        for (store, _g) in stores().await {
            let ledger = generate(Scale::Small, 7);
            crate::bulk::load(&store, &ledger, &Actor::cli("test"))
                .await
                .unwrap();
            let viewer = root_viewer(&store).await;
            let today = ledger.as_of;
            let d = store.dashboard(&viewer, None, today).await.unwrap();
            let all = all_measures(&store).await;
            assert!(all.len() > 20);
            let t = &d.totals;
            assert_eq!(t.total, all.len() as i64);
            assert_eq!(
                t.closed,
                all.iter().filter(|m| m.1.is_closed()).count() as i64
            );
            // The daily run's rule on working days (no milestones here); the chart shows
            // deep red as red and blue, closed and draft as green.
            let rules = LightRules::default();
            let th = rules
                .thresholds(&store.calendar().await.unwrap(), today)
                .unwrap();
            let shown = |m: &(i64, MeasureState, Option<NaiveDate>)| {
                let f = Facts {
                    kind: rectify_core::ledger::MeasureKind::TimeBound,
                    state: m.1,
                    deadline: m.2,
                    percent: 0,
                    milestone_percent: None,
                    feedback_on: None,
                };
                match rules.assess(&th, &f).map(|a| a.light) {
                    Some(Light::DeepRed | Light::Red) => Light::Red,
                    Some(Light::Yellow) => Light::Yellow,
                    _ => Light::Green,
                }
            };
            let count = |l: Light| all.iter().filter(|m| shown(m) == l).count() as i64;
            assert_eq!(
                (t.red, t.yellow, t.green),
                (count(Light::Red), count(Light::Yellow), count(Light::Green))
            );
            let overdue_days: Vec<i64> = all
                .iter()
                .filter(|m| is_overdue(m.1, m.2, today))
                .map(|m| (today - m.2.unwrap()).num_days())
                .collect();
            let bucket = |lo: i64, hi: i64| {
                overdue_days
                    .iter()
                    .filter(|d| **d >= lo && **d <= hi)
                    .count() as i64
            };
            assert_eq!(
                t.ageing,
                [
                    bucket(1, 7),
                    bucket(8, 30),
                    bucket(31, 90),
                    bucket(91, i64::MAX)
                ]
            );
            assert_eq!(t.ageing.iter().sum::<i64>(), t.red);
            // Groups add up to the whole.
            assert_eq!(
                d.by_inspection.iter().map(|c| c.total).sum::<i64>(),
                t.total
            );
            assert!(d.by_unit.iter().map(|c| c.closed).sum::<i64>() <= t.closed);
            assert_eq!(d.trend.len(), 12);
            let one = d.by_inspection[0].id;
            let di = store.dashboard(&viewer, Some(one), today).await.unwrap();
            assert_eq!(di.totals.total, d.by_inspection[0].total);
            assert_eq!(
                di.by_aspect.iter().map(|c| c.total).sum::<i64>(),
                di.totals.total
            );
            // An owner sees only their own measures.
            let owner = Viewer {
                role: Role::Owner,
                person_id: Some(-5),
                ..viewer.clone()
            };
            assert_eq!(
                store
                    .dashboard(&owner, None, today)
                    .await
                    .unwrap()
                    .totals
                    .total,
                0
            );
        }
    }

    #[tokio::test]
    async fn ledger_pages_walk_every_row_once_in_order() {
        for (store, _g) in stores().await {
            let ledger = generate(Scale::Small, 11);
            crate::bulk::load(&store, &ledger, &Actor::cli("test"))
                .await
                .unwrap();
            let viewer = root_viewer(&store).await;
            let today = ledger.as_of;
            let all = all_measures(&store).await;
            for (sort, descending) in [
                (LedgerSort::Id, false),
                (LedgerSort::Id, true),
                (LedgerSort::Deadline, false),
                (LedgerSort::Deadline, true),
            ] {
                let mut seen = Vec::new();
                let mut pages = Vec::new();
                let mut f = LedgerFilter {
                    sort,
                    descending,
                    limit: 7,
                    ..LedgerFilter::default()
                };
                let mut last;
                loop {
                    let p = store.ledger_page(&viewer, &f, today).await.unwrap();
                    assert_eq!(p.total, all.len() as i64);
                    assert_eq!(
                        p.prev.is_some(),
                        f.after.is_some(),
                        "only the first has no prev"
                    );
                    seen.extend(p.rows.iter().map(|r| (r.id, r.deadline)));
                    pages.push(p.rows.iter().map(|r| r.id).collect::<Vec<_>>());
                    last = p.prev.clone();
                    match p.next {
                        Some(c) => f.after = Some(c),
                        None => break,
                    }
                }
                // Back from the last page, page by page, to the first (which has no prev).
                let mut back = pages.clone();
                back.pop();
                let mut f = LedgerFilter {
                    sort,
                    descending,
                    limit: 7,
                    ..LedgerFilter::default()
                };
                while let Some(c) = last {
                    f.before = Some(c);
                    let p = store.ledger_page(&viewer, &f, today).await.unwrap();
                    let ids: Vec<i64> = p.rows.iter().map(|r| r.id).collect();
                    assert_eq!(
                        Some(ids),
                        back.pop(),
                        "{sort:?} desc={descending} going back"
                    );
                    assert!(p.next.is_some());
                    last = p.prev;
                }
                assert!(back.is_empty(), "walked back to the first page");
                let mut want: Vec<(i64, Option<NaiveDate>)> =
                    all.iter().map(|m| (m.0, m.2)).collect();
                let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
                match sort {
                    LedgerSort::Id => want.sort_by_key(|m| m.0),
                    LedgerSort::Deadline => want.sort_by_key(|m| (m.1.unwrap_or(far), m.0)),
                }
                if descending {
                    want.reverse();
                }
                assert_eq!(seen, want, "{sort:?} desc={descending}");
            }
            // Filters: overdue matches the domain rule; text search escapes LIKE wildcards.
            let f = LedgerFilter {
                overdue: true,
                limit: 500,
                ..LedgerFilter::default()
            };
            let p = store.ledger_page(&viewer, &f, today).await.unwrap();
            let want = all.iter().filter(|m| is_overdue(m.1, m.2, today)).count() as i64;
            assert_eq!(p.total, want);
            assert!(p.rows.iter().all(|r| r.overdue));
            // A deadline range (bounds included) leaves out measures without a deadline, in
            // either sort.
            let (from, to) = (today - Duration::days(30), today + Duration::days(30));
            let want: Vec<i64> = all
                .iter()
                .filter(|m| m.2.is_some_and(|d| d >= from && d <= to))
                .map(|m| m.0)
                .collect();
            assert!(
                !want.is_empty(),
                "the generated ledger has deadlines near today"
            );
            for sort in [LedgerSort::Id, LedgerSort::Deadline] {
                let f = LedgerFilter {
                    deadline_from: Some(from),
                    deadline_to: Some(to),
                    sort,
                    limit: 500,
                    ..LedgerFilter::default()
                };
                let p = store.ledger_page(&viewer, &f, today).await.unwrap();
                let mut got: Vec<i64> = p.rows.iter().map(|r| r.id).collect();
                got.sort_unstable();
                assert_eq!(
                    (p.total, got),
                    (want.len() as i64, want.clone()),
                    "{sort:?}"
                );
            }
            for (q, none) in [("%", true), ("_", true), ("整改", false)] {
                let f = LedgerFilter {
                    text: Some(q.into()),
                    limit: 5,
                    ..LedgerFilter::default()
                };
                let p = store.ledger_page(&viewer, &f, today).await.unwrap();
                assert_eq!(p.total == 0, none, "{q}: {}", p.total);
            }
            // A unit filter takes the units below it too (as the export does): a unit with
            // measures of its own and below it. (A measure with no responsible unit belongs
            // to its inspection's organisation.)
            let (unit, own, under): (i64, i64, i64) = sqlx::query_as(
                "SELECT g.id, \
                 (SELECT COUNT(*) FROM measure m WHERE m.responsible_unit_id = g.id) \
                 + (SELECT COUNT(*) FROM measure m JOIN inspection i ON i.id = m.inspection_id \
                    WHERE m.responsible_unit_id IS NULL AND i.inspected_org_id = g.id), \
                 (SELECT COUNT(*) FROM measure m JOIN organisation o ON o.id = m.responsible_unit_id \
                  WHERE o.path > g.path AND o.path LIKE g.path || '%') \
                 + (SELECT COUNT(*) FROM measure m JOIN inspection i ON i.id = m.inspection_id \
                    JOIN organisation o ON o.id = i.inspected_org_id \
                    WHERE m.responsible_unit_id IS NULL AND o.path > g.path AND o.path LIKE g.path || '%') AS n \
                 FROM organisation g ORDER BY n DESC, g.id LIMIT 1",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            assert!(under > 0, "the generated ledger has measures below a unit");
            let f = LedgerFilter {
                unit_id: Some(unit),
                limit: 500,
                ..LedgerFilter::default()
            };
            let p = store.ledger_page(&viewer, &f, today).await.unwrap();
            assert_eq!(p.total, own + under);
        }
    }

    #[tokio::test]
    async fn pickers_list_find_and_scope() {
        for (store, _g) in stores().await {
            let ledger = generate(Scale::Small, 5);
            crate::bulk::load(&store, &ledger, &Actor::cli("test"))
                .await
                .unwrap();
            let root = root_viewer(&store).await;
            let units = PickScope::new(PickKind::Unit, &root);
            let all = store.pick_list(&units, 1000).await.unwrap();
            assert!(all.len() > 3);
            assert_eq!(store.pick_list(&units, 2).await.unwrap().len(), 2);
            // The whole list when it fits, none when it is longer.
            let n = all.len() as i64;
            assert_eq!(
                store.pick_list_upto(&units, n).await.unwrap(),
                Some(all.clone())
            );
            assert_eq!(store.pick_list_upto(&units, n - 1).await.unwrap(), None);
            // Exact names first; otherwise by part of the name (LIKE wildcards are literal).
            let one = &all[all.len() / 2];
            let found = store.pick_search(&units, &one.label, 50).await.unwrap();
            assert!(found.iter().all(|c| c.label == one.label));
            assert!(found.iter().any(|c| c.id == one.id));
            let part: String = one.label.chars().skip(1).collect();
            let found = store.pick_search(&units, &part, 1000).await.unwrap();
            assert!(found.iter().all(|c| c.label.contains(&part)));
            assert!(store.pick_search(&units, "%", 5).await.unwrap().is_empty());
            assert!(store.pick_search(&units, "  ", 5).await.unwrap().is_empty());
            // A narrower scope does not find what is outside it.
            let org = store.organisation(one.id).await.unwrap();
            let inside = PickScope::new(PickKind::Unit, &root).within(org.path.clone());
            assert!(store.pick_id(&inside, one.id).await.unwrap().is_some());
            let parent = all.iter().find(|c| Some(c.id) == org.parent_id).unwrap();
            assert!(store.pick_id(&inside, parent.id).await.unwrap().is_none());
            // Inspections and people.
            let insp = PickScope::new(PickKind::Inspection, &root);
            let list = store.pick_list(&insp, 100).await.unwrap();
            assert_eq!(list.len(), ledger.inspections.len());
            let people = PickScope::new(PickKind::Person, &root);
            let p = store.pick_list(&people, 1).await.unwrap();
            assert_eq!(
                store.pick_id(&people, p[0].id).await.unwrap().as_ref(),
                Some(&p[0])
            );
        }
    }

    #[tokio::test]
    async fn locale_is_remembered_and_checked() {
        for (store, _g) in stores().await {
            let ledger = generate(Scale::Small, 3);
            crate::bulk::load(&store, &ledger, &Actor::cli("test"))
                .await
                .unwrap();
            let (uid,): (i64,) = sqlx::query_as("SELECT id FROM app_user ORDER BY id LIMIT 1")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(store.user_locale(uid).await.unwrap(), None);
            let mut w = store.begin_write().await.unwrap();
            assert!(
                w.set_user_locale(&Actor::cli("t"), uid, "fr")
                    .await
                    .is_err()
            );
            w.set_user_locale(&Actor::cli("t"), uid, "en")
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(store.user_locale(uid).await.unwrap().as_deref(), Some("en"));
        }
    }

    #[tokio::test]
    async fn ledger_counter_moves_with_ledger_changes_not_sign_ins() {
        for (store, _g) in stores().await {
            let ledger = generate(Scale::Small, 5);
            crate::bulk::load(&store, &ledger, &Actor::cli("test"))
                .await
                .unwrap();
            let loaded = store.ledger_counter().await.unwrap();
            assert!(loaded > 0, "the load is a ledger change");
            let (uid,): (i64,) = sqlx::query_as("SELECT id FROM app_user ORDER BY id LIMIT 1")
                .fetch_one(store.pool())
                .await
                .unwrap();
            let mut w = store.begin_write().await.unwrap();
            w.audit(
                &Actor::cli("t"),
                AuditEvent::ok("session.login", "user", uid),
            )
            .await
            .unwrap();
            w.set_user_locale(&Actor::cli("t"), uid, "en")
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(store.ledger_counter().await.unwrap(), loaded);
            let (mid,): (i64,) = sqlx::query_as("SELECT id FROM measure ORDER BY id LIMIT 1")
                .fetch_one(store.pool())
                .await
                .unwrap();
            let mut w = store.begin_write().await.unwrap();
            w.audit(
                &Actor::cli("t"),
                AuditEvent::ok("measure.update", "measure", mid),
            )
            .await
            .unwrap();
            w.commit().await.unwrap();
            assert!(store.ledger_counter().await.unwrap() > loaded);
        }
    }

    /// Times the web application's queries at city scale (135 k measures) on SQLite:
    /// `cargo test -p rectify-store --release city_scale_page_queries -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore = "benchmark: loads 135,000 measures"]
    async fn city_scale_page_queries() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::Location {
            database_url: None,
            data_dir: dir.path().to_path_buf(),
        })
        .await
        .unwrap();
        let ledger = generate(Scale::City, 1);
        crate::bulk::load(&store, &ledger, &Actor::cli("bench"))
            .await
            .unwrap();
        let viewer = root_viewer(&store).await;
        let today = ledger.as_of;
        let time = |label: &str, f: std::time::Duration| {
            eprintln!("{label}: {:.1} ms", f.as_secs_f64() * 1000.0)
        };
        for sql in [
            "SELECT m.id FROM measure m JOIN problem pr ON pr.id = m.problem_id WHERE (m.org_path || '') >= '' AND (m.org_path || '') < '~' AND (m.text LIKE '%x%' OR pr.title LIKE '%x%') ORDER BY m.id LIMIT 51",
            "SELECT m.id FROM measure m WHERE (m.org_path || '') >= '' AND (m.org_path || '') < '~' AND m.deadline < '2026-01-01' AND m.state NOT IN ('closed', 'closed_ongoing', 'draft') ORDER BY COALESCE(m.deadline, '9999-12-31'), m.id LIMIT 51",
            "SELECT m.id FROM measure m WHERE (m.org_path || '') >= '' AND (m.org_path || '') < '~' ORDER BY m.id LIMIT 51",
        ] {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .fetch_all(store.pool())
                    .await
                    .unwrap();
            eprintln!(
                "{sql}\n  {:?}",
                plan.iter().map(|p| &p.3).collect::<Vec<_>>()
            );
        }
        for round in 0..3 {
            let t = std::time::Instant::now();
            store.totals(&viewer, None, today).await.unwrap();
            time(&format!("[{round}]   dashboard totals"), t.elapsed());
            for g in [Group::Inspection, Group::Unit] {
                let t = std::time::Instant::now();
                store.completion(&viewer, None, today, g).await.unwrap();
                time(&format!("[{round}]   dashboard {g:?}"), t.elapsed());
            }
            let t = std::time::Instant::now();
            store.trend(&viewer, None, today).await.unwrap();
            time(&format!("[{round}]   dashboard trend"), t.elapsed());
            let t = std::time::Instant::now();
            let d = store.dashboard(&viewer, None, today).await.unwrap();
            time(
                &format!("[{round}] dashboard, all {} measures", d.totals.total),
                t.elapsed(),
            );
            let t = std::time::Instant::now();
            let p = store
                .ledger_page(
                    &viewer,
                    &LedgerFilter {
                        limit: 50,
                        ..LedgerFilter::default()
                    },
                    today,
                )
                .await
                .unwrap();
            time(
                &format!("[{round}] ledger first page of {}", p.total),
                t.elapsed(),
            );
            let mut f = LedgerFilter {
                limit: 50,
                ..LedgerFilter::default()
            };
            for _ in 0..100 {
                f.after = store.ledger_page(&viewer, &f, today).await.unwrap().next;
            }
            let t = std::time::Instant::now();
            store.ledger_page(&viewer, &f, today).await.unwrap();
            time(&format!("[{round}] ledger page 101"), t.elapsed());
            let t = std::time::Instant::now();
            let f = LedgerFilter {
                sort: LedgerSort::Deadline,
                overdue: true,
                limit: 50,
                ..LedgerFilter::default()
            };
            store.ledger_page(&viewer, &f, today).await.unwrap();
            time(
                &format!("[{round}] ledger overdue by deadline"),
                t.elapsed(),
            );
            // The same without the deadline-sort index (v3_web.sql), for comparison.
            sqlx::query("DROP INDEX measure_deadline_sort")
                .execute(store.pool())
                .await
                .unwrap();
            let t = std::time::Instant::now();
            store.ledger_page(&viewer, &f, today).await.unwrap();
            time(
                &format!("[{round}]   (without measure_deadline_sort index)"),
                t.elapsed(),
            );
            sqlx::query(
                "CREATE INDEX IF NOT EXISTS measure_deadline_sort ON measure ((COALESCE(deadline, '9999-12-31')), id)",
            )
            .execute(store.pool())
            .await
            .unwrap();
            let t = std::time::Instant::now();
            let f = LedgerFilter {
                text: Some("制度".into()),
                limit: 50,
                ..LedgerFilter::default()
            };
            let p = store.ledger_page(&viewer, &f, today).await.unwrap();
            time(
                &format!(
                    "[{round}] ledger text search ({}{} matches)",
                    p.total,
                    if p.total_capped { "+" } else { "" }
                ),
                t.elapsed(),
            );
            // The uncapped count the page used to run, for comparison.
            let t = std::time::Instant::now();
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM measure m JOIN problem pr ON pr.id = m.problem_id \
                 WHERE m.text LIKE '%制度%' OR pr.title LIKE '%制度%'",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            time(
                &format!("[{round}]   (full count of the {n} matches alone)"),
                t.elapsed(),
            );
            let t = std::time::Instant::now();
            store.ledger_counter().await.unwrap();
            time(
                &format!("[{round}] cached dashboard check (ledger counter)"),
                t.elapsed(),
            );
        }
    }
}
