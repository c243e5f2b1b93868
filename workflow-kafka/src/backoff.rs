//! Exponential backoff with jitter, for retries of transient failures and dead-letter writes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How many times to retry and how long to wait between attempts.
///
/// The delay before retry `n` (1-based) is drawn uniformly from `[d/2, d]` where
/// `d = min(max, base * 2^(n-1))`: doubling spreads load away from a struggling dependency,
/// and the jitter keeps many lanes that failed together from retrying in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The delay before the first retry (before jitter).
    pub base: Duration,
    /// The largest delay.
    pub max: Duration,
}

impl Backoff {
    /// A backoff of `max_retries` retries between `base` and `max`.
    pub const fn new(max_retries: u32, base: Duration, max: Duration) -> Self {
        Self {
            max_retries,
            base,
            max,
        }
    }

    /// The delay before retry `retry` (1-based), with jitter.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_nanos() as u64;
        if spread == 0 {
            return ceiling;
        }
        half + Duration::from_nanos(random() % (spread + 1))
    }

    /// The delay before retry `retry`, without jitter.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }
}

/// A random number without a dependency: `RandomState` is seeded per instance.
fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_jitter_below_the_ceiling() {
        let b = Backoff::new(5, Duration::from_millis(100), Duration::from_millis(350));
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(2), Duration::from_millis(200));
        assert_eq!(b.ceiling(3), Duration::from_millis(350));
        assert_eq!(b.ceiling(40), Duration::from_millis(350));
        for retry in 1..6 {
            let d = b.delay(retry);
            assert!(d <= b.ceiling(retry) && d >= b.ceiling(retry) / 2, "{d:?}");
        }
    }
}
