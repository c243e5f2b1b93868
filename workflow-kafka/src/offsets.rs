//! Which offset of each partition may be stored.
//!
//! Records of one partition resolve out of order (different URNs run concurrently), but a
//! stored offset means "everything before it is done". So each partition keeps the offsets
//! received and not yet resolved; the storable watermark is the last offset below the
//! oldest unresolved one. Partitions are tracked per assignment ("generation"): when a
//! partition is revoked its tracker is dropped, and a late resolution from the old
//! assignment cannot move the offset of a new one.

use std::collections::{BTreeSet, HashMap};

/// A partition of a topic.
pub type PartitionKey = (String, i32);

#[derive(Debug)]
struct PartitionOffsets {
    generation: u64,
    pending: BTreeSet<i64>,
    highest_received: i64,
    /// The last offset handed out for storing (librdkafka commits it + 1).
    stored: i64,
}

/// Offsets received, resolved and storable, for every partition currently owned.
#[derive(Debug, Default)]
pub struct OffsetTracker {
    partitions: HashMap<PartitionKey, PartitionOffsets>,
    next_generation: u64,
}

/// A ticket for a received record: what to hand back on resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// The assignment the record was received under.
    pub generation: u64,
    /// The record's offset.
    pub offset: i64,
}

impl OffsetTracker {
    /// A tracker with nothing received.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes that `offset` of `partition` was received and is now pending.
    pub fn received(&mut self, partition: &PartitionKey, offset: i64) -> Ticket {
        let next_generation = &mut self.next_generation;
        let entry = self.partitions.entry(partition.clone()).or_insert_with(|| {
            *next_generation += 1;
            PartitionOffsets {
                generation: *next_generation,
                pending: BTreeSet::new(),
                highest_received: offset - 1,
                stored: offset - 1,
            }
        });
        entry.pending.insert(offset);
        entry.highest_received = entry.highest_received.max(offset);
        Ticket {
            generation: entry.generation,
            offset,
        }
    }

    /// Notes that a record is resolved. Returns the offset to store for its partition when
    /// the contiguous watermark moved, `None` otherwise (including when the partition was
    /// revoked since the record was received).
    pub fn resolved(&mut self, partition: &PartitionKey, ticket: Ticket) -> Option<i64> {
        let entry = self.partitions.get_mut(partition)?;
        if entry.generation != ticket.generation {
            return None;
        }
        entry.pending.remove(&ticket.offset);
        let watermark = match entry.pending.first() {
            Some(oldest) => oldest - 1,
            None => entry.highest_received,
        };
        (watermark > entry.stored).then(|| {
            entry.stored = watermark;
            watermark
        })
    }

    /// Forgets a revoked partition: nothing more is stored for it.
    pub fn revoked(&mut self, partition: &PartitionKey) {
        self.partitions.remove(partition);
    }

    /// How many records are pending over all partitions.
    pub fn pending(&self) -> usize {
        self.partitions.values().map(|p| p.pending.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PartitionKey {
        ("t".to_owned(), 0)
    }

    #[test]
    fn stores_only_behind_the_oldest_unresolved_offset() {
        let mut t = OffsetTracker::new();
        let tickets: Vec<_> = (10..14).map(|o| t.received(&key(), o)).collect();
        assert_eq!(t.resolved(&key(), tickets[1]), None, "10 is still pending");
        assert_eq!(t.resolved(&key(), tickets[3]), None);
        assert_eq!(t.resolved(&key(), tickets[0]), Some(11));
        assert_eq!(t.resolved(&key(), tickets[2]), Some(13));
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn gaps_in_offsets_do_not_block() {
        let mut t = OffsetTracker::new();
        let a = t.received(&key(), 5);
        let b = t.received(&key(), 9);
        assert_eq!(t.resolved(&key(), b), None, "5 is still pending");
        assert_eq!(t.resolved(&key(), a), Some(9));
    }

    #[test]
    fn a_revoked_partition_ignores_late_resolutions() {
        let mut t = OffsetTracker::new();
        let old = t.received(&key(), 0);
        t.revoked(&key());
        assert_eq!(t.resolved(&key(), old), None);
        let new = t.received(&key(), 0);
        assert_ne!(new.generation, old.generation);
        assert_eq!(
            t.resolved(&key(), old),
            None,
            "an old ticket cannot move the new assignment"
        );
        assert_eq!(t.resolved(&key(), new), Some(0));
    }
}
