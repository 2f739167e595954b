//! The one error type of the crate.

use chrono::NaiveDate;

/// Everything that can go wrong reading a schedule or computing with it.
///
/// Parse errors name the 1-based line of the input; [`CalendarError::code`] gives a
/// stable snake_case code a UI can translate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A line that fits none of the forms of the format.
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    /// A festival name that is not one of 元旦 春节 清明节 劳动节 端午节 中秋节 国庆节.
    #[error(
        "line {line}: unknown festival {name:?} (expected 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, or two joined by 、)"
    )]
    UnknownFestival { line: usize, name: String },
    /// A date not written as a real YYYY-MM-DD day.
    #[error("line {line}: {text:?} is not a date in YYYY-MM-DD form")]
    BadDate { line: usize, text: String },
    /// A `[YEAR]` header whose year is not a number in 1900..=2200.
    #[error("line {line}: {text:?} is not a year in 1900..=2200")]
    BadYear { line: usize, text: String },
    /// A schedule line before the first `[YEAR]` header.
    #[error("line {line}: schedule line before any [YEAR] header")]
    NoYearHeader { line: usize },
    /// The same `[YEAR]` twice in one text.
    #[error("line {line}: year {year} is already declared on line {first_line}")]
    DuplicateYear {
        line: usize,
        year: i32,
        first_line: usize,
    },
    /// A `[YEAR]` block with no holiday or working day in it.
    #[error(
        "line {line}: year {year} has no holidays; an empty year would silently mean weekends only"
    )]
    EmptyYear { line: usize, year: i32 },
    /// A date outside the year of its block.
    #[error("line {line}: {date} lies outside the declared year {year}")]
    DateOutsideYear {
        line: usize,
        date: NaiveDate,
        year: i32,
    },
    /// A range whose end is before its start.
    #[error("line {line}: range {from}..{to} ends before it starts")]
    ReversedRange {
        line: usize,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// A day listed twice (duplicated or overlapping ranges, or a repeated 上班 date).
    #[error(
        "line {line}: {date} is already listed on line {first_line} (duplicated or overlapping)"
    )]
    Overlap {
        line: usize,
        date: NaiveDate,
        first_line: usize,
    },
    /// A 调休上班 date that is Monday–Friday: only a weekend day can be moved to work.
    #[error(
        "line {line}: 上班 date {date} is a {weekday}; an adjusted working day must be a Saturday or Sunday"
    )]
    AdjustedWorkdayNotWeekend {
        line: usize,
        date: NaiveDate,
        weekday: chrono::Weekday,
    },
    /// A day that is both a holiday and an adjusted working day.
    #[error(
        "line {line}: {date} is both a holiday and an adjusted working day (see line {other_line})"
    )]
    HolidayOnAdjustedWorkday {
        line: usize,
        date: NaiveDate,
        other_line: usize,
    },
    /// A date in a year the calendar has no schedule for.
    #[error("no holiday schedule for year {year}; add it to the calendar data")]
    YearNotCovered { year: i32 },
    /// [`crate::Calendar::merge`] with a year already present and different.
    #[error("year {year} is already in the calendar with a different schedule")]
    YearConflict { year: i32 },
    /// Date arithmetic left the range chrono can represent.
    #[error("date arithmetic from {from} overflows")]
    DateOutOfRange { from: NaiveDate },
}

impl CalendarError {
    /// A stable snake_case code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::Malformed { .. } => "malformed_line",
            CalendarError::UnknownFestival { .. } => "unknown_festival",
            CalendarError::BadDate { .. } => "bad_date",
            CalendarError::BadYear { .. } => "bad_year",
            CalendarError::NoYearHeader { .. } => "no_year_header",
            CalendarError::DuplicateYear { .. } => "duplicate_year",
            CalendarError::EmptyYear { .. } => "empty_year",
            CalendarError::DateOutsideYear { .. } => "date_outside_year",
            CalendarError::ReversedRange { .. } => "reversed_range",
            CalendarError::Overlap { .. } => "overlap",
            CalendarError::AdjustedWorkdayNotWeekend { .. } => "adjusted_workday_not_weekend",
            CalendarError::HolidayOnAdjustedWorkday { .. } => "holiday_on_adjusted_workday",
            CalendarError::YearNotCovered { .. } => "year_not_covered",
            CalendarError::YearConflict { .. } => "year_conflict",
            CalendarError::DateOutOfRange { .. } => "date_out_of_range",
        }
    }

    /// The 1-based input line a parse error refers to.
    pub fn line(&self) -> Option<usize> {
        match self {
            CalendarError::Malformed { line, .. }
            | CalendarError::UnknownFestival { line, .. }
            | CalendarError::BadDate { line, .. }
            | CalendarError::BadYear { line, .. }
            | CalendarError::NoYearHeader { line }
            | CalendarError::DuplicateYear { line, .. }
            | CalendarError::EmptyYear { line, .. }
            | CalendarError::DateOutsideYear { line, .. }
            | CalendarError::ReversedRange { line, .. }
            | CalendarError::Overlap { line, .. }
            | CalendarError::AdjustedWorkdayNotWeekend { line, .. }
            | CalendarError::HolidayOnAdjustedWorkday { line, .. } => Some(*line),
            CalendarError::YearNotCovered { .. }
            | CalendarError::YearConflict { .. }
            | CalendarError::DateOutOfRange { .. } => None,
        }
    }
}
