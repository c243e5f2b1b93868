//! `transitions!` on its own needs a `machine` header.
use workflow_core::transitions;

transitions! {
    [*]    -> Closed on Install;
    idles = [Closed];
}

fn main() {}
