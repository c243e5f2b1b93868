//! A workflow whose one event runs an automatic chain through 10 non-idle states.

use workflow_kafka::prelude::*;

/// The entity the chain workflow drives.
#[derive(Entity, Clone, Debug, Default, PartialEq)]
pub struct Job {
    /// The URN.
    #[urn]
    pub urn: String,
    /// Bumped by every step of the chain.
    pub steps: u64,
    /// The state.
    #[status]
    pub status: chain_workflow::Step,
}

/// `Go` moves an idle job into `C1`; `C1` to `C10` are neither idle nor final, so the engine
/// follows their (automatic) transitions until the job is idle again: 11 transitions, 10
/// non-idle states, one save.
#[workflow(entity = Job, payload = ())]
pub mod chain_workflow {
    use super::*;

    /// The states: one idle, ten transient.
    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    #[allow(missing_docs)]
    pub enum Step {
        #[default]
        Idle,
        C1,
        C2,
        C3,
        C4,
        C5,
        C6,
        C7,
        C8,
        C9,
        C10,
    }

    /// The one event.
    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum ChainEvent {
        /// Runs the chain.
        Go,
    }

    transitions! {
        [*]  -> Idle on Go;
        Idle -> C1   on Go if ready do step;
        C1   -> C2   on Go if ready do step;
        C2   -> C3   on Go if ready do step;
        C3   -> C4   on Go if ready do step;
        C4   -> C5   on Go if ready do step;
        C5   -> C6   on Go if ready do step;
        C6   -> C7   on Go if ready do step;
        C7   -> C8   on Go if ready do step;
        C8   -> C9   on Go if ready do step;
        C9   -> C10  on Go if ready do step;
        C10  -> Idle on Go if ready do step;

        idles = [Idle];
    }

    fn ready(job: &Job, _: &()) -> bool {
        job.steps < u64::MAX
    }

    fn step(job: &mut Job, _: &()) {
        job.steps += 1;
    }
}
