//! An unreachable state is a warning (here denied, so that the case fails and its message
//! is recorded): stable Rust has no warning API for proc macros, so it is a `deprecated`
//! lint at the state's name.
#![deny(deprecated)]

use workflow_core::prelude::*;

#[derive(Entity, Clone, Debug, Default)]
pub struct Order {
    #[urn]
    pub urn: String,
    pub price: f64,
    #[status]
    pub status: orders::Status,
}

#[workflow(entity = Order, payload = ())]
pub mod orders {
    use super::*;

    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum Status {
        #[default]
        Pending,
        Orphan,
        Completed,
        Failed,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        Create,
        Complete,
        Fail,
    }

    transitions! {
        [*]        -> Pending    on Create;
        Pending    -> Completed  on Complete;
        Orphan     -> Completed  on Complete;
        Pending    -> Failed     on Fail;
        finals = [Completed, Failed];
        idles  = [Pending, Orphan];
    }
}

fn main() {
    let _ = orders::Workflow::DEFINITION;
}
