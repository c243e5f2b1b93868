//! Every generated future is `Send`: an async action holding an `Rc` across an `.await` is
//! a compile error.
use workflow_core::prelude::*;

#[derive(Entity, Clone, Debug, Default)]
pub struct Order {
    #[urn]
    pub urn: String,
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
        Done,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        Create,
        Finish,
    }

    transitions! {
        [*]     -> Pending on Create;
        Pending -> Done    on Finish do finish;
        finals = [Done];
        idles  = [Pending];
    }

    async fn yield_now() {}

    async fn finish(order: &mut Order, _: &()) {
        let shared = std::rc::Rc::new(order.urn.clone());
        yield_now().await;
        order.urn = shared.to_string();
    }
}

fn main() {}
