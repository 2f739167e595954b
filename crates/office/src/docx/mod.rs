//! Official documents (公文) as `.docx`, plain text and Markdown, laid out per GB/T 9704-2012.
//!
//! Fill a [`Document`] and call [`write`] for the bytes of a `.docx`, [`to_text`] for
//! `--format txt`, [`to_markdown`] for Markdown. All three render one plan:
//!
//! - 发文字号 centred, two blank lines, the title (2号 方正小标宋简体, centred; line breaks in
//!   `title` start new title lines), one blank line, the 主送机关 flush left with a full-width
//!   colon (added when missing);
//! - headings numbered by the writer — `一、` (黑体), `（一）` (楷体_GB2312), `1.` (仿宋_GB2312,
//!   not bold, as §7.3.3 prescribes) — restarting under each higher level; a heading whose
//!   text already starts with an ordinal of its level (`"二、总体情况"`) is taken as it is;
//! - body paragraphs indented two characters; line breaks in a [`Block::Paragraph`] start new
//!   paragraphs; indentation typed by the caller is dropped;
//! - after the body: a blank line and the 附件 list (`附件：1.…`, wrapped lines aligned with
//!   the names), a blank line, the 发文机关署名 and 成文日期 placed by the rule for documents
//!   without a seal (§7.3.5.2), then the contact block as 附注 in parentheses.
//!
//! ```
//! use rectify_office::docx::{self, Block, Document};
//!
//! let doc = Document {
//!     title: "关于巡察整改进展情况的通报".into(),
//!     doc_number: Some("东府办函〔2021〕461号".into()),
//!     blocks: vec![
//!         Block::Heading1("总体情况".into()),
//!         Block::Paragraph("现将整改进展情况通报如下。".into()),
//!     ],
//!     issuer: Some("东莞市人民政府办公室".into()),
//!     date: chrono::NaiveDate::from_ymd_opt(2021, 12, 28),
//!     ..Document::default()
//! };
//! let bytes = docx::write(&doc)?;
//! assert!(bytes.starts_with(b"PK"));
//! assert!(docx::to_text(&doc).contains("\u{3000}\u{3000}一、总体情况\n"));
//! assert!(docx::to_markdown(&doc).contains("## 一、总体情况"));
//! # Ok::<(), rectify_office::OfficeError>(())
//! ```
//!
//! Text is sanitised first: characters XML 1.0 forbids and other control characters are
//! dropped, so no string can break the file.

mod ooxml;
mod plain;

use crate::OfficeError;

/// An official document. Only `title` is required; empty optional parts are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// 标题, e.g. 关于十四届市委第十三轮巡察整改进展情况的通报.
    pub title: String,
    /// 发文字号, e.g. 东府办函〔2021〕461号.
    pub doc_number: Option<String>,
    /// 主送机关, e.g. 各镇人民政府（街道办事处）.
    pub addressee: Option<String>,
    /// The body, in order.
    pub blocks: Vec<Block>,
    /// 发文机关署名.
    pub issuer: Option<String>,
    /// 成文日期, written as 2021年12月28日.
    pub date: Option<chrono::NaiveDate>,
    /// 附件 names, in order, without numbers.
    pub attachments: Vec<String>,
    /// Contact block (联系人、电话), written as 附注.
    pub contact: Option<String>,
}

/// One element of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// First-level heading, numbered 一、 二、 …
    Heading1(String),
    /// Second-level heading, numbered （一） （二） …
    Heading2(String),
    /// Third-level heading, numbered 1. 2. …
    Heading3(String),
    /// Body text; each line becomes a paragraph.
    Paragraph(String),
    /// A table across the text width.
    Table(Table),
}

/// A simple table: an optional header row (repeated on each page) and rows of text cells.
/// Ragged rows are padded with empty cells; a table without any cell is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column headings; empty for a table without a header row.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
}

/// The `.docx` bytes of `doc` (WordprocessingML, transitional). Deterministic: the same
/// document always gives the same bytes. Fails only if the zip writer does.
pub fn write(doc: &Document) -> Result<Vec<u8>, OfficeError> {
    ooxml::write(doc, &crate::layout::plan(doc))
}

/// Plain-text rendering of the same content: 28-character lines, paragraphs indented with two
/// ideographic spaces, title and document number centred, signature right-aligned, table rows
/// tab-separated. Lines end with `\n`.
pub fn to_text(doc: &Document) -> String {
    plain::text(&crate::layout::plan(doc))
}

/// Markdown rendering of the same content (CommonMark with a GFM table): the title as `#`,
/// the heading levels as `##`–`####`; text is escaped so it renders literally.
pub fn to_markdown(doc: &Document) -> String {
    plain::markdown(&crate::layout::plan(doc))
}
