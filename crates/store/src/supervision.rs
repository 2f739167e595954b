//! The daily supervision run (`run_day`): traffic lights and their history, escalation
//! notifications in the inbox, the run record; one runner per database, idempotent per day.
//! Also the light rules policy, light history queries and the inbox.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rectify_core::FieldError;
use rectify_core::access::OrgPath;
use rectify_core::ledger::MeasureKind;
use rectify_core::state::MeasureState;
use rectify_core::supervision::{
    Assessment, Light, LightRules, MeasureFacts, Recipient, Recorded, Thresholds, Tier,
    should_notify, shown_light,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::audit::{Actor, AuditEvent, now_text};
use crate::{Dialect, Store, StoreError};

/// Where the light rules live in `meta` (JSON; absent means the defaults).
pub const RULES_KEY: &str = "supervision.light_rules";
/// The advisory lock that makes one server the runner on PostgreSQL.
const RUNNER_LOCK: i64 = 7_300_219_118;
/// Rows per multi-row INSERT.
const INSERT_ROWS: usize = 500;
/// What the history stores for a measure that left supervision (closed, back to draft).
const CLOSED: &str = "closed";

/// How a run reads and who it is.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Measures read per keyset page (memory stays bounded by this).
    pub page_size: i64,
    /// Who the run acts as in the audit trail.
    pub actor: Actor,
    /// On SQLite, how long an unfinished run row keeps other runners away (a crashed run is
    /// taken over after it).
    pub lease: chrono::Duration,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            page_size: 5_000,
            actor: Actor::cli("supervise run"),
            lease: chrono::Duration::minutes(15),
        }
    }
}

/// Measures per light among those under supervision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LightCounts {
    pub green: u64,
    pub blue: u64,
    pub yellow: u64,
    pub red: u64,
    pub deep_red: u64,
}

impl LightCounts {
    pub fn add(&mut self, light: Light, n: u64) {
        match light {
            Light::Green => self.green += n,
            Light::Blue => self.blue += n,
            Light::Yellow => self.yellow += n,
            Light::Red => self.red += n,
            Light::DeepRed => self.deep_red += n,
        }
    }

    pub fn total(&self) -> u64 {
        self.green + self.blue + self.yellow + self.red + self.deep_red
    }
}

/// What one extra daily step did (supervision-notice replies, look-back, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StepSummary {
    pub name: String,
    /// Items the step found due or overdue.
    pub items: u64,
    /// Inbox notifications it created.
    pub notifications: u64,
}

/// How the call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// This call did the day's run.
    Ran,
    /// The day had been run before; the summary is that run's.
    AlreadyRan,
    /// Another runner holds the day; nothing done.
    Busy,
}

/// The result of a day's run, kept as JSON in `supervision_run.summary_json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub day: NaiveDate,
    pub outcome: RunOutcome,
    /// Measures under supervision (assigned and not closed).
    pub measures: u64,
    pub lights: LightCounts,
    /// History rows written (light or tier changed).
    pub changes: u64,
    /// Inbox notifications created by the lights step.
    pub notifications: u64,
    /// Measures whose tier rose to the leader in charge or above.
    pub escalations: u64,
    /// Measures that needed attention with nobody on record to tell.
    pub unaddressed: u64,
    /// The further daily steps.
    pub steps: Vec<StepSummary>,
}

impl RunSummary {
    fn new(day: NaiveDate, outcome: RunOutcome) -> RunSummary {
        RunSummary {
            day,
            outcome,
            measures: 0,
            lights: LightCounts::default(),
            changes: 0,
            notifications: 0,
            escalations: 0,
            unaddressed: 0,
            steps: Vec::new(),
        }
    }

    /// Notifications of every step.
    pub fn all_notifications(&self) -> u64 {
        self.notifications + self.steps.iter().map(|s| s.notifications).sum::<u64>()
    }
}

/// The day's supervision run as of `day`: lights, history and escalation notifications, then
/// the further daily steps, then the run record. Exactly one runner per database (an advisory
/// lock on PostgreSQL, the run row under the write lock on SQLite); a day already run returns
/// its recorded summary and changes nothing.
pub async fn run_day(
    store: &Store,
    day: NaiveDate,
    cfg: &RunConfig,
) -> Result<RunSummary, StoreError> {
    let Some(lock) = RunnerLock::acquire(store).await? else {
        return Ok(RunSummary::new(day, RunOutcome::Busy));
    };
    let result = match claim(store, day, cfg).await? {
        Claim::Finished(mut done) => {
            done.outcome = RunOutcome::AlreadyRan;
            Ok(done)
        }
        Claim::Busy => Ok(RunSummary::new(day, RunOutcome::Busy)),
        Claim::Claimed => {
            let steps = run_steps(store, day, cfg).await;
            if steps.is_err() {
                // Let the next attempt claim the day at once.
                let _ = sqlx::query(
                    "DELETE FROM supervision_run WHERE day = $1 AND finished_at IS NULL",
                )
                .bind(day_text(day))
                .execute(store.pool())
                .await;
            }
            steps
        }
    };
    lock.release().await;
    result
}

/// The daily steps, in order. Each step is idempotent for a day.
async fn run_steps(
    store: &Store,
    day: NaiveDate,
    cfg: &RunConfig,
) -> Result<RunSummary, StoreError> {
    let rules = store.light_rules().await?;
    let calendar = store.calendar().await?;
    let th = rules
        .thresholds(&calendar, day)
        .map_err(|e| crate::calendar::calendar_error("day", &e))?;
    let mut summary = RunSummary::new(day, RunOutcome::Ran);

    // Step 1: traffic lights, their history and escalation notifications.
    lights_step(store, &rules, &th, cfg, &mut summary).await?;

    // Further daily steps, one line each, pushing a `StepSummary`:
    //   step 2 (supervision notices): replies overdue → escalate;
    //   step 3 (look-back): look-back items falling due.
    summary
        .steps
        .push(crate::notices::daily_step(store, day).await?);
    summary
        .steps
        .push(crate::lookback::daily_step(store, day).await?);

    finish(store, day, cfg, &summary).await?;
    Ok(summary)
}

/// A session-level advisory lock on a dedicated connection (PostgreSQL); nothing on SQLite.
struct RunnerLock {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
}

impl RunnerLock {
    async fn acquire(store: &Store) -> Result<Option<RunnerLock>, StoreError> {
        if store.dialect() != Dialect::Postgres {
            return Ok(Some(RunnerLock { conn: None }));
        }
        let mut conn = store.pool().acquire().await?;
        let got: i64 = sqlx::query_scalar(
            "SELECT CAST(CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END AS BIGINT)",
        )
        .bind(RUNNER_LOCK)
        .fetch_one(&mut *conn)
        .await?;
        Ok((got == 1).then_some(RunnerLock { conn: Some(conn) }))
    }

    async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(RUNNER_LOCK)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                // Closing the session frees the lock.
                drop(conn.detach());
            }
        }
    }
}

impl Drop for RunnerLock {
    fn drop(&mut self) {
        // Dropped without release (an error or a cancelled task): close the session rather
        // than return a connection holding the lock to the pool.
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

enum Claim {
    Claimed,
    Finished(RunSummary),
    Busy,
}

async fn claim(store: &Store, day: NaiveDate, cfg: &RunConfig) -> Result<Claim, StoreError> {
    let mut w = store.begin_write().await?;
    let row = sqlx::query(
        "SELECT started_at, finished_at, summary_json FROM supervision_run WHERE day = $1",
    )
    .bind(day_text(day))
    .fetch_optional(w.conn())
    .await?;
    let now = now_text();
    match row {
        Some(row) => {
            let finished: Option<String> = row.try_get("finished_at")?;
            if finished.is_some() {
                let json: Option<String> = row.try_get("summary_json")?;
                let summary = json
                    .and_then(|j| serde_json::from_str::<RunSummary>(&j).ok())
                    .unwrap_or_else(|| RunSummary::new(day, RunOutcome::AlreadyRan));
                return Ok(Claim::Finished(summary));
            }
            // Unfinished: on PostgreSQL we hold the runner lock, so its runner died; on
            // SQLite another runner may be at work until the lease runs out.
            let started: String = row.try_get("started_at")?;
            let fresh = DateTime::parse_from_rfc3339(&started)
                .map(|t| Utc::now() - t.with_timezone(&Utc) < cfg.lease)
                .unwrap_or(false);
            if store.dialect() == Dialect::Sqlite && fresh {
                return Ok(Claim::Busy);
            }
            sqlx::query("UPDATE supervision_run SET started_at = $1 WHERE day = $2")
                .bind(&now)
                .bind(day_text(day))
                .execute(w.conn())
                .await?;
        }
        None => {
            sqlx::query("INSERT INTO supervision_run (day, started_at) VALUES ($1, $2)")
                .bind(day_text(day))
                .bind(&now)
                .execute(w.conn())
                .await?;
        }
    }
    w.commit().await?;
    Ok(Claim::Claimed)
}

async fn finish(
    store: &Store,
    day: NaiveDate,
    cfg: &RunConfig,
    summary: &RunSummary,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(summary).map_err(|e| StoreError::Config(e.to_string()))?;
    let mut w = store.begin_write().await?;
    sqlx::query("UPDATE supervision_run SET finished_at = $1, summary_json = $2 WHERE day = $3")
        .bind(now_text())
        .bind(&json)
        .bind(day_text(day))
        .execute(w.conn())
        .await?;
    w.audit(
        &cfg.actor,
        AuditEvent::ok("supervision.run", "supervision_run", day_text(day)).after(json!(summary)),
    )
    .await?;
    w.commit().await
}

/// What the inspection contributes to its measures' rules and recipients.
#[derive(Clone, Copy)]
struct InspectionFacts {
    feedback_on: Option<NaiveDate>,
    principal_leader_id: Option<i64>,
}

/// One measure as the lights step reads it.
struct MeasureRow {
    id: i64,
    inspection_id: i64,
    facts: Option<MeasureFacts>,
    owner_id: Option<i64>,
    leader_id: Option<i64>,
    text: String,
    prior: Option<Prior>,
}

/// The history's value for a measure as of the day before this run's write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prior {
    Lit(Light, Tier),
    Closed,
}

struct Notification {
    person: i64,
    tier: Tier,
    measure_id: i64,
    message: String,
}

const PAGE_SQL: &str = "SELECT m.id, m.inspection_id, m.kind, m.state, m.deadline, m.percent, m.owner_id, m.leader_id, \
     SUBSTR(m.text, 1, 40) AS text, \
     (SELECT h.light || '/' || CAST(h.tier AS TEXT) FROM measure_light h \
        WHERE h.measure_id = m.id AND h.from_day <= $1 ORDER BY h.from_day DESC LIMIT 1) AS prior, \
     (SELECT MAX(ms.percent) FROM measure_milestone ms WHERE ms.measure_id = m.id AND ms.due <= $1) AS planned \
     FROM measure m WHERE m.id > $2 AND (m.state || '') NOT IN ('draft', 'closed', 'closed_ongoing') \
     ORDER BY m.id LIMIT $3";

/// Measures that left supervision (closed, back to draft) while their history shows them lit:
/// the history gets a `closed` row, in one statement. (`|| ''` above keeps SQLite walking the
/// id order, filtering states, instead of sorting every open measure per page.)
const CLOSING_SQL: &str = "INSERT INTO measure_light (measure_id, from_day, light, tier) \
     SELECT h.measure_id, $1, 'closed', 0 FROM measure_light h JOIN measure m ON m.id = h.measure_id \
     WHERE m.state IN ('draft', 'closed', 'closed_ongoing') AND h.light <> 'closed' AND h.from_day <= $1 \
     AND h.from_day = (SELECT MAX(h2.from_day) FROM measure_light h2 WHERE h2.measure_id = h.measure_id AND h2.from_day <= $1) \
     ON CONFLICT (measure_id, from_day) DO UPDATE SET light = excluded.light, tier = excluded.tier";

async fn lights_step(
    store: &Store,
    rules: &LightRules,
    th: &Thresholds,
    cfg: &RunConfig,
    summary: &mut RunSummary,
) -> Result<(), StoreError> {
    let day = day_text(th.today);
    let inspections = inspection_facts(store).await?;
    let mut after_id = 0i64;
    loop {
        let rows = sqlx::query(PAGE_SQL)
            .bind(&day)
            .bind(after_id)
            .bind(cfg.page_size.max(1))
            .fetch_all(store.pool())
            .await?;
        let Some(last) = rows.last() else { break };
        after_id = last.try_get("id")?;
        let full_page = rows.len() as i64 >= cfg.page_size.max(1);
        let mut history: Vec<(i64, &'static str, Tier)> = Vec::new();
        let mut notes: Vec<Notification> = Vec::new();
        for row in &rows {
            let mut m = measure_row(row)?;
            let insp = inspections.get(&m.inspection_id).copied();
            if let Some(f) = m.facts.as_mut() {
                f.feedback_on = insp.and_then(|i| i.feedback_on);
            }
            let assessment = m.facts.as_ref().and_then(|f| rules.assess(th, f));
            let Some(a) = assessment else {
                if matches!(m.prior, Some(Prior::Lit(..))) {
                    history.push((m.id, CLOSED, Tier::NONE));
                }
                continue;
            };
            summary.measures += 1;
            summary.lights.add(a.light, 1);
            let before = match m.prior {
                Some(Prior::Lit(l, t)) => Some((l, t)),
                Some(Prior::Closed) | None => None,
            };
            let unchanged = match m.prior {
                Some(Prior::Lit(l, t)) => (l, t) == (a.light, a.tier),
                // No row yet means green.
                None => a.light == Light::Green,
                Some(Prior::Closed) => false,
            };
            if !unchanged {
                history.push((m.id, a.light.as_str(), a.tier));
            }
            if !should_notify(before, (a.light, a.tier)) {
                continue;
            }
            if a.tier >= Tier::LEADER && before.is_none_or(|(_, t)| t < a.tier) {
                summary.escalations += 1;
            }
            let people = recipients(&m, a.tier, insp.and_then(|i| i.principal_leader_id));
            if people.is_empty() {
                summary.unaddressed += 1;
                continue;
            }
            let message = message(&m, &a);
            for person in people {
                notes.push(Notification {
                    person,
                    tier: a.tier,
                    measure_id: m.id,
                    message: message.clone(),
                });
            }
            m.text.clear();
        }
        if !history.is_empty() || !notes.is_empty() {
            let mut w = store.begin_write().await?;
            summary.changes += insert_history(w.conn(), store.dialect(), &day, &history).await?;
            summary.notifications +=
                insert_notifications(w.conn(), store.dialect(), &day, &notes).await?;
            w.commit().await?;
        }
        if !full_page {
            break;
        }
    }
    let mut w = store.begin_write().await?;
    summary.changes += sqlx::query(CLOSING_SQL)
        .bind(&day)
        .execute(w.conn())
        .await?
        .rows_affected();
    w.commit().await?;
    Ok(())
}

fn recipients(m: &MeasureRow, tier: Tier, principal: Option<i64>) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::with_capacity(3);
    for r in tier.recipients() {
        let who = match r {
            Recipient::Owner => m.owner_id,
            Recipient::LeaderInCharge => m.leader_id,
            Recipient::PrincipalLeader => principal,
        };
        if let Some(p) = who
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

fn message(m: &MeasureRow, a: &Assessment) -> String {
    format!(
        "{}:整改措施「{}」{}",
        a.light.label_zh(),
        m.text,
        a.reason.text_zh()
    )
}

async fn inspection_facts(store: &Store) -> Result<HashMap<i64, InspectionFacts>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.id, i.feedback_on, o.principal_leader_id FROM inspection i JOIN organisation o ON o.id = i.inspected_org_id",
    )
    .fetch_all(store.pool())
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let feedback: Option<String> = row.try_get("feedback_on")?;
        out.insert(
            row.try_get::<i64, _>("id")?,
            InspectionFacts {
                feedback_on: feedback.as_deref().and_then(parse_day),
                principal_leader_id: row.try_get("principal_leader_id")?,
            },
        );
    }
    Ok(out)
}

fn measure_row(row: &sqlx::any::AnyRow) -> Result<MeasureRow, StoreError> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let deadline: Option<String> = row.try_get("deadline")?;
    let percent: i64 = row.try_get("percent")?;
    let planned: Option<i64> = row.try_get("planned")?;
    let facts = match (MeasureKind::parse(&kind), MeasureState::parse(&state)) {
        (Some(kind), Some(state)) => Some(MeasureFacts {
            kind,
            state,
            deadline: deadline.as_deref().and_then(parse_day),
            percent: percent.clamp(0, 100) as u8,
            milestone_percent: planned.map(|p| p.clamp(0, 100) as u8),
            feedback_on: None,
        }),
        _ => None,
    };
    let prior: Option<String> = row.try_get("prior")?;
    Ok(MeasureRow {
        id: row.try_get("id")?,
        inspection_id: row.try_get("inspection_id")?,
        facts,
        owner_id: row.try_get("owner_id")?,
        leader_id: row.try_get("leader_id")?,
        text: row
            .try_get::<Option<String>, _>("text")?
            .unwrap_or_default(),
        prior: prior.as_deref().and_then(parse_prior),
    })
}

fn parse_prior(s: &str) -> Option<Prior> {
    let (light, tier) = s.split_once('/')?;
    if light == CLOSED {
        return Some(Prior::Closed);
    }
    Some(Prior::Lit(
        Light::parse(light)?,
        Tier::from_stored(tier.parse().ok()?),
    ))
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `(…), (…)` of `cols` parameters each: `$n` on PostgreSQL, `?` on SQLite (which looks `$n`
/// up linearly, making long statements quadratic).
fn values(dialect: Dialect, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match dialect {
                Dialect::Postgres => {
                    s.push('$');
                    s.push_str(&(r * cols + c + 1).to_string());
                }
                Dialect::Sqlite => s.push('?'),
            }
        }
        s.push(')');
    }
    s
}

async fn insert_history(
    conn: &mut AnyConnection,
    dialect: Dialect,
    day: &str,
    rows: &[(i64, &'static str, Tier)],
) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in rows.chunks(INSERT_ROWS) {
        let sql = format!(
            "INSERT INTO measure_light (measure_id, from_day, light, tier) VALUES {} \
             ON CONFLICT (measure_id, from_day) DO UPDATE SET light = excluded.light, tier = excluded.tier",
            values(dialect, chunk.len(), 4)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, light, tier) in chunk {
            q = q
                .bind(*id)
                .bind(day)
                .bind(*light)
                .bind(i64::from(tier.get()));
        }
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

async fn insert_notifications(
    conn: &mut AnyConnection,
    dialect: Dialect,
    day: &str,
    rows: &[Notification],
) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in rows.chunks(INSERT_ROWS) {
        let sql = format!(
            "INSERT INTO notification (recipient_person_id, day, kind, tier, object_type, object_id, message) VALUES {} \
             ON CONFLICT (recipient_person_id, day, kind, object_type, object_id) DO NOTHING",
            values(dialect, chunk.len(), 7)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for note in chunk {
            q = q
                .bind(note.person)
                .bind(day)
                .bind("light")
                .bind(i64::from(note.tier.get()))
                .bind("measure")
                .bind(note.measure_id)
                .bind(note.message.as_str());
        }
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

/// Reads measures' lights the way the daily run decides them, for pages, exports and lists
/// ([`rectify_core::supervision::shown_light`]): the run's recorded light of the day where the
/// measure has not changed since that run started, else the run's rule on the stored rules and
/// the working-day calendar. Made once per request by [`Store::light_view`].
#[derive(Debug, Clone)]
pub struct LightView {
    rules: LightRules,
    th: Thresholds,
    /// When the finished run of the day started.
    run_started: Option<String>,
    /// Years of the yellow window without a holiday schedule, counted as Monday–Friday.
    assumed: Vec<i32>,
}

impl LightView {
    /// What the view reads besides the measure's kind, state and deadline, as unnamed
    /// expressions over `measure m` in the order of [`LightInputs`] (percent, updated, planned,
    /// recorded, feedback), `$n` binding [`day_param`](Self::day_param): for a query that
    /// selects kind, state and deadline itself. What the view cannot use (the recorded light
    /// before the day's run, the feedback date without a straight-line pace) is `NULL`.
    pub fn expressions_besides_basics(&self, n: usize) -> [String; 5] {
        let recorded = if self.run_started.is_some() {
            format!(
                "(SELECT h.light FROM measure_light h WHERE h.measure_id = m.id AND h.from_day <= ${n} \
                 ORDER BY h.from_day DESC LIMIT 1)"
            )
        } else {
            "NULL".into()
        };
        let feedback = if self.rules.linear_pace {
            "(SELECT i.feedback_on FROM inspection i WHERE i.id = m.inspection_id)"
        } else {
            "NULL"
        };
        [
            "m.percent".into(),
            "m.updated_at".into(),
            format!(
                "(SELECT MAX(ms.percent) FROM measure_milestone ms WHERE ms.measure_id = m.id AND ms.due <= ${n})"
            ),
            format!("CAST({recorded} AS TEXT)"),
            format!("CAST({feedback} AS TEXT)"),
        ]
    }

    /// The columns a query over `measure m` selects for [`LightView::light`], `$n` binding
    /// [`day_param`](Self::day_param).
    pub fn columns(&self, n: usize) -> String {
        let [percent, updated, planned, recorded, feedback] = self.expressions_besides_basics(n);
        format!(
            "m.kind AS lv_kind, m.state AS lv_state, m.deadline AS lv_deadline, \
             {percent} AS lv_percent, {updated} AS lv_updated, {planned} AS lv_planned, \
             {recorded} AS lv_recorded, {feedback} AS lv_feedback"
        )
    }

    /// The value to bind for the `$n` of [`columns`](Self::columns): the day, `YYYY-MM-DD`.
    pub fn day_param(&self) -> String {
        day_text(self.th.today)
    }

    /// The day the view shows.
    pub fn day(&self) -> NaiveDate {
        self.th.today
    }

    /// The rules in force.
    pub fn rules(&self) -> &LightRules {
        &self.rules
    }

    /// The thresholds of the day (the yellow window's last day, …).
    pub fn thresholds(&self) -> &Thresholds {
        &self.th
    }

    /// The years the thresholds counted as Monday–Friday because no holiday schedule is
    /// loaded for them: while there are any, lights are provisional and pages say so.
    pub fn assumed_years(&self) -> &[i32] {
        &self.assumed
    }

    /// The light of a row selected with [`columns`](Self::columns); `None` outside supervision.
    pub fn light(&self, row: &sqlx::any::AnyRow) -> Result<Option<Light>, StoreError> {
        self.light_of(&LightInputs {
            kind: row.try_get("lv_kind")?,
            state: row.try_get("lv_state")?,
            deadline: row.try_get("lv_deadline")?,
            percent: row.try_get("lv_percent")?,
            planned: row.try_get("lv_planned")?,
            feedback: row.try_get("lv_feedback")?,
            updated: row.try_get("lv_updated")?,
            recorded: row.try_get("lv_recorded")?,
        })
    }

    /// The light of a measure whose [`columns`](Self::columns) were read some other way.
    pub fn light_of(&self, v: &LightInputs<'_>) -> Result<Option<Light>, StoreError> {
        let (Some(kind), Some(state)) = (MeasureKind::parse(v.kind), MeasureState::parse(v.state))
        else {
            return Err(StoreError::Config(format!(
                "unknown measure kind or state {}/{}",
                v.kind, v.state
            )));
        };
        let facts = MeasureFacts {
            kind,
            state,
            deadline: v.deadline.and_then(parse_day),
            percent: v.percent.clamp(0, 100) as u8,
            milestone_percent: v.planned.map(|p| p.clamp(0, 100) as u8),
            feedback_on: v.feedback.and_then(parse_day),
        };
        let recorded = match &self.run_started {
            Some(started) if v.updated < started.as_str() => {
                Recorded::Current(match v.recorded {
                    Some(CLOSED) => None,
                    Some(s) => Light::parse(s),
                    // Covered by the run and never lit: green while under supervision.
                    None => {
                        (state != MeasureState::Draft && !state.is_closed()).then_some(Light::Green)
                    }
                })
            }
            _ => Recorded::Stale,
        };
        Ok(shown_light(&self.rules, &self.th, &facts, recorded))
    }
}

/// What [`LightView::light_of`] reads of a measure: its kind, state and deadline, then the
/// [`expressions_besides_basics`](LightView::expressions_besides_basics) in their order.
#[derive(Debug, Clone, Copy)]
pub struct LightInputs<'a> {
    pub kind: &'a str,
    pub state: &'a str,
    pub deadline: Option<&'a str>,
    pub percent: i64,
    pub updated: &'a str,
    /// The milestone percent due by the day.
    pub planned: Option<i64>,
    /// The run's recorded light of the day.
    pub recorded: Option<&'a str>,
    /// The inspection's feedback date (straight-line pace only).
    pub feedback: Option<&'a str>,
}

/// A measure's light as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownLight {
    /// `None` outside supervision (draft and closed measures).
    pub light: Option<Light>,
    /// As [`LightView::assumed_years`]: the light is provisional while any are.
    pub assumed_years: Vec<i32>,
}

/// A measure's light from a day on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LightChange {
    pub from_day: NaiveDate,
    /// `green` … `deep_red`, or `closed` when the measure left supervision.
    pub light: String,
    pub tier: u8,
}

/// An inbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: i64,
    pub day: NaiveDate,
    pub kind: String,
    pub tier: u8,
    pub object_type: String,
    pub object_id: i64,
    pub message: String,
    pub read_at: Option<String>,
}

impl Store {
    /// How pages, exports and lists read lights on `day` (see [`LightView`]); fails naming a
    /// year without a working-day schedule, as the run does.
    pub async fn light_view(&self, day: NaiveDate) -> Result<LightView, StoreError> {
        let rules = self.light_rules().await?;
        let calendar = self.calendar().await?;
        let (th, assumed) = match rules.thresholds(&calendar, day) {
            Ok(th) => (th, Vec::new()),
            // A page must not fail because next year's holidays are not loaded yet: count
            // that year's weekdays as working days and say so in the log (the daily run
            // itself refuses until an administrator loads the year).
            Err(rectify_calendar::CalendarError::YearNotCovered { .. }) => {
                let (th, assumed) = rules
                    .thresholds_assuming_weekdays(&calendar, day)
                    .map_err(|e| crate::calendar::calendar_error("day", &e))?;
                tracing::warn!(
                    ?assumed,
                    "lights on {day}: no holiday schedule for these years; weekdays assumed until it is loaded"
                );
                (th, assumed)
            }
            Err(e) => return Err(crate::calendar::calendar_error("day", &e)),
        };
        let run_started: Option<String> = sqlx::query_scalar(
            "SELECT started_at FROM supervision_run WHERE day = $1 AND finished_at IS NOT NULL",
        )
        .bind(day_text(day))
        .fetch_optional(self.pool())
        .await?;
        Ok(LightView {
            rules,
            th,
            run_started,
            assumed,
        })
    }

    /// A measure's light on `day` as pages show it ([`LightView`]).
    pub async fn measure_light(
        &self,
        measure_id: i64,
        day: NaiveDate,
    ) -> Result<ShownLight, StoreError> {
        let view = self.light_view(day).await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM measure m WHERE m.id = $2",
            view.columns(1)
        )))
        .bind(view.day_param())
        .bind(measure_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("measure", measure_id))?;
        Ok(ShownLight {
            light: view.light(&row)?,
            assumed_years: view.assumed,
        })
    }

    /// The light rules in force (the defaults when none are stored).
    pub async fn light_rules(&self) -> Result<LightRules, StoreError> {
        match self.meta_get(RULES_KEY).await? {
            None => Ok(LightRules::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Config(format!("{RULES_KEY}: {e}"))),
        }
    }

    /// Stores new light rules (validated, audited); they apply from the next run.
    pub async fn set_light_rules(
        &self,
        actor: &Actor,
        rules: &LightRules,
    ) -> Result<(), StoreError> {
        rules
            .validate()
            .map_err(|e| StoreError::Invalid(FieldError::new(e.field, "invalid", e.message)))?;
        let before = self.light_rules().await?;
        let json = serde_json::to_string(rules).map_err(|e| StoreError::Config(e.to_string()))?;
        let mut w = self.begin_write().await?;
        w.meta_set(RULES_KEY, &json).await?;
        w.audit(
            actor,
            AuditEvent::ok("supervision.set_light_rules", "meta", RULES_KEY)
                .before(json!(before))
                .after(json!(rules)),
        )
        .await?;
        w.commit().await
    }

    /// Sets a measure's milestones (replacing any), as `(due, percent)`; percents must rise
    /// with the dates and lie in 1..=100.
    pub async fn set_milestones(
        &self,
        actor: &Actor,
        measure_id: i64,
        milestones: &[(NaiveDate, u8)],
    ) -> Result<(), StoreError> {
        let mut sorted = milestones.to_vec();
        sorted.sort();
        for (i, (due, percent)) in sorted.iter().enumerate() {
            if !(1..=100).contains(percent) {
                return Err(StoreError::Invalid(FieldError::new(
                    format!("milestones[{i}].percent"),
                    "out_of_range",
                    format!("{percent} on {due}: a milestone percent lies in 1..=100"),
                )));
            }
            if i > 0 && (sorted[i - 1].0 == *due || sorted[i - 1].1 > *percent) {
                return Err(StoreError::Invalid(FieldError::new(
                    format!("milestones[{i}]"),
                    "not_rising",
                    format!("{due}: one milestone per date, percents rising with the dates"),
                )));
            }
        }
        let mut w = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM measure WHERE id = $1")
            .bind(measure_id)
            .fetch_optional(w.conn())
            .await?;
        if exists.is_none() {
            return Err(StoreError::not_found("measure", measure_id));
        }
        sqlx::query("DELETE FROM measure_milestone WHERE measure_id = $1")
            .bind(measure_id)
            .execute(w.conn())
            .await?;
        for (due, percent) in &sorted {
            sqlx::query(
                "INSERT INTO measure_milestone (measure_id, due, percent) VALUES ($1, $2, $3)",
            )
            .bind(measure_id)
            .bind(day_text(*due))
            .bind(i64::from(*percent))
            .execute(w.conn())
            .await?;
        }
        let list: Vec<_> = sorted
            .iter()
            .map(|(d, p)| json!({"due": day_text(*d), "percent": p}))
            .collect();
        w.audit(
            actor,
            AuditEvent::ok("measure.set_milestones", "measure", measure_id)
                .after(json!({ "milestones": list })),
        )
        .await?;
        w.commit().await
    }

    /// A measure's light history, oldest first.
    pub async fn light_history(&self, measure_id: i64) -> Result<Vec<LightChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT from_day, light, tier FROM measure_light WHERE measure_id = $1 ORDER BY from_day",
        )
        .bind(measure_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(light_change).collect()
    }

    /// A measure's light as of `day`: the last change on or before it; green when a run has
    /// covered the day without ever lighting the measure; `None` before any run.
    pub async fn light_as_of(
        &self,
        measure_id: i64,
        day: NaiveDate,
    ) -> Result<Option<LightChange>, StoreError> {
        let row = sqlx::query(
            "SELECT from_day, light, tier FROM measure_light WHERE measure_id = $1 AND from_day <= $2 ORDER BY from_day DESC LIMIT 1",
        )
        .bind(measure_id)
        .bind(day_text(day))
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = row {
            return Ok(Some(light_change(&row)?));
        }
        let first: Option<String> = sqlx::query_scalar(
            "SELECT MIN(day) FROM supervision_run WHERE day <= $1 AND finished_at IS NOT NULL",
        )
        .bind(day_text(day))
        .fetch_one(self.pool())
        .await?;
        Ok(first.as_deref().and_then(parse_day).map(|d| LightChange {
            from_day: d,
            light: Light::Green.as_str().into(),
            tier: 0,
        }))
    }

    /// Counts by light as of `day` of the measures under supervision within `scope` (an
    /// organisation subtree); measures never lit count green.
    pub async fn lights_summary(
        &self,
        scope: &OrgPath,
        day: NaiveDate,
    ) -> Result<LightCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT x.light, COUNT(*) AS n FROM (SELECT (SELECT h.light FROM measure_light h \
               WHERE h.measure_id = m.id AND h.from_day <= $1 ORDER BY h.from_day DESC LIMIT 1) AS light \
               FROM measure m WHERE m.org_path >= $2 AND m.org_path < $3 \
               AND m.state NOT IN ('draft', 'closed', 'closed_ongoing')) x GROUP BY x.light",
        )
        .bind(day_text(day))
        .bind(scope.as_str())
        .bind(scope.upper_bound())
        .fetch_all(self.pool())
        .await?;
        let mut counts = LightCounts::default();
        for row in rows {
            let light: Option<String> = row.try_get("light")?;
            let n: i64 = row.try_get("n")?;
            let light = match light.as_deref() {
                None => Some(Light::Green),
                Some(s) => Light::parse(s),
            };
            if let Some(l) = light {
                counts.add(l, u64::try_from(n).unwrap_or(0));
            }
        }
        Ok(counts)
    }

    /// The recorded run of a day, if finished.
    pub async fn supervision_run(&self, day: NaiveDate) -> Result<Option<RunSummary>, StoreError> {
        let json: Option<Option<String>> =
            sqlx::query_scalar("SELECT summary_json FROM supervision_run WHERE day = $1")
                .bind(day_text(day))
                .fetch_optional(self.pool())
                .await?;
        Ok(json
            .flatten()
            .and_then(|j| serde_json::from_str::<RunSummary>(&j).ok()))
    }

    /// The newest finished run.
    pub async fn latest_supervision_run(&self) -> Result<Option<RunSummary>, StoreError> {
        let json: Option<String> = sqlx::query_scalar(
            "SELECT summary_json FROM supervision_run WHERE finished_at IS NOT NULL ORDER BY day DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(json.and_then(|j| serde_json::from_str::<RunSummary>(&j).ok()))
    }

    /// A person's inbox, newest first, `limit` entries before the id `before` (paging).
    pub async fn inbox(
        &self,
        person_id: i64,
        unread_only: bool,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<InboxItem>, StoreError> {
        let mut sql = String::from(
            "SELECT id, day, kind, tier, object_type, object_id, message, read_at FROM notification WHERE recipient_person_id = $1 AND id < $2",
        );
        if unread_only {
            sql.push_str(" AND read_at IS NULL");
        }
        sql.push_str(" ORDER BY id DESC LIMIT $3");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(person_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit.clamp(1, 500))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let day: String = row.try_get("day")?;
                let tier: i64 = row.try_get("tier")?;
                Ok(InboxItem {
                    id: row.try_get("id")?,
                    day: parse_day(&day).unwrap_or_default(),
                    kind: row.try_get("kind")?,
                    tier: Tier::from_stored(tier).get(),
                    object_type: row.try_get("object_type")?,
                    object_id: row.try_get("object_id")?,
                    message: row.try_get("message")?,
                    read_at: row.try_get("read_at")?,
                })
            })
            .collect()
    }

    /// Marks a person's notification read (idempotent); someone else's answers not found.
    pub async fn mark_read(&self, person_id: i64, id: i64) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM notification WHERE id = $1 AND recipient_person_id = $2",
        )
        .bind(id)
        .bind(person_id)
        .fetch_optional(w.conn())
        .await?;
        if found.is_none() {
            return Err(StoreError::not_found("notification", id));
        }
        sqlx::query("UPDATE notification SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
            .bind(now_text())
            .bind(id)
            .execute(w.conn())
            .await?;
        w.commit().await
    }
}

fn light_change(row: &sqlx::any::AnyRow) -> Result<LightChange, StoreError> {
    let day: String = row.try_get("from_day")?;
    let tier: i64 = row.try_get("tier")?;
    Ok(LightChange {
        from_day: parse_day(&day).unwrap_or_default(),
        light: row.try_get("light")?,
        tier: Tier::from_stored(tier).get(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rectify_core::demo::{Scale, generate_as_of};

    use super::*;
    use crate::testing::{second_pool, stores};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    async fn count(store: &Store, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(store.pool())
            .await
            .unwrap()
    }

    async fn demo(store: &Store) {
        let ledger = generate_as_of(Scale::Small, 5, d("2025-02-28"));
        crate::bulk::load(store, &ledger, &Actor::cli("demo"))
            .await
            .unwrap();
    }

    /// A measure with known people and a deadline of 2025-03-31; returns (measure, owner,
    /// leader, principal).
    async fn tracked_measure(store: &Store) -> (i64, i64, i64, i64) {
        let id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM measure")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let people: Vec<i64> = sqlx::query_scalar("SELECT id FROM person ORDER BY id LIMIT 3")
            .fetch_all(store.pool())
            .await
            .unwrap();
        let (owner, leader, principal) = (people[0], people[1], people[2]);
        sqlx::query(
            "UPDATE measure SET state = 'in_progress', kind = 'time_bound', deadline = '2025-03-31', percent = 10, owner_id = $1, leader_id = $2 WHERE id = $3",
        )
        .bind(owner)
        .bind(leader)
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query(
            "UPDATE organisation SET principal_leader_id = $1 WHERE id = (SELECT i.inspected_org_id FROM inspection i JOIN measure m ON m.inspection_id = i.id WHERE m.id = $2)",
        )
        .bind(principal)
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
        (id, owner, leader, principal)
    }

    async fn notes_for(store: &Store, person: i64, measure: i64) -> Vec<(String, i64)> {
        sqlx::query_as(
            "SELECT day, tier FROM notification WHERE recipient_person_id = $1 AND object_id = $2 AND object_type = 'measure' ORDER BY day",
        )
        .bind(person)
        .bind(measure)
        .fetch_all(store.pool())
        .await
        .unwrap()
    }

    /// Every measure's light as pages show it (`measure_light`), by id.
    async fn shown_lights(store: &Store, day: NaiveDate) -> Vec<(i64, Option<Light>)> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM measure ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
        let mut out = Vec::new();
        for id in ids {
            out.push((id, store.measure_light(id, day).await.unwrap().light));
        }
        out
    }

    #[tokio::test]
    async fn pages_exports_and_the_run_show_one_light() {
        for (store, _g) in stores().await {
            let t = crate::today();
            let ledger = generate_as_of(Scale::Small, 5, t);
            crate::bulk::load(&store, &ledger, &Actor::cli("demo"))
                .await
                .unwrap();
            // One measure behind a milestone's pace (yellow, not for its deadline).
            let (m, ..) = tracked_measure(&store).await;
            sqlx::query("UPDATE measure SET deadline = $1 WHERE id = $2")
                .bind(day_text(t + chrono::Duration::days(200)))
                .bind(m)
                .execute(store.pool())
                .await
                .unwrap();
            store
                .set_milestones(&Actor::cli("test"), m, &[(t, 50)])
                .await
                .unwrap();
            // Before the day's run pages compute the run's rule; the run then records the same.
            let before = shown_lights(&store, t).await;
            assert_eq!(
                before.iter().find(|x| x.0 == m).unwrap().1,
                Some(Light::Yellow)
            );
            let run = run_day(&store, t, &RunConfig::default()).await.unwrap();
            let mut counts = LightCounts::default();
            for (id, shown) in &before {
                let recorded = store.light_as_of(*id, t).await.unwrap().unwrap().light;
                let state: String = sqlx::query_scalar("SELECT state FROM measure WHERE id = $1")
                    .bind(id)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
                let open = !matches!(state.as_str(), "draft" | "closed" | "closed_ongoing");
                if open {
                    assert_eq!(
                        shown.map(|l| l.as_str()),
                        Some(recorded.as_str()),
                        "measure {id}"
                    );
                    counts.add(shown.unwrap(), 1);
                } else {
                    assert_eq!(*shown, None, "measure {id}");
                }
            }
            assert_eq!(counts, run.lights);
            assert!(run.lights.yellow > 0 && run.lights.red + run.lights.deep_red > 0);
            assert_eq!(
                shown_lights(&store, t).await,
                before,
                "after the run: the recorded lights"
            );
            // The export shows the same (closed and draft: green, as the ledger always has).
            let viewer = store.root_office_viewer().await.unwrap();
            let plan = store
                .export_plan(&viewer, &crate::export::ExportFilter::default())
                .await
                .unwrap();
            let mut reader = plan.reader();
            let mut exported = Vec::new();
            while let Some(page) = reader.next_page(&store).await.unwrap() {
                for p in page {
                    exported.extend(p.measures.into_iter().map(|x| (x.id, x.light)));
                }
            }
            exported.sort();
            let expect: Vec<(i64, Light)> = before
                .iter()
                .filter(|x| exported.iter().any(|e| e.0 == x.0))
                .map(|(id, l)| (*id, l.unwrap_or(Light::Green)))
                .collect();
            assert_eq!(exported.len(), expect.len());
            assert_eq!(exported, expect);
            // The home page's chart: deep red shows as red.
            let dash = store.dashboard(&viewer, None, t).await.unwrap().totals;
            assert_eq!(
                (dash.red, dash.yellow),
                (
                    (run.lights.red + run.lights.deep_red) as i64,
                    run.lights.yellow as i64
                )
            );
            // Rules changed after the run: the day's record stands for the measures it saw ...
            store
                .set_light_rules(
                    &Actor::cli("test"),
                    &LightRules {
                        behind_pace_points: 100,
                        ..LightRules::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                store.measure_light(m, t).await.unwrap().light,
                Some(Light::Yellow)
            );
            // ... and a measure changed since the run shows the rule applied to it now.
            sqlx::query("UPDATE measure SET percent = 10, updated_at = $1 WHERE id = $2")
                .bind(now_text())
                .bind(m)
                .execute(store.pool())
                .await
                .unwrap();
            assert_eq!(
                store.measure_light(m, t).await.unwrap().light,
                Some(Light::Green)
            );
        }
    }

    #[tokio::test]
    async fn second_run_of_a_day_changes_nothing() {
        for (store, _g) in stores().await {
            demo(&store).await;
            let cfg = RunConfig {
                page_size: 7, // several pages even on the small ledger
                ..RunConfig::default()
            };
            let first = run_day(&store, d("2025-03-03"), &cfg).await.unwrap();
            assert_eq!(first.outcome, RunOutcome::Ran);
            let open = count(
                &store,
                "SELECT COUNT(*) FROM measure WHERE state NOT IN ('draft', 'closed', 'closed_ongoing')",
            )
            .await;
            assert!(open > 0);
            assert_eq!(first.measures, open as u64);
            assert_eq!(first.lights.total(), first.measures);
            let lit = count(&store, "SELECT COUNT(*) FROM measure_light").await;
            assert_eq!(lit as u64, first.changes);
            assert_eq!(
                lit as u64,
                first.lights.total() - first.lights.green,
                "green needs no row on a first run"
            );
            let notes = count(&store, "SELECT COUNT(*) FROM notification").await;
            assert_eq!(notes as u64, first.notifications);
            let audit = store.count("audit_log").await.unwrap();

            let again = run_day(&store, d("2025-03-03"), &cfg).await.unwrap();
            assert_eq!(again.outcome, RunOutcome::AlreadyRan);
            assert_eq!(again.lights, first.lights);
            assert_eq!(
                count(&store, "SELECT COUNT(*) FROM measure_light").await,
                lit
            );
            assert_eq!(
                count(&store, "SELECT COUNT(*) FROM notification").await,
                notes
            );
            assert_eq!(store.count("audit_log").await.unwrap(), audit);
            // The next day with nothing changed writes no history and tells nobody again.
            let next = run_day(&store, d("2025-03-04"), &cfg).await.unwrap();
            assert_eq!(next.outcome, RunOutcome::Ran);
            assert!(next.changes <= first.lights.total());
            assert_eq!(
                store
                    .supervision_run(d("2025-03-03"))
                    .await
                    .unwrap()
                    .unwrap()
                    .lights,
                first.lights
            );
        }
    }

    #[tokio::test]
    async fn history_escalates_and_answers_as_of_a_day() {
        for (store, _g) in stores().await {
            demo(&store).await;
            let (m, owner, leader, principal) = tracked_measure(&store).await;
            let cfg = RunConfig::default();
            assert_eq!(store.light_as_of(m, d("2025-03-03")).await.unwrap(), None);
            for day in ["2025-03-03", "2025-03-25", "2025-04-01", "2025-04-29"] {
                run_day(&store, d(day), &cfg).await.unwrap();
            }
            sqlx::query("UPDATE measure SET state = 'closed', percent = 100 WHERE id = $1")
                .bind(m)
                .execute(store.pool())
                .await
                .unwrap();
            run_day(&store, d("2025-05-06"), &cfg).await.unwrap();
            let history: Vec<(String, String, u8)> = store
                .light_history(m)
                .await
                .unwrap()
                .into_iter()
                .map(|c| (c.from_day.to_string(), c.light, c.tier))
                .collect();
            assert_eq!(
                history,
                vec![
                    ("2025-03-25".into(), "yellow".into(), 1),
                    ("2025-04-01".into(), "red".into(), 2),
                    ("2025-04-29".into(), "deep_red".into(), 3),
                    ("2025-05-06".into(), "closed".into(), 0),
                ]
            );
            let at = |day| {
                let store = store.clone();
                async move { store.light_as_of(m, d(day)).await.unwrap().unwrap().light }
            };
            assert_eq!(at("2025-03-10").await, "green");
            assert_eq!(at("2025-03-31").await, "yellow");
            // Red in April stays red in April's report, whatever came later.
            assert_eq!(at("2025-04-15").await, "red");
            assert_eq!(at("2025-05-01").await, "deep_red");
            assert_eq!(at("2025-06-01").await, "closed");
            // Owner told at every rise, the leader from red, the principal leader at deep red.
            let days = |v: Vec<(String, i64)>| v.into_iter().map(|x| x.0).collect::<Vec<_>>();
            assert_eq!(
                days(notes_for(&store, owner, m).await),
                ["2025-03-25", "2025-04-01", "2025-04-29"]
            );
            assert_eq!(
                days(notes_for(&store, leader, m).await),
                ["2025-04-01", "2025-04-29"]
            );
            assert_eq!(days(notes_for(&store, principal, m).await), ["2025-04-29"]);
            // The inbox reads and marks.
            let inbox = store.inbox(principal, true, None, 50).await.unwrap();
            let item = inbox.iter().find(|i| i.object_id == m).unwrap();
            assert!(item.message.contains("深红灯"), "{}", item.message);
            store.mark_read(principal, item.id).await.unwrap();
            assert!(
                !store
                    .inbox(principal, true, None, 50)
                    .await
                    .unwrap()
                    .iter()
                    .any(|i| i.id == item.id)
            );
            assert!(matches!(
                store.mark_read(owner, item.id).await,
                Err(StoreError::NotFound { .. })
            ));
        }
    }

    #[tokio::test]
    async fn milestones_make_a_measure_behind_pace() {
        for (store, _g) in stores().await {
            demo(&store).await;
            let (m, owner, _, _) = tracked_measure(&store).await;
            sqlx::query("UPDATE measure SET deadline = '2025-12-31' WHERE id = $1")
                .bind(m)
                .execute(store.pool())
                .await
                .unwrap();
            let actor = Actor::cli("test");
            let bad = store
                .set_milestones(&actor, m, &[(d("2025-03-01"), 60), (d("2025-06-01"), 40)])
                .await
                .unwrap_err();
            assert!(matches!(bad, StoreError::Invalid(ref f) if f.field == "milestones[1]"));
            store
                .set_milestones(&actor, m, &[(d("2025-03-01"), 30), (d("2025-06-01"), 60)])
                .await
                .unwrap();
            run_day(&store, d("2025-03-03"), &RunConfig::default())
                .await
                .unwrap();
            let now = store
                .light_as_of(m, d("2025-03-03"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((now.light.as_str(), now.tier), ("yellow", 1));
            let inbox = store.inbox(owner, false, None, 50).await.unwrap();
            let note = inbox.iter().find(|i| i.object_id == m).unwrap();
            assert!(note.message.contains("计划应达30%"), "{}", note.message);
        }
    }

    #[tokio::test]
    async fn two_runners_on_two_pools_run_once() {
        for (store, _g) in stores().await {
            demo(&store).await;
            let other = second_pool(&store).await;
            let cfg = RunConfig::default();
            let day = d("2025-03-03");
            let (a, b) = tokio::join!(run_day(&store, day, &cfg), run_day(&other, day, &cfg));
            let outcomes = [a.unwrap().outcome, b.unwrap().outcome];
            assert_eq!(
                outcomes.iter().filter(|o| **o == RunOutcome::Ran).count(),
                1,
                "{outcomes:?}"
            );
            assert_eq!(
                count(&store, "SELECT COUNT(*) FROM supervision_run").await,
                1
            );
            let runs: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'supervision.run'",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            assert_eq!(runs, 1);
            other.close().await;
        }
    }

    #[tokio::test]
    async fn a_day_in_a_year_without_schedule_is_refused_naming_it() {
        for (store, _g) in stores().await {
            let err = run_day(&store, d("2031-03-03"), &RunConfig::default())
                .await
                .unwrap_err();
            assert!(err.to_string().contains("2031"), "{err}");
            // The failed attempt leaves no run behind.
            assert_eq!(
                count(&store, "SELECT COUNT(*) FROM supervision_run").await,
                0
            );
        }
    }

    #[tokio::test]
    async fn light_rules_validated_and_stored() {
        for (store, _g) in stores().await {
            let actor = Actor::cli("test");
            assert_eq!(store.light_rules().await.unwrap(), LightRules::default());
            let bad = LightRules {
                principal_from: Light::Yellow,
                ..LightRules::default()
            };
            assert!(matches!(
                store.set_light_rules(&actor, &bad).await,
                Err(StoreError::Invalid(ref f)) if f.field == "principal_from"
            ));
            let good = LightRules {
                yellow_within_workdays: 3,
                blue_for_ongoing: true,
                ..LightRules::default()
            };
            store.set_light_rules(&actor, &good).await.unwrap();
            assert_eq!(store.light_rules().await.unwrap(), good);
        }
    }

    /// Pages read lights past the last loaded year by counting its weekdays, and say which
    /// years they assumed: the view, a measure's light and the dashboard's totals.
    #[tokio::test]
    async fn lights_name_the_years_whose_holidays_were_assumed() {
        for (store, _g) in stores().await {
            let last = store.calendar_years().await.unwrap().last().unwrap().year;
            let inside = NaiveDate::from_ymd_opt(last, 6, 1).unwrap();
            let late = NaiveDate::from_ymd_opt(last, 12, 31).unwrap();
            assert!(
                store
                    .light_view(inside)
                    .await
                    .unwrap()
                    .assumed_years()
                    .is_empty()
            );
            assert_eq!(
                store.light_view(late).await.unwrap().assumed_years(),
                [last + 1]
            );
            demo(&store).await;
            let (m, ..) = tracked_measure(&store).await;
            let inspection: i64 =
                sqlx::query_scalar("SELECT inspection_id FROM measure WHERE id = $1")
                    .bind(m)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            let viewer = crate::import::office_viewer(&store, inspection)
                .await
                .unwrap();
            assert_eq!(
                store.measure_light(m, late).await.unwrap().assumed_years,
                [last + 1]
            );
            assert!(
                store
                    .measure_light(m, inside)
                    .await
                    .unwrap()
                    .assumed_years
                    .is_empty()
            );
            let d = store.dashboard(&viewer, None, late).await.unwrap();
            assert_eq!(d.totals.lights_assumed_years, [last + 1]);
            let d = store.dashboard(&viewer, None, inside).await.unwrap();
            assert!(d.totals.lights_assumed_years.is_empty());
        }
    }
}
