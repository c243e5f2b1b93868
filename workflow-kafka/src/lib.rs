//! placeholder: the Kafka runtime is being written
