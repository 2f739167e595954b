//! Ordinals of the structure levels (GB/T 9704-2012 §7.3.3): 一、 (一) 1.

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Chinese numeral as written in headings: 一, 十, 十一, 二十, 一百零一, 一千零一十, 一万.
/// Beyond 99,999,999 Arabic digits are returned (no heading list is that long).
pub(crate) fn chinese_numeral(n: u32) -> String {
    if n == 0 {
        return "零".to_owned();
    }
    if n > 99_999_999 {
        return n.to_string();
    }
    let high = n / 10_000;
    let low = n % 10_000;
    let mut out = String::new();
    if high > 0 {
        out.push_str(&below_ten_thousand(high, true));
        out.push('万');
        if low > 0 {
            if low < 1000 {
                out.push('零');
            }
            out.push_str(&below_ten_thousand(low, false));
        }
    } else {
        out.push_str(&below_ten_thousand(low, true));
    }
    out
}

/// 1..=9999; `leading` says whether this group starts the number (十一 versus 一十一).
fn below_ten_thousand(n: u32, leading: bool) -> String {
    const UNITS: [(u32, char); 3] = [(1000, '千'), (100, '百'), (10, '十')];
    let mut out = String::new();
    let mut rest = n;
    let mut pending_zero = false;
    for (value, unit) in UNITS {
        let d = rest / value;
        rest %= value;
        if d == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        if !(value == 10 && d == 1 && leading && out.is_empty()) {
            out.push(DIGITS[d as usize]);
        }
        out.push(unit);
    }
    if rest > 0 {
        if pending_zero {
            out.push('零');
        }
        out.push(DIGITS[rest as usize]);
    }
    out
}

fn is_chinese_digit(c: char) -> bool {
    DIGITS.contains(&c) || matches!(c, '十' | '百' | '千' | '万' | '〇')
}

/// Whether `text` already starts with an ordinal of heading `level` (1: `一、`, 2: `（一）` or
/// `(一)`, 3: `1.` `1．` `1、`), so the writer does not number it twice.
pub(crate) fn has_ordinal(level: u8, text: &str) -> bool {
    match level {
        1 => {
            let rest = text.trim_start_matches(is_chinese_digit);
            rest.len() < text.len() && rest.starts_with('、')
        }
        2 => {
            let Some(inner) = text.strip_prefix('（').or_else(|| text.strip_prefix('(')) else {
                return false;
            };
            let rest = inner.trim_start_matches(is_chinese_digit);
            rest.len() < inner.len() && (rest.starts_with('）') || rest.starts_with(')'))
        }
        _ => {
            let rest =
                text.trim_start_matches(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c));
            rest.len() < text.len()
                && (rest.starts_with('.') || rest.starts_with('．') || rest.starts_with('、'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (99, "九十九"),
            (100, "一百"),
            (101, "一百零一"),
            (110, "一百一十"),
            (1000, "一千"),
            (1001, "一千零一"),
            (1010, "一千零一十"),
            (1100, "一千一百"),
            (10_000, "一万"),
            (10_001, "一万零一"),
            (10_010, "一万零一十"),
            (100_000, "十万"),
            (110_500, "十一万零五百"),
            (12_345_678, "一千二百三十四万五千六百七十八"),
        ];
        for (n, want) in cases {
            assert_eq!(chinese_numeral(n), want, "{n}");
        }
        assert_eq!(chinese_numeral(100_000_000), "100000000");
    }

    #[test]
    fn ordinals_detected() {
        assert!(has_ordinal(1, "一、总体情况"));
        assert!(has_ordinal(1, "十二、其他"));
        assert!(!has_ordinal(1, "一是加强"));
        assert!(!has_ordinal(1, "、"));
        assert!(has_ordinal(2, "（一）关于"));
        assert!(has_ordinal(2, "(十)关于"));
        assert!(!has_ordinal(2, "（注）"));
        assert!(has_ordinal(3, "1.建立"));
        assert!(has_ordinal(3, "12．建立"));
        assert!(!has_ordinal(3, "2021年"));
    }
}
