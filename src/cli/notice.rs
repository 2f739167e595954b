//! `rectify notice …`: read published progress notices.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Tree,
}

#[derive(Subcommand)]
pub enum NoticeCmd {
    /// Read a notice (UTF-8, GBK/GB18030, HTML or .docx) into its problem tree and facts.
    Parse {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
}

pub async fn run(cmd: NoticeCmd) -> Result<ExitCode> {
    match cmd {
        NoticeCmd::Parse { file, format } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("{}: cannot read", file.display()))?;
            let name = file.file_name().and_then(|n| n.to_str());
            let notice = rectify_notice::parse_bytes(&bytes, name)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&notice)?),
                Format::Tree => print!("{}", rectify_notice::render_tree(&notice)),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
