//! Relative deadline phrases of notices and ledgers: 3个工作日内, 2个月内, 30日内 …

use serde::{Deserialize, Serialize};

/// A relative term, counted from a start date that is itself not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// N working days (N个工作日).
    Workdays(i64),
    /// N calendar days (N日, N天, N个自然日; N周 is 7N days).
    CalendarDays(i64),
    /// N calendar months (N个月; N年 is 12N months, 半年 is 6).
    Months(u32),
}

/// Largest number a term may carry; anything bigger is a misread date, not a term.
const MAX_COUNT: u32 = 10_000;

/// Parses a relative deadline phrase such as "3个工作日内", "5个工作日", "2个月内",
/// "反馈后2个月内", "30日内", "15天内", "三个月内", "十五日内", "1年内", "半年内".
///
/// Text around the term is ignored. Absolute dates ("2024年12月31日前", "3月底前") and
/// ambiguous forms ("15日前", which may mean "before the 15th") give `None`.
pub fn parse_term(s: &str) -> Option<Term> {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '半' {
            if let Some(term) = unit_term(&chars[i + 1..], None) {
                return Some(term);
            }
            i += 1;
            continue;
        }
        if !is_numeral(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_numeral(chars[i]) {
            i += 1;
        }
        if let Some(n) = parse_number(&chars[start..i])
            && let Some(term) = unit_term(&chars[i..], Some(n))
        {
            return Some(term);
        }
    }
    None
}

/// The term for the unit at the start of `rest`; `count` None means 半 (a half).
fn unit_term(rest: &[char], count: Option<u32>) -> Option<Term> {
    let (has_ge, rest) = match rest.split_first() {
        Some(('个', tail)) => (true, tail),
        _ => (false, rest),
    };
    let starts = |word: &str| -> Option<&[char]> {
        let w: Vec<char> = word.chars().collect();
        rest.starts_with(&w).then(|| &rest[w.len()..])
    };
    // After the unit, an absolute date goes on with a numeral or 底/末/初 (2025年底).
    let relative_tail = |tail: &[char]| {
        tail.first()
            .is_none_or(|c| !is_numeral(*c) && !matches!(c, '底' | '末' | '初' | '中' | '号'))
    };
    let within = |tail: &[char]| {
        tail.is_empty()
            || ["内", "以内", "之内"].iter().any(|w| {
                let w: Vec<char> = w.chars().collect();
                tail.starts_with(&w)
            })
    };
    let days = |n: u32, per: i64| Some(Term::CalendarDays(i64::from(n) * per));
    match count {
        None => {
            if has_ge && starts("月").is_some() {
                return days(15, 1);
            }
            let tail = starts("年")?;
            relative_tail(tail).then_some(Term::Months(6))
        }
        Some(n) => {
            if let Some(tail) = starts("工作日") {
                return relative_tail(tail).then_some(Term::Workdays(i64::from(n)));
            }
            if let Some(tail) = starts("自然日")
                .or_else(|| starts("日历日"))
                .or_else(|| starts("天"))
            {
                return relative_tail(tail).then(|| days(n, 1)).flatten();
            }
            if let Some(tail) = starts("日") {
                // 30日内 is a term; a bare 15日 may be the 15th of a month.
                return (has_ge || within(tail)).then(|| days(n, 1)).flatten();
            }
            if let Some(tail) = starts("月") {
                // 2个月 is a term; a bare 3月 is March.
                return (has_ge && relative_tail(tail)).then_some(Term::Months(n));
            }
            if let Some(tail) = starts("周")
                .or_else(|| starts("星期"))
                .or_else(|| starts("礼拜"))
            {
                return relative_tail(tail).then(|| days(n, 7)).flatten();
            }
            if let Some(tail) = starts("年") {
                return (!has_ge && n <= 100 && relative_tail(tail))
                    .then(|| n.checked_mul(12).map(Term::Months))
                    .flatten();
            }
            None
        }
    }
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit()
        || ('０'..='９').contains(&c)
        || chinese_digit(c).is_some()
        || matches!(c, '十' | '百' | '千')
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// Arabic (ASCII or full-width) or Chinese numerals up to [`MAX_COUNT`].
fn parse_number(chars: &[char]) -> Option<u32> {
    let arabic = |c: char| {
        c.to_digit(10)
            .or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32))
    };
    if chars.iter().all(|c| arabic(*c).is_some()) {
        let mut n: u32 = 0;
        for c in chars {
            n = n.checked_mul(10)?.checked_add(arabic(*c)?)?;
            if n > MAX_COUNT {
                return None;
            }
        }
        return Some(n);
    }
    // 十五 = 15, 二十 = 20, 一百零五 = 105.
    let mut total: u32 = 0;
    let mut digit: Option<u32> = None;
    for &c in chars {
        if let Some(d) = chinese_digit(c) {
            if digit.is_some() {
                return None; // 二三 or 二〇: a digit string (a year), not a count
            }
            digit = if d == 0 { None } else { Some(d) };
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        total = total.checked_add(digit.take().unwrap_or(1).checked_mul(unit)?)?;
    }
    total = total.checked_add(digit.unwrap_or(0))?;
    (total <= MAX_COUNT).then_some(total)
}
