//! The numbers of GB/T 9704-2012 (党政机关公文格式), in the units OOXML wants.
//!
//! Units: a twip is 1/20 pt = 1/1440 inch, so `mm × 1440 / 25.4`; font sizes in OOXML are
//! half-points (`w:sz`). Every derived value is a `const` computed from the millimetres of the
//! standard, and the tests below pin the results.
//!
//! **Page** (§5.2.1, §5.2.2): A4 210 × 297 mm; 天头 (top) 37 mm, 订口 (left) 28 mm; the text
//! block (版心) is 156 × 225 mm, which leaves 26 mm right and 35 mm bottom.
//!
//! **Grid** (§5.2.3): 22 lines per page, 28 characters per line, body in 3号 (16 pt).
//! - line pitch = ⌊text height / 22⌋ = ⌊12756 / 22⌋ = 579 twips = 28.95 pt (22 × 579 = 12738 ≤
//!   12756 < 23 × 579): `w:docGrid/@w:linePitch = 579`, and body paragraphs also carry an exact
//!   28.95 pt line spacing so readers without grid support lay out the same lines.
//! - character pitch ≤ text width / 28 = 8845 / 28 = 315.89 twips = 15.795 pt. Word's
//!   `w:charSpace` is what is *added* to the default font size (16 pt, `docDefaults`) in
//!   1/4096 pt: ⌊(8845 / 28 / 20 − 16) × 4096⌋ = ⌊−841.1⌋ = −842, giving a pitch of
//!   16 − 842/4096 = 15.7944 pt: 28 × 15.7944 = 442.2 pt ≤ 442.25 pt of text width, 29 do not
//!   fit. `w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-842"`.
//!
//! **Page number** (§7.5): 4号 (14 pt) half-width 宋体 Arabic digits between two 一字线
//! (`— 1 —`); the dashes lie 7 mm below the text block; odd pages right with one character
//! of space, even pages left with one character: two footers and `w:evenAndOddHeaders`. The
//! footer line is 14 pt high with the dash at its middle, so the footer's bottom sits
//! 35 − 7 = 28 mm minus half a line (7 pt = 140 twips) above the paper edge: 1587 − 140 = 1447.

/// One millimetre-to-twip conversion, rounded to the nearest twip.
pub const fn mm_to_twips(mm: u32) -> u32 {
    // mm × 1440 / 25.4 = mm × 14400 / 254, rounded half up.
    (mm * 14400 + 127) / 254
}

/// A4 width, 210 mm.
pub const PAGE_WIDTH: u32 = mm_to_twips(210);
/// A4 height, 297 mm.
pub const PAGE_HEIGHT: u32 = mm_to_twips(297);
/// 天头: 37 mm.
pub const MARGIN_TOP: u32 = mm_to_twips(37);
/// 35 mm.
pub const MARGIN_BOTTOM: u32 = mm_to_twips(35);
/// 订口: 28 mm.
pub const MARGIN_LEFT: u32 = mm_to_twips(28);
/// 26 mm.
pub const MARGIN_RIGHT: u32 = mm_to_twips(26);
/// Header distance from the edge; the layout has no header, Word's default of 15 mm.
pub const HEADER_DISTANCE: u32 = mm_to_twips(15);

/// Width of the text block (版心) in twips.
pub const TEXT_WIDTH: u32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
/// Height of the text block in twips.
pub const TEXT_HEIGHT: u32 = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;

/// Lines per page (§5.2.3).
pub const LINES_PER_PAGE: u32 = 22;
/// Characters per line (§5.2.3).
pub const CHARS_PER_LINE: u32 = 28;

/// Line pitch in twips: 579 = 28.95 pt.
pub const LINE_PITCH: u32 = TEXT_HEIGHT / LINES_PER_PAGE;

// Exactly 22 lines fit the text block, not 23.
const _: () = assert!(LINES_PER_PAGE * LINE_PITCH <= TEXT_HEIGHT);
const _: () = assert!((LINES_PER_PAGE + 1) * LINE_PITCH > TEXT_HEIGHT);

/// Body size, 3号 16 pt, in half-points.
pub const BODY_SIZE: u32 = 32;
/// Title size, 2号 22 pt, in half-points.
pub const TITLE_SIZE: u32 = 44;
/// Page-number size, 4号 14 pt, in half-points; also used in tables.
pub const SMALL_SIZE: u32 = 28;

/// `w:docGrid/@w:charSpace`: 1/4096 pt added to the 16 pt default font size so that exactly
/// 28 characters fit the text width (−842).
pub const CHAR_SPACE: i64 = {
    // (TEXT_WIDTH / 28 / 20 − BODY_SIZE / 2) × 4096, floored, in integers.
    let scaled = (TEXT_WIDTH as i64) * 4096; // pitch × 28 × 20 × 4096
    let denom = (CHARS_PER_LINE as i64) * 20;
    let target = (BODY_SIZE as i64 / 2) * 4096 * denom;
    (scaled - target).div_euclid(denom)
};

/// Character spacing of every run, in twips: −8 = −0.4 pt, a 16 pt character advances 15.6 pt.
///
/// Word compresses characters into the grid pitch (15.79 pt) by itself; LibreOffice does not —
/// a glyph wider than its grid cell takes *two* cells, doubling the spacing. Its cell is
/// computed in 1/100 mm as 15.73 pt, so the glyph must advance less than that. −0.4 pt keeps 28
/// characters a line in every reader: LibreOffice 28 cells; Word 28 whether or not it adds the
/// spacing to the pitch (⌊442.25 / 15.39⌋ = 28); a reader without grid ⌊442.25 / 15.6⌋ = 28.
pub const CHAR_CONDENSE: i32 = -8;

/// One body character (16 pt) in twips: the fallback for `w:*Chars` indents.
pub const BODY_CHAR: u32 = BODY_SIZE * 10;
/// One page-number character (14 pt) in twips.
pub const SMALL_CHAR: u32 = SMALL_SIZE * 10;

/// Footer distance from the bottom edge (see the module documentation): 1447 twips.
pub const FOOTER_DISTANCE: u32 = MARGIN_BOTTOM - mm_to_twips(7) - SMALL_CHAR / 2;

/// A font the layout names, with the names a reader should try when it is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Font {
    /// The name the standard (and Chinese government templates) use.
    pub name: &'static str,
    /// Fallbacks, best first: written as the comma-delimited `w:altName` of the font table.
    pub fallbacks: &'static [&'static str],
    /// `w:family` of the font table: `roman` (serif), `modern` (fixed pitch) or `swiss` (sans).
    pub family: &'static str,
    /// `w:panose1`, so Word's substitution can pick a look-alike.
    pub panose: &'static str,
}

/// 方正小标宋简体: the title (2号).
pub const TITLE_FONT: Font = Font {
    name: "方正小标宋简体",
    fallbacks: &[
        "方正小标宋_GBK",
        "华文中宋",
        "STZhongsong",
        "宋体",
        "SimSun",
    ],
    family: "roman",
    panose: "02000000000000000000",
};
/// 仿宋_GB2312: the body, third-level headings, signature and date.
pub const BODY_FONT: Font = Font {
    name: "仿宋_GB2312",
    fallbacks: &["仿宋", "FangSong", "STFangsong"],
    family: "modern",
    panose: "02010609030101010101",
};
/// 黑体: first-level headings (一、) and table headers.
pub const HEADING1_FONT: Font = Font {
    name: "黑体",
    fallbacks: &["SimHei", "STHeiti"],
    family: "modern",
    panose: "02010609060101010101",
};
/// 楷体_GB2312: second-level headings ((一)).
pub const HEADING2_FONT: Font = Font {
    name: "楷体_GB2312",
    fallbacks: &["楷体", "KaiTi", "STKaiti"],
    family: "modern",
    panose: "02010609030101010101",
};
/// 宋体: page numbers (4号 half-width 宋体).
pub const PAGE_NUMBER_FONT: Font = Font {
    name: "宋体",
    fallbacks: &["SimSun", "STSong"],
    family: "auto",
    panose: "02010600030101010101",
};

/// Every font the layout names, with its fallback chain (written to `word/fontTable.xml`):
///
/// | role | named | fallbacks |
/// |---|---|---|
/// | title | 方正小标宋简体 | 方正小标宋_GBK → 华文中宋/STZhongsong → 宋体/SimSun |
/// | body, 1. level | 仿宋_GB2312 | 仿宋/FangSong → STFangsong |
/// | 一、 level, table header | 黑体 | SimHei → STHeiti |
/// | (一) level | 楷体_GB2312 | 楷体/KaiTi → STKaiti |
/// | page number | 宋体 | SimSun → STSong |
///
/// Word tries `w:altName` when the named font is missing, then matches on panose and charset
/// (GB2312, 0x86); LibreOffice and fontconfig fall back by family to whatever CJK font is
/// installed (Noto CJK on Linux), so the page geometry holds even where the look does not.
pub const FONTS: [Font; 5] = [
    TITLE_FONT,
    BODY_FONT,
    HEADING1_FONT,
    HEADING2_FONT,
    PAGE_NUMBER_FONT,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_geometry_in_twips() {
        assert_eq!((PAGE_WIDTH, PAGE_HEIGHT), (11906, 16838));
        assert_eq!((MARGIN_TOP, MARGIN_BOTTOM), (2098, 1984));
        assert_eq!((MARGIN_LEFT, MARGIN_RIGHT), (1587, 1474));
        assert_eq!((TEXT_WIDTH, TEXT_HEIGHT), (8845, 12756));
        assert_eq!(FOOTER_DISTANCE, 1447);
    }

    #[test]
    fn twenty_two_lines_of_twenty_eight_characters() {
        assert_eq!(LINE_PITCH, 579);

        assert_eq!(CHAR_SPACE, -842);
        // Character pitch in 1/4096 pt, then how many fit the text width (also in 1/4096 pt).
        let pitch = (BODY_SIZE as i64 / 2) * 4096 + CHAR_SPACE;
        let width = TEXT_WIDTH as i64 * 4096 / 20;
        assert_eq!(width / pitch, CHARS_PER_LINE as i64);

        // Condensed characters: 28 a line with or without the grid, never 29.
        let condensed = (BODY_SIZE as i64 / 2) * 4096 + CHAR_CONDENSE as i64 * 4096 / 20;
        assert_eq!(width / condensed, CHARS_PER_LINE as i64);
        assert_eq!(
            width / (pitch + CHAR_CONDENSE as i64 * 4096 / 20),
            CHARS_PER_LINE as i64
        );
    }
}
