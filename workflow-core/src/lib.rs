//! The runtime-agnostic heart of the workflow library.
//!
//! A workflow is declared once, with the derive macros [`State`](macro@State),
//! [`Event`](macro@Event) and [`Entity`](macro@Entity) and the [`workflow`](macro@workflow)
//! attribute. The macros check the declaration at compile time and generate a type that
//! implements [`Workflow`]: a `match`-based dispatch, a static [`Definition`] and a Mermaid
//! diagram. The [`Engine`] runs events against an [`EntityStore`], following the semantics
//! documented on [`Engine::emit`].
//!
//! This crate knows nothing about Kafka; `workflow-kafka` wires an engine to a consumer.
//!
//! ```
//! use workflow_core::prelude::*;
//!
//! #[derive(Entity, Clone, Debug, Default)]
//! pub struct Door {
//!     #[urn]
//!     pub id: String,
//!     #[status]
//!     pub status: door::DoorState,
//! }
//!
//! #[workflow(entity = Door, payload = ())]
//! pub mod door {
//!     use super::*;
//!
//!     #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
//!     pub enum DoorState { #[default] Closed, Open }
//!
//!     #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
//!     pub enum DoorEvent { Install, Push, Pull }
//!
//!     transitions! {
//!         [*]    -> Closed on Install;
//!         Closed -> Open   on Push;
//!         Open   -> Closed on Pull;
//!         idles = [Closed, Open];
//!     }
//! }
//!
//! # fn main() {
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let engine = Engine::<door::Workflow, _>::new(MemoryStore::new());
//! engine.emit(door::DoorEvent::Install, "door-1", &()).await?;
//! let outcome = engine.emit(door::DoorEvent::Push, "door-1", &()).await?;
//! assert_eq!(outcome.to, door::DoorState::Open);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod definition;
mod engine;
mod entity;
mod error;
mod outcome;
mod panic;
mod state;
mod store;
mod workflow;

#[doc(hidden)]
pub mod __private;

pub use definition::{
    Definition, EventHandlerInfo, KafkaDefaults, StateInfo, StatusHandlerInfo, TopicBinding,
    TransitionInfo,
};
pub use engine::{Engine, EngineConfig};
pub use entity::Entity;
pub use error::{ActionError, ErrorOf, GuardError, WorkflowError};
pub use outcome::{Outcome, OutcomeKind, OutcomeOf};
pub use state::{Event, State, UnknownName};
pub use store::{EntityStore, Loaded, MemoryStore, Position, StoreError, Version};
pub use workflow::{Candidate, Workflow};

#[cfg(feature = "macros")]
pub use workflow_macros::{Entity, Event, State, transitions, workflow};

/// Everything a workflow declaration needs, in one import.
pub mod prelude {
    pub use crate::{
        ActionError, Engine, EngineConfig, Entity, EntityStore, Event, GuardError, MemoryStore,
        Outcome, OutcomeKind, State, Workflow, WorkflowError,
    };
    // `Entity`, `Event` and `State` above already bring the derive macros of the same names
    // (the crate root re-exports both namespaces).
    #[cfg(feature = "macros")]
    pub use workflow_macros::{transitions, workflow};
}
