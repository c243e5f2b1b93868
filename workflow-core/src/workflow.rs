//! The `Workflow` trait: what `#[workflow]` generates and the engine drives.

use std::future::Future;

use crate::{ActionError, Definition, Entity, Event, GuardError, State};

/// A transition the engine may take: its index in [`Definition::transitions`] and its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<S> {
    /// Index into [`Definition::transitions`].
    pub transition: usize,
    /// The state the transition leads to.
    pub to: S,
}

/// A compiled workflow. `#[workflow]` implements it; the methods are the generated `match`
/// dispatch that [`Engine`](crate::Engine) calls, so user code rarely calls them directly.
///
/// Every future the trait returns is `Send`: the bound is part of the signatures, so a guard
/// or action that holds a non-`Send` value across an `.await` is a compile error in the
/// generated impl rather than a surprise in the runtime.
pub trait Workflow: Sized + Send + Sync + 'static {
    /// The state enum.
    type State: State;
    /// The event enum.
    type Event: Event;
    /// The entity whose status the workflow drives.
    type Entity: Entity<Status = Self::State>;
    /// The data each event carries, handed to guards and actions.
    type Payload: Send + Sync + 'static;

    /// The static description of the workflow.
    const DEFINITION: &'static Definition;
    /// The workflow as a Mermaid `stateDiagram-v2`.
    const MERMAID: &'static str;
    /// The state a failing action moves an entity to, if declared.
    const FAILED: Option<Self::State>;
    /// Whether a fallback is declared.
    const HAS_FALLBACK: bool;

    /// Whether `state` is listed in `finals`.
    fn is_final(state: Self::State) -> bool;
    /// Whether `state` is listed in `idles`.
    fn is_idle(state: Self::State) -> bool;

    /// The transitions that `event` may fire from `from` (`None`: the entity does not exist
    /// yet, so `[*]` transitions), in declaration order.
    fn candidates(
        from: Option<Self::State>,
        event: Self::Event,
    ) -> &'static [Candidate<Self::State>];

    /// The automatic transitions out of `from`: every transition leaving a state that is
    /// neither idle nor final, whatever its events, in declaration order. Empty for idle and
    /// final states.
    fn automatic(from: Self::State) -> &'static [Candidate<Self::State>];

    /// Runs the guards of `transition` in order, stopping at the first that rejects.
    fn guards(
        transition: usize,
        entity: &Self::Entity,
        payload: &Self::Payload,
    ) -> impl Future<Output = Result<bool, GuardError>> + Send;

    /// Runs the actions of `transition` in order, stopping at the first error.
    fn actions(
        transition: usize,
        entity: &mut Self::Entity,
        payload: &Self::Payload,
    ) -> impl Future<Output = Result<(), ActionError>> + Send;

    /// Runs the `#[on_event]` handlers of `event`, by `order`, stopping at the first error.
    fn on_event(
        event: Self::Event,
        entity: &mut Self::Entity,
        payload: &Self::Payload,
    ) -> impl Future<Output = Result<(), ActionError>> + Send;

    /// Runs the `#[on_status_changed]` handlers matching `from -> to`. Errors of handlers
    /// declared with `fail_on_error = false` are logged and swallowed; the first other error
    /// is returned.
    fn on_status_changed(
        from: Option<Self::State>,
        to: Self::State,
        entity: &mut Self::Entity,
        payload: &Self::Payload,
    ) -> impl Future<Output = Result<(), ActionError>> + Send;

    /// Runs the fallback, if one is declared ([`Workflow::HAS_FALLBACK`]).
    fn fallback(
        event: Self::Event,
        entity: &mut Self::Entity,
        payload: &Self::Payload,
    ) -> impl Future<Output = Result<(), ActionError>> + Send;

    /// A new entity for `urn`, before a `[*]` transition runs on it.
    fn create(urn: &str) -> Self::Entity;

    /// The topic bound to `event`, if any.
    fn topic_of(event: Self::Event) -> Option<&'static str>;

    /// The event that records of `topic` carry, if the topic is bound.
    fn event_of(topic: &str) -> Option<Self::Event>;
}
