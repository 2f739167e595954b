//! The supervision notice (督办单) and the monthly lagging / at-risk list (滞后事项、隐患事项清单)
//! composed from plain data into the shared GB/T 9704 [`Document`].
//!
//! A 督办单 reads: 发文字号 `督办〔2026〕12号`, the title, the addressed unit as 主送机关, an
//! opening paragraph with the tier (督办等级), `一、督办事项` as a table (序号, 督办事项, 责任单位,
//! 完成时限, 当前状态), `二、办理要求` with the reply date written as `2026年4月10日前`, then
//! the issuer and the issue date. Pure: no clock, no I/O.

use chrono::NaiveDate;

use crate::chinese_date;
use crate::docx::{Block, Document, Table};

/// Everything a supervision notice says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeDocData {
    /// The issuing office (发文机关), e.g. `市委巡察整改工作领导小组办公室`.
    pub issuer: String,
    /// `督办〔2026〕12号`; `None` for a draft.
    pub doc_number: Option<String>,
    pub title: String,
    /// The addressed unit (主送).
    pub unit: String,
    /// `一般督办` / `重点督办` / `挂牌督办`.
    pub tier: String,
    /// The office's own words; empty gives the customary opening.
    pub body: Option<String>,
    pub items: Vec<NoticeDocItem>,
    /// The date by which the unit must reply in writing.
    pub reply_due: NaiveDate,
    /// 成文日期; `None` for a draft.
    pub issued_on: Option<NaiveDate>,
    /// Contact line (联系人、电话), as 附注.
    pub contact: Option<String>,
}

/// One item pressed on: a measure or problem (with its unit, deadline and state) or free text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeDocItem {
    pub text: String,
    pub responsible_unit: Option<String>,
    pub deadline: Option<NaiveDate>,
    /// `正在整改`, `已销号` … (the measure's state label).
    pub status: Option<String>,
}

/// The 督办单 as an official document.
pub fn compose(d: &NoticeDocData) -> Document {
    let mut blocks = Vec::with_capacity(6);
    let opening = d
        .body
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            "根据巡察整改工作安排，经梳理，你单位下列整改事项进展滞后或临近完成时限，现予以督办。"
                .to_owned()
        });
    blocks.push(Block::Paragraph(opening));
    blocks.push(Block::Paragraph(format!("督办等级：{}。", d.tier.trim())));
    blocks.push(Block::Heading1("督办事项".into()));
    blocks.push(Block::Table(Table {
        header: ["序号", "督办事项", "责任单位", "完成时限", "当前状态"]
            .map(String::from)
            .to_vec(),
        rows: d
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                vec![
                    (i + 1).to_string(),
                    it.text.clone(),
                    it.responsible_unit.clone().unwrap_or_default(),
                    it.deadline.map(chinese_date).unwrap_or_default(),
                    it.status.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }));
    blocks.push(Block::Heading1("办理要求".into()));
    blocks.push(Block::Paragraph(format!(
        "请你单位高度重视，对照督办事项逐项研究落实，于{}前将办理情况（含佐证材料）书面报送{}。逾期未回复的，将提级督办；整改不力的，按有关规定严肃问责。",
        chinese_date(d.reply_due),
        d.issuer.trim()
    )));
    Document {
        title: d.title.trim().to_owned(),
        doc_number: d.doc_number.clone().filter(|n| !n.trim().is_empty()),
        addressee: Some(d.unit.trim().to_owned()).filter(|u| !u.is_empty()),
        blocks,
        issuer: Some(d.issuer.trim().to_owned()).filter(|s| !s.is_empty()),
        date: d.issued_on,
        attachments: Vec::new(),
        contact: d.contact.clone().filter(|c| !c.trim().is_empty()),
    }
}

/// The monthly lists: lagging (滞后) and at-risk (隐患) items grouped by unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthlyListData {
    pub issuer: String,
    /// `2026年3月`
    pub month: String,
    pub as_of: NaiveDate,
    pub lagging: Vec<UnitItems>,
    pub at_risk: Vec<UnitItems>,
    /// Items counted but not listed (lists are capped).
    pub lagging_total: usize,
    pub at_risk_total: usize,
    /// Within how many working days an item counts as at risk.
    pub window_days: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitItems {
    pub unit: String,
    pub items: Vec<ListDocItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListDocItem {
    pub problem: String,
    pub text: String,
    pub deadline: NaiveDate,
    pub percent: i64,
    /// Days past the deadline (negative: days left).
    pub days_overdue: i64,
}

fn list_table(units: &[UnitItems], lagging: bool) -> Table {
    let mut rows = Vec::new();
    let mut n = 0;
    for u in units {
        for it in &u.items {
            n += 1;
            let when = if lagging {
                format!("逾期{}天", it.days_overdue.max(0))
            } else {
                format!("剩余{}天", (-it.days_overdue).max(0))
            };
            rows.push(vec![
                n.to_string(),
                u.unit.clone(),
                it.problem.clone(),
                it.text.clone(),
                chinese_date(it.deadline),
                format!("{}%", it.percent),
                when,
            ]);
        }
    }
    Table {
        header: [
            "序号",
            "责任单位",
            "问题",
            "整改措施",
            "完成时限",
            "进度",
            if lagging { "逾期" } else { "剩余" },
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The monthly list as a document the office edits and issues.
pub fn compose_monthly_list(d: &MonthlyListData) -> Document {
    let count = |u: &[UnitItems]| u.iter().map(|u| u.items.len()).sum::<usize>();
    let (lag, risk) = (count(&d.lagging), count(&d.at_risk));
    let mut blocks = vec![Block::Paragraph(format!(
        "截至{}，经梳理，巡察整改滞后事项（已超过完成时限仍未销号）{}项，涉及{}个单位；隐患事项（{}个工作日内到期尚未完成）{}项，涉及{}个单位。现将清单印发，请各有关单位对照清单抓紧整改，按要求报送整改进展。",
        chinese_date(d.as_of),
        d.lagging_total.max(lag),
        d.lagging.len(),
        d.window_days,
        d.at_risk_total.max(risk),
        d.at_risk.len()
    ))];
    blocks.push(Block::Heading1("滞后事项清单".into()));
    if lag == 0 {
        blocks.push(Block::Paragraph("本月无滞后事项。".into()));
    } else {
        blocks.push(Block::Table(list_table(&d.lagging, true)));
        if d.lagging_total > lag {
            blocks.push(Block::Paragraph(format!(
                "（另有{}项未列出，详见系统清单。）",
                d.lagging_total - lag
            )));
        }
    }
    blocks.push(Block::Heading1("隐患事项清单".into()));
    if risk == 0 {
        blocks.push(Block::Paragraph("本月无隐患事项。".into()));
    } else {
        blocks.push(Block::Table(list_table(&d.at_risk, false)));
        if d.at_risk_total > risk {
            blocks.push(Block::Paragraph(format!(
                "（另有{}项未列出，详见系统清单。）",
                d.at_risk_total - risk
            )));
        }
    }
    Document {
        title: format!("{}巡察整改滞后事项和隐患事项清单", d.month),
        addressee: Some("各有关单位".into()),
        blocks,
        issuer: Some(d.issuer.trim().to_owned()).filter(|s| !s.is_empty()),
        date: Some(d.as_of),
        ..Document::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::{to_text, write};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample() -> NoticeDocData {
        NoticeDocData {
            issuer: "市委巡察整改工作领导小组办公室".into(),
            doc_number: Some("督办〔2026〕12号".into()),
            title: "关于加快推进巡察整改落实的督办单".into(),
            unit: "市教育局".into(),
            tier: "重点督办".into(),
            body: None,
            items: vec![
                NoticeDocItem {
                    text: "修订党组工作规则".into(),
                    responsible_unit: Some("办公室".into()),
                    deadline: Some(day(2026, 2, 28)),
                    status: Some("正在整改".into()),
                },
                NoticeDocItem {
                    text: "完善财务报销制度".into(),
                    responsible_unit: Some("财务科".into()),
                    deadline: Some(day(2026, 3, 31)),
                    status: Some("已退回".into()),
                },
            ],
            reply_due: day(2026, 4, 10),
            issued_on: Some(day(2026, 3, 20)),
            contact: Some("联系人：李明，电话：0769-22831389".into()),
        }
    }

    #[test]
    fn notice_carries_number_title_items_and_reply_date() {
        let doc = compose(&sample());
        let text = to_text(&doc);
        assert!(text.contains("督办〔2026〕12号"), "{text}");
        assert!(text.contains("关于加快推进巡察整改落实的督办单"));
        assert!(text.contains("市教育局："), "addressee with colon");
        assert!(text.contains("督办等级：重点督办。"));
        assert!(text.contains("一、督办事项"));
        assert!(text.contains("修订党组工作规则") && text.contains("完善财务报销制度"));
        assert!(text.contains("2026年2月28日"));
        assert!(text.contains("于2026年4月10日前将办理情况"), "{text}");
        assert!(text.contains("二、办理要求"));
        assert!(text.contains("2026年3月20日"));
        let bytes = write(&doc).unwrap();
        assert!(bytes.starts_with(b"PK"));
        // A draft has no number and no date.
        let mut d = sample();
        d.doc_number = None;
        d.issued_on = None;
        let doc = compose(&d);
        assert_eq!((doc.doc_number, doc.date), (None, None));
    }

    #[test]
    fn monthly_list_counts_and_tables() {
        let d = MonthlyListData {
            issuer: "市委巡察整改工作领导小组办公室".into(),
            month: "2026年3月".into(),
            as_of: day(2026, 3, 31),
            lagging: vec![UnitItems {
                unit: "办公室".into(),
                items: vec![ListDocItem {
                    problem: "制度建设不够完善".into(),
                    text: "修订党组工作规则".into(),
                    deadline: day(2026, 3, 1),
                    percent: 40,
                    days_overdue: 30,
                }],
            }],
            at_risk: vec![],
            lagging_total: 1,
            at_risk_total: 0,
            window_days: 15,
        };
        let doc = compose_monthly_list(&d);
        assert_eq!(doc.title, "2026年3月巡察整改滞后事项和隐患事项清单");
        let text = to_text(&doc);
        assert!(
            text.contains("滞后事项（已超过完成时限仍未销号）1项，涉及1个单位"),
            "{text}"
        );
        assert!(text.contains("逾期30天"));
        assert!(text.contains("本月无隐患事项。"));
    }
}
