//! Reading the ledgers offices already have (整改台账) from xlsx or CSV, however messy: the
//! header anywhere in the first 15 rows (one or two rows, synonyms mapped), unknown columns kept
//! as notes in 备注, merged cells forward-filled, several sheets, blank and subtotal rows
//! skipped, deadlines as date cells, Excel serials or text. Pure: bytes in, rows and problems
//! out; the store decides what to write.
//!
//! Safety: an xlsx passes [`crate::zipguard::inspect`] before calamine sees it (so every entry
//! is known to inflate within the byte limit), and cells are read with calamine's streaming
//! cell reader under a cell cap — never its dense `Range`, which would allocate rows × columns
//! for one cell placed at `XFD1048576`. Each finished row goes to a second thread that fills its
//! merged cells and reads it as a ledger row while calamine reads on (a sheet whose rows are out
//! of order in its XML is read again whole, into a sparse grid). CSV text is decoded strictly
//! (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030 ⊇ GBK); nothing is ever replaced by U+FFFD.
//!
//! Rows: a problem block starts where 问题 changes, or 序号 changes; rows with an empty 问题
//! continue the block above (a merged cell exported to CSV). A block without 序号 takes the
//! previous number plus one. A row whose only text spans the row (e.g. `一、党的领导方面`) is
//! an aspect heading when the sheet has no 方面 column. 完成情况, 整改进展 and 佐证材料 are read
//! (for the round trip) but the store never writes them: states change only through the state
//! machine.

pub mod dates;
pub mod header;
pub mod source;

use rectify_core::ledger::MeasureKind;
use rectify_core::state::MeasureState;
use rectify_core::text;
use serde::Serialize;

use crate::ledger::{Column, Deadline, LedgerRow, kind_from_label, state_from_label};
use crate::zipguard::{Limits, ZipGuardError};
use source::{Grid, Kind, Value};

pub use source::Encoding;

/// Aspect of rows in a sheet with neither a 方面 column nor aspect heading rows.
pub const DEFAULT_ASPECT: &str = "反馈问题";

/// Why a file could not be read at all (as opposed to a [`RowProblem`] in one row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("文件为空 (empty file)")]
    Empty,
    #[error(
        "旧版 .xls 文件: 请另存为 .xlsx 或 CSV 后再导入 (old .xls format: save as .xlsx or CSV)"
    )]
    OldXls,
    #[error("不是台账文件: 请导入 .xlsx 或 CSV (not an xlsx or CSV file)")]
    NotALedgerFile,
    #[error("{0}")]
    Zip(#[from] ZipGuardError),
    #[error("无法读取 xlsx: {0} (unreadable workbook)")]
    Unreadable(String),
    #[error("单元格超过上限 {limit} 个 (too many cells)")]
    TooManyCells { limit: u64 },
    #[error("第{line}行: 编码无法识别: {detail} (undecodable text)")]
    Encoding { line: usize, detail: String },
    #[error("第{line}行: CSV 格式错误: {detail} (malformed CSV)")]
    Csv { line: usize, detail: String },
    #[error(
        "前 15 行中找不到表头 (应含 问题 或 整改措施 等列) (no header row in the first 15 rows)"
    )]
    NoHeader,
}

impl ImportError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Empty => "empty_file",
            ImportError::OldXls => "old_xls",
            ImportError::NotALedgerFile => "wrong_magic",
            ImportError::Zip(z) => z.code(),
            ImportError::Unreadable(_) => "unreadable_workbook",
            ImportError::TooManyCells { .. } => "too_many_cells",
            ImportError::Encoding { .. } => "undecodable_text",
            ImportError::Csv { .. } => "malformed_csv",
            ImportError::NoHeader => "no_header",
        }
    }
}

/// A problem with one row (or one cell) of the file, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub sheet: String,
    /// 1-based row as the spreadsheet shows it (for CSV: the line).
    pub row: u32,
    /// The column's header as written in the file.
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    /// `第12行 完成时限: 无法识别 '下月'`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "第{}行 {}: {}", self.row, c, self.message),
            None => write!(f, "第{}行: {}", self.row, self.message),
        }
    }
}

/// One row read, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedRow {
    pub sheet: String,
    /// 1-based row as the user sees it.
    pub row: u32,
    pub ledger: LedgerRow,
    /// Whether 整改类型 was given (else the kind was derived from the deadline).
    pub kind_given: bool,
}

/// How one sheet was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetInfo {
    pub name: String,
    /// 1-based header rows.
    pub header_rows: Vec<u32>,
    /// Standard columns found, with the header text as written.
    pub columns: Vec<(Column, String)>,
    /// Headers kept as notes in 备注.
    pub notes: Vec<String>,
    /// Blank, subtotal and heading rows skipped.
    pub skipped: u32,
}

/// A file read: valid rows, problems by row, and how each sheet was understood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedLedger {
    /// Rows without problems, in file order.
    pub rows: Vec<ImportedRow>,
    /// Every problem; a row with one is not in `rows`.
    pub problems: Vec<RowProblem>,
    pub sheets: Vec<SheetInfo>,
    /// Sheets without a recognisable header (e.g. an instructions sheet), not read.
    pub ignored_sheets: Vec<String>,
    /// For a CSV: the encoding detected.
    pub encoding: Option<Encoding>,
}

/// Read a ledger file (xlsx or CSV, by its magic bytes; `file_name` only names a CSV sheet
/// and catches an xlsx that is not a zip).
pub fn read(
    bytes: &[u8],
    file_name: Option<&str>,
    limits: &Limits,
) -> Result<ParsedLedger, ImportError> {
    let out = match source::sniff(bytes, file_name)? {
        Kind::Xlsx => match read_xlsx_streamed(bytes, limits)? {
            Some(out) => out,
            // Rows out of order in the sheet's XML: read it whole instead.
            None => read_grids(&source::xlsx(bytes, limits)?, None),
        },
        Kind::Csv => {
            let name = file_name
                .and_then(|n| n.rsplit(['/', '\\']).next())
                .unwrap_or("CSV")
                .to_string();
            let (g, enc) = source::csv(bytes, &name, limits)?;
            read_grids(&[g], Some(enc))
        }
    };
    if out.sheets.is_empty() {
        return Err(ImportError::NoHeader);
    }
    Ok(out)
}

impl ParsedLedger {
    fn empty(encoding: Option<Encoding>) -> ParsedLedger {
        ParsedLedger {
            rows: Vec::new(),
            problems: Vec::new(),
            sheets: Vec::new(),
            ignored_sheets: Vec::new(),
            encoding,
        }
    }
}

/// Sheets already read whole.
fn read_grids(grids: &[Grid], encoding: Option<Encoding>) -> ParsedLedger {
    let mut out = ParsedLedger::empty(encoding);
    let mut last_no = 0u32;
    for g in grids {
        match header::find(g) {
            Some(h) => {
                let sheet = SheetReader::start(g, h, &mut last_no, &mut out);
                out.sheets.push(sheet.info);
            }
            None => out.ignored_sheets.push(g.name.clone()),
        }
    }
    out
}

/// Batches of rows in flight between the xlsx reader and the rows' reading.
const EVENTS_AHEAD: usize = 8;

/// An xlsx read on two threads: calamine reads the cells on this one while the other turns
/// each finished row into a ledger row, so the second costs next to no time. `None` when a
/// sheet's rows come out of order (the file is then read whole, [`read_grids`]).
fn read_xlsx_streamed(bytes: &[u8], limits: &Limits) -> Result<Option<ParsedLedger>, ImportError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<source::SheetEvent>(EVENTS_AHEAD);
    std::thread::scope(|scope| {
        let rows = scope.spawn(move || read_events(rx));
        let read = source::xlsx_events(bytes, limits, &mut |e| tx.send(e).is_ok());
        drop(tx);
        let parsed = rows
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.map(|()| parsed)
    })
}

/// The receiving side of [`read_xlsx_streamed`].
fn read_events(rx: std::sync::mpsc::Receiver<source::SheetEvent>) -> Option<ParsedLedger> {
    let mut out = ParsedLedger::empty(None);
    let mut last_no = 0u32;
    let mut sheet: Option<StreamedSheet> = None;
    for e in rx {
        match e {
            source::SheetEvent::Start { name, regions } => {
                if let Some(done) = sheet.take() {
                    done.finish(&mut last_no, &mut out);
                }
                sheet = Some(StreamedSheet {
                    name,
                    filler: source::Filler::new(regions),
                    last_row: None,
                    phase: Phase::Header(std::collections::BTreeMap::new()),
                });
            }
            source::SheetEvent::Rows(rows) => {
                let s = sheet.as_mut()?;
                for (r, cells) in rows {
                    if !s.push(r, cells, &mut last_no, &mut out) {
                        return None;
                    }
                }
            }
        }
    }
    if let Some(done) = sheet.take() {
        done.finish(&mut last_no, &mut out);
    }
    Some(out)
}

/// One sheet read row by row: its first rows are held until the header is found among them.
struct StreamedSheet {
    name: String,
    filler: source::Filler,
    last_row: Option<u32>,
    phase: Phase,
}

enum Phase {
    /// The rows up to [`header::HEADER_ROWS`] (the header and the row below it), filled.
    Header(std::collections::BTreeMap<u32, Vec<Value>>),
    Body(Box<SheetReader>),
    /// No header: the sheet is not a ledger.
    Ignored,
}

impl StreamedSheet {
    /// Take the next row; false when it is not below the last one.
    fn push(
        &mut self,
        r: u32,
        mut cells: Vec<Value>,
        last_no: &mut u32,
        out: &mut ParsedLedger,
    ) -> bool {
        if self.last_row.is_some_and(|last| r <= last) {
            return false;
        }
        self.last_row = Some(r);
        self.filler.fill(r, &mut cells);
        if let Phase::Header(held) = &mut self.phase {
            if r <= header::HEADER_ROWS {
                held.insert(r, cells);
                return true;
            }
            self.decide(last_no, out);
        }
        if let Phase::Body(sheet) = &mut self.phase {
            sheet.row(r + 1, &cells, last_no, out);
        }
        true
    }

    /// Find the header among the rows held, and read those below it.
    fn decide(&mut self, last_no: &mut u32, out: &mut ParsedLedger) {
        let held = match std::mem::replace(&mut self.phase, Phase::Ignored) {
            Phase::Header(held) => held,
            decided => {
                self.phase = decided;
                return;
            }
        };
        let g = Grid {
            name: self.name.clone(),
            rows: held,
            lines: None,
        };
        match header::find(&g) {
            Some(h) => {
                self.phase = Phase::Body(Box::new(SheetReader::start(&g, h, last_no, out)));
            }
            None => out.ignored_sheets.push(self.name.clone()),
        }
    }

    fn finish(mut self, last_no: &mut u32, out: &mut ParsedLedger) {
        self.decide(last_no, out);
        if let Phase::Body(sheet) = self.phase {
            out.sheets.push(sheet.info);
        }
    }
}

/// Subtotal rows: 合计, 小计, 总计 (also 共计).
fn is_subtotal(cells: &[Value]) -> bool {
    cells.iter().any(|v| {
        let Value::Text(s) = v else { return false };
        // The first two characters that are not whitespace (`合 计` counts too).
        let mut t = s.chars().filter(|c| !c.is_whitespace());
        let head = [t.next(), t.next()];
        [['合', '计'], ['小', '计'], ['总', '计'], ['共', '计']]
            .iter()
            .any(|[a, b]| head == [Some(*a), Some(*b)])
    })
}

/// 序号 as written: `1`, `1.0`, `（1）`, `1.`, `第1项`; Chinese numerals up to 99.
fn problem_no(v: &Value) -> Option<u32> {
    if let Value::Number(n) = v {
        return (n.fract() == 0.0 && *n >= 1.0 && *n < 1e6).then_some(*n as u32);
    }
    let t = v.text();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let rest: String = t
        .chars()
        .filter(|c| !c.is_ascii_digit() && !"()（）.、．第项 ".contains(*c))
        .collect();
    if !digits.is_empty() && rest.is_empty() {
        return digits.parse().ok().filter(|n| *n >= 1);
    }
    if digits.is_empty() && !rest.is_empty() {
        return chinese_number(&rest);
    }
    None
}

fn chinese_number(s: &str) -> Option<u32> {
    let d = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|x| x == c)
            .map(|p| p as u32)
    };
    let cs: Vec<char> = s.chars().collect();
    match cs.as_slice() {
        [a] if *a == '十' => Some(10),
        [a] => d(*a).filter(|n| *n > 0),
        ['十', b] => Some(10 + d(*b)?),
        [a, '十'] => Some(d(*a)? * 10),
        [a, '十', b] => Some(d(*a)? * 10 + d(*b)?),
        _ => None,
    }
}

fn kind_of(s: &str) -> Option<MeasureKind> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(k) = kind_from_label(&t) {
        return Some(k);
    }
    match t.as_str() {
        "立即整改" | "即知即改" | "立查立改" => Some(MeasureKind::Immediate),
        "阶段整改" | "限期" | "限时整改" | "阶段性整改" => {
            Some(MeasureKind::TimeBound)
        }
        "持续整改" | "长期整改" | "长期" | "常态化" => Some(MeasureKind::Ongoing),
        _ => None,
    }
}

struct Block {
    no: u32,
    aspect: String,
    problem: String,
    /// The problem title and the aspect as checked, once per block; every row of the block
    /// reports their errors.
    title: Result<String, rectify_core::FieldError>,
    aspect_checked: Result<(), rectify_core::FieldError>,
}

/// One sheet's rows, read one at a time below its header (block and heading carried over).
struct SheetReader {
    name: String,
    h: header::Header,
    info: SheetInfo,
    has_aspect_col: bool,
    block: Option<Block>,
    heading: Option<String>,
}

impl SheetReader {
    /// A reader of the sheet below `h`, having read the rows `g` holds below it.
    fn start(
        g: &Grid,
        h: header::Header,
        last_no: &mut u32,
        out: &mut ParsedLedger,
    ) -> SheetReader {
        let mut sheet = SheetReader::new(g, h);
        for (&r, cells) in g.rows.range(sheet.h.data_from..) {
            sheet.row(g.user_row(r), cells, last_no, out);
        }
        sheet
    }

    fn new(g: &Grid, h: header::Header) -> SheetReader {
        let info = SheetInfo {
            name: g.name.clone(),
            header_rows: h.rows.iter().map(|r| g.user_row(*r)).collect(),
            columns: h
                .columns
                .iter()
                .map(|(c, i)| (*c, h.label(*i).to_string()))
                .collect(),
            notes: h.notes.iter().map(|(n, _)| n.clone()).collect(),
            skipped: 0,
        };
        SheetReader {
            name: g.name.clone(),
            has_aspect_col: h.col(Column::Aspect).is_some(),
            h,
            info,
            block: None,
            heading: None,
        }
    }

    /// Read one row (`row` as the user sees it) into `out`: a ledger row or its problems.
    fn row(&mut self, row: u32, cells: &[Value], last_no: &mut u32, out: &mut ParsedLedger) {
        let h = &self.h;
        let col = |c: Column| h.col(c);
        let has_aspect_col = self.has_aspect_col;
        if cells.iter().all(Value::is_empty) {
            self.info.skipped += 1;
            return;
        }
        if is_subtotal(cells) {
            self.info.skipped += 1;
            return;
        }
        let get = |c: Column| col(c).and_then(|i| cells.get(i)).unwrap_or(&Value::Empty);
        let txt = |c: Column| get(c).text();
        // A heading row: one distinct text across the row, no measure (merged across).
        if !has_aspect_col {
            let distinct: std::collections::BTreeSet<String> = cells
                .iter()
                .filter(|v| !v.is_empty())
                .map(Value::text)
                .collect();
            let filled: Vec<usize> = (0..cells.len()).filter(|i| !cells[*i].is_empty()).collect();
            let lone_text = filled.len() == 1
                && Some(filled[0]) != col(Column::Problem)
                && Some(filled[0]) != col(Column::Measure)
                && problem_no(&cells[filled[0]]).is_none();
            if distinct.len() == 1 && (filled.len() > 2 || lone_text) {
                self.heading = distinct.into_iter().next();
                self.info.skipped += 1;
                return;
            }
        }
        let mut problems: Vec<RowProblem> = Vec::new();
        // Mangled text in any cell.
        for (i, v) in cells.iter().enumerate() {
            if let Value::Text(s) = v
                && s.contains('\u{FFFD}')
            {
                problems.push(RowProblem {
                    sheet: self.name.clone(),
                    row,
                    column: Some(h.label(i).to_string()),
                    code: "replacement_character".into(),
                    message: "含替换字符 U+FFFD (文件此前已被错误转码)".into(),
                });
            }
        }

        let mut problem = |column: Option<Column>, code: &str, message: String| {
            problems.push(RowProblem {
                sheet: self.name.clone(),
                row,
                column: column.map(|c| {
                    col(c)
                        .map(|i| h.label(i).to_string())
                        .unwrap_or_else(|| c.header_zh().to_string())
                }),
                code: code.to_string(),
                message,
            });
        };
        // The problem block.
        let ptext = txt(Column::Problem);
        let no_v = get(Column::No);
        let no = if no_v.is_empty() {
            None
        } else {
            match problem_no(no_v) {
                Some(n) => Some(n),
                None => {
                    problem(
                        Some(Column::No),
                        "invalid_number",
                        format!("无法识别 '{}'", no_v.text()),
                    );
                    None
                }
            }
        };
        let aspect_cell = txt(Column::Aspect);
        let new_block = match &self.block {
            None => true,
            Some(b) => (!ptext.is_empty() && ptext != b.problem) || no.is_some_and(|n| n != b.no),
        };
        if new_block {
            if ptext.is_empty() {
                problem(Some(Column::Problem), "required", "为空".into());
            }
            let aspect = if !aspect_cell.is_empty() {
                aspect_cell.clone()
            } else if has_aspect_col {
                self.block
                    .as_ref()
                    .map(|b| b.aspect.clone())
                    .unwrap_or_else(|| DEFAULT_ASPECT.into())
            } else {
                self.heading
                    .clone()
                    .unwrap_or_else(|| DEFAULT_ASPECT.into())
            };
            let n = no.unwrap_or(*last_no + 1);
            self.block = Some(Block {
                no: n,
                title: text::bounded("问题", &ptext, text::TITLE_MAX),
                aspect_checked: text::bounded("方面", &aspect, text::TITLE_MAX).map(drop),
                aspect,
                problem: ptext.clone(),
            });
            *last_no = n;
        }
        let Some(b) = self.block.as_ref() else {
            return;
        };
        let title = match &b.title {
            Ok(t) => t.clone(),
            Err(e) if e.code == "required" => String::new(),
            Err(e) => {
                problem(Some(Column::Problem), e.code, e.message.clone());
                String::new()
            }
        };
        if let Err(e) = &b.aspect_checked {
            problem(Some(Column::Aspect), e.code, e.message.clone());
        }
        let measure = match text::bounded("整改措施", &txt(Column::Measure), text::TEXT_MAX) {
            Ok(m) => m,
            Err(e) => {
                let msg = if e.code == "required" {
                    "为空".to_string()
                } else {
                    e.message
                };
                problem(Some(Column::Measure), e.code, msg);
                String::new()
            }
        };
        let deadline_v = get(Column::Deadline);
        let deadline = match dates::parse(deadline_v) {
            Some(d) => d,
            None => {
                problem(
                    Some(Column::Deadline),
                    "invalid_deadline",
                    format!("无法识别 '{}'", deadline_v.text()),
                );
                Deadline::None
            }
        };
        let kind_text = txt(Column::Kind);
        let (kind, kind_given) = if kind_text.is_empty() {
            (
                match deadline {
                    Deadline::Ongoing => MeasureKind::Ongoing,
                    Deadline::Immediate => MeasureKind::Immediate,
                    _ => MeasureKind::TimeBound,
                },
                false,
            )
        } else {
            match kind_of(&kind_text) {
                Some(k) => (k, true),
                None => {
                    problem(
                        Some(Column::Kind),
                        "invalid_kind",
                        format!("无法识别 '{kind_text}' (应为 立行立改/限期整改/长期坚持)"),
                    );
                    (MeasureKind::TimeBound, false)
                }
            }
        };
        let mut names = |c: Column| -> Option<String> {
            match text::optional(c.header_zh(), Some(&txt(c)), text::NAME_MAX) {
                Ok(v) => v,
                Err(e) => {
                    problem(Some(c), e.code, e.message);
                    None
                }
            }
        };
        let leader = names(Column::Leader);
        let unit = names(Column::Unit);
        let owner = names(Column::Owner);
        let progress = Some(txt(Column::Progress)).filter(|s| !s.is_empty());
        let state = state_from_label(&txt(Column::Status)).unwrap_or(MeasureState::Draft);
        let evidence = match get(Column::Evidence) {
            Value::Number(n) if *n >= 0.0 => *n as u32,
            v => v.text().trim().parse().unwrap_or(0),
        };
        // 备注 plus the unknown columns, `表头: 值` each, joined by `；`.
        let mut remarks: Vec<String> = Vec::new();
        let own = txt(Column::Remarks);
        if !own.is_empty() {
            remarks.push(own);
        }
        for (name, i) in &h.notes {
            let v = cells.get(*i).unwrap_or(&Value::Empty);
            if !v.is_empty() {
                remarks.push(format!("{name}: {}", v.text()));
            }
        }
        let remarks = (!remarks.is_empty()).then(|| remarks.join("；"));
        if let Some(rm) = &remarks
            && let Err(e) = text::bounded("备注", rm, text::TEXT_MAX)
        {
            problem(Some(Column::Remarks), e.code, e.message);
        }
        if problems.is_empty() {
            out.rows.push(ImportedRow {
                sheet: self.name.clone(),
                row,
                kind_given,
                ledger: LedgerRow {
                    problem_no: b.no,
                    aspect: b.aspect.clone(),
                    problem: title,
                    measure,
                    kind,
                    leader,
                    unit,
                    owner,
                    deadline,
                    progress,
                    state,
                    light: None,
                    evidence,
                    remarks,
                },
            });
        } else {
            out.problems.extend(problems);
        }
    }
}

#[cfg(test)]
mod tests;
