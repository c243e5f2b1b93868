//! Failure handling end to end: poison records, crashes, rebalances, shutdown with the broker
//! down, failing dead-letter writes, a flaky store, the stall watchdog and SIGTERM.
//!
//! Every test checks the same invariant against Kafka itself: each input offset ends as
//! exactly one of {applied once (the store's ledger), dead-lettered once (the dead-letter
//! topics), deliberately ignored}, and committed offsets never pass an unresolved record.
//!
//! Tests run on the embedded broker, and again on a real one when `KAFKA_BROKERS` is set,
//! except the fault-injection parts (broker down, produce errors), which only the mock
//! cluster can do; those tests say so when they skip.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rdkafka::producer::FutureProducer;
use rdkafka::types::{RDKafkaApiKey, RDKafkaErrorCode, RDKafkaRespErr};
use support::faults::*;
use support::*;
use workflow_kafka::dead_letter::headers;
use workflow_kafka::{
    EmbeddedKafka, Engine, Health, KafkaConfig, MemoryStore, Published, RuntimeOptions,
    ShutdownHandle, Stats, StatsSnapshot, UnhandledPolicy, Workflow, WorkflowConsumer,
    WorkflowProducer,
};

type Task = tokio::task::JoinHandle<StatsSnapshot>;

struct Running {
    stats: Stats,
    health: Health,
    shutdown: ShutdownHandle,
    task: Task,
}

/// Starts a consumer of `group` on `store` in the background.
fn spawn(
    config: &KafkaConfig,
    options: &RuntimeOptions,
    group: &str,
    store: &LedgerStore,
) -> Running {
    spawn_with(config, options, group, store, false)
}

fn spawn_with(
    config: &KafkaConfig,
    options: &RuntimeOptions,
    group: &str,
    store: &LedgerStore,
    signals: bool,
) -> Running {
    let config = config
        .clone()
        .group_id(group)
        // Commit stored offsets often, so committed offsets say something mid-run.
        .set("auto.commit.interval.ms", "100");
    let consumer = WorkflowConsumer::<OrderWorkflow, _>::new(
        &config,
        options.clone(),
        Engine::new(store.clone()),
    )
    .expect("consumer starts");
    if signals {
        consumer.shutdown_handle().trigger_on_signals();
    }
    Running {
        stats: consumer.stats(),
        health: consumer.health(),
        shutdown: consumer.shutdown_handle(),
        task: tokio::spawn(async move { consumer.run().await.expect("run") }),
    }
}

impl Running {
    async fn stop(self) -> StatsSnapshot {
        self.shutdown.shutdown();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("consumer stops")
            .unwrap()
    }
}

fn options(prefix: &str) -> RuntimeOptions {
    RuntimeOptions::default()
        .topic_prefix(format!("{prefix}."))
        .retries(2)
        .retry_delays(Duration::from_millis(10), Duration::from_millis(50))
        .shutdown_grace(Duration::from_secs(5))
        .close_deadline(Duration::from_secs(5))
        .health_interval(Duration::from_millis(100))
        .revoke_timeout(Duration::from_secs(3))
}

fn sources(options: &RuntimeOptions) -> Vec<String> {
    <OrderWorkflow as Workflow>::DEFINITION
        .topics
        .iter()
        .map(|b| options.physical_topic(b.topic))
        .collect()
}

fn dead_letter_topics(options: &RuntimeOptions) -> Vec<String> {
    sources(options)
        .iter()
        .map(|t| options.dead_letter_topic(t))
        .collect()
}

fn at(p: &Published) -> Origin {
    (p.topic.clone(), p.partition, p.offset)
}

fn update(item: impl ToString) -> OrderPayload {
    OrderPayload {
        item: Some(item.to_string()),
        ..OrderPayload::default()
    }
}

fn raw_producer(config: &KafkaConfig) -> FutureProducer {
    config.client_config().unwrap().create().unwrap()
}

/// The final checks every test shares: each record resolved exactly once, and the group's
/// committed offsets at the end of every partition.
fn assert_invariant(
    config: &KafkaConfig,
    options: &RuntimeOptions,
    group: &str,
    store: &LedgerStore,
    produced: &[Origin],
    ignored: &HashSet<Origin>,
) -> std::collections::BTreeMap<Origin, Vec<workflow_kafka::Record>> {
    let dead = dead_letters(config, &dead_letter_topics(options));
    assert_each_resolved_once(produced, &store.ledger(), &dead, ignored);
    assert_committed_to_end(&committed(config, group, &sources(options)), produced);
    dead
}

// ---------------------------------------------------------------------------------------
// Poison records
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_records_are_dead_lettered_at_once_and_good_records_never_wait() {
    for broker in Broker::all() {
        poison(broker).await;
    }
}

async fn poison(broker: Broker) {
    use OrderEvent::Update;
    let prefix = unique("poison");
    // Slow retries: a good record that waited behind one would be seen late.
    let options = options(&prefix)
        .retries(2)
        .retry_delays(Duration::from_millis(1500), Duration::from_millis(1500));
    broker.create_topics(&options).await;
    let config = broker.config();
    let topic = options.physical_topic("orders.updated");
    let store = LedgerStore::new();
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let raw = raw_producer(&config);
    let mut produced = Vec::new();

    // Two records whose store keeps failing (transient): they retry slowly, then go to the
    // dead-letter topic as retries_exhausted. They come first in the stream.
    let mut slow = Vec::new();
    for u in 0..2 {
        let urn = format!("slow-{u}");
        store.fail_always(&urn);
        let p = producer.publish(Update, &urn, &update("s")).await.unwrap();
        produced.push(at(&p));
        slow.push((urn, at(&p)));
    }
    // 500 records, 1% undecodable, of every decode class.
    type Bad = (Option<&'static [u8]>, &'static [u8], &'static str);
    let bad_records: [Bad; 5] = [
        (Some(b"bj"), b"{not json", "invalid_json"),
        (Some(b""), br#"{"item":"x"}"#, "missing_urn"),
        (Some(b"k"), br#"{"urn":5}"#, "invalid_urn"),
        (
            Some(b"pm"),
            br#"{"urn":"pm","price":"abc"}"#,
            "payload_mismatch",
        ),
        (
            Some(b"bm"),
            br#"{"urn":"bm","boom":true}"#,
            "decode_panicked",
        ),
    ];
    let mut bad = HashMap::new();
    let mut good = 0;
    // tansu 0.6.0 (memory storage) acknowledges dead letters with an empty key but, in some
    // runs, does not return them when the dead-letter topic is read back; the empty-key
    // record is checked on the embedded broker only.
    let real = matches!(broker, Broker::Real(_));
    if real {
        eprintln!(
            "poison on a real broker: skipping the empty-key `missing_urn` record \
             (tansu does not reliably read back empty-key records; checked on the embedded broker)"
        );
    }
    let mut expected_reasons = Vec::new();
    for i in 0..500 {
        if real && i == 150 {
            continue;
        }
        if i % 100 == 50 {
            let (key, value, reason) = bad_records[i / 100];
            expected_reasons.push(reason);
            let trace = format!("trace-{i}");
            let (partition, offset) = send_raw_with(
                &raw,
                &topic,
                key,
                Some(value),
                &[("trace", trace.as_bytes())],
            )
            .await;
            let origin = (topic.clone(), partition, offset);
            produced.push(origin.clone());
            bad.insert(origin, (key, value, reason, trace));
        } else {
            let p = producer
                .publish(Update, &format!("g-{}", i % 50), &update(i))
                .await
                .unwrap();
            produced.push(at(&p));
            good += 1;
        }
    }

    let group = unique("poison-group");
    let run = spawn(&config, &options, &group, &store);
    eventually("every good record applied", Duration::from_secs(30), || {
        store.applications() == good
    })
    .await;
    // The slow records are still retrying: the committed offset of their partition cannot
    // have passed them, although later records of that partition are applied.
    let committed_now = committed(&config, &group, &sources(&options));
    if run.stats.snapshot().dead_lettered_for("retries_exhausted") == 0 {
        for (urn, (t, p, offset)) in &slow {
            if let Some(c) = committed_now.get(&(t.clone(), *p)) {
                assert!(
                    c <= offset,
                    "{urn}: committed {c} passed the retrying record {offset}"
                );
            }
        }
    } else {
        eprintln!("poison: retries finished before the mid-run check (slow machine?)");
    }
    eventually("every record resolved", Duration::from_secs(30), || {
        run.stats.snapshot().resolved() == produced.len() as u64
    })
    .await;
    let report = run.stop().await;

    // No good record waited behind a retry delay: all were applied before the slow
    // records' last attempt, which came at least two retry delays after their first.
    let last_good = store
        .save_instants()
        .iter()
        .filter(|(urn, _)| urn.starts_with("g-"))
        .map(|(_, at)| *at)
        .max()
        .unwrap();
    for (urn, _) in &slow {
        let attempts = store.failure_instants(urn);
        assert_eq!(attempts.len(), 3, "{urn}: one attempt and two retries");
        assert!(
            last_good < attempts[2],
            "{urn}: every good record was applied before the last retry"
        );
    }

    assert_eq!(report.applied, good as u64, "{report:?}");
    assert_eq!(report.retried, 4, "{report:?}");
    for reason in &expected_reasons {
        assert_eq!(report.dead_lettered_for(reason), 1, "{reason}: {report:?}");
    }
    assert_eq!(report.dead_lettered_for("retries_exhausted"), 2);
    assert_eq!(report.dead_lettered, expected_reasons.len() as u64 + 2);

    let dead = assert_invariant(
        &config,
        &options,
        &group,
        &store,
        &produced,
        &HashSet::new(),
    );
    for (origin, (key, value, reason, trace)) in &bad {
        let letter = &dead[origin][0];
        assert_eq!(letter.key.as_deref(), *key, "{reason}: key byte for byte");
        assert_eq!(
            letter.value.as_deref(),
            Some(*value),
            "{reason}: value byte for byte"
        );
        assert_eq!(
            letter.header("trace"),
            Some(trace.as_bytes()),
            "{reason}: original headers"
        );
        assert_eq!(workflow_header(letter, headers::REASON), *reason);
        assert_eq!(workflow_header(letter, headers::ATTEMPTS), "0");
        assert_eq!(letter.topic, options.dead_letter_topic(&topic));
    }
    for (urn, origin) in &slow {
        let letter = &dead[origin][0];
        assert_eq!(
            workflow_header(letter, headers::REASON),
            "retries_exhausted"
        );
        assert_eq!(workflow_header(letter, headers::ATTEMPTS), "3");
        assert_eq!(workflow_header(letter, headers::URN), *urn);
    }
    // Good records applied in order, once each.
    for u in 0..50 {
        let order = store.get(&format!("g-{u}")).unwrap();
        let expected: Vec<String> = (0..500)
            .filter(|i| i % 50 == u && i % 100 != 50)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(order.items, expected, "g-{u}");
    }
}

// ---------------------------------------------------------------------------------------
// Crashes
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_consumers_restarted_in_the_group_apply_every_event_exactly_once() {
    for broker in Broker::all() {
        crash(broker).await;
    }
}

async fn crash(broker: Broker) {
    use OrderEvent::Update;
    const URNS: usize = 12;
    const UPDATES: usize = 25;
    const GOOD: usize = URNS * UPDATES;
    let prefix = unique("crash");
    let options = options(&prefix).max_in_flight(32);
    broker.create_topics(&options).await;
    let config = broker.config();
    let topic = options.physical_topic("orders.updated");
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let raw = raw_producer(&config);
    let mut produced = Vec::new();
    for j in 0..UPDATES {
        for u in 0..URNS {
            let p = producer
                .publish(Update, &format!("c-{u}"), &update(j))
                .await
                .unwrap();
            produced.push(at(&p));
        }
        if j % 8 == 4 {
            let key = format!("bad-{j}");
            let (partition, offset) =
                send_raw_with(&raw, &topic, Some(key.as_bytes()), Some(b"{oops"), &[]).await;
            produced.push((topic.clone(), partition, offset));
        }
    }
    // A pause after each save widens the window between the save and the offset store,
    // where an abort leaves an applied record to be redelivered.
    let store = LedgerStore::new();
    store
        .after_save(Duration::from_millis(2))
        .load_jitter(Duration::from_millis(2));
    let group = unique("crash-group");
    let mut duplicates = 0;

    for threshold in [40, 110, 180, 250] {
        let run = spawn(&config, &options, &group, &store);
        eventually(
            &format!("{threshold} applied"),
            Duration::from_secs(30),
            || store.applications() >= threshold,
        )
        .await;
        // No graceful close: the task running the consumer is aborted.
        run.task.abort();
        assert!(run.task.await.unwrap_err().is_cancelled());
        duplicates += run.stats.snapshot().duplicates;
        let ledger = store.ledger();
        let dead = dead_letters(&config, &dead_letter_topics(&options));
        assert_committed_behind_resolved(
            &committed(&config, &group, &sources(&options)),
            &produced,
            |o| ledger.contains_key(o) || dead.contains_key(o),
        );
    }
    let run = spawn(&config, &options, &group, &store);
    eventually("every record resolved", Duration::from_secs(30), || {
        store.applications() == GOOD
    })
    .await;
    let last = run.stop().await;
    duplicates += last.duplicates;

    // Applied records: exactly once. Dead letters: a crash after the dead letter's
    // acknowledgement and before the offset's commit redelivers the record, which is
    // dead-lettered again: dead letters are at least once across crashes, and the copies
    // are identical (same origin headers), so a reader dedupes them by origin.
    let mut dead = dead_letters(&config, &dead_letter_topics(&options));
    let mut copies = 0;
    for letters in dead.values_mut() {
        let first = &letters[0];
        for copy in &letters[1..] {
            assert_eq!((&copy.key, &copy.value), (&first.key, &first.value));
            assert_eq!(origin(copy), origin(first));
        }
        copies += letters.len() - 1;
        letters.truncate(1);
    }
    assert_each_resolved_once(&produced, &store.ledger(), &dead, &HashSet::new());
    assert_committed_to_end(&committed(&config, &group, &sources(&options)), &produced);
    eprintln!("crash on {broker:?}: {copies} extra dead-letter copies after crashes");
    // The same states as a clean run, without Kafka.
    let clean = MemoryStore::new();
    let engine = Engine::<OrderWorkflow, _>::new(clean.clone());
    for j in 0..UPDATES {
        for u in 0..URNS {
            engine
                .emit(Update, &format!("c-{u}"), &update(j))
                .await
                .unwrap();
        }
    }
    for u in 0..URNS {
        let urn = format!("c-{u}");
        assert_eq!(store.get(&urn), clean.get(&urn), "{urn}");
    }
    assert!(
        duplicates > 0,
        "some applied records were redelivered and skipped (the crash window was exercised)"
    );
    eprintln!("crash on {broker:?}: {duplicates} redelivered records skipped as duplicates");
}

// ---------------------------------------------------------------------------------------
// Rebalance
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_consumer_joins_and_the_first_leaves_mid_stream() {
    for broker in Broker::all() {
        tokio::time::timeout(Duration::from_secs(90), rebalance(broker.clone()))
            .await
            .unwrap_or_else(|_| panic!("rebalance on {broker:?} finished in time"));
    }
}

async fn rebalance(broker: Broker) {
    use OrderEvent::Update;
    const URNS: usize = 16;
    const ROUNDS: usize = 30;
    let prefix = unique("rebalance");
    let options = options(&prefix).retries(3);
    broker.create_topics(&options).await;
    let config = broker.config();
    let store = LedgerStore::new();
    // Some records retry while partitions move.
    store
        .fail_transiently("rb-0", 2)
        .fail_transiently("rb-1", 3);
    store.load_jitter(Duration::from_millis(3));
    let group = unique("rebalance-group");

    // The stream keeps flowing while the group changes.
    let feeder = {
        let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
        tokio::spawn(async move {
            let mut produced = Vec::new();
            for j in 0..ROUNDS {
                for u in 0..URNS {
                    let p = producer
                        .publish(Update, &format!("rb-{u}"), &update(j))
                        .await
                        .unwrap();
                    produced.push(at(&p));
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            produced
        })
    };
    let a = spawn(&config, &options, &group, &store);
    eventually("a applies", Duration::from_secs(30), || {
        store.applications() >= 50
    })
    .await;
    let b = spawn(&config, &options, &group, &store);
    eventually(
        "b gets partitions and applies",
        Duration::from_secs(30),
        || b.stats.snapshot().applied > 0,
    )
    .await;
    let a_report = a.stop().await;
    let produced = feeder.await.unwrap();
    eventually("b applies the rest", Duration::from_secs(30), || {
        store.applications() == produced.len()
    })
    .await;
    let b_report = b.stop().await;

    assert!(
        a_report.applied > 0 && b_report.applied > 0,
        "{a_report:?} {b_report:?}"
    );
    assert_invariant(
        &config,
        &options,
        &group,
        &store,
        &produced,
        &HashSet::new(),
    );
    for u in 0..URNS {
        let expected: Vec<String> = (0..ROUNDS).map(|j| j.to_string()).collect();
        assert_eq!(
            store.get(&format!("rb-{u}")).unwrap().items,
            expected,
            "rb-{u}"
        );
    }
    eprintln!("rebalance on {broker:?}: a {a_report:?}, b {b_report:?}");
}

// ---------------------------------------------------------------------------------------
// Shutdown with the broker down
// ---------------------------------------------------------------------------------------

/// A current-thread runtime: if shutdown blocked the runtime, the heartbeat would stop.
#[tokio::test(flavor = "current_thread")]
async fn shutdown_with_the_broker_down_is_bounded_and_loses_nothing() {
    if std::env::var("KAFKA_BROKERS").is_ok_and(|b| !b.trim().is_empty()) {
        eprintln!("taking a broker down needs the mock cluster: real-broker run skipped");
    }
    init_tracing();
    use OrderEvent::Update;
    let kafka = EmbeddedKafka::start().unwrap();
    let prefix = unique("down");
    let grace = Duration::from_millis(500);
    let deadline = Duration::from_secs(2);
    let options = options(&prefix)
        .shutdown_grace(grace)
        .close_deadline(deadline);
    kafka
        .create_workflow_topics::<OrderWorkflow>(&options, PARTITIONS)
        .unwrap();
    let config = kafka.config();
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let mut produced = Vec::new();
    for j in 0..20 {
        for u in 0..8 {
            let payload = OrderPayload {
                slow_ms: 50,
                ..update(j)
            };
            let p = producer
                .publish(Update, &format!("d-{u}"), &payload)
                .await
                .unwrap();
            produced.push(at(&p));
        }
    }
    let store = LedgerStore::new();
    let group = unique("down-group");
    let run = spawn(&config, &options, &group, &store);
    eventually("some progress", Duration::from_secs(30), || {
        store.applications() >= 20
    })
    .await;

    kafka.broker_down(1).unwrap();
    let heartbeat = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let beat = {
        let heartbeat = heartbeat.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                heartbeat.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    let started = Instant::now();
    run.shutdown.shutdown();
    let first = run.task.await.unwrap();
    let took = started.elapsed();
    let beats = heartbeat.load(std::sync::atomic::Ordering::Relaxed);
    beat.abort();
    // The behaviour under test: shutdown returns within grace + close deadline.
    assert!(
        took <= grace + deadline + Duration::from_secs(2),
        "shutdown took {took:?}"
    );
    assert!(
        beats >= 10,
        "the runtime kept running other tasks during shutdown ({beats} beats in {took:?})"
    );
    assert_eq!(
        first.received,
        first.resolved() + first.abandoned,
        "{first:?}"
    );

    kafka.broker_up(1).unwrap();
    let run = spawn(&config, &options, &group, &store);
    eventually("the rest after restart", Duration::from_secs(60), || {
        store.applications() == produced.len()
    })
    .await;
    // What the first run could not commit is redelivered (and skipped as applied).
    let sources = sources(&options);
    let mut committed_all = false;
    for _ in 0..300 {
        if committed_to_end(&committed(&config, &group, &sources), &produced) {
            committed_all = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(committed_all, "the second run committed everything");
    let second = run.stop().await;
    eprintln!("broker down: shutdown took {took:?}; first {first:?}; second {second:?}");
    assert_invariant(
        &config,
        &options,
        &group,
        &store,
        &produced,
        &HashSet::new(),
    );
    for u in 0..8 {
        let expected: Vec<String> = (0..20).map(|j| j.to_string()).collect();
        assert_eq!(store.get(&format!("d-{u}")).unwrap().items, expected);
    }
}

// ---------------------------------------------------------------------------------------
// A failing dead-letter write
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_dead_letter_write_holds_the_offset_and_is_retried_until_it_succeeds() {
    if std::env::var("KAFKA_BROKERS").is_ok_and(|b| !b.trim().is_empty()) {
        eprintln!("injecting produce errors needs the mock cluster: real-broker run skipped");
    }
    init_tracing();
    use OrderEvent::Update;
    const FAULTS: usize = 12;
    let kafka = EmbeddedKafka::start().unwrap();
    let prefix = unique("dlq-fail");
    let options =
        options(&prefix).dead_letter_delays(Duration::from_millis(100), Duration::from_millis(200));
    kafka
        .create_workflow_topics::<OrderWorkflow>(&options, PARTITIONS)
        .unwrap();
    let config = kafka.config();
    let topic = options.physical_topic("orders.updated");
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let raw = raw_producer(&config);
    let mut produced = Vec::new();
    for j in 0..3 {
        produced.push(at(&producer
            .publish(Update, "k1", &update(j))
            .await
            .unwrap()));
    }
    // Same key, same partition: the bad record sits between good ones of that partition.
    let (partition, bad_offset) = send_raw_with(
        &raw,
        &topic,
        Some(b"k1"),
        Some(b"{oops"),
        &[("trace", b"t")],
    )
    .await;
    let bad = (topic.clone(), partition, bad_offset);
    produced.push(bad.clone());
    for j in 3..6 {
        produced.push(at(&producer
            .publish(Update, "k1", &update(j))
            .await
            .unwrap()));
    }
    for u in 0..6 {
        produced.push(at(&producer
            .publish(Update, &format!("o-{u}"), &update(0))
            .await
            .unwrap()));
    }
    kafka
        .request_errors(
            RDKafkaApiKey::Produce,
            &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; FAULTS],
        )
        .unwrap();

    let store = LedgerStore::new();
    let group = unique("dlq-fail-group");
    let run = spawn(&config, &options, &group, &store);
    eventually(
        "good records applied while the dead letter fails",
        Duration::from_secs(30),
        || {
            store.applications() == produced.len() - 1
                && run.health.snapshot().dead_letter_failures >= 2
        },
    )
    .await;
    let health = run.health.snapshot();
    if health.dead_letter_failing {
        assert!(!health.is_healthy() && !run.health.is_healthy());
        assert!(run.stats.snapshot().unhealthy);
        let error = health
            .last_dead_letter_error
            .clone()
            .expect("a typed error");
        assert_eq!(
            (error.topic.as_str(), error.partition, error.offset),
            (topic.as_str(), partition, bad_offset)
        );
        assert_eq!(error.dead_letter_topic, options.dead_letter_topic(&topic));
        assert_eq!(error.reason, "invalid_json");
        assert_eq!(
            error.source,
            rdkafka::error::KafkaError::MessageProduction(
                RDKafkaErrorCode::TopicAuthorizationFailed
            )
        );
        // The records before the bad one are committed, the bad one is not, although the
        // records after it are applied.
        let key = (topic.clone(), partition);
        let mut held = false;
        while run.health.snapshot().dead_letter_failing {
            if let Some(c) = committed(&config, &group, std::slice::from_ref(&topic)).get(&key) {
                let still_failing = run.stats.snapshot().dead_lettered == 0;
                if still_failing {
                    assert!(
                        *c <= bad_offset,
                        "committed {c} passed the record whose dead letter is failing ({bad_offset})"
                    );
                    held |= *c == bad_offset;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("dead-letter failure: committed offset seen held at the bad record: {held}");
    } else {
        eprintln!("dead-letter faults cleared before the health check (slow machine?)");
    }
    eventually(
        "the dead letter written once the faults clear",
        Duration::from_secs(30),
        || run.stats.snapshot().dead_lettered == 1,
    )
    .await;
    eventually("healthy again", Duration::from_secs(5), || {
        run.health.is_healthy()
    })
    .await;
    let failures = run.health.snapshot().dead_letter_failures;
    let report = run.stop().await;
    // librdkafka may spend several injected errors on one send; each failed send counts.
    assert!(failures >= 2, "{report:?}");
    assert_eq!(report.dead_letter_write_failures, failures, "{report:?}");

    let dead = assert_invariant(
        &config,
        &options,
        &group,
        &store,
        &produced,
        &HashSet::new(),
    );
    let letter = &dead[&bad][0];
    assert_eq!(letter.value.as_deref(), Some(b"{oops".as_slice()));
    assert_eq!(letter.key.as_deref(), Some(b"k1".as_slice()));
    assert_eq!(letter.header("trace"), Some(b"t".as_slice()));
    assert_eq!(workflow_header(letter, headers::REASON), "invalid_json");
}

// ---------------------------------------------------------------------------------------
// A flaky store, panics, and the Ignore policy
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaky_store_retries_transient_failures_and_dead_letters_permanent_ones() {
    for broker in Broker::all() {
        flaky(broker).await;
    }
}

async fn flaky(broker: Broker) {
    use OrderEvent::*;
    let prefix = unique("flaky");
    let options = options(&prefix)
        .retries(3)
        .retry_delays(Duration::from_millis(20), Duration::from_millis(80))
        .unhandled(UnhandledPolicy::Ignore);
    broker.create_topics(&options).await;
    let config = broker.config();
    let store = LedgerStore::new();
    store
        .fail_transiently("t-0", 2)
        .fail_transiently("t-1", 3)
        .fail_always("p-0")
        .panic_on("x-0")
        .load_jitter(Duration::from_millis(3));
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let mut produced = Vec::new();
    for urn in ["t-0", "t-1", "p-0", "x-0"] {
        produced.push(at(&producer
            .publish(Update, urn, &update(1))
            .await
            .unwrap()));
    }
    let panicking = OrderPayload {
        panic: true,
        ..update(1)
    };
    produced.push(at(&producer
        .publish(Update, "ap-0", &panicking)
        .await
        .unwrap()));
    for u in 0..10 {
        for j in 0..3 {
            produced.push(at(&producer
                .publish(Update, &format!("ok-{u}"), &update(j))
                .await
                .unwrap()));
        }
    }
    let group = unique("flaky-group");
    let run = spawn(&config, &options, &group, &store);
    let first = produced.len() as u64;
    eventually("phase 1 resolved", Duration::from_secs(30), || {
        run.stats.snapshot().resolved() == first
    })
    .await;
    // Events the workflow does not accept now: ignored by policy; a guard's refusal.
    let mut ignored = HashSet::new();
    for (event, urn) in [(Complete, "ok-0"), (Fail, "ap-0"), (Submit, "ok-1")] {
        let p = at(&producer
            .publish(event, urn, &OrderPayload::default())
            .await
            .unwrap());
        produced.push(p.clone());
        ignored.insert(p);
    }
    eventually("phase 2 resolved", Duration::from_secs(30), || {
        run.stats.snapshot().resolved() == produced.len() as u64
    })
    .await;
    let report = run.stop().await;

    assert_eq!(report.retried, 2 + 3 + 3 + 3, "{report:?}");
    assert_eq!(
        report.dead_lettered_for("retries_exhausted"),
        2,
        "{report:?}"
    );
    assert_eq!(report.dead_lettered, 2, "{report:?}");
    assert_eq!(
        (report.ignored, report.rejected, report.failed),
        (2, 1, 1),
        "{report:?}"
    );
    assert_eq!(report.applied, 2 + 1 + 30, "{report:?}");
    assert_eq!(
        store.get("ap-0").unwrap().status,
        OrderStatus::Failed,
        "an action panic fails the entity"
    );
    assert_eq!(store.get("t-1").unwrap().items, vec!["1".to_owned()]);
    assert!(store.get("p-0").is_none() && store.get("x-0").is_none());

    let dead = assert_invariant(&config, &options, &group, &store, &produced, &ignored);
    let letters: HashMap<String, &workflow_kafka::Record> = dead
        .values()
        .map(|l| (workflow_header(&l[0], headers::URN), &l[0]))
        .collect();
    let p0 = letters["p-0"];
    assert_eq!(workflow_header(p0, headers::ATTEMPTS), "4");
    assert!(workflow_header(p0, headers::ERROR).contains("injected failure"));
    let x0 = letters["x-0"];
    assert_eq!(workflow_header(x0, headers::REASON), "retries_exhausted");
    assert!(workflow_header(x0, headers::ERROR).contains("panicked"));
}

// ---------------------------------------------------------------------------------------
// Health, the stall watchdog and SIGTERM
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_lag_and_stalls_and_sigterm_shuts_down_gracefully() {
    for broker in Broker::all() {
        health(broker).await;
    }
}

async fn health(broker: Broker) {
    use OrderEvent::Update;
    let prefix = unique("health");
    let options = options(&prefix)
        .stall_timeout(Duration::from_millis(400))
        .health_interval(Duration::from_millis(50));
    broker.create_topics(&options).await;
    let config = broker.config();
    let store = LedgerStore::new();
    store.gate("stuck");
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let mut produced = Vec::new();
    for u in 0..6 {
        produced.push(at(&producer
            .publish(Update, &format!("h-{u}"), &update(0))
            .await
            .unwrap()));
    }
    let stuck = at(&producer.publish(Update, "stuck", &update(0)).await.unwrap());
    produced.push(stuck.clone());
    let group = unique("health-group");
    let run = spawn_with(&config, &options, &group, &store, true);

    eventually(
        "the watchdog reports a stall",
        Duration::from_secs(30),
        || run.health.snapshot().stalled,
    )
    .await;
    let h = run.health.snapshot();
    assert!(h.running && !h.is_healthy(), "{h:?}");
    assert_eq!(
        h.partitions.len(),
        sources(&options).len() * PARTITIONS as usize,
        "{h:?}"
    );
    assert_eq!(h.in_flight, 1, "{h:?}");
    let p = h
        .partition(&stuck.0, stuck.1)
        .expect("the stuck partition is assigned");
    assert_eq!(p.in_flight, 1, "{p:?}");
    assert!(p.position.is_some_and(|pos| pos <= stuck.2), "{p:?}");
    if let Some(lag) = p.lag {
        assert!(lag >= 1, "{p:?}");
    } else {
        eprintln!("health on {broker:?}: no high watermark yet: {p:?}");
    }
    assert!(h.total_lag() >= 1 || p.lag.is_none());

    store.open_gate();
    eventually("healthy, nothing lagging", Duration::from_secs(30), || {
        let h = run.health.snapshot();
        h.is_healthy() && h.in_flight == 0 && h.total_lag() == 0 && h.last_progress.is_some()
    })
    .await;
    let p = run.health.snapshot();
    let p = p.partition(&stuck.0, stuck.1).unwrap().clone();
    assert_eq!(p.position, Some(stuck.2 + 1), "{p:?}");

    // SIGTERM, as a container runtime sends it.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let report = tokio::time::timeout(Duration::from_secs(30), run.task)
        .await
        .expect("SIGTERM stops the consumer")
        .unwrap();
    assert!(!run.health.snapshot().running);
    assert_eq!(report.applied, produced.len() as u64, "{report:?}");
    assert_invariant(
        &config,
        &options,
        &group,
        &store,
        &produced,
        &HashSet::new(),
    );
}
