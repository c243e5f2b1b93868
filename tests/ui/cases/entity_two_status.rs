//! An entity has exactly one `#[status]` (and one `#[urn]`).
use workflow_core::{Entity, State};

#[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Phase {
    #[default]
    New,
}

#[derive(Entity, Clone, Debug, Default)]
pub struct Job {
    #[urn]
    pub id: String,
    #[urn]
    pub other_id: String,
    #[status]
    pub phase: Phase,
    #[status]
    pub previous: Phase,
}

fn main() {}
