//! Prometheus metrics, kept in memory per instance and written as text at `/metrics`:
//! requests by route and status, request latency, database pool. Metric names start `kinlink_`.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry(route.to_owned()).or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP kinlink_http_requests_total HTTP requests answered, by route and status."
        );
        let _ = writeln!(out, "# TYPE kinlink_http_requests_total counter");
        if let Ok(r) = self.requests.lock() {
            for ((method, route, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "kinlink_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP kinlink_http_request_duration_seconds Time to answer HTTP requests, by route."
        );
        let _ = writeln!(
            out,
            "# TYPE kinlink_http_request_duration_seconds histogram"
        );
        if let Ok(l) = self.latency.lock() {
            for (route, h) in l.iter() {
                let route = escape(route);
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "kinlink_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "kinlink_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "kinlink_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "kinlink_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP kinlink_db_pool_connections Database connections open in this instance's pool."
        );
        let _ = writeln!(out, "# TYPE kinlink_db_pool_connections gauge");
        let _ = writeln!(out, "kinlink_db_pool_connections {pool_size}");
        let _ = writeln!(
            out,
            "# HELP kinlink_db_pool_idle_connections Open database connections not in use."
        );
        let _ = writeln!(out, "# TYPE kinlink_db_pool_idle_connections gauge");
        let _ = writeln!(out, "kinlink_db_pool_idle_connections {pool_idle}");
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The route pattern, not the path: `/admin/users/{id}`, so ids do not multiply series.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    // The route pattern only: paths, query strings and bodies can carry personal data.
    tracing::info!(target: "kinlink::access", %method, %route, status = res.status().as_u16(), ms = (seconds * 1000.0).round() as u64, "request");
    state
        .metrics
        .observe(&method, &route, res.status().as_u16(), seconds);
    res
}
