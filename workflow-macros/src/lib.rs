//! Derive and attribute macros for `workflow-core`: [`State`](macro@State),
//! [`Event`](macro@Event), [`Entity`](macro@Entity), [`workflow`](macro@workflow) and
//! [`transitions!`](macro@transitions).
//!
//! Use them through `workflow_core` (or `workflow_kafka`), which re-export them. This file
//! holds only the entry points; the implementation lives in `internals` and uses
//! `proc_macro2` only, so tests can include it and expand macros outside the compiler.
//!
//! Every macro exists twice: once with `::workflow_core::__private` as the default runtime
//! path, once (hidden, `Kafka*`) with `::workflow_kafka::__private`, for users who depend on
//! `workflow-kafka` alone. The implementation is shared; only the default path differs.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod internals;

use internals::Runtime;

/// Implements `State`, `Display` and `FromStr` for a fieldless enum of workflow states.
///
/// `#[state(crate = "path")]` names the crate the generated code refers to (default
/// `::workflow_core`).
#[proc_macro_derive(State, attributes(state))]
pub fn derive_state(input: TokenStream) -> TokenStream {
    internals::derive_state(input.into(), Runtime::Core).into()
}

/// Implements `Event`, `Display` and `FromStr` for a fieldless enum of workflow events.
///
/// `#[event(crate = "path")]` names the crate the generated code refers to.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    internals::derive_event(input.into(), Runtime::Core).into()
}

/// Implements `Entity` for a struct with one `#[urn]` field (`AsRef<str> + From<&str>`) and
/// one `#[status]` field (the workflow's state enum).
///
/// `#[entity(crate = "path")]` names the crate the generated code refers to.
#[proc_macro_derive(Entity, attributes(entity, urn, status))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    internals::derive_entity(input.into(), Runtime::Core).into()
}

/// Compiles the workflow declared in an inline module into a type implementing `Workflow`.
///
/// ```text
/// #[workflow(entity = Order, payload = OrderPayload, name = OrderFlow, create = new_order,
///            crate = "path", kafka(brokers = "..", group_id = "..", client_id = ".."))]
/// ```
///
/// The module holds the `#[derive(State)]` enum, the `#[derive(Event)]` enum, one
/// `transitions! { .. }` block, and the guards, actions and `#[on_event]` /
/// `#[on_status_changed]` handlers. See the crate `workflow_core` for the grammar.
#[proc_macro_attribute]
pub fn workflow(attr: TokenStream, item: TokenStream) -> TokenStream {
    internals::expand_workflow(attr.into(), item.into(), Runtime::Core).into()
}

/// Declares transitions. Inside a `#[workflow]` module the attribute consumes it; on its own,
/// after a `machine Name(StateEnum, EventEnum);` header, it generates a bare typed state
/// machine: both enums, and a type with `DEFINITION`, `MERMAID` and `next`.
#[proc_macro]
pub fn transitions(input: TokenStream) -> TokenStream {
    internals::expand_transitions(input.into(), Runtime::Core).into()
}

/// [`State`](macro@State) with `::workflow_kafka` as the default crate.
#[doc(hidden)]
#[proc_macro_derive(KafkaState, attributes(state))]
pub fn derive_kafka_state(input: TokenStream) -> TokenStream {
    internals::derive_state(input.into(), Runtime::Kafka).into()
}

/// [`Event`](macro@Event) with `::workflow_kafka` as the default crate.
#[doc(hidden)]
#[proc_macro_derive(KafkaEvent, attributes(event))]
pub fn derive_kafka_event(input: TokenStream) -> TokenStream {
    internals::derive_event(input.into(), Runtime::Kafka).into()
}

/// [`Entity`](macro@Entity) with `::workflow_kafka` as the default crate.
#[doc(hidden)]
#[proc_macro_derive(KafkaEntity, attributes(entity, urn, status))]
pub fn derive_kafka_entity(input: TokenStream) -> TokenStream {
    internals::derive_entity(input.into(), Runtime::Kafka).into()
}

/// [`workflow`](macro@workflow) with `::workflow_kafka` as the default crate.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn kafka_workflow(attr: TokenStream, item: TokenStream) -> TokenStream {
    internals::expand_workflow(attr.into(), item.into(), Runtime::Kafka).into()
}

/// [`transitions!`](macro@transitions) with `::workflow_kafka` as the default crate.
#[doc(hidden)]
#[proc_macro]
pub fn kafka_transitions(input: TokenStream) -> TokenStream {
    internals::expand_transitions(input.into(), Runtime::Kafka).into()
}
