//! Office documents for Rectify (整改通): one layout that every generated official document
//! (公文) shares — the public progress notice (整改进展情况的通报), the rectification report
//! (整改报告), the supervision notice (督办单) — written as `.docx`, plain text or Markdown.
//!
//! The layout follows GB/T 9704-2012 (党政机关公文格式); [`gbt9704`] holds every number it
//! uses, with the arithmetic that derives it. [`docx::Document`] is the plain data a caller
//! fills; [`docx::write`], [`docx::to_text`] and [`docx::to_markdown`] render the *same* plan
//! (numbering, signature placement, attachment list), so the three formats never disagree.
//!
//! Architecture invariants:
//! - pure: transforms over plain data and bytes; no file system, no clock, no async. The same
//!   `Document` always gives the same bytes (zip entries carry a fixed timestamp).
//! - hostile text cannot break a file: every string is passed through one sanitiser that drops
//!   characters XML 1.0 forbids (and other control characters) before it is escaped.
//! - fonts are named, never embedded (the GB fonts are proprietary); the fallback chain is in
//!   [`gbt9704::FONTS`].

pub mod docx;
pub mod gbt9704;
mod layout;
pub mod ledger;
pub mod notice;
mod numerals;
pub mod supervision_notice;
mod xml;
pub mod zipguard;

use chrono::Datelike;

/// Errors of this crate. Text never causes one (it is sanitised); only the zip writer can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfficeError {
    /// The zip container could not be written.
    #[error("could not write the document archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing into the in-memory archive failed.
    #[error("could not write the document archive: {0}")]
    Io(#[from] std::io::Error),
}

/// A date as official documents write it (成文日期, GB/T 9704-2012 §7.3.5.1): Arabic numerals,
/// the year in full, month and day without leading zeros — `2021年12月28日`, `2022年1月5日`.
pub fn chinese_date(d: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn chinese_date_has_no_leading_zeros() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(chinese_date(d(2021, 12, 28)), "2021年12月28日");
        assert_eq!(chinese_date(d(2022, 1, 5)), "2022年1月5日");
    }
}
