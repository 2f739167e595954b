//! Terminal tree view of a parsed notice (`rectify notice parse FILE --format tree`).

use std::fmt::Write;

use crate::model::{InputKind, Item, Notice, Precision, SectionRole};

/// Display columns of text shown per tree line before it is cut with `…`.
const TEXT_COLUMNS: usize = 56;

fn char_width(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// Cuts `s` to `cols` display columns (CJK counts 2), adding `…` when cut.
fn clip(s: &str, cols: usize) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw > cols {
            out.push('…');
            return out;
        }
        out.push(c);
        w += cw;
    }
    out
}

fn or_dash(v: Option<&str>) -> &str {
    v.unwrap_or("—")
}

fn count_opt(v: Option<u32>) -> String {
    v.map_or_else(|| "—".to_string(), |n| n.to_string())
}

fn branch(last: bool) -> &'static str {
    if last { "└── " } else { "├── " }
}

fn stem(last: bool) -> &'static str {
    if last { "    " } else { "│   " }
}

fn items(out: &mut String, prefix: &str, list: &[Item]) {
    for (i, it) in list.iter().enumerate() {
        let last = i + 1 == list.len();
        let marker = it.marker.as_deref().unwrap_or("·");
        let count = if it.children.is_empty() {
            String::new()
        } else {
            format!(" [{}]", it.children.len())
        };
        let _ = writeln!(
            out,
            "{prefix}{}{marker} {}{count}",
            branch(last),
            clip(&it.text, TEXT_COLUMNS)
        );
        items(out, &format!("{prefix}{}", stem(last)), &it.children);
    }
}

/// Renders the notice as an indented tree: header, aspect → problem → measures with
/// counts, the other sections, inspection facts, extracted facts, statistics, warnings.
pub fn render_tree(n: &Notice) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", n.title.as_deref().unwrap_or("(无标题)"));
    let _ = writeln!(out, "  发布单位  {}", or_dash(n.issuer.as_deref()));
    let _ = writeln!(out, "  发布日期  {}", or_dash(n.published.as_deref()));
    let kind = match n.source.kind {
        InputKind::Text => "文本",
        InputKind::Html => "网页 (HTML)",
        InputKind::Docx => "Word (.docx)",
    };
    let _ = writeln!(out, "  来源格式  {kind} / {}", n.source.encoding);
    out.push('\n');

    let _ = writeln!(
        out,
        "问题树  {} 个方面 · {} 个问题 · {} 项措施",
        n.counts.aspects, n.counts.problems, n.counts.measures
    );
    for (ai, a) in n.aspects.iter().enumerate() {
        let alast = ai + 1 == n.aspects.len();
        let measures: usize = a.problems.iter().map(|p| p.measures.len()).sum();
        let head = match &a.marker {
            Some(m) => format!("{m} {}", a.title),
            None => "(未分方面)".to_string(),
        };
        let _ = writeln!(
            out,
            "{}{}  ({} 个问题, {} 项措施)",
            branch(alast),
            head,
            a.problems.len(),
            measures
        );
        let ap = stem(alast);
        for (pi, p) in a.problems.iter().enumerate() {
            let plast = pi + 1 == a.problems.len();
            let _ = writeln!(
                out,
                "{ap}{}{} {}  ({} 项措施)",
                branch(plast),
                p.marker.as_deref().unwrap_or("·"),
                p.title,
                p.measures.len()
            );
            let pp = format!("{ap}{}", stem(plast));
            if let Some(intro) = &p.intro {
                let _ = writeln!(out, "{pp}  ┆ {}", clip(intro, TEXT_COLUMNS));
            }
            items(&mut out, &pp, &p.measures);
        }
    }
    if n.aspects.is_empty() {
        let _ = writeln!(out, "└── (未识别出问题)");
    }

    if !n.sections.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "其他部分");
        for s in &n.sections {
            let role = match s.role {
                SectionRole::Organisation => "组织落实",
                SectionRole::Problems => "问题整改,见问题树",
                SectionRole::NextSteps => "下一步",
                SectionRole::Other => "其他",
            };
            let _ = writeln!(
                out,
                "  {} {}  ({role}, {} 项)",
                s.marker.as_deref().unwrap_or("·"),
                clip(&s.title, TEXT_COLUMNS),
                s.items.len()
            );
            items(&mut out, "    ", &s.items);
        }
    }

    out.push('\n');
    let i = &n.inspection;
    let _ = writeln!(out, "巡察情况");
    let _ = writeln!(out, "  巡察组      {}", or_dash(i.team.as_deref()));
    let _ = writeln!(out, "  被巡察单位  {}", or_dash(i.inspected.as_deref()));
    let _ = writeln!(
        out,
        "  进驻        {} 至 {}",
        or_dash(i.from.as_deref()),
        or_dash(i.to.as_deref())
    );
    let _ = writeln!(out, "  反馈        {}", or_dash(i.feedback.as_deref()));
    let _ = writeln!(out, "  轮次        {}", or_dash(i.round.as_deref()));

    out.push('\n');
    let _ = writeln!(
        out,
        "提取  日期 {} 处 · 文号 {} 个 · 引用文件 {} 个 · 数量 {} 处",
        n.dates.len(),
        n.doc_numbers.len(),
        n.titles.len(),
        n.quantities.len()
    );
    for d in &n.doc_numbers {
        let _ = writeln!(out, "  文号  {}  (第 {} 行)", d.text, d.line);
    }
    for d in &n.dates {
        let value = match (&d.date, &d.from, &d.to) {
            (Some(x), _, _) => x.clone(),
            (None, Some(a), Some(b)) => format!("{a} 至 {b}"),
            _ => "—".into(),
        };
        let p = match d.precision {
            Precision::Day => "日",
            Precision::Month => "月",
            Precision::PartOfMonth => "旬",
            Precision::Year => "年",
        };
        let inferred = if d.year_inferred {
            " (推定年份)"
        } else {
            ""
        };
        let _ = writeln!(out, "  日期  {}  → {value} [{p}]{inferred}", d.text);
    }
    let c = &n.contacts;
    for (label, v) in [
        ("电话", &c.phones),
        ("邮箱", &c.emails),
        ("邮编", &c.postcodes),
        ("地址", &c.addresses),
    ] {
        if !v.is_empty() {
            let _ = writeln!(out, "  {label}  {}", v.join(", "));
        }
    }

    out.push('\n');
    let s = &n.stats;
    let rate = s
        .completion_rate
        .map_or_else(|| "—".to_string(), |r| format!("{r}%"));
    let _ = writeln!(
        out,
        "统计  问题 {} · 已完成 {} · 基本完成 {} · 正在整改 {} · 未完成 {} · 完成率 {rate} · 制度 {}",
        count_opt(s.problems_total),
        count_opt(s.completed),
        count_opt(s.largely_completed),
        count_opt(s.in_progress),
        count_opt(s.not_completed),
        count_opt(s.rules)
    );
    for m in &s.money {
        let _ = writeln!(out, "  {}  {} 元", m.label, m.yuan);
    }
    for p in &s.people {
        let _ = writeln!(out, "  {}  {} 人", p.form, p.count);
    }

    if !n.warnings.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "警告 ({})", n.warnings.len());
        for w in &n.warnings {
            let _ = writeln!(out, "  ! [{}] {}", w.code, w.message);
        }
    }
    // A Notice may also come from elsewhere (deserialised JSON): never emit terminal escapes.
    if out.chars().any(|c| c.is_control() && c != '\n') {
        out.retain(|c| !c.is_control() || c == '\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_cjk_as_two_columns() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("整改通报", 5), "整改…");
        assert_eq!(clip("a\nb", 5), "a b");
    }

    #[test]
    fn escapes_never_reach_the_terminal() {
        let n = Notice {
            title: Some("通报\u{1b}]0;pwned\u{7}".into()),
            ..Notice::default()
        };
        let s = render_tree(&n);
        assert!(s.starts_with("通报]0;pwned\n"), "{s:?}");
    }

    #[test]
    fn empty_notice_renders() {
        let s = render_tree(&Notice::default());
        assert!(s.contains("(无标题)"));
        assert!(s.contains("(未识别出问题)"));
    }
}
