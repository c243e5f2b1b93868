//! Counters of what the runtime did, readable while it runs.
//!
//! Every received record ends in exactly one of: applied, rejected, dead-lettered, ignored,
//! duplicate (or, at shutdown, abandoned: left unstored for the next consumer). So
//! `received == resolved() + abandoned + in flight` at all times, and at the end of a run
//! `received == resolved() + abandoned`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Live counters, shared between the runtime and whoever watches it. Cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    received: AtomicU64,
    applied: AtomicU64,
    failed: AtomicU64,
    rejected: AtomicU64,
    dead_lettered: AtomicU64,
    ignored: AtomicU64,
    duplicates: AtomicU64,
    abandoned: AtomicU64,
    retried: AtomicU64,
    dead_letter_write_failures: AtomicU64,
    unhealthy: AtomicBool,
    by_reason: Mutex<BTreeMap<&'static str, u64>>,
}

/// A copy of the counters at one moment; also what a run returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Records taken from the consumer.
    pub received: u64,
    /// Records whose event ran and was saved (including those that moved the entity to the
    /// failed state, counted again in `failed`).
    pub applied: u64,
    /// Of `applied`, those whose action failed and moved the entity to the failed state.
    pub failed: u64,
    /// Records whose guards rejected every candidate (a decision, not a fault).
    pub rejected: u64,
    /// Records written to a dead-letter topic; see `dead_lettered_by_reason`.
    pub dead_lettered: u64,
    /// Records resolved without effect by [`UnhandledPolicy::Ignore`](crate::UnhandledPolicy).
    pub ignored: u64,
    /// Redeliveries of records the store had already applied (skipped).
    pub duplicates: u64,
    /// Records still running when a shutdown's grace period ended; their offsets were not
    /// stored, so they are redelivered.
    pub abandoned: u64,
    /// Retries of transient failures (attempts beyond the first).
    pub retried: u64,
    /// Failed attempts to write a dead letter (each was retried).
    pub dead_letter_write_failures: u64,
    /// Dead letters by reason code.
    pub dead_lettered_by_reason: BTreeMap<&'static str, u64>,
    /// Whether a dead-letter write is currently failing.
    pub unhealthy: bool,
}

impl StatsSnapshot {
    /// Records finished one way or another: applied + rejected + dead-lettered + ignored +
    /// duplicates.
    pub fn resolved(&self) -> u64 {
        self.applied + self.rejected + self.dead_lettered + self.ignored + self.duplicates
    }

    /// Dead letters with reason `reason`.
    pub fn dead_lettered_for(&self, reason: &str) -> u64 {
        self.dead_lettered_by_reason
            .get(reason)
            .copied()
            .unwrap_or(0)
    }
}

/// The way a record was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    Applied { failed: bool },
    Rejected,
    DeadLettered { reason: &'static str },
    Ignored,
    Duplicate,
    Abandoned,
}

impl Stats {
    /// Fresh counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let i = &*self.inner;
        StatsSnapshot {
            received: i.received.load(Relaxed),
            applied: i.applied.load(Relaxed),
            failed: i.failed.load(Relaxed),
            rejected: i.rejected.load(Relaxed),
            dead_lettered: i.dead_lettered.load(Relaxed),
            ignored: i.ignored.load(Relaxed),
            duplicates: i.duplicates.load(Relaxed),
            abandoned: i.abandoned.load(Relaxed),
            retried: i.retried.load(Relaxed),
            dead_letter_write_failures: i.dead_letter_write_failures.load(Relaxed),
            dead_lettered_by_reason: i
                .by_reason
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            unhealthy: i.unhealthy.load(Relaxed),
        }
    }

    /// Whether the runtime is healthy: no dead-letter write is failing right now.
    pub fn is_healthy(&self) -> bool {
        !self.inner.unhealthy.load(Relaxed)
    }

    pub(crate) fn received(&self) {
        self.inner.received.fetch_add(1, Relaxed);
    }

    pub(crate) fn retried(&self) {
        self.inner.retried.fetch_add(1, Relaxed);
    }

    pub(crate) fn dead_letter_write(&self, ok: bool) {
        if !ok {
            self.inner.dead_letter_write_failures.fetch_add(1, Relaxed);
        }
        self.inner.unhealthy.store(!ok, Relaxed);
    }

    pub(crate) fn resolved(&self, resolution: Resolution) {
        let i = &*self.inner;
        match resolution {
            Resolution::Applied { failed } => {
                if failed {
                    i.failed.fetch_add(1, Relaxed);
                }
                i.applied.fetch_add(1, Relaxed);
            }
            Resolution::Rejected => {
                i.rejected.fetch_add(1, Relaxed);
            }
            Resolution::DeadLettered { reason } => {
                // The reason map first, so a reader that sees the total also sees the reason.
                *i.by_reason
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(reason)
                    .or_default() += 1;
                i.dead_lettered.fetch_add(1, Relaxed);
            }
            Resolution::Ignored => {
                i.ignored.fetch_add(1, Relaxed);
            }
            Resolution::Duplicate => {
                i.duplicates.fetch_add(1, Relaxed);
            }
            Resolution::Abandoned => {
                i.abandoned.fetch_add(1, Relaxed);
            }
        }
    }
}
