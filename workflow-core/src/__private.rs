//! Items the generated code refers to. Not public API: names and signatures change without
//! notice. Generated code reaches them through one absolute path (`::workflow_core::__private`
//! by default, or the `crate = "..."` override).

pub use std::default::Default;
pub use std::future::Future;
pub use std::marker::Send;
pub use std::matches;
pub use std::option::Option::{self, None, Some};
pub use std::result::Result::{self, Err, Ok};
pub use std::str::FromStr;
pub use std::{convert, fmt, primitive, stringify};

pub use crate::{
    ActionError, Candidate, Definition, Entity, Event, EventHandlerInfo, GuardError, KafkaDefaults,
    State, StateInfo, StatusHandlerInfo, TopicBinding, TransitionInfo, UnknownName, Workflow,
};

pub use crate::panic::catch_panic;

/// What a guard may return: `bool`, or `Result<bool, E>` with a displayable error.
#[diagnostic::on_unimplemented(
    message = "a guard must return `bool` or `Result<bool, E>` with `E: Display`, not `{Self}`",
    label = "this guard returns `{Self}`",
    note = "if the guard is an `async fn` defined outside the `#[workflow]` module, declare it inside: only functions of the module are awaited"
)]
pub trait GuardOutput {
    /// Normalises the guard's return value, naming the guard in the error.
    fn into_guard_result(self, guard: &'static str) -> Result<bool, GuardError>;
}

impl GuardOutput for bool {
    #[inline]
    fn into_guard_result(self, _guard: &'static str) -> Result<bool, GuardError> {
        Ok(self)
    }
}

impl<E: fmt::Display> GuardOutput for Result<bool, E> {
    #[inline]
    fn into_guard_result(self, guard: &'static str) -> Result<bool, GuardError> {
        self.map_err(|e| GuardError {
            guard,
            message: e.to_string(),
        })
    }
}

/// What an action or handler may return: `()`, or `Result<(), ActionError>`.
#[diagnostic::on_unimplemented(
    message = "an action or handler must return `()` or `Result<(), ActionError>`, not `{Self}`",
    label = "this returns `{Self}`",
    note = "if it is an `async fn` defined outside the `#[workflow]` module, declare it inside: only functions of the module are awaited"
)]
pub trait ActionOutput {
    /// Normalises the action's return value.
    fn into_action_result(self) -> Result<(), ActionError>;
}

impl ActionOutput for () {
    #[inline]
    fn into_action_result(self) -> Result<(), ActionError> {
        Ok(())
    }
}

impl ActionOutput for Result<(), ActionError> {
    #[inline]
    fn into_action_result(self) -> Result<(), ActionError> {
        self
    }
}

/// Called for a failing `#[on_status_changed(.., fail_on_error = false)]` handler.
pub fn ignored_handler_error(handler: &'static str, error: &ActionError) {
    tracing::warn!(handler, %error, "status-change handler failed; ignored (fail_on_error = false)");
}

/// A compile-time proof that a value is `Send`, used by generated assertions.
pub const fn assert_send<T: Send>() {}
