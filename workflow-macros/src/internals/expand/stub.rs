//! What a workflow module gets when its declaration has errors and the model is not
//! complete enough to generate the real thing: the workflow type with an empty definition
//! and, when the types are known, a `Workflow` impl that does nothing. Code that uses the
//! workflow then still compiles, so the user sees only the errors that matter.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Item, ItemMod, Path, parse_quote};

use super::super::model::default_name;
use super::super::parse::args::Args;
use super::super::parse::module::Scan;

/// The stub items for `module`.
pub fn workflow(module: &ItemMod, args: &Args, scan: &Scan, krate: &Path) -> TokenStream {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&module.ident));
    let docs: Vec<_> = module
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let mermaid = "stateDiagram-v2\n";
    let summary = format!("The workflow declared in the module `{}`.", module.ident);
    let alias = !scan.has_workflow_name && name != "Workflow";
    let ty = super::workflow_type(&name, &docs, &summary, mermaid, alias);
    let type_name = name.to_string();
    let state_type = scan
        .states
        .as_ref()
        .map(|e| e.ident.to_string())
        .unwrap_or_default();
    let event_type = scan
        .events
        .as_ref()
        .map(|e| e.ident.to_string())
        .unwrap_or_default();
    let (Some(states), Some(events), Some(entity), Some(payload)) =
        (&scan.states, &scan.events, &args.entity, &args.payload)
    else {
        return quote! {
            #ty
            const _: () = {
                use #krate as rt;
                impl #name {
                    /// The static description of the workflow (empty: the declaration has errors).
                    pub const DEFINITION: &'static rt::Definition = &rt::Definition {
                        name: #type_name,
                        state_type: #state_type,
                        event_type: #event_type,
                        states: &[],
                        events: &[],
                        transitions: &[],
                        fallback: rt::None,
                        topics: &[],
                        on_event: &[],
                        on_status_changed: &[],
                        kafka: rt::KafkaDefaults { brokers: rt::None, group_id: rt::None, client_id: rt::None },
                    };
                    /// The workflow as a Mermaid `stateDiagram-v2`.
                    pub const MERMAID: &'static str = #mermaid;
                }
            };
        };
    };
    let (state_ty, event_ty) = (&states.ident, &events.ident);
    quote! {
        #ty
        const _: () = {
            use #krate as rt;

            impl #name {
                /// The static description of the workflow (empty: the declaration has errors).
                pub const DEFINITION: &'static rt::Definition = &rt::Definition {
                    name: #type_name,
                    state_type: #state_type,
                    event_type: #event_type,
                    states: &[],
                    events: &[],
                    transitions: &[],
                    fallback: rt::None,
                    topics: &[],
                    on_event: &[],
                    on_status_changed: &[],
                    kafka: rt::KafkaDefaults { brokers: rt::None, group_id: rt::None, client_id: rt::None },
                };

                /// The workflow as a Mermaid `stateDiagram-v2`.
                pub const MERMAID: &'static str = #mermaid;

                /// The topic bound to `event`, if any.
                pub fn topic_of(_event: #event_ty) -> rt::Option<&'static str> {
                    rt::None
                }

                /// The event carried by records of `topic`, if the topic is bound.
                pub fn event_of(_topic: &str) -> rt::Option<#event_ty> {
                    rt::None
                }
            }

            impl rt::Workflow for #name {
                type State = #state_ty;
                type Event = #event_ty;
                type Entity = #entity;
                type Payload = #payload;

                const DEFINITION: &'static rt::Definition = #name::DEFINITION;
                const MERMAID: &'static str = #name::MERMAID;
                const FAILED: rt::Option<#state_ty> = rt::None;
                const HAS_FALLBACK: bool = false;

                fn is_final(_state: #state_ty) -> bool {
                    false
                }

                fn is_idle(_state: #state_ty) -> bool {
                    true
                }

                fn candidates(_from: rt::Option<#state_ty>, _event: #event_ty) -> &'static [rt::Candidate<#state_ty>] {
                    &[]
                }

                fn automatic(_from: #state_ty) -> &'static [rt::Candidate<#state_ty>] {
                    &[]
                }

                async fn guards(_transition: usize, _entity: &#entity, _payload: &#payload) -> rt::Result<bool, rt::GuardError> {
                    rt::Ok(false)
                }

                async fn actions(_transition: usize, _entity: &mut #entity, _payload: &#payload) -> rt::Result<(), rt::ActionError> {
                    rt::Ok(())
                }

                async fn on_event(_event: #event_ty, _entity: &mut #entity, _payload: &#payload) -> rt::Result<(), rt::ActionError> {
                    rt::Ok(())
                }

                async fn on_status_changed(_from: rt::Option<#state_ty>, _to: #state_ty, _entity: &mut #entity, _payload: &#payload) -> rt::Result<(), rt::ActionError> {
                    rt::Ok(())
                }

                async fn fallback(_event: #event_ty, _entity: &mut #entity, _payload: &#payload) -> rt::Result<(), rt::ActionError> {
                    rt::Ok(())
                }

                fn create(_urn: &str) -> #entity {
                    unreachable!("the workflow declaration has errors")
                }

                fn topic_of(_event: #event_ty) -> rt::Option<&'static str> {
                    rt::None
                }

                fn event_of(_topic: &str) -> rt::Option<#event_ty> {
                    rt::None
                }
            }
        };
    }
}

/// Marks the module's functions `#[allow(dead_code)]` and imports
/// `#[allow(unused_imports)]`: the stub uses none of them, and "never used" warnings would
/// bury the real errors.
pub fn silence_unused(module: &mut ItemMod) {
    if let Some((_, items)) = &mut module.content {
        for item in items {
            match item {
                Item::Fn(function) => function.attrs.push(parse_quote!(#[allow(dead_code)])),
                Item::Use(import) => import.attrs.push(parse_quote!(#[allow(unused_imports)])),
                _ => {}
            }
        }
    }
}
