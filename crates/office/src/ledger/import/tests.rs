//! Tests of the ledger reader: messy layouts, encodings, dates, and export → import round trips.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::ledger::{Lang, LedgerSheet, csv_out, xlsx_out};

fn limits() -> Limits {
    Limits::default()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A hand-made messy CSV: a title, a blank line, a group header over sub-headers, synonyms,
/// an unknown column, aspect heading rows, merged-looking blanks, text dates, a subtotal.
const MESSY: &str = "\
某局巡察反馈问题整改台账,,,,,,,,
填报单位: 某局 (盖章),,,,,,,,
,,,,,,,,
序号,存在问题,整改举措,整改类型,责任主体,,,整改时限,联系电话
,,,,责任领导,责任部门,责任人,,
一、党的领导方面,,,,,,,,
1,理论学习不深入,制定学习计划,限期整改,张局长,办公室,王五,2021年12月底,12345
,,建立考勤制度,,张局长,办公室,王五,2022.3.31,
2,议事规则不健全,修订议事规则,,李副局长,法规科,赵六,长期坚持,
二、作风建设方面,,,,,,,,
3,𠀀𪚥 四字节字符问题,立即整改到位,立行立改,李副局长,财务科,钱七,立行立改,
,,另一措施,,,财务科,钱七,下月,
小计,,,,,,,,
,,,,,,,,
";

#[test]
fn a_messy_csv_reads_with_headings_synonyms_and_text_dates() {
    let p = read(MESSY.as_bytes(), Some("台账.csv"), &limits()).unwrap();
    assert_eq!(p.encoding, Some(Encoding::Utf8));
    let s = &p.sheets[0];
    assert_eq!(s.header_rows, vec![4, 5]);
    assert_eq!(s.notes, vec!["联系电话".to_string()]);
    assert!(s.columns.contains(&(Column::Unit, "责任部门".into())));
    assert_eq!(p.rows.len(), 4, "{:#?}", p.problems);
    let r0 = &p.rows[0];
    assert_eq!(r0.row, 7);
    assert_eq!(r0.ledger.problem_no, 1);
    assert_eq!(r0.ledger.aspect, "一、党的领导方面");
    assert_eq!(r0.ledger.problem, "理论学习不深入");
    assert_eq!(r0.ledger.deadline, Deadline::Date(date(2021, 12, 31)));
    assert_eq!(r0.ledger.unit.as_deref(), Some("办公室"));
    assert_eq!(r0.ledger.remarks.as_deref(), Some("联系电话: 12345"));
    // The continuation row belongs to problem 1.
    let r1 = &p.rows[1];
    assert_eq!(
        (r1.ledger.problem_no, r1.ledger.problem.as_str()),
        (1, "理论学习不深入")
    );
    assert_eq!(r1.ledger.deadline, Deadline::Date(date(2022, 3, 31)));
    let r2 = &p.rows[2];
    assert_eq!(r2.ledger.kind, MeasureKind::Ongoing);
    assert!(!r2.kind_given);
    assert_eq!(r2.ledger.deadline, Deadline::Ongoing);
    let r3 = &p.rows[3];
    assert_eq!(r3.ledger.aspect, "二、作风建设方面");
    assert_eq!(r3.ledger.problem, "𠀀𪚥 四字节字符问题");
    assert_eq!(r3.ledger.kind, MeasureKind::Immediate);
    // The one problem, named by row and column as the user sees them.
    assert_eq!(p.problems.len(), 1);
    assert_eq!(
        p.problems[0].to_string(),
        "第12行 整改时限: 无法识别 '下月'"
    );
    assert_eq!(p.problems[0].code, "invalid_deadline");
}

#[test]
fn gbk_gb18030_and_bom_read_the_same() {
    let utf8 = read(MESSY.as_bytes(), Some("a.csv"), &limits()).unwrap();
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(MESSY);
    assert!(!unmappable);
    let g = read(&gb, Some("a.csv"), &limits()).unwrap();
    assert_eq!(g.encoding, Some(Encoding::Gb18030));
    assert_eq!(g.rows, utf8.rows);
    let plain = MESSY.replace("𠀀𪚥 ", "");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&plain);
    assert!(!unmappable);
    let k = read(&gbk, Some("a.csv"), &limits()).unwrap();
    assert_eq!(k.rows[3].ledger.problem, "四字节字符问题");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(MESSY.as_bytes());
    let b = read(&bom, Some("a.csv"), &limits()).unwrap();
    assert_eq!(b.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(b.rows, utf8.rows);
    // A GBK file with one broken byte: refused with its line, nothing read.
    let mut broken = gbk.to_vec();
    let at = broken.len() - 10;
    broken.insert(at, 0xFF);
    match read(&broken, Some("a.csv"), &limits()) {
        Err(ImportError::Encoding { line, .. }) => assert!(line >= 13, "{line}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_header_is_a_clear_refusal() {
    let e = read("a,b\n1,2\n".as_bytes(), Some("x.csv"), &limits()).unwrap_err();
    assert_eq!(e, ImportError::NoHeader);
    assert!(e.to_string().contains("表头"));
}

#[test]
fn subtotals_blanks_and_missing_cells() {
    let csv = "问题,整改措施,完成时限\n问题甲,措施一,2022-01-01\n合计,2,\n,,\n问题乙,,2022-01-01\n总计,,\n";
    let p = read(csv.as_bytes(), Some("x.csv"), &limits()).unwrap();
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].ledger.problem_no, 1);
    assert_eq!(p.rows[0].ledger.aspect, DEFAULT_ASPECT);
    assert_eq!(p.sheets[0].skipped, 2);
    assert_eq!(p.problems.len(), 1);
    assert_eq!(p.problems[0].to_string(), "第5行 整改措施: 为空");
}

#[test]
fn a_bad_problem_title_or_aspect_is_reported_on_every_row_of_its_block() {
    // The title is checked once per problem block; each of the block's rows still carries it.
    let long = "长".repeat(rectify_core::text::TITLE_MAX + 1);
    let csv = format!(
        "序号,方面,问题,整改措施\n1,作风\u{7}方面,{long},措施一\n,,,措施二\n2,组织方面,问题乙,措施三\n"
    );
    let p = read(csv.as_bytes(), Some("x.csv"), &limits()).unwrap();
    assert_eq!(p.rows.len(), 1, "only the good block's row is read");
    assert_eq!(p.rows[0].ledger.measure, "措施三");
    let found: Vec<(u32, String, String)> = p
        .problems
        .iter()
        .map(|e| (e.row, e.column.clone().unwrap_or_default(), e.code.clone()))
        .collect();
    for row in [2, 3] {
        assert!(
            found.contains(&(row, "问题".into(), "too_long".into())),
            "row {row}: {found:?}"
        );
        assert!(
            found.contains(&(row, "方面".into(), "control_character".into())),
            "row {row}: {found:?}"
        );
    }
    assert!(found.iter().all(|(row, ..)| *row != 4), "{found:?}");
}

#[test]
fn problem_numbers_in_many_spellings() {
    assert_eq!(problem_no(&Value::Text("（3）".into())), Some(3));
    assert_eq!(problem_no(&Value::Text("12.".into())), Some(12));
    assert_eq!(problem_no(&Value::Number(7.0)), Some(7));
    assert_eq!(problem_no(&Value::Text("二十三".into())), Some(23));
    assert_eq!(problem_no(&Value::Text("十".into())), Some(10));
    assert_eq!(problem_no(&Value::Text("甲".into())), None);
}

/// An xlsx as offices make them: a title, merged problem cells, a two-row header with a merged
/// group header, date cells, a serial number, and an instructions sheet without a header.
fn messy_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("整改台账").unwrap();
    let f = Format::new();
    let df = Format::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 7, "某局整改台账", &f).unwrap();
    for (c, h) in ["序号", "方面", "问题表现", "整改措施"].iter().enumerate() {
        ws.merge_range(1, c as u16, 2, c as u16, h, &f).unwrap();
    }
    ws.merge_range(1, 4, 1, 5, "责任主体", &f).unwrap();
    ws.write(2, 4, "牵头单位").unwrap();
    ws.write(2, 5, "责任人").unwrap();
    ws.merge_range(1, 6, 2, 6, "完成时间", &f).unwrap();
    ws.merge_range(1, 7, 2, 7, "备注", &f).unwrap();
    // Problem 1 over rows 4-5 (0-based 3-4), problem 2 on row 6.
    ws.merge_range(3, 0, 4, 0, "", &f).unwrap();
    ws.write_number(3, 0, 1).unwrap();
    ws.merge_range(3, 1, 5, 1, "党的建设方面", &f).unwrap();
    ws.merge_range(3, 2, 4, 2, "党建工作薄弱", &f).unwrap();
    ws.write(3, 3, "措施一").unwrap();
    ws.write(4, 3, "措施二").unwrap();
    ws.write(3, 4, "组织科").unwrap();
    ws.write(4, 4, "宣传科").unwrap();
    ws.write_datetime_with_format(3, 6, ExcelDateTime::from_ymd(2022, 6, 30).unwrap(), &df)
        .unwrap();
    ws.write_number(4, 6, 44926.0).unwrap(); // 2022-12-31 as a bare serial
    ws.write_number(5, 0, 2).unwrap();
    ws.write(5, 2, "制度执行不严").unwrap();
    ws.write(5, 3, "修订制度").unwrap();
    ws.write(5, 6, "2022年9月底").unwrap();
    ws.write(5, 7, "已印发").unwrap();
    ws.write(6, 0, "合计").unwrap();
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes.write(0, 0, "请按要求填写").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_messy_xlsx_reads_merged_cells_and_two_header_rows() {
    let p = read(&messy_xlsx(), Some("台账.xlsx"), &limits()).unwrap();
    assert_eq!(p.ignored_sheets, vec!["填表说明".to_string()]);
    assert!(p.problems.is_empty(), "{:#?}", p.problems);
    let rows: Vec<_> = p
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                r.ledger.problem_no,
                r.ledger.aspect.as_str(),
                r.ledger.problem.as_str(),
                r.ledger.measure.as_str(),
                r.ledger.unit.as_deref(),
                r.ledger.deadline,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                4,
                1,
                "党的建设方面",
                "党建工作薄弱",
                "措施一",
                Some("组织科"),
                Deadline::Date(date(2022, 6, 30))
            ),
            (
                5,
                1,
                "党的建设方面",
                "党建工作薄弱",
                "措施二",
                Some("宣传科"),
                Deadline::Date(date(2022, 12, 31))
            ),
            (
                6,
                2,
                "党的建设方面",
                "制度执行不严",
                "修订制度",
                None,
                Deadline::Date(date(2022, 9, 30))
            ),
        ]
    );
    assert_eq!(p.rows[2].ledger.remarks.as_deref(), Some("已印发"));
    assert_eq!(p.sheets[0].header_rows, vec![2, 3]);
}

#[test]
fn a_bomb_and_a_wrong_file_are_refused_before_parsing() {
    use crate::zipguard::bombs;
    let e = read(&bombs::huge_ratio(64 << 20), Some("a.xlsx"), &limits()).unwrap_err();
    assert_eq!(e.code(), "compression_ratio");
    let e = read(b"not a zip", Some("a.xlsx"), &limits()).unwrap_err();
    assert_eq!(e.code(), "wrong_magic");
    let x = messy_xlsx();
    let e = read(&x[..x.len() - 100], Some("a.xlsx"), &limits()).unwrap_err();
    assert_eq!(e.code(), "truncated");
    let e = read(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], Some("a.xls"), &limits()).unwrap_err();
    assert_eq!(e, ImportError::OldXls);
}

#[test]
fn a_cell_far_away_costs_nothing() {
    // One cell at XFD1048576 next to a normal ledger: a dense reader would allocate 17 G cells.
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "问题").unwrap();
    ws.write(0, 1, "整改措施").unwrap();
    ws.write(1, 0, "甲").unwrap();
    ws.write(1, 1, "乙").unwrap();
    ws.write(1_048_575, 16_383, "x").unwrap();
    let p = read(&wb.save_to_buffer().unwrap(), None, &limits()).unwrap();
    assert_eq!(p.rows.len(), 1);
}

// ---- export → import round trip ----

fn text_strategy() -> impl Strategy<Value = String> {
    // CJK, a 4-byte character, ASCII; no surrounding blanks (cells are trimmed), never a
    // subtotal word at the start.
    proptest::string::string_regex("[整改落实制度学习𠀀𪚥a-z0-9][整改落实制度学习𠀀𪚥a-z0-9 ,\"]{0,20}[整改落实制度学习𠀀𪚥a-z0-9]")
        .unwrap()
}

fn opt_name() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(proptest::string::string_regex("[张王李赵办公室组织科]{1,6}").unwrap())
}

fn deadline_strategy() -> impl Strategy<Value = Deadline> {
    prop_oneof![
        (0u32..3000)
            .prop_map(|d| Deadline::Date(date(2021, 1, 1) + chrono::Days::new(u64::from(d)))),
        Just(Deadline::Ongoing),
        Just(Deadline::Immediate),
        Just(Deadline::None),
    ]
}

fn row_strategy() -> impl Strategy<Value = LedgerRow> {
    (
        text_strategy(),
        prop::sample::select(MeasureKind::ALL.to_vec()),
        opt_name(),
        opt_name(),
        opt_name(),
        deadline_strategy(),
        proptest::option::of(text_strategy()),
        prop::sample::select(MeasureState::ALL.to_vec()),
        0u32..20,
        proptest::option::of(text_strategy()),
    )
        .prop_map(
            |(measure, kind, leader, unit, owner, deadline, progress, state, evidence, remarks)| {
                LedgerRow {
                    problem_no: 0,
                    aspect: String::new(),
                    problem: String::new(),
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
                }
            },
        )
}

/// Problems (aspect index, title, measures) numbered in order, as the exporter lays them out.
fn sheet_strategy() -> impl Strategy<Value = Vec<LedgerRow>> {
    prop::collection::vec(
        (
            0usize..3,
            text_strategy(),
            prop::collection::vec(row_strategy(), 1..4),
        ),
        1..6,
    )
    .prop_map(|mut problems| {
        problems.sort_by_key(|p| p.0);
        let mut out = Vec::new();
        for (no, (a, title, rows)) in problems.into_iter().enumerate() {
            for mut r in rows {
                r.problem_no = no as u32 + 1;
                r.aspect = format!("第{}方面", ["一", "二", "三"][a]);
                r.problem = title.clone();
                out.push(r);
            }
        }
        out
    })
}

fn back(p: &ParsedLedger) -> Vec<LedgerRow> {
    p.rows.iter().map(|r| r.ledger.clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn export_then_import_gives_back_the_ledger(rows in sheet_strategy()) {
        let sheet = LedgerSheet { title: "某局整改台账".into(), date: date(2022, 3, 1), rows: rows.clone() };
        let xlsx = xlsx_out::write(&sheet, Lang::Zh).unwrap();
        let p = read(&xlsx, Some("out.xlsx"), &limits()).unwrap();
        prop_assert!(p.problems.is_empty(), "{:#?}", p.problems);
        prop_assert_eq!(back(&p), rows.clone());

        let mut w = csv_out::CsvWriter::new(Vec::new(), Lang::Zh).unwrap();
        for r in &rows {
            w.write_row(r).unwrap();
        }
        let csv = w.finish().unwrap();
        let p = read(&csv, Some("out.csv"), &limits()).unwrap();
        prop_assert_eq!(p.encoding, Some(Encoding::Utf8Bom));
        prop_assert!(p.problems.is_empty(), "{:#?}", p.problems);
        prop_assert_eq!(back(&p), rows.clone());

        // English headers read back too.
        let en = xlsx_out::write(&sheet, Lang::En).unwrap();
        let p = read(&en, Some("out.xlsx"), &limits()).unwrap();
        prop_assert!(p.problems.is_empty(), "{:#?}", p.problems);
        prop_assert_eq!(back(&p), rows);
    }
}

/// A workbook of several sheets that tests where the streamed reading holds and lets go of
/// rows: the header as low as it may be (row 15, its sub-header on row 16), a sheet whose
/// header is too low to count, a sheet with no rows, and numbering carried across sheets.
fn sheets_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let f = Format::new();
    let low = wb.add_worksheet();
    low.set_name("低表头").unwrap();
    low.write(0, 0, "说明：本表自第15行起").unwrap();
    for (c, h) in ["序号", "问题", "整改措施"].iter().enumerate() {
        low.write(14, c as u16, *h).unwrap();
    }
    low.merge_range(14, 3, 14, 4, "责任主体", &f).unwrap();
    low.write(15, 3, "责任单位").unwrap();
    low.write(15, 4, "责任人").unwrap();
    for r in 0..40u32 {
        let row = 16 + r;
        if r % 4 == 0 {
            low.merge_range(row, 0, row + 3, 0, "", &f).unwrap();
            low.write_number(row, 0, f64::from(r / 4 + 1)).unwrap();
            low.merge_range(row, 1, row + 3, 1, &format!("问题{}", r / 4 + 1), &f)
                .unwrap();
        }
        low.write(row, 2, format!("措施{r}")).unwrap();
        low.write(row, 3, "办公室").unwrap();
    }
    let too_low = wb.add_worksheet();
    too_low.set_name("太低").unwrap();
    for (c, h) in ["序号", "问题", "整改措施"].iter().enumerate() {
        too_low.write(16, c as u16, *h).unwrap();
    }
    too_low.write(17, 2, "不读").unwrap();
    wb.add_worksheet().set_name("空表").unwrap();
    let next = wb.add_worksheet();
    next.set_name("续表").unwrap();
    for (c, h) in ["问题", "整改措施"].iter().enumerate() {
        next.write(0, c as u16, *h).unwrap();
    }
    next.write(1, 0, "问题续").unwrap();
    next.write(1, 1, "措施续").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_read_row_by_row_reads_as_one_read_whole() {
    for (name, bytes) in [("messy", messy_xlsx()), ("sheets", sheets_xlsx())] {
        let streamed = read_xlsx_streamed(&bytes, &limits()).unwrap().unwrap();
        let whole = read_grids(&source::xlsx(&bytes, &limits()).unwrap(), None);
        assert_eq!(streamed, whole, "{name}");
    }
    let p = read(&sheets_xlsx(), Some("台账.xlsx"), &limits()).unwrap();
    assert!(p.problems.is_empty(), "{:#?}", p.problems);
    assert_eq!(p.ignored_sheets, ["太低", "空表"]);
    assert_eq!(p.sheets[0].header_rows, [15, 16]);
    assert_eq!(p.rows.len(), 41);
    assert_eq!(p.rows[0].row, 17);
    assert_eq!(p.rows[39].ledger.problem, "问题10");
    assert_eq!(p.rows[39].ledger.unit.as_deref(), Some("办公室"));
    // The next sheet's problem numbers on from the last.
    assert_eq!((p.rows[40].ledger.problem_no, p.rows[40].row), (11, 2));
}

/// `xlsx` with the worksheet's XML changed by `edit`.
fn with_sheet_xml(xlsx: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut zout = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            data = edit(std::str::from_utf8(&data).unwrap()).into_bytes();
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&data).unwrap();
    }
    zout.finish().unwrap().into_inner()
}

#[test]
fn rows_out_of_order_are_read_whole() {
    // The sheet's last two measure rows swapped in the XML (rows 5 and 6, numbered as before).
    let messy = messy_xlsx();
    let swapped = with_sheet_xml(&messy, |xml| {
        let at = |r: u32| xml.find(&format!("<row r=\"{r}\"")).unwrap();
        let (five, six, seven) = (at(5), at(6), at(7));
        format!(
            "{}{}{}{}",
            &xml[..five],
            &xml[six..seven],
            &xml[five..six],
            &xml[seven..]
        )
    });
    assert_ne!(swapped, messy);
    assert_eq!(read_xlsx_streamed(&swapped, &limits()).unwrap(), None);
    let p = read(&swapped, Some("台账.xlsx"), &limits()).unwrap();
    assert_eq!(p, read(&messy, Some("台账.xlsx"), &limits()).unwrap());
}
