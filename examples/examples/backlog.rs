//! Memory under backlog: VmRSS over time while draining a preloaded backlog with a 5 ms
//! store. The broker runs in a child process, so only the consumer's memory is measured.
//! See BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p examples --example backlog -- --records 1000000 --lanes 64
//! ```
//!
//! Flags: `--records N` (1,000,000), `--urns N` (10,000), `--partitions N` (8),
//! `--latency-ms N` (5), `--lanes N` (`max_in_flight`, 64), `--every-ms N` (sample
//! interval, 2,000), `--queued-kb N` (librdkafka's `queued.max.messages.kbytes`, its
//! prefetch bound; default 65,536).
#![forbid(unsafe_code)]

use std::time::Duration;

use examples::bench::{arg, backlog, serve_broker_if_asked};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    serve_broker_if_asked();
    backlog(
        arg("--records", 1_000_000),
        arg("--urns", 10_000),
        arg("--partitions", 8),
        Duration::from_millis(arg("--latency-ms", 5)),
        arg("--lanes", 64),
        Duration::from_millis(arg("--every-ms", 2_000)),
        std::env::args()
            .any(|a| a == "--queued-kb")
            .then(|| arg("--queued-kb", 65_536)),
    )
    .await?;
    Ok(())
}
