//! Plain text and Markdown renderings of the layout plan.

use crate::gbt9704::CHARS_PER_LINE;
use crate::layout::{Item, TablePlan};
use crate::xml::half_width;

const LINE: u32 = CHARS_PER_LINE * 2;
const INDENT: &str = "\u{3000}\u{3000}";

/// `n` half-character units of space: ideographic spaces, and one ASCII space for an odd half.
fn pad(out: &mut String, n: u32) {
    for _ in 0..n / 2 {
        out.push('\u{3000}');
    }
    if n % 2 == 1 {
        out.push(' ');
    }
}

fn centred(out: &mut String, text: &str) {
    pad(out, LINE.saturating_sub(half_width(text)) / 2);
    out.push_str(text);
    out.push('\n');
}

pub(super) fn text(plan: &[Item]) -> String {
    let mut out = String::new();
    for item in plan {
        match item {
            Item::DocNumber(t) => centred(&mut out, t),
            Item::Blank => out.push('\n'),
            Item::Title(lines) => lines.iter().for_each(|l| centred(&mut out, l)),
            Item::Addressee(t) => {
                out.push_str(t);
                out.push('\n');
            }
            Item::Heading(_, t) | Item::Paragraph(t) | Item::Note(t) => {
                out.push_str(INDENT);
                out.push_str(t);
                out.push('\n');
            }
            Item::Table(t) => {
                for row in t.header.iter().chain(&t.rows) {
                    out.push_str(&row.join("\t"));
                    out.push('\n');
                }
            }
            Item::Attachment {
                text,
                left,
                hanging,
            } => {
                pad(&mut out, left.saturating_sub(*hanging));
                out.push_str(text);
                out.push('\n');
            }
            Item::Signature { text, right } => {
                pad(&mut out, LINE.saturating_sub(right + half_width(text)));
                out.push_str(text);
                out.push('\n');
            }
        }
    }
    out
}

pub(super) fn markdown(plan: &[Item]) -> String {
    let mut blocks: Vec<String> = Vec::with_capacity(plan.len());
    for item in plan {
        match item {
            Item::Blank => {}
            Item::Title(lines) => blocks.push(format!("# {}", escape(&lines.join(" ")))),
            Item::Heading(level, t) => {
                blocks.push(format!(
                    "{} {}",
                    "#".repeat(usize::from(*level) + 1),
                    escape(t)
                ));
            }
            Item::DocNumber(t)
            | Item::Addressee(t)
            | Item::Paragraph(t)
            | Item::Note(t)
            | Item::Attachment { text: t, .. }
            | Item::Signature { text: t, .. } => blocks.push(escape(t)),
            Item::Table(t) => blocks.push(table(t)),
        }
    }
    let mut out = blocks.join("\n\n");
    out.push('\n');
    out
}

fn table(t: &TablePlan) -> String {
    let empty = vec![String::new(); t.columns];
    let header = t.header.as_ref().unwrap_or(&empty);
    let mut out = String::new();
    let row = |out: &mut String, cells: &[String]| {
        out.push('|');
        for cell in cells {
            out.push(' ');
            out.push_str(&escape(cell));
            out.push_str(" |");
        }
        out.push('\n');
    };
    row(&mut out, header);
    out.push('|');
    for _ in 0..t.columns {
        out.push_str(" --- |");
    }
    out.push('\n');
    for r in &t.rows {
        row(&mut out, r);
    }
    out.pop();
    out
}

/// Escapes text so CommonMark renders it literally: inline markup characters get a backslash,
/// and so do line starts that would open a list, heading underline or block.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    for (i, c) in text.chars().enumerate() {
        let at_start = i == 0 && matches!(c, '-' | '+' | '=');
        let ordinal = i == digits && digits > 0 && matches!(c, '.' | ')');
        if at_start
            || ordinal
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '!'
            )
        {
            out.push('\\');
        }
        out.push(if c == '\t' { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_markup_and_list_starts() {
        assert_eq!(escape("1.建立"), "1\\.建立");
        assert_eq!(escape("12)x"), "12\\)x");
        assert_eq!(escape("2021年1.5"), "2021年1.5");
        assert_eq!(
            escape("- a *b* <c> [d](e) | &amp;"),
            "\\- a \\*b\\* \\<c\\> \\[d\\](e) \\| \\&amp;"
        );
    }
}
