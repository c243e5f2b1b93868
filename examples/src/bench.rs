//! The end-to-end benchmarks of BENCHMARKS.md: a trivial workflow, a store with injected
//! latency, a broker preloaded with a backlog, a raw rdkafka consumer loop as the baseline,
//! and the runs that measure the workflow runtime against it.
//!
//! The programs `throughput`, `lanes` and `backlog` (in `examples/examples`) and the
//! `kafka` bench target are thin command lines over these functions. Every figure is a
//! rate or a size measured in the running process; nothing here asserts a time.
//!
//! The broker is librdkafka's mock cluster, run in a child process (this same executable,
//! started with [`BROKER_ENV`] set), so that the backlog it holds does not count in the
//! measured process's memory; with `KAFKA_BROKERS` set, a real broker is used instead.

use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::Message;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use workflow_kafka::prelude::*;
use workflow_kafka::{
    Engine, EntityStore, KafkaError, Loaded, MemoryStore, Position, StoreError, Version,
};

pub use tick_workflow::{TickEvent, TickState, TickWorkflow};

/// The one topic the benchmarks use.
pub const TOPIC: &str = "bench.ticks";

/// Set (to `topic:partitions:records:urns`) in the environment of the child process that
/// serves the mock cluster; see [`serve_broker_if_asked`].
pub const BROKER_ENV: &str = "WORKFLOW_BENCH_BROKER";

/// How many tick records one partition of the mock cluster can hold without dropping the
/// oldest (its caps are 100,000 records and 5 MB per partition).
pub const MOCK_RECORDS_PER_PARTITION: u64 = 75_000;

/// Out-of-order applications seen by [`tick_workflow`]'s action, over the whole process.
pub static ORDER_VIOLATIONS: AtomicU64 = AtomicU64::new(0);

/// The entity of the benchmark workflow: a counter per URN that remembers the sequence
/// number of the last event applied, so that out-of-order delivery is detected.
#[derive(Entity, Clone, Debug, Default, PartialEq)]
pub struct Counter {
    /// The URN, `urn:tick:<n>`.
    #[urn]
    pub urn: String,
    /// How many ticks were applied.
    pub applied: u64,
    /// The sequence number of the last tick applied.
    pub last_seq: u64,
    /// Always `Counting`.
    #[status]
    pub status: TickState,
}

/// What a tick record carries: `{"urn":"urn:tick:42","seq":1234}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    /// The URN.
    pub urn: String,
    /// The record's position in the generated stream; increasing for each URN.
    pub seq: u64,
}

/// The benchmark workflow: every tick is one trivial transition.
#[workflow(entity = Counter, payload = Tick, kafka(group_id = "bench"))]
pub mod tick_workflow {
    use super::*;

    /// The one state.
    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum TickState {
        /// Counting ticks.
        #[default]
        Counting,
    }

    /// The one event.
    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum TickEvent {
        /// A tick.
        Tick,
    }

    transitions! {
        [*]      -> Counting on Tick do count;
        Counting -> Counting on Tick do count;

        idles = [Counting];

        topics {
            "bench.ticks" => Tick,
        }
    }

    /// Counts the tick and checks it arrived after the previous one of its URN.
    fn count(counter: &mut Counter, tick: &Tick) {
        if counter.applied > 0 && tick.seq <= counter.last_seq {
            ORDER_VIOLATIONS.fetch_add(1, Ordering::Relaxed);
        }
        counter.applied += 1;
        counter.last_seq = tick.seq;
    }
}

/// An [`EntityStore`] that waits `latency` (with `tokio::time::sleep`) before every load,
/// standing in for a database round trip: each record pays it once. Saves are not delayed.
#[derive(Debug, Clone)]
pub struct SlowStore<S> {
    /// The store that does the work.
    pub inner: S,
    /// The injected latency.
    pub latency: Duration,
}

impl<T: workflow_kafka::Entity, S: EntityStore<T>> EntityStore<T> for SlowStore<S> {
    async fn load(&self, urn: &str) -> Result<Option<Loaded<T>>, StoreError> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        self.inner.load(urn).await
    }

    fn save(
        &self,
        entity: &T,
        expected: Option<Version>,
        position: Option<&Position>,
    ) -> impl Future<Output = Result<Version, StoreError>> + Send {
        self.inner.save(entity, expected, position)
    }
}

/// Where the records are: a mock cluster in a child process, or a real broker.
#[derive(Debug)]
pub struct Broker {
    /// Partitions of the topic.
    pub partitions: i32,
    /// The consumer settings every run shares (brokers, offset reset, session timeout).
    pub config: KafkaConfig,
    /// Topic prefix of this run (unique on a real broker, empty on the mock cluster).
    pub prefix: String,
    /// How many records the topic holds.
    pub records: u64,
    child: Option<Child>,
}

impl Broker {
    /// The topic name on the wire.
    pub fn topic(&self) -> String {
        format!("{}{TOPIC}", self.prefix)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Closing its stdin tells the child to stop.
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// The record `i` of the generated stream: URN `i % urns`, sequence `i`.
pub fn tick_record(i: u64, urns: u64) -> (String, Vec<u8>) {
    let urn = format!("urn:tick:{}", i % urns);
    let value = serde_json::to_vec(&Tick {
        urn: urn.clone(),
        seq: i,
    })
    .expect("ticks serialize");
    (urn, value)
}

/// Produces `records` ticks over `urns` URNs to `topic`, keyed by URN, in large batches.
pub fn preload(
    brokers: &str,
    topic: &str,
    records: u64,
    urns: u64,
) -> Result<Duration, KafkaError> {
    let producer: BaseProducer<Deliveries> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "100")
        .set("batch.num.messages", "10000")
        .set("batch.size", "1000000")
        .set("queue.buffering.max.messages", "1000000")
        .set("queue.buffering.max.kbytes", "262144")
        .set("compression.type", "none")
        .create_with_context(Deliveries::default())?;
    let started = Instant::now();
    for i in 0..records {
        let (key, value) = tick_record(i, urns);
        let mut record = BaseRecord::to(topic).key(&key).payload(&value);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((
                    rdkafka::error::KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                    back,
                )) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
                Err((error, _)) => return Err(error.into()),
            }
        }
        if i % 10_000 == 0 {
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(Duration::from_secs(300))?;
    let took = started.elapsed();
    let failed = producer.context().failed.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(KafkaError::Config(format!(
            "{failed} of {records} records were not delivered"
        )));
    }
    Ok(took)
}

/// Counts failed deliveries of the preloading producer.
#[derive(Default)]
struct Deliveries {
    failed: AtomicU64,
}

impl rdkafka::ClientContext for Deliveries {}

impl rdkafka::producer::ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &rdkafka::message::DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            if self.failed.fetch_add(1, Ordering::Relaxed) == 0 {
                eprintln!("preload: delivery failed: {error}");
            }
        }
    }
}

/// Serves a mock cluster when this process was started as the broker child ([`BROKER_ENV`]
/// set): creates the topic, preloads it, prints `READY <bootstrap>`, and waits for its stdin
/// to close, then exits. Returns normally (doing nothing) otherwise. Call it first in `main`.
pub fn serve_broker_if_asked() {
    let Ok(spec) = std::env::var(BROKER_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let [topic, partitions, records, urns] = parts[..] else {
        eprintln!("bad {BROKER_ENV}: {spec}");
        std::process::exit(2);
    };
    let parse = |s: &str| s.parse::<u64>().expect("a number");
    let kafka = EmbeddedKafka::start().expect("the mock cluster starts");
    kafka
        .create_topic(topic, parse(partitions) as i32)
        .expect("the topic is created");
    let took = preload(
        kafka.bootstrap_servers(),
        topic,
        parse(records),
        parse(urns),
    )
    .expect("the backlog is produced");
    eprintln!(
        "broker: {} records preloaded in {:.1} s; broker RSS {} MB",
        parse(records),
        took.as_secs_f64(),
        rss_mb().map_or("?".to_owned(), |(rss, _)| rss.to_string())
    );
    println!("READY {}", kafka.bootstrap_servers());
    std::io::stdout().flush().expect("stdout");
    // Serve until the parent closes our stdin (or dies).
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
    drop(kafka);
    std::process::exit(0);
}

/// A broker holding `records` ticks over `urns` URNs on `partitions` partitions: the real
/// one named by `KAFKA_BROKERS` (topic created with a unique prefix, then preloaded), or a
/// mock cluster in a child process.
pub async fn start_broker(records: u64, urns: u64, partitions: i32) -> Result<Broker, KafkaError> {
    let base = |brokers: &str| {
        KafkaConfig::new()
            .brokers(brokers)
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "500")
    };
    if let Ok(brokers) = std::env::var("KAFKA_BROKERS") {
        let prefix = format!(
            "bench{}.",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        );
        let options = RuntimeOptions::default().topic_prefix(&prefix);
        let config = base(&brokers);
        workflow_kafka::create_workflow_topics::<TickWorkflow>(&config, &options, partitions)
            .await?;
        let topic = options.physical_topic(TOPIC);
        let took = tokio::task::spawn_blocking(move || preload(&brokers, &topic, records, urns))
            .await
            .map_err(|e| KafkaError::Config(e.to_string()))??;
        eprintln!(
            "preloaded {records} records into the real broker in {:.1} s",
            took.as_secs_f64()
        );
        return Ok(Broker {
            partitions,
            config,
            prefix,
            records,
            child: None,
        });
    }
    // librdkafka's mock cluster keeps at most 100,000 records and 5 MB per partition
    // (rdkafka_mock.c, `max_cnt`/`max_size`) and silently drops older ones; a tick record
    // takes about 62 bytes, so spread a larger backlog over more partitions.
    let needed = i32::try_from(records.div_ceil(MOCK_RECORDS_PER_PARTITION)).unwrap_or(i32::MAX);
    let partitions = if needed > partitions {
        eprintln!(
            "note: the mock cluster holds at most ~{MOCK_RECORDS_PER_PARTITION} records per partition; using {needed} partitions instead of {partitions}"
        );
        needed
    } else {
        partitions
    };
    let exe = std::env::current_exe().map_err(|e| KafkaError::Embedded(e.to_string()))?;
    let mut child = Command::new(exe)
        .env(BROKER_ENV, format!("{TOPIC}:{partitions}:{records}:{urns}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| KafkaError::Embedded(e.to_string()))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| KafkaError::Embedded(e.to_string()))?
    .map_err(|e| KafkaError::Embedded(e.to_string()))?;
    let bootstrap = line
        .strip_prefix("READY ")
        .map(str::trim)
        .ok_or_else(|| KafkaError::Embedded(format!("broker child said {line:?}")))?
        .to_owned();
    Ok(Broker {
        partitions,
        config: base(&bootstrap),
        prefix: String::new(),
        records,
        child: Some(child),
    })
}

/// A fresh consumer group name.
fn group(name: &str) -> String {
    static RUN: AtomicU64 = AtomicU64::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    )
}

/// A measured run: how many records, over how long (first record received to last resolved).
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Records processed.
    pub records: u64,
    /// From the first record received to the last one resolved.
    pub elapsed: Duration,
}

impl Rate {
    /// Records per second.
    pub fn per_sec(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64()
    }
}

/// The baseline: a raw `StreamConsumer` loop that receives each record, parses its JSON
/// into [`Tick`] and stores its offset, until `records` were handled. Same settings as the
/// runtime's consumer (`enable.auto.offset.store=false`, auto commit, offset reset).
pub async fn raw_loop(broker: &Broker, records: u64) -> Result<Rate, KafkaError> {
    let mut client = broker.config.client_config()?;
    client
        .set("group.id", group("raw"))
        .set("enable.auto.offset.store", "false")
        .set("enable.auto.commit", "true");
    let consumer: StreamConsumer = client.create()?;
    consumer.subscribe(&[broker.topic().as_str()])?;
    let mut started = None;
    let mut seen = 0u64;
    let mut checksum = 0u64;
    while seen < records {
        let message = match tokio::time::timeout(Duration::from_secs(20), consumer.recv()).await {
            Ok(message) => message?,
            Err(_) => {
                return Err(KafkaError::Config(format!(
                    "raw loop stalled after {seen} of {records} records"
                )));
            }
        };
        started.get_or_insert_with(Instant::now);
        let tick: Tick = serde_json::from_slice(message.payload().unwrap_or(b"null"))
            .map_err(|e| KafkaError::Config(format!("bad record: {e}")))?;
        checksum = checksum.wrapping_add(tick.seq);
        consumer.store_offset_from_message(&message)?;
        seen += 1;
    }
    let elapsed = started.map_or(Duration::ZERO, |s| s.elapsed());
    std::hint::black_box(checksum);
    drop(consumer);
    Ok(Rate {
        records: seen,
        elapsed,
    })
}

/// What a workflow run observed, besides its rate.
#[derive(Debug, Clone)]
pub struct WorkflowRun {
    /// The rate.
    pub rate: Rate,
    /// The final counters.
    pub stats: StatsSnapshot,
    /// Out-of-order applications seen during the run (must be 0).
    pub order_violations: u64,
    /// `(seconds since the first record, VmRSS MB)` samples, when asked for.
    pub rss_samples: Vec<(f64, u64)>,
    /// The process's VmHWM (peak RSS) at the end, in MB.
    pub peak_rss_mb: u64,
}

/// Runs the [`WorkflowConsumer`] on [`TickWorkflow`] with `store` until `records` were
/// resolved, with `max_in_flight` records (and so at most that many lanes) in flight.
/// With `sample_rss` set, VmRSS is sampled at that interval.
pub async fn workflow_run<S: EntityStore<Counter>>(
    broker: &Broker,
    store: S,
    records: u64,
    max_in_flight: usize,
    sample_rss: Option<Duration>,
) -> Result<WorkflowRun, KafkaError> {
    let violations_before = ORDER_VIOLATIONS.load(Ordering::Relaxed);
    let options = RuntimeOptions::default()
        .topic_prefix(&broker.prefix)
        .max_in_flight(max_in_flight);
    let config = broker.config.clone().group_id(group("workflow"));
    let consumer = WorkflowConsumer::<TickWorkflow, _>::new(&config, options, Engine::new(store))?;
    let stats = consumer.stats();
    let shutdown = consumer.shutdown_handle();
    let running = tokio::spawn(consumer.run());
    // Watch the counters: the clock starts at the first record received and stops when the
    // last one is resolved.
    let mut started = None;
    let mut samples = Vec::new();
    let mut next_sample = Duration::ZERO;
    let poll = Duration::from_millis(2);
    let (resolved, elapsed) = loop {
        tokio::time::sleep(poll).await;
        let now = stats.snapshot();
        if now.received > 0 && started.is_none() {
            started = Some(Instant::now());
        }
        if let (Some(start), Some(every)) = (started, sample_rss) {
            let at = start.elapsed();
            if at >= next_sample {
                samples.push((at.as_secs_f64(), rss_mb().map_or(0, |(rss, _)| rss)));
                next_sample += every;
            }
        }
        if now.resolved() >= records {
            break (
                now.resolved(),
                started.map_or(Duration::ZERO, |s| s.elapsed()),
            );
        }
        if running.is_finished() {
            break (
                now.resolved(),
                started.map_or(Duration::ZERO, |s| s.elapsed()),
            );
        }
    };
    shutdown.shutdown();
    let stats = running
        .await
        .map_err(|e| KafkaError::Config(e.to_string()))??;
    Ok(WorkflowRun {
        rate: Rate {
            records: resolved,
            elapsed,
        },
        stats,
        order_violations: ORDER_VIOLATIONS.load(Ordering::Relaxed) - violations_before,
        rss_samples: samples,
        peak_rss_mb: rss_mb().map_or(0, |(_, hwm)| hwm),
    })
}

/// A fresh in-memory store for a run.
pub fn memory_store() -> MemoryStore<Counter> {
    MemoryStore::new()
}

/// `(VmRSS, VmHWM)` of this process in MB, from `/proc/self/status` (Linux only).
pub fn rss_mb() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Reads `--name value` from the command line, with a default.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Reads `--name a,b,c` from the command line, with a default.
pub fn list_arg(name: &str, default: &[usize]) -> Vec<usize> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// Prints the machine line every report starts with.
pub fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {cores} cores; load average {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// (a) against (b): the raw loop and the workflow runtime over the same `records` records,
/// one after the other, `rounds` times each (alternating); prints every run and the ratio
/// of the best runs. Goal: (b) >= 80% of (a).
pub async fn throughput(
    records: u64,
    urns: u64,
    partitions: i32,
    max_in_flight: usize,
    rounds: u32,
) -> Result<f64, KafkaError> {
    print_machine();
    let broker = start_broker(records, urns, partitions).await?;
    let partitions = broker.partitions;
    println!(
        "throughput: {records} records, {urns} URNs, {partitions} partitions, max_in_flight {max_in_flight}, broker {}",
        if broker.child.is_some() {
            "embedded (mock cluster, child process)"
        } else {
            "KAFKA_BROKERS"
        }
    );
    let (mut best_raw, mut best_wf) = (0f64, 0f64);
    for round in 1..=rounds {
        let raw = raw_loop(&broker, records).await?;
        println!(
            "  round {round} (a) raw StreamConsumer loop: {:>9.0} records/s ({} in {:.2} s)",
            raw.per_sec(),
            raw.records,
            raw.elapsed.as_secs_f64()
        );
        let run = workflow_run(&broker, memory_store(), records, max_in_flight, None).await?;
        println!(
            "  round {round} (b) WorkflowConsumer:         {:>9.0} records/s ({} in {:.2} s; applied {}, dead-lettered {}, order violations {})",
            run.rate.per_sec(),
            run.rate.records,
            run.rate.elapsed.as_secs_f64(),
            run.stats.applied,
            run.stats.dead_lettered,
            run.order_violations
        );
        best_raw = best_raw.max(raw.per_sec());
        best_wf = best_wf.max(run.rate.per_sec());
    }
    let ratio = best_wf / best_raw;
    println!(
        "RESULT throughput: raw {best_raw:.0}/s, workflow {best_wf:.0}/s, ratio {:.1}% (goal >= 80%: {})",
        ratio * 100.0,
        if ratio >= 0.8 { "met" } else { "NOT met" }
    );
    Ok(ratio)
}

/// Records/s with a store that waits `latency` per record, at each lane count in `lanes`
/// (`max_in_flight`), over `urns` URNs; each run handles `per_lane * lanes` records (at
/// least `min_records`). Prints the speed-up over the first lane count. Goal at 64 lanes:
/// >= 40x one lane, with no out-of-order application.
pub async fn lanes(
    lanes: &[usize],
    latency: Duration,
    urns: u64,
    per_lane: u64,
    min_records: u64,
    partitions: i32,
) -> Result<(), KafkaError> {
    print_machine();
    let most = lanes
        .iter()
        .map(|&l| (l as u64 * per_lane).max(min_records))
        .max()
        .unwrap_or(0);
    let broker = start_broker(most, urns, partitions).await?;
    println!(
        "lanes: store latency {latency:?} per record, {urns} URNs, {partitions} partitions, topic holds {most} records"
    );
    let mut base = None;
    for &n in lanes {
        let records = (n as u64 * per_lane).max(min_records);
        let store = SlowStore {
            inner: memory_store(),
            latency,
        };
        let run = workflow_run(&broker, store, records, n, None).await?;
        let rate = run.rate.per_sec();
        let base = *base.get_or_insert(rate);
        println!(
            "  max_in_flight {n:>4}: {rate:>8.0} records/s ({} in {:.2} s), {:>5.1}x the first; order violations {}, failed {}, dead-lettered {}",
            run.rate.records,
            run.rate.elapsed.as_secs_f64(),
            rate / base,
            run.order_violations,
            run.stats.failed,
            run.stats.dead_lettered
        );
        if n == 64 && lanes.first() == Some(&1) {
            println!(
                "RESULT lanes: 64 lanes = {:.1}x one lane (goal >= 40x: {}); per-URN order {}",
                rate / base,
                if rate / base >= 40.0 {
                    "met"
                } else {
                    "NOT met"
                },
                if run.order_violations == 0 {
                    "kept"
                } else {
                    "VIOLATED"
                }
            );
        }
    }
    Ok(())
}

/// Drains a backlog of `records` records with a store that waits `latency` per record and
/// `max_in_flight` lanes, sampling VmRSS every `every`; prints the samples and the peak.
/// Goal: flat after warm-up and under 256 MB.
/// `queued_kb`, when set, is librdkafka's `queued.max.messages.kbytes` (its prefetch bound,
/// default 65,536 KB).
#[allow(clippy::too_many_arguments)]
pub async fn backlog(
    records: u64,
    urns: u64,
    partitions: i32,
    latency: Duration,
    max_in_flight: usize,
    every: Duration,
    queued_kb: Option<u64>,
) -> Result<(), KafkaError> {
    print_machine();
    let mut broker = start_broker(records, urns, partitions).await?;
    if let Some(kb) = queued_kb {
        broker.config = broker
            .config
            .clone()
            .set("queued.max.messages.kbytes", kb.to_string());
        println!("backlog: queued.max.messages.kbytes = {kb}");
    }
    let partitions = broker.partitions;
    let (before, _) = rss_mb().unwrap_or((0, 0));
    println!(
        "backlog: {records} records, {urns} URNs, {partitions} partitions, store latency {latency:?}, max_in_flight {max_in_flight}; RSS before consuming {before} MB"
    );
    let store = SlowStore {
        inner: memory_store(),
        latency,
    };
    let run = workflow_run(&broker, store, records, max_in_flight, Some(every)).await?;
    for (at, rss) in &run.rss_samples {
        println!("  t={at:>6.1} s  VmRSS {rss:>4} MB");
    }
    let warm: Vec<u64> = run
        .rss_samples
        .iter()
        .filter(|(t, _)| *t >= 5.0)
        .map(|s| s.1)
        .collect();
    let (lo, hi) = (
        warm.iter().min().copied().unwrap_or(0),
        warm.iter().max().copied().unwrap_or(0),
    );
    println!(
        "  drained {} records in {:.1} s ({:.0} records/s); order violations {}",
        run.rate.records,
        run.rate.elapsed.as_secs_f64(),
        run.rate.per_sec(),
        run.order_violations
    );
    println!(
        "RESULT backlog: peak RSS (VmHWM) {} MB, after 5 s between {lo} and {hi} MB (goal < 256 MB and flat: {})",
        run.peak_rss_mb,
        if run.peak_rss_mb < 256 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
