//! Bytes to text: encoding detection (UTF-8, UTF-16 with BOM, GBK/GB18030), HTML and .docx.

use crate::model::{InputKind, Source};
use crate::{docx, html};

/// Largest input [`crate::parse_bytes`] accepts (32 MiB); real notices are far smaller.
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;

/// Why bytes could not be read as a notice. Partly readable input is never an error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// The input has no bytes, or only whitespace.
    #[error("empty input{}", hint_suffix(.file))]
    Empty {
        /// The file name hint, if one was given.
        file: Option<String>,
    },
    /// The input is over the size cap.
    #[error("input of {size} bytes is over the {limit}-byte limit{}", hint_suffix(.file))]
    TooLarge {
        /// Input size in bytes.
        size: usize,
        /// The cap in bytes.
        limit: usize,
        /// The file name hint, if one was given.
        file: Option<String>,
    },
    /// The input is a binary file that is not a supported document.
    #[error("binary file ({what}), not a text, HTML or .docx notice{}", hint_suffix(.file))]
    Binary {
        /// What the bytes look like.
        what: String,
        /// The file name hint, if one was given.
        file: Option<String>,
    },
    /// The bytes are not UTF-8, UTF-16 (with BOM) or GBK/GB18030.
    #[error(
        "cannot decode text: {detail} (first bad byte at offset {offset}){}",
        hint_suffix(.file)
    )]
    Undecodable {
        /// Byte offset of the first byte that is not valid UTF-8 (or the detected encoding).
        offset: usize,
        /// What was tried.
        detail: String,
        /// The file name hint, if one was given.
        file: Option<String>,
    },
    /// A .docx (zip) file that cannot be read safely.
    #[error("unreadable .docx: {detail}{}", hint_suffix(.file))]
    Docx {
        /// What went wrong.
        detail: String,
        /// The file name hint, if one was given.
        file: Option<String>,
    },
}

fn hint_suffix(file: &Option<String>) -> String {
    match file {
        Some(f) => format!(" in {f}"),
        None => String::new(),
    }
}

impl ParseError {
    pub(crate) fn with_file(mut self, hint: Option<&str>) -> Self {
        // A file name with CR/LF or escapes must not forge log lines when the error is logged.
        let h = hint.map(|h| h.chars().flat_map(char::escape_debug).collect::<String>());
        match &mut self {
            ParseError::Empty { file }
            | ParseError::TooLarge { file, .. }
            | ParseError::Binary { file, .. }
            | ParseError::Undecodable { file, .. }
            | ParseError::Docx { file, .. } => *file = h,
        }
        self
    }
}

/// Decoded input, ready for [`crate::parse_text`]-style reading.
pub(crate) struct Decoded {
    pub text: String,
    pub source: Source,
    /// The `<title>` of an HTML page, used when no title line is found.
    pub page_title: Option<String>,
    /// Notes produced while decoding (docx numbering, …).
    pub notes: Vec<String>,
}

pub(crate) fn decode(bytes: &[u8], hint: Option<&str>) -> Result<Decoded, ParseError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
            file: None,
        });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty { file: None });
    }
    let hint_lower = hint.map(str::to_ascii_lowercase).unwrap_or_default();
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let d = docx::read_docx(bytes, &docx::Limits::default())?;
        if d.text.trim().is_empty() {
            return Err(ParseError::Empty { file: None });
        }
        return Ok(Decoded {
            text: d.text,
            source: Source {
                kind: InputKind::Docx,
                encoding: "utf-8".into(),
            },
            page_title: None,
            notes: d.notes,
        });
    }
    if let Some(what) = binary_magic(bytes) {
        return Err(ParseError::Binary {
            what: what.into(),
            file: None,
        });
    }
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    if !utf16 && let Some(what) = binary_bytes(bytes) {
        return Err(ParseError::Binary {
            what: what.into(),
            file: None,
        });
    }
    let (text, encoding) = decode_text(bytes)?;
    if let Some(what) = looks_binary(&text) {
        return Err(ParseError::Binary {
            what: what.into(),
            file: None,
        });
    }
    let is_html = hint_lower.ends_with(".html")
        || hint_lower.ends_with(".htm")
        || hint_lower.ends_with(".shtml")
        || looks_like_html(&text);
    if is_html {
        let page = html::to_text(&text);
        if page.text.trim().is_empty() {
            return Err(ParseError::Empty { file: None });
        }
        return Ok(Decoded {
            text: page.text,
            source: Source {
                kind: InputKind::Html,
                encoding,
            },
            page_title: page.title,
            notes: Vec::new(),
        });
    }
    Ok(Decoded {
        text,
        source: Source {
            kind: InputKind::Text,
            encoding,
        },
        page_title: None,
        notes: Vec::new(),
    })
}

fn binary_magic(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF", "PDF"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "legacy Word/OLE .doc"),
        (b"\x89PNG", "PNG image"),
        (b"GIF8", "GIF image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"\x1F\x8B", "gzip archive"),
        (b"Rar!", "RAR archive"),
        (b"7z\xBC\xAF", "7-Zip archive"),
        (b"\x7FELF", "executable"),
        (b"MZ", "executable"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, w)| *w)
}

/// Decodes text without ever producing U+FFFD: UTF-8 (BOM optional), UTF-16 with BOM,
/// else GB18030 (GBK is its two-byte subset), else an error.
fn decode_text(bytes: &[u8]) -> Result<(String, String), ParseError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_string(), "utf-8-bom".into())),
            Err(e) => Err(ParseError::Undecodable {
                offset: e.valid_up_to() + 3,
                detail: "UTF-8 byte order mark but invalid UTF-8 after it".into(),
                file: None,
            }),
        };
    }
    for (bom, enc, name) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "utf-16le"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "utf-16be"),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return match enc.decode_without_bom_handling_and_without_replacement(rest) {
                Some(s) => Ok((s.into_owned(), name.into())),
                None => Err(ParseError::Undecodable {
                    offset: 0,
                    detail: format!("{name} byte order mark but invalid {name} after it"),
                    file: None,
                }),
            };
        }
    }
    let utf8_err = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok((s.to_string(), "utf-8".into())),
        Err(e) => e,
    };
    let offset = utf8_err.valid_up_to();
    let Some(s) = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    else {
        return Err(ParseError::Undecodable {
            offset,
            detail: "neither UTF-8 nor GBK/GB18030".into(),
            file: None,
        });
    };
    if !plausibly_chinese(&s) {
        return Err(ParseError::Undecodable {
            offset,
            detail: "not UTF-8, and decoding as GBK/GB18030 gives no plausible Chinese text".into(),
            file: None,
        });
    }
    let name = if uses_four_byte_gb18030(bytes) {
        "gb18030"
    } else {
        "gbk"
    };
    Ok((s.into_owned(), name.into()))
}

/// True when the bytes (already known to decode as GB18030) use four-byte sequences.
fn uses_four_byte_gb18030(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
        } else if bytes.get(i + 1).is_some_and(|b| (0x30..=0x39).contains(b)) {
            return true;
        } else {
            i += 2;
        }
    }
    false
}

/// Most non-ASCII characters of a real Chinese text are CJK ideographs or CJK punctuation.
fn plausibly_chinese(s: &str) -> bool {
    let mut non_ascii = 0usize;
    let mut cjk = 0usize;
    for c in s.chars().take(SNIFF_BYTES).filter(|c| !c.is_ascii()) {
        non_ascii += 1;
        let u = c as u32;
        if (0x4E00..=0x9FFF).contains(&u)
            || (0x3000..=0x303F).contains(&u)
            || (0xFF00..=0xFFEF).contains(&u)
            || (0x2010..=0x206F).contains(&u)
            || (0x3400..=0x4DBF).contains(&u)
            || (0x20000..=0x3134F).contains(&u)
        {
            cjk += 1;
        }
    }
    non_ascii == 0 || cjk * 10 >= non_ascii * 8
}

/// Bytes of an 8-bit text encoding with NULs or many control bytes are a binary file.
/// The control-character ratio is judged on this much of the input (NULs on all of it).
const SNIFF_BYTES: usize = 64 * 1024;

fn binary_bytes(bytes: &[u8]) -> Option<&'static str> {
    if bytes.contains(&0) {
        return Some("contains NUL bytes");
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let control = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | b'\x0c' | b'\x1b'))
        .count();
    (control * 100 > head.len()).then_some("too many control characters")
}

/// Text with NUL bytes or many control characters is a binary file.
fn looks_binary(s: &str) -> Option<&'static str> {
    if s.contains('\0') {
        return Some("contains NUL bytes");
    }
    let mut total = 0usize;
    let mut control = 0usize;
    for c in s.chars().take(SNIFF_BYTES) {
        total += 1;
        if c == '\0' {
            return Some("contains NUL bytes");
        }
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c') {
            control += 1;
        }
    }
    (control * 100 > total).then_some("too many control characters")
}

fn looks_like_html(s: &str) -> bool {
    let head: String = s
        .trim_start()
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.contains("<html")
        || head.contains("<body")
        || (head.starts_with('<') && (head.contains("<p") || head.contains("<div")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let (t, e) = decode_text("通报".as_bytes()).unwrap();
        assert_eq!((t.as_str(), e.as_str()), ("通报", "utf-8"));
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice("通报".as_bytes());
        let (t, e) = decode_text(&b).unwrap();
        assert_eq!((t.as_str(), e.as_str()), ("通报", "utf-8-bom"));
    }

    #[test]
    fn gbk_and_gb18030_are_told_apart() {
        let (b, _, _) = encoding_rs::GBK.encode("巡察整改进展情况的通报");
        let (t, e) = decode_text(&b).unwrap();
        assert_eq!((t.as_str(), e.as_str()), ("巡察整改进展情况的通报", "gbk"));
        let (b, _, unmappable) = encoding_rs::GB18030.encode("王𠀀同志的通报");
        assert!(!unmappable);
        let (t, e) = decode_text(&b).unwrap();
        assert_eq!((t.as_str(), e.as_str()), ("王𠀀同志的通报", "gb18030"));
    }

    #[test]
    fn invalid_bytes_are_an_error_not_replacement() {
        let err = decode_text(b"\xE9\x80\x9A\xFF\xFF\xFF").unwrap_err();
        assert!(
            matches!(err, ParseError::Undecodable { offset: 3, .. }),
            "{err:?}"
        );
        // Valid GB18030 but clearly not Chinese text (Cyrillic/Greek letters only).
        let (b, _, _) = encoding_rs::GB18030.encode("ЖЖЖЖЖЖЖЖ αβγδ");
        assert!(matches!(
            decode_text(&b),
            Err(ParseError::Undecodable { .. })
        ));
    }

    #[test]
    fn binary_inputs_are_refused() {
        for (bytes, what) in [
            (&b"%PDF-1.7 ..."[..], "PDF"),
            (&b"\x89PNG\r\n\x1a\n"[..], "PNG image"),
        ] {
            let err = decode(bytes, None).map(|_| ()).unwrap_err();
            assert_eq!(
                err,
                ParseError::Binary {
                    what: what.into(),
                    file: None
                }
            );
        }
        let err = decode(b"abc\0def", None).map(|_| ()).unwrap_err();
        assert!(matches!(err, ParseError::Binary { .. }));
    }

    #[test]
    fn file_names_in_errors_are_escaped() {
        let e = ParseError::Empty { file: None }.with_file(Some("a\nERROR forged\u{1b}[31m"));
        assert_eq!(e.to_string(), "empty input in a\\nERROR forged\\u{1b}[31m");
    }

    #[test]
    fn empty_and_too_large() {
        assert!(matches!(
            decode(b"", None).map(|_| ()),
            Err(ParseError::Empty { .. })
        ));
        assert!(matches!(
            decode(b" \r\n\t ", None).map(|_| ()),
            Err(ParseError::Empty { .. })
        ));
        let big = vec![b'a'; MAX_INPUT_BYTES + 1];
        assert!(matches!(
            decode(&big, None).map(|_| ()),
            Err(ParseError::TooLarge { size, .. }) if size == MAX_INPUT_BYTES + 1
        ));
    }
}
