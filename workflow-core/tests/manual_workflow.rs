//! The engine driven by a hand-written `Workflow` impl: the shape `#[workflow]` generates,
//! written out, so the engine's semantics are tested independently of the macros.
#![allow(missing_docs)]

use std::cell::Cell;
use std::sync::Mutex;

use workflow_core::__private as rt;
use workflow_core::{
    ActionError, Candidate, Definition, Engine, EngineConfig, Entity, EntityStore, Event,
    GuardError, MemoryStore, OutcomeKind, Position, State, StateInfo, StoreError, TransitionInfo,
    Version, Workflow, WorkflowError,
};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum S {
    #[default]
    Pending,
    Processing,
    Checking,
    Completed,
    Failed,
}

impl State for S {
    const ALL: &'static [Self] = &[
        S::Pending,
        S::Processing,
        S::Checking,
        S::Completed,
        S::Failed,
    ];
    const TYPE_NAME: &'static str = "S";
    fn as_str(self) -> &'static str {
        match self {
            S::Pending => "Pending",
            S::Processing => "Processing",
            S::Checking => "Checking",
            S::Completed => "Completed",
            S::Failed => "Failed",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum E {
    Create,
    Submit,
    Fail,
    Loop,
}

impl Event for E {
    const ALL: &'static [Self] = &[E::Create, E::Submit, E::Fail, E::Loop];
    const TYPE_NAME: &'static str = "E";
    fn as_str(self) -> &'static str {
        match self {
            E::Create => "Create",
            E::Submit => "Submit",
            E::Fail => "Fail",
            E::Loop => "Loop",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Order {
    urn: String,
    price: f64,
    log: Vec<&'static str>,
    status: S,
}

impl Entity for Order {
    type Status = S;
    fn urn(&self) -> &str {
        &self.urn
    }
    fn set_urn(&mut self, urn: &str) {
        self.urn = urn.to_owned();
    }
    fn status(&self) -> S {
        self.status
    }
    fn set_status(&mut self, status: S) {
        self.status = status;
    }
}

/// What the test wants actions to do this time.
#[derive(Default)]
struct P {
    fail: bool,
    retry: bool,
    panic: bool,
    guard_error: bool,
}

thread_local! {
    /// Guard calls on this test's thread (tests run in parallel on their own threads).
    static GUARD_CALLS: Cell<usize> = const { Cell::new(0) };
}

fn price_ok(o: &Order, p: &P) -> Result<bool, String> {
    GUARD_CALLS.set(GUARD_CALLS.get() + 1);
    if p.guard_error {
        return Err("pricing service down".into());
    }
    Ok(o.price > 10.0)
}

async fn process(o: &mut Order, p: &P) -> Result<(), ActionError> {
    o.log.push("process");
    if p.panic {
        panic!("boom");
    }
    if p.retry {
        return Err(ActionError::retry("busy"));
    }
    if p.fail {
        return Err(ActionError::fail("bad order"));
    }
    Ok(())
}

/// Transitions, as `transitions!` would declare them:
/// 0: [*] -> Pending on Create
/// 1: Pending -> Processing on Submit if price_ok do process
/// 2: Processing -> Checking (automatic)
/// 3: Checking -> Completed (automatic)
/// 4: Pending | Processing -> Failed on Fail
/// 5: Completed -> Completed on Loop   (never reached: Completed is final)
struct W;

static DEFINITION: Definition = Definition {
    name: "W",
    state_type: "S",
    event_type: "E",
    states: &[
        StateInfo {
            name: "Pending",
            is_final: false,
            is_idle: true,
            is_failed: false,
        },
        StateInfo {
            name: "Processing",
            is_final: false,
            is_idle: false,
            is_failed: false,
        },
        StateInfo {
            name: "Checking",
            is_final: false,
            is_idle: false,
            is_failed: false,
        },
        StateInfo {
            name: "Completed",
            is_final: true,
            is_idle: false,
            is_failed: false,
        },
        StateInfo {
            name: "Failed",
            is_final: true,
            is_idle: false,
            is_failed: true,
        },
    ],
    events: &["Create", "Submit", "Fail", "Loop"],
    transitions: &[
        TransitionInfo {
            from_initial: true,
            from: &[],
            to: "Pending",
            events: &["Create"],
            guards: &[],
            actions: &[],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Pending"],
            to: "Processing",
            events: &["Submit"],
            guards: &["price_ok"],
            actions: &["process"],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Processing"],
            to: "Checking",
            events: &[],
            guards: &[],
            actions: &[],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Checking"],
            to: "Completed",
            events: &[],
            guards: &[],
            actions: &[],
        },
        TransitionInfo {
            from_initial: false,
            from: &["Pending", "Processing"],
            to: "Failed",
            events: &["Fail"],
            guards: &[],
            actions: &[],
        },
    ],
    fallback: None,
    topics: &[],
    on_event: &[],
    on_status_changed: &[],
    kafka: workflow_core::KafkaDefaults {
        brokers: None,
        group_id: None,
        client_id: None,
    },
};

impl Workflow for W {
    type State = S;
    type Event = E;
    type Entity = Order;
    type Payload = P;
    const DEFINITION: &'static Definition = &DEFINITION;
    const MERMAID: &'static str = "stateDiagram-v2\n";
    const FAILED: Option<S> = Some(S::Failed);
    const HAS_FALLBACK: bool = false;

    fn is_final(state: S) -> bool {
        matches!(state, S::Completed | S::Failed)
    }
    fn is_idle(state: S) -> bool {
        matches!(state, S::Pending)
    }
    fn candidates(from: Option<S>, event: E) -> &'static [Candidate<S>] {
        match (from, event) {
            (None, E::Create) => &[Candidate {
                transition: 0,
                to: S::Pending,
            }],
            (Some(S::Pending), E::Submit) => &[Candidate {
                transition: 1,
                to: S::Processing,
            }],
            (Some(S::Pending | S::Processing), E::Fail) => &[Candidate {
                transition: 4,
                to: S::Failed,
            }],
            _ => &[],
        }
    }
    fn automatic(from: S) -> &'static [Candidate<S>] {
        match from {
            S::Processing => &[
                Candidate {
                    transition: 2,
                    to: S::Checking,
                },
                Candidate {
                    transition: 4,
                    to: S::Failed,
                },
            ],
            S::Checking => &[Candidate {
                transition: 3,
                to: S::Completed,
            }],
            _ => &[],
        }
    }
    async fn guards(transition: usize, entity: &Order, payload: &P) -> Result<bool, GuardError> {
        use rt::GuardOutput as _;
        match transition {
            1 => {
                if !price_ok(entity, payload).into_guard_result("price_ok")? {
                    return Ok(false);
                }
                Ok(true)
            }
            _ => Ok(true),
        }
    }
    async fn actions(
        transition: usize,
        entity: &mut Order,
        payload: &P,
    ) -> Result<(), ActionError> {
        use rt::ActionOutput as _;
        match transition {
            1 => process(entity, payload).await.into_action_result(),
            _ => Ok(()),
        }
    }
    async fn on_event(_: E, _: &mut Order, _: &P) -> Result<(), ActionError> {
        Ok(())
    }
    async fn on_status_changed(
        _: Option<S>,
        _: S,
        _: &mut Order,
        _: &P,
    ) -> Result<(), ActionError> {
        Ok(())
    }
    async fn fallback(_: E, _: &mut Order, _: &P) -> Result<(), ActionError> {
        Ok(())
    }
    fn create(urn: &str) -> Order {
        let mut order = Order::default();
        order.set_urn(urn);
        order
    }
    fn topic_of(_: E) -> Option<&'static str> {
        None
    }
    fn event_of(_: &str) -> Option<E> {
        None
    }
}

/// The assertion `#[workflow]` emits: `emit` is `Send` for every `Send` store.
const _: () = {
    fn assert_send<T: Send>(_: &T) {}
    #[allow(dead_code)]
    fn emit_is_send(engine: &Engine<W, MemoryStore<Order>>) {
        assert_send(&engine.emit(E::Create, "x", &P::default()));
    }
};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

async fn created(engine: &Engine<W, MemoryStore<Order>>, urn: &str, price: f64) {
    engine.emit(E::Create, urn, &P::default()).await.unwrap();
    let mut order = engine.store().get(urn).unwrap();
    order.price = price;
    let v = engine.store().load(urn).await.unwrap().unwrap().version;
    engine.store().save(&order, Some(v), None).await.unwrap();
}

#[test]
fn creation_then_automatic_chain_to_final() {
    rt().block_on(async {
        let engine = Engine::<W, _>::new(MemoryStore::new());
        let outcome = engine.emit(E::Create, "o-1", &P::default()).await.unwrap();
        assert_eq!(
            (outcome.kind.clone(), outcome.from, outcome.to),
            (OutcomeKind::Transitioned, None, S::Pending)
        );
        assert_eq!(outcome.version, Some(Version(1)));
        created(&engine, "o-2", 20.0).await;
        let outcome = engine.emit(E::Submit, "o-2", &P::default()).await.unwrap();
        assert_eq!(outcome.path, vec![S::Processing, S::Checking, S::Completed]);
        assert_eq!(outcome.entity.log, vec!["process"]);
        assert_eq!(engine.store().get("o-2").unwrap().status, S::Completed);
    });
}

#[test]
fn not_found_final_and_no_transition_are_typed() {
    rt().block_on(async {
        let engine = Engine::<W, _>::new(MemoryStore::new());
        let err = engine
            .emit(E::Submit, "nobody", &P::default())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                WorkflowError::NotFound {
                    event: E::Submit,
                    ..
                }
            ),
            "{err:?}"
        );
        engine.emit(E::Create, "o", &P::default()).await.unwrap();
        let err = engine
            .emit(E::Create, "o", &P::default())
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            WorkflowError::NoTransition {
                state: S::Pending,
                event: E::Create,
                ..
            }
        ));
        engine.emit(E::Fail, "o", &P::default()).await.unwrap();
        let err = engine.emit(E::Loop, "o", &P::default()).await.unwrap_err();
        assert!(matches!(
            err,
            WorkflowError::EntityInFinalState {
                state: S::Failed,
                ..
            }
        ));
        assert_eq!(err.reason_code(), "entity_in_final_state");
        assert!(!err.is_transient());
    });
}

#[test]
fn guard_rejection_saves_nothing_and_guard_errors_are_errors() {
    rt().block_on(async {
        let engine = Engine::<W, _>::new(MemoryStore::new());
        created(&engine, "cheap", 5.0).await;
        let before = engine.store().load("cheap").await.unwrap().unwrap();
        let outcome = engine
            .emit(E::Submit, "cheap", &P::default())
            .await
            .unwrap();
        assert_eq!(outcome.kind, OutcomeKind::GuardRejected);
        assert_eq!(engine.store().load("cheap").await.unwrap().unwrap(), before);
        let err = engine
            .emit(
                E::Submit,
                "cheap",
                &P {
                    guard_error: true,
                    ..P::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(&err, WorkflowError::Guard { source, .. } if source.guard == "price_ok"));
        assert!(err.is_transient());
    });
}

#[test]
fn failing_action_discards_changes_and_moves_to_failed() {
    rt().block_on(async {
        let engine = Engine::<W, _>::new(MemoryStore::new());
        for (urn, payload) in [
            (
                "f",
                P {
                    fail: true,
                    ..P::default()
                },
            ),
            (
                "p",
                P {
                    panic: true,
                    ..P::default()
                },
            ),
        ] {
            created(&engine, urn, 20.0).await;
            let outcome = engine.emit(E::Submit, urn, &payload).await.unwrap();
            assert!(
                matches!(outcome.kind, OutcomeKind::Failed { .. }),
                "{:?}",
                outcome.kind
            );
            assert_eq!(outcome.path, vec![S::Failed]);
            let stored = engine.store().get(urn).unwrap();
            assert_eq!(
                (stored.status, stored.log.len()),
                (S::Failed, 0),
                "changes of the failing chain are discarded"
            );
        }
    });
}

#[test]
fn retry_leaves_the_store_untouched() {
    rt().block_on(async {
        let engine = Engine::<W, _>::new(MemoryStore::new());
        created(&engine, "r", 20.0).await;
        let before = engine.store().load("r").await.unwrap().unwrap();
        let err = engine
            .emit(
                E::Submit,
                "r",
                &P {
                    retry: true,
                    ..P::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, WorkflowError::Retry { .. }) && err.is_transient());
        assert_eq!(engine.store().load("r").await.unwrap().unwrap(), before);
    });
}

#[test]
fn redelivered_position_is_skipped() {
    rt().block_on(async {
        let engine = Engine::<W, _>::new(MemoryStore::new());
        let at = Position::new("orders/0", 7);
        engine
            .emit_at(E::Create, "d", &P::default(), Some(&at))
            .await
            .unwrap();
        let again = engine
            .emit_at(E::Create, "d", &P::default(), Some(&at))
            .await
            .unwrap();
        assert_eq!(again.kind, OutcomeKind::AlreadyApplied);
        let older = engine
            .emit_at(
                E::Fail,
                "d",
                &P::default(),
                Some(&Position::new("orders/0", 3)),
            )
            .await
            .unwrap();
        assert_eq!(older.kind, OutcomeKind::AlreadyApplied);
        let other_stream = engine
            .emit_at(
                E::Fail,
                "d",
                &P::default(),
                Some(&Position::new("orders/1", 3)),
            )
            .await
            .unwrap();
        assert_eq!(other_stream.to, S::Failed);
    });
}

#[test]
fn chain_bound_saves_failed_state_and_returns_typed_error() {
    rt().block_on(async {
        let engine = Engine::<W, _>::with_config(MemoryStore::new(), EngineConfig { max_chain: 1, ..EngineConfig::default() });
        created(&engine, "c", 20.0).await;
        let err = engine.emit(E::Submit, "c", &P::default()).await.unwrap_err();
        assert!(matches!(&err, WorkflowError::ChainTooLong { limit: 1, path, .. } if path == &[S::Processing, S::Checking]), "{err:?}");
        assert_eq!(engine.store().get("c").unwrap().status, S::Failed);
    });
}

/// A store that lets another writer sneak in once, between load and save.
struct Racing {
    inner: MemoryStore<Order>,
    raced: Mutex<bool>,
}

impl EntityStore<Order> for Racing {
    async fn load(&self, urn: &str) -> Result<Option<workflow_core::Loaded<Order>>, StoreError> {
        self.inner.load(urn).await
    }
    async fn save(
        &self,
        entity: &Order,
        expected: Option<Version>,
        position: Option<&Position>,
    ) -> Result<Version, StoreError> {
        let race = std::mem::replace(&mut *self.raced.lock().unwrap(), true);
        if !race {
            let mut other = self.inner.get(entity.urn()).unwrap();
            other.price = 1.0; // the other writer makes the guard reject
            self.inner.save(&other, expected, None).await?;
        }
        self.inner.save(entity, expected, position).await
    }
}

#[test]
fn version_conflict_reloads_and_re_evaluates() {
    rt().block_on(async {
        let inner = MemoryStore::new();
        let setup = Engine::<W, _>::new(inner.clone());
        created(&setup, "v", 20.0).await;
        let engine = Engine::<W, _>::new(Racing {
            inner: inner.clone(),
            raced: Mutex::new(false),
        });
        let outcome = engine.emit(E::Submit, "v", &P::default()).await.unwrap();
        // Re-evaluated against the other writer's entity: the guard now rejects.
        assert_eq!(outcome.kind, OutcomeKind::GuardRejected);
        assert_eq!(inner.get("v").unwrap().price, 1.0);
    });
}

#[test]
fn each_guard_runs_once_per_attempt() {
    rt().block_on(async {
        let engine = Engine::<W, _>::new(MemoryStore::new());
        created(&engine, "g", 20.0).await;
        let before = GUARD_CALLS.get();
        engine.emit(E::Submit, "g", &P::default()).await.unwrap();
        assert_eq!(GUARD_CALLS.get() - before, 1);
    });
}
