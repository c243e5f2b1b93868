//! The state and event enums must be declared inside the workflow module.
use workflow_core::prelude::*;

#[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    #[default]
    Pending,
}

#[derive(Entity, Clone, Debug, Default)]
pub struct Order {
    #[urn]
    pub urn: String,
    #[status]
    pub status: Status,
}

#[workflow(entity = Order, payload = ())]
pub mod orders {
    use super::*;

    transitions! {
        [*] -> Pending on Create;
        idles = [Pending];
    }
}

fn main() {
    let _ = orders::OrdersWorkflow::DEFINITION;
}
