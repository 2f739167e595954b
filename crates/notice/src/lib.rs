//! Reads published rectification progress notices (整改进展情况的通报) into a structured summary.
//!
//! Pure: input is bytes or text handed in by the caller; no I/O, no async. Entry points:
//! [`parse_bytes`] (detects UTF-8/UTF-16/GBK/GB18030 text, HTML and .docx), [`parse_text`]
//! and [`render_tree`]. The JSON shape of [`Notice`] is documented in `FORMAT.md`.

mod dates;
mod decode;
mod docx;
mod extract;
mod html;
mod layout;
mod model;
mod num;
mod outline;
mod render;

pub use decode::{MAX_INPUT_BYTES, ParseError};
pub use docx::{MAX_DOCX_ENTRIES, MAX_DOCX_XML_BYTES};
pub use model::{
    Aspect, Contacts, Counts, DateMention, DocNumber, InputKind, Inspection, Item, Money, Notice,
    People, Precision, Problem, Quantity, Section, SectionRole, Source, Stats, Warning,
};
pub use render::render_tree;

use dates::DateCtx;

/// Parses a notice from raw file bytes. `file_name_hint` (e.g. `notice.html`) helps detect
/// HTML and names the file in errors.
///
/// Errors only for unusable input (empty, over [`MAX_INPUT_BYTES`], binary, undecodable,
/// unsafe or broken .docx); anything partly readable gives a [`Notice`] with `warnings`.
pub fn parse_bytes(bytes: &[u8], file_name_hint: Option<&str>) -> Result<Notice, ParseError> {
    let d = decode::decode(bytes, file_name_hint).map_err(|e| e.with_file(file_name_hint))?;
    let notes = d
        .notes
        .into_iter()
        .map(|n| Warning::new("docx", None, n))
        .collect();
    Ok(read(&d.text, d.source, d.page_title.as_deref(), notes))
}

/// Parses a notice from text (already decoded, plain text).
pub fn parse_text(text: &str) -> Notice {
    read(
        text,
        Source {
            kind: InputKind::Text,
            encoding: "utf-8".into(),
        },
        None,
        Vec::new(),
    )
}

fn read(
    text: &str,
    source: Source,
    page_title: Option<&str>,
    mut warnings: Vec<Warning>,
) -> Notice {
    let lay = layout::layout(text, page_title, &mut warnings);
    let published = lay.signature_date.or(lay.meta_published);
    let issuer = lay
        .title
        .as_deref()
        .and_then(|t| t.find("关于").map(|p| t[..p].trim()))
        .filter(|p| (2..=40).contains(&p.chars().count()))
        .map(str::to_string)
        .or_else(|| lay.signature_issuer.clone());

    let tree = outline::build(lay.body(), &mut warnings);

    let mut dates = Vec::new();
    let mut ctx = DateCtx {
        published,
        context_year: None,
    };
    for l in &lay.all {
        dates::scan_line(&l.text, l.no, &mut ctx, &mut dates, &mut warnings);
    }
    let opening: &[layout::Line] = if tree.preamble.is_empty() {
        &lay.body()[..lay.body().len().min(3)]
    } else {
        &tree.preamble
    };
    let inspection = extract::inspection(opening, lay.title.as_deref(), &dates);

    if lay.body().is_empty() {
        warnings.push(Warning::new("no_body", None, "no body text found"));
    } else if tree.aspects.is_empty() && tree.sections.is_empty() {
        warnings.push(Warning::new(
            "no_structure",
            None,
            "no headings (一、 (一) 1. 第一方面问题 …) found; the problem tree is empty",
        ));
    } else if tree.aspects.is_empty() {
        warnings.push(Warning::new(
            "no_problems",
            None,
            "no problem headings (针对…的问题, 关于“…”问题的整改 …) found",
        ));
    }

    let counts = Counts {
        aspects: tree.aspects.len(),
        problems: tree.aspects.iter().map(|a| a.problems.len()).sum(),
        measures: tree
            .aspects
            .iter()
            .flat_map(|a| &a.problems)
            .map(|p| p.measures.len())
            .sum(),
    };
    let stats = extract::stats(&lay.all, &mut warnings);
    Notice {
        title: lay.title.clone(),
        issuer,
        published: published.map(|p| p.to_string()),
        source,
        inspection,
        aspects: tree.aspects,
        sections: tree.sections,
        counts,
        doc_numbers: extract::doc_numbers(&lay.all),
        titles: extract::titles(&lay.all),
        quantities: extract::quantities(&lay.all),
        contacts: extract::contacts(&lay.all),
        dates,
        stats,
        warnings,
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod robustness;
