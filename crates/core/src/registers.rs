//! Registers that feed statistics and notices: meetings, rules issued or revised (建章立制),
//! accountability actions (问责), money (清退 / 追回 / 挽回经济损失, in integer fen), site visits
//! (实地督查) and admonitory talks (约谈). Kinds as enums; money parsed exactly, never as floats.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal, $zh:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
            /// Chinese label as the published texts write it.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$v => $zh,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

labelled_enum! {
    /// Which register an entry belongs to.
    RegisterKind {
        Meeting = "meeting", "会议";
        Rule = "rule", "建章立制";
        Accountability = "accountability", "问责";
        Money = "money", "资金";
        SiteVisit = "site_visit", "实地督查";
        Talk = "talk", "约谈";
    }
}

labelled_enum! {
    /// Kinds of meeting recorded against the rectification work.
    MeetingKind {
        /// 党组会
        PartyGroup = "party_group", "党组会";
        /// 整改领导小组会议
        LeadingGroup = "leading_group", "领导小组会议";
        /// 联络员会议
        Liaison = "liaison", "联络员会议";
        /// 推进会 / 调度会 / 专题汇报
        Briefing = "briefing", "推进会";
        /// 专题民主生活会
        DemocraticLife = "democratic_life", "民主生活会";
    }
}

labelled_enum! {
    /// Forms of accountability (问责方式), mildest first.
    AccountabilityForm {
        /// 谈话提醒
        Reminder = "reminder", "谈话提醒";
        /// 批评教育
        Criticism = "criticism", "批评教育";
        /// 责令检查
        SelfExamination = "self_examination", "责令检查";
        /// 诫勉
        Admonishment = "admonishment", "诫勉";
        /// 通报 (批评)
        Circular = "circular", "通报";
        /// 组织处理 (调整、免职 …)
        Organisational = "organisational", "组织处理";
        /// 党纪政务处分
        Disciplinary = "disciplinary", "党纪政务处分";
    }
}

labelled_enum! {
    /// Money figures in the published statistics.
    MoneyKind {
        /// 清退
        Refunded = "refunded", "清退";
        /// 追回
        Recovered = "recovered", "追回";
        /// 挽回经济损失
        LossesRetrieved = "losses_retrieved", "挽回经济损失";
    }
}

labelled_enum! {
    /// A rule made new or revised.
    RuleChange {
        New = "new", "新制定";
        Revised = "revised", "修订";
    }
}

/// An exact amount of money in fen (分). Never a float.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl utoipa::PartialSchema for Fen {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        i64::schema()
    }
}
impl utoipa::ToSchema for Fen {}

/// Largest amount accepted: 1e13 yuan in fen fits comfortably in i64.
const MAX_FEN: i64 = 1_000_000_000_000_000;

impl Fen {
    /// Parse yuan as people write it: `1234.56`, `1,234.56元`, `1，234元`, `12.34万元`,
    /// `3.25万`. At most two decimals of yuan (six of 万元); no sign, no exponent.
    pub fn parse_yuan(field: &str, s: &str) -> Result<Fen, FieldError> {
        let bad = |why: &str| {
            FieldError::new(
                field,
                "invalid_amount",
                format!(
                    "金额 '{s}' 无效:{why} (amount in yuan such as 1234.56, 1,234.56元 or 12.34万元)"
                ),
            )
        };
        let t = s.trim();
        let t = t.strip_suffix('元').unwrap_or(t).trim_end();
        let (t, wan) = match t.strip_suffix('万') {
            Some(rest) => (rest.trim_end(), true),
            None => (t, false),
        };
        if t.is_empty() {
            return Err(bad("为空"));
        }
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        // Thousands separators: groups of three after the first group.
        let groups: Vec<&str> = int.split([',', '，']).collect();
        if groups.len() > 1
            && (groups[0].is_empty()
                || groups[0].len() > 3
                || groups[1..].iter().any(|g| g.len() != 3))
        {
            return Err(bad("千分位分隔不正确"));
        }
        let int: String = groups.concat();
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || t.ends_with('.')
        {
            return Err(bad("只能包含数字、小数点和千分位逗号"));
        }
        // Shift to fen: yuan × 100, or 万元 × 1 000 000.
        let scale = if wan { 6 } else { 2 };
        if frac.len() > scale {
            return Err(bad(if wan {
                "万元最多六位小数"
            } else {
                "最多两位小数(分)"
            }));
        }
        let digits = format!("{int}{frac:0<scale$}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 18 {
            return Err(bad("金额过大"));
        }
        let v: i64 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| bad("金额过大"))?
        };
        if v > MAX_FEN {
            return Err(bad("金额过大"));
        }
        Ok(Fen(v))
    }

    /// Yuan as an exact decimal string with no trailing zeros: `123456` fen → `1234.56`,
    /// `120000` → `1200`.
    pub fn yuan(self) -> String {
        let (sign, v) = if self.0 < 0 {
            ("-", self.0.unsigned_abs())
        } else {
            ("", self.0.unsigned_abs())
        };
        let (y, f) = (v / 100, v % 100);
        if f == 0 {
            format!("{sign}{y}")
        } else if f % 10 == 0 {
            format!("{sign}{y}.{}", f / 10)
        } else {
            format!("{sign}{y}.{f:02}")
        }
    }

    pub fn checked_add(self, o: Fen) -> Option<Fen> {
        self.0.checked_add(o.0).map(Fen)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}元", self.yuan())
    }
}

/// A register entry as submitted: the kind-specific part, with text not yet checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EntryInput {
    Meeting {
        meeting_kind: MeetingKind,
        topic: String,
        attendees: Option<String>,
        decisions: Option<String>,
    },
    Rule {
        title: String,
        /// 文号 in the 〔YYYY〕N号 form, e.g. 东府办〔2021〕35号.
        doc_number: Option<String>,
        change: RuleChange,
    },
    Accountability {
        person: String,
        form: AccountabilityForm,
        reason: Option<String>,
    },
    Money {
        money_kind: MoneyKind,
        /// Yuan as written: `1234.56`, `1,234.56元`, `12.34万元`.
        amount: String,
        note: Option<String>,
    },
    SiteVisit {
        subject: String,
        findings: Option<String>,
    },
    Talk {
        person: String,
        reason: Option<String>,
    },
}

/// A checked register entry: trimmed bounded text, a parsed document number, money in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryBody {
    Meeting {
        meeting_kind: MeetingKind,
        topic: String,
        attendees: Option<String>,
        decisions: Option<String>,
    },
    Rule {
        title: String,
        doc_number: Option<String>,
        change: RuleChange,
    },
    Accountability {
        person: String,
        form: AccountabilityForm,
        reason: Option<String>,
    },
    Money {
        money_kind: MoneyKind,
        amount_fen: Fen,
        /// The same amount as an exact decimal of yuan, for display.
        amount_yuan: String,
        note: Option<String>,
    },
    SiteVisit {
        subject: String,
        findings: Option<String>,
    },
    Talk {
        person: String,
        reason: Option<String>,
    },
}

impl EntryInput {
    /// Check every field; errors name it as `entry.<field>`.
    pub fn check(&self) -> Result<EntryBody, FieldError> {
        use crate::text::{NAME_MAX, TEXT_MAX, TITLE_MAX, bounded, optional};
        let f = |n: &str| format!("entry.{n}");
        Ok(match self {
            EntryInput::Meeting {
                meeting_kind,
                topic,
                attendees,
                decisions,
            } => EntryBody::Meeting {
                meeting_kind: *meeting_kind,
                topic: bounded(&f("topic"), topic, TITLE_MAX)?,
                attendees: optional(&f("attendees"), attendees.as_deref(), TEXT_MAX)?,
                decisions: optional(&f("decisions"), decisions.as_deref(), TEXT_MAX)?,
            },
            EntryInput::Rule {
                title,
                doc_number,
                change,
            } => EntryBody::Rule {
                title: bounded(&f("title"), title, TITLE_MAX)?,
                doc_number: match doc_number.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(n) => Some(crate::notices::doc_number(&f("doc_number"), n)?.to_string()),
                },
                change: *change,
            },
            EntryInput::Accountability {
                person,
                form,
                reason,
            } => EntryBody::Accountability {
                person: bounded(&f("person"), person, NAME_MAX)?,
                form: *form,
                reason: optional(&f("reason"), reason.as_deref(), TEXT_MAX)?,
            },
            EntryInput::Money {
                money_kind,
                amount,
                note,
            } => {
                let fen = Fen::parse_yuan(&f("amount"), amount)?;
                EntryBody::Money {
                    money_kind: *money_kind,
                    amount_fen: fen,
                    amount_yuan: fen.yuan(),
                    note: optional(&f("note"), note.as_deref(), TEXT_MAX)?,
                }
            }
            EntryInput::SiteVisit { subject, findings } => EntryBody::SiteVisit {
                subject: bounded(&f("subject"), subject, TITLE_MAX)?,
                findings: optional(&f("findings"), findings.as_deref(), TEXT_MAX)?,
            },
            EntryInput::Talk { person, reason } => EntryBody::Talk {
                person: bounded(&f("person"), person, NAME_MAX)?,
                reason: optional(&f("reason"), reason.as_deref(), TEXT_MAX)?,
            },
        })
    }
}

impl EntryBody {
    pub fn kind(&self) -> RegisterKind {
        match self {
            EntryBody::Meeting { .. } => RegisterKind::Meeting,
            EntryBody::Rule { .. } => RegisterKind::Rule,
            EntryBody::Accountability { .. } => RegisterKind::Accountability,
            EntryBody::Money { .. } => RegisterKind::Money,
            EntryBody::SiteVisit { .. } => RegisterKind::SiteVisit,
            EntryBody::Talk { .. } => RegisterKind::Talk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(s: &str) -> i64 {
        Fen::parse_yuan("amount", s).unwrap().0
    }

    #[test]
    fn money_parses_exactly_into_fen() {
        assert_eq!(fen("1234.56"), 123_456);
        assert_eq!(fen("1,234.56元"), 123_456);
        assert_eq!(fen("1，234元"), 123_400);
        assert_eq!(fen("12.34万元"), 12_340_000);
        assert_eq!(fen("3.25万"), 3_250_000);
        assert_eq!(fen("0.01"), 1);
        assert_eq!(fen("0.1"), 10);
        assert_eq!(fen("1.000001万元"), 1_000_000 + 1);
        assert_eq!(fen(" 7 元"), 700);
        assert_eq!(fen("0"), 0);
        // 0.1 + 0.2 done in fen is exact.
        assert_eq!(fen("0.1") + fen("0.2"), fen("0.3"));
        for bad in [
            "",
            "元",
            "1.234",
            "-5",
            "1e5",
            "1,23.00",
            ",123",
            "12,3456",
            "1.",
            "abc",
            "1.0000001万元",
            "99999999999999999999",
        ] {
            let e = Fen::parse_yuan("amount", bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code),
                ("amount", "invalid_amount"),
                "{bad}"
            );
        }
    }

    #[test]
    fn fen_prints_as_exact_yuan() {
        assert_eq!(Fen(123_456).yuan(), "1234.56");
        assert_eq!(Fen(120_000).yuan(), "1200");
        assert_eq!(Fen(3_250_010).yuan(), "32500.1");
        assert_eq!(Fen(5).yuan(), "0.05");
        assert_eq!(Fen(0).to_string(), "0元");
        for s in ["1234.56", "0.05", "32500.1", "1200"] {
            assert_eq!(Fen::parse_yuan("a", s).unwrap().yuan(), s);
        }
    }

    #[test]
    fn entries_are_checked_field_by_field() {
        let rule = |n: &str| EntryInput::Rule {
            title: "党组工作规则".into(),
            doc_number: Some(n.into()),
            change: RuleChange::Revised,
        };
        let e = rule("东府办[2021]35号").check().unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("entry.doc_number", "wrong_brackets")
        );
        assert!(matches!(
            rule(" 东府办〔2021〕35号 ").check().unwrap(),
            EntryBody::Rule { doc_number: Some(n), .. } if n == "东府办〔2021〕35号"
        ));
        let money = EntryInput::Money {
            money_kind: MoneyKind::Recovered,
            amount: "1,234.56元".into(),
            note: None,
        };
        assert!(matches!(
            money.check().unwrap(),
            EntryBody::Money { amount_fen: Fen(123_456), ref amount_yuan, .. } if amount_yuan == "1234.56"
        ));
        let talk = EntryInput::Talk {
            person: "  ".into(),
            reason: None,
        };
        assert_eq!(talk.check().unwrap_err().field, "entry.person");
        let v: EntryInput = serde_json::from_str(
            r#"{"kind":"accountability","person":"王某","form":"admonishment","reason":null}"#,
        )
        .unwrap();
        assert_eq!(v.check().unwrap().kind(), RegisterKind::Accountability);
        assert!(
            serde_json::from_str::<EntryInput>(r#"{"kind":"talk","person":"王某","extra":1}"#)
                .is_err()
        );
    }

    #[test]
    fn kinds_round_trip_with_labels() {
        for k in AccountabilityForm::ALL {
            assert_eq!(AccountabilityForm::parse(k.as_str()), Some(*k));
        }
        assert_eq!(AccountabilityForm::Disciplinary.label_zh(), "党纪政务处分");
        for k in MeetingKind::ALL {
            assert_eq!(MeetingKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(MeetingKind::PartyGroup.label_zh(), "党组会");
        assert_eq!(MoneyKind::LossesRetrieved.label_zh(), "挽回经济损失");
        assert_eq!(
            RegisterKind::parse("site_visit"),
            Some(RegisterKind::SiteVisit)
        );
        assert_eq!(RegisterKind::parse("nope"), None);
    }
}
