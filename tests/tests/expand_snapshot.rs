//! The expansion of DESIGN.md's order workflow, pretty-printed and compared with
//! `tests/snapshots/order_workflow.expanded.rs`, so every change to the generated code shows
//! up in review. `UPDATE_SNAPSHOTS=1 cargo test -p tests --test expand_snapshot` rewrites it.
//!
//! The macros' internals are included as a module (they use `proc_macro2` only), so the
//! expansion runs here as an ordinary function, without the compiler.
#![allow(dead_code, missing_docs, unreachable_pub)]

#[path = "../../workflow-macros/src/internals/mod.rs"]
mod internals;

use quote::quote;

fn order_workflow() -> (proc_macro2::TokenStream, proc_macro2::TokenStream) {
    let attr = quote! {
        entity = Order,
        payload = OrderPayload,
        kafka(brokers = "localhost:9092", group_id = "orders")
    };
    let item = quote! {
        /// Orders, from creation to completion.
        pub mod order_workflow {
            use super::*;

            #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
            pub enum OrderStatus {
                #[default]
                Pending,
                Processing,
                Completed,
                Failed,
            }

            #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum OrderEvent {
                Create,
                Submit,
                Update,
                Complete,
                Fail,
            }

            transitions! {
                [*]                  -> Pending    on Create;
                Pending              -> Processing on Submit   if price_above_10;
                Pending              -> Pending    on Update   do apply_update;
                Processing           -> Completed  on Complete;
                Pending | Processing -> Failed     on Fail     do record_failure;

                finals = [Completed, Failed];
                idles  = [Pending, Processing, Completed, Failed];
                failed = Failed;

                topics {
                    "orders.submitted" => Submit,
                    "orders.completed" => Complete,
                    "orders.failed"    => Fail,
                }
            }

            fn price_above_10(order: &Order, _: &OrderPayload) -> bool {
                order.price > 10.0
            }

            async fn apply_update(order: &mut Order, p: &OrderPayload) -> Result<(), ActionError> {
                order.items.extend(p.items.iter().cloned());
                Ok(())
            }

            fn record_failure(order: &mut Order, _: &OrderPayload) {
                order.items.clear();
            }

            #[on_event(Submit, order = 1)]
            async fn audit(order: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
                tracing::info!(urn = %order.urn, "submitted");
                Ok(())
            }

            #[on_status_changed(from = Pending, to = Processing, fail_on_error = false)]
            async fn notify(order: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
                tracing::info!(urn = %order.urn, "processing");
                Ok(())
            }
        }
    };
    (attr, item)
}

#[test]
fn order_workflow_expansion_matches_the_snapshot() {
    let (attr, item) = order_workflow();
    let expanded = internals::expand_workflow(attr, item, internals::Runtime::Core);
    let file: syn::File = syn::parse2(expanded).expect("the expansion parses as a file");
    let actual = prettyplease::unparse(&file);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots/order_workflow.expanded.rs");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .map_or_else(
                || expected.lines().count().min(actual.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "the expansion differs from {} (first at line {first_difference}).\n\
             If the change is intended, run `UPDATE_SNAPSHOTS=1 cargo test -p tests --test expand_snapshot` \
             and review the diff.\n\n--- actual ---\n{actual}",
            path.display()
        );
    }
}

#[test]
fn expansion_is_deterministic() {
    let (attr, item) = order_workflow();
    let first = internals::expand_workflow(attr.clone(), item.clone(), internals::Runtime::Core)
        .to_string();
    let second = internals::expand_workflow(attr, item, internals::Runtime::Core).to_string();
    assert_eq!(first, second);
}
