//! Dead letters: records the workflow cannot use, parked on `<topic><suffix>` for people.
//!
//! A dead letter carries the original key, value and headers byte for byte, so it can be
//! replayed onto the source topic as is, plus `x-workflow-*` headers saying where it came
//! from and why it was parked. Those headers are replaced, not appended, when a replayed
//! record is dead-lettered again, so the latest trip is the one described.

use std::time::Duration;

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;

use crate::{Backoff, DeadLetterError, Health, KafkaConfig, KafkaError, Record, Stats};

/// The names of the headers a dead letter carries.
pub mod headers {
    /// Every workflow header starts with this; such headers of the original are dropped.
    pub const PREFIX: &str = "x-workflow-";
    /// The topic the record was consumed from.
    pub const ORIGIN_TOPIC: &str = "x-workflow-origin-topic";
    /// Its partition.
    pub const ORIGIN_PARTITION: &str = "x-workflow-origin-partition";
    /// Its offset.
    pub const ORIGIN_OFFSET: &str = "x-workflow-origin-offset";
    /// Its timestamp, in milliseconds since the epoch (absent if it had none).
    pub const ORIGIN_TIMESTAMP: &str = "x-workflow-origin-timestamp";
    /// The consumer group that gave up on it.
    pub const GROUP: &str = "x-workflow-group";
    /// The stable reason code (`invalid_json`, `no_transition`, `retries_exhausted`, ...).
    pub const REASON: &str = "x-workflow-reason";
    /// The error message, at most [`MAX_ERROR_LEN`](super::MAX_ERROR_LEN) bytes.
    pub const ERROR: &str = "x-workflow-error";
    /// How many times the event was tried (0 when it was never run).
    pub const ATTEMPTS: &str = "x-workflow-attempts";
    /// The workflow's name.
    pub const WORKFLOW: &str = "x-workflow-workflow";
    /// The event's name, when the topic is bound.
    pub const EVENT: &str = "x-workflow-event";
    /// The entity's URN, when it was decoded.
    pub const URN: &str = "x-workflow-urn";
}

/// Error messages longer than this are cut (on a character boundary) in the header.
pub const MAX_ERROR_LEN: usize = 1024;

/// Why a record is being dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The stable reason code.
    pub reason: &'static str,
    /// The error message.
    pub error: String,
    /// Attempts made to run the event.
    pub attempts: u32,
    /// The event's name, if known.
    pub event: Option<&'static str>,
    /// The URN, if known.
    pub urn: Option<String>,
}

/// Writes dead letters; shared by every lane.
pub(crate) struct DeadLetterWriter {
    producer: FutureProducer,
    group: String,
    workflow: &'static str,
    suffix: String,
    backoff: Backoff,
    timeout: Duration,
    stats: Stats,
    health: Health,
}

impl DeadLetterWriter {
    pub(crate) fn new(
        config: &KafkaConfig,
        group: &str,
        workflow: &'static str,
        options: &crate::RuntimeOptions,
        stats: Stats,
        health: Health,
    ) -> Result<Self, KafkaError> {
        let mut client = config.producer_config()?;
        // A dead letter replaces the source record: losing it would lose the record.
        client.set("acks", "all");
        client.set(
            "message.timeout.ms",
            options.produce_timeout.as_millis().to_string(),
        );
        Ok(Self {
            producer: client.create()?,
            group: group.to_owned(),
            workflow,
            suffix: options.dead_letter_suffix.clone(),
            backoff: options.dead_letter_backoff,
            timeout: options.produce_timeout,
            stats,
            health,
        })
    }

    /// Writes `record` to its dead-letter topic, retrying until the broker acknowledges it
    /// (returns true) or, after a failure, `still_owned` says the source partition was
    /// revoked (returns false: the record is abandoned and its next owner handles it). Each
    /// failure marks the runtime unhealthy with a [`DeadLetterError`] until a write succeeds.
    /// Cancellation (the end of a shutdown's grace period) also stops the retries; the
    /// source offset then stays unstored and the record is redelivered.
    pub(crate) async fn write(
        &self,
        record: &Record,
        letter: &Letter,
        mut still_owned: impl FnMut() -> bool,
    ) -> bool {
        let topic = format!("{}{}", record.topic, self.suffix);
        let headers = dead_letter_headers(record, letter, &self.group, self.workflow);
        let mut failures = 0u32;
        loop {
            let mut out: FutureRecord<'_, [u8], [u8]> =
                FutureRecord::to(&topic).headers(to_owned_headers(&headers));
            if let Some(key) = record.key.as_deref() {
                out = out.key(key);
            }
            if let Some(value) = record.value.as_deref() {
                out = out.payload(value);
            }
            match self.producer.send(out, Timeout::After(self.timeout)).await {
                Ok(_) => {
                    if failures > 0 {
                        tracing::info!(topic = %record.topic, partition = record.partition, offset = record.offset, urn = letter.urn.as_deref(), event = letter.event, dead_letter_topic = %topic, failures, "dead-letter write recovered");
                    }
                    self.stats.dead_letter_write(true);
                    self.health.dead_letter_written();
                    return true;
                }
                Err((error, _)) => {
                    failures = failures.saturating_add(1);
                    self.stats.dead_letter_write(false);
                    let delay = self.backoff.delay(failures);
                    tracing::error!(topic = %record.topic, partition = record.partition, offset = record.offset, urn = letter.urn.as_deref(), event = letter.event, dead_letter_topic = %topic, %error, failures, retry_in = ?delay, "dead-letter write failed; source offset held, retrying");
                    self.health.dead_letter_failed(DeadLetterError {
                        topic: record.topic.clone(),
                        partition: record.partition,
                        offset: record.offset,
                        dead_letter_topic: topic.clone(),
                        reason: letter.reason,
                        source: error,
                    });
                    tokio::time::sleep(delay).await;
                    if !still_owned() {
                        tracing::warn!(topic = %record.topic, partition = record.partition, offset = record.offset, "partition revoked while its dead letter was failing; abandoning the record to its next owner");
                        return false;
                    }
                }
            }
        }
    }
}

/// The headers of a dead letter: the original's (minus workflow headers), then ours.
pub fn dead_letter_headers(
    record: &Record,
    letter: &Letter,
    group: &str,
    workflow: &str,
) -> Vec<(String, Option<Vec<u8>>)> {
    let mut headers: Vec<(String, Option<Vec<u8>>)> = record
        .headers
        .iter()
        .filter(|(key, _)| !key.starts_with(headers::PREFIX))
        .cloned()
        .collect();
    let mut add =
        |key: &str, value: String| headers.push((key.to_owned(), Some(value.into_bytes())));
    add(headers::ORIGIN_TOPIC, record.topic.clone());
    add(headers::ORIGIN_PARTITION, record.partition.to_string());
    add(headers::ORIGIN_OFFSET, record.offset.to_string());
    if let Some(timestamp) = record.timestamp {
        add(headers::ORIGIN_TIMESTAMP, timestamp.to_string());
    }
    add(headers::GROUP, group.to_owned());
    add(headers::REASON, letter.reason.to_owned());
    add(
        headers::ERROR,
        truncate(&letter.error, MAX_ERROR_LEN).to_owned(),
    );
    add(headers::ATTEMPTS, letter.attempts.to_string());
    add(headers::WORKFLOW, workflow.to_owned());
    if let Some(event) = letter.event {
        add(headers::EVENT, event.to_owned());
    }
    if let Some(urn) = &letter.urn {
        add(headers::URN, urn.clone());
    }
    headers
}

fn to_owned_headers(headers: &[(String, Option<Vec<u8>>)]) -> OwnedHeaders {
    headers.iter().fold(
        OwnedHeaders::new_with_capacity(headers.len()),
        |out, (key, value)| {
            out.insert(Header {
                key,
                value: value.as_deref(),
            })
        },
    )
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_headers_are_replaced_and_errors_bounded() {
        let record = Record {
            topic: "orders".into(),
            partition: 2,
            offset: 41,
            timestamp: Some(7),
            key: Some(b"k".to_vec()),
            value: None,
            headers: vec![
                ("trace".into(), Some(b"abc".to_vec())),
                (headers::REASON.into(), Some(b"old".to_vec())),
                ("empty".into(), None),
            ],
        };
        let letter = Letter {
            reason: "invalid_json",
            error: "é".repeat(1000),
            attempts: 0,
            event: Some("Submit"),
            urn: None,
        };
        let out = dead_letter_headers(&record, &letter, "g", "W");
        let get = |k: &str| {
            out.iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(get("trace"), vec![Some(b"abc".to_vec())]);
        assert_eq!(get("empty"), vec![None]);
        assert_eq!(get(headers::REASON), vec![Some(b"invalid_json".to_vec())]);
        assert_eq!(get(headers::ORIGIN_OFFSET), vec![Some(b"41".to_vec())]);
        assert!(get(headers::URN).is_empty());
        let error = get(headers::ERROR).remove(0).unwrap();
        assert!(error.len() <= MAX_ERROR_LEN && std::str::from_utf8(&error).is_ok());
    }
}
