//! Engine overhead: what the generated workflow costs on top of hand-written code that does
//! the same work against the same store.
//!
//! Run with `cargo bench -p examples --bench engine`. Every future here completes without
//! waiting (the store is [`MemoryStore`]), and both sides are driven by the same
//! current-thread tokio runtime (`block_on` per iteration), so the runtime's cost is the same
//! on both sides of each ratio. After criterion's report the bench measures the ratios once
//! more, interleaved in one loop, and prints them against the goal (generated <= 1.3x
//! hand-written).
#![forbid(unsafe_code)]

mod chain;
mod wide;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use examples::order::{Order, OrderEvent, OrderPayload, OrderStatus, OrderWorkflow};
use tokio::runtime::Runtime;
use workflow_kafka::{Engine, EntityStore, MemoryStore, StoreError, Workflow};

use chain::{Job, chain_workflow::ChainEvent, chain_workflow::ChainWorkflow};
use wide::{
    Wide5, Wide50, wide5::Wide5Event, wide5::Wide5State, wide5::Wide5Workflow, wide50::Wide50Event,
    wide50::Wide50State, wide50::Wide50Workflow,
};

const URN: &str = "urn:order:1";

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
}

fn pending_order() -> Order {
    Order {
        urn: URN.to_owned(),
        price: 20.0,
        items: vec!["book".to_owned()],
        ..Order::default()
    }
}

fn update_payload() -> OrderPayload {
    OrderPayload {
        price: Some(25.0),
        items: Some(vec!["book".to_owned(), "pen".to_owned()]),
        ..OrderPayload::default()
    }
}

/// A store holding one entity, saved once.
fn store_with<T: workflow_kafka::Entity>(rt: &Runtime, entity: T) -> MemoryStore<T> {
    let store = MemoryStore::new();
    rt.block_on(store.save(&entity, None, None))
        .expect("a fresh store accepts the first save");
    store
}

/// Why the hand-written code did not save (read through `Debug` only).
#[derive(Debug)]
#[allow(dead_code)]
enum HandError {
    NotFound,
    NoTransition,
    Rejected,
    Store(StoreError),
}

impl From<StoreError> for HandError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// The order workflow written by hand: load, one `match` on (state, event), the guard, the
/// `on_event` handler, the action, the status change, the `on_status_changed` handler and
/// the save against the loaded version. No panic guard, no rollback copy, no outcome path.
async fn hand_written(
    store: &MemoryStore<Order>,
    event: OrderEvent,
    urn: &str,
    payload: &OrderPayload,
) -> Result<Order, HandError> {
    let loaded = store.load(urn).await?.ok_or(HandError::NotFound)?;
    let mut order = loaded.entity;
    match (order.status, event) {
        (OrderStatus::Pending, OrderEvent::Submit) => {
            if order.price <= 10.0 {
                return Err(HandError::Rejected);
            }
            // `audit`, the `on_event(Submit)` handler.
            order.audits += 1;
            order.status = OrderStatus::Processing;
            // `notify`, the `on_status_changed(Pending -> Processing)` handler.
            tracing::debug!(urn = %order.urn, "customer notified");
        }
        (OrderStatus::Pending, OrderEvent::Update) => {
            // `apply_update`.
            if let Some(price) = payload.price {
                if !price.is_finite() || price < 0.0 {
                    return Err(HandError::Rejected);
                }
                order.price = price;
            }
            if let Some(items) = &payload.items {
                order.items.clone_from(items);
            }
            order.status = OrderStatus::Pending;
        }
        _ => return Err(HandError::NoTransition),
    }
    store.save(&order, Some(loaded.version), None).await?;
    Ok(order)
}

fn order_benches(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("order");

    // Update: Pending -> Pending, no guard, one action. Steady state: the same entity again
    // and again.
    let store = store_with(&rt, pending_order());
    let engine = Engine::<OrderWorkflow, _>::new(store.clone());
    let payload = update_payload();
    group.bench_function("update/generated", |b| {
        b.iter(|| {
            rt.block_on(engine.emit(black_box(OrderEvent::Update), black_box(URN), &payload))
                .expect("update applies")
        })
    });
    group.bench_function("update/hand_written", |b| {
        b.iter(|| {
            rt.block_on(hand_written(
                &store,
                black_box(OrderEvent::Update),
                black_box(URN),
                &payload,
            ))
            .expect("update applies")
        })
    });

    // Submit: Pending -> Processing, a guard, an on_event handler, an on_status_changed
    // handler. Each iteration gets a fresh store with a pending order (setup not timed).
    let empty = OrderPayload::default();
    group.bench_function("submit/generated", |b| {
        b.iter_batched(
            || Engine::<OrderWorkflow, _>::new(store_with(&rt, pending_order())),
            |engine| {
                let outcome = rt
                    .block_on(engine.emit(black_box(OrderEvent::Submit), black_box(URN), &empty))
                    .expect("submit applies");
                (engine, outcome)
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("submit/hand_written", |b| {
        b.iter_batched(
            || store_with(&rt, pending_order()),
            |store| {
                let order = rt
                    .block_on(hand_written(
                        &store,
                        black_box(OrderEvent::Submit),
                        black_box(URN),
                        &empty,
                    ))
                    .expect("submit applies");
                (store, order)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn chain_benches(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("chain");
    let job = Job {
        urn: URN.to_owned(),
        ..Job::default()
    };
    let engine = Engine::<ChainWorkflow, _>::new(store_with(&rt, job));
    group.bench_function("10_non_idle_states", |b| {
        b.iter(|| {
            rt.block_on(engine.emit(black_box(ChainEvent::Go), black_box(URN), &()))
                .expect("the chain runs")
        })
    });
    // The same work for one transition (guard, action, save), as the reference.
    let engine = Engine::<Wide5Workflow, _>::new(store_with(&rt, wide5(Wide5State::S0)));
    group.bench_function("1_transition", |b| {
        b.iter(|| {
            rt.block_on(engine.emit(black_box(Wide5Event::E0), black_box(URN), &()))
                .expect("the loop applies")
        })
    });
    group.finish();
}

fn wide5(status: Wide5State) -> Wide5 {
    Wide5 {
        urn: URN.to_owned(),
        counter: 0,
        status,
    }
}

fn wide50(status: Wide50State) -> Wide50 {
    Wide50 {
        urn: URN.to_owned(),
        counter: 0,
        status,
    }
}

fn dispatch_benches(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("dispatch");
    // Whole emits: first-declared and last-declared transition, 5 and 50 states.
    let cases5 = [
        ("emit/5_states/first", Wide5State::S0, Wide5Event::E0),
        ("emit/5_states/last", Wide5State::S4, Wide5Event::E3),
    ];
    for (name, state, event) in cases5 {
        let engine = Engine::<Wide5Workflow, _>::new(store_with(&rt, wide5(state)));
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(engine.emit(black_box(event), black_box(URN), &()))
                    .expect("the loop applies")
            })
        });
    }
    let cases50 = [
        ("emit/50_states/first", Wide50State::S0, Wide50Event::E0),
        ("emit/50_states/last", Wide50State::S49, Wide50Event::E3),
    ];
    for (name, state, event) in cases50 {
        let engine = Engine::<Wide50Workflow, _>::new(store_with(&rt, wide50(state)));
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(engine.emit(black_box(event), black_box(URN), &()))
                    .expect("the loop applies")
            })
        });
    }
    // The generated `candidates` match alone.
    group.bench_function("candidates/5_states/last", |b| {
        b.iter(|| {
            Wide5Workflow::candidates(black_box(Some(Wide5State::S4)), black_box(Wide5Event::E3))
        })
    });
    group.bench_function("candidates/50_states/last", |b| {
        b.iter(|| {
            Wide50Workflow::candidates(
                black_box(Some(Wide50State::S49)),
                black_box(Wide50Event::E3),
            )
        })
    });
    group.finish();
}

/// Times `rounds` rounds of `iters` calls of each closure, interleaved, and returns the best
/// round of each in nanoseconds per call: the figure least disturbed by other processes.
fn best_of(rounds: usize, iters: u32, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..iters {
            a();
        }
        best_a = best_a.min(start.elapsed().as_nanos() as f64 / f64::from(iters));
        let start = Instant::now();
        for _ in 0..iters {
            b();
        }
        best_b = best_b.min(start.elapsed().as_nanos() as f64 / f64::from(iters));
    }
    (best_a, best_b)
}

/// Prints the ratios the goals are stated in, measured in this process.
fn print_ratios() {
    let rt = runtime();
    let store = store_with(&rt, pending_order());
    let engine = Engine::<OrderWorkflow, _>::new(store.clone());
    let payload = update_payload();
    let (generated, hand) = best_of(
        15,
        20_000,
        || {
            black_box(rt.block_on(engine.emit(black_box(OrderEvent::Update), URN, &payload)))
                .expect("update applies");
        },
        || {
            black_box(rt.block_on(hand_written(
                &store,
                black_box(OrderEvent::Update),
                URN,
                &payload,
            )))
            .expect("update applies");
        },
    );
    println!();
    println!("== ratios (best of 15 interleaved rounds, ns per emit) ==");
    println!(
        "order Update: generated {generated:.0} ns, hand-written {hand:.0} ns, ratio {:.2}x (goal <= 1.30x: {})",
        generated / hand,
        if generated / hand <= 1.3 {
            "met"
        } else {
            "NOT met"
        }
    );

    let mk = |status| Engine::<Wide50Workflow, _>::new(store_with(&rt, wide50(status)));
    let (first, last) = (mk(Wide50State::S0), mk(Wide50State::S49));
    let (t_first, t_last) = best_of(
        15,
        20_000,
        || {
            black_box(rt.block_on(first.emit(black_box(Wide50Event::E0), URN, &())))
                .expect("applies");
        },
        || {
            black_box(rt.block_on(last.emit(black_box(Wide50Event::E3), URN, &())))
                .expect("applies");
        },
    );
    let small = Engine::<Wide5Workflow, _>::new(store_with(&rt, wide5(Wide5State::S4)));
    let (t_small, _) = best_of(
        15,
        20_000,
        || {
            black_box(rt.block_on(small.emit(black_box(Wide5Event::E3), URN, &())))
                .expect("applies");
        },
        || {},
    );
    println!(
        "50 states/200 transitions: first-declared {t_first:.0} ns, last-declared {t_last:.0} ns (last/first {:.2}x); 5 states/20 transitions, last-declared {t_small:.0} ns (50-state last / 5-state last {:.2}x)",
        t_last / t_first,
        t_last / t_small
    );
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    order_benches(&mut c);
    chain_benches(&mut c);
    dispatch_benches(&mut c);
    c.final_summary();
    print_ratios();
}
