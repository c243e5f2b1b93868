//! How the runtime behaves, as opposed to where Kafka is ([`KafkaConfig`](crate::KafkaConfig)).

use std::time::Duration;

use crate::backoff::Backoff;

/// What to do with an event the workflow does not accept in the entity's current state
/// (`NoTransition`) or because the entity is finished (`EntityInFinalState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnhandledPolicy {
    /// Send the record to the dead-letter topic, with the reason (the default): an event that
    /// does not fit usually means a producer bug worth looking at.
    #[default]
    DeadLetter,
    /// Resolve the record without doing anything (counted as ignored).
    Ignore,
}

/// Runtime behaviour of a [`WorkflowConsumer`](crate::WorkflowConsumer).
///
/// ```
/// use std::time::Duration;
/// use workflow_kafka::{RuntimeOptions, UnhandledPolicy};
///
/// let options = RuntimeOptions::default()
///     .max_in_flight(64)
///     .retries(5)
///     .retry_delays(Duration::from_millis(50), Duration::from_secs(2))
///     .unhandled(UnhandledPolicy::Ignore);
/// assert_eq!(options.urn_field, "urn");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeOptions {
    /// The body field that carries the URN (default `urn`).
    pub urn_field: String,
    /// Appended to a topic's name to form its dead-letter topic (default `-dlq`).
    pub dead_letter_suffix: String,
    /// Prepended to every bound topic name (default empty): lets one workflow run in several
    /// namespaces (`staging.orders.submitted`), and tests use unique topics per run.
    pub topic_prefix: String,
    /// How many records may be received but not yet resolved (default 256). At the bound the
    /// consumer pauses its partitions (and keeps polling, so it stays in its group).
    pub max_in_flight: usize,
    /// Retries of a transient failure before the record is dead-lettered as
    /// `retries_exhausted`, and the delays between attempts (default 3, 100 ms to 5 s).
    pub retry: Backoff,
    /// Delays between attempts to write a dead letter; such writes are retried until they
    /// succeed or the runtime shuts down (default 200 ms to 10 s).
    pub dead_letter_backoff: Backoff,
    /// What to do with `NoTransition` and `EntityInFinalState` (default: dead-letter).
    pub unhandled: UnhandledPolicy,
    /// How long a shutdown waits for in-flight records to resolve (default 10 s); records
    /// still running after it are abandoned and redelivered to the next consumer.
    pub shutdown_grace: Duration,
    /// How long committing and closing the consumer may take (default 10 s); past it the
    /// consumer is left to close on its own thread, so a dead broker cannot hang shutdown.
    pub close_deadline: Duration,
    /// Longest wait for the broker to acknowledge a dead letter (default 30 s).
    pub produce_timeout: Duration,
    /// How long a revocation waits for the running records of the revoked partitions (an
    /// attempt in progress, or a dead-letter write) before it lets the partitions go
    /// (default 5 s). Records queued or waiting for a retry are abandoned at once; abandoned
    /// records are redelivered to the partition's next owner, and the store's positions skip
    /// any that were applied. The wait blocks the consumer's poll, so it must stay below
    /// `max.poll.interval.ms`.
    pub revoke_timeout: Duration,
    /// How often the health report is refreshed, and librdkafka's statistics interval,
    /// which brings the partitions' high watermarks (default 1 s).
    pub health_interval: Duration,
    /// How long work may wait (lag, or records in flight) with no record resolved before the
    /// consumer reports itself stalled (a `tracing` warning and
    /// [`HealthSnapshot::stalled`](crate::HealthSnapshot::stalled)) (default 60 s).
    pub stall_timeout: Duration,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            urn_field: "urn".to_owned(),
            dead_letter_suffix: "-dlq".to_owned(),
            topic_prefix: String::new(),
            max_in_flight: 256,
            retry: Backoff::new(3, Duration::from_millis(100), Duration::from_secs(5)),
            dead_letter_backoff: Backoff::new(
                u32::MAX,
                Duration::from_millis(200),
                Duration::from_secs(10),
            ),
            unhandled: UnhandledPolicy::DeadLetter,
            shutdown_grace: Duration::from_secs(10),
            close_deadline: Duration::from_secs(10),
            produce_timeout: Duration::from_secs(30),
            revoke_timeout: Duration::from_secs(5),
            health_interval: Duration::from_secs(1),
            stall_timeout: Duration::from_secs(60),
        }
    }
}

impl RuntimeOptions {
    /// Sets the URN body field.
    pub fn urn_field(mut self, field: impl Into<String>) -> Self {
        self.urn_field = field.into();
        self
    }

    /// Sets the dead-letter suffix.
    pub fn dead_letter_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.dead_letter_suffix = suffix.into();
        self
    }

    /// Sets the topic prefix.
    pub fn topic_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.topic_prefix = prefix.into();
        self
    }

    /// Sets the in-flight bound (at least 1).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// Sets how many times a transient failure is retried.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// Sets the first and the largest delay between retries.
    pub fn retry_delays(mut self, base: Duration, max: Duration) -> Self {
        self.retry.base = base;
        self.retry.max = max;
        self
    }

    /// Sets the first and the largest delay between attempts to write a dead letter.
    pub fn dead_letter_delays(mut self, base: Duration, max: Duration) -> Self {
        self.dead_letter_backoff.base = base;
        self.dead_letter_backoff.max = max;
        self
    }

    /// Sets the longest wait for the broker to acknowledge a dead letter.
    pub fn produce_timeout(mut self, timeout: Duration) -> Self {
        self.produce_timeout = timeout;
        self
    }

    /// Sets how long a revocation waits for running records.
    pub fn revoke_timeout(mut self, timeout: Duration) -> Self {
        self.revoke_timeout = timeout;
        self
    }

    /// Sets how often the health report is refreshed (at least 10 ms).
    pub fn health_interval(mut self, interval: Duration) -> Self {
        self.health_interval = interval.max(Duration::from_millis(10));
        self
    }

    /// Sets how long work may wait with no progress before the consumer reports a stall.
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = timeout;
        self
    }

    /// Sets the policy for `NoTransition` and `EntityInFinalState`.
    pub fn unhandled(mut self, policy: UnhandledPolicy) -> Self {
        self.unhandled = policy;
        self
    }

    /// Sets the shutdown grace period.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Sets the close deadline.
    pub fn close_deadline(mut self, deadline: Duration) -> Self {
        self.close_deadline = deadline;
        self
    }

    /// The topic name on the wire for a topic as bound in the workflow.
    pub fn physical_topic(&self, bound: &str) -> String {
        format!("{}{bound}", self.topic_prefix)
    }

    /// The topic as bound in the workflow for a topic name on the wire, if it has the prefix.
    pub fn bound_topic<'a>(&self, physical: &'a str) -> Option<&'a str> {
        physical.strip_prefix(self.topic_prefix.as_str())
    }

    /// The dead-letter topic of a topic name on the wire.
    pub fn dead_letter_topic(&self, physical: &str) -> String {
        format!("{physical}{}", self.dead_letter_suffix)
    }
}
