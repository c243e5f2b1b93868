//! The static description of a workflow that the macros generate as `DEFINITION`.
//!
//! Everything is `&'static`, built at compile time, so a definition costs nothing at run
//! time. Names are the identifiers as written in the source: tools (diagrams, reference
//! interpreters, admin pages) can read a workflow without knowing its Rust types.

/// A workflow, as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    /// The generated workflow type's name.
    pub name: &'static str,
    /// The state enum's name.
    pub state_type: &'static str,
    /// The event enum's name.
    pub event_type: &'static str,
    /// Every state, in the enum's declaration order.
    pub states: &'static [StateInfo],
    /// Every event, in the enum's declaration order.
    pub events: &'static [&'static str],
    /// The transitions, in declaration order (the order the engine tries them).
    pub transitions: &'static [TransitionInfo],
    /// The function run when every candidate's guards reject, if declared.
    pub fallback: Option<&'static str>,
    /// Which topic carries which event.
    pub topics: &'static [TopicBinding],
    /// `#[on_event]` handlers, sorted by event, then `order`.
    pub on_event: &'static [EventHandlerInfo],
    /// `#[on_status_changed]` handlers, in declaration order.
    pub on_status_changed: &'static [StatusHandlerInfo],
    /// Kafka settings declared with `#[workflow(kafka(..))]`, overridable at run time.
    pub kafka: KafkaDefaults,
}

impl Definition {
    /// The state called `name`, if there is one.
    pub fn state(&self, name: &str) -> Option<&'static StateInfo> {
        self.states.iter().find(|s| s.name == name)
    }

    /// The topic bound to the event called `event`, if any.
    pub fn topic_of(&self, event: &str) -> Option<&'static str> {
        self.topics
            .iter()
            .find(|b| b.event == event)
            .map(|b| b.topic)
    }

    /// The name of the failed state, if one is declared.
    pub fn failed_state(&self) -> Option<&'static str> {
        self.states.iter().find(|s| s.is_failed).map(|s| s.name)
    }
}

/// One state and the kinds it was declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateInfo {
    /// The variant name.
    pub name: &'static str,
    /// Listed in `finals`: nothing runs once an entity is here.
    pub is_final: bool,
    /// Listed in `idles`: the engine stops here and waits for the next event.
    pub is_idle: bool,
    /// The `failed` state: where a failing action moves an entity.
    pub is_failed: bool,
}

impl StateInfo {
    /// Neither idle nor final: the engine leaves it at once by an automatic transition.
    pub fn is_transient(&self) -> bool {
        !self.is_idle && !self.is_final
    }
}

/// One transition line of `transitions!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionInfo {
    /// `true` when `[*]` is among the sources: the transition creates the entity.
    pub from_initial: bool,
    /// The named source states.
    pub from: &'static [&'static str],
    /// The target state.
    pub to: &'static str,
    /// The events that fire it.
    pub events: &'static [&'static str],
    /// Guards, all of which must pass, in the order they run.
    pub guards: &'static [&'static str],
    /// Actions, in the order they run.
    pub actions: &'static [&'static str],
}

/// `"topic" => Event` in a `topics { .. }` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicBinding {
    /// The Kafka topic.
    pub topic: &'static str,
    /// The event its records carry.
    pub event: &'static str,
}

/// A function marked `#[on_event(Event, order = n)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHandlerInfo {
    /// The function's name.
    pub name: &'static str,
    /// The event it runs on.
    pub event: &'static str,
    /// Its rank among the handlers of that event (lower runs first).
    pub order: i32,
}

/// A function marked `#[on_status_changed(from = A, to = B, fail_on_error = bool)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusHandlerInfo {
    /// The function's name.
    pub name: &'static str,
    /// The state left, or `None` for any.
    pub from: Option<&'static str>,
    /// The state entered, or `None` for any.
    pub to: Option<&'static str>,
    /// Whether an error moves the entity to the failed state (the default) or is only logged.
    pub fail_on_error: bool,
}

/// Kafka settings declared in the source with `#[workflow(kafka(brokers = "..", ..))]`.
///
/// They are defaults: configuration given at run time (builder or environment) wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KafkaDefaults {
    /// Comma-separated bootstrap servers.
    pub brokers: Option<&'static str>,
    /// The consumer group.
    pub group_id: Option<&'static str>,
    /// The client id.
    pub client_id: Option<&'static str>,
}
