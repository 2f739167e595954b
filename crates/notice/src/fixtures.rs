//! Fixture tests: the seed notice against its hand-read `.expect.json`, and our own short
//! fixtures for the variants real notices show, all checked by one data-driven `check`.

use serde_json::Value;

use crate::*;

const SEED: &str = include_str!("../testdata/dongguan-2021-12-28.txt");
const SEED_EXPECT: &str = include_str!("../testdata/dongguan-2021-12-28.expect.json");

/// Fixtures: (input file, bytes, expectation).
const FIXTURES: &[(&str, &[u8], &str)] = &[
    (
        "fullwidth-aspects.txt",
        include_bytes!("../testdata/fullwidth-aspects.txt"),
        include_str!("../testdata/fullwidth-aspects.expect.json"),
    ),
    (
        "no-aspect-runin.txt",
        include_bytes!("../testdata/no-aspect-runin.txt"),
        include_str!("../testdata/no-aspect-runin.expect.json"),
    ),
    (
        "topic-labels.txt",
        include_bytes!("../testdata/topic-labels.txt"),
        include_str!("../testdata/topic-labels.expect.json"),
    ),
    (
        "html-page.html",
        include_bytes!("../testdata/html-page.html"),
        include_str!("../testdata/html-page.expect.json"),
    ),
    (
        "garbled-chrome.txt",
        include_bytes!("../testdata/garbled-chrome.txt"),
        include_str!("../testdata/garbled-chrome.expect.json"),
    ),
    (
        "provincial-stats.txt",
        include_bytes!("../testdata/provincial-stats.txt"),
        include_str!("../testdata/provincial-stats.expect.json"),
    ),
];

fn eq(errs: &mut Vec<String>, what: &str, got: Option<&str>, want: Option<&str>) {
    if got != want {
        errs.push(format!("{what}: got {got:?}, want {want:?}"));
    }
}

fn opt_str(v: &Value) -> Option<&str> {
    v.as_str()
}

fn all_days(n: &Notice) -> Vec<(&str, Vec<&str>)> {
    n.dates
        .iter()
        .map(|d| {
            let vals = [&d.date, &d.from, &d.to]
                .into_iter()
                .filter_map(|x| x.as_deref())
                .collect();
            (d.text.as_str(), vals)
        })
        .collect()
}

/// Compares every key present in `expect` (the seed's expect.json schema, plus a few
/// keys of our own fixtures) with the parsed notice; returns all differences.
fn check(n: &Notice, expect: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    for (key, got) in [
        ("title", n.title.as_deref()),
        ("issuer", n.issuer.as_deref()),
        ("published", n.published.as_deref()),
    ] {
        if let Some(w) = expect.get(key) {
            eq(&mut errs, key, got, opt_str(w));
        }
    }
    if let Some(ins) = expect.get("inspection") {
        let i = &n.inspection;
        for (key, got) in [
            ("team", i.team.as_deref()),
            ("inspected", i.inspected.as_deref()),
            ("from", i.from.as_deref()),
            ("to", i.to.as_deref()),
            ("feedback", i.feedback.as_deref()),
            ("round", i.round.as_deref()),
        ] {
            if let Some(w) = ins.get(key) {
                eq(&mut errs, &format!("inspection.{key}"), got, opt_str(w));
            }
        }
    }
    for (key, got) in [
        ("aspect_count", n.counts.aspects),
        ("problem_count", n.counts.problems),
        ("measure_count", n.counts.measures),
    ] {
        if let Some(w) = expect.get(key).and_then(Value::as_u64)
            && got as u64 != w
        {
            errs.push(format!("{key}: got {got}, want {w}"));
        }
    }
    if let Some(aspects) = expect.get("aspects").and_then(Value::as_array) {
        if aspects.len() != n.aspects.len() {
            errs.push(format!(
                "aspects: got {}, want {}",
                n.aspects.len(),
                aspects.len()
            ));
        }
        for (i, (wa, ga)) in aspects.iter().zip(&n.aspects).enumerate() {
            if let Some(m) = wa.get("marker") {
                eq(
                    &mut errs,
                    &format!("aspect {i} marker"),
                    ga.marker.as_deref(),
                    opt_str(m),
                );
            }
            if let Some(t) = wa.get("title") {
                eq(
                    &mut errs,
                    &format!("aspect {i} title"),
                    Some(&ga.title),
                    opt_str(t),
                );
            }
            let wps = wa
                .get("problems")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if wps.len() != ga.problems.len() {
                errs.push(format!(
                    "aspect {i} problems: got {:?}, want {}",
                    ga.problems.iter().map(|p| &p.title).collect::<Vec<_>>(),
                    wps.len()
                ));
            }
            for (j, (wp, gp)) in wps.iter().zip(&ga.problems).enumerate() {
                let at = format!("aspect {i} problem {j}");
                if let Some(t) = wp.get("title") {
                    eq(
                        &mut errs,
                        &format!("{at} title"),
                        Some(&gp.title),
                        opt_str(t),
                    );
                }
                if let Some(m) = wp.get("measures").and_then(Value::as_u64)
                    && gp.measures.len() as u64 != m
                {
                    errs.push(format!(
                        "{at} measures: got {}, want {m}",
                        gp.measures.len()
                    ));
                }
                if let Some(ch) = wp.get("children").and_then(Value::as_array) {
                    let got: Vec<u64> = gp
                        .measures
                        .iter()
                        .map(|m| m.children.len() as u64)
                        .collect();
                    let want: Vec<u64> = ch.iter().filter_map(Value::as_u64).collect();
                    if got != want {
                        errs.push(format!("{at} children: got {got:?}, want {want:?}"));
                    }
                }
                if let Some(ts) = wp.get("measure_texts").and_then(Value::as_array) {
                    let got: Vec<&str> = gp.measures.iter().map(|m| m.text.as_str()).collect();
                    let want: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
                    if got != want {
                        errs.push(format!("{at} measure texts: got {got:?}, want {want:?}"));
                    }
                }
            }
        }
    }
    if let Some(secs) = expect.get("sections").and_then(Value::as_array) {
        let got: Vec<(String, String, usize)> = n
            .sections
            .iter()
            .map(|s| {
                let role = serde_json::to_value(s.role)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string));
                (s.title.clone(), role.unwrap_or_default(), s.items.len())
            })
            .collect();
        let want: Vec<(String, String, usize)> = secs
            .iter()
            .map(|s| {
                (
                    s["title"].as_str().unwrap_or_default().to_string(),
                    s["role"].as_str().unwrap_or_default().to_string(),
                    s["items"].as_u64().unwrap_or_default() as usize,
                )
            })
            .collect();
        if got != want {
            errs.push(format!("sections: got {got:?}, want {want:?}"));
        }
    }
    if let Some(docs) = expect.get("doc_numbers").and_then(Value::as_array) {
        let got: Vec<&str> = n.doc_numbers.iter().map(|d| d.text.as_str()).collect();
        let want: Vec<&str> = docs.iter().filter_map(Value::as_str).collect();
        if got != want {
            errs.push(format!("doc_numbers: got {got:?}, want {want:?}"));
        }
    }
    let days = all_days(n);
    // Exact days: a mention with that text and date, or a range containing it as an end.
    if let Some(ds) = expect.get("dates").and_then(Value::as_object) {
        for (text, iso) in ds {
            let iso = iso.as_str().unwrap_or_default();
            let found = days
                .iter()
                .any(|(t, vals)| (*t == text || t.contains(text.as_str())) && vals.contains(&iso));
            if !found {
                errs.push(format!("date {text} = {iso} not found in {days:?}"));
            }
        }
    }
    // Fuzzy dates: "YYYY-MM (…)" → a mention with that text whose value starts with YYYY-MM
    // (and, for "(end)", ends on the month's last part); lists → one mention per day.
    if let Some(ds) = expect.get("fuzzy_dates").and_then(Value::as_object) {
        for (text, want) in ds {
            match want {
                Value::Array(list) => {
                    for iso in list.iter().filter_map(Value::as_str) {
                        if !days.iter().any(|(_, vals)| vals.contains(&iso))
                            || !days.iter().any(|(t, _)| text.contains(*t))
                        {
                            errs.push(format!("list date {text} → {iso} not found"));
                        }
                    }
                }
                _ => {
                    let w = want.as_str().unwrap_or_default();
                    let month = &w[..w.len().min(7)];
                    let found = n.dates.iter().any(|d| {
                        let first = d.date.as_deref().or(d.from.as_deref()).unwrap_or_default();
                        let last = d.date.as_deref().or(d.to.as_deref()).unwrap_or_default();
                        let part_ok = if w.contains("(end)") {
                            last.starts_with(month) && last.len() == 10 && &last[8..] >= "28"
                        } else if w.contains("(start)") {
                            first.ends_with("-01")
                        } else if w.contains("(middle") {
                            first.ends_with("-11")
                        } else {
                            d.precision == Precision::Month
                        };
                        d.text == *text && first.starts_with(month) && part_ok
                    });
                    if !found {
                        errs.push(format!("fuzzy date {text} = {w} not found in {days:?}"));
                    }
                }
            }
        }
    }
    if let Some(nd) = expect.get("not_dates").and_then(Value::as_array) {
        for t in nd.iter().filter_map(Value::as_str) {
            if let Some(d) = n
                .dates
                .iter()
                .find(|d| t.contains(&d.text) || d.text.contains(t))
            {
                errs.push(format!("{t} read as a date: {d:?}"));
            }
        }
    }
    if let Some(c) = expect.get("contacts") {
        for (key, got) in [
            ("phone", &n.contacts.phones),
            ("email", &n.contacts.emails),
            ("postcode", &n.contacts.postcodes),
        ] {
            if let Some(w) = c.get(key).and_then(Value::as_str)
                && !got.iter().any(|g| g == w)
            {
                errs.push(format!("contacts.{key}: {w} not in {got:?}"));
            }
        }
    }
    let json = serde_json::to_string(n).unwrap_or_default();
    for key in ["no_contacts", "absent_text"] {
        for t in expect
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = t.as_str()
                && json.contains(t)
            {
                errs.push(format!("{key}: {t:?} should not be in the output"));
            }
        }
    }
    if let Some(st) = expect.get("stats") {
        let got = serde_json::to_value(&n.stats).unwrap_or_default();
        for (k, w) in st.as_object().into_iter().flatten() {
            let g = &got[k];
            let same = match (g.as_f64(), w.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => g == w,
            };
            if !same {
                errs.push(format!("stats.{k}: got {g}, want {w}"));
            }
        }
    }
    if let Some(ws) = expect.get("warnings").and_then(Value::as_array) {
        let mut got: Vec<&str> = n.warnings.iter().map(|w| w.code.as_str()).collect();
        let mut want: Vec<&str> = ws.iter().filter_map(Value::as_str).collect();
        got.sort_unstable();
        want.sort_unstable();
        if got != want {
            errs.push(format!("warnings: got {:?}, want {want:?}", n.warnings));
        }
    }
    errs
}

fn assert_check(name: &str, n: &Notice, expect: &str) {
    let expect: Value = serde_json::from_str(expect).expect("expect.json parses");
    let errs = check(n, &expect);
    assert!(
        errs.is_empty(),
        "{name}: {} differences:\n{}\n\n{}",
        errs.len(),
        errs.join("\n"),
        render_tree(n)
    );
}

#[test]
fn seed_matches_its_expect_json() {
    let n = parse_text(SEED);
    assert_check("seed", &n, SEED_EXPECT);
    // Every day in the seed resolves to 2021; no warning on a clean notice.
    for d in &n.dates {
        for v in [&d.date, &d.from, &d.to].into_iter().flatten() {
            assert!(v.starts_with("2021-"), "{d:?}");
        }
    }
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    // The organisation section's counted figures (领导小组下设7个…, 6次党组会, 4次, 2次).
    let expect: Value = serde_json::from_str(SEED_EXPECT).unwrap();
    for (key, word) in [
        ("responsibility_groups", "整改责任组"),
        ("party_group_meetings", "党组会"),
        ("liaison_meetings", "联络员会议"),
        ("special_reports", "专题汇报"),
    ] {
        let want = expect["organisation"][key].as_f64().unwrap();
        assert!(
            n.quantities
                .iter()
                .any(|q| q.value == want && q.context.contains(word)),
            "{key}: no {want} near {word}"
        );
    }
    // Page chrome after the signature is not read: its second address stays out.
    assert_eq!(
        n.contacts.addresses,
        ["东莞市南城街道鸿福路99号市行政办事中心市府办"]
    );
    assert_eq!(n.sections.len(), 3);
    assert_eq!(n.sections[0].role, SectionRole::Organisation);
    assert_eq!(n.sections[1].role, SectionRole::Problems);
    assert_eq!(n.sections[2].role, SectionRole::NextSteps);
}

#[test]
fn seed_through_bytes_is_the_same() {
    let from_text = parse_text(SEED);
    let from_bytes = parse_bytes(SEED.as_bytes(), Some("dongguan.txt")).unwrap();
    assert_eq!(from_text, from_bytes);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(SEED.as_bytes());
    let n = parse_bytes(&bom, None).unwrap();
    assert_eq!(n.source.encoding, "utf-8-bom");
    assert_eq!(n.aspects, from_text.aspects);
}

#[test]
fn own_fixtures() {
    for (name, bytes, expect) in FIXTURES {
        let n = parse_bytes(bytes, Some(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_check(name, &n, expect);
    }
}

#[test]
fn html_fixture_is_detected_without_a_hint() {
    let (_, bytes, expect) = FIXTURES[3];
    let n = parse_bytes(bytes, None).unwrap();
    assert_eq!(n.source.kind, InputKind::Html);
    assert_check("html without hint", &n, expect);
}

#[test]
fn gbk_and_gb18030_files() {
    let (name, bytes, expect) = FIXTURES[1];
    let text = std::str::from_utf8(bytes).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let n = parse_bytes(&gbk, Some(name)).unwrap();
    assert_eq!(n.source.encoding, "gbk");
    assert_check("gbk", &n, expect);

    // A name outside GBK (𠀾, a four-byte GB18030 sequence) must survive intact.
    let text18030 = text.replace("河源市某某区教育局党组关于", "河源市某某区教育局党组关于𠀾");
    let (b, _, unmappable) = encoding_rs::GB18030.encode(&text18030);
    assert!(!unmappable);
    let n = parse_bytes(&b, Some(name)).unwrap();
    assert_eq!(n.source.encoding, "gb18030");
    assert!(n.title.as_deref().unwrap().contains('𠀾'));
    assert_eq!(n.counts, parse_text(text).counts);
    assert!(!serde_json::to_string(&n).unwrap().contains('\u{FFFD}'));
}

#[test]
fn docx_built_in_the_test() {
    let (name, bytes, expect) = FIXTURES[0];
    let text = std::str::from_utf8(bytes).unwrap();
    let paras: Vec<&str> = text.lines().collect();
    let docx = crate::docx::tests::build_docx(&paras);
    let n = parse_bytes(&docx, Some("notice.docx")).unwrap();
    assert_eq!(n.source.kind, InputKind::Docx);
    assert_check(&format!("{name} as docx"), &n, expect);
}

#[test]
fn no_structure_is_a_partial_result() {
    let n = parse_bytes(include_bytes!("../testdata/no-structure.txt"), None).unwrap();
    assert!(n.aspects.is_empty());
    assert_eq!(n.title.as_deref(), Some("关于整改工作的情况说明"));
    let codes: Vec<&str> = n.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["no_structure"]);
}

#[test]
fn half_width_and_full_width_copies_agree() {
    // Web copies turn ,():; into ASCII; the tree must not change.
    let full: String = SEED
        .chars()
        .map(|c| match c {
            ',' => '，',
            '(' => '（',
            ')' => '）',
            ':' => '：',
            ';' => '；',
            c => c,
        })
        .collect();
    let a = parse_text(SEED);
    let b = parse_text(&full);
    assert_eq!(a.counts, b.counts);
    let titles = |n: &Notice| -> Vec<String> {
        n.aspects
            .iter()
            .flat_map(|a| a.problems.iter().map(|p| p.title.clone()))
            .collect()
    };
    assert_eq!(titles(&a), titles(&b));
    assert_eq!(a.inspection.team, b.inspection.team);
    assert_eq!(a.inspection.feedback, b.inspection.feedback);
}

#[test]
fn json_round_trips_and_tree_reads_well() {
    let n = parse_text(SEED);
    let json = serde_json::to_string_pretty(&n).unwrap();
    let back: Notice = serde_json::from_str(&json).unwrap();
    assert_eq!(back, n);
    // Stable field names.
    let v: Value = serde_json::from_str(&json).unwrap();
    for key in [
        "title",
        "issuer",
        "published",
        "source",
        "inspection",
        "aspects",
        "sections",
        "counts",
        "dates",
        "doc_numbers",
        "titles",
        "quantities",
        "contacts",
        "stats",
        "warnings",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["stats"]["completion_rate"], Value::Null);
    assert_eq!(v["quantities"][0]["value"], serde_json::json!(7));
    let tree = render_tree(&n);
    assert!(
        tree.contains("问题树  5 个方面 · 20 个问题 · 50 项措施"),
        "{tree}"
    );
    assert!(tree.contains("├── 第一方面问题 党的领导方面仍需加强  (3 个问题, 10 项措施)"));
    assert!(tree.contains("│   ├── (一) 针对党组发挥领导作用不够充分的问题  (4 项措施)"));
    assert!(tree.contains("巡察组      市委第一巡察组"));
}

#[test]
fn aspect_keyword_with_plain_problem_headings() {
    let n = parse_text(
        "中共某某局党组关于巡察整改进展情况的通报\n\
         第一方面问题，党的领导弱化。\n（一）党组发挥领导作用不充分\n1.严格执行议事规则。\n2.加强学习。\n\
         （二）制度建设滞后\n修订完善制度5项。\n\
         第二方面问题，基层党建薄弱。\n（一）组织生活不规范\n一是规范三会一课；二是开展专项检查。\n\
         截至2022年1月5日完成。\n中共某某局党组\n2022年1月10日",
    );
    let shape: Vec<(String, Vec<(String, usize)>)> = n
        .aspects
        .iter()
        .map(|a| {
            (
                a.title.clone(),
                a.problems
                    .iter()
                    .map(|p| (p.title.clone(), p.measures.len()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                "党的领导弱化".to_string(),
                vec![
                    ("党组发挥领导作用不充分".to_string(), 2),
                    ("制度建设滞后".to_string(), 1)
                ]
            ),
            (
                "基层党建薄弱".to_string(),
                vec![("组织生活不规范".to_string(), 2)]
            )
        ]
    );
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(n.published.as_deref(), Some("2022-01-10"));
}

#[test]
fn notice_that_lost_its_line_breaks() {
    // Every paragraph of the seed's problem part run together on one line.
    let start = SEED.find("第一方面问题").unwrap();
    let end = SEED.find("三、下一步工作计划").unwrap();
    let one_line: String = SEED[start..end].lines().collect::<Vec<_>>().join("");
    let text = format!("{}{one_line}\n{}", &SEED[..start], &SEED[end..]);
    let n = parse_text(&text);
    assert_eq!(n.counts.aspects, 5, "{}", render_tree(&n));
    assert!(n.counts.problems >= 15, "{}", render_tree(&n));
}

#[test]
fn gbk_html_page() {
    let (name, bytes, expect) = FIXTURES[3];
    let html = std::str::from_utf8(bytes)
        .unwrap()
        .replace("charset=\"utf-8\"", "charset=\"gb2312\"");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&html);
    assert!(!unmappable);
    let n = parse_bytes(&gbk, Some(name)).unwrap();
    assert_eq!(
        (n.source.kind, n.source.encoding.as_str()),
        (InputKind::Html, "gbk")
    );
    assert_check("gbk html", &n, expect);
}
