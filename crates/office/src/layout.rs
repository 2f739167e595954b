//! The layout plan: a [`Document`] turned into the sequence of lines GB/T 9704-2012 prescribes,
//! with text sanitised, headings numbered and the signature placed. Every renderer (docx, text,
//! Markdown) walks the same plan, so the three formats carry the same content.

use crate::docx::{Block, Document};
use crate::numerals::{chinese_numeral, has_ordinal};
use crate::xml::{half_width, one_line, sanitize};

/// One element of the page, in order. Widths and indents are in half-character units (an ASCII
/// character is one, a Hanzi two) so that docx (`w:*Chars`, hundredths of a character) and
/// plain text (padding with U+3000) derive their spacing from one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// 发文字号, centred above the title.
    DocNumber(String),
    /// An empty line (空一行).
    Blank,
    /// 标题: one entry per line; may be empty.
    Title(Vec<String>),
    /// 主送机关, flush left, ending with a full-width colon.
    Addressee(String),
    /// Structure heading: level 1 (一、), 2 ((一)) or 3 (1.), text including its ordinal.
    Heading(u8, String),
    /// A body paragraph: first line indented two characters; may contain tabs.
    Paragraph(String),
    /// A table, rectangular: every row has `columns` cells.
    Table(TablePlan),
    /// One line of the 附件 list: first line starts at `left - hanging`, wrapped lines at `left`.
    Attachment {
        text: String,
        left: u32,
        hanging: u32,
    },
    /// 发文机关署名 or 成文日期, right-aligned with `right` half-characters of space.
    Signature { text: String, right: u32 },
    /// 附注 (here the contact block), indented two characters, in parentheses.
    Note(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TablePlan {
    pub columns: usize,
    pub header: Option<Vec<String>>,
    pub rows: Vec<Vec<String>>,
    /// Each column's width in twips, summing to the text width: see [`column_widths`].
    pub widths: Vec<u32>,
}

/// How wide a text is in half-character units: CJK and full-width characters count two.
fn display_width(text: &str) -> u32 {
    text.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum()
}

/// Column widths from the content, the way a clerk would set them: a column gets room for its
/// longest cell (at least its heading, at least two characters, at most 24 characters before it
/// wraps), and the text width is shared in proportion. Short columns (序号, dates) stay narrow and
/// the columns that carry prose take the rest. Deterministic; the widths sum to `total`.
pub(crate) fn column_widths(
    header: Option<&[String]>,
    rows: &[Vec<String>],
    total: u32,
) -> Vec<u32> {
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain(header.map(<[String]>::len))
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let mut want = vec![4u32; columns];
    for (c, w) in want.iter_mut().enumerate() {
        let head = header
            .and_then(|h| h.get(c))
            .map_or(0, |t| display_width(t).min(16));
        let body = rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|t| display_width(t))
            .max()
            .unwrap_or(0)
            .min(48);
        *w = (*w).max(head).max(body);
    }
    let sum: u32 = want.iter().sum();
    let mut widths: Vec<u32> = want
        .iter()
        .map(|w| (u64::from(total) * u64::from(*w) / u64::from(sum)) as u32)
        .collect();
    let used: u32 = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += total - used;
    }
    widths
}

/// Two characters: the paragraph indent and the signature's right space (§7.3.5.2).
const TWO: u32 = 4;
/// Four characters: the right space of a date that stands alone (§7.3.5.1).
const FOUR: u32 = 8;

pub(crate) fn plan(doc: &Document) -> Vec<Item> {
    let mut items = Vec::with_capacity(doc.blocks.len() + 16);

    if let Some(number) = doc
        .doc_number
        .as_deref()
        .map(one_line)
        .filter(|s| !s.is_empty())
    {
        items.push(Item::DocNumber(number));
        // The title sits two lines under the (here absent) red separator below the number.
        items.push(Item::Blank);
        items.push(Item::Blank);
    }
    let title = sanitize(&doc.title);
    items.push(Item::Title(
        title
            .lines()
            .map(one_line)
            .filter(|l| !l.is_empty())
            .collect(),
    ));
    items.push(Item::Blank);

    if let Some(addressee) = doc
        .addressee
        .as_deref()
        .map(one_line)
        .filter(|s| !s.is_empty())
    {
        let addressee = match addressee.strip_suffix([':', '：']) {
            Some(stem) => format!("{stem}："),
            None => format!("{addressee}："),
        };
        items.push(Item::Addressee(addressee));
    }

    let mut counters = [0u32; 3];
    for block in &doc.blocks {
        match block {
            Block::Heading1(text) => items.push(heading(1, text, &mut counters)),
            Block::Heading2(text) => items.push(heading(2, text, &mut counters)),
            Block::Heading3(text) => items.push(heading(3, text, &mut counters)),
            Block::Paragraph(text) => items.extend(paragraphs(text).map(Item::Paragraph)),
            Block::Table(table) => items.extend(table_plan(table).map(Item::Table)),
        }
    }

    let attachments: Vec<String> = doc
        .attachments
        .iter()
        .map(|a| one_line(a))
        .filter(|a| !a.is_empty())
        .collect();
    if !attachments.is_empty() {
        items.push(Item::Blank);
        let label = "附件：";
        let label_width = half_width(label);
        let single = attachments.len() == 1;
        for (i, name) in attachments.iter().enumerate() {
            let number = if single {
                String::new()
            } else {
                format!("{}.", i + 1)
            };
            let number_width = half_width(&number);
            let (text, hanging) = if i == 0 {
                (format!("{label}{number}{name}"), label_width + number_width)
            } else {
                (format!("{number}{name}"), number_width)
            };
            // Wrapped lines align with the first character of the attachment's name.
            items.push(Item::Attachment {
                text,
                left: TWO + label_width + number_width,
                hanging,
            });
        }
    }

    let issuer = doc
        .issuer
        .as_deref()
        .map(one_line)
        .filter(|s| !s.is_empty());
    let date = doc.date.map(crate::chinese_date);
    if issuer.is_some() || date.is_some() {
        items.push(Item::Blank);
    }
    match (issuer, date) {
        (Some(issuer), Some(date)) => {
            // §7.3.5.2 (no seal): the issuer two characters from the right; the date on the next
            // line, its first character two characters right of the issuer's; if that leaves the
            // date less than two characters of space, the date gets two and the issuer moves left.
            let (wi, wd) = (half_width(&issuer), half_width(&date));
            let (issuer_right, date_right) = if wi >= wd + TWO {
                (TWO, wi - wd)
            } else {
                (wd + 2 * TWO - wi, TWO)
            };
            items.push(Item::Signature {
                text: issuer,
                right: issuer_right,
            });
            items.push(Item::Signature {
                text: date,
                right: date_right,
            });
        }
        (Some(issuer), None) => items.push(Item::Signature {
            text: issuer,
            right: TWO,
        }),
        (None, Some(date)) => items.push(Item::Signature {
            text: date,
            right: FOUR,
        }),
        (None, None) => {}
    }

    if let Some(contact) = doc
        .contact
        .as_deref()
        .map(one_line)
        .filter(|s| !s.is_empty())
    {
        let wrapped = contact.starts_with(['（', '(']) && contact.ends_with(['）', ')']);
        items.push(Item::Note(if wrapped {
            contact
        } else {
            format!("（{contact}）")
        }));
    }
    items
}

fn heading(level: u8, text: &str, counters: &mut [u32; 3]) -> Item {
    let index = usize::from(level - 1);
    counters[index] = counters[index].saturating_add(1);
    for deeper in counters.iter_mut().skip(index + 1) {
        *deeper = 0;
    }
    let text = one_line(text);
    if has_ordinal(level, &text) {
        return Item::Heading(level, text);
    }
    let n = counters[index];
    let numbered = match level {
        1 => format!("{}、{text}", chinese_numeral(n)),
        2 => format!("（{}）{text}", chinese_numeral(n)),
        _ => format!("{n}.{text}"),
    };
    Item::Heading(level, numbered)
}

/// A paragraph block may hold several paragraphs separated by line breaks; leading
/// indentation typed by the caller (spaces, U+3000) is dropped since the layout indents.
fn paragraphs(text: &str) -> impl Iterator<Item = String> {
    let clean = sanitize(text);
    clean
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

fn table_plan(table: &crate::docx::Table) -> Option<TablePlan> {
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.header.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return None;
    }
    let pad = |cells: &[String]| -> Vec<String> {
        let mut row: Vec<String> = cells.iter().map(|c| one_line(c)).collect();
        row.resize(columns, String::new());
        row
    };
    let header = (!table.header.is_empty()).then(|| pad(&table.header));
    let rows: Vec<Vec<String>> = table.rows.iter().map(|r| pad(r)).collect();
    let widths = column_widths(header.as_deref(), &rows, crate::gbt9704::TEXT_WIDTH);
    Some(TablePlan {
        columns,
        header,
        rows,
        widths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::Table;
    use chrono::NaiveDate;

    fn doc() -> Document {
        Document {
            title: "关于整改进展情况的通报".into(),
            doc_number: None,
            addressee: None,
            blocks: vec![],
            issuer: None,
            date: None,
            attachments: vec![],
            contact: None,
        }
    }

    #[test]
    fn column_widths_follow_the_content_and_fill_the_text_width() {
        let header: Vec<String> = ["序号", "问题", "完成时限"].map(String::from).to_vec();
        let rows = vec![
            [
                "1",
                "针对党组发挥领导作用不够充分、议事规则不健全的问题",
                "2021-12-31",
            ]
            .map(String::from)
            .to_vec(),
            ["2", "短", "2022-03-31"].map(String::from).to_vec(),
        ];
        let w = column_widths(Some(&header), &rows, 8845);
        assert_eq!(w.iter().sum::<u32>(), 8845);
        assert!(w[0] < w[2] && w[2] < w[1], "{w:?}");
        // Equal content gives equal columns; nothing is ever zero wide.
        let same = column_widths(None, &[vec!["ab".into(), "ab".into()]], 1000);
        assert_eq!(same, [500, 500]);
        let empty = column_widths(None, &[vec![String::new(); 3]], 900);
        assert_eq!(empty, [300, 300, 300]);
    }

    #[test]
    fn headings_are_numbered_once_and_reset_by_level() {
        let mut d = doc();
        d.blocks = vec![
            Block::Heading1("总体情况".into()),
            Block::Heading2("甲".into()),
            Block::Heading3("子".into()),
            Block::Heading3("2.丑".into()),
            Block::Heading2("（二）乙".into()),
            Block::Heading1("二、具体".into()),
            Block::Heading2("丙".into()),
            Block::Heading3("寅".into()),
        ];
        let headings: Vec<_> = plan(&d)
            .into_iter()
            .filter_map(|i| match i {
                Item::Heading(_, t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(
            headings,
            [
                "一、总体情况",
                "（一）甲",
                "1.子",
                "2.丑",
                "（二）乙",
                "二、具体",
                "（一）丙",
                "1.寅"
            ]
        );
    }

    #[test]
    fn signature_follows_the_unsealed_rule() {
        let mut d = doc();
        d.issuer = Some("东莞市人民政府办公室".into()); // 10 characters
        d.date = NaiveDate::from_ymd_opt(2021, 12, 28); // 7 characters
        let items = plan(&d);
        let sig: Vec<_> = items
            .iter()
            .filter(|i| matches!(i, Item::Signature { .. }))
            .collect();
        // Issuer 2 characters from the right; the date starts 2 characters further right.
        assert_eq!(
            sig,
            [
                &Item::Signature {
                    text: "东莞市人民政府办公室".into(),
                    right: 4
                },
                &Item::Signature {
                    text: "2021年12月28日".into(),
                    right: 6
                },
            ]
        );

        d.issuer = Some("某局".into()); // shorter than the date: the date keeps 2 characters
        let items = plan(&d);
        let sig: Vec<_> = items
            .iter()
            .filter(|i| matches!(i, Item::Signature { .. }))
            .collect();
        // date starts at 4 + 14 = 18 from the right, the issuer 4 further left: 22 - 4 = 18.
        assert_eq!(
            sig,
            [
                &Item::Signature {
                    text: "某局".into(),
                    right: 18
                },
                &Item::Signature {
                    text: "2021年12月28日".into(),
                    right: 4
                },
            ]
        );
    }

    #[test]
    fn ragged_tables_are_padded_and_empty_ones_dropped() {
        let mut d = doc();
        d.blocks = vec![
            Block::Table(Table {
                header: vec![],
                rows: vec![],
            }),
            Block::Table(Table {
                header: vec!["a".into()],
                rows: vec![vec!["1".into(), "2".into()], vec![]],
            }),
        ];
        let tables: Vec<_> = plan(&d)
            .into_iter()
            .filter_map(|i| match i {
                Item::Table(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].columns, 2);
        assert_eq!(
            tables[0].header.as_deref(),
            Some(&["a".to_owned(), String::new()][..])
        );
        assert_eq!(tables[0].rows[1], ["", ""]);
    }

    #[test]
    fn attachments_align_with_the_names() {
        let mut d = doc();
        d.attachments = vec!["问题清单".into(), "任务清单".into()];
        let atts: Vec<_> = plan(&d)
            .into_iter()
            .filter(|i| matches!(i, Item::Attachment { .. }))
            .collect();
        assert_eq!(
            atts,
            [
                Item::Attachment {
                    text: "附件：1.问题清单".into(),
                    left: 12,
                    hanging: 8
                },
                Item::Attachment {
                    text: "2.问题清单".replace("问题", "任务"),
                    left: 12,
                    hanging: 2
                },
            ]
        );
    }
}
