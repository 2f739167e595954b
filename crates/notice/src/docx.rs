//! .docx reading: the paragraphs of `word/document.xml`, with zip-bomb guards
//! (entry count cap, declared-size check, and a size-limited reader).

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::decode::ParseError;

/// Caps applied while reading a .docx.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Most zip entries accepted (a real .docx has a few dozen).
    pub max_entries: usize,
    /// Most bytes `word/document.xml` may inflate to.
    pub max_xml_bytes: u64,
}

/// Largest `word/document.xml` accepted once inflated (64 MiB).
pub const MAX_DOCX_XML_BYTES: u64 = 64 * 1024 * 1024;
/// Most zip entries accepted in a .docx.
pub const MAX_DOCX_ENTRIES: usize = 4096;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: MAX_DOCX_ENTRIES,
            max_xml_bytes: MAX_DOCX_XML_BYTES,
        }
    }
}

pub(crate) struct DocxText {
    pub text: String,
    pub notes: Vec<String>,
}

fn err(detail: impl Into<String>) -> ParseError {
    ParseError::Docx {
        detail: detail.into(),
        file: None,
    }
}

pub(crate) fn read_docx(bytes: &[u8], limits: &Limits) -> Result<DocxText, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| err(format!("not a readable zip archive: {e}")))?;
    if archive.len() > limits.max_entries {
        return Err(err(format!(
            "{} zip entries, more than the {} allowed",
            archive.len(),
            limits.max_entries
        )));
    }
    let mut file = archive.by_name("word/document.xml").map_err(|e| {
        err(format!(
            "no word/document.xml ({e}); a zip that is not a Word document"
        ))
    })?;
    if file.size() > limits.max_xml_bytes {
        return Err(err(format!(
            "word/document.xml declares {} bytes, more than the {} allowed",
            file.size(),
            limits.max_xml_bytes
        )));
    }
    let mut buf = Vec::new();
    // The declared size may lie: never inflate more than the cap (+1 to detect overflow).
    (&mut file)
        .take(limits.max_xml_bytes + 1)
        .read_to_end(&mut buf)
        .map_err(|e| err(format!("cannot inflate word/document.xml: {e}")))?;
    if buf.len() as u64 > limits.max_xml_bytes {
        return Err(err(format!(
            "word/document.xml inflates past the {} bytes allowed",
            limits.max_xml_bytes
        )));
    }
    drop(file);
    let xml = std::str::from_utf8(&buf)
        .map_err(|e| err(format!("word/document.xml is not UTF-8: {e}")))?;
    let numbering = read_numbering(&mut archive, limits);
    Ok(paragraphs(xml, &numbering))
}

/// `word/numbering.xml`, when present and readable: Word's automatic list numbers, so that
/// auto-numbered headings keep their 一、 / (一) / 1. markers. Any problem just means none.
fn read_numbering(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, limits: &Limits) -> Numbering {
    let Ok(mut file) = archive.by_name("word/numbering.xml") else {
        return Numbering::default();
    };
    let cap = limits.max_xml_bytes / 8;
    if file.size() > cap {
        return Numbering::default();
    }
    let mut buf = Vec::new();
    if (&mut file).take(cap + 1).read_to_end(&mut buf).is_err() || buf.len() as u64 > cap {
        return Numbering::default();
    }
    std::str::from_utf8(&buf).map_or_else(|_| Numbering::default(), parse_numbering)
}

/// One list level: number format, text pattern (`%1、`), first value.
#[derive(Debug, Clone, Default)]
struct Level {
    fmt: String,
    text: String,
    start: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Numbering {
    /// abstractNumId → levels 0..9
    abstract_levels: HashMap<String, Vec<Level>>,
    /// numId → abstractNumId
    nums: HashMap<String, String>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .map(|a| a.value.into_owned())
}

fn parse_numbering(xml: &str) -> Numbering {
    let mut n = Numbering::default();
    let mut reader = Reader::from_str(xml);
    let mut abs: Option<String> = None;
    let mut ilvl: Option<usize> = None;
    let mut num: Option<String> = None;
    loop {
        let ev = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(ev) => ev,
        };
        let (start, e) = match &ev {
            Event::Start(e) => (true, e),
            Event::Empty(e) => (false, e),
            Event::End(e) => {
                match e.name().as_ref() {
                    "w:abstractNum" => abs = None,
                    "w:lvl" => ilvl = None,
                    "w:num" => num = None,
                    _ => {}
                }
                continue;
            }
            _ => continue,
        };
        match e.name().as_ref() {
            "w:abstractNum" if start => abs = attr(e, "w:abstractNumId"),
            "w:lvl" if start => {
                ilvl = attr(e, "w:ilvl")
                    .and_then(|v| v.parse().ok())
                    .filter(|l| *l < 9);
            }
            "w:num" if start => num = attr(e, "w:numId"),
            "w:abstractNumId" => {
                if let (Some(nid), Some(a)) = (&num, attr(e, "w:val")) {
                    n.nums.insert(nid.clone(), a);
                }
            }
            name @ ("w:start" | "w:numFmt" | "w:lvlText") => {
                let (Some(a), Some(l)) = (&abs, ilvl) else {
                    continue;
                };
                let levels = n.abstract_levels.entry(a.clone()).or_default();
                if levels.len() <= l {
                    levels.resize(l + 1, Level::default());
                }
                let v = attr(e, "w:val").unwrap_or_default();
                let level = &mut levels[l];
                match name {
                    "w:start" => level.start = v.parse().unwrap_or(1),
                    "w:numFmt" => level.fmt = v,
                    _ => level.text = v,
                }
            }
            _ => {}
        }
    }
    n
}

const CN_DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// 1 → 一, 10 → 十, 12 → 十二, 21 → 二十一, 105 → 105 (beyond 99: Arabic).
fn chinese_number(v: u32) -> String {
    match v {
        0..=9 => CN_DIGITS[v as usize].to_string(),
        10..=19 => format!(
            "十{}",
            if v == 10 {
                ""
            } else {
                CN_DIGITS[(v % 10) as usize]
            }
        ),
        20..=99 => format!(
            "{}十{}",
            CN_DIGITS[(v / 10) as usize],
            if v.is_multiple_of(10) {
                ""
            } else {
                CN_DIGITS[(v % 10) as usize]
            }
        ),
        _ => v.to_string(),
    }
}

fn format_number(v: u32, fmt: &str) -> String {
    match fmt {
        "chineseCounting"
        | "chineseCountingThousand"
        | "ideographTraditional"
        | "japaneseCounting"
        | "taiwaneseCounting"
        | "ideographLegalTraditional" => chinese_number(v),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&v) => {
            char::from_u32(0x2460 + v - 1).map_or_else(|| v.to_string(), String::from)
        }
        "upperLetter" if (1..=26).contains(&v) => {
            char::from_u32(64 + v).map_or_else(|| v.to_string(), String::from)
        }
        "lowerLetter" if (1..=26).contains(&v) => {
            char::from_u32(96 + v).map_or_else(|| v.to_string(), String::from)
        }
        "none" | "bullet" => String::new(),
        _ => v.to_string(),
    }
}

/// Counters of the lists met so far; renders the marker of a numbered paragraph.
#[derive(Default)]
struct ListState {
    counters: HashMap<String, [u32; 9]>,
}

impl ListState {
    fn marker(&mut self, numbering: &Numbering, num_id: &str, ilvl: usize) -> Option<String> {
        let abs = numbering.nums.get(num_id)?;
        let levels = numbering.abstract_levels.get(abs)?;
        let level = levels.get(ilvl)?;
        if level.fmt == "bullet" {
            return None;
        }
        let counters = self.counters.entry(num_id.to_string()).or_insert([0; 9]);
        counters[ilvl] = if counters[ilvl] == 0 {
            level.start
        } else {
            counters[ilvl].saturating_add(1)
        };
        for c in counters.iter_mut().skip(ilvl + 1) {
            *c = 0;
        }
        let mut out = level.text.clone();
        for (l, lv) in levels.iter().enumerate().take(9) {
            let placeholder = format!("%{}", l + 1);
            if out.contains(&placeholder) {
                let v = if counters[l] == 0 {
                    lv.start
                } else {
                    counters[l]
                };
                out = out.replace(&placeholder, &format_number(v, &lv.fmt));
            }
        }
        Some(out)
    }
}

/// Collects `w:t` text per `w:p` paragraph; `w:tab` and `w:br` become tab and newline; a
/// paragraph with automatic numbering gets its rendered number (e.g. `（一）`) in front.
fn paragraphs(xml: &str, numbering: &Numbering) -> DocxText {
    let mut reader = Reader::from_str(xml);
    let mut text = String::with_capacity(xml.len() / 4);
    let mut para = String::new();
    let mut notes = Vec::new();
    let mut in_t = false;
    let mut in_num = false;
    let (mut num_id, mut ilvl): (Option<String>, usize) = (None, 0);
    let mut lists = ListState::default();
    let mut unresolved = 0usize;
    let mut paragraphs = 0usize;
    let mut end_paragraph =
        |para: &mut String, num_id: &mut Option<String>, ilvl: &mut usize, text: &mut String| {
            if let Some(id) = num_id.take().filter(|id| id != "0") {
                match lists.marker(numbering, &id, *ilvl) {
                    Some(m) => text.push_str(&m),
                    None => unresolved += 1,
                }
            }
            *ilvl = 0;
            text.push_str(para);
            text.push('\n');
            para.clear();
        };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                "w:t" => in_t = true,
                "w:numPr" => in_num = true,
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.name().as_ref() {
                "w:tab" => para.push('\t'),
                "w:br" | "w:cr" => para.push('\n'),
                "w:p" => {
                    end_paragraph(&mut para, &mut num_id, &mut ilvl, &mut text);
                    paragraphs += 1;
                }
                "w:numId" if in_num => num_id = attr(&e, "w:val"),
                "w:ilvl" if in_num => {
                    ilvl = attr(&e, "w:val")
                        .and_then(|v| v.parse().ok())
                        .filter(|l| *l < 9)
                        .unwrap_or(0);
                }
                _ => {}
            },
            Ok(Event::End(e)) => match e.name().as_ref() {
                "w:t" => in_t = false,
                "w:numPr" => in_num = false,
                "w:p" => {
                    end_paragraph(&mut para, &mut num_id, &mut ilvl, &mut text);
                    paragraphs += 1;
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_t => para.push_str(&t),
            Ok(Event::CData(t)) if in_t => para.push_str(&t),
            Ok(Event::GeneralRef(r)) if in_t => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = c {
                    para.push(c);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                notes.push(format!(
                    "word/document.xml is malformed after {paragraphs} paragraphs ({e}); the rest is not read"
                ));
                break;
            }
        }
    }
    if !para.is_empty() {
        end_paragraph(&mut para, &mut num_id, &mut ilvl, &mut text);
    }
    if unresolved > 0 {
        notes.push(format!(
            "{unresolved} paragraphs use Word automatic numbering that could not be resolved; their numbers are not in the text"
        ));
    }
    DocxText { text, notes }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    /// Builds a minimal .docx holding one `w:p` per paragraph.
    pub(crate) fn build_docx(paragraphs: &[&str]) -> Vec<u8> {
        let mut body = String::new();
        for p in paragraphs {
            let escaped = p
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            body.push_str(&format!(
                "<w:p><w:pPr><w:jc w:val=\"both\"/></w:pPr><w:r><w:t xml:space=\"preserve\">{escaped}</w:t></w:r></w:p>"
            ));
        }
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
             <w:body>{body}<w:sectPr/></w:body></w:document>"
        );
        zip_with(&[
            ("[Content_Types].xml", "<Types/>".as_bytes()),
            ("word/document.xml", xml.as_bytes()),
        ])
    }

    pub(crate) fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_paragraphs_runs_tabs_and_entities() {
        let xml = "<w:document xmlns:w=\"x\"><w:body>\
            <w:p><w:r><w:t>一、</w:t></w:r><w:r><w:t>整改&amp;落实</w:t></w:r></w:p>\
            <w:p><w:pPr><w:numPr/></w:pPr><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>\
            <w:p/></w:body></w:document>";
        let d = paragraphs(xml, &Numbering::default());
        assert_eq!(d.text, "一、整改&落实\n甲\t乙\n丙\n\n");
        assert_eq!(d.notes.len(), 0, "{:?}", d.notes);
    }

    #[test]
    fn automatic_numbering_is_rendered() {
        let numbering = "<w:numbering xmlns:w=\"x\">\
            <w:abstractNum w:abstractNumId=\"7\">\
              <w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"chineseCounting\"/><w:lvlText w:val=\"%1、\"/></w:lvl>\
              <w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:numFmt w:val=\"chineseCounting\"/><w:lvlText w:val=\"（%2）\"/></w:lvl>\
              <w:lvl w:ilvl=\"2\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%3.\"/></w:lvl>\
            </w:abstractNum>\
            <w:num w:numId=\"3\"><w:abstractNumId w:val=\"7\"/></w:num></w:numbering>";
        let n = parse_numbering(numbering);
        let p = |lvl: u8, t: &str| {
            format!(
                "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{lvl}\"/><w:numId w:val=\"3\"/></w:numPr></w:pPr><w:r><w:t>{t}</w:t></w:r></w:p>"
            )
        };
        let xml = format!(
            "<w:document xmlns:w=\"x\"><w:body>{}{}{}{}{}{}<w:p><w:r><w:t>正文</w:t></w:r></w:p></w:body></w:document>",
            p(0, "甲方面"),
            p(1, "问题一"),
            p(2, "措施"),
            p(2, "措施"),
            p(1, "问题二"),
            p(0, "乙方面"),
        );
        let d = paragraphs(&xml, &n);
        assert_eq!(
            d.text,
            "一、甲方面\n（一）问题一\n1.措施\n2.措施\n（二）问题二\n二、乙方面\n正文\n"
        );
        assert!(d.notes.is_empty(), "{:?}", d.notes);
        // Unknown numbering is reported, not invented.
        let d = paragraphs(&xml, &Numbering::default());
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert_eq!(chinese_number(21), "二十一");
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
    }

    #[test]
    fn zip_without_document_is_refused() {
        let z = zip_with(&[("a.txt", b"hello")]);
        let e = read_docx(&z, &Limits::default()).map(|_| ()).unwrap_err();
        assert!(e.to_string().contains("word/document.xml"), "{e}");
    }

    #[test]
    fn bombs_are_refused_before_full_inflation() {
        // Highly compressible document.xml bigger than a (small, test) cap.
        let big = vec![b' '; 200_000];
        let z = zip_with(&[("word/document.xml", &big)]);
        assert!(z.len() < 10_000, "compressed to {}", z.len());
        let limits = Limits {
            max_entries: 10,
            max_xml_bytes: 100_000,
        };
        let e = read_docx(&z, &limits).map(|_| ()).unwrap_err();
        assert!(e.to_string().contains("100000"), "{e}");
        // Too many entries.
        let names: Vec<String> = (0..12).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let e = read_docx(&zip_with(&entries), &limits)
            .map(|_| ())
            .unwrap_err();
        assert!(e.to_string().contains("12 zip entries"), "{e}");
    }

    /// Rewrites the recorded uncompressed size of every entry (local and central headers).
    fn lie_about_sizes(zip: &mut [u8], size: u32) {
        let le = size.to_le_bytes();
        let mut i = 0;
        while i + 46 <= zip.len() {
            match &zip[i..i + 4] {
                b"PK\x03\x04" => zip[i + 22..i + 26].copy_from_slice(&le),
                b"PK\x01\x02" => zip[i + 24..i + 28].copy_from_slice(&le),
                _ => {}
            }
            i += 1;
        }
    }

    #[test]
    fn a_bomb_that_lies_about_its_size_is_not_inflated_past_the_cap() {
        let big = vec![b'a'; 300_000];
        let mut z = zip_with(&[("word/document.xml", &big)]);
        lie_about_sizes(&mut z, 1_000);
        let limits = Limits {
            max_entries: 10,
            max_xml_bytes: 100_000,
        };
        // Either the zip reader stops at the declared size (and the checksum fails) or our
        // size-limited reader stops at the cap: never 300 kB of output, never a panic.
        match read_docx(&z, &limits) {
            Err(ParseError::Docx { .. }) => {}
            Ok(d) => assert!(d.text.len() <= 100_000),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn truncated_zip_is_an_error() {
        let z = build_docx(&["通报"]);
        let e = read_docx(&z[..z.len() / 2], &Limits::default())
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(e, ParseError::Docx { .. }));
    }
}
