//! The ledger's entities: round → inspection → aspect → problem → measure, with progress reports
//! and evidence. Plain data; validation of new values happens in the `parse` constructors.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::state::MeasureState;
use crate::text;

/// Kind of measure (整改类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// 立行立改
    Immediate,
    /// 限期整改
    TimeBound,
    /// 长期坚持 / 持续整改
    Ongoing,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 3] = [
        MeasureKind::Immediate,
        MeasureKind::TimeBound,
        MeasureKind::Ongoing,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::Immediate => "immediate",
            MeasureKind::TimeBound => "time_bound",
            MeasureKind::Ongoing => "ongoing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            MeasureKind::Immediate => "立行立改",
            MeasureKind::TimeBound => "限期整改",
            MeasureKind::Ongoing => "长期坚持",
        }
    }
}

/// Severity of a problem: a level into the configured list (default 1 一般, 2 较大, 3 重大).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = u8)]
pub struct Severity(u8);

impl Severity {
    pub const GENERAL: Severity = Severity(1);
    pub const MAJOR: Severity = Severity(2);
    pub const SERIOUS: Severity = Severity(3);

    /// A level within `1..=levels` of the configured scale.
    pub fn parse(field: &str, level: i64, levels: u8) -> Result<Severity, FieldError> {
        if (1..=i64::from(levels)).contains(&level) {
            Ok(Severity(level as u8))
        } else {
            Err(FieldError::new(
                field,
                "invalid_severity",
                format!("严重程度应为 1 至 {levels} (severity must be 1..={levels})"),
            ))
        }
    }
    pub fn level(self) -> u8 {
        self.0
    }
}

/// Kind of inspection (巡察类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    Regular,
    Special,
    Flexible,
    FollowUp,
}

impl InspectionKind {
    pub const ALL: [InspectionKind; 4] = [
        InspectionKind::Regular,
        InspectionKind::Special,
        InspectionKind::Flexible,
        InspectionKind::FollowUp,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionKind::Regular => "regular",
            InspectionKind::Special => "special",
            InspectionKind::Flexible => "flexible",
            InspectionKind::FollowUp => "follow_up",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The dates of an inspection, checked against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InspectionDates {
    pub stationed_from: Option<NaiveDate>,
    pub stationed_to: Option<NaiveDate>,
    pub feedback_on: Option<NaiveDate>,
    pub plan_due: Option<NaiveDate>,
    pub report_due: Option<NaiveDate>,
}

impl InspectionDates {
    /// Stationing ends after it starts; feedback comes after stationing; plan and report are due
    /// after feedback.
    pub fn check(self) -> Result<Self, FieldError> {
        fn order(
            a: Option<NaiveDate>,
            b: Option<NaiveDate>,
            field: &str,
            msg: &str,
        ) -> Result<(), FieldError> {
            match (a, b) {
                (Some(a), Some(b)) if b < a => Err(FieldError::new(field, "date_order", msg)),
                _ => Ok(()),
            }
        }
        order(
            self.stationed_from,
            self.stationed_to,
            "stationed_to",
            "进驻结束日期早于开始日期 (stationing ends before it starts)",
        )?;
        order(
            self.stationed_to,
            self.feedback_on,
            "feedback_on",
            "反馈日期早于进驻结束日期 (feedback before stationing ended)",
        )?;
        order(
            self.feedback_on,
            self.plan_due,
            "plan_due",
            "方案报送日期早于反馈日期 (plan due before feedback)",
        )?;
        order(
            self.feedback_on,
            self.report_due,
            "report_due",
            "报告报送日期早于反馈日期 (report due before feedback)",
        )?;
        Ok(self)
    }
}

/// A deadline must not fall before the inspection's feedback date.
pub fn check_deadline(
    deadline: NaiveDate,
    feedback_on: Option<NaiveDate>,
) -> Result<NaiveDate, FieldError> {
    match feedback_on {
        Some(f) if deadline < f => Err(FieldError::new(
            "deadline",
            "deadline_before_feedback",
            format!("完成时限 {deadline} 早于反馈日期 {f} (deadline before the feedback date)"),
        )),
        _ => Ok(deadline),
    }
}

/// A measure as stored, with the names of the people and units it refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Measure {
    pub id: i64,
    pub problem_id: i64,
    pub inspection_id: i64,
    pub seq: i64,
    pub text: String,
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub responsible_unit_id: Option<i64>,
    pub lead_unit_id: Option<i64>,
    pub co_unit_ids: Vec<i64>,
    pub leader_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub liaison_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub percent: i64,
    pub version: i64,
}

/// Text fields of a measure, validated.
pub fn measure_text(value: &str) -> Result<String, FieldError> {
    text::bounded("text", value, text::TEXT_MAX)
}

/// Progress percentage 0..=100.
pub fn percent(field: &str, v: i64) -> Result<i64, FieldError> {
    if (0..=100).contains(&v) {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            "out_of_range",
            "进度应在 0 到 100 之间 (percent must be 0..=100)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn deadline_before_feedback_is_refused() {
        let e = check_deadline(d("2021-07-01"), Some(d("2021-07-22"))).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("deadline", "deadline_before_feedback")
        );
        assert!(check_deadline(d("2021-07-22"), Some(d("2021-07-22"))).is_ok());
        assert!(check_deadline(d("2020-01-01"), None).is_ok());
    }

    #[test]
    fn inspection_dates_must_be_in_order() {
        let ok = InspectionDates {
            stationed_from: Some(d("2021-03-12")),
            stationed_to: Some(d("2021-04-09")),
            feedback_on: Some(d("2021-07-22")),
            plan_due: Some(d("2021-08-22")),
            report_due: Some(d("2021-10-22")),
        };
        assert!(ok.check().is_ok());
        let bad = InspectionDates {
            stationed_to: Some(d("2021-03-01")),
            ..ok
        };
        assert_eq!(bad.check().unwrap_err().field, "stationed_to");
        let bad = InspectionDates {
            plan_due: Some(d("2021-07-01")),
            ..ok
        };
        assert_eq!(bad.check().unwrap_err().field, "plan_due");
    }

    #[test]
    fn severity_is_bounded_by_the_scale() {
        assert_eq!(
            Severity::parse("severity", 3, 3).unwrap(),
            Severity::SERIOUS
        );
        assert_eq!(
            Severity::parse("severity", 4, 3).unwrap_err().code,
            "invalid_severity"
        );
        assert_eq!(
            Severity::parse("severity", 0, 3).unwrap_err().field,
            "severity"
        );
    }
}
