//! The line format of `data/holidays-cn.txt`: parsing with validation, and writing back.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::calendar::{Calendar, Entry, Mark, YearSchedule};
use crate::error::CalendarError;
use crate::festival::FestivalSet;

const WORK_KEYWORD: &str = "上班";
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2200;

/// A year block being read, with the line of each day for error messages.
struct Block {
    year: i32,
    header_line: usize,
    entries: Vec<Entry>,
    days: BTreeMap<NaiveDate, (Mark, usize)>,
}

impl Block {
    fn finish(self) -> Result<YearSchedule, CalendarError> {
        if self.entries.is_empty() {
            return Err(CalendarError::EmptyYear {
                line: self.header_line,
                year: self.year,
            });
        }
        let days = self.days.into_iter().map(|(d, (m, _))| (d, m)).collect();
        Ok(YearSchedule::from_parts(self.year, self.entries, days))
    }

    fn add_entry(&mut self, line: usize, text: &str) -> Result<(), CalendarError> {
        let (head, work) = match text.split_once(WORK_KEYWORD) {
            Some((head, work)) => (head, Some(work)),
            None => (text, None),
        };
        let mut tokens = head.split_whitespace();
        let Some(name) = tokens.next() else {
            return Err(malformed(line, "expected a festival name before 上班"));
        };
        let festivals = FestivalSet::parse(name).ok_or_else(|| CalendarError::UnknownFestival {
            line,
            name: name.to_owned(),
        })?;
        let range = match tokens.next() {
            Some(token) => Some(self.parse_range(line, token)?),
            None => None,
        };
        if let Some(extra) = tokens.next() {
            return Err(malformed(
                line,
                &format!("unexpected {extra:?}; expected FESTIVAL FROM[..TO] [上班 DATE, ...]"),
            ));
        }
        let workdays = match work {
            Some(list) => self.parse_workdays(line, list)?,
            None => Vec::new(),
        };
        if range.is_none() && workdays.is_empty() {
            return Err(malformed(
                line,
                &format!("{name} has neither a date range nor 上班 dates"),
            ));
        }
        // Validate the whole line before recording any of it.
        let mut new_days: BTreeMap<NaiveDate, Mark> = BTreeMap::new();
        if let Some((from, to)) = range {
            for date in from.iter_days().take_while(|d| *d <= to) {
                self.check_free(line, date, Mark::Holiday(festivals), &new_days)?;
                new_days.insert(date, Mark::Holiday(festivals));
            }
        }
        for &date in &workdays {
            self.check_free(line, date, Mark::Workday(festivals), &new_days)?;
            new_days.insert(date, Mark::Workday(festivals));
        }
        for (date, mark) in new_days {
            self.days.insert(date, (mark, line));
        }
        self.entries.push(Entry {
            festivals,
            range,
            workdays,
        });
        Ok(())
    }

    fn check_free(
        &self,
        line: usize,
        date: NaiveDate,
        mark: Mark,
        same_line: &BTreeMap<NaiveDate, Mark>,
    ) -> Result<(), CalendarError> {
        let existing = match (self.days.get(&date), same_line.get(&date)) {
            (Some((m, first_line)), _) => Some((*m, *first_line)),
            (None, Some(m)) => Some((*m, line)),
            (None, None) => None,
        };
        match existing {
            None => Ok(()),
            Some((old, other_line)) if old.is_holiday() != mark.is_holiday() => {
                Err(CalendarError::HolidayOnAdjustedWorkday {
                    line,
                    date,
                    other_line,
                })
            }
            Some((_, first_line)) => Err(CalendarError::Overlap {
                line,
                date,
                first_line,
            }),
        }
    }

    fn parse_range(
        &self,
        line: usize,
        token: &str,
    ) -> Result<(NaiveDate, NaiveDate), CalendarError> {
        let (from, to) = match token.split_once("..") {
            Some((a, b)) => (self.parse_date(line, a)?, self.parse_date(line, b)?),
            None => {
                let d = self.parse_date(line, token)?;
                (d, d)
            }
        };
        if to < from {
            return Err(CalendarError::ReversedRange { line, from, to });
        }
        Ok((from, to))
    }

    fn parse_workdays(&self, line: usize, list: &str) -> Result<Vec<NaiveDate>, CalendarError> {
        let mut out = Vec::new();
        for text in list
            .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            let date = self.parse_date(line, text)?;
            let weekday = date.weekday();
            if !matches!(weekday, Weekday::Sat | Weekday::Sun) {
                return Err(CalendarError::AdjustedWorkdayNotWeekend {
                    line,
                    date,
                    weekday,
                });
            }
            out.push(date);
        }
        if out.is_empty() {
            return Err(malformed(
                line,
                "上班 must be followed by at least one date",
            ));
        }
        Ok(out)
    }

    fn parse_date(&self, line: usize, text: &str) -> Result<NaiveDate, CalendarError> {
        let date = parse_iso_date(text).ok_or_else(|| CalendarError::BadDate {
            line,
            text: text.to_owned(),
        })?;
        if date.year() != self.year {
            return Err(CalendarError::DateOutsideYear {
                line,
                date,
                year: self.year,
            });
        }
        Ok(date)
    }
}

fn malformed(line: usize, reason: &str) -> CalendarError {
    CalendarError::Malformed {
        line,
        reason: reason.to_owned(),
    }
}

/// Strict `YYYY-MM-DD`.
fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y) && digits(m) && digits(d)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn parse_header(line: usize, text: &str) -> Result<i32, CalendarError> {
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| malformed(line, "a year header looks like [2025]"))?
        .trim();
    let bad = || CalendarError::BadYear {
        line,
        text: inner.to_owned(),
    };
    if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let year: i32 = inner.parse().map_err(|_| bad())?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(bad());
    }
    Ok(year)
}

pub(crate) fn parse(text: &str) -> Result<Calendar, CalendarError> {
    let mut years: BTreeMap<i32, (YearSchedule, usize)> = BTreeMap::new();
    let mut block: Option<Block> = None;
    // Editors on Windows may save a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        if content.starts_with('[') {
            let year = parse_header(line, content)?;
            if let Some(done) = block.take() {
                let header_line = done.header_line;
                years.insert(done.year, (done.finish()?, header_line));
            }
            if let Some((_, first_line)) = years.get(&year) {
                return Err(CalendarError::DuplicateYear {
                    line,
                    year,
                    first_line: *first_line,
                });
            }
            block = Some(Block {
                year,
                header_line: line,
                entries: Vec::new(),
                days: BTreeMap::new(),
            });
            continue;
        }
        match block.as_mut() {
            Some(b) => b.add_entry(line, content)?,
            None => return Err(CalendarError::NoYearHeader { line }),
        }
    }
    if let Some(done) = block.take() {
        let header_line = done.header_line;
        years.insert(done.year, (done.finish()?, header_line));
    }
    Ok(Calendar::from_years(
        years.into_values().map(|(schedule, _)| schedule),
    ))
}

pub(crate) fn write(calendar: &Calendar) -> String {
    let mut out = String::from(
        "# 中国法定节假日与调休安排 — written by rectify-calendar; format: see crates/calendar/README.md\n",
    );
    for schedule in calendar.schedules() {
        out.push('\n');
        write_year(&mut out, schedule);
    }
    out
}

/// One `[YEAR]` block, header included.
pub(crate) fn write_year(out: &mut String, schedule: &YearSchedule) {
    let _ = writeln!(out, "[{}]", schedule.year());
    for entry in schedule.entries() {
        out.push_str(&entry.festivals.to_string());
        if let Some((from, to)) = entry.range {
            if from == to {
                let _ = write!(out, " {from}");
            } else {
                let _ = write!(out, " {from}..{to}");
            }
        }
        if !entry.workdays.is_empty() {
            out.push(' ');
            out.push_str(WORK_KEYWORD);
            for (i, d) in entry.workdays.iter().enumerate() {
                let sep = if i == 0 { " " } else { ", " };
                let _ = write!(out, "{sep}{d}");
            }
        }
        out.push('\n');
    }
}
