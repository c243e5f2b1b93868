//! The main job: the order workflow consuming real Kafka records.
//!
//! ```text
//! cargo run -p examples --example order                      # embedded broker demo
//! cargo run -p examples --example order -- --diagram         # the Mermaid diagram
//! cargo run -p examples --example order -- --brokers 127.0.0.1:9092            # service, until Ctrl-C
//! cargo run -p examples --example order -- --brokers 127.0.0.1:9092 --produce 100  # feed it
//! ```
//!
//! With no broker, it starts librdkafka's mock cluster in process, publishes a realistic
//! stream (every path of the workflow, plus records that must be dead-lettered), consumes
//! it, prints each transition and a summary, and exits 0 only if every record is accounted
//! for and every order ends in the state the stream expects.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use examples::demo::{self, DemoError};
use examples::order::{Order, OrderWorkflow};
use examples::stream;
use tracing_subscriber::EnvFilter;
use workflow_kafka::prelude::*;

/// The order workflow on Kafka.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Kafka bootstrap servers (comma-separated). Without it, an embedded broker runs the demo.
    #[arg(long)]
    brokers: Option<String>,
    /// With --brokers: publish this many orders' events and exit, instead of consuming.
    #[arg(long, value_name = "N", requires = "brokers")]
    produce: Option<usize>,
    /// How many orders the embedded demo publishes.
    #[arg(long, default_value_t = 300)]
    orders: usize,
    /// Seed of the generated stream (same seed, same stream).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Partitions per topic when the example creates topics.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..))]
    partitions: i32,
    /// Print the workflow's Mermaid diagram and exit.
    #[arg(long)]
    diagram: bool,
    /// Print only the summary and errors: no transitions, no dead-letter warnings.
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.diagram {
        println!("{}", OrderWorkflow::MERMAID);
        return ExitCode::SUCCESS;
    }
    let default_filter = if args.quiet {
        "warn"
    } else {
        "info,rdkafka=warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .compact()
        .init();
    let result = match (&args.brokers, args.produce) {
        (None, _) => embedded_demo(&args).await,
        (Some(brokers), Some(orders)) => produce(&args, brokers, orders).await,
        (Some(brokers), None) => serve(&args, brokers).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn embedded_demo(args: &Args) -> Result<ExitCode, DemoError> {
    let kafka = EmbeddedKafka::start()?;
    let options = RuntimeOptions::default();
    kafka.create_workflow_topics::<OrderWorkflow>(&options, args.partitions)?;
    let stream = stream::generate(args.orders, args.seed);
    println!(
        "embedded broker at {}; publishing {} records for {} orders",
        kafka.bootstrap_servers(),
        stream.len(),
        args.orders
    );
    let report = demo::run_stream(&kafka.config(), options, &stream).await?;
    println!("\n{}", report.summary());
    let mismatches = demo::state_mismatches(&report, &stream);
    if !report.balanced() || !mismatches.is_empty() {
        eprintln!("orders not in their expected state: {mismatches:?}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn produce(args: &Args, brokers: &str, orders: usize) -> Result<ExitCode, DemoError> {
    let config = KafkaConfig::from_env().brokers(brokers);
    let options = RuntimeOptions::default();
    create_workflow_topics::<OrderWorkflow>(&config, &options, args.partitions).await?;
    let stream = stream::generate(orders, args.seed);
    let sent = demo::produce_stream(&config, &options, &stream, Duration::from_secs(1)).await?;
    println!("published {sent} records for {orders} orders to {brokers}");
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: &Args, brokers: &str) -> Result<ExitCode, DemoError> {
    let config = KafkaConfig::from_env().brokers(brokers);
    let options = RuntimeOptions::default();
    create_workflow_topics::<OrderWorkflow>(&config, &options, args.partitions).await?;
    let store = MemoryStore::<Order>::new();
    let consumer = WorkflowConsumer::new(
        &config,
        options,
        Engine::<OrderWorkflow, _>::new(store.clone()),
    )?;
    consumer.shutdown_handle().trigger_on_signals();
    println!(
        "consuming {:?} as group `{}` on {brokers}; Ctrl-C to stop",
        consumer.topics(),
        consumer.group()
    );
    let stats = consumer.run().await?;
    println!("\nstopped: {stats:?}");
    let mut states = std::collections::BTreeMap::new();
    for order in store.entities() {
        *states.entry(order.status.as_str()).or_insert(0usize) += 1;
    }
    println!("orders by state: {states:?}");
    Ok(ExitCode::SUCCESS)
}
