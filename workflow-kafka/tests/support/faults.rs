//! A store that records every application and can fail, panic, stall or slow down on
//! demand; and the checks of the accounting invariant against Kafka itself.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use workflow_kafka::dead_letter::headers;
use workflow_kafka::{
    EntityStore, KafkaConfig, Loaded, MemoryStore, Position, Record, StoreError, Version,
};

use super::{Order, PARTITIONS, unique};

/// `(topic, partition, offset)` of a source record.
pub type Origin = (String, i32, i64);

#[derive(Default)]
struct Faults {
    /// URN -> transient save failures left.
    transient: HashMap<String, u32>,
    /// URNs whose saves always fail.
    permanent: HashSet<String>,
    /// URNs whose saves panic.
    panics: HashSet<String>,
    /// URNs whose saves wait for the gate.
    gated: HashSet<String>,
    /// Sleep after every successful save (widens the save-to-offset-store window).
    after_save: Duration,
    /// Sleep before every load, up to this (pseudo-random per call).
    load_jitter: Duration,
}

struct Inner {
    memory: MemoryStore<Order>,
    faults: Mutex<Faults>,
    /// (stream, offset) -> URNs it was applied to (one entry per save).
    ledger: Mutex<HashMap<(String, i64), Vec<String>>>,
    /// Instants of successful saves, by URN.
    saves: Mutex<Vec<(String, Instant)>>,
    /// Instants of failed save attempts, by URN.
    failures: Mutex<Vec<(String, Instant)>>,
    gate: watch::Sender<bool>,
    calls: std::sync::atomic::AtomicU64,
}

/// A `MemoryStore` with a ledger of applications and injectable faults. Cloning shares it.
#[derive(Clone)]
pub struct LedgerStore {
    inner: Arc<Inner>,
}

impl Default for LedgerStore {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                memory: MemoryStore::new(),
                faults: Mutex::default(),
                ledger: Mutex::default(),
                saves: Mutex::default(),
                failures: Mutex::default(),
                gate: watch::channel(true).0,
                calls: Default::default(),
            }),
        }
    }
}

impl LedgerStore {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn fail_transiently(&self, urn: &str, times: u32) -> &Self {
        self.faults().transient.insert(urn.to_owned(), times);
        self
    }
    pub fn fail_always(&self, urn: &str) -> &Self {
        self.faults().permanent.insert(urn.to_owned());
        self
    }
    pub fn panic_on(&self, urn: &str) -> &Self {
        self.faults().panics.insert(urn.to_owned());
        self
    }
    pub fn gate(&self, urn: &str) -> &Self {
        self.faults().gated.insert(urn.to_owned());
        self.inner.gate.send_replace(false);
        self
    }
    pub fn open_gate(&self) {
        self.inner.gate.send_replace(true);
    }
    pub fn after_save(&self, delay: Duration) -> &Self {
        self.faults().after_save = delay;
        self
    }
    pub fn load_jitter(&self, max: Duration) -> &Self {
        self.faults().load_jitter = max;
        self
    }
    fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.inner.faults.lock().unwrap()
    }

    pub fn memory(&self) -> &MemoryStore<Order> {
        &self.inner.memory
    }
    pub fn get(&self, urn: &str) -> Option<Order> {
        self.inner.memory.get(urn)
    }
    /// How many saves recorded a position.
    pub fn applications(&self) -> usize {
        self.inner
            .ledger
            .lock()
            .unwrap()
            .values()
            .map(Vec::len)
            .sum()
    }
    /// How many times the record at `topic/partition@offset` was applied.
    pub fn applied(&self, topic: &str, partition: i32, offset: i64) -> usize {
        self.inner
            .ledger
            .lock()
            .unwrap()
            .get(&(format!("{topic}/{partition}"), offset))
            .map_or(0, Vec::len)
    }
    /// The ledger: origin -> number of applications.
    pub fn ledger(&self) -> HashMap<Origin, usize> {
        self.inner
            .ledger
            .lock()
            .unwrap()
            .iter()
            .map(|((stream, offset), urns)| {
                let (topic, partition) = stream.rsplit_once('/').unwrap();
                (
                    (topic.to_owned(), partition.parse().unwrap(), *offset),
                    urns.len(),
                )
            })
            .collect()
    }
    pub fn save_instants(&self) -> Vec<(String, Instant)> {
        self.inner.saves.lock().unwrap().clone()
    }
    pub fn failure_instants(&self, urn: &str) -> Vec<Instant> {
        let failures = self.inner.failures.lock().unwrap();
        failures
            .iter()
            .filter(|(u, _)| u == urn)
            .map(|(_, at)| *at)
            .collect()
    }
}

impl EntityStore<Order> for LedgerStore {
    async fn load(&self, urn: &str) -> Result<Option<Loaded<Order>>, StoreError> {
        let jitter = self.faults().load_jitter;
        if !jitter.is_zero() {
            let n = self
                .inner
                .calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let micros = n.wrapping_mul(2_654_435_761) % (jitter.as_micros() as u64 + 1);
            tokio::time::sleep(Duration::from_micros(micros)).await;
        }
        self.inner.memory.load(urn).await
    }

    async fn save(
        &self,
        entity: &Order,
        expected: Option<Version>,
        position: Option<&Position>,
    ) -> Result<Version, StoreError> {
        let urn = entity.urn.clone();
        let (fail, panic, gated, after_save) = {
            let mut faults = self.faults();
            let transient = match faults.transient.get_mut(&urn) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    true
                }
                _ => false,
            };
            (
                transient || faults.permanent.contains(&urn),
                faults.panics.contains(&urn),
                faults.gated.contains(&urn),
                faults.after_save,
            )
        };
        if panic {
            self.inner
                .failures
                .lock()
                .unwrap()
                .push((urn.clone(), Instant::now()));
            panic!("the store panicked on purpose for {urn}");
        }
        if fail {
            self.inner
                .failures
                .lock()
                .unwrap()
                .push((urn.clone(), Instant::now()));
            return Err(StoreError::Unavailable(format!(
                "injected failure for {urn}"
            )));
        }
        if gated {
            let mut gate = self.inner.gate.subscribe();
            let _ = gate.wait_for(|open| *open).await;
        }
        let version = self.inner.memory.save(entity, expected, position).await?;
        if let Some(position) = position {
            self.inner
                .ledger
                .lock()
                .unwrap()
                .entry((position.stream.to_string(), position.sequence))
                .or_default()
                .push(urn.clone());
        }
        self.inner.saves.lock().unwrap().push((urn, Instant::now()));
        if !after_save.is_zero() {
            tokio::time::sleep(after_save).await;
        }
        Ok(version)
    }
}

/// Reads every record of `topics` up to their high watermarks, fetched until two fetches
/// 100 ms apart agree (a real broker's watermark can trail its acknowledgements).
pub fn read_to_end(config: &KafkaConfig, topics: &[String]) -> Vec<Record> {
    loop {
        let out = read_to_current_end(config, topics);
        std::thread::sleep(Duration::from_millis(100));
        let again = read_to_current_end(config, topics);
        if again.len() == out.len() {
            return again;
        }
    }
}

fn read_to_current_end(config: &KafkaConfig, topics: &[String]) -> Vec<Record> {
    let consumer: BaseConsumer = config
        .clone()
        .set("group.id", unique("reader"))
        .set("enable.auto.commit", "false")
        .client_config()
        .unwrap()
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    let mut ends = HashMap::new();
    for topic in topics {
        for p in 0..PARTITIONS {
            let (_, high) = consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .unwrap();
            if high > 0 {
                ends.insert((topic.clone(), p), high);
                assignment
                    .add_partition_offset(topic, p, Offset::Beginning)
                    .unwrap();
            }
        }
    }
    let mut out = Vec::new();
    if ends.is_empty() {
        return out;
    }
    consumer.assign(&assignment).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen: HashMap<(String, i32), i64> = HashMap::new();
    while ends
        .iter()
        .any(|(k, high)| seen.get(k).is_none_or(|o| o + 1 < *high))
    {
        assert!(
            Instant::now() < deadline,
            "could not read {topics:?} to the end"
        );
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            use rdkafka::Message;
            use rdkafka::message::Headers;
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default();
            seen.insert((m.topic().to_owned(), m.partition()), m.offset());
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

/// The value of the single workflow header `key` of a dead letter.
pub fn workflow_header(record: &Record, key: &str) -> String {
    let values: Vec<_> = record
        .headers
        .iter()
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.as_deref())
        .collect();
    assert_eq!(
        values.len(),
        1,
        "one `{key}` header in {:?}",
        record.headers
    );
    String::from_utf8(values[0].to_vec()).unwrap()
}

/// The origin of a dead letter.
pub fn origin(record: &Record) -> Origin {
    (
        workflow_header(record, headers::ORIGIN_TOPIC),
        workflow_header(record, headers::ORIGIN_PARTITION)
            .parse()
            .unwrap(),
        workflow_header(record, headers::ORIGIN_OFFSET)
            .parse()
            .unwrap(),
    )
}

/// The dead letters of `topics` (source topics), by origin.
pub fn dead_letters(
    config: &KafkaConfig,
    dead_letter_topics: &[String],
) -> BTreeMap<Origin, Vec<Record>> {
    let mut out: BTreeMap<Origin, Vec<Record>> = BTreeMap::new();
    for record in read_to_end(config, dead_letter_topics) {
        out.entry(origin(&record)).or_default().push(record);
    }
    out
}

/// The offsets `group` committed on `topics` (partitions with no commit are absent).
pub fn committed(
    config: &KafkaConfig,
    group: &str,
    topics: &[String],
) -> HashMap<(String, i32), i64> {
    let consumer: BaseConsumer = config
        .clone()
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .client_config()
        .unwrap()
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    for topic in topics {
        for p in 0..PARTITIONS {
            list.add_partition(topic, p);
        }
    }
    let committed = consumer
        .committed_offsets(list, Duration::from_secs(10))
        .unwrap();
    committed
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some(((e.topic().to_owned(), e.partition()), o)),
            _ => None,
        })
        .collect()
}

/// How each produced record ended, checked against the store's ledger, the dead-letter
/// topics and the records the test expects to be ignored:
/// each is exactly one of applied once, dead-lettered once, deliberately ignored.
pub fn assert_each_resolved_once(
    produced: &[Origin],
    ledger: &HashMap<Origin, usize>,
    dead: &BTreeMap<Origin, Vec<Record>>,
    ignored: &HashSet<Origin>,
) {
    let produced_set: HashSet<&Origin> = produced.iter().collect();
    let strays: Vec<_> = ledger
        .keys()
        .chain(dead.keys())
        .filter(|o| !produced_set.contains(o))
        .collect();
    let missing: Vec<_> = produced
        .iter()
        .filter(|o| !ledger.contains_key(o) && !dead.contains_key(o) && !ignored.contains(o))
        .collect();
    assert!(
        strays.is_empty() && missing.is_empty(),
        "resolved but never produced: {strays:?}; produced but never resolved: {missing:?}"
    );
    for origin in produced {
        let applied = ledger.get(origin).copied().unwrap_or(0);
        let dead_lettered = dead.get(origin).map_or(0, Vec::len);
        let ignored = usize::from(ignored.contains(origin));
        assert_eq!(
            (
                applied + dead_lettered + ignored,
                applied.max(dead_lettered).max(ignored)
            ),
            (1, 1),
            "{origin:?}: applied {applied}, dead-lettered {dead_lettered}, ignored {ignored}"
        );
    }
    for origin in ledger.keys().chain(dead.keys()) {
        assert!(
            produced_set.contains(origin),
            "{origin:?} was never produced"
        );
    }
}

/// Committed offsets never pass an unresolved record: every produced record below a
/// partition's committed offset is resolved (`resolved` says which are).
pub fn assert_committed_behind_resolved(
    committed: &HashMap<(String, i32), i64>,
    produced: &[Origin],
    resolved: impl Fn(&Origin) -> bool,
) {
    for origin in produced {
        let (topic, partition, offset) = origin;
        if let Some(c) = committed.get(&(topic.clone(), *partition)) {
            if offset < c {
                assert!(
                    resolved(origin),
                    "committed offset {c} of {topic}/{partition} passes unresolved record {offset}"
                );
            }
        }
    }
}

/// Whether every partition that received records is committed up to its end.
pub fn committed_to_end(committed: &HashMap<(String, i32), i64>, produced: &[Origin]) -> bool {
    ends(produced)
        .into_iter()
        .all(|(key, end)| committed.get(&key) == Some(&end))
}

fn ends(produced: &[Origin]) -> HashMap<(String, i32), i64> {
    let mut ends: HashMap<(String, i32), i64> = HashMap::new();
    for (topic, partition, offset) in produced {
        let end = ends.entry((topic.clone(), *partition)).or_insert(0);
        *end = (*end).max(offset + 1);
    }
    ends
}

/// Every partition that received records is committed up to its end.
pub fn assert_committed_to_end(committed: &HashMap<(String, i32), i64>, produced: &[Origin]) {
    let mut ends: HashMap<(String, i32), i64> = HashMap::new();
    for (topic, partition, offset) in produced {
        let end = ends.entry((topic.clone(), *partition)).or_insert(0);
        *end = (*end).max(offset + 1);
    }
    for (key, end) in ends {
        assert_eq!(
            committed.get(&key),
            Some(&end),
            "{key:?} committed to its end"
        );
    }
}
