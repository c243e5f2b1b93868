//! A record as received, detached from the consumer so it can move between tasks.

use rdkafka::Message;
use rdkafka::message::{BorrowedMessage, Headers};

/// One Kafka record, owned: topic, partition, offset, timestamp, key, value and headers
/// exactly as they arrived (dead letters are built from it byte for byte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The topic name on the wire.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// Milliseconds since the epoch, if the record has a timestamp.
    pub timestamp: Option<i64>,
    /// The key, if any.
    pub key: Option<Vec<u8>>,
    /// The value, if any.
    pub value: Option<Vec<u8>>,
    /// The headers, in order; a header may have no value.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Record {
    /// Copies a message received from the consumer.
    pub fn from_message(message: &BorrowedMessage<'_>) -> Self {
        let headers = message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            timestamp: message.timestamp().to_millis(),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            headers,
        }
    }

    /// The stream name the engine records positions under: `topic/partition`.
    pub fn stream(&self) -> String {
        format!("{}/{}", self.topic, self.partition)
    }

    /// The value of the first header called `key`, if present.
    pub fn header(&self, key: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }
}
