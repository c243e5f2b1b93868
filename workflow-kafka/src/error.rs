//! Errors of the Kafka runtime itself (not of the workflow: those are `WorkflowError`).

/// Why the runtime, a producer or the embedded broker could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// The configuration is incomplete or inconsistent.
    #[error("invalid Kafka configuration: {0}")]
    Config(String),
    /// librdkafka reported an error.
    #[error("kafka: {0}")]
    Client(#[from] rdkafka::error::KafkaError),
    /// The event is not bound to any topic, so it cannot be published.
    #[error("event `{event}` is not bound to a topic")]
    UnboundEvent {
        /// The event's name.
        event: &'static str,
    },
    /// The payload could not be serialized to JSON.
    #[error("payload of `{event}` could not be serialized: {source}")]
    Serialize {
        /// The event's name.
        event: &'static str,
        /// serde_json's error.
        source: serde_json::Error,
    },
    /// The embedded broker failed or has stopped.
    #[error("embedded broker: {0}")]
    Embedded(String),
}
