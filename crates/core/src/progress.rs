//! Status derived from state, kind and deadline: overdue, problem progress and the public
//! statistics. Computed on read, never stored, so never stale. (The traffic light is
//! `supervision`'s: one rule on working days for pages, exports and the daily run.)

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ledger::MeasureKind;
use crate::state::MeasureState;

/// Overdue: past the (inclusive) deadline and not closed.
pub fn is_overdue(state: MeasureState, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    !state.is_closed() && state != MeasureState::Draft && deadline.is_some_and(|d| d < today)
}

/// Traffic light (红黄绿灯): the one light type of the ledger, its pages, exports and the daily
/// run. Which light a measure has is decided only by the supervision rules
/// ([`crate::supervision::LightRules::assess`], working days of the calendar) — see
/// [`crate::supervision::shown_light`]; there is no second, calendar-day rule.
pub use crate::supervision::Light;

/// A problem's standing in the public statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemProgress {
    /// 已完成: signed off.
    Completed,
    /// 基本完成: every measure closed except ongoing ones still under way (or closed as ongoing).
    LargelyCompleted,
    /// 正在整改
    InProgress,
    /// 未完成: some measure overdue.
    NotCompleted,
}

/// The part of a measure that decides its problem's progress.
#[derive(Debug, Clone, Copy)]
pub struct MeasureFacts {
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub deadline: Option<NaiveDate>,
}

/// Whether every measure is closed, so the problem may be signed off.
pub fn can_sign_off(measures: &[MeasureFacts]) -> bool {
    !measures.is_empty() && measures.iter().all(|m| m.state.is_closed())
}

/// Derive a problem's progress from its sign-off and its measures.
pub fn problem_progress(
    signed_off: bool,
    measures: &[MeasureFacts],
    today: NaiveDate,
) -> ProblemProgress {
    if signed_off {
        return ProblemProgress::Completed;
    }
    if measures
        .iter()
        .any(|m| is_overdue(m.state, m.deadline, today))
    {
        return ProblemProgress::NotCompleted;
    }
    let only_ongoing_open = !measures.is_empty()
        && measures.iter().all(|m| {
            m.state == MeasureState::Closed
                || m.kind == MeasureKind::Ongoing && m.state != MeasureState::Draft
        });
    if only_ongoing_open && measures.iter().any(|m| m.kind == MeasureKind::Ongoing) {
        ProblemProgress::LargelyCompleted
    } else {
        ProblemProgress::InProgress
    }
}

/// Public statistics over problems.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stats {
    pub total: u64,
    pub completed: u64,
    pub largely_completed: u64,
    pub in_progress: u64,
    pub not_completed: u64,
}

impl Stats {
    pub fn add(&mut self, p: ProblemProgress) {
        self.total += 1;
        match p {
            ProblemProgress::Completed => self.completed += 1,
            ProblemProgress::LargelyCompleted => self.largely_completed += 1,
            ProblemProgress::InProgress => self.in_progress += 1,
            ProblemProgress::NotCompleted => self.not_completed += 1,
        }
    }

    /// Completion rate in hundredths of a percent (9871 = 98.71 %), rounded half up, as published.
    pub fn completion_rate_bp(&self) -> Option<u64> {
        (self.total > 0).then(|| (self.completed * 10_000 * 2 + self.total) / (self.total * 2))
    }

    /// "98.71%"
    pub fn completion_rate_text(&self) -> Option<String> {
        self.completion_rate_bp()
            .map(|bp| format!("{}.{:02}%", bp / 100, bp % 100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn m(kind: MeasureKind, state: MeasureState, deadline: &str) -> MeasureFacts {
        MeasureFacts {
            kind,
            state,
            deadline: Some(d(deadline)),
        }
    }

    #[test]
    fn deadline_is_inclusive() {
        let s = MeasureState::InProgress;
        assert!(!is_overdue(s, Some(d("2021-12-31")), d("2021-12-31")));
        assert!(is_overdue(s, Some(d("2021-12-31")), d("2022-01-01")));
        assert!(!is_overdue(
            MeasureState::Closed,
            Some(d("2021-12-31")),
            d("2022-01-01")
        ));
    }

    #[test]
    fn problem_progress_follows_the_published_categories() {
        use MeasureKind::*;
        use MeasureState::*;
        let today = d("2021-12-28");
        assert_eq!(
            problem_progress(true, &[], today),
            ProblemProgress::Completed
        );
        let closed_and_ongoing = [
            m(TimeBound, Closed, "2021-10-31"),
            m(Ongoing, InProgress, "2021-12-31"),
        ];
        assert_eq!(
            problem_progress(false, &closed_and_ongoing, today),
            ProblemProgress::LargelyCompleted
        );
        assert!(!can_sign_off(&closed_and_ongoing));
        let overdue = [m(TimeBound, InProgress, "2021-10-31")];
        assert_eq!(
            problem_progress(false, &overdue, today),
            ProblemProgress::NotCompleted
        );
        let open = [m(TimeBound, InProgress, "2022-10-31")];
        assert_eq!(
            problem_progress(false, &open, today),
            ProblemProgress::InProgress
        );
        assert!(can_sign_off(&[
            m(TimeBound, Closed, "2021-10-31"),
            m(Ongoing, ClosedOngoing, "2021-10-31")
        ]));
    }

    #[test]
    fn completion_rate_matches_published_rounding() {
        // 十四届市委第十三轮巡察 style figures: 229 of 232 → 98.71 %.
        let s = Stats {
            total: 232,
            completed: 229,
            ..Stats::default()
        };
        assert_eq!(s.completion_rate_text().unwrap(), "98.71%");
        let s = Stats {
            total: 3,
            completed: 2,
            ..Stats::default()
        };
        assert_eq!(s.completion_rate_text().unwrap(), "66.67%");
        assert_eq!(Stats::default().completion_rate_bp(), None);
    }
}
