//! A bare machine (`transitions! { machine Door(DoorState, DoorEvent); .. }`): the two
//! enums, their `State` / `Event` impls, and a unit type with `DEFINITION`, `MERMAID` and
//! `next`.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::derive_enum::{self, Kind};
use super::super::model::BareMachine;
use super::super::validate::Report;
use super::{definition, diagram, dispatch, lints};

/// The machine's items, with unreachable-state warnings.
pub fn expand(bare: &BareMachine, report: &Report) -> TokenStream {
    let items = items(bare);
    let lints = lints::unreachable_states(&bare.machine, report);
    quote!(#items #lints)
}

/// The machine's items without warnings, emitted next to errors. A bare machine's code
/// compiles whatever the checks found, so the items are the real ones.
pub fn stub(bare: &BareMachine) -> TokenStream {
    items(bare)
}

fn items(bare: &BareMachine) -> TokenStream {
    let m = &bare.machine;
    let krate = &bare.krate;
    let (name, state_ty, event_ty) = (&m.name, &m.state_ty, &m.event_ty);
    let (states, events) = (&m.states, &m.events);
    let state_impl = derive_enum::expand(krate, Kind::State, state_ty, states);
    let event_impl = derive_enum::expand(krate, Kind::Event, event_ty, events);
    let mermaid = diagram::mermaid(m);
    let doc = format!(" The `{name}` state machine.");
    let diagram_doc = diagram::doc(&mermaid);
    let state_doc = format!(" The states of [`{name}`].");
    let event_doc = format!(" The events of [`{name}`].");
    let definition = definition::machine(m);

    let mut first_targets = Vec::new();
    for (key, transitions) in dispatch::keyed_transitions(m) {
        first_targets.push((key, m.target(&m.transitions[transitions[0]])));
    }
    let exhaustive = first_targets.len() == (states.len() + 1) * events.len();
    let arms = dispatch::grouped_arms(m, first_targets)
        .into_iter()
        .map(|(pattern, target)| {
            let target = &states[target];
            quote!(#pattern => rt::Some(#state_ty::#target),)
        });
    let rest = (!exhaustive).then(|| quote!(_ => rt::None,));

    let state_docs = states.iter().map(|s| format!(" The `{s}` state."));
    let event_docs = events.iter().map(|e| format!(" The `{e}` event."));
    quote! {
        #[doc = #state_doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum #state_ty {
            #(
                #[doc = #state_docs]
                #states,
            )*
        }

        #[doc = #event_doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum #event_ty {
            #(
                #[doc = #event_docs]
                #events,
            )*
        }

        #state_impl

        #event_impl

        #[doc = #doc]
        #diagram_doc
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct #name;

        const _: () = {
            use #krate as rt;

            impl #name {
                /// The static description of the machine.
                pub const DEFINITION: &'static rt::Definition = &#definition;

                /// The machine as a Mermaid `stateDiagram-v2`.
                pub const MERMAID: &'static str = #mermaid;

                /// The state `event` leads to from `from` (`None`: not created yet), by the
                /// first transition declared for them; `None` if no transition fires.
                pub fn next(from: rt::Option<#state_ty>, event: #event_ty) -> rt::Option<#state_ty> {
                    match (from, event) {
                        #(#arms)*
                        #rest
                    }
                }
            }
        };
    }
}
