//! `rectify supervise sample|flags|digest`: re-verification draws reproducible from their
//! seed, the quality flags for paper rectification, and sending the day's digests.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use rectify_core::lookback::{SampleSize, parse_seed};
use rectify_store::lookback::{NewDraw, SampleDraw};
use rectify_store::{Actor, Store, Viewer};

use super::DataOpts;
use super::digest::SmtpOpts;

#[derive(Args)]
pub struct SampleArgs {
    /// How many closed measures to draw.
    #[arg(long, conflicts_with_all = ["percent", "replay"])]
    pub size: Option<i64>,
    /// Or a percentage of the closed measures (1–100, rounded up).
    #[arg(long, conflicts_with = "replay")]
    pub percent: Option<i64>,
    /// Seed (0 to 2^64−1); absent: a random one, printed and recorded.
    #[arg(long, conflicts_with = "replay")]
    pub seed: Option<String>,
    /// Only this inspection's measures.
    #[arg(long, conflicts_with = "replay")]
    pub inspection: Option<i64>,
    /// Population: measures closed on or before this day (YYYY-MM-DD; default today).
    #[arg(long, conflicts_with = "replay")]
    pub as_of: Option<String>,
    /// Recompute recorded draw ID from its seed and compare.
    #[arg(long)]
    pub replay: Option<i64>,
    #[command(flatten)]
    pub data: DataOpts,
}

#[derive(Args)]
pub struct FlagsArgs {
    /// Only this inspection.
    #[arg(long)]
    pub inspection: Option<i64>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print at most this many flags (the counts by kind cover all).
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    #[command(flatten)]
    pub data: DataOpts,
}

#[derive(Args)]
pub struct DigestArgs {
    /// The day whose notifications are sent (YYYY-MM-DD; default today, Asia/Shanghai).
    #[arg(long)]
    pub date: Option<String>,
    #[command(flatten)]
    pub smtp: SmtpOpts,
    #[command(flatten)]
    pub data: DataOpts,
}

/// The command line acts as an office over the whole tree of the inspection given, or of the
/// first root organisation.
async fn viewer(store: &Store, inspection: Option<i64>) -> Result<Viewer> {
    match inspection {
        Some(i) => store
            .tool_viewer(i)
            .await
            .map_err(|_| anyhow!("--inspection: no inspection {i}")),
        None => store
            .root_viewer()
            .await?
            .ok_or_else(|| anyhow!("the database has no organisation yet")),
    }
}

fn print_draw(d: &SampleDraw) {
    println!(
        "draw {}: seed {} size {} as of {} population {} (digest {})",
        d.id, d.seed, d.size_rule, d.as_of, d.population_size, d.population_digest
    );
    let ids: Vec<String> = d.items.iter().map(|i| i.measure_id.to_string()).collect();
    println!("measures: {}", ids.join(" "));
}

pub async fn sample(a: SampleArgs) -> Result<ExitCode> {
    let store = a.data.open().await?;
    if let Some(id) = a.replay {
        let v = store
            .root_viewer()
            .await?
            .ok_or_else(|| anyhow!("the database has no organisation yet"))?;
        let d = store
            .sample_draw(&v, id)
            .await
            .map_err(|_| anyhow!("--replay: no draw {id}"))?;
        print_draw(&d);
        let r = store.replay_draw(&v, id).await?;
        let ids: Vec<String> = r.measure_ids.iter().map(i64::to_string).collect();
        println!("replayed: {}", ids.join(" "));
        println!(
            "same population: {}; same items: {}",
            if r.same_population { "yes" } else { "no" },
            if r.same_items { "yes" } else { "no" }
        );
        store.close().await;
        return Ok(if r.same_items {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let size = match (a.size, a.percent) {
        (Some(n), None) => SampleSize::count(n),
        (None, Some(p)) => SampleSize::percent(p),
        _ => bail!("give --size N or --percent P"),
    }
    .map_err(|e| anyhow!("--{}: {}", e.field, e.message))?;
    let seed = a
        .seed
        .as_deref()
        .map(parse_seed)
        .transpose()
        .map_err(|e| anyhow!("--seed: {}", e.message))?;
    let as_of = match a.as_of.as_deref() {
        Some(d) => {
            rectify_core::text::date("as_of", d).map_err(|e| anyhow!("--as-of: {}", e.message))?
        }
        None => rectify_store::today(),
    };
    let v = viewer(&store, a.inspection).await?;
    let mut w = store.begin_write().await?;
    let id = w
        .create_sample_draw(
            &Actor::cli("supervise sample"),
            &v,
            &NewDraw {
                size,
                seed,
                inspection_id: a.inspection,
                as_of,
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
    w.commit().await?;
    print_draw(&store.sample_draw(&v, id).await?);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn flags(a: FlagsArgs) -> Result<ExitCode> {
    let store = a.data.open().await?;
    let v = viewer(&store, a.inspection).await?;
    let flags = store.quality_flags(&v, a.inspection).await?;
    if a.json {
        let shown = &flags[..flags.len().min(a.limit)];
        println!("{}", serde_json::to_string_pretty(shown)?);
    } else {
        println!(
            "quality flags (pointers for review, not findings): {}",
            flags.len()
        );
        let mut by_kind = std::collections::BTreeMap::new();
        for f in &flags {
            *by_kind.entry(f.kind).or_insert(0usize) += 1;
        }
        for (k, n) in &by_kind {
            println!("  {} {}: {n}", k.as_str(), k.label_zh());
        }
        for f in flags.iter().take(a.limit) {
            println!("- [{}] {}", f.kind.label_zh(), f.explanation_zh);
            println!("  {}", f.explanation_en);
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn digest(a: DigestArgs) -> Result<ExitCode> {
    let day = match a.date.as_deref() {
        Some(d) => {
            rectify_core::text::date("date", d).map_err(|e| anyhow!("--date: {}", e.message))?
        }
        None => rectify_store::today(),
    };
    if a.smtp.config()?.is_none() {
        bail!("no SMTP server: set --smtp-url or RECTIFY_SMTP_URL");
    }
    let store = a.data.open().await?;
    let line = super::digest::send_if_configured(&store, day, &a.smtp)
        .await
        .with_context(|| format!("digests of {day}"))?;
    print!("digests {day}:\n{}", line.unwrap_or_default());
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
