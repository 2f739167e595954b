//! `rectify notice …`: read published progress notices, and import one into the ledger.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use rectify_store::import::{self, ImportAction, ImportLevel, ImportPlan, Tally};
use rectify_store::{Actor, StoreError};

use super::DataOpts;

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
    /// Import a notice's problem tree into an inspection's ledger: new aspects, problems and
    /// measures are created as drafts, changed measure texts replaced; nothing is deleted.
    Import {
        file: PathBuf,
        /// The inspection to import into.
        #[arg(long)]
        inspection: i64,
        /// Print the plan only; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        data: DataOpts,
    },
}

fn read_notice(file: &Path) -> Result<rectify_notice::Notice> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str());
    if rectify_office::zipguard::looks_like_zip(&bytes) {
        rectify_office::zipguard::inspect(&bytes, &Default::default())
            .map_err(|e| anyhow::anyhow!("{}: {e} [{}]", file.display(), e.code()))?;
    }
    rectify_notice::parse_bytes(&bytes, name)
        .map_err(|e| anyhow::anyhow!("{}: not a readable notice: {e}", file.display()))
}

pub async fn run(cmd: NoticeCmd) -> Result<ExitCode> {
    match cmd {
        NoticeCmd::Parse { file, format } => {
            let notice = read_notice(&file)?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&notice)?),
                Format::Tree => print!("{}", rectify_notice::render_tree(&notice)),
            }
            Ok(ExitCode::SUCCESS)
        }
        NoticeCmd::Import {
            file,
            inspection,
            dry_run,
            data,
        } => {
            let notice = read_notice(&file)?;
            let store = data.open().await?;
            let on_inspection = |e: StoreError| match e {
                StoreError::NotFound { .. } => {
                    anyhow::anyhow!("--inspection: no inspection {inspection}")
                }
                e => anyhow::Error::new(e).context(format!("{}", file.display())),
            };
            let viewer = import::office_viewer(&store, inspection)
                .await
                .map_err(on_inspection)?;
            let plan = import::plan(&store, &viewer, inspection, &notice)
                .await
                .map_err(on_inspection)?;
            let mut text = render_plan(&plan);
            if dry_run {
                text.push_str("试运行 (--dry-run): 未写入任何数据\n");
            } else if plan.is_noop() {
                text.push_str("台账已与通报一致: 无需导入\n");
            }
            out(&text);
            if !dry_run && !plan.is_noop() {
                let c = import::apply(&store, &Actor::cli("notice import"), &plan)
                    .await
                    .map_err(|e| anyhow::Error::new(e).context(format!("{}", file.display())))?;
                out(&format!(
                    "已导入: 新增 {} 个方面、{} 个问题、{} 项措施, 修改 {} 项措施\n",
                    c.aspects_created, c.problems_created, c.measures_created, c.measures_changed
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
fn out(text: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes()).and_then(|()| o.flush());
}

fn short(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

fn tally(label: &str, t: &Tally) -> String {
    format!(
        "{label}: 新增 {}, 不变 {}, 修改 {}, 通报中没有 {}\n",
        t.create, t.unchanged, t.changed, t.absent
    )
}

fn fact_label(field: &str) -> &str {
    match field {
        "team" => "巡察组",
        "stationed_from" => "进驻开始",
        "stationed_to" => "进驻结束",
        "feedback_on" => "反馈日期",
        other => other,
    }
}

/// The plan as a person reads it: counts, inspection facts, then every change with its place.
pub fn render_plan(plan: &ImportPlan) -> String {
    let mut out = String::new();
    if let Some(t) = &plan.notice_title {
        out.push_str(&format!("通报: {t}\n"));
    }
    out.push_str(&format!("导入到巡察 {}\n", plan.inspection_id));
    out.push_str(&tally("方面", &plan.counts.aspects));
    out.push_str(&tally("问题", &plan.counts.problems));
    out.push_str(&tally("措施", &plan.counts.measures));
    if !plan.facts.is_empty() {
        out.push_str("巡察信息 (仅报告, 不写入):\n");
        for f in &plan.facts {
            let status = match f.status.as_str() {
                "same" => "一致",
                "missing_in_ledger" => "台账未填",
                "missing_in_notice" => "通报未载",
                _ => "不一致",
            };
            out.push_str(&format!(
                "  {}: 台账 {} / 通报 {} ({status})\n",
                fact_label(&f.field),
                f.ledger.as_deref().unwrap_or("—"),
                f.notice.as_deref().unwrap_or("—"),
            ));
        }
    }
    let changes: Vec<_> = plan
        .items
        .iter()
        .filter(|i| i.action != ImportAction::Unchanged)
        .collect();
    if changes.is_empty() {
        out.push_str("变更: 无\n");
    } else {
        out.push_str("变更:\n");
    }
    for i in changes {
        let what = match i.level {
            ImportLevel::Aspect => "方面",
            ImportLevel::Problem => "问题",
            ImportLevel::Measure => "措施",
        };
        let line = match (i.action, i.level) {
            (ImportAction::Create, ImportLevel::Measure) => format!(
                "{}: 新增{what} [{}] {}",
                i.location,
                i.kind.map(|k| k.label_zh()).unwrap_or("限期整改"),
                short(i.new_text.as_deref().unwrap_or_default(), 60)
            ),
            (ImportAction::Create, _) => format!(
                "{}: 新增{what} {}",
                i.location,
                short(i.new_text.as_deref().unwrap_or_default(), 60)
            ),
            (ImportAction::Changed, _) => format!(
                "{}: 修改 「{}」 → 「{}」",
                i.location,
                short(i.old_text.as_deref().unwrap_or_default(), 60),
                short(i.new_text.as_deref().unwrap_or_default(), 60)
            ),
            (ImportAction::Absent, _) => format!(
                "{}: 通报中没有该{what}, 保留 {}",
                i.location,
                short(i.old_text.as_deref().unwrap_or_default(), 60)
            ),
            (ImportAction::Unchanged, _) => continue,
        };
        let at = i.line.map(|l| format!(" (第 {l} 行)")).unwrap_or_default();
        out.push_str(&format!("  {line}{at}\n"));
    }
    for w in &plan.warnings {
        out.push_str(&format!("注意: {w}\n"));
    }
    out
}
