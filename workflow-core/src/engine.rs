//! The engine: runs one event against one entity, with the semantics of DESIGN.md.

use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use crate::panic::{catch_panic, panic_message};
use crate::{
    ActionError, Candidate, Entity, EntityStore, ErrorOf, GuardError, Outcome, OutcomeKind,
    OutcomeOf, Position, StoreError, Version, Workflow, WorkflowError,
};

/// Bounds the engine enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    /// How many automatic transitions may follow the event's own transition before the chain
    /// is cut with [`WorkflowError::ChainTooLong`]. Default 32.
    pub max_chain: usize,
    /// How many times a version conflict on save reloads and re-evaluates before the
    /// conflict is returned as [`StoreError::Conflict`]. Default 8.
    pub max_conflict_retries: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_chain: 32,
            max_conflict_retries: 8,
        }
    }
}

/// Runs events of workflow `W` against entities kept in store `S`.
///
/// An engine is cheap to share (`&Engine` is all `emit` needs) and holds no per-entity
/// state: concurrency control is the store's version check.
pub struct Engine<W, S> {
    store: S,
    config: EngineConfig,
    workflow: PhantomData<fn() -> W>,
}

impl<W, S: std::fmt::Debug> std::fmt::Debug for Engine<W, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("workflow", &std::any::type_name::<W>())
            .field("store", &self.store)
            .field("config", &self.config)
            .finish()
    }
}

/// What an attempt decided, before the save.
struct Plan<W: Workflow> {
    outcome: OutcomeOf<W>,
    /// `Some(expected version)` when the entity must be saved; `None` when nothing changed.
    save: Option<Option<Version>>,
    /// An error to return once the save succeeded (a chain cut after saving the failed state).
    error_after_save: Option<ErrorOf<W>>,
}

impl<W: Workflow, S: EntityStore<W::Entity>> Engine<W, S> {
    /// An engine with the default [`EngineConfig`].
    pub fn new(store: S) -> Self {
        Self::with_config(store, EngineConfig::default())
    }

    /// An engine with explicit bounds.
    pub fn with_config(store: S, config: EngineConfig) -> Self {
        Self {
            store,
            config,
            workflow: PhantomData,
        }
    }

    /// The store the engine loads from and saves to.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The engine's bounds.
    pub fn config(&self) -> EngineConfig {
        self.config
    }

    /// Processes `event` for the entity `urn`, with no message position.
    ///
    /// See [`Engine::emit_at`] for the semantics.
    pub async fn emit(
        &self,
        event: W::Event,
        urn: &str,
        payload: &W::Payload,
    ) -> Result<OutcomeOf<W>, ErrorOf<W>> {
        self.emit_at(event, urn, payload, None).await
    }

    /// Processes `event` for the entity `urn`; `position`, when given, is recorded with the
    /// save and makes a redelivery of the same message a no-op.
    ///
    /// 1. The entity is loaded. If it does not exist, a `[*]` transition on `event` creates
    ///    it (from [`Workflow::create`]); without one the result is
    ///    [`WorkflowError::NotFound`]. If `position` was already applied, the outcome is
    ///    [`OutcomeKind::AlreadyApplied`] and nothing runs.
    /// 2. An entity in a final state runs nothing: [`WorkflowError::EntityInFinalState`].
    /// 3. The candidates are the transitions leaving the current state on `event`, in
    ///    declaration order; none is [`WorkflowError::NoTransition`].
    /// 4. The first candidate whose guards all pass wins; each guard runs at most once. A
    ///    guard error is [`WorkflowError::Guard`], never "false". If none passes, the
    ///    fallback runs and its changes are saved ([`OutcomeKind::Fallback`]), or, without a
    ///    fallback, nothing is saved ([`OutcomeKind::GuardRejected`]).
    /// 5. The `#[on_event]` handlers run by `order`, then the transition's actions.
    ///    [`ActionError::Fail`] or a panic saves the entity as it was loaded, in the failed
    ///    state ([`OutcomeKind::Failed`]); [`ActionError::Retry`] saves nothing and returns
    ///    [`WorkflowError::Retry`].
    /// 6. The status is set and the `#[on_status_changed]` handlers run; a failure of one
    ///    with `fail_on_error` (the default) is handled as in 5.
    /// 7. While the new state is neither idle nor final, the first automatic transition out
    ///    of it whose guards pass runs (actions, status, handlers; not `#[on_event]`). More
    ///    than [`EngineConfig::max_chain`] steps saves the failed state and returns
    ///    [`WorkflowError::ChainTooLong`]; no passing guard stops the chain
    ///    ([`OutcomeKind::Halted`]).
    /// 8. The entity is saved once, against the version loaded, with `position`. A version
    ///    conflict reloads and re-evaluates from 1 (up to
    ///    [`EngineConfig::max_conflict_retries`] times).
    /// 9. The [`Outcome`] says what happened: from, to, the path and the entity.
    ///
    /// The engine owns the status and the URN: a status written by user code is overruled,
    /// and user code that changes the URN fails the entity (as in 5).
    pub async fn emit_at(
        &self,
        event: W::Event,
        urn: &str,
        payload: &W::Payload,
        position: Option<&Position>,
    ) -> Result<OutcomeOf<W>, ErrorOf<W>> {
        let mut conflicts = 0;
        loop {
            let plan = self.evaluate(event, urn, payload, position).await?;
            let Plan {
                mut outcome,
                save,
                error_after_save,
            } = plan;
            let Some(expected) = save else {
                return Ok(outcome);
            };
            match self.store.save(&outcome.entity, expected, position).await {
                Ok(version) => {
                    outcome.version = Some(version);
                    return match error_after_save {
                        Some(error) => Err(error),
                        None => Ok(outcome),
                    };
                }
                Err(StoreError::Conflict { .. })
                    if conflicts < self.config.max_conflict_retries =>
                {
                    conflicts += 1;
                    tracing::debug!(urn, conflicts, "version conflict; re-evaluating");
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Steps 1 to 7: decides what to save, without saving.
    async fn evaluate(
        &self,
        event: W::Event,
        urn: &str,
        payload: &W::Payload,
        position: Option<&Position>,
    ) -> Result<Plan<W>, ErrorOf<W>> {
        let loaded = self.store.load(urn).await?;
        let (mut entity, version) = match loaded {
            Some(loaded) => {
                if position.is_some_and(|p| loaded.has_applied(p)) {
                    let state = loaded.entity.status();
                    return Ok(unchanged(
                        event,
                        Some(state),
                        state,
                        loaded.entity,
                        Some(loaded.version),
                        OutcomeKind::AlreadyApplied,
                    ));
                }
                (loaded.entity, Some(loaded.version))
            }
            None => (W::create(urn), None),
        };
        let from = version.map(|_| entity.status());

        if let Some(state) = from.filter(|s| W::is_final(*s)) {
            return Err(WorkflowError::EntityInFinalState {
                urn: urn.to_owned(),
                state,
                event,
            });
        }
        let candidates = W::candidates(from, event);
        if candidates.is_empty() {
            return Err(match from {
                None => WorkflowError::NotFound {
                    urn: urn.to_owned(),
                    event,
                },
                Some(state) => WorkflowError::NoTransition {
                    urn: urn.to_owned(),
                    state,
                    event,
                },
            });
        }

        // No copy of the loaded entity is kept for the failure path: a failure reloads it
        // (see `Engine::fail`), so the common path pays for one entity, not two.
        let Some(first) = first_passing::<W>(candidates, &entity, payload, urn).await? else {
            return self
                .reject(event, urn, payload, from, entity, version)
                .await;
        };

        let mut path = Vec::with_capacity(2);
        let mut state = from;
        let mut step = first;
        let mut automatic_steps = 0;
        let kind = loop {
            let run = async {
                if automatic_steps == 0 {
                    W::on_event(event, &mut entity, payload).await?;
                }
                W::actions(step.transition, &mut entity, payload).await
            };
            if let Err(error) = catch_panic(run).await {
                return self.fail(event, urn, from, version, path, error).await;
            }
            entity.set_status(step.to);
            path.push(step.to);
            if let Err(error) =
                catch_panic(W::on_status_changed(state, step.to, &mut entity, payload)).await
            {
                return self.fail(event, urn, from, version, path, error).await;
            }
            // The engine owns the status: a handler that wrote it is overruled, so an entity
            // only ever reaches a state through a declared transition.
            entity.set_status(step.to);
            state = Some(step.to);
            if W::is_idle(step.to) || W::is_final(step.to) {
                break OutcomeKind::Transitioned;
            }
            if automatic_steps == self.config.max_chain {
                let error = WorkflowError::ChainTooLong {
                    urn: urn.to_owned(),
                    limit: self.config.max_chain,
                    path: path.clone(),
                };
                return match self
                    .fail(
                        event,
                        urn,
                        from,
                        version,
                        path,
                        ActionError::fail("chain too long"),
                    )
                    .await
                {
                    Ok(mut plan) => {
                        plan.error_after_save = Some(error);
                        Ok(plan)
                    }
                    Err(_) => Err(error),
                };
            }
            match first_passing::<W>(W::automatic(step.to), &entity, payload, urn).await? {
                Some(next) => {
                    step = next;
                    automatic_steps += 1;
                }
                None => break OutcomeKind::Halted,
            }
        };
        // The URN is the entity's identity in the store: saving it under another would
        // conflict forever, so an action that renamed the entity has failed.
        if entity.urn() != urn {
            let error = ActionError::fail(format!(
                "user code changed the entity's URN from `{urn}` to `{}`",
                entity.urn()
            ));
            return self.fail(event, urn, from, version, path, error).await;
        }
        let to = entity.status();
        Ok(Plan {
            outcome: Outcome {
                kind,
                event,
                from,
                to,
                path,
                entity,
                version,
            },
            save: Some(version),
            error_after_save: None,
        })
    }

    /// Step 4's tail: every candidate rejected. `entity` is still as loaded (guards only
    /// read it).
    async fn reject(
        &self,
        event: W::Event,
        urn: &str,
        payload: &W::Payload,
        from: Option<W::State>,
        mut entity: W::Entity,
        version: Option<Version>,
    ) -> Result<Plan<W>, ErrorOf<W>> {
        // A fallback changes an existing entity; an entity that was never created has
        // nothing to fall back on.
        if !W::HAS_FALLBACK || from.is_none() {
            let state = from.unwrap_or(entity.status());
            return Ok(unchanged(
                event,
                from,
                state,
                entity,
                version,
                OutcomeKind::GuardRejected,
            ));
        }
        let result = catch_panic(W::fallback(event, &mut entity, payload)).await;
        // A fallback changes data, never the status (the engine owns it).
        if let Some(state) = from {
            entity.set_status(state);
        }
        match result {
            Ok(()) => Ok(Plan {
                outcome: Outcome {
                    kind: OutcomeKind::Fallback,
                    event,
                    from,
                    to: entity.status(),
                    path: Vec::new(),
                    entity,
                    version,
                },
                save: Some(version),
                error_after_save: None,
            }),
            Err(error) => {
                self.fail(event, urn, from, version, Vec::new(), error)
                    .await
            }
        }
    }

    /// Step 5's failure: the entity as loaded, moved to the failed state; or, with a retry
    /// request or no failed state, an error and nothing saved.
    ///
    /// The entity "as loaded" is loaded again rather than copied before the actions ran, so
    /// the common path never clones the entity. If another writer changed it in between,
    /// the save against the version loaded first fails with a conflict and the event is
    /// re-evaluated, exactly as if the copy had been saved.
    async fn fail(
        &self,
        event: W::Event,
        urn: &str,
        from: Option<W::State>,
        version: Option<Version>,
        path: Vec<W::State>,
        error: ActionError,
    ) -> Result<Plan<W>, ErrorOf<W>> {
        if matches!(error, ActionError::Retry(_)) || W::FAILED.is_none() {
            return fail::<W>(event, urn, from, W::create(urn), version, path, error);
        }
        let base = match version {
            None => W::create(urn),
            Some(_) => match self.store.load(urn).await? {
                Some(loaded) => loaded.entity,
                // Deleted meanwhile: the save below conflicts and the event is re-evaluated.
                None => W::create(urn),
            },
        };
        fail::<W>(event, urn, from, base, version, path, error)
    }
}

/// The first of `candidates` whose guards pass.
async fn first_passing<W: Workflow>(
    candidates: &'static [Candidate<W::State>],
    entity: &W::Entity,
    payload: &W::Payload,
    urn: &str,
) -> Result<Option<Candidate<W::State>>, ErrorOf<W>> {
    for candidate in candidates {
        let passed = AssertUnwindSafe(W::guards(candidate.transition, entity, payload))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                Err(GuardError {
                    guard: "<panicked>",
                    message: panic_message(&*panic),
                })
            })
            .map_err(|source| WorkflowError::Guard {
                urn: urn.to_owned(),
                source,
            })?;
        if passed {
            return Ok(Some(*candidate));
        }
    }
    Ok(None)
}

/// A plan that saves nothing.
fn unchanged<W: Workflow>(
    event: W::Event,
    from: Option<W::State>,
    to: W::State,
    entity: W::Entity,
    version: Option<Version>,
    kind: OutcomeKind,
) -> Plan<W> {
    Plan {
        outcome: Outcome {
            kind,
            event,
            from,
            to,
            path: Vec::new(),
            entity,
            version,
        },
        save: None,
        error_after_save: None,
    }
}

/// The plan (or error) for a failure, given the entity as loaded (`base`).
fn fail<W: Workflow>(
    event: W::Event,
    urn: &str,
    from: Option<W::State>,
    mut base: W::Entity,
    version: Option<Version>,
    mut path: Vec<W::State>,
    error: ActionError,
) -> Result<Plan<W>, ErrorOf<W>> {
    let reason = match error {
        ActionError::Retry(reason) => {
            return Err(WorkflowError::Retry {
                urn: urn.to_owned(),
                reason,
            });
        }
        ActionError::Fail(ref reason) => reason.clone(),
    };
    let Some(failed) = W::FAILED else {
        return Err(WorkflowError::ActionFailed {
            urn: urn.to_owned(),
            reason,
        });
    };
    base.set_status(failed);
    path.push(failed);
    // The caller reports the outcome (the Kafka runtime logs it with the record's position).
    tracing::debug!(urn, event = ?event, %reason, "action failed; entity moved to {failed:?}");
    Ok(Plan {
        outcome: Outcome {
            kind: OutcomeKind::Failed { error },
            event,
            from,
            to: failed,
            path,
            entity: base,
            version,
        },
        save: Some(version),
        error_after_save: None,
    })
}
