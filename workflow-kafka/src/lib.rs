//! Runs typed workflows on Kafka.
//!
//! A workflow declared with the macros of `workflow-core` (re-exported here, so one
//! dependency is enough) names the topic of each event. [`WorkflowConsumer`] subscribes to
//! those topics with one rdkafka `StreamConsumer`, decodes each record into
//! `(event, urn, payload)`, and applies it through the [`Engine`] with:
//!
//! - per-URN lanes: one entity's events run one at a time in arrival order, across topics
//!   and partitions, while different entities run concurrently (bounded in flight);
//! - at-least-once offsets: an offset is stored only when every earlier record of its
//!   partition is resolved, and effectively-once application through the store's positions;
//! - retries with backoff for transient failures, and dead letters (original bytes plus
//!   `x-workflow-*` headers) for everything that cannot be applied;
//! - bounded waits on revocation and graceful shutdown within a grace period and a close
//!   deadline;
//! - a [`Health`] report (partitions, in flight, lag, last progress, dead-letter failures)
//!   with a stall watchdog, and [`Stats`] counters.
//!
//! [`WorkflowProducer`] publishes typed events; [`EmbeddedKafka`] runs an in-process broker
//! for development and tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod backoff;
mod config;
mod consumer;
mod context;
pub mod dead_letter;
mod decode;
mod embedded;
mod error;
mod health;
mod lanes;
mod offsets;
mod options;
mod producer;
mod record;
mod shutdown;
mod stats;

pub use admin::create_workflow_topics;
pub use backoff::Backoff;
pub use config::{KafkaConfig, Sasl, env_vars};
pub use consumer::WorkflowConsumer;
pub use dead_letter::Letter;
pub use decode::{DecodeError, Decoded, decode};
pub use embedded::EmbeddedKafka;
pub use error::KafkaError;
pub use health::{DeadLetterError, Health, HealthSnapshot, PartitionHealth};
pub use options::{RuntimeOptions, UnhandledPolicy};
pub use producer::{Published, WorkflowProducer, encode};
pub use record::Record;
pub use shutdown::{ShutdownHandle, wait_for_signal};
pub use stats::{Stats, StatsSnapshot};

pub use workflow_core;
pub use workflow_core::*;

/// Items the generated code refers to; not public API.
#[doc(hidden)]
pub mod __private {
    pub use workflow_core::__private::*;
}

/// Everything a workflow service needs, in one import.
pub mod prelude {
    pub use crate::{
        EmbeddedKafka, KafkaConfig, RuntimeOptions, Sasl, ShutdownHandle, StatsSnapshot,
        UnhandledPolicy, WorkflowConsumer, WorkflowProducer, create_workflow_topics,
    };
    pub use serde::{Deserialize, Serialize};
    // The core prelude brings the traits and, in the macro namespace, the core-flavoured
    // macros; the explicit imports below shadow those macros with the Kafka-flavoured ones,
    // whose generated code refers to `::workflow_kafka::__private`, so a service needs no
    // direct dependency on workflow-core.
    pub use workflow_core::prelude::*;
    pub use workflow_macros::{
        KafkaEntity as Entity, KafkaEvent as Event, KafkaState as State,
        kafka_transitions as transitions, kafka_workflow as workflow,
    };
}
