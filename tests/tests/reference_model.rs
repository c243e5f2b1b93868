//! Property test: random event sequences run through a macro-generated workflow and through
//! a small table-driven interpreter built only from its `DEFINITION` (names, kinds,
//! declaration order). Both must agree on every step: the outcome or error, the state, and
//! the entity's data.

use std::collections::HashMap;

use proptest::prelude::*;
use workflow_core::prelude::*;
use workflow_core::{Definition, TransitionInfo};

#[derive(Debug, Clone, Copy, Default)]
pub struct Input {
    pub n: u8,
    pub fail: bool,
}

#[derive(Entity, Clone, Debug, Default, PartialEq)]
pub struct Thing {
    #[urn]
    pub urn: String,
    pub counter: u32,
    pub notes: u32,
    pub seen: u32,
    #[status]
    pub status: model::Phase,
}

#[workflow(entity = Thing, payload = Input)]
pub mod model {
    use super::*;

    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum Phase {
        #[default]
        A,
        B,
        C,
        D,
        E,
        F,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Signal {
        X,
        Y,
        Z,
        W,
    }

    transitions! {
        [*]   -> A on X;
        A | B -> A on X         do reset;
        A     -> B on Y if even;
        A     -> A on Y if small do bump;
        A | B -> C on Z         do bump;
        C     -> D if big;
        C     -> B;
        D     -> B              do fragile;
        B     -> E on W if even && small;

        finals   = [E, F];
        idles    = [A, B];
        failed   = F;
        fallback = noted;
    }

    pub fn even(_: &Thing, i: &Input) -> bool {
        i.n % 2 == 0
    }
    pub fn small(_: &Thing, i: &Input) -> bool {
        i.n < 200
    }
    pub fn big(t: &Thing, i: &Input) -> bool {
        u32::from(i.n) + t.counter > 150
    }
    pub fn bump(t: &mut Thing, i: &Input) {
        t.counter += u32::from(i.n);
    }
    pub fn reset(t: &mut Thing, _: &Input) {
        t.counter = 0;
    }
    pub fn fragile(t: &mut Thing, i: &Input) -> Result<(), ActionError> {
        t.counter += 1;
        if i.fail {
            return Err(ActionError::fail("fragile"));
        }
        Ok(())
    }
    pub fn noted(t: &mut Thing, _: Signal, _: &Input) {
        t.notes += 1;
    }

    #[on_event(Z)]
    pub fn saw_z(t: &mut Thing, _: &Input) {
        t.seen += 1;
    }
}

use model::{ModelWorkflow, Signal};

type Guard = fn(&Thing, &Input) -> bool;
type Action = fn(&mut Thing, &Input) -> Result<(), ActionError>;

/// The reference interpreter: knows the workflow only through `DEFINITION` and tables of
/// the user functions by name.
struct Reference {
    def: &'static Definition,
    guards: HashMap<&'static str, Guard>,
    actions: HashMap<&'static str, Action>,
    entities: HashMap<String, Thing>,
}

/// What one step produced, in a form both sides can be reduced to.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Ok {
        kind: &'static str,
        to: &'static str,
    },
    Err(&'static str),
}

impl Reference {
    fn new() -> Self {
        let guards: HashMap<&'static str, Guard> = [
            ("even", model::even as Guard),
            ("small", model::small),
            ("big", model::big),
        ]
        .into();
        let actions: HashMap<&'static str, Action> = [
            (
                "bump",
                (|t: &mut Thing, i: &Input| {
                    model::bump(t, i);
                    Ok(())
                }) as Action,
            ),
            ("reset", |t, i| {
                model::reset(t, i);
                Ok(())
            }),
            ("fragile", model::fragile),
            ("saw_z", |t, i| {
                model::saw_z(t, i);
                Ok(())
            }),
        ]
        .into();
        Self {
            def: ModelWorkflow::DEFINITION,
            guards,
            actions,
            entities: HashMap::new(),
        }
    }

    fn state(&self, name: &str) -> &'static workflow_core::StateInfo {
        self.def.state(name).expect("known state")
    }

    fn passes(&self, t: &TransitionInfo, thing: &Thing, input: &Input) -> bool {
        t.guards.iter().all(|g| self.guards[g](thing, input))
    }

    fn run(&self, names: &[&str], thing: &mut Thing, input: &Input) -> Result<(), ActionError> {
        names.iter().try_for_each(|a| self.actions[a](thing, input))
    }

    fn emit(&mut self, event: &'static str, urn: &str, input: &Input) -> Step {
        let def = self.def;
        let loaded = self.entities.get(urn).cloned();
        let from = loaded.as_ref().map(|t| t.status.as_str());
        if from.is_some_and(|s| self.state(s).is_final) {
            return Step::Err("entity_in_final_state");
        }
        let candidates: Vec<&TransitionInfo> = def
            .transitions
            .iter()
            .filter(|t| t.events.contains(&event))
            .filter(|t| match from {
                None => t.from_initial,
                Some(s) => t.from.contains(&s),
            })
            .collect();
        if candidates.is_empty() {
            return Step::Err(if from.is_none() {
                "not_found"
            } else {
                "no_transition"
            });
        }
        let base = loaded.unwrap_or_else(|| Thing {
            urn: urn.to_owned(),
            ..Thing::default()
        });
        let mut thing = base.clone();
        let Some(first) = candidates
            .into_iter()
            .find(|t| self.passes(t, &thing, input))
        else {
            let Some(fallback) = def.fallback.filter(|_| from.is_some()) else {
                return Step::Ok {
                    kind: "rejected",
                    to: from.unwrap_or("A"),
                };
            };
            assert_eq!(fallback, "noted");
            thing.notes += 1;
            let to = thing.status.as_str();
            self.entities.insert(urn.to_owned(), thing);
            return Step::Ok {
                kind: "fallback",
                to,
            };
        };
        let mut step = first;
        let mut automatic = false;
        let kind = loop {
            let mut handlers: Vec<_> = if automatic {
                Vec::new()
            } else {
                def.on_event.iter().filter(|h| h.event == event).collect()
            };
            handlers.sort_by_key(|h| h.order);
            let names: Vec<&str> = handlers
                .iter()
                .map(|h| h.name)
                .chain(step.actions.iter().copied())
                .collect();
            if self.run(&names, &mut thing, input).is_err() {
                let failed = def.failed_state().expect("failed state");
                let mut failed_thing = base.clone();
                failed_thing.status = failed.parse().unwrap();
                self.entities.insert(urn.to_owned(), failed_thing);
                return Step::Ok {
                    kind: "failed",
                    to: failed,
                };
            }
            thing.status = step.to.parse().unwrap();
            let info = self.state(step.to);
            if !info.is_transient() {
                break "transitioned";
            }
            let next = def
                .transitions
                .iter()
                .filter(|t| t.from.contains(&step.to))
                .find(|t| self.passes(t, &thing, input));
            match next {
                Some(t) => {
                    step = t;
                    automatic = true;
                }
                None => break "halted",
            }
        };
        let to = thing.status.as_str();
        self.entities.insert(urn.to_owned(), thing);
        Step::Ok { kind, to }
    }
}

fn reduce(result: Result<OutcomeOf<ModelWorkflow>, workflow_core::ErrorOf<ModelWorkflow>>) -> Step {
    match result {
        Ok(outcome) => Step::Ok {
            kind: match outcome.kind {
                OutcomeKind::Transitioned => "transitioned",
                OutcomeKind::Failed { .. } => "failed",
                OutcomeKind::Fallback => "fallback",
                OutcomeKind::GuardRejected => "rejected",
                OutcomeKind::Halted => "halted",
                OutcomeKind::AlreadyApplied => "already_applied",
            },
            to: outcome.to.as_str(),
        },
        Err(error) => Step::Err(error.reason_code()),
    }
}

use workflow_core::OutcomeOf;

fn signal() -> impl Strategy<Value = Signal> {
    prop::sample::select(Signal::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_workflow_agrees_with_the_reference(
        steps in prop::collection::vec((0..3usize, signal(), any::<u8>(), prop::bool::weighted(0.2)), 1..40)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let engine = Engine::<ModelWorkflow, _>::new(MemoryStore::new());
        let mut reference = Reference::new();
        for (i, (urn, signal, n, fail)) in steps.into_iter().enumerate() {
            let urn = format!("thing-{urn}");
            let input = Input { n, fail };
            let actual = reduce(runtime.block_on(engine.emit(signal, &urn, &input)));
            let expected = reference.emit(signal.as_str(), &urn, &input);
            prop_assert_eq!(&actual, &expected, "step {} ({:?} on {})", i, signal, urn);
            prop_assert_eq!(engine.store().get(&urn), reference.entities.get(&urn).cloned(), "entity after step {}", i);
        }
    }
}
