//! The engine's semantics (DESIGN.md "Engine semantics" 1-9) and the behaviours
//! nestjs-workflow's own suite covers, on macro-generated workflows and `MemoryStore`.

use std::sync::Mutex;

use workflow_core::prelude::*;
use workflow_core::{Loaded, Position, StoreError, Version};

/// What the test wants the user code to do for one event.
#[derive(Debug, Default, Clone)]
pub struct Cmd {
    pub amount: i64,
    pub fail: bool,
    pub retry: bool,
    pub panic: bool,
    pub guard_error: bool,
    pub notify_fails: bool,
    pub notify_panics: bool,
    /// User code writes the status field itself.
    pub rogue: bool,
    /// User code changes the URN.
    pub rename: bool,
    pub audit_fails: bool,
}

#[derive(Entity, Clone, Debug, Default, PartialEq)]
pub struct Account {
    #[urn]
    pub id: String,
    pub balance: i64,
    /// What ran, in order.
    pub log: Vec<String>,
    #[status]
    pub status: account::AccountState,
}

/// An account: opened, funded, reviewed automatically, closed.
#[workflow(entity = Account, payload = Cmd)]
pub mod account {
    use super::*;

    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum AccountState {
        #[default]
        Open,
        Funded,
        Reviewing,
        Approved,
        Frozen,
        Closed,
        Failed,
    }

    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum AccountEvent {
        Create,
        Deposit,
        Withdraw,
        Review,
        Freeze,
        Cancel,
        Close,
    }

    transitions! {
        [*]                       -> Open      on Create                       do opened;
        Open | Funded             -> Funded    on Deposit  if positive         do deposit;
        Funded                    -> Funded    on Withdraw if positive && covered do withdraw;
        Funded                    -> Reviewing on Review;
        Reviewing                 -> Approved  if large;
        Reviewing                 -> Funded;
        Open | Funded | Approved  -> Frozen    on Freeze | Cancel;
        Frozen | Approved | Funded -> Closed   on Close                        do close_out;

        finals   = [Closed, Failed];
        idles    = [Open, Funded, Approved, Frozen];
        failed   = Failed;
        fallback = refused;
    }

    fn opened(a: &mut Account, _: &Cmd) {
        a.log.push("opened".into());
    }

    fn positive(_: &Account, c: &Cmd) -> Result<bool, String> {
        if c.guard_error {
            return Err("limits service down".into());
        }
        Ok(c.amount > 0)
    }

    async fn covered(a: &Account, c: &Cmd) -> bool {
        tokio::task::yield_now().await;
        a.balance >= c.amount
    }

    fn large(a: &Account, _: &Cmd) -> bool {
        a.balance >= 1000
    }

    async fn deposit(a: &mut Account, c: &Cmd) -> Result<(), ActionError> {
        tokio::task::yield_now().await;
        a.balance += c.amount;
        a.log.push(format!("deposit {}", c.amount));
        if c.panic {
            panic!("deposit exploded");
        }
        if c.retry {
            return Err(ActionError::retry("ledger busy"));
        }
        if c.fail {
            return Err(ActionError::fail("ledger rejected"));
        }
        Ok(())
    }

    fn withdraw(a: &mut Account, c: &Cmd) -> Result<(), ActionError> {
        a.balance -= c.amount;
        a.log.push(format!("withdraw {}", c.amount));
        Ok(())
    }

    fn close_out(a: &mut Account, _: &Cmd) {
        a.log.push("closed".into());
    }

    fn refused(a: &mut Account, e: AccountEvent, c: &Cmd) {
        a.log.push(format!("refused {e:?}"));
        if c.rogue {
            a.status = AccountState::Closed;
        }
    }

    #[on_event(Deposit, order = 2)]
    fn second(a: &mut Account, _: &Cmd) {
        a.log.push("on_event 2".into());
    }

    #[on_event(Deposit, order = 1)]
    async fn first(a: &mut Account, c: &Cmd) -> Result<(), ActionError> {
        a.log.push("on_event 1".into());
        if c.audit_fails {
            return Err(ActionError::fail("audit refused"));
        }
        Ok(())
    }

    #[on_status_changed(from = Reviewing, to = Approved)]
    fn approved(a: &mut Account, c: &Cmd) -> Result<(), ActionError> {
        a.log.push("approved".into());
        if c.notify_fails {
            return Err(ActionError::fail("approval notice failed"));
        }
        Ok(())
    }

    #[on_status_changed(to = Frozen, fail_on_error = false)]
    fn frozen(a: &mut Account, c: &Cmd) -> Result<(), ActionError> {
        a.log.push("frozen".into());
        if c.rogue {
            a.status = AccountState::Closed;
        }
        if c.rename {
            a.id.push_str("-renamed");
        }
        if c.notify_panics {
            panic!("freeze notice exploded");
        }
        if c.notify_fails {
            return Err(ActionError::fail("freeze notice failed"));
        }
        Ok(())
    }
}

use account::{AccountEvent as Ev, AccountState as St, AccountWorkflow};

type Eng = Engine<AccountWorkflow, MemoryStore<Account>>;

fn engine() -> Eng {
    Engine::new(MemoryStore::new())
}

fn cmd(amount: i64) -> Cmd {
    Cmd {
        amount,
        ..Cmd::default()
    }
}

async fn open(engine: &Eng, urn: &str) {
    engine.emit(Ev::Create, urn, &Cmd::default()).await.unwrap();
}

async fn funded(engine: &Eng, urn: &str, amount: i64) {
    open(engine, urn).await;
    engine.emit(Ev::Deposit, urn, &cmd(amount)).await.unwrap();
}

fn stored(engine: &Eng, urn: &str) -> Account {
    engine.store().get(urn).expect("stored")
}

// ---- nestjs-workflow's behaviours -------------------------------------------------------

#[tokio::test]
async fn simple_flow_creates_and_moves_the_entity() {
    let engine = engine();
    let created = engine
        .emit(Ev::Create, "a-1", &Cmd::default())
        .await
        .unwrap();
    assert_eq!(
        (created.kind, created.from, created.to),
        (OutcomeKind::Transitioned, None, St::Open)
    );
    assert_eq!(created.entity.id, "a-1");
    let deposit = engine.emit(Ev::Deposit, "a-1", &cmd(50)).await.unwrap();
    assert_eq!(
        (deposit.from, deposit.to, deposit.path.clone()),
        (Some(St::Open), St::Funded, vec![St::Funded])
    );
    let closed = engine
        .emit(Ev::Close, "a-1", &Cmd::default())
        .await
        .unwrap();
    assert_eq!(closed.to, St::Closed);
    assert_eq!(stored(&engine, "a-1").status, St::Closed);
}

#[tokio::test]
async fn several_sources_and_several_events_share_one_transition() {
    let engine = engine();
    for (urn, setup_deposit, event) in [
        ("s-1", false, Ev::Freeze),
        ("s-2", true, Ev::Cancel),
        ("s-3", true, Ev::Freeze),
    ] {
        open(&engine, urn).await;
        if setup_deposit {
            engine.emit(Ev::Deposit, urn, &cmd(5)).await.unwrap();
        }
        let outcome = engine.emit(event, urn, &Cmd::default()).await.unwrap();
        assert_eq!(outcome.to, St::Frozen, "{urn} via {event:?}");
    }
}

#[tokio::test]
async fn conditions_pick_the_transition_and_run_in_order() {
    let engine = engine();
    funded(&engine, "c-1", 100).await;
    // `positive && covered`: 500 is not covered, the fallback runs.
    let outcome = engine.emit(Ev::Withdraw, "c-1", &cmd(500)).await.unwrap();
    assert_eq!(outcome.kind, OutcomeKind::Fallback);
    let outcome = engine.emit(Ev::Withdraw, "c-1", &cmd(40)).await.unwrap();
    assert_eq!(outcome.kind, OutcomeKind::Transitioned);
    assert_eq!(stored(&engine, "c-1").balance, 60);
}

#[tokio::test]
async fn inline_actions_change_the_saved_entity() {
    let engine = engine();
    funded(&engine, "i-1", 30).await;
    let account = stored(&engine, "i-1");
    assert_eq!(account.balance, 30);
    assert_eq!(
        account.log,
        vec!["opened", "on_event 1", "on_event 2", "deposit 30"]
    );
}

#[tokio::test]
async fn on_event_handlers_run_by_order_before_the_actions() {
    let engine = engine();
    open(&engine, "o-1").await;
    let outcome = engine.emit(Ev::Deposit, "o-1", &cmd(1)).await.unwrap();
    let log = &outcome.entity.log;
    assert_eq!(&log[1..], ["on_event 1", "on_event 2", "deposit 1"]);
}

#[tokio::test]
async fn on_status_changed_fails_the_entity_unless_fail_on_error_is_false() {
    let engine = engine();
    // fail_on_error defaults to true: Reviewing -> Approved's handler failure fails the entity.
    funded(&engine, "n-1", 2000).await;
    let noisy = Cmd {
        notify_fails: true,
        ..Cmd::default()
    };
    let outcome = engine.emit(Ev::Review, "n-1", &noisy).await.unwrap();
    assert!(
        matches!(outcome.kind, OutcomeKind::Failed { .. }),
        "{:?}",
        outcome.kind
    );
    assert_eq!(stored(&engine, "n-1").status, St::Failed);
    // fail_on_error = false: the failure is logged and the transition stands.
    funded(&engine, "n-2", 10).await;
    let outcome = engine.emit(Ev::Freeze, "n-2", &noisy).await.unwrap();
    assert_eq!(
        (outcome.kind, outcome.to),
        (OutcomeKind::Transitioned, St::Frozen)
    );
    assert_eq!(
        stored(&engine, "n-2").log.last().map(String::as_str),
        Some("frozen")
    );
}

#[tokio::test]
async fn a_failing_action_moves_to_failed_and_discards_the_chain() {
    let engine = engine();
    for (urn, payload) in [
        (
            "f-1",
            Cmd {
                fail: true,
                ..cmd(10)
            },
        ),
        (
            "f-2",
            Cmd {
                panic: true,
                ..cmd(10)
            },
        ),
        (
            "f-3",
            Cmd {
                audit_fails: true,
                ..cmd(10)
            },
        ),
    ] {
        open(&engine, urn).await;
        let outcome = engine.emit(Ev::Deposit, urn, &payload).await.unwrap();
        let OutcomeKind::Failed { error } = &outcome.kind else {
            panic!("{urn}: {:?}", outcome.kind)
        };
        assert!(matches!(error, ActionError::Fail(_)));
        let account = stored(&engine, urn);
        assert_eq!((account.status, account.balance), (St::Failed, 0), "{urn}");
        assert_eq!(
            account.log,
            vec!["opened"],
            "{urn}: the failing chain's changes are discarded"
        );
    }
}

#[tokio::test]
async fn fallback_runs_when_every_guard_rejects_and_is_saved() {
    let engine = engine();
    open(&engine, "fb-1").await;
    let outcome = engine.emit(Ev::Deposit, "fb-1", &cmd(-5)).await.unwrap();
    assert_eq!(
        (outcome.kind, outcome.to),
        (OutcomeKind::Fallback, St::Open)
    );
    assert_eq!(
        stored(&engine, "fb-1").log.last().map(String::as_str),
        Some("refused Deposit")
    );
}

#[tokio::test]
async fn automatic_transitions_run_through_non_idle_states() {
    let engine = engine();
    funded(&engine, "auto-1", 5000).await;
    let outcome = engine
        .emit(Ev::Review, "auto-1", &Cmd::default())
        .await
        .unwrap();
    assert_eq!(outcome.path, vec![St::Reviewing, St::Approved]);
    assert_eq!(
        stored(&engine, "auto-1").log.last().map(String::as_str),
        Some("approved")
    );
    // Small accounts go back to Funded: the first automatic transition whose guards pass.
    funded(&engine, "auto-2", 5).await;
    let outcome = engine
        .emit(Ev::Review, "auto-2", &Cmd::default())
        .await
        .unwrap();
    assert_eq!(outcome.path, vec![St::Reviewing, St::Funded]);
}

// ---- the numbered rules -----------------------------------------------------------------

#[tokio::test]
async fn rule_1_missing_entity_is_created_by_a_star_transition_or_not_found() {
    let engine = engine();
    let err = engine
        .emit(Ev::Deposit, "ghost", &cmd(1))
        .await
        .unwrap_err();
    assert!(matches!(&err, WorkflowError::NotFound { urn, event: Ev::Deposit } if urn == "ghost"));
    assert!(engine.store().is_empty());
    let outcome = engine
        .emit(Ev::Create, "ghost", &Cmd::default())
        .await
        .unwrap();
    assert_eq!(
        (outcome.from, outcome.to, outcome.version),
        (None, St::Open, Some(Version(1)))
    );
}

#[tokio::test]
async fn rule_2_final_state_runs_nothing() {
    let engine = engine();
    funded(&engine, "fin", 1).await;
    engine
        .emit(Ev::Close, "fin", &Cmd::default())
        .await
        .unwrap();
    let before = engine.store().load("fin").await.unwrap();
    let err = engine.emit(Ev::Deposit, "fin", &cmd(1)).await.unwrap_err();
    assert!(matches!(
        err,
        WorkflowError::EntityInFinalState {
            state: St::Closed,
            event: Ev::Deposit,
            ..
        }
    ));
    assert_eq!(engine.store().load("fin").await.unwrap(), before);
}

#[tokio::test]
async fn rule_3_no_candidate_is_no_transition() {
    let engine = engine();
    open(&engine, "nt").await;
    let err = engine.emit(Ev::Withdraw, "nt", &cmd(1)).await.unwrap_err();
    assert!(matches!(
        err,
        WorkflowError::NoTransition {
            state: St::Open,
            event: Ev::Withdraw,
            ..
        }
    ));
    assert_eq!(err.reason_code(), "no_transition");
}

#[tokio::test]
async fn rule_4_guard_errors_are_errors_not_false() {
    let engine = engine();
    open(&engine, "ge").await;
    let before = engine.store().load("ge").await.unwrap();
    let err = engine
        .emit(
            Ev::Deposit,
            "ge",
            &Cmd {
                guard_error: true,
                ..cmd(5)
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WorkflowError::Guard { source, .. } if source.guard == "positive" && source.message == "limits service down")
    );
    assert!(err.is_transient());
    assert_eq!(
        engine.store().load("ge").await.unwrap(),
        before,
        "neither the fallback nor anything else ran"
    );
}

#[tokio::test]
async fn rule_5_retry_saves_nothing() {
    let engine = engine();
    open(&engine, "rt").await;
    let before = engine.store().load("rt").await.unwrap();
    let err = engine
        .emit(
            Ev::Deposit,
            "rt",
            &Cmd {
                retry: true,
                ..cmd(5)
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, WorkflowError::Retry { reason, .. } if reason == "ledger busy"));
    assert_eq!(engine.store().load("rt").await.unwrap(), before);
}

#[tokio::test]
async fn rule_6_status_is_set_before_status_handlers_run() {
    let engine = engine();
    funded(&engine, "st", 1).await;
    let outcome = engine
        .emit(Ev::Freeze, "st", &Cmd::default())
        .await
        .unwrap();
    assert_eq!(outcome.entity.status, St::Frozen);
    assert_eq!(
        outcome.entity.log.last().map(String::as_str),
        Some("frozen")
    );
}

#[tokio::test]
async fn the_engine_owns_the_status_and_the_urn() {
    let engine = engine();
    let rogue = Cmd {
        rogue: true,
        ..Cmd::default()
    };
    funded(&engine, "own-1", 1).await;
    let outcome = engine.emit(Ev::Freeze, "own-1", &rogue).await.unwrap();
    assert_eq!(
        outcome.to,
        St::Frozen,
        "a status handler cannot move the entity"
    );
    // A handler that renames the entity fails it: saving under another URN would conflict
    // forever. The entity is saved as loaded, in `Failed`.
    funded(&engine, "own-3", 1).await;
    let rename = Cmd {
        rename: true,
        ..Cmd::default()
    };
    let outcome = engine.emit(Ev::Freeze, "own-3", &rename).await.unwrap();
    let OutcomeKind::Failed { error } = &outcome.kind else {
        panic!("{:?}", outcome.kind)
    };
    assert!(
        error.to_string().contains("changed the entity's URN"),
        "{error}"
    );
    let account = stored(&engine, "own-3");
    assert_eq!((account.status, account.id.as_str()), (St::Failed, "own-3"));
    open(&engine, "own-2").await;
    let outcome = engine
        .emit(
            Ev::Deposit,
            "own-2",
            &Cmd {
                amount: -1,
                ..rogue
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (outcome.kind, outcome.to),
        (OutcomeKind::Fallback, St::Open),
        "nor can the fallback"
    );
    assert_eq!(stored(&engine, "own-2").status, St::Open);
}

#[tokio::test]
async fn rule_7_chain_is_bounded() {
    let engine: Eng = Engine::with_config(
        MemoryStore::new(),
        EngineConfig {
            max_chain: 0,
            ..EngineConfig::default()
        },
    );
    funded(&engine, "ch", 5).await;
    let err = engine
        .emit(Ev::Review, "ch", &Cmd::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WorkflowError::ChainTooLong { limit: 0, path, .. } if path == &[St::Reviewing]),
        "{err:?}"
    );
    assert_eq!(stored(&engine, "ch").status, St::Failed);
}

#[tokio::test]
async fn rule_8_saves_once_with_the_loaded_version_and_position() {
    let engine = engine();
    open(&engine, "sv").await;
    let at = Position::new("accounts/0", 41);
    let outcome = engine
        .emit_at(Ev::Deposit, "sv", &cmd(5), Some(&at))
        .await
        .unwrap();
    assert_eq!(outcome.version, Some(Version(2)), "one save per event");
    let again = engine
        .emit_at(Ev::Deposit, "sv", &cmd(5), Some(&at))
        .await
        .unwrap();
    assert_eq!(again.kind, OutcomeKind::AlreadyApplied);
    assert_eq!(
        stored(&engine, "sv").balance,
        5,
        "a redelivery applies nothing twice"
    );
}

/// A store where another writer changes the entity between our load and our save, once.
struct Contended {
    inner: MemoryStore<Account>,
    raced: Mutex<bool>,
}

impl EntityStore<Account> for Contended {
    async fn load(&self, urn: &str) -> Result<Option<Loaded<Account>>, StoreError> {
        self.inner.load(urn).await
    }
    async fn save(
        &self,
        entity: &Account,
        expected: Option<Version>,
        position: Option<&Position>,
    ) -> Result<Version, StoreError> {
        if !std::mem::replace(&mut *self.raced.lock().unwrap(), true) {
            let mut other = self.inner.get(entity.urn()).unwrap();
            other.balance += 1000;
            self.inner.save(&other, expected, None).await?;
        }
        self.inner.save(entity, expected, position).await
    }
}

#[tokio::test]
async fn rule_8_a_version_conflict_reloads_and_re_evaluates() {
    let inner = MemoryStore::new();
    funded(&Engine::new(inner.clone()), "vc", 10).await;
    let engine = Engine::<AccountWorkflow, _>::new(Contended {
        inner: inner.clone(),
        raced: Mutex::new(false),
    });
    let outcome = engine.emit(Ev::Withdraw, "vc", &cmd(500)).await.unwrap();
    // Evaluated first against balance 10 (fallback), then against the other writer's 1010.
    assert_eq!(outcome.kind, OutcomeKind::Transitioned);
    assert_eq!(inner.get("vc").unwrap().balance, 510);
}

#[tokio::test]
async fn rule_9_outcome_is_typed() {
    let engine = engine();
    funded(&engine, "ty", 3000).await;
    let outcome: OutcomeOf<AccountWorkflow> = engine
        .emit(Ev::Review, "ty", &Cmd::default())
        .await
        .unwrap();
    assert_eq!(outcome.event, Ev::Review);
    assert_eq!((outcome.from, outcome.to), (Some(St::Funded), St::Approved));
    assert_eq!(outcome.entity.balance, 3000);
}

use workflow_core::OutcomeOf;

/// The generated futures are `Send`: `emit` can be spawned on a multi-threaded runtime.
#[test]
fn emit_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let engine = engine();
    let payload = Cmd::default();
    let future = engine.emit(Ev::Create, "x", &payload);
    assert_send(&future);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emit_runs_on_spawned_tasks() {
    let engine = std::sync::Arc::new(engine());
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let engine = engine.clone();
            tokio::spawn(async move {
                engine
                    .emit(Ev::Create, &format!("sp-{i}"), &Cmd::default())
                    .await
                    .map(|o| o.to)
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), St::Open);
    }
}

#[test]
fn generated_definition_and_bindings() {
    let def = AccountWorkflow::DEFINITION;
    assert_eq!(def.states.len(), 7);
    assert!(def.state("Reviewing").unwrap().is_transient());
    assert_eq!(def.failed_state(), Some("Failed"));
    assert_eq!(def.transitions[2].guards, ["positive", "covered"]);
    assert_eq!(def.fallback, Some("refused"));
    assert_eq!(
        def.on_event.iter().map(|h| h.name).collect::<Vec<_>>(),
        ["first", "second"]
    );
    assert!(AccountWorkflow::MERMAID.starts_with("stateDiagram-v2"));
    assert_eq!(AccountWorkflow::topic_of(Ev::Deposit), None);
    assert_eq!("Reviewing".parse::<St>().unwrap(), St::Reviewing);
    assert_eq!(St::Reviewing.to_string(), "Reviewing");
}
