//! Concurrency with a slow store: records/s at several lane counts (`max_in_flight`) with
//! 1 ms of store latency per record and 10,000 URNs, per-URN order checked. See
//! BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p examples --example lanes -- --lanes 1,8,64
//! ```
//!
//! Flags: `--lanes a,b,c` (1,8,64), `--latency-ms N` (1), `--urns N` (10,000),
//! `--per-lane N` records per lane and run (500), `--min-records N` (2,000),
//! `--partitions N` (8).
#![forbid(unsafe_code)]

use std::time::Duration;

use examples::bench::{arg, lanes, list_arg, serve_broker_if_asked};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    serve_broker_if_asked();
    lanes(
        &list_arg("--lanes", &[1, 8, 64]),
        Duration::from_millis(arg("--latency-ms", 1)),
        arg("--urns", 10_000),
        arg("--per-lane", 500),
        arg("--min-records", 2_000),
        arg("--partitions", 8),
    )
    .await?;
    Ok(())
}
