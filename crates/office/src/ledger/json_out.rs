//! The ledger as JSON: an array of objects keyed by the header text (in the chosen language),
//! in column order, no title. 序号 and 佐证材料(数) are numbers, empty cells `null`, deadlines
//! `YYYY-MM-DD` or their wording (长期坚持 / 立行立改). Written one object at a time.

use std::io::Write;

use super::{Column, Lang, LedgerRow, WriteError};

/// Streams rows as a JSON array: create, [`write_row`], then [`finish`].
///
/// [`write_row`]: JsonWriter::write_row
/// [`finish`]: JsonWriter::finish
pub struct JsonWriter<W: Write> {
    out: W,
    lang: Lang,
    first: bool,
}

impl<W: Write> JsonWriter<W> {
    pub fn new(mut out: W, lang: Lang) -> Result<JsonWriter<W>, WriteError> {
        out.write_all(b"[")?;
        Ok(JsonWriter {
            out,
            lang,
            first: true,
        })
    }

    pub fn write_row(&mut self, row: &LedgerRow) -> Result<(), WriteError> {
        self.out
            .write_all(if self.first { b"\n  {" } else { b",\n  {" })?;
        self.first = false;
        for (i, col) in Column::ALL.into_iter().enumerate() {
            if i > 0 {
                self.out.write_all(b", ")?;
            }
            serde_json::to_writer(&mut self.out, col.header(self.lang))?;
            self.out.write_all(b": ")?;
            match col {
                Column::No => serde_json::to_writer(&mut self.out, &row.problem_no)?,
                Column::Evidence => serde_json::to_writer(&mut self.out, &row.evidence)?,
                _ => {
                    let t = row.cell(col, self.lang);
                    if t.is_empty() {
                        self.out.write_all(b"null")?;
                    } else {
                        serde_json::to_writer(&mut self.out, t.as_ref())?;
                    }
                }
            }
        }
        self.out.write_all(b"}")?;
        Ok(())
    }

    /// Close the array, flush and hand back the writer.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out
            .write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::tests::sample;

    #[test]
    fn objects_keyed_by_header_in_column_order() {
        let sheet = sample();
        let mut w = JsonWriter::new(Vec::new(), Lang::En).unwrap();
        for r in &sheet.rows {
            w.write_row(r).unwrap();
        }
        let bytes = w.finish().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), sheet.rows.len());
        assert_eq!(rows[0]["No."], 1);
        assert_eq!(rows[0]["Deadline"], "2021-12-31");
        assert_eq!(rows[0]["Remarks"], serde_json::Value::Null);
        assert_eq!(rows[2]["Kind"], "immediate");
        // Keys appear in column order in the text.
        let first = text.find("\"No.\"").unwrap();
        let last = text.find("\"Remarks\"").unwrap();
        assert!(first < last);
        let empty = JsonWriter::new(Vec::new(), Lang::Zh)
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&empty).unwrap(),
            serde_json::json!([])
        );
    }
}
