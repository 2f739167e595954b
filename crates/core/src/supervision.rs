//! Traffic-light rules (红黄绿灯预警) of the daily supervision run and the escalation tiers they
//! imply (owner → leader in charge → principal leader). Pure: the caller supplies the calendar.

use chrono::NaiveDate;
use rectify_calendar::{Calendar, CalendarError};
use serde::{Deserialize, Serialize};

use crate::ledger::MeasureKind;
use crate::state::MeasureState;

/// A measure's light under the supervision rules, in rising order of urgency.
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
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// On track.
    Green,
    /// Ongoing measure (长期坚持) without a fixed deadline, when configured.
    Blue,
    /// Deadline near, or behind the planned pace.
    Yellow,
    /// Overdue.
    Red,
    /// Overdue by more than the configured number of working days, when configured.
    DeepRed,
}

impl Light {
    pub const ALL: [Light; 5] = [
        Light::Green,
        Light::Blue,
        Light::Yellow,
        Light::Red,
        Light::DeepRed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Blue => "blue",
            Light::Yellow => "yellow",
            Light::Red => "red",
            Light::DeepRed => "deep_red",
        }
    }

    pub fn parse(s: &str) -> Option<Light> {
        Light::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Light::Green => "绿灯",
            Light::Blue => "蓝灯",
            Light::Yellow => "黄灯",
            Light::Red => "红灯",
            Light::DeepRed => "深红灯",
        }
    }

    /// Whether the light asks someone to act (yellow and above).
    pub fn needs_attention(self) -> bool {
        self >= Light::Yellow
    }
}

/// Who is told at an escalation tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// 责任人
    Owner,
    /// 责任领导
    LeaderInCharge,
    /// 主要负责人 of the inspected organisation.
    PrincipalLeader,
}

/// Escalation tier: 0 nobody, 1 the owner, 2 also the leader in charge, 3 also the principal
/// leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tier(u8);

impl Tier {
    pub const NONE: Tier = Tier(0);
    pub const OWNER: Tier = Tier(1);
    pub const LEADER: Tier = Tier(2);
    pub const PRINCIPAL: Tier = Tier(3);

    pub fn get(self) -> u8 {
        self.0
    }

    /// From a stored number; anything above 3 is 3.
    pub fn from_stored(n: i64) -> Tier {
        Tier(n.clamp(0, 3) as u8)
    }

    /// Who is told at this tier, lowest first.
    pub fn recipients(self) -> &'static [Recipient] {
        use Recipient::*;
        match self.0 {
            0 => &[],
            1 => &[Owner],
            2 => &[Owner, LeaderInCharge],
            _ => &[Owner, LeaderInCharge, PrincipalLeader],
        }
    }
}

/// Why a measure has its light (explains itself in the inbox and the history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    OnTrack,
    Ongoing,
    DueSoon { deadline: NaiveDate },
    BehindPace { percent: u8, planned: u8 },
    Overdue { deadline: NaiveDate },
    LongOverdue { deadline: NaiveDate },
}

impl Reason {
    /// One line in Chinese for the inbox.
    pub fn text_zh(self) -> String {
        match self {
            Reason::OnTrack => "按计划推进".to_owned(),
            Reason::Ongoing => "长期坚持事项".to_owned(),
            Reason::DueSoon { deadline } => format!("临近完成时限({deadline})"),
            Reason::BehindPace { percent, planned } => {
                format!("进度滞后:完成{percent}%,计划应达{planned}%")
            }
            Reason::Overdue { deadline } => format!("已超过完成时限({deadline})"),
            Reason::LongOverdue { deadline } => format!("严重逾期,完成时限为{deadline}"),
        }
    }
}

/// The configurable rules, stored as JSON (unknown fields refused, missing ones default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LightRules {
    /// Yellow when the deadline is at most this many working days ahead (0: only on the day).
    pub yellow_within_workdays: u32,
    /// Yellow when the reported percent is more than this many points below the planned pace.
    pub behind_pace_points: u8,
    /// Also plan a straight-line pace from the inspection's feedback date to the deadline
    /// (otherwise only milestones set a pace).
    pub linear_pace: bool,
    /// Deep red when overdue by more than this many working days (absent: no deep red tier).
    pub deep_red_after_workdays: Option<u32>,
    /// Blue for ongoing measures without a deadline (otherwise green).
    pub blue_for_ongoing: bool,
    /// Lowest light that also reaches the leader in charge.
    #[schema(value_type = String)]
    pub leader_from: Light,
    /// Lowest light that also reaches the organisation's principal leader.
    #[schema(value_type = String)]
    pub principal_from: Light,
}

impl Default for LightRules {
    fn default() -> Self {
        LightRules {
            yellow_within_workdays: 5,
            behind_pace_points: 0,
            linear_pace: false,
            deep_red_after_workdays: Some(20),
            blue_for_ongoing: false,
            leader_from: Light::Red,
            principal_from: Light::DeepRed,
        }
    }
}

/// A rule set that cannot work, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    pub field: &'static str,
    pub message: String,
}

/// The dates a day's evaluation compares deadlines with, computed once per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub today: NaiveDate,
    /// A deadline on or before this day (and not past) is yellow.
    pub yellow_until: NaiveDate,
    /// A deadline before this day is deep red.
    pub deep_red_before: Option<NaiveDate>,
}

/// What the rules need to know about a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureFacts {
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub deadline: Option<NaiveDate>,
    pub percent: u8,
    /// The highest milestone percent due on or before today, if any.
    pub milestone_percent: Option<u8>,
    /// The inspection's feedback date (start of the straight-line pace).
    pub feedback_on: Option<NaiveDate>,
}

/// A measure's light, its tier and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub light: Light,
    pub tier: Tier,
    pub reason: Reason,
}

impl LightRules {
    /// Refuses rule sets that contradict themselves.
    pub fn validate(&self) -> Result<(), RuleError> {
        let err = |field, message: &str| {
            Err(RuleError {
                field,
                message: message.to_owned(),
            })
        };
        if self.yellow_within_workdays > 250 {
            return err("yellow_within_workdays", "at most 250 working days");
        }
        if self.behind_pace_points > 100 {
            return err("behind_pace_points", "at most 100 points");
        }
        if let Some(n) = self.deep_red_after_workdays
            && !(1..=1000).contains(&n)
        {
            return err("deep_red_after_workdays", "between 1 and 1000 working days");
        }
        for (field, light) in [
            ("leader_from", self.leader_from),
            ("principal_from", self.principal_from),
        ] {
            if !light.needs_attention() {
                return err(field, "must be yellow, red or deep_red");
            }
        }
        if self.principal_from < self.leader_from {
            return err(
                "principal_from",
                "must not be below leader_from (escalation only rises)",
            );
        }
        Ok(())
    }

    /// The dates of `today` under the calendar; fails naming a year without a schedule.
    pub fn thresholds(
        &self,
        cal: &Calendar,
        today: NaiveDate,
    ) -> Result<Thresholds, CalendarError> {
        let yellow_until = if self.yellow_within_workdays == 0 {
            today
        } else {
            cal.add_workdays(today, i64::from(self.yellow_within_workdays))?
        };
        let deep_red_before = match self.deep_red_after_workdays {
            // Working days in (deadline, today] exceed n exactly when the deadline is before
            // the n-th working day counted back from today.
            Some(n) => Some(cal.add_workdays(today, -i64::from(n))?),
            None => None,
        };
        Ok(Thresholds {
            today,
            yellow_until,
            deep_red_before,
        })
    }

    /// [`thresholds`](Self::thresholds) for pages when the window reaches a year the calendar
    /// has no schedule for yet (late December, before the next year is loaded): that year's
    /// days count as Monday–Friday working days, and the years so assumed are returned so the
    /// caller can say so. The daily run never uses this; it refuses until the year is loaded.
    pub fn thresholds_assuming_weekdays(
        &self,
        cal: &Calendar,
        today: NaiveDate,
    ) -> Result<(Thresholds, Vec<i32>), CalendarError> {
        use chrono::{Datelike, Weekday};
        let mut assumed = Vec::new();
        let mut add = |from: NaiveDate, n: i64| -> Result<NaiveDate, CalendarError> {
            let mut d = from;
            let mut left = n.unsigned_abs();
            let step = if n >= 0 { 1 } else { -1 };
            while left > 0 {
                d = d
                    .checked_add_signed(chrono::Duration::days(step))
                    .ok_or(CalendarError::DateOutOfRange { from })?;
                let work = match cal.is_workday(d) {
                    Ok(w) => w,
                    Err(CalendarError::YearNotCovered { year }) => {
                        if !assumed.contains(&year) {
                            assumed.push(year);
                        }
                        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
                    }
                    Err(e) => return Err(e),
                };
                if work {
                    left -= 1;
                }
            }
            Ok(d)
        };
        let yellow_until = add(today, i64::from(self.yellow_within_workdays))?;
        let deep_red_before = match self.deep_red_after_workdays {
            Some(n) => Some(add(today, -i64::from(n))?),
            None => None,
        };
        Ok((
            Thresholds {
                today,
                yellow_until,
                deep_red_before,
            },
            assumed,
        ))
    }

    /// The escalation tier of a light.
    pub fn tier(&self, light: Light) -> Tier {
        if !light.needs_attention() {
            Tier::NONE
        } else if light >= self.principal_from {
            Tier::PRINCIPAL
        } else if light >= self.leader_from {
            Tier::LEADER
        } else {
            Tier::OWNER
        }
    }

    /// The planned percent as of today: the milestones, and the straight line when enabled.
    pub fn planned_percent(&self, th: &Thresholds, m: &MeasureFacts) -> Option<u8> {
        let linear = match (self.linear_pace, m.feedback_on, m.deadline) {
            (true, Some(start), Some(end)) if start < end && start <= th.today => {
                let span = (end - start).num_days();
                let done = (th.today - start).num_days().min(span);
                Some(u8::try_from(done * 100 / span).unwrap_or(100))
            }
            _ => None,
        };
        match (m.milestone_percent, linear) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The light of an open measure; `None` for measures outside supervision (draft, closed).
    pub fn assess(&self, th: &Thresholds, m: &MeasureFacts) -> Option<Assessment> {
        if m.state == MeasureState::Draft || m.state.is_closed() {
            return None;
        }
        let (light, reason) = self.light_and_reason(th, m);
        Some(Assessment {
            light,
            tier: self.tier(light),
            reason,
        })
    }

    fn light_and_reason(&self, th: &Thresholds, m: &MeasureFacts) -> (Light, Reason) {
        if let Some(deadline) = m.deadline {
            if deadline < th.today {
                return if th.deep_red_before.is_some_and(|x| deadline < x) {
                    (Light::DeepRed, Reason::LongOverdue { deadline })
                } else {
                    (Light::Red, Reason::Overdue { deadline })
                };
            }
            if deadline <= th.yellow_until {
                return (Light::Yellow, Reason::DueSoon { deadline });
            }
        }
        if let Some(planned) = self.planned_percent(th, m)
            && u16::from(m.percent) + u16::from(self.behind_pace_points) < u16::from(planned)
        {
            return (
                Light::Yellow,
                Reason::BehindPace {
                    percent: m.percent,
                    planned,
                },
            );
        }
        if m.deadline.is_none() && m.kind == MeasureKind::Ongoing && self.blue_for_ongoing {
            return (Light::Blue, Reason::Ongoing);
        }
        (Light::Green, Reason::OnTrack)
    }
}

/// What the daily run recorded about a measure for the day a page, export or list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The run of that day assessed the measure as it still is (not changed since the run
    /// started): its light, `None` when outside supervision (draft, closed).
    Current(Option<Light>),
    /// No run of that day yet, or the measure changed after it.
    Stale,
}

/// The light a measure shows on the day of `th` — the one authority for every page, export,
/// list and the run itself: the run's recorded light where it is current, otherwise the same
/// rule the run applies ([`LightRules::assess`] on the working days of the calendar), so both
/// give the same answer for the same facts. `None` outside supervision (draft, closed).
pub fn shown_light(
    rules: &LightRules,
    th: &Thresholds,
    facts: &MeasureFacts,
    recorded: Recorded,
) -> Option<Light> {
    match recorded {
        Recorded::Current(light) => light,
        Recorded::Stale => rules.assess(th, facts).map(|a| a.light),
    }
}

/// Whether a change from `before` (none: not assessed before) to `now` should notify: the
/// measure needs attention and its light or tier rose.
pub fn should_notify(before: Option<(Light, Tier)>, now: (Light, Tier)) -> bool {
    now.0.needs_attention()
        && match before {
            None => true,
            Some((light, tier)) => now.0 > light || now.1 > tier,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn pages_assume_weekdays_for_a_year_not_loaded_and_say_which() {
        let rules = LightRules::default();
        let cal = Calendar::builtin();
        let last = *cal.years().last().unwrap();
        let late = NaiveDate::from_ymd_opt(last, 12, 30).unwrap();
        assert!(matches!(
            rules.thresholds(&cal, late),
            Err(CalendarError::YearNotCovered { .. })
        ));
        let (th, assumed) = rules.thresholds_assuming_weekdays(&cal, late).unwrap();
        assert_eq!(assumed, [last + 1]);
        assert!(th.yellow_until > late);
        // Inside the loaded years both give the same thresholds and assume nothing.
        let mid = NaiveDate::from_ymd_opt(last, 6, 1).unwrap();
        let (th2, none) = rules.thresholds_assuming_weekdays(&cal, mid).unwrap();
        assert_eq!((th2, none), (rules.thresholds(&cal, mid).unwrap(), vec![]));
    }

    fn open(deadline: Option<&str>, percent: u8) -> MeasureFacts {
        MeasureFacts {
            kind: MeasureKind::TimeBound,
            state: MeasureState::InProgress,
            deadline: deadline.map(d),
            percent,
            milestone_percent: None,
            feedback_on: None,
        }
    }

    fn light_on(rules: &LightRules, today: &str, m: &MeasureFacts) -> Option<Light> {
        let th = rules.thresholds(&Calendar::builtin(), d(today)).unwrap();
        rules.assess(&th, m).map(|a| a.light)
    }

    #[test]
    fn green_yellow_red_deep_red_by_deadline() {
        let r = LightRules::default();
        let m = open(Some("2025-03-31"), 10);
        assert_eq!(light_on(&r, "2025-03-01", &m), Some(Light::Green));
        // 2025-03-24 (Mon) + 5 working days = 03-31: due within the window.
        assert_eq!(light_on(&r, "2025-03-24", &m), Some(Light::Yellow));
        assert_eq!(light_on(&r, "2025-03-21", &m), Some(Light::Green));
        assert_eq!(light_on(&r, "2025-03-31", &m), Some(Light::Yellow));
        assert_eq!(light_on(&r, "2025-04-01", &m), Some(Light::Red));
        // The 20th working day after 03-31 is 04-28 (清明 04-04 off, Sunday 04-27 worked for
        // 劳动节); on 04-29 it is 21 working days overdue: deep red.
        assert_eq!(light_on(&r, "2025-04-28", &m), Some(Light::Red));
        assert_eq!(light_on(&r, "2025-04-29", &m), Some(Light::DeepRed));
        let no_deep = LightRules {
            deep_red_after_workdays: None,
            ..LightRules::default()
        };
        assert_eq!(light_on(&no_deep, "2026-01-30", &m), Some(Light::Red));
    }

    #[test]
    fn closed_and_draft_have_no_light() {
        let r = LightRules::default();
        for state in [
            MeasureState::Draft,
            MeasureState::Closed,
            MeasureState::ClosedOngoing,
        ] {
            let m = MeasureFacts {
                state,
                ..open(Some("2025-01-01"), 0)
            };
            assert_eq!(light_on(&r, "2025-03-01", &m), None);
        }
    }

    #[test]
    fn yellow_window_counts_working_days_across_national_day() {
        // 2024 National Day: 10-01..10-07 off, 09-29 (Sun) and 10-12 (Sat) worked.
        let r = LightRules::default();
        let m = open(Some("2024-10-10"), 50);
        // From 09-30 (Mon): 5 working days are 10-08, 10-09, 10-10, 10-11, 10-12 → yellow.
        assert_eq!(light_on(&r, "2024-09-30", &m), Some(Light::Yellow));
        // From 09-27 (Fri): 09-29, 09-30, 10-08, 10-09, 10-10 → still within.
        assert_eq!(light_on(&r, "2024-09-27", &m), Some(Light::Yellow));
        // From 09-26 (Thu): 09-27, 09-29, 09-30, 10-08, 10-09 → 10-10 is beyond: green.
        assert_eq!(light_on(&r, "2024-09-26", &m), Some(Light::Green));
        // Seven calendar days would have made it yellow on 09-26 already; working days do not.
        let th = r.thresholds(&Calendar::builtin(), d("2024-09-26")).unwrap();
        assert_eq!(th.yellow_until, d("2024-10-09"));
    }

    /// The light pages and exports show, for known calendar cases where calendar days (the
    /// old 7-day rule) and working days disagree.
    fn shown(today: &str, deadline: &str) -> Option<Light> {
        let r = LightRules::default();
        let th = r.thresholds(&Calendar::builtin(), d(today)).unwrap();
        shown_light(&r, &th, &open(Some(deadline), 10), Recorded::Stale)
    }

    #[test]
    fn shown_light_counts_working_days_of_the_calendar() {
        // National Day 2024 (10-01..10-07 off): from 09-27 (Fri) the 5th working day is 10-10
        // (09-29 Sunday worked), so 10-10 is yellow though 13 calendar days away ...
        assert_eq!(shown("2024-09-27", "2024-10-10"), Some(Light::Yellow));
        // ... and 10-11 is green.
        assert_eq!(shown("2024-09-27", "2024-10-11"), Some(Light::Green));
        // Spring Festival 2025 (01-28..02-04 off, Sunday 01-26 worked): from 01-24 (Fri) the
        // working days are 01-26, 01-27, 02-05, 02-06, 02-07: 02-07 yellow, 02-08 (Saturday,
        // worked) green.
        assert_eq!(shown("2025-01-24", "2025-02-07"), Some(Light::Yellow));
        assert_eq!(shown("2025-01-24", "2025-02-08"), Some(Light::Green));
        // An ordinary week: Monday + 5 working days is next Monday; next Tuesday is green
        // although 8 calendar days away (the old calendar rule: green too) — and the deadline
        // day itself and overdue are the same on both rules.
        assert_eq!(shown("2025-03-03", "2025-03-10"), Some(Light::Yellow));
        assert_eq!(shown("2025-03-03", "2025-03-11"), Some(Light::Green));
        assert_eq!(shown("2025-03-03", "2025-03-03"), Some(Light::Yellow));
        assert_eq!(shown("2025-03-04", "2025-03-03"), Some(Light::Red));
    }

    #[test]
    fn the_recorded_light_wins_when_current() {
        let r = LightRules::default();
        let th = r.thresholds(&Calendar::builtin(), d("2025-03-03")).unwrap();
        let m = open(Some("2025-12-31"), 10);
        assert_eq!(
            shown_light(&r, &th, &m, Recorded::Stale),
            Some(Light::Green)
        );
        // E.g. recorded under rules since changed, or behind a milestone since removed: the
        // run's record of the day stands for the day.
        assert_eq!(
            shown_light(&r, &th, &m, Recorded::Current(Some(Light::Yellow))),
            Some(Light::Yellow)
        );
        assert_eq!(shown_light(&r, &th, &m, Recorded::Current(None)), None);
        let closed = MeasureFacts {
            state: MeasureState::Closed,
            ..m
        };
        assert_eq!(shown_light(&r, &th, &closed, Recorded::Stale), None);
    }

    #[test]
    fn year_without_schedule_is_an_error_naming_it() {
        let err = LightRules::default()
            .thresholds(&Calendar::builtin(), d("2031-06-01"))
            .unwrap_err();
        assert_eq!(err, CalendarError::YearNotCovered { year: 2031 });
    }

    #[test]
    fn behind_pace_with_milestones() {
        let r = LightRules::default();
        let mut m = open(Some("2025-12-31"), 30);
        assert_eq!(light_on(&r, "2025-06-02", &m), Some(Light::Green));
        m.milestone_percent = Some(50);
        let th = r.thresholds(&Calendar::builtin(), d("2025-06-02")).unwrap();
        let a = r.assess(&th, &m).unwrap();
        assert_eq!(a.light, Light::Yellow);
        assert_eq!(
            a.reason,
            Reason::BehindPace {
                percent: 30,
                planned: 50
            }
        );
        assert_eq!(a.tier, Tier::OWNER);
        m.percent = 50;
        assert_eq!(light_on(&r, "2025-06-02", &m), Some(Light::Green));
        // A tolerance lets small shortfalls pass.
        m.percent = 45;
        let tolerant = LightRules {
            behind_pace_points: 5,
            ..LightRules::default()
        };
        assert_eq!(light_on(&tolerant, "2025-06-02", &m), Some(Light::Green));
        assert_eq!(light_on(&r, "2025-06-02", &m), Some(Light::Yellow));
    }

    #[test]
    fn linear_pace_when_enabled() {
        let r = LightRules {
            linear_pace: true,
            ..LightRules::default()
        };
        let mut m = open(Some("2025-12-31"), 10);
        m.feedback_on = Some(d("2025-01-01"));
        // Half way through the year about 49 % is planned; 10 % is behind.
        assert_eq!(light_on(&r, "2025-07-01", &m), Some(Light::Yellow));
        m.percent = 60;
        assert_eq!(light_on(&r, "2025-07-01", &m), Some(Light::Green));
        // Off by default.
        m.percent = 10;
        assert_eq!(
            light_on(&LightRules::default(), "2025-07-01", &m),
            Some(Light::Green)
        );
    }

    #[test]
    fn blue_for_ongoing_when_configured() {
        let mut m = open(None, 0);
        m.kind = MeasureKind::Ongoing;
        assert_eq!(
            light_on(&LightRules::default(), "2025-07-01", &m),
            Some(Light::Green)
        );
        let blue = LightRules {
            blue_for_ongoing: true,
            ..LightRules::default()
        };
        assert_eq!(light_on(&blue, "2025-07-01", &m), Some(Light::Blue));
        assert_eq!(blue.tier(Light::Blue), Tier::NONE);
    }

    #[test]
    fn tiers_escalate_owner_leader_principal() {
        let r = LightRules::default();
        assert_eq!(r.tier(Light::Green), Tier::NONE);
        assert_eq!(r.tier(Light::Yellow).recipients(), &[Recipient::Owner]);
        assert_eq!(
            r.tier(Light::Red).recipients(),
            &[Recipient::Owner, Recipient::LeaderInCharge]
        );
        assert_eq!(
            r.tier(Light::DeepRed).recipients(),
            &[
                Recipient::Owner,
                Recipient::LeaderInCharge,
                Recipient::PrincipalLeader
            ]
        );
        let early = LightRules {
            leader_from: Light::Yellow,
            principal_from: Light::Red,
            ..LightRules::default()
        };
        assert_eq!(early.tier(Light::Yellow), Tier::LEADER);
        assert_eq!(early.tier(Light::Red), Tier::PRINCIPAL);
    }

    #[test]
    fn bad_rules_name_the_field() {
        let r = LightRules {
            leader_from: Light::DeepRed,
            principal_from: Light::Red,
            ..LightRules::default()
        };
        assert_eq!(r.validate().unwrap_err().field, "principal_from");
        let r = LightRules {
            leader_from: Light::Green,
            ..LightRules::default()
        };
        assert_eq!(r.validate().unwrap_err().field, "leader_from");
        let r = LightRules {
            deep_red_after_workdays: Some(0),
            ..LightRules::default()
        };
        assert_eq!(r.validate().unwrap_err().field, "deep_red_after_workdays");
        assert!(LightRules::default().validate().is_ok());
        let e = serde_json::from_str::<LightRules>(r#"{"yelow_within_workdays": 3}"#);
        assert!(e.is_err(), "unknown fields are refused");
        let partial: LightRules = serde_json::from_str(r#"{"yellow_within_workdays": 3}"#).unwrap();
        assert_eq!(partial.yellow_within_workdays, 3);
        assert_eq!(partial.leader_from, Light::Red);
    }

    #[test]
    fn notify_only_when_light_or_tier_rises() {
        let y = (Light::Yellow, Tier::OWNER);
        let r = (Light::Red, Tier::LEADER);
        assert!(should_notify(None, y));
        assert!(!should_notify(None, (Light::Green, Tier::NONE)));
        assert!(!should_notify(Some(y), y));
        assert!(should_notify(Some(y), r));
        assert!(!should_notify(Some(r), y));
        assert!(should_notify(Some((Light::Red, Tier::OWNER)), r));
    }
}
