//! The consumer's callbacks: rebalances, commits and statistics.
//!
//! librdkafka calls these from inside the consumer's poll (for the runtime, inside the
//! intake's `recv`, on a tokio worker). Assignments are only noted; the intake reads the
//! notes right after each poll. A revocation does more, before librdkafka gives the
//! partitions up:
//!
//! 1. it marks the revoked partitions so that no queued record of theirs starts and lanes
//!    waiting to retry one of their records give it up (abandoned, redelivered to the next
//!    owner);
//! 2. it waits, at most [`RuntimeOptions::revoke_timeout`](crate::RuntimeOptions), for the
//!    records of those partitions that are running (an attempt, a dead-letter write) to
//!    resolve; they store their offsets while the partitions are still owned, and librdkafka
//!    commits the stored offsets when it unassigns them;
//! 3. it forgets the partitions: a record still running after the wait resolves into the
//!    void, and nothing is stored for a partition no longer owned.
//!
//! The wait blocks the poll, never the async runtime: on a multi-threaded tokio runtime it
//! runs in `block_in_place`, so the worker's other tasks (the lanes) move elsewhere; on a
//! current-thread runtime the lanes could not run while the poll blocks, so it does not wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaResult;
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::TopicPartitionList;

use crate::offsets::{PartitionKey, Tracking};

/// A change of assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RebalanceNote {
    Assigned(Vec<PartitionKey>),
    Revoked(Vec<PartitionKey>),
}

/// What librdkafka's statistics say about a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Marks {
    /// The high watermark, or -1 when unknown.
    pub(crate) high: i64,
    /// The committed offset, or a negative value when none.
    pub(crate) committed: i64,
}

/// The runtime's consumer context.
pub(crate) struct RuntimeContext {
    notes: Mutex<Vec<RebalanceNote>>,
    marks: Mutex<HashMap<PartitionKey, Marks>>,
    pub(crate) tracking: Arc<Tracking>,
    revoke_timeout: Duration,
}

impl RuntimeContext {
    pub(crate) fn new(tracking: Arc<Tracking>, revoke_timeout: Duration) -> Self {
        Self {
            notes: Mutex::default(),
            marks: Mutex::default(),
            tracking,
            revoke_timeout,
        }
    }

    /// The notes taken since the last call.
    pub(crate) fn take_notes(&self) -> Vec<RebalanceNote> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The latest statistics of every partition.
    pub(crate) fn marks(&self) -> HashMap<PartitionKey, Marks> {
        self.marks.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn note(&self, note: RebalanceNote) {
        self.notes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(note);
    }

    /// Steps 1 to 3 of the module documentation.
    fn revoke(&self, revoked: &[PartitionKey]) {
        let tracking = &self.tracking;
        tracking.begin_revoke(revoked);
        let deadline = Instant::now() + self.revoke_timeout;
        let wait = || tracking.wait_idle(revoked, deadline);
        let still_running = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor())
        {
            _ if tracking.is_closing() => 0,
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(wait),
            // Not on a runtime (the closing thread): blocking is harmless.
            Err(_) => wait(),
            // A current-thread runtime: the lanes cannot run while this blocks.
            Ok(_) => tracking.lock().running_in(revoked),
        };
        if still_running > 0 {
            tracing::warn!(
                partitions = ?revoked,
                still_running,
                timeout = ?self.revoke_timeout,
                "revoked partitions still have running records; abandoning them (they will be redelivered)"
            );
        }
        tracking.end_revoke(revoked);
    }
}

fn partitions(list: &TopicPartitionList) -> Vec<PartitionKey> {
    list.elements()
        .iter()
        .map(|e| (e.topic().to_owned(), e.partition()))
        .collect()
}

impl ClientContext for RuntimeContext {
    fn stats(&self, statistics: Statistics) {
        let mut marks = self.marks.lock().unwrap_or_else(|p| p.into_inner());
        marks.clear();
        for (name, topic) in statistics.topics {
            for (id, partition) in topic.partitions {
                // librdkafka reports an internal "-1" partition per topic.
                if id < 0 {
                    continue;
                }
                marks.insert(
                    (name.clone(), id),
                    Marks {
                        high: partition.hi_offset,
                        committed: partition.committed_offset,
                    },
                );
            }
        }
    }
}

impl ConsumerContext for RuntimeContext {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(list) = rebalance {
            let revoked = partitions(list);
            tracing::info!(partitions = ?revoked, "partitions revoked");
            self.revoke(&revoked);
            self.note(RebalanceNote::Revoked(revoked));
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                tracing::info!(partitions = ?partitions(list), "partitions assigned");
                self.note(RebalanceNote::Assigned(partitions(list)));
            }
            Rebalance::Revoke(_) => {}
            Rebalance::Error(error) => tracing::warn!(%error, "rebalance error"),
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => tracing::debug!(offsets = ?offsets.to_topic_map(), "offsets committed"),
            // Nothing stored since the last commit: not a failure.
            Err(rdkafka::error::KafkaError::ConsumerCommit(
                rdkafka::types::RDKafkaErrorCode::NoOffset,
            )) => {}
            Err(error) => tracing::warn!(%error, "offset commit failed"),
        }
    }
}
