//! `rectify ledger …`: the ledger as a spreadsheet (整改台账).
//!
//! - `ledger export`: xlsx in the standard layout, CSV (UTF-8 with BOM) or JSON, filtered by
//!   inspection, round, unit subtree, state or overdue; written through a temporary file in the
//!   target directory and renamed, so a failed export leaves no half-written file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use rectify_core::state::MeasureState;
use rectify_office::ledger::Lang;
use rectify_store::StoreError;
use rectify_store::export::ExportFilter;
use rectify_web::api::ledger_export::{ExportError, ExportSummary, Format, export_ledger};

#[derive(Subcommand)]
pub enum LedgerCmd {
    /// Export the ledger (整改台账) as xlsx, CSV or JSON.
    Export(ExportArgs),
    /// Import an xlsx or CSV ledger into an inspection (dry run, problems by row and column).
    Import(super::ledger_import::ImportArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Excel workbook in the standard ledger layout.
    Xlsx,
    /// CSV, UTF-8 with BOM, header row only.
    Csv,
    /// JSON array of objects keyed by header.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// 中文表头
    Zh,
    /// English headers
    En,
}

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Only this inspection.
    #[arg(long)]
    inspection: Option<i64>,
    /// Only inspections of this round.
    #[arg(long)]
    round: Option<i64>,
    /// Only measures of this responsible unit and the units below it.
    #[arg(long)]
    unit: Option<i64>,
    /// Only measures in this state (draft, assigned, in_progress, submitted, returned, closed,
    /// closed_ongoing, reopened).
    #[arg(long)]
    state: Option<String>,
    /// Only measures overdue today (Asia/Shanghai).
    #[arg(long)]
    overdue: bool,
    /// Header language.
    #[arg(long, value_enum, default_value = "zh")]
    lang: LangArg,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    data: super::DataOpts,
}

pub async fn run(cmd: LedgerCmd) -> Result<ExitCode> {
    match cmd {
        LedgerCmd::Export(a) => export(a).await,
        LedgerCmd::Import(a) => super::ledger_import::run(a).await,
    }
}

fn state(s: Option<&str>) -> Result<Option<MeasureState>> {
    s.map(|v| {
        MeasureState::parse(v).ok_or_else(|| {
            let all: Vec<&str> = MeasureState::ALL.iter().map(|s| s.as_str()).collect();
            anyhow!(
                "--state: unknown measure state '{v}' (one of: {})",
                all.join(", ")
            )
        })
    })
    .transpose()
}

fn store_error(f: &ExportFilter, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NotFound { entity, id } => {
            let flag = match entity {
                "inspection" => "--inspection",
                "round" => "--round",
                "organisation" if f.unit_id.is_some() => "--unit",
                _ => "",
            };
            anyhow!("{flag}: no {entity} {id}")
        }
        StoreError::Invalid(fe) => anyhow!("--{}: {}", fe.field, fe.message),
        other => anyhow::Error::new(other).context("reading the ledger"),
    }
}

async fn export(a: ExportArgs) -> Result<ExitCode> {
    let filter = ExportFilter {
        inspection_id: a.inspection,
        round_id: a.round,
        unit_id: a.unit,
        state: state(a.state.as_deref())?,
        overdue: a.overdue,
        ..ExportFilter::default()
    };
    let format = match a.format {
        FormatArg::Xlsx => Format::Xlsx,
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
    };
    let lang = match a.lang {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    };
    let dir = match a.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if a.out.is_dir() {
        return Err(anyhow!("--out: {} is a directory", a.out.display()));
    }
    if !dir.is_dir() {
        return Err(anyhow!("--out: directory {} does not exist", dir.display()));
    }
    let store = a.data.open().await?;
    let viewer = store
        .export_tool_viewer(&filter)
        .await
        .map_err(|e| store_error(&filter, e))?;
    let name = a
        .out
        .file_name()
        .ok_or_else(|| anyhow!("--out: {} names no file", a.out.display()))?;
    let tmp = dir.join(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = write_to(&store, &viewer, &filter, format, lang, &tmp).await;
    let summary = match result.and_then(|s| {
        std::fs::rename(&tmp, &a.out)
            .with_context(|| format!("--out: cannot write {}", a.out.display()))?;
        Ok(s)
    }) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    println!(
        "wrote {} measures of {} problems ({} inspection{}) to {} ({})",
        summary.measures,
        summary.problems,
        summary.inspections,
        if summary.inspections == 1 { "" } else { "s" },
        a.out.display(),
        format.extension()
    );
    // The xlsx title's second line, in English on the terminal.
    if let Some(note) =
        rectify_office::ledger::xlsx_out::provisional_note(&summary.lights_assumed_years, Lang::En)
    {
        eprintln!("note: {note} Load the year with `rectify calendar load`.");
    }
    Ok(ExitCode::SUCCESS)
}

async fn write_to(
    store: &rectify_store::Store,
    viewer: &rectify_store::Viewer,
    filter: &ExportFilter,
    format: Format,
    lang: Lang,
    path: &Path,
) -> Result<ExportSummary> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("--out: cannot write {}", path.display()))?;
    let mut out = BufWriter::new(&file);
    let s = export_ledger(store, viewer, filter, format, lang, &mut out)
        .await
        .map_err(|e| match e {
            ExportError::Store(e) => store_error(filter, e),
            ExportError::Write(e) => anyhow::Error::new(e),
        })?;
    out.flush().context("writing the export")?;
    drop(out);
    file.sync_all().context("writing the export")?;
    Ok(s)
}
