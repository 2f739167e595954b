//! Quality flags for paper rectification (纸面整改): rules over plain facts that point the
//! supervisor at items worth a second look. A flag is never a finding and never triggers
//! anything by itself; each one explains itself in Chinese and English with its figures.
//!
//! The rules (constants below):
//! - **fast_close** — in a group of at least [`FAST_MIN_GROUP`] closed measures of the same
//!   inspection and kind, a measure whose days from the inspection's feedback (反馈, the day
//!   rectification starts) to closing are less than 1/[`FAST_FACTOR`] of the group's median,
//!   when that median is at least [`FAST_MIN_MEDIAN_DAYS`] days. Measures without a feedback
//!   date are not compared.
//! - **evidence_reused** — one evidence file (same SHA-256) attached to measures that are
//!   unrelated: at least two of them differ both in problem and in responsible unit.
//! - **boilerplate_text** — progress reports from at least [`BOILERPLATE_MIN_UNITS`] different
//!   units whose text is equal after normalisation (full-width folded to ASCII, whitespace,
//!   punctuation and digits removed, ASCII lower-cased) and still at least
//!   [`BOILERPLATE_MIN_CHARS`] characters long. Digits go so that "截至3月" and "截至4月"
//!   templates match.
//! - **closed_without_evidence** — a closed measure none of whose progress reports carries
//!   an evidence file.
//! - **signed_off_without_evidence** — a signed-off problem none of whose measures has any
//!   evidence file.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ledger::MeasureKind;

/// fast_close: closing took less than 1/FAST_FACTOR of the peers' median.
pub const FAST_FACTOR: i64 = 5;
/// fast_close: the group (same inspection and kind) needs at least this many closed measures.
pub const FAST_MIN_GROUP: usize = 5;
/// fast_close: groups whose median is shorter than this are all quick; nothing is flagged.
pub const FAST_MIN_MEDIAN_DAYS: i64 = 10;
/// boilerplate_text: normalised length at least this many characters.
pub const BOILERPLATE_MIN_CHARS: usize = 30;
/// boilerplate_text: the same text from at least this many units.
pub const BOILERPLATE_MIN_UNITS: usize = 2;

/// A closed measure, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedMeasure {
    pub measure_id: i64,
    pub problem_id: i64,
    pub inspection_id: i64,
    pub kind: MeasureKind,
    pub unit_id: Option<i64>,
    /// The inspection's feedback date: when rectification started.
    pub started_on: Option<NaiveDate>,
    pub closed_on: NaiveDate,
    pub report_count: i64,
    pub evidence_count: i64,
}

/// One evidence file attached (through a progress report) to one measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceUse {
    pub sha256: String,
    pub file_name: String,
    pub measure_id: i64,
    pub problem_id: i64,
    pub unit_id: Option<i64>,
}

/// One progress report's text for one measure it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressText {
    pub report_id: i64,
    pub measure_id: i64,
    pub unit_id: Option<i64>,
    pub text: String,
}

/// A signed-off problem with how much evidence its measures carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOffProblem {
    pub problem_id: i64,
    pub signed_off_on: NaiveDate,
    pub measure_count: i64,
    pub evidence_count: i64,
}

/// Everything the rules look at. Unit names only make explanations readable.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub closed: Vec<ClosedMeasure>,
    pub evidence: Vec<EvidenceUse>,
    pub texts: Vec<ProgressText>,
    pub signed_off: Vec<SignedOffProblem>,
    pub unit_names: BTreeMap<i64, String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    FastClose,
    EvidenceReused,
    BoilerplateText,
    ClosedWithoutEvidence,
    SignedOffWithoutEvidence,
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::FastClose => "fast_close",
            FlagKind::EvidenceReused => "evidence_reused",
            FlagKind::BoilerplateText => "boilerplate_text",
            FlagKind::ClosedWithoutEvidence => "closed_without_evidence",
            FlagKind::SignedOffWithoutEvidence => "signed_off_without_evidence",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            FlagKind::FastClose => "销号过快",
            FlagKind::EvidenceReused => "佐证材料重复使用",
            FlagKind::BoilerplateText => "进展内容雷同",
            FlagKind::ClosedWithoutEvidence => "无佐证销号(措施)",
            FlagKind::SignedOffWithoutEvidence => "无佐证销号(问题)",
        }
    }
}

/// One named figure behind a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figure {
    pub name: String,
    pub value: String,
}

/// A pointer for the supervisor, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Flag {
    pub kind: FlagKind,
    pub measure_ids: Vec<i64>,
    pub problem_ids: Vec<i64>,
    pub unit_ids: Vec<i64>,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub figures: Vec<Figure>,
}

fn fig(name: &str, value: impl ToString) -> Figure {
    Figure {
        name: name.to_string(),
        value: value.to_string(),
    }
}

fn ids(v: impl IntoIterator<Item = i64>) -> Vec<i64> {
    v.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

fn join(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

impl Facts {
    fn unit_name(&self, u: Option<i64>) -> String {
        match u {
            Some(id) => self
                .unit_names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}")),
            None => "（未指定单位）".to_string(),
        }
    }
    fn unit_list(&self, units: &[Option<i64>]) -> String {
        units
            .iter()
            .map(|u| self.unit_name(*u))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Twice the median (exact in integers).
fn median_x2(sorted: &[i64]) -> i64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2] * 2
    } else {
        sorted[n / 2 - 1] + sorted[n / 2]
    }
}

fn half(x2: i64) -> String {
    if x2 % 2 == 0 {
        (x2 / 2).to_string()
    } else {
        format!("{}.5", x2 / 2)
    }
}

/// Fold full-width forms, drop whitespace, punctuation and digits, lower-case ASCII.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| {
            !(c.is_whitespace()
                || c.is_ascii_punctuation()
                || c.is_numeric()
                || matches!(*c, '\u{3001}'..='\u{303F}' | '\u{2010}'..='\u{2027}' | '\u{00B7}' | '\u{FE30}'..='\u{FE4F}'))
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Run every rule; flags come ordered by kind, then by their first measure or problem.
pub fn evaluate(f: &Facts) -> Vec<Flag> {
    let mut out = Vec::new();
    fast_close(f, &mut out);
    evidence_reused(f, &mut out);
    boilerplate(f, &mut out);
    without_evidence(f, &mut out);
    out.sort_by(|a, b| {
        (a.kind, a.measure_ids.first(), a.problem_ids.first()).cmp(&(
            b.kind,
            b.measure_ids.first(),
            b.problem_ids.first(),
        ))
    });
    out
}

fn fast_close(f: &Facts, out: &mut Vec<Flag>) {
    let mut groups: BTreeMap<(i64, &'static str), Vec<(&ClosedMeasure, i64)>> = BTreeMap::new();
    for m in &f.closed {
        if let Some(start) = m.started_on {
            let days = (m.closed_on - start).num_days().max(0);
            groups
                .entry((m.inspection_id, m.kind.as_str()))
                .or_default()
                .push((m, days));
        }
    }
    for ((inspection_id, kind), group) in groups {
        if group.len() < FAST_MIN_GROUP {
            continue;
        }
        let mut days: Vec<i64> = group.iter().map(|(_, d)| *d).collect();
        days.sort_unstable();
        let med2 = median_x2(&days);
        if med2 < FAST_MIN_MEDIAN_DAYS * 2 {
            continue;
        }
        for (m, d) in &group {
            // d < median / FAST_FACTOR  ⇔  2·FAST_FACTOR·d < 2·median
            if 2 * FAST_FACTOR * d >= med2 {
                continue;
            }
            let start = m.started_on.unwrap_or(m.closed_on);
            out.push(Flag {
                kind: FlagKind::FastClose,
                measure_ids: vec![m.measure_id],
                problem_ids: vec![m.problem_id],
                unit_ids: m.unit_id.into_iter().collect(),
                explanation_zh: format!(
                    "措施 {} 自反馈（{}）起 {} 天即销号；同一巡察的同类措施共 {} 项已销号，用时中位数 {} 天，该项不足中位数的 1/{}。仅提示核查，不是问责结论。",
                    m.measure_id, start, d, group.len(), half(med2), FAST_FACTOR
                ),
                explanation_en: format!(
                    "Measure {} was closed {} days after feedback ({}); the {} closed {} measures of inspection {} took a median of {} days, and {} is less than 1/{} of that. A pointer for review, not a finding.",
                    m.measure_id, d, start, group.len(), kind, inspection_id, half(med2), d, FAST_FACTOR
                ),
                figures: vec![
                    fig("days_to_close", d),
                    fig("peer_median_days", half(med2)),
                    fig("peer_count", group.len()),
                    fig("factor", FAST_FACTOR),
                    fig("inspection_id", inspection_id),
                    fig("kind", kind),
                ],
            });
        }
    }
}

fn evidence_reused(f: &Facts, out: &mut Vec<Flag>) {
    let mut by_sha: BTreeMap<&str, Vec<&EvidenceUse>> = BTreeMap::new();
    for e in &f.evidence {
        by_sha.entry(e.sha256.as_str()).or_default().push(e);
    }
    for (sha, uses) in by_sha {
        let unrelated = uses.iter().enumerate().any(|(i, a)| {
            uses[i + 1..]
                .iter()
                .any(|b| a.problem_id != b.problem_id && a.unit_id != b.unit_id)
        });
        if !unrelated {
            continue;
        }
        let measures = ids(uses.iter().map(|u| u.measure_id));
        let problems = ids(uses.iter().map(|u| u.problem_id));
        let units: Vec<Option<i64>> = uses
            .iter()
            .map(|u| u.unit_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let names: Vec<&str> = uses
            .iter()
            .map(|u| u.file_name.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let short = &sha[..sha.len().min(12)];
        out.push(Flag {
            kind: FlagKind::EvidenceReused,
            explanation_zh: format!(
                "同一佐证文件（SHA-256 {short}…，文件名：{}）被 {} 项措施使用，涉及 {} 个问题、{} 个单位（{}）：措施 {}。不同问题、不同单位的整改佐证完全相同，建议核实。",
                names.join("、"), measures.len(), problems.len(), units.len(), f.unit_list(&units), join(&measures)
            ),
            explanation_en: format!(
                "One evidence file (SHA-256 {short}…, named {}) supports {} measures across {} problems and {} units: measures {}. Identical evidence for unrelated items is worth checking.",
                names.join(", "), measures.len(), problems.len(), units.len(), join(&measures)
            ),
            figures: vec![
                fig("sha256", sha),
                fig("measure_count", measures.len()),
                fig("problem_count", problems.len()),
                fig("unit_count", units.len()),
            ],
            unit_ids: units.iter().flatten().copied().collect(),
            measure_ids: measures,
            problem_ids: problems,
        });
    }
}

fn boilerplate(f: &Facts, out: &mut Vec<Flag>) {
    let mut by_text: BTreeMap<String, Vec<&ProgressText>> = BTreeMap::new();
    for t in &f.texts {
        let n = normalise(&t.text);
        if n.chars().count() >= BOILERPLATE_MIN_CHARS {
            by_text.entry(n).or_default().push(t);
        }
    }
    for (norm, texts) in by_text {
        let units: Vec<Option<i64>> = texts
            .iter()
            .map(|t| t.unit_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if units.len() < BOILERPLATE_MIN_UNITS {
            continue;
        }
        let measures = ids(texts.iter().map(|t| t.measure_id));
        let reports = ids(texts.iter().map(|t| t.report_id));
        let excerpt: String = texts[0].text.chars().take(40).collect();
        let len = norm.chars().count();
        out.push(Flag {
            kind: FlagKind::BoilerplateText,
            explanation_zh: format!(
                "{} 个单位（{}）的 {} 份进展报告内容相同（去除空白、标点和数字后 {} 字）：「{}…」；措施 {}。",
                units.len(), f.unit_list(&units), reports.len(), len, excerpt, join(&measures)
            ),
            explanation_en: format!(
                "{} progress reports from {} units read the same once whitespace, punctuation and digits are removed ({} characters): \"{}…\"; measures {}.",
                reports.len(), units.len(), len, excerpt, join(&measures)
            ),
            figures: vec![
                fig("unit_count", units.len()),
                fig("report_count", reports.len()),
                fig("normalised_chars", len),
                fig("report_ids", join(&reports)),
            ],
            unit_ids: units.iter().flatten().copied().collect(),
            measure_ids: measures,
            problem_ids: Vec::new(),
        });
    }
}

fn without_evidence(f: &Facts, out: &mut Vec<Flag>) {
    for m in &f.closed {
        if m.evidence_count > 0 {
            continue;
        }
        out.push(Flag {
            kind: FlagKind::ClosedWithoutEvidence,
            measure_ids: vec![m.measure_id],
            problem_ids: vec![m.problem_id],
            unit_ids: m.unit_id.into_iter().collect(),
            explanation_zh: if m.report_count == 0 {
                format!(
                    "措施 {}（{}）于 {} 销号，但没有任何进展报告和佐证材料。",
                    m.measure_id,
                    f.unit_name(m.unit_id),
                    m.closed_on
                )
            } else {
                format!(
                    "措施 {}（{}）于 {} 销号，但其 {} 份进展报告均未附佐证材料。",
                    m.measure_id,
                    f.unit_name(m.unit_id),
                    m.closed_on,
                    m.report_count
                )
            },
            explanation_en: if m.report_count == 0 {
                format!(
                    "Measure {} was closed on {} with no progress report and no evidence file at all.",
                    m.measure_id, m.closed_on
                )
            } else {
                format!(
                    "Measure {} was closed on {} with no evidence file in any of its {} progress reports.",
                    m.measure_id, m.closed_on, m.report_count
                )
            },
            figures: vec![fig("report_count", m.report_count), fig("evidence_count", 0)],
        });
    }
    for p in &f.signed_off {
        if p.evidence_count > 0 {
            continue;
        }
        out.push(Flag {
            kind: FlagKind::SignedOffWithoutEvidence,
            measure_ids: Vec::new(),
            problem_ids: vec![p.problem_id],
            unit_ids: Vec::new(),
            explanation_zh: format!(
                "问题 {} 于 {} 销号，但其 {} 项整改措施均无佐证材料。",
                p.problem_id, p.signed_off_on, p.measure_count
            ),
            explanation_en: format!(
                "Problem {} was signed off on {} although none of its {} measures has an evidence file.",
                p.problem_id, p.signed_off_on, p.measure_count
            ),
            figures: vec![
                fig("measure_count", p.measure_count),
                fig("evidence_count", 0),
            ],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn closed(id: i64, problem: i64, unit: i64, days: i64) -> ClosedMeasure {
        ClosedMeasure {
            measure_id: id,
            problem_id: problem,
            inspection_id: 1,
            kind: MeasureKind::TimeBound,
            unit_id: Some(unit),
            started_on: Some(d("2025-01-01")),
            closed_on: d("2025-01-01") + chrono::Days::new(days as u64),
            report_count: 1,
            evidence_count: 1,
        }
    }

    #[test]
    fn fast_close_needs_a_fifth_of_the_median_and_enough_peers() {
        // Median of [3, 60, 80, 90, 100] is 80: 3 < 16 flags, 60 does not.
        let mut f = Facts {
            closed: vec![
                closed(1, 1, 10, 3),
                closed(2, 1, 10, 60),
                closed(3, 2, 11, 80),
                closed(4, 2, 11, 90),
                closed(5, 3, 12, 100),
            ],
            ..Facts::default()
        };
        let flags = evaluate(&f);
        assert_eq!(flags.len(), 1, "{flags:#?}");
        assert_eq!(flags[0].kind, FlagKind::FastClose);
        assert_eq!(flags[0].measure_ids, vec![1]);
        assert!(
            flags[0].explanation_zh.contains("3 天")
                && flags[0].explanation_zh.contains("中位数 80 天")
        );
        assert!(flags[0].explanation_en.contains("median of 80 days"));
        // Exactly a fifth is not "less than a fifth".
        f.closed[0] = closed(1, 1, 10, 16);
        assert!(evaluate(&f).is_empty());
        // Four peers are too few to judge.
        f.closed[0] = closed(1, 1, 10, 3);
        f.closed.pop();
        assert!(evaluate(&f).is_empty());
        // Another kind is not a peer.
        let mut f2 = Facts {
            closed: vec![
                closed(1, 1, 10, 3),
                closed(2, 1, 10, 60),
                closed(3, 2, 11, 80),
                closed(4, 2, 11, 90),
                closed(5, 3, 12, 100),
            ],
            ..Facts::default()
        };
        f2.closed[0].kind = MeasureKind::Ongoing;
        assert!(evaluate(&f2).is_empty());
        // A quick group (median under 10 days) flags nothing.
        let quick = Facts {
            closed: (1..=5).map(|i| closed(i, i, 10, i + 2)).collect(),
            ..Facts::default()
        };
        assert!(evaluate(&quick).is_empty());
    }

    fn ev(sha: &str, measure: i64, problem: i64, unit: i64) -> EvidenceUse {
        EvidenceUse {
            sha256: sha.into(),
            file_name: format!("{sha}.pdf"),
            measure_id: measure,
            problem_id: problem,
            unit_id: Some(unit),
        }
    }

    #[test]
    fn evidence_reuse_counts_only_unrelated_measures() {
        let f = Facts {
            evidence: vec![
                // Same problem, two units: related.
                ev("aaaa", 1, 1, 10),
                ev("aaaa", 2, 1, 11),
                // Same unit, two problems: related.
                ev("bbbb", 3, 2, 12),
                ev("bbbb", 4, 3, 12),
                // Different problem and unit: unrelated.
                ev("cccc", 5, 4, 13),
                ev("cccc", 6, 5, 14),
                ev("dddd", 7, 6, 15),
            ],
            ..Facts::default()
        };
        let flags = evaluate(&f);
        assert_eq!(flags.len(), 1, "{flags:#?}");
        assert_eq!(flags[0].kind, FlagKind::EvidenceReused);
        assert_eq!(flags[0].measure_ids, vec![5, 6]);
        assert_eq!(flags[0].unit_ids, vec![13, 14]);
        assert!(flags[0].explanation_zh.contains("cccc.pdf"));
    }

    fn txt(report: i64, measure: i64, unit: i64, text: &str) -> ProgressText {
        ProgressText {
            report_id: report,
            measure_id: measure,
            unit_id: Some(unit),
            text: text.into(),
        }
    }

    #[test]
    fn boilerplate_matches_templates_across_units_only() {
        let long_a = "截至2025年3月底,已召开专题会议研究部署,制定整改方案,明确责任分工,建立长效机制,整改工作取得阶段性成效。";
        let long_b = "截至 2025年4月底 ,已召开专题会议研究部署;制定整改方案、明确责任分工、建立长效机制,整改工作取得阶段性成效";
        let f = Facts {
            texts: vec![
                txt(1, 1, 10, long_a),
                txt(2, 2, 11, long_b),
                // The same unit repeating itself is not flagged.
                txt(
                    3,
                    3,
                    12,
                    "本单位已完成全部台账清理工作并建立了季度复查制度和责任追究制度确保不反弹",
                ),
                txt(
                    4,
                    4,
                    12,
                    "本单位已完成全部台账清理工作并建立了季度复查制度和责任追究制度确保不反弹",
                ),
                // Short texts are never boilerplate.
                txt(5, 5, 13, "已完成。"),
                txt(6, 6, 14, "已完成"),
            ],
            ..Facts::default()
        };
        let flags = evaluate(&f);
        assert_eq!(flags.len(), 1, "{flags:#?}");
        assert_eq!(flags[0].kind, FlagKind::BoilerplateText);
        assert_eq!(flags[0].measure_ids, vec![1, 2]);
        assert_eq!(normalise("ＡＢ　c，1２3。d"), "abcd");
    }

    #[test]
    fn closing_and_signing_off_without_evidence() {
        let mut m = closed(1, 1, 10, 30);
        m.evidence_count = 0;
        let f = Facts {
            closed: vec![m, closed(2, 2, 10, 30)],
            signed_off: vec![
                SignedOffProblem {
                    problem_id: 1,
                    signed_off_on: d("2025-03-01"),
                    measure_count: 1,
                    evidence_count: 0,
                },
                SignedOffProblem {
                    problem_id: 2,
                    signed_off_on: d("2025-03-01"),
                    measure_count: 1,
                    evidence_count: 2,
                },
            ],
            ..Facts::default()
        };
        let flags = evaluate(&f);
        let kinds: Vec<_> = flags
            .iter()
            .map(|f| (f.kind, f.measure_ids.clone(), f.problem_ids.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (FlagKind::ClosedWithoutEvidence, vec![1], vec![1]),
                (FlagKind::SignedOffWithoutEvidence, vec![], vec![1]),
            ]
        );
        assert!(flags[1].explanation_en.contains("signed off on 2025-03-01"));
    }
}
