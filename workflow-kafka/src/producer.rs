//! Publishing typed events: the inverse of [`decode`](crate::decode()).
//!
//! The body is the payload as JSON. When the payload serializes to an object, the URN is
//! inserted into it under the URN field (replacing a field of that name); otherwise (a
//! number, a list, `()` as `null`, ...) the body is the payload alone and the URN travels
//! only in the key. The key is always the URN, so one entity's events share a partition of
//! each topic. The consumer reads both shapes back: URN from the body field, else the key.

use std::marker::PhantomData;
use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;
use serde::Serialize;
use serde_json::Value;
use workflow_core::{Event, Workflow};

use crate::{KafkaConfig, KafkaError, RuntimeOptions};

/// Where a published event landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The topic (on the wire).
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
}

/// Publishes events of workflow `W` to their bound topics, as JSON keyed by URN.
pub struct WorkflowProducer<W> {
    producer: FutureProducer,
    topic_prefix: String,
    urn_field: String,
    timeout: Duration,
    workflow: PhantomData<fn() -> W>,
}

impl<W> std::fmt::Debug for WorkflowProducer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowProducer")
            .field("workflow", &std::any::type_name::<W>())
            .field("topic_prefix", &self.topic_prefix)
            .field("urn_field", &self.urn_field)
            .finish_non_exhaustive()
    }
}

impl<W> WorkflowProducer<W>
where
    W: Workflow,
    W::Payload: Serialize,
{
    /// A producer with default [`RuntimeOptions`] (URN field `urn`, no topic prefix).
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        Self::with_options(config, &RuntimeOptions::default())
    }

    /// A producer using the URN field, topic prefix and produce timeout of `options`, so it
    /// matches a consumer built with the same options.
    pub fn with_options(
        config: &KafkaConfig,
        options: &RuntimeOptions,
    ) -> Result<Self, KafkaError> {
        let config = config.clone().fill_defaults(&W::DEFINITION.kafka);
        let mut client = config.producer_config()?;
        client.set("acks", "all");
        client.set(
            "message.timeout.ms",
            options.produce_timeout.as_millis().to_string(),
        );
        Ok(Self {
            producer: client.create()?,
            topic_prefix: options.topic_prefix.clone(),
            urn_field: options.urn_field.clone(),
            timeout: options.produce_timeout,
            workflow: PhantomData,
        })
    }

    /// Publishes `event` for entity `urn` and waits for the broker's acknowledgement.
    pub async fn publish(
        &self,
        event: W::Event,
        urn: &str,
        payload: &W::Payload,
    ) -> Result<Published, KafkaError> {
        let bound = W::topic_of(event).ok_or(KafkaError::UnboundEvent {
            event: event.as_str(),
        })?;
        let topic = format!("{}{bound}", self.topic_prefix);
        let body =
            encode(&self.urn_field, urn, payload).map_err(|source| KafkaError::Serialize {
                event: event.as_str(),
                source,
            })?;
        let record = FutureRecord::to(&topic).key(urn).payload(&body);
        let delivery = self
            .producer
            .send(record, Timeout::After(self.timeout))
            .await
            .map_err(|(error, _)| KafkaError::Client(error))?;
        tracing::debug!(urn, event = event.as_str(), topic = %topic, partition = delivery.partition, offset = delivery.offset, "published");
        Ok(Published {
            topic,
            partition: delivery.partition,
            offset: delivery.offset,
        })
    }
}

/// The JSON body for `payload` of entity `urn` (see the module documentation).
pub fn encode<P: Serialize + ?Sized>(
    urn_field: &str,
    urn: &str,
    payload: &P,
) -> Result<Vec<u8>, serde_json::Error> {
    let body = match serde_json::to_value(payload)? {
        Value::Object(mut object) => {
            object.insert(urn_field.to_owned(), Value::String(urn.to_owned()));
            Value::Object(object)
        }
        other => other,
    };
    serde_json::to_vec(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_carry_the_urn_and_other_shapes_do_not() {
        #[derive(Serialize)]
        struct P {
            price: u32,
        }
        assert_eq!(
            encode("urn", "o-1", &P { price: 3 }).unwrap(),
            br#"{"price":3,"urn":"o-1"}"#
        );
        assert_eq!(encode("id", "o-1", &()).unwrap(), b"null");
        assert_eq!(encode("urn", "o-1", &[1, 2]).unwrap(), b"[1,2]");
    }
}
