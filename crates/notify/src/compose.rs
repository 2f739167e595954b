//! The digest's text, composed from plain data: a subject and a plain-text body in Chinese.

use chrono::{Datelike, NaiveDate};

/// One thing the person should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Escalation tier: 1 the owner, 2 also the leader in charge, 3 also the principal leader.
    pub tier: i64,
    pub message: String,
}

/// A composed digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub body: String,
}

fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn tier_label(tier: i64) -> &'static str {
    match tier {
        t if t >= 3 => "【督办·已报主要负责人】",
        2 => "【督促·已报分管领导】",
        _ => "【提醒】",
    }
}

/// The day's digest for one person, or `None` when nothing is due (no e-mail is sent then).
pub fn compose(name: &str, day: NaiveDate, items: &[Item]) -> Option<Composed> {
    if items.is_empty() {
        return None;
    }
    let subject = format!(
        "【整改通】{} 整改事项提醒（{}项）",
        zh_date(day),
        items.len()
    );
    let mut body = format!(
        "{name}同志：\n\n截至{}，您有 {} 项整改事项需要关注：\n\n",
        zh_date(day),
        items.len()
    );
    for (i, it) in items.iter().enumerate() {
        body.push_str(&format!(
            "{}. {}{}\n",
            i + 1,
            tier_label(it.tier),
            it.message.trim()
        ));
    }
    body.push_str(
        "\n请登录整改通（Rectify）查看详情并及时处理。\n本邮件由系统每日汇总发送一次，请勿直接回复。\n",
    );
    Some(Composed { subject, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_due_means_no_digest() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(compose("张三", d, &[]), None);
    }

    #[test]
    fn a_digest_lists_every_item_in_order() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        let c = compose(
            "张三",
            d,
            &[
                Item {
                    tier: 3,
                    message: "措施 7「清理违规公务用车」已逾期 12 个工作日(红灯)".into(),
                },
                Item {
                    tier: 1,
                    message: "措施 9 将于 3 个工作日内到期(黄灯)".into(),
                },
            ],
        )
        .unwrap();
        assert_eq!(c.subject, "【整改通】2026年3月5日 整改事项提醒（2项）");
        assert!(
            c.body
                .starts_with("张三同志：\n\n截至2026年3月5日，您有 2 项")
        );
        let first = c.body.find("1. 【督办·已报主要负责人】措施 7").unwrap();
        let second = c.body.find("2. 【提醒】措施 9").unwrap();
        assert!(first < second);
    }
}
