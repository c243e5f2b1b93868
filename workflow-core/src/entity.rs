//! The `Entity` trait implemented by `#[derive(Entity)]`.

use crate::State;

/// A user's entity: the record whose status a workflow drives.
///
/// `#[derive(Entity)]` implements it for a struct with one `#[urn]` field (a `String` or any
/// type that is `AsRef<str>` and `From<&str>`) and one `#[status]` field whose type is the
/// workflow's [`State`].
///
/// ```
/// use workflow_core::Entity;
///
/// #[derive(workflow_core::State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
/// enum Phase { #[default] New, Done }
///
/// #[derive(workflow_core::Entity, Clone, Debug, Default)]
/// struct Job {
///     #[urn]
///     id: String,
///     #[status]
///     phase: Phase,
/// }
///
/// let mut job = Job::default();
/// job.set_urn("job-7");
/// job.set_status(Phase::Done);
/// assert_eq!(job.urn(), "job-7");
/// assert_eq!(job.status(), Phase::Done);
/// ```
pub trait Entity: Clone + Send + Sync + 'static {
    /// The type of the `#[status]` field.
    type Status: State;
    /// The entity's unique resource name, the key its events are routed by.
    fn urn(&self) -> &str;
    /// Replaces the URN; used when an entity is created by a `[*]` transition.
    fn set_urn(&mut self, urn: &str);
    /// The current status.
    fn status(&self) -> Self::Status;
    /// Replaces the status; the engine calls it, user code normally does not.
    fn set_status(&mut self, status: Self::Status);
}
