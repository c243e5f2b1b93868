//! Creating a workflow's topics on a real broker.
//!
//! Some brokers (tansu among them) do not create topics on first use, and a producer to a
//! missing topic waits until it times out. A service can call [`create_workflow_topics`] at
//! start; topics that already exist are left as they are.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use std::time::Duration;

use workflow_core::Workflow;

use crate::{KafkaConfig, KafkaError, RuntimeOptions};

/// How long topic creation may wait for the broker.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(15);

/// Creates every topic `W` binds, and its dead-letter topic, with `partitions` partitions
/// (replication factor 1), under the prefix of `options`. Returns the topics it created;
/// existing topics are not an error.
///
/// ```no_run
/// # use workflow_kafka::{KafkaConfig, RuntimeOptions, create_workflow_topics, Workflow};
/// # async fn start<W: Workflow>() -> Result<(), workflow_kafka::KafkaError> {
/// let config = KafkaConfig::from_env();
/// let created = create_workflow_topics::<W>(&config, &RuntimeOptions::default(), 8).await?;
/// println!("created {created:?}");
/// # Ok(()) }
/// ```
pub async fn create_workflow_topics<W: Workflow>(
    config: &KafkaConfig,
    options: &RuntimeOptions,
    partitions: i32,
) -> Result<Vec<String>, KafkaError> {
    let config = config.clone().fill_defaults(&W::DEFINITION.kafka);
    let brokers = config.brokers_value().unwrap_or_default().to_owned();
    let admin: AdminClient<DefaultClientContext> = config.producer_config()?.create()?;
    let names: Vec<String> = W::DEFINITION
        .topics
        .iter()
        .flat_map(|binding| {
            let topic = options.physical_topic(binding.topic);
            [options.dead_letter_topic(&topic), topic]
        })
        .collect();
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|name| NewTopic::new(name, partitions, TopicReplication::Fixed(1)))
        .collect();
    let mut created = Vec::new();
    // A bounded wait: an unreachable broker is reported in seconds, naming it, rather than
    // after librdkafka's default minute with a bare "timed out".
    let options = AdminOptions::new().request_timeout(Some(ADMIN_TIMEOUT));
    let results = admin
        .create_topics(&topics, &options)
        .await
        .map_err(|error| {
            KafkaError::Config(format!(
                "cannot create the topics of `{}` on `{brokers}`: {error}",
                W::DEFINITION.name
            ))
        })?;
    for result in results {
        match result {
            Ok(topic) => created.push(topic),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(KafkaError::Config(format!(
                    "cannot create topic `{topic}`: {code}"
                )));
            }
        }
    }
    Ok(created)
}
