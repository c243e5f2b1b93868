//! Which offset of each partition may be stored, and which records are running.
//!
//! Records of one partition resolve out of order (different URNs run concurrently), but a
//! stored offset means "everything before it is done". So each partition keeps the offsets
//! received and not yet resolved; the storable watermark is the last offset below the
//! oldest unresolved one. Partitions are tracked per assignment ("generation"): when a
//! partition is revoked its tracker is dropped, and a late resolution from the old
//! assignment cannot move the offset of a new one.
//!
//! [`Tracking`] shares the tracker between the intake (which receives records), the lanes
//! (which resolve them and store their offsets) and the rebalance callback (which, on
//! revoke, waits a bounded time for the records of the revoked partitions that are running,
//! then forgets those partitions). Offsets are stored under the tracker's lock, so no offset
//! is ever stored for a partition after the callback has let it go.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// A partition of a topic.
pub type PartitionKey = (String, i32);

#[derive(Debug)]
struct PartitionOffsets {
    generation: u64,
    pending: BTreeSet<i64>,
    highest_received: i64,
    /// The last offset handed out for storing (librdkafka commits it + 1).
    stored: i64,
    /// Records of this partition executing right now (not queued, not sleeping in a retry).
    running: usize,
    /// The partition is being revoked: nothing new starts.
    revoking: bool,
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

/// What the tracker knows about one partition, for health reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartitionProgress {
    pub(crate) pending: usize,
    /// The next offset to commit: everything below it is resolved.
    pub(crate) position: i64,
}

impl OffsetTracker {
    /// A tracker with nothing received.
    #[cfg(test)]
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
                running: 0,
                revoking: false,
            }
        });
        entry.pending.insert(offset);
        entry.highest_received = entry.highest_received.max(offset);
        Ticket {
            generation: entry.generation,
            offset,
        }
    }

    fn live(&mut self, partition: &PartitionKey, ticket: Ticket) -> Option<&mut PartitionOffsets> {
        self.partitions
            .get_mut(partition)
            .filter(|entry| entry.generation == ticket.generation)
    }

    /// Marks a record as running; false when its partition is revoked or being revoked (the
    /// record must then be abandoned).
    pub fn start(&mut self, partition: &PartitionKey, ticket: Ticket) -> bool {
        match self.live(partition, ticket) {
            Some(entry) if !entry.revoking => {
                entry.running += 1;
                true
            }
            _ => false,
        }
    }

    /// Marks a running record as not running (it waits for a retry, or was abandoned); it
    /// stays pending, so the watermark never passes it.
    pub fn pause(&mut self, partition: &PartitionKey, ticket: Ticket) {
        if let Some(entry) = self.live(partition, ticket) {
            entry.running = entry.running.saturating_sub(1);
        }
    }

    /// Whether a record's partition is still owned and not being revoked.
    pub fn is_live(&mut self, partition: &PartitionKey, ticket: Ticket) -> bool {
        self.live(partition, ticket).is_some_and(|e| !e.revoking)
    }

    /// Notes that a record is resolved (`running`: it was marked running). Returns the
    /// offset to store for its partition when the contiguous watermark moved, `None`
    /// otherwise (including when the partition was revoked since the record was received).
    pub fn resolved(
        &mut self,
        partition: &PartitionKey,
        ticket: Ticket,
        running: bool,
    ) -> Option<i64> {
        let entry = self.live(partition, ticket)?;
        if running {
            entry.running = entry.running.saturating_sub(1);
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

    /// Marks partitions as being revoked: no record of theirs starts any more.
    pub fn revoking(&mut self, partitions: &[PartitionKey]) {
        for partition in partitions {
            if let Some(entry) = self.partitions.get_mut(partition) {
                entry.revoking = true;
            }
        }
    }

    /// How many records of `partitions` are running.
    pub fn running_in(&self, partitions: &[PartitionKey]) -> usize {
        partitions
            .iter()
            .filter_map(|p| self.partitions.get(p))
            .map(|e| e.running)
            .sum()
    }

    /// Forgets a revoked partition: nothing more is stored for it.
    pub fn revoked(&mut self, partition: &PartitionKey) {
        self.partitions.remove(partition);
    }

    /// How many records are pending over all partitions.
    pub fn pending(&self) -> usize {
        self.partitions.values().map(|p| p.pending.len()).sum()
    }

    /// How many records of `partition` are pending.
    #[cfg(test)]
    pub fn pending_in(&self, partition: &PartitionKey) -> usize {
        self.partitions
            .get(partition)
            .map_or(0, |p| p.pending.len())
    }

    pub(crate) fn progress(&self) -> Vec<(PartitionKey, PartitionProgress)> {
        self.partitions
            .iter()
            .map(|(key, p)| {
                let progress = PartitionProgress {
                    pending: p.pending.len(),
                    position: p.stored + 1,
                };
                (key.clone(), progress)
            })
            .collect()
    }
}

/// The tracker, shared by the intake, the lanes and the rebalance callback.
#[derive(Debug)]
pub(crate) struct Tracking {
    tracker: Mutex<OffsetTracker>,
    changed: Condvar,
    /// Bumped on every revocation, so lanes sleeping before a retry wake up and check
    /// whether their record is still theirs.
    revocations: watch::Sender<u64>,
    /// Set once the run is over (gracefully or not): a revocation then waits for nothing.
    closing: AtomicBool,
}

impl Default for Tracking {
    fn default() -> Self {
        Self {
            tracker: Mutex::default(),
            changed: Condvar::new(),
            revocations: watch::channel(0).0,
            closing: AtomicBool::new(false),
        }
    }
}

impl Tracking {
    /// The tracker, locked.
    pub(crate) fn lock(&self) -> MutexGuard<'_, OffsetTracker> {
        // Every method leaves the tracker consistent between statements that can panic.
        self.tracker.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes whoever waits for running records to finish.
    pub(crate) fn notify(&self) {
        self.changed.notify_all();
    }

    /// A receiver that changes on every revocation.
    pub(crate) fn revocations(&self) -> watch::Receiver<u64> {
        self.revocations.subscribe()
    }

    /// Marks the run as over.
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.notify();
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Starts revoking `partitions`: nothing of theirs starts any more, and lanes waiting to
    /// retry one of their records give it up.
    pub(crate) fn begin_revoke(&self, partitions: &[PartitionKey]) {
        self.lock().revoking(partitions);
        self.revocations.send_modify(|n| *n += 1);
    }

    /// Blocks until no record of `partitions` is running, the run closes or `deadline`
    /// passes. Returns how many are still running.
    pub(crate) fn wait_idle(&self, partitions: &[PartitionKey], deadline: Instant) -> usize {
        let mut tracker = self.lock();
        loop {
            let running = tracker.running_in(partitions);
            let now = Instant::now();
            if running == 0 || self.is_closing() || now >= deadline {
                return running;
            }
            let wait = (deadline - now).min(Duration::from_millis(100));
            tracker = self
                .changed
                .wait_timeout(tracker, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Forgets `partitions`: their late resolutions are ignored and nothing more is stored.
    pub(crate) fn end_revoke(&self, partitions: &[PartitionKey]) {
        let mut tracker = self.lock();
        for partition in partitions {
            tracker.revoked(partition);
        }
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
        assert_eq!(
            t.resolved(&key(), tickets[1], false),
            None,
            "10 is still pending"
        );
        assert_eq!(t.resolved(&key(), tickets[3], false), None);
        assert_eq!(t.resolved(&key(), tickets[0], false), Some(11));
        assert_eq!(t.resolved(&key(), tickets[2], false), Some(13));
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn gaps_in_offsets_do_not_block() {
        let mut t = OffsetTracker::new();
        let a = t.received(&key(), 5);
        let b = t.received(&key(), 9);
        assert_eq!(t.resolved(&key(), b, false), None, "5 is still pending");
        assert_eq!(t.resolved(&key(), a, false), Some(9));
    }

    #[test]
    fn a_revoked_partition_ignores_late_resolutions() {
        let mut t = OffsetTracker::new();
        let old = t.received(&key(), 0);
        t.revoked(&key());
        assert_eq!(t.resolved(&key(), old, false), None);
        let new = t.received(&key(), 0);
        assert_ne!(new.generation, old.generation);
        assert_eq!(
            t.resolved(&key(), old, false),
            None,
            "an old ticket cannot move the new assignment"
        );
        assert_eq!(t.resolved(&key(), new, false), Some(0));
    }

    #[test]
    fn revoking_stops_new_starts_and_counts_running_records() {
        let mut t = OffsetTracker::new();
        let a = t.received(&key(), 0);
        let b = t.received(&key(), 1);
        assert!(t.start(&key(), a));
        assert_eq!(t.running_in(&[key()]), 1);
        t.revoking(&[key()]);
        assert!(
            !t.start(&key(), b),
            "nothing starts on a revoking partition"
        );
        assert!(!t.is_live(&key(), a));
        assert_eq!(
            t.resolved(&key(), a, true),
            Some(0),
            "running work still resolves"
        );
        assert_eq!(t.running_in(&[key()]), 0);
        t.pause(&key(), b);
        assert_eq!(t.pending_in(&key()), 1, "an abandoned record stays pending");
    }

    #[test]
    fn wait_idle_returns_when_the_run_closes() {
        let tracking = Tracking::default();
        let ticket = tracking.lock().received(&key(), 0);
        assert!(tracking.lock().start(&key(), ticket));
        tracking.close();
        let still = tracking.wait_idle(&[key()], Instant::now() + Duration::from_secs(60));
        assert_eq!(still, 1);
    }
}
