//! The order workflow driven in memory, without Kafka: each event goes straight to the
//! engine and every transition is printed.
//!
//! ```text
//! cargo run -p examples --example order_in_memory
//! ```

use examples::order::{OrderEvent, OrderPayload, OrderWorkflow};
use workflow_kafka::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::<OrderWorkflow, _>::new(MemoryStore::new());
    let priced = |price: f64| OrderPayload {
        price: Some(price),
        items: Some(vec!["lamp".into()]),
        ..OrderPayload::default()
    };
    let script = [
        (OrderEvent::Create, "urn:order:1", priced(25.0)),
        (OrderEvent::Submit, "urn:order:1", OrderPayload::default()),
        (OrderEvent::Complete, "urn:order:1", OrderPayload::default()),
        (OrderEvent::Create, "urn:order:2", priced(5.0)),
        (OrderEvent::Submit, "urn:order:2", OrderPayload::default()), // price too low: rejected
        (OrderEvent::Update, "urn:order:2", priced(12.0)),
        (OrderEvent::Submit, "urn:order:2", OrderPayload::default()),
        (
            OrderEvent::Fail,
            "urn:order:2",
            OrderPayload {
                reason: Some("out of stock".into()),
                ..OrderPayload::default()
            },
        ),
        (OrderEvent::Complete, "urn:order:2", OrderPayload::default()), // already final
    ];
    for (event, urn, payload) in script {
        match engine.emit(event, urn, &payload).await {
            Ok(outcome) => {
                let from = outcome.from.map_or("[*]", |s| s.as_str());
                println!(
                    "{urn:<12} {event:<9?} {from:>10} -> {:<10} {:?}",
                    outcome.to.as_str(),
                    outcome.kind
                );
            }
            Err(error) => println!(
                "{urn:<12} {event:<9?} refused: {error} ({})",
                error.reason_code()
            ),
        }
    }
    Ok(())
}
