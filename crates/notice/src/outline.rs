//! The problem tree. Headings are first nested by marker kind (the same marker means a
//! sibling, a new marker a child), then given meaning by keywords and structure: a group of
//! siblings most of whose titles read as problems (针对…的问题, 关于“…”问题的整改, …的整改进展
//! 情况) is the problem level; its parents are aspects when they read as aspects (第N方面问题,
//! 在“…”方面) or come several together; measures are the problems' numbered children, else
//! their 一是/二是 items, else their paragraphs.

use std::sync::LazyLock;

use regex::Regex;

use crate::layout::Line;
use crate::model::{Aspect, Item, Problem, Section, SectionRole, Warning};

/// Kinds of heading marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 一、
    CnDun,
    /// (一)
    CnParen,
    /// 1.  1、
    ArDot,
    /// (1)
    ArParen,
    /// ①
    Circled,
    /// 第一方面问题
    AspectKw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    Aspect,
    Problem,
    Section,
    None,
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    marker: String,
    line: usize,
    title: String,
    /// Text after the title sentence on the heading line.
    runin: Option<String>,
    /// Everything after the marker on the heading line.
    full: String,
    body: Vec<Line>,
    children: Vec<Node>,
    kw: Kw,
    /// The children are the problem level.
    children_pg: bool,
    /// Some group below is the problem level.
    subtree_pg: bool,
}

static ASPECT_KW_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(第[一二三四五六七八九十\d]{1,3}方面(?:存在的问题|的问题|问题)?)\s*[,，、:：.．。]?\s*",
    )
    .expect("aspect regex")
});
static CN_DUN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]{1,3}\s*[、.．])\s*").expect("regex"));
static CN_PAREN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([(（]\s*[一二三四五六七八九十]{1,3}\s*[)）])\s*[、.．]?\s*").expect("regex")
});
static AR_PAREN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([(（]\s*\d{1,2}\s*[)）])\s*[、.．]?\s*").expect("regex"));
static AR_DOT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2}\s*[.．、])\s*").expect("regex"));
static CIRCLED_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([①-⑳])\s*").expect("regex"));

static ASPECT_TAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[”’\x22]?(?:存在的|的)?(?:问题)?(?:的)?(?:整改(?:进展|落实|工作)?(?:情况)?)?$")
        .expect("regex")
});
static PROBLEM_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:针对|关于)[^。]*问题|问题的?整改(?:进展|落实|工作)?(?:情况)?$|的问题$|^关于[^。]*的?整改(?:进展|落实)?情况$",
    )
    .expect("regex")
});
static SECTION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"下一步|工作计划|工作打算|今后|组织领导|组织落实|站位|压实|主体责任|加强领导|统筹|总体情况|基本情况|整体情况|总体进展|成效|主要做法|工作开展|整改工作(?:的)?(?:开展|推进|落实)|长效机制|巩固|举措|部署",
    )
    .expect("regex")
});
static NEXT_STEPS_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"下一步|计划|打算|今后|巩固|长效").expect("regex"));
static ORGANISATION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"组织|领导|站位|压实|责任|部署|统筹|做法|工作开展|举措").expect("regex")
});

const ORDINALS: [&str; 20] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
    "十五", "十六", "十七", "十八", "十九", "二十",
];

struct Head {
    kind: Kind,
    marker: String,
    rest: String,
}

fn parse_marker(s: &str) -> Option<Head> {
    let table: [(&Regex, Kind); 6] = [
        (&ASPECT_KW_RE, Kind::AspectKw),
        (&CN_PAREN_RE, Kind::CnParen),
        (&AR_PAREN_RE, Kind::ArParen),
        (&CN_DUN_RE, Kind::CnDun),
        (&AR_DOT_RE, Kind::ArDot),
        (&CIRCLED_RE, Kind::Circled),
    ];
    for (re, kind) in table {
        if let Some(c) = re.captures(s) {
            let whole = c.get(0)?;
            let marker = c.get(1)?.as_str().trim().to_string();
            let rest = &s[whole.end()..];
            // 1.5万元 is a number, not a marker (but 2.12月5日召开… is item 2 starting
            // with a date); a marker alone on a line is no heading.
            if kind == Kind::ArDot && rest.starts_with(|c: char| c.is_ascii_digit()) {
                let after_digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                if !after_digits.starts_with(['月', '年']) || whole.as_str().contains('、') {
                    return None;
                }
            }
            if rest.trim().is_empty() && kind != Kind::AspectKw {
                return None;
            }
            return Some(Head {
                kind,
                marker,
                rest: rest.trim().to_string(),
            });
        }
    }
    None
}

/// Splits a heading into its title sentence and the text run into it.
fn split_head(rest: &str) -> (String, Option<String>) {
    let cut = rest
        .char_indices()
        .take(120)
        .find(|(_, c)| matches!(c, '。' | '：' | ':' | '；' | ';'));
    let (title, runin) = match cut {
        Some((p, c)) => (&rest[..p], rest[p + c.len_utf8()..].trim()),
        None => (rest, ""),
    };
    let title = title
        .trim_end_matches(['，', ',', '、', ' '])
        .trim()
        .to_string();
    (title, (!runin.is_empty()).then(|| runin.to_string()))
}

fn is_aspect_title(t: &str) -> bool {
    if t.chars().count() > 60 {
        return false;
    }
    t.rfind("方面")
        .is_some_and(|p| ASPECT_TAIL_RE.is_match(&t[p + "方面".len()..]))
}

fn is_problem_title(t: &str, has_runin: bool) -> bool {
    PROBLEM_RE.is_match(t) || (!has_runin && t.ends_with("问题") && t.chars().count() <= 30)
}

fn classify(kind: Kind, title: &str, has_runin: bool) -> Kw {
    if kind == Kind::AspectKw || is_aspect_title(title) {
        Kw::Aspect
    } else if is_problem_title(title, has_runin) {
        Kw::Problem
    } else if SECTION_RE.is_match(title) {
        Kw::Section
    } else {
        Kw::None
    }
}

fn section_role(title: &str) -> SectionRole {
    if NEXT_STEPS_RE.is_match(title) {
        SectionRole::NextSteps
    } else if ORGANISATION_RE.is_match(title) {
        SectionRole::Organisation
    } else {
        SectionRole::Other
    }
}

/// The result of reading the body.
pub(crate) struct Tree {
    pub aspects: Vec<Aspect>,
    pub sections: Vec<Section>,
    /// Paragraphs before the first heading (the opening formula).
    pub preamble: Vec<Line>,
}

pub(crate) fn build(body: &[Line], warnings: &mut Vec<Warning>) -> Tree {
    let mut preamble = Vec::new();
    let mut roots: Vec<Node> = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let split = split_run_together(body);
    for l in split.iter() {
        let Some(h) = parse_marker(&l.text) else {
            match stack.last_mut() {
                Some(n) => n.body.push(l.clone()),
                None => preamble.push(l.clone()),
            }
            continue;
        };
        if let Some(i) = stack.iter().position(|n| n.kind == h.kind) {
            while stack.len() > i {
                pop(&mut stack, &mut roots);
            }
        } else if h.kind == Kind::AspectKw {
            // 第N方面 nests only under a 一、 heading.
            while stack.last().is_some_and(|n| n.kind != Kind::CnDun) {
                pop(&mut stack, &mut roots);
            }
        }
        let (title, runin) = split_head(&h.rest);
        let kw = classify(h.kind, &title, runin.is_some());
        stack.push(Node {
            kind: h.kind,
            marker: h.marker,
            line: l.no,
            title,
            runin,
            full: h.rest,
            body: Vec::new(),
            children: Vec::new(),
            kw,
            children_pg: false,
            subtree_pg: false,
        });
    }
    while !stack.is_empty() {
        pop(&mut stack, &mut roots);
    }
    for n in &mut roots {
        analyze(n);
    }
    let mut out = Out::default();
    assemble_group(roots, true, &mut out, warnings);
    for a in &out.aspects {
        for p in &a.problems {
            if p.measures.is_empty() {
                warnings.push(Warning::new(
                    "problem_without_measures",
                    Some(p.line),
                    format!(
                        "line {}: no measures found under problem “{}”",
                        p.line, p.title
                    ),
                ));
            }
        }
    }
    Tree {
        aspects: out.aspects,
        sections: out.sections,
        preamble,
    }
}

/// Lines longer than this may hold several paragraphs that lost their line breaks.
const RUN_TOGETHER_CHARS: usize = 400;

static RUN_IN_HEADING_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[。；;]\s*(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十]{1,3}方面)")
        .expect("regex")
});

/// Splits very long lines before 一、 / (一) / 第N方面 that follow a sentence end: copies
/// that lost their line breaks still show their headings.
fn split_run_together(body: &[Line]) -> std::borrow::Cow<'_, [Line]> {
    if !body.iter().any(|l| l.text.len() > RUN_TOGETHER_CHARS * 3) {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    for l in body {
        if l.text.len() <= RUN_TOGETHER_CHARS * 3 {
            out.push(l.clone());
            continue;
        }
        let mut start = 0;
        for m in RUN_IN_HEADING_RE.find_iter(&l.text) {
            // Cut after the sentence end.
            let cut = m.start() + l.text[m.start()..].chars().next().map_or(1, char::len_utf8);
            let piece = l.text[start..cut].trim();
            if !piece.is_empty() {
                out.push(Line {
                    no: l.no,
                    text: piece.to_string(),
                });
            }
            start = cut;
        }
        let piece = l.text[start..].trim();
        if !piece.is_empty() {
            out.push(Line {
                no: l.no,
                text: piece.to_string(),
            });
        }
    }
    std::borrow::Cow::Owned(out)
}

fn pop(stack: &mut Vec<Node>, roots: &mut Vec<Node>) {
    if let Some(n) = stack.pop() {
        match stack.last_mut() {
            Some(p) => p.children.push(n),
            None => roots.push(n),
        }
    }
}

/// Most siblings read as problems.
fn majority_problems(group: &[Node]) -> bool {
    let p = group.iter().filter(|n| n.kw == Kw::Problem).count();
    p >= 1 && 2 * p >= group.len()
}

/// A group is the problem level when most of it reads as problems and no member holds a
/// problem level itself (then the group is one of aspects with problem-like titles).
fn is_problem_group(group: &[Node]) -> bool {
    majority_problems(group) && !group.iter().any(|n| n.children_pg)
}

fn analyze(n: &mut Node) {
    for c in &mut n.children {
        analyze(c);
    }
    n.children_pg = is_problem_group(&n.children);
    n.subtree_pg = n.children_pg || n.children.iter().any(|c| c.subtree_pg);
}

#[derive(Default)]
struct Out {
    aspects: Vec<Aspect>,
    sections: Vec<Section>,
    /// Index in `aspects` of the implicit aspect (no aspect level).
    implicit: Option<usize>,
}

impl Out {
    fn implicit_problem(&mut self, p: Problem) {
        let i = *self.implicit.get_or_insert_with(|| {
            self.aspects.push(Aspect::default());
            self.aspects.len() - 1
        });
        if let Some(a) = self.aspects.get_mut(i) {
            a.problems.push(p);
        }
    }
}

fn assemble_group(group: Vec<Node>, top: bool, out: &mut Out, warnings: &mut Vec<Warning>) {
    if is_problem_group(&group) {
        for n in group {
            if n.kw == Kw::Section && top {
                out.sections.push(section(n, None));
            } else {
                out.implicit_problem(problem(n));
            }
        }
        return;
    }
    let parents = group.iter().filter(|n| n.children_pg).count();
    for n in group {
        if n.children_pg {
            let aspect = n.kw == Kw::Aspect || (n.kw != Kw::Section && (parents >= 2 || !top));
            if aspect {
                out.aspects.push(Aspect {
                    marker: Some(n.marker),
                    title: n.title,
                    line: n.line,
                    problems: n.children.into_iter().map(problem).collect(),
                });
            } else {
                let children = n.children;
                out.sections.push(Section {
                    marker: Some(n.marker),
                    title: n.title,
                    role: SectionRole::Problems,
                    line: n.line,
                    items: Vec::new(),
                });
                for c in children {
                    out.implicit_problem(problem(c));
                }
            }
        } else if n.subtree_pg {
            let children = std::mem::take(&mut { n.children });
            if top {
                out.sections.push(Section {
                    marker: Some(n.marker),
                    title: n.title,
                    role: SectionRole::Problems,
                    line: n.line,
                    items: Vec::new(),
                });
            }
            assemble_group(children, false, out, warnings);
        } else if n.kw == Kw::Aspect && headings_only(&n.children) {
            // 第一方面问题 → (一)党组发挥领导作用不够充分 → 1.…: the aspect's sub-headings
            // are its problems even without problem keywords.
            out.aspects.push(Aspect {
                marker: Some(n.marker),
                title: n.title,
                line: n.line,
                problems: n.children.into_iter().map(problem).collect(),
            });
        } else if n.kw == Kw::Aspect {
            warnings.push(Warning::new(
                "aspect_without_problems",
                Some(n.line),
                format!(
                    "line {}: aspect “{}” has no problem headings; its content is read as one problem",
                    n.line, n.title
                ),
            ));
            let marker = Some(n.marker.clone());
            let (title, line) = (n.title.clone(), n.line);
            let mut p = problem(n);
            p.marker = None;
            out.aspects.push(Aspect {
                marker,
                title,
                line,
                problems: vec![p],
            });
        } else {
            let role = (n.kw == Kw::Section || top).then(|| section_role(&n.title));
            out.sections.push(section(n, role));
        }
    }
}

/// Sub-headings that stand alone on their line and hold content below them read as
/// headings of problems, not as measures (which carry their text on the same line).
fn headings_only(children: &[Node]) -> bool {
    let headings = children
        .iter()
        .filter(|c| c.runin.is_none() && (!c.children.is_empty() || !c.body.is_empty()))
        .count();
    headings >= 1 && 2 * headings > children.len()
}

fn section(mut n: Node, role: Option<SectionRole>) -> Section {
    let role = role.unwrap_or_else(|| section_role(&n.title));
    let paras = take_paragraphs(&mut n);
    let mut items = Vec::new();
    if n.children.is_empty() {
        let (intro, measures) = measures_from_paragraphs(&paras);
        if let Some(i) = intro {
            items.push(Item {
                marker: None,
                text: i,
                line: n.line,
                children: Vec::new(),
            });
        }
        items.extend(measures);
    } else {
        items.extend(paras.into_iter().map(|(line, text)| Item {
            marker: None,
            text,
            line,
            children: Vec::new(),
        }));
        items.extend(n.children.into_iter().map(item));
    }
    Section {
        marker: Some(n.marker),
        title: n.title,
        role,
        line: n.line,
        items,
    }
}

/// Moves out the run-in text of a heading and its following paragraphs.
fn take_paragraphs(n: &mut Node) -> Vec<(usize, String)> {
    let mut v = Vec::with_capacity(n.body.len() + 1);
    if let Some(r) = n.runin.take() {
        v.push((n.line, r));
    }
    v.extend(
        std::mem::take(&mut n.body)
            .into_iter()
            .map(|l| (l.no, l.text)),
    );
    v
}

fn problem(mut n: Node) -> Problem {
    let paras = take_paragraphs(&mut n);
    let (intro, measures) = if n.children.is_empty() {
        measures_from_paragraphs(&paras)
    } else {
        let intro = paras
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        (
            (!intro.is_empty()).then_some(intro),
            n.children.into_iter().map(item).collect(),
        )
    };
    Problem {
        marker: Some(n.marker),
        title: n.title,
        line: n.line,
        intro,
        measures,
    }
}

/// Measures of a problem without numbered children: its 一是/二是 items (a topic label
/// with its list counts as one measure), else one measure per paragraph.
fn measures_from_paragraphs(paras: &[(usize, String)]) -> (Option<String>, Vec<Item>) {
    let splits: Vec<_> = paras.iter().map(|(_, t)| split_list(t)).collect();
    let any_list = splits.iter().any(|s| !s.items.is_empty());
    let mut intro: Vec<String> = Vec::new();
    let mut measures: Vec<Item> = Vec::new();
    for ((line, text), split) in paras.iter().zip(splits) {
        if split.items.is_empty() {
            if !any_list {
                measures.push(leaf(None, text.clone(), *line));
            } else if let Some(last) = measures.last_mut() {
                last.text.push('\n');
                last.text.push_str(text);
            } else {
                intro.push(text.clone());
            }
            continue;
        }
        let items = list_items(&split, *line);
        let (pre, topic) = split_topic(split.lead);
        if !pre.is_empty() {
            intro.push(pre.to_string());
        }
        match topic {
            Some(t) => measures.push(Item {
                marker: None,
                text: t.to_string(),
                line: *line,
                children: items,
            }),
            None => measures.extend(items),
        }
    }
    let intro = intro.join("\n");
    ((!intro.is_empty()).then_some(intro), measures)
}

fn leaf(marker: Option<String>, text: String, line: usize) -> Item {
    Item {
        marker,
        text,
        line,
        children: Vec::new(),
    }
}

/// A numbered item: its lead text, then 一是/二是 lists (under topic labels where given),
/// later paragraphs, then numbered sub-items.
fn item(mut n: Node) -> Item {
    let mut paras = vec![(n.line, std::mem::take(&mut n.full))];
    paras.extend(
        std::mem::take(&mut n.body)
            .into_iter()
            .map(|l| (l.no, l.text)),
    );
    let mut text = String::new();
    let mut children = Vec::new();
    for (k, (line, p)) in paras.into_iter().enumerate() {
        let split = split_list(&p);
        if split.items.is_empty() {
            if k == 0 {
                text = p;
            } else {
                children.push(leaf(None, p, line));
            }
            continue;
        }
        let items = list_items(&split, line);
        let (pre, topic) = split_topic(split.lead);
        if k == 0 {
            text = pre.to_string();
        } else if !pre.is_empty() {
            children.push(leaf(None, pre.to_string(), line));
        }
        match topic {
            Some(t) => children.push(Item {
                marker: None,
                text: t.to_string(),
                line,
                children: items,
            }),
            None => children.extend(items),
        }
    }
    children.extend(n.children.into_iter().map(item));
    Item {
        marker: Some(n.marker),
        text,
        line: n.line,
        children,
    }
}

pub(crate) struct ListSplit<'a> {
    pub lead: &'a str,
    /// (marker, text)
    pub items: Vec<(&'static str, &'a str)>,
}

const LIST_MARKERS: [&str; 20] = [
    "一是",
    "二是",
    "三是",
    "四是",
    "五是",
    "六是",
    "七是",
    "八是",
    "九是",
    "十是",
    "十一是",
    "十二是",
    "十三是",
    "十四是",
    "十五是",
    "十六是",
    "十七是",
    "十八是",
    "十九是",
    "二十是",
];

fn at_boundary(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|c| {
        matches!(
            c,
            '。' | '；'
                | ';'
                | '，'
                | ','
                | '：'
                | ':'
                | '！'
                | '？'
                | '）'
                | ')'
                | '”'
                | '"'
                | ' '
                | '\t'
                | '、'
        )
    })
}

fn find_marker(text: &str, marker: &str, from: usize) -> Option<usize> {
    text[from..]
        .match_indices(marker)
        .map(|(p, _)| from + p)
        .find(|&p| at_boundary(text, p))
}

/// Splits `一是…二是…三是…` (at least two, in order, each after punctuation) from a paragraph.
pub(crate) fn split_list(text: &str) -> ListSplit<'_> {
    debug_assert_eq!(ORDINALS.len(), LIST_MARKERS.len());
    let none = ListSplit {
        lead: text,
        items: Vec::new(),
    };
    let Some(first) = find_marker(text, LIST_MARKERS[0], 0) else {
        return none;
    };
    let mut starts = vec![(first, LIST_MARKERS[0])];
    for m in &LIST_MARKERS[1..] {
        let from = starts.last().map_or(0, |(p, mk)| p + mk.len());
        match find_marker(text, m, from) {
            Some(p) => starts.push((p, m)),
            None => break,
        }
    }
    if starts.len() < 2 {
        return none;
    }
    let mut items = Vec::with_capacity(starts.len());
    for (i, (p, m)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |(q, _)| *q);
        let body = text[p + m.len()..end]
            .trim()
            .trim_end_matches(['；', ';', '，', ',']);
        items.push((*m, body));
    }
    ListSplit {
        lead: text[..first].trim(),
        items,
    }
}

fn list_items(split: &ListSplit<'_>, line: usize) -> Vec<Item> {
    split
        .items
        .iter()
        .map(|(m, t)| leaf(Some((*m).to_string()), (*t).to_string(), line))
        .collect()
}

/// Splits a list's lead into text before a topic label and the label (`…方面:` or a short
/// `…:`), e.g. `进一步严抓督查工作。硬任务督查督办方面:` → (`进一步严抓督查工作。`, `硬任务督查督办方面`).
fn split_topic(lead: &str) -> (&str, Option<&str>) {
    let lead = lead.trim();
    let start = lead
        .char_indices()
        .rfind(|(_, c)| matches!(c, '。' | '；' | ';'))
        .map_or(0, |(p, c)| p + c.len_utf8());
    let last = lead[start..].trim();
    let label = last.trim_end_matches(['：', ':', '，', ',', ' ']);
    let ends_colon = last.ends_with(['：', ':']);
    let n = label.chars().count();
    let is_topic = n >= 2 && ((label.ends_with("方面") && n <= 40) || (ends_colon && n <= 20));
    if is_topic {
        (lead[..start].trim(), Some(label))
    } else {
        (lead, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let cases = [
            (
                "一、切实提高站位",
                Some((Kind::CnDun, "一、", "切实提高站位")),
            ),
            (
                "(一)以上率下。",
                Some((Kind::CnParen, "(一)", "以上率下。")),
            ),
            ("（十二）针对", Some((Kind::CnParen, "（十二）", "针对"))),
            ("1.严格按照", Some((Kind::ArDot, "1.", "严格按照"))),
            ("12、进一步", Some((Kind::ArDot, "12、", "进一步"))),
            ("（3）加强", Some((Kind::ArParen, "（3）", "加强"))),
            ("②规范", Some((Kind::Circled, "②", "规范"))),
            (
                "第一方面问题,党的领导方面仍需加强。",
                Some((Kind::AspectKw, "第一方面问题", "党的领导方面仍需加强。")),
            ),
            ("1.5万元已退回", None),
            ("2.12月5日召开", Some((Kind::ArDot, "2.", "12月5日召开"))),
            ("2021年3月", None),
            ("一是强化", None),
            ("1.", None),
        ];
        for (s, want) in cases {
            let got = parse_marker(s).map(|h| (h.kind, h.marker, h.rest));
            let want = want.map(|(k, m, r)| (k, m.to_string(), r.to_string()));
            assert_eq!(got, want, "{s}");
        }
    }

    #[test]
    fn keywords() {
        let cases = [
            ("针对党组发挥领导作用不够充分的问题", false, Kw::Problem),
            ("关于“理论学习不深入”问题的整改", false, Kw::Problem),
            (
                "关于“三重一大”制度执行不到位的整改进展情况",
                false,
                Kw::Problem,
            ),
            ("选人用人不规范问题", false, Kw::Problem),
            ("严格按照要求讨论和决定部分重大问题", true, Kw::None),
            ("在“两个维护”方面", false, Kw::Aspect),
            ("关于“党的领导弱化”方面问题的整改情况", false, Kw::Aspect),
            ("党的建设方面存在的问题", false, Kw::Aspect),
            ("下一步工作计划", false, Kw::Section),
            ("以上率下层层压实责任", true, Kw::Section),
            ("持续抓好整改", true, Kw::None),
        ];
        for (t, runin, want) in cases {
            assert_eq!(classify(Kind::CnParen, t, runin), want, "{t}");
        }
    }

    #[test]
    fn lists_and_topics() {
        let s =
            split_list("进一步严抓督查工作。硬任务督查督办方面:一是指导;二是实施。三是已实现。");
        assert_eq!(s.lead, "进一步严抓督查工作。硬任务督查督办方面:");
        assert_eq!(
            s.items,
            [("一是", "指导"), ("二是", "实施。"), ("三是", "已实现。")]
        );
        assert_eq!(
            split_topic(s.lead),
            ("进一步严抓督查工作。", Some("硬任务督查督办方面"))
        );
        // A single 一是, or 一是 inside a word, is no list.
        assert!(split_list("统一是前提,一是加强。").items.is_empty());
        assert!(split_list("做到三个统一是关键").items.is_empty());
        assert_eq!(split_list("一是甲。二是乙。四是丁。").items.len(), 2);
        assert_eq!(split_topic("学习教育:"), ("", Some("学习教育")));
        assert_eq!(
            split_topic("根据相关规定,已印发"),
            ("根据相关规定,已印发", None)
        );
    }
}
