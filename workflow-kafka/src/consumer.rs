//! The consumer runtime: one `StreamConsumer` feeding per-URN lanes that drive the engine.
//!
//! The intake loop (one task) receives records, decodes them, tracks their offsets and hands
//! them to lanes; lanes (one task per URN with work) run the engine, retry transient
//! failures and write dead letters, then report back. Only the intake touches the consumer,
//! the offset tracker and the lane map, so none of them needs a lock, and a lane stuck in
//! retries never stops the intake from polling (which keeps the consumer in its group).

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError as RdKafkaError;
use rdkafka::types::RDKafkaErrorCode;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use workflow_core::{Engine, EntityStore, Event, OutcomeKind, Position, Workflow, WorkflowError};

use crate::context::{RebalanceNote, RuntimeContext};
use crate::dead_letter::{DeadLetterWriter, Letter};
use crate::decode::{Decoded, decode};
use crate::lanes::Lanes;
use crate::offsets::{OffsetTracker, PartitionKey, Ticket};
use crate::stats::Resolution;
use crate::{
    KafkaConfig, KafkaError, Record, RuntimeOptions, ShutdownHandle, Stats, StatsSnapshot,
    UnhandledPolicy,
};

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
/// let report = consumer.run().await?;
/// println!("{report:?}");
/// # Ok(()) }
/// ```
pub struct WorkflowConsumer<W: Workflow, S> {
    consumer: StreamConsumer<RuntimeContext>,
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

/// What the lanes share.
struct Shared<W: Workflow, S> {
    engine: Arc<Engine<W, S>>,
    dead_letters: DeadLetterWriter,
    options: RuntimeOptions,
    stats: Stats,
}

/// A decoded record on its way through a lane.
struct Job<W: Workflow> {
    record: Record,
    decoded: Decoded<W>,
}

/// A lane's report to the intake.
struct Completion {
    partition: PartitionKey,
    ticket: Ticket,
    urn: Option<String>,
    resolution: Resolution,
}

/// When a run ends on its own (besides the shutdown handle).
enum Stop {
    Never,
    When(Box<dyn FnMut(&StatsSnapshot) -> bool + Send>),
    Idle(Duration),
}

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
    /// `enable.auto.commit=true` whatever `config` says, and `auto.offset.reset=earliest`
    /// unless `config` sets it.
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
        let mut client = config.client_config_with(Some(&group))?;
        client.set("enable.auto.offset.store", "false");
        client.set("enable.auto.commit", "true");
        if config.property("auto.offset.reset").is_none() {
            client.set("auto.offset.reset", "earliest");
        }
        let consumer: StreamConsumer<RuntimeContext> =
            client.create_with_context(RuntimeContext::default())?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&names)?;
        let stats = Stats::new();
        let dead_letters =
            DeadLetterWriter::new(&config, &group, W::DEFINITION.name, &options, stats.clone())?;
        tracing::info!(workflow = W::DEFINITION.name, group = %group, topics = ?topics, "consumer subscribed");
        Ok(Self {
            consumer,
            shared: Arc::new(Shared {
                engine: engine.into(),
                dead_letters,
                options,
                stats,
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
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Completion>();
        let mut intake = Intake::<W, S> {
            shared: Arc::clone(&shared),
            offsets: OffsetTracker::new(),
            lanes: Lanes::default(),
            tasks: JoinSet::new(),
            in_flight: 0,
            paused: false,
            last_activity: None,
            done_tx,
        };
        let mut shutdown_rx = shutdown.clone();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            intake.read_notes(&consumer);
            intake.reap_tasks();
            if shutdown.is_shutdown() || intake.should_stop(&mut stop) {
                break;
            }
            intake.apply_backpressure(&consumer);
            let step = tokio::select! {
                biased;
                () = wait_shutdown(&mut shutdown_rx) => Step::Nothing,
                Some(done) = done_rx.recv() => Step::Done(done),
                received = consumer.recv() => Step::Received(received.map(|m| Record::from_message(&m))),
                _ = tick.tick() => Step::Nothing,
            };
            match step {
                Step::Nothing => {}
                Step::Done(done) => intake.complete(&consumer, done),
                Step::Received(Ok(record)) => {
                    // Rebalance callbacks ran inside this poll: apply them before the record.
                    intake.read_notes(&consumer);
                    intake.accept(record);
                }
                Step::Received(Err(error)) => {
                    tracing::warn!(%error, "consumer error");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }

        tracing::info!(in_flight = intake.in_flight, lanes = intake.lanes.len(), pending_offsets = intake.offsets.pending(), group = %group, "stopping intake; draining in-flight records");
        let deadline = Instant::now() + shared.options.shutdown_grace;
        while intake.in_flight > 0 {
            match tokio::time::timeout_at(deadline, done_rx.recv()).await {
                Ok(Some(done)) => intake.complete(&consumer, done),
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
        close(consumer, shared.options.close_deadline).await;
        let report = shared.stats.snapshot();
        tracing::info!(?report, "consumer stopped");
        Ok(report)
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
async fn close(consumer: StreamConsumer<RuntimeContext>, deadline: Duration) {
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
    offsets: OffsetTracker,
    lanes: Lanes<(Ticket, Job<W>)>,
    tasks: JoinSet<()>,
    in_flight: usize,
    paused: bool,
    last_activity: Option<Instant>,
    done_tx: mpsc::UnboundedSender<Completion>,
}

impl<W, S> Intake<W, S>
where
    W: Workflow,
    W::Payload: DeserializeOwned,
    S: EntityStore<W::Entity>,
{
    fn read_notes(&mut self, consumer: &StreamConsumer<RuntimeContext>) {
        for note in consumer.context().take_notes() {
            match note {
                RebalanceNote::Revoked(partitions) => {
                    for partition in &partitions {
                        self.offsets.revoked(partition);
                    }
                }
                RebalanceNote::Assigned(_) => {
                    // New assignments start unpaused; backpressure re-pauses if needed.
                    self.paused = false;
                    self.last_activity.get_or_insert_with(Instant::now);
                }
            }
        }
    }

    /// Collects finished lane tasks; a panic there is a bug in this crate (user code runs
    /// under the engine's panic guard), and its records stay unresolved.
    fn reap_tasks(&mut self) {
        while let Some(result) = self.tasks.try_join_next() {
            if let Err(error) = result
                && error.is_panic()
            {
                tracing::error!(%error, "a lane task panicked; its records stay unresolved");
            }
        }
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

    /// Pauses every assigned partition at the in-flight bound, resumes below it. Polling
    /// goes on while paused, so rebalances are served and the group keeps the consumer.
    fn apply_backpressure(&mut self, consumer: &StreamConsumer<RuntimeContext>) {
        let full = self.in_flight >= self.shared.options.max_in_flight;
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

    fn accept(&mut self, record: Record) {
        self.shared.stats.received();
        self.in_flight += 1;
        self.last_activity = Some(Instant::now());
        let partition = (record.topic.clone(), record.partition);
        let ticket = self.offsets.received(&partition, record.offset);
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
                    self.tasks.spawn(run_lane(shared, queue, done));
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
                self.tasks.spawn(async move {
                    shared.dead_letters.write(&record, &letter).await;
                    let resolution = Resolution::DeadLettered {
                        reason: letter.reason,
                    };
                    let _ = done.send(Completion {
                        partition,
                        ticket,
                        urn: None,
                        resolution,
                    });
                });
            }
        }
    }

    fn complete(&mut self, consumer: &StreamConsumer<RuntimeContext>, done: Completion) {
        self.in_flight -= 1;
        self.last_activity = Some(Instant::now());
        self.shared.stats.resolved(done.resolution);
        if let Some(urn) = &done.urn {
            self.lanes.done(urn);
        }
        let (topic, partition) = &done.partition;
        if let Some(offset) = self.offsets.resolved(&done.partition, done.ticket) {
            match consumer.store_offset(topic, *partition, offset) {
                Ok(()) => tracing::trace!(topic = %topic, partition, offset, "offset stored"),
                // The partition was revoked under us: its new owner will redeliver from the
                // last committed offset, and the store's positions skip what we applied.
                Err(RdKafkaError::StoreOffset(RDKafkaErrorCode::State)) => {
                    tracing::debug!(topic = %topic, partition, offset, "partition no longer assigned; offset not stored");
                    self.offsets.revoked(&done.partition);
                }
                Err(error) => {
                    tracing::warn!(topic = %topic, partition, offset, %error, "cannot store offset")
                }
            }
        }
    }
}

/// Drains one URN's queue, one record at a time.
async fn run_lane<W, S>(
    shared: Arc<Shared<W, S>>,
    mut queue: mpsc::UnboundedReceiver<(Ticket, Job<W>)>,
    done: mpsc::UnboundedSender<Completion>,
) where
    W: Workflow,
    S: EntityStore<W::Entity>,
{
    while let Some((ticket, job)) = queue.recv().await {
        let resolution = process(&shared, &job).await;
        let partition = (job.record.topic.clone(), job.record.partition);
        let completion = Completion {
            partition,
            ticket,
            urn: Some(job.decoded.urn),
            resolution,
        };
        if done.send(completion).is_err() {
            return;
        }
    }
}

/// Runs one record to resolution: applied, rejected, duplicate, ignored or dead-lettered.
async fn process<W, S>(shared: &Shared<W, S>, job: &Job<W>) -> Resolution
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
        let error = match shared
            .engine
            .emit_at(decoded.event, urn, &decoded.payload, Some(&position))
            .await
        {
            Ok(outcome) => {
                let (from, to) = (
                    outcome.from.map(|s| format!("{s:?}")),
                    format!("{:?}", outcome.to),
                );
                return match outcome.kind {
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
            }
            Err(error) => error,
        };
        let reason = match &error {
            error if error.is_transient() => {
                if attempts > retry.max_retries {
                    tracing::error!(urn, event, topic, partition, offset, attempts, %error, "retries exhausted; dead-lettering");
                    "retries_exhausted"
                } else {
                    let delay = retry.delay(attempts);
                    tracing::warn!(urn, event, topic, partition, offset, attempts, retry_in = ?delay, %error, "transient failure; retrying");
                    shared.stats.retried();
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            WorkflowError::NoTransition { .. } | WorkflowError::EntityInFinalState { .. }
                if shared.options.unhandled == UnhandledPolicy::Ignore =>
            {
                tracing::info!(urn, event, topic, partition, offset, reason = error.reason_code(), %error, "event not handled; ignored by policy");
                return Resolution::Ignored;
            }
            error => {
                tracing::warn!(urn, event, topic, partition, offset, reason = error.reason_code(), %error, "event not applied; dead-lettering");
                error.reason_code()
            }
        };
        let letter = Letter {
            reason,
            error: error.to_string(),
            attempts,
            event: Some(event),
            urn: Some(urn.to_owned()),
        };
        shared.dead_letters.write(record, &letter).await;
        return Resolution::DeadLettered { reason };
    }
}
