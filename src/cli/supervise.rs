//! `rectify supervise …`: the daily supervision run for cron, the light rules, and the
//! scheduler `rectify serve` runs (once a day after a set local time; one runner per database).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use chrono::{FixedOffset, NaiveDate, NaiveTime, Utc};
use clap::{Args, Subcommand};
use rectify_core::supervision::LightRules;
use rectify_store::supervision::{RunConfig, RunOutcome, RunSummary, run_day};
use rectify_store::{Actor, Store};

use super::DataOpts;

/// The local time zone of supervision days: a fixed UTC offset (China has no daylight saving,
/// so +08:00 is exactly Asia/Shanghai).
#[derive(Args, Clone)]
pub struct ZoneOpts {
    /// UTC offset of the supervision day, e.g. +08:00 (Asia/Shanghai).
    #[arg(long, env = "RECTIFY_SUPERVISE_UTC_OFFSET", default_value = "+08:00", value_parser = parse_offset)]
    pub utc_offset: FixedOffset,
}

fn parse_offset(s: &str) -> Result<FixedOffset, String> {
    s.parse::<FixedOffset>()
        .map_err(|_| format!("expected a UTC offset such as +08:00, got {s:?}"))
}

fn parse_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("expected HH:MM, got {s:?}"))
}

/// The scheduler inside `rectify serve`.
#[derive(Args, Clone)]
pub struct SchedulerOpts {
    /// Local time after which the day's supervision run starts (HH:MM).
    #[arg(long, env = "RECTIFY_SUPERVISE_AT", default_value = "06:00", value_parser = parse_time)]
    pub supervise_at: NaiveTime,
    /// Do not run the daily supervision in this server (e.g. when cron runs it).
    #[arg(long, env = "RECTIFY_NO_SUPERVISE")]
    pub no_supervise: bool,
    #[command(flatten)]
    pub zone: ZoneOpts,
    #[command(flatten)]
    pub smtp: super::digest::SmtpOpts,
}

#[derive(Subcommand)]
pub enum SuperviseCmd {
    /// Run the day's supervision: lights, history, escalation inbox, and the further daily
    /// steps. Computes as of --date (default: today in the configured zone); a day already
    /// run changes nothing. Prints a summary; exit 0.
    Run {
        /// The supervision day (YYYY-MM-DD).
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        zone: ZoneOpts,
        #[command(flatten)]
        smtp: super::digest::SmtpOpts,
        #[command(flatten)]
        data: DataOpts,
    },
    /// Draw closed measures for re-verification (抽查复核) with a recorded seed, or replay a draw.
    Sample(super::lookback::SampleArgs),
    /// The quality flags for paper rectification (pointers for review, never findings).
    Flags(super::lookback::FlagsArgs),
    /// Send the day's digest e-mails (also done by `run` when SMTP is configured).
    Digest(super::lookback::DigestArgs),
    /// The month's lagging (滞后) and at-risk (隐患) lists per unit; --out FILE writes the .docx.
    Lists(super::notices::ListsArgs),
    /// Print the light rules as JSON, or store new ones from a JSON file (--set FILE).
    Rules {
        #[arg(long)]
        set: Option<PathBuf>,
        #[command(flatten)]
        data: DataOpts,
    },
}

/// Today in the zone.
pub fn today(zone: FixedOffset) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

pub async fn run(cmd: SuperviseCmd) -> Result<ExitCode> {
    match cmd {
        SuperviseCmd::Sample(a) => return super::lookback::sample(a).await,
        SuperviseCmd::Flags(a) => return super::lookback::flags(a).await,
        SuperviseCmd::Digest(a) => return super::lookback::digest(a).await,
        SuperviseCmd::Lists(a) => return super::notices::lists(a).await,
        SuperviseCmd::Run {
            date,
            zone,
            smtp,
            data,
        } => {
            let day = match date {
                Some(d) => rectify_core::text::date("date", &d)
                    .map_err(|e| anyhow!("--date: {}", e.message))?,
                None => today(zone.utc_offset),
            };
            let store = data.open().await?;
            let summary = run_day(&store, day, &RunConfig::default())
                .await
                .with_context(|| format!("supervision run of {day}"))?;
            print!("{}", summary_text(&summary));
            if summary.outcome != RunOutcome::Busy
                && let Some(line) = super::digest::send_if_configured(&store, day, &smtp).await?
            {
                print!("{line}");
            }
            store.close().await;
        }
        SuperviseCmd::Rules { set, data } => {
            let store = data.open().await?;
            if let Some(file) = set {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let rules: LightRules =
                    serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
                store
                    .set_light_rules(&Actor::cli("supervise rules"), &rules)
                    .await?;
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&store.light_rules().await?)?
            );
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The printed summary: counts by light, notifications, escalations, then each further step.
pub fn summary_text(s: &RunSummary) -> String {
    let outcome = match s.outcome {
        RunOutcome::Ran => "ran",
        RunOutcome::AlreadyRan => "already run (nothing changed)",
        RunOutcome::Busy => "another runner is at work (nothing done)",
    };
    let mut out = format!("supervision run {}: {outcome}\n", s.day);
    if s.outcome == RunOutcome::Busy {
        return out;
    }
    let l = &s.lights;
    out.push_str(&format!(
        "  measures under supervision: {}\n  lights: green {}, blue {}, yellow {}, red {}, deep red {}\n  light changes: {}\n  notifications: {}\n  escalations: {}\n",
        s.measures,
        l.green,
        l.blue,
        l.yellow,
        l.red,
        l.deep_red,
        s.changes,
        s.all_notifications(),
        s.escalations,
    ));
    if s.unaddressed > 0 {
        out.push_str(&format!(
            "  needing attention with nobody on record to tell: {}\n",
            s.unaddressed
        ));
    }
    for step in &s.steps {
        out.push_str(&format!(
            "  {}: {} items, {} notifications\n",
            step.name, step.items, step.notifications
        ));
    }
    out
}

/// Spawns the daily scheduler: every minute, once the local time has passed `supervise_at`
/// and the day has no finished run, run it. Every server may run this; the run itself makes
/// exactly one of them the runner.
pub fn spawn_scheduler(store: Store, opts: &SchedulerOpts) {
    if opts.no_supervise {
        return;
    }
    let at = opts.supervise_at;
    let zone = opts.zone.utc_offset;
    let smtp = opts.smtp.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let now = Utc::now().with_timezone(&zone);
            if now.time() < at {
                continue;
            }
            let day = now.date_naive();
            match store.supervision_run(day).await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "supervision scheduler: cannot read the run record");
                    continue;
                }
            }
            let cfg = RunConfig {
                actor: Actor::cli("supervise scheduler"),
                ..RunConfig::default()
            };
            match run_day(&store, day, &cfg).await {
                Ok(s) if s.outcome == RunOutcome::Ran => tracing::info!(
                    day = %day,
                    measures = s.measures,
                    red = s.lights.red + s.lights.deep_red,
                    notifications = s.all_notifications(),
                    "supervision run finished"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(day = %day, error = %e, "supervision run failed"),
            }
            // Digest e-mails after the run (once per person and day; `supervise digest` retries failures).
            if let Err(e) = super::digest::send_if_configured(&store, day, &smtp).await {
                tracing::warn!(day = %day, error = %e, "digest e-mails failed");
            }
        }
    });
}
