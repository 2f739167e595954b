//! A notice-sized document: 1 title, 5 first-level headings, 1,000 problems (second level)
//! and 3,000 paragraphs; target ≤ 200 ms for `docx::write`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use rectify_office::docx::{self, Block, Document};

fn notice() -> Document {
    let mut blocks = Vec::with_capacity(4005);
    for aspect in 0..5 {
        blocks.push(Block::Heading1(format!(
            "关于第{}方面问题的整改情况",
            aspect + 1
        )));
        for problem in 0..200 {
            blocks.push(Block::Heading2(format!(
                "针对“落实全面从严治党主体责任不到位”的问题（第{problem}项）"
            )));
            for measure in 0..3 {
                blocks.push(Block::Paragraph(format!(
                    "整改措施{measure}：一是召开专题会议研究部署整改工作，逐条制定整改措施，明确责任领导、责任单位和完成时限；二是建立健全相关制度{}项，实行清单化管理、项目化推进、销号式落实。目前已完成整改。",
                    measure + 2
                )));
            }
        }
    }
    Document {
        title: "中共某某市某某局党组关于十四届市委第十三轮巡察整改进展情况的通报".into(),
        doc_number: Some("某某党组〔2021〕461号".into()),
        addressee: Some("各科室、直属单位".into()),
        blocks,
        issuer: Some("中共某某市某某局党组".into()),
        date: NaiveDate::from_ymd_opt(2021, 12, 28),
        attachments: vec!["整改问题清单".into()],
        contact: Some("联系电话：0769-12345678；电子邮箱：xczg@example.gov.cn".into()),
    }
}

fn bench(c: &mut Criterion) {
    let doc = notice();
    let bytes = docx::write(&doc).expect("writes");
    eprintln!(
        "notice: {} blocks, {} KiB docx",
        doc.blocks.len(),
        bytes.len() / 1024
    );
    let mut group = c.benchmark_group("docx");
    group.sample_size(20);
    group.bench_function("write_1000_problem_notice", |b| {
        b.iter(|| docx::write(black_box(&doc)))
    });
    group.bench_function("to_text_1000_problem_notice", |b| {
        b.iter(|| docx::to_text(black_box(&doc)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
