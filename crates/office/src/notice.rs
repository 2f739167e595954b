//! The public progress notice (整改阶段性进展情况的通报) composed from plain ledger data.
//!
//! [`compose`] turns a [`NoticeData`] into a [`Document`] in the genre of published notices
//! (see the Dongguan seed notice of 2021-12-28):
//!
//! - title `{issuer}关于{round_title}整改阶段性进展情况的通报`;
//! - the opening formula `根据市委统一部署，2021年3月12日至4月9日，市委第一巡察组对…进行了巡察。
//!   7月22日，市委第一巡察组向…反馈了巡察意见。…现将巡察整改阶段性进展情况予以公布。`;
//! - `一、` the organisation of the work (leading group, responsibility groups, meetings);
//! - `二、` the statistics paragraph first (totals, completed, largely completed, in progress,
//!   not completed, completion rate as `98.71%`, rules, money, accountability), then every
//!   aspect as `第一方面问题，{title}。`, its problems as `（一）{title}` and their measures
//!   numbered `1.…` with the latest progress appended;
//! - `三、` next steps, the closing paragraph with the contact details, issuer and date.
//!
//! Pure: no clock, no I/O. The statistics paragraph comes before the problem tree so that a
//! reader of the published text (`rectify_notice`) takes its figures first.

use chrono::{Datelike, NaiveDate};

use crate::docx::{Block, Document};
use crate::numerals::chinese_numeral;

/// Everything the notice says, as plain data gathered from the ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeData {
    /// The publishing organisation (发文机关), e.g. `中共东莞市人民政府机关党组`.
    pub issuer: String,
    /// The inspected organisation (被巡察党组织).
    pub inspected: String,
    /// The inspection team (巡察组), e.g. `市委第一巡察组`.
    pub team: String,
    /// The round as the title names it, e.g. `十四届市委第十三轮巡察`.
    pub round_title: String,
    /// First day of stationing (进驻).
    pub stationed_from: Option<NaiveDate>,
    /// Last day of stationing.
    pub stationed_to: Option<NaiveDate>,
    /// Date the findings were handed back (反馈).
    pub feedback_on: Option<NaiveDate>,
    /// Publication date (成文日期); also the "as of" date of the statistics.
    pub published_on: NaiveDate,
    /// How the work is organised.
    pub organisation: OrganisationPart,
    /// The problem tree.
    pub aspects: Vec<AspectData>,
    /// The figures of the statistics paragraph.
    pub stats: StatsData,
    /// Next steps (下一步工作计划); empty gives the customary three.
    pub next_steps: Vec<String>,
    /// Contact details (联系方式), e.g. `电话0769-22831389；电子邮箱：…`.
    pub contact: Option<String>,
}

/// The organisation of the rectification work (组织领导).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationPart {
    /// The leading group, e.g. `巡察整改工作领导小组`.
    pub leading_group: Option<String>,
    /// Responsibility groups (专项整改责任组) by name.
    pub groups: Vec<String>,
    /// Meetings held, by type (`党组会`, `领导小组会议`, `联络员会议` …) and count.
    pub meetings: Vec<(String, u32)>,
}

/// An aspect (方面) of the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AspectData {
    pub title: String,
    pub problems: Vec<ProblemData>,
}

/// A problem (问题) with its measures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemData {
    pub title: String,
    pub measures: Vec<MeasureData>,
}

/// A measure (整改措施) and the text of its latest progress report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureData {
    pub text: String,
    pub latest_progress: Option<String>,
}

/// The published statistics, counted over problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsData {
    pub total: u32,
    pub completed: u32,
    pub largely_completed: u32,
    pub in_progress: u32,
    pub not_completed: u32,
    /// Rules made or revised (建章立制).
    pub rules: Option<u32>,
    /// Money figures: label (清退, 追回, 挽回经济损失 …) and yuan as an exact decimal string.
    pub money: Vec<(String, String)>,
    /// People held accountable (追责问责).
    pub accountability: Option<u32>,
}

impl StatsData {
    /// Completed ÷ total as published: percent with two decimals, rounded half up in integer
    /// arithmetic (`98.71%`); `None` when there are no problems.
    pub fn completion_rate(&self) -> Option<String> {
        if self.total == 0 {
            return None;
        }
        let (done, total) = (u64::from(self.completed), u64::from(self.total));
        let bp = (done * 10_000 * 2 + total) / (total * 2);
        Some(format!("{}.{:02}%", bp / 100, bp % 100))
    }
}

/// The title: `{issuer}关于{round_title}整改阶段性进展情况的通报`.
pub fn title(d: &NoticeData) -> String {
    format!(
        "{}关于{}整改阶段性进展情况的通报",
        d.issuer.trim(),
        d.round_title.trim()
    )
}

/// The notice as an official document; render it with [`crate::docx::write`],
/// [`crate::docx::to_text`] or [`crate::docx::to_markdown`].
pub fn compose(d: &NoticeData) -> Document {
    let word = inspection_word(d);
    let mut blocks = Vec::with_capacity(8 + d.aspects.len() * 8);
    blocks.push(Block::Paragraph(opening(d, word)));

    blocks.push(Block::Heading1(
        "加强组织领导，压实巡察整改政治责任".to_owned(),
    ));
    blocks.push(Block::Paragraph(organisation(d, word)));

    blocks.push(Block::Heading1(
        "坚持问题导向，扎实推进巡察整改落实".to_owned(),
    ));
    blocks.push(Block::Paragraph(statistics(d, word)));
    for (ai, aspect) in d.aspects.iter().enumerate() {
        let n = u32::try_from(ai + 1).unwrap_or(u32::MAX);
        blocks.push(Block::Paragraph(format!(
            "第{}方面问题，{}。",
            chinese_numeral(n),
            trim_end_punct(&one_line(&aspect.title))
        )));
        for (pi, problem) in aspect.problems.iter().enumerate() {
            let n = u32::try_from(pi + 1).unwrap_or(u32::MAX);
            blocks.push(Block::Heading2(format!(
                "（{}）{}",
                chinese_numeral(n),
                problem_heading(&problem.title)
            )));
            if problem.measures.is_empty() {
                blocks.push(Block::Paragraph(
                    "1.正在研究制定整改措施，明确责任单位和完成时限。".to_owned(),
                ));
            }
            for (mi, m) in problem.measures.iter().enumerate() {
                blocks.push(Block::Paragraph(measure(mi + 1, m)));
            }
        }
    }

    blocks.push(Block::Heading1("下一步工作计划".to_owned()));
    let defaults;
    let steps: &[String] = if d.next_steps.iter().any(|s| !s.trim().is_empty()) {
        &d.next_steps
    } else {
        defaults = default_next_steps(word);
        &defaults
    };
    for (i, step) in steps.iter().filter(|s| !s.trim().is_empty()).enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        blocks.push(Block::Paragraph(format!(
            "（{}）{}",
            chinese_numeral(n),
            sentence(&one_line(step))
        )));
    }

    let mut closing =
        format!("欢迎广大干部群众对{word}整改落实情况进行监督。如有意见建议，请及时向我们反映。");
    if let Some(c) = d.contact.as_deref().map(one_line).filter(|c| !c.is_empty()) {
        let c = c.strip_prefix("联系方式").unwrap_or(&c);
        let c = c.trim_start_matches([':', '：']);
        closing.push_str("联系方式：");
        closing.push_str(&sentence(c));
    }
    blocks.push(Block::Paragraph(closing));

    Document {
        title: title(d),
        blocks,
        issuer: Some(d.issuer.trim().to_owned()).filter(|s| !s.is_empty()),
        date: Some(d.published_on),
        ..Document::default()
    }
}

/// A problem's heading as notices write it: `针对…的问题`. A title that already reads so
/// (`针对…问题`, `关于…问题…`) is kept; `…问题` becomes `针对…问题`; anything else
/// `针对{title}的问题`. Trailing punctuation is dropped.
pub fn problem_heading(title: &str) -> String {
    let t = one_line(title);
    let t = trim_end_punct(&t);
    if (t.starts_with("针对") || t.starts_with("关于")) && t.contains("问题") {
        t.to_owned()
    } else if t.ends_with("问题") {
        format!("针对{t}")
    } else {
        format!("针对{t}的问题")
    }
}

/// `巡视` for a 巡视组, else `巡察`.
fn inspection_word(d: &NoticeData) -> &'static str {
    if d.team.contains("巡视") || (!d.team.contains("巡察") && d.round_title.contains("巡视"))
    {
        "巡视"
    } else {
        "巡察"
    }
}

/// Who deployed the inspection: the team's name before `第` (`市委第一巡察组` → `市委`).
fn deployer(team: &str) -> String {
    let team = team.trim();
    if let Some(p) = team.find('第')
        && p > 0
    {
        return team[..p].to_owned();
    }
    for suffix in ["巡察组", "巡视组"] {
        if let Some(stem) = team.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return stem.to_owned();
        }
    }
    "上级党组织".to_owned()
}

fn full_date(d: NaiveDate) -> String {
    crate::chinese_date(d)
}

/// A date without its year when the reader already has it (`7月22日`), as notices write.
fn date_after(d: NaiveDate, year_in_context: Option<i32>) -> String {
    if year_in_context == Some(d.year()) {
        format!("{}月{}日", d.month(), d.day())
    } else {
        full_date(d)
    }
}

fn opening(d: &NoticeData, word: &str) -> String {
    let team = Some(d.team.trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(if word == "巡视" {
            "巡视组"
        } else {
            "巡察组"
        });
    let inspected = d.inspected.trim();
    let mut s = format!("根据{}统一部署，", deployer(team));
    let mut year = None;
    match (d.stationed_from, d.stationed_to) {
        (Some(from), Some(to)) => {
            s.push_str(&full_date(from));
            s.push('至');
            s.push_str(&date_after(to, Some(from.year())));
            s.push('，');
            year = Some(to.year());
        }
        (Some(one), None) | (None, Some(one)) => {
            s.push_str(&full_date(one));
            s.push('，');
            year = Some(one.year());
        }
        (None, None) => {}
    }
    s.push_str(&format!("{team}对{inspected}进行了{word}。"));
    if let Some(fb) = d.feedback_on {
        s.push_str(&format!(
            "{}，{team}向{inspected}反馈了{word}意见。",
            date_after(fb, year)
        ));
    }
    s.push_str(&format!(
        "按照党务公开原则和{word}工作有关要求，现将{word}整改阶段性进展情况予以公布。"
    ));
    s
}

fn organisation(d: &NoticeData, word: &str) -> String {
    let o = &d.organisation;
    let issuer = d.issuer.trim();
    let mut s = format!(
        "{issuer}把{word}整改作为一项重要政治任务，第一时间传达学习{word}反馈意见，逐条研究制定整改措施，明确责任领导、责任单位和完成时限，实行清单化管理、销号式落实。"
    );
    if let Some(g) = o
        .leading_group
        .as_deref()
        .map(one_line)
        .filter(|g| !g.is_empty())
    {
        s.push_str(&format!("成立{g}，统筹推进{word}整改工作。"));
    }
    let groups: Vec<String> = o
        .groups
        .iter()
        .map(|g| one_line(g))
        .filter(|g| !g.is_empty())
        .collect();
    if !groups.is_empty() {
        s.push_str(&format!(
            "下设{}个专项整改责任组（{}），包干推动落实专项整改任务。",
            groups.len(),
            groups.join("、")
        ));
    }
    let meetings: Vec<String> = o
        .meetings
        .iter()
        .filter(|(kind, n)| *n > 0 && !kind.trim().is_empty())
        .map(|(kind, n)| format!("召开{}{n}次", one_line(kind)))
        .collect();
    if !meetings.is_empty() {
        s.push_str(&format!(
            "{word}整改以来，先后{}，研究部署整改工作，跟进整改进度，切实解决重点难点问题。",
            meetings.join("、")
        ));
    }
    s
}

/// The statistics paragraph; every figure computed from [`StatsData`].
fn statistics(d: &NoticeData, word: &str) -> String {
    let st = &d.stats;
    let mut s = format!(
        "截至{}，{word}反馈的问题共{}个，已完成整改{}个，基本完成{}个，正在整改{}个，未完成{}个",
        full_date(d.published_on),
        st.total,
        st.completed,
        st.largely_completed,
        st.in_progress,
        st.not_completed
    );
    if let Some(rate) = st.completion_rate() {
        s.push_str(&format!("，整改完成率{rate}"));
    }
    s.push('。');
    let mut more = Vec::new();
    if let Some(r) = st.rules {
        more.push(format!("建章立制{r}项"));
    }
    for (label, yuan) in &st.money {
        if let Some(amount) = money(yuan) {
            more.push(format!("{}{amount}", one_line(label)));
        }
    }
    if let Some(n) = st.accountability {
        more.push(format!("追责问责{n}人"));
    }
    if !more.is_empty() {
        s.push_str(&format!("整改过程中，{}。", more.join("，")));
    }
    s
}

/// An exact decimal amount of yuan as notices write it: `32500` → `3.25万元`, `1200` →
/// `1200元`; shifted as text, never through floats. `None` when `yuan` is not a decimal.
pub fn money(yuan: &str) -> Option<String> {
    let yuan = yuan.trim();
    let (int, frac) = yuan.split_once('.').unwrap_or((yuan, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if int.len() <= 4 {
        return Some(if frac.is_empty() {
            format!("{int}元")
        } else {
            format!("{int}.{frac}元")
        });
    }
    let (wan, rest) = int.split_at(int.len() - 4);
    let decimals = format!("{rest}{frac}");
    let decimals = decimals.trim_end_matches('0');
    Some(if decimals.is_empty() {
        format!("{wan}万元")
    } else {
        format!("{wan}.{decimals}万元")
    })
}

fn measure(n: usize, m: &MeasureData) -> String {
    let mut s = format!("{n}.{}", sentence(&one_line(&m.text)));
    if let Some(p) = m
        .latest_progress
        .as_deref()
        .map(one_line)
        .filter(|p| !p.is_empty())
    {
        s.push_str("整改进展：");
        s.push_str(&sentence(&p));
    }
    s
}

fn default_next_steps(word: &str) -> Vec<String> {
    vec![
        "持续抓好整改。对尚未完成和需要长期坚持的整改任务，盯住不放、持续用力，适时组织“回头看”，巩固整改成果，确保整改工作不走过场、不流于形式".to_owned(),
        "做好建章立制。以问题为导向，倒查制度漏洞，围绕重点领域和关键环节加大制度建设力度，形成用制度管人管事管权的长效机制".to_owned(),
        format!(
            "推动工作提升。把{word}整改与贯彻落实上级决策部署结合起来，以整改成效推动各项工作再上新台阶"
        ),
    ]
}

/// One line: line breaks and runs of white space become a single space, ends trimmed.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn trim_end_punct(s: &str) -> &str {
    s.trim_end_matches(['。', '；', ';', '，', ',', '：', ':', '、', ' '])
}

/// Text ending in a full stop (。！？ kept; a trailing comma or semicolon becomes 。).
fn sentence(s: &str) -> String {
    let t = trim_end_punct(s.trim());
    if t.is_empty() {
        return String::new();
    }
    if t.ends_with(['！', '？', '!', '?', '。']) {
        t.to_owned()
    } else {
        format!("{t}。")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::{to_markdown, to_text, write};
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn seed_like() -> NoticeData {
        NoticeData {
            issuer: "中共东莞市人民政府机关党组".into(),
            inspected: "中共东莞市人民政府机关党组".into(),
            team: "市委第一巡察组".into(),
            round_title: "十四届市委第十三轮巡察".into(),
            stationed_from: Some(day(2021, 3, 12)),
            stationed_to: Some(day(2021, 4, 9)),
            feedback_on: Some(day(2021, 7, 22)),
            published_on: day(2021, 12, 28),
            organisation: OrganisationPart {
                leading_group: Some("巡察整改工作领导小组".into()),
                groups: vec!["党建责任组".into(), "财务责任组".into()],
                meetings: vec![("党组会".into(), 6), ("联络员会议".into(), 4)],
            },
            aspects: vec![
                AspectData {
                    title: "党的领导方面仍需加强".into(),
                    problems: vec![
                        ProblemData {
                            title: "针对党组发挥领导作用不够充分的问题".into(),
                            measures: vec![
                                MeasureData {
                                    text: "严格按照要求讨论和决定重大问题".into(),
                                    latest_progress: Some(
                                        "已在党组会上专题学习并研究年度工作计划。".into(),
                                    ),
                                },
                                MeasureData {
                                    text: "及时向上级党委报备分工调整情况。".into(),
                                    latest_progress: None,
                                },
                            ],
                        },
                        ProblemData {
                            title: "针对制度建设不够完善的问题".into(),
                            measures: vec![MeasureData {
                                text: "及时更新相关制度".into(),
                                latest_progress: Some("已修订工作规则".into()),
                            }],
                        },
                    ],
                },
                AspectData {
                    title: "基层党建抓得不够严实".into(),
                    problems: vec![ProblemData {
                        title: "针对党务工作不规范的问题".into(),
                        measures: vec![
                            MeasureData {
                                text: "重新修订党费收缴使用和管理工作规范".into(),
                                latest_progress: None,
                            },
                            MeasureData {
                                text: "重新审核党员档案".into(),
                                latest_progress: None,
                            },
                            MeasureData {
                                text: "完成内设党支部优化调整".into(),
                                latest_progress: Some("13个支部合并为5个".into()),
                            },
                        ],
                    }],
                },
            ],
            stats: StatsData {
                total: 700,
                completed: 691,
                largely_completed: 5,
                in_progress: 3,
                not_completed: 1,
                rules: Some(12),
                money: vec![
                    ("清退".into(), "32500".into()),
                    ("追回".into(), "1200".into()),
                ],
                accountability: Some(3),
            },
            next_steps: vec![],
            contact: Some(
                "电话0769-22831389；电子邮箱：dgsfbrsk@dg.gov.cn；邮政编码：523888".into(),
            ),
        }
    }

    fn paragraphs(doc: &Document) -> Vec<String> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(t) | Block::Heading1(t) | Block::Heading2(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn title_and_opening_formula_carry_the_facts() {
        let d = seed_like();
        let doc = compose(&d);
        assert_eq!(
            doc.title,
            "中共东莞市人民政府机关党组关于十四届市委第十三轮巡察整改阶段性进展情况的通报"
        );
        assert_eq!(
            paragraphs(&doc)[0],
            "根据市委统一部署，2021年3月12日至4月9日，市委第一巡察组对中共东莞市人民政府机关党组进行了巡察。7月22日，市委第一巡察组向中共东莞市人民政府机关党组反馈了巡察意见。按照党务公开原则和巡察工作有关要求，现将巡察整改阶段性进展情况予以公布。"
        );
        assert_eq!(doc.issuer.as_deref(), Some("中共东莞市人民政府机关党组"));
        assert_eq!(doc.date, Some(day(2021, 12, 28)));
        // A reader of the published text finds the same facts.
        let n = rectify_notice::parse_text(&to_text(&doc));
        assert_eq!(n.title.as_deref(), Some(doc.title.as_str()));
        assert_eq!(n.issuer.as_deref(), Some("中共东莞市人民政府机关党组"));
        assert_eq!(n.published.as_deref(), Some("2021-12-28"));
        assert_eq!(n.inspection.team.as_deref(), Some("市委第一巡察组"));
        assert_eq!(
            n.inspection.inspected.as_deref(),
            Some("中共东莞市人民政府机关党组")
        );
        assert_eq!(n.inspection.from.as_deref(), Some("2021-03-12"));
        assert_eq!(n.inspection.to.as_deref(), Some("2021-04-09"));
        assert_eq!(n.inspection.feedback.as_deref(), Some("2021-07-22"));
        assert_eq!(n.inspection.round.as_deref(), Some("十四届市委第十三轮"));
        assert_eq!(n.contacts.phones, ["0769-22831389"]);
        assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    }

    #[test]
    fn opening_without_dates_and_across_years() {
        let mut d = seed_like();
        d.stationed_from = None;
        d.stationed_to = None;
        d.feedback_on = None;
        d.team = "省委第三巡视组".into();
        let p = paragraphs(&compose(&d))[0].clone();
        assert!(
            p.starts_with(
                "根据省委统一部署，省委第三巡视组对中共东莞市人民政府机关党组进行了巡视。按照"
            ),
            "{p}"
        );
        let mut d = seed_like();
        d.stationed_from = Some(day(2021, 11, 20));
        d.stationed_to = Some(day(2022, 1, 9));
        d.feedback_on = Some(day(2022, 3, 1));
        let p = paragraphs(&compose(&d))[0].clone();
        assert!(p.contains("2021年11月20日至2022年1月9日，"), "{p}");
        assert!(p.contains("。3月1日，市委第一巡察组向"), "{p}");
    }

    #[test]
    fn statistics_paragraph_is_computed_from_the_data() {
        let doc = compose(&seed_like());
        let stats = paragraphs(&doc)
            .into_iter()
            .find(|p| p.starts_with("截至"))
            .unwrap();
        assert_eq!(
            stats,
            "截至2021年12月28日，巡察反馈的问题共700个，已完成整改691个，基本完成5个，正在整改3个，未完成1个，整改完成率98.71%。整改过程中，建章立制12项，清退3.25万元，追回1200元，追责问责3人。"
        );
        let n = rectify_notice::parse_text(&to_text(&doc));
        assert_eq!(n.stats.problems_total, Some(700));
        assert_eq!(n.stats.completed, Some(691));
        assert_eq!(n.stats.largely_completed, Some(5));
        assert_eq!(n.stats.in_progress, Some(3));
        assert_eq!(n.stats.not_completed, Some(1));
        assert_eq!(n.stats.completion_rate, Some(98.71));
        assert_eq!(n.stats.rules, Some(12));
        let money: Vec<(&str, &str)> = n
            .stats
            .money
            .iter()
            .map(|m| (m.label.as_str(), m.yuan.as_str()))
            .collect();
        assert_eq!(money, [("清退", "32500"), ("追回", "1200")]);
        assert_eq!(n.stats.people.len(), 1);
        assert_eq!(n.stats.people[0].count, 3);
    }

    #[test]
    fn completion_rate_rounds_half_up_with_two_decimals() {
        let rate = |completed, total| {
            StatsData {
                total,
                completed,
                ..StatsData::default()
            }
            .completion_rate()
        };
        assert_eq!(rate(691, 700).as_deref(), Some("98.71%"));
        assert_eq!(rate(77, 78).as_deref(), Some("98.72%"));
        assert_eq!(rate(1, 3).as_deref(), Some("33.33%"));
        assert_eq!(rate(2, 3).as_deref(), Some("66.67%"));
        assert_eq!(rate(1, 8).as_deref(), Some("12.50%"));
        assert_eq!(rate(5, 5).as_deref(), Some("100.00%"));
        assert_eq!(rate(0, 0), None);
        // No rate sentence without problems.
        let mut d = seed_like();
        d.stats = StatsData::default();
        let doc = compose(&d);
        let s = paragraphs(&doc)
            .into_iter()
            .find(|p| p.starts_with("截至"))
            .unwrap();
        assert!(!s.contains("完成率"), "{s}");
    }

    #[test]
    fn money_is_shifted_as_text() {
        assert_eq!(money("32500").as_deref(), Some("3.25万元"));
        assert_eq!(money("10000").as_deref(), Some("1万元"));
        assert_eq!(money("123400000").as_deref(), Some("12340万元"));
        assert_eq!(money("12345.67").as_deref(), Some("1.234567万元"));
        assert_eq!(money("1200").as_deref(), Some("1200元"));
        assert_eq!(money("0.50").as_deref(), Some("0.5元"));
        assert_eq!(money("007").as_deref(), Some("7元"));
        assert_eq!(money("1e5"), None);
        assert_eq!(money(""), None);
    }

    #[test]
    fn problem_headings_read_as_problems() {
        assert_eq!(
            problem_heading("针对党务工作不规范的问题。"),
            "针对党务工作不规范的问题"
        );
        assert_eq!(
            problem_heading("关于“三重一大”问题的整改"),
            "关于“三重一大”问题的整改"
        );
        assert_eq!(
            problem_heading("选人用人不规范问题"),
            "针对选人用人不规范问题"
        );
        assert_eq!(
            problem_heading("干部教育培训针对性不强"),
            "针对干部教育培训针对性不强的问题"
        );
    }

    #[test]
    fn aspects_problems_and_numbered_measures() {
        let doc = compose(&seed_like());
        let p = paragraphs(&doc);
        let at = |t: &str| {
            p.iter()
                .position(|x| x == t)
                .unwrap_or_else(|| panic!("no {t:?} in {p:#?}"))
        };
        let a1 = at("第一方面问题，党的领导方面仍需加强。");
        let p1 = at("（一）针对党组发挥领导作用不够充分的问题");
        let m1 = at(
            "1.严格按照要求讨论和决定重大问题。整改进展：已在党组会上专题学习并研究年度工作计划。",
        );
        let m2 = at("2.及时向上级党委报备分工调整情况。");
        let p2 = at("（二）针对制度建设不够完善的问题");
        let a2 = at("第二方面问题，基层党建抓得不够严实。");
        // Problems restart at （一） under each aspect, measures at 1. under each problem.
        let p3 = at("（一）针对党务工作不规范的问题");
        let m3 = at("3.完成内设党支部优化调整。整改进展：13个支部合并为5个。");
        assert!(a1 < p1 && p1 < m1 && m1 < m2 && m2 < p2 && p2 < a2 && a2 < p3 && p3 < m3);
        at("1.及时更新相关制度。整改进展：已修订工作规则。");
        // The three top-level sections, in order.
        let h: Vec<&String> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading1(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(h.len(), 3);
        assert_eq!(h[2], "下一步工作计划");
        assert!(p.iter().any(|x| x.starts_with("（三）推动工作提升。")));
        let text = to_text(&doc);
        assert!(text.contains("\u{3000}\u{3000}一、加强组织领导"), "{text}");
        assert!(text.contains("\u{3000}\u{3000}二、坚持问题导向"));
        assert!(text.contains("\u{3000}\u{3000}三、下一步工作计划"));
        let org = p.iter().find(|x| x.contains("领导小组")).unwrap();
        assert!(org.contains("成立巡察整改工作领导小组"), "{org}");
        assert!(
            org.contains("下设2个专项整改责任组（党建责任组、财务责任组）"),
            "{org}"
        );
        assert!(
            org.contains("先后召开党组会6次、召开联络员会议4次"),
            "{org}"
        );
        // The tree read back from the text.
        let n = rectify_notice::parse_text(&text);
        assert_eq!(n.counts.aspects, 2, "{}", rectify_notice::render_tree(&n));
        assert_eq!(n.counts.problems, 3);
        assert_eq!(n.counts.measures, 6);
        assert_eq!(n.aspects[0].title, "党的领导方面仍需加强");
        assert_eq!(
            n.aspects[0].problems[0].measures[1].marker.as_deref(),
            Some("2.")
        );
        let roles: Vec<_> = n.sections.iter().map(|s| s.role).collect();
        assert!(
            roles.contains(&rectify_notice::SectionRole::Organisation),
            "{roles:?}"
        );
        assert!(
            roles.contains(&rectify_notice::SectionRole::NextSteps),
            "{roles:?}"
        );
    }

    #[test]
    fn markdown_and_docx_render_the_same_notice() {
        let doc = compose(&seed_like());
        let md = to_markdown(&doc);
        assert!(md.starts_with("# 中共东莞市人民政府机关党组关于"), "{md}");
        assert!(md.contains("\n## 二、坚持问题导向"));
        let bytes = write(&doc).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }

    /// Compose and write a 1,000-problem notice once and report the time (no assertion: the
    /// figure is for the issue's ≤ 200 ms budget; debug builds are slower than release).
    #[test]
    fn thousand_problem_notice_timing() {
        let mut d = seed_like();
        d.aspects = (0..10)
            .map(|a| AspectData {
                title: format!("第{a}类问题仍需加强"),
                problems: (0..100)
                    .map(|p| ProblemData {
                        title: format!("针对党组发挥领导作用不够充分的问题{a}-{p}"),
                        measures: (0..3)
                            .map(|_| MeasureData {
                                text: "严格按照要求讨论和决定部分重大问题，强化工作研究和部署".into(),
                                latest_progress: Some(
                                    "在党组会上专题学习了有关论述，研究年度工作计划、发展思路、重大工作任务。".into(),
                                ),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let started = std::time::Instant::now();
        let doc = compose(&d);
        let composed = started.elapsed();
        let bytes = write(&doc).unwrap();
        let total = started.elapsed();
        eprintln!(
            "1,000 problems / 3,000 measures: compose {:.1} ms, compose+write {:.1} ms, {} KiB docx",
            composed.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            bytes.len() / 1024
        );
    }

    // ---- the round trip: ledger → notice text → notice reader ---------------------------------

    const WORDS: &[&str] = &[
        "党建",
        "制度",
        "落实",
        "责任",
        "监督",
        "管理",
        "廉政",
        "干部",
        "队伍",
        "建设",
        "财务",
        "预算",
        "采购",
        "合同",
        "档案",
        "学习",
        "教育",
        "整治",
        "风险",
        "防控",
        "作风",
        "纪律",
        "考核",
        "机制",
        "规范",
        "执行",
        "资金",
        "审批",
        "服务",
        "党费",
        "会议",
        "基层",
        "巡察",
        "信访",
        "群众",
        "宣传",
        "意识形态",
        "选人用人",
        "固定资产",
        "公务接待",
    ];

    fn phrase(min: usize, max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(WORDS), min..=max).prop_map(|w| w.concat())
    }

    fn measure_data() -> impl Strategy<Value = MeasureData> {
        (phrase(2, 8), prop::option::of(phrase(2, 8))).prop_map(|(text, latest_progress)| {
            MeasureData {
                text,
                latest_progress,
            }
        })
    }

    fn problem_data() -> impl Strategy<Value = ProblemData> {
        (
            phrase(2, 5),
            any::<bool>(),
            prop::collection::vec(measure_data(), 1..=5),
        )
            .prop_map(|(t, keyword, measures)| ProblemData {
                // Both the customary 针对…的问题 and a bare title.
                title: if keyword {
                    format!("针对{t}不够到位的问题")
                } else {
                    format!("{t}不够到位")
                },
                measures,
            })
    }

    fn notice_data() -> impl Strategy<Value = NoticeData> {
        (
            prop::collection::vec(
                (phrase(2, 4), prop::collection::vec(problem_data(), 1..=6)).prop_map(
                    |(t, problems)| AspectData {
                        title: format!("{t}方面仍需加强"),
                        problems,
                    },
                ),
                1..=5,
            ),
            (0u32..500, 0u32..100, 0u32..100, 0u32..100),
            prop::option::of(0u32..50),
            prop::option::of(0u32..20),
            prop::collection::vec(phrase(2, 6), 0..3),
        )
            .prop_map(
                |(aspects, (c, l, i, n), rules, accountability, next_steps)| {
                    let mut d = seed_like();
                    d.aspects = aspects;
                    d.stats = StatsData {
                        total: c + l + i + n,
                        completed: c,
                        largely_completed: l,
                        in_progress: i,
                        not_completed: n,
                        rules,
                        money: vec![],
                        accountability,
                    };
                    d.next_steps = next_steps;
                    d
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn composed_notice_reads_back_as_the_same_tree(d in notice_data()) {
            let text = to_text(&compose(&d));
            let n = rectify_notice::parse_text(&text);
            let tree = || rectify_notice::render_tree(&n);
            prop_assert_eq!(n.aspects.len(), d.aspects.len(), "{}", tree());
            for (got, want) in n.aspects.iter().zip(&d.aspects) {
                prop_assert_eq!(&got.title, &want.title);
                let titles: Vec<&str> = got.problems.iter().map(|p| p.title.as_str()).collect();
                let want_titles: Vec<String> = want.problems.iter().map(|p| problem_heading(&p.title)).collect();
                prop_assert_eq!(titles, want_titles, "{}", tree());
                let counts: Vec<usize> = got.problems.iter().map(|p| p.measures.len()).collect();
                let want_counts: Vec<usize> = want.problems.iter().map(|p| p.measures.len()).collect();
                prop_assert_eq!(counts, want_counts, "{}", tree());
            }
            let s = &n.stats;
            prop_assert_eq!(s.problems_total, Some(d.stats.total));
            prop_assert_eq!(s.completed, Some(d.stats.completed));
            prop_assert_eq!(s.largely_completed, Some(d.stats.largely_completed));
            prop_assert_eq!(s.in_progress, Some(d.stats.in_progress));
            prop_assert_eq!(s.not_completed, Some(d.stats.not_completed));
            prop_assert_eq!(s.rules, d.stats.rules);
            match d.stats.completion_rate() {
                Some(rate) => {
                    let published = format!("{:.2}%", s.completion_rate.unwrap_or(-1.0));
                    prop_assert_eq!(published, rate);
                }
                None => prop_assert_eq!(s.completion_rate, None),
            }
            prop_assert!(
                !n.warnings.iter().any(|w| w.code == "rate_mismatch"),
                "{:?}", n.warnings
            );
        }
    }
}
