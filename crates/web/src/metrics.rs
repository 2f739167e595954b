//! Request counters and latency histograms in Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;

const BUCKETS_MS: [u64; 10] = [1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000];

#[derive(Default)]
struct Series {
    count: u64,
    sum_ms: f64,
    buckets: [u64; BUCKETS_MS.len()],
}

#[derive(Default)]
pub(crate) struct Metrics {
    // (route, status class) → series. One short lock per request.
    inner: Mutex<BTreeMap<(String, u16), Series>>,
}

impl Metrics {
    pub(crate) fn observe(&self, route: &str, status: u16, took: Duration) {
        let ms = took.as_secs_f64() * 1000.0;
        if let Ok(mut m) = self.inner.lock() {
            let s = m
                .entry((route.to_string(), status / 100 * 100))
                .or_default();
            s.count += 1;
            s.sum_ms += ms;
            for (i, b) in BUCKETS_MS.iter().enumerate() {
                if ms <= *b as f64 {
                    s.buckets[i] += 1;
                }
            }
        }
    }
}

pub(crate) async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    out.push_str("# HELP rectify_http_requests_total HTTP requests by route and status class.\n# TYPE rectify_http_request_duration_ms histogram\n");
    if let Ok(m) = state.metrics.inner.lock() {
        for ((route, class), s) in m.iter() {
            let labels = format!(
                "route=\"{}\",status=\"{}xx\"",
                route.replace('"', "'"),
                class / 100
            );
            for (i, b) in BUCKETS_MS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "rectify_http_request_duration_ms_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "rectify_http_request_duration_ms_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "rectify_http_request_duration_ms_sum{{{labels}}} {:.3}",
                s.sum_ms
            );
            let _ = writeln!(
                out,
                "rectify_http_request_duration_ms_count{{{labels}}} {}",
                s.count
            );
            let _ = writeln!(out, "rectify_http_requests_total{{{labels}}} {}", s.count);
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
