//! Bad input and property tests: never a panic, a clear error or a partial result, and
//! invariants that hold for any input. Case count: `PROPTEST_CASES` (default 48 here).

use proptest::prelude::*;

use crate::*;

const SEED: &str = include_str!("../testdata/dongguan-2021-12-28.txt");

fn is_iso_day(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// What must hold for every notice, whatever the input.
fn invariants(n: &Notice, input_has_replacement: bool) {
    assert_eq!(n.counts.aspects, n.aspects.len());
    assert_eq!(
        n.counts.problems,
        n.aspects.iter().map(|a| a.problems.len()).sum::<usize>()
    );
    assert_eq!(
        n.counts.measures,
        n.aspects
            .iter()
            .flat_map(|a| &a.problems)
            .map(|p| p.measures.len())
            .sum::<usize>()
    );
    for d in &n.dates {
        match (&d.date, &d.from, &d.to) {
            (Some(x), None, None) => {
                assert!(
                    is_iso_day(x) || (x.len() == 7 && d.precision == Precision::Month),
                    "{d:?}"
                )
            }
            (None, Some(a), Some(b)) => {
                assert!(is_iso_day(a) && is_iso_day(b) && a <= b, "{d:?}")
            }
            _ => panic!("date mention without a value: {d:?}"),
        }
    }
    if let Some(p) = &n.published {
        assert!(is_iso_day(p));
        // Inferred years never land after publication (parts of a year excepted).
        for d in n
            .dates
            .iter()
            .filter(|d| d.year_inferred && d.precision != Precision::Year)
        {
            let first = d.date.as_deref().or(d.from.as_deref()).unwrap_or_default();
            assert!(first[..7] <= p[..7], "{d:?} after {p}");
        }
    }
    for w in &n.warnings {
        assert!(w.line.is_none_or(|l| l >= 1), "{w:?}");
    }
    let json = serde_json::to_string(n).expect("serialises");
    if !input_has_replacement {
        assert!(!json.contains('\u{FFFD}'));
    }
    let back: Notice = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(&back, n);
    let tree = render_tree(n);
    assert!(!tree.is_empty());
    // No terminal escapes or other control characters besides line breaks.
    assert!(
        !tree.chars().any(|c| c.is_control() && c != '\n'),
        "{tree:?}"
    );
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

/// Edits of the seed: delete, duplicate or truncate a line, swap punctuation, insert text.
fn mutate(ops: &[(u8, usize, String)]) -> String {
    let mut lines: Vec<String> = SEED.lines().map(str::to_string).collect();
    for (op, at, s) in ops {
        if lines.is_empty() {
            lines.push(s.clone());
            continue;
        }
        let i = at % lines.len();
        match op % 6 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let swapped: String = lines[i]
                    .chars()
                    .map(|c| match c {
                        ',' => '，',
                        '，' => ',',
                        '(' => '（',
                        ')' => '）',
                        '。' => '.',
                        ':' => '：',
                        '、' => '.',
                        c => c,
                    })
                    .collect();
                lines[i] = swapped;
            }
            3 => {
                let keep = at % (lines[i].chars().count() + 1);
                lines[i] = lines[i].chars().take(keep).collect();
            }
            4 => lines.insert(i, s.clone()),
            _ => {
                let l = lines.remove(i);
                let j = (at / 7) % (lines.len() + 1);
                lines.insert(j, l);
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        invariants(&parse_text(&s), s.contains('\u{FFFD}'));
    }

    #[test]
    fn notice_like_text_never_panics(
        s in proptest::string::string_regex(
            "([一二三(（)）1-9.、，,。:：;第方面问题针对关于的整改是年月日至底旬上中下今号〔〕《》个项%\n ]|一是|二是|2021年|12月|28日|巡察组|进行了巡察|反馈){0,80}"
        ).expect("valid strategy")
    ) {
        invariants(&parse_text(&s), false);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(n) = parse_bytes(&b, None) {
            invariants(&n, false);
        }
    }

    #[test]
    fn seed_mutations_keep_invariants(
        ops in proptest::collection::vec((any::<u8>(), any::<usize>(), ".{0,20}"), 0..12)
    ) {
        let text = mutate(&ops);
        let n = parse_text(&text);
        invariants(&n, text.contains('\u{FFFD}'));
        // Removing or duplicating lines can move problems, never invent more than there
        // are problem headings in the text.
        let headings = text.lines().filter(|l| l.contains("针对")).count();
        prop_assert!(n.counts.problems <= headings.max(1) + text.lines().count());
    }
}

#[test]
fn seed_mutations_examples() {
    // Deleting every 第N方面 line leaves the problems in one implicit aspect.
    let text: String = SEED
        .lines()
        .filter(|l| !l.starts_with('第'))
        .collect::<Vec<_>>()
        .join("\n");
    let n = parse_text(&text);
    invariants(&n, false);
    assert_eq!(n.counts.problems, 20, "{}", render_tree(&n));
    // Duplicating a measure line adds exactly one measure.
    let dup = SEED.replacen(
        "4.进一步加强对下属机关党委的监管。",
        "4.进一步加强对下属机关党委的监管。\n4.进一步加强对下属机关党委的监管。",
        1,
    );
    assert_eq!(parse_text(&dup).counts.measures, 51);
}

#[test]
fn bad_inputs_give_clear_errors() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty input"),
        ("whitespace", b"  \r\n\n\t".to_vec(), "empty input"),
        ("binary", vec![0u8, 1, 2, 3, 255, 0, 17, 0], "binary file"),
        (
            "png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "PNG image",
        ),
        ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3".to_vec(), "PDF"),
        (
            "legacy doc",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0".to_vec(),
            ".doc",
        ),
        (
            "latin-1 garbage",
            b"caf\xe9 \xff\xfe\xfd".to_vec(),
            "cannot decode",
        ),
        (
            "zip without document",
            crate::docx::tests::zip_with(&[("a.txt", b"x")]),
            "word/document.xml",
        ),
        (
            "html chrome only",
            b"<html><head><title>t</title></head><body><script>x</script></body></html>".to_vec(),
            "empty input",
        ),
    ];
    for (name, bytes, want) in cases {
        match parse_bytes(&bytes, Some("upload.bin")) {
            Ok(n) => panic!("{name}: parsed {n:?}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(want), "{name}: {msg}");
                assert!(msg.contains("upload.bin"), "{name}: {msg}");
            }
        }
    }
}

#[test]
fn wrong_encoding_is_refused_not_mangled() {
    // Shift_JIS Japanese is neither UTF-8 nor plausible GB18030 text.
    let (sjis, _, _) = encoding_rs::SHIFT_JIS
        .encode("巡察の結果について、ご報告いたします。ありがとうございました。");
    match parse_bytes(&sjis, None) {
        Err(ParseError::Undecodable { .. }) => {}
        Ok(n) => assert!(!serde_json::to_string(&n).unwrap().contains('\u{FFFD}')),
        Err(e) => panic!("unexpected {e}"),
    }
    // Half a GBK character at the end: a clear error with the offset.
    let (mut gbk, _, _) = encoding_rs::GBK.encode("整改通报");
    gbk.to_mut().push(0xD5);
    let e = parse_bytes(&gbk, None).unwrap_err();
    assert!(matches!(e, ParseError::Undecodable { .. }), "{e}");
}

#[test]
fn fifty_megabytes_is_too_large() {
    let big = vec![b'a'; 50 * 1000 * 1000];
    let e = parse_bytes(&big, Some("big.txt")).unwrap_err();
    assert_eq!(
        e,
        ParseError::TooLarge {
            size: 50_000_000,
            limit: MAX_INPUT_BYTES,
            file: Some("big.txt".into())
        }
    );
}

#[test]
fn docx_with_too_many_entries_is_refused() {
    let names: Vec<String> = (0..=MAX_DOCX_ENTRIES).map(|i| format!("x/{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let z = crate::docx::tests::zip_with(&entries);
    let e = parse_bytes(&z, Some("bomb.docx")).unwrap_err();
    assert!(e.to_string().contains("zip entries"), "{e}");
}

#[test]
fn truncated_and_malformed_docx() {
    let d = crate::docx::tests::build_docx(&[
        "中共某某党组关于巡察整改进展情况的通报",
        "一、针对某某的问题",
        "1.已整改。",
    ]);
    assert!(parse_bytes(&d[..d.len() - 30], None).is_err());
    // Malformed XML after some paragraphs: partial result with a warning.
    let xml = "<w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>关于整改的通报</w:t></w:r></w:p><w:p><w:r><w:t>正文。</w:t></w:r></w:p><w:p></w:document>";
    let z = crate::docx::tests::zip_with(&[("word/document.xml", xml.as_bytes())]);
    let n = parse_bytes(&z, None).unwrap();
    assert_eq!(n.title.as_deref(), Some("关于整改的通报"));
    assert!(
        n.warnings.iter().any(|w| w.code == "docx"),
        "{:?}",
        n.warnings
    );
}

#[test]
fn pathological_inputs_stay_linear() {
    // Long lines of markers, brackets, dates and list markers: must finish quickly even
    // in a debug build.
    let inputs = [
        "一是".repeat(20_000),
        "<a \"".repeat(20_000),
        "《".repeat(50_000),
        "12月".repeat(20_000),
        "2021年3月1日至".repeat(10_000),
        "(一)针对问题\n".repeat(5_000),
        "&#".repeat(30_000),
        (0..20_000)
            .map(|i| {
                format!(
                    "清退{i}元，问责{i}人，东府〔2021〕{i}号，电话0769-{:08}；",
                    i
                )
            })
            .collect(),
        (0..5_000)
            .map(|i| format!("{i}月{i}日、{i}日至{i}日 "))
            .collect(),
    ];
    let start = std::time::Instant::now();
    for s in &inputs {
        let n = parse_text(s);
        invariants(&n, false);
        let _ = parse_bytes(s.as_bytes(), Some("x.html"));
    }
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}
