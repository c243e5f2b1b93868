//! A bare typed state machine from `transitions!` on its own.
use workflow_core::{State, transitions};

transitions! {
    machine Door(DoorState, DoorEvent);

    [*]    -> Closed on Install;
    Closed -> Open   on Push;
    Open   -> Closed on Pull;
    Closed | Open -> Broken on Kick;

    finals = [Broken];
    idles  = [Closed, Open];
}

fn main() {
    assert_eq!(DoorState::ALL, &[DoorState::Closed, DoorState::Open, DoorState::Broken]);
    assert_eq!(Door::next(None, DoorEvent::Install), Some(DoorState::Closed));
    assert_eq!(Door::next(Some(DoorState::Closed), DoorEvent::Push), Some(DoorState::Open));
    assert_eq!(Door::next(Some(DoorState::Open), DoorEvent::Push), None);
    assert_eq!(Door::next(Some(DoorState::Open), DoorEvent::Kick), Some(DoorState::Broken));
    assert_eq!(Door::DEFINITION.transitions.len(), 4);
    assert!(Door::DEFINITION.state("Broken").unwrap().is_final);
    assert!(Door::MERMAID.contains("    Closed --> Open: Push\n"));
    assert_eq!(DoorEvent::Kick.to_string(), "Kick");
    assert_eq!("Open".parse::<DoorState>(), Ok(DoorState::Open));
}
