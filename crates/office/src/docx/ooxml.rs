//! The OOXML parts, written by hand. Every piece of caller text goes through
//! [`escape_into`] after the layout's sanitiser; everything else is constant markup.

use std::fmt::Write as _;
use std::io::Write as _;

use chrono::Datelike;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::Document;
use crate::OfficeError;
use crate::gbt9704::{self as gb, Font};
use crate::layout::{Item, TablePlan};
use crate::xml::escape_into;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

pub(super) fn write(doc: &Document, plan: &[Item]) -> Result<Vec<u8>, OfficeError> {
    let parts: [(&str, String); 11] = [
        ("[Content_Types].xml", content_types()),
        ("_rels/.rels", package_rels()),
        ("docProps/core.xml", core_properties(doc)),
        ("docProps/app.xml", app_properties()),
        ("word/_rels/document.xml.rels", document_rels()),
        ("word/document.xml", document(plan)),
        ("word/styles.xml", styles()),
        ("word/settings.xml", settings()),
        ("word/fontTable.xml", font_table()),
        ("word/footer1.xml", footer(Side::Odd)),
        ("word/footer2.xml", footer(Side::Even)),
    ];
    let total: usize = parts.iter().map(|(_, xml)| xml.len()).sum();
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(total / 4 + 4096)));
    // A fixed timestamp (1980-01-01) keeps the output deterministic.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, xml) in &parts {
        zip.start_file(*name, options)?;
        zip.write_all(xml.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

fn content_types() -> String {
    let mut s = String::from(DECL);
    s.push_str(r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#);
    s.push_str(r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#);
    s.push_str(r#"<Default Extension="xml" ContentType="application/xml"/>"#);
    let wml = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    for (part, kind) in [
        ("/word/document.xml", "document.main"),
        ("/word/styles.xml", "styles"),
        ("/word/settings.xml", "settings"),
        ("/word/fontTable.xml", "fontTable"),
        ("/word/footer1.xml", "footer"),
        ("/word/footer2.xml", "footer"),
    ] {
        let _ = write!(
            s,
            r#"<Override PartName="{part}" ContentType="{wml}.{kind}+xml"/>"#
        );
    }
    s.push_str(r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#);
    s.push_str(r#"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#);
    s.push_str("</Types>");
    s
}

fn package_rels() -> String {
    let mut s = String::from(DECL);
    s.push_str(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    s.push_str(r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>"#);
    s.push_str(r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#);
    s.push_str(r#"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>"#);
    s.push_str("</Relationships>");
    s
}

fn document_rels() -> String {
    let mut s = String::from(DECL);
    s.push_str(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (id, kind, target) in [
        ("rIdStyles", "styles", "styles.xml"),
        ("rIdSettings", "settings", "settings.xml"),
        ("rIdFontTable", "fontTable", "fontTable.xml"),
        ("rIdFooterOdd", "footer", "footer1.xml"),
        ("rIdFooterEven", "footer", "footer2.xml"),
    ] {
        let _ = write!(
            s,
            r#"<Relationship Id="{id}" Type="{R_NS}/{kind}" Target="{target}"/>"#
        );
    }
    s.push_str("</Relationships>");
    s
}

fn core_properties(doc: &Document) -> String {
    let mut s = String::from(DECL);
    s.push_str(concat!(
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties""#,
        r#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/""#,
        r#" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
    ));
    let title = crate::xml::one_line(&doc.title);
    if !title.is_empty() {
        s.push_str("<dc:title>");
        escape_into(&mut s, &title);
        s.push_str("</dc:title>");
    }
    let creator = doc
        .issuer
        .as_deref()
        .map(crate::xml::one_line)
        .filter(|c| !c.is_empty());
    s.push_str("<dc:creator>");
    escape_into(&mut s, creator.as_deref().unwrap_or("Rectify"));
    s.push_str("</dc:creator>");
    s.push_str("<dc:language>zh-CN</dc:language>");
    // The document date, not the clock: the writer is pure. W3CDTF needs a four-digit year.
    if let Some(d) = doc.date.filter(|d| (1..=9999).contains(&d.year())) {
        let _ = write!(
            s,
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{:04}-{:02}-{:02}T00:00:00Z</dcterms:created>"#,
            d.year(),
            d.month(),
            d.day()
        );
    }
    s.push_str("</cp:coreProperties>");
    s
}

fn app_properties() -> String {
    let mut s = String::from(DECL);
    s.push_str(r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#);
    s.push_str("<Application>Rectify</Application><DocSecurity>0</DocSecurity></Properties>");
    s
}

/// `w:rFonts` naming one font for every script slot.
fn rfonts(s: &mut String, font: &Font) {
    let n = font.name;
    let _ = write!(
        s,
        r#"<w:rFonts w:ascii="{n}" w:eastAsia="{n}" w:hAnsi="{n}" w:cs="{n}" w:hint="eastAsia"/>"#
    );
}

fn styles() -> String {
    let mut s = String::with_capacity(8192);
    s.push_str(DECL);
    let _ = write!(s, r#"<w:styles xmlns:w="{W_NS}">"#);

    // Defaults: body font and size, exact 28.95 pt lines, justified, no paragraph spacing.
    // No automatic space between Hanzi and Latin letters or digits (Word and LibreOffice add
    // a quarter em by default): 2021年12月28日 keeps the width the signature rule counts.
    // Paragraphs do not snap to the section's character grid: LibreOffice gives a glyph as
    // wide as a grid cell two cells (14 characters a line). The exact line spacing and the
    // condensed characters (`gb::CHAR_CONDENSE`) give the same 22 × 28 page in Word, WPS and
    // LibreOffice, while the grid still declares 22 × 28 to Word's page setup and new text.
    s.push_str("<w:docDefaults><w:rPrDefault><w:rPr>");
    rfonts(&mut s, &gb::BODY_FONT);
    let _ = write!(
        s,
        r#"<w:spacing w:val="{sp}"/><w:kern w:val="2"/><w:sz w:val="{b}"/><w:szCs w:val="{b}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>"#,
        b = gb::BODY_SIZE,
        sp = gb::CHAR_CONDENSE,
    );
    let _ = write!(
        s,
        r#"</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl/><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{p}" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>"#,
        p = gb::LINE_PITCH
    );

    let indent2 = format!(
        r#"<w:ind w:firstLine="{}" w:firstLineChars="200"/>"#,
        2 * gb::BODY_CHAR
    );
    let style = |s: &mut String,
                 id: &str,
                 name: &str,
                 based: Option<&str>,
                 ppr: &str,
                 font: Option<&Font>,
                 rpr: &str| {
        // Word's built-in styles (Title, heading n, footer) must not be marked custom.
        let custom = if matches!(
            id,
            "Title" | "Heading1" | "Heading2" | "Heading3" | "Footer"
        ) {
            ""
        } else {
            r#" w:customStyle="1""#
        };
        let _ = write!(
            s,
            r#"<w:style w:type="paragraph"{custom} w:styleId="{id}"><w:name w:val="{name}"/>"#
        );
        if let Some(b) = based {
            let _ = write!(s, r#"<w:basedOn w:val="{b}"/>"#);
        }
        let _ = write!(s, r#"<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>"#);
        if let Some(f) = font {
            rfonts(s, f);
        }
        let _ = write!(s, "{rpr}</w:rPr></w:style>");
    };

    // Normal repeats the body font and size: LibreOffice derives the character grid's pitch
    // from Normal's own East Asian size (12 pt when absent), not from the document defaults.
    s.push_str(r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:snapToGrid w:val="0"/></w:pPr><w:rPr>"#);
    rfonts(&mut s, &gb::BODY_FONT);
    let _ = write!(
        s,
        r#"<w:sz w:val="{b}"/><w:szCs w:val="{b}"/></w:rPr></w:style>"#,
        b = gb::BODY_SIZE
    );
    s.push_str(r#"<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>"#);
    s.push_str(r#"<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#);

    style(
        &mut s,
        "DocNumber",
        "Document Number",
        Some("Normal"),
        r#"<w:jc w:val="center"/>"#,
        None,
        "",
    );
    style(
        &mut s,
        "Title",
        "Title",
        Some("Normal"),
        // Off the grid (exact 28.95 pt instead): LibreOffice gives a 22 pt line two grid lines.
        r#"<w:keepNext/><w:snapToGrid w:val="0"/><w:jc w:val="center"/>"#,
        Some(&gb::TITLE_FONT),
        &format!(
            r#"<w:sz w:val="{t}"/><w:szCs w:val="{t}"/>"#,
            t = gb::TITLE_SIZE
        ),
    );
    style(
        &mut s,
        "Addressee",
        "Addressee",
        Some("Normal"),
        "",
        None,
        "",
    );
    style(&mut s, "Body", "Body", Some("Normal"), &indent2, None, "");
    for (level, font) in [
        (1u8, &gb::HEADING1_FONT),
        (2, &gb::HEADING2_FONT),
        (3, &gb::BODY_FONT),
    ] {
        let ppr = format!(r#"<w:keepNext/><w:outlineLvl w:val="{}"/>"#, level);
        style(
            &mut s,
            &format!("Heading{level}"),
            &format!("heading {level}"),
            Some("Body"),
            &ppr,
            Some(font),
            r#"<w:b w:val="0"/><w:bCs w:val="0"/>"#,
        );
    }
    style(
        &mut s,
        "Attachment",
        "Attachment",
        Some("Normal"),
        r#"<w:jc w:val="left"/>"#,
        None,
        "",
    );
    style(
        &mut s,
        "Signature",
        "Signature",
        Some("Normal"),
        r#"<w:jc w:val="right"/>"#,
        None,
        "",
    );
    style(&mut s, "Note", "Note", Some("Normal"), &indent2, None, "");
    let small = format!(
        r#"<w:sz w:val="{n}"/><w:szCs w:val="{n}"/>"#,
        n = gb::SMALL_SIZE
    );
    // Table text: 4号, single spacing, off the page grid so rows stay compact.
    let table_ppr = r#"<w:snapToGrid w:val="0"/><w:spacing w:line="240" w:lineRule="auto"/><w:jc w:val="left"/>"#;
    style(
        &mut s,
        "TableText",
        "Table Text",
        Some("Normal"),
        table_ppr,
        None,
        &small,
    );
    let header_ppr = r#"<w:keepNext/><w:snapToGrid w:val="0"/><w:spacing w:line="240" w:lineRule="auto"/><w:jc w:val="center"/>"#;
    style(
        &mut s,
        "TableHeader",
        "Table Header",
        Some("Normal"),
        header_ppr,
        Some(&gb::HEADING1_FONT),
        &small,
    );
    let footer_ppr = format!(
        r#"<w:snapToGrid w:val="0"/><w:spacing w:line="{}" w:lineRule="exact"/>"#,
        gb::SMALL_CHAR
    );
    style(
        &mut s,
        "Footer",
        "footer",
        Some("Normal"),
        &footer_ppr,
        Some(&gb::PAGE_NUMBER_FONT),
        &small,
    );
    s.push_str("</w:styles>");
    s
}

fn settings() -> String {
    let mut s = String::from(DECL);
    let _ = write!(s, r#"<w:settings xmlns:w="{W_NS}">"#);
    // Element order follows CT_Settings.
    s.push_str(r#"<w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/>"#);
    s.push_str(r#"<w:characterSpacingControl w:val="compressPunctuation"/>"#);
    s.push_str(r#"<w:compat><w:useFELayout/><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>"#);
    s.push_str(r#"<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>"#);
    s.push_str("</w:settings>");
    s
}

fn font_table() -> String {
    let mut s = String::from(DECL);
    let _ = write!(s, r#"<w:fonts xmlns:w="{W_NS}">"#);
    for font in gb::FONTS {
        let _ = write!(
            s,
            r#"<w:font w:name="{}"><w:altName w:val="{}"/><w:panose1 w:val="{}"/><w:charset w:val="86"/><w:family w:val="{}"/><w:pitch w:val="variable"/></w:font>"#,
            font.name,
            font.fallbacks.join(","),
            font.panose,
            font.family
        );
    }
    s.push_str("</w:fonts>");
    s
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Odd,
    Even,
}

/// `— N —` at the outer edge, one 4号 character in from it.
fn footer(side: Side) -> String {
    let mut s = String::from(DECL);
    let _ = write!(
        s,
        r#"<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr><w:pStyle w:val="Footer"/>"#
    );
    let (ind, jc, cached) = match side {
        Side::Odd => (
            format!(r#"<w:ind w:right="{}"/>"#, gb::SMALL_CHAR),
            "right",
            1,
        ),
        Side::Even => (
            format!(r#"<w:ind w:left="{}"/>"#, gb::SMALL_CHAR),
            "left",
            2,
        ),
    };
    let _ = write!(s, r#"{ind}<w:jc w:val="{jc}"/></w:pPr>"#);
    s.push_str(r#"<w:r><w:t xml:space="preserve">— </w:t></w:r>"#);
    s.push_str(r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>"#);
    let _ = write!(
        s,
        r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{cached}</w:t></w:r>"#
    );
    s.push_str(r#"<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> —</w:t></w:r>"#);
    s.push_str("</w:p></w:ftr>");
    s
}

fn document(plan: &[Item]) -> String {
    let estimate: usize = plan.len() * 160
        + plan
            .iter()
            .map(|i| match i {
                Item::Paragraph(t) | Item::Heading(_, t) => t.len(),
                _ => 64,
            })
            .sum::<usize>();
    let mut s = String::with_capacity(estimate + 2048);
    s.push_str(DECL);
    let _ = write!(
        s,
        r#"<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>"#
    );
    for item in plan {
        match item {
            Item::DocNumber(t) => paragraph(&mut s, "DocNumber", "", t),
            Item::Blank => s.push_str(r#"<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr></w:p>"#),
            Item::Title(lines) => paragraph(&mut s, "Title", "", &lines.join("\n")),
            Item::Addressee(t) => paragraph(&mut s, "Addressee", "", t),
            Item::Heading(level, t) => paragraph(&mut s, &format!("Heading{level}"), "", t),
            Item::Paragraph(t) => paragraph(&mut s, "Body", "", t),
            Item::Table(t) => table(&mut s, t),
            Item::Attachment {
                text,
                left,
                hanging,
            } => {
                let ind = format!(
                    r#"<w:ind w:left="{}" w:leftChars="{}" w:hanging="{}" w:hangingChars="{}"/>"#,
                    left * gb::BODY_CHAR / 2,
                    left * 50,
                    hanging * gb::BODY_CHAR / 2,
                    hanging * 50
                );
                paragraph(&mut s, "Attachment", &ind, text);
            }
            Item::Signature { text, right } => {
                let ind = format!(
                    r#"<w:ind w:right="{}" w:rightChars="{}"/>"#,
                    right * gb::BODY_CHAR / 2,
                    right * 50
                );
                paragraph(&mut s, "Signature", &ind, text);
            }
            Item::Note(t) => paragraph(&mut s, "Note", "", t),
        }
    }
    // Word wants a paragraph between a final table and the section properties.
    if matches!(plan.last(), Some(Item::Table(_))) {
        s.push_str("<w:p/>");
    }
    let _ = write!(
        s,
        concat!(
            r#"<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/><w:footerReference w:type="even" r:id="rIdFooterEven"/>"#,
            r#"<w:pgSz w:w="{w}" w:h="{h}"/><w:pgMar w:top="{t}" w:right="{r}" w:bottom="{b}" w:left="{l}" w:header="{hd}" w:footer="{ft}" w:gutter="0"/>"#,
            r#"<w:pgNumType w:start="1"/><w:cols w:space="425"/><w:docGrid w:type="linesAndChars" w:linePitch="{lp}" w:charSpace="{cs}"/></w:sectPr>"#
        ),
        w = gb::PAGE_WIDTH,
        h = gb::PAGE_HEIGHT,
        t = gb::MARGIN_TOP,
        r = gb::MARGIN_RIGHT,
        b = gb::MARGIN_BOTTOM,
        l = gb::MARGIN_LEFT,
        hd = gb::HEADER_DISTANCE,
        ft = gb::FOOTER_DISTANCE,
        lp = gb::LINE_PITCH,
        cs = gb::CHAR_SPACE,
    );
    s.push_str("</w:body></w:document>");
    s
}

/// A paragraph of one style; `extra` is direct paragraph formatting placed after the style.
/// In CT_PPrBase `w:ind` precedes `w:jc`, and styles carry the `jc`, so `extra` only holds `ind`.
fn paragraph(s: &mut String, style: &str, extra: &str, text: &str) {
    let _ = write!(
        s,
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra}</w:pPr>"#
    );
    run(s, text);
    s.push_str("</w:p>");
}

/// One run of sanitised text: tabs become `w:tab`, line feeds `w:br`.
fn run(s: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    s.push_str("<w:r>");
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            s.push_str("<w:br/>");
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                s.push_str("<w:tab/>");
            }
            if !piece.is_empty() {
                s.push_str(r#"<w:t xml:space="preserve">"#);
                escape_into(s, piece);
                s.push_str("</w:t>");
            }
        }
    }
    s.push_str("</w:r>");
}

fn table(s: &mut String, t: &TablePlan) {
    let _ = write!(
        s,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#,
        gb::TEXT_WIDTH
    );
    for edge in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        let _ = write!(
            s,
            r#"<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#
        );
    }
    s.push_str(r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="57" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>"#);
    for w in &t.widths {
        let _ = write!(s, r#"<w:gridCol w:w="{w}"/>"#);
    }
    s.push_str("</w:tblGrid>");
    let row = |s: &mut String, cells: &[String], header: bool| {
        s.push_str("<w:tr>");
        if header {
            s.push_str("<w:trPr><w:tblHeader/></w:trPr>");
        }
        for (cell, w) in cells.iter().zip(&t.widths) {
            let _ = write!(
                s,
                r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>"#
            );
            paragraph(
                s,
                if header { "TableHeader" } else { "TableText" },
                "",
                cell,
            );
            s.push_str("</w:tc>");
        }
        s.push_str("</w:tr>");
    };
    if let Some(h) = &t.header {
        row(s, h, true);
    }
    for r in &t.rows {
        row(s, r, false);
    }
    s.push_str("</w:tbl>");
}
