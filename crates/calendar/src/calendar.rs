//! The calendar: which days are worked, and working-day arithmetic over it.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::CalendarError;
use crate::festival::FestivalSet;
use crate::term::Term;

const BUILTIN_TEXT: &str = include_str!("../data/holidays-cn.txt");

/// What kind of day a date is under the schedule of its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    /// Monday–Friday outside any holiday.
    Workday,
    /// Saturday or Sunday that is not an adjusted working day.
    Weekend,
    /// A day off of a festival break (放假), whatever its weekday.
    Holiday { name: FestivalSet },
    /// A Saturday or Sunday worked because of a festival break (调休上班).
    AdjustedWorkday { for_festival: FestivalSet },
}

impl DayKind {
    /// Whether people work on such a day.
    pub fn is_workday(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday { .. })
    }
}

/// A day the schedule says something about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    Holiday(FestivalSet),
    Workday(FestivalSet),
}

impl Mark {
    pub(crate) fn is_holiday(self) -> bool {
        matches!(self, Mark::Holiday(_))
    }
}

/// One line of a year block: a festival's days off and/or its adjusted working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) festivals: FestivalSet,
    pub(crate) range: Option<(NaiveDate, NaiveDate)>,
    pub(crate) workdays: Vec<NaiveDate>,
}

/// The validated schedule of one calendar year.
///
/// Equality compares the days (what each date is), not the order lines were written in.
#[derive(Debug, Clone)]
pub struct YearSchedule {
    year: i32,
    entries: Vec<Entry>,
    days: BTreeMap<NaiveDate, Mark>,
}

impl PartialEq for YearSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.year == other.year && self.days == other.days
    }
}

impl Eq for YearSchedule {}

impl YearSchedule {
    pub(crate) fn from_parts(
        year: i32,
        entries: Vec<Entry>,
        days: BTreeMap<NaiveDate, Mark>,
    ) -> Self {
        YearSchedule {
            year,
            entries,
            days,
        }
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The calendar year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The holiday ranges `(festivals, first day, last day)`, in the order written.
    pub fn holidays(&self) -> impl Iterator<Item = (FestivalSet, NaiveDate, NaiveDate)> + '_ {
        self.entries
            .iter()
            .filter_map(|e| e.range.map(|(from, to)| (e.festivals, from, to)))
    }

    /// The adjusted working days (调休上班) in date order, with the festival each serves.
    pub fn adjusted_workdays(&self) -> impl Iterator<Item = (NaiveDate, FestivalSet)> + '_ {
        self.days.iter().filter_map(|(d, m)| match m {
            Mark::Workday(f) => Some((*d, *f)),
            Mark::Holiday(_) => None,
        })
    }
}

/// Holiday schedules for a set of years, and working-day arithmetic over them.
///
/// Every date a method is given or walks over must lie in a covered year; otherwise the
/// method fails with [`CalendarError::YearNotCovered`] rather than guess weekends only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearSchedule>,
}

impl Calendar {
    /// The shipped schedule, 2020–2026, from `data/holidays-cn.txt`.
    pub fn builtin() -> Calendar {
        // The shipped text is parsed by the test suite, so this cannot fail in a release.
        crate::text::parse(BUILTIN_TEXT)
            .unwrap_or_else(|e| panic!("shipped data/holidays-cn.txt is invalid: {e}"))
    }

    /// Parses and validates the line format (see the crate README); all or nothing.
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        crate::text::parse(text)
    }

    /// Writes the calendar in the line format; `parse(to_text())` gives an equal calendar.
    /// Comments are not kept.
    pub fn to_text(&self) -> String {
        crate::text::write(self)
    }

    /// One year's block in the line format (`[YEAR]` header first), if covered; parsing it
    /// gives a calendar holding just that year.
    pub fn year_text(&self, year: i32) -> Option<String> {
        let schedule = self.years.get(&year)?;
        let mut out = String::new();
        crate::text::write_year(&mut out, schedule);
        Some(out)
    }

    pub(crate) fn from_years(years: impl IntoIterator<Item = YearSchedule>) -> Calendar {
        Calendar {
            years: years.into_iter().map(|s| (s.year, s)).collect(),
        }
    }

    pub(crate) fn schedules(&self) -> impl Iterator<Item = &YearSchedule> {
        self.years.values()
    }

    /// Adds the years of `other`. A year present in both must have the same schedule,
    /// else [`CalendarError::YearConflict`] and nothing is changed.
    pub fn merge(&mut self, other: Calendar) -> Result<(), CalendarError> {
        for (year, schedule) in &other.years {
            if self.years.get(year).is_some_and(|mine| mine != schedule) {
                return Err(CalendarError::YearConflict { year: *year });
            }
        }
        self.years.extend(other.years);
        Ok(())
    }

    /// Adds the years of `other`, replacing any schedule already held for them
    /// (for a corrected or late-amended notice).
    pub fn replace_years(&mut self, other: Calendar) {
        self.years.extend(other.years);
    }

    /// The covered years, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The schedule of one year, if covered.
    pub fn schedule(&self, year: i32) -> Option<&YearSchedule> {
        self.years.get(&year)
    }

    /// What kind of day `d` is.
    pub fn day_kind(&self, d: NaiveDate) -> Result<DayKind, CalendarError> {
        let schedule = self
            .years
            .get(&d.year())
            .ok_or(CalendarError::YearNotCovered { year: d.year() })?;
        Ok(match schedule.days.get(&d) {
            Some(Mark::Holiday(name)) => DayKind::Holiday { name: *name },
            Some(Mark::Workday(for_festival)) => DayKind::AdjustedWorkday {
                for_festival: *for_festival,
            },
            None if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) => DayKind::Weekend,
            None => DayKind::Workday,
        })
    }

    /// Whether `d` is a working day.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(d)?.is_workday())
    }

    /// The `n`-th working day after `d` (`d` itself not counted); negative `n` counts back.
    /// `n = 0` gives `d` if it is a working day, else the next working day.
    pub fn add_workdays(&self, d: NaiveDate, n: i64) -> Result<NaiveDate, CalendarError> {
        let mut current = d;
        if n == 0 {
            while !self.is_workday(current)? {
                current = step(current, true)?;
            }
            return Ok(current);
        }
        self.day_kind(d)?;
        let forward = n > 0;
        let mut remaining = n.unsigned_abs();
        while remaining > 0 {
            current = step(current, forward)?;
            if self.is_workday(current)? {
                remaining -= 1;
            }
        }
        Ok(current)
    }

    /// Working days after `from` up to and including `to`. When `to` is before `from`, the
    /// negated count of working days after `to` up to and including `from` (days overdue).
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        self.day_kind(from)?;
        self.day_kind(to)?;
        let (low, high, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0i64;
        let mut current = low;
        while current < high {
            current = step(current, true)?;
            if self.is_workday(current)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }

    /// `d` plus `n` calendar months, clamped to the end of a shorter month
    /// (01-31 + 1 month = 02-28/29). Saturates at the last date chrono represents.
    pub fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
        d.checked_add_months(Months::new(n))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The last day of a relative term counted from `start` (the start day is not counted).
    ///
    /// Working days: [`Calendar::add_workdays`]. Calendar days and months: the day the
    /// term ends (months clamped to month end); if that is not a working day, the next
    /// working day, as 《民法典》第二百零三条 extends a period ending on a rest day.
    pub fn due_date(&self, start: NaiveDate, term: Term) -> Result<NaiveDate, CalendarError> {
        self.day_kind(start)?;
        let end = match term {
            Term::Workdays(n) => return self.add_workdays(start, n),
            Term::CalendarDays(n) => chrono::TimeDelta::try_days(n)
                .and_then(|delta| start.checked_add_signed(delta))
                .ok_or(CalendarError::DateOutOfRange { from: start })?,
            Term::Months(n) => start
                .checked_add_months(Months::new(n))
                .ok_or(CalendarError::DateOutOfRange { from: start })?,
        };
        self.add_workdays(end, 0)
    }
}

fn step(d: NaiveDate, forward: bool) -> Result<NaiveDate, CalendarError> {
    let next = if forward { d.succ_opt() } else { d.pred_opt() };
    next.ok_or(CalendarError::DateOutOfRange { from: d })
}
