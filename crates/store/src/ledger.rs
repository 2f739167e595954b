//! The ledger: rounds, inspections, aspects, problems, measures, progress reports, evidence,
//! review and sign-off. Every change runs in a [`WriteTx`] with its audit row.

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// values always travel as bind parameters.
use chrono::NaiveDate;
use rectify_core::access::{OrgPath, Role};
use rectify_core::ledger::{self, InspectionDates, InspectionKind, Measure, MeasureKind, Severity};
use rectify_core::progress::{self, MeasureFacts, ProblemProgress, Stats};
use rectify_core::state::{MeasureState, Readiness, Transition};
use rectify_core::{FieldError, text};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::audit::{Actor, AuditEvent, now_text};
use crate::row::{Where, bind_all};
use crate::{Store, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Round {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub year: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub round_id: Option<i64>,
    pub kind: InspectionKind,
    pub team: Option<String>,
    pub inspected_org_id: i64,
    pub org_path: OrgPath,
    pub title: String,
    pub dates: InspectionDates,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewInspection {
    pub round_id: Option<i64>,
    pub kind: InspectionKind,
    pub team: Option<String>,
    pub inspected_org_id: i64,
    pub title: String,
    pub dates: InspectionDates,
}

impl NewInspection {
    /// A regular inspection (常规巡察) of an organisation, in no round and by no named team,
    /// whose only date on record is its feedback (反馈): an inspection as it stands when its
    /// findings arrive before anything else about it.
    pub fn regular(
        inspected_org_id: i64,
        title: impl Into<String>,
        feedback_on: Option<NaiveDate>,
    ) -> NewInspection {
        NewInspection {
            round_id: None,
            kind: InspectionKind::Regular,
            team: None,
            inspected_org_id,
            title: title.into(),
            dates: InspectionDates {
                stationed_from: None,
                stationed_to: None,
                feedback_on,
                plan_due: None,
                report_due: None,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Aspect {
    pub id: i64,
    pub inspection_id: i64,
    pub seq: i64,
    pub marker: Option<String>,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    pub id: i64,
    pub inspection_id: i64,
    pub aspect_id: i64,
    pub seq: i64,
    pub title: String,
    pub detail: Option<String>,
    pub severity: Severity,
    pub signed_off_at: Option<String>,
    pub signed_off_by: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewProblem {
    pub aspect_id: i64,
    pub title: String,
    pub detail: Option<String>,
    pub severity: Severity,
}

/// Field changes to a problem. `detail: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProblemPatch {
    pub title: Option<String>,
    pub detail: Option<Option<String>>,
    pub severity: Option<Severity>,
}

/// Field changes to an inspection; `dates` replaces all dates at once (checked together).
#[derive(Debug, Clone, Default)]
pub struct InspectionPatch {
    pub title: Option<String>,
    pub team: Option<Option<String>>,
    pub dates: Option<InspectionDates>,
}

#[derive(Debug, Clone)]
pub struct NewMeasure {
    pub problem_id: i64,
    pub text: String,
    pub kind: MeasureKind,
    pub responsible_unit_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub leader_id: Option<i64>,
    pub liaison_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
}

/// Field changes to a measure. `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct MeasurePatch {
    pub text: Option<String>,
    pub kind: Option<MeasureKind>,
    pub responsible_unit_id: Option<Option<i64>>,
    pub lead_unit_id: Option<Option<i64>>,
    pub co_unit_ids: Option<Vec<i64>>,
    pub leader_id: Option<Option<i64>>,
    pub owner_id: Option<Option<i64>>,
    pub liaison_id: Option<Option<i64>>,
    pub deadline: Option<Option<NaiveDate>>,
    pub seq: Option<i64>,
}

impl MeasurePatch {
    /// Names of the fields this patch sets, for field-level authorisation.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        macro_rules! f {
            ($($n:ident),*) => { $( if self.$n.is_some() { v.push(stringify!($n)); } )* };
        }
        f!(
            text,
            kind,
            responsible_unit_id,
            lead_unit_id,
            co_unit_ids,
            leader_id,
            owner_id,
            liaison_id,
            deadline,
            seq
        );
        v
    }
}

/// A measure with the names a list shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureView {
    #[serde(flatten)]
    pub measure: Measure,
    pub responsible_unit: Option<String>,
    pub owner: Option<String>,
    pub overdue: bool,
}

/// Sort keys for measure lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureSort {
    Id,
    Deadline,
    State,
    Updated,
}

/// Who is asking: decides the scope of every read and write.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
    pub scope: OrgPath,
    pub person_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct MeasureFilter {
    pub inspection_id: Option<i64>,
    pub round_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub state: Option<MeasureState>,
    pub kind: Option<MeasureKind>,
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    pub overdue: Option<bool>,
    pub owner_id: Option<i64>,
    pub sort: Option<MeasureSort>,
    pub descending: bool,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

fn date_opt(row: &sqlx::any::AnyRow, col: &str) -> Result<Option<NaiveDate>, StoreError> {
    let v: Option<String> = row.try_get(col)?;
    Ok(v.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()))
}

fn ds(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn inspection(row: &sqlx::any::AnyRow) -> Result<Inspection, StoreError> {
    let kind: String = row.try_get("kind")?;
    let path: String = row.try_get("org_path")?;
    Ok(Inspection {
        id: row.try_get("id")?,
        round_id: row.try_get("round_id")?,
        kind: InspectionKind::parse(&kind).unwrap_or(InspectionKind::Regular),
        team: row.try_get("team")?,
        inspected_org_id: row.try_get("inspected_org_id")?,
        org_path: OrgPath::parse(&path)
            .ok_or_else(|| StoreError::Config(format!("corrupt path {path}")))?,
        title: row.try_get("title")?,
        dates: InspectionDates {
            stationed_from: date_opt(row, "stationed_from")?,
            stationed_to: date_opt(row, "stationed_to")?,
            feedback_on: date_opt(row, "feedback_on")?,
            plan_due: date_opt(row, "plan_due")?,
            report_due: date_opt(row, "report_due")?,
        },
        version: row.try_get("version")?,
    })
}

fn problem(row: &sqlx::any::AnyRow) -> Result<Problem, StoreError> {
    let sev: i64 = row.try_get("severity")?;
    Ok(Problem {
        id: row.try_get("id")?,
        inspection_id: row.try_get("inspection_id")?,
        aspect_id: row.try_get("aspect_id")?,
        seq: row.try_get("seq")?,
        title: row.try_get("title")?,
        detail: row.try_get("detail")?,
        severity: Severity::parse("severity", sev, 9).unwrap_or(Severity::GENERAL),
        signed_off_at: row.try_get("signed_off_at")?,
        signed_off_by: row.try_get("signed_off_by")?,
        version: row.try_get("version")?,
    })
}

const MEASURE_COLUMNS: &str = "m.id, m.problem_id, m.inspection_id, m.seq, m.text, m.kind, m.state, m.responsible_unit_id, m.lead_unit_id, \
    m.co_unit_ids, m.leader_id, m.owner_id, m.liaison_id, m.deadline, m.percent, m.version";

fn measure(row: &sqlx::any::AnyRow) -> Result<Measure, StoreError> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let co: String = row.try_get("co_unit_ids")?;
    Ok(Measure {
        id: row.try_get("id")?,
        problem_id: row.try_get("problem_id")?,
        inspection_id: row.try_get("inspection_id")?,
        seq: row.try_get("seq")?,
        text: row.try_get("text")?,
        kind: MeasureKind::parse(&kind)
            .ok_or_else(|| StoreError::Config(format!("unknown measure kind {kind}")))?,
        state: MeasureState::parse(&state)
            .ok_or_else(|| StoreError::Config(format!("unknown measure state {state}")))?,
        responsible_unit_id: row.try_get("responsible_unit_id")?,
        lead_unit_id: row.try_get("lead_unit_id")?,
        co_unit_ids: serde_json::from_str(&co).unwrap_or_default(),
        leader_id: row.try_get("leader_id")?,
        owner_id: row.try_get("owner_id")?,
        liaison_id: row.try_get("liaison_id")?,
        deadline: date_opt(row, "deadline")?,
        percent: row.try_get("percent")?,
        version: row.try_get("version")?,
    })
}

/// Today in the ledger's time zone.
pub fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&crate::audit::local_offset())
        .date_naive()
}

impl Viewer {
    /// The WHERE fragment restricting measures (alias `m`) to what this viewer may see.
    pub(crate) fn scope_measures(&self, w: &mut Where) {
        w.and("m.org_path >=", self.scope.as_str());
        w.and("m.org_path <", self.scope.upper_bound());
        if self.role == Role::Owner {
            w.and("m.owner_id =", self.person_id.unwrap_or(-1));
        }
    }
    fn sees_path(&self, path: &OrgPath) -> bool {
        self.scope.contains(path)
    }
}

impl WriteTx {
    pub async fn create_round(
        &mut self,
        actor: &Actor,
        organisation_id: i64,
        name: &str,
        year: Option<i64>,
    ) -> Result<Round, StoreError> {
        let name = text::bounded("name", name, text::TITLE_MAX)?;
        self.organisation(organisation_id).await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO round (organisation_id, name, year, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(organisation_id)
            .bind(name.clone())
            .bind(year)
            .bind(now_text())
            .fetch_one(self.conn())
            .await?;
        let r = Round {
            id,
            organisation_id,
            name,
            year,
            version: 1,
        };
        self.audit(
            actor,
            AuditEvent::ok("round.create", "round", id).after(json!(r)),
        )
        .await?;
        Ok(r)
    }

    pub async fn create_inspection(
        &mut self,
        actor: &Actor,
        n: &NewInspection,
    ) -> Result<Inspection, StoreError> {
        let title = text::bounded("title", &n.title, text::TITLE_MAX)?;
        let team = text::optional("team", n.team.as_deref(), text::NAME_MAX)?;
        let dates = n.dates.check()?;
        let org = self.organisation(n.inspected_org_id).await.map_err(|_| {
            StoreError::Invalid(FieldError::new(
                "inspected_org_id",
                "not_found",
                "被巡察单位不存在 (no such organisation)",
            ))
        })?;
        if let Some(r) = n.round_id {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM round WHERE id = $1")
                .bind(r)
                .fetch_optional(self.conn())
                .await?;
            if exists.is_none() {
                return Err(FieldError::new(
                    "round_id",
                    "not_found",
                    "巡察轮次不存在 (no such round)",
                )
                .into());
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection (round_id, kind, team, inspected_org_id, org_path, title, stationed_from, stationed_to, feedback_on, plan_due, report_due, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(n.round_id)
        .bind(n.kind.as_str())
        .bind(team)
        .bind(n.inspected_org_id)
        .bind(org.path.as_str().to_string())
        .bind(title)
        .bind(ds(dates.stationed_from))
        .bind(ds(dates.stationed_to))
        .bind(ds(dates.feedback_on))
        .bind(ds(dates.plan_due))
        .bind(ds(dates.report_due))
        .bind(now_text())
        .fetch_one(self.conn())
        .await?;
        let i = self.inspection(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("inspection.create", "inspection", id).after(json!(i)),
        )
        .await?;
        Ok(i)
    }

    pub async fn inspection(&mut self, id: i64) -> Result<Inspection, StoreError> {
        let row = sqlx::query("SELECT * FROM inspection WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("inspection", id))?;
        inspection(&row)
    }

    pub async fn create_aspect(
        &mut self,
        actor: &Actor,
        inspection_id: i64,
        marker: Option<&str>,
        title: &str,
    ) -> Result<Aspect, StoreError> {
        let title = text::bounded("title", title, text::TITLE_MAX)?;
        let marker = text::optional("marker", marker, 50)?;
        self.inspection(inspection_id).await?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM aspect WHERE inspection_id = $1",
        )
        .bind(inspection_id)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO aspect (inspection_id, seq, marker, title) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(inspection_id)
            .bind(seq)
            .bind(marker.clone())
            .bind(title.clone())
            .fetch_one(self.conn())
            .await?;
        let a = Aspect {
            id,
            inspection_id,
            seq,
            marker,
            title,
        };
        self.audit(
            actor,
            AuditEvent::ok("aspect.create", "aspect", id).after(json!(a)),
        )
        .await?;
        Ok(a)
    }

    pub async fn create_problem(
        &mut self,
        actor: &Actor,
        n: &NewProblem,
    ) -> Result<Problem, StoreError> {
        let title = text::bounded("title", &n.title, text::TITLE_MAX)?;
        let detail = text::optional("detail", n.detail.as_deref(), text::TEXT_MAX)?;
        let row = sqlx::query("SELECT a.inspection_id, i.org_path FROM aspect a JOIN inspection i ON i.id = a.inspection_id WHERE a.id = $1")
            .bind(n.aspect_id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::Invalid(FieldError::new("aspect_id", "not_found", "方面不存在 (no such aspect)")))?;
        let inspection_id: i64 = row.try_get("inspection_id")?;
        let path: String = row.try_get("org_path")?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM problem WHERE aspect_id = $1",
        )
        .bind(n.aspect_id)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO problem (inspection_id, aspect_id, org_path, seq, title, detail, severity) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(inspection_id)
        .bind(n.aspect_id)
        .bind(path)
        .bind(seq)
        .bind(title)
        .bind(detail)
        .bind(i64::from(n.severity.level()))
        .fetch_one(self.conn())
        .await?;
        let p = self.problem(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("problem.create", "problem", id).after(json!(p)),
        )
        .await?;
        Ok(p)
    }

    /// Edit a problem's text or severity under optimistic concurrency. A signed-off problem
    /// is frozen: reopen a measure first.
    pub async fn update_problem(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        patch: &ProblemPatch,
    ) -> Result<Problem, StoreError> {
        let (before, _) = self.problem_at(viewer, id, version).await?;
        if before.signed_off_at.is_some() {
            return Err(FieldError::new(
                "version",
                "signed_off",
                "已销号的问题不能修改 (a signed-off problem cannot be edited)",
            )
            .into());
        }
        let title = match &patch.title {
            Some(t) => text::bounded("title", t, text::TITLE_MAX)?,
            None => before.title.clone(),
        };
        let detail = match &patch.detail {
            Some(d) => text::optional("detail", d.as_deref(), text::TEXT_MAX)?,
            None => before.detail.clone(),
        };
        let severity = patch.severity.unwrap_or(before.severity);
        sqlx::query("UPDATE problem SET title = $1, detail = $2, severity = $3, version = version + 1 WHERE id = $4 AND version = $5")
            .bind(title)
            .bind(detail)
            .bind(i64::from(severity.level()))
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        let after = self.problem(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("problem.update", "problem", id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        Ok(after)
    }

    /// Edit an inspection's team, title or dates under optimistic concurrency.
    pub async fn update_inspection(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        patch: &InspectionPatch,
    ) -> Result<Inspection, StoreError> {
        let before = self.inspection(id).await?;
        if !viewer.sees_path(&before.org_path) {
            return Err(StoreError::not_found("inspection", id));
        }
        if before.version != version {
            return Err(StoreError::Conflict {
                entity: "inspection",
                id,
                current: before.version,
            });
        }
        let title = match &patch.title {
            Some(t) => text::bounded("title", t, text::TITLE_MAX)?,
            None => before.title.clone(),
        };
        let team = match &patch.team {
            Some(t) => text::optional("team", t.as_deref(), text::NAME_MAX)?,
            None => before.team.clone(),
        };
        let dates = patch.dates.unwrap_or(before.dates).check()?;
        sqlx::query(
            "UPDATE inspection SET title = $1, team = $2, stationed_from = $3, stationed_to = $4, feedback_on = $5, plan_due = $6, report_due = $7, \
             version = version + 1 WHERE id = $8 AND version = $9",
        )
        .bind(title)
        .bind(team)
        .bind(ds(dates.stationed_from))
        .bind(ds(dates.stationed_to))
        .bind(ds(dates.feedback_on))
        .bind(ds(dates.plan_due))
        .bind(ds(dates.report_due))
        .bind(id)
        .bind(version)
        .execute(self.conn())
        .await?;
        let after = self.inspection(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("inspection.update", "inspection", id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        Ok(after)
    }

    /// A problem the viewer may see (else NotFound), at the version the caller read (else Conflict),
    /// with its inspection.
    async fn problem_at(
        &mut self,
        viewer: &Viewer,
        id: i64,
        version: i64,
    ) -> Result<(Problem, Inspection), StoreError> {
        let p = self.problem(id).await?;
        let insp = self.inspection(p.inspection_id).await?;
        if !viewer.sees_path(&insp.org_path) {
            return Err(StoreError::not_found("problem", id));
        }
        if p.version != version {
            return Err(StoreError::Conflict {
                entity: "problem",
                id,
                current: p.version,
            });
        }
        Ok((p, insp))
    }

    pub async fn problem(&mut self, id: i64) -> Result<Problem, StoreError> {
        let row = sqlx::query("SELECT * FROM problem WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("problem", id))?;
        problem(&row)
    }

    async fn unit_path(&mut self, field: &str, unit_id: i64) -> Result<OrgPath, StoreError> {
        self.organisation(unit_id)
            .await
            .map(|o| o.path)
            .map_err(|_| {
                StoreError::Invalid(FieldError::new(
                    field,
                    "not_found",
                    "单位不存在 (no such organisation)",
                ))
            })
    }

    async fn check_person(&mut self, field: &str, id: Option<i64>) -> Result<(), StoreError> {
        if let Some(id) = id {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM person WHERE id = $1")
                .bind(id)
                .fetch_optional(self.conn())
                .await?;
            if found.is_none() {
                return Err(
                    FieldError::new(field, "not_found", "人员不存在 (no such person)").into(),
                );
            }
        }
        Ok(())
    }

    pub async fn create_measure(
        &mut self,
        actor: &Actor,
        n: &NewMeasure,
    ) -> Result<Measure, StoreError> {
        let text = ledger::measure_text(&n.text)?;
        let p = self.problem(n.problem_id).await.map_err(|_| {
            StoreError::Invalid(FieldError::new(
                "problem_id",
                "not_found",
                "问题不存在 (no such problem)",
            ))
        })?;
        let insp = self.inspection(p.inspection_id).await?;
        if let Some(d) = n.deadline {
            ledger::check_deadline(d, insp.dates.feedback_on)?;
        }
        let path = match n.responsible_unit_id {
            Some(u) => {
                let up = self.unit_path("responsible_unit_id", u).await?;
                if !insp.org_path.contains(&up) {
                    return Err(FieldError::new(
                        "responsible_unit_id",
                        "out_of_scope",
                        "责任单位不属于被巡察单位 (unit outside the inspected organisation)",
                    )
                    .into());
                }
                up
            }
            None => insp.org_path.clone(),
        };
        self.check_person("owner_id", n.owner_id).await?;
        self.check_person("leader_id", n.leader_id).await?;
        self.check_person("liaison_id", n.liaison_id).await?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM measure WHERE problem_id = $1",
        )
        .bind(n.problem_id)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO measure (problem_id, inspection_id, org_path, seq, text, kind, state, responsible_unit_id, leader_id, owner_id, liaison_id, deadline, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(n.problem_id)
        .bind(p.inspection_id)
        .bind(path.as_str().to_string())
        .bind(seq)
        .bind(text)
        .bind(n.kind.as_str())
        .bind(n.responsible_unit_id)
        .bind(n.leader_id)
        .bind(n.owner_id)
        .bind(n.liaison_id)
        .bind(ds(n.deadline))
        .bind(now_text())
        .fetch_one(self.conn())
        .await?;
        let m = self.measure(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("measure.create", "measure", id).after(json!(m)),
        )
        .await?;
        Ok(m)
    }

    pub async fn measure(&mut self, id: i64) -> Result<Measure, StoreError> {
        let sql = format!("SELECT {MEASURE_COLUMNS} FROM measure m WHERE m.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("measure", id))?;
        measure(&row)
    }

    /// Load a measure the viewer may see, or NotFound (never reveal existence across units).
    async fn measure_for(
        &mut self,
        viewer: &Viewer,
        id: i64,
    ) -> Result<(Measure, OrgPath), StoreError> {
        let sql = format!(
            "SELECT {MEASURE_COLUMNS}, m.org_path AS m_path FROM measure m WHERE m.id = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::not_found("measure", id))?;
        let path: String = row.try_get("m_path")?;
        let path = OrgPath::parse(&path)
            .ok_or_else(|| StoreError::Config(format!("corrupt path {path}")))?;
        let m = measure(&row)?;
        if !viewer.sees_path(&path)
            || (viewer.role == Role::Owner && m.owner_id != viewer.person_id)
        {
            return Err(StoreError::not_found("measure", id));
        }
        Ok((m, path))
    }

    /// Apply a field patch under optimistic concurrency: `version` must be current.
    pub async fn update_measure(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        patch: &MeasurePatch,
    ) -> Result<Measure, StoreError> {
        rectify_core::access::check_measure_fields(viewer.role, patch.fields())?;
        let (before, _) = self.measure_for(viewer, id).await?;
        if before.version != version {
            return Err(StoreError::Conflict {
                entity: "measure",
                id,
                current: before.version,
            });
        }
        let insp = self.inspection(before.inspection_id).await?;
        let mut m = before.clone();
        if let Some(t) = &patch.text {
            m.text = ledger::measure_text(t)?;
        }
        if let Some(k) = patch.kind {
            m.kind = k;
        }
        if let Some(d) = patch.deadline {
            if let Some(d) = d {
                ledger::check_deadline(d, insp.dates.feedback_on)?;
            } else if m.state != MeasureState::Draft {
                return Err(FieldError::new(
                    "deadline",
                    "required",
                    "已交办的措施必须有完成时限 (an assigned measure needs a deadline)",
                )
                .into());
            }
            m.deadline = d;
        }
        let mut path = None;
        if let Some(u) = patch.responsible_unit_id {
            match u {
                Some(u) => {
                    let up = self.unit_path("responsible_unit_id", u).await?;
                    if !insp.org_path.contains(&up) {
                        return Err(FieldError::new(
                            "responsible_unit_id",
                            "out_of_scope",
                            "责任单位不属于被巡察单位 (unit outside the inspected organisation)",
                        )
                        .into());
                    }
                    path = Some(up);
                }
                None if m.state != MeasureState::Draft => {
                    return Err(FieldError::new(
                        "responsible_unit_id",
                        "required",
                        "已交办的措施必须有责任单位 (an assigned measure needs a unit)",
                    )
                    .into());
                }
                None => path = Some(insp.org_path.clone()),
            }
            m.responsible_unit_id = u;
        }
        if let Some(u) = patch.lead_unit_id {
            if let Some(u) = u {
                self.unit_path("lead_unit_id", u).await?;
            }
            m.lead_unit_id = u;
        }
        if let Some(v) = &patch.co_unit_ids {
            for u in v {
                self.unit_path("co_unit_ids", *u).await?;
            }
            m.co_unit_ids = v.clone();
        }
        for (val, slot) in [
            (patch.owner_id, &mut m.owner_id),
            (patch.leader_id, &mut m.leader_id),
            (patch.liaison_id, &mut m.liaison_id),
        ] {
            if let Some(v) = val {
                *slot = v;
            }
        }
        self.check_person("owner_id", m.owner_id).await?;
        self.check_person("leader_id", m.leader_id).await?;
        self.check_person("liaison_id", m.liaison_id).await?;
        if let Some(s) = patch.seq {
            m.seq = s;
        }
        let path_sql = path.map(|p| p.as_str().to_string());
        let r = sqlx::query(
            "UPDATE measure SET text = $1, kind = $2, responsible_unit_id = $3, lead_unit_id = $4, co_unit_ids = $5, leader_id = $6, owner_id = $7, \
             liaison_id = $8, deadline = $9, seq = $10, org_path = COALESCE($11, org_path), updated_at = $12, version = version + 1 \
             WHERE id = $13 AND version = $14",
        )
        .bind(m.text.clone())
        .bind(m.kind.as_str())
        .bind(m.responsible_unit_id)
        .bind(m.lead_unit_id)
        .bind(serde_json::to_string(&m.co_unit_ids).unwrap_or_else(|_| "[]".into()))
        .bind(m.leader_id)
        .bind(m.owner_id)
        .bind(m.liaison_id)
        .bind(ds(m.deadline))
        .bind(m.seq)
        .bind(path_sql)
        .bind(now_text())
        .bind(id)
        .bind(version)
        .execute(self.conn())
        .await?;
        if r.rows_affected() != 1 {
            let current = self.measure(id).await?.version;
            return Err(StoreError::Conflict {
                entity: "measure",
                id,
                current,
            });
        }
        let after = self.measure(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("measure.update", "measure", id)
                .before(json!(before))
                .after(json!(after)),
        )
        .await?;
        Ok(after)
    }

    /// Change a measure's state through the state machine; `version` must be current.
    pub async fn transition_measure(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        t: Transition,
        reason: Option<&str>,
    ) -> Result<Measure, StoreError> {
        let needed = match t {
            Transition::Assign => rectify_core::access::Action::EditPlan,
            Transition::Report | Transition::Submit => rectify_core::access::Action::Report,
            Transition::Return | Transition::Close | Transition::CloseOngoing => {
                rectify_core::access::Action::Review
            }
            Transition::Reopen => rectify_core::access::Action::Reopen,
        };
        if !viewer.role.may(needed) {
            return Err(FieldError::new(
                "action",
                "forbidden",
                "当前角色无权执行该操作 (role may not do this)",
            )
            .into());
        }
        let reason = text::optional("reason", reason, text::REASON_MAX)?;
        let (before, _) = self.measure_for(viewer, id).await?;
        if before.version != version {
            return Err(StoreError::Conflict {
                entity: "measure",
                id,
                current: before.version,
            });
        }
        let next = before
            .state
            .apply(
                t,
                Readiness {
                    kind: before.kind,
                    has_unit: before.responsible_unit_id.is_some(),
                    has_owner: before.owner_id.is_some(),
                    has_deadline: before.deadline.is_some(),
                    has_reason: reason.is_some(),
                },
            )
            .map_err(rectify_core::DomainError::from)?;
        let closed_at = next.is_closed().then(now_text);
        let percent = if next.is_closed() {
            100
        } else {
            before.percent
        };
        let r = sqlx::query("UPDATE measure SET state = $1, closed_at = $2, percent = $3, updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6")
            .bind(next.as_str())
            .bind(closed_at)
            .bind(percent)
            .bind(now_text())
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        if r.rows_affected() != 1 {
            let current = self.measure(id).await?.version;
            return Err(StoreError::Conflict {
                entity: "measure",
                id,
                current,
            });
        }
        if matches!(
            t,
            Transition::Return | Transition::Close | Transition::CloseOngoing | Transition::Reopen
        ) {
            sqlx::query("INSERT INTO review (measure_id, action, reason, reviewer_id, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(t.as_str())
                .bind(reason.clone())
                .bind(viewer.user_id)
                .bind(now_text())
                .execute(self.conn())
                .await?;
        }
        if t == Transition::Reopen {
            // A relapse reopens the problem too: its sign-off no longer holds.
            sqlx::query("UPDATE problem SET signed_off_at = NULL, signed_off_by = NULL, version = version + 1 WHERE id = $1")
                .bind(before.problem_id)
                .execute(self.conn())
                .await?;
        }
        let after = self.measure(id).await?;
        self.audit(
            actor,
            AuditEvent::ok(&format!("measure.{}", t.as_str()), "measure", id)
                .before(json!({"state": before.state, "version": before.version}))
                .after(json!({"state": after.state, "version": after.version, "reason": reason})),
        )
        .await?;
        Ok(after)
    }

    /// One progress report answering one or more measures ("report once"), optionally
    /// submitting them for review in the same step.
    pub async fn create_report(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        r: &NewReport,
    ) -> Result<i64, StoreError> {
        if !viewer.role.may(rectify_core::access::Action::Report) {
            return Err(FieldError::new(
                "measure_ids",
                "forbidden",
                "当前角色不能填报进展 (role may not report)",
            )
            .into());
        }
        if r.measure_ids.is_empty() {
            return Err(FieldError::new(
                "measure_ids",
                "required",
                "至少选择一项整改措施 (choose at least one measure)",
            )
            .into());
        }
        if r.measure_ids.len() > 200 {
            return Err(FieldError::new(
                "measure_ids",
                "too_many",
                "一次最多 200 项 (at most 200 measures)",
            )
            .into());
        }
        let text = text::bounded("text", &r.text, text::TEXT_MAX)?;
        let percent = ledger::percent("percent", r.percent)?;
        let mut measures = Vec::new();
        for (i, id) in r.measure_ids.iter().enumerate() {
            let (m, _) = self.measure_for(viewer, *id).await.map_err(|e| match e {
                StoreError::NotFound { .. } => StoreError::Invalid(FieldError::new(
                    format!("measure_ids[{i}]"),
                    "not_found",
                    "措施不存在 (no such measure)",
                )),
                e => e,
            })?;
            if !m.state.accepts_reports() {
                return Err(FieldError::new(
                    format!("measure_ids[{i}]"),
                    "not_reportable",
                    format!(
                        "措施状态为「{}」,不能填报 (measure is {})",
                        m.state.label_zh(),
                        m.state
                    ),
                )
                .into());
            }
            measures.push(m);
        }
        let report_id: i64 = sqlx::query_scalar("INSERT INTO progress_report (reported_on, text, percent, author_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(r.reported_on.format("%Y-%m-%d").to_string())
            .bind(text.clone())
            .bind(percent)
            .bind(viewer.user_id)
            .bind(now_text())
            .fetch_one(self.conn())
            .await?;
        for (i, eid) in r.evidence_ids.iter().enumerate() {
            let row = sqlx::query("SELECT report_id, uploaded_by FROM evidence WHERE id = $1")
                .bind(*eid)
                .fetch_optional(self.conn())
                .await?;
            let ok = match &row {
                Some(row) => {
                    row.try_get::<Option<i64>, _>("report_id")?.is_none()
                        && row.try_get::<i64, _>("uploaded_by")? == viewer.user_id
                }
                None => false,
            };
            if !ok {
                return Err(FieldError::new(
                    format!("evidence_ids[{i}]"),
                    "not_found",
                    "佐证材料不存在或已使用 (no such unattached upload of yours)",
                )
                .into());
            }
            sqlx::query("UPDATE evidence SET report_id = $1 WHERE id = $2")
                .bind(report_id)
                .bind(*eid)
                .execute(self.conn())
                .await?;
        }
        for m in &measures {
            sqlx::query("INSERT INTO report_measure (report_id, measure_id) VALUES ($1, $2)")
                .bind(report_id)
                .bind(m.id)
                .execute(self.conn())
                .await?;
            let next = if r.submit {
                Transition::Submit
            } else {
                Transition::Report
            };
            let ready = Readiness {
                kind: m.kind,
                has_unit: true,
                has_owner: true,
                has_deadline: true,
                has_reason: false,
            };
            let state = m
                .state
                .apply(next, ready)
                .map_err(rectify_core::DomainError::from)?;
            sqlx::query("UPDATE measure SET state = $1, percent = $2, updated_at = $3, version = version + 1 WHERE id = $4")
                .bind(state.as_str())
                .bind(percent)
                .bind(now_text())
                .bind(m.id)
                .execute(self.conn())
                .await?;
        }
        self.audit(
            actor,
            AuditEvent::ok("report.create", "progress_report", report_id).after(json!({
                "measure_ids": r.measure_ids, "percent": percent, "reported_on": r.reported_on, "evidence_ids": r.evidence_ids, "submit": r.submit, "text": text
            })),
        )
        .await?;
        Ok(report_id)
    }

    /// Record an uploaded evidence file (its blob already stored) for the viewer.
    pub async fn create_evidence(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        sha256: &str,
        file_name: &str,
        media_type: &str,
        size: i64,
    ) -> Result<i64, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence (sha256, file_name, media_type, size, org_path, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(sha256.to_string())
        .bind(file_name.to_string())
        .bind(media_type.to_string())
        .bind(size)
        .bind(viewer.scope.as_str().to_string())
        .bind(viewer.user_id)
        .bind(now_text())
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEvent::ok("evidence.upload", "evidence", id)
                .after(json!({"sha256": sha256, "file_name": file_name, "size": size})),
        )
        .await?;
        Ok(id)
    }

    /// Sign off a problem (两级销号): every measure closed, and the office's tier allowed by severity.
    pub async fn sign_off_problem(
        &mut self,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        version: i64,
        policy: &rectify_core::access::SignOffPolicy,
    ) -> Result<Problem, StoreError> {
        if !viewer.role.may(rectify_core::access::Action::SignOff) {
            return Err(FieldError::new(
                "action",
                "forbidden",
                "当前角色无权销号 (role may not sign off)",
            )
            .into());
        }
        let (p, insp) = self.problem_at(viewer, id, version).await?;
        if p.signed_off_at.is_some() {
            return Err(FieldError::new(
                "action",
                "already_signed_off",
                "该问题已销号 (already signed off)",
            )
            .into());
        }
        if !policy.may_sign_off(&viewer.scope, &insp.org_path, p.severity) {
            return Err(FieldError::new("action", "tier_required", "该严重程度的问题须由上级整改办销号 (this severity needs the inspecting body's office)").into());
        }
        let facts = self.measure_facts(id).await?;
        if !progress::can_sign_off(&facts) {
            return Err(FieldError::new(
                "action",
                "measures_open",
                "尚有整改措施未销号 (some measures are not closed)",
            )
            .into());
        }
        sqlx::query("UPDATE problem SET signed_off_at = $1, signed_off_by = $2, version = version + 1 WHERE id = $3 AND version = $4")
            .bind(now_text())
            .bind(viewer.user_id)
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        let after = self.problem(id).await?;
        self.audit(
            actor,
            AuditEvent::ok("problem.sign_off", "problem", id)
                .after(json!({"signed_off_by": viewer.user_id, "version": after.version})),
        )
        .await?;
        Ok(after)
    }

    async fn measure_facts(&mut self, problem_id: i64) -> Result<Vec<MeasureFacts>, StoreError> {
        let rows = sqlx::query("SELECT kind, state, deadline FROM measure WHERE problem_id = $1")
            .bind(problem_id)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(facts).collect()
    }
}

fn facts(row: &sqlx::any::AnyRow) -> Result<MeasureFacts, StoreError> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    Ok(MeasureFacts {
        kind: MeasureKind::parse(&kind).unwrap_or(MeasureKind::TimeBound),
        state: MeasureState::parse(&state).unwrap_or(MeasureState::Draft),
        deadline: date_opt(row, "deadline")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewReport {
    pub measure_ids: Vec<i64>,
    pub text: String,
    pub percent: i64,
    pub reported_on: NaiveDate,
    pub evidence_ids: Vec<i64>,
    pub submit: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub reported_on: String,
    pub text: String,
    pub percent: i64,
    pub author_id: i64,
    pub measure_ids: Vec<i64>,
    pub evidence: Vec<EvidenceView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InspectionStats {
    pub inspection_id: i64,
    pub problems: Stats,
    pub completion_rate: Option<String>,
    pub measures_total: i64,
    pub measures_closed: i64,
    pub measures_overdue: i64,
}

impl Store {
    pub async fn rounds(&self, scope: &OrgPath) -> Result<Vec<Round>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.organisation_id, r.name, r.year, r.version FROM round r JOIN organisation o ON o.id = r.organisation_id \
             WHERE o.path >= $1 AND o.path < $2 ORDER BY r.id",
        )
        .bind(scope.as_str().to_string())
        .bind(scope.upper_bound())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Round {
                    id: r.try_get("id")?,
                    organisation_id: r.try_get("organisation_id")?,
                    name: r.try_get("name")?,
                    year: r.try_get("year")?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    /// Inspections the viewer may see: of organisations in its scope, or (for an office above) below it.
    pub async fn inspections(&self, viewer: &Viewer) -> Result<Vec<Inspection>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM inspection WHERE org_path >= $1 AND org_path < $2 ORDER BY id",
        )
        .bind(viewer.scope.as_str().to_string())
        .bind(viewer.scope.upper_bound())
        .fetch_all(self.pool())
        .await?;
        let mut v: Vec<Inspection> = rows.iter().map(inspection).collect::<Result<_, _>>()?;
        // Units below the inspected organisation see the inspections they have measures in.
        if v.is_empty() {
            let rows = sqlx::query(
                "SELECT * FROM inspection i WHERE EXISTS (SELECT 1 FROM measure m WHERE m.inspection_id = i.id AND m.org_path >= $1 AND m.org_path < $2) ORDER BY id",
            )
            .bind(viewer.scope.as_str().to_string())
            .bind(viewer.scope.upper_bound())
            .fetch_all(self.pool())
            .await?;
            v = rows.iter().map(inspection).collect::<Result<_, _>>()?;
        }
        Ok(v)
    }

    pub async fn inspection_for(&self, viewer: &Viewer, id: i64) -> Result<Inspection, StoreError> {
        let row = sqlx::query("SELECT * FROM inspection WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("inspection", id))?;
        let i = inspection(&row)?;
        if viewer.sees_path(&i.org_path) {
            return Ok(i);
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM measure WHERE inspection_id = $1 AND org_path >= $2 AND org_path < $3")
            .bind(id)
            .bind(viewer.scope.as_str().to_string())
            .bind(viewer.scope.upper_bound())
            .fetch_one(self.pool())
            .await?;
        if n > 0 {
            Ok(i)
        } else {
            Err(StoreError::not_found("inspection", id))
        }
    }

    /// The inspection an aspect belongs to, when the viewer may see it (else NotFound).
    pub async fn inspection_of_aspect(
        &self,
        viewer: &Viewer,
        aspect_id: i64,
    ) -> Result<Inspection, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT inspection_id FROM aspect WHERE id = $1")
            .bind(aspect_id)
            .fetch_optional(self.pool())
            .await?;
        let id = id.ok_or_else(|| StoreError::not_found("aspect", aspect_id))?;
        self.inspection_for(viewer, id)
            .await
            .map_err(|_| StoreError::not_found("aspect", aspect_id))
    }

    pub async fn aspects(&self, inspection_id: i64) -> Result<Vec<Aspect>, StoreError> {
        let rows = sqlx::query("SELECT id, inspection_id, seq, marker, title FROM aspect WHERE inspection_id = $1 ORDER BY seq")
            .bind(inspection_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Aspect {
                    id: r.try_get("id")?,
                    inspection_id: r.try_get("inspection_id")?,
                    seq: r.try_get("seq")?,
                    marker: r.try_get("marker")?,
                    title: r.try_get("title")?,
                })
            })
            .collect()
    }

    pub async fn problems(&self, inspection_id: i64) -> Result<Vec<Problem>, StoreError> {
        let rows = sqlx::query("SELECT p.* FROM problem p JOIN aspect a ON a.id = p.aspect_id WHERE p.inspection_id = $1 ORDER BY a.seq, p.seq")
            .bind(inspection_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(problem).collect()
    }

    pub async fn problem_for(&self, viewer: &Viewer, id: i64) -> Result<Problem, StoreError> {
        let row = sqlx::query("SELECT * FROM problem WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("problem", id))?;
        let p = problem(&row)?;
        self.inspection_for(viewer, p.inspection_id)
            .await
            .map_err(|_| StoreError::not_found("problem", id))?;
        Ok(p)
    }

    /// One measure, or NotFound when outside the viewer's scope.
    pub async fn measure_for(&self, viewer: &Viewer, id: i64) -> Result<MeasureView, StoreError> {
        let mut w = Where::default();
        w.and("m.id =", id);
        viewer.scope_measures(&mut w);
        let sql = format!(
            "SELECT {MEASURE_COLUMNS}, u.name AS unit_name, p.name AS owner_name FROM measure m \
             LEFT JOIN organisation u ON u.id = m.responsible_unit_id LEFT JOIN person p ON p.id = m.owner_id WHERE 1 = 1{}",
            w.sql
        );
        let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("measure", id))?;
        view(&row, today())
    }

    /// Filtered, sorted page of measures in the viewer's scope.
    pub async fn measures(
        &self,
        viewer: &Viewer,
        f: &MeasureFilter,
    ) -> Result<Page<MeasureView>, StoreError> {
        let today = today();
        let mut w = Where::default();
        viewer.scope_measures(&mut w);
        if let Some(v) = f.inspection_id {
            w.and("m.inspection_id =", v);
        }
        if let Some(v) = f.round_id {
            w.and(
                "m.inspection_id IN (SELECT id FROM inspection WHERE round_id =",
                v,
            );
            w.sql.push(')');
        }
        if let Some(v) = f.unit_id {
            // Also by the unit's path (a measure's org_path is its responsible unit's), which
            // the org_path index serves.
            w.and("m.responsible_unit_id =", v);
            w.and("m.org_path = (SELECT path FROM organisation WHERE id =", v);
            w.sql.push(')');
        }
        if let Some(v) = f.state {
            w.and("m.state =", v.as_str());
        }
        if let Some(v) = f.kind {
            w.and("m.kind =", v.as_str());
        }
        if let Some(v) = f.owner_id {
            w.and("m.owner_id =", v);
        }
        if let Some(v) = f.deadline_from {
            w.and("m.deadline >=", v.format("%Y-%m-%d").to_string());
        }
        if let Some(v) = f.deadline_to {
            w.and("m.deadline <=", v.format("%Y-%m-%d").to_string());
        }
        match f.overdue {
            Some(true) => {
                w.and("m.deadline <", today.format("%Y-%m-%d").to_string());
                w.raw("m.state NOT IN ('closed', 'closed_ongoing', 'draft')");
            }
            Some(false) => {
                w.and("(m.deadline IS NULL OR m.state IN ('closed', 'closed_ongoing', 'draft') OR m.deadline >=", today.format("%Y-%m-%d").to_string());
                w.sql.push(')');
            }
            None => {}
        }
        let per_page = f.per_page.clamp(1, 500);
        let page = f.page.max(1);
        let order = match f.sort.unwrap_or(MeasureSort::Id) {
            MeasureSort::Id => "m.id",
            MeasureSort::Deadline => "m.deadline",
            MeasureSort::State => "m.state",
            MeasureSort::Updated => "m.updated_at",
        };
        let dir = if f.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {MEASURE_COLUMNS}, u.name AS unit_name, p.name AS owner_name FROM measure m \
             LEFT JOIN organisation u ON u.id = m.responsible_unit_id LEFT JOIN person p ON p.id = m.owner_id \
             WHERE 1 = 1{} ORDER BY {order} {dir}, m.id {dir} LIMIT {per_page} OFFSET {}",
            w.sql,
            (page - 1) * per_page
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(self.pool())
            .await?;
        let items = rows
            .iter()
            .map(|r| view(r, today))
            .collect::<Result<Vec<_>, _>>()?;
        // A first page that is not full already tells the total: skip the COUNT.
        let total: i64 = if page == 1 && (items.len() as i64) < per_page {
            items.len() as i64
        } else {
            let count_sql = format!("SELECT COUNT(*) FROM measure m WHERE 1 = 1{}", w.sql);
            bind_all(sqlx::query(AssertSqlSafe(count_sql)), &w.params)
                .fetch_one(self.pool())
                .await?
                .try_get(0)?
        };
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    pub async fn reports_for_measure(
        &self,
        viewer: &Viewer,
        measure_id: i64,
    ) -> Result<Vec<ReportView>, StoreError> {
        self.measure_for(viewer, measure_id).await?;
        let rows = sqlx::query(
            "SELECT r.id, r.reported_on, r.text, r.percent, r.author_id FROM progress_report r JOIN report_measure rm ON rm.report_id = r.id \
             WHERE rm.measure_id = $1 ORDER BY r.reported_on DESC, r.id DESC",
        )
        .bind(measure_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let measure_ids: Vec<i64> = sqlx::query_scalar(
                "SELECT measure_id FROM report_measure WHERE report_id = $1 ORDER BY measure_id",
            )
            .bind(id)
            .fetch_all(self.pool())
            .await?;
            out.push(ReportView {
                id,
                reported_on: r.try_get("reported_on")?,
                text: r.try_get("text")?,
                percent: r.try_get("percent")?,
                author_id: r.try_get("author_id")?,
                measure_ids,
                evidence: self.evidence_of_report(id).await?,
            });
        }
        Ok(out)
    }

    async fn evidence_of_report(&self, report_id: i64) -> Result<Vec<EvidenceView>, StoreError> {
        let rows = sqlx::query("SELECT id, sha256, file_name, media_type, size FROM evidence WHERE report_id = $1 ORDER BY id")
            .bind(report_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EvidenceView {
                    id: r.try_get("id")?,
                    sha256: r.try_get("sha256")?,
                    file_name: r.try_get("file_name")?,
                    media_type: r.try_get("media_type")?,
                    size: r.try_get("size")?,
                })
            })
            .collect()
    }

    /// Evidence metadata, when the viewer uploaded it or can see a measure it supports.
    pub async fn evidence_for(&self, viewer: &Viewer, id: i64) -> Result<EvidenceView, StoreError> {
        let row = sqlx::query("SELECT id, sha256, file_name, media_type, size, report_id, uploaded_by FROM evidence WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("evidence", id))?;
        let report_id: Option<i64> = row.try_get("report_id")?;
        let uploader: i64 = row.try_get("uploaded_by")?;
        let visible = uploader == viewer.user_id
            || match report_id {
                Some(r) => {
                    let ms: Vec<i64> = sqlx::query_scalar(
                        "SELECT measure_id FROM report_measure WHERE report_id = $1",
                    )
                    .bind(r)
                    .fetch_all(self.pool())
                    .await?;
                    let mut any = false;
                    for m in ms {
                        if self.measure_for(viewer, m).await.is_ok() {
                            any = true;
                            break;
                        }
                    }
                    any
                }
                None => false,
            };
        if !visible {
            return Err(StoreError::not_found("evidence", id));
        }
        Ok(EvidenceView {
            id,
            sha256: row.try_get("sha256")?,
            file_name: row.try_get("file_name")?,
            media_type: row.try_get("media_type")?,
            size: row.try_get("size")?,
        })
    }

    /// Public statistics for one inspection, derived from measures now.
    pub async fn inspection_stats(
        &self,
        viewer: &Viewer,
        inspection_id: i64,
    ) -> Result<InspectionStats, StoreError> {
        self.inspection_for(viewer, inspection_id).await?;
        let today = today();
        let problems = self.problems(inspection_id).await?;
        let rows = sqlx::query("SELECT problem_id, kind, state, deadline FROM measure WHERE inspection_id = $1 ORDER BY problem_id")
            .bind(inspection_id)
            .fetch_all(self.pool())
            .await?;
        let mut by_problem: std::collections::HashMap<i64, Vec<MeasureFacts>> =
            std::collections::HashMap::new();
        for r in &rows {
            by_problem
                .entry(r.try_get("problem_id")?)
                .or_default()
                .push(facts(r)?);
        }
        let mut stats = Stats::default();
        let (mut total, mut closed, mut overdue) = (0, 0, 0);
        for fs in by_problem.values() {
            for f in fs {
                total += 1;
                closed += i64::from(f.state.is_closed());
                overdue += i64::from(progress::is_overdue(f.state, f.deadline, today));
            }
        }
        for p in &problems {
            let fs = by_problem.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
            let pp: ProblemProgress =
                progress::problem_progress(p.signed_off_at.is_some(), fs, today);
            stats.add(pp);
        }
        Ok(InspectionStats {
            inspection_id,
            completion_rate: stats.completion_rate_text(),
            problems: stats,
            measures_total: total,
            measures_closed: closed,
            measures_overdue: overdue,
        })
    }

    /// Row count of one of a few tables (tests and tools).
    pub async fn count(&self, table: &'static str) -> Result<i64, StoreError> {
        let sql = match table {
            "measure" => "SELECT COUNT(*) FROM measure",
            "problem" => "SELECT COUNT(*) FROM problem",
            "inspection" => "SELECT COUNT(*) FROM inspection",
            "audit_log" => "SELECT COUNT(*) FROM audit_log",
            "app_user" => "SELECT COUNT(*) FROM app_user",
            _ => return Err(StoreError::Config(format!("no count for {table}"))),
        };
        Ok(sqlx::query_scalar(sql).fetch_one(self.pool()).await?)
    }
}

fn view(row: &sqlx::any::AnyRow, today: NaiveDate) -> Result<MeasureView, StoreError> {
    let m = measure(row)?;
    Ok(MeasureView {
        overdue: progress::is_overdue(m.state, m.deadline, today),
        responsible_unit: row.try_get("unit_name")?,
        owner: row.try_get("owner_name")?,
        measure: m,
    })
}
