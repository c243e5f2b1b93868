//! `#[derive(State)]` and `#[derive(Event)]` need a non-empty, non-generic, fieldless enum.
use workflow_core::{Event, State};

#[derive(State, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NotAnEnum;

#[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WithFields {
    Plain,
    Carrying(u32),
}

#[derive(State, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Generic<T> {
    Only(std::marker::PhantomData<T>),
}

#[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Empty {}

fn main() {}
