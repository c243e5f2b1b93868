//! The consumer runtime: one `StreamConsumer` feeding per-URN lanes that drive the engine.
//!
//! The intake loop (one task) receives records, decodes them, registers their offsets and
//! hands them to lanes; lanes (one task per URN with work) run the engine, retry transient
//! failures and write dead letters, then resolve the record: under the offset tracker's lock
//! they store the partition's new watermark, and they report to the intake (counters, lane
//! bookkeeping). The intake never waits for a lane, so a lane sleeping before a retry never
//! stops the consumer from polling: the consumer stays in its group whatever the retry
//! delays (`max.poll.interval.ms` only counts time between polls), and other partitions and
//! URNs keep flowing. The only time the poll blocks is a revocation's bounded wait (see
//! `context.rs`).

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError as RdKafkaError;
use rdkafka::types::RDKafkaErrorCode;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use workflow_core::{
    Engine, EntityStore, Event, OutcomeKind, Position, State, Workflow, WorkflowError,
};

use crate::context::{RebalanceNote, RuntimeContext};
use crate::dead_letter::{DeadLetterWriter, Letter};
use crate::decode::{Decoded, decode};
use crate::lanes::Lanes;
use crate::offsets::{PartitionKey, Ticket, Tracking};
use crate::stats::Resolution;
use crate::{
    Health, KafkaConfig, KafkaError, PartitionHealth, Record, RuntimeOptions, ShutdownHandle,
    Stats, StatsSnapshot, UnhandledPolicy,
};

type Kafka = StreamConsumer<RuntimeContext>;

/// Consumes the topics of workflow `W` and applies their events to entities in store `S`.
///
/// ```no_run
/// # async fn demo<W: workflow_kafka::Workflow>(store: workflow_kafka::MemoryStore<W::Entity>)
/// #   -> Result<(), workflow_kafka::KafkaError>
/// # where W::Payload: serde::de::DeserializeOwned {
/// use workflow_kafka::{Engine, KafkaConfig, RuntimeOptions, WorkflowConsumer};
///
/// let config = KafkaConfig::from_env();
/// let consumer = WorkflowConsumer::<W, _>::new(&config, RuntimeOptions::default(), Engine::new(store))?;
/// consumer.shutdown_handle().trigger_on_signals();
/// let health = consumer.health(); // for a readiness probe
/// let report = consumer.run().await?;
/// println!("{report:?} {:?}", health.snapshot());
/// # Ok(()) }
/// ```
pub struct WorkflowConsumer<W: Workflow, S> {
    consumer: Arc<Kafka>,
    shared: Arc<Shared<W, S>>,
    shutdown: ShutdownHandle,
    topics: Vec<String>,
    group: String,
}

impl<W: Workflow, S> std::fmt::Debug for WorkflowConsumer<W, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowConsumer")
            .field("workflow", &W::DEFINITION.name)
            .field("group", &self.group)
            .field("topics", &self.topics)
            .finish_non_exhaustive()
    }
}

/// How long the in-flight bound must hold before the partitions are paused.
const PAUSE_AFTER: Duration = Duration::from_secs(1);

/// What the lanes share.
struct Shared<W: Workflow, S> {
    engine: Arc<Engine<W, S>>,
    dead_letters: DeadLetterWriter,
    options: RuntimeOptions,
    stats: Stats,
    health: Health,
}

/// A decoded record on its way through a lane.
struct Job<W: Workflow> {
    record: Record,
    decoded: Decoded<W>,
}

/// A lane's report to the intake.
struct Completion {
    urn: Option<String>,
    resolution: Resolution,
}

/// When a run ends on its own (besides the shutdown handle).
enum Stop {
    Never,
    When(Box<dyn FnMut(&StatsSnapshot) -> bool + Send>),
    Idle(Duration),
}

/// librdkafka's default `max.poll.interval.ms`.
const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(300);

impl<W, S> WorkflowConsumer<W, S>
where
    W: Workflow,
    W::Payload: DeserializeOwned,
    S: EntityStore<W::Entity>,
{
    /// Creates the consumer and subscribes it to every topic bound in `W` (with the topic
    /// prefix of `options`; never to dead-letter topics). Unset `config` fields are filled
    /// from `W::DEFINITION.kafka`; the group defaults to the workflow's name.
    ///
    /// The runtime owns offset storing: it sets `enable.auto.offset.store=false` and
    /// `enable.auto.commit=true` whatever `config` says, `auto.offset.reset=earliest` unless
    /// `config` sets it, and `statistics.interval.ms` to the health interval unless `config`
    /// sets it (the statistics bring the high watermarks the health report's lag needs).
    ///
    /// Fails with [`KafkaError::Config`] when `options.revoke_timeout` is not below
    /// `max.poll.interval.ms`: the revocation's wait blocks the poll.
    pub fn new(
        config: &KafkaConfig,
        options: RuntimeOptions,
        engine: impl Into<Arc<Engine<W, S>>>,
    ) -> Result<Self, KafkaError> {
        let config = config.clone().fill_defaults(&W::DEFINITION.kafka);
        let group = config
            .group_id_value()
            .unwrap_or(W::DEFINITION.name)
            .to_owned();
        let topics: Vec<String> = W::DEFINITION
            .topics
            .iter()
            .map(|b| options.physical_topic(b.topic))
            .collect();
        if topics.is_empty() {
            return Err(KafkaError::Config(format!(
                "workflow `{}` binds no topics",
                W::DEFINITION.name
            )));
        }
        let max_poll_interval = match config.property("max.poll.interval.ms") {
            Some(ms) => Duration::from_millis(ms.parse().map_err(|_| {
                KafkaError::Config(format!("max.poll.interval.ms is not a number: `{ms}`"))
            })?),
            None => DEFAULT_MAX_POLL_INTERVAL,
        };
        if options.revoke_timeout >= max_poll_interval {
            return Err(KafkaError::Config(format!(
                "revoke_timeout ({:?}) must be below max.poll.interval.ms ({max_poll_interval:?})",
                options.revoke_timeout
            )));
        }
        let mut client = config.client_config_with(Some(&group))?;
        client.set("enable.auto.offset.store", "false");
        client.set("enable.auto.commit", "true");
        if config.property("auto.offset.reset").is_none() {
            client.set("auto.offset.reset", "earliest");
        }
        if config.property("statistics.interval.ms").is_none() {
            client.set(
                "statistics.interval.ms",
                options.health_interval.as_millis().max(10).to_string(),
            );
        }
        let tracking = Arc::new(Tracking::default());
        let context = RuntimeContext::new(tracking, options.revoke_timeout);
        let consumer: Kafka = client.create_with_context(context)?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&names)?;
        let stats = Stats::new();
        let health = Health::default();
        let dead_letters = DeadLetterWriter::new(
            &config,
            &group,
            W::DEFINITION.name,
            &options,
            stats.clone(),
            health.clone(),
        )?;
        tracing::info!(workflow = W::DEFINITION.name, group = %group, topics = ?topics, "consumer subscribed");
        Ok(Self {
            consumer: Arc::new(consumer),
            shared: Arc::new(Shared {
                engine: engine.into(),
                dead_letters,
                options,
                stats,
                health,
            }),
            shutdown: ShutdownHandle::new(),
            topics,
            group,
        })
    }

    /// The live counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats.clone()
    }

    /// The live health report.
    pub fn health(&self) -> Health {
        self.shared.health.clone()
    }

    /// The handle that stops this consumer gracefully.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// The engine (and through it the store).
    pub fn engine(&self) -> &Arc<Engine<W, S>> {
        &self.shared.engine
    }

    /// The topics subscribed to.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// The consumer group.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// Runs until the shutdown handle is triggered, then shuts down gracefully and returns
    /// the final counters.
    pub async fn run(self) -> Result<StatsSnapshot, KafkaError> {
        self.run_with(Stop::Never).await
    }

    /// Runs until `stop` returns true for the counters (checked after every resolution and
    /// periodically) or the shutdown handle is triggered, then shuts down gracefully.
    pub async fn run_until(
        self,
        stop: impl FnMut(&StatsSnapshot) -> bool + Send + 'static,
    ) -> Result<StatsSnapshot, KafkaError> {
        self.run_with(Stop::When(Box::new(stop))).await
    }

    /// Runs until nothing was received and nothing was in flight for `idle` (counted from
    /// the first partition assignment) or the shutdown handle is triggered.
    pub async fn run_until_idle(self, idle: Duration) -> Result<StatsSnapshot, KafkaError> {
        self.run_with(Stop::Idle(idle)).await
    }

    async fn run_with(self, mut stop: Stop) -> Result<StatsSnapshot, KafkaError> {
        let Self {
            consumer,
            shared,
            shutdown,
            group,
            ..
        } = self;
        // If this future is dropped (the task aborted), revocations during the consumer's
        // drop must not wait for lanes that will never finish.
        let _closing = CloseOnDrop(Arc::clone(&consumer.context().tracking));
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Completion>();
        let mut intake = Intake::<W, S> {
            shared: Arc::clone(&shared),
            tracking: Arc::clone(&consumer.context().tracking),
            lanes: Lanes::default(),
            tasks: JoinSet::new(),
            in_flight: 0,
            paused: false,
            full_since: None,
            last_activity: None,
            assigned: BTreeSet::new(),
            last_progress: None,
            next_health: Instant::now(),
            stall_reported: None,
            done_tx,
        };
        shared.health.update(|h| h.running = true);
        let mut shutdown_rx = shutdown.clone();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            intake.read_notes(&consumer);
            intake.reap_tasks();
            intake.refresh_health(&consumer, false);
            if shutdown.is_shutdown() || intake.should_stop(&mut stop) {
                break;
            }
            intake.apply_backpressure(&consumer);
            // At the bound the intake stops taking records but leaves the partitions
            // fetching (librdkafka bounds its prefetch with `queued.max.messages.kbytes`).
            // Once they are paused, polling resumes: paused partitions deliver nothing, and
            // the polls serve rebalances.
            let has_room = intake.in_flight < shared.options.max_in_flight || intake.paused;
            let step = tokio::select! {
                biased;
                () = wait_shutdown(&mut shutdown_rx) => Step::Nothing,
                Some(done) = done_rx.recv() => Step::Done(done),
                received = consumer.recv(), if has_room => Step::Received(received.map(|m| Record::from_message(&m))),
                _ = tick.tick() => Step::Nothing,
            };
            match step {
                Step::Nothing => {}
                Step::Done(done) => intake.complete(done),
                Step::Received(Ok(record)) => {
                    // Rebalance callbacks ran inside this poll: apply them before the record.
                    intake.read_notes(&consumer);
                    intake.accept(&consumer, record);
                }
                Step::Received(Err(error)) => {
                    tracing::warn!(%error, "consumer error");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }

        tracing::info!(in_flight = intake.in_flight, lanes = intake.lanes.len(), pending_offsets = intake.tracking.lock().pending(), group = %group, "stopping intake; draining in-flight records");
        let deadline = Instant::now() + shared.options.shutdown_grace;
        while intake.in_flight > 0 {
            match tokio::time::timeout_at(deadline, done_rx.recv()).await {
                Ok(Some(done)) => intake.complete(done),
                Ok(None) | Err(_) => break,
            }
        }
        if intake.in_flight > 0 {
            tracing::warn!(
                abandoned = intake.in_flight,
                "grace period over; abandoning in-flight records (they will be redelivered)"
            );
            for _ in 0..intake.in_flight {
                shared.stats.resolved(Resolution::Abandoned);
            }
        }
        intake.tasks.shutdown().await;
        intake.tracking.close();
        intake.refresh_health(&consumer, true);
        drop(intake);
        close(consumer, shared.options.close_deadline).await;
        shared.health.update(|h| h.running = false);
        let report = shared.stats.snapshot();
        tracing::info!(?report, "consumer stopped");
        // The dead-letter producer flushes when dropped, which blocks (up to 500 ms) when the
        // broker is down: drop it off the async runtime.
        let _ = std::thread::Builder::new()
            .name("workflow-kafka-drop".into())
            .spawn(move || drop(shared));
        Ok(report)
    }
}

/// Marks the tracking closed when dropped.
struct CloseOnDrop(Arc<Tracking>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

enum Step {
    Nothing,
    Done(Completion),
    Received(Result<Record, RdKafkaError>),
}

async fn wait_shutdown(handle: &mut ShutdownHandle) {
    handle.wait().await
}

/// Commits stored offsets and closes the consumer on a thread of its own, waiting at most
/// `deadline`: a synchronous commit blocks, and closing can hang while the broker is down.
/// The lanes have ended, so this holds the last reference and the close happens there.
async fn close(consumer: Arc<Kafka>, deadline: Duration) {
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("workflow-kafka-close".into())
        .spawn(move || {
            match consumer.commit_consumer_state(CommitMode::Sync) {
                Ok(()) | Err(RdKafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
                Err(error) => tracing::warn!(%error, "final commit failed"),
            }
            drop(consumer);
            let _ = closed_tx.send(());
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the closing thread");
        return;
    }
    match tokio::time::timeout(deadline, closed_rx).await {
        Ok(_) => tracing::info!("consumer closed"),
        Err(_) => tracing::warn!(
            ?deadline,
            "consumer did not close in time; left closing in the background"
        ),
    }
}

/// The intake loop's state.
struct Intake<W: Workflow, S> {
    shared: Arc<Shared<W, S>>,
    tracking: Arc<Tracking>,
    lanes: Lanes<(Ticket, Job<W>)>,
    tasks: JoinSet<()>,
    in_flight: usize,
    paused: bool,
    /// Since when the in-flight bound has been reached without a break.
    full_since: Option<Instant>,
    last_activity: Option<Instant>,
    assigned: BTreeSet<PartitionKey>,
    last_progress: Option<std::time::Instant>,
    next_health: Instant,
    /// When the current stall was last reported.
    stall_reported: Option<Instant>,
    done_tx: mpsc::UnboundedSender<Completion>,
}

impl<W, S> Intake<W, S>
where
    W: Workflow,
    W::Payload: DeserializeOwned,
    S: EntityStore<W::Entity>,
{
    fn read_notes(&mut self, consumer: &Kafka) {
        for note in consumer.context().take_notes() {
            match note {
                RebalanceNote::Revoked(partitions) => {
                    for partition in &partitions {
                        self.assigned.remove(partition);
                    }
                }
                RebalanceNote::Assigned(partitions) => {
                    self.assigned.extend(partitions);
                    // New assignments start unpaused; backpressure re-pauses if needed.
                    self.paused = false;
                    self.last_activity.get_or_insert_with(Instant::now);
                }
            }
        }
    }

    /// Collects finished lane tasks. A lane task cannot panic (user code runs under panic
    /// guards); if one did, the bug is logged and its records stay unresolved.
    fn reap_tasks(&mut self) {
        while let Some(result) = self.tasks.try_join_next() {
            if let Err(error) = result
                && error.is_panic()
            {
                tracing::error!(%error, "a lane task panicked; its records stay unresolved");
            }
        }
    }

    /// Refreshes the health report (every health interval, or now when `force`), and runs
    /// the stall watchdog.
    fn refresh_health(&mut self, consumer: &Kafka, force: bool) {
        let now = Instant::now();
        if !force && now < self.next_health {
            return;
        }
        let options = &self.shared.options;
        self.next_health = now + options.health_interval;
        let progress: std::collections::HashMap<_, _> =
            self.tracking.lock().progress().into_iter().collect();
        let marks = consumer.context().marks();
        let partitions: Vec<PartitionHealth> = self
            .assigned
            .iter()
            .map(|key| {
                let tracked = progress.get(key);
                let mark = marks.get(key);
                let position = tracked
                    .map(|p| p.position)
                    .or_else(|| mark.map(|m| m.committed).filter(|c| *c >= 0));
                let high_watermark = mark.map(|m| m.high).filter(|h| *h >= 0);
                let lag = high_watermark
                    .zip(position)
                    .map(|(high, position)| (high - position).max(0));
                PartitionHealth {
                    topic: key.0.clone(),
                    partition: key.1,
                    in_flight: tracked.map_or(0, |p| p.pending),
                    position,
                    high_watermark,
                    lag,
                }
            })
            .collect();
        let lag: i64 = partitions.iter().filter_map(|p| p.lag).sum();
        let waiting = lag > 0 || self.in_flight > 0;
        let since = self
            .last_progress
            .map(|at| at.elapsed())
            .or_else(|| self.last_activity.map(|at| at.elapsed()));
        let stalled = waiting && since.is_some_and(|since| since >= options.stall_timeout);
        if stalled {
            if self
                .stall_reported
                .is_none_or(|at| now >= at + options.stall_timeout)
            {
                tracing::warn!(lag, in_flight = self.in_flight, since_progress = ?since, "consumer stalled: work is waiting and nothing was resolved");
                self.stall_reported = Some(now);
            }
        } else if self.stall_reported.take().is_some() {
            tracing::info!(lag, "consumer progressing again");
        }
        let in_flight = self.in_flight;
        let last_progress = self.last_progress;
        self.shared.health.update(|h| {
            h.partitions = partitions;
            h.in_flight = in_flight;
            h.last_progress = last_progress;
            h.stalled = stalled;
        });
    }

    fn should_stop(&self, stop: &mut Stop) -> bool {
        match stop {
            Stop::Never => false,
            Stop::When(predicate) => predicate(&self.shared.stats.snapshot()),
            Stop::Idle(idle) => {
                self.in_flight == 0 && self.last_activity.is_some_and(|at| at.elapsed() >= *idle)
            }
        }
    }

    /// Pauses every assigned partition once the in-flight bound has held for a second,
    /// resumes below it. Polling goes on while paused, so rebalances are served and the
    /// group keeps the consumer.
    ///
    /// Pausing makes librdkafka drop the partitions' prefetched records and fetch them again
    /// on resume: pausing at every brush with the bound cost a fetch round trip per record
    /// (BENCHMARKS.md). Brief fullness is absorbed by not receiving; only a lasting one (lanes
    /// stuck in retries) pauses.
    fn apply_backpressure(&mut self, consumer: &Kafka) {
        let at_bound = self.in_flight >= self.shared.options.max_in_flight;
        if !at_bound {
            self.full_since = None;
        } else if self.full_since.is_none() {
            self.full_since = Some(Instant::now());
        }
        let full = self
            .full_since
            .is_some_and(|since| since.elapsed() >= PAUSE_AFTER);
        if full == self.paused {
            return;
        }
        let Ok(assignment) = consumer.assignment() else {
            return;
        };
        let result = if full {
            consumer.pause(&assignment)
        } else {
            consumer.resume(&assignment)
        };
        match result {
            Ok(()) => {
                self.paused = full;
                tracing::debug!(paused = full, in_flight = self.in_flight, "backpressure");
            }
            Err(error) => {
                tracing::warn!(%error, paused = full, "cannot pause or resume partitions")
            }
        }
    }

    fn accept(&mut self, consumer: &Arc<Kafka>, record: Record) {
        self.shared.stats.received();
        self.in_flight += 1;
        self.last_activity = Some(Instant::now());
        let partition = (record.topic.clone(), record.partition);
        let ticket = self.tracking.lock().received(&partition, record.offset);
        let options = &self.shared.options;
        match decode::<W>(
            &record,
            options.bound_topic(&record.topic),
            &options.urn_field,
        ) {
            Ok(decoded) => {
                tracing::debug!(urn = %decoded.urn, event = decoded.event.as_str(), topic = %record.topic, partition = record.partition, offset = record.offset, "received");
                let urn = decoded.urn.clone();
                if let Some(queue) = self.lanes.push(&urn, (ticket, Job { record, decoded })) {
                    let shared = Arc::clone(&self.shared);
                    let done = self.done_tx.clone();
                    self.tasks
                        .spawn(run_lane(shared, Arc::clone(consumer), queue, done));
                }
            }
            Err(error) => {
                let event = options
                    .bound_topic(&record.topic)
                    .and_then(W::event_of)
                    .map(Event::as_str);
                tracing::warn!(urn = error.urn(), event, topic = %record.topic, partition = record.partition, offset = record.offset, reason = error.reason(), %error, "undecodable record; dead-lettering");
                let letter = Letter {
                    reason: error.reason(),
                    error: error.to_string(),
                    attempts: 0,
                    event,
                    urn: error.urn().map(str::to_owned),
                };
                let shared = Arc::clone(&self.shared);
                let done = self.done_tx.clone();
                let consumer = Arc::clone(consumer);
                self.tasks.spawn(async move {
                    let slot = Slot {
                        consumer: &consumer,
                        partition: &partition,
                        ticket,
                    };
                    let resolution = if slot.start() {
                        dead_letter(&shared, &slot, &record, letter).await
                    } else {
                        Resolution::Abandoned
                    };
                    let _ = done.send(Completion {
                        urn: None,
                        resolution,
                    });
                });
            }
        }
    }

    fn complete(&mut self, done: Completion) {
        self.in_flight -= 1;
        let now = Instant::now();
        self.last_activity = Some(now);
        if done.resolution != Resolution::Abandoned {
            self.last_progress = Some(std::time::Instant::now());
        }
        self.shared.stats.resolved(done.resolution);
        if let Some(urn) = &done.urn {
            self.lanes.done(urn);
        }
    }
}

/// A received record's place in the offset tracker, seen from a lane.
struct Slot<'a> {
    consumer: &'a Arc<Kafka>,
    partition: &'a PartitionKey,
    ticket: Ticket,
}

impl Slot<'_> {
    fn tracking(&self) -> &Tracking {
        &self.consumer.context().tracking
    }

    /// Marks the record running; false when its partition is being (or was) revoked.
    fn start(&self) -> bool {
        self.tracking().lock().start(self.partition, self.ticket)
    }

    /// Marks the record not running (waiting for a retry, or abandoned).
    fn pause(&self) {
        self.tracking().lock().pause(self.partition, self.ticket);
        self.tracking().notify();
    }

    fn is_live(&self) -> bool {
        self.tracking().lock().is_live(self.partition, self.ticket)
    }

    /// Resolves the running record: stores the partition's new watermark, if it moved,
    /// while holding the tracker's lock, so a revocation cannot slip in between.
    fn resolve(&self) {
        let tracking = self.tracking();
        let mut tracker = tracking.lock();
        if let Some(offset) = tracker.resolved(self.partition, self.ticket, true) {
            let (topic, partition) = self.partition;
            match self.consumer.store_offset(topic, *partition, offset) {
                Ok(()) => tracing::trace!(topic = %topic, partition, offset, "offset stored"),
                // Not assigned any more: its next owner redelivers from the last commit.
                Err(RdKafkaError::StoreOffset(RDKafkaErrorCode::State)) => {
                    tracing::debug!(topic = %topic, partition, offset, "partition no longer assigned; offset not stored");
                    tracker.revoked(self.partition);
                }
                Err(error) => {
                    tracing::warn!(topic = %topic, partition, offset, %error, "cannot store offset")
                }
            }
        }
        drop(tracker);
        tracking.notify();
    }

    /// Sleeps `delay` before a retry; wakes early when a revocation happens, and returns
    /// false if the record's partition is no longer this consumer's.
    async fn sleep_before_retry(&self, delay: Duration) -> bool {
        self.pause();
        let mut revocations = self.tracking().revocations();
        let until = Instant::now() + delay;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => break,
                changed = revocations.changed() => {
                    if changed.is_err() || !self.is_live() {
                        return false;
                    }
                }
            }
        }
        self.start()
    }
}

/// Drains one URN's queue, one record at a time.
async fn run_lane<W, S>(
    shared: Arc<Shared<W, S>>,
    consumer: Arc<Kafka>,
    mut queue: mpsc::UnboundedReceiver<(Ticket, Job<W>)>,
    done: mpsc::UnboundedSender<Completion>,
) where
    W: Workflow,
    S: EntityStore<W::Entity>,
{
    while let Some((ticket, job)) = queue.recv().await {
        let partition = (job.record.topic.clone(), job.record.partition);
        let slot = Slot {
            consumer: &consumer,
            partition: &partition,
            ticket,
        };
        let resolution = if slot.start() {
            process(&shared, &slot, &job).await
        } else {
            tracing::debug!(urn = %job.decoded.urn, topic = %partition.0, partition = partition.1, offset = ticket.offset, "partition revoked; record abandoned");
            Resolution::Abandoned
        };
        let completion = Completion {
            urn: Some(job.decoded.urn),
            resolution,
        };
        if done.send(completion).is_err() {
            return;
        }
    }
}

/// Why an attempt did not produce an outcome.
enum Failure<W: Workflow> {
    Workflow(WorkflowError<W::State, W::Event>),
    /// The store (or the engine around user code) panicked: handled like a store failure.
    Panic(String),
}

impl<W: Workflow> std::fmt::Display for Failure<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Workflow(error) => error.fmt(f),
            Self::Panic(message) => write!(f, "panicked: {message}"),
        }
    }
}

/// Runs one running record to resolution: applied, rejected, duplicate, ignored,
/// dead-lettered, or abandoned when its partition is revoked while it waits for a retry.
async fn process<W, S>(shared: &Shared<W, S>, slot: &Slot<'_>, job: &Job<W>) -> Resolution
where
    W: Workflow,
    S: EntityStore<W::Entity>,
{
    let Job { record, decoded } = job;
    let (urn, event) = (decoded.urn.as_str(), decoded.event.as_str());
    let (topic, partition, offset) = (record.topic.as_str(), record.partition, record.offset);
    let position = Position::new(record.stream(), offset);
    let retry = shared.options.retry;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let attempt = shared
            .engine
            .emit_at(decoded.event, urn, &decoded.payload, Some(&position));
        let failure = match AssertUnwindSafe(attempt).catch_unwind().await {
            Ok(Ok(outcome)) => {
                // Static names: nothing is formatted per record unless a line is written.
                let (from, to) = (outcome.from.map(State::as_str), outcome.to.as_str());
                let resolution = match outcome.kind {
                    OutcomeKind::Transitioned | OutcomeKind::Fallback | OutcomeKind::Halted => {
                        tracing::info!(urn, event, topic, partition, offset, from, to, kind = ?outcome.kind, "applied");
                        Resolution::Applied { failed: false }
                    }
                    OutcomeKind::Failed { error } => {
                        tracing::warn!(urn, event, topic, partition, offset, from, to, %error, "action failed; entity moved to the failed state");
                        Resolution::Applied { failed: true }
                    }
                    OutcomeKind::GuardRejected => {
                        tracing::info!(
                            urn,
                            event,
                            topic,
                            partition,
                            offset,
                            state = to,
                            "guards rejected the event"
                        );
                        Resolution::Rejected
                    }
                    OutcomeKind::AlreadyApplied => {
                        tracing::info!(
                            urn,
                            event,
                            topic,
                            partition,
                            offset,
                            "already applied; duplicate skipped"
                        );
                        Resolution::Duplicate
                    }
                };
                slot.resolve();
                return resolution;
            }
            Ok(Err(error)) => Failure::<W>::Workflow(error),
            Err(panic) => Failure::Panic(panic_message(&*panic)),
        };
        let transient = match &failure {
            Failure::Workflow(error) => error.is_transient(),
            Failure::Panic(_) => true,
        };
        let reason = match &failure {
            _ if transient => {
                if attempts > retry.max_retries {
                    tracing::error!(urn, event, topic, partition, offset, attempts, error = %failure, "retries exhausted; dead-lettering");
                    "retries_exhausted"
                } else {
                    let delay = retry.delay(attempts);
                    tracing::warn!(urn, event, topic, partition, offset, attempts, retry_in = ?delay, error = %failure, "transient failure; retrying");
                    shared.stats.retried();
                    if !slot.sleep_before_retry(delay).await {
                        tracing::info!(
                            urn,
                            event,
                            topic,
                            partition,
                            offset,
                            "partition revoked while waiting to retry; record abandoned to its next owner"
                        );
                        return Resolution::Abandoned;
                    }
                    continue;
                }
            }
            Failure::Workflow(
                error @ (WorkflowError::NoTransition { .. }
                | WorkflowError::EntityInFinalState { .. }),
            ) if shared.options.unhandled == UnhandledPolicy::Ignore => {
                tracing::info!(urn, event, topic, partition, offset, reason = error.reason_code(), %error, "event not handled; ignored by policy");
                slot.resolve();
                return Resolution::Ignored;
            }
            Failure::Workflow(error) => {
                tracing::warn!(urn, event, topic, partition, offset, reason = error.reason_code(), %error, "event not applied; dead-lettering");
                error.reason_code()
            }
            Failure::Panic(_) => unreachable!("panics are transient"),
        };
        let letter = Letter {
            reason,
            error: failure.to_string(),
            attempts,
            event: Some(event),
            urn: Some(urn.to_owned()),
        };
        return dead_letter(shared, slot, record, letter).await;
    }
}

/// Dead-letters a running record and resolves it, or abandons it if its partition is
/// revoked while the write keeps failing.
async fn dead_letter<W: Workflow, S>(
    shared: &Shared<W, S>,
    slot: &Slot<'_>,
    record: &Record,
    letter: Letter,
) -> Resolution {
    if shared
        .dead_letters
        .write(record, &letter, || slot.is_live())
        .await
    {
        slot.resolve();
        Resolution::DeadLettered {
            reason: letter.reason,
        }
    } else {
        slot.pause();
        Resolution::Abandoned
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}
