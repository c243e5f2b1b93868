//! The derives: names, `ALL`, `as_str`/`FromStr`/`Display` agreeing with serde, and `Entity`.

use examples::order::{Order, OrderEvent, OrderStatus};
use workflow_kafka::prelude::*;

#[test]
fn state_names_round_trip_through_serde() {
    assert_eq!(OrderStatus::ALL.len(), 4);
    for (i, state) in OrderStatus::ALL.iter().enumerate() {
        assert_eq!(state.index(), i);
        let json = serde_json::to_string(state).unwrap();
        assert_eq!(json, format!("\"{}\"", state.as_str()));
        assert_eq!(state.to_string(), state.as_str());
        assert_eq!(state.as_str().parse::<OrderStatus>().unwrap(), *state);
        assert_eq!(serde_json::from_str::<OrderStatus>(&json).unwrap(), *state);
    }
    let error = "Shipped".parse::<OrderStatus>().unwrap_err();
    assert_eq!(
        (error.type_name, error.name.as_str()),
        ("OrderStatus", "Shipped")
    );
}

#[test]
fn event_names_parse_and_display() {
    assert_eq!(
        OrderEvent::ALL
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>(),
        ["Create", "Submit", "Update", "Complete", "Fail"]
    );
    for event in OrderEvent::ALL {
        assert_eq!(event.to_string().parse::<OrderEvent>().unwrap(), *event);
    }
    assert!(
        "submit".parse::<OrderEvent>().is_err(),
        "names are case-sensitive"
    );
}

#[test]
fn entity_accessors_use_the_marked_fields() {
    let mut order = Order::default();
    order.set_urn("urn:order:9");
    order.set_status(OrderStatus::Processing);
    assert_eq!(
        (order.urn.as_str(), order.status),
        ("urn:order:9", OrderStatus::Processing)
    );
    assert_eq!(
        (order.urn(), order.status()),
        ("urn:order:9", OrderStatus::Processing)
    );
}

/// Variant names that collide with names the generated code uses, and raw identifiers.
#[allow(non_camel_case_types)]
#[derive(
    workflow_kafka::prelude::State, Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize,
)]
enum Awkward {
    Err,
    Ok,
    None,
    r#loop,
}

#[test]
fn awkward_variant_names_work_and_raw_identifiers_lose_their_prefix() {
    assert_eq!("Err".parse::<Awkward>().unwrap(), Awkward::Err);
    assert_eq!("None".parse::<Awkward>().unwrap(), Awkward::None);
    assert_eq!(Awkward::r#loop.as_str(), "loop");
    assert_eq!(serde_json::to_string(&Awkward::r#loop).unwrap(), "\"loop\"");
    assert_eq!("loop".parse::<Awkward>().unwrap(), Awkward::r#loop);
    assert_eq!(Awkward::Ok.index(), 1);
}
