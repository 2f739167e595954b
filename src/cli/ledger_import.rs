//! `rectify ledger import FILE --inspection ID [--dry-run] [--accept-valid]`: read an xlsx or
//! CSV ledger (整改台账), show what importing would create or change and every problem by row
//! and column, and write it when every row is valid (or only the valid rows, when accepted).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};
use rectify_store::ledger_import::{self, LedgerImportPlan, RowAction};
use rectify_store::{Actor, StoreError};
use rectify_web::api::ledger_import::{FileSummary, ReadPlanError, read_and_plan};

/// Exit code when the file has problems and nothing was written.
const EXIT_PROBLEMS: u8 = 2;
/// Rows listed per action in the text report (all of them are in `--format json`).
const LIST_MAX: usize = 50;
/// Largest file read (the zip guard and cell cap bound what it may expand to).
const FILE_MAX: u64 = 256 * 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A report to read (Chinese).
    Text,
    /// The plan and problems as JSON.
    Json,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The ledger: .xlsx, or CSV in UTF-8, UTF-8 with BOM, GBK or GB18030.
    file: PathBuf,
    /// The inspection to import into.
    #[arg(long)]
    inspection: i64,
    /// Show the plan and every problem; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write the valid rows even when other rows have problems.
    #[arg(long)]
    accept_valid: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
    #[command(flatten)]
    data: super::DataOpts,
}

pub async fn run(a: ImportArgs) -> Result<ExitCode> {
    let shown = a.file.display().to_string();
    let size = std::fs::metadata(&a.file)
        .with_context(|| format!("{shown}: cannot read"))?
        .len();
    if size > FILE_MAX {
        return Err(anyhow!(
            "{shown}: 文件过大 ({size} 字节, 上限 {FILE_MAX}) (file too large)"
        ));
    }
    let started = std::time::Instant::now();
    let bytes = std::fs::read(&a.file).with_context(|| format!("{shown}: cannot read"))?;
    let name = a
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string);
    let store = a.data.open().await?;
    let inspection = a.inspection;
    let on_inspection = |e: StoreError| match e {
        StoreError::NotFound { .. } => anyhow!("--inspection: no inspection {inspection}"),
        e => anyhow::Error::new(e).context(shown.clone()),
    };
    let viewer = rectify_store::import::office_viewer(&store, inspection)
        .await
        .map_err(on_inspection)?;
    // The file is parsed on another thread while the inspection's ledger is read.
    let (file, plan) = read_and_plan(&store, &viewer, inspection, bytes, name)
        .await
        .map_err(|e| match e {
            ReadPlanError::File(e) => anyhow!("{shown}: {e} [{}]", e.code()),
            ReadPlanError::Store(e) => on_inspection(e),
        })?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "ledger import: read and planned"
    );
    let blocked = !plan.problems.is_empty() && !a.accept_valid;
    let mut applied = None;
    if !a.dry_run && !blocked {
        applied = Some(
            ledger_import::apply(
                &store,
                &Actor::cli("ledger import"),
                &viewer,
                &plan,
                a.accept_valid,
            )
            .await
            .map_err(|e| anyhow::Error::new(e).context(shown.clone()))?,
        );
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "ledger import: applied"
        );
    }
    match a.format {
        ReportFormat::Json => out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({
                "dry_run": a.dry_run,
                "file": {
                    "sheets": file.sheets.iter().map(|s| serde_json::json!({
                        "name": s.name, "header_rows": s.header_rows, "columns": s.columns,
                        "notes": s.notes, "skipped": s.skipped,
                    })).collect::<Vec<_>>(),
                    "ignored_sheets": file.ignored_sheets,
                    "encoding": file.encoding,
                },
                "plan": plan,
                "messages": plan.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "applied": applied,
            }))?
        )),
        ReportFormat::Text => {
            let mut text = render(&file, &plan);
            if a.dry_run {
                text.push_str("试运行 (--dry-run): 未写入任何数据\n");
            } else if blocked {
                text.push_str(&format!(
                    "文件有 {} 处问题, 未写入任何数据 (改正后重新导入, 或用 --accept-valid 只导入无问题的行)\n",
                    plan.problems.len()
                ));
            } else if let Some(c) = applied {
                if plan.is_noop() {
                    text.push_str("台账已与文件一致: 无需导入\n");
                } else {
                    text.push_str(&format!(
                        "已导入: 新增 {} 个方面、{} 个问题、{} 项措施, 修改 {} 项措施\n",
                        c.aspects_created,
                        c.problems_created,
                        c.measures_created,
                        c.measures_changed
                    ));
                }
            }
            out(&text);
        }
    }
    if !plan.problems.is_empty() && (a.dry_run || blocked) {
        return Ok(ExitCode::from(EXIT_PROBLEMS));
    }
    Ok(ExitCode::SUCCESS)
}

/// The text report: how the file was read, what would change, every problem.
pub fn render(file: &FileSummary, plan: &LedgerImportPlan) -> String {
    let mut s = String::new();
    if let Some(e) = &file.encoding {
        s.push_str(&format!("编码: {e}\n"));
    }
    for sh in &file.sheets {
        s.push_str(&format!(
            "工作表「{}」: 表头在第 {} 行; 列: {}\n",
            sh.name,
            sh.header_rows
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join("、"),
            sh.columns.join(", ")
        ));
        if !sh.notes.is_empty() {
            s.push_str(&format!("  其他列 (记入备注): {}\n", sh.notes.join(", ")));
        }
        if sh.skipped > 0 {
            s.push_str(&format!(
                "  跳过 {} 行 (空行、合计/小计、标题行)\n",
                sh.skipped
            ));
        }
    }
    for n in &file.ignored_sheets {
        s.push_str(&format!("工作表「{n}」: 无表头, 未读取\n"));
    }
    let c = &plan.counts;
    s.push_str(&format!(
        "方面: 新增 {}\n问题: 新增 {}, 匹配 {}, 文件中没有 {} (保留)\n措施: 新增 {}, 修改 {}, 不变 {}, 文件中没有 {} (保留)\n",
        c.aspects_created,
        c.problems_created,
        c.problems_matched,
        c.problems_absent,
        c.measures_created,
        c.measures_changed,
        c.measures_unchanged,
        c.measures_absent
    ));
    for (action, label) in [(RowAction::Create, "新增"), (RowAction::Changed, "修改")] {
        let rows: Vec<_> = plan.rows.iter().filter(|r| r.action == action).collect();
        for r in rows.iter().take(LIST_MAX) {
            let what = if action == RowAction::Changed {
                r.changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            c.field,
                            short(c.old.as_deref().unwrap_or("")),
                            short(c.new.as_deref().unwrap_or(""))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                short(&r.text)
            };
            s.push_str(&format!(
                "  {label} 第{}行 [{} {}] {what}\n",
                r.row,
                r.problem_no,
                short(&r.problem)
            ));
        }
        if rows.len() > LIST_MAX {
            s.push_str(&format!(
                "  … 共 {} 行{label} (--format json 列出全部)\n",
                rows.len()
            ));
        }
    }
    for n in &plan.notes {
        s.push_str(&format!("注意: {n}\n"));
    }
    if !plan.problems.is_empty() {
        s.push_str(&format!("问题 ({} 处):\n", plan.problems.len()));
        for p in &plan.problems {
            s.push_str(&format!(
                "  {}{p}\n",
                if p.sheet.is_empty() {
                    String::new()
                } else {
                    format!("[{}] ", p.sheet)
                }
            ));
        }
    }
    s
}

fn short(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= 30 {
        s
    } else {
        let mut t: String = s.chars().take(30).collect();
        t.push('…');
        t
    }
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
fn out(text: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes()).and_then(|()| o.flush());
}
