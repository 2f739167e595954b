//! The parsed notice: stable, documented snake_case fields (see FORMAT.md).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A parsed progress notice (整改进展情况的通报).
///
/// Every field is always present in JSON; unknown values are `null` or `[]`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Notice {
    /// The notice's own title (标题), e.g. `…关于…巡察整改进展情况的通报`.
    pub title: Option<String>,
    /// The publishing organisation: the title's prefix before 关于, else the signature.
    pub issuer: Option<String>,
    /// Publication date `YYYY-MM-DD`: the signature date, else the page's 发布日期.
    pub published: Option<String>,
    /// How the input was read.
    pub source: Source,
    /// Facts from the opening formula (根据…部署,A至B,…巡察组对…进行了巡察).
    pub inspection: Inspection,
    /// The problem tree: aspect → problem → measures.
    pub aspects: Vec<Aspect>,
    /// The other top-level parts of the notice (organisation of the work, next steps …).
    pub sections: Vec<Section>,
    /// Sizes of the problem tree, always equal to what `aspects` holds.
    pub counts: Counts,
    /// Every date mention, in reading order.
    pub dates: Vec<DateMention>,
    /// Document numbers (文号) such as `东府办函〔2021〕461号`, first occurrence of each.
    pub doc_numbers: Vec<DocNumber>,
    /// Titles of documents quoted in 《…》, first occurrence of each, in order.
    pub titles: Vec<String>,
    /// Counted figures (`48项`, `22份`, `98.71%` …), one per occurrence.
    pub quantities: Vec<Quantity>,
    /// Ways to reach the issuer given in the closing paragraph.
    pub contacts: Contacts,
    /// Published statistics of the rectification.
    pub stats: Stats,
    /// What could not be read, with line numbers.
    pub warnings: Vec<Warning>,
}

/// Where the text came from.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Source {
    /// `text`, `html` or `docx`.
    pub kind: InputKind,
    /// `utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, `gbk` or `gb18030`.
    pub encoding: String,
}

/// Kind of input detected by [`crate::parse_bytes`].
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// Plain text.
    #[default]
    Text,
    /// An HTML page copy; tags, scripts and page chrome removed.
    Html,
    /// A Word .docx file; paragraphs of `word/document.xml`.
    Docx,
}

/// Facts of the inspection the notice reports on.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Inspection {
    /// The inspection team (巡察组), e.g. `市委第一巡察组`.
    pub team: Option<String>,
    /// The inspected organisation (被巡察党组织), without its `(以下简称…)` note.
    pub inspected: Option<String>,
    /// First day of the stationing period, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day of the stationing period, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Date the findings were handed back (反馈), `YYYY-MM-DD`.
    pub feedback: Option<String>,
    /// The round (巡察轮次), e.g. `十四届市委第十三轮`.
    pub round: Option<String>,
}

/// An aspect (方面): a group of problems.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Aspect {
    /// The marker as written (`第一方面问题`, `一、`, `(一)`), `null` when the notice has no aspect level.
    pub marker: Option<String>,
    /// Heading text without marker and trailing punctuation (empty for the implicit aspect).
    pub title: String,
    /// 1-based line of the heading (0 for the implicit aspect).
    pub line: usize,
    /// Problems under this aspect.
    pub problems: Vec<Problem>,
}

/// A problem (问题) found by the inspection.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Problem {
    /// The marker as written, e.g. `(一)` or `1.`; `null` when the heading has none.
    pub marker: Option<String>,
    /// Heading text, e.g. `针对党组发挥领导作用不够充分的问题`.
    pub title: String,
    /// 1-based line of the heading.
    pub line: usize,
    /// Introductory text under the heading that is not itself a measure.
    pub intro: Option<String>,
    /// Top-level measures (整改措施).
    pub measures: Vec<Item>,
}

/// A measure, or an item of a section; nested items are in `children`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Item {
    /// `1.`, `(1)`, `一是` … as written; `null` for an unnumbered paragraph or topic label.
    pub marker: Option<String>,
    /// The item's own text (for a numbered item: its lead, up to its first 一是).
    pub text: String,
    /// 1-based line where the item starts.
    pub line: usize,
    /// Sub-items: 一是/二是 inside a numbered measure, or a topic label's list.
    pub children: Vec<Item>,
}

/// A top-level part of the notice other than the problem tree.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Section {
    /// Marker as written, e.g. `一、`.
    pub marker: Option<String>,
    /// Heading text.
    pub title: String,
    /// What the part is about.
    pub role: SectionRole,
    /// 1-based line of the heading.
    pub line: usize,
    /// Its items (for `problems`: empty, the content is in `aspects`).
    pub items: Vec<Item>,
}

/// The role of a [`Section`].
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum SectionRole {
    /// Organisation of the work (组织领导, 压实责任 …).
    Organisation,
    /// The heading that holds the problem tree; its content is in `aspects`.
    Problems,
    /// Next steps (下一步工作计划).
    NextSteps,
    /// Anything else.
    #[default]
    Other,
}

/// Sizes of the problem tree.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    /// Number of aspects (including an implicit one).
    pub aspects: usize,
    /// Number of problems.
    pub problems: usize,
    /// Number of top-level measures.
    pub measures: usize,
}

/// How exact a date mention is.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// A day.
    Day,
    /// A whole month: `date` is `YYYY-MM`.
    Month,
    /// Part of a month (上旬, 中旬, 下旬, 中下旬, 月底 …): `from`/`to` days.
    PartOfMonth,
    /// Part of a year (上半年, 下半年, 年初, 年底): `from`/`to` days.
    Year,
}

/// One occurrence of a date in the text.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DateMention {
    /// The text as written, e.g. `4月9日` or `2021年3月12日至4月9日`.
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// `YYYY-MM-DD` (day) or `YYYY-MM` (month); `null` for ranges and fuzzy dates.
    pub date: Option<String>,
    /// First day of a range or fuzzy date, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day of a range or fuzzy date, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// How exact the date is.
    pub precision: Precision,
    /// True when the year was not written and was taken from context.
    pub year_inferred: bool,
}

/// A document number (文号).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DocNumber {
    /// Normalised form `代字〔年份〕序号号`, e.g. `东府办函〔2021〕461号`.
    pub text: String,
    /// Issuer code (机关代字), e.g. `东府办函`; may be empty.
    pub code: String,
    /// Year in the brackets.
    pub year: u32,
    /// Serial number.
    pub serial: u32,
    /// 1-based line of the first occurrence.
    pub line: usize,
}

/// A counted figure.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Quantity {
    /// As written, e.g. `48项`.
    pub text: String,
    /// The number (integers serialise without a fraction).
    #[serde(serialize_with = "ser_num", deserialize_with = "de_num")]
    pub value: f64,
    /// The unit: 个 项 件 期 篇 次 人 人次 名 家 条 份 元 万元 亿元 %.
    pub unit: String,
    /// The clause around the figure.
    pub context: String,
    /// 1-based line.
    pub line: usize,
}

/// Contact details of the issuer.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Contacts {
    /// Telephone numbers as written.
    pub phones: Vec<String>,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// Postcodes (邮政编码).
    pub postcodes: Vec<String>,
    /// Postal addresses (邮政信箱, 地址).
    pub addresses: Vec<String>,
}

/// Published statistics; absent figures are `null`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Stats {
    /// Problems (or rectification tasks) handed back.
    pub problems_total: Option<u32>,
    /// Completed (已完成).
    pub completed: Option<u32>,
    /// Largely completed (基本完成).
    pub largely_completed: Option<u32>,
    /// In progress (正在整改 / 持续整改).
    pub in_progress: Option<u32>,
    /// Not completed (未完成).
    pub not_completed: Option<u32>,
    /// Published completion rate in percent, e.g. `98.71`.
    #[serde(serialize_with = "ser_opt_num", deserialize_with = "de_opt_num")]
    pub completion_rate: Option<f64>,
    /// Rules made or revised (建章立制).
    pub rules: Option<u32>,
    /// Money figures.
    pub money: Vec<Money>,
    /// People dealt with, by form of accountability action.
    pub people: Vec<People>,
}

/// A money figure.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Money {
    /// What the money is (清退, 追回, 挽回经济损失 …).
    pub label: String,
    /// Amount in yuan as an exact decimal string, e.g. `"125000"` for 12.5万元.
    pub yuan: String,
}

/// People dealt with in one form.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct People {
    /// The form, e.g. `诫勉谈话`.
    pub form: String,
    /// How many people.
    pub count: u32,
}

/// Something that could not be read.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Warning {
    /// Stable snake_case code, e.g. `unreadable_date`.
    pub code: String,
    /// 1-based line, when the warning is about one.
    pub line: Option<usize>,
    /// Human-readable explanation.
    pub message: String,
}

impl Warning {
    pub(crate) fn new(code: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Warning {
            code: code.to_string(),
            line,
            message: message.into(),
        }
    }
}

const EXACT_INT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

fn ser_num<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < EXACT_INT_LIMIT {
        // Exact: |v| < 2^53 and integral.
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

fn de_num<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    f64::deserialize(d)
}

fn ser_opt_num<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => ser_num(x, s),
        None => s.serialize_none(),
    }
}

fn de_opt_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(d)
}
