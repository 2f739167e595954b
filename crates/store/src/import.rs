//! Notice import: turn a parsed progress notice (整改进展情况的通报) into ledger rows.
//!
//! [`plan`] compares the notice's problem tree with an inspection's aspects, problems and
//! measures and says what importing would do; [`apply`] carries a plan out in one [`WriteTx`]
//! with an audit row per created or changed row and one summary row. Nothing is ever deleted:
//! what the ledger holds and the notice lacks is only reported. Importing the same notice
//! twice changes nothing.

use rectify_core::FieldError;
use rectify_core::access::Action;
use rectify_core::ledger::{self, MeasureKind, Severity};
use rectify_core::text;
use rectify_notice::{Item, Notice};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use crate::audit::{Actor, AuditEvent, now_text};
use crate::{NewMeasure, NewProblem, Store, StoreError, Viewer, WriteTx};

/// Title given to the aspect of a notice that has no aspect level.
pub const IMPLICIT_ASPECT_TITLE: &str = "反馈问题";

/// What importing does with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    /// In the notice, not in the ledger: will be created.
    Create,
    /// Same in both.
    Unchanged,
    /// A measure at the same position with another text: its text will be replaced.
    Changed,
    /// In the ledger, not in the notice: reported, never deleted.
    Absent,
}

impl ImportAction {
    pub fn label_zh(self) -> &'static str {
        match self {
            ImportAction::Create => "新增",
            ImportAction::Unchanged => "不变",
            ImportAction::Changed => "修改",
            ImportAction::Absent => "通报中没有(保留)",
        }
    }
}

/// The level of a row in the problem tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportLevel {
    Aspect,
    Problem,
    Measure,
}

/// One row of a plan, in tree order (an aspect before its problems, a problem before its
/// measures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanItem {
    pub level: ImportLevel,
    pub action: ImportAction,
    /// Human-readable place, e.g. `第二方面 / 问题 3 / 措施 2`.
    pub location: String,
    /// 1-based position of the aspect (in the notice; for `absent`: in the ledger).
    pub aspect: usize,
    /// 1-based position of the problem within its aspect.
    pub problem: Option<usize>,
    /// 1-based position of the measure within its problem.
    pub measure: Option<usize>,
    /// The ledger row, when there is one.
    pub id: Option<i64>,
    /// Its version, for a changed measure (the update is refused if it moved on).
    pub version: Option<i64>,
    /// Marker as written in the notice (`第一方面问题`, `(一)`, `1.`).
    pub marker: Option<String>,
    /// The ledger's text (unchanged, changed, absent).
    pub old_text: Option<String>,
    /// The notice's text (create, unchanged, changed).
    pub new_text: Option<String>,
    /// Kind for a created measure.
    pub kind: Option<MeasureKind>,
    /// 1-based line of the notice.
    pub line: Option<usize>,
}

/// Counts per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tally {
    pub create: usize,
    pub unchanged: usize,
    pub changed: usize,
    pub absent: usize,
}

impl Tally {
    fn add(&mut self, a: ImportAction) {
        match a {
            ImportAction::Create => self.create += 1,
            ImportAction::Unchanged => self.unchanged += 1,
            ImportAction::Changed => self.changed += 1,
            ImportAction::Absent => self.absent += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanCounts {
    pub aspects: Tally,
    pub problems: Tally,
    pub measures: Tally,
}

/// An inspection fact read from the notice, next to what the ledger holds. Reported only:
/// an import never writes inspection facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FactNote {
    /// `team`, `stationed_from`, `stationed_to` or `feedback_on`.
    pub field: String,
    pub ledger: Option<String>,
    pub notice: Option<String>,
    /// `same`, `missing_in_ledger`, `differs` or `missing_in_notice`.
    pub status: String,
}

/// What importing a notice into an inspection would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportPlan {
    pub inspection_id: i64,
    pub notice_title: Option<String>,
    pub counts: PlanCounts,
    pub items: Vec<PlanItem>,
    pub facts: Vec<FactNote>,
    /// The parser's warnings and rows skipped, as text.
    pub warnings: Vec<String>,
}

impl ImportPlan {
    /// Would applying change anything?
    pub fn is_noop(&self) -> bool {
        let c = &self.counts;
        c.aspects.create + c.problems.create + c.measures.create + c.measures.changed == 0
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportCounts {
    pub aspects_created: usize,
    pub problems_created: usize,
    pub measures_created: usize,
    pub measures_changed: usize,
}

/// Compare for matching: marker stripped, whitespace dropped, full-width forms and Chinese
/// punctuation folded to ASCII, trailing punctuation dropped.
pub fn normalise(s: &str) -> String {
    let s = strip_marker(s.trim());
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '、' => ',',
            '。' => '.',
            '“' | '”' | '「' | '」' | '『' | '』' => '"',
            '‘' | '’' => '\'',
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            '—' | '–' => '-',
            _ => c,
        };
        if !c.is_whitespace() {
            out.push(c);
        }
    }
    while out.ends_with(['.', ',', ';', ':', '!', '?']) {
        out.pop();
    }
    out
}

const CN_DIGITS: &str = "一二三四五六七八九十百零〇";

/// Drop a leading marker: `第一方面问题`, `第一方面`, `一、`, `(一)`, `（一）`, `1.`, `1、`, `(1)`,
/// `①`, `一是`.
fn strip_marker(s: &str) -> &str {
    let t = s.trim_start();
    let digits = |c: char| c.is_ascii_digit() || CN_DIGITS.contains(c);
    // 第N方面问题 / 第N方面
    if let Some(rest) = t.strip_prefix('第') {
        let r = rest.trim_start_matches(digits);
        if r.len() < rest.len()
            && let Some(r) = r.strip_prefix("方面")
        {
            let r = r.strip_prefix("问题").unwrap_or(r);
            return r.trim_start_matches([',', '，', ':', '：', '、', ' ', '。']);
        }
    }
    // (N) / （N）
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let Some(rest) = t.strip_prefix(open) {
            let r = rest.trim_start_matches(digits);
            if r.len() < rest.len()
                && let Some(r) = r.strip_prefix(close)
            {
                return r.trim_start();
            }
        }
    }
    // N、 N. N． N是
    let r = t.trim_start_matches(digits);
    if r.len() < t.len() {
        for sep in ["、", ".", "．", "是"] {
            if let Some(r) = r.strip_prefix(sep) {
                // `1.5万元`: a decimal, not a marker.
                if sep == "." && r.starts_with(|c: char| c.is_ascii_digit()) {
                    return t;
                }
                return r.trim_start();
            }
        }
    }
    // ①…⑳
    if let Some(c) = t.chars().next()
        && ('\u{2460}'..='\u{2473}').contains(&c)
    {
        return t[c.len_utf8()..].trim_start();
    }
    t
}

/// The measure text of a top-level notice item: its own text followed by its children's,
/// each with its marker (一是/二是 …), recursively.
pub fn measure_text(item: &Item) -> String {
    let mut s = item.text.trim().to_string();
    // A topic label (`硬任务督查督办方面`) introduces its list: `…方面：一是…`.
    if !item.children.is_empty()
        && !s.is_empty()
        && !s.ends_with(|c: char| "。：:；;，,！？!?、".contains(c))
    {
        s.push('：');
    }
    for c in &item.children {
        let child = measure_text(c);
        if child.is_empty() {
            continue;
        }
        if let Some(m) = &c.marker {
            s.push_str(m);
        }
        s.push_str(&child);
    }
    s
}

/// 立行立改 / 限期整改 / 长期坚持: ongoing when the text says so, time-bound otherwise.
pub fn measure_kind(text: &str) -> MeasureKind {
    if text.contains("长期坚持") || text.contains("持续") {
        MeasureKind::Ongoing
    } else {
        MeasureKind::TimeBound
    }
}

fn location(a: usize, p: Option<usize>, m: Option<usize>) -> String {
    let mut s = format!("第{}方面", rectify_core::text::chinese_numeral(a));
    if let Some(p) = p {
        s.push_str(&format!(" / 问题 {p}"));
    }
    if let Some(m) = m {
        s.push_str(&format!(" / 措施 {m}"));
    }
    s
}

fn line_error(line: usize, field: &str, e: FieldError) -> StoreError {
    FieldError::new(
        format!("line {line}: {field}"),
        e.code,
        format!("通报第 {line} 行: {} (notice line {line})", e.message),
    )
    .into()
}

struct LedgerMeasure {
    id: i64,
    problem_id: i64,
    text: String,
    version: i64,
}

struct NoticeMeasure {
    text: String,
    marker: Option<String>,
    line: usize,
}

/// An office viewer scoped to the inspected organisation: how the command line, run by the
/// operating-system user, acts on one inspection.
pub async fn office_viewer(store: &Store, inspection_id: i64) -> Result<Viewer, StoreError> {
    let path: Option<String> = sqlx::query_scalar("SELECT org_path FROM inspection WHERE id = $1")
        .bind(inspection_id)
        .fetch_optional(store.pool())
        .await?;
    let path = path.ok_or_else(|| StoreError::not_found("inspection", inspection_id))?;
    let scope = rectify_core::access::OrgPath::parse(&path)
        .ok_or_else(|| StoreError::Config(format!("corrupt path {path}")))?;
    Ok(Viewer {
        user_id: 0,
        role: rectify_core::access::Role::Office,
        scope,
        person_id: None,
    })
}

/// Compute what importing `notice` into the inspection would do. The viewer must be an
/// office whose scope holds the inspected organisation.
pub async fn plan(
    store: &Store,
    viewer: &Viewer,
    inspection_id: i64,
    notice: &Notice,
) -> Result<ImportPlan, StoreError> {
    if !viewer.role.may(Action::EditPlan) {
        return Err(FieldError::new(
            "inspection_id",
            "forbidden",
            "当前角色不能导入通报 (role may not import a notice)",
        )
        .into());
    }
    let insp = store.inspection_for(viewer, inspection_id).await?;
    if !viewer.scope.contains(&insp.org_path) {
        return Err(StoreError::not_found("inspection", inspection_id));
    }
    let aspects = store.aspects(inspection_id).await?;
    let problems = store.problems(inspection_id).await?;
    let rows = sqlx::query(
        "SELECT id, problem_id, text, version FROM measure WHERE inspection_id = $1 ORDER BY problem_id, seq, id",
    )
    .bind(inspection_id)
    .fetch_all(store.pool())
    .await?;
    let mut measures = Vec::with_capacity(rows.len());
    for r in &rows {
        measures.push(LedgerMeasure {
            id: r.try_get("id")?,
            problem_id: r.try_get("problem_id")?,
            text: r.try_get("text")?,
            version: r.try_get("version")?,
        });
    }

    let mut items = Vec::new();
    let mut counts = PlanCounts::default();
    let mut warnings: Vec<String> = notice
        .warnings
        .iter()
        .map(|w| match w.line {
            Some(l) => format!("第 {l} 行: {} ({})", w.message, w.code),
            None => format!("{} ({})", w.message, w.code),
        })
        .collect();
    let mut aspect_used = vec![false; aspects.len()];
    let mut problem_used = vec![false; problems.len()];

    for (ai, na) in notice.aspects.iter().enumerate() {
        let apos = ai + 1;
        let title = if na.title.trim().is_empty() {
            IMPLICIT_ASPECT_TITLE.to_string()
        } else {
            text::bounded("title", &na.title, text::TITLE_MAX)
                .map_err(|e| line_error(na.line, "aspect title", e))?
        };
        let key = normalise(&title);
        // Same position and title first, else the same title anywhere still unmatched.
        let found = aspects
            .get(ai)
            .filter(|a| !aspect_used[ai] && normalise(&a.title) == key)
            .map(|_| ai)
            .or_else(|| {
                aspects
                    .iter()
                    .enumerate()
                    .position(|(i, a)| !aspect_used[i] && normalise(&a.title) == key)
            });
        let (action, ledger_aspect) = match found {
            Some(i) => {
                aspect_used[i] = true;
                (ImportAction::Unchanged, Some(&aspects[i]))
            }
            None => (ImportAction::Create, None),
        };
        counts.aspects.add(action);
        items.push(PlanItem {
            level: ImportLevel::Aspect,
            action,
            location: location(apos, None, None),
            aspect: apos,
            problem: None,
            measure: None,
            id: ledger_aspect.map(|a| a.id),
            version: None,
            marker: na.marker.clone(),
            old_text: ledger_aspect.map(|a| a.title.clone()),
            new_text: Some(title),
            kind: None,
            line: (na.line > 0).then_some(na.line),
        });

        for (pi, np) in na.problems.iter().enumerate() {
            let ppos = pi + 1;
            let ptitle = text::bounded("title", &np.title, text::TITLE_MAX)
                .map_err(|e| line_error(np.line, "problem title", e))?;
            let pkey = normalise(&ptitle);
            let found = ledger_aspect.and_then(|la| {
                problems.iter().enumerate().position(|(i, p)| {
                    !problem_used[i] && p.aspect_id == la.id && normalise(&p.title) == pkey
                })
            });
            let (action, ledger_problem) = match found {
                Some(i) => {
                    problem_used[i] = true;
                    (ImportAction::Unchanged, Some(&problems[i]))
                }
                None => (ImportAction::Create, None),
            };
            counts.problems.add(action);
            items.push(PlanItem {
                level: ImportLevel::Problem,
                action,
                location: location(apos, Some(ppos), None),
                aspect: apos,
                problem: Some(ppos),
                measure: None,
                id: ledger_problem.map(|p| p.id),
                version: None,
                marker: np.marker.clone(),
                old_text: ledger_problem.map(|p| p.title.clone()),
                new_text: Some(ptitle),
                kind: None,
                line: Some(np.line),
            });

            let mut wanted = Vec::new();
            for it in &np.measures {
                let t = measure_text(it);
                if t.is_empty() {
                    warnings.push(format!(
                        "第 {} 行: 空的整改措施已跳过 (empty measure skipped)",
                        it.line
                    ));
                    continue;
                }
                let t =
                    ledger::measure_text(&t).map_err(|e| line_error(it.line, "measure text", e))?;
                wanted.push(NoticeMeasure {
                    text: t,
                    marker: it.marker.clone(),
                    line: it.line,
                });
            }
            let have: Vec<&LedgerMeasure> = match ledger_problem {
                Some(lp) => measures.iter().filter(|m| m.problem_id == lp.id).collect(),
                None => Vec::new(),
            };
            // Pair notice measures with ledger measures: same position and text, then same
            // text elsewhere, then same position (changed text).
            let mut pair: Vec<Option<(usize, ImportAction)>> = vec![None; wanted.len()];
            let mut taken = vec![false; have.len()];
            let wkeys: Vec<String> = wanted.iter().map(|w| normalise(&w.text)).collect();
            let hkeys: Vec<String> = have.iter().map(|h| normalise(&h.text)).collect();
            for j in 0..wanted.len() {
                if j < have.len() && hkeys[j] == wkeys[j] {
                    pair[j] = Some((j, ImportAction::Unchanged));
                    taken[j] = true;
                }
            }
            for j in 0..wanted.len() {
                if pair[j].is_none()
                    && let Some(k) = (0..have.len()).find(|&k| !taken[k] && hkeys[k] == wkeys[j])
                {
                    pair[j] = Some((k, ImportAction::Unchanged));
                    taken[k] = true;
                }
            }
            for j in 0..wanted.len() {
                if pair[j].is_none() && j < have.len() && !taken[j] {
                    pair[j] = Some((j, ImportAction::Changed));
                    taken[j] = true;
                }
            }
            for (j, w) in wanted.iter().enumerate() {
                let mpos = j + 1;
                let (action, old) = match pair[j] {
                    Some((k, a)) => (a, Some(have[k])),
                    None => (ImportAction::Create, None),
                };
                counts.measures.add(action);
                items.push(PlanItem {
                    level: ImportLevel::Measure,
                    action,
                    location: location(apos, Some(ppos), Some(mpos)),
                    aspect: apos,
                    problem: Some(ppos),
                    measure: Some(mpos),
                    id: old.map(|m| m.id),
                    version: old.map(|m| m.version),
                    marker: w.marker.clone(),
                    old_text: old.map(|m| m.text.clone()),
                    new_text: Some(w.text.clone()),
                    kind: (action == ImportAction::Create).then(|| measure_kind(&w.text)),
                    line: Some(w.line),
                });
            }
            for (k, h) in have.iter().enumerate() {
                if !taken[k] {
                    counts.measures.add(ImportAction::Absent);
                    items.push(PlanItem {
                        level: ImportLevel::Measure,
                        action: ImportAction::Absent,
                        location: location(apos, Some(ppos), Some(k + 1)),
                        aspect: apos,
                        problem: Some(ppos),
                        measure: Some(k + 1),
                        id: Some(h.id),
                        version: Some(h.version),
                        marker: None,
                        old_text: Some(h.text.clone()),
                        new_text: None,
                        kind: None,
                        line: None,
                    });
                }
            }
        }
    }

    // What the ledger holds and the notice lacks: reported, never deleted. Positions are the
    // ledger's.
    for (ai, a) in aspects.iter().enumerate() {
        let in_aspect: Vec<(usize, &crate::Problem)> = problems
            .iter()
            .enumerate()
            .filter(|(_, p)| p.aspect_id == a.id)
            .collect();
        if !aspect_used[ai] {
            counts.aspects.add(ImportAction::Absent);
            items.push(PlanItem {
                level: ImportLevel::Aspect,
                action: ImportAction::Absent,
                location: format!("台账{}", location(ai + 1, None, None)),
                aspect: ai + 1,
                problem: None,
                measure: None,
                id: Some(a.id),
                version: None,
                marker: a.marker.clone(),
                old_text: Some(a.title.clone()),
                new_text: None,
                kind: None,
                line: None,
            });
        }
        for (pp, (i, p)) in in_aspect.iter().enumerate() {
            if problem_used[*i] {
                continue;
            }
            counts.problems.add(ImportAction::Absent);
            let n = measures.iter().filter(|m| m.problem_id == p.id).count();
            items.push(PlanItem {
                level: ImportLevel::Problem,
                action: ImportAction::Absent,
                location: format!("台账{}", location(ai + 1, Some(pp + 1), None)),
                aspect: ai + 1,
                problem: Some(pp + 1),
                measure: None,
                id: Some(p.id),
                version: Some(p.version),
                marker: None,
                old_text: Some(if n > 0 {
                    format!("{} (含 {n} 项措施)", p.title)
                } else {
                    p.title.clone()
                }),
                new_text: None,
                kind: None,
                line: None,
            });
        }
    }

    let d = |v: Option<chrono::NaiveDate>| v.map(|d| d.format("%Y-%m-%d").to_string());
    let ni = &notice.inspection;
    let mut facts = Vec::new();
    for (field, ledger_v, notice_v) in [
        ("team", insp.team.clone(), ni.team.clone()),
        (
            "stationed_from",
            d(insp.dates.stationed_from),
            ni.from.clone(),
        ),
        ("stationed_to", d(insp.dates.stationed_to), ni.to.clone()),
        (
            "feedback_on",
            d(insp.dates.feedback_on),
            ni.feedback.clone(),
        ),
    ] {
        let status = match (&ledger_v, &notice_v) {
            (None, None) => continue,
            (Some(_), None) => "missing_in_notice",
            (None, Some(_)) => "missing_in_ledger",
            (Some(a), Some(b)) if a == b => "same",
            _ => "differs",
        };
        facts.push(FactNote {
            field: field.to_string(),
            ledger: ledger_v,
            notice: notice_v,
            status: status.to_string(),
        });
    }

    Ok(ImportPlan {
        inspection_id,
        notice_title: notice.title.clone(),
        counts,
        items,
        facts,
        warnings,
    })
}

/// Carry a plan out in one write: create aspects, problems and measures (drafts without
/// units, owners or deadlines) and replace the text of changed measures. A changed measure
/// whose version moved since the plan was made fails the whole import with a conflict.
pub async fn apply(
    store: &Store,
    actor: &Actor,
    plan: &ImportPlan,
) -> Result<ImportCounts, StoreError> {
    let mut w = store.begin_write().await?;
    let counts = apply_in(&mut w, actor, plan).await?;
    w.commit().await?;
    Ok(counts)
}

/// [`apply`] inside a caller's write.
pub async fn apply_in(
    w: &mut WriteTx,
    actor: &Actor,
    plan: &ImportPlan,
) -> Result<ImportCounts, StoreError> {
    let mut out = ImportCounts::default();
    let mut aspect_ids: std::collections::HashMap<usize, i64> = std::collections::HashMap::new();
    let mut problem_ids: std::collections::HashMap<(usize, usize), i64> =
        std::collections::HashMap::new();
    let at = |it: &PlanItem, e: StoreError| -> StoreError {
        match e {
            StoreError::Invalid(f) => FieldError::new(
                format!("{} ({}): {}", it.location, line_or(it.line), f.field),
                f.code,
                f.message,
            )
            .into(),
            e => e,
        }
    };
    for it in &plan.items {
        if it.action == ImportAction::Absent {
            continue;
        }
        let new_text = it.new_text.as_deref().unwrap_or_default();
        match (it.level, it.action) {
            (ImportLevel::Aspect, ImportAction::Create) => {
                let a = w
                    .create_aspect(actor, plan.inspection_id, it.marker.as_deref(), new_text)
                    .await
                    .map_err(|e| at(it, e))?;
                aspect_ids.insert(it.aspect, a.id);
                out.aspects_created += 1;
            }
            (ImportLevel::Aspect, _) => {
                if let Some(id) = it.id {
                    aspect_ids.insert(it.aspect, id);
                }
            }
            (ImportLevel::Problem, ImportAction::Create) => {
                let aspect_id = *aspect_ids.get(&it.aspect).ok_or_else(|| {
                    StoreError::Config(format!("{}: plan lacks its aspect", it.location))
                })?;
                let p = w
                    .create_problem(
                        actor,
                        &NewProblem {
                            aspect_id,
                            title: new_text.to_string(),
                            detail: None,
                            severity: Severity::GENERAL,
                        },
                    )
                    .await
                    .map_err(|e| at(it, e))?;
                problem_ids.insert((it.aspect, it.problem.unwrap_or(0)), p.id);
                out.problems_created += 1;
            }
            (ImportLevel::Problem, _) => {
                if let Some(id) = it.id {
                    problem_ids.insert((it.aspect, it.problem.unwrap_or(0)), id);
                }
            }
            (ImportLevel::Measure, ImportAction::Create) => {
                let problem_id = *problem_ids
                    .get(&(it.aspect, it.problem.unwrap_or(0)))
                    .ok_or_else(|| {
                        StoreError::Config(format!("{}: plan lacks its problem", it.location))
                    })?;
                w.create_measure(
                    actor,
                    &NewMeasure {
                        problem_id,
                        text: new_text.to_string(),
                        kind: it.kind.unwrap_or(MeasureKind::TimeBound),
                        responsible_unit_id: None,
                        owner_id: None,
                        leader_id: None,
                        liaison_id: None,
                        deadline: None,
                    },
                )
                .await
                .map_err(|e| at(it, e))?;
                out.measures_created += 1;
            }
            (ImportLevel::Measure, ImportAction::Changed) => {
                let (Some(id), Some(version)) = (it.id, it.version) else {
                    return Err(StoreError::Config(format!(
                        "{}: plan lacks the measure's id",
                        it.location
                    )));
                };
                w.replace_measure_text(actor, id, version, new_text)
                    .await
                    .map_err(|e| at(it, e))?;
                out.measures_changed += 1;
            }
            (ImportLevel::Measure, _) => {}
        }
    }
    w.audit(
        actor,
        AuditEvent::ok("notice.import", "inspection", plan.inspection_id).after(json!({
            "notice_title": plan.notice_title,
            "counts": plan.counts,
            "applied": out,
        })),
    )
    .await?;
    Ok(out)
}

fn line_or(line: Option<usize>) -> String {
    match line {
        Some(l) => format!("line {l}"),
        None => "ledger".into(),
    }
}

/// The measure columns an import may replace (a closed set: the column name is a constant).
#[derive(Clone, Copy)]
pub(crate) enum MeasureColumn {
    /// 整改措施 text (notice import).
    Text,
    /// 备注 (ledger import).
    Remarks,
}

impl MeasureColumn {
    fn name(self) -> &'static str {
        match self {
            MeasureColumn::Text => "text",
            MeasureColumn::Remarks => "remarks",
        }
    }
}

impl WriteTx {
    /// Replace a measure's text (notice import), under optimistic concurrency.
    pub async fn replace_measure_text(
        &mut self,
        actor: &Actor,
        id: i64,
        version: i64,
        new_text: &str,
    ) -> Result<(), StoreError> {
        let new_text = ledger::measure_text(new_text)?;
        self.set_measure_column(
            actor,
            id,
            version,
            MeasureColumn::Text,
            Some(new_text),
            "notice.import",
        )
        .await
    }

    /// Set one imported text column of a measure under optimistic concurrency: the stale version
    /// refused (409), the version bumped, one `measure.update` audit row naming the import source.
    pub(crate) async fn set_measure_column(
        &mut self,
        actor: &Actor,
        id: i64,
        version: i64,
        column: MeasureColumn,
        value: Option<String>,
        source: &str,
    ) -> Result<(), StoreError> {
        let name = column.name();
        let before: Option<(Option<String>, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {name}, version FROM measure WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        let Some((old, current)) = before else {
            return Err(StoreError::not_found("measure", id));
        };
        if current != version {
            return Err(StoreError::Conflict {
                entity: "measure",
                id,
                current,
            });
        }
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE measure SET {name} = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4"
        )))
        .bind(value.clone())
        .bind(now_text())
        .bind(id)
        .bind(version)
        .execute(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEvent::ok("measure.update", "measure", id)
                .before(json!({name: old, "version": version}))
                .after(json!({name: value, "version": version + 1, "source": source})),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::stores;
    use crate::{NewInspection, NewOrganisation};
    use rectify_core::access::Role;

    const SEED: &str = include_str!("../../notice/testdata/dongguan-2021-12-28.txt");

    #[test]
    fn markers_and_punctuation_fold() {
        assert_eq!(
            normalise("第一方面问题，党的领导方面仍需加强。"),
            "党的领导方面仍需加强"
        );
        assert_eq!(
            normalise("(一)针对党务工作不规范的问题"),
            "针对党务工作不规范的问题"
        );
        assert_eq!(
            normalise("（一）针对党务工作不规范的问题"),
            "针对党务工作不规范的问题"
        );
        assert_eq!(normalise("1．严格（执行）"), "严格(执行)");
        assert_eq!(normalise("1.5万元"), "1.5万元");
        assert_eq!(rectify_core::text::chinese_numeral(12), "十二");
        assert_eq!(rectify_core::text::chinese_numeral(25), "二十五");
        assert_eq!(location(2, Some(3), Some(2)), "第二方面 / 问题 3 / 措施 2");
        assert_eq!(measure_kind("长期坚持学习"), MeasureKind::Ongoing);
        assert_eq!(measure_kind("印发通知"), MeasureKind::TimeBound);
    }

    async fn fixture(store: &Store) -> (Viewer, i64) {
        let a = Actor::cli("test");
        let mut w = store.begin_write().await.unwrap();
        let root = w
            .create_organisation(
                &a,
                &NewOrganisation {
                    parent_id: None,
                    name: "中共东莞市人民政府机关党组".into(),
                    kind: "committee".into(),
                },
            )
            .await
            .unwrap();
        let i = w
            .create_inspection(
                &a,
                &NewInspection::regular(root.id, "十四届市委第十三轮巡察", None),
            )
            .await
            .unwrap();
        w.commit().await.unwrap();
        let v = Viewer {
            user_id: 0,
            role: Role::Office,
            scope: root.path.clone(),
            person_id: None,
        };
        (v, i.id)
    }

    #[tokio::test]
    async fn seed_imports_once_and_diffs_an_edit() {
        let notice = rectify_notice::parse_bytes(SEED.as_bytes(), Some("seed.txt")).unwrap();
        for (store, _g) in stores().await {
            let (v, id) = fixture(&store).await;
            let a = Actor::cli("test");
            let p = plan(&store, &v, id, &notice).await.unwrap();
            assert_eq!(p.counts.aspects.create, 5);
            assert_eq!(p.counts.problems.create, 20);
            assert_eq!(p.counts.measures.create, 50);
            assert!(
                p.facts
                    .iter()
                    .any(|f| f.field == "team" && f.status == "missing_in_ledger")
            );
            let audit_before = store.count("audit_log").await.unwrap();
            let c = apply(&store, &a, &p).await.unwrap();
            assert_eq!(
                (c.aspects_created, c.problems_created, c.measures_created),
                (5, 20, 50)
            );
            assert_eq!(store.count("audit_log").await.unwrap(), audit_before + 76);
            // Again: nothing to do.
            let again = plan(&store, &v, id, &notice).await.unwrap();
            assert!(again.is_noop(), "{:?}", again.counts);
            assert_eq!(again.counts.measures.unchanged, 50);
            let c = apply(&store, &a, &again).await.unwrap();
            assert_eq!(c, ImportCounts::default());
            assert_eq!(store.count("measure").await.unwrap(), 50);
            // An edit: one measure text changed, one problem added.
            let mut edited = notice.clone();
            edited.aspects[1].problems[0].measures[1]
                .text
                .push_str("并建立长效机制。");
            let mut extra = edited.aspects[1].problems[1].clone();
            extra.title = "针对党员教育管理不到位的问题".into();
            edited.aspects[1].problems.push(extra);
            let diff = plan(&store, &v, id, &edited).await.unwrap();
            assert_eq!(diff.counts.measures.changed, 1);
            assert_eq!(diff.counts.problems.create, 1);
            assert_eq!(diff.counts.measures.create, 3);
            assert_eq!(diff.counts.measures.absent, 0);
            let ch = diff
                .items
                .iter()
                .find(|i| i.action == ImportAction::Changed)
                .unwrap();
            assert_eq!(ch.location, "第二方面 / 问题 1 / 措施 2");
            let c = apply(&store, &a, &diff).await.unwrap();
            assert_eq!(
                (c.problems_created, c.measures_created, c.measures_changed),
                (1, 3, 1)
            );
            assert!(plan(&store, &v, id, &edited).await.unwrap().is_noop());
            // Back to the original: the changed text changes back, the added problem stays.
            let back = plan(&store, &v, id, &notice).await.unwrap();
            assert_eq!(back.counts.measures.changed, 1);
            assert_eq!(back.counts.problems.absent, 1);
            // A stale plan is refused whole.
            apply(&store, &a, &back).await.unwrap();
            let stale = diff;
            let err = apply(&store, &a, &stale).await.unwrap_err();
            assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
            assert_eq!(store.count("problem").await.unwrap(), 21);
        }
    }

    #[tokio::test]
    async fn only_an_office_in_scope_plans() {
        let notice = rectify_notice::parse_bytes(SEED.as_bytes(), None).unwrap();
        for (store, _g) in stores().await {
            let (mut v, id) = fixture(&store).await;
            v.role = Role::Liaison;
            let e = plan(&store, &v, id, &notice).await.unwrap_err();
            assert!(
                matches!(e, StoreError::Invalid(ref f) if f.code == "forbidden"),
                "{e:?}"
            );
            v.role = Role::Office;
            let e = plan(&store, &v, id + 100, &notice).await.unwrap_err();
            assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
        }
    }
}
