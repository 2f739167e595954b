//! `rectify report …`: documents generated from the ledger.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum ReportCmd {
    /// The public progress notice (整改进展情况的通报) of an inspection. Not built yet.
    Notice {
        #[command(flatten)]
        data: super::DataOpts,
    },
}

pub async fn run(cmd: ReportCmd) -> Result<ExitCode> {
    match cmd {
        ReportCmd::Notice { data } => {
            let _ = data.open().await?;
            bail!("report notice is not built yet")
        }
    }
}
