//! `crate = ".."` on every macro: generated code reaches the runtime through a re-export.
mod reexport {
    pub use workflow_core as wf;
}

use workflow_core::{Entity, Event, State, workflow};

#[derive(Entity, Clone, Debug, Default)]
#[entity(crate = "crate::reexport::wf")]
pub struct Light {
    #[urn]
    pub id: String,
    #[status]
    pub status: light::Color,
}

#[derive(State, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[state(crate = crate::reexport::wf)]
pub enum Standalone {
    One,
}

#[workflow(entity = Light, payload = (), crate = "crate::reexport::wf")]
pub mod light {
    use super::*;

    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum Color {
        #[default]
        Red,
        Green,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Tick {
        Install,
        Next,
    }

    transitions! {
        [*]   -> Red   on Install;
        Red   -> Green on Next;
        Green -> Red   on Next;
        idles = [Red, Green];
    }
}

fn main() {
    assert_eq!(light::LightWorkflow::DEFINITION.name, "LightWorkflow");
    assert_eq!(<light::LightWorkflow as workflow_core::Workflow>::create("l-1").id, "l-1");
    assert_eq!(Standalone::One.as_str(), "One");
}
