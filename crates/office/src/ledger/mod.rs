//! The ledger sheet (整改台账) as offices lay it out: the standard columns, one row per measure,
//! and the labels both the writers (`xlsx_out`, `csv_out`, `json_out`) and the importer read.
//!
//! # Layout
//!
//! One sheet: a title row (the inspection and the "as of" date; xlsx only), one header row with
//! the [`Column`]s in [`Column::ALL`] order, then one [`LedgerRow`] per measure, in ledger order
//! (aspect seq, problem seq, measure seq). In the xlsx the problem cells (序号, 方面, 问题) are
//! merged across the rows of that problem's measures.
//!
//! # 序号 (the problem number)
//!
//! 序号 numbers *problems*, not measures: it is the problem's 1-based running number within its
//! inspection, counting problems in ledger order (aspect seq, then problem seq), across aspects
//! (第一方面 has 1..=n, 第二方面 continues at n+1). All measures of one problem carry the same
//! 序号. The number is computed over the whole inspection *before* any filter, so a filtered
//! export (`--unit`, `--state`, `--overdue`) keeps the numbers of the full ledger and has gaps.
//! An export of several inspections (no `--inspection`) lists them one after another by id, each
//! numbered from 1; import works on one inspection at a time.
//! Re-importing a ledger matches a row to an existing problem by 序号 **and** problem text
//! (问题): both must agree, so an inserted or reordered problem is never silently matched to its
//! neighbour.
//!
//! # Deadline (完成时限)
//!
//! A real date when the measure has one; otherwise the kind's wording: 长期坚持 (ongoing) or
//! 立行立改 (immediate); otherwise empty. See [`Deadline`].

use std::borrow::Cow;

use chrono::NaiveDate;
use rectify_core::ledger::MeasureKind;
use rectify_core::progress::Light;
use rectify_core::state::MeasureState;
use serde::{Deserialize, Serialize};

pub mod csv_out;
pub mod import;
pub mod json_out;
pub mod xlsx_out;

/// Why a ledger could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// rust_xlsxwriter refused the sheet's frame (a limit of the format).
    #[error("could not write the xlsx ledger: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// Writing the output failed.
    #[error("could not write the ledger: {0}")]
    Io(#[from] std::io::Error),
    /// JSON encoding failed (only through the underlying writer).
    #[error("could not write the JSON ledger: {0}")]
    Json(#[from] serde_json::Error),
    /// The xlsx package could not be written or read back.
    #[error("could not write the xlsx package: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// rust_xlsxwriter's frame of the sheet was not as expected (a bug, or its version).
    #[error("unexpected xlsx frame: {0}")]
    Frame(String),
    /// More measure rows than one sheet holds.
    #[error("the ledger has more rows than one sheet holds ({0}); narrow it with a filter")]
    TooManyRows(u32),
}

/// Language of the header row and labels. Titles and user text are never translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 中文 (default)
    #[default]
    Zh,
    /// English
    En,
}

impl Lang {
    /// `zh` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The standard columns of the ledger, in sheet order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// 序号: the problem's running number in the inspection (see the module doc).
    No,
    /// 方面
    Aspect,
    /// 问题
    Problem,
    /// 整改措施
    Measure,
    /// 整改类型
    Kind,
    /// 责任领导
    Leader,
    /// 责任单位
    Unit,
    /// 责任人
    Owner,
    /// 完成时限
    Deadline,
    /// 整改进展 (latest progress report)
    Progress,
    /// 完成情况 (status label, traffic-light filled in the xlsx)
    Status,
    /// 佐证材料(数): number of evidence files
    Evidence,
    /// 备注
    Remarks,
}

impl Column {
    /// Every column, in sheet order.
    pub const ALL: [Column; 13] = [
        Column::No,
        Column::Aspect,
        Column::Problem,
        Column::Measure,
        Column::Kind,
        Column::Leader,
        Column::Unit,
        Column::Owner,
        Column::Deadline,
        Column::Progress,
        Column::Status,
        Column::Evidence,
        Column::Remarks,
    ];

    /// The columns merged across a problem's measure rows.
    pub const PROBLEM_CELLS: [Column; 3] = [Column::No, Column::Aspect, Column::Problem];

    /// 0-based position in the sheet.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The standard Chinese header.
    pub fn header_zh(self) -> &'static str {
        match self {
            Column::No => "序号",
            Column::Aspect => "方面",
            Column::Problem => "问题",
            Column::Measure => "整改措施",
            Column::Kind => "整改类型",
            Column::Leader => "责任领导",
            Column::Unit => "责任单位",
            Column::Owner => "责任人",
            Column::Deadline => "完成时限",
            Column::Progress => "整改进展",
            Column::Status => "完成情况",
            Column::Evidence => "佐证材料(数)",
            Column::Remarks => "备注",
        }
    }

    /// The English header (`--lang en`); also the JSON key in English.
    pub fn header_en(self) -> &'static str {
        match self {
            Column::No => "No.",
            Column::Aspect => "Aspect",
            Column::Problem => "Problem",
            Column::Measure => "Measure",
            Column::Kind => "Kind",
            Column::Leader => "Leader in charge",
            Column::Unit => "Responsible unit",
            Column::Owner => "Owner",
            Column::Deadline => "Deadline",
            Column::Progress => "Progress",
            Column::Status => "Status",
            Column::Evidence => "Evidence (files)",
            Column::Remarks => "Remarks",
        }
    }

    /// The header in `lang`.
    pub fn header(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.header_zh(),
            Lang::En => self.header_en(),
        }
    }

    /// The column whose standard header (either language, exact after trimming) is `s`.
    pub fn from_header(s: &str) -> Option<Column> {
        let s = s.trim();
        Column::ALL
            .into_iter()
            .find(|c| c.header_zh() == s || c.header_en().eq_ignore_ascii_case(s))
    }
}

/// Measure kind label in `lang` (立行立改 / 限期整改 / 长期坚持).
pub fn kind_label(kind: MeasureKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => match kind {
            MeasureKind::Immediate => "immediate",
            MeasureKind::TimeBound => "time-bound",
            MeasureKind::Ongoing => "ongoing",
        },
    }
}

/// The kind whose label (either language) is `s`.
pub fn kind_from_label(s: &str) -> Option<MeasureKind> {
    let s = s.trim();
    MeasureKind::ALL
        .into_iter()
        .find(|k| kind_label(*k, Lang::Zh) == s || kind_label(*k, Lang::En).eq_ignore_ascii_case(s))
}

/// Status label (完成情况) of a measure state in `lang`.
pub fn status_label(state: MeasureState, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => state.label_zh(),
        Lang::En => match state {
            MeasureState::Draft => "draft",
            MeasureState::Assigned => "assigned",
            MeasureState::InProgress => "in progress",
            MeasureState::Submitted => "submitted",
            MeasureState::Returned => "returned",
            MeasureState::Closed => "closed",
            MeasureState::ClosedOngoing => "closed (ongoing)",
            MeasureState::Reopened => "reopened",
        },
    }
}

/// The state whose status label (either language) is `s`.
pub fn state_from_label(s: &str) -> Option<MeasureState> {
    let s = s.trim();
    MeasureState::ALL.into_iter().find(|st| {
        status_label(*st, Lang::Zh) == s || status_label(*st, Lang::En).eq_ignore_ascii_case(s)
    })
}

/// 完成时限 as a ledger shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "date")]
pub enum Deadline {
    /// A calendar date (written as a real date cell in the xlsx).
    Date(NaiveDate),
    /// 长期坚持: no end date.
    Ongoing,
    /// 立行立改: no separate date.
    Immediate,
    /// Not set.
    None,
}

impl Deadline {
    /// From a stored measure: its date if it has one, else the wording its kind implies.
    pub fn of_measure(kind: MeasureKind, date: Option<NaiveDate>) -> Deadline {
        match (date, kind) {
            (Some(d), _) => Deadline::Date(d),
            (None, MeasureKind::Ongoing) => Deadline::Ongoing,
            (None, MeasureKind::Immediate) => Deadline::Immediate,
            (None, MeasureKind::TimeBound) => Deadline::None,
        }
    }

    /// The date, when there is one.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Deadline::Date(d) => Some(d),
            _ => None,
        }
    }

    /// Text form: `2021-12-31`, 长期坚持 / `ongoing`, 立行立改 / `immediate`, or empty.
    pub fn label(self, lang: Lang) -> String {
        match self {
            Deadline::Date(d) => d.format("%Y-%m-%d").to_string(),
            Deadline::Ongoing => kind_label(MeasureKind::Ongoing, lang).to_string(),
            Deadline::Immediate => kind_label(MeasureKind::Immediate, lang).to_string(),
            Deadline::None => String::new(),
        }
    }
}

/// One measure's row of the ledger, with its problem's cells repeated (the writers merge them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// 序号: the problem's 1-based running number in the inspection (see the module doc).
    pub problem_no: u32,
    /// 方面: the aspect's title.
    pub aspect: String,
    /// 问题: the problem's title.
    pub problem: String,
    /// 整改措施: the measure's text.
    pub measure: String,
    /// 整改类型
    pub kind: MeasureKind,
    /// 责任领导 (name)
    pub leader: Option<String>,
    /// 责任单位 (name)
    pub unit: Option<String>,
    /// 责任人 (name)
    pub owner: Option<String>,
    /// 完成时限
    pub deadline: Deadline,
    /// 整改进展: text of the latest progress report.
    pub progress: Option<String>,
    /// 完成情况: the measure's state (labelled with [`status_label`]).
    pub state: MeasureState,
    /// Traffic light of the status cell, derived on export (`rectify_core::progress::light`);
    /// `None` when unknown (e.g. a row read back from a file).
    pub light: Option<Light>,
    /// 佐证材料(数): number of evidence files.
    pub evidence: u32,
    /// 备注
    pub remarks: Option<String>,
}

impl LedgerRow {
    /// The row's text for `col` in `lang`, as CSV and JSON write it (dates `YYYY-MM-DD`).
    pub fn text(&self, col: Column, lang: Lang) -> String {
        self.cell(col, lang).into_owned()
    }

    /// [`LedgerRow::text`] without copying: borrowed from the row or a static label, owned
    /// only for numbers and dates.
    pub fn cell(&self, col: Column, lang: Lang) -> Cow<'_, str> {
        fn opt(o: &Option<String>) -> Cow<'_, str> {
            Cow::Borrowed(o.as_deref().unwrap_or(""))
        }
        match col {
            Column::No => Cow::Owned(self.problem_no.to_string()),
            Column::Aspect => Cow::Borrowed(&self.aspect),
            Column::Problem => Cow::Borrowed(&self.problem),
            Column::Measure => Cow::Borrowed(&self.measure),
            Column::Kind => Cow::Borrowed(kind_label(self.kind, lang)),
            Column::Leader => opt(&self.leader),
            Column::Unit => opt(&self.unit),
            Column::Owner => opt(&self.owner),
            Column::Deadline => match self.deadline {
                Deadline::Date(_) => Cow::Owned(self.deadline.label(lang)),
                Deadline::Ongoing => Cow::Borrowed(kind_label(MeasureKind::Ongoing, lang)),
                Deadline::Immediate => Cow::Borrowed(kind_label(MeasureKind::Immediate, lang)),
                Deadline::None => Cow::Borrowed(""),
            },
            Column::Progress => opt(&self.progress),
            Column::Status => Cow::Borrowed(status_label(self.state, lang)),
            Column::Evidence => Cow::Owned(self.evidence.to_string()),
            Column::Remarks => opt(&self.remarks),
        }
    }

    /// Whether `other` belongs to the same problem (same 序号 and problem text): the rule the
    /// writers use to merge and the importer uses to match.
    pub fn same_problem(&self, other: &LedgerRow) -> bool {
        self.problem_no == other.problem_no && self.problem == other.problem
    }
}

/// A whole ledger sheet: title row data and the rows. Writers also accept rows one at a time
/// (see `xlsx_out::XlsxWriter`), so large exports need not hold every row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerSheet {
    /// Title (usually the inspection's name), shown in the title row.
    pub title: String,
    /// The "as of" date shown in the title row.
    pub date: NaiveDate,
    /// One row per measure, in ledger order.
    pub rows: Vec<LedgerRow>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Two problems: the first with two measures, the second with one (立行立改, no date).
    pub(crate) fn sample() -> LedgerSheet {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let row = |no: u32, problem: &str, measure: &str| LedgerRow {
            problem_no: no,
            aspect: "一、贯彻落实党的路线方针政策方面".into(),
            problem: problem.into(),
            measure: measure.into(),
            kind: MeasureKind::TimeBound,
            leader: Some("张三".into()),
            unit: Some("市财政局".into()),
            owner: Some("李四".into()),
            deadline: Deadline::Date(d(2021, 12, 31)),
            progress: Some("已制定方案".into()),
            state: MeasureState::InProgress,
            light: Some(Light::Red),
            evidence: 2,
            remarks: None,
        };
        let mut third = row(2, "问题二", "措施 \"双引号\", 逗号");
        third.kind = MeasureKind::Immediate;
        third.deadline = Deadline::Immediate;
        third.state = MeasureState::Closed;
        third.light = Some(Light::Green);
        third.leader = None;
        LedgerSheet {
            title: "市委第一巡察组对市财政局党组".into(),
            date: d(2021, 12, 28),
            rows: vec![
                row(1, "问题一", "措施一"),
                row(1, "问题一", "措施二"),
                third,
            ],
        }
    }

    #[test]
    fn columns_are_in_sheet_order_with_both_headers() {
        let zh: Vec<_> = Column::ALL.iter().map(|c| c.header_zh()).collect();
        assert_eq!(
            zh,
            [
                "序号",
                "方面",
                "问题",
                "整改措施",
                "整改类型",
                "责任领导",
                "责任单位",
                "责任人",
                "完成时限",
                "整改进展",
                "完成情况",
                "佐证材料(数)",
                "备注"
            ]
        );
        for (i, c) in Column::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Column::from_header(c.header_zh()), Some(c));
            assert_eq!(Column::from_header(c.header_en()), Some(c));
        }
    }

    #[test]
    fn labels_round_trip() {
        for k in MeasureKind::ALL {
            for l in [Lang::Zh, Lang::En] {
                assert_eq!(kind_from_label(kind_label(k, l)), Some(k));
            }
        }
        for s in MeasureState::ALL {
            for l in [Lang::Zh, Lang::En] {
                assert_eq!(state_from_label(status_label(s, l)), Some(s));
            }
        }
    }

    #[test]
    fn deadline_prefers_the_date_then_the_kind() {
        let d = NaiveDate::from_ymd_opt(2021, 12, 31).unwrap();
        assert_eq!(
            Deadline::of_measure(MeasureKind::Ongoing, Some(d)),
            Deadline::Date(d)
        );
        assert_eq!(
            Deadline::of_measure(MeasureKind::Ongoing, None),
            Deadline::Ongoing
        );
        assert_eq!(
            Deadline::of_measure(MeasureKind::Immediate, None).label(Lang::Zh),
            "立行立改"
        );
        assert_eq!(
            Deadline::of_measure(MeasureKind::TimeBound, None),
            Deadline::None
        );
    }
}
