//! The consumer's callbacks: rebalances and commits.
//!
//! librdkafka calls these from inside the consumer's poll, so they only take notes; the
//! intake loop reads the notes right after each poll, before it handles the message that
//! poll returned.

use std::sync::Mutex;

use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaResult;
use rdkafka::topic_partition_list::TopicPartitionList;

use crate::offsets::PartitionKey;

/// A change of assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RebalanceNote {
    Assigned(Vec<PartitionKey>),
    Revoked(Vec<PartitionKey>),
}

/// The runtime's consumer context.
#[derive(Default)]
pub(crate) struct RuntimeContext {
    notes: Mutex<Vec<RebalanceNote>>,
}

impl RuntimeContext {
    /// The notes taken since the last call.
    pub(crate) fn take_notes(&self) -> Vec<RebalanceNote> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn note(&self, note: RebalanceNote) {
        self.notes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(note);
    }
}

fn partitions(list: &TopicPartitionList) -> Vec<PartitionKey> {
    list.elements()
        .iter()
        .map(|e| (e.topic().to_owned(), e.partition()))
        .collect()
}

impl ClientContext for RuntimeContext {}

impl ConsumerContext for RuntimeContext {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        // Revocation is noted before librdkafka gives the partitions up, so nothing more is
        // stored for them once the intake reads the note.
        if let Rebalance::Revoke(list) = rebalance {
            tracing::info!(partitions = ?partitions(list), "partitions revoked");
            self.note(RebalanceNote::Revoked(partitions(list)));
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
