//! Text hygiene shared by every output: the sanitiser, XML escaping and display width.

/// Whether a character may appear in output text. XML 1.0 allows `#x9 | #xA | #xD |
/// [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]` (a Rust `char` is never a surrogate);
/// on top of that DEL and the C1 controls are dropped: invisible, and never meant in a 公文.
fn allowed(c: char) -> bool {
    match c {
        '\t' | '\n' => true,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => false,
        '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    }
}

/// The text as every renderer sees it: CR LF and lone CR become LF, forbidden characters are
/// dropped. Characters outside the BMP (𠀀 U+20000) are ordinary `char`s and pass unchanged.
pub(crate) fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() != Some(&'\n') {
                out.push('\n');
            }
        } else if allowed(c) {
            out.push(c);
        }
    }
    out
}

/// Sanitised text for a one-line slot (heading, addressee, signature, cell): runs of
/// whitespace including line breaks collapse to one space, ends trimmed.
pub(crate) fn one_line(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    for word in clean.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Appends `s` escaped for XML character data or a double-quoted attribute. `s` must already
/// be sanitised; `>` is escaped too, so `]]>` can never appear.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Width in half-character units: printable ASCII is half width (1), everything else —
/// Hanzi, full-width punctuation, 〔〕 — full width (2). Enough to place a signature.
pub(crate) fn half_width(s: &str) -> u32 {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { 1 } else { 2 })
        .fold(0u32, u32::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizer_drops_what_xml_forbids() {
        assert_eq!(sanitize("a\u{0}b\u{1}c\u{8}\u{B}\u{C}\u{1F}d"), "abcd");
        assert_eq!(sanitize("x\u{7F}\u{85}\u{9F}y\u{FFFE}\u{FFFF}z"), "xyz");
        assert_eq!(sanitize("1\r\n2\r3\n4\t5"), "1\n2\n3\n4\t5");
        assert_eq!(sanitize("𠀀字\u{10FFFF}"), "𠀀字\u{10FFFF}");
    }

    #[test]
    fn escaping_covers_markup() {
        let mut s = String::new();
        escape_into(&mut s, r#"<a href="x">&'b']]>"#);
        assert_eq!(s, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;b&apos;]]&gt;");
    }

    #[test]
    fn widths() {
        assert_eq!(half_width("2021年12月28日"), 14);
        assert_eq!(half_width("东府办"), 6);
        assert_eq!(one_line("  a \n\t b  "), "a b");
    }
}
