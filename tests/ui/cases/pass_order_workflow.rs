//! Every feature of `#[workflow]`, compiled and run against the engine.
use std::sync::Mutex;

use workflow_core::prelude::*;

#[derive(Entity, Clone, Debug, Default)]
pub struct Order {
    #[urn]
    pub urn: String,
    pub price: f64,
    pub log: Vec<String>,
    #[status]
    pub status: order_workflow::OrderStatus,
}

#[derive(Default)]
pub struct OrderPayload {
    pub price: f64,
    pub fail_notify: bool,
}

static TRACE: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

fn trace(step: &'static str) {
    TRACE.lock().unwrap().push(step);
}

/// Orders, from creation to completion.
#[workflow(
    entity = Order,
    payload = OrderPayload,
    name = OrderFlow,
    create = new_order,
    kafka(brokers = "localhost:9092", group_id = "orders", client_id = "order-service")
)]
pub mod order_workflow {
    use super::*;

    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum OrderStatus {
        #[default]
        Pending,
        Processing,
        Checking,
        Completed,
        Failed,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        Create,
        Submit,
        Update,
        Fail,
        Cancel,
    }

    transitions! {
        [*]                  -> Pending    on Create   do set_price;
        Pending              -> Processing on Submit   if [price_above_10, not_blocked];
        Pending              -> Pending    on Update   do apply_update, log_update;
        Processing           -> Checking;
        Checking             -> Completed  if checked && price_above_10;
        Checking             -> Failed;
        Pending | Processing -> Failed     on Fail | Cancel;

        finals = [Completed, Failed];
        idles  = [Pending];
        failed = Failed;
        fallback = on_rejected;

        topics {
            "orders.submitted" => Submit,
            "orders.failed"    => Fail,
        }
    }

    fn new_order(urn: &str) -> Order {
        Order { urn: urn.to_owned(), price: 1.0, ..Order::default() }
    }

    fn set_price(order: &mut Order, p: &OrderPayload) {
        order.price = p.price;
    }

    fn price_above_10(order: &Order, _: &OrderPayload) -> bool {
        order.price > 10.0
    }

    async fn not_blocked(_: &Order, _: &OrderPayload) -> Result<bool, String> {
        Ok(true)
    }

    async fn checked(_: &Order, _: &OrderPayload) -> bool {
        true
    }

    async fn apply_update(order: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        order.log.push("update".into());
        Ok(())
    }

    fn log_update(order: &mut Order, _: &OrderPayload) {
        order.log.push("logged".into());
    }

    fn on_rejected(order: &mut Order, event: OrderEvent, _: &OrderPayload) {
        order.log.push(format!("rejected {event}"));
    }

    #[on_event(Submit, order = 2)]
    fn second(_: &mut Order, _: &OrderPayload) {
        trace("second");
    }

    #[on_event(Submit, order = -1)]
    async fn first(_: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        trace("first");
        Ok(())
    }

    #[on_event(Submit)]
    fn middle(_: &mut Order, _: &OrderPayload) {
        trace("middle");
    }

    #[on_status_changed(from = Pending, to = Processing, fail_on_error = false)]
    async fn notify(_: &mut Order, p: &OrderPayload) -> Result<(), ActionError> {
        trace("notify");
        if p.fail_notify { Err(ActionError::fail("mail server down")) } else { Ok(()) }
    }

    #[on_status_changed(to = Completed)]
    fn completed(order: &mut Order, _: &OrderPayload) {
        order.log.push("completed".into());
    }
}

use order_workflow::{OrderEvent, OrderFlow, OrderStatus};

fn main() {
    // The inherent items and the definition.
    assert_eq!(OrderFlow::topic_of(OrderEvent::Submit), Some("orders.submitted"));
    assert_eq!(OrderFlow::topic_of(OrderEvent::Update), None);
    assert_eq!(OrderFlow::event_of("orders.failed"), Some(OrderEvent::Fail));
    assert_eq!(OrderFlow::event_of("nope"), None);
    let definition = OrderFlow::DEFINITION;
    assert_eq!(definition.name, "OrderFlow");
    assert_eq!(definition.failed_state(), Some("Failed"));
    assert!(definition.state("Checking").unwrap().is_transient());
    assert_eq!(definition.transitions[1].guards, &["price_above_10", "not_blocked"]);
    assert_eq!(definition.transitions[2].actions, &["apply_update", "log_update"]);
    assert_eq!(definition.fallback, Some("on_rejected"));
    let handlers: Vec<_> = definition.on_event.iter().map(|h| h.name).collect();
    assert_eq!(handlers, ["first", "middle", "second"]);
    assert_eq!(definition.kafka.client_id, Some("order-service"));
    assert!(OrderFlow::MERMAID.starts_with("stateDiagram-v2\n    [*] --> Pending: Create / set_price\n"));
    assert!(OrderFlow::MERMAID.contains("    Checking --> Completed: [checked && price_above_10]\n"));
    assert!(OrderFlow::MERMAID.contains("    Pending --> Failed: Fail | Cancel\n"));
    let _: order_workflow::Workflow = OrderFlow;

    // The derives.
    assert_eq!(OrderStatus::Checking.to_string(), "Checking");
    assert_eq!("Cancel".parse::<OrderEvent>(), Ok(OrderEvent::Cancel));
    assert_eq!(<OrderStatus as State>::ALL.len(), 5);
    assert_eq!(OrderEvent::Fail.index(), 3);

    // The engine, driven by the generated dispatch.
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
        let engine = Engine::<OrderFlow, _>::new(MemoryStore::new());
        let created = engine.emit(OrderEvent::Create, "o-1", &OrderPayload { price: 20.0, ..Default::default() }).await.unwrap();
        assert_eq!((created.to, created.entity.price), (OrderStatus::Pending, 20.0));

        let updated = engine.emit(OrderEvent::Update, "o-1", &OrderPayload::default()).await.unwrap();
        assert_eq!(updated.entity.log, ["update", "logged"]);

        let submitted = engine
            .emit(OrderEvent::Submit, "o-1", &OrderPayload { fail_notify: true, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(submitted.path, [OrderStatus::Processing, OrderStatus::Checking, OrderStatus::Completed]);
        assert_eq!(submitted.entity.log, ["update", "logged", "completed"]);
        assert_eq!(*TRACE.lock().unwrap(), ["first", "middle", "second", "notify"]);

        // Cheap order: the guard rejects, the fallback runs.
        engine.emit(OrderEvent::Create, "o-2", &OrderPayload { price: 5.0, ..Default::default() }).await.unwrap();
        let rejected = engine.emit(OrderEvent::Submit, "o-2", &OrderPayload::default()).await.unwrap();
        assert_eq!(rejected.kind, OutcomeKind::Fallback);
        assert_eq!(rejected.entity.log, ["rejected Submit"]);

        let cancelled = engine.emit(OrderEvent::Cancel, "o-2", &OrderPayload::default()).await.unwrap();
        assert_eq!(cancelled.to, OrderStatus::Failed);
    });
}
