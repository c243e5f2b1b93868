//! The Kafka-flavoured macros work through `workflow_kafka::prelude` alone.
#![allow(missing_docs)]

use workflow_kafka::prelude::*;

#[derive(Entity, Clone, Debug, Default)]
pub struct Door {
    #[urn]
    pub id: String,
    #[status]
    pub status: door::DoorState,
}

#[workflow(entity = Door, payload = ())]
pub mod door {
    use super::*;

    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum DoorState {
        #[default]
        Closed,
        Open,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum DoorEvent {
        Push,
        Pull,
    }

    transitions! {
        Closed -> Open   on Push;
        Open   -> Closed on Pull;
        idles = [Closed, Open];
        topics {
            "doors.pushed" => Push,
            "doors.pulled" => Pull,
        }
    }
}

#[test]
fn generated_workflow_binds_topics() {
    assert_eq!(
        <door::Workflow as Workflow>::event_of("doors.pushed"),
        Some(door::DoorEvent::Push)
    );
    assert_eq!(
        <door::Workflow as Workflow>::topic_of(door::DoorEvent::Pull),
        Some("doors.pulled")
    );
}
