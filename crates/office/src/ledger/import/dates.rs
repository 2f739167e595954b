//! 完成时限 as ledgers write it: real date cells, Excel serial numbers, and text such as
//! 2021年12月底, 2022.3.31, 2022/3/31, 2022-03-31, 长期坚持, 立行立改.

use chrono::{Datelike, NaiveDate};

use super::source::Value;
use crate::ledger::Deadline;

/// Serial numbers accepted as dates: 1954-10-… to 2119-… (a ledger's deadlines).
const SERIAL_RANGE: std::ops::RangeInclusive<f64> = 20_000.0..=80_000.0;

/// Excel's 1900 date system (serial 1 = 1900-01-01, with its phantom 1900-02-29).
pub fn from_serial(n: f64) -> Option<NaiveDate> {
    if !SERIAL_RANGE.contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(n.floor() as u64))
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)?
    };
    first_next.pred_opt()
}

fn year_ok(y: i64) -> Option<i32> {
    (2000..=2100).contains(&y).then_some(y as i32)
}

/// Words meaning "no end date" and "at once".
const ONGOING: &[&str] = &[
    "长期坚持",
    "持续整改",
    "长期",
    "持续推进",
    "长期整改",
    "常态化",
];
const IMMEDIATE: &[&str] = &["立行立改", "立即整改", "即知即改", "立查立改"];

/// Read a deadline cell; `None` when it says nothing readable (the caller reports it).
pub fn parse(v: &Value) -> Option<Deadline> {
    match v {
        Value::Empty => Some(Deadline::None),
        Value::Date(d) => Some(Deadline::Date(*d)),
        Value::Number(n) => {
            if let Some(d) = from_serial(*n) {
                return Some(Deadline::Date(d));
            }
            parse_text(&v.text())
        }
        Value::Text(s) => parse_text(s),
    }
}

/// Text forms. A month alone means its last day (2022年3月 → 2022-03-31); 年底/年末 the
/// year's last day; 上半年 30 June.
pub fn parse_text(s: &str) -> Option<Deadline> {
    // Drop a time of day (`2022/3/31 0:00:00`, `2022-03-31T00:00:00`).
    let s = s.trim();
    let s = match s.split_once([' ', 'T']) {
        Some((day, time)) if time.contains(':') => day,
        _ => s,
    };
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '．' | '。' => '.',
            '／' => '/',
            '－' | '—' | '–' => '-',
            c => c,
        })
        .collect();
    if t.is_empty() {
        return Some(Deadline::None);
    }
    if t.eq_ignore_ascii_case("ongoing") {
        return Some(Deadline::Ongoing);
    }
    if t.eq_ignore_ascii_case("immediate") {
        return Some(Deadline::Immediate);
    }
    if ONGOING.iter().any(|w| t.starts_with(w)) {
        return Some(Deadline::Ongoing);
    }
    if IMMEDIATE.iter().any(|w| t.starts_with(w)) {
        return Some(Deadline::Immediate);
    }
    // Trailing 前/之前/以前.
    let t = t
        .as_str()
        .trim_end_matches("之前")
        .trim_end_matches("以前")
        .trim_end_matches('前');
    // Numbers and the separators between them.
    let mut nums: Vec<i64> = Vec::new();
    let mut seps: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut sep = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            if !sep.is_empty() {
                seps.push(std::mem::take(&mut sep));
            }
            cur.push(c);
        } else {
            if !cur.is_empty() {
                nums.push(cur.parse().ok()?);
                cur.clear();
            } else if nums.is_empty() {
                return None; // text before the first number
            }
            sep.push(c);
        }
    }
    if !cur.is_empty() {
        nums.push(cur.parse().ok()?);
    }
    let tail = sep;
    let date = match (
        nums.as_slice(),
        seps.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        tail.as_str(),
    ) {
        // 20220331
        ([n], [], "") if (20_000_101..=21_001_231).contains(n) => NaiveDate::from_ymd_opt(
            (n / 10_000) as i32,
            (n / 100 % 100) as u32,
            (n % 100) as u32,
        ),
        // 2021年底 / 2021年末 / 2021年 / 2021年上半年 / 2021年下半年
        ([y], [], tail) => {
            let y = year_ok(*y)?;
            match tail {
                "年底" | "年末" | "年" | "年内" | "年下半年" => {
                    NaiveDate::from_ymd_opt(y, 12, 31)
                }
                "年上半年" => NaiveDate::from_ymd_opt(y, 6, 30),
                _ => None,
            }
        }
        // 2021年12月 / 2021年12月底 / 2022.3 / 2022-03
        ([y, m], [s], tail)
            if matches!(
                (*s, tail),
                (
                    "年",
                    "月" | "月底" | "月末" | "月份" | "月中旬" | "月下旬" | "月上旬"
                ) | (".", "")
                    | ("/", "")
                    | ("-", "")
            ) =>
        {
            let (y, m) = (year_ok(*y)?, u32::try_from(*m).ok()?);
            match tail {
                "月上旬" => NaiveDate::from_ymd_opt(y, m, 10),
                "月中旬" => NaiveDate::from_ymd_opt(y, m, 20),
                _ => month_end(y, m),
            }
        }
        // 2021年12月31日 / 2022.3.31 / 2022/3/31 / 2022-03-31
        ([y, m, d], [a, b], tail)
            if matches!(
                (*a, *b, tail),
                ("年", "月", "日" | "") | (".", ".", "" | ".") | ("/", "/", "") | ("-", "-", "")
            ) =>
        {
            NaiveDate::from_ymd_opt(
                year_ok(*y)?,
                u32::try_from(*m).ok()?,
                u32::try_from(*d).ok()?,
            )
        }
        _ => None,
    }?;
    // Plausibility for a ledger.
    (2000..=2100)
        .contains(&date.year())
        .then_some(Deadline::Date(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Option<Deadline> {
        Some(Deadline::Date(NaiveDate::from_ymd_opt(y, m, dd).unwrap()))
    }

    #[test]
    fn text_dates_of_real_ledgers() {
        for (s, want) in [
            ("2021年12月底", d(2021, 12, 31)),
            ("2021年12月底前", d(2021, 12, 31)),
            ("2022年2月", d(2022, 2, 28)),
            ("2024年2月底", d(2024, 2, 29)),
            ("2022.3.31", d(2022, 3, 31)),
            ("2022．3．31", d(2022, 3, 31)),
            ("2022/3/31", d(2022, 3, 31)),
            ("2022/3/31 0:00:00", d(2022, 3, 31)),
            ("2022-03-31", d(2022, 3, 31)),
            ("2022年3月31日", d(2022, 3, 31)),
            ("2022年3月31日前", d(2022, 3, 31)),
            ("２０２２年３月３１日", d(2022, 3, 31)),
            ("2022年底", d(2022, 12, 31)),
            ("2022年上半年", d(2022, 6, 30)),
            ("2022.6", d(2022, 6, 30)),
            ("20220331", d(2022, 3, 31)),
            ("长期坚持", Some(Deadline::Ongoing)),
            ("持续整改", Some(Deadline::Ongoing)),
            ("立行立改", Some(Deadline::Immediate)),
            ("ongoing", Some(Deadline::Ongoing)),
            ("Immediate", Some(Deadline::Immediate)),
            ("", Some(Deadline::None)),
            ("下月", None),
            ("2022年13月", None),
            ("2022.2.30", None),
            ("1999-01-01", None),
            ("尽快", None),
        ] {
            assert_eq!(parse_text(s), want, "{s}");
        }
    }

    #[test]
    fn serials_and_date_cells() {
        // 44561 = 2021-12-31 in Excel's 1900 system.
        assert_eq!(parse(&Value::Number(44561.0)), d(2021, 12, 31));
        assert_eq!(parse(&Value::Number(44561.5)), d(2021, 12, 31));
        assert_eq!(parse(&Value::Number(3.0)), None);
        assert_eq!(parse(&Value::Number(20220331.0)), d(2022, 3, 31));
        let day = NaiveDate::from_ymd_opt(2022, 1, 5).unwrap();
        assert_eq!(parse(&Value::Date(day)), Some(Deadline::Date(day)));
        assert_eq!(parse(&Value::Empty), Some(Deadline::None));
    }
}
