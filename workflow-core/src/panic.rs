//! Turning panics in user code into failures.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use crate::ActionError;

/// Runs user code, turning a panic into [`ActionError::Fail`].
///
/// `AssertUnwindSafe` is sound here: after a panic the engine discards everything the
/// panicking code could have touched (the entity is rebuilt from the loaded copy).
pub async fn catch_panic(
    run: impl Future<Output = Result<(), ActionError>>,
) -> Result<(), ActionError> {
    AssertUnwindSafe(run)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            Err(ActionError::Fail(format!(
                "panicked: {}",
                panic_message(&*panic)
            )))
        })
}

/// The message of a panic payload (`&str` or `String`, as `panic!` makes them).
pub fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}
