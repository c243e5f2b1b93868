//! A misspelled event whose correct spelling is bound to a topic: one error, not a second
//! one claiming that no transition consumes the topic's event.
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
        Completed,
        Failed,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        Create,
        Submit,
        Complete,
        Fail,
    }

    transitions! {
        [*]        -> Pending    on Create;
        Pending    -> Processing on Submitt;
        Processing -> Completed  on Complete;
        Pending | Processing -> Failed on Fail;
        finals = [Completed, Failed];
        idles  = [Pending, Processing];
        failed = Failed;
        topics {
            "orders.submitted" => Submit,
        }
    }
}

fn main() {
    let _ = orders::Workflow::DEFINITION;
}
