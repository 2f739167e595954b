//! `rectify calendar …`: China's working-day calendar (holidays and adjusted working days).

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use rectify_calendar::Calendar;

#[derive(Subcommand)]
pub enum CalendarCmd {
    /// Print the date N working days after DATE (DATE not counted; negative N counts back;
    /// 0 gives DATE or the next working day).
    Add {
        date: String,
        #[arg(allow_negative_numbers = true)]
        n: i64,
    },
    /// Print yes or no (exit 0 either way).
    IsWorkday { date: String },
}

fn date(s: &str) -> Result<NaiveDate> {
    rectify_core::text::date("DATE", s).map_err(|e| anyhow!("DATE: {}", e.message))
}

pub fn run(cmd: CalendarCmd) -> Result<ExitCode> {
    let cal = Calendar::builtin();
    match cmd {
        CalendarCmd::Add { date: d, n } => {
            let r = cal.add_workdays(date(&d)?, n).map_err(|e| anyhow!("{e}"))?;
            println!("{}", r.format("%Y-%m-%d"));
        }
        CalendarCmd::IsWorkday { date: d } => {
            let w = cal.is_workday(date(&d)?).map_err(|e| anyhow!("{e}"))?;
            println!("{}", if w { "yes" } else { "no" });
        }
    }
    Ok(ExitCode::SUCCESS)
}
