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
/// #[workflow(entity = Order, payload = OrderPayload,      // required
///            name = OrderFlow,                           // default: module name in PascalCase + `Workflow`
///            create = new_order,                         // fn(&str) -> Entity; default: Default + set_urn
///            crate = "path::to::workflow_core",          // default: ::workflow_core
///            kafka(brokers = "..", group_id = "..", client_id = ".."))]
/// pub mod order_workflow { .. }
/// ```
///
/// The module must declare, inside it, exactly one `#[derive(State)]` enum and one
/// `#[derive(Event)]` enum (so the macro sees every variant and can check every name), and
/// exactly one `transitions!` block, which the attribute consumes:
///
/// ```text
/// transitions! {
///     [*]                  -> Pending    on Create;
///     Pending              -> Processing on Submit   if price_above_10;
///     Pending              -> Pending    on Update   do apply_update;
///     Pending | Processing -> Failed     on Fail | Cancel  if a && b  do record, notify;
///     Processing           -> Checking;              // no `on`: automatic only
///     Checking             -> Completed  if [checked, paid];   // same as `if checked && paid`
///
///     finals   = [Completed, Failed];
///     idles    = [Pending];
///     failed   = Failed;
///     fallback = on_rejected;                       // fn(&mut Entity, Event, &Payload)
///     topics { "orders.submitted" => Submit, "orders.failed" => Fail }
/// }
/// ```
///
/// A state in neither `idles` nor `finals` is transient: the engine leaves it at once by
/// the first automatic transition whose guards pass (every transition leaving it, in
/// declaration order). With no `idles` line, no state is idle.
///
/// Guards are `fn(&Entity, &Payload) -> bool` or `-> Result<bool, E: Display>`; actions and
/// handlers are `fn(&mut Entity, &Payload) -> ()` or `-> Result<(), ActionError>`; each may
/// be `async fn`. The macro knows a function is async only when it is an `async fn` of the
/// module: a function named by a path from elsewhere is called as a sync function.
///
/// Functions of the module may carry `#[on_event(Event, order = n)]` (order defaults to 0,
/// lower first, ties in declaration order) and `#[on_status_changed(from = A, to = B,
/// fail_on_error = bool)]` (`from`/`to` default to any state, `fail_on_error` to `true`).
///
/// Generated, inside the module: `pub struct OrderWorkflow;` (documented with the module's
/// docs and a Mermaid diagram) with `DEFINITION`, `MERMAID`, `topic_of` and `event_of`, its
/// `Workflow` impl, and `pub type Workflow = OrderWorkflow;` so that `order_workflow::Workflow`
/// names it (left out when the module already has an item or import named `Workflow`).
///
/// Checked at compile time, every error reported at once at the offending name: unknown
/// states, events and topic events (with "did you mean"); a transition shadowed by an
/// earlier unguarded one; a transition out of a final state; a transition without `on` out
/// of `[*]` or an idle state; a transient state with no way out; a loop of unguarded
/// automatic transitions; a topic bound twice; a bound event no transition fires on. A
/// state unreachable from the entry points is a warning (a `deprecated` lint at its name).
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
