//! Look-back (回头看) and re-verification sampling (抽查复核): the daily scheduling of due
//! look-backs, recording results (a relapse reopens the item through the state machine, its
//! history intact), and reproducible random draws of closed measures with their results.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use chrono::NaiveDate;
use rectify_core::FieldError;
use rectify_core::access::Action;
use rectify_core::lookback::{
    self, LookbackOutcome, LookbackPolicy, LookbackState, LookbackSubject, SampleSize, VerifyResult,
};
use rectify_core::state::{MeasureState, Transition};
use rectify_core::text;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::audit::{Actor, AuditEvent, now_text};
use crate::row::{Where, bind_all};
use crate::{Store, StoreError, Viewer, WriteTx};

/// Setting (in `meta`) for the months between closing and look-back; absent: 6.
pub const LOOKBACK_MONTHS_KEY: &str = "lookback.months";

/// A look-back, with the title of what it looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lookback {
    pub id: i64,
    pub subject_type: LookbackSubject,
    pub subject_id: i64,
    /// The measure's text or the problem's title.
    pub title: String,
    pub closed_on: String,
    pub due_on: String,
    pub state: LookbackState,
    /// For problems: the sign-off looked back at (kept after a relapse clears it).
    pub signed_off_at: Option<String>,
    pub signed_off_by: Option<i64>,
    pub reviewer_id: Option<i64>,
    pub notes: Option<String>,
    pub recorded_at: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Default)]
pub struct LookbackFilter {
    pub state: Option<LookbackState>,
    /// Only look-backs due on or before this day.
    pub due_by: Option<NaiveDate>,
    pub limit: i64,
}

/// What one day's scheduling created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyLookback {
    pub measures: i64,
    pub problems: i64,
}

/// A recorded draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SampleDraw {
    pub id: i64,
    /// Decimal, 0 to 2⁶⁴−1 (text: JSON numbers lose precision past 2⁵³).
    pub seed: String,
    /// `count:N` or `percent:P`.
    pub size_rule: String,
    /// The population: measures closed on or before this day, in the scope below.
    pub as_of: String,
    pub inspection_id: Option<i64>,
    pub scope_path: String,
    pub population_size: i64,
    pub population_digest: String,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub items: Vec<SampleItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SampleItem {
    /// Order of drawing, from 1.
    pub seq: i64,
    pub measure_id: i64,
    pub result: VerifyResult,
    pub notes: Option<String>,
    pub reviewer_id: Option<i64>,
    pub recorded_at: Option<String>,
    pub version: i64,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct NewDraw {
    pub size: SampleSize,
    /// None: a fresh random seed, recorded.
    pub seed: Option<u64>,
    pub inspection_id: Option<i64>,
    pub as_of: NaiveDate,
}

/// A draw recomputed from its seed over today's population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawReplay {
    pub draw_id: i64,
    /// The population (same as_of and scope) is still the one drawn from.
    pub same_population: bool,
    /// The recomputed items equal the recorded ones, in order.
    pub same_items: bool,
    pub population_size: i64,
    pub measure_ids: Vec<i64>,
}

fn next_day(d: NaiveDate) -> String {
    d.succ_opt().unwrap_or(d).format("%Y-%m-%d").to_string()
}

fn lookback_row(r: &sqlx::any::AnyRow) -> Result<Lookback, StoreError> {
    let st: String = r.try_get("subject_type")?;
    let state: String = r.try_get("state")?;
    Ok(Lookback {
        id: r.try_get("id")?,
        subject_type: LookbackSubject::parse(&st)
            .ok_or_else(|| StoreError::Config(format!("unknown look-back subject {st}")))?,
        subject_id: r.try_get("subject_id")?,
        title: r.try_get::<Option<String>, _>("title")?.unwrap_or_default(),
        closed_on: r.try_get("closed_on")?,
        due_on: r.try_get("due_on")?,
        state: LookbackState::parse(&state)
            .ok_or_else(|| StoreError::Config(format!("unknown look-back state {state}")))?,
        signed_off_at: r.try_get("signed_off_at")?,
        signed_off_by: r.try_get("signed_off_by")?,
        reviewer_id: r.try_get("reviewer_id")?,
        notes: r.try_get("notes")?,
        recorded_at: r.try_get("recorded_at")?,
        version: r.try_get("version")?,
    })
}

const LOOKBACK_SELECT: &str = "SELECT l.*, CASE WHEN l.subject_type = 'measure' \
    THEN (SELECT m.text FROM measure m WHERE m.id = l.subject_id) \
    ELSE (SELECT p.title FROM problem p WHERE p.id = l.subject_id) END AS title FROM lookback l";

fn item_row(r: &sqlx::any::AnyRow) -> Result<SampleItem, StoreError> {
    let res: String = r.try_get("result")?;
    Ok(SampleItem {
        seq: r.try_get("seq")?,
        measure_id: r.try_get("measure_id")?,
        result: VerifyResult::parse(&res)
            .ok_or_else(|| StoreError::Config(format!("unknown result {res}")))?,
        notes: r.try_get("notes")?,
        reviewer_id: r.try_get("reviewer_id")?,
        recorded_at: r.try_get("recorded_at")?,
        version: r.try_get("version")?,
    })
}

fn forbidden(what: &str) -> StoreError {
    FieldError::new(
        "action",
        "forbidden",
        format!("当前角色无权{what} (role may not do this)"),
    )
    .into()
}

/// The closed measures a draw is taken from, ordered by id.
async fn population(
    conn: &mut sqlx::AnyConnection,
    scope: &str,
    scope_upper: &str,
    inspection_id: Option<i64>,
    as_of: NaiveDate,
) -> Result<Vec<i64>, StoreError> {
    let mut w = Where::default();
    w.and("m.closed_at <", next_day(as_of));
    w.and("m.org_path >=", scope);
    w.and("m.org_path <", scope_upper);
    if let Some(i) = inspection_id {
        w.and("m.inspection_id =", i);
    }
    let sql = format!(
        "SELECT m.id FROM measure m WHERE m.state IN ('closed', 'closed_ongoing'){} ORDER BY m.id",
        w.sql
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
        .collect()
}

/// Schedule the look-backs due on `as_of` (the daily run's step): closed measures whose problem
/// is not signed off, and signed-off problems, closed at least the configured months before.
/// Running it twice for a day creates nothing the second time.
pub async fn daily(store: &Store, as_of: NaiveDate) -> Result<DailyLookback, StoreError> {
    let policy = store.lookback_policy().await?;
    daily_with(store, as_of, policy).await
}

/// The daily run's look-back step (`supervision::run_day`): schedules the look-backs falling
/// due and reports how many.
pub async fn daily_step(
    store: &Store,
    as_of: NaiveDate,
) -> Result<crate::supervision::StepSummary, StoreError> {
    let d = daily(store, as_of).await?;
    Ok(crate::supervision::StepSummary {
        name: "look-back (回头看) falling due".into(),
        items: (d.measures + d.problems) as u64,
        notifications: 0,
    })
}

/// [`daily`] with an explicit policy: two `INSERT … SELECT` statements (measures, problems)
/// per block of closing months, the due date computed in SQL from the months' due month and
/// last day ([`LookbackPolicy::due_month`]), so nothing is read row by row; one audit row with
/// the counts for the day's scheduling (as `bulk.rs` does for bulk loads).
pub async fn daily_with(
    store: &Store,
    as_of: NaiveDate,
    policy: LookbackPolicy,
) -> Result<DailyLookback, StoreError> {
    let cutoff = next_day(policy.closed_on_or_before(as_of));
    let mut w = store.begin_write().await?;
    // The earliest closing of anything: the closing months to cover.
    let first: Option<String> = sqlx::query_scalar(
        "SELECT MIN(x) FROM (SELECT MIN(closed_at) AS x FROM measure \
         UNION ALL SELECT MIN(signed_off_at) AS x FROM problem) t",
    )
    .fetch_one(w.conn())
    .await?;
    let mut months: Vec<(String, String, String)> = Vec::new();
    if let Some(month) = first.as_deref().and_then(|f| f.get(..7))
        && let Ok(mut m) = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
    {
        while m.format("%Y-%m-%d").to_string() < cutoff {
            let (due, last) = policy
                .due_month(m)
                .ok_or_else(|| StoreError::Config(format!("no due month for {m}")))?;
            months.push((m.format("%Y-%m").to_string(), due, last));
            m = m
                .checked_add_months(chrono::Months::new(1))
                .ok_or_else(|| StoreError::Config(format!("no month after {m}")))?;
        }
    }
    let now = now_text();
    let mut out = DailyLookback::default();
    for block in months.chunks(MONTHS_PER_INSERT) {
        // $1 cutoff, $2 created_at, then (closing month, due month, its last day) per month.
        let mut cte = String::from("WITH t(closing, due, last_day) AS (VALUES ");
        for i in 0..block.len() {
            let b = 3 + i * 3;
            if i > 0 {
                cte.push_str(", ");
            }
            cte.push_str(&format!("(${b}, ${}, ${})", b + 1, b + 2));
        }
        cte.push_str(") ");
        let bind = |sql: String| {
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(cutoff.clone())
                .bind(now.clone());
            for (closing, due, last) in block {
                q = q.bind(closing.clone()).bind(due.clone()).bind(last.clone());
            }
            q
        };
        let measures = format!(
            "INSERT INTO lookback (subject_type, subject_id, org_path, closed_on, due_on, state, signed_off_at, signed_off_by, created_at) \
             {cte}SELECT 'measure', m.id, m.org_path, SUBSTR(m.closed_at, 1, 10), {DUE_ON_MEASURE}, 'due', NULL, NULL, $2 \
             FROM measure m JOIN problem p ON p.id = m.problem_id JOIN t ON t.closing = SUBSTR(m.closed_at, 1, 7) \
             WHERE m.state IN ('closed', 'closed_ongoing') AND m.closed_at < $1 AND p.signed_off_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM lookback l WHERE l.subject_type = 'measure' AND l.subject_id = m.id \
             AND l.closed_on = SUBSTR(m.closed_at, 1, 10))"
        );
        out.measures += bind(measures).execute(w.conn()).await?.rows_affected() as i64;
        let problems = format!(
            "INSERT INTO lookback (subject_type, subject_id, org_path, closed_on, due_on, state, signed_off_at, signed_off_by, created_at) \
             {cte}SELECT 'problem', p.id, p.org_path, SUBSTR(p.signed_off_at, 1, 10), {DUE_ON_PROBLEM}, 'due', p.signed_off_at, p.signed_off_by, $2 \
             FROM problem p JOIN t ON t.closing = SUBSTR(p.signed_off_at, 1, 7) \
             WHERE p.signed_off_at IS NOT NULL AND p.signed_off_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM lookback l WHERE l.subject_type = 'problem' AND l.subject_id = p.id \
             AND l.closed_on = SUBSTR(p.signed_off_at, 1, 10))"
        );
        out.problems += bind(problems).execute(w.conn()).await?.rows_affected() as i64;
    }
    if out.measures + out.problems > 0 {
        w.audit(
            &Actor::cli("supervise"),
            AuditEvent::ok(
                "lookback.schedule",
                "lookback",
                as_of.format("%Y-%m-%d"),
            )
            .after(json!({"as_of": as_of, "months": policy.month_count(), "measures": out.measures, "problems": out.problems})),
        )
        .await?;
    }
    w.commit().await?;
    Ok(out)
}

/// Closing months per `INSERT … SELECT` (three bind parameters each).
const MONTHS_PER_INSERT: usize = 1000;
/// The due date of a closing day: the same day of the due month, clamped to its last day.
const DUE_ON_MEASURE: &str = "t.due || '-' || CASE WHEN SUBSTR(m.closed_at, 9, 2) > t.last_day \
     THEN t.last_day ELSE SUBSTR(m.closed_at, 9, 2) END";
const DUE_ON_PROBLEM: &str = "t.due || '-' || CASE WHEN SUBSTR(p.signed_off_at, 9, 2) > t.last_day \
     THEN t.last_day ELSE SUBSTR(p.signed_off_at, 9, 2) END";

impl Store {
    /// A viewer for local command-line tools given no inspection: an office over the tree of
    /// the first root organisation (None on an empty database).
    pub async fn root_viewer(&self) -> Result<Option<Viewer>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organisation WHERE parent_id IS NULL ORDER BY id LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(id.map(|id| Viewer {
            user_id: 0,
            role: rectify_core::access::Role::Office,
            scope: rectify_core::access::OrgPath::root(id),
            person_id: None,
        }))
    }

    /// The configured look-back interval (default 6 months).
    pub async fn lookback_policy(&self) -> Result<LookbackPolicy, StoreError> {
        match self.meta_get(LOOKBACK_MONTHS_KEY).await? {
            None => Ok(LookbackPolicy::default()),
            Some(v) => {
                let n: i64 = v.parse().map_err(|_| {
                    StoreError::Config(format!("{LOOKBACK_MONTHS_KEY} is not a number: {v}"))
                })?;
                Ok(LookbackPolicy::months(n)?)
            }
        }
    }

    /// Look-backs in the viewer's scope, earliest due first.
    pub async fn lookbacks(
        &self,
        viewer: &Viewer,
        f: &LookbackFilter,
    ) -> Result<Vec<Lookback>, StoreError> {
        let mut w = Where::default();
        w.and("l.org_path >=", viewer.scope.as_str());
        w.and("l.org_path <", viewer.scope.upper_bound());
        if let Some(s) = f.state {
            w.and("l.state =", s.as_str());
        }
        if let Some(d) = f.due_by {
            w.and("l.due_on <=", d.format("%Y-%m-%d").to_string());
        }
        let limit = f.limit.clamp(1, 1000);
        let sql = format!(
            "{LOOKBACK_SELECT} WHERE 1 = 1{} ORDER BY l.due_on, l.id LIMIT {limit}",
            w.sql
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(lookback_row).collect()
    }

    /// One look-back, or NotFound outside the viewer's scope.
    pub async fn lookback_for(&self, viewer: &Viewer, id: i64) -> Result<Lookback, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{LOOKBACK_SELECT} WHERE l.id = $1 AND l.org_path >= $2 AND l.org_path < $3"
        )))
        .bind(id)
        .bind(viewer.scope.as_str().to_string())
        .bind(viewer.scope.upper_bound())
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("lookback", id))?;
        lookback_row(&row)
    }

    /// Draws taken in the viewer's scope (without items), newest first.
    pub async fn sample_draws(&self, viewer: &Viewer) -> Result<Vec<SampleDraw>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM sample_draw WHERE scope_path >= $1 AND scope_path < $2 ORDER BY id DESC LIMIT 200",
        )
        .bind(viewer.scope.as_str().to_string())
        .bind(viewer.scope.upper_bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| draw_row(r, Vec::new())).collect()
    }

    /// One draw with its items, or NotFound outside the viewer's scope.
    pub async fn sample_draw(&self, viewer: &Viewer, id: i64) -> Result<SampleDraw, StoreError> {
        let mut conn = self.pool().acquire().await?;
        load_draw(&mut conn, viewer, id).await
    }

    /// Recompute a draw from its recorded seed over the population as it is now.
    pub async fn replay_draw(&self, viewer: &Viewer, id: i64) -> Result<DrawReplay, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let d = load_draw(&mut conn, viewer, id).await?;
        let as_of = NaiveDate::parse_from_str(&d.as_of, "%Y-%m-%d")
            .map_err(|_| StoreError::Config(format!("corrupt as_of {}", d.as_of)))?;
        let scope = rectify_core::access::OrgPath::parse(&d.scope_path)
            .ok_or_else(|| StoreError::Config(format!("corrupt path {}", d.scope_path)))?;
        let pop = population(
            &mut conn,
            scope.as_str(),
            &scope.upper_bound(),
            d.inspection_id,
            as_of,
        )
        .await?;
        let size = SampleSize::parse_text(&d.size_rule)
            .ok_or_else(|| StoreError::Config(format!("corrupt size rule {}", d.size_rule)))?;
        let seed: u64 = d
            .seed
            .parse()
            .map_err(|_| StoreError::Config(format!("corrupt seed {}", d.seed)))?;
        let ids = lookback::draw(&pop, size, seed);
        let recorded: Vec<i64> = d.items.iter().map(|i| i.measure_id).collect();
        Ok(DrawReplay {
            draw_id: id,
            same_population: lookback::population_digest(&pop) == d.population_digest,
            same_items: ids == recorded,
            population_size: pop.len() as i64,
            measure_ids: ids,
        })
    }
}

fn draw_row(r: &sqlx::any::AnyRow, items: Vec<SampleItem>) -> Result<SampleDraw, StoreError> {
    Ok(SampleDraw {
        id: r.try_get("id")?,
        seed: r.try_get("seed")?,
        size_rule: r.try_get("size_rule")?,
        as_of: r.try_get("as_of")?,
        inspection_id: r.try_get("inspection_id")?,
        scope_path: r.try_get("scope_path")?,
        population_size: r.try_get("population_size")?,
        population_digest: r.try_get("population_digest")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        items,
    })
}

async fn load_draw(
    conn: &mut sqlx::AnyConnection,
    viewer: &Viewer,
    id: i64,
) -> Result<SampleDraw, StoreError> {
    let row = sqlx::query(
        "SELECT * FROM sample_draw WHERE id = $1 AND scope_path >= $2 AND scope_path < $3",
    )
    .bind(id)
    .bind(viewer.scope.as_str().to_string())
    .bind(viewer.scope.upper_bound())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("sample_draw", id))?;
    let items = sqlx::query("SELECT * FROM sample_item WHERE draw_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(item_row)
        .collect::<Result<Vec<_>, _>>()?;
    draw_row(&row, items)
}

impl WriteTx {
    /// Configure the months between closing and look-back.
    pub async fn set_lookback_months(
        &mut self,
        actor: &Actor,
        months: i64,
    ) -> Result<LookbackPolicy, StoreError> {
        let p = LookbackPolicy::months(months)?;
        let before = self.meta_value(LOOKBACK_MONTHS_KEY).await?;
        self.meta_set(LOOKBACK_MONTHS_KEY, &months.to_string())
            .await?;
        self.audit(
            actor,
            AuditEvent::ok("lookback.configure", "meta", LOOKBACK_MONTHS_KEY)
                .before(json!({"months": before}))
                .after(json!({"months": months})),
        )
        .await?;
        Ok(p)
    }

    async fn meta_value(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(self.conn())
            .await?)
    }

    async fn lookback_in(&mut self, viewer: &Viewer, id: i64) -> Result<Lookback, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{LOOKBACK_SELECT} WHERE l.id = $1 AND l.org_path >= $2 AND l.org_path < $3"
        )))
        .bind(id)
        .bind(viewer.scope.as_str().to_string())
        .bind(viewer.scope.upper_bound())
        .fetch_optional(self.conn())
        .await?
        .ok_or_else(|| StoreError::not_found("lookback", id))?;
        lookback_row(&row)
    }

    /// Record a look-back's result. `relapsed` reopens the item through the measure state
    /// machine (a problem: its sign-off is cleared, the old one kept on the look-back and in
    /// the audit trail, and each of its closed measures reopened). Everything or nothing.
    pub async fn record_lookback(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        outcome: LookbackOutcome,
        notes: Option<&str>,
    ) -> Result<Lookback, StoreError> {
        if !viewer.role.may(Action::LookBack) {
            return Err(forbidden("记录回头看结果"));
        }
        let notes = text::optional("notes", notes, text::REASON_MAX)?;
        if outcome == LookbackOutcome::Relapsed && notes.is_none() {
            return Err(FieldError::new(
                "notes",
                "required",
                "发现反弹须说明情况 (a relapse needs notes saying what was found)",
            )
            .into());
        }
        let before = self.lookback_in(viewer, id).await?;
        if before.version != version {
            return Err(StoreError::Conflict {
                entity: "lookback",
                id,
                current: before.version,
            });
        }
        let next = before.state.record(outcome)?;
        let reason = format!(
            "回头看发现反弹 (relapse found at look-back {id}): {}",
            notes.clone().unwrap_or_default()
        );
        if next == LookbackState::Relapsed {
            match before.subject_type {
                LookbackSubject::Measure => {
                    let m = self.measure(before.subject_id).await?;
                    self.transition_measure(
                        actor,
                        viewer,
                        m.id,
                        m.version,
                        Transition::Reopen,
                        Some(&reason),
                    )
                    .await?;
                }
                LookbackSubject::Problem => {
                    self.reopen_problem(actor, viewer, before.subject_id, &reason)
                        .await?;
                }
            }
        }
        let r = sqlx::query(
            "UPDATE lookback SET state = $1, notes = $2, reviewer_id = $3, recorded_at = $4, version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(next.as_str())
        .bind(notes.clone())
        .bind(viewer.user_id)
        .bind(now_text())
        .bind(id)
        .bind(version)
        .execute(self.conn())
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "lookback",
                id,
                current: version + 1,
            });
        }
        let after = self.lookback_in(viewer, id).await?;
        self.audit(
            actor,
            AuditEvent::ok("lookback.record", "lookback", id)
                .before(json!({"state": before.state, "version": before.version}))
                .after(json!({"state": after.state, "notes": notes, "subject_type": after.subject_type, "subject_id": after.subject_id, "version": after.version})),
        )
        .await?;
        Ok(after)
    }

    /// A signed-off problem relapsed: clear the sign-off (audited with the old one) and reopen
    /// each closed measure through the state machine.
    async fn reopen_problem(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        problem_id: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        let p = self.problem(problem_id).await?;
        if p.signed_off_at.is_some() {
            sqlx::query("UPDATE problem SET signed_off_at = NULL, signed_off_by = NULL, version = version + 1 WHERE id = $1")
                .bind(problem_id)
                .execute(self.conn())
                .await?;
            self.audit(
                actor,
                AuditEvent::ok("problem.sign_off_cleared", "problem", problem_id)
                    .before(json!({"signed_off_at": p.signed_off_at, "signed_off_by": p.signed_off_by, "version": p.version}))
                    .after(json!({"signed_off_at": null, "reason": reason})),
            )
            .await?;
        }
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM measure WHERE problem_id = $1 AND state IN ('closed', 'closed_ongoing') ORDER BY id",
        )
        .bind(problem_id)
        .fetch_all(self.conn())
        .await?;
        for mid in ids {
            let m = self.measure(mid).await?;
            debug_assert!(m.state.is_closed() && m.state != MeasureState::Reopened);
            self.transition_measure(
                actor,
                viewer,
                mid,
                m.version,
                Transition::Reopen,
                Some(reason),
            )
            .await?;
        }
        Ok(())
    }

    /// Draw closed measures for re-verification and record the draw.
    pub async fn create_sample_draw(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        n: &NewDraw,
    ) -> Result<i64, StoreError> {
        if !viewer.role.may(Action::ReVerify) {
            return Err(forbidden("抽查复核"));
        }
        if let Some(i) = n.inspection_id {
            let path: Option<String> =
                sqlx::query_scalar("SELECT org_path FROM inspection WHERE id = $1")
                    .bind(i)
                    .fetch_optional(self.conn())
                    .await?;
            let visible = path
                .and_then(|p| rectify_core::access::OrgPath::parse(&p))
                .is_some_and(|p| viewer.scope.contains(&p) || p.contains(&viewer.scope));
            if !visible {
                return Err(FieldError::new(
                    "inspection_id",
                    "not_found",
                    "巡察不存在 (no such inspection)",
                )
                .into());
            }
        }
        let seed = n
            .seed
            .unwrap_or_else(|| u64::from_le_bytes(rectify_security::crypto::random_bytes::<8>()));
        let scope = viewer.scope.as_str().to_string();
        let upper = viewer.scope.upper_bound();
        let pop = population(self.conn(), &scope, &upper, n.inspection_id, n.as_of).await?;
        if pop.is_empty() {
            return Err(FieldError::new(
                "as_of",
                "empty_population",
                "截至该日没有已销号的整改措施可供抽取 (no closed measures to draw from)",
            )
            .into());
        }
        let ids = lookback::draw(&pop, n.size, seed);
        let digest = lookback::population_digest(&pop);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sample_draw (seed, size_rule, as_of, inspection_id, scope_path, population_size, population_digest, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(seed.to_string())
        .bind(n.size.as_text())
        .bind(n.as_of.format("%Y-%m-%d").to_string())
        .bind(n.inspection_id)
        .bind(scope)
        .bind(pop.len() as i64)
        .bind(digest.clone())
        .bind(Some(viewer.user_id).filter(|u| *u > 0))
        .bind(now_text())
        .fetch_one(self.conn())
        .await?;
        for (i, mid) in ids.iter().enumerate() {
            sqlx::query("INSERT INTO sample_item (draw_id, seq, measure_id) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(i as i64 + 1)
                .bind(*mid)
                .execute(self.conn())
                .await?;
        }
        self.audit(
            actor,
            AuditEvent::ok("sample.draw", "sample_draw", id).after(json!({
                "seed": seed.to_string(), "size_rule": n.size.as_text(), "as_of": n.as_of, "inspection_id": n.inspection_id,
                "population_size": pop.len(), "population_digest": digest, "measure_ids": ids
            })),
        )
        .await?;
        Ok(id)
    }

    /// Record what re-verification of one drawn item found.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_sample_result(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        draw_id: i64,
        seq: i64,
        version: i64,
        result: VerifyResult,
        notes: Option<&str>,
    ) -> Result<SampleItem, StoreError> {
        if !viewer.role.may(Action::ReVerify) {
            return Err(forbidden("抽查复核"));
        }
        if result == VerifyResult::Pending {
            return Err(FieldError::new(
                "result",
                "invalid",
                "复核结果须为 confirmed 或 not_confirmed (result must be confirmed or not_confirmed)",
            )
            .into());
        }
        let notes = text::optional("notes", notes, text::REASON_MAX)?;
        if result == VerifyResult::NotConfirmed && notes.is_none() {
            return Err(FieldError::new(
                "notes",
                "required",
                "整改不实须说明情况 (not confirmed needs notes)",
            )
            .into());
        }
        let d = load_draw(self.conn(), viewer, draw_id).await?;
        let before = d
            .items
            .iter()
            .find(|i| i.seq == seq)
            .cloned()
            .ok_or_else(|| StoreError::not_found("sample_item", format!("{draw_id}/{seq}")))?;
        if before.version != version {
            return Err(StoreError::Conflict {
                entity: "sample_item",
                id: seq,
                current: before.version,
            });
        }
        sqlx::query(
            "UPDATE sample_item SET result = $1, notes = $2, reviewer_id = $3, recorded_at = $4, version = version + 1 \
             WHERE draw_id = $5 AND seq = $6 AND version = $7",
        )
        .bind(result.as_str())
        .bind(notes.clone())
        .bind(viewer.user_id)
        .bind(now_text())
        .bind(draw_id)
        .bind(seq)
        .bind(version)
        .execute(self.conn())
        .await?;
        let after = load_draw(self.conn(), viewer, draw_id)
            .await?
            .items
            .into_iter()
            .find(|i| i.seq == seq)
            .ok_or_else(|| StoreError::not_found("sample_item", seq))?;
        self.audit(
            actor,
            AuditEvent::ok("sample.verify", "sample_draw", draw_id).after(json!({
                "seq": seq, "measure_id": after.measure_id, "result": result, "notes": notes, "before": before.result
            })),
        )
        .await?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rectify_core::lookback::{
        LookbackOutcome, LookbackState, LookbackSubject, SampleSize, VerifyResult,
    };
    use rectify_core::state::MeasureState;

    use super::*;
    use crate::AuditFilter;
    use crate::flags::fixture::*;
    use crate::testing::stores;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[tokio::test]
    async fn bulk_scheduling_clamps_month_ends_and_audits_once() {
        for (store, _g) in stores().await {
            let fx = ledger(&store).await;
            let u = &fx.units;
            let p = problem(&store, &fx, "问题一").await;
            let end = closed_measure(&store, &fx, p, u[0], "八月底", None, "2024-08-31").await;
            let mid = closed_measure(&store, &fx, p, u[1], "九月中", None, "2024-09-15").await;
            let audit = store.count("audit_log").await.unwrap();
            // 31 Aug + 6 months is 28 Feb: not yet due on the 27th.
            assert_eq!(
                daily(&store, d("2025-02-27")).await.unwrap(),
                DailyLookback::default()
            );
            assert_eq!(
                store.count("audit_log").await.unwrap(),
                audit,
                "nothing scheduled, nothing audited"
            );
            let got = daily(&store, d("2025-03-20")).await.unwrap();
            assert_eq!((got.measures, got.problems), (2, 0));
            let due: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT subject_id, closed_on, due_on FROM lookback ORDER BY subject_id",
            )
            .fetch_all(store.pool())
            .await
            .unwrap();
            assert_eq!(
                due,
                vec![
                    (end, "2024-08-31".into(), "2025-02-28".into()),
                    (mid, "2024-09-15".into(), "2025-03-15".into()),
                ]
            );
            // One audit row for the day's bulk scheduling, with the counts.
            let rows: Vec<String> = sqlx::query_scalar(
                "SELECT after_json FROM audit_log WHERE action = 'lookback.schedule'",
            )
            .fetch_all(store.pool())
            .await
            .unwrap();
            assert_eq!(rows.len(), 1);
            assert!(rows[0].contains(r#""measures":2"#), "{}", rows[0]);
        }
    }

    #[tokio::test]
    async fn look_backs_fall_due_once_and_a_relapse_reopens_with_history() {
        for (store, _g) in stores().await {
            let fx = ledger(&store).await;
            let u = &fx.units;
            let p1 = problem(&store, &fx, "问题一").await;
            let m1 = closed_measure(
                &store,
                &fx,
                p1,
                u[0],
                "已完成",
                Some(&"a".repeat(64)),
                "2025-03-10",
            )
            .await;
            let m2 = closed_measure(&store, &fx, p1, u[1], "已完成", None, "2025-03-20").await;
            let p2 = problem(&store, &fx, "问题二").await;
            let m3 = closed_measure(&store, &fx, p2, u[2], "已完成", None, "2025-02-01").await;
            sign_off(&store, &fx, p2, "2025-03-01").await;

            // 9 Sep: only m1 (10 Mar) and p2 (1 Mar) are six months old; m3 goes with its problem.
            let got = daily(&store, d("2025-09-10")).await.unwrap();
            assert_eq!(
                got,
                DailyLookback {
                    measures: 1,
                    problems: 1
                },
                "{:?}",
                store.dialect()
            );
            assert_eq!(
                daily(&store, d("2025-09-10")).await.unwrap(),
                DailyLookback::default(),
                "idempotent"
            );
            let all = store
                .lookbacks(
                    &fx.viewer,
                    &LookbackFilter {
                        limit: 100,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let key: Vec<_> = all
                .iter()
                .map(|l| (l.subject_type, l.subject_id, l.due_on.as_str()))
                .collect();
            assert_eq!(
                key,
                vec![
                    (LookbackSubject::Problem, p2, "2025-09-01"),
                    (LookbackSubject::Measure, m1, "2025-09-10"),
                ]
            );
            assert_eq!(
                daily(&store, d("2025-09-20")).await.unwrap().measures,
                1,
                "m2 falls due"
            );
            let _ = m3;

            // Holds: recorded once.
            let lb_m1 = all.iter().find(|l| l.subject_id == m1).unwrap().clone();
            let mut w = store.begin_write().await.unwrap();
            let held = w
                .record_lookback(
                    &fx.actor,
                    &fx.viewer,
                    lb_m1.id,
                    lb_m1.version,
                    LookbackOutcome::Holds,
                    None,
                )
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(held.state, LookbackState::Holds);
            let mut w = store.begin_write().await.unwrap();
            let again = w
                .record_lookback(
                    &fx.actor,
                    &fx.viewer,
                    lb_m1.id,
                    held.version,
                    LookbackOutcome::Relapsed,
                    Some("又出现"),
                )
                .await
                .unwrap_err();
            drop(w);
            assert!(
                matches!(again, StoreError::Invalid(ref f) if f.code == "already_recorded"),
                "{again:?}"
            );

            // A relapse without notes is refused; nothing changes.
            let lb_p2 = all.iter().find(|l| l.subject_id == p2).unwrap().clone();
            let mut w = store.begin_write().await.unwrap();
            let e = w
                .record_lookback(
                    &fx.actor,
                    &fx.viewer,
                    lb_p2.id,
                    lb_p2.version,
                    LookbackOutcome::Relapsed,
                    None,
                )
                .await
                .unwrap_err();
            drop(w);
            assert!(
                matches!(e, StoreError::Invalid(ref f) if f.field == "notes"),
                "{e:?}"
            );

            // The problem relapses: sign-off cleared (old one kept), its measure reopened.
            let mut w = store.begin_write().await.unwrap();
            let rel = w
                .record_lookback(
                    &fx.actor,
                    &fx.viewer,
                    lb_p2.id,
                    lb_p2.version,
                    LookbackOutcome::Relapsed,
                    Some("公车私用问题再次出现"),
                )
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(rel.state, LookbackState::Relapsed);
            assert!(
                rel.signed_off_at
                    .as_deref()
                    .unwrap()
                    .starts_with("2025-03-01")
            );
            let p = store.problem_for(&fx.viewer, p2).await.unwrap();
            assert_eq!(p.signed_off_at, None);
            let m = store.measure_for(&fx.viewer, m3).await.unwrap().measure;
            assert_eq!(m.state, MeasureState::Reopened);
            let audit = store
                .audit_list(&AuditFilter {
                    object_type: Some("problem".into()),
                    object_id: Some(p2.to_string()),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap();
            let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
            assert!(
                actions.contains(&"problem.sign_off")
                    && actions.contains(&"problem.sign_off_cleared"),
                "{actions:?}"
            );
            let cleared = audit
                .iter()
                .find(|a| a.action == "problem.sign_off_cleared")
                .unwrap();
            assert!(
                cleared.before.as_deref().unwrap().contains("2025-03-01"),
                "{cleared:?}"
            );
            let history = store
                .audit_list(&AuditFilter {
                    object_type: Some("measure".into()),
                    object_id: Some(m3.to_string()),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap();
            let actions: Vec<&str> = history.iter().map(|a| a.action.as_str()).collect();
            for a in [
                "measure.create",
                "measure.assign",
                "measure.close",
                "measure.reopen",
            ] {
                assert!(actions.contains(&a), "history keeps {a}: {actions:?}");
            }
            // A reopened measure's earlier reports are still there.
            assert_eq!(
                store
                    .reports_for_measure(&fx.viewer, m3)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            let _ = m2;
        }
    }

    #[tokio::test]
    async fn a_sample_draw_is_reproduced_from_its_seed() {
        for (store, _g) in stores().await {
            let fx = ledger(&store).await;
            let p = problem(&store, &fx, "问题").await;
            let mut ids = Vec::new();
            for i in 0..12 {
                ids.push(
                    closed_measure(
                        &store,
                        &fx,
                        p,
                        fx.units[i % 6],
                        "已完成",
                        None,
                        "2025-03-01",
                    )
                    .await,
                );
            }
            // One closed after the as-of day: not in the population.
            closed_measure(&store, &fx, p, fx.units[0], "已完成", None, "2025-07-01").await;
            let new = NewDraw {
                size: SampleSize::Count(4),
                seed: Some(20_250_601),
                inspection_id: Some(fx.inspection),
                as_of: d("2025-06-01"),
            };
            let mut w = store.begin_write().await.unwrap();
            let a = w
                .create_sample_draw(&fx.actor, &fx.viewer, &new)
                .await
                .unwrap();
            let b = w
                .create_sample_draw(&fx.actor, &fx.viewer, &new)
                .await
                .unwrap();
            w.commit().await.unwrap();
            let da = store.sample_draw(&fx.viewer, a).await.unwrap();
            let db = store.sample_draw(&fx.viewer, b).await.unwrap();
            let items = |d: &SampleDraw| d.items.iter().map(|i| i.measure_id).collect::<Vec<_>>();
            assert_eq!(items(&da), items(&db));
            assert_eq!(
                items(&da),
                rectify_core::lookback::draw(&ids, SampleSize::Count(4), 20_250_601)
            );
            assert_eq!((da.population_size, da.seed.as_str()), (12, "20250601"));
            let r = store.replay_draw(&fx.viewer, a).await.unwrap();
            assert!(r.same_population && r.same_items, "{r:?}");

            // Record a result; a stale version is refused.
            let it = &da.items[0];
            let mut w = store.begin_write().await.unwrap();
            let rec = w
                .record_sample_result(
                    &fx.actor,
                    &fx.viewer,
                    a,
                    it.seq,
                    it.version,
                    VerifyResult::NotConfirmed,
                    Some("现场核查未见整改"),
                )
                .await
                .unwrap();
            w.commit().await.unwrap();
            assert_eq!(rec.result, VerifyResult::NotConfirmed);
            let mut w = store.begin_write().await.unwrap();
            let e = w
                .record_sample_result(
                    &fx.actor,
                    &fx.viewer,
                    a,
                    it.seq,
                    it.version,
                    VerifyResult::Confirmed,
                    None,
                )
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
            drop(w);

            // The population changes (one item reopened): the replay says so.
            let m = store.measure_for(&fx.viewer, ids[0]).await.unwrap().measure;
            let mut w = store.begin_write().await.unwrap();
            w.transition_measure(
                &fx.actor,
                &fx.viewer,
                m.id,
                m.version,
                rectify_core::state::Transition::Reopen,
                Some("抽查发现不实"),
            )
            .await
            .unwrap();
            w.commit().await.unwrap();
            let r = store.replay_draw(&fx.viewer, a).await.unwrap();
            assert!(!r.same_population && r.population_size == 11, "{r:?}");

            // Bad input: an empty population, an unknown inspection.
            let mut w = store.begin_write().await.unwrap();
            let e = w
                .create_sample_draw(
                    &fx.actor,
                    &fx.viewer,
                    &NewDraw {
                        as_of: d("2024-01-01"),
                        ..new.clone()
                    },
                )
                .await
                .unwrap_err();
            assert!(
                matches!(e, StoreError::Invalid(ref f) if f.code == "empty_population"),
                "{e:?}"
            );
            let e = w
                .create_sample_draw(
                    &fx.actor,
                    &fx.viewer,
                    &NewDraw {
                        inspection_id: Some(9999),
                        ..new.clone()
                    },
                )
                .await
                .unwrap_err();
            assert!(
                matches!(e, StoreError::Invalid(ref f) if f.field == "inspection_id"),
                "{e:?}"
            );
        }
    }
}
