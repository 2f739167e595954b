//! Parsing of user-supplied scalars at the boundary: bounded text and calendar dates.

use crate::error::FieldError;
use chrono::NaiveDate;

/// Limits on free text, in characters (not bytes).
pub const TITLE_MAX: usize = 500;
pub const TEXT_MAX: usize = 20_000;
pub const NAME_MAX: usize = 200;
pub const REASON_MAX: usize = 2_000;

/// Trimmed, non-empty text of at most `max` characters, without control characters other than
/// line breaks and tabs.
pub fn bounded(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            "不能为空 (must not be empty)",
        ));
    }
    let n = v.chars().count();
    if n > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("最多 {max} 个字符,实际 {n} 个 (at most {max} characters, got {n})"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "control_character",
            "含有控制字符 (contains control characters)",
        ));
    }
    Ok(v.to_string())
}

/// Like [`bounded`] but an empty value means `None`.
pub fn optional(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

/// An ISO date `YYYY-MM-DD` that exists in the calendar (2021-02-30 is refused).
pub fn date(field: &str, value: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| value.trim().len() == 10 && (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_date",
                format!("'{value}' 不是有效日期,应为 YYYY-MM-DD (not an existing date YYYY-MM-DD)"),
            )
        })
}

/// Chinese numeral for ordinals in headings: 1 → 一, 12 → 十二, 25 → 二十五 (99 at most;
/// larger numbers stay in digits).
pub fn chinese_numeral(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { D[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            D[n / 10],
            if n.is_multiple_of(10) { "" } else { D[n % 10] }
        ),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        let got: Vec<String> = [1, 10, 12, 20, 25, 99, 100]
            .into_iter()
            .map(chinese_numeral)
            .collect();
        assert_eq!(got, ["一", "十", "十二", "二十", "二十五", "九十九", "100"]);
    }

    #[test]
    fn dates_that_do_not_exist_are_refused() {
        for bad in [
            "2021-02-30",
            "2021-13-01",
            "2021-1-1",
            "21-01-01",
            "",
            "2021/01/01",
            "2021-02-29",
        ] {
            let e = date("deadline", bad).unwrap_err();
            assert_eq!(e.field, "deadline");
            assert_eq!(e.code, "invalid_date", "{bad}");
        }
        assert_eq!(
            date("d", "2024-02-29").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
    }

    #[test]
    fn text_limits_count_characters_and_refuse_controls() {
        assert_eq!(bounded("t", "  整改  ", 2).unwrap(), "整改");
        assert_eq!(bounded("t", "整改通", 2).unwrap_err().code, "too_long");
        assert_eq!(bounded("t", "   ", 2).unwrap_err().code, "required");
        assert_eq!(
            bounded("t", "a\u{1b}[31m", 20).unwrap_err().code,
            "control_character"
        );
        assert_eq!(
            bounded("t", "第一行\n第二行", 20).unwrap(),
            "第一行\n第二行"
        );
        assert_eq!(optional("t", Some(" "), 5).unwrap(), None);
    }
}
