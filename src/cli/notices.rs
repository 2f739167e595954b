//! `rectify supervise lists --month YYYY-MM`: the monthly lagging (滞后) and at-risk (隐患) lists
//! per unit, printed, and with `--out FILE` written as the .docx the office edits and issues.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use rectify_core::notices::Month;
use rectify_store::notices::{LIST_CAP, MonthList};

use super::DataOpts;

#[derive(Args)]
pub struct ListsArgs {
    /// The month (YYYY-MM); the lists are as of its last day, or today while it runs.
    #[arg(long)]
    month: String,
    /// At risk: due within this many working days after the list's date (default: the
    /// light rules' yellow window).
    #[arg(long)]
    window_workdays: Option<u32>,
    /// Write the lists as a .docx (GB/T 9704 layout) to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    data: DataOpts,
}

fn print_list(name: &str, l: &MonthList) {
    println!("{name}: {} items in {} units", l.total, l.units.len());
    let mut units: Vec<_> = l.units.iter().collect();
    units.sort_by(|a, b| b.count.cmp(&a.count).then(a.unit.cmp(&b.unit)));
    for u in units.iter().take(10) {
        println!("  {}\t{}", u.unit, u.count);
    }
    if units.len() > 10 {
        println!("  … {} more units", units.len() - 10);
    }
}

pub async fn lists(a: ListsArgs) -> Result<ExitCode> {
    let month = Month::parse("month", &a.month).map_err(|e| anyhow!("--month: {}", e.message))?;
    let store = a.data.open().await?;
    let viewer = store.root_office_viewer().await?;
    let l = store
        .monthly_lists(&viewer, month, a.window_workdays, None, LIST_CAP)
        .await?;
    println!("monthly lists {} as of {}", l.month, l.as_of);
    print_list("lagging (滞后事项)", &l.lagging);
    print_list("at risk (隐患事项)", &l.at_risk);
    if let Some(out) = &a.out {
        let issuer = store
            .organisation(rectify_store::notices::viewer_org_id(&viewer))
            .await?
            .name;
        let doc = rectify_office::supervision_notice::compose_monthly_list(
            &rectify_web::api::notices::monthly_list_doc(&l, month, issuer),
        );
        let bytes = rectify_office::docx::write(&doc)?;
        std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        println!("wrote {}", out.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
