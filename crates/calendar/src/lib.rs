//! China's working-day calendar (法定节假日与调休安排) and relative deadline terms for Rectify.

mod calendar;
mod error;
mod festival;
mod term;
mod text;

pub use calendar::{Calendar, DayKind, YearSchedule};
pub use error::CalendarError;
pub use festival::{Festival, FestivalSet};
pub use term::{Term, parse_term};
