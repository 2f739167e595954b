//! Sheets from bytes: an xlsx (checked by [`crate::zipguard`] first, then read cell by cell
//! with calamine's streaming reader, row by row as [`SheetEvent`]s or whole) or a CSV (encoding
//! detected strictly), as sparse grids with their merged regions forward-filled ([`Filler`]
//! does the same row by row).

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;

use super::ImportError;
use crate::zipguard::{self, Limits};

/// Columns read per row; cells further right are ignored (a ledger has about 13).
pub const MAX_COLS: usize = 64;

/// A cell's value as the importer sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as text (numbers without a needless `.0`, dates `YYYY-MM-DD`).
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => s.trim().to_string(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// One sheet: rows by 0-based index (sparse), each a dense row of at most [`MAX_COLS`] cells.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub name: String,
    pub rows: BTreeMap<u32, Vec<Value>>,
    /// For CSV: the 1-based line each record starts on (rows are records, 0-based).
    pub lines: Option<Vec<u32>>,
}

impl Grid {
    pub fn cell(&self, row: u32, col: usize) -> &Value {
        static EMPTY: Value = Value::Empty;
        self.rows
            .get(&row)
            .and_then(|r| r.get(col))
            .unwrap_or(&EMPTY)
    }

    /// The row number a user sees (1-based sheet row, or the CSV line).
    pub fn user_row(&self, row: u32) -> u32 {
        match &self.lines {
            Some(l) => l.get(row as usize).copied().unwrap_or(row + 1),
            None => row + 1,
        }
    }

    /// Put a row's cells read together (cells of a row already present are set one by one).
    fn put_row(&mut self, row: u32, cells: Vec<Value>) {
        if cells.is_empty() {
            return;
        }
        match self.rows.entry(row) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(cells);
            }
            std::collections::btree_map::Entry::Occupied(_) => {
                for (c, v) in cells.into_iter().enumerate() {
                    if !v.is_empty() {
                        self.set(row, c, v);
                    }
                }
            }
        }
    }

    fn set(&mut self, row: u32, col: usize, v: Value) {
        if col >= MAX_COLS {
            return;
        }
        let r = self.rows.entry(row).or_default();
        if r.len() <= col {
            r.resize(col + 1, Value::Empty);
        }
        r[col] = v;
    }

    /// Copy each merged region's top-left value into the region's other cells, within the
    /// rows that exist and the first [`MAX_COLS`] columns (a region over the whole sheet
    /// costs no more than the cells already read).
    fn fill_merged(&mut self, regions: &[Region]) {
        for &((r0, c0), (r1, c1)) in regions {
            let (c0, c1) = (c0 as usize, (c1 as usize).min(MAX_COLS - 1));
            if c0 >= MAX_COLS || r1 < r0 || c1 < c0 {
                continue;
            }
            let v = self.cell(r0, c0).clone();
            if v.is_empty() {
                continue;
            }
            let rows: Vec<u32> = self.rows.range(r0..=r1).map(|(r, _)| *r).collect();
            for r in rows {
                for c in c0..=c1 {
                    if (r, c) != (r0, c0) {
                        self.set(r, c, v.clone());
                    }
                }
            }
        }
    }
}

/// Merged regions filled row by row, for rows that arrive in ascending order: the same cells
/// as [`Grid::fill_merged`] fills over the whole sheet, without holding the sheet.
#[derive(Debug, Default)]
pub struct Filler {
    regions: Vec<Region>,
    /// Region indices by first row.
    by_start: Vec<usize>,
    next: usize,
    /// Regions covering the current row, in file order (as `fill_merged` takes them), with
    /// the top-left value once read.
    active: Vec<(usize, Option<Value>)>,
}

impl Filler {
    pub fn new(regions: Vec<Region>) -> Filler {
        let mut by_start: Vec<usize> = (0..regions.len()).collect();
        by_start.sort_by_key(|&i| regions[i].0.0);
        Filler {
            regions,
            by_start,
            ..Filler::default()
        }
    }

    /// Fill `row`'s cells (rows strictly ascending).
    pub fn fill(&mut self, row: u32, cells: &mut Vec<Value>) {
        while let Some(&i) = self.by_start.get(self.next) {
            let ((r0, c0), (r1, c1)) = self.regions[i];
            if r0 > row {
                break;
            }
            self.next += 1;
            // A region whose top-left row did not arrive has nothing to copy.
            if r0 == row && (c0 as usize) < MAX_COLS && r1 >= r0 && c1 >= c0 {
                let at = self.active.partition_point(|(j, _)| *j < i);
                self.active.insert(at, (i, None));
            }
        }
        let regions = &self.regions;
        // Regions that ended in rows which did not arrive.
        self.active.retain(|(i, _)| regions[*i].1.0 >= row);
        for (i, value) in &mut self.active {
            let ((r0, c0), (_, c1)) = regions[*i];
            let (c0, c1) = (c0 as usize, (c1 as usize).min(MAX_COLS - 1));
            let v = value.get_or_insert_with(|| cells.get(c0).cloned().unwrap_or_default());
            if v.is_empty() {
                continue;
            }
            if cells.len() <= c1 {
                cells.resize(c1 + 1, Value::Empty);
            }
            for (c, cell) in cells.iter_mut().enumerate().take(c1 + 1).skip(c0) {
                if (row, c) != (r0, c0) {
                    *cell = v.clone();
                }
            }
        }
        self.active
            .retain(|(i, v)| regions[*i].1.0 > row && v.as_ref().is_some_and(|v| !v.is_empty()));
    }
}

/// A merged region: (first row, first column), (last row, last column), 0-based.
pub type Region = ((u32, u32), (u32, u32));

/// What a file is, by its first bytes (and its name, for text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Csv,
}

/// Decide from the magic bytes: zip → xlsx; OLE (old .xls) and other binaries are refused.
pub fn sniff(bytes: &[u8], file_name: Option<&str>) -> Result<Kind, ImportError> {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.starts_with(b"PK") {
        return Ok(Kind::Xlsx);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ImportError::OldXls);
    }
    if matches!(ext.as_deref(), Some("xlsx" | "xlsm" | "docx")) {
        return Err(ImportError::Zip(zipguard::ZipGuardError::NotZip));
    }
    // Text: no NUL bytes except in UTF-16 (BOM required).
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if !utf16 && bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(ImportError::NotALedgerFile);
    }
    Ok(Kind::Csv)
}

/// Largest workbook part kept whole for the sheet list (`xl/workbook.xml`, its rels).
const PART_MAX: usize = 4 << 20;
/// Longest unfinished tag carried from one inflated chunk to the next.
const CARRY_MAX: usize = 4096;

/// What the reader takes from the zip guard's inflation, besides checking: the workbook's
/// sheet list and relationships (small parts, kept whole) and each worksheet's merged regions,
/// found by scanning its XML for `<mergeCell ref="…"/>` as it streams past — so a sheet's XML
/// is parsed once (by calamine, for the cells) instead of twice.
#[derive(Default)]
struct Prescan {
    workbook: Vec<u8>,
    rels: Vec<u8>,
    /// Worksheet part → merged regions (an entry for every worksheet part seen).
    merges: HashMap<String, Vec<Region>>,
    current: String,
    carry: Vec<u8>,
    regions: u64,
    max_regions: u64,
    /// A part too large to keep, or too many regions: fall back to calamine.
    overflow: bool,
}

impl Prescan {
    fn feed(&mut self, name: &str, chunk: &[u8]) {
        let part = match name {
            "xl/workbook.xml" => Some(&mut self.workbook),
            "xl/_rels/workbook.xml.rels" => Some(&mut self.rels),
            _ => None,
        };
        if let Some(part) = part {
            if part.len() + chunk.len() > PART_MAX {
                self.overflow = true;
            } else {
                part.extend_from_slice(chunk);
            }
            return;
        }
        if self.overflow || !(name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
            return;
        }
        if self.current != name {
            self.current = name.to_string();
            self.carry.clear();
        }
        let regions = self.merges.entry(name.to_string()).or_default();
        let before = regions.len();
        let carry = if self.carry.is_empty() {
            scan_merges(chunk, regions).map(|at| chunk[at..].to_vec())
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(chunk);
            scan_merges(&joined, regions).map(|at| joined[at..].to_vec())
        };
        self.regions += (regions.len() - before) as u64;
        self.carry = carry.filter(|c| c.len() <= CARRY_MAX).unwrap_or_default();
        if self.regions > self.max_regions {
            self.overflow = true;
        }
    }

    /// Sheet name → worksheet part, from the workbook and its relationships; `None` when they
    /// cannot be read (the caller then asks calamine).
    fn sheet_parts(&self) -> Option<HashMap<String, String>> {
        use quick_xml::events::Event;
        let mut targets = HashMap::new();
        let mut r = quick_xml::Reader::from_reader(self.rels.as_slice());
        let mut buf = Vec::new();
        loop {
            match r.read_event_into(&mut buf).ok()? {
                Event::Start(e) | Event::Empty(e)
                    if e.local_name().into_inner() == "Relationship" =>
                {
                    let (mut id, mut target) = (None, None);
                    for a in e.attributes().flatten() {
                        match a.key.local_name().into_inner() {
                            "Id" => {
                                id = Some(
                                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                        .ok()?
                                        .into_owned(),
                                )
                            }
                            "Target" => {
                                target = Some(
                                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                        .ok()?
                                        .into_owned(),
                                )
                            }
                            _ => {}
                        }
                    }
                    if let (Some(id), Some(t)) = (id, target) {
                        let path = match t.strip_prefix('/') {
                            Some(abs) => abs.to_string(),
                            None => format!("xl/{t}"),
                        };
                        targets.insert(id, path);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        let mut parts = HashMap::new();
        let mut r = quick_xml::Reader::from_reader(self.workbook.as_slice());
        loop {
            match r.read_event_into(&mut buf).ok()? {
                Event::Start(e) | Event::Empty(e) if e.local_name().into_inner() == "sheet" => {
                    let (mut name, mut id) = (None, None);
                    for a in e.attributes().flatten() {
                        match a.key.local_name().into_inner() {
                            "name" => {
                                name = Some(
                                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                        .ok()?
                                        .into_owned(),
                                )
                            }
                            "id" => {
                                id = Some(
                                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                        .ok()?
                                        .into_owned(),
                                )
                            }
                            _ => {}
                        }
                    }
                    if let (Some(n), Some(id)) = (name, id)
                        && let Some(p) = targets.get(&id)
                    {
                        parts.insert(n, p.clone());
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Some(parts)
    }
}

/// Find every complete `<mergeCell ref="…">` (any namespace prefix) in `buf`, adding its
/// region; answer where an unfinished tag at the end starts (to carry into the next chunk).
fn scan_merges(buf: &[u8], out: &mut Vec<Region>) -> Option<usize> {
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.');
    for i in memchr::memmem::find_iter(buf, b"mergeCell") {
        let mut start = i;
        while start > 0 && name_byte(buf[start - 1]) {
            start -= 1;
        }
        if start == 0 || buf[start - 1] != b'<' {
            continue;
        }
        let after = i + b"mergeCell".len();
        match buf.get(after) {
            None => return Some(start - 1),
            Some(b) if b.is_ascii_whitespace() => {}
            _ => continue, // `mergeCells`, or no attributes
        }
        let Some(end) = memchr::memchr(b'>', &buf[after..]) else {
            return Some(start - 1);
        };
        if let Some(region) = ref_attr(&buf[after..after + end]).and_then(region_of) {
            out.push(region);
        }
    }
    // A tag cut at the end of the chunk (whatever it is).
    let lt = memchr::memrchr(b'<', buf)?;
    memchr::memchr(b'>', &buf[lt..]).is_none().then_some(lt)
}

/// The value of the `ref` attribute in a tag's attribute text.
fn ref_attr(attrs: &[u8]) -> Option<&[u8]> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&attrs[from..], b"ref") {
        let at = from + i;
        from = at + 3;
        if at > 0 && !attrs[at - 1].is_ascii_whitespace() {
            continue;
        }
        let mut j = at + 3;
        while attrs.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if attrs.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while attrs.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let q = *attrs.get(j)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let v = &attrs[j + 1..];
        return memchr::memchr(q, v).map(|e| &v[..e]);
    }
    None
}

/// `A1` → (row 0, column 0).
fn cell_of(s: &[u8]) -> Option<(u32, u32)> {
    let letters = s.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 || letters == s.len() {
        return None;
    }
    let mut col = 0u32;
    for b in &s[..letters] {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = std::str::from_utf8(&s[letters..]).ok()?.parse().ok()?;
    (row >= 1).then_some((row - 1, col - 1))
}

/// `A1:B2` (or `A1`) → the region.
fn region_of(s: &[u8]) -> Option<Region> {
    match s.iter().position(|b| *b == b':') {
        Some(i) => Some((cell_of(&s[..i])?, cell_of(&s[i + 1..])?)),
        None => cell_of(s).map(|c| (c, c)),
    }
}

/// What the xlsx reader hands on, sheet by sheet, as it reads.
#[derive(Debug)]
pub enum SheetEvent {
    /// A worksheet begins (the one before it has ended), with its merged regions.
    Start { name: String, regions: Vec<Region> },
    /// Rows whose cells have all been read, in the order the sheet's XML gives them: the
    /// 0-based row and its cells up to [`MAX_COLS`] (never empty). Merged regions not filled.
    Rows(Vec<(u32, Vec<Value>)>),
}

/// Rows handed on together (one message rather than one per row).
const ROWS_PER_EVENT: usize = 256;

/// Read every sheet of a checked xlsx into grids, merged regions filled.
pub fn xlsx(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, ImportError> {
    let mut grids: Vec<(Grid, Vec<Region>)> = Vec::new();
    xlsx_events(bytes, limits, &mut |e| {
        match e {
            SheetEvent::Start { name, regions } => grids.push((
                Grid {
                    name,
                    ..Grid::default()
                },
                regions,
            )),
            SheetEvent::Rows(rows) => {
                if let Some((g, _)) = grids.last_mut() {
                    for (r, cells) in rows {
                        g.put_row(r, cells);
                    }
                }
            }
        }
        true
    })?;
    Ok(grids
        .into_iter()
        .map(|(mut g, regions)| {
            g.fill_merged(&regions);
            g
        })
        .collect())
}

/// Read every sheet of a checked xlsx, handing each sheet's rows to `emit` as they are read
/// (see [`SheetEvent`]); `emit` answers false to stop reading.
pub fn xlsx_events(
    bytes: &[u8],
    limits: &Limits,
    emit: &mut dyn FnMut(SheetEvent) -> bool,
) -> Result<(), ImportError> {
    let mut pre = Prescan {
        max_regions: limits.max_cells,
        ..Prescan::default()
    };
    zipguard::inspect_with(bytes, limits, &mut |name, chunk| pre.feed(name, chunk))?;
    let parts = if pre.overflow {
        None
    } else {
        pre.sheet_parts()
    };
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let mut cells = 0u64;
    for name in book.sheet_names() {
        let scanned = parts
            .as_ref()
            .and_then(|p| p.get(&name))
            .and_then(|part| pre.merges.get(part));
        let regions: Vec<Region> = match scanned {
            Some(r) => r.clone(),
            None => match book.merge_cells_by_sheet_name(&name) {
                Ok(v) => v.iter().map(|d| (d.start, d.end)).collect(),
                Err(calamine::XlsxError::WorksheetNotFound(_)) => continue,
                Err(e) => return Err(ImportError::Unreadable(format!("{name}: {e}"))),
            },
        };
        let mut reader = match book.worksheet_cells_reader(&name) {
            Ok(r) => r,
            // Chart sheets and the like have no cells.
            Err(calamine::XlsxError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(ImportError::Unreadable(format!("{name}: {e}"))),
        };
        if !emit(SheetEvent::Start {
            name: name.clone(),
            regions,
        }) {
            return Ok(());
        }
        let mut batch = Vec::with_capacity(ROWS_PER_EVENT);
        let (mut row_at, mut row_cells) = (0u32, Vec::new());
        while let Some(c) = reader
            .next_cell()
            .map_err(|e| ImportError::Unreadable(format!("{name}: {e}")))?
        {
            let (r, col) = c.get_position();
            let v = match c.get_value() {
                DataRef::Int(i) => Value::Number(*i as f64),
                DataRef::Float(f) => Value::Number(*f),
                DataRef::String(s) => Value::Text(s.clone()),
                DataRef::SharedString(s) => Value::Text((*s).to_string()),
                DataRef::Bool(b) => Value::Text(if *b { "是" } else { "否" }.into()),
                DataRef::DateTime(d) if d.is_datetime() => {
                    let (y, m, dd, ..) = d.to_ymd_hms_milli();
                    match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(dd)) {
                        Some(d) => Value::Date(d),
                        None => Value::Number(d.as_f64()),
                    }
                }
                DataRef::DateTime(d) => Value::Number(d.as_f64()),
                DataRef::DateTimeIso(s) => {
                    match NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
                        Ok(d) => Value::Date(d),
                        Err(_) => Value::Text(s.clone()),
                    }
                }
                DataRef::DurationIso(s) => Value::Text(s.clone()),
                DataRef::Error(_) | DataRef::Empty => Value::Empty,
            };
            if v.is_empty() {
                continue;
            }
            cells += 1;
            if cells > limits.max_cells {
                return Err(ImportError::TooManyCells {
                    limit: limits.max_cells,
                });
            }
            // Cells come row by row: a row is handed on when the next begins.
            if r != row_at {
                if !row_cells.is_empty() {
                    batch.push((row_at, std::mem::take(&mut row_cells)));
                    if batch.len() == ROWS_PER_EVENT
                        && !emit(SheetEvent::Rows(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(ROWS_PER_EVENT),
                        )))
                    {
                        return Ok(());
                    }
                }
                row_at = r;
            }
            let col = col as usize;
            if col < MAX_COLS {
                if row_cells.len() <= col {
                    row_cells.resize(col + 1, Value::Empty);
                }
                row_cells[col] = v;
            }
        }
        if !row_cells.is_empty() {
            batch.push((row_at, row_cells));
        }
        if !batch.is_empty() && !emit(SheetEvent::Rows(batch)) {
            return Ok(());
        }
    }
    Ok(())
}

/// The encoding a CSV was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    #[serde(rename = "UTF-8")]
    Utf8,
    #[serde(rename = "UTF-8 BOM")]
    Utf8Bom,
    /// GBK is a subset of GB18030: one strict decoder reads both.
    #[serde(rename = "GB18030")]
    Gb18030,
    #[serde(rename = "UTF-16")]
    Utf16,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 BOM",
            Encoding::Gb18030 => "GB18030/GBK",
            Encoding::Utf16 => "UTF-16",
        }
    }
}

/// The 1-based line holding byte `at` (newlines are ASCII in every encoding tried here).
fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Decode strictly: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (which covers
/// GBK). Nothing is ever replaced: an undecodable byte is refused with its line, and a text
/// that already holds U+FFFD (a file mangled by an earlier conversion) is refused too.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), ImportError> {
    let (text, enc) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        match std::str::from_utf8(rest) {
            Ok(s) => (s.to_string(), Encoding::Utf8Bom),
            Err(e) => {
                return Err(ImportError::Encoding {
                    line: line_of(rest, e.valid_up_to()),
                    detail: "文件标明 UTF-8 (BOM) 但含无效字节".into(),
                });
            }
        }
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let enc = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        match enc.decode_without_bom_handling_and_without_replacement(&bytes[2..]) {
            Some(s) => (s.into_owned(), Encoding::Utf16),
            None => {
                return Err(ImportError::Encoding {
                    line: 0,
                    detail: "UTF-16 文件含无效字符".into(),
                });
            }
        }
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        (s.to_string(), Encoding::Utf8)
    } else {
        let mut dec = encoding_rs::GB18030.new_decoder_without_bom_handling();
        let mut out = String::with_capacity(bytes.len() * 3 / 2 + 16);
        let (res, read) = dec.decode_to_string_without_replacement(bytes, &mut out, true);
        match res {
            encoding_rs::DecoderResult::InputEmpty => (out, Encoding::Gb18030),
            encoding_rs::DecoderResult::Malformed(bad, _) => {
                let at = read.saturating_sub(bad as usize);
                return Err(ImportError::Encoding {
                    line: line_of(bytes, at),
                    detail: format!(
                        "既不是 UTF-8 也不是 GBK/GB18030 (字节 0x{:02X})",
                        bytes.get(at).copied().unwrap_or(0)
                    ),
                });
            }
            encoding_rs::DecoderResult::OutputFull => {
                return Err(ImportError::Encoding {
                    line: 0,
                    detail: "解码缓冲区不足".into(),
                });
            }
        }
    };
    if let Some(pos) = text.find('\u{FFFD}') {
        return Err(ImportError::Encoding {
            line: text[..pos].matches('\n').count() + 1,
            detail: "含替换字符 U+FFFD: 文件此前已被错误转码".into(),
        });
    }
    Ok((text, enc))
}

/// Comma, tab or semicolon: whichever the first lines use most.
fn delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    [(b',', count(',')), (b'\t', count('\t')), (b';', count(';'))]
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(d, _)| d)
        .unwrap_or(b',')
}

/// Read a CSV into one grid (every value text; dates parsed later by column).
pub fn csv(bytes: &[u8], name: &str, limits: &Limits) -> Result<(Grid, Encoding), ImportError> {
    let (text, enc) = decode(bytes)?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut g = Grid {
        name: name.to_string(),
        lines: Some(Vec::new()),
        ..Grid::default()
    };
    let mut cells = 0u64;
    let mut rec = csv::StringRecord::new();
    let mut i = 0u32;
    let (mut seen_byte, mut seen_line) = (0usize, 1u32);
    loop {
        let more = r.read_record(&mut rec).map_err(|e| ImportError::Csv {
            line: e.position().map(|p| p.line() as usize).unwrap_or(0),
            detail: e.to_string(),
        })?;
        if !more {
            break;
        }
        // The line the record starts on (the csv crate does not count newlines inside
        // quoted fields, so count them from the byte offset).
        let mut at = rec
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(seen_byte);
        // Blank lines skipped before the record are not part of it.
        while matches!(text.as_bytes().get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        seen_line += text.as_bytes()[seen_byte.min(at)..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        seen_byte = at.max(seen_byte);
        let line = seen_line;
        if let Some(l) = g.lines.as_mut() {
            l.push(line);
        }
        for (c, f) in rec.iter().enumerate() {
            if f.trim().is_empty() {
                continue;
            }
            cells += 1;
            if cells > limits.max_cells {
                return Err(ImportError::TooManyCells {
                    limit: limits.max_cells,
                });
            }
            g.set(i, c, Value::Text(f.to_string()));
        }
        i += 1;
    }
    Ok((g, enc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected_and_never_replaced() {
        let s = "序号,问题\n1,𠀀𪚥 四字节字符\n";
        assert_eq!(
            decode(s.as_bytes()).unwrap(),
            (s.to_string(), Encoding::Utf8)
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(s.as_bytes());
        assert_eq!(decode(&bom).unwrap(), (s.to_string(), Encoding::Utf8Bom));
        // GB18030 carries the 4-byte characters too; GBK text is a subset.
        let (gb, _, bad) = encoding_rs::GB18030.encode(s);
        assert!(!bad);
        assert_eq!(decode(&gb).unwrap(), (s.to_string(), Encoding::Gb18030));
        let (gbk, _, _) = encoding_rs::GBK.encode("整改措施,责任单位\n");
        assert_eq!(decode(&gbk).unwrap().0, "整改措施,责任单位\n");
        // An undecodable byte: refused with its line.
        let mut broken = "a\nb\n".as_bytes().to_vec();
        broken.extend_from_slice(&[0xFF, 0xFF, b'\n']);
        match decode(&broken) {
            Err(ImportError::Encoding { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        // Already mangled text is refused, not stored.
        match decode("a\n\u{FFFD}\n".as_bytes()) {
            Err(ImportError::Encoding { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        // UTF-16 (Excel's "Unicode text").
        let mut u16le = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            u16le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&u16le).unwrap().0, s);
    }

    #[test]
    fn csv_rows_keep_their_lines() {
        let (g, _) = csv(
            "a,b\n\"x\ny\",2\n\n3,4\n".as_bytes(),
            "t.csv",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(g.cell(1, 0), &Value::Text("x\ny".into()));
        assert_eq!(g.user_row(1), 2);
        assert_eq!(g.user_row(2), 5);
        let (g, _) = csv("a\tb\n1\t2\n".as_bytes(), "t.tsv", &Limits::default()).unwrap();
        assert_eq!(g.cell(1, 1), &Value::Text("2".into()));
    }

    #[test]
    fn merged_regions_are_found_across_chunk_boundaries() {
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData><mergeCells count="3"><mergeCell ref="A1:B2"/><x:mergeCell  ref = 'C3:C10' /><mergeCell ref="AB7"/></mergeCells></worksheet>"#;
        let want = vec![((0, 0), (1, 1)), ((2, 2), (9, 2)), ((6, 27), (6, 27))];
        for cut in 0..xml.len() {
            for size in [1, 7, 64, 4096] {
                let mut pre = Prescan {
                    max_regions: 100,
                    ..Prescan::default()
                };
                let (a, b) = xml.split_at(cut);
                for part in [a, b] {
                    for chunk in part.chunks(size) {
                        pre.feed("xl/worksheets/sheet1.xml", chunk);
                    }
                }
                assert_eq!(
                    pre.merges["xl/worksheets/sheet1.xml"], want,
                    "cut {cut} size {size}"
                );
            }
        }
    }

    #[test]
    fn merged_cells_are_filled_as_calamine_reports_them() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("台账 & 附表").unwrap();
        ws.write(0, 0, "序号").unwrap();
        ws.merge_range(1, 0, 3, 0, "1", &Format::new()).unwrap();
        ws.merge_range(1, 1, 2, 2, "合并", &Format::new()).unwrap();
        ws.write(3, 1, "x").unwrap();
        // Merged cells are filled in rows that hold a cell (a sparse grid).
        ws.write(2, 3, "y").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let g = xlsx(&bytes, &Limits::default()).unwrap();
        assert_eq!(g[0].name, "台账 & 附表");
        for r in 1..=3 {
            assert_eq!(g[0].cell(r, 0), &Value::Text("1".into()), "row {r}");
        }
        for (r, c) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
            assert_eq!(g[0].cell(r, c), &Value::Text("合并".into()), "({r}, {c})");
        }
        // The scan agrees with calamine's own reading of the merged regions.
        let mut pre = Prescan {
            max_regions: 100,
            ..Prescan::default()
        };
        zipguard::inspect_with(&bytes, &Limits::default(), &mut |n, c| pre.feed(n, c)).unwrap();
        let parts = pre.sheet_parts().unwrap();
        let mut scanned = pre.merges[&parts["台账 & 附表"]].clone();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(&bytes[..])).unwrap();
        let mut theirs: Vec<Region> = book
            .merge_cells_by_sheet_name("台账 & 附表")
            .unwrap()
            .iter()
            .map(|d| (d.start, d.end))
            .collect();
        scanned.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(scanned, theirs);
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// Filling row by row as rows arrive fills what filling the whole sheet fills, merged
        /// regions overlapping, reaching past the columns read, or starting in a missing row.
        #[test]
        fn filling_row_by_row_is_filling_the_sheet(
            rows in proptest::collection::btree_map(
                0u32..30,
                proptest::collection::vec(
                    proptest::option::of("[a-c]").prop_map(|t| t.map_or(Value::Empty, Value::Text)),
                    0..8,
                ),
                0..20,
            ),
            regions in proptest::collection::vec(
                (0u32..32, 0u32..3, 0u32..70, 0u32..4),
                0..12,
            ),
        ) {
            let regions: Vec<Region> = regions
                .into_iter()
                .map(|(r0, h, c0, w)| ((r0, c0 % 10 + c0 / 60 * 60), (r0 + h, c0 % 10 + c0 / 60 * 60 + w)))
                .collect();
            let mut whole = Grid::default();
            for (r, cells) in &rows {
                whole.put_row(*r, cells.clone());
            }
            let mut filler = Filler::new(regions.clone());
            let mut streamed = Grid::default();
            for (r, cells) in whole.rows.clone() {
                let mut cells = cells;
                filler.fill(r, &mut cells);
                streamed.rows.insert(r, cells);
            }
            whole.fill_merged(&regions);
            // Trailing empty cells are no cells.
            let trim = |g: &Grid| -> Vec<(u32, Vec<Value>)> {
                g.rows
                    .iter()
                    .map(|(r, c)| {
                        let n = c.iter().rposition(|v| !v.is_empty()).map_or(0, |i| i + 1);
                        (*r, c[..n].to_vec())
                    })
                    .collect()
            };
            prop_assert_eq!(trim(&streamed), trim(&whole));
        }
    }

    #[test]
    fn the_cell_cap_is_enforced() {
        let lim = Limits {
            max_cells: 5,
            ..Limits::default()
        };
        let e = csv("a,b,c\n1,2,3\n".as_bytes(), "t.csv", &lim).unwrap_err();
        assert!(matches!(e, ImportError::TooManyCells { limit: 5 }), "{e:?}");
    }

    #[test]
    fn sniffing_refuses_binaries_and_old_xls() {
        assert_eq!(sniff(b"PK\x03\x04", None).unwrap(), Kind::Xlsx);
        assert!(matches!(
            sniff(b"\xD0\xCF\x11\xE0....", Some("a.xls")),
            Err(ImportError::OldXls)
        ));
        assert!(matches!(
            sniff(b"hello", Some("a.xlsx")),
            Err(ImportError::Zip(zipguard::ZipGuardError::NotZip))
        ));
        assert!(matches!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0", Some("a.csv")),
            Err(ImportError::NotALedgerFile)
        ));
        assert_eq!(sniff("序号".as_bytes(), Some("a.csv")).unwrap(), Kind::Csv);
    }
}
