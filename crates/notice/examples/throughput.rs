//! Parses the seed notice with its body replicated to ≈3.4 MB, `ROUNDS` times (default 10),
//! and prints MB/s (`MODE=bytes` goes through `parse_bytes`). Run under `/usr/bin/time` to relate it to CPU time on a busy machine:
//! `cargo run --release -p rectify-notice --example throughput`.

use std::time::Instant;

const SEED: &str = include_str!("../testdata/dongguan-2021-12-28.txt");

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let start = SEED.find("一、切实提高站位").unwrap_or(0);
    let end = SEED.find("欢迎广大干部群众").unwrap_or(SEED.len());
    let mut text = SEED[..start].to_string();
    for _ in 0..160 {
        text.push_str(&SEED[start..end]);
    }
    text.push_str(&SEED[end..]);
    let t = Instant::now();
    let mut measures = 0;
    for _ in 0..rounds {
        let n = if std::env::var("MODE").as_deref() == Ok("bytes") {
            match rectify_notice::parse_bytes(text.as_bytes(), None) {
                Ok(n) => n,
                Err(e) => panic!("{e}"),
            }
        } else {
            rectify_notice::parse_text(&text)
        };
        measures += n.counts.measures;
    }
    let secs = t.elapsed().as_secs_f64();
    let mb = (text.len() * rounds) as f64 / 1e6;
    println!(
        "{rounds} × {:.2} MB in {secs:.2} s: {:.1} MB/s wall ({} measures per parse)",
        text.len() as f64 / 1e6,
        mb / secs,
        measures / rounds.max(1)
    );
}
