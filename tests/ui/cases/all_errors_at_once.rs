//! Every error of a declaration is reported in one build.
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
        [*]        -> Pendng     on Create;
        Pending    -> Processing on Submit;
        Pending    -> Failed     on Submit;
        Completed  -> Pending    on Fail;
        Processing -> Completed  on Complete;
        finals = [Completed, Failed];
        idles  = [Pending, Processing];
        failed = Failed;
        topics {
            "orders" => Submit,
            "orders" => Complete,
        }
    }
}

fn main() {
    let _ = orders::Workflow::DEFINITION;
}
