//! The ledger as an `.xlsx` in the standard layout, written row by row in rust_xlsxwriter's
//! constant-memory mode (rows go to a temporary file as they are finished, so 100 000 measures
//! need a few megabytes, not the whole sheet in memory).
//!
//! Layout: row 1 the title (merged across every column), row 2 the headers, then one row per
//! measure with the problem cells (序号, 方面, 问题) merged across the problem's measure rows.
//! Frozen below the header, auto-filter on the header, wrapped text, fixed column widths,
//! real date cells (`yyyy-mm-dd`), 完成情况 filled by traffic light; printed on A4 landscape,
//! one page wide, title and header repeated on every page, "第 N 页 共 M 页" in the footer.
//!
//! Merges work in constant-memory mode because a problem's rows are written together:
//! [`XlsxWriter::write_problem`] first writes the merged ranges (rust_xlsxwriter buffers the
//! blanks of the later rows as "write-ahead"), then each row's other cells in row order.

use std::io::Write;

use chrono::{Datelike, NaiveDate};
use rectify_core::progress::Light;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use rectify_core::ledger::MeasureKind;

use super::{Column, Deadline, Lang, LedgerRow, LedgerSheet, WriteError, kind_label, status_label};

/// Row index (0-based) of the header row; data starts below it.
pub const HEADER_ROW: u32 = 1;
/// Most rows one sheet holds (Excel's limit, less title and header).
const MAX_DATA_ROWS: u32 = 1_048_576 - 2;
/// Excel's limit on a cell's text, in UTF-16 units.
const CELL_MAX_CHARS: usize = 32_767;

/// Column width in characters (a CJK character counts about two).
fn width(col: Column) -> f64 {
    match col {
        Column::No => 6.0,
        Column::Aspect => 16.0,
        Column::Problem => 30.0,
        Column::Measure => 40.0,
        Column::Kind => 10.0,
        Column::Leader => 10.0,
        Column::Unit => 18.0,
        Column::Owner => 10.0,
        Column::Deadline => 12.0,
        Column::Progress => 36.0,
        Column::Status => 12.0,
        Column::Evidence => 9.0,
        Column::Remarks => 16.0,
    }
}

/// Height of one line of 10.5 pt text, in points.
const LINE_POINTS: f64 = 14.0;

/// Lines `text` takes in a column `width` characters wide: a CJK (full-width) character counts
/// a little over two (LibreOffice's CJK fallback fonts run wide), others about one; explicit
/// line breaks start new lines. Counted in tenths of a character, in integers (no allocation,
/// no rounding drift).
fn lines(text: &str, width: f64) -> u32 {
    // Widths are whole characters; one is kept free for the cell's padding.
    let per_line = ((width - 1.0).max(1.0) * 10.0) as u32;
    // At most 11 tenths per byte (ASCII): a short line without a break needs no counting.
    if text.len() * 11 <= per_line as usize && !text.contains('\n') {
        return 1;
    }
    text.split('\n')
        .map(|l| {
            let units: u32 = l
                .chars()
                .map(|c| if (c as u32) < 0x1100 { 11 } else { 21 })
                .sum();
            units.div_ceil(per_line).max(1)
        })
        .sum()
}

/// Lines the tallest of a row's own (unmerged) cells takes.
fn row_lines(row: &LedgerRow, lang: Lang) -> u32 {
    let opt = |o: &Option<String>, col: Column| o.as_deref().map_or(1, |t| lines(t, width(col)));
    let deadline = match row.deadline {
        // `yyyy-mm-dd` fits the column.
        Deadline::Date(_) | Deadline::None => 1,
        Deadline::Ongoing => lines(
            kind_label(MeasureKind::Ongoing, lang),
            width(Column::Deadline),
        ),
        Deadline::Immediate => lines(
            kind_label(MeasureKind::Immediate, lang),
            width(Column::Deadline),
        ),
    };
    [
        lines(&row.measure, width(Column::Measure)),
        lines(kind_label(row.kind, lang), width(Column::Kind)),
        opt(&row.leader, Column::Leader),
        opt(&row.unit, Column::Unit),
        opt(&row.owner, Column::Owner),
        deadline,
        opt(&row.progress, Column::Progress),
        lines(status_label(row.state, lang), width(Column::Status)),
        opt(&row.remarks, Column::Remarks),
    ]
    .into_iter()
    .fold(1, u32::max)
}

/// Fill and font colours of a traffic light (Excel's "good / neutral / bad" palette).
fn light_colors(light: Light) -> (Color, Color) {
    match light {
        Light::Green => (Color::RGB(0xC6EFCE), Color::RGB(0x006100)),
        Light::Yellow => (Color::RGB(0xFFEB9C), Color::RGB(0x9C5700)),
        Light::Red => (Color::RGB(0xFFC7CE), Color::RGB(0x9C0006)),
        Light::Blue => (Color::RGB(0xDDEBF7), Color::RGB(0x1F4E79)),
        Light::DeepRed => (Color::RGB(0xFF9B9B), Color::RGB(0x600000)),
    }
}

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    center: Format,
    number: Format,
    date: Format,
    status: [Format; 6],
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_font_name("宋体")
            .set_font_size(10.5)
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        let center = cell.clone().set_align(FormatAlign::Center);
        let status = |light: Option<Light>| match light {
            None => center.clone(),
            Some(l) => {
                let (fill, font) = light_colors(l);
                center
                    .clone()
                    .set_background_color(fill)
                    .set_font_color(font)
            }
        };
        Formats {
            title: Format::new()
                .set_font_name("方正小标宋简体")
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            header: center
                .clone()
                .set_font_name("黑体")
                .set_bold()
                .set_background_color(Color::RGB(0xD9D9D9)),
            text: cell.clone().set_align(FormatAlign::Left),
            number: center.clone().set_num_format("0"),
            date: center.clone().set_num_format("yyyy-mm-dd"),
            status: [
                status(None),
                status(Some(Light::Green)),
                status(Some(Light::Yellow)),
                status(Some(Light::Red)),
                status(Some(Light::Blue)),
                status(Some(Light::DeepRed)),
            ],
            center,
        }
    }
    /// The format of a measure cell in `col` (a lit status aside).
    fn column(&self, col: Column) -> &Format {
        match col {
            Column::No | Column::Evidence => &self.number,
            Column::Aspect
            | Column::Problem
            | Column::Measure
            | Column::Progress
            | Column::Remarks => &self.text,
            Column::Kind | Column::Leader | Column::Unit | Column::Owner => &self.center,
            Column::Deadline => &self.date,
            Column::Status => &self.status[0],
        }
    }

    fn status(&self, light: Option<Light>) -> &Format {
        &self.status[match light {
            None => 0,
            Some(Light::Green) => 1,
            Some(Light::Yellow) => 2,
            Some(Light::Red) => 3,
            Some(Light::Blue) => 4,
            Some(Light::DeepRed) => 5,
        }]
    }
}

/// The title row's text: `<title>整改台账（截至2021年12月28日）`.
pub fn title_text(title: &str, date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::En if title.is_empty() => {
            format!("Rectification ledger (as of {})", date.format("%Y-%m-%d"))
        }
        Lang::Zh => format!("{title}整改台账（截至{}）", crate::chinese_date(date)),
        Lang::En => format!(
            "{title} — rectification ledger (as of {})",
            date.format("%Y-%m-%d")
        ),
    }
}

/// `s` cut to what one cell holds (Excel counts UTF-16 units).
fn clip(s: &str) -> &str {
    // A UTF-16 unit takes at least one UTF-8 byte: short text needs no counting.
    if s.len() <= CELL_MAX_CHARS {
        return s;
    }
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > CELL_MAX_CHARS {
            return &s[..i];
        }
    }
    s
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?,
        d.month() as u8,
        d.day() as u8,
    )
}

/// Streams a ledger into an xlsx: create, feed it problem by problem, then [`finish`].
///
/// [`finish`]: XlsxWriter::finish
pub struct XlsxWriter {
    workbook: Workbook,
    formats: Formats,
    lang: Lang,
    /// Next row to write (0-based).
    next_row: u32,
    problems: u32,
    /// Row heights (in lines) of the problem being written, kept to reuse its allocation.
    heights: Vec<u32>,
}

impl XlsxWriter {
    /// A workbook with the title and header rows written and the sheet set up.
    pub fn new(title: &str, date: NaiveDate, lang: Lang) -> Result<XlsxWriter, WriteError> {
        let mut workbook = Workbook::new();
        // Deflate level 1: at 100 000 rows level 6 spent a fifth of the export compressing,
        // for a file a little smaller.
        workbook.set_zip_compression_level(1);
        let formats = Formats::new();
        let last_col = (Column::ALL.len() - 1) as u16;
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(match lang {
            Lang::Zh => "整改台账",
            Lang::En => "Ledger",
        })?;
        for col in Column::ALL {
            ws.set_column_width(col.index() as u16, width(col))?;
            // Taken by the measure cells written without a format; cleared in `finish`.
            ws.set_column_format(col.index() as u16, formats.column(col))?;
        }
        ws.set_row_height(0, 36)?;
        ws.merge_range(
            0,
            0,
            0,
            last_col,
            &title_text(title, date, lang),
            &formats.title,
        )?;
        ws.set_row_height(HEADER_ROW, 30)?;
        for col in Column::ALL {
            ws.write_string_with_format(
                HEADER_ROW,
                col.index() as u16,
                col.header(lang),
                &formats.header,
            )?;
        }
        ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
        ws.set_paper_size(9); // A4
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        ws.set_print_center_horizontally(true);
        ws.set_repeat_rows(0, HEADER_ROW)?;
        ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
        ws.set_footer(match lang {
            Lang::Zh => "&C第 &P 页 共 &N 页",
            Lang::En => "&CPage &P of &N",
        });
        Ok(XlsxWriter {
            workbook,
            formats,
            lang,
            next_row: HEADER_ROW + 1,
            problems: 0,
            heights: Vec::new(),
        })
    }

    /// Number of measure rows written so far.
    pub fn rows_written(&self) -> u32 {
        self.next_row - HEADER_ROW - 1
    }

    /// Write one problem's measure rows (all carrying the same problem cells), merging the
    /// problem cells when there are several. An empty slice writes nothing.
    pub fn write_problem(&mut self, rows: &[LedgerRow]) -> Result<(), WriteError> {
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        if self.rows_written().saturating_add(n) > MAX_DATA_ROWS {
            return Err(WriteError::TooManyRows(MAX_DATA_ROWS));
        }
        let r0 = self.next_row;
        // Row heights: LibreOffice does not grow rows for wrapped text on load, so each row
        // gets the height its tallest cell needs; a merged problem cell taller than its rows
        // together adds the rest to its last row.
        let mut heights = std::mem::take(&mut self.heights);
        heights.clear();
        heights.extend(rows.iter().map(|r| row_lines(r, self.lang)));
        let problem_lines = lines(&first.aspect, width(Column::Aspect))
            .max(lines(&first.problem, width(Column::Problem)));
        let sum: u32 = heights.iter().sum();
        if problem_lines > sum
            && let Some(last) = heights.last_mut()
        {
            *last += problem_lines - sum;
        }
        let f = &self.formats;
        let lang = self.lang;
        let ws = self.workbook.worksheet_from_index(0)?;
        if n > 1 {
            let last = r0 + n - 1;
            ws.merge_range(r0, 0, last, 0, "", &f.number)?;
            ws.write_number_with_format(r0, 0, f64::from(first.problem_no), &f.number)?;
            ws.merge_range(r0, 1, last, 1, clip(&first.aspect), &f.text)?;
            ws.merge_range(r0, 2, last, 2, clip(&first.problem), &f.text)?;
        } else {
            ws.write_number_with_format(r0, 0, f64::from(first.problem_no), &f.number)?;
            ws.write_string_with_format(r0, 1, clip(&first.aspect), &f.text)?;
            ws.write_string_with_format(r0, 2, clip(&first.problem), &f.text)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = r0 + i as u32;
            write_measure_cells(ws, f, lang, r, row)?;
            // Only once the row is the current one: a height set ahead of the row's cells
            // would be written as a second, empty <row> element in constant-memory mode.
            ws.set_row_height(r, (f64::from(heights[i]) * LINE_POINTS + 4.0).min(409.0))?;
        }
        self.heights = heights;
        self.next_row += n;
        self.problems += 1;
        Ok(())
    }

    /// Set the auto-filter over what was written, add the 合计 row and save the workbook
    /// into `out`.
    ///
    /// The 合计 row (a subtotal row, which importers skip) also keeps the sheet valid:
    /// rust_xlsxwriter 0.102 in constant-memory mode writes the *last* row a second time,
    /// empty, when that row has a custom height, and Excel refuses repeated rows. The 合计
    /// row has the default height, so every measure row keeps its own.
    pub fn finish<W: Write + Send>(mut self, out: W) -> Result<(), WriteError> {
        let last_row = self.next_row.saturating_sub(1).max(HEADER_ROW);
        let last_col = (Column::ALL.len() - 1) as u16;
        let total = match self.lang {
            Lang::Zh => format!(
                "合计：{}个问题，{}项整改措施",
                self.problems,
                self.rows_written()
            ),
            Lang::En => format!(
                // Starts with 合计 so that importers skip it in either language.
                "合计 / Total: {} problems, {} measures",
                self.problems,
                self.rows_written()
            ),
        };
        let next = self.next_row;
        let f = &self.formats;
        let ws = self.workbook.worksheet_from_index(0)?;
        ws.autofilter(HEADER_ROW, 0, last_row, last_col)?;
        ws.merge_range(next, 0, next, last_col, &total, &f.text)?;
        // Every measure row is out (writing the 合计 row flushed them): the column formats
        // did their work and go, so the empty cells below the ledger stay unformatted.
        let plain = Format::default();
        for col in Column::ALL {
            ws.set_column_format(col.index() as u16, &plain)?;
        }
        self.workbook.save_to_writer(out)?;
        Ok(())
    }
}

/// A measure row's own cells. They are written without a format: each takes its column's
/// ([`Formats::column`], set in [`XlsxWriter::new`]) as rust_xlsxwriter writes the row out,
/// which spares hashing a `Format` per cell (a tenth of a 100 000-row export). Only a lit
/// status and empty cells (which need a format to be written at all) name one.
fn write_measure_cells(
    ws: &mut Worksheet,
    f: &Formats,
    lang: Lang,
    r: u32,
    row: &LedgerRow,
) -> Result<(), XlsxError> {
    let text = |ws: &mut Worksheet, col: Column, s: &str| {
        let c = col.index() as u16;
        if s.is_empty() {
            ws.write_blank(r, c, f.column(col))
        } else {
            ws.write_string(r, c, clip(s))
        }
        .map(|_| ())
    };
    text(ws, Column::Measure, &row.measure)?;
    text(ws, Column::Kind, kind_label(row.kind, lang))?;
    for (col, v) in [
        (Column::Leader, &row.leader),
        (Column::Unit, &row.unit),
        (Column::Owner, &row.owner),
    ] {
        text(ws, col, v.as_deref().unwrap_or(""))?;
    }
    match row.deadline {
        Deadline::Date(d) => {
            ws.write_number(
                r,
                Column::Deadline.index() as u16,
                excel_date(d)?.to_excel(),
            )?;
        }
        Deadline::Ongoing => text(ws, Column::Deadline, kind_label(MeasureKind::Ongoing, lang))?,
        Deadline::Immediate => text(
            ws,
            Column::Deadline,
            kind_label(MeasureKind::Immediate, lang),
        )?,
        Deadline::None => text(ws, Column::Deadline, "")?,
    }
    text(ws, Column::Progress, row.progress.as_deref().unwrap_or(""))?;
    let status = status_label(row.state, lang);
    match row.light {
        None => text(ws, Column::Status, status)?,
        Some(_) => {
            ws.write_string_with_format(
                r,
                Column::Status.index() as u16,
                status,
                f.status(row.light),
            )?;
        }
    }
    ws.write_number(r, Column::Evidence.index() as u16, f64::from(row.evidence))?;
    text(ws, Column::Remarks, row.remarks.as_deref().unwrap_or(""))?;
    Ok(())
}

/// Group consecutive rows of the same problem (same 序号 and problem text).
pub fn problem_groups(rows: &[LedgerRow]) -> impl Iterator<Item = &[LedgerRow]> {
    rows.chunk_by(|a, b| a.same_problem(b))
}

/// A whole sheet to xlsx bytes (for callers that already hold every row).
pub fn write(sheet: &LedgerSheet, lang: Lang) -> Result<Vec<u8>, WriteError> {
    let mut w = XlsxWriter::new(&sheet.title, sheet.date, lang)?;
    for group in problem_groups(&sheet.rows) {
        w.write_problem(group)?;
    }
    let mut out = Vec::new();
    w.finish(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::tests::sample;
    use std::io::Read;

    fn entry(xlsx: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn problem_cells_are_merged_and_the_sheet_is_set_up() {
        let sheet = sample();
        let bytes = write(&sheet, Lang::Zh).unwrap();
        let xml = entry(&bytes, "xl/worksheets/sheet1.xml");
        // Title across all 13 columns; problem 1 (two measures) merged over rows 3–4.
        for r in ["A1:M1", "A3:A4", "B3:B4", "C3:C4"] {
            assert!(xml.contains(&format!("<mergeCell ref=\"{r}\"/>")), "{r}");
        }
        // Problem 2 has one measure: nothing merged for row 5.
        assert!(!xml.contains("A5:A"));
        assert!(xml.contains("<autoFilter ref=\"A2:M5\"/>"), "{xml}");
        assert!(xml.contains("ySplit=\"2\""));
        assert!(xml.contains("orientation=\"landscape\""));
        assert!(xml.contains("paperSize=\"9\""));
        assert!(xml.contains("fitToHeight=\"0\""));
        assert!(xml.contains("&amp;P"));
        // Headers and text are inline strings (constant-memory mode has no shared table).
        assert!(xml.contains("整改措施"));
        assert!(xml.contains("立行立改"));
        let wb = entry(&bytes, "xl/workbook.xml");
        assert!(wb.contains("_xlnm.Print_Titles"), "{wb}");
        // The deadline is a number (a date serial), not text: 2021-12-31 is 44561.
        assert!(xml.contains("<v>44561</v>"), "{xml}");
    }

    #[test]
    fn long_text_makes_rows_taller() {
        assert_eq!(lines("短", 10.0), 1);
        assert_eq!(lines(&"字".repeat(20), 10.0), 5);
        assert_eq!(lines("a\nb", 10.0), 2);
        // 9 columns of one tenth-wider ASCII: exactly one line; one more character, two.
        assert_eq!(lines("123456789", 10.0), 2);
        assert_eq!(lines("12345678", 10.0), 1);
        assert_eq!(lines(&"a".repeat(30), 10.0), 4);
        let mut sheet = sample();
        sheet.rows[2].measure = "措".repeat(200);
        let xml = entry(
            &write(&sheet, Lang::Zh).unwrap(),
            "xl/worksheets/sheet1.xml",
        );
        // 200 CJK characters in a 40-wide column: 11 lines of 14 pt, plus padding.
        assert!(
            xml.contains("<row r=\"5\" ht=\"158.25\" customHeight=\"1\">"),
            "{xml}"
        );
        // Each row element exactly once (Excel refuses a sheet with a repeated row).
        for r in 1..=6 {
            let n = xml.matches(&format!("<row r=\"{r}\"")).count();
            assert_eq!(n, 1, "row {r}");
        }
        assert!(xml.contains("合计：2个问题，3项整改措施"));
        assert!(xml.contains("<mergeCell ref=\"A6:M6\"/>"));
    }

    #[test]
    fn english_headers_and_no_rows() {
        let mut sheet = sample();
        sheet.rows.clear();
        let bytes = write(&sheet, Lang::En).unwrap();
        let xml = entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(xml.contains("Responsible unit"));
        assert!(xml.contains("<autoFilter ref=\"A2:M2\"/>"));
        assert!(!xml.contains("整改措施"));
    }

    #[test]
    fn hostile_text_is_written_safely() {
        let mut sheet = sample();
        sheet.rows[0].measure = "a\u{1}b<&>\"'𠀀".into();
        sheet.rows[0].remarks = Some("x".repeat(40_000));
        // Characters outside the BMP count twice against Excel's limit.
        sheet.rows[1].progress = Some("𠀀".repeat(20_000));
        let bytes = write(&sheet, Lang::Zh).unwrap();
        let xml = entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(xml.contains("&lt;&amp;&gt;"));
        assert!(xml.contains("𠀀"));
        assert!(!xml.contains(&"x".repeat(CELL_MAX_CHARS + 1)));
        assert!(xml.contains(&"x".repeat(CELL_MAX_CHARS)));
        assert!(xml.contains(&"𠀀".repeat(CELL_MAX_CHARS / 2)));
        assert!(!xml.contains(&"𠀀".repeat(CELL_MAX_CHARS / 2 + 1)));
    }
}
