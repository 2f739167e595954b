//! Ledger import (整改台账导入): plan and apply the rows of an xlsx/CSV ledger against an
//! inspection. [`plan_context`] then [`plan_with`] are the dry run (the first reads the
//! inspection's ledger, so a caller can run it while the file is still being parsed; the second
//! reads nothing); [`apply`] carries a plan out in one [`WriteTx`], each created or changed row
//! with its audit row, plus one summary row. Nothing is deleted.
//!
//! # Matching rule
//!
//! - **Aspect** (方面): by title (markers, blanks and full-width forms folded, see
//!   [`crate::import::normalise`]); a new title creates an aspect.
//! - **Problem** (问题): one of the ledger's unmatched problems with the same text (folded).
//!   When several have it, the choice goes to the one holding the most of the rows' measures
//!   as they are (text, owner, deadline …), then the most measure texts, then one in the same
//!   aspect, then the one whose running number in the ledger (aspects in order, problems in
//!   order within each, counted across the inspection — the number the export writes) equals
//!   the file's 序号, then the first in ledger order. Several candidates and none of these
//!   signs, or no candidate: the row starts a new problem. So ledgers numbered per aspect,
//!   files holding several ledgers (序号 starting again) and files re-imported after a
//!   partial import all match again the same way. A problem's title is never changed by an
//!   import: an edited title is a new problem, and the old one is reported absent (kept).
//! - **Measure** (整改措施), within a matched problem: first the same measure as a whole,
//!   then by text (folded), then by position (the n-th measure row of the problem ↔ the
//!   ledger's n-th measure, if still unmatched: its text is replaced); anything left creates
//!   a measure.
//! - Fields of a matched measure change only where the file says something: an empty 责任单位,
//!   责任人, 完成时限 or 备注 cell leaves the ledger's value alone; 整改类型 changes when given
//!   (or implied by 长期坚持 / 立行立改 in 完成时限). 完成情况, 整改进展 and 佐证材料 are never
//!   written: states change only through the state machine.
//! - **Names**: 责任单位 is matched by name among the inspected organisation's units (several
//!   names separated by 、 , ; / : the first is responsible, the rest co-operating units);
//!   责任领导 and 责任人 by name among its people (a name held twice is settled by the row's
//!   unit). An unknown or ambiguous name is a row problem: an office cannot create units or
//!   people (that is the system administrator's job under 三员分立), and guessing would
//!   assign work to the wrong person.
//!
//! Nothing is written unless every row is valid, or the caller accepts only the valid rows
//! (`accept_valid`). Re-importing the same file plans no change and writes nothing (no audit
//! rows, no version bumps).

/// The import's maps, keyed by texts read from the file, under a fast seeded hasher (SipHash
/// took about 4% of the CPU of a city-scale dry run; foldhash, a tenth of that).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use chrono::NaiveDate;
use rectify_core::FieldError;
use rectify_core::access::Action;
use rectify_core::ledger::{self, Measure, MeasureKind, Severity};
use rectify_core::state::MeasureState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::audit::{Actor, AuditEvent};
use crate::bulk::V;
use crate::import::normalise;
use crate::{Dialect, MeasurePatch, Store, StoreError, Viewer, WriteTx};

/// One row read from the file (the reader's output, without office types).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncomingRow {
    pub sheet: String,
    /// 1-based row as the user sees it.
    pub row: u32,
    /// 序号
    pub problem_no: u32,
    pub aspect: String,
    pub problem: String,
    pub measure: String,
    pub kind: MeasureKind,
    /// 整改类型 given in the file (else derived from the deadline wording).
    pub kind_given: bool,
    pub leader: Option<String>,
    pub unit: Option<String>,
    pub owner: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub remarks: Option<String>,
}

/// A problem with one row, named by sheet, row and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowIssue {
    pub sheet: String,
    pub row: u32,
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for RowIssue {
    /// `第12行 完成时限: 无法识别 '下月'`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "第{}行 {}: {}", self.row, c, self.message),
            None => write!(f, "第{}行: {}", self.row, self.message),
        }
    }
}

/// What importing does with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Changed,
    Unchanged,
}

/// One field a changed row changes, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A valid row and what importing does with it, with every name resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowPlan {
    pub sheet: String,
    pub row: u32,
    pub action: RowAction,
    pub problem_no: u32,
    pub aspect: String,
    /// The existing aspect, or `null` when the import creates it.
    pub aspect_id: Option<i64>,
    pub problem: String,
    /// The matched problem, or `null` when the import creates it.
    pub problem_id: Option<i64>,
    pub measure_id: Option<i64>,
    pub version: Option<i64>,
    pub changes: Vec<FieldChange>,
    pub text: String,
    pub kind: MeasureKind,
    pub unit_id: Option<i64>,
    pub co_unit_ids: Vec<i64>,
    pub leader_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub remarks: Option<String>,
}

/// Counts of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerImportCounts {
    pub aspects_created: usize,
    pub problems_created: usize,
    pub problems_matched: usize,
    /// Problems of the ledger no row matched (kept).
    pub problems_absent: usize,
    pub measures_created: usize,
    pub measures_changed: usize,
    pub measures_unchanged: usize,
    /// Measures of matched problems no row matched (kept).
    pub measures_absent: usize,
    /// Distinct rows (sheet, row) with at least one problem, the reader's included.
    pub invalid_rows: usize,
}

/// What importing a ledger file into an inspection would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerImportPlan {
    pub inspection_id: i64,
    pub counts: LedgerImportCounts,
    /// Valid rows, in file order.
    pub rows: Vec<RowPlan>,
    /// Every problem (the reader's and the name resolution's), by row.
    pub problems: Vec<RowIssue>,
    /// Remarks that block nothing (e.g. a 序号 that differs from the ledger's).
    pub notes: Vec<String>,
}

impl LedgerImportPlan {
    /// Would applying write anything?
    pub fn is_noop(&self) -> bool {
        self.rows.iter().all(|r| r.action == RowAction::Unchanged)
    }
}

/// What [`apply`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerImportApplied {
    pub aspects_created: usize,
    pub problems_created: usize,
    pub measures_created: usize,
    pub measures_changed: usize,
}

#[derive(Debug)]
struct LedgerMeasure {
    id: i64,
    problem_id: i64,
    text: String,
    kind: MeasureKind,
    unit: Option<i64>,
    co_units: Vec<i64>,
    leader: Option<i64>,
    owner: Option<i64>,
    deadline: Option<NaiveDate>,
    remarks: Option<String>,
    version: i64,
}

/// Split a cell naming several units or people: 、 , ， ; ； / and line breaks.
fn names(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', '/', '\n'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn fold_name(s: &str) -> String {
    normalise(s)
}

/// [`normalise`] remembering its last input: a ledger repeats its problem's and aspect's text
/// on every measure's row, and 100,000 rows would fold the same text over and over.
#[derive(Default)]
struct Fold {
    last: Option<(String, String)>,
}

impl Fold {
    fn key(&mut self, text: &str) -> String {
        match &self.last {
            Some((raw, key)) if raw == text => key.clone(),
            _ => {
                let key = normalise(text);
                self.last = Some((text.to_string(), key.clone()));
                key
            }
        }
    }
}

/// What a plan compares the file with: the inspection's ledger and the names of the units and
/// people inside the inspected organisation. Read by [`plan_context`] (which checks the
/// viewer may import), so a caller can read it while the file is still being parsed.
pub struct PlanContext {
    inspection_id: i64,
    feedback_on: Option<NaiveDate>,
    aspects: Vec<crate::Aspect>,
    problems: Vec<crate::Problem>,
    measures: Vec<LedgerMeasure>,
    names: Names,
}

/// Read what [`plan_with`] needs, after checking that `viewer` may import into the inspection.
pub async fn plan_context(
    store: &Store,
    viewer: &Viewer,
    inspection_id: i64,
) -> Result<PlanContext, StoreError> {
    if !viewer.role.may(Action::EditPlan) {
        return Err(FieldError::new(
            "inspection_id",
            "forbidden",
            "当前角色不能导入台账 (role may not import a ledger)",
        )
        .into());
    }
    let insp = store.inspection_for(viewer, inspection_id).await?;
    if !viewer.scope.contains(&insp.org_path) {
        return Err(StoreError::not_found("inspection", inspection_id));
    }
    let aspects = store.aspects(inspection_id).await?;
    let problems = store.problems(inspection_id).await?;
    // The inspection's measures in one JSON document (a re-import reads every one of them),
    // in ledger order (problem, seq, id) sorted here.
    #[derive(Deserialize)]
    struct MeasureRow {
        id: i64,
        problem_id: i64,
        seq: i64,
        text: String,
        kind: String,
        unit: Option<i64>,
        co_units: String,
        leader: Option<i64>,
        owner: Option<i64>,
        deadline: Option<String>,
        remarks: Option<String>,
        version: i64,
    }
    let mut mrows: Vec<MeasureRow> = crate::row::fetch_json_rows(
        store.pool(),
        crate::row::json_rows(
            store.dialect(),
            "id, problem_id, seq, text, kind, responsible_unit_id, co_unit_ids, leader_id, \
             owner_id, deadline, remarks, version",
            "measure WHERE inspection_id = $1",
        ),
        &[inspection_id.into()],
    )
    .await?;
    mrows.sort_unstable_by_key(|r| (r.problem_id, r.seq, r.id));
    let measures: Vec<LedgerMeasure> = mrows
        .into_iter()
        .map(|r| LedgerMeasure {
            id: r.id,
            problem_id: r.problem_id,
            text: r.text,
            kind: MeasureKind::parse(&r.kind).unwrap_or(MeasureKind::TimeBound),
            unit: r.unit,
            co_units: serde_json::from_str(&r.co_units).unwrap_or_default(),
            leader: r.leader,
            owner: r.owner,
            deadline: r
                .deadline
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            remarks: r.remarks,
            version: r.version,
        })
        .collect();
    let orgs = store.organisations_in(&insp.org_path).await?;
    let people = store.people_in(&insp.org_path).await?;
    let aliases = store.unit_names().await?.aliases;
    let mut names = Names::default();
    for o in &orgs {
        names.org_path.insert(o.id, o.path.as_str().to_string());
        for a in aliases.get(&o.id).into_iter().flatten() {
            let ids = names.units.entry(fold_name(a)).or_default();
            if !ids.contains(&o.id) {
                ids.push(o.id);
            }
        }
    }
    for p in &people {
        names
            .people
            .entry(fold_name(&p.name))
            .or_default()
            .push((p.id, p.organisation_id));
    }
    Ok(PlanContext {
        inspection_id,
        feedback_on: insp.dates.feedback_on,
        aspects,
        problems,
        measures,
        names,
    })
}

/// Plan the import of `rows` against `context` (pure: nothing is read or written).
pub fn plan_with(
    context: PlanContext,
    mut rows: Vec<IncomingRow>,
    reader_problems: Vec<RowIssue>,
) -> LedgerImportPlan {
    let PlanContext {
        inspection_id,
        feedback_on,
        aspects,
        problems,
        measures,
        names,
    } = context;
    let mut out = LedgerImportPlan {
        inspection_id,
        counts: LedgerImportCounts::default(),
        rows: Vec::with_capacity(rows.len()),
        problems: reader_problems,
        notes: Vec::new(),
    };

    // Ledger problems: running number (序号) and folded text.
    let problem_keys: Vec<(u32, String)> = problems
        .iter()
        .enumerate()
        .map(|(i, p)| (i as u32 + 1, normalise(&p.title)))
        .collect();
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, (_, t)) in problem_keys.iter().enumerate() {
        by_text.entry(t.as_str()).or_default().push(i);
    }
    let aspect_by_id: HashMap<i64, &str> =
        aspects.iter().map(|a| (a.id, a.title.as_str())).collect();
    let aspect_key: HashMap<i64, String> = aspects
        .iter()
        .map(|a| (a.id, normalise(&a.title)))
        .collect();
    let mut aspect_by_title: HashMap<String, i64> = HashMap::default();
    for a in &aspects {
        aspect_by_title.entry(normalise(&a.title)).or_insert(a.id);
    }
    let measure_key: Vec<String> = measures.iter().map(|m| normalise(&m.text)).collect();
    let mut measures_of: HashMap<i64, Vec<usize>> = HashMap::default();
    for (i, m) in measures.iter().enumerate() {
        measures_of.entry(m.problem_id).or_default().push(i);
    }

    // Group the file's rows by problem (序号 + folded text), in first-seen order.
    let mut groups: Vec<((u32, String), Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<(u32, String), usize> = HashMap::default();
    let mut fold = Fold::default();
    for (i, r) in rows.iter().enumerate() {
        let key = (r.problem_no, fold.key(&r.problem));
        match group_of.get(&key) {
            Some(&g) => groups[g].1.push(i),
            None => {
                group_of.insert(key.clone(), groups.len());
                groups.push((key, vec![i]));
            }
        }
    }

    let mut problem_used = vec![false; problems.len()];
    let mut measure_used = vec![false; measures.len()];
    let mut new_aspects: HashSet<String> = HashSet::default();
    // Resolve each row's names and checks first; invalid rows drop out.
    let mut row_ok = vec![true; rows.len()];
    let mut resolved: Vec<Resolved> = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut issues = Vec::new();
        let res = resolve(r, &names, feedback_on, &mut issues);
        if !issues.is_empty() {
            row_ok[resolved.len()] = false;
            out.problems.extend(issues);
        }
        resolved.push(res);
    }

    // Keep the file's sheet order rather than sheet names' order.
    let sheet_order: HashMap<String, usize> = {
        let mut m = HashMap::default();
        for r in &rows {
            let n = m.len();
            m.entry(r.sheet.clone()).or_insert(n);
        }
        m
    };
    for ((no, ptext), idxs) in &groups {
        let idxs: Vec<usize> = idxs.iter().copied().filter(|i| row_ok[*i]).collect();
        if idxs.is_empty() {
            continue;
        }
        let (first_row, first_aspect) = (rows[idxs[0]].row, &rows[idxs[0]].aspect);
        // The ledger's unused problems with this text: the candidates.
        let unused: Vec<usize> = by_text
            .get(ptext.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| !problem_used[i])
            .collect();
        // The rows' measure texts, folded: they choose the problem, then its measures (so a
        // problem no ledger problem shares its text with, a new one, needs none of them).
        let texts: Vec<String> = if unused.is_empty() {
            Vec::new()
        } else {
            idxs.iter().map(|&i| normalise(&rows[i].measure)).collect()
        };
        // The problem (the module doc's rule): of the unused ledger problems with this text,
        // by the score below, then the first in ledger order (which keeps the file's order
        // for problems an import made).
        let found = {
            let aspect = normalise(first_aspect);
            // Score: rows with an identical measure there, rows with a measure of the same
            // text, same aspect, same 序号 (a template's text recurs across problems; the
            // measure as a whole — owner, deadline … — rarely does).
            let mut best: Option<((usize, usize, bool, bool), usize)> = None;
            for &i in unused.iter().filter(|_| unused.len() > 1) {
                let ms = measures_of
                    .get(&problems[i].id)
                    .map_or(&[][..], Vec::as_slice);
                let (mut same, mut shared) = (0, 0);
                for (k, t) in texts.iter().enumerate() {
                    let ri = idxs[k];
                    let mut text_found = false;
                    for &mi in ms.iter().filter(|&&mi| measure_key[mi] == *t) {
                        text_found = true;
                        if unchanged(&measures[mi], &measure_key[mi], &rows[ri], t, &resolved[ri]) {
                            same += 1;
                            break;
                        }
                    }
                    shared += usize::from(text_found);
                }
                let score = (
                    same,
                    shared,
                    aspect_key.get(&problems[i].aspect_id) == Some(&aspect),
                    problem_keys[i].0 == *no,
                );
                if best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, i));
                }
                // Every row's measure there as it is, in the same aspect: none scores higher.
                if same == texts.len() && score.2 {
                    break;
                }
            }
            match unused.as_slice() {
                [] => None,
                [only] => Some(*only),
                _ => best
                    .filter(|((same, shared, same_aspect, same_no), _)| {
                        *same > 0 || *shared > 0 || *same_aspect || *same_no
                    })
                    .map(|(_, i)| i),
            }
        };
        let (problem_id, aspect_id, aspect_title) = match found {
            Some(i) => {
                problem_used[i] = true;
                out.counts.problems_matched += 1;
                if problem_keys[i].0 != *no {
                    out.notes.push(format!(
                        "第{}行: 问题「{}」的序号 {} 与台账中的 {} 不同, 按问题内容匹配",
                        first_row, problems[i].title, no, problem_keys[i].0
                    ));
                }
                let p = &problems[i];
                (
                    Some(p.id),
                    Some(p.aspect_id),
                    aspect_by_id
                        .get(&p.aspect_id)
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                )
            }
            None => {
                out.counts.problems_created += 1;
                let key = normalise(first_aspect);
                let id = aspect_by_title.get(&key).copied();
                if id.is_none() && new_aspects.insert(key) {
                    out.counts.aspects_created += 1;
                }
                (None, id, first_aspect.clone())
            }
        };
        // Its measures: the same measure as a whole, then the same text, then by position,
        // else new.
        let ledger_ms: Vec<usize> = problem_id
            .and_then(|p| measures_of.get(&p).cloned())
            .unwrap_or_default();
        let mut target: Vec<Option<usize>> = vec![None; idxs.len()];
        for whole in [true, false] {
            for (k, &ri) in idxs.iter().enumerate() {
                if target[k].is_some() {
                    continue;
                }
                if let Some(&mi) = ledger_ms.iter().find(|&&mi| {
                    !measure_used[mi]
                        && measure_key[mi] == texts[k]
                        && (!whole
                            || unchanged(
                                &measures[mi],
                                &measure_key[mi],
                                &rows[ri],
                                &texts[k],
                                &resolved[ri],
                            ))
                }) {
                    measure_used[mi] = true;
                    target[k] = Some(mi);
                }
            }
        }
        for (k, slot) in target.iter_mut().enumerate() {
            if slot.is_none()
                && let Some(&mi) = ledger_ms.get(k)
                && !measure_used[mi]
            {
                measure_used[mi] = true;
                *slot = Some(mi);
            }
        }
        let problem_title = found
            .map(|i| problems[i].title.clone())
            .unwrap_or_else(|| rows[idxs[0]].problem.clone());
        for (k, &ri) in idxs.iter().enumerate() {
            let v = &resolved[ri];
            let matched = target[k].map(|mi| {
                let m = &measures[mi];
                (m, diff(m, &measure_key[mi], &rows[ri], &texts[k], v))
            });
            // The row's own text moves into its plan (a city ledger is 100 k rows).
            let r = &mut rows[ri];
            let mut plan = RowPlan {
                sheet: std::mem::take(&mut r.sheet),
                row: r.row,
                action: RowAction::Create,
                problem_no: *no,
                aspect: aspect_title.clone(),
                aspect_id,
                problem: problem_title.clone(),
                problem_id,
                measure_id: None,
                version: None,
                changes: Vec::new(),
                text: std::mem::take(&mut r.measure),
                kind: r.kind,
                unit_id: v.unit,
                co_unit_ids: v.co_units.clone(),
                leader_id: v.leader,
                owner_id: v.owner,
                deadline: r.deadline,
                remarks: r.remarks.take(),
            };
            match matched {
                None => out.counts.measures_created += 1,
                Some((m, changes)) => {
                    plan.measure_id = Some(m.id);
                    plan.version = Some(m.version);
                    plan.changes = changes;
                    // Keep what the file does not say.
                    if !plan.changes.iter().any(|c| c.field == "text") {
                        plan.text = m.text.clone();
                    }
                    if !plan.changes.iter().any(|c| c.field == "kind") {
                        plan.kind = m.kind;
                    }
                    if plan.changes.is_empty() {
                        plan.action = RowAction::Unchanged;
                        out.counts.measures_unchanged += 1;
                    } else {
                        plan.action = RowAction::Changed;
                        out.counts.measures_changed += 1;
                    }
                }
            }
            out.rows.push(plan);
        }
    }
    // Keys computed once per row, not once per comparison (each is a lookup by sheet name).
    out.rows
        .sort_by_cached_key(|r| (sheet_order.get(&r.sheet).copied().unwrap_or(0), r.row));
    out.counts.problems_absent = problem_used.iter().filter(|u| !**u).count();
    let problem_index: HashMap<i64, usize> = problems
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    out.counts.measures_absent = measures
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            !measure_used[*i]
                && problem_index
                    .get(&m.problem_id)
                    .is_some_and(|pi| problem_used[*pi])
        })
        .count();
    out.counts.invalid_rows = out
        .problems
        .iter()
        .map(|p| (p.sheet.as_str(), p.row))
        .collect::<HashSet<_>>()
        .len();
    out.problems
        .sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    out
}

#[derive(Debug, Clone)]
struct Resolved {
    unit: Option<i64>,
    co_units: Vec<i64>,
    leader: Option<i64>,
    owner: Option<i64>,
}

/// The inspected organisation's units and people by folded name, for `resolve`.
#[derive(Default)]
struct Names {
    /// Every alias of every unit (`unit_names::aliases`: "办公室", "江州市教育局办公室", …).
    units: HashMap<String, Vec<i64>>,
    /// (person, their organisation) by name.
    people: HashMap<String, Vec<(i64, i64)>>,
    org_path: HashMap<i64, String>,
}

impl Names {
    /// Among people of one name, the one in `unit`; failing that, the one in the nearest
    /// organisation above it (a bureau's leader for its office's measure).
    fn person_near(&self, many: &[(i64, i64)], unit: Option<i64>) -> Option<i64> {
        let unit = unit?;
        let in_unit: Vec<i64> = many
            .iter()
            .filter(|(_, org)| *org == unit)
            .map(|(id, _)| *id)
            .collect();
        match in_unit.as_slice() {
            [id] => return Some(*id),
            [] => {}
            _ => return None,
        }
        let unit_path = self.org_path.get(&unit)?;
        let mut above: Vec<(usize, i64)> = many
            .iter()
            .filter_map(|(id, org)| {
                let p = self.org_path.get(org)?;
                unit_path.starts_with(p.as_str()).then_some((p.len(), *id))
            })
            .collect();
        above.sort_unstable_by(|a, b| b.cmp(a));
        match above.as_slice() {
            [(_, id)] => Some(*id),
            [(deepest, id), (next, _), ..] if deepest > next => Some(*id),
            _ => None,
        }
    }
}

fn resolve(
    r: &IncomingRow,
    names: &Names,
    feedback_on: Option<NaiveDate>,
    issues: &mut Vec<RowIssue>,
) -> Resolved {
    let mut issue = |column: &str, code: &str, message: String| {
        issues.push(RowIssue {
            sheet: r.sheet.clone(),
            row: r.row,
            column: Some(column.to_string()),
            code: code.to_string(),
            message,
        })
    };
    let mut unit_ids = Vec::new();
    for n in r.unit.as_deref().map(self::names).unwrap_or_default() {
        match names.units.get(&fold_name(&n)).map(Vec::as_slice) {
            Some([id]) => unit_ids.push(*id),
            Some([_, _, ..]) => issue(
                "责任单位",
                "ambiguous_unit",
                format!("'{n}' 在被巡察单位中有多个同名单位 (请写明上级单位, 如 '某某局{n}')"),
            ),
            _ => issue(
                "责任单位",
                "unknown_unit",
                format!("被巡察单位中没有 '{n}' (请先由系统管理员建立)"),
            ),
        }
    }
    let unit = unit_ids.first().copied();
    let mut person = |column: &str, cell: Option<&str>| -> Option<i64> {
        let n = cell
            .map(self::names)
            .unwrap_or_default()
            .into_iter()
            .next()?;
        let cands = names
            .people
            .get(&fold_name(&n))
            .map(Vec::as_slice)
            .unwrap_or_default();
        match cands {
            [(id, _)] => Some(*id),
            [] => {
                issue(
                    column,
                    "unknown_person",
                    format!("被巡察单位中没有 '{n}' (请先由系统管理员建立)"),
                );
                None
            }
            many => {
                let near = names.person_near(many, unit);
                if near.is_none() {
                    issue(
                        column,
                        "ambiguous_person",
                        format!("'{n}' 有多人同名, 无法确定"),
                    );
                }
                near
            }
        }
    };
    let leader = person("责任领导", r.leader.as_deref());
    let owner = person("责任人", r.owner.as_deref());
    if let Some(d) = r.deadline
        && let Err(e) = ledger::check_deadline(d, feedback_on)
    {
        issue("完成时限", e.code, e.message);
    }
    if let Err(e) = ledger::measure_text(&r.measure) {
        issue("整改措施", e.code, e.message);
    }
    Resolved {
        unit,
        co_units: unit_ids.into_iter().skip(1).collect(),
        leader,
        owner,
    }
}

/// Whether `diff` would find nothing, without building the changes: `mkey` and `rkey` are
/// the measure's and the row's normalised texts (matching tries many pairs).
fn unchanged(m: &LedgerMeasure, mkey: &str, r: &IncomingRow, rkey: &str, v: &Resolved) -> bool {
    let implied = r.kind_given || r.kind != MeasureKind::TimeBound;
    mkey == rkey
        && !(implied && r.kind != m.kind)
        && (v.unit.is_none()
            || (v.unit == m.unit
                && m.co_units.len() == v.co_units.len()
                && m.co_units.iter().all(|u| v.co_units.contains(u))))
        && (v.leader.is_none() || v.leader == m.leader)
        && (v.owner.is_none() || v.owner == m.owner)
        && (r.deadline.is_none() || r.deadline == m.deadline)
        && (r.remarks.is_none() || r.remarks == m.remarks)
}

/// What importing `r` would change in `m`; `mkey` and `rkey` as for [`unchanged`].
fn diff(
    m: &LedgerMeasure,
    mkey: &str,
    r: &IncomingRow,
    rkey: &str,
    v: &Resolved,
) -> Vec<FieldChange> {
    let mut c = Vec::new();
    let mut push = |field: &str, old: Option<String>, new: Option<String>| {
        c.push(FieldChange {
            field: field.into(),
            old,
            new,
        })
    };
    if mkey != rkey {
        push("text", Some(m.text.clone()), Some(r.measure.clone()));
    }
    let implied = r.kind_given || r.kind != MeasureKind::TimeBound;
    if implied && r.kind != m.kind {
        push(
            "kind",
            Some(m.kind.as_str().into()),
            Some(r.kind.as_str().into()),
        );
    }
    let id = |v: Option<i64>| v.map(|i| i.to_string());
    if v.unit.is_some() && v.unit != m.unit {
        push("responsible_unit_id", id(m.unit), id(v.unit));
    }
    if v.unit.is_some() {
        let mut a = m.co_units.clone();
        let mut b = v.co_units.clone();
        a.sort_unstable();
        b.sort_unstable();
        if a != b {
            push(
                "co_unit_ids",
                Some(format!("{:?}", m.co_units)),
                Some(format!("{:?}", v.co_units)),
            );
        }
    }
    if v.leader.is_some() && v.leader != m.leader {
        push("leader_id", id(m.leader), id(v.leader));
    }
    if v.owner.is_some() && v.owner != m.owner {
        push("owner_id", id(m.owner), id(v.owner));
    }
    if r.deadline.is_some() && r.deadline != m.deadline {
        let d = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        push("deadline", d(m.deadline), d(r.deadline));
    }
    if r.remarks.is_some() && r.remarks != m.remarks {
        push("remarks", m.remarks.clone(), r.remarks.clone());
    }
    c
}

/// Carry a plan out in one write. Refused whole when the plan has problems, unless
/// `accept_valid` (then only its valid rows are written). A measure whose version moved
/// since the plan was made fails the whole import with a conflict.
///
/// New problems and measures go in through multi-row inserts (the bulk loader's), each with
/// its own `problem.create` / `measure.create` audit row, appended to the chain in batches; a
/// changed measure goes through [`WriteTx::update_measure`] (version checked, one audit row).
pub async fn apply(
    store: &Store,
    actor: &Actor,
    viewer: &Viewer,
    plan: &LedgerImportPlan,
    accept_valid: bool,
) -> Result<LedgerImportApplied, StoreError> {
    if !plan.problems.is_empty() && !accept_valid {
        return Err(FieldError::new(
            "file",
            "invalid_rows",
            format!(
                "文件有 {} 处问题, 未写入任何数据 (fix them, or accept only the valid rows)",
                plan.problems.len()
            ),
        )
        .into());
    }
    if plan.is_noop() {
        return Ok(LedgerImportApplied::default());
    }
    let started = std::time::Instant::now();
    let mut w = store.begin_large_write().await?;
    let out = apply_in(&mut w, store.dialect(), actor, viewer, plan).await;
    // Put the connection's settings back even when the import failed.
    let restored = w.end_large().await;
    let out = out?;
    restored?;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "ledger import: rows written"
    );
    w.commit().await?;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "ledger import: committed"
    );
    Ok(out)
}

/// A measure the import creates, before its id is known.
struct NewRow<'a> {
    plan: &'a RowPlan,
    problem_id: i64,
    seq: i64,
    path: String,
}

/// The columns of a created measure's row, in the order `apply_in` binds them.
const MEASURE_COLUMNS: [&str; 15] = [
    "id",
    "problem_id",
    "inspection_id",
    "org_path",
    "seq",
    "text",
    "kind",
    "state",
    "responsible_unit_id",
    "co_unit_ids",
    "leader_id",
    "owner_id",
    "deadline",
    "remarks",
    "updated_at",
];

/// A created measure as its audit row records it: the measure's fields, then its 备注 when it
/// has one. Written straight to text (not through a `serde_json::Value`, whose map would cost
/// an allocation per key on each of 100,000 rows); the keys come in the struct's order.
fn created_measure(plan: &LedgerImportPlan, c: &NewRow, id: i64) -> String {
    #[derive(Serialize)]
    struct Created<'a> {
        #[serde(flatten)]
        measure: &'a Measure,
        #[serde(skip_serializing_if = "Option::is_none")]
        remarks: Option<&'a str>,
    }
    let r = c.plan;
    let m = Measure {
        id,
        problem_id: c.problem_id,
        inspection_id: plan.inspection_id,
        seq: c.seq,
        text: r.text.clone(),
        kind: r.kind,
        state: MeasureState::Draft,
        responsible_unit_id: r.unit_id,
        lead_unit_id: None,
        co_unit_ids: r.co_unit_ids.clone(),
        leader_id: r.leader_id,
        owner_id: r.owner_id,
        liaison_id: None,
        deadline: r.deadline,
        percent: 0,
        version: 1,
    };
    serde_json::to_string(&Created {
        measure: &m,
        remarks: r.remarks.as_deref(),
    })
    .expect("a measure serialises")
}

async fn apply_in(
    w: &mut WriteTx,
    dialect: Dialect,
    actor: &Actor,
    viewer: &Viewer,
    plan: &LedgerImportPlan,
) -> Result<LedgerImportApplied, StoreError> {
    let mut out = LedgerImportApplied::default();
    let insp = w.inspection(plan.inspection_id).await?;
    let at = |r: &RowPlan, e: StoreError| -> StoreError {
        match e {
            StoreError::Invalid(f) => FieldError::new(
                format!("{} 第{}行: {}", r.sheet, r.row, f.field),
                f.code,
                f.message,
            )
            .into(),
            e => e,
        }
    };

    // Aspects (few): one by one, through the ordinary path.
    let mut aspect_ids: HashMap<String, i64> = HashMap::default();
    let mut aspect_fold = Fold::default();
    for r in plan.rows.iter().filter(|r| r.action == RowAction::Create) {
        if r.problem_id.is_some() || r.aspect_id.is_some() {
            continue;
        }
        let akey = aspect_fold.key(&r.aspect);
        if aspect_ids.contains_key(&akey) {
            continue;
        }
        let a = w
            .create_aspect(actor, plan.inspection_id, None, &r.aspect)
            .await
            .map_err(|e| at(r, e))?;
        out.aspects_created += 1;
        aspect_ids.insert(akey, a.id);
    }

    // New problems, numbered after each aspect's last.
    let mut next_problem_seq: HashMap<i64, i64> = HashMap::default();
    for row in sqlx::query(
        "SELECT aspect_id, MAX(seq) AS seq FROM problem WHERE inspection_id = $1 GROUP BY aspect_id",
    )
    .bind(plan.inspection_id)
    .fetch_all(w.conn())
    .await?
    {
        next_problem_seq.insert(row.try_get("aspect_id")?, row.try_get("seq")?);
    }
    // Each created row's problem key (序号, folded text), folded once.
    let mut problem_fold = Fold::default();
    let creating: Vec<(&RowPlan, (u32, String))> = plan
        .rows
        .iter()
        .filter(|r| r.action == RowAction::Create)
        .map(|r| (r, (r.problem_no, problem_fold.key(&r.problem))))
        .collect();
    let mut problem_ids: HashMap<(u32, String), usize> = HashMap::default();
    let mut new_problems: Vec<(i64, i64, String)> = Vec::new(); // aspect, seq, title
    for (r, pkey) in &creating {
        if r.problem_id.is_some() {
            continue;
        }
        if problem_ids.contains_key(pkey) {
            continue;
        }
        let aspect_id = r
            .aspect_id
            .or_else(|| aspect_ids.get(&aspect_fold.key(&r.aspect)).copied())
            .ok_or_else(|| StoreError::Config(format!("第{}行: aspect not created", r.row)))?;
        let title = rectify_core::text::bounded("title", &r.problem, rectify_core::text::TITLE_MAX)
            .map_err(|e| at(r, e.into()))?;
        let seq = next_problem_seq.entry(aspect_id).or_insert(0);
        *seq += 1;
        problem_ids.insert(pkey.clone(), new_problems.len());
        new_problems.push((aspect_id, *seq, title));
    }
    let severity = i64::from(Severity::GENERAL.level());
    let ids = crate::bulk::insert(
        w.conn(),
        dialect,
        "problem",
        &[
            "inspection_id",
            "aspect_id",
            "org_path",
            "seq",
            "title",
            "severity",
        ],
        new_problems
            .iter()
            .map(|(a, seq, title)| {
                vec![
                    V::Int(plan.inspection_id),
                    V::Int(*a),
                    V::Text(insp.org_path.as_str().to_string()),
                    V::Int(*seq),
                    V::Text(title.clone()),
                    V::Int(severity),
                ]
            })
            .collect(),
    )
    .await?;
    // The audit rows: the problems' sealed here, written with the measures'.
    let mut sealer = w.sealer(actor);
    for ((aspect_id, seq, title), id) in new_problems.into_iter().zip(&ids) {
        let p = crate::Problem {
            id: *id,
            inspection_id: plan.inspection_id,
            aspect_id,
            seq,
            title,
            detail: None,
            severity: Severity::GENERAL,
            signed_off_at: None,
            signed_off_by: None,
            version: 1,
        };
        sealer.seal("problem.create", "problem", *id, json!(p).to_string());
    }
    out.problems_created = ids.len();
    let problem_ids_in_order = ids;

    // New measures, numbered after each problem's last; the path is the responsible unit's
    // (inside the inspected organisation) or the inspected organisation's.
    let mut next_measure_seq: HashMap<i64, i64> = HashMap::default();
    for row in sqlx::query(
        "SELECT problem_id, MAX(seq) AS seq FROM measure WHERE inspection_id = $1 GROUP BY problem_id",
    )
    .bind(plan.inspection_id)
    .fetch_all(w.conn())
    .await?
    {
        next_measure_seq.insert(row.try_get("problem_id")?, row.try_get("seq")?);
    }
    let mut unit_path: HashMap<i64, String> = HashMap::default();
    for row in sqlx::query("SELECT id, path FROM organisation WHERE path >= $1 AND path < $2")
        .bind(insp.org_path.as_str().to_string())
        .bind(insp.org_path.upper_bound())
        .fetch_all(w.conn())
        .await?
    {
        unit_path.insert(row.try_get("id")?, row.try_get("path")?);
    }
    let mut creates: Vec<NewRow> = Vec::new();
    for (r, pkey) in &creating {
        let r = *r;
        let problem_id = match r.problem_id {
            Some(id) => id,
            None => problem_ids
                .get(pkey)
                .and_then(|i| problem_ids_in_order.get(*i).copied())
                .ok_or_else(|| StoreError::Config(format!("第{}行: problem not created", r.row)))?,
        };
        ledger::measure_text(&r.text).map_err(|e| at(r, e.into()))?;
        if let Some(d) = r.deadline {
            ledger::check_deadline(d, insp.dates.feedback_on).map_err(|e| at(r, e.into()))?;
        }
        if let Some(rm) = &r.remarks {
            rectify_core::text::bounded("remarks", rm, rectify_core::text::TEXT_MAX)
                .map_err(|e| at(r, e.into()))?;
        }
        let mut path = insp.org_path.as_str().to_string();
        for (i, u) in r.unit_id.iter().chain(&r.co_unit_ids).enumerate() {
            match unit_path.get(u) {
                Some(p) if i == 0 => path = p.clone(),
                Some(_) => {}
                None => {
                    return Err(at(
                        r,
                        FieldError::new(
                            "responsible_unit_id",
                            "out_of_scope",
                            "责任单位不属于被巡察单位 (unit outside the inspected organisation)",
                        )
                        .into(),
                    ));
                }
            }
        }
        let seq = next_measure_seq.entry(problem_id).or_insert(0);
        *seq += 1;
        creates.push(NewRow {
            plan: r,
            problem_id,
            seq: *seq,
            path,
        });
    }
    let now = crate::audit::now_text();
    let ids = crate::bulk::reserve_ids(w.conn(), dialect, "measure", creates.len()).await?;
    let created = creates.len().min(ids.len());
    // Built with their ids in place (not through bulk::insert_with_ids, which would copy each
    // of these rows once more on the way in).
    let mut rows = creates.iter().zip(&ids).map(|(c, id)| {
        let r = c.plan;
        vec![
            V::Int(*id),
            V::Int(c.problem_id),
            V::Int(plan.inspection_id),
            V::Text(c.path.clone()),
            V::Int(c.seq),
            V::Text(r.text.clone()),
            V::Text(r.kind.as_str().to_string()),
            V::Text(MeasureState::Draft.as_str().to_string()),
            V::from(r.unit_id),
            V::Text(json!(r.co_unit_ids).to_string()),
            V::from(r.leader_id),
            V::from(r.owner_id),
            V::from(r.deadline.map(|d| d.format("%Y-%m-%d").to_string())),
            V::from(r.remarks.clone()),
            V::Text(now.clone()),
        ]
    });
    // Statements of measures and of audit rows take turns, each built while the one before
    // executes: the measures' audit rows (JSON, hash chain) are sealed as their statements
    // are built, so none waits for all of them and they are never all held at once.
    let measures = crate::bulk::Insert::new(dialect, "measure", &MEASURE_COLUMNS);
    let audit = crate::audit::Sealer::insert(dialect);
    let mut sealed = 0;
    let mut measures_turn = true;
    let [measures_written, audit_written] = crate::bulk::execute_pipelined(w.conn(), || {
        let mut next_measures = || {
            let chunk: Vec<Vec<V>> = rows.by_ref().take(measures.per()).collect();
            measures.statement(chunk).map(|q| (0, q))
        };
        let mut next_audit = || {
            while sealer.pending() < audit.per() && sealed < created {
                let id = ids[sealed];
                sealer.seal(
                    "measure.create",
                    "measure",
                    id,
                    created_measure(plan, &creates[sealed], id),
                );
                sealed += 1;
            }
            audit.statement(sealer.take(audit.per())).map(|q| (1, q))
        };
        // Measures first, then by turns; when one kind runs out, the other's follow.
        let measures_now = measures_turn;
        measures_turn = !measures_turn;
        if measures_now {
            next_measures().or_else(next_audit)
        } else {
            next_audit().or_else(next_measures)
        }
    })
    .await?;
    crate::bulk::one_row_per_id("measure", measures_written, &ids)?;
    w.sealed_written(sealer, audit_written)?;
    out.measures_created = ids.len();
    tracing::debug!("ledger import: measures and their audit rows inserted");

    // Changed measures: one by one, each under its version.
    for r in plan.rows.iter().filter(|r| r.action == RowAction::Changed) {
        let (Some(id), Some(version)) = (r.measure_id, r.version) else {
            return Err(StoreError::Config(format!(
                "第{}行: plan lacks the measure's id",
                r.row
            )));
        };
        let has = |f: &str| r.changes.iter().any(|c| c.field == f);
        let patch = MeasurePatch {
            text: has("text").then(|| r.text.clone()),
            kind: has("kind").then_some(r.kind),
            responsible_unit_id: has("responsible_unit_id").then_some(r.unit_id),
            co_unit_ids: has("co_unit_ids").then(|| r.co_unit_ids.clone()),
            leader_id: has("leader_id").then_some(r.leader_id),
            owner_id: has("owner_id").then_some(r.owner_id),
            deadline: has("deadline").then_some(r.deadline),
            ..MeasurePatch::default()
        };
        let mut version = version;
        if !patch.fields().is_empty() {
            version = w
                .update_measure(actor, viewer, id, version, &patch)
                .await
                .map_err(|e| at(r, e))?
                .version;
        }
        if has("remarks") {
            w.set_measure_remarks(actor, id, version, r.remarks.as_deref())
                .await?;
        }
        out.measures_changed += 1;
    }
    w.audit(
        actor,
        AuditEvent::ok("ledger.import", "inspection", plan.inspection_id).after(json!({
            "counts": plan.counts,
            "applied": out,
            "problems": plan.problems.len(),
        })),
    )
    .await?;
    Ok(out)
}

/// How long a ledger file uploaded for a web dry run is kept for its confirmation.
pub const UPLOAD_TTL_SECS: i64 = 2 * 3600;
/// `meta` keys of kept uploads: this prefix and the SHA-256 of the upload's token.
const UPLOAD_PREFIX: &str = "ledger_upload.";
/// The first key after every `ledger_upload.…` key (`/` follows `.`).
const UPLOAD_PREFIX_END: &str = "ledger_upload/";

/// A ledger file kept between the web dry run and its confirmation: who uploaded it, for
/// which inspection, when, and the blob holding its bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeptUpload {
    user: i64,
    inspection: i64,
    name: String,
    blob: String,
    at: i64,
}

fn upload_key(token: &str) -> String {
    format!(
        "{UPLOAD_PREFIX}{}",
        crate::blobs::blob_key(token.as_bytes())
    )
}

impl Store {
    /// Keep an uploaded ledger file server-side for its confirmation and answer a random
    /// token naming it (only the token's hash is stored). The bytes go to the blob store;
    /// who may use the token (this user, this inspection, for [`UPLOAD_TTL_SECS`]) is a `meta`
    /// row. The user's earlier upload for the same inspection and every expired one are
    /// dropped (their blobs too, unless evidence or another upload holds the same bytes).
    pub async fn keep_ledger_upload(
        &self,
        user_id: i64,
        inspection_id: i64,
        name: &str,
        bytes: &[u8],
    ) -> Result<String, StoreError> {
        let token = rectify_security::crypto::random_token(32);
        let now = chrono::Utc::now().timestamp();
        let mut w = self.begin_write().await?;
        let kept: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM meta WHERE key >= $1 AND key < $2")
                .bind(UPLOAD_PREFIX)
                .bind(UPLOAD_PREFIX_END)
                .fetch_all(w.conn())
                .await?;
        let mut blobs = Vec::new();
        for (key, value) in kept {
            let stale = match serde_json::from_str::<KeptUpload>(&value) {
                Ok(k) => {
                    let gone = k.at + UPLOAD_TTL_SECS < now
                        || (k.user == user_id && k.inspection == inspection_id);
                    if gone {
                        blobs.push(k.blob);
                    }
                    gone
                }
                Err(_) => true,
            };
            if stale {
                sqlx::query("DELETE FROM meta WHERE key = $1")
                    .bind(key)
                    .execute(w.conn())
                    .await?;
            }
        }
        let blob = w.put_blob(self.blob_location(), bytes).await?;
        let value = serde_json::to_string(&KeptUpload {
            user: user_id,
            inspection: inspection_id,
            name: name.chars().take(255).collect(),
            blob: blob.clone(),
            at: now,
        })
        .map_err(|e| StoreError::Config(e.to_string()))?;
        w.meta_set(&upload_key(&token), &value).await?;
        for b in blobs.into_iter().filter(|b| *b != blob) {
            w.drop_blob_if_unused(self.blob_location(), &b).await?;
        }
        w.commit().await?;
        Ok(token)
    }

    /// The file name and bytes kept under `token`, if it was kept by this user for this
    /// inspection and has not expired; otherwise not found (as if it never existed).
    pub async fn ledger_upload(
        &self,
        token: &str,
        user_id: i64,
        inspection_id: i64,
    ) -> Result<(String, Vec<u8>), StoreError> {
        let gone = || StoreError::not_found("upload", "ledger");
        if token.is_empty() || token.len() > 100 {
            return Err(gone());
        }
        let value = self.meta_get(&upload_key(token)).await?.ok_or_else(gone)?;
        let k: KeptUpload = serde_json::from_str(&value).map_err(|_| gone())?;
        if k.user != user_id
            || k.inspection != inspection_id
            || k.at + UPLOAD_TTL_SECS < chrono::Utc::now().timestamp()
        {
            return Err(gone());
        }
        let bytes = self.get_blob(&k.blob).await.map_err(|_| gone())?;
        Ok((k.name, bytes))
    }

    /// Forget a kept upload (after it was imported), and its blob unless something else
    /// holds the same bytes.
    pub async fn drop_ledger_upload(&self, token: &str) -> Result<(), StoreError> {
        let key = upload_key(token);
        let mut w = self.begin_write().await?;
        let value: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1")
            .bind(key.clone())
            .fetch_optional(w.conn())
            .await?;
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(key)
            .execute(w.conn())
            .await?;
        if let Some(k) = value.and_then(|(v,)| serde_json::from_str::<KeptUpload>(&v).ok()) {
            w.drop_blob_if_unused(self.blob_location(), &k.blob).await?;
        }
        w.commit().await?;
        Ok(())
    }
}

impl WriteTx {
    /// Delete a blob no evidence and no kept upload refers to. Inside the write, which
    /// serialises with every evidence upload (they store their blob in a write too), so a
    /// blob is never deleted under an upload storing the same bytes.
    async fn drop_blob_if_unused(
        &mut self,
        loc: &crate::BlobLocation,
        blob: &str,
    ) -> Result<(), StoreError> {
        if blob.len() != 64 || !blob.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(());
        }
        let (evidence,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM evidence WHERE sha256 = $1")
            .bind(blob.to_string())
            .fetch_one(self.conn())
            .await?;
        let (uploads,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM meta WHERE key >= $1 AND key < $2 AND value LIKE $3",
        )
        .bind(UPLOAD_PREFIX)
        .bind(UPLOAD_PREFIX_END)
        .bind(format!("%{blob}%"))
        .fetch_one(self.conn())
        .await?;
        if evidence > 0 || uploads > 0 {
            return Ok(());
        }
        match loc {
            crate::BlobLocation::Database => {
                sqlx::query("DELETE FROM blob WHERE sha256 = $1")
                    .bind(blob.to_string())
                    .execute(self.conn())
                    .await?;
            }
            crate::BlobLocation::Directory(dir) => {
                let _ = tokio::fs::remove_file(dir.join(&blob[..2]).join(blob)).await;
            }
        }
        Ok(())
    }

    /// Set a measure's 备注 under optimistic concurrency (bumps the version), with its audit row.
    pub async fn set_measure_remarks(
        &mut self,
        actor: &Actor,
        id: i64,
        version: i64,
        remarks: Option<&str>,
    ) -> Result<i64, StoreError> {
        let remarks =
            rectify_core::text::optional("remarks", remarks, rectify_core::text::TEXT_MAX)?;
        self.set_measure_column(
            actor,
            id,
            version,
            crate::import::MeasureColumn::Remarks,
            remarks,
            "ledger.import",
        )
        .await?;
        Ok(version + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::stores;

    /// The dry run in one call, as the callers outside the store make it.
    async fn plan(
        store: &Store,
        viewer: &Viewer,
        inspection_id: i64,
        rows: Vec<IncomingRow>,
        reader_problems: Vec<RowIssue>,
    ) -> Result<LedgerImportPlan, StoreError> {
        let context = plan_context(store, viewer, inspection_id).await?;
        Ok(plan_with(context, rows, reader_problems))
    }
    use crate::{NewInspection, NewOrganisation, NewPerson};
    use rectify_core::access::Role;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn row(n: u32, no: u32, problem: &str, measure: &str) -> IncomingRow {
        IncomingRow {
            sheet: "台账".into(),
            row: n,
            problem_no: no,
            aspect: "党的领导方面".into(),
            problem: problem.into(),
            measure: measure.into(),
            kind: MeasureKind::TimeBound,
            kind_given: false,
            leader: None,
            unit: Some("办公室".into()),
            owner: Some("张三".into()),
            deadline: Some(d("2022-03-31")),
            remarks: None,
        }
    }

    /// An office over `scope`.
    fn office_over(scope: &rectify_core::access::OrgPath) -> Viewer {
        Viewer {
            user_id: 0,
            role: Role::Office,
            scope: scope.clone(),
            person_id: None,
        }
    }

    async fn unit(w: &mut crate::WriteTx, parent: Option<i64>, name: &str) -> crate::Organisation {
        w.create_organisation(
            &Actor::cli("test"),
            &NewOrganisation {
                parent_id: parent,
                name: name.into(),
                kind: "unit".into(),
            },
        )
        .await
        .unwrap()
    }

    async fn person(w: &mut crate::WriteTx, organisation_id: i64, name: &str) -> i64 {
        w.create_person(
            &Actor::cli("test"),
            &NewPerson {
                organisation_id,
                name: name.into(),
                title: None,
                phone: None,
            },
        )
        .await
        .unwrap()
        .id
    }

    /// A regular inspection of `org` with only a feedback date.
    async fn inspection(
        w: &mut crate::WriteTx,
        org: i64,
        title: &str,
        feedback_on: Option<NaiveDate>,
    ) -> i64 {
        w.create_inspection(
            &Actor::cli("test"),
            &NewInspection::regular(org, title, feedback_on),
        )
        .await
        .unwrap()
        .id
    }

    async fn fixture(store: &Store) -> (Viewer, i64) {
        let mut w = store.begin_write().await.unwrap();
        let root = unit(&mut w, None, "某局").await;
        let office = unit(&mut w, Some(root.id), "办公室").await;
        unit(&mut w, Some(root.id), "财务科").await;
        // Someone outside the inspected organisation, with a name used inside too.
        let other = unit(&mut w, None, "别的局").await;
        unit(&mut w, Some(other.id), "人事科").await;
        for name in ["张三", "李四"] {
            person(&mut w, office.id, name).await;
        }
        let i = inspection(&mut w, root.id, "某局巡察", Some(d("2021-07-22"))).await;
        w.commit().await.unwrap();
        (office_over(&root.path), i)
    }

    fn file() -> Vec<IncomingRow> {
        let mut r3 = row(4, 2, "议事规则不健全", "修订议事规则");
        r3.aspect = "作风建设方面".into();
        r3.unit = Some("办公室、财务科".into());
        r3.remarks = Some("已上会".into());
        r3.deadline = None;
        r3.kind = MeasureKind::Ongoing;
        vec![
            row(2, 1, "理论学习不深入", "制定学习计划"),
            row(3, 1, "理论学习不深入", "建立考勤制度"),
            r3,
        ]
    }

    async fn assert_chain_intact(store: &Store) {
        assert!(
            matches!(
                store.audit_verify().await.unwrap(),
                crate::ChainStatus::Intact(_)
            ),
            "audit chain"
        );
    }

    /// Measures per problem in [`large_file`].
    const LARGE_PER_PROBLEM: usize = 40;

    /// Enough new rows for several statements of measures and of audit rows.
    fn large_file() -> Vec<IncomingRow> {
        (0..2 * crate::bulk::MAX_ROWS + 234)
            .map(|i| {
                let no = (i / LARGE_PER_PROBLEM + 1) as u32;
                row(i as u32 + 2, no, &format!("问题{no}"), &format!("措施{i}"))
            })
            .collect()
    }

    /// The audit rows of created problems and measures, in chain order: (object type,
    /// object id, the JSON recorded).
    async fn created_rows(store: &Store) -> Vec<(String, String, String)> {
        sqlx::query_as(
            "SELECT object_type, object_id, after_json FROM audit_log \
             WHERE action IN ('problem.create', 'measure.create') ORDER BY seq",
        )
        .fetch_all(store.pool())
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn import_once_then_nothing_then_the_edits() {
        for (store, _g) in stores().await {
            let (v, id) = fixture(&store).await;
            let a = Actor::cli("test");
            let p = plan(&store, &v, id, file(), vec![]).await.unwrap();
            assert!(p.problems.is_empty(), "{:?}", p.problems);
            assert_eq!(
                (
                    p.counts.aspects_created,
                    p.counts.problems_created,
                    p.counts.measures_created
                ),
                (2, 2, 3)
            );
            let got = apply(&store, &a, &v, &p, false).await.unwrap();
            assert_eq!(got.measures_created, 3);
            let m: Vec<(String, Option<String>, String, String)> =
                sqlx::query_as("SELECT text, remarks, kind, co_unit_ids FROM measure ORDER BY id")
                    .fetch_all(store.pool())
                    .await
                    .unwrap();
            assert_eq!(m[2].1.as_deref(), Some("已上会"));
            assert_eq!(m[2].2, "ongoing");
            assert_ne!(m[2].3, "[]");
            // One audit row per created problem and measure, chained.
            let (creates,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM audit_log WHERE action IN ('problem.create', 'measure.create')",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            assert_eq!(creates, 5);
            // Each row names the row it created (ids are taken before the insert) and records
            // it as stored.
            let recorded = created_rows(&store).await;
            for (kind, object_id, after) in recorded {
                let after: serde_json::Value = serde_json::from_str(&after).unwrap();
                assert_eq!(after["id"].to_string(), object_id, "{after}");
                let (field, sql) = match kind.as_str() {
                    "problem" => ("title", "SELECT title FROM problem WHERE id = $1"),
                    _ => ("text", "SELECT text FROM measure WHERE id = $1"),
                };
                let (stored,): (String,) = sqlx::query_as(sql)
                    .bind(object_id.parse::<i64>().unwrap())
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
                assert_eq!(
                    after[field].as_str(),
                    Some(stored.as_str()),
                    "{kind} {object_id}"
                );
            }
            assert_chain_intact(&store).await;

            // The same file again: nothing to do, nothing written.
            let audit = store.count("audit_log").await.unwrap();
            let again = plan(&store, &v, id, file(), vec![]).await.unwrap();
            assert!(again.is_noop(), "{:#?}", again.rows);
            assert_eq!(again.counts.measures_unchanged, 3);
            assert_eq!(
                apply(&store, &a, &v, &again, false).await.unwrap(),
                LedgerImportApplied::default()
            );
            assert_eq!(store.count("audit_log").await.unwrap(), audit);
            let versions: Vec<(i64,)> = sqlx::query_as("SELECT version FROM measure ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();

            // An edited file: a text, a deadline, one new measure.
            let mut f = file();
            f[1].measure = "建立考勤制度并每月通报".into();
            f[0].deadline = Some(d("2022-06-30"));
            f.push(row(5, 2, "议事规则不健全", "组织专题学习"));
            f[3].aspect = "作风建设方面".into();
            let e = plan(&store, &v, id, f.clone(), vec![]).await.unwrap();
            assert_eq!(
                (
                    e.counts.measures_changed,
                    e.counts.measures_created,
                    e.counts.measures_unchanged
                ),
                (2, 1, 1)
            );
            let ch = &e.rows[1];
            assert_eq!(ch.action, RowAction::Changed);
            assert_eq!(ch.changes[0].field, "text");
            apply(&store, &a, &v, &e, false).await.unwrap();
            let after: Vec<(i64,)> = sqlx::query_as("SELECT version FROM measure WHERE id IN (SELECT id FROM measure ORDER BY id LIMIT 3) ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
            assert_eq!(
                after[2], versions[2],
                "the untouched measure keeps its version"
            );
            assert!(after[1].0 > versions[1].0);
            assert!(
                plan(&store, &v, id, f.clone(), vec![])
                    .await
                    .unwrap()
                    .is_noop()
            );
            assert_eq!(store.count("problem").await.unwrap(), 2);
        }
    }

    /// Enough rows for several statements of measures and of audit rows, which take turns:
    /// every measure still gets its own audit row, in id order after the problems', and the
    /// chain verifies.
    #[tokio::test]
    async fn a_large_import_writes_one_audit_row_per_row_in_chain_order() {
        for (store, _g) in stores().await {
            let (v, id) = fixture(&store).await;
            let mut rows = large_file();
            for r in rows.iter_mut().step_by(3) {
                r.remarks = Some(format!("备注 \"{}\"", r.row));
            }
            let n = rows.len();
            let problems = n.div_ceil(LARGE_PER_PROBLEM);
            let p = plan(&store, &v, id, rows, vec![]).await.unwrap();
            assert!(p.problems.is_empty(), "{:?}", p.problems);
            let got = apply(&store, &Actor::cli("test"), &v, &p, false)
                .await
                .unwrap();
            assert_eq!((got.problems_created, got.measures_created), (problems, n));
            let recorded = created_rows(&store).await;
            let kinds: Vec<&str> = recorded.iter().map(|(k, ..)| k.as_str()).collect();
            assert_eq!(kinds.len(), problems + n);
            assert!(kinds[..problems].iter().all(|k| *k == "problem"));
            assert!(kinds[problems..].iter().all(|k| *k == "measure"));
            let measures: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, text FROM measure ORDER BY id")
                    .fetch_all(store.pool())
                    .await
                    .unwrap();
            assert_eq!(measures.len(), n);
            for ((_, object_id, after), (mid, text)) in recorded[problems..].iter().zip(&measures) {
                let after: serde_json::Value = serde_json::from_str(after).unwrap();
                assert_eq!(object_id, &mid.to_string());
                assert_eq!(after["id"], json!(mid));
                assert_eq!(after["text"].as_str(), Some(text.as_str()));
            }
            // What a measure's audit row records is the measure as stored (what creating it
            // one by one records), plus its 备注 when it has one.
            for (k, (_, object_id, after)) in recorded[problems..].iter().enumerate().step_by(7) {
                let stored = store
                    .measure_for(&v, object_id.parse().unwrap())
                    .await
                    .unwrap()
                    .measure;
                let mut want = json!(stored);
                if let Some(rm) = &p.rows[k].remarks {
                    want["remarks"] = json!(rm);
                }
                let after: serde_json::Value = serde_json::from_str(after).unwrap();
                assert_eq!(after, want, "row {k}");
            }
            assert_chain_intact(&store).await;
        }
    }

    /// An audit row that fails to go in, several statements into a large import, undoes the
    /// whole import: aspects, problems, measures and the audit rows written before it
    /// (security bar row 11).
    #[tokio::test]
    async fn an_audit_row_failing_midway_undoes_the_whole_import() {
        for (store, _g) in stores().await {
            let (v, id) = fixture(&store).await;
            let p = plan(&store, &v, id, large_file(), vec![]).await.unwrap();
            let tables = ["aspect", "problem", "measure", "audit_log"];
            let count = |t: &'static str| {
                let store = store.clone();
                async move {
                    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                        "SELECT COUNT(*) FROM {t}"
                    )))
                    .fetch_one(store.pool())
                    .await
                    .unwrap()
                }
            };
            let mut before = Vec::new();
            for t in tables {
                before.push(count(t).await);
            }
            // An audit row about 700 rows on fails: by then measures and audit rows of
            // earlier statements are in the transaction.
            let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
                .fetch_one(store.pool())
                .await
                .unwrap();
            let fail_after = head + 700;
            let sabotage = match store.dialect() {
                crate::Dialect::Sqlite => format!(
                    "CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log \
                     WHEN NEW.seq > {fail_after} BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                ),
                crate::Dialect::Postgres => format!(
                    "CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN IF NEW.seq > {fail_after} THEN RAISE EXCEPTION 'disk full'; END IF; \
                     RETURN NEW; END $$; \
                     CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log FOR EACH ROW \
                     EXECUTE FUNCTION audit_fail()"
                ),
            };
            sqlx::raw_sql(sqlx::AssertSqlSafe(sabotage))
                .execute(store.pool())
                .await
                .unwrap();
            let res = apply(&store, &Actor::cli("test"), &v, &p, false).await;
            let err = res.expect_err("the audit failure surfaces");
            assert!(err.to_string().contains("disk full"), "{err}");
            for (t, b) in tables.into_iter().zip(before) {
                assert_eq!(count(t).await, b, "{t}");
            }
            assert_chain_intact(&store).await;
        }
    }

    #[tokio::test]
    async fn bad_rows_block_the_import_unless_only_valid_rows_are_accepted() {
        for (store, _g) in stores().await {
            let (v, id) = fixture(&store).await;
            let a = Actor::cli("test");
            let mut f = file();
            f[1].unit = Some("人事科".into()); // exists, but outside the inspected organisation
            f[2].deadline = Some(d("2021-01-01")); // before the feedback date
            let reader = vec![RowIssue {
                sheet: "台账".into(),
                row: 9,
                column: Some("完成时限".into()),
                code: "invalid_deadline".into(),
                message: "无法识别 '下月'".into(),
            }];
            let p = plan(&store, &v, id, f.clone(), reader).await.unwrap();
            let shown: Vec<String> = p.problems.iter().map(|p| p.to_string()).collect();
            assert_eq!(shown.len(), 3, "{shown:?}");
            assert!(
                shown[0].starts_with("第3行 责任单位: 被巡察单位中没有 '人事科'"),
                "{shown:?}"
            );
            assert!(shown[1].starts_with("第4行 完成时限: "), "{shown:?}");
            assert_eq!(shown[2], "第9行 完成时限: 无法识别 '下月'");
            // rows 3, 4 and 9 (the reader's row counts too)
            assert_eq!(p.counts.invalid_rows, 3);
            let e = apply(&store, &a, &v, &p, false).await.unwrap_err();
            assert!(
                matches!(e, StoreError::Invalid(ref f) if f.code == "invalid_rows"),
                "{e:?}"
            );
            assert_eq!(store.count("measure").await.unwrap(), 0);
            assert_eq!(store.count("problem").await.unwrap(), 0);
            let got = apply(&store, &a, &v, &p, true).await.unwrap();
            assert_eq!(got.measures_created, 1);
            assert_eq!(store.count("measure").await.unwrap(), 1);
        }
    }

    #[tokio::test]
    async fn renumbered_ledgers_match_by_unique_text_and_roles_are_checked() {
        for (store, _g) in stores().await {
            let (mut v, id) = fixture(&store).await;
            let a = Actor::cli("test");
            let p = plan(&store, &v, id, file(), vec![]).await.unwrap();
            apply(&store, &a, &v, &p, false).await.unwrap();
            // Numbered per aspect: 议事规则不健全 is 1 in its aspect, 2 in the ledger.
            let mut f = file();
            f[2].problem_no = 1;
            let again = plan(&store, &v, id, f.clone(), vec![]).await.unwrap();
            assert!(again.is_noop(), "{:#?}", again.rows);
            assert_eq!(again.notes.len(), 1);
            v.role = Role::Liaison;
            let e = plan(&store, &v, id, f.clone(), vec![]).await.unwrap_err();
            assert!(matches!(e, StoreError::Invalid(ref f) if f.code == "forbidden"));
        }
    }

    #[test]
    fn fold_remembers_only_its_last_input() {
        let mut f = Fold::default();
        for t in [
            "一、问题 甲。",
            "一、问题 甲。",
            "（二）问题乙",
            "一、问题 甲。",
            "",
        ] {
            assert_eq!(f.key(t), normalise(t), "{t}");
        }
    }

    #[test]
    fn unchanged_agrees_with_diff() {
        let base = row(2, 1, "理论学习不深入", "制定学习计划");
        let m = LedgerMeasure {
            id: 1,
            problem_id: 1,
            text: "制定学习计划".into(),
            kind: MeasureKind::TimeBound,
            unit: Some(5),
            co_units: vec![6, 7],
            leader: Some(8),
            owner: Some(9),
            deadline: base.deadline,
            remarks: None,
            version: 1,
        };
        let v = Resolved {
            unit: Some(5),
            co_units: vec![7, 6],
            leader: Some(8),
            owner: Some(9),
        };
        let variants: Vec<(IncomingRow, Resolved)> = vec![
            (base.clone(), v.clone()),
            (
                IncomingRow {
                    measure: "制定学习计划。".into(),
                    ..base.clone()
                },
                v.clone(),
            ),
            (
                IncomingRow {
                    measure: "另一项措施".into(),
                    ..base.clone()
                },
                v.clone(),
            ),
            (
                IncomingRow {
                    deadline: Some(d("2022-04-30")),
                    ..base.clone()
                },
                v.clone(),
            ),
            (
                IncomingRow {
                    deadline: None,
                    remarks: Some("备注".into()),
                    ..base.clone()
                },
                v.clone(),
            ),
            (
                IncomingRow {
                    kind: MeasureKind::Ongoing,
                    ..base.clone()
                },
                v.clone(),
            ),
            (
                base.clone(),
                Resolved {
                    co_units: vec![6],
                    ..v.clone()
                },
            ),
            (
                base.clone(),
                Resolved {
                    unit: None,
                    co_units: vec![],
                    owner: Some(10),
                    ..v.clone()
                },
            ),
            (
                base.clone(),
                Resolved {
                    leader: None,
                    owner: None,
                    ..v.clone()
                },
            ),
        ];
        let mut seen = [false; 2];
        for (r, v) in &variants {
            let (mkey, rkey) = (normalise(&m.text), normalise(&r.measure));
            let same = unchanged(&m, &mkey, r, &rkey, v);
            assert_eq!(same, diff(&m, &mkey, r, &rkey, v).is_empty(), "{r:?} {v:?}");
            seen[usize::from(same)] = true;
        }
        assert_eq!(seen, [true, true]);
    }

    #[tokio::test]
    async fn repeated_problem_texts_match_again_in_order_after_a_partial_import() {
        for (store, _g) in stores().await {
            let (v, id) = fixture(&store).await;
            let a = Actor::cli("test");
            // Two ledgers in one file (序号 start again at 1), the same problem text in each,
            // and a bad row in the first: only the valid rows go in, numbered 1.. by the ledger.
            let mut f = vec![
                row(2, 1, "理论学习不深入", "制定学习计划"),
                row(3, 2, "制度执行不严", "修订制度"),
                row(4, 3, "整改不到位", "开展回头看"),
                row(5, 1, "整改不到位", "建立台账"),
                row(6, 2, "理论学习不深入", "建立考勤制度"),
            ];
            f[1].unit = Some("人事科".into()); // outside the inspected organisation
            let p = plan(&store, &v, id, f.clone(), vec![]).await.unwrap();
            assert_eq!(p.counts.invalid_rows, 1);
            let got = apply(&store, &a, &v, &p, true).await.unwrap();
            assert_eq!(got.measures_created, 4);
            assert_eq!(store.count("problem").await.unwrap(), 4);
            // The same file again: every valid row matches what it made (nothing new); the
            // bad row is still reported.
            let again = plan(&store, &v, id, f.clone(), vec![]).await.unwrap();
            assert_eq!(again.counts.problems_created, 0, "{:#?}", again.rows);
            assert_eq!(again.counts.measures_created, 0, "{:#?}", again.rows);
            assert_eq!(again.counts.measures_changed, 0, "{:#?}", again.rows);
            assert_eq!(again.counts.measures_unchanged, 4);
            assert_eq!(again.counts.invalid_rows, 1);
            apply(&store, &a, &v, &again, true).await.unwrap();
            assert_eq!(store.count("problem").await.unwrap(), 4);
            assert_eq!(store.count("measure").await.unwrap(), 4);
        }
    }

    /// Two bureaus each with an 办公室, a leader 王五 in each bureau and an owner 赵六 in each
    /// office: the plain office name is ambiguous, the bureau's name before it is not, people
    /// resolve inside the unit or the nearest organisation above it, and the export writes
    /// each office the way the import reads it back.
    #[tokio::test]
    async fn units_named_with_their_superior_resolve_and_export_that_way() {
        for (store, _g) in stores().await {
            let a = Actor::cli("test");
            let mut w = store.begin_write().await.unwrap();
            let city = unit(&mut w, None, "江州市").await;
            let mut offices = Vec::new();
            let mut leaders = Vec::new();
            let mut owners = Vec::new();
            for bureau in ["甲局", "乙局"] {
                let b = unit(&mut w, Some(city.id), bureau).await;
                let o = unit(&mut w, Some(b.id), "办公室").await;
                leaders.push(person(&mut w, b.id, "王五").await);
                owners.push(person(&mut w, o.id, "赵六").await);
                offices.push(o.id);
            }
            let i = inspection(&mut w, city.id, "江州市巡察", None).await;
            w.commit().await.unwrap();
            let v = office_over(&city.path);
            let with = |n, unit: &str| IncomingRow {
                unit: Some(unit.into()),
                leader: Some("王五".into()),
                owner: Some("赵六".into()),
                ..row(n, 1, "公文处理不规范", &format!("措施{n}"))
            };
            let rows = vec![
                with(3, "办公室"),
                with(4, "甲局办公室"),
                with(5, "乙局 办公室"),
            ];
            let p = plan(&store, &v, i, rows, vec![]).await.unwrap();
            // Row 3's unit is ambiguous, and so are its people with no unit to narrow them.
            let mut codes: Vec<_> = p
                .problems
                .iter()
                .map(|e| (e.row, e.code.as_str()))
                .collect();
            codes.sort_unstable();
            assert_eq!(
                codes,
                vec![
                    (3, "ambiguous_person"),
                    (3, "ambiguous_person"),
                    (3, "ambiguous_unit")
                ]
            );
            let made: Vec<_> = p
                .rows
                .iter()
                .filter(|r| r.action == RowAction::Create)
                .map(|r| (r.row, r.unit_id, r.leader_id, r.owner_id))
                .collect();
            assert_eq!(
                made,
                vec![
                    (4, Some(offices[0]), Some(leaders[0]), Some(owners[0])),
                    (5, Some(offices[1]), Some(leaders[1]), Some(owners[1])),
                ]
            );
            apply(&store, &a, &v, &p, true).await.unwrap();

            let f = crate::export::ExportFilter {
                inspection_id: Some(i),
                ..Default::default()
            };
            let ep = store.export_plan(&v, &f).await.unwrap();
            let page = ep.reader().next_page(&store).await.unwrap().unwrap();
            let units: Vec<_> = page[0].measures.iter().map(|m| m.unit.clone()).collect();
            assert_eq!(
                units,
                vec![
                    Some("甲局办公室".to_string()),
                    Some("乙局办公室".to_string())
                ]
            );
        }
    }

    #[tokio::test]
    async fn uploads_are_kept_for_their_user_and_inspection_then_dropped() {
        for (store, _g) in stores().await {
            let (_, id) = fixture(&store).await;
            let t = store
                .keep_ledger_upload(7, id, "台账.xlsx", b"bytes of a ledger")
                .await
                .unwrap();
            assert!(t.len() >= 40, "{t}");
            let (name, bytes) = store.ledger_upload(&t, 7, id).await.unwrap();
            assert_eq!(
                (name.as_str(), bytes.as_slice()),
                ("台账.xlsx", &b"bytes of a ledger"[..])
            );
            // Another user, another inspection, a made-up token: as if it never existed.
            for (tok, user, insp) in [(t.as_str(), 8, id), (t.as_str(), 7, id + 1), ("x", 7, id)] {
                let e = store.ledger_upload(tok, user, insp).await.unwrap_err();
                assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
            }
            // Only the token's hash is stored.
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM meta WHERE key LIKE '%' || $1 || '%' OR value LIKE '%' || $1 || '%'")
                .bind(t.clone())
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(n, 0);
            // A second upload by the same user for the same inspection replaces the first.
            let t2 = store
                .keep_ledger_upload(7, id, "b.csv", b"other")
                .await
                .unwrap();
            assert!(store.ledger_upload(&t, 7, id).await.is_err());
            store.drop_ledger_upload(&t2).await.unwrap();
            assert!(store.ledger_upload(&t2, 7, id).await.is_err());
            let (kept,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM meta WHERE key LIKE 'ledger_upload.%'")
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            assert_eq!(kept, 0);
            assert!(
                store
                    .get_blob(&crate::blobs::blob_key(b"other"))
                    .await
                    .is_err()
            );
            assert!(
                store
                    .get_blob(&crate::blobs::blob_key(b"bytes of a ledger"))
                    .await
                    .is_err()
            );
        }
    }
}
