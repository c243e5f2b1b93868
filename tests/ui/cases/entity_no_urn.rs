//! An entity needs a `#[urn]` field (and a `#[status]` field), and named fields.
use workflow_core::{Entity, State};

#[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Phase {
    #[default]
    New,
}

#[derive(Entity, Clone, Debug, Default)]
pub struct Job {
    pub id: String,
    #[status]
    pub phase: Phase,
}

#[derive(Entity, Clone, Debug, Default)]
pub struct Nothing {
    pub id: String,
}

#[derive(Entity, Clone, Debug)]
pub enum NotAStruct {
    One,
}

fn main() {}
