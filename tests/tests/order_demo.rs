//! The main job's stream, end to end: every record produced is accounted for exactly as the
//! stream says (applied, rejected, dead-lettered by reason), and every order ends in the
//! state its story leads to. On the embedded broker always; on `KAFKA_BROKERS` when set.

use std::time::{SystemTime, UNIX_EPOCH};

use examples::demo::{self, Report};
use examples::order::OrderWorkflow;
use examples::stream::{self, Expect, Stream};
use workflow_kafka::create_workflow_topics;
use workflow_kafka::prelude::*;

fn check(report: &Report, stream: &Stream) {
    let stats = &report.stats;
    assert_eq!(stats.received, stream.len() as u64, "{stats:?}");
    assert_eq!(
        stats.applied,
        stream.expected(Expect::Applied) as u64,
        "{stats:?}"
    );
    assert_eq!(
        stats.rejected,
        stream.expected(Expect::Rejected) as u64,
        "{stats:?}"
    );
    let expected: Vec<(&str, u64)> = stream
        .expected_dead_letters()
        .into_iter()
        .map(|(r, n)| (r, n as u64))
        .collect();
    let actual: Vec<(&str, u64)> = stats
        .dead_lettered_by_reason
        .iter()
        .map(|(r, n)| (*r, *n))
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(
        (
            stats.ignored,
            stats.duplicates,
            stats.abandoned,
            stats.retried
        ),
        (0, 0, 0, 0),
        "{stats:?}"
    );
    assert_eq!(
        stats.applied + stats.rejected + stats.dead_lettered,
        stream.len() as u64,
        "applied + rejected + dead-lettered = produced"
    );
    assert!(report.balanced());
    assert_eq!(demo::state_mismatches(report, stream), vec![]);
    assert_eq!(report.store.len(), stream.final_states.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_stream_is_fully_accounted_for_on_the_embedded_broker() {
    let kafka = EmbeddedKafka::start().unwrap();
    let options = RuntimeOptions::default();
    kafka
        .create_workflow_topics::<OrderWorkflow>(&options, 3)
        .unwrap();
    let stream = stream::generate(200, 11);
    let report = demo::run_stream(&kafka.config(), options, &stream)
        .await
        .unwrap();
    check(&report, &stream);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_stream_is_fully_accounted_for_on_a_real_broker() {
    let Ok(brokers) = std::env::var("KAFKA_BROKERS") else {
        eprintln!("skipping real-broker run: KAFKA_BROKERS not set");
        return;
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let options = RuntimeOptions::default().topic_prefix(format!("demo-{nanos}."));
    let config = KafkaConfig::new()
        .brokers(brokers)
        .group_id(format!("order-demo-{nanos}"))
        .set("auto.offset.reset", "earliest");
    create_workflow_topics::<OrderWorkflow>(&config, &options, 3)
        .await
        .unwrap();
    let stream = stream::generate(100, 12);
    let report = demo::run_stream(&config, options, &stream).await.unwrap();
    check(&report, &stream);
}
