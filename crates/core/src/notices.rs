//! Supervision notices (督办单): document numbers (文号) in the 〔YYYY〕N号 form and their
//! numbering scheme, tiers, the notice lifecycle as a state machine, and reply-date rules.
//!
//! ```text
//! draft ──issue──▶ issued ──reply──▶ replied ──accept──▶ accepted ──close──▶ closed
//!                    ▲                  │
//!                    │                  └──return──▶ returned ──reply──▶ replied …
//! issued / returned past the reply date, no reply: escalate one tier (一般 → 重点 → 挂牌)
//! ```

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Years a document number may carry.
pub const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1949..=2099;

/// A document number (文号) such as `东府办〔2021〕35号`: issuer code, year in 〔〕, serial + 号.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocNumber {
    /// 发文机关代字, e.g. `东府办`.
    pub issuer_code: String,
    pub year: i32,
    /// 发文顺序号, from 1, written without leading zeros (GB/T 9704-2012 §7.2.4).
    pub serial: u32,
}

/// Why a document number was refused; each names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocNumberError {
    #[error("文号为空 (empty document number)")]
    Empty,
    #[error(
        "年份须用六角括号〔〕括入,不能用 {found} (the year goes in 〔〕 brackets, not {found})"
    )]
    WrongBrackets { found: String },
    #[error("缺少年份〔YYYY〕 (no year in 〔〕)")]
    MissingYear,
    #[error("缺少发文机关代字 (no issuer code before the year)")]
    MissingIssuer,
    #[error("年份 {0} 应为四位数字 (the year must be four digits)")]
    BadYear(String),
    #[error("年份 {year} 超出范围 1949–2099 (year out of range)")]
    YearOutOfRange { year: i32 },
    #[error("缺少“号”字 (the number must end with 号)")]
    MissingHao,
    #[error(
        "序号 {0} 无效:应为不带虚位的正整数 (serial must be a positive number without leading zeros)"
    )]
    BadSerial(String),
}

impl DocNumberError {
    pub fn code(&self) -> &'static str {
        match self {
            DocNumberError::Empty => "required",
            DocNumberError::WrongBrackets { .. } => "wrong_brackets",
            DocNumberError::MissingYear => "missing_year",
            DocNumberError::MissingIssuer => "missing_issuer",
            DocNumberError::BadYear(_) => "invalid_year",
            DocNumberError::YearOutOfRange { .. } => "year_out_of_range",
            DocNumberError::MissingHao => "missing_hao",
            DocNumberError::BadSerial(_) => "invalid_serial",
        }
    }

    /// As a field error for `field`.
    pub fn at(&self, field: &str) -> FieldError {
        FieldError::new(field, self.code(), self.to_string())
    }
}

/// Brackets people type instead of 〔〕 (六角括号): square, round, full-width, lenticular.
const WRONG_OPEN: [char; 6] = ['[', '(', '（', '【', '［', '〖'];

fn check_year(y: &str) -> Result<i32, DocNumberError> {
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DocNumberError::BadYear(y.to_owned()));
    }
    let year: i32 = y
        .parse()
        .map_err(|_| DocNumberError::BadYear(y.to_owned()))?;
    if !YEAR_RANGE.contains(&year) {
        return Err(DocNumberError::YearOutOfRange { year });
    }
    Ok(year)
}

impl DocNumber {
    /// Parse `东府办〔2021〕35号` (surrounding white space ignored).
    pub fn parse(s: &str) -> Result<DocNumber, DocNumberError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(DocNumberError::Empty);
        }
        let Some(open) = s.find('〔') else {
            if let Some(c) = s.chars().find(|c| WRONG_OPEN.contains(c)) {
                let close = match c {
                    '[' => ']',
                    '(' => ')',
                    '（' => '）',
                    '【' => '】',
                    '［' => '］',
                    _ => '〗',
                };
                return Err(DocNumberError::WrongBrackets {
                    found: format!("{c}{close}"),
                });
            }
            return Err(DocNumberError::MissingYear);
        };
        let issuer = s[..open].trim();
        let rest = &s[open + '〔'.len_utf8()..];
        let Some(close) = rest.find('〕') else {
            return Err(DocNumberError::WrongBrackets {
                found: "〔 without 〕".into(),
            });
        };
        if issuer.is_empty() {
            return Err(DocNumberError::MissingIssuer);
        }
        let year = check_year(rest[..close].trim())?;
        let tail = rest[close + '〕'.len_utf8()..].trim();
        let Some(serial) = tail.strip_suffix('号') else {
            return Err(DocNumberError::MissingHao);
        };
        let serial = serial.trim();
        if serial.is_empty()
            || serial.starts_with('0')
            || !serial.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DocNumberError::BadSerial(serial.to_owned()));
        }
        let serial: u32 = serial
            .parse()
            .map_err(|_| DocNumberError::BadSerial(serial.to_owned()))?;
        Ok(DocNumber {
            issuer_code: issuer.to_owned(),
            year,
            serial,
        })
    }
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}〔{}〕{}号", self.issuer_code, self.year, self.serial)
    }
}

/// Parse a document number given for `field`, as a field error on failure.
pub fn doc_number(field: &str, s: &str) -> Result<DocNumber, FieldError> {
    DocNumber::parse(s).map_err(|e| e.at(field))
}

/// How an issuer numbers its supervision notices: an issuer code placed before 〔year〕N号,
/// written as a template `X督办〔{year}〕{n}号`. Default `督办〔{year}〕{n}号`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NumberScheme {
    pub prefix: String,
}

impl Default for NumberScheme {
    fn default() -> Self {
        NumberScheme {
            prefix: "督办".into(),
        }
    }
}

impl NumberScheme {
    pub const TEMPLATE_TAIL: &'static str = "〔{year}〕{n}号";

    /// From a template `X督办〔{year}〕{n}号`; the prefix must be non-empty text without brackets
    /// or digits at its end, so that every number it makes parses back.
    pub fn parse(field: &str, template: &str) -> Result<NumberScheme, FieldError> {
        let t = template.trim();
        let prefix = t.strip_suffix(Self::TEMPLATE_TAIL).ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_scheme",
                "编号规则应形如 X督办〔{year}〕{n}号 (the scheme must end with 〔{year}〕{n}号)",
            )
        })?;
        let prefix = crate::text::bounded(field, prefix, 30)?;
        if prefix.contains(['〔', '〕', '{', '}']) || prefix.chars().any(|c| c.is_whitespace()) {
            return Err(FieldError::new(
                field,
                "invalid_scheme",
                "机关代字不能含括号、花括号或空白 (the issuer code must not contain brackets or spaces)",
            ));
        }
        Ok(NumberScheme { prefix })
    }

    pub fn template(&self) -> String {
        format!("{}{}", self.prefix, Self::TEMPLATE_TAIL)
    }

    /// The `serial`-th number of `year`.
    pub fn number(&self, year: i32, serial: u32) -> DocNumber {
        DocNumber {
            issuer_code: self.prefix.clone(),
            year,
            serial,
        }
    }
}

/// How hard a notice presses (督办等级). Ordered: each escalation moves one step up.
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
pub enum Tier {
    /// 一般督办
    General,
    /// 重点督办
    Key,
    /// 挂牌督办
    Listed,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::General, Tier::Key, Tier::Listed];
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::General => "general",
            Tier::Key => "key",
            Tier::Listed => "listed",
        }
    }
    pub fn parse(s: &str) -> Option<Tier> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Tier::General => "一般督办",
            Tier::Key => "重点督办",
            Tier::Listed => "挂牌督办",
        }
    }
    /// One tier up; `None` at the top.
    pub fn escalated(self) -> Option<Tier> {
        match self {
            Tier::General => Some(Tier::Key),
            Tier::Key => Some(Tier::Listed),
            Tier::Listed => None,
        }
    }
}

/// Where a supervision notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// 草拟: editable, unnumbered.
    Draft,
    /// 已下发: numbered, awaiting the unit's reply.
    Issued,
    /// 已回复: awaiting the office's review.
    Replied,
    /// 已退回: the reply did not satisfy; awaiting a new reply.
    Returned,
    /// 已认可: the reply is accepted.
    Accepted,
    /// 已办结
    Closed,
}

impl NoticeState {
    pub const ALL: [NoticeState; 6] = [
        NoticeState::Draft,
        NoticeState::Issued,
        NoticeState::Replied,
        NoticeState::Returned,
        NoticeState::Accepted,
        NoticeState::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Draft => "draft",
            NoticeState::Issued => "issued",
            NoticeState::Replied => "replied",
            NoticeState::Returned => "returned",
            NoticeState::Accepted => "accepted",
            NoticeState::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<NoticeState> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            NoticeState::Draft => "草拟",
            NoticeState::Issued => "已下发",
            NoticeState::Replied => "已回复",
            NoticeState::Returned => "已退回",
            NoticeState::Accepted => "已认可",
            NoticeState::Closed => "已办结",
        }
    }
    /// Waiting for the unit: a reply is due.
    pub fn awaits_reply(self) -> bool {
        matches!(self, NoticeState::Issued | NoticeState::Returned)
    }
}

impl fmt::Display for NoticeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action on a notice's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeAction {
    Issue,
    Reply,
    Accept,
    Return,
    Close,
}

impl NoticeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeAction::Issue => "issue",
            NoticeAction::Reply => "reply",
            NoticeAction::Accept => "accept",
            NoticeAction::Return => "return",
            NoticeAction::Close => "close",
        }
    }
}

/// A refused notice transition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("督办单状态为「{}」,不能{} (cannot {} a notice that is {})", from.label_zh(), action_zh(*action), action.as_str(), from)]
pub struct NoticeTransitionError {
    pub from: NoticeState,
    pub action: NoticeAction,
}

fn action_zh(a: NoticeAction) -> &'static str {
    match a {
        NoticeAction::Issue => "下发",
        NoticeAction::Reply => "回复",
        NoticeAction::Accept => "认可",
        NoticeAction::Return => "退回",
        NoticeAction::Close => "办结",
    }
}

impl NoticeTransitionError {
    /// As a field error on `action` with the code `illegal_transition`.
    pub fn field_error(&self) -> FieldError {
        FieldError::new("action", "illegal_transition", self.to_string())
    }
}

impl NoticeState {
    /// The state after `a`, or why not. The only way a notice's state changes.
    pub fn apply(self, a: NoticeAction) -> Result<NoticeState, NoticeTransitionError> {
        use NoticeAction as A;
        use NoticeState as S;
        match (self, a) {
            (S::Draft, A::Issue) => Ok(S::Issued),
            (S::Issued | S::Returned, A::Reply) => Ok(S::Replied),
            (S::Replied, A::Accept) => Ok(S::Accepted),
            (S::Replied, A::Return) => Ok(S::Returned),
            (S::Accepted, A::Close) => Ok(S::Closed),
            (from, action) => Err(NoticeTransitionError { from, action }),
        }
    }
}

/// The required reply date is given and not before the issue date.
pub fn check_reply_due(issued_on: NaiveDate, reply_due: NaiveDate) -> Result<(), FieldError> {
    if reply_due < issued_on {
        return Err(FieldError::new(
            "reply_due",
            "reply_due_before_issue",
            format!(
                "回复期限 {reply_due} 早于下发日期 {issued_on} (reply date before the issue date)"
            ),
        ));
    }
    Ok(())
}

/// A reply is dated on or after the issue date.
pub fn check_replied_on(issued_on: NaiveDate, replied_on: NaiveDate) -> Result<(), FieldError> {
    if replied_on < issued_on {
        return Err(FieldError::new(
            "replied_on",
            "reply_before_issue",
            format!(
                "回复日期 {replied_on} 早于下发日期 {issued_on} (reply dated before the issue date)"
            ),
        ));
    }
    Ok(())
}

/// What the daily run does with a notice: escalate when a reply is overdue (past the inclusive
/// reply date) and this reply date has not already been escalated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escalation {
    /// Nothing to do.
    None,
    /// Move to this tier.
    To(Tier),
    /// Overdue at the top tier: recorded, tier unchanged.
    AtTop,
}

pub fn escalation(
    state: NoticeState,
    tier: Tier,
    reply_due: NaiveDate,
    escalated_for: Option<NaiveDate>,
    today: NaiveDate,
) -> Escalation {
    if !state.awaits_reply() || today <= reply_due || escalated_for == Some(reply_due) {
        return Escalation::None;
    }
    match tier.escalated() {
        Some(t) => Escalation::To(t),
        None => Escalation::AtTop,
    }
}

/// A month `YYYY-MM` and its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Month {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Month {
    pub fn parse(field: &str, s: &str) -> Result<Month, FieldError> {
        let bad = || {
            FieldError::new(
                field,
                "invalid_month",
                format!("'{s}' 不是有效月份,应为 YYYY-MM (not a month YYYY-MM)"),
            )
        };
        let s = s.trim();
        if s.len() != 7 {
            return Err(bad());
        }
        let first = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        if !YEAR_RANGE.contains(&chrono::Datelike::year(&first)) {
            return Err(bad());
        }
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(bad)?;
        Ok(Month {
            first,
            last: next.pred_opt().ok_or_else(bad)?,
        })
    }
    pub fn label(&self) -> String {
        self.first.format("%Y-%m").to_string()
    }
    /// `2026年3月`
    pub fn label_zh(&self) -> String {
        use chrono::Datelike;
        format!("{}年{}月", self.first.year(), self.first.month())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn document_numbers_parse_and_format() {
        let n = DocNumber::parse("东府办〔2021〕35号").unwrap();
        assert_eq!(
            n,
            DocNumber {
                issuer_code: "东府办".into(),
                year: 2021,
                serial: 35
            }
        );
        assert_eq!(n.to_string(), "东府办〔2021〕35号");
        assert_eq!(
            DocNumber::parse(" 东府办函〔2021〕461号 ").unwrap().serial,
            461
        );
        let code = |s: &str| DocNumber::parse(s).unwrap_err().code();
        assert_eq!(code("东府办[2021]35号"), "wrong_brackets");
        assert_eq!(code("东府办(2021)35号"), "wrong_brackets");
        assert_eq!(code("东府办（2021）35号"), "wrong_brackets");
        assert_eq!(code("东府办【2021】35号"), "wrong_brackets");
        assert_eq!(code("东府办〔2021〕35"), "missing_hao");
        assert_eq!(code("东府办〔1900〕35号"), "year_out_of_range");
        assert_eq!(code("东府办〔21〕35号"), "invalid_year");
        assert_eq!(code("东府办〔2021〕035号"), "invalid_serial");
        assert_eq!(code("东府办〔2021〕0号"), "invalid_serial");
        assert_eq!(code("东府办〔2021〕三十五号"), "invalid_serial");
        assert_eq!(code("〔2021〕35号"), "missing_issuer");
        assert_eq!(code("东府办2021年35号"), "missing_year");
        assert_eq!(code(""), "required");
        let e = doc_number("doc_number", "东府办[2021]35号").unwrap_err();
        assert_eq!(e.field, "doc_number");
        assert!(e.message.contains("〔〕"), "{}", e.message);
    }

    #[test]
    fn schemes_make_numbers_that_parse_back() {
        let s = NumberScheme::parse("scheme", "东整督〔{year}〕{n}号").unwrap();
        assert_eq!(s.prefix, "东整督");
        let n = s.number(2026, 12);
        assert_eq!(n.to_string(), "东整督〔2026〕12号");
        assert_eq!(DocNumber::parse(&n.to_string()).unwrap(), n);
        assert_eq!(
            NumberScheme::default().number(2026, 1).to_string(),
            "督办〔2026〕1号"
        );
        for bad in [
            "督办[{year}]{n}号",
            "〔{year}〕{n}号",
            "督 办〔{year}〕{n}号",
        ] {
            assert!(NumberScheme::parse("scheme", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lifecycle_follows_the_machine() {
        use NoticeAction as A;
        use NoticeState as S;
        let mut s = S::Draft;
        for (a, want) in [
            (A::Issue, S::Issued),
            (A::Reply, S::Replied),
            (A::Return, S::Returned),
            (A::Reply, S::Replied),
            (A::Accept, S::Accepted),
            (A::Close, S::Closed),
        ] {
            s = s.apply(a).unwrap();
            assert_eq!(s, want);
        }
        assert_eq!(
            S::Draft.apply(A::Reply).unwrap_err(),
            NoticeTransitionError {
                from: S::Draft,
                action: A::Reply
            }
        );
        assert!(S::Issued.apply(A::Close).is_err());
        assert!(S::Replied.apply(A::Close).is_err(), "close needs accept");
        assert!(S::Closed.apply(A::Reply).is_err());
        assert!(S::Issued.apply(A::Issue).is_err(), "issued once");
        assert_eq!(
            S::Draft.apply(A::Close).unwrap_err().field_error().code,
            "illegal_transition"
        );
    }

    #[test]
    fn reply_dates_are_not_before_the_issue_date() {
        let e = check_reply_due(d("2026-03-10"), d("2026-03-09")).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("reply_due", "reply_due_before_issue")
        );
        assert!(check_reply_due(d("2026-03-10"), d("2026-03-10")).is_ok());
        let e = check_replied_on(d("2026-03-10"), d("2026-03-01")).unwrap_err();
        assert_eq!(e.field, "replied_on");
        assert!(check_replied_on(d("2026-03-10"), d("2026-03-12")).is_ok());
    }

    #[test]
    fn overdue_replies_escalate_once_per_reply_date() {
        let due = d("2026-03-20");
        let e = |state, tier, esc, today| escalation(state, tier, due, esc, d(today));
        use NoticeState as S;
        assert_eq!(
            e(S::Issued, Tier::General, None, "2026-03-20"),
            Escalation::None,
            "the reply date itself is still in time"
        );
        assert_eq!(
            e(S::Issued, Tier::General, None, "2026-03-21"),
            Escalation::To(Tier::Key)
        );
        assert_eq!(
            e(S::Issued, Tier::Key, Some(due), "2026-03-25"),
            Escalation::None,
            "already escalated for this date"
        );
        assert_eq!(
            e(S::Returned, Tier::Key, Some(d("2026-03-01")), "2026-03-21"),
            Escalation::To(Tier::Listed)
        );
        assert_eq!(
            e(S::Issued, Tier::Listed, None, "2026-03-21"),
            Escalation::AtTop
        );
        assert_eq!(
            e(S::Replied, Tier::General, None, "2026-04-21"),
            Escalation::None
        );
        assert_eq!(
            e(S::Draft, Tier::General, None, "2026-04-21"),
            Escalation::None
        );
        assert!(Tier::General < Tier::Key && Tier::Key < Tier::Listed);
    }

    #[test]
    fn months_parse() {
        let m = Month::parse("month", "2024-02").unwrap();
        assert_eq!((m.first, m.last), (d("2024-02-01"), d("2024-02-29")));
        assert_eq!(m.label_zh(), "2024年2月");
        for bad in ["2024-13", "2024-2", "202402", "", "1800-01"] {
            assert_eq!(
                Month::parse("month", bad).unwrap_err().code,
                "invalid_month"
            );
        }
    }
}
