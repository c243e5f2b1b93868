//! A bare machine has no guards, actions, fallback or topics.
use workflow_core::transitions;

transitions! {
    machine Door(DoorState, DoorEvent);

    [*]    -> Closed on Install;
    Closed -> Open   on Push if unlocked;
    Open   -> Closed on Pull do log;
    idles = [Closed, Open];
    fallback = nope;
    topics {
        "doors" => Push,
    }
}

fn main() {
    let _ = Door::next(None, DoorEvent::Install);
}
