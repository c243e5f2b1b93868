//! Runs a [`Stream`] of order records through the order workflow on a broker and reports
//! what happened. Used by the `order` example (the main job) and its end-to-end test.

use std::collections::BTreeMap;
use std::error::Error;
use std::time::{Duration, Instant};

use rdkafka::producer::{FutureProducer, FutureRecord};
use workflow_kafka::prelude::*;
use workflow_kafka::{KafkaError, StatsSnapshot};

use crate::order::{Order, OrderStatus, OrderWorkflow};
use crate::stream::{Record, Stream};

/// Any error of the demo.
pub type DemoError = Box<dyn Error + Send + Sync>;

/// How long one wave may take to be resolved before the demo gives up.
const WAVE_DEADLINE: Duration = Duration::from_secs(120);

/// What a run did.
#[derive(Debug)]
pub struct Report {
    /// The runtime's counters at the end.
    pub stats: StatsSnapshot,
    /// How many records were published.
    pub produced: usize,
    /// From the first publish to the last resolution.
    pub elapsed: Duration,
    /// The orders as stored at the end.
    pub store: MemoryStore<Order>,
}

impl Report {
    /// How many orders ended in each state.
    pub fn states(&self) -> BTreeMap<&'static str, usize> {
        let mut states = BTreeMap::new();
        for order in self.store.entities() {
            *states.entry(order.status.as_str()).or_default() += 1;
        }
        states
    }

    /// Records resolved per second.
    pub fn records_per_second(&self) -> f64 {
        self.stats.resolved() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Whether every produced record is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.stats.resolved() == self.produced as u64 && self.stats.received == self.produced as u64
    }

    /// The end-of-run summary, as printed by the `order` example.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        let mut out = String::new();
        out += &format!("orders by state:   {:?}\n", self.states());
        out += &format!("records produced:  {}\n", self.produced);
        out += &format!(
            "  applied:         {} ({} of them by a failing action, which moved the order to Failed)\n",
            s.applied, s.failed
        );
        out += &format!("  rejected:        {} (guard said no)\n", s.rejected);
        out += &format!(
            "  dead-lettered:   {} {:?}\n",
            s.dead_lettered, s.dead_lettered_by_reason
        );
        out += &format!("  ignored:         {}\n", s.ignored);
        out += &format!("  duplicates:      {}\n", s.duplicates);
        out += &format!("  retried:         {}\n", s.retried);
        out += &format!(
            "accounted for:     {} of {} ({})\n",
            s.resolved(),
            self.produced,
            if self.balanced() {
                "every record"
            } else {
                "MISMATCH"
            }
        );
        out += &format!(
            "elapsed:           {:.2?}, {:.0} records/s",
            self.elapsed,
            self.records_per_second()
        );
        out
    }
}

/// Publishes `stream` wave by wave to the broker of `config` while a [`WorkflowConsumer`]
/// applies it, and returns once every record is resolved. The topics must exist.
pub async fn run_stream(
    config: &KafkaConfig,
    options: RuntimeOptions,
    stream: &Stream,
) -> Result<Report, DemoError> {
    let store = MemoryStore::new();
    let engine = Engine::<OrderWorkflow, _>::new(store.clone());
    let consumer = WorkflowConsumer::new(config, options.clone(), engine)?;
    let stats = consumer.stats();
    let total = stream.len() as u64;
    let started = Instant::now();
    let run = tokio::spawn(consumer.run_until(move |s| s.resolved() >= total));

    let producer = raw_producer(config)?;
    let mut published = 0;
    for wave in &stream.waves {
        publish_wave(&producer, &options, wave).await?;
        published += wave.len() as u64;
        let deadline = Instant::now() + WAVE_DEADLINE;
        while stats.snapshot().resolved() < published {
            if run.is_finished() || Instant::now() > deadline {
                run.abort();
                return Err(format!(
                    "wave not resolved: {:?} of {published} records",
                    stats.snapshot()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let stats = run.await??;
    Ok(Report {
        stats,
        produced: stream.len(),
        elapsed: started.elapsed(),
        store,
    })
}

/// Publishes `stream` wave by wave without consuming, pausing `between` waves so that a
/// running service has applied a wave before the records that depend on it arrive.
pub async fn produce_stream(
    config: &KafkaConfig,
    options: &RuntimeOptions,
    stream: &Stream,
    between: Duration,
) -> Result<usize, DemoError> {
    let producer = raw_producer(config)?;
    for (i, wave) in stream.waves.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(between).await;
        }
        publish_wave(&producer, options, wave).await?;
    }
    Ok(stream.len())
}

/// A plain producer: the stream holds records the typed producer would refuse to write
/// (broken JSON, missing URNs), on purpose.
fn raw_producer(config: &KafkaConfig) -> Result<FutureProducer, KafkaError> {
    let mut client = config
        .clone()
        .fill_defaults(&OrderWorkflow::DEFINITION.kafka)
        .producer_config()?;
    client.set("acks", "all");
    Ok(client.create()?)
}

async fn publish_wave(
    producer: &FutureProducer,
    options: &RuntimeOptions,
    wave: &[Record],
) -> Result<(), DemoError> {
    let sends = wave.iter().map(|record| async move {
        let topic = options.physical_topic(record.topic);
        let mut message = FutureRecord::to(&topic).payload(&record.value);
        if let Some(key) = &record.key {
            message = message.key(key);
        }
        producer
            .send(message, Duration::from_secs(30))
            .await
            .map_err(|(error, _)| error)
    });
    futures_util::future::try_join_all(sends).await?;
    Ok(())
}

/// The states the stream says each order must end in, against what the store holds.
pub fn state_mismatches(
    report: &Report,
    stream: &Stream,
) -> Vec<(String, OrderStatus, Option<OrderStatus>)> {
    stream
        .final_states
        .iter()
        .filter_map(|(urn, expected)| {
            let actual = report.store.get(urn).map(|o| o.status);
            (actual != Some(*expected)).then(|| (urn.clone(), *expected, actual))
        })
        .collect()
}
