//! What the generated documents read: an inspection's ledger gathered for the public progress
//! notice (通报) and for the rectification report (整改报告) to the inspecting committee.
//!
//! Store-local plain types (this crate does not depend on the document writer); the CLI maps
//! them to `rectify_office::notice::NoticeData`. A few set queries per inspection (no query per
//! measure), ordered as the ledger is: aspect, problem, measure by `seq`.

use std::collections::HashMap;

use chrono::NaiveDate;
use rectify_core::access::{OrgPath, Role};
use rectify_core::ledger::MeasureKind;
use rectify_core::state::MeasureState;
use sqlx::{AssertSqlSafe, Row};

use crate::ledger::{Inspection, InspectionStats, Viewer};
use crate::{Store, StoreError};

/// The ledger view behind the public progress notice.
#[derive(Debug, Clone)]
pub struct NoticeFacts {
    pub inspection: Inspection,
    /// The inspected organisation's name: it publishes the notice.
    pub inspected: String,
    /// The round's name, when the inspection belongs to one (e.g. `十四届市委第十三轮巡察`).
    pub round: Option<String>,
    pub aspects: Vec<ReportAspect>,
    /// Problem statistics now (reuses [`Store::inspection_stats`]).
    pub stats: InspectionStats,
    /// The date the statistics are as of.
    pub as_of: NaiveDate,
    /// Register figures of the inspection: meetings held, rules issued, people held
    /// accountable, money recovered.
    pub registers: crate::registers::RegisterStats,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportAspect {
    pub id: i64,
    pub seq: i64,
    pub title: String,
    pub problems: Vec<ReportProblem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportProblem {
    pub id: i64,
    pub seq: i64,
    pub title: String,
    pub signed_off: bool,
    pub measures: Vec<ReportMeasure>,
}

/// One measure with what the documents show of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeasure {
    pub id: i64,
    pub seq: i64,
    pub text: String,
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub deadline: Option<NaiveDate>,
    pub responsible_unit: Option<String>,
    pub owner: Option<String>,
    pub percent: i64,
    /// Text of the latest progress report (by report date, then id).
    pub latest_progress: Option<String>,
    /// Evidence files attached to this measure's progress reports.
    pub evidence_count: i64,
    pub overdue: bool,
}

/// The ledger view behind the rectification report: every measure, grouped as the ledger is.
#[derive(Debug, Clone)]
pub struct RectificationItems {
    pub inspection: Inspection,
    pub inspected: String,
    pub round: Option<String>,
    pub aspects: Vec<ReportAspect>,
    pub stats: InspectionStats,
    pub as_of: NaiveDate,
}

impl Store {
    /// A viewer for local command-line tools: an office of the whole organisation tree the
    /// inspection belongs to. `NotFound("inspection", id)` when there is no such inspection.
    pub async fn tool_viewer(&self, inspection_id: i64) -> Result<Viewer, StoreError> {
        let path: String = sqlx::query_scalar("SELECT org_path FROM inspection WHERE id = $1")
            .bind(inspection_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("inspection", inspection_id))?;
        let root: i64 = path
            .trim_matches('/')
            .split('/')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| StoreError::Config(format!("corrupt path {path}")))?;
        Ok(Viewer {
            user_id: 0,
            role: Role::Office,
            scope: OrgPath::root(root),
            person_id: None,
        })
    }

    /// The inspection, its organisation and round names, the problem tree with each measure's
    /// latest progress, and the statistics, for the public progress notice.
    pub async fn notice_data(
        &self,
        viewer: &Viewer,
        inspection_id: i64,
    ) -> Result<NoticeFacts, StoreError> {
        let r = self.rectification_items(viewer, inspection_id).await?;
        let registers = self.register_stats(viewer, Some(inspection_id)).await?;
        Ok(NoticeFacts {
            inspection: r.inspection,
            inspected: r.inspected,
            round: r.round,
            aspects: r.aspects,
            stats: r.stats,
            as_of: r.as_of,
            registers,
        })
    }

    /// Every measure of the inspection the viewer may see, with status, deadline, unit, owner,
    /// latest progress and evidence count, grouped by aspect and problem.
    pub async fn rectification_items(
        &self,
        viewer: &Viewer,
        inspection_id: i64,
    ) -> Result<RectificationItems, StoreError> {
        let inspection = self.inspection_for(viewer, inspection_id).await?;
        let stats = self.inspection_stats(viewer, inspection_id).await?;
        let today = crate::ledger::today();
        let inspected = self.organisation(inspection.inspected_org_id).await?.name;
        let round = match inspection.round_id {
            Some(id) => {
                sqlx::query_scalar("SELECT name FROM round WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.pool())
                    .await?
            }
            None => None,
        };

        let mut aspects: Vec<ReportAspect> = self
            .aspects(inspection_id)
            .await?
            .into_iter()
            .map(|a| ReportAspect {
                id: a.id,
                seq: a.seq,
                title: a.title,
                problems: Vec::new(),
            })
            .collect();
        let aspect_index: HashMap<i64, usize> =
            aspects.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let mut problem_index: HashMap<i64, (usize, usize)> = HashMap::new();
        for p in self.problems(inspection_id).await? {
            let Some(&ai) = aspect_index.get(&p.aspect_id) else {
                continue;
            };
            let list = &mut aspects[ai].problems;
            problem_index.insert(p.id, (ai, list.len()));
            list.push(ReportProblem {
                id: p.id,
                seq: p.seq,
                title: p.title,
                signed_off: p.signed_off_at.is_some(),
                measures: Vec::new(),
            });
        }

        // Measures in the viewer's scope (an owner sees only its own).
        let mut scope = String::from(" AND m.org_path >= $2 AND m.org_path < $3");
        if viewer.role == Role::Owner {
            scope.push_str(" AND m.owner_id = $4");
        }
        let sql = format!(
            "SELECT m.id, m.problem_id, m.seq, m.text, m.kind, m.state, m.deadline, m.percent, \
             u.name AS unit_name, p.name AS owner_name FROM measure m \
             LEFT JOIN organisation u ON u.id = m.responsible_unit_id \
             LEFT JOIN person p ON p.id = m.owner_id \
             WHERE m.inspection_id = $1{scope} ORDER BY m.problem_id, m.seq, m.id"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(inspection_id)
            .bind(viewer.scope.as_str().to_string())
            .bind(viewer.scope.upper_bound());
        if viewer.role == Role::Owner {
            q = q.bind(viewer.person_id.unwrap_or(-1));
        }
        let rows = q.fetch_all(self.pool()).await?;

        let latest = self.latest_progress(inspection_id).await?;
        let evidence = self.evidence_counts(inspection_id).await?;
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let problem_id: i64 = r.try_get("problem_id")?;
            let Some(&(ai, pi)) = problem_index.get(&problem_id) else {
                continue;
            };
            let kind: String = r.try_get("kind")?;
            let state: String = r.try_get("state")?;
            let state = MeasureState::parse(&state)
                .ok_or_else(|| StoreError::Config(format!("unknown measure state {state}")))?;
            let deadline: Option<String> = r.try_get("deadline")?;
            let deadline = deadline.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
            aspects[ai].problems[pi].measures.push(ReportMeasure {
                id,
                seq: r.try_get("seq")?,
                text: r.try_get("text")?,
                kind: MeasureKind::parse(&kind)
                    .ok_or_else(|| StoreError::Config(format!("unknown measure kind {kind}")))?,
                state,
                deadline,
                responsible_unit: r.try_get("unit_name")?,
                owner: r.try_get("owner_name")?,
                percent: r.try_get("percent")?,
                latest_progress: latest.get(&id).cloned(),
                evidence_count: evidence.get(&id).copied().unwrap_or(0),
                overdue: rectify_core::progress::is_overdue(state, deadline, today),
            });
        }
        Ok(RectificationItems {
            inspection,
            inspected,
            round,
            aspects,
            stats,
            as_of: today,
        })
    }

    /// Latest progress report text per measure of the inspection.
    async fn latest_progress(
        &self,
        inspection_id: i64,
    ) -> Result<HashMap<i64, String>, StoreError> {
        let rows = sqlx::query(
            "SELECT rm.measure_id, r.text FROM progress_report r \
             JOIN report_measure rm ON rm.report_id = r.id \
             JOIN measure m ON m.id = rm.measure_id \
             WHERE m.inspection_id = $1 ORDER BY rm.measure_id, r.reported_on DESC, r.id DESC",
        )
        .bind(inspection_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = HashMap::new();
        for r in &rows {
            let id: i64 = r.try_get("measure_id")?;
            if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(id) {
                slot.insert(r.try_get::<String, _>("text")?);
            }
        }
        Ok(out)
    }

    /// Evidence files per measure (through the measure's progress reports).
    async fn evidence_counts(&self, inspection_id: i64) -> Result<HashMap<i64, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT rm.measure_id, COUNT(e.id) AS n FROM report_measure rm \
             JOIN evidence e ON e.report_id = rm.report_id \
             JOIN measure m ON m.id = rm.measure_id \
             WHERE m.inspection_id = $1 GROUP BY rm.measure_id",
        )
        .bind(inspection_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = HashMap::new();
        for r in &rows {
            out.insert(
                r.try_get::<i64, _>("measure_id")?,
                r.try_get::<i64, _>("n")?,
            );
        }
        Ok(out)
    }
}
