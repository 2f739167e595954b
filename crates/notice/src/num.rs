//! Chinese and Arabic numerals, and exact decimal shifting for money.

/// Value of one Chinese digit (〇/零 … 九, 两).
pub(crate) fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'Ｏ' => 0,
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

/// Parses a Chinese numeral: positional (`二〇二一`) or with units (`二十八`, `一百零五`).
pub(crate) fn parse_cn(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let has_unit = s.chars().any(|c| matches!(c, '十' | '百' | '千'));
    if !has_unit {
        let mut v: u32 = 0;
        for c in s.chars() {
            v = v.checked_mul(10)?.checked_add(cn_digit(c)?)?;
        }
        return Some(v);
    }
    let mut total: u32 = 0;
    let mut digit: Option<u32> = None;
    for c in s.chars() {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => {
                let d = cn_digit(c)?;
                if d == 0 {
                    digit = None;
                } else {
                    if digit.is_some() {
                        return None;
                    }
                    digit = Some(d);
                }
                continue;
            }
        };
        // 十 alone counts as 一十.
        total = total.checked_add(digit.unwrap_or(1).checked_mul(unit)?)?;
        digit = None;
    }
    total.checked_add(digit.unwrap_or(0))
}

/// Parses Arabic (including full-width) or Chinese numerals.
pub(crate) fn parse_num(s: &str) -> Option<u32> {
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    if s.chars().all(|c| ('０'..='９').contains(&c)) {
        let ascii: String = s
            .chars()
            .map(|c| char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or('0'))
            .collect();
        return ascii.parse().ok();
    }
    parse_cn(s)
}

/// Multiplies a decimal written as text by 10^`shift`, exactly: `("12.5", 4)` → `"125000"`.
/// Returns `None` when `number` is not a plain decimal.
pub(crate) fn shift_decimal(number: &str, shift: usize) -> Option<String> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut digits = String::with_capacity(int.len() + frac.len() + shift);
    digits.push_str(int);
    let moved = frac.len().min(shift);
    digits.push_str(&frac[..moved]);
    for _ in moved..shift {
        digits.push('0');
    }
    let rest = frac[moved..].trim_end_matches('0');
    let int_part = digits.trim_start_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    Some(if rest.is_empty() {
        int_part.to_string()
    } else {
        format!("{int_part}.{rest}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (s, v) in [
            ("一", Some(1)),
            ("十", Some(10)),
            ("十三", Some(13)),
            ("二十", Some(20)),
            ("二十八", Some(28)),
            ("三十一", Some(31)),
            ("一百零五", Some(105)),
            ("二〇二一", Some(2021)),
            ("两千零二十一", Some(2021)),
            ("", None),
            ("一二十", None),
            ("甲", None),
        ] {
            assert_eq!(parse_cn(s), v, "{s}");
        }
        assert_eq!(parse_num("４８"), Some(48));
        assert_eq!(parse_num("99999999999"), None);
    }

    #[test]
    fn decimal_shift_is_exact() {
        for (n, k, out) in [
            ("12.5", 4, Some("125000")),
            ("3.456", 8, Some("345600000")),
            ("0.01", 4, Some("100")),
            ("1234.56", 0, Some("1234.56")),
            ("1.23456", 4, Some("12345.6")),
            ("007", 4, Some("70000")),
            ("0.10", 0, Some("0.1")),
            ("0", 4, Some("0")),
            ("1.2.3", 4, None),
            (".5", 4, None),
        ] {
            assert_eq!(shift_decimal(n, k).as_deref(), out, "{n} {k}");
        }
    }
}
