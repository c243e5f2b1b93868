//! Test support: an order workflow with actions the tests can steer, and
//! helpers to run it on the embedded broker or on a real one (`KAFKA_BROKERS`).
#![allow(dead_code, missing_docs)]

pub mod faults;

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Headers;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Message, Offset, TopicPartitionList};
use workflow_kafka::Record;
use workflow_kafka::prelude::*;

pub use order_workflow::{OrderEvent, OrderStatus, OrderWorkflow};

#[derive(Entity, Clone, Debug, Default, PartialEq)]
pub struct Order {
    #[urn]
    pub urn: String,
    pub price: f64,
    pub items: Vec<String>,
    #[status]
    pub status: OrderStatus,
}

/// What each event carries; the flags let tests steer the actions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderPayload {
    pub price: Option<f64>,
    pub item: Option<String>,
    pub fail: bool,
    pub retry: bool,
    pub slow_ms: u64,
    pub tag: Option<String>,
    /// Makes the action panic (the engine catches it: the entity moves to Failed).
    pub panic: bool,
    /// Makes the payload's `Deserialize` panic when true (the runtime catches it).
    #[serde(deserialize_with = "panicking_bool")]
    pub boom: bool,
}

fn panicking_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let value = bool::deserialize(d)?;
    if value {
        panic!("boom: the payload's Deserialize panicked");
    }
    Ok(value)
}

/// When tagged actions started and ended, for ordering assertions.
pub static TIMELINE: Mutex<Vec<(String, Instant, Option<Instant>)>> = Mutex::new(Vec::new());

pub fn timeline(tag: &str) -> Option<(Instant, Option<Instant>)> {
    TIMELINE
        .lock()
        .unwrap()
        .iter()
        .find(|(t, ..)| t == tag)
        .map(|(_, s, e)| (*s, *e))
}

async fn traced(p: &OrderPayload) {
    let Some(tag) = &p.tag else {
        if p.slow_ms > 0 {
            tokio::time::sleep(Duration::from_millis(p.slow_ms)).await;
        }
        return;
    };
    TIMELINE
        .lock()
        .unwrap()
        .push((tag.clone(), Instant::now(), None));
    if p.slow_ms > 0 {
        tokio::time::sleep(Duration::from_millis(p.slow_ms)).await;
    }
    let mut timeline = TIMELINE.lock().unwrap();
    if let Some(entry) = timeline.iter_mut().find(|(t, ..)| t == tag) {
        entry.2 = Some(Instant::now());
    }
}

/// The order workflow the Kafka tests drive.
#[workflow(entity = Order, payload = OrderPayload, kafka(client_id = "workflow-kafka-tests"))]
pub mod order_workflow {
    use super::*;

    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum OrderStatus {
        #[default]
        Pending,
        Processing,
        Completed,
        Failed,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        Create,
        Submit,
        Update,
        Complete,
        Fail,
    }

    transitions! {
        [*]                  -> Pending    on Create | Update do init;
        Pending              -> Processing on Submit if price_above_10 do submit;
        Pending              -> Pending    on Update do init;
        Processing           -> Completed  on Complete;
        Pending | Processing -> Failed     on Fail;

        finals = [Completed, Failed];
        idles  = [Pending, Processing];
        failed = Failed;

        topics {
            "orders.created"   => Create,
            "orders.submitted" => Submit,
            "orders.updated"   => Update,
            "orders.completed" => Complete,
            "orders.failed"    => Fail,
        }
    }

    fn price_above_10(o: &Order, _: &OrderPayload) -> bool {
        o.price > 10.0
    }

    async fn init(o: &mut Order, p: &OrderPayload) -> Result<(), ActionError> {
        traced(p).await;
        if p.panic {
            panic!("init panicked on purpose");
        }
        o.price = p.price.unwrap_or(o.price);
        o.items.extend(p.item.clone());
        Ok(())
    }

    async fn submit(_: &mut Order, p: &OrderPayload) -> Result<(), ActionError> {
        traced(p).await;
        if p.retry {
            return Err(ActionError::retry("payment service busy"));
        }
        if p.fail {
            return Err(ActionError::fail("card declined"));
        }
        Ok(())
    }
}

pub const PARTITIONS: i32 = 3;

/// The embedded cluster every test of the binary shares (one start, fewer rebalances).
pub fn embedded() -> &'static EmbeddedKafka {
    init_tracing();
    static KAFKA: OnceLock<EmbeddedKafka> = OnceLock::new();
    KAFKA.get_or_init(|| EmbeddedKafka::start().expect("embedded Kafka starts"))
}

/// A broker a scenario runs against.
#[derive(Debug, Clone)]
pub enum Broker {
    Embedded,
    Real(String),
}

impl Broker {
    /// The embedded broker, and the real one when `KAFKA_BROKERS` is set.
    pub fn all() -> Vec<Broker> {
        let mut brokers = vec![Broker::Embedded];
        match std::env::var("KAFKA_BROKERS") {
            Ok(b) if !b.trim().is_empty() => brokers.push(Broker::Real(b)),
            _ => eprintln!("skipping real-broker run: KAFKA_BROKERS not set"),
        }
        brokers
    }

    pub fn config(&self) -> KafkaConfig {
        match self {
            Broker::Embedded => embedded().config(),
            Broker::Real(brokers) => KafkaConfig::new()
                .brokers(brokers)
                .set("auto.offset.reset", "earliest"),
        }
    }

    /// Creates the workflow's topics and dead-letter topics under `options`' prefix.
    pub async fn create_topics(&self, options: &RuntimeOptions) {
        match self {
            Broker::Embedded => embedded()
                .create_workflow_topics::<OrderWorkflow>(options, PARTITIONS)
                .unwrap(),
            Broker::Real(brokers) => {
                let admin: AdminClient<DefaultClientContext> = KafkaConfig::new()
                    .brokers(brokers)
                    .client_config()
                    .unwrap()
                    .create()
                    .unwrap();
                let names: Vec<String> = OrderWorkflow::DEFINITION
                    .topics
                    .iter()
                    .flat_map(|b| {
                        let t = options.physical_topic(b.topic);
                        [options.dead_letter_topic(&t), t]
                    })
                    .collect();
                let topics: Vec<NewTopic<'_>> = names
                    .iter()
                    .map(|n| NewTopic::new(n, PARTITIONS, TopicReplication::Fixed(1)))
                    .collect();
                for result in admin
                    .create_topics(&topics, &AdminOptions::new())
                    .await
                    .unwrap()
                {
                    result.unwrap();
                }
            }
        }
    }
}

/// A prefix no other test or run uses.
pub fn unique(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// Sends a raw record (for records the typed producer would never write).
pub async fn send_raw(
    config: &KafkaConfig,
    topic: &str,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[(&str, &[u8])],
) -> (i32, i64) {
    let producer: FutureProducer = config.client_config().unwrap().create().unwrap();
    send_raw_with(&producer, topic, key, value, headers).await
}

/// Sends a raw record with an existing producer; returns its partition and offset.
pub async fn send_raw_with(
    producer: &FutureProducer,
    topic: &str,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[(&str, &[u8])],
) -> (i32, i64) {
    let mut owned = rdkafka::message::OwnedHeaders::new();
    for (k, v) in headers {
        owned = owned.insert(rdkafka::message::Header {
            key: k,
            value: Some(*v),
        });
    }
    let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic).headers(owned);
    if let Some(key) = key {
        record = record.key(key);
    }
    if let Some(value) = value {
        record = record.payload(value);
    }
    let delivery = producer
        .send(record, Duration::from_secs(10))
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    (delivery.partition, delivery.offset)
}

/// Reads `count` records from `topics` (every partition, from the start) without joining a
/// group, or panics after `timeout`.
pub fn read_all(
    config: &KafkaConfig,
    topics: &[String],
    count: usize,
    timeout: Duration,
) -> Vec<Record> {
    let consumer: BaseConsumer = config
        .clone()
        .set("group.id", unique("reader"))
        .set("enable.auto.commit", "false")
        .client_config()
        .unwrap()
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for topic in topics {
        for p in 0..PARTITIONS {
            assignment
                .add_partition_offset(topic, p, Offset::Beginning)
                .unwrap();
        }
    }
    consumer.assign(&assignment).unwrap();
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < count {
        assert!(
            Instant::now() < deadline,
            "read {} of {count} records from {topics:?}",
            out.len()
        );
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Record {
                topic: m.topic().to_owned(),
                partition: m.partition(),
                offset: m.offset(),
                timestamp: m.timestamp().to_millis(),
                key: m.key().map(<[u8]>::to_vec),
                value: m.payload().map(<[u8]>::to_vec),
                headers,
            });
        }
    }
    out
}

/// Waits until `condition` holds, or panics after `timeout` with `what`.
pub async fn eventually(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
    });
}
