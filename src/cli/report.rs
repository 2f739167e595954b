//! `rectify report …`: documents generated from the ledger.
//!
//! - `report notice`: the public progress notice (整改阶段性进展情况的通报), composed by
//!   `rectify_office::notice::compose` from the ledger view `Store::notice_data`;
//! - `report rectification`: the rectification report (整改情况报告) to the inspecting
//!   committee — every measure with its status, deadline, unit, owner and evidence count, a
//!   table per aspect.
//!
//! Both write `--format docx|md|txt` to `--out`; the three formats render one layout plan.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use rectify_office::docx::{self, Block, Document, Table};
use rectify_office::notice::{
    AspectData, MeasureData, NoticeData, OrganisationPart, ProblemData, StatsData,
};
use rectify_store::report::{ReportAspect, ReportMeasure};
use rectify_store::{Store, StoreError};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Word document laid out per GB/T 9704-2012.
    Docx,
    /// Markdown.
    Md,
    /// Plain text (28-character lines as on the page).
    Txt,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Md => "md",
            Format::Txt => "txt",
        }
    }
}

#[derive(Subcommand)]
pub enum ReportCmd {
    /// The public progress notice (整改阶段性进展情况的通报) of an inspection.
    Notice {
        /// The inspection's id.
        #[arg(long)]
        inspection: i64,
        #[arg(long, value_enum, default_value = "docx")]
        format: Format,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Publication date (YYYY-MM-DD; default today); the statistics are as of now.
        #[arg(long)]
        date: Option<String>,
        /// Contact details for the closing paragraph (电话…；电子邮箱…；邮政编码…).
        #[arg(long)]
        contact: Option<String>,
        #[command(flatten)]
        data: super::DataOpts,
    },
    /// The rectification report (整改情况报告) to the inspecting committee: every measure
    /// with status and evidence count, a table per aspect.
    Rectification {
        /// The inspection's id.
        #[arg(long)]
        inspection: i64,
        #[arg(long, value_enum, default_value = "docx")]
        format: Format,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Date of the report (YYYY-MM-DD; default today).
        #[arg(long)]
        date: Option<String>,
        /// Addressee (主送机关); default derived from the team, e.g. 市委巡察工作领导小组.
        #[arg(long)]
        addressee: Option<String>,
        #[command(flatten)]
        data: super::DataOpts,
    },
}

pub async fn run(cmd: ReportCmd) -> Result<ExitCode> {
    match cmd {
        ReportCmd::Notice {
            inspection,
            format,
            out,
            date,
            contact,
            data,
        } => {
            let date = parse_date(date.as_deref())?;
            let store = data.open().await?;
            let d = notice_data(&store, inspection, date, contact).await?;
            let doc = rectify_office::notice::compose(&d);
            let n = write(&doc, format, &out)?;
            let problems: usize = d.aspects.iter().map(|a| a.problems.len()).sum();
            let measures: usize = d
                .aspects
                .iter()
                .flat_map(|a| &a.problems)
                .map(|p| p.measures.len())
                .sum();
            println!(
                "wrote the progress notice of inspection {inspection} ({} aspects, {problems} problems, {measures} measures) to {} ({}, {n} bytes)",
                d.aspects.len(),
                out.display(),
                format.as_str()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReportCmd::Rectification {
            inspection,
            format,
            out,
            date,
            addressee,
            data,
        } => {
            let date = parse_date(date.as_deref())?;
            let store = data.open().await?;
            let (doc, measures) = rectification(&store, inspection, date, addressee).await?;
            let n = write(&doc, format, &out)?;
            println!(
                "wrote the rectification report of inspection {inspection} ({measures} measures) to {} ({}, {n} bytes)",
                out.display(),
                format.as_str()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse_date(s: Option<&str>) -> Result<NaiveDate> {
    match s {
        Some(s) => {
            rectify_core::text::date("date", s).map_err(|e| anyhow!("--date: {}", e.message))
        }
        None => Ok(rectify_store::today()),
    }
}

/// `--inspection N` names the flag when there is no such inspection.
fn inspection_error(id: i64, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NotFound {
            entity: "inspection",
            ..
        } => anyhow!("--inspection {id}: no such inspection"),
        e => anyhow::Error::new(e).context(format!("reading inspection {id}")),
    }
}

fn write(doc: &Document, format: Format, out: &Path) -> Result<usize> {
    let bytes = match format {
        Format::Docx => docx::write(doc).context("writing the .docx")?,
        Format::Md => docx::to_markdown(doc).into_bytes(),
        Format::Txt => docx::to_text(doc).into_bytes(),
    };
    std::fs::write(out, &bytes).with_context(|| format!("--out {}", out.display()))?;
    Ok(bytes.len())
}

fn u32_of(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The round as titles name it: the round's name (十四届市委第十三轮巡察), else the
/// inspection's title; `巡察` is added when neither names the kind.
fn round_title(round: Option<&str>, inspection_title: &str, team: &str) -> String {
    let t = round
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or(inspection_title.trim());
    if t.contains("巡察") || t.contains("巡视") {
        t.to_owned()
    } else if team.contains("巡视") {
        format!("{t}巡视")
    } else {
        format!("{t}巡察")
    }
}

/// The ledger view mapped to the notice's plain data.
pub async fn notice_data(
    store: &Store,
    inspection: i64,
    published_on: NaiveDate,
    contact: Option<String>,
) -> Result<NoticeData> {
    let viewer = store
        .tool_viewer(inspection)
        .await
        .map_err(|e| inspection_error(inspection, e))?;
    let f = store
        .notice_data(&viewer, inspection)
        .await
        .map_err(|e| inspection_error(inspection, e))?;
    let team = f.inspection.team.clone().unwrap_or_default();
    let p = f.stats.problems;
    Ok(NoticeData {
        issuer: f.inspected.clone(),
        inspected: f.inspected.clone(),
        round_title: round_title(f.round.as_deref(), &f.inspection.title, &team),
        team,
        stationed_from: f.inspection.dates.stationed_from,
        stationed_to: f.inspection.dates.stationed_to,
        feedback_on: f.inspection.dates.feedback_on,
        published_on,
        // Meetings come from the register; the rectification structure is not recorded yet.
        organisation: OrganisationPart {
            meetings: f
                .registers
                .meetings
                .iter()
                .map(|m| (m.label.clone(), u32_of(u64::try_from(m.count).unwrap_or(0))))
                .collect(),
            ..OrganisationPart::default()
        },
        aspects: f
            .aspects
            .iter()
            .filter(|a| !a.problems.is_empty())
            .map(|a| AspectData {
                title: a.title.clone(),
                problems: a
                    .problems
                    .iter()
                    .map(|p| ProblemData {
                        title: p.title.clone(),
                        measures: p
                            .measures
                            .iter()
                            .map(|m| MeasureData {
                                text: m.text.clone(),
                                latest_progress: m.latest_progress.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        stats: StatsData {
            total: u32_of(p.total),
            completed: u32_of(p.completed),
            largely_completed: u32_of(p.largely_completed),
            in_progress: u32_of(p.in_progress),
            not_completed: u32_of(p.not_completed),
            rules: (f.registers.rules > 0)
                .then(|| u32_of(u64::try_from(f.registers.rules).unwrap_or(0))),
            money: f
                .registers
                .money
                .iter()
                .filter(|m| m.fen.0 > 0)
                .map(|m| (m.label.clone(), m.yuan.clone()))
                .collect(),
            accountability: (f.registers.accountability_people > 0)
                .then(|| u32_of(u64::try_from(f.registers.accountability_people).unwrap_or(0))),
        },
        next_steps: Vec::new(),
        contact,
    })
}

fn status(m: &ReportMeasure) -> String {
    let mut s = m.state.label_zh().to_owned();
    if m.overdue {
        s.push_str("（逾期）");
    }
    s
}

fn aspect_table(a: &ReportAspect) -> Table {
    let mut rows = Vec::new();
    let mut n = 0;
    for p in &a.problems {
        for m in &p.measures {
            n += 1;
            rows.push(vec![
                n.to_string(),
                p.title.clone(),
                m.text.clone(),
                match (&m.responsible_unit, &m.owner) {
                    (Some(u), Some(o)) => format!("{u}（{o}）"),
                    (Some(u), None) => u.clone(),
                    (None, Some(o)) => o.clone(),
                    (None, None) => "—".to_owned(),
                },
                m.deadline
                    .map(rectify_office::chinese_date)
                    .unwrap_or_else(|| "—".to_owned()),
                status(m),
                format!("{}份", m.evidence_count),
            ]);
        }
    }
    Table {
        header: [
            "序号",
            "问题",
            "整改措施",
            "责任单位（责任人）",
            "完成时限",
            "状态",
            "佐证材料",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    }
}

/// The rectification report and the number of measures in it.
async fn rectification(
    store: &Store,
    inspection: i64,
    date: NaiveDate,
    addressee: Option<String>,
) -> Result<(Document, usize)> {
    let viewer = store
        .tool_viewer(inspection)
        .await
        .map_err(|e| inspection_error(inspection, e))?;
    let r = store
        .rectification_items(&viewer, inspection)
        .await
        .map_err(|e| inspection_error(inspection, e))?;
    let team = r.inspection.team.clone().unwrap_or_default();
    let word = if team.contains("巡视") {
        "巡视"
    } else {
        "巡察"
    };
    let round = round_title(r.round.as_deref(), &r.inspection.title, &team);
    let addressee = addressee.unwrap_or_else(|| match team.find('第') {
        Some(p) if p > 0 => format!("{}{word}工作领导小组", &team[..p]),
        _ => format!("{word}工作领导小组"),
    });
    let measures: Vec<&ReportMeasure> = r
        .aspects
        .iter()
        .flat_map(|a| &a.problems)
        .flat_map(|p| &p.measures)
        .collect();
    let closed = measures.iter().filter(|m| m.state.is_closed()).count();
    let overdue = measures.iter().filter(|m| m.overdue).count();
    let evidence: i64 = measures.iter().map(|m| m.evidence_count).sum();
    let p = r.stats.problems;
    let rate = r
        .stats
        .completion_rate
        .clone()
        .map(|rate| format!("，整改完成率{rate}"))
        .unwrap_or_default();

    let mut blocks = vec![Block::Paragraph(format!(
        "{}{}向{}反馈了{word}意见。{}认真对照反馈意见，逐条制定整改措施，明确责任单位、责任人和完成时限。现将整改情况报告如下。",
        r.inspection
            .dates
            .feedback_on
            .map(|d| format!("{}，", rectify_office::chinese_date(d)))
            .unwrap_or_default(),
        if team.is_empty() { "巡察组" } else { &team },
        r.inspected,
        r.inspected
    ))];
    blocks.push(Block::Heading1("整改总体情况".to_owned()));
    blocks.push(Block::Paragraph(format!(
        "截至{}，{word}反馈的问题共{}个，已完成整改{}个，基本完成{}个，正在整改{}个，未完成{}个{rate}。制定整改措施{}项，已销号{closed}项，逾期未完成{overdue}项，上传佐证材料{evidence}份。",
        rectify_office::chinese_date(date),
        p.total,
        p.completed,
        p.largely_completed,
        p.in_progress,
        p.not_completed,
        measures.len(),
    )));
    blocks.push(Block::Heading1("整改事项清单".to_owned()));
    for a in r.aspects.iter().filter(|a| !a.problems.is_empty()) {
        blocks.push(Block::Heading2(a.title.clone()));
        blocks.push(Block::Table(aspect_table(a)));
    }
    let doc = Document {
        title: format!("{}关于{round}整改情况的报告", r.inspected),
        addressee: Some(addressee),
        blocks,
        issuer: Some(r.inspected.clone()),
        date: Some(date),
        ..Document::default()
    };
    Ok((doc, measures.len()))
}
