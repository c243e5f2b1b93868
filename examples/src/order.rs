//! The order workflow of the seed project: orders are created, submitted (only when their
//! price is above 10), updated while pending, completed, or failed.
//!
//! Kafka topics: `orders.submitted` carries `Submit`, `orders.completed` carries `Complete`,
//! `orders.failed` carries `Fail`. `Create` and `Update` are bound too
//! (`orders.created`, `orders.updated`), so the whole life of an order can be driven from
//! Kafka.

use workflow_kafka::prelude::*;

pub use order_workflow::{OrderEvent, OrderStatus, OrderWorkflow};

/// An order, the entity the workflow drives.
#[derive(Entity, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The order's URN, e.g. `urn:order:42`.
    #[urn]
    pub urn: String,
    /// The order's price.
    pub price: f64,
    /// The items ordered.
    pub items: Vec<String>,
    /// Why the order failed, once it did.
    pub failure: Option<String>,
    /// How many audit entries were written for it.
    pub audits: u32,
    /// Where the workflow is.
    #[status]
    pub status: OrderStatus,
}

/// The data an order event carries. Every field is optional: each event reads what it needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderPayload {
    /// The URN of the order (also accepted as the record key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    /// A new price (`Create`, `Update`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// New items (`Create`, `Update`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
    /// Why the order fails (`Fail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The order workflow.
///
/// Orders start `Pending`; `Submit` moves them to `Processing` only when the price is above
/// 10; `Update` changes a pending order; `Complete` finishes a processing order; `Fail` ends
/// a pending or processing order in `Failed`.
#[workflow(entity = Order, payload = OrderPayload, kafka(group_id = "order-workflow"))]
pub mod order_workflow {
    use super::*;

    /// Where an order is.
    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum OrderStatus {
        /// Created, waiting to be submitted.
        #[default]
        Pending,
        /// Submitted, being fulfilled.
        Processing,
        /// Fulfilled.
        Completed,
        /// Given up.
        Failed,
    }

    /// What can happen to an order.
    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        /// A new order.
        Create,
        /// The customer submits the order.
        Submit,
        /// The customer changes a pending order.
        Update,
        /// The warehouse shipped it.
        Complete,
        /// Something went wrong.
        Fail,
    }

    transitions! {
        [*]                  -> Pending    on Create   do apply_update;
        Pending              -> Processing on Submit   if price_above_10;
        Pending              -> Pending    on Update   do apply_update;
        Processing           -> Completed  on Complete;
        Pending | Processing -> Failed     on Fail     do record_failure;

        finals = [Completed, Failed];
        idles  = [Pending, Processing, Completed, Failed];
        failed = Failed;

        topics {
            "orders.created"   => Create,
            "orders.submitted" => Submit,
            "orders.updated"   => Update,
            "orders.completed" => Complete,
            "orders.failed"    => Fail,
        }
    }

    /// Only orders worth more than 10 are processed.
    fn price_above_10(order: &Order, _: &OrderPayload) -> bool {
        order.price > 10.0
    }

    /// Copies the price and items an event carries onto the order.
    fn apply_update(order: &mut Order, payload: &OrderPayload) -> Result<(), ActionError> {
        if let Some(price) = payload.price {
            if !price.is_finite() || price < 0.0 {
                return Err(ActionError::fail(format!("invalid price {price}")));
            }
            order.price = price;
        }
        if let Some(items) = &payload.items {
            order.items.clone_from(items);
        }
        Ok(())
    }

    /// Records why the order failed.
    fn record_failure(order: &mut Order, payload: &OrderPayload) {
        order.failure = Some(
            payload
                .reason
                .clone()
                .unwrap_or_else(|| "unspecified".to_owned()),
        );
    }

    /// Every submission is audited before it is processed.
    #[on_event(Submit, order = 1)]
    async fn audit(order: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        order.audits += 1;
        Ok(())
    }

    /// Tells the customer their order is on its way; a failure to notify does not fail the
    /// order.
    #[on_status_changed(from = Pending, to = Processing, fail_on_error = false)]
    async fn notify(order: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        tracing::debug!(urn = %order.urn, "customer notified");
        Ok(())
    }
}
