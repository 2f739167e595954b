//! Log hygiene: `sanitize` makes untrusted text safe to put inside one log line (no forged lines, no terminal escapes).

/// Default bound, in characters of output, of [`sanitize`].
pub const MAX_LOG_CHARS: usize = 1024;

/// Escapes untrusted text for a log line and bounds its length (see [`sanitize_with_limit`],
/// limit [`MAX_LOG_CHARS`]).
pub fn sanitize(input: &str) -> String {
    sanitize_with_limit(input, MAX_LOG_CHARS)
}

/// Escapes untrusted text so it can never start a new log line or drive a terminal:
///
/// * `\` becomes `\\`, so every escape below is unambiguous;
/// * CR, LF and TAB become `\r`, `\n`, `\t`;
/// * every other control character (C0 including NUL and ESC, DEL, C1 including NEL U+0085),
///   the line and paragraph separators U+2028 and U+2029, bidirectional overrides and isolates
///   (U+202A–U+202E, U+2066–U+2069), zero-width and direction marks (U+200B–U+200F, U+2060,
///   U+FEFF) become `\u{hex}`.
///
/// Everything else, Chinese text included, passes unchanged. When the escaped text would exceed
/// `max_chars` characters it is cut at a character boundary (never inside an escape) and
/// `…[truncated N chars]` is appended, N counting the input characters left out.
pub fn sanitize_with_limit(input: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(input.len().min(max_chars.saturating_mul(4)));
    let mut used = 0usize;
    for (consumed, c) in input.chars().enumerate() {
        let piece = escape(c);
        let width = piece.chars().count();
        if used.saturating_add(width) > max_chars {
            let left = input.chars().count() - consumed;
            out.push_str(&format!("…[truncated {left} chars]"));
            return out;
        }
        out.push_str(&piece);
        used += width;
    }
    out
}

fn escape(c: char) -> String {
    match c {
        '\\' => "\\\\".to_string(),
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        '\t' => "\\t".to_string(),
        c if needs_escape(c) => format!("\\u{{{:x}}}", c as u32),
        c => c.to_string(),
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_forges_a_line_and_stays_bounded(input in any::<String>(), limit in 0usize..64) {
            let out = sanitize_with_limit(&input, limit);
            prop_assert!(!out.chars().any(needs_escape));
            // The limit plus the marker.
            prop_assert!(out.chars().count() <= limit + "…[truncated  chars]".chars().count() + 20);
            if out.chars().count() <= limit && !out.contains("…[truncated") {
                // Nothing was cut: the escaping is reversible in length terms.
                prop_assert!(out.chars().count() >= input.chars().count());
            }
        }
    }

    fn check(input: &str, expect: &str) {
        assert_eq!(sanitize(input), expect, "input {input:?}");
    }

    #[test]
    fn corpus() {
        check("plain 整改通 text", "plain 整改通 text");
        check(
            "admin\r\n2026-01-01T00:00:00Z INFO login ok user=root",
            "admin\\r\\n2026-01-01T00:00:00Z INFO login ok user=root",
        );
        check("a\nb", "a\\nb");
        check("a\rb", "a\\rb");
        check("tab\there", "tab\\there");
        check("nul\0byte", "nul\\u{0}byte");
        check("\x1b[31mred\x1b[0m", "\\u{1b}[31mred\\u{1b}[0m");
        check("bell\x07", "bell\\u{7}");
        check("del\x7f", "del\\u{7f}");
        check("nel\u{85}x", "nel\\u{85}x");
        check("ls\u{2028}ps\u{2029}", "ls\\u{2028}ps\\u{2029}");
        check("rlo\u{202E}txt.exe", "rlo\\u{202e}txt.exe");
        check("zw\u{200B}j\u{FEFF}", "zw\\u{200b}j\\u{feff}");
        // A literal backslash-n typed by the user stays distinguishable from a real newline.
        check("a\\nb", "a\\\\nb");
        check("", "");
        check("emoji 😀 ok", "emoji 😀 ok");
    }

    #[test]
    fn output_is_always_one_printable_line() {
        let nasty: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let out = sanitize_with_limit(&nasty, usize::MAX);
        assert!(!out.chars().any(needs_escape));
        assert!(!out.contains('\n') && !out.contains('\r'));
    }

    #[test]
    fn long_input_is_bounded_with_marker() {
        let long = "x".repeat(5000);
        let out = sanitize(&long);
        assert!(out.starts_with(&"x".repeat(MAX_LOG_CHARS)));
        assert!(out.ends_with("…[truncated 3976 chars]"), "{}", &out[1000..]);
        assert!(out.chars().count() < MAX_LOG_CHARS + 30);
        // Exactly at the limit: nothing cut.
        assert_eq!(
            sanitize(&"y".repeat(MAX_LOG_CHARS)),
            "y".repeat(MAX_LOG_CHARS)
        );
    }

    #[test]
    fn truncation_never_splits_an_escape_or_a_character() {
        assert_eq!(sanitize_with_limit("ab\ncd", 3), "ab…[truncated 3 chars]");
        assert_eq!(
            sanitize_with_limit("整改通知", 2),
            "整改…[truncated 2 chars]"
        );
        assert_eq!(
            sanitize_with_limit("\x1b\x1b", 7),
            "\\u{1b}…[truncated 1 chars]"
        );
        assert_eq!(sanitize_with_limit("abc", 0), "…[truncated 3 chars]");
    }
}
