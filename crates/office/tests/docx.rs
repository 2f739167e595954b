//! The docx writer checked from outside: the package structure and GB/T 9704 numbers read back
//! from the zip, and — when the tools are named in the environment — independent readers:
//! python-docx (`RECTIFY_TEST_PYTHON`) and LibreOffice (`RECTIFY_TEST_SOFFICE`, plus poppler's
//! `pdftoppm`/`pdftotext` on PATH). A missing tool prints `SKIPPED: …`; with
//! `RECTIFY_TEST_REQUIRE_ALL=1` it fails the test instead.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use rectify_office::docx::{self, Block, Document, Table};

const HOSTILE: &str = "危险<script>&amp; ]]> \"引号\" 'single' \u{0}\u{1}\u{8}\u{B}\u{C}\u{1B}\u{7F}\u{85}\u{FFFE}\u{FFFF}结束";
const HOSTILE_CLEAN: &str = "危险<script>&amp; ]]> \"引号\" 'single' 结束";
const RARE: &str = "生僻字𠀀与𪚥（扩展B区）";

fn sample() -> Document {
    let mut blocks = vec![
        Block::Paragraph(
            "根据市委统一部署，2021年4月至6月，市委第一巡察组对我单位开展了常规巡察。现将整改进展情况通报如下。"
                .into(),
        ),
        Block::Heading1("整改工作总体情况".into()),
        Block::Heading2("提高政治站位，压实整改责任".into()),
        Block::Paragraph(format!("{HOSTILE}\n{RARE}")),
    ];
    for i in 1..=6 {
        blocks.push(Block::Heading2(format!("第{i}项问题的整改情况")));
        blocks.push(Block::Heading3("建立健全制度".into()));
        blocks.push(Block::Paragraph(
            "针对巡察反馈的问题，逐条制定整改措施，明确责任领导、责任单位和完成时限，实行清单化管理、项目化推进、销号式落实，确保件件有着落、事事有回音。".into(),
        ));
    }
    blocks.push(Block::Heading1("下一步工作打算".into()));
    blocks.push(Block::Table(Table {
        header: vec!["问题".into(), "责任单位".into(), "完成时限".into()],
        rows: vec![
            vec!["问题一".into(), "办公室".into(), "2022年6月30日".into()],
            vec!["问题二 <&>".into(), "财务科".into()],
        ],
    }));
    blocks.push(Block::Paragraph(
        "欢迎广大干部群众对巡察整改落实情况进行监督。".into(),
    ));
    Document {
        title: "关于十四届市委第十三轮巡察\n整改进展情况的通报".into(),
        doc_number: Some("东府办函〔2021〕461号".into()),
        addressee: Some("各镇人民政府（街道办事处），市府直属各单位".into()),
        blocks,
        issuer: Some("东莞市人民政府办公室".into()),
        date: NaiveDate::from_ymd_opt(2021, 12, 28),
        attachments: vec!["问题清单".into(), "整改任务清单".into()],
        contact: Some("联系人：张三，电话：0769-12345678".into()),
    }
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut parts = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8 part");
        parts.insert(file.name().unwrap().into_owned(), text);
    }
    parts
}

/// Parses a part completely (matching end tags, valid escapes) and returns its text content.
fn well_formed(name: &str, xml: &str) -> String {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Text(t)) => text.push_str(&t.into_inner()),
            Ok(Event::GeneralRef(r)) => {
                let resolved = match &*r.into_inner() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("{name}: unexpected entity {other}"),
                };
                text.push_str(resolved);
            }
            Ok(Event::CData(_)) => panic!("{name}: CDATA is never written"),
            Ok(_) => {}
            Err(e) => panic!(
                "{name} is not well-formed at {}: {e}",
                reader.buffer_position()
            ),
        }
    }
    text
}

#[test]
fn package_has_every_part_and_is_well_formed() {
    let parts = unzip(&docx::write(&sample()).unwrap());
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/styles.xml",
        "word/settings.xml",
        "word/fontTable.xml",
        "word/footer1.xml",
        "word/footer2.xml",
        "word/_rels/document.xml.rels",
        "docProps/core.xml",
        "docProps/app.xml",
    ] {
        let xml = parts.get(name).unwrap_or_else(|| panic!("missing {name}"));
        well_formed(name, xml);
    }
    let types = &parts["[Content_Types].xml"];
    for part in [
        "/word/document.xml",
        "/word/footer1.xml",
        "/word/footer2.xml",
        "/docProps/core.xml",
    ] {
        assert!(
            types.contains(&format!("PartName=\"{part}\"")),
            "{part} has no content type"
        );
    }
    let rels = &parts["word/_rels/document.xml.rels"];
    assert!(rels.contains(r#"Id="rIdFooterOdd""#) && rels.contains(r#"Target="footer1.xml""#));
    assert!(rels.contains(r#"Id="rIdFooterEven""#) && rels.contains(r#"Target="footer2.xml""#));
}

#[test]
fn page_geometry_and_grid_follow_gbt9704() {
    let parts = unzip(&docx::write(&sample()).unwrap());
    let doc = &parts["word/document.xml"];
    assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    assert!(doc.contains(r#"<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#));
    assert!(
        doc.contains(r#"<w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-842"/>"#)
    );
    assert!(doc.contains(r#"<w:footerReference w:type="default" r:id="rIdFooterOdd"/>"#));
    assert!(doc.contains(r#"<w:footerReference w:type="even" r:id="rIdFooterEven"/>"#));
    assert!(parts["word/settings.xml"].contains("<w:evenAndOddHeaders/>"));
}

#[test]
fn fonts_are_named_with_fallbacks() {
    let parts = unzip(&docx::write(&sample()).unwrap());
    let styles = &parts["word/styles.xml"];
    let defaults = &styles[..styles.find("</w:docDefaults>").unwrap()];
    assert!(
        defaults.contains(r#"w:eastAsia="仿宋_GB2312""#),
        "body font"
    );
    assert!(defaults.contains(r#"<w:sz w:val="32"/>"#), "body 3号");
    assert!(
        defaults.contains(r#"w:line="579" w:lineRule="exact""#),
        "28.95 pt lines"
    );
    let style = |id: &str| {
        let start = styles
            .find(&format!(r#"w:styleId="{id}""#))
            .unwrap_or_else(|| panic!("style {id}"));
        &styles[start..start + styles[start..].find("</w:style>").unwrap()]
    };
    assert!(
        style("Title").contains(r#"w:eastAsia="方正小标宋简体""#)
            && style("Title").contains(r#"<w:sz w:val="44"/>"#)
    );
    assert!(style("Title").contains(r#"<w:jc w:val="center"/>"#));
    assert!(style("Heading1").contains(r#"w:eastAsia="黑体""#));
    assert!(style("Heading2").contains(r#"w:eastAsia="楷体_GB2312""#));
    assert!(
        style("Heading3").contains(r#"w:eastAsia="仿宋_GB2312""#)
            && style("Heading3").contains(r#"<w:b w:val="0"/>"#)
    );
    assert!(style("Body").contains(r#"w:firstLineChars="200""#));
    assert!(
        style("Footer").contains(r#"w:eastAsia="宋体""#)
            && style("Footer").contains(r#"<w:sz w:val="28"/>"#)
    );
    let fonts = &parts["word/fontTable.xml"];
    assert!(fonts.contains(r#"<w:font w:name="方正小标宋简体"><w:altName w:val="方正小标宋_GBK,华文中宋,STZhongsong,宋体,SimSun"/>"#));
    assert!(
        fonts.contains(
            r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋,FangSong,STFangsong"/>"#
        )
    );
    assert!(
        fonts.contains(r#"<w:font w:name="楷体_GB2312"><w:altName w:val="楷体,KaiTi,STKaiti"/>"#)
    );
}

#[test]
fn footers_carry_page_fields_at_the_outer_edge() {
    let parts = unzip(&docx::write(&sample()).unwrap());
    for (name, jc, ind, text) in [
        (
            "word/footer1.xml",
            "right",
            r#"<w:ind w:right="280"/>"#,
            "— 1 —",
        ),
        (
            "word/footer2.xml",
            "left",
            r#"<w:ind w:left="280"/>"#,
            "— 2 —",
        ),
    ] {
        let xml = &parts[name];
        assert!(
            xml.contains(r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#),
            "{name}"
        );
        assert!(
            xml.contains(r#"w:fldCharType="begin""#) && xml.contains(r#"w:fldCharType="end""#),
            "{name}"
        );
        assert!(
            xml.contains(&format!(r#"<w:jc w:val="{jc}"/>"#)) && xml.contains(ind),
            "{name}"
        );
        assert_eq!(well_formed(name, xml).replace(" PAGE ", "").trim(), text);
    }
}

#[test]
fn hostile_and_astral_text_survives_intact() {
    let mut doc = sample();
    doc.title = format!("{HOSTILE}{RARE}");
    doc.issuer = Some(HOSTILE.into());
    doc.attachments.push(HOSTILE.into());
    let parts = unzip(&docx::write(&doc).unwrap());
    let document = &parts["word/document.xml"];
    assert!(!document.contains("]]>"), "the > of ]]> is escaped");
    let text = well_formed("word/document.xml", document);
    assert!(text.contains(&format!("{HOSTILE_CLEAN}{RARE}")), "title");
    assert!(text.contains(RARE));
    assert_eq!(
        text.matches(HOSTILE_CLEAN).count(),
        4,
        "title, paragraph, attachment, issuer"
    );
    assert!(text.contains("问题二 <&>"));
    let core = well_formed("docProps/core.xml", &parts["docProps/core.xml"]);
    assert!(core.contains(HOSTILE_CLEAN));
    // No control character reaches any part.
    for (name, xml) in &parts {
        assert!(
            !xml.chars()
                .any(|c| (c < ' ' && c != '\n') || ('\u{7F}'..='\u{9F}').contains(&c)),
            "{name}"
        );
    }
}

#[test]
fn every_low_code_point_and_the_plane_edges_stay_well_formed() {
    let mut all: String = ('\u{0}'..='\u{2FF}').collect();
    all.extend([
        '\u{D7FF}',
        '\u{E000}',
        '\u{FDD0}',
        '\u{FEFF}',
        '\u{FFFD}',
        '\u{FFFE}',
        '\u{FFFF}',
        '\u{10000}',
        '\u{10FFFF}',
    ]);
    let doc = Document {
        title: all.clone(),
        doc_number: Some(all.clone()),
        addressee: Some(all.clone()),
        blocks: vec![
            Block::Heading1(all.clone()),
            Block::Paragraph(all.clone()),
            Block::Table(Table {
                header: vec![all.clone()],
                rows: vec![vec![all.clone(); 3]],
            }),
        ],
        issuer: Some(all.clone()),
        date: None,
        attachments: vec![all.clone()],
        contact: Some(all.clone()),
    };
    for (name, xml) in unzip(&docx::write(&doc).unwrap()) {
        let text = well_formed(&name, &xml);
        assert!(
            !text.contains([
                '\u{0}', '\u{1B}', '\u{7F}', '\u{85}', '\u{FFFE}', '\u{FFFF}'
            ]),
            "{name}"
        );
    }
    let text = docx::to_text(&doc);
    assert!(text.contains("\u{10FFFF}") && !text.contains('\u{0}'));
    assert!(!docx::to_markdown(&doc).contains('\u{FFFF}'));
}

#[test]
fn degenerate_documents_still_write() {
    let empty = Document::default();
    let parts = unzip(&docx::write(&empty).unwrap());
    well_formed("word/document.xml", &parts["word/document.xml"]);
    let only_table = Document {
        blocks: vec![Block::Table(Table {
            header: vec![],
            rows: vec![vec!["x".into()]],
        })],
        ..Document::default()
    };
    let parts = unzip(&docx::write(&only_table).unwrap());
    assert!(parts["word/document.xml"].contains("</w:tbl><w:p/><w:sectPr>"));
    // Same input, same bytes.
    assert_eq!(
        docx::write(&sample()).unwrap(),
        docx::write(&sample()).unwrap()
    );
}

#[test]
fn text_and_markdown_carry_the_same_content() {
    let doc = sample();
    let text = docx::to_text(&doc);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0].trim_start(), "东府办函〔2021〕461号");
    assert!(lines.contains(&"各镇人民政府（街道办事处），市府直属各单位："));
    assert!(lines.contains(&"\u{3000}\u{3000}一、整改工作总体情况"));
    assert!(lines.contains(&"\u{3000}\u{3000}（一）提高政治站位，压实整改责任"));
    assert!(lines.contains(&"\u{3000}\u{3000}1.建立健全制度"));
    assert!(lines.contains(&"\u{3000}\u{3000}二、下一步工作打算"));
    assert!(lines.contains(&"\u{3000}\u{3000}附件：1.问题清单"));
    assert!(lines.contains(&"\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}2.整改任务清单"));
    assert!(lines.contains(&format!("\u{3000}\u{3000}{HOSTILE_CLEAN}").as_str()));
    assert!(lines.contains(&"问题二 <&>\t财务科\t"));
    // Signature: 28 characters a line; issuer 2 from the right, date 3 from the right.
    let issuer = lines
        .iter()
        .find(|l| l.ends_with("东莞市人民政府办公室"))
        .unwrap();
    assert_eq!(
        issuer.chars().filter(|&c| c == '\u{3000}').count(),
        28 - 2 - 10
    );
    let date = lines
        .iter()
        .find(|l| l.ends_with("2021年12月28日"))
        .unwrap();
    assert_eq!(
        date.chars().filter(|&c| c == '\u{3000}').count(),
        28 - 3 - 7
    );
    assert!(lines.contains(&"\u{3000}\u{3000}（联系人：张三，电话：0769-12345678）"));

    let md = docx::to_markdown(&doc);
    assert!(md.contains("# 关于十四届市委第十三轮巡察 整改进展情况的通报\n"));
    assert!(md.contains("\n## 一、整改工作总体情况\n"));
    assert!(md.contains("\n### （一）提高政治站位，压实整改责任\n"));
    assert!(md.contains("\n#### 1\\.建立健全制度\n"));
    assert!(md.contains("危险\\<script\\>\\&amp; \\]\\]\\> \"引号\" 'single' 结束"));
    assert!(md.contains("| 问题 | 责任单位 | 完成时限 |\n| --- | --- | --- |\n| 问题一 | 办公室 | 2022年6月30日 |\n| 问题二 \\<\\&\\> | 财务科 |  |"));
    assert!(md.contains("\n\n2\\.整改任务清单\n\n"));
    assert!(md.contains(RARE));
}

// ---- independent readers -------------------------------------------------------------------

/// Straight to the process's stderr: the test harness captures `eprintln!` of passing tests.
fn loud(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!! {msg} !!!!!!!!\n");
}

/// The tool named by `var`, or `None` after a loud skip (a failure under REQUIRE_ALL).
fn tool(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            let msg = format!("SKIPPED: {what}: set {var} to enable it");
            if std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() == Ok("1") {
                panic!("{msg} (RECTIFY_TEST_REQUIRE_ALL=1)");
            }
            loud(&msg);
            None
        }
    }
}

fn on_path(program: &str, what: &str) -> bool {
    let found = Command::new(program).arg("-v").output().is_ok();
    if !found {
        let msg = format!("SKIPPED: {what}: `{program}` (poppler-utils) is not on PATH");
        if std::env::var("RECTIFY_TEST_REQUIRE_ALL").as_deref() == Ok("1") {
            panic!("{msg} (RECTIFY_TEST_REQUIRE_ALL=1)");
        }
        loud(&msg);
    }
    found
}

fn artifacts() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; humans look in <target>/office-artifacts.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("office-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const PY_READER: &str = r#"
import json, sys
import docx
from docx.oxml.ns import qn
d = docx.Document(sys.argv[1])
s = d.sections[0]
def east_asia(style):
    rpr = d.styles[style].element.rPr
    return rpr.rFonts.get(qn("w:eastAsia")) if rpr is not None and rpr.rFonts is not None else None
print(json.dumps({
    "paragraphs": [p.text for p in d.paragraphs],
    "styles": [p.style.name for p in d.paragraphs],
    "page": [s.page_width, s.page_height],
    "margins": [s.top_margin, s.bottom_margin, s.left_margin, s.right_margin],
    "odd_and_even": d.settings.odd_and_even_pages_header_footer,
    "odd_footer": [p.text for p in s.footer.paragraphs],
    "even_footer": [p.text for p in s.even_page_footer.paragraphs],
    "tables": [[[c.text for c in r.cells] for r in t.rows] for t in d.tables],
    "fonts": {k: east_asia(k) for k in ["Title", "Heading 1", "Heading 2", "Heading 3"]},
    "title": d.core_properties.title,
}, ensure_ascii=False))
"#;

#[test]
fn python_docx_reads_it_back() {
    let Some(python) = tool("RECTIFY_TEST_PYTHON", "python-docx reader") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notice.docx");
    std::fs::write(&path, docx::write(&sample()).unwrap()).unwrap();
    let out = Command::new(&python)
        .arg("-c")
        .arg(PY_READER)
        .arg(&path)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python-docx failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");

    let twips = |emu: &serde_json::Value| emu.as_i64().unwrap() / 635;
    assert_eq!([twips(&v["page"][0]), twips(&v["page"][1])], [11906, 16838]);
    let m: Vec<i64> = v["margins"].as_array().unwrap().iter().map(twips).collect();
    assert_eq!(m, [2098, 1984, 1587, 1474]);
    assert_eq!(v["odd_and_even"], true);
    assert_eq!(v["odd_footer"][0], "— 1 —");
    assert_eq!(v["even_footer"][0], "— 2 —");

    let paragraphs: Vec<&str> = v["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let styles: Vec<&str> = v["styles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(paragraphs[0], "东府办函〔2021〕461号");
    let title = paragraphs
        .iter()
        .position(|p| p.starts_with("关于十四届"))
        .unwrap();
    assert_eq!(
        paragraphs[title],
        "关于十四届市委第十三轮巡察\n整改进展情况的通报"
    );
    assert_eq!(styles[title], "Title");
    let at = |text: &str| {
        paragraphs
            .iter()
            .position(|p| *p == text)
            .unwrap_or_else(|| panic!("no paragraph {text:?}"))
    };
    assert_eq!(styles[at("一、整改工作总体情况")], "Heading 1");
    assert_eq!(styles[at("（一）提高政治站位，压实整改责任")], "Heading 2");
    assert_eq!(styles[at("1.建立健全制度")], "Heading 3");
    assert_eq!(styles[at(HOSTILE_CLEAN)], "Body");
    at(RARE);
    at("附件：1.问题清单");
    at("东莞市人民政府办公室");
    assert_eq!(at("2021年12月28日"), at("东莞市人民政府办公室") + 1);
    at("（联系人：张三，电话：0769-12345678）");
    assert_eq!(
        v["tables"][0][2],
        serde_json::json!(["问题二 <&>", "财务科", ""])
    );
    assert_eq!(
        v["fonts"],
        serde_json::json!({"Title": "方正小标宋简体", "Heading 1": "黑体", "Heading 2": "楷体_GB2312", "Heading 3": "仿宋_GB2312"})
    );
    assert_eq!(v["title"], "关于十四届市委第十三轮巡察 整改进展情况的通报");
}

/// One word of `pdftotext -bbox` output: page index, text, x range and top, in points.
#[derive(Debug)]
struct Word {
    page: usize,
    text: String,
    x_min: f64,
    x_max: f64,
    y_min: f64,
    y_max: f64,
}

fn words(bbox_html: &str) -> Vec<Word> {
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let start = tag.find(&key).unwrap() + key.len();
        tag[start..start + tag[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    let mut out = Vec::new();
    for (page, chunk) in bbox_html.split("<page ").skip(1).enumerate() {
        for piece in chunk.split("<word ").skip(1) {
            let (tag, rest) = piece.split_once('>').unwrap();
            let text = rest.split_once("</word>").unwrap().0;
            out.push(Word {
                page,
                text: text.to_owned(),
                x_min: attr(tag, "xMin"),
                x_max: attr(tag, "xMax"),
                y_min: attr(tag, "yMin"),
                y_max: attr(tag, "yMax"),
            });
        }
    }
    out
}

/// fontconfig aliases for the test render only: the GB fonts are proprietary, so map them to
/// free look-alikes (Ming for 宋/仿宋, Kai for 楷, a sans for 黑) instead of one default sans.
const FONTS_CONF: &str = r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>方正小标宋简体</family><prefer><family>Noto Serif CJK SC</family><family>AR PL UMing CN</family></prefer></alias>
  <alias binding="same"><family>仿宋_GB2312</family><prefer><family>AR PL UMing CN</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>楷体_GB2312</family><prefer><family>AR PL UKai CN</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family><family>WenQuanYi Zen Hei</family></prefer></alias>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family><family>AR PL UMing CN</family></prefer></alias>
</fontconfig>
"#;

/// A page of one-line paragraphs after two probes: 26 characters (a full first line after the
/// two-character indent) and 26 + 28 (exactly two full lines).
fn grid_probe() -> Document {
    let full = "一二三四五六七八九十".repeat(3);
    let mut blocks = vec![
        Block::Paragraph(full[..26 * 3].to_owned()),
        Block::Paragraph(format!("{}{}", &full[..26 * 3], &full[..28 * 3])),
    ];
    for i in 0..40 {
        blocks.push(Block::Paragraph(format!("第{i}行")));
    }
    Document {
        title: "网格".into(),
        blocks,
        ..Document::default()
    }
}

#[test]
fn libreoffice_renders_a_pdf() {
    let Some(soffice) = tool("RECTIFY_TEST_SOFFICE", "LibreOffice PDF rendering") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notice.docx");
    std::fs::write(&input, docx::write(&sample()).unwrap()).unwrap();
    let probe = dir.path().join("grid.docx");
    std::fs::write(&probe, docx::write(&grid_probe()).unwrap()).unwrap();
    let fonts_conf = dir.path().join("fonts.conf");
    std::fs::write(&fonts_conf, FONTS_CONF).unwrap();
    // A private profile and HOME: works as root and beside other soffice runs.
    let profile = dir.path().join("profile");
    let out = Command::new(&soffice)
        .env("HOME", dir.path())
        .env("FONTCONFIG_FILE", &fonts_conf)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&input)
        .arg(&probe)
        .output()
        .expect("run soffice");
    let pdf = dir.path().join("notice.pdf");
    let size = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 1000,
        "no PDF from soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let artifacts = artifacts();
    std::fs::copy(&pdf, artifacts.join("notice.pdf")).unwrap();

    if !on_path("pdftotext", "PDF layout checks") {
        return;
    }
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("595.") && info.contains("841.") || info.contains("(A4)"),
        "A4 page: {info}"
    );

    let bbox = Command::new("pdftotext")
        .arg("-bbox")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let words = words(&String::from_utf8_lossy(&bbox.stdout));
    let pages = words.iter().map(|w| w.page).max().unwrap_or(0) + 1;
    assert!(pages >= 2, "the sample spans two pages, got {pages}");
    // Page numbers below the text block (bottom margin 35 mm = 99.2 pt: text ends at 742.7 pt),
    // odd at the right, even at the left.
    let half = 595.3 / 2.0;
    for page in 0..2 {
        let number = (page + 1).to_string();
        let w = words
            .iter()
            .find(|w| w.page == page && w.text == number && w.y_min > 742.0)
            .unwrap_or_else(|| panic!("no page number on page {}", page + 1));
        if page == 0 {
            assert!(w.x_min > half, "odd page number at the right: {w:?}");
        } else {
            assert!(w.x_max < half, "even page number at the left: {w:?}");
        }
        // The dashes' middle 7 mm (19.8 pt) below the text block: 742.7 + 19.8 = 762.5 pt.
        let dashes: Vec<&Word> = words
            .iter()
            .filter(|d| d.page == page && d.text == "—" && d.y_min > 742.0)
            .collect();
        assert_eq!(dashes.len(), 2, "— {number} —: {dashes:?}");
        let middle = (w.y_min + w.y_max) / 2.0;
        assert!((middle - 762.5).abs() < 3.0, "page number height: {w:?}");
        // One 4号 character (14 pt) in from the text block's outer edge: 521.6 − 14 and 79.4 + 14.
        if page == 0 {
            assert!(
                (dashes[1].x_max - 507.6).abs() < 2.0,
                "odd page number edge: {dashes:?}"
            );
        } else {
            assert!(
                (dashes[0].x_min - 93.4).abs() < 2.0,
                "even page number edge: {dashes:?}"
            );
        }
    }
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("生僻字𠀀与𪚥"),
        "astral characters reach the PDF"
    );

    // The grid: 22 lines in the text block of a full page, 28 characters on a full line.
    let grid = dir.path().join("grid.pdf");
    let bbox = Command::new("pdftotext")
        .arg("-bbox")
        .arg(&grid)
        .arg("-")
        .output()
        .unwrap();
    let words = self::words(&String::from_utf8_lossy(&bbox.stdout));
    let mut tops: Vec<f64> = words
        .iter()
        .filter(|w| w.page == 0 && w.y_min < 742.0)
        .map(|w| w.y_min)
        .collect();
    tops.sort_by(f64::total_cmp);
    tops.dedup_by(|a, b| (*a - *b).abs() < 1.0);
    // Title, the blank line under it, then 20 body lines 28.95 pt apart: 22 lines.
    assert_eq!(tops.len(), 21, "lines on a full page: {tops:?}");
    for pair in tops[1..].windows(2) {
        assert!(
            (pair[1] - pair[0] - 28.95).abs() < 0.5,
            "line pitch: {tops:?}"
        );
    }
    // The next body line would start below the text block (297 − 35 mm = 742.7 pt).
    assert!(tops[20] + 28.95 > 742.0 - 16.0, "page not full: {tops:?}");
    let text = Command::new("pdftotext")
        .arg(&grid)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('一'))
        .collect();
    let widths: Vec<usize> = lines
        .iter()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).count())
        .collect();
    assert_eq!(widths, [26, 26, 28], "characters per line: {lines:?}");

    if on_path("pdftoppm", "PNG rendering for humans") {
        for (file, stem) in [(&pdf, "notice"), (&grid, "grid")] {
            let status = Command::new("pdftoppm")
                .args(["-png", "-r", "70", "-f", "1", "-l", "2"])
                .arg(file)
                .arg(artifacts.join(stem))
                .status()
                .unwrap();
            assert!(status.success());
        }
        eprintln!(
            "rendered {}/notice-1.png, notice-2.png, grid-1.png",
            artifacts.display()
        );
    }
}
