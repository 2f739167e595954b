//! Date mentions: full and partial dates, ranges (A至B), lists (9月28日、29日), fuzzy parts
//! of months and years; the year of a partial date comes from context, never from a bare
//! four-digit number, and never lands after the publication date.

use std::fmt;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::model::{DateMention, Precision, Warning};
use crate::num::parse_num;

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ymd {
    pub y: i32,
    pub m: u32,
    pub d: u32,
}

impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

pub(crate) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Ymd {
    pub(crate) fn new(y: i32, m: u32, d: u32) -> Option<Ymd> {
        ((1000..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m))
            .then_some(Ymd { y, m, d })
    }
}

const YEAR: &str = r"[0-9]{4}|[〇零○一二三四五六七八九]{4}";
const MONTH: &str = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]";
const DAY: &str = r"3[01]|[12][0-9]|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]";
const PART: &str = r"中下旬|上中旬|上旬|中旬|下旬|底|末|初";

fn date_pattern() -> String {
    format!(
        r"(?P<rel>今年|去年|明年|本年|当年)?(?:(?P<y>{YEAR})\s*年\s*(?:(?P<m>{MONTH})\s*月份?\s*(?:(?P<d>{DAY})\s*[日号]|(?P<mp>{PART}))?|(?P<yp>上半年|下半年|底|末|初))?|(?P<m2>{MONTH})\s*月份?\s*(?:(?P<d2>{DAY})\s*[日号]|(?P<mp2>{PART}))?|(?P<yp2>上半年|下半年|年底|年末|年初|底|末|初)|(?P<iso>[0-9]{{4}})[-/.](?P<im>[0-9]{{1,2}})[-/.](?P<id>[0-9]{{1,2}}))"
    )
}

static DATE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&date_pattern()).expect("date regex"));
static DATE_AT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^(?:{})", date_pattern())).expect("date regex"));
static DAY_AT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^(?P<d>{DAY})\s*[日号]")).expect("day regex"));
static RANGE_SEP_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:至|到|—+|－|-|~|～|–)\s*").expect("sep regex"));
static LIST_SEP_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[、,，和及]\s*").expect("list regex"));
static GARBLED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9]{5,}\s*[日号]|[0-9]{4}年[0-9]{3,}月|[0-9]{4}年[0-9]{1,2}月[0-9]{3,}日")
        .expect("garbled regex")
});

/// Year context while scanning a notice.
pub(crate) struct DateCtx {
    pub published: Option<Ymd>,
    /// Year of the nearest preceding date that wrote its year (年月日 or 年月).
    pub context_year: Option<i32>,
}

/// One parsed date expression before year resolution.
#[derive(Debug, Clone)]
struct Raw {
    rel: Option<String>,
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    /// Part of month (上旬 …) or of year (上半年 …).
    part: Option<String>,
    year_part: bool,
}

fn raw_from(c: &Captures<'_>) -> Option<Raw> {
    if let Some(y) = c.name("iso") {
        return Some(Raw {
            rel: None,
            year: y.as_str().parse().ok(),
            month: c.name("im").and_then(|m| m.as_str().parse().ok()),
            day: c.name("id").and_then(|m| m.as_str().parse().ok()),
            part: None,
            year_part: false,
        });
    }
    let rel = c.name("rel").map(|m| m.as_str().to_string());
    let (year, month, day, mp, yp) = if let Some(y) = c.name("y") {
        (
            parse_num(y.as_str()).map(|v| v as i32),
            c.name("m"),
            c.name("d"),
            c.name("mp"),
            c.name("yp"),
        )
    } else {
        (
            None,
            c.name("m2"),
            c.name("d2"),
            c.name("mp2"),
            c.name("yp2"),
        )
    };
    let month_v = month.and_then(|m| parse_num(m.as_str()));
    // A Chinese month without a day (一月 in 统一月度) is too risky to read as a date.
    if let (Some(m), None) = (month, day)
        && !m.as_str().chars().all(|c| c.is_ascii_digit())
        && c.name("y").is_none()
    {
        return None;
    }
    if let Some(yp) = yp {
        let p = yp.as_str();
        // 底/末/初 alone are dates only after a year (2021年底) or 今年/去年/明年.
        if matches!(p, "底" | "末" | "初") && c.name("y").is_none() && rel.is_none() {
            return None;
        }
        return Some(Raw {
            rel,
            year,
            month: None,
            day: None,
            part: Some(p.trim_start_matches('年').to_string()),
            year_part: true,
        });
    }
    month?; // a bare year (2022年预算) is not a date
    Some(Raw {
        rel,
        year,
        month: month_v,
        day: day.and_then(|d| parse_num(d.as_str())),
        part: mp.map(|m| m.as_str().to_string()),
        year_part: false,
    })
}

/// First and last day covered by a raw date once its year is known.
fn span(r: &Raw, y: i32) -> Option<(Ymd, Ymd, Precision)> {
    if r.year_part {
        let (a, b) = match r.part.as_deref()? {
            "上半年" => ((1, 1), (6, 30)),
            "下半年" => ((7, 1), (12, 31)),
            "底" | "末" => ((12, 1), (12, 31)),
            _ => ((1, 1), (1, 31)), // 初
        };
        return Some((
            Ymd::new(y, a.0, a.1)?,
            Ymd::new(y, b.0, b.1)?,
            Precision::Year,
        ));
    }
    let m = r.month?;
    let last = days_in_month(y, m);
    if let Some(d) = r.day {
        let day = Ymd::new(y, m, d)?;
        return Some((day, day, Precision::Day));
    }
    let (a, b, p) = match r.part.as_deref() {
        None => (1, last, Precision::Month),
        Some("上旬" | "初") => (1, 10, Precision::PartOfMonth),
        Some("中旬") => (11, 20, Precision::PartOfMonth),
        Some("下旬" | "底" | "末") => (21, last, Precision::PartOfMonth),
        Some("中下旬") => (11, last, Precision::PartOfMonth),
        Some(_) => (1, 20, Precision::PartOfMonth), // 上中旬
    };
    Some((Ymd::new(y, m, a)?, Ymd::new(y, m, b)?, p))
}

/// Resolves the year of a raw date; returns (year, inferred).
fn resolve_year(r: &Raw, ctx: &DateCtx) -> Option<(i32, bool)> {
    if let Some(y) = r.year {
        return Some((y, false));
    }
    let pub_year = ctx.published.map(|p| p.y);
    if let Some(rel) = r.rel.as_deref() {
        let base = match rel {
            "当年" => ctx.context_year.or(pub_year)?,
            _ => pub_year.or(ctx.context_year)?,
        };
        return Some((
            match rel {
                "去年" => base - 1,
                "明年" => base + 1,
                _ => base,
            },
            true,
        ));
    }
    let mut y = ctx.context_year.or(pub_year)?;
    // Never later than the publication date. Parts of a year (年底, 上半年) name the
    // current year even when still ahead, so only dates with a month are moved back.
    if !r.year_part
        && let Some(p) = ctx.published
        && let Some((from, _, _)) = span(r, y)
        && from > p
    {
        y -= 1;
    }
    Some((y, true))
}

fn mention(
    text: &str,
    line: usize,
    from: Ymd,
    to: Ymd,
    precision: Precision,
    inferred: bool,
) -> DateMention {
    let (date, from_s, to_s) = match precision {
        Precision::Day if from == to => (Some(from.to_string()), None, None),
        Precision::Month if from.m == to.m && from.y == to.y => {
            (Some(format!("{:04}-{:02}", from.y, from.m)), None, None)
        }
        _ => (None, Some(from.to_string()), Some(to.to_string())),
    };
    DateMention {
        text: text.to_string(),
        line,
        date,
        from: from_s,
        to: to_s,
        precision,
        year_inferred: inferred,
    }
}

fn prev_is_digit(line: &str, at: usize) -> bool {
    line[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

fn next_char(line: &str, at: usize) -> Option<char> {
    line[at..].chars().next()
}

/// Cheap test before the regexes: every date form has 月, 年, 底/初/末 or an ISO separator.
fn may_hold_date(line: &str) -> bool {
    // Single-char searches are memchr-fast; a char-set pattern would decode every char.
    line.contains('月')
        || line.contains('年')
        || line.contains('底')
        || line.contains('初')
        || line.contains('末')
        || (has_digit_run(line, 4)
            && (line.contains('-') || line.contains('/') || line.contains('.')))
}

fn has_digit_run(line: &str, n: usize) -> bool {
    let mut run = 0;
    for b in line.bytes() {
        if b.is_ascii_digit() {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Scans one line for dates, appending mentions and warnings.
pub(crate) fn scan_line(
    line: &str,
    line_no: usize,
    ctx: &mut DateCtx,
    out: &mut Vec<DateMention>,
    warnings: &mut Vec<Warning>,
) {
    if has_digit_run(line, 5) || (has_digit_run(line, 3) && line.contains('年')) {
        for m in GARBLED_RE.find_iter(line) {
            if !line[..m.start()].ends_with(['〕', ']', '】']) {
                warnings.push(Warning::new(
                    "unreadable_date",
                    Some(line_no),
                    format!(
                        "line {line_no}: “{}” looks like a date but cannot be read",
                        m.as_str()
                    ),
                ));
            }
        }
    }
    if !may_hold_date(line) {
        return;
    }
    let mut pos = 0;
    while pos < line.len() {
        let Some(c) = DATE_RE.captures_at(line, pos) else {
            break;
        };
        let Some(whole) = c.get(0) else { break };
        let (start, mut end) = (whole.start(), whole.end());
        pos = end.max(start + 1);
        while !line.is_char_boundary(pos) {
            pos += 1;
        }
        if prev_is_digit(line, start) || next_char(line, end).is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        let Some(mut raw) = raw_from(&c) else {
            continue;
        };
        // 3月初步… is not 3月初.
        if raw.part.as_deref() == Some("初")
            && !raw.year_part
            && next_char(line, end).is_some_and(|c| "步始心衷次审稿".contains(c))
        {
            raw.part = None;
            end -= '初'.len_utf8();
        }
        let Some((y, inferred)) = resolve_year(&raw, ctx) else {
            warnings.push(Warning::new(
                "date_year_unknown",
                Some(line_no),
                format!("line {line_no}: no year known for “{}”", &line[start..end]),
            ));
            continue;
        };
        let Some((from, to, precision)) = span(&raw, y) else {
            warnings.push(Warning::new(
                "unreadable_date",
                Some(line_no),
                format!(
                    "line {line_no}: “{}” is not a valid date",
                    &line[start..end]
                ),
            ));
            continue;
        };
        if !inferred && matches!(precision, Precision::Day | Precision::Month) {
            ctx.context_year = Some(y);
        }
        // Range A至B.
        if let Some(sep) = RANGE_SEP_RE.find(&line[end..])
            && let Some((to_end, b_to, b_prec)) = range_end(line, end + sep.end(), &raw, y, ctx)
            && b_to >= from
        {
            let prec = if b_prec == precision {
                precision
            } else {
                Precision::Day
            };
            let mut dm = mention(&line[start..to_end], line_no, from, b_to, prec, inferred);
            // A range is always from/to, even within one day or month.
            dm.date = None;
            dm.from = Some(from.to_string());
            dm.to = Some(b_to.to_string());
            out.push(dm);
            pos = to_end;
            continue;
        }
        out.push(mention(
            &line[start..end],
            line_no,
            from,
            to,
            precision,
            inferred,
        ));
        // Lists 9月28日、29日.
        if precision == Precision::Day {
            let mut at = end;
            while let Some(sep) = LIST_SEP_RE.find(&line[at..]) {
                let item_at = at + sep.end();
                let Some(dc) = DAY_AT_RE.captures(&line[item_at..]) else {
                    break;
                };
                let Some(dm) = dc.get(0) else { break };
                let item_end = item_at + dm.end();
                if next_char(line, item_end).is_some_and(|c| c == '月' || c.is_ascii_digit()) {
                    break;
                }
                let Some(day) = dc
                    .name("d")
                    .and_then(|d| parse_num(d.as_str()))
                    .and_then(|d| Ymd::new(from.y, from.m, d))
                else {
                    break;
                };
                out.push(mention(
                    &line[item_at..item_end],
                    line_no,
                    day,
                    day,
                    Precision::Day,
                    inferred,
                ));
                at = item_end;
            }
            pos = pos.max(at);
        }
    }
}

/// Reads the end of a range at `at`; returns (byte end, last day, precision).
fn range_end(
    line: &str,
    at: usize,
    start: &Raw,
    start_year: i32,
    ctx: &DateCtx,
) -> Option<(usize, Ymd, Precision)> {
    if let Some(c) = DATE_AT_RE.captures(&line[at..]) {
        let whole = c.get(0)?;
        let end = at + whole.end();
        if !next_char(line, end).is_some_and(|c| c.is_ascii_digit())
            && let Some(mut raw) = raw_from(&c)
            && !raw.year_part
        {
            if raw.year.is_none() && raw.rel.is_none() {
                raw.year = Some(start_year);
            }
            let (y, _) = resolve_year(&raw, ctx)?;
            let (_, to, p) = span(&raw, y)?;
            return Some((end, to, p));
        }
    }
    let c = DAY_AT_RE.captures(&line[at..])?;
    let end = at + c.get(0)?.end();
    if next_char(line, end).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = parse_num(c.name("d")?.as_str())?;
    let m = start.month?;
    let day = Ymd::new(start_year, m, d)?;
    Some((end, day, Precision::Day))
}

/// A line that is exactly one full date (a signature date or a metadata value).
pub(crate) fn parse_full_date(s: &str) -> Option<Ymd> {
    let s = s.trim();
    let c = DATE_AT_RE.captures(s)?;
    if c.get(0)?.end() != s.len() {
        return None;
    }
    let raw = raw_from(&c)?;
    Ymd::new(raw.year?, raw.month?, raw.day?)
}

/// A full date that ends `s` (trailing spaces aside): its byte start and the day.
pub(crate) fn trailing_full_date(s: &str) -> Option<(usize, Ymd)> {
    let s = s.trim_end();
    let c = DATE_RE.captures_iter(s).last()?;
    let whole = c.get(0)?;
    if whole.end() != s.len() || prev_is_digit(s, whole.start()) {
        return None;
    }
    let raw = raw_from(&c)?;
    Some((whole.start(), Ymd::new(raw.year?, raw.month?, raw.day?)?))
}

/// The first full date in `s` (e.g. after 发布日期:).
pub(crate) fn first_full_date(s: &str) -> Option<Ymd> {
    DATE_RE.captures_iter(s).find_map(|c| {
        let raw = raw_from(&c)?;
        Ymd::new(raw.year?, raw.month?, raw.day?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(lines: &[&str], published: Option<Ymd>) -> (Vec<DateMention>, Vec<Warning>) {
        let mut ctx = DateCtx {
            published,
            context_year: None,
        };
        let (mut out, mut w) = (Vec::new(), Vec::new());
        for (i, l) in lines.iter().enumerate() {
            scan_line(l, i + 1, &mut ctx, &mut out, &mut w);
        }
        (out, w)
    }

    /// (text, date-or-from/to) pairs, compact for table tests.
    fn compact(ds: &[DateMention]) -> Vec<(String, String)> {
        ds.iter()
            .map(|d| {
                let v = match (&d.date, &d.from, &d.to) {
                    (Some(x), _, _) => x.clone(),
                    (None, Some(a), Some(b)) => format!("{a}..{b}"),
                    _ => "?".into(),
                };
                (d.text.clone(), v)
            })
            .collect()
    }

    fn pubdate() -> Option<Ymd> {
        Ymd::new(2021, 12, 28)
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "2021年3月12日至4月9日,市委第一巡察组",
                &[("2021年3月12日至4月9日", "2021-03-12..2021-04-09")],
            ),
            (
                "并于9月28日、29日完成",
                &[("9月28日", "2021-09-28"), ("29日", "2021-09-29")],
            ),
            ("截至10月底,48项", &[("10月底", "2021-10-21..2021-10-31")]),
            ("截至11月中旬", &[("11月中旬", "2021-11-11..2021-11-20")]),
            (
                "在10月中下旬已联系",
                &[("10月中下旬", "2021-10-11..2021-10-31")],
            ),
            ("今年7月组织", &[("今年7月", "2021-07")]),
            ("上半年共获", &[("上半年", "2021-01-01..2021-06-30")]),
            ("争取年底取得", &[("年底", "2021-12-01..2021-12-31")]),
            ("2022年预算 〔2012〕322号 2017年以来", &[]),
            ("事后30日内报告,3个工作日内办结", &[]),
            (
                "二〇二一年十二月二十八日",
                &[("二〇二一年十二月二十八日", "2021-12-28")],
            ),
            (
                "发布日期: 2021-12-28 11:02",
                &[("2021-12-28", "2021-12-28")],
            ),
            ("3月初步完成", &[("3月", "2021-03")]),
            (
                "2022年6月底前",
                &[("2022年6月底", "2022-06-21..2022-06-30")],
            ),
            ("去年12月", &[("去年12月", "2020-12")]),
            (
                "3月12日-4月9日",
                &[("3月12日-4月9日", "2021-03-12..2021-04-09")],
            ),
            (
                "2021-03-12 2021-04-09",
                &[("2021-03-12", "2021-03-12"), ("2021-04-09", "2021-04-09")],
            ),
            ("统一月度安排", &[]),
        ];
        for (line, want) in cases {
            let (got, _) = scan(&["2021年1月1日", line], pubdate());
            let got: Vec<_> = compact(&got[1..]);
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn yearless_dates_never_pass_publication() {
        // Published 2022-01-10: "12月5日" with no context belongs to 2021.
        let (got, _) = scan(&["12月5日召开会议"], Ymd::new(2022, 1, 10));
        assert_eq!(
            compact(&got),
            [("12月5日".to_string(), "2021-12-05".to_string())]
        );
        // The context year comes from the nearest full date, not from 〔2019〕.
        let (got, _) = scan(
            &["2020年5月1日启动", "〔2019〕12号", "6月3日完成"],
            Ymd::new(2021, 3, 1),
        );
        assert_eq!(got[1].date.as_deref(), Some("2020-06-03"));
        assert!(got[1].year_inferred);
    }

    #[test]
    fn garbled_dates_warn_and_do_not_crash() {
        let (got, w) = scan(
            &[
                "20211228日完成",
                "2021年2月30日",
                "2021年13月5日",
                "9月99日",
                "月日年",
            ],
            pubdate(),
        );
        assert!(got.is_empty(), "{got:?}");
        assert!(w.iter().any(|w| w.message.contains("20211228日")), "{w:?}");
        assert!(
            w.iter().any(|w| w.message.contains("2021年2月30日")),
            "{w:?}"
        );
    }

    #[test]
    fn full_date_lines() {
        assert_eq!(parse_full_date(" 2021年12月28日 "), Ymd::new(2021, 12, 28));
        assert_eq!(parse_full_date("2021年12月28日印发"), None);
        assert_eq!(parse_full_date("12月28日"), None);
        assert_eq!(
            first_full_date("来源:莞巡宣 发布日期: 2021-12-28 11:02"),
            Ymd::new(2021, 12, 28)
        );
    }
}
