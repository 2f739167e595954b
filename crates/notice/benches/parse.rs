//! Throughput of the notice parser over the seed notice with its body replicated to a few MB
//! (one notice with many aspects, so the whole input goes through the problem tree).
//!
//! Run: `cargo bench -p rectify-notice` (criterion reports MiB/s from `Throughput::Bytes`).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SEED: &str = include_str!("../testdata/dongguan-2021-12-28.txt");

/// Header + the body (from the opening formula to before 欢迎…监督) `copies` times + closing.
fn replicated(copies: usize) -> String {
    let body_start = SEED.find("一、切实提高站位").unwrap_or(0);
    let body_end = SEED.find("欢迎广大干部群众").unwrap_or(SEED.len());
    let mut s = String::with_capacity(SEED.len() * copies);
    s.push_str(&SEED[..body_start]);
    for _ in 0..copies {
        s.push_str(&SEED[body_start..body_end]);
    }
    s.push_str(&SEED[body_end..]);
    s
}

fn bench(c: &mut Criterion) {
    let text = replicated(160); // ≈ 3.4 MB
    let mut g = c.benchmark_group("parse");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse_text seed x160 (utf-8)", |b| {
        b.iter(|| rectify_notice::parse_text(black_box(&text)))
    });
    g.bench_function("parse_bytes seed x160 (utf-8)", |b| {
        b.iter(|| rectify_notice::parse_bytes(black_box(text.as_bytes()), None))
    });
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    g.throughput(Throughput::Bytes(gbk.len() as u64));
    g.bench_function("parse_bytes seed x160 (gbk)", |b| {
        b.iter(|| rectify_notice::parse_bytes(black_box(&gbk), None))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
