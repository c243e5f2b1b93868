//! End to end on the embedded broker (always) and on a real one (when `KAFKA_BROKERS` is
//! set): every path of a record, per-URN ordering across topics, the accounting invariant,
//! and a restart that loses nothing and applies nothing twice.
//!
//! All tests share one embedded cluster; each uses its own topic prefix and group.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::*;
use workflow_kafka::dead_letter::headers;
use workflow_kafka::{
    Engine, MemoryStore, RuntimeOptions, StatsSnapshot, WorkflowConsumer, WorkflowProducer,
};

type Store = MemoryStore<Order>;

/// Starts a consumer in the background; returns its live stats, shutdown handle and task.
fn spawn_consumer(
    broker: &Broker,
    options: &RuntimeOptions,
    group: &str,
    store: &Store,
    stop_when: impl FnMut(&StatsSnapshot) -> bool + Send + 'static,
) -> (
    workflow_kafka::Stats,
    workflow_kafka::ShutdownHandle,
    tokio::task::JoinHandle<StatsSnapshot>,
) {
    let config = broker.config().group_id(group);
    let consumer = WorkflowConsumer::<OrderWorkflow, _>::new(
        &config,
        options.clone(),
        Engine::new(store.clone()),
    )
    .expect("consumer starts");
    let (stats, shutdown) = (consumer.stats(), consumer.shutdown_handle());
    let task = tokio::spawn(async move { consumer.run_until(stop_when).await.expect("run") });
    (stats, shutdown, task)
}

fn options(prefix: &str) -> RuntimeOptions {
    RuntimeOptions::default()
        .topic_prefix(format!("{prefix}."))
        .retries(2)
        .retry_delays(Duration::from_millis(10), Duration::from_millis(50))
        .shutdown_grace(Duration::from_secs(5))
        .close_deadline(Duration::from_secs(5))
}

fn payload() -> OrderPayload {
    OrderPayload::default()
}

fn header<'a>(record: &'a workflow_kafka::Record, key: &str) -> Vec<&'a [u8]> {
    record
        .headers
        .iter()
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.as_deref())
        .collect()
}

fn header_str<'a>(record: &'a workflow_kafka::Record, key: &str) -> &'a str {
    let values = header(record, key);
    assert_eq!(
        values.len(),
        1,
        "exactly one `{key}` header in {:?}",
        record.headers
    );
    std::str::from_utf8(values[0]).unwrap()
}

fn assert_accounted(report: &StatsSnapshot) {
    assert_eq!(
        report.applied
            + report.dead_lettered
            + report.rejected
            + report.ignored
            + report.duplicates
            + report.abandoned,
        report.received,
        "every received record is accounted for: {report:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_flow_covers_every_path() {
    for broker in Broker::all() {
        order_flow(broker).await;
    }
}

async fn order_flow(broker: Broker) {
    use OrderEvent::*;
    let prefix = unique("flow");
    let options = options(&prefix);
    broker.create_topics(&options).await;
    let config = broker.config();
    let topic = |t: &str| options.physical_topic(t);
    let store = Store::new();
    let group = unique("flow-group");
    let (stats, shutdown, task) = spawn_consumer(&broker, &options, &group, &store, |_| false);
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let wait = |n: u64| {
        let stats = stats.clone();
        async move {
            eventually(&format!("{n} resolved"), Duration::from_secs(30), || {
                stats.snapshot().resolved() >= n
            })
            .await
        }
    };

    // Phase 1: creations, and four records that cannot be decoded.
    for (urn, price) in [
        ("o-ok", 20.0),
        ("o-cheap", 5.0),
        ("o-fail", 20.0),
        ("o-nt", 20.0),
        ("o-retry", 20.0),
    ] {
        producer
            .publish(
                Create,
                urn,
                &OrderPayload {
                    price: Some(price),
                    ..payload()
                },
            )
            .await
            .unwrap();
    }
    let created = topic("orders.created");
    let bad_json: &[u8] = b"{not json";
    send_raw(
        &config,
        &created,
        Some(b"bad-json"),
        Some(bad_json),
        &[("trace", b"abc"), (headers::REASON, b"stale")],
    )
    .await;
    send_raw(&config, &created, None, Some(br#"{"price":1}"#), &[]).await;
    send_raw(&config, &created, Some(b"k"), Some(br#"{"urn":5}"#), &[]).await;
    send_raw(
        &config,
        &created,
        Some(b"pm"),
        Some(br#"{"price":"abc"}"#),
        &[],
    )
    .await;
    wait(9).await;

    // Phase 2: submissions down every path, and an event that fits no transition.
    producer.publish(Submit, "o-ok", &payload()).await.unwrap();
    producer
        .publish(Submit, "o-cheap", &payload())
        .await
        .unwrap(); // guard rejects
    producer
        .publish(
            Submit,
            "o-fail",
            &OrderPayload {
                fail: true,
                ..payload()
            },
        )
        .await
        .unwrap(); // -> Failed
    producer
        .publish(Complete, "o-nt", &payload())
        .await
        .unwrap(); // Pending has no Complete
    producer
        .publish(
            Submit,
            "o-retry",
            &OrderPayload {
                retry: true,
                ..payload()
            },
        )
        .await
        .unwrap();
    producer.publish(Submit, "ghost", &payload()).await.unwrap(); // not found
    wait(15).await;

    // Phase 3: completion, and an event for an entity in a final state.
    producer
        .publish(Complete, "o-ok", &payload())
        .await
        .unwrap();
    producer.publish(Fail, "o-fail", &payload()).await.unwrap();
    wait(17).await;
    shutdown.shutdown();
    let report = task.await.unwrap();

    let status = |urn: &str| store.get(urn).map(|o| o.status);
    assert_eq!(status("o-ok"), Some(OrderStatus::Completed));
    assert_eq!(status("o-cheap"), Some(OrderStatus::Pending));
    assert_eq!(status("o-fail"), Some(OrderStatus::Failed));
    assert_eq!(status("o-nt"), Some(OrderStatus::Pending));
    assert_eq!(status("o-retry"), Some(OrderStatus::Pending));
    assert_eq!(status("ghost"), None);

    assert_eq!(report.received, 17, "{report:?}");
    assert_eq!(
        (report.applied, report.failed, report.rejected),
        (8, 1, 1),
        "{report:?}"
    );
    assert_eq!(
        (report.ignored, report.duplicates, report.abandoned),
        (0, 0, 0),
        "{report:?}"
    );
    assert_eq!(report.retried, 2, "two retries, then dead-lettered");
    let reasons: BTreeMap<&str, u64> = [
        "invalid_json",
        "missing_urn",
        "invalid_urn",
        "payload_mismatch",
        "no_transition",
        "retries_exhausted",
        "not_found",
        "entity_in_final_state",
    ]
    .into_iter()
    .map(|r| (r, 1))
    .collect();
    assert_eq!(report.dead_lettered_by_reason, reasons);
    assert_eq!(report.dead_lettered, 8);
    assert!(!report.unhealthy);
    assert_accounted(&report);
    assert_eq!(
        report.resolved(),
        17,
        "applied + dead-lettered + rejected + ignored = produced"
    );

    // Dead letters: original bytes and headers, plus replaced workflow headers.
    let dlq = |t: &str| options.dead_letter_topic(&topic(t));
    let decoded = read_all(
        &config,
        &[dlq("orders.created")],
        4,
        Duration::from_secs(10),
    );
    let bad = decoded
        .iter()
        .find(|r| r.key.as_deref() == Some(b"bad-json".as_slice()))
        .expect("bad json dead-lettered");
    assert_eq!(bad.value.as_deref(), Some(bad_json), "value byte for byte");
    assert_eq!(
        header(bad, "trace"),
        vec![b"abc".as_slice()],
        "original headers kept"
    );
    assert_eq!(
        header_str(bad, headers::REASON),
        "invalid_json",
        "workflow headers replaced, not appended"
    );
    assert_eq!(header_str(bad, headers::ORIGIN_TOPIC), created);
    assert_eq!(header_str(bad, headers::GROUP), group);
    assert_eq!(header_str(bad, headers::ATTEMPTS), "0");
    assert_eq!(header_str(bad, headers::EVENT), "Create");
    assert_eq!(header_str(bad, headers::WORKFLOW), "OrderWorkflow");
    assert!(header(bad, headers::URN).is_empty(), "no URN was decoded");
    assert!(!header_str(bad, headers::ERROR).is_empty());
    let offset: i64 = header_str(bad, headers::ORIGIN_OFFSET).parse().unwrap();
    assert!(offset >= 0);
    let pm = decoded
        .iter()
        .find(|r| r.key.as_deref() == Some(b"pm".as_slice()))
        .unwrap();
    assert_eq!(header_str(pm, headers::REASON), "payload_mismatch");
    assert_eq!(header_str(pm, headers::URN), "pm");
    let missing = decoded.iter().find(|r| r.key.is_none()).unwrap();
    assert_eq!(missing.value.as_deref(), Some(br#"{"price":1}"#.as_slice()));
    assert_eq!(header_str(missing, headers::REASON), "missing_urn");

    let completed = read_all(
        &config,
        &[dlq("orders.completed")],
        1,
        Duration::from_secs(10),
    );
    assert_eq!(header_str(&completed[0], headers::REASON), "no_transition");
    assert_eq!(header_str(&completed[0], headers::URN), "o-nt");
    assert_eq!(header_str(&completed[0], headers::EVENT), "Complete");
    assert_eq!(header_str(&completed[0], headers::ATTEMPTS), "1");

    let submitted = read_all(
        &config,
        &[dlq("orders.submitted")],
        2,
        Duration::from_secs(10),
    );
    let exhausted = submitted
        .iter()
        .find(|r| header_str(r, headers::URN) == "o-retry")
        .unwrap();
    assert_eq!(header_str(exhausted, headers::REASON), "retries_exhausted");
    assert_eq!(header_str(exhausted, headers::ATTEMPTS), "3");
    assert!(header_str(exhausted, headers::ERROR).contains("payment service busy"));
    let ghost = submitted
        .iter()
        .find(|r| header_str(r, headers::URN) == "ghost")
        .unwrap();
    assert_eq!(header_str(ghost, headers::REASON), "not_found");

    let failed = read_all(&config, &[dlq("orders.failed")], 1, Duration::from_secs(10));
    assert_eq!(
        header_str(&failed[0], headers::REASON),
        "entity_in_final_state"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_urn_waits_for_its_slow_event_while_others_proceed() {
    for broker in Broker::all() {
        per_urn_ordering(broker).await;
    }
}

async fn per_urn_ordering(broker: Broker) {
    use OrderEvent::*;
    let prefix = unique("lanes");
    let options = options(&prefix);
    broker.create_topics(&options).await;
    let config = broker.config();
    let store = Store::new();
    let (stats, shutdown, task) =
        spawn_consumer(&broker, &options, &unique("lanes-group"), &store, |_| false);
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    let tag = |t: &str| Some(format!("{prefix}-{t}"));

    for urn in ["a", "b"] {
        producer
            .publish(
                Create,
                urn,
                &OrderPayload {
                    price: Some(20.0),
                    ..payload()
                },
            )
            .await
            .unwrap();
    }
    eventually("creations", Duration::from_secs(30), || {
        stats.snapshot().resolved() >= 2
    })
    .await;

    // a's slow update (orders.updated) is running when a's submission (orders.submitted)
    // and b's update arrive: the submission must wait, b must not.
    let slow = OrderPayload {
        slow_ms: 600,
        item: Some("1".into()),
        tag: tag("a-slow"),
        ..payload()
    };
    producer.publish(Update, "a", &slow).await.unwrap();
    let slow_tag = tag("a-slow").unwrap();
    eventually("a's slow update to start", Duration::from_secs(10), || {
        timeline(&slow_tag).is_some()
    })
    .await;
    producer
        .publish(
            Submit,
            "a",
            &OrderPayload {
                tag: tag("a-submit"),
                ..payload()
            },
        )
        .await
        .unwrap();
    producer
        .publish(
            Update,
            "b",
            &OrderPayload {
                tag: tag("b-fast"),
                item: Some("x".into()),
                ..payload()
            },
        )
        .await
        .unwrap();
    eventually("all five records", Duration::from_secs(30), || {
        stats.snapshot().resolved() >= 5
    })
    .await;
    shutdown.shutdown();
    let report = task.await.unwrap();

    let (slow_start, slow_end) = timeline(&slow_tag).unwrap();
    let slow_end = slow_end.expect("slow update finished");
    let (submit_start, _) = timeline(&tag("a-submit").unwrap()).unwrap();
    let (_, fast_end) = timeline(&tag("b-fast").unwrap()).unwrap();
    assert!(
        submit_start >= slow_end,
        "a's submission ran only after its slow update ended"
    );
    assert!(
        fast_end.unwrap() < slow_end,
        "b was not held up by a's slow event"
    );
    assert!(slow_end - slow_start >= Duration::from_millis(600));
    let a = store.get("a").unwrap();
    assert_eq!(
        (a.status, a.items.clone()),
        (OrderStatus::Processing, vec!["1".to_owned()])
    );
    assert_eq!(store.get("b").unwrap().items, vec!["x".to_owned()]);
    assert_eq!((report.received, report.applied), (5, 5), "{report:?}");
    assert_accounted(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_mid_stream_loses_nothing_and_applies_nothing_twice() {
    for broker in Broker::all() {
        restart(broker).await;
    }
}

async fn restart(broker: Broker) {
    const URNS: usize = 8;
    const UPDATES: usize = 6;
    const TOTAL: u64 = (URNS * UPDATES) as u64;
    let prefix = unique("restart");
    // A small in-flight bound exercises backpressure (pause and resume) too.
    let options = options(&prefix).max_in_flight(4);
    broker.create_topics(&options).await;
    let config = broker.config();
    let producer = WorkflowProducer::<OrderWorkflow>::with_options(&config, &options).unwrap();
    for i in 0..UPDATES {
        for u in 0..URNS {
            let p = OrderPayload {
                item: Some(i.to_string()),
                slow_ms: 5,
                ..payload()
            };
            producer
                .publish(OrderEvent::Update, &format!("r-{u}"), &p)
                .await
                .unwrap();
        }
    }
    let store = Store::new();
    let group = unique("restart-group");

    let started = Instant::now();
    let (_, _, first) = spawn_consumer(&broker, &options, &group, &store, |s| s.resolved() >= 20);
    let first = first.await.unwrap();
    assert!(
        first.resolved() >= 20 && first.resolved() < TOTAL,
        "stopped mid-stream: {first:?}"
    );
    assert_accounted(&first);

    let done = store.clone();
    let complete = move |_: &StatsSnapshot| {
        done.len() == URNS && done.entities().iter().all(|o| o.items.len() >= UPDATES)
    };
    let (_, _, second) = spawn_consumer(&broker, &options, &group, &store, complete);
    let second = tokio::time::timeout(Duration::from_secs(40), second)
        .await
        .expect("second consumer finishes")
        .unwrap();
    assert_accounted(&second);

    let expected: Vec<String> = (0..UPDATES).map(|i| i.to_string()).collect();
    for order in store.entities() {
        assert_eq!(
            order.items, expected,
            "{}: every update once, in order",
            order.urn
        );
    }
    assert_eq!(store.len(), URNS);
    assert_eq!(
        first.applied + second.applied,
        TOTAL,
        "nothing lost, nothing applied twice: {first:?} {second:?}"
    );
    assert_eq!(
        second.received,
        second.applied + second.duplicates + second.abandoned,
        "{second:?}"
    );
    eprintln!(
        "restart on {broker:?}: {:?}, first {first:?}, second {second:?}",
        started.elapsed()
    );
}
