//! Health of a running consumer: what it owns, what it is doing, whether it is stuck.
//!
//! The intake refreshes the report periodically (every
//! [`RuntimeOptions::health_interval`](crate::RuntimeOptions::health_interval)), from its own
//! offset tracker and from librdkafka's statistics (the high watermark of each partition, as
//! last seen by a fetch: no extra request per record or per refresh). Reading the report is a
//! lock and a clone.

use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Why a dead letter could not be written. The source offset stays where it is and the
/// write is retried; while it fails the runtime reports itself unhealthy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "cannot write the dead letter of {topic}/{partition}@{offset} (reason `{reason}`) to `{dead_letter_topic}`: {source}"
)]
pub struct DeadLetterError {
    /// The source record's topic.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// The dead-letter topic written to.
    pub dead_letter_topic: String,
    /// The reason the record was being dead-lettered.
    pub reason: &'static str,
    /// librdkafka's error.
    #[source]
    pub source: rdkafka::error::KafkaError,
}

/// One assigned partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionHealth {
    /// The topic (on the wire).
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// Records received from it and not yet resolved.
    pub in_flight: usize,
    /// The next offset to commit: every record below it is resolved. `None` before anything
    /// was received or committed.
    pub position: Option<i64>,
    /// The partition's high watermark (offset of the next record to be written), as last
    /// seen by the consumer's fetches; `None` until known.
    pub high_watermark: Option<i64>,
    /// `high_watermark - position`: records written and not yet resolved (received or not).
    pub lag: Option<i64>,
}

/// A copy of the health report at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthSnapshot {
    /// Whether the consumer's run loop is running.
    pub running: bool,
    /// The partitions assigned to this consumer, sorted.
    pub partitions: Vec<PartitionHealth>,
    /// Records received and not yet resolved, over all partitions.
    pub in_flight: usize,
    /// When a record was last resolved (applied, rejected, dead-lettered, ignored, skipped).
    pub last_progress: Option<Instant>,
    /// Whether work has been waiting (lag or records in flight) while nothing was resolved
    /// for longer than [`RuntimeOptions::stall_timeout`](crate::RuntimeOptions::stall_timeout).
    pub stalled: bool,
    /// Whether a dead-letter write is failing right now.
    pub dead_letter_failing: bool,
    /// Failed dead-letter writes since the start (each was retried).
    pub dead_letter_failures: u64,
    /// The last dead-letter write error, kept after recovery for diagnosis.
    pub last_dead_letter_error: Option<DeadLetterError>,
}

impl HealthSnapshot {
    /// Healthy: no dead-letter write is failing and the consumer is not stalled.
    pub fn is_healthy(&self) -> bool {
        !self.dead_letter_failing && !self.stalled
    }

    /// The sum of the known per-partition lags.
    pub fn total_lag(&self) -> i64 {
        self.partitions.iter().filter_map(|p| p.lag).sum()
    }

    /// The report of one partition, if assigned.
    pub fn partition(&self, topic: &str, partition: i32) -> Option<&PartitionHealth> {
        self.partitions
            .iter()
            .find(|p| p.topic == topic && p.partition == partition)
    }
}

/// A live health report, shared between the runtime and whoever watches it (a readiness
/// probe, a metrics exporter). Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Health {
    inner: Arc<Mutex<HealthSnapshot>>,
}

impl Health {
    /// A copy of the report now.
    pub fn snapshot(&self) -> HealthSnapshot {
        self.lock().clone()
    }

    /// Whether the runtime is healthy now (see [`HealthSnapshot::is_healthy`]).
    pub fn is_healthy(&self) -> bool {
        self.lock().is_healthy()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HealthSnapshot> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut HealthSnapshot)) {
        f(&mut self.lock());
    }

    pub(crate) fn dead_letter_failed(&self, error: DeadLetterError) {
        self.update(|h| {
            h.dead_letter_failing = true;
            h.dead_letter_failures += 1;
            h.last_dead_letter_error = Some(error);
        });
    }

    pub(crate) fn dead_letter_written(&self) {
        self.update(|h| h.dead_letter_failing = false);
    }
}
