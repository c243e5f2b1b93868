//! Connection settings: where the brokers are, who we are, how we authenticate.
//!
//! The names mirror nestjs-workflow's `kafka` block (`brokers`, `clientId`, `groupId`, `ssl`,
//! `sasl`), so a service ported from it keeps its configuration. Anything else librdkafka
//! understands goes through [`KafkaConfig::set`].

use std::collections::BTreeMap;
use std::fmt;

use rdkafka::ClientConfig;
use workflow_core::KafkaDefaults;

use crate::KafkaError;

/// SASL credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Sasl {
    /// The mechanism: `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`, ...
    pub mechanism: String,
    /// The user name.
    pub username: String,
    /// The password; never printed.
    pub password: String,
}

impl Sasl {
    /// Credentials for `mechanism`.
    pub fn new(
        mechanism: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            mechanism: mechanism.into(),
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Sasl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sasl")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &REDACTED)
            .finish()
    }
}

const REDACTED: &str = "<redacted>";

/// The environment variables [`KafkaConfig::apply_env`] reads.
pub mod env_vars {
    /// Comma-separated bootstrap servers.
    pub const BROKERS: &str = "KAFKA_BROKERS";
    /// The client id.
    pub const CLIENT_ID: &str = "KAFKA_CLIENT_ID";
    /// The consumer group.
    pub const GROUP_ID: &str = "KAFKA_GROUP_ID";
    /// `true`/`1`/`yes` to use TLS.
    pub const SSL: &str = "KAFKA_SSL";
    /// The SASL mechanism; SASL is enabled when this and the user name are set.
    pub const SASL_MECHANISM: &str = "KAFKA_SASL_MECHANISM";
    /// The SASL user name.
    pub const SASL_USERNAME: &str = "KAFKA_SASL_USERNAME";
    /// The SASL password.
    pub const SASL_PASSWORD: &str = "KAFKA_SASL_PASSWORD";
}

/// How to reach and authenticate to Kafka; shared by the consumer and the producers.
///
/// Values are applied in the order the calls are made, so the usual layering is:
/// the workflow's declared defaults ([`KafkaConfig::defaults_from`]), then code, then the
/// environment ([`KafkaConfig::apply_env`]). Fields still unset when a consumer or producer
/// is built are filled from the workflow's `DEFINITION.kafka`.
///
/// ```
/// use workflow_kafka::{KafkaConfig, Sasl};
///
/// let config = KafkaConfig::new()
///     .brokers("k1:9092,k2:9092")
///     .group_id("orders")
///     .ssl(true)
///     .sasl(Sasl::new("SCRAM-SHA-512", "svc", "hunter2"))
///     .set("fetch.min.bytes", "1");
/// assert!(!format!("{config:?}").contains("hunter2"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KafkaConfig {
    brokers: Option<String>,
    client_id: Option<String>,
    group_id: Option<String>,
    ssl: bool,
    sasl: Option<Sasl>,
    properties: BTreeMap<String, String>,
}

impl KafkaConfig {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty configuration with the environment applied ([`KafkaConfig::apply_env`]).
    pub fn from_env() -> Self {
        Self::new().apply_env()
    }

    /// A configuration holding a workflow's declared defaults (`W::DEFINITION.kafka`).
    pub fn defaults_from(defaults: &KafkaDefaults) -> Self {
        Self::new().fill_defaults(defaults)
    }

    /// Sets the comma-separated bootstrap servers.
    pub fn brokers(mut self, brokers: impl Into<String>) -> Self {
        self.brokers = Some(brokers.into());
        self
    }

    /// Sets the client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Sets the consumer group.
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.group_id = Some(group_id.into());
        self
    }

    /// Turns TLS on or off.
    pub fn ssl(mut self, ssl: bool) -> Self {
        self.ssl = ssl;
        self
    }

    /// Sets SASL credentials.
    pub fn sasl(mut self, sasl: Sasl) -> Self {
        self.sasl = Some(sasl);
        self
    }

    /// Sets any librdkafka property; it wins over what the fields above produce.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    /// Applies the `KAFKA_*` variables of the process environment (see [`env_vars`]).
    pub fn apply_env(self) -> Self {
        self.apply_env_from(|name| std::env::var(name).ok())
    }

    /// Applies `KAFKA_*` variables looked up by `lookup`; empty values are ignored.
    pub fn apply_env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = get(env_vars::BROKERS) {
            self.brokers = Some(v);
        }
        if let Some(v) = get(env_vars::CLIENT_ID) {
            self.client_id = Some(v);
        }
        if let Some(v) = get(env_vars::GROUP_ID) {
            self.group_id = Some(v);
        }
        if let Some(v) = get(env_vars::SSL) {
            self.ssl = matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            );
        }
        let mechanism = get(env_vars::SASL_MECHANISM);
        let username = get(env_vars::SASL_USERNAME);
        if mechanism.is_some() || username.is_some() {
            let previous = self.sasl.take();
            let password = get(env_vars::SASL_PASSWORD)
                .or_else(|| previous.as_ref().map(|s| s.password.clone()))
                .unwrap_or_default();
            self.sasl = Some(Sasl {
                mechanism: mechanism
                    .or_else(|| previous.as_ref().map(|s| s.mechanism.clone()))
                    .unwrap_or_else(|| "PLAIN".to_owned()),
                username: username
                    .or_else(|| previous.as_ref().map(|s| s.username.clone()))
                    .unwrap_or_default(),
                password,
            });
        } else if let (Some(sasl), Some(password)) =
            (self.sasl.as_mut(), get(env_vars::SASL_PASSWORD))
        {
            sasl.password = password;
        }
        self
    }

    /// Fills fields that are still unset from a workflow's declared defaults.
    pub fn fill_defaults(mut self, defaults: &KafkaDefaults) -> Self {
        if self.brokers.is_none() {
            self.brokers = defaults.brokers.map(str::to_owned);
        }
        if self.client_id.is_none() {
            self.client_id = defaults.client_id.map(str::to_owned);
        }
        if self.group_id.is_none() {
            self.group_id = defaults.group_id.map(str::to_owned);
        }
        self
    }

    /// The bootstrap servers, if set.
    pub fn brokers_value(&self) -> Option<&str> {
        self.brokers.as_deref()
    }

    /// The consumer group, if set.
    pub fn group_id_value(&self) -> Option<&str> {
        self.group_id.as_deref()
    }

    /// The client id, if set.
    pub fn client_id_value(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The extra librdkafka property `key`, if set.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(String::as_str)
    }

    /// The librdkafka configuration these settings describe, for clients of your own (an
    /// admin client, say). Fails when no brokers are set.
    pub fn client_config(&self) -> Result<ClientConfig, KafkaError> {
        self.client_config_with(None)
    }

    /// The librdkafka configuration for a producer (or an admin client, which librdkafka
    /// runs as a producer): [`client_config`](Self::client_config) without the
    /// consumer-only properties, which librdkafka would warn about (`CONFWARN`) and ignore.
    pub fn producer_config(&self) -> Result<ClientConfig, KafkaError> {
        let mut config = self.client_config_with(None)?;
        for key in CONSUMER_ONLY {
            config.remove(key);
        }
        Ok(config)
    }

    /// The librdkafka configuration for a client; `group` adds `group.id`.
    pub(crate) fn client_config_with(
        &self,
        group: Option<&str>,
    ) -> Result<ClientConfig, KafkaError> {
        let brokers = self
            .brokers
            .as_deref()
            .filter(|b| !b.trim().is_empty())
            .ok_or(KafkaError::Config(
                "no brokers configured (set `brokers` or KAFKA_BROKERS)".into(),
            ))?;
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", brokers);
        if let Some(client_id) = &self.client_id {
            config.set("client.id", client_id);
        }
        if let Some(group) = group {
            config.set("group.id", group);
        }
        let protocol = match (self.ssl, self.sasl.is_some()) {
            (false, false) => None,
            (true, false) => Some("SSL"),
            (false, true) => Some("SASL_PLAINTEXT"),
            (true, true) => Some("SASL_SSL"),
        };
        if let Some(protocol) = protocol {
            config.set("security.protocol", protocol);
        }
        if let Some(sasl) = &self.sasl {
            config.set("sasl.mechanisms", &sasl.mechanism);
            config.set("sasl.username", &sasl.username);
            config.set("sasl.password", &sasl.password);
        }
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        Ok(config)
    }
}

/// librdkafka properties that only consumers read (librdkafka's CONFIGURATION.md marks them
/// `C`); a config shared by consumers and producers may carry them.
const CONSUMER_ONLY: &[&str] = &[
    "group.id",
    "group.instance.id",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "auto.offset.reset",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "enable.auto.offset.store",
    "partition.assignment.strategy",
    "fetch.min.bytes",
    "fetch.wait.max.ms",
    "isolation.level",
];

/// Whether a librdkafka property holds a secret, so that Debug output hides it.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password")
        || key.contains("secret")
        || key.ends_with(".pem")
        || key.contains("key.pem")
}

impl fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let properties: BTreeMap<&str, &str> = self
            .properties
            .iter()
            .map(|(k, v)| (k.as_str(), if is_secret(k) { REDACTED } else { v.as_str() }))
            .collect();
        f.debug_struct("KafkaConfig")
            .field("brokers", &self.brokers)
            .field("client_id", &self.client_id)
            .field("group_id", &self.group_id)
            .field("ssl", &self.ssl)
            .field("sasl", &self.sasl)
            .field("properties", &properties)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_code_and_defaults_fill_gaps() {
        let defaults = KafkaDefaults {
            brokers: Some("declared:9092"),
            group_id: Some("g0"),
            client_id: Some("c0"),
        };
        let vars = [
            (env_vars::BROKERS, "env:9092"),
            (env_vars::SASL_USERNAME, "u"),
            (env_vars::SASL_PASSWORD, "pw"),
        ];
        let config = KafkaConfig::new()
            .brokers("code:9092")
            .group_id("g1")
            .apply_env_from(|k| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            })
            .fill_defaults(&defaults);
        assert_eq!(config.brokers_value(), Some("env:9092"));
        assert_eq!(config.group_id_value(), Some("g1"));
        assert_eq!(config.client_id_value(), Some("c0"));
        let sasl = config.sasl.clone().unwrap();
        assert_eq!(
            (
                sasl.mechanism.as_str(),
                sasl.username.as_str(),
                sasl.password.as_str()
            ),
            ("PLAIN", "u", "pw")
        );
        let client = config.client_config_with(Some("g")).unwrap();
        assert_eq!(client.get("security.protocol"), Some("SASL_PLAINTEXT"));
        assert_eq!(client.get("sasl.password"), Some("pw"));
    }

    #[test]
    fn debug_never_prints_secrets() {
        let config = KafkaConfig::new()
            .sasl(Sasl::new("PLAIN", "u", "topsecret"))
            .set("ssl.key.password", "alsosecret");
        let printed = format!("{config:?}");
        assert!(
            !printed.contains("topsecret") && !printed.contains("alsosecret"),
            "{printed}"
        );
    }

    #[test]
    fn brokers_are_required() {
        assert!(KafkaConfig::new().client_config().is_err());
    }
}
