//! What [`Engine::emit`](crate::Engine::emit) returns when it processed an event.

use crate::{ActionError, Version, Workflow};

/// The result of processing one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<S, E, T> {
    /// What happened.
    pub kind: OutcomeKind,
    /// The event processed.
    pub event: E,
    /// The state before (`None`: the entity did not exist).
    pub from: Option<S>,
    /// The state after. Equal to `from` when nothing moved.
    pub to: S,
    /// Every state entered, in order (empty when nothing moved). An automatic chain shows each
    /// step; a failure ends with the failed state.
    pub path: Vec<S>,
    /// The entity as it is now (as saved, when something was saved).
    pub entity: T,
    /// The stored version after the event (`None` when the entity still does not exist).
    pub version: Option<Version>,
}

/// The kinds of [`Outcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeKind {
    /// A transition (and any automatic ones after it) ran and was saved.
    Transitioned,
    /// An action, handler or the fallback failed (an [`ActionError::Fail`] or a panic); the
    /// entity was saved in the failed state, without the failing chain's changes.
    Failed {
        /// The failure.
        error: ActionError,
    },
    /// Every candidate's guards rejected and the fallback ran; its changes were saved.
    Fallback,
    /// Every candidate's guards rejected and there is no fallback; nothing was saved.
    GuardRejected,
    /// The chain stopped in a state that is neither idle nor final because no automatic
    /// transition's guards passed; what ran was saved.
    Halted,
    /// The message's position was already applied to this entity; nothing ran.
    AlreadyApplied,
}

/// The outcome type for workflow `W`.
pub type OutcomeOf<W> =
    Outcome<<W as Workflow>::State, <W as Workflow>::Event, <W as Workflow>::Entity>;
