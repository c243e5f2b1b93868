//! An in-process Kafka for development and tests: librdkafka's mock cluster.
//!
//! It speaks the real Kafka protocol (produce, fetch, consumer groups, offset commits), so
//! the runtime is exercised end to end without a broker to install. `MockCluster` is not
//! `Send`, so it lives on a dedicated thread that owns it from creation to drop; this handle
//! talks to that thread over a channel and is itself `Send + Sync`.

use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use workflow_core::Workflow;

use crate::{KafkaConfig, KafkaError, RuntimeOptions};

type Cluster = MockCluster<'static, DefaultProducerContext>;
type Operation = Box<dyn FnOnce(&Cluster) -> Result<(), String> + Send>;

enum Command {
    /// Runs an operation on the cluster and sends back its result.
    Run(Operation, mpsc::Sender<Result<(), String>>),
    Stop,
}

/// A running mock cluster; stopped when dropped.
///
/// ```no_run
/// # fn demo<W: workflow_kafka::Workflow>() -> Result<(), workflow_kafka::KafkaError> {
/// use workflow_kafka::EmbeddedKafka;
///
/// let kafka = EmbeddedKafka::start()?;
/// kafka.create_workflow_topics::<W>(&Default::default(), 3)?;
/// let config = kafka.config(); // brokers set; consumers read from the earliest offset
/// # Ok(()) }
/// ```
pub struct EmbeddedKafka {
    bootstrap: String,
    commands: Mutex<mpsc::Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedKafka {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKafka")
            .field("bootstrap", &self.bootstrap)
            .finish()
    }
}

impl EmbeddedKafka {
    /// The default number of partitions per topic.
    pub const DEFAULT_PARTITIONS: i32 = 3;

    /// Starts a one-broker mock cluster.
    pub fn start() -> Result<Self, KafkaError> {
        let (commands, inbox) = mpsc::channel::<Command>();
        let (ready, started) = mpsc::channel::<Result<String, String>>();
        let thread = std::thread::Builder::new()
            .name("embedded-kafka".into())
            .spawn(move || {
                let cluster = match MockCluster::new(1) {
                    Ok(cluster) => cluster,
                    Err(error) => {
                        let _ = ready.send(Err(error.to_string()));
                        return;
                    }
                };
                let _ = ready.send(Ok(cluster.bootstrap_servers()));
                // Serve until told to stop or every handle is gone.
                while let Ok(Command::Run(operation, reply)) = inbox.recv() {
                    let _ = reply.send(operation(&cluster));
                }
                drop(cluster);
            })
            .map_err(|e| KafkaError::Embedded(e.to_string()))?;
        let bootstrap = started
            .recv()
            .map_err(|_| KafkaError::Embedded("mock cluster thread died".into()))?
            .map_err(KafkaError::Embedded)?;
        tracing::info!(%bootstrap, "embedded Kafka started");
        Ok(Self {
            bootstrap,
            commands: Mutex::new(commands),
            thread: Some(thread),
        })
    }

    /// The bootstrap servers, for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    /// A configuration pointing at this cluster. It also sets `auto.offset.reset=earliest`,
    /// which consumers of the mock cluster need to see records produced before they joined,
    /// and a short session timeout (3 s): after a member leaves, the mock group waits
    /// `session.timeout.ms - 1 s` for the remaining members before it rebalances, so with the
    /// default (45 s) a restarted consumer would sit idle for 44 s.
    pub fn config(&self) -> KafkaConfig {
        KafkaConfig::new()
            .brokers(&self.bootstrap)
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "3000")
            .set("heartbeat.interval.ms", "300")
    }

    /// Creates `name` with `partitions` partitions (an existing topic is left as is).
    pub fn create_topic(&self, name: &str, partitions: i32) -> Result<(), KafkaError> {
        let name = name.to_owned();
        self.run(move |cluster| {
            cluster
                .create_topic(&name, partitions, 1)
                .map_err(|e| e.to_string())
        })
    }

    /// Takes broker `id` down (the cluster's only broker is 1): its connections are closed
    /// and new ones refused, as when a real broker is unreachable.
    pub fn broker_down(&self, id: i32) -> Result<(), KafkaError> {
        self.run(move |cluster| cluster.broker_down(id).map_err(|e| e.to_string()))
    }

    /// Brings broker `id` back up.
    pub fn broker_up(&self, id: i32) -> Result<(), KafkaError> {
        self.run(move |cluster| cluster.broker_up(id).map_err(|e| e.to_string()))
    }

    /// Makes the next `errors.len()` requests of kind `api` (from any client of this
    /// cluster) fail with these errors, in order. For instance
    /// `request_errors(RDKafkaApiKey::Produce, &[..])` fails produce requests, such as
    /// dead-letter writes.
    pub fn request_errors(
        &self,
        api: RDKafkaApiKey,
        errors: &[RDKafkaRespErr],
    ) -> Result<(), KafkaError> {
        let errors = errors.to_vec();
        self.run(move |cluster| {
            cluster.request_errors(api, &errors);
            Ok(())
        })
    }

    /// Drops the injected errors not yet consumed for requests of kind `api`.
    pub fn clear_request_errors(&self, api: RDKafkaApiKey) -> Result<(), KafkaError> {
        self.run(move |cluster| {
            cluster.clear_request_errors(api);
            Ok(())
        })
    }

    fn run(
        &self,
        operation: impl FnOnce(&Cluster) -> Result<(), String> + Send + 'static,
    ) -> Result<(), KafkaError> {
        let (reply, answer) = mpsc::channel();
        self.commands
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Command::Run(Box::new(operation), reply))
            .map_err(|_| KafkaError::Embedded("mock cluster stopped".into()))?;
        answer
            .recv()
            .map_err(|_| KafkaError::Embedded("mock cluster stopped".into()))?
            .map_err(KafkaError::Embedded)
    }

    /// Creates every topic bound in `W` and its dead-letter topic, named as `options` says
    /// (prefix, suffix), with `partitions` partitions each.
    pub fn create_workflow_topics<W: Workflow>(
        &self,
        options: &RuntimeOptions,
        partitions: i32,
    ) -> Result<(), KafkaError> {
        for binding in W::DEFINITION.topics {
            let topic = options.physical_topic(binding.topic);
            self.create_topic(&topic, partitions)?;
            self.create_topic(&options.dead_letter_topic(&topic), partitions)?;
        }
        Ok(())
    }
}

impl Drop for EmbeddedKafka {
    fn drop(&mut self) {
        let _ = self
            .commands
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
