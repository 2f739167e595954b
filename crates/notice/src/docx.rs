//! .docx reading: the paragraphs of `word/document.xml`, with zip-bomb guards
//! (entry count cap, declared-size check, and a size-limited reader).

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
    let xml = std::str::from_utf8(&buf)
        .map_err(|e| err(format!("word/document.xml is not UTF-8: {e}")))?;
    Ok(paragraphs(xml))
}

/// Collects `w:t` text per `w:p` paragraph; `w:tab` and `w:br` become tab and newline.
fn paragraphs(xml: &str) -> DocxText {
    let mut reader = Reader::from_str(xml);
    let mut text = String::with_capacity(xml.len() / 4);
    let mut notes = Vec::new();
    let mut in_t = false;
    let mut numbered = 0usize;
    let mut paragraphs = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                "w:t" => in_t = true,
                "w:numPr" => numbered += 1,
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.name().as_ref() {
                "w:tab" => text.push('\t'),
                "w:br" | "w:cr" => text.push('\n'),
                "w:p" => {
                    text.push('\n');
                    paragraphs += 1;
                }
                "w:numPr" => numbered += 1,
                _ => {}
            },
            Ok(Event::End(e)) => match e.name().as_ref() {
                "w:t" => in_t = false,
                "w:p" => {
                    text.push('\n');
                    paragraphs += 1;
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_t => text.push_str(&t),
            Ok(Event::CData(t)) if in_t => {
                text.push_str(&t);
            }
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
                    text.push(c);
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
    if numbered > 0 {
        notes.push(format!(
            "{numbered} paragraphs use Word automatic numbering; their numbers are not in the text"
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
        let d = paragraphs(xml);
        assert_eq!(d.text, "一、整改&落实\n甲\t乙\n丙\n\n");
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
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
