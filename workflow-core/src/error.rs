//! The errors user code returns (`ActionError`, `GuardError`) and the engine's typed error.

use std::fmt::Display;

use crate::{Event, State, StoreError, Workflow};

/// What an action or handler returns when it cannot complete.
///
/// ```
/// use workflow_core::ActionError;
///
/// fn charge(balance: u32, price: u32) -> Result<u32, ActionError> {
///     if price > balance {
///         return Err(ActionError::fail("insufficient funds"));
///     }
///     Ok(balance - price)
/// }
/// assert!(matches!(charge(1, 2), Err(ActionError::Fail(_))));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// A permanent failure: the entity moves to the failed state and the changes of the
    /// failing chain are discarded.
    #[error("action failed: {0}")]
    Fail(String),
    /// A transient failure: nothing is saved and the caller should try again later.
    #[error("action asked to retry: {0}")]
    Retry(String),
}

impl ActionError {
    /// A permanent failure with `reason`.
    pub fn fail(reason: impl Display) -> Self {
        Self::Fail(reason.to_string())
    }

    /// A transient failure with `reason`.
    pub fn retry(reason: impl Display) -> Self {
        Self::Retry(reason.to_string())
    }
}

/// A guard could not decide (its data source failed, say). Never read as "false": the
/// engine returns it as [`WorkflowError::Guard`] and the runtime retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("guard `{guard}` failed: {message}")]
pub struct GuardError {
    /// The guard's name.
    pub guard: &'static str,
    /// What went wrong.
    pub message: String,
}

/// Why [`Engine::emit`](crate::Engine::emit) did not produce an outcome.
///
/// [`is_transient`](Self::is_transient) tells the runtime which errors are worth a retry.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError<S: State, E: Event> {
    /// The entity does not exist and no `[*]` transition handles the event.
    #[error("entity `{urn}` does not exist and no `[*]` transition handles {event:?}")]
    NotFound {
        /// The URN asked for.
        urn: String,
        /// The event.
        event: E,
    },
    /// The entity is in a final state; nothing ran.
    #[error("entity `{urn}` is in final state {state:?}; {event:?} ignored")]
    EntityInFinalState {
        /// The URN.
        urn: String,
        /// Its final state.
        state: S,
        /// The event.
        event: E,
    },
    /// No transition leaves the entity's state on this event; nothing ran.
    #[error("no transition from {state:?} on {event:?} for entity `{urn}`")]
    NoTransition {
        /// The URN.
        urn: String,
        /// The entity's state.
        state: S,
        /// The event.
        event: E,
    },
    /// A guard returned an error; nothing was saved.
    #[error("entity `{urn}`: {source}")]
    Guard {
        /// The URN.
        urn: String,
        /// The guard's error.
        source: GuardError,
    },
    /// An action, handler or fallback returned [`ActionError::Retry`]; nothing was saved.
    #[error("entity `{urn}`: retry requested: {reason}")]
    Retry {
        /// The URN.
        urn: String,
        /// The reason the action gave.
        reason: String,
    },
    /// An action failed and the workflow declares no failed state to move the entity to;
    /// nothing was saved.
    #[error("entity `{urn}`: {reason} (the workflow declares no failed state)")]
    ActionFailed {
        /// The URN.
        urn: String,
        /// The failure.
        reason: String,
    },
    /// Automatic transitions ran more than [`EngineConfig::max_chain`](crate::EngineConfig)
    /// steps; the entity was saved in the failed state (when one is declared).
    #[error("entity `{urn}`: more than {limit} automatic transitions in a row ({path:?})")]
    ChainTooLong {
        /// The URN.
        urn: String,
        /// The bound that was exceeded.
        limit: usize,
        /// The states passed through.
        path: Vec<S>,
    },
    /// The store failed, or version conflicts outlasted the engine's re-evaluations.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<S: State, E: Event> WorkflowError<S, E> {
    /// Whether trying the same event again later may succeed: store failures, guard errors
    /// and [`ActionError::Retry`].
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Guard { .. } | Self::Retry { .. } | Self::Store(_)
        )
    }

    /// A short, stable, snake_case code for logs, metrics and dead-letter headers.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::EntityInFinalState { .. } => "entity_in_final_state",
            Self::NoTransition { .. } => "no_transition",
            Self::Guard { .. } => "guard_error",
            Self::Retry { .. } => "retry_requested",
            Self::ActionFailed { .. } => "action_failed",
            Self::ChainTooLong { .. } => "chain_too_long",
            Self::Store(StoreError::Conflict { .. }) => "version_conflict",
            Self::Store(_) => "store_error",
        }
    }
}

/// The engine's error type for workflow `W`.
pub type ErrorOf<W> = WorkflowError<<W as Workflow>::State, <W as Workflow>::Event>;
