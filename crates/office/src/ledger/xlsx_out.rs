//! The ledger as an `.xlsx` in the standard layout, streamed: the measure rows go straight
//! into the output's zip entry as they are written, so 100 000 measures need a few megabytes,
//! not the whole sheet in memory, and no temporary file (see [`XlsxWriter`]).
//!
//! Layout: row 1 the title (merged across every column; a second, smaller line while the
//! lights are provisional, see [`provisional_note`]), row 2 the headers, then one row per
//! measure with the problem cells (序号, 方面, 问题) merged across the problem's measure rows.
//! Frozen below the header, auto-filter on the header, wrapped text, fixed column widths,
//! real date cells (`yyyy-mm-dd`), 完成情况 filled by traffic light; printed on A4 landscape,
//! one page wide, title and header repeated on every page, "第 N 页 共 M 页" in the footer.

use std::fmt::Write as _;
use std::io::Write;

use chrono::{Datelike, NaiveDate};
use rectify_core::progress::Light;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError,
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
    /// The title's provisional-lights line (a font only: it is a rich-text run).
    note: Format,
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
            note: Format::new()
                .set_font_name("仿宋_GB2312")
                .set_font_size(11)
                .set_font_color(Color::RGB(0x9C5700)),
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

/// The title's second line while the lights are provisional: the yellow window reached into
/// `years`, whose holidays are not loaded, and counted their Monday to Friday as working days
/// (as the pages say; `LightView::assumed_years` in the store). `None` when no year was assumed.
pub fn provisional_note(years: &[i32], lang: Lang) -> Option<String> {
    if years.is_empty() {
        return None;
    }
    let list: Vec<String> = years.iter().map(i32::to_string).collect();
    Some(match lang {
        Lang::Zh => format!(
            "灯号为暂估：{} 年节假日安排尚未导入，黄灯期限暂按周一至周五为工作日计算。",
            list.join("、")
        ),
        Lang::En => format!(
            "Lights are provisional: no holiday schedule is loaded for {}, so the yellow window \
             counts Monday to Friday as working days.",
            list.join(", ")
        ),
    })
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

/// Streams a ledger into an xlsx: create it on the output, feed it problem by problem, then
/// [`finish`].
///
/// The workbook's frame — styles, the title and header rows, frozen panes, print setup, the
/// auto-filter and print titles — is written by rust_xlsxwriter (twice: once to start the
/// sheet, once at the end when the last row is known). The measure rows are this module's
/// own `<row>`/`<c>` XML, streamed into the sheet's zip entry as they come: rust_xlsxwriter
/// spent most of a 100,000-row export storing, looking up and re-reading each cell.
///
/// [`finish`]: XlsxWriter::finish
pub struct XlsxWriter<W: Write> {
    zip: zip::ZipWriter<zip::write::StreamWriter<W>>,
    frame: Frame,
    lang: Lang,
    /// Next row to write (0-based).
    next_row: u32,
    problems: u32,
    /// Merged problem cells: (first row, last row), 0-based, columns A–C each.
    merges: Vec<(u32, u32)>,
    /// The XML of the rows being written (kept to reuse its allocation).
    buf: String,
}

/// Style indices (`s="…"`) of the frame's formats, read back from the frame's own XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Xf {
    text: u32,
    center: u32,
    number: u32,
    date: u32,
    status: [u32; 6],
}

/// The sheet as rust_xlsxwriter wrote it, cut where the measure rows go.
struct Frame {
    title: String,
    date: NaiveDate,
    assumed_years: Vec<i32>,
    xf: Xf,
}

/// Row (0-based) of the probe row: one cell in each format, so the styles exist and their
/// indices can be read; it is cut out of the sheet.
const PROBE_ROW: u32 = HEADER_ROW + 1;

const COLS: [&str; 13] = [
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M",
];

impl Frame {
    /// The frame workbook: title, header, probe row and sheet setup; the auto-filter down to
    /// `last_row` when given.
    fn workbook(
        title: &str,
        date: NaiveDate,
        assumed_years: &[i32],
        lang: Lang,
        last_row: Option<u32>,
    ) -> Result<Vec<u8>, WriteError> {
        let mut workbook = Workbook::new();
        let formats = Formats::new();
        let last_col = (Column::ALL.len() - 1) as u16;
        // Constant-memory mode writes inline strings, as the streamed rows are (no shared
        // string table to keep in step).
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(match lang {
            Lang::Zh => "整改台账",
            Lang::En => "Ledger",
        })?;
        for col in Column::ALL {
            ws.set_column_width(col.index() as u16, width(col))?;
        }
        let title = title_text(title, date, lang);
        ws.merge_range(0, 0, 0, last_col, &title, &formats.title)?;
        match provisional_note(assumed_years, lang) {
            None => {
                ws.set_row_height(0, 36)?;
            }
            Some(note) => {
                // merge_range takes plain text; the top-left cell is then rewritten as two
                // runs, the note smaller.
                ws.set_row_height(0, 56)?;
                let line = format!("\n{note}");
                ws.write_rich_string_with_format(
                    0,
                    0,
                    &[
                        (&formats.title, title.as_str()),
                        (&formats.note, line.as_str()),
                    ],
                    &formats.title,
                )?;
            }
        }
        ws.set_row_height(HEADER_ROW, 30)?;
        for col in Column::ALL {
            ws.write_string_with_format(
                HEADER_ROW,
                col.index() as u16,
                col.header(lang),
                &formats.header,
            )?;
        }
        // The probe: text, center, number, date, then the six status fills.
        let probe = [
            &formats.text,
            &formats.center,
            &formats.number,
            &formats.date,
            &formats.status[0],
            &formats.status[1],
            &formats.status[2],
            &formats.status[3],
            &formats.status[4],
            &formats.status[5],
        ];
        for (c, f) in probe.into_iter().enumerate() {
            ws.write_string_with_format(PROBE_ROW, c as u16, "probe", f)?;
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
        if let Some(last) = last_row {
            ws.autofilter(HEADER_ROW, 0, last.max(HEADER_ROW), last_col)?;
        }
        let mut out = Vec::new();
        workbook.save_to_writer(&mut out)?;
        Ok(out)
    }
}

/// A package part: its name and bytes.
type Part = (String, Vec<u8>);

/// The sheet part of a frame workbook, and its other parts in order.
fn unpack(bytes: &[u8]) -> Result<(String, Vec<Part>), WriteError> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut sheet = None;
    let mut parts = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i)?;
        let name = f.name()?.to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data)?;
        if name == "xl/worksheets/sheet1.xml" {
            sheet = Some(String::from_utf8(data).map_err(|_| frame_error("sheet1.xml"))?);
        } else {
            parts.push((name, data));
        }
    }
    Ok((sheet.ok_or_else(|| frame_error("no sheet1.xml"))?, parts))
}

fn frame_error(what: &str) -> WriteError {
    WriteError::Frame(what.to_string())
}

/// The sheet XML split around the probe row: (up to the probe row, from `</sheetData>`),
/// with the style indices the probe row carried. The `<dimension>` is dropped (optional;
/// the frame's would be wrong).
fn split(sheet: &str) -> Result<(String, String, Xf), WriteError> {
    let probe_start = format!("<row r=\"{}\"", PROBE_ROW + 1);
    let a = sheet
        .find(&probe_start)
        .ok_or_else(|| frame_error("probe row"))?;
    let b = a + sheet[a..]
        .find("</row>")
        .ok_or_else(|| frame_error("probe row end"))?;
    let c = sheet
        .find("</sheetData>")
        .ok_or_else(|| frame_error("sheetData"))?;
    let probe = &sheet[a..b];
    let mut styles = Vec::new();
    for (i, col) in COLS.iter().take(10).enumerate() {
        let at = format!("<c r=\"{col}{}\" s=\"", PROBE_ROW + 1);
        let s = probe
            .find(&at)
            .map(|p| &probe[p + at.len()..])
            .and_then(|t| t.split('"').next())
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| frame_error(&format!("probe cell {i}")))?;
        styles.push(s);
    }
    let xf = Xf {
        text: styles[0],
        center: styles[1],
        number: styles[2],
        date: styles[3],
        status: [
            styles[4], styles[5], styles[6], styles[7], styles[8], styles[9],
        ],
    };
    let mut head = sheet[..a].to_string();
    if let Some(d) = head.find("<dimension ")
        && let Some(e) = head[d..].find("/>")
    {
        head.replace_range(d..d + e + 2, "");
    }
    Ok((head, sheet[c..].to_string(), xf))
}

/// Deflate level 1: at 100 000 rows level 6 spent a fifth of the export compressing, for a
/// file a little smaller.
fn entry_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
}

impl<W: Write> XlsxWriter<W> {
    /// Start the workbook on `out`: the sheet's frame and the title and header rows.
    /// `assumed_years` are the years whose holidays the lights assumed (the title then says
    /// the lights are provisional).
    pub fn new(
        out: W,
        title: &str,
        date: NaiveDate,
        assumed_years: &[i32],
        lang: Lang,
    ) -> Result<XlsxWriter<W>, WriteError> {
        let (sheet, parts) = unpack(&Frame::workbook(title, date, assumed_years, lang, None)?)?;
        let (head, _, xf) = split(&sheet)?;
        let mut zip = zip::ZipWriter::new_stream(out);
        // The package in its usual order ([Content_Types].xml first), but for the parts that
        // name the auto-filter's range: they come from the final frame, after the sheet.
        for (name, data) in parts.iter().filter(|(n, _)| !names_the_filter(n)) {
            zip.start_file(name.as_str(), entry_options())?;
            zip.write_all(data)?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", entry_options())?;
        zip.write_all(head.as_bytes())?;
        Ok(XlsxWriter {
            zip,
            frame: Frame {
                title: title.to_string(),
                date,
                assumed_years: assumed_years.to_vec(),
                xf,
            },
            lang,
            next_row: HEADER_ROW + 1,
            problems: 0,
            merges: Vec::new(),
            buf: String::new(),
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
        let mut heights: Vec<u32> = rows.iter().map(|r| row_lines(r, self.lang)).collect();
        let problem_lines = lines(&first.aspect, width(Column::Aspect))
            .max(lines(&first.problem, width(Column::Problem)));
        let sum: u32 = heights.iter().sum();
        if problem_lines > sum
            && let Some(last) = heights.last_mut()
        {
            *last += problem_lines - sum;
        }
        let xf = self.frame.xf;
        let lang = self.lang;
        let b = &mut self.buf;
        b.clear();
        for (i, row) in rows.iter().enumerate() {
            let r = r0 + i as u32 + 1; // 1-based in the XML
            row_start(b, r, heights[i]);
            if i == 0 {
                number_cell(b, 0, r, xf.number, f64::from(first.problem_no));
                text_cell(b, 1, r, xf.text, clip(&first.aspect));
                text_cell(b, 2, r, xf.text, clip(&first.problem));
            } else {
                // The merged cells' other rows: formatted blanks (their borders show).
                blank_cell(b, 0, r, xf.number);
                blank_cell(b, 1, r, xf.text);
                blank_cell(b, 2, r, xf.text);
            }
            measure_cells(b, &xf, lang, r, row);
            b.push_str("</row>");
        }
        self.zip.write_all(b.as_bytes())?;
        if n > 1 {
            self.merges.push((r0, r0 + n - 1));
        }
        self.next_row += n;
        self.problems += 1;
        Ok(())
    }

    /// Add the 合计 row (a subtotal row, which importers skip), close the sheet, write the
    /// frame's other parts with the auto-filter over what was written, and return the output.
    pub fn finish(mut self) -> Result<W, WriteError> {
        let last_row = self.next_row.saturating_sub(1).max(HEADER_ROW);
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
        let xf = self.frame.xf;
        let r = self.next_row + 1;
        let b = &mut self.buf;
        b.clear();
        row_start(b, r, 0);
        text_cell(b, 0, r, xf.text, &total);
        for c in 1..COLS.len() {
            blank_cell(b, c, r, xf.text);
        }
        b.push_str("</row>");
        let frame = Frame::workbook(
            &self.frame.title,
            self.frame.date,
            &self.frame.assumed_years,
            self.lang,
            Some(last_row),
        )?;
        let (sheet, parts) = unpack(&frame)?;
        let (_, tail, xf_again) = split(&sheet)?;
        if xf_again != xf {
            return Err(frame_error("styles moved between the two frames"));
        }
        // The frame's merges (the title) and ours, in one <mergeCells>.
        let mut merges = String::new();
        let mut count = 1; // the 合计 row
        let mut tail = tail;
        if let Some(a) = tail.find("<mergeCells")
            && let Some(e) = tail[a..].find("</mergeCells>")
        {
            let block = &tail[a..a + e];
            let inner = &block[block.find('>').map_or(block.len(), |i| i + 1)..];
            count += inner.matches("<mergeCell ").count();
            merges.push_str(inner);
            tail.replace_range(a..a + e + "</mergeCells>".len(), "");
        }
        for &(first, last) in &self.merges {
            for col in &COLS[..3] {
                merges.push_str(&format!(
                    "<mergeCell ref=\"{col}{}:{col}{}\"/>",
                    first + 1,
                    last + 1
                ));
            }
            count += 3;
        }
        merges.push_str(&format!("<mergeCell ref=\"A{r}:M{r}\"/>"));
        // <mergeCells> follows <autoFilter> (and anything before it in the schema's order).
        let at = [
            "<printOptions",
            "<pageMargins",
            "<pageSetup",
            "<headerFooter",
        ]
        .iter()
        .filter_map(|t| tail.find(t))
        .min()
        .ok_or_else(|| frame_error("sheet tail"))?;
        tail.insert_str(
            at,
            &format!("<mergeCells count=\"{count}\">{merges}</mergeCells>"),
        );
        self.buf.push_str(&tail);
        self.zip.write_all(self.buf.as_bytes())?;
        for (name, data) in parts.into_iter().filter(|(n, _)| names_the_filter(n)) {
            self.zip.start_file(name, entry_options())?;
            self.zip.write_all(&data)?;
        }
        Ok(self.zip.finish()?.into_inner())
    }
}

/// The frame's parts that change with the auto-filter (its defined name and the list of
/// names); every other part is the same in both frames.
fn names_the_filter(part: &str) -> bool {
    matches!(part, "xl/workbook.xml" | "docProps/app.xml")
}

/// `<row r="r">`, with a custom height of `lines` lines (0: the default height). Heights
/// are whole pixels, as Excel keeps them (0.75 pt steps).
fn row_start(b: &mut String, r: u32, lines: u32) {
    if lines == 0 {
        let _ = write!(b, "<row r=\"{r}\">");
        return;
    }
    let points = (f64::from(lines) * LINE_POINTS + 4.0).min(409.0);
    let pixels = (points * 4.0 / 3.0).round();
    let _ = write!(
        b,
        "<row r=\"{r}\" ht=\"{}\" customHeight=\"1\">",
        pixels * 0.75
    );
}

fn text_cell(b: &mut String, c: usize, r: u32, s: u32, text: &str) {
    if text.is_empty() {
        return blank_cell(b, c, r, s);
    }
    let preserve = [' ', '\t', '\n'];
    let space = if text.starts_with(preserve) || text.ends_with(preserve) {
        " xml:space=\"preserve\""
    } else {
        ""
    };
    let _ = write!(
        b,
        "<c r=\"{}{r}\" s=\"{s}\" t=\"inlineStr\"><is><t{space}>",
        COLS[c]
    );
    escape_into(b, text);
    b.push_str("</t></is></c>");
}

fn blank_cell(b: &mut String, c: usize, r: u32, s: u32) {
    let _ = write!(b, "<c r=\"{}{r}\" s=\"{s}\"/>", COLS[c]);
}

fn number_cell(b: &mut String, c: usize, r: u32, s: u32, v: f64) {
    let _ = write!(b, "<c r=\"{}{r}\" s=\"{s}\"><v>{v}</v></c>", COLS[c]);
}

/// Cell text as Excel writes it: `& < >` as entities, control characters (and U+FFFE/FFFF)
/// as `_xHHHH_`, and a literal `_xHHHH_` protected as `_x005F_xHHHH_`.
fn escape_into(b: &mut String, text: &str) {
    let bytes = text.as_bytes();
    for (i, ch) in text.char_indices() {
        match ch {
            '&' => b.push_str("&amp;"),
            '<' => b.push_str("&lt;"),
            '>' => b.push_str("&gt;"),
            '\t' | '\n' => b.push(ch),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(b, "_x{:04X}_", ch as u32);
            }
            '_' if bytes.len() >= i + 7
                && bytes[i + 1] == b'x'
                && bytes[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit)
                && bytes[i + 6] == b'_' =>
            {
                b.push_str("_x005F_");
            }
            _ => b.push(ch),
        }
    }
}

/// A measure row's own cells (columns D–M).
fn measure_cells(b: &mut String, xf: &Xf, lang: Lang, r: u32, row: &LedgerRow) {
    let col = |c: Column| c.index();
    text_cell(b, col(Column::Measure), r, xf.text, clip(&row.measure));
    text_cell(
        b,
        col(Column::Kind),
        r,
        xf.center,
        kind_label(row.kind, lang),
    );
    for (c, v) in [
        (Column::Leader, &row.leader),
        (Column::Unit, &row.unit),
        (Column::Owner, &row.owner),
    ] {
        text_cell(b, col(c), r, xf.center, clip(v.as_deref().unwrap_or("")));
    }
    let d = col(Column::Deadline);
    match row.deadline {
        Deadline::Date(date) => match excel_date(date) {
            Ok(serial) => number_cell(b, d, r, xf.date, serial.to_excel()),
            // Outside Excel's calendar (before 1900): shown as text.
            Err(_) => text_cell(b, d, r, xf.center, &date.format("%Y-%m-%d").to_string()),
        },
        Deadline::Ongoing => text_cell(b, d, r, xf.center, kind_label(MeasureKind::Ongoing, lang)),
        Deadline::Immediate => {
            text_cell(b, d, r, xf.center, kind_label(MeasureKind::Immediate, lang))
        }
        Deadline::None => blank_cell(b, d, r, xf.center),
    }
    text_cell(
        b,
        col(Column::Progress),
        r,
        xf.text,
        clip(row.progress.as_deref().unwrap_or("")),
    );
    let status = match row.light {
        None => xf.status[0],
        Some(Light::Green) => xf.status[1],
        Some(Light::Yellow) => xf.status[2],
        Some(Light::Red) => xf.status[3],
        Some(Light::Blue) => xf.status[4],
        Some(Light::DeepRed) => xf.status[5],
    };
    text_cell(
        b,
        col(Column::Status),
        r,
        status,
        status_label(row.state, lang),
    );
    number_cell(
        b,
        col(Column::Evidence),
        r,
        xf.number,
        f64::from(row.evidence),
    );
    text_cell(
        b,
        col(Column::Remarks),
        r,
        xf.text,
        clip(row.remarks.as_deref().unwrap_or("")),
    );
}

/// Group consecutive rows of the same problem (same 序号 and problem text).
pub fn problem_groups(rows: &[LedgerRow]) -> impl Iterator<Item = &[LedgerRow]> {
    rows.chunk_by(|a, b| a.same_problem(b))
}

/// A whole sheet to xlsx bytes (for callers that already hold every row).
pub fn write(sheet: &LedgerSheet, lang: Lang) -> Result<Vec<u8>, WriteError> {
    let mut w = XlsxWriter::new(Vec::new(), &sheet.title, sheet.date, &[], lang)?;
    for group in problem_groups(&sheet.rows) {
        w.write_problem(group)?;
    }
    w.finish()
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
    fn the_frame_before_the_rows_is_the_same_with_the_auto_filter() {
        // The sheet's head is taken from the frame without the auto-filter (the last row is
        // not known yet), its tail from the one with it: the heads must agree.
        let d = NaiveDate::from_ymd_opt(2021, 12, 28).unwrap();
        for lang in [Lang::Zh, Lang::En] {
            let head = |last| {
                let (sheet, _) =
                    unpack(&Frame::workbook("某局", d, &[], lang, last).unwrap()).unwrap();
                split(&sheet).unwrap()
            };
            let (a, _, xa) = head(None);
            let (b, tail, xb) = head(Some(100));
            assert_eq!(a, b);
            // Only the parts that may name the filter differ (written last, from the final
            // frame); core.xml carries the time it was made.
            let parts = |last| {
                unpack(&Frame::workbook("某局", d, &[], lang, last).unwrap())
                    .unwrap()
                    .1
            };
            let (pa, pb) = (parts(None), parts(Some(100)));
            assert_eq!(pa.len(), pb.len());
            for ((na, da), (nb, db)) in pa.iter().zip(&pb) {
                assert_eq!(na, nb);
                if na == "xl/workbook.xml" {
                    assert_ne!(da, db, "the filter's defined name");
                } else if !names_the_filter(na) && na != "docProps/core.xml" {
                    assert_eq!(da, db, "{na}");
                }
            }
            assert_eq!(xa, xb);
            assert!(!a.contains("<dimension"), "{a}");
            assert!(tail.contains("<autoFilter ref=\"A2:M101\"/>"), "{tail}");
        }
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
    fn provisional_lights_add_a_second_title_line_that_imports_ignore() {
        let sheet = sample();
        let written = |years: &[i32], lang| {
            let mut w = XlsxWriter::new(Vec::new(), &sheet.title, sheet.date, years, lang).unwrap();
            for g in problem_groups(&sheet.rows) {
                w.write_problem(g).unwrap();
            }
            w.finish().unwrap()
        };
        let plain = written(&[], Lang::Zh);
        let marked = written(&[2026, 2027], Lang::Zh);
        let title = |xlsx: &[u8]| {
            use calamine::{Reader, Xlsx};
            let mut book = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
            let first = book.sheet_names()[0].clone();
            let range = book.worksheet_range(&first).unwrap();
            range.get_value((0, 0)).unwrap().to_string()
        };
        let t = title(&marked);
        assert_eq!(
            t,
            format!(
                "{}\n灯号为暂估：2026、2027 年节假日安排尚未导入，黄灯期限暂按周一至周五为工作日计算。",
                title_text(&sheet.title, sheet.date, Lang::Zh)
            )
        );
        assert_eq!(
            title(&plain),
            title_text(&sheet.title, sheet.date, Lang::Zh)
        );
        // The note is a smaller run of its own, and the row is taller to hold it.
        let xml = entry(&marked, "xl/worksheets/sheet1.xml");
        assert!(xml.contains("<row r=\"1\" ht=\"56.25\""), "{xml}");
        assert!(xml.contains("仿宋_GB2312"), "{xml}");
        assert!(!entry(&plain, "xl/worksheets/sheet1.xml").contains("仿宋_GB2312"));
        // Everything below the title is the same, and reads back the same.
        let limits = crate::zipguard::Limits::default();
        let a = crate::ledger::import::read(&plain, Some("a.xlsx"), &limits).unwrap();
        let b = crate::ledger::import::read(&marked, Some("b.xlsx"), &limits).unwrap();
        assert!(b.problems.is_empty(), "{:#?}", b.problems);
        let rows = |p: &crate::ledger::import::ParsedLedger| -> Vec<LedgerRow> {
            p.rows.iter().map(|r| r.ledger.clone()).collect()
        };
        assert_eq!(rows(&a), rows(&b));
        // (Lights are computed, not read.)
        let mut expected = sheet.rows.clone();
        expected.iter_mut().for_each(|r| r.light = None);
        assert_eq!(rows(&b), expected);
        let en = title(&written(&[2027], Lang::En));
        assert!(
            en.ends_with("\nLights are provisional: no holiday schedule is loaded for 2027, so the yellow window counts Monday to Friday as working days."),
            "{en}"
        );
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
        // Control characters as Excel writes them; a literal escape is protected.
        assert!(xml.contains("a_x0001_b"), "{xml}");
        assert!(xml.contains("𠀀"));
        assert!(!xml.contains(&"x".repeat(CELL_MAX_CHARS + 1)));
        assert!(xml.contains(&"x".repeat(CELL_MAX_CHARS)));
        assert!(xml.contains(&"𠀀".repeat(CELL_MAX_CHARS / 2)));
        assert!(!xml.contains(&"𠀀".repeat(CELL_MAX_CHARS / 2 + 1)));
        let mut sheet = sample();
        sheet.rows[0].measure = " 前后有空格 _x0041_ ".into();
        let xml = entry(
            &write(&sheet, Lang::Zh).unwrap(),
            "xl/worksheets/sheet1.xml",
        );
        assert!(
            xml.contains("<t xml:space=\"preserve\"> 前后有空格 _x005F_x0041_ </t>"),
            "{xml}"
        );
    }
}
