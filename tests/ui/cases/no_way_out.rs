//! A state that is neither idle nor final must have a way out.
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
        Processing,
        Failed,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        Create,
        Submit,
        Fail,
    }

    transitions! {
        [*]        -> Pending    on Create;
        Pending    -> Processing on Submit;
        Pending    -> Failed     on Fail;
        finals = [Failed];
        idles  = [Pending];
        failed = Failed;
    }
}

fn main() {
    let _ = orders::Workflow::DEFINITION;
}
