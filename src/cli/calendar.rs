//! `rectify calendar …`: China's working-day calendar (holidays and adjusted working days).
//! With a data directory or database given, the database's calendar (shared by every
//! server); otherwise the shipped schedule.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use rectify_calendar::{Calendar, parse_term};
use rectify_store::{Actor, Location, Store, StoreError};

/// Where the calendar comes from: the database when either option is given, else the
/// shipped schedule.
#[derive(Args, Clone, Default)]
pub struct CalendarSource {
    /// Data directory of the embedded SQLite database whose calendar to use.
    #[arg(long, env = "RECTIFY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL whose calendar to use; wins over --data-dir.
    #[arg(long, env = "RECTIFY_DATABASE_URL")]
    database: Option<String>,
}

impl CalendarSource {
    fn given(&self) -> bool {
        self.data_dir.is_some() || self.database.is_some()
    }

    async fn open(&self) -> Result<Store> {
        let loc = Location {
            database_url: self.database.clone(),
            data_dir: self
                .data_dir
                .clone()
                .unwrap_or_else(rectify_store::default_data_dir),
        };
        Store::open(&loc).await.context("opening the database")
    }

    async fn calendar(&self) -> Result<Calendar> {
        if !self.given() {
            return Ok(Calendar::builtin());
        }
        let store = self.open().await?;
        let cal = store.calendar().await?;
        store.close().await;
        Ok(cal)
    }
}

#[derive(Subcommand)]
pub enum CalendarCmd {
    /// Print the date N working days after DATE (DATE not counted; negative N counts back;
    /// 0 gives DATE or the next working day).
    Add {
        date: String,
        #[arg(allow_negative_numbers = true)]
        n: i64,
        #[command(flatten)]
        source: CalendarSource,
    },
    /// Print yes or no (exit 0 either way).
    IsWorkday {
        date: String,
        #[command(flatten)]
        source: CalendarSource,
    },
    /// Print the last day of a relative term counted from DATE, e.g. "3个工作日内",
    /// "反馈后2个月内" (a term ending on a rest day moves to the next working day).
    Due {
        date: String,
        term: String,
        #[command(flatten)]
        source: CalendarSource,
    },
    /// Add or replace the years of a data file (the format of
    /// crates/calendar/data/holidays-cn.txt) in the database; all or nothing, audited.
    Load {
        file: PathBuf,
        #[command(flatten)]
        source: CalendarSource,
    },
    /// Print the stored schedule of a year (or every stored year) in the data format.
    Show {
        year: Option<i32>,
        #[command(flatten)]
        source: CalendarSource,
    },
}

fn date(s: &str) -> Result<NaiveDate> {
    rectify_core::text::date("DATE", s).map_err(|e| anyhow!("DATE: {}", e.message))
}

pub async fn run(cmd: CalendarCmd) -> Result<ExitCode> {
    match cmd {
        CalendarCmd::Add { date: d, n, source } => {
            let cal = source.calendar().await?;
            let r = cal.add_workdays(date(&d)?, n).map_err(|e| anyhow!("{e}"))?;
            println!("{}", r.format("%Y-%m-%d"));
        }
        CalendarCmd::IsWorkday { date: d, source } => {
            let cal = source.calendar().await?;
            let w = cal.is_workday(date(&d)?).map_err(|e| anyhow!("{e}"))?;
            println!("{}", if w { "yes" } else { "no" });
        }
        CalendarCmd::Due {
            date: d,
            term,
            source,
        } => {
            let start = date(&d)?;
            let t = parse_term(&term).ok_or_else(|| {
                anyhow!("TERM: {term:?} is not a relative term such as 3个工作日内 or 2个月内")
            })?;
            let cal = source.calendar().await?;
            let r = cal.due_date(start, t).map_err(|e| anyhow!("{e}"))?;
            println!("{}", r.format("%Y-%m-%d"));
        }
        CalendarCmd::Load { file, source } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let store = source.open().await?;
            let written = match store
                .load_calendar(&Actor::cli("calendar load"), &text)
                .await
            {
                Ok(w) => w,
                Err(StoreError::Invalid(f)) => {
                    return Err(anyhow!(
                        "{}: {} (nothing was loaded)",
                        file.display(),
                        f.message
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            for y in &written {
                let verb = if y.version == 1 { "added" } else { "replaced" };
                println!("{verb} {} (version {})", y.year, y.version);
            }
            store.close().await;
        }
        CalendarCmd::Show { year, source } => {
            let cal = source.calendar().await?;
            let years = match year {
                Some(y) => vec![y],
                None => cal.years(),
            };
            for y in years {
                let text = cal
                    .year_text(y)
                    .ok_or_else(|| anyhow!("no holiday schedule for year {y}"))?;
                print!("{text}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
