//! A realistic, reproducible stream of order events for the demo and the end-to-end tests.
//!
//! Every order follows one of a few life stories; some records are broken on purpose. The
//! stream is cut into waves: wave `k` holds the `k`-th record of every story. Records of one
//! order travel on different topics, and Kafka orders records only within a partition, so a
//! producer that wants an order's `Submit` to be read after its `Create` publishes the next
//! wave once the previous one is resolved, as real upstream services (which react to the
//! order's state) would.
//!
//! The stream knows what must become of each record, so a run can be checked exactly.

use std::collections::BTreeMap;

use crate::order::{OrderEvent, OrderPayload, OrderStatus, OrderWorkflow};

/// What a record must end as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Expect {
    /// A transition runs and is saved.
    Applied,
    /// The guards reject it (a decision, not a fault).
    Rejected,
    /// It goes to the dead-letter topic with this reason.
    DeadLetter(&'static str),
}

/// One record to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The topic.
    pub topic: &'static str,
    /// The record key (the order's URN, or none).
    pub key: Option<String>,
    /// The record value, as bytes (usually JSON).
    pub value: Vec<u8>,
    /// What must become of it.
    pub expect: Expect,
}

/// A generated stream and everything a run of it must produce.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    /// The records, wave by wave.
    pub waves: Vec<Vec<Record>>,
    /// The state each order must end in.
    pub final_states: BTreeMap<String, OrderStatus>,
}

impl Stream {
    /// How many records the stream holds.
    pub fn len(&self) -> usize {
        self.waves.iter().map(Vec::len).sum()
    }

    /// Whether the stream holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many records must end as `expect`.
    pub fn expected(&self, expect: Expect) -> usize {
        self.waves
            .iter()
            .flatten()
            .filter(|r| r.expect == expect)
            .count()
    }

    /// The dead-letter reasons the stream must produce, with their counts.
    pub fn expected_dead_letters(&self) -> BTreeMap<&'static str, usize> {
        let mut reasons = BTreeMap::new();
        for record in self.waves.iter().flatten() {
            if let Expect::DeadLetter(reason) = record.expect {
                *reasons.entry(reason).or_default() += 1;
            }
        }
        reasons
    }
}

/// A small deterministic generator (xorshift64*), so the stream is the same on every run
/// without pulling in a random-number crate.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn topic(event: OrderEvent) -> &'static str {
    OrderWorkflow::topic_of(event).expect("every order event is bound to a topic")
}

fn event(event: OrderEvent, urn: &str, payload: OrderPayload, expect: Expect) -> Record {
    let payload = OrderPayload {
        urn: Some(urn.to_owned()),
        ..payload
    };
    Record {
        topic: topic(event),
        key: Some(urn.to_owned()),
        value: serde_json::to_vec(&payload).expect("payloads serialize"),
        expect,
    }
}

fn price(price: f64) -> OrderPayload {
    OrderPayload {
        price: Some(price),
        items: Some(vec!["book".into()]),
        ..OrderPayload::default()
    }
}

fn reason(reason: &str) -> OrderPayload {
    OrderPayload {
        reason: Some(reason.into()),
        ..OrderPayload::default()
    }
}

/// `orders` orders with a fixed `seed`. About one order in ten also gets a broken record.
pub fn generate(orders: usize, seed: u64) -> Stream {
    use Expect::*;
    use OrderEvent::*;

    let mut dice = Dice(seed | 1);
    let mut stories: Vec<Vec<Record>> = Vec::with_capacity(orders);
    let mut final_states = BTreeMap::new();
    for i in 0..orders {
        let urn = format!("urn:order:{i}");
        let high = 11.0 + dice.below(490) as f64;
        let low = 1.0 + dice.below(10) as f64;
        let (story, end) = match dice.below(100) {
            // Happy path: created, submitted, completed.
            0..=39 => (
                vec![
                    event(Create, &urn, price(high), Applied),
                    event(Submit, &urn, OrderPayload::default(), Applied),
                    event(Complete, &urn, OrderPayload::default(), Applied),
                ],
                OrderStatus::Completed,
            ),
            // Too cheap: the submission is rejected, the price is raised, it goes through,
            // then the warehouse gives up.
            40..=54 => (
                vec![
                    event(Create, &urn, price(low), Applied),
                    event(Submit, &urn, OrderPayload::default(), Rejected),
                    event(Update, &urn, price(high), Applied),
                    event(Submit, &urn, OrderPayload::default(), Applied),
                    event(Fail, &urn, reason("out of stock"), Applied),
                ],
                OrderStatus::Failed,
            ),
            // Cancelled while pending.
            55..=69 => (
                vec![
                    event(Create, &urn, price(high), Applied),
                    event(Fail, &urn, reason("cancelled by customer"), Applied),
                ],
                OrderStatus::Failed,
            ),
            // Submitted, then failed while processing.
            70..=79 => (
                vec![
                    event(Create, &urn, price(high), Applied),
                    event(Submit, &urn, OrderPayload::default(), Applied),
                    event(Fail, &urn, reason("payment declined"), Applied),
                ],
                OrderStatus::Failed,
            ),
            // Still being edited.
            80..=89 => (
                vec![
                    event(Create, &urn, price(low), Applied),
                    event(Update, &urn, price(high), Applied),
                ],
                OrderStatus::Pending,
            ),
            // An update with a negative price fails the order (the action refuses it).
            _ => (
                vec![
                    event(Create, &urn, price(high), Applied),
                    event(Update, &urn, price(-1.0), Applied),
                ],
                OrderStatus::Failed,
            ),
        };
        let mut story = story;
        if dice.below(10) == 0 {
            story.push(broken(&urn, end, dice.below(5)));
        }
        final_states.insert(urn, end);
        stories.push(story);
    }
    let depth = stories.iter().map(Vec::len).max().unwrap_or(0);
    let waves = (0..depth)
        .map(|k| {
            stories
                .iter()
                .filter_map(|story| story.get(k).cloned())
                .collect()
        })
        .collect();
    Stream {
        waves,
        final_states,
    }
}

/// A record that must be dead-lettered, appended to an order whose story ended in `end`.
fn broken(urn: &str, end: OrderStatus, kind: u64) -> Record {
    let raw = |topic, key: Option<&str>, value: &str, reason| Record {
        topic,
        key: key.map(str::to_owned),
        value: value.as_bytes().to_vec(),
        expect: Expect::DeadLetter(reason),
    };
    match kind {
        0 => raw(
            topic(OrderEvent::Submit),
            Some(urn),
            "{\"urn\": \"oops",
            "invalid_json",
        ),
        1 => raw(
            topic(OrderEvent::Update),
            None,
            "{\"price\": 12.5}",
            "missing_urn",
        ),
        2 => raw(
            topic(OrderEvent::Update),
            Some(urn),
            "{\"price\": \"twelve\"}",
            "payload_mismatch",
        ),
        // An event the order's state does not allow.
        _ if end == OrderStatus::Pending => event(
            OrderEvent::Complete,
            urn,
            OrderPayload::default(),
            Expect::DeadLetter("no_transition"),
        ),
        _ => event(
            OrderEvent::Submit,
            urn,
            OrderPayload::default(),
            Expect::DeadLetter("entity_in_final_state"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_reproducible_and_covers_every_path() {
        let stream = generate(300, 7);
        assert_eq!(stream.len(), generate(300, 7).len());
        assert_eq!(stream.final_states.len(), 300);
        for expect in [Expect::Applied, Expect::Rejected] {
            assert!(stream.expected(expect) > 0, "{expect:?}");
        }
        let reasons = stream.expected_dead_letters();
        for reason in [
            "invalid_json",
            "missing_urn",
            "payload_mismatch",
            "entity_in_final_state",
        ] {
            assert!(reasons.contains_key(reason), "{reason}: {reasons:?}");
        }
    }
}
