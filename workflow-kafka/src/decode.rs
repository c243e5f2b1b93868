//! Turning a record into `(event, urn, payload)`.
//!
//! The rules (DESIGN.md, "Kafka runtime contract"):
//! - the topic names the event (`W::event_of`);
//! - the URN is the body's URN field when it is a non-empty string, else the key when it is
//!   non-empty UTF-8; a URN field of another type is an error, never a silent fallback;
//! - the payload is the whole body deserialized into `W::Payload`; a missing or empty value
//!   is JSON `null` (so `()` and `Option<T>` payloads need no body).
//!
//! Every failure is permanent: the same bytes will never decode, so the record is
//! dead-lettered at once instead of retried. A panic in the payload's `Deserialize` is
//! caught and is a decode error too (`decode_panicked`).

use serde::de::DeserializeOwned;
use serde_json::Value;
use workflow_core::Workflow;

use crate::Record;

/// Why a record could not be decoded. [`DecodeError::reason`] is the stable code written to
/// the dead letter's `x-workflow-reason` header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The topic is not bound to any event of the workflow.
    #[error("topic `{topic}` is not bound to an event")]
    UnmappedTopic {
        /// The topic.
        topic: String,
    },
    /// The value is not JSON.
    #[error("value is not valid JSON: {message}")]
    InvalidJson {
        /// serde_json's message.
        message: String,
    },
    /// Neither the body's URN field nor the key gives a URN.
    #[error("no URN: the body has no non-empty `{field}` string and the key is missing or empty")]
    MissingUrn {
        /// The URN field looked for.
        field: String,
    },
    /// The body's URN field has the wrong type, or the key is not UTF-8.
    #[error("invalid URN: {message}")]
    InvalidUrn {
        /// What was wrong.
        message: String,
    },
    /// The body does not deserialize into the workflow's payload type.
    #[error("body does not match the payload type: {message}")]
    PayloadMismatch {
        /// serde_json's message.
        message: String,
        /// The URN, which was decoded before the payload failed.
        urn: String,
    },
    /// The payload type's `Deserialize` implementation panicked (caught; the record is
    /// dead-lettered like any undecodable record).
    #[error("deserializing the payload panicked: {message}")]
    Panicked {
        /// The panic's message.
        message: String,
        /// The URN, which was decoded before the payload.
        urn: String,
    },
}

impl DecodeError {
    /// A short, stable, snake_case code for logs, metrics and dead-letter headers.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnmappedTopic { .. } => "unmapped_topic",
            Self::InvalidJson { .. } => "invalid_json",
            Self::MissingUrn { .. } => "missing_urn",
            Self::InvalidUrn { .. } => "invalid_urn",
            Self::PayloadMismatch { .. } => "payload_mismatch",
            Self::Panicked { .. } => "decode_panicked",
        }
    }

    /// The URN, when it was decoded before the failure.
    pub fn urn(&self) -> Option<&str> {
        match self {
            Self::PayloadMismatch { urn, .. } | Self::Panicked { urn, .. } => Some(urn),
            _ => None,
        }
    }
}

/// A decoded record.
#[derive(Debug)]
pub struct Decoded<W: Workflow> {
    /// The event the topic carries.
    pub event: W::Event,
    /// The entity's URN.
    pub urn: String,
    /// The payload.
    pub payload: W::Payload,
}

/// Decodes `record`, whose topic (on the wire) is `bound_topic` in the workflow, reading the
/// URN from `urn_field`.
pub fn decode<W>(
    record: &Record,
    bound_topic: Option<&str>,
    urn_field: &str,
) -> Result<Decoded<W>, DecodeError>
where
    W: Workflow,
    W::Payload: DeserializeOwned,
{
    let event = bound_topic
        .and_then(W::event_of)
        .ok_or_else(|| DecodeError::UnmappedTopic {
            topic: record.topic.clone(),
        })?;
    let body = match record.value.as_deref() {
        None | Some([]) => Value::Null,
        Some(bytes) => serde_json::from_slice(bytes).map_err(|e| DecodeError::InvalidJson {
            message: e.to_string(),
        })?,
    };
    let urn = urn_of(&body, record.key.as_deref(), urn_field)?;
    // The payload's `Deserialize` is user code: a panic there is caught for this record.
    let payload = std::panic::catch_unwind(|| serde_json::from_value(body))
        .map_err(|panic| DecodeError::Panicked {
            message: panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned()),
            urn: urn.clone(),
        })?
        .map_err(|e| DecodeError::PayloadMismatch {
            message: e.to_string(),
            urn: urn.clone(),
        })?;
    Ok(Decoded {
        event,
        urn,
        payload,
    })
}

fn urn_of(body: &Value, key: Option<&[u8]>, field: &str) -> Result<String, DecodeError> {
    match body.as_object().and_then(|object| object.get(field)) {
        Some(Value::String(urn)) if !urn.is_empty() => return Ok(urn.clone()),
        // An empty string is "not given": the key may still name the entity.
        Some(Value::String(_)) | None => {}
        Some(other) => {
            return Err(DecodeError::InvalidUrn {
                message: format!("body field `{field}` is {}, not a string", kind(other)),
            });
        }
    }
    match key {
        None | Some([]) => Err(DecodeError::MissingUrn {
            field: field.to_owned(),
        }),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(urn) => Ok(urn.to_owned()),
            Err(_) => Err(DecodeError::InvalidUrn {
                message: "the key is not valid UTF-8".into(),
            }),
        },
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urn_comes_from_the_body_then_the_key() {
        assert_eq!(
            urn_of(&json!({"urn": "a"}), Some(b"k"), "urn").unwrap(),
            "a"
        );
        assert_eq!(urn_of(&json!({"urn": ""}), Some(b"k"), "urn").unwrap(), "k");
        assert_eq!(urn_of(&json!({"id": "x"}), Some(b"k"), "id").unwrap(), "x");
        assert_eq!(urn_of(&json!([1]), Some(b"k"), "urn").unwrap(), "k");
        assert_eq!(urn_of(&Value::Null, Some(b"k"), "urn").unwrap(), "k");
    }

    #[test]
    fn wrong_types_and_missing_urns_are_errors() {
        let e = urn_of(&json!({"urn": 5}), Some(b"k"), "urn").unwrap_err();
        assert_eq!(e.reason(), "invalid_urn");
        let e = urn_of(&json!({"urn": null}), Some(b"k"), "urn").unwrap_err();
        assert_eq!(e.reason(), "invalid_urn");
        assert_eq!(
            urn_of(&json!({}), None, "urn").unwrap_err().reason(),
            "missing_urn"
        );
        assert_eq!(
            urn_of(&json!({}), Some(b""), "urn").unwrap_err().reason(),
            "missing_urn"
        );
        assert_eq!(
            urn_of(&json!({}), Some(&[0xff, 0xfe]), "urn")
                .unwrap_err()
                .reason(),
            "invalid_urn"
        );
    }
}
