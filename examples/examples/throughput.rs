//! End-to-end throughput: a raw rdkafka consumer loop against the workflow runtime, same
//! broker, same settings, same process. See BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p examples --example throughput -- --records 1000000 --rounds 2
//! ```
//!
//! Flags: `--records N` (default 1,000,000), `--urns N` (10,000), `--partitions N` (8),
//! `--max-in-flight N` (the runtime's default, 256), `--rounds N` (2). With `KAFKA_BROKERS`
//! set, runs against that broker instead of the embedded one.
#![forbid(unsafe_code)]

use examples::bench::{arg, serve_broker_if_asked, throughput};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    serve_broker_if_asked();
    throughput(
        arg("--records", 1_000_000),
        arg("--urns", 10_000),
        arg("--partitions", 8),
        arg("--max-in-flight", 256),
        arg("--rounds", 2),
    )
    .await?;
    Ok(())
}
