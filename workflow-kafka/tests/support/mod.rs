//! Test support: an order workflow written by hand in the shape `#[workflow]` generates, and
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
use serde::{Deserialize, Serialize};
use workflow_kafka::__private as rt;
use workflow_kafka::{
    ActionError, Candidate, Definition, EmbeddedKafka, Entity, Event, GuardError, KafkaConfig,
    KafkaDefaults, Record, RuntimeOptions, State, StateInfo, TopicBinding, TransitionInfo,
    Workflow,
};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    #[default]
    Pending,
    Processing,
    Completed,
    Failed,
}

impl State for OrderStatus {
    const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Processing,
        Self::Completed,
        Self::Failed,
    ];
    const TYPE_NAME: &'static str = "OrderStatus";
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Processing => "Processing",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderEvent {
    Create,
    Submit,
    Update,
    Complete,
    Fail,
}

impl Event for OrderEvent {
    const ALL: &'static [Self] = &[
        Self::Create,
        Self::Submit,
        Self::Update,
        Self::Complete,
        Self::Fail,
    ];
    const TYPE_NAME: &'static str = "OrderEvent";
    fn as_str(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Submit => "Submit",
            Self::Update => "Update",
            Self::Complete => "Complete",
            Self::Fail => "Fail",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Order {
    pub urn: String,
    pub price: f64,
    pub items: Vec<String>,
    pub status: OrderStatus,
}

impl Entity for Order {
    type Status = OrderStatus;
    fn urn(&self) -> &str {
        &self.urn
    }
    fn set_urn(&mut self, urn: &str) {
        self.urn = urn.to_owned();
    }
    fn status(&self) -> OrderStatus {
        self.status
    }
    fn set_status(&mut self, status: OrderStatus) {
        self.status = status;
    }
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

/// The order workflow, as `#[workflow]` would generate it:
/// 0: [*] -> Pending on Create | Update do init
/// 1: Pending -> Processing on Submit if price_above_10 do submit
/// 2: Pending -> Pending on Update do init
/// 3: Processing -> Completed on Complete
/// 4: Pending | Processing -> Failed on Fail
pub struct OrderWorkflow;

static DEFINITION: Definition = Definition {
    name: "OrderWorkflow",
    state_type: "OrderStatus",
    event_type: "OrderEvent",
    states: &[
        StateInfo {
            name: "Pending",
            is_final: false,
            is_idle: true,
            is_failed: false,
        },
        StateInfo {
            name: "Processing",
            is_final: false,
            is_idle: true,
            is_failed: false,
        },
        StateInfo {
            name: "Completed",
            is_final: true,
            is_idle: false,
            is_failed: false,
        },
        StateInfo {
            name: "Failed",
            is_final: true,
            is_idle: false,
            is_failed: true,
        },
    ],
    events: &["Create", "Submit", "Update", "Complete", "Fail"],
    transitions: &[
        TransitionInfo {
            from_initial: true,
            from: &[],
            to: "Pending",
            events: &["Create", "Update"],
            guards: &[],
            actions: &["init"],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Pending"],
            to: "Processing",
            events: &["Submit"],
            guards: &["price_above_10"],
            actions: &["submit"],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Pending"],
            to: "Pending",
            events: &["Update"],
            guards: &[],
            actions: &["init"],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Processing"],
            to: "Completed",
            events: &["Complete"],
            guards: &[],
            actions: &[],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Pending", "Processing"],
            to: "Failed",
            events: &["Fail"],
            guards: &[],
            actions: &[],
        },
    ],
    fallback: None,
    topics: &[
        TopicBinding {
            topic: "orders.created",
            event: "Create",
        },
        TopicBinding {
            topic: "orders.submitted",
            event: "Submit",
        },
        TopicBinding {
            topic: "orders.updated",
            event: "Update",
        },
        TopicBinding {
            topic: "orders.completed",
            event: "Complete",
        },
        TopicBinding {
            topic: "orders.failed",
            event: "Fail",
        },
    ],
    on_event: &[],
    on_status_changed: &[],
    kafka: KafkaDefaults {
        brokers: None,
        group_id: None,
        client_id: Some("workflow-kafka-tests"),
    },
};

impl Workflow for OrderWorkflow {
    type State = OrderStatus;
    type Event = OrderEvent;
    type Entity = Order;
    type Payload = OrderPayload;
    const DEFINITION: &'static Definition = &DEFINITION;
    const MERMAID: &'static str = "stateDiagram-v2\n";
    const FAILED: Option<OrderStatus> = Some(OrderStatus::Failed);
    const HAS_FALLBACK: bool = false;

    fn is_final(state: OrderStatus) -> bool {
        matches!(state, OrderStatus::Completed | OrderStatus::Failed)
    }
    fn is_idle(state: OrderStatus) -> bool {
        matches!(state, OrderStatus::Pending | OrderStatus::Processing)
    }
    fn candidates(
        from: Option<OrderStatus>,
        event: OrderEvent,
    ) -> &'static [Candidate<OrderStatus>] {
        use OrderEvent as E;
        use OrderStatus as S;
        match (from, event) {
            (None, E::Create | E::Update) => &[Candidate {
                transition: 0,
                to: S::Pending,
            }],
            (Some(S::Pending), E::Submit) => &[Candidate {
                transition: 1,
                to: S::Processing,
            }],
            (Some(S::Pending), E::Update) => &[Candidate {
                transition: 2,
                to: S::Pending,
            }],
            (Some(S::Processing), E::Complete) => &[Candidate {
                transition: 3,
                to: S::Completed,
            }],
            (Some(S::Pending | S::Processing), E::Fail) => &[Candidate {
                transition: 4,
                to: S::Failed,
            }],
            _ => &[],
        }
    }
    fn automatic(_: OrderStatus) -> &'static [Candidate<OrderStatus>] {
        &[]
    }
    async fn guards(
        transition: usize,
        entity: &Order,
        payload: &OrderPayload,
    ) -> Result<bool, GuardError> {
        use rt::GuardOutput as _;
        match transition {
            1 => price_above_10(entity, payload).into_guard_result("price_above_10"),
            _ => Ok(true),
        }
    }
    async fn actions(
        transition: usize,
        entity: &mut Order,
        payload: &OrderPayload,
    ) -> Result<(), ActionError> {
        use rt::ActionOutput as _;
        match transition {
            0 | 2 => init(entity, payload).await.into_action_result(),
            1 => submit(entity, payload).await.into_action_result(),
            _ => Ok(()),
        }
    }
    async fn on_event(_: OrderEvent, _: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        Ok(())
    }
    async fn on_status_changed(
        _: Option<OrderStatus>,
        _: OrderStatus,
        _: &mut Order,
        _: &OrderPayload,
    ) -> Result<(), ActionError> {
        Ok(())
    }
    async fn fallback(_: OrderEvent, _: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        Ok(())
    }
    fn create(urn: &str) -> Order {
        Order {
            urn: urn.to_owned(),
            ..Order::default()
        }
    }
    fn topic_of(event: OrderEvent) -> Option<&'static str> {
        DEFINITION.topic_of(event.as_str())
    }
    fn event_of(topic: &str) -> Option<OrderEvent> {
        match topic {
            "orders.created" => Some(OrderEvent::Create),
            "orders.submitted" => Some(OrderEvent::Submit),
            "orders.updated" => Some(OrderEvent::Update),
            "orders.completed" => Some(OrderEvent::Complete),
            "orders.failed" => Some(OrderEvent::Fail),
            _ => None,
        }
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
                let names: Vec<String> = DEFINITION
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
