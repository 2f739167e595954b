//! Facts found anywhere in the notice: the inspection (opening formula), document numbers,
//! quoted titles, quantities, contacts and the published statistics.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::layout::Line;
use crate::model::{
    Contacts, DateMention, DocNumber, Inspection, Money, People, Precision, Quantity, Stats,
    Warning,
};
use crate::num::{parse_num, shift_decimal};

const NUM: &str = r"([0-9]+|[一二两三四五六七八九十百千零〇]+)";

fn re(p: &str) -> Regex {
    Regex::new(p).expect("static regex")
}

static TEAM_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"([^，,。；;、\s]{2,30}?(?:巡察|巡视)(?:工作)?组)\s*(?:对|进驻|于|向)"));
static INSPECTED_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"对(.{2,80}?)(?:开展了?|进行了?|实施了?)(?:为期[^，,。]{0,10})?(?:常规|专项|机动|提级|交叉|联动|延伸)?(?:巡察|巡视)",
    )
});
static ALIAS_RE: LazyLock<Regex> = LazyLock::new(|| re(r"[(（]\s*以下简称[^)）]*[)）]"));
static ROUND_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"((?:[一二三四五六七八九十]+届)?(?:省委|市委|县委|区委|州委|旗委|党委|党组)?第[一二三四五六七八九十百\d]+轮)(?:巡察|巡视)",
    )
});
static DOCNUM_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(\p{Han}{0,10})[〔\[［【(（]\s*([0-9]{4})\s*[〕\]］】)）]\s*([0-9]{1,6})\s*号")
});
static QTY_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)\s*(余|多)?\s*(万元|亿元|元|人次|个|项|件|期|篇|次|人|名|家|条|份|%|％)",
    )
});
static PHONE_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"[0-9]{3,4}[-－—][0-9]{7,8}|1[3-9][0-9]{9}|12388"));
static EMAIL_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));
static POSTCODE_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:邮政编码|邮编)\s*[:：]?\s*([0-9]{6})"));
static ADDRESS_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:邮政信箱|通信地址|通讯地址|联系地址|来信地址|邮寄地址|地址)\s*[:：]\s*([^;；。，,\n]{4,80})",
    )
});

static TOTAL_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(&format!(
            r"(?:反馈|指出|交办|移交)(?:的)?(?:各类|具体)?问题(?:共)?\s*{NUM}\s*(?:个|项|条)"
        )),
        re(&format!(
            r"(?:反馈|指出|交办|移交|梳理出?|共有|共|涉及)(?:的)?(?:各类|具体)?\s*{NUM}\s*(?:个|项|条)(?:具体)?(?:问题|整改任务|整改事项)"
        )),
    ]
});
static COMPLETED_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(&format!(
            r"(?:已|已经)(?:全部)?(?:整改)?完成(?:整改)?(?:的)?(?:问题|任务)?\s*{NUM}\s*(?:个|项|条)"
        )),
        re(&format!(
            r"(?:已整改|整改完成|完成整改)(?:到位)?(?:的)?(?:问题|任务)?\s*{NUM}\s*(?:个|项|条)"
        )),
    ]
});
static LARGELY_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![re(&format!(
        r"基本完成(?:整改)?(?:的)?(?:问题|任务)?\s*{NUM}\s*(?:个|项|条)"
    ))]
});
static IN_PROGRESS_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![re(&format!(
        r"(?:正在整改|正在推进|持续整改|整改中|正在落实|需长期坚持|长期坚持|持续推进)(?:中)?(?:的)?(?:问题|任务)?\s*{NUM}\s*(?:个|项|条)"
    ))]
});
static NOT_COMPLETED_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![re(&format!(
        r"(?:尚未完成|未完成)(?:整改)?(?:的)?(?:问题|任务)?\s*{NUM}\s*(?:个|项|条)"
    ))]
});
static RULES_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(&format!(r"建章立制\s*{NUM}\s*(?:项|个|件|条|份)")),
        re(&format!(
            r"(?:建立|健全|完善|制定|修订|出台|新建)[^，,。；;]{{0,10}}?(?:制度|规章制度|长效机制)\s*{NUM}\s*(?:项|个|件|条|份)"
        )),
    ]
});
static RATE_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"完成率(?:为|达|达到|是)?\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]"));
static MONEY_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(清退|退缴|退回|追回|收缴|挽回(?:经济)?损失|返还|退还|补缴|整改金额|涉及金额|收回)[^，,。；;0-9]{0,12}?(?:共|合计|共计)?\s*([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)\s*(?:余|多)?\s*(万元|亿元|元)",
    )
});
static PEOPLE_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(诫勉谈话|诫勉|谈话提醒|提醒谈话|批评教育|通报批评|党纪政务处分|党纪处分|政务处分|组织处理|立案审查调查|立案审查|移送司法机关|追责问责|问责追责|问责|约谈)(?:了)?[^，,。；;0-9]{{0,6}}?{NUM}\s*(?:人次|人|名)"
    ))
});

static CN_DIGIT_RE: LazyLock<Regex> = LazyLock::new(|| re("[一二两三四五六七八九十]"));

fn digit_run(t: &str, n: usize) -> bool {
    let mut run = 0;
    t.bytes().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= n
    })
}

/// Any form of accountability action (literal prefilter for the two people regexes).
static PEOPLE_FORM_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"诫勉|谈话|批评|处分|组织处理|立案|移送|问责|约谈"));

/// "对3名相关人员进行了批评教育": the count before the form.
static PEOPLE_AFTER_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"{NUM}\s*(?:名|人)[^，,。；;0-9]{{0,10}}?(?:进行了?|予以|给予了?)(诫勉谈话|诫勉|谈话提醒|提醒谈话|批评教育|通报批评|党纪政务处分|党纪处分|政务处分|组织处理|追责问责|问责追责|问责|约谈)"
    ))
});

/// Facts of the opening formula: team, inspected organisation, stationing period, feedback date.
pub(crate) fn inspection(
    opening: &[Line],
    title: Option<&str>,
    dates: &[DateMention],
) -> Inspection {
    let mut ins = Inspection::default();
    let is_opening = |t: &str| {
        (t.contains("巡察") || t.contains("巡视"))
            && (t.contains("进行")
                || t.contains("进驻")
                || t.contains("开展")
                || t.contains("反馈"))
    };
    let round_src = title
        .into_iter()
        .chain(opening.iter().map(|l| l.text.as_str()));
    for t in round_src {
        if let Some(c) = ROUND_RE.captures(t) {
            ins.round = c.get(1).map(|m| m.as_str().to_string());
            break;
        }
    }
    let Some(open) = opening.iter().find(|l| is_opening(&l.text)) else {
        return ins;
    };
    let text = open.text.as_str();
    if let Some(c) = TEAM_RE.captures(text)
        && let Some(m) = c.get(1)
    {
        let team = m.as_str();
        // Drop a date run into the team name (…4月9日市委第一巡察组).
        let team = match team.rfind('日') {
            Some(p) if team[..p].chars().any(|c| c.is_ascii_digit()) => {
                &team[p + '日'.len_utf8()..]
            }
            _ => team,
        };
        ins.team = Some(team.to_string());
    }
    if let Some(c) = INSPECTED_RE.captures(text)
        && let Some(m) = c.get(1)
    {
        let name = ALIAS_RE.replace_all(m.as_str(), "");
        ins.inspected = Some(name.trim().to_string());
    }
    // Dates on the opening line, with their positions.
    let mut located: Vec<(usize, &DateMention)> = Vec::new();
    let mut from = 0;
    for d in dates.iter().filter(|d| d.line == open.no) {
        if let Some(p) = text[from..].find(&d.text) {
            located.push((from + p, d));
            from += p + d.text.len();
        }
    }
    if let Some((_, d)) = located
        .iter()
        .find(|(_, d)| d.from.is_some() && d.precision != Precision::Year)
    {
        ins.from.clone_from(&d.from);
        ins.to.clone_from(&d.to);
    }
    // Feedback: the last single day before 反馈 (in its line), else the first after it.
    let fb_line = opening.iter().find(|l| l.text.contains("反馈"));
    if let Some(l) = fb_line {
        let at = l.text.find("反馈").unwrap_or(0);
        let mut best: Option<&DateMention> = None;
        let mut after: Option<&DateMention> = None;
        let mut from = 0;
        for d in dates
            .iter()
            .filter(|d| d.line == l.no && d.precision == Precision::Day)
        {
            let Some(p) = l.text[from..].find(&d.text) else {
                continue;
            };
            let pos = from + p;
            from = pos + d.text.len();
            if d.date.is_none() {
                continue;
            }
            if pos < at {
                best = Some(d);
            } else if after.is_none() {
                after = Some(d);
            }
        }
        ins.feedback = best.or(after).and_then(|d| d.date.clone());
    }
    ins
}

fn clause_around(line: &str, start: usize, end: usize) -> String {
    const STOPS: [char; 9] = ['，', ',', '。', '；', ';', '：', ':', '！', '？'];
    let before: Vec<(usize, char)> = line[..start].char_indices().rev().take(40).collect();
    let mut a = before.last().map_or(start, |(p, _)| *p);
    for (p, c) in &before {
        if STOPS.contains(c) {
            a = p + c.len_utf8();
            break;
        }
    }
    let mut b = end;
    for (k, (p, c)) in line[end..].char_indices().enumerate() {
        if k >= 40 || STOPS.contains(&c) {
            break;
        }
        b = end + p + c.len_utf8();
    }
    line[a..b].trim().to_string()
}

pub(crate) fn doc_numbers(lines: &[Line]) -> Vec<DocNumber> {
    let mut out: Vec<DocNumber> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for l in lines {
        if !l.text.contains('号') {
            continue;
        }
        for c in DOCNUM_RE.captures_iter(&l.text) {
            let (Some(pre), Some(y), Some(n)) = (c.get(1), c.get(2), c.get(3)) else {
                continue;
            };
            let (Ok(year), Ok(serial)) = (y.as_str().parse::<u32>(), n.as_str().parse::<u32>())
            else {
                continue;
            };
            let mut code = pre.as_str();
            if let Some((p, ch)) = code
                .char_indices()
                .rfind(|(_, ch)| "了的和及与据照按将经于以在是".contains(*ch))
            {
                code = &code[p + ch.len_utf8()..];
            }
            let text = format!("{code}〔{year}〕{serial}号");
            if seen.insert(text.clone()) {
                out.push(DocNumber {
                    text,
                    code: code.to_string(),
                    year,
                    serial,
                    line: l.no,
                });
            }
        }
    }
    out
}

/// Outermost 《…》 titles, nested ones kept inside.
pub(crate) fn titles(lines: &[Line]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for l in lines.iter().filter(|l| l.text.contains('《')) {
        let mut depth = 0usize;
        let mut start = 0usize;
        for (p, c) in l.text.char_indices() {
            match c {
                '《' => {
                    if depth == 0 {
                        start = p + c.len_utf8();
                    }
                    depth += 1;
                }
                '》' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        let t = l.text[start..p].trim();
                        if !t.is_empty() && t.chars().count() <= 200 && seen.insert(t.to_string()) {
                            out.push(t.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

pub(crate) fn quantities(lines: &[Line]) -> Vec<Quantity> {
    let mut out = Vec::new();
    for l in lines {
        let t = l.text.as_str();
        if !t.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        for c in QTY_RE.captures_iter(t) {
            let (Some(whole), Some(n), Some(u)) = (c.get(0), c.get(1), c.get(3)) else {
                continue;
            };
            let before = t[..whole.start()].chars().next_back();
            if before.is_some_and(|b| b == '第' || b == '.' || b == '〔' || b == '-') {
                continue;
            }
            let after = &t[whole.end()..];
            if u.as_str() == "个"
                && ["工作日", "月", "小时", "季度", "星期", "年", "百分点"]
                    .iter()
                    .any(|w| after.starts_with(w))
            {
                continue;
            }
            let Ok(value) = n.as_str().replace(',', "").parse::<f64>() else {
                continue;
            };
            let unit = if u.as_str() == "％" { "%" } else { u.as_str() };
            out.push(Quantity {
                text: whole.as_str().to_string(),
                value,
                unit: unit.to_string(),
                context: clause_around(t, whole.start(), whole.end()),
                line: l.no,
            });
        }
    }
    out
}

/// Keeps the first occurrence of each value, in order (a set keeps it linear).
#[derive(Default)]
struct Unique {
    seen: HashSet<String>,
    values: Vec<String>,
}

impl Unique {
    fn push(&mut self, s: &str) {
        if !s.is_empty() && self.seen.insert(s.to_string()) {
            self.values.push(s.to_string());
        }
    }
}

pub(crate) fn contacts(lines: &[Line]) -> Contacts {
    let (mut all_phones, mut all_emails, mut all_postcodes, mut all_addresses) = (
        Unique::default(),
        Unique::default(),
        Unique::default(),
        Unique::default(),
    );
    for l in lines {
        let t = l.text.as_str();
        let phones = if digit_run(t, 5) {
            PHONE_RE.find_iter(t).collect()
        } else {
            Vec::new()
        };
        for m in phones {
            let digit_around = t[..m.start()].ends_with(|c: char| c.is_ascii_digit())
                || t[m.end()..].starts_with(|c: char| c.is_ascii_digit());
            if !digit_around {
                all_phones.push(m.as_str());
            }
        }
        let emails = if t.contains('@') {
            EMAIL_RE.find_iter(t).collect()
        } else {
            Vec::new()
        };
        for m in emails {
            all_emails.push(m.as_str());
        }
        let postcodes: Vec<_> = if t.contains('邮') {
            POSTCODE_RE.captures_iter(t).collect()
        } else {
            Vec::new()
        };
        for cap in postcodes {
            if let Some(m) = cap.get(1) {
                all_postcodes.push(m.as_str());
            }
        }
        let addresses: Vec<_> = if t.contains("地址") || t.contains("信箱") {
            ADDRESS_RE.captures_iter(t).collect()
        } else {
            Vec::new()
        };
        for cap in addresses {
            if let Some(m) = cap.get(1) {
                let mut a = m.as_str();
                for stop in ["邮政编码", "邮编", "电话", "联系电话"] {
                    if let Some(p) = a.find(stop) {
                        a = &a[..p];
                    }
                }
                all_addresses.push(a.trim());
            }
        }
    }
    Contacts {
        phones: all_phones.values,
        emails: all_emails.values,
        postcodes: all_postcodes.values,
        addresses: all_addresses.values,
    }
}

fn first_count(res: &[Regex], text: &str, skip_after: &[&str]) -> Option<u32> {
    for r in res {
        for c in r.captures_iter(text) {
            let (Some(whole), Some(n)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let before = &text[..whole.start()];
            if skip_after.iter().any(|s| before.ends_with(s)) {
                continue;
            }
            if let Some(v) = parse_num(n.as_str()) {
                return Some(v);
            }
        }
    }
    None
}

pub(crate) fn stats(lines: &[Line], warnings: &mut Vec<Warning>) -> Stats {
    let mut s = Stats::default();
    let mut seen_money: HashSet<(String, String)> = HashSet::new();
    let mut seen_people: HashSet<(String, u32)> = HashSet::new();
    let mut rate_text: Option<(String, usize)> = None;
    for l in lines {
        let t = l.text.as_str();
        // Every statistic is a figure: skip lines without one (Arabic or Chinese).
        if !t.bytes().any(|b| b.is_ascii_digit()) && !CN_DIGIT_RE.is_match(t) {
            continue;
        }
        let has_count = t.contains('个') || t.contains('项') || t.contains('条');
        let has_done = t.contains("完成") || t.contains("整改");
        if has_count
            && s.problems_total.is_none()
            && (t.contains("反馈")
                || t.contains("巡察")
                || t.contains("巡视")
                || t.contains("问题"))
        {
            s.problems_total = first_count(&TOTAL_RES, t, &[]);
        }
        if has_count && has_done && s.completed.is_none() {
            s.completed = first_count(&COMPLETED_RES, t, &["基本", "未", "尚未"]);
        }
        if has_count && s.largely_completed.is_none() && t.contains("基本完成") {
            s.largely_completed = first_count(&LARGELY_RES, t, &[]);
        }
        if has_count && s.in_progress.is_none() {
            s.in_progress = first_count(&IN_PROGRESS_RES, t, &[]);
        }
        if has_count && s.not_completed.is_none() && t.contains("未完成") {
            s.not_completed = first_count(&NOT_COMPLETED_RES, t, &[]);
        }
        if has_count && s.rules.is_none() && (t.contains('制') || t.contains('机')) {
            s.rules = first_count(&RULES_RES, t, &[]);
        }
        if rate_text.is_none()
            && t.contains("完成率")
            && let Some(c) = RATE_RE.captures(t)
            && let Some(m) = c.get(1)
        {
            rate_text = Some((m.as_str().to_string(), l.no));
        }
        let money: Vec<_> = if t.contains('元') {
            MONEY_RE.captures_iter(t).collect()
        } else {
            Vec::new()
        };
        for c in money {
            let (Some(label), Some(n), Some(u)) = (c.get(1), c.get(2), c.get(3)) else {
                continue;
            };
            let shift = match u.as_str() {
                "万元" => 4,
                "亿元" => 8,
                _ => 0,
            };
            if let Some(yuan) = shift_decimal(&n.as_str().replace(',', ""), shift) {
                let m = Money {
                    label: label.as_str().to_string(),
                    yuan,
                };
                // A figure repeated in a measure is the same money, not more of it.
                if seen_money.insert((m.label.clone(), m.yuan.clone())) {
                    s.money.push(m);
                }
            }
        }
        let people = (t.contains('人') || t.contains('名')) && PEOPLE_FORM_RE.is_match(t);
        let mut found = Vec::new();
        if people {
            found.extend(
                PEOPLE_RE
                    .captures_iter(t)
                    .filter_map(|c| Some((c.get(1)?, c.get(2)?))),
            );
            found.extend(
                PEOPLE_AFTER_RE
                    .captures_iter(t)
                    .filter_map(|c| Some((c.get(2)?, c.get(1)?))),
            );
        }
        for (form, n) in found {
            if let Some(count) = parse_num(n.as_str()) {
                let p = People {
                    form: form.as_str().to_string(),
                    count,
                };
                if seen_people.insert((p.form.clone(), p.count)) {
                    s.people.push(p);
                }
            }
        }
    }
    if let Some((rt, line)) = rate_text {
        s.completion_rate = rt.parse::<f64>().ok();
        if let (Some(total), Some(done)) = (s.problems_total, s.completed)
            && let Some(msg) = rate_mismatch(&rt, total, done, s.largely_completed)
        {
            warnings.push(Warning::new(
                "rate_mismatch",
                Some(line),
                format!("line {line}: {msg}"),
            ));
        }
    }
    s
}

/// Compares a published rate (text, e.g. `98.71`) with completed ÷ total in exact integer
/// arithmetic, accepting rounding or truncation to the published number of decimals, and
/// the variant that counts largely completed problems as done.
fn rate_mismatch(rate: &str, total: u32, done: u32, largely: Option<u32>) -> Option<String> {
    if total == 0 {
        return Some(format!(
            "completion rate {rate}% published but the total is 0"
        ));
    }
    let (int, frac) = rate.split_once('.').unwrap_or((rate, ""));
    let decimals = u32::try_from(frac.len()).ok()?.min(6);
    let scaled: u128 = format!("{int}{}", &frac[..decimals as usize])
        .parse()
        .ok()?;
    let scale = 10u128.pow(decimals + 2); // percent with `decimals` places
    let matches = |n: u32| {
        let num = u128::from(n) * scale;
        let t = u128::from(total);
        let floor = num / t;
        let rounded = (2 * num + t) / (2 * t);
        scaled == floor || scaled == rounded
    };
    if matches(done) || largely.is_some_and(|l| matches(done.saturating_add(l))) {
        return None;
    }
    let exact = u128::from(done) * 10u128.pow(4) * 2 / u128::from(total);
    let hundredths = exact.div_ceil(2);
    Some(format!(
        "published completion rate {rate}% differs from completed ÷ total = {done}/{total} = {}.{:02}%",
        hundredths / 100,
        hundredths % 100
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ts: &[&str]) -> Vec<Line> {
        ts.iter()
            .enumerate()
            .map(|(i, t)| Line {
                no: i + 1,
                text: t.to_string(),
            })
            .collect()
    }

    #[test]
    fn doc_numbers_in_all_bracket_forms() {
        let got = doc_numbers(&lines(&[
            "(东府办函〔2021〕461号),印发了东府办函[2021]565号文件,粤府办［2020］ 12 号",
            "东财〔2012〕322号、东财〔2012〕322号",
        ]));
        let texts: Vec<&str> = got.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "东府办函〔2021〕461号",
                "东府办函〔2021〕565号",
                "粤府办〔2020〕12号",
                "东财〔2012〕322号"
            ]
        );
        assert_eq!((got[3].year, got[3].serial, got[3].line), (2012, 322, 2));
    }

    #[test]
    fn nested_titles() {
        let got = titles(&lines(&[
            "印发《关于转发〈x〉的通知》和《关于印发《实施方案》的通知》《》",
        ]));
        assert_eq!(got, ["关于转发〈x〉的通知", "关于印发《实施方案》的通知"]);
    }

    #[test]
    fn quantities_skip_ordinals_and_durations() {
        let got = quantities(&lines(&[
            "第十三轮第57次会议,下达了22份督办单,3个工作日内办结,清退12.5万元,完成率98.71%",
        ]));
        let v: Vec<(&str, f64, &str)> = got
            .iter()
            .map(|q| (q.text.as_str(), q.value, q.unit.as_str()))
            .collect();
        assert_eq!(
            v,
            [
                ("22份", 22.0, "份"),
                ("12.5万元", 12.5, "万元"),
                ("98.71%", 98.71, "%")
            ]
        );
        assert_eq!(got[0].context, "下达了22份督办单");
    }

    #[test]
    fn stats_and_rate_check() {
        let mut w = Vec::new();
        let s = stats(
            &lines(&[
                "巡察反馈的78个问题,已完成整改77个,基本完成1个,整改完成率为98.71%。",
                "建立完善制度12项,清退资金12.5万元,追回1.234亿元,诫勉谈话3人,通报批评2人。",
            ]),
            &mut w,
        );
        assert_eq!(s.problems_total, Some(78));
        assert_eq!(s.completed, Some(77));
        assert_eq!(s.largely_completed, Some(1));
        assert_eq!(s.completion_rate, Some(98.71));
        assert_eq!(s.rules, Some(12));
        assert_eq!(
            s.money,
            [
                Money {
                    label: "清退".into(),
                    yuan: "125000".into()
                },
                Money {
                    label: "追回".into(),
                    yuan: "123400000".into()
                }
            ]
        );
        assert_eq!(s.people.len(), 2);
        assert!(w.is_empty(), "{w:?}");
        // 77/78 = 98.72%: a published 98.71 is a mismatch when nothing else explains it.
        let mut w = Vec::new();
        let _ = stats(&lines(&["反馈问题78个,已完成77个,完成率98.50%"]), &mut w);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.contains("77/78 = 98.72%"), "{}", w[0].message);
    }

    #[test]
    fn rate_rounding_rules() {
        assert_eq!(rate_mismatch("98.70", 77, 76, None), None); // 76/77 = 98.701…
        assert!(rate_mismatch("98.71", 77, 76, None).is_some());
        assert_eq!(rate_mismatch("98.71", 78, 77, None), None); // 98.717… truncated
        assert_eq!(rate_mismatch("98.72", 78, 77, None), None); // … or rounded
        assert!(rate_mismatch("50", 2, 1, None).is_none());
        assert!(rate_mismatch("33.33", 3, 1, None).is_none());
        assert!(rate_mismatch("33.34", 3, 1, None).is_some());
        assert!(rate_mismatch("100", 10, 9, Some(1)).is_none());
        assert!(rate_mismatch("10", 0, 0, None).is_some());
    }

    #[test]
    fn contacts_found() {
        let c = contacts(&lines(&[
            "联系方式:电话0769-22831389;电子邮箱:dgsfbrsk@dg.gov.cn;邮政信箱:东莞市南城街道鸿福路99号市行政办事中心市府办;邮政编码:523888。",
        ]));
        assert_eq!(c.phones, ["0769-22831389"]);
        assert_eq!(c.emails, ["dgsfbrsk@dg.gov.cn"]);
        assert_eq!(c.postcodes, ["523888"]);
        assert_eq!(
            c.addresses,
            ["东莞市南城街道鸿福路99号市行政办事中心市府办"]
        );
    }
}
