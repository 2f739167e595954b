//! The ledger as CSV: UTF-8 with a byte-order mark (so Excel and WPS open it as UTF-8), the
//! header row only (no title row), CRLF line ends, every field quoted (RFC 4180).

use std::io::Write;

use super::{Column, Lang, LedgerRow, WriteError};

/// The UTF-8 byte-order mark written first.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Streams rows as CSV: create (writes BOM and header), [`write_row`], then [`finish`].
///
/// [`write_row`]: CsvWriter::write_row
/// [`finish`]: CsvWriter::finish
pub struct CsvWriter<W: Write> {
    out: W,
    lang: Lang,
}

fn field(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    out.write_all(b"\"")?;
    // Quotes doubled, piece by piece (no copy of the text).
    let mut pieces = s.split('"');
    if let Some(first) = pieces.next() {
        out.write_all(first.as_bytes())?;
    }
    for piece in pieces {
        out.write_all(b"\"\"")?;
        out.write_all(piece.as_bytes())?;
    }
    out.write_all(b"\"")
}

fn line<'a>(out: &mut impl Write, fields: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        field(out, f)?;
    }
    out.write_all(b"\r\n")
}

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W, lang: Lang) -> Result<CsvWriter<W>, WriteError> {
        out.write_all(BOM)?;
        line(&mut out, Column::ALL.iter().map(|c| c.header(lang)))?;
        Ok(CsvWriter { out, lang })
    }

    /// One measure row; dates as `YYYY-MM-DD`.
    pub fn write_row(&mut self, row: &LedgerRow) -> Result<(), WriteError> {
        for (i, col) in Column::ALL.into_iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            field(&mut self.out, &row.cell(col, self.lang))?;
        }
        self.out.write_all(b"\r\n")?;
        Ok(())
    }

    /// Flush and hand back the writer.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::tests::sample;

    #[test]
    fn bom_header_and_quoted_rows() {
        let sheet = sample();
        let mut w = CsvWriter::new(Vec::new(), Lang::Zh).unwrap();
        for r in &sheet.rows {
            w.write_row(r).unwrap();
        }
        let bytes = w.finish().unwrap();
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("\"序号\",\"方面\",\"问题\",\"整改措施\""));
        assert_eq!(lines.len(), sheet.rows.len() + 2); // header, rows, trailing empty
        assert!(lines[1].starts_with("\"1\",\"一、"));
        assert!(lines[1].contains("\"2021-12-31\""));
        // A quote in the text is doubled.
        assert!(text.contains("\"\"双引号\"\""));
    }
}
