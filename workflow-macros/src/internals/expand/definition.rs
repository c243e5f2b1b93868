//! `DEFINITION`: the declaration as static data (`rt::Definition`), for tools that read a
//! workflow without knowing its Rust types.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use super::super::model::{KafkaDefaults, Machine, Workflow};

/// The `rt::Definition { .. }` expression of a workflow.
pub fn workflow(model: &Workflow) -> TokenStream {
    let m = &model.machine;
    let mut on_event: Vec<_> = model.on_event.iter().collect();
    // Sorted by event, then order; the sort is stable, so ties keep declaration order.
    on_event.sort_by_key(|h| (h.event.index, h.order));
    let on_event = on_event.iter().map(|h| {
        let name = &h.function.name;
        let event = m.events[h.event.index].to_string();
        let order = proc_macro2::Literal::i32_unsuffixed(h.order);
        quote!(rt::EventHandlerInfo { name: #name, event: #event, order: #order })
    });
    let on_status_changed = model.on_status_changed.iter().map(|h| {
        let name = &h.function.name;
        let from = option(h.from.as_ref().map(|n| m.states[n.index].to_string()));
        let to = option(h.to.as_ref().map(|n| m.states[n.index].to_string()));
        let fail_on_error = h.fail_on_error;
        quote!(rt::StatusHandlerInfo { name: #name, from: #from, to: #to, fail_on_error: #fail_on_error })
    });
    let fallback = option(m.fallback.as_ref().map(|f| f.name.clone()));
    let kafka = kafka(&model.kafka);
    definition(
        m,
        quote!(#(#on_event),*),
        quote!(#(#on_status_changed),*),
        fallback,
        kafka,
    )
}

/// The `rt::Definition { .. }` expression of a bare machine: no handlers, no Kafka.
pub fn machine(m: &Machine) -> TokenStream {
    let none = quote!(rt::None);
    definition(
        m,
        quote!(),
        quote!(),
        none,
        kafka(&KafkaDefaults::default()),
    )
}

fn definition(
    m: &Machine,
    on_event: TokenStream,
    on_status_changed: TokenStream,
    fallback: TokenStream,
    kafka: TokenStream,
) -> TokenStream {
    let name = m.name.to_string();
    let state_type = m.state_ty.to_string();
    let event_type = m.event_ty.to_string();
    let states = m.states.iter().enumerate().map(|(index, state)| {
        let name = state.to_string();
        let is_final = m.is_final(index);
        let is_idle = m.is_idle(index);
        let is_failed = m.failed.as_ref().is_some_and(|f| f.index == index);
        quote!(rt::StateInfo { name: #name, is_final: #is_final, is_idle: #is_idle, is_failed: #is_failed })
    });
    let events = m.events.iter().map(ToString::to_string);
    let transitions = m.transitions.iter().map(|t| {
        let from_initial = t.initial.is_some();
        let from = t.from.iter().map(|s| m.states[s.index].to_string());
        let to =
            t.to.as_ref()
                .map_or_else(String::new, |n| m.states[n.index].to_string());
        let events = t.events.iter().map(|e| m.events[e.index].to_string());
        let guards = t.guards.iter().map(|g| &g.name);
        let actions = t.actions.iter().map(|a| &a.name);
        quote! {
            rt::TransitionInfo {
                from_initial: #from_initial,
                from: &[#(#from),*],
                to: #to,
                events: &[#(#events),*],
                guards: &[#(#guards),*],
                actions: &[#(#actions),*],
            }
        }
    });
    let topics = m.topics.iter().filter_map(|b| {
        let topic = &b.topic;
        let event = m.events[b.event.as_ref()?.index].to_string();
        Some(quote!(rt::TopicBinding { topic: #topic, event: #event }))
    });
    quote! {
        rt::Definition {
            name: #name,
            state_type: #state_type,
            event_type: #event_type,
            states: &[#(#states),*],
            events: &[#(#events),*],
            transitions: &[#(#transitions),*],
            fallback: #fallback,
            topics: &[#(#topics),*],
            on_event: &[#on_event],
            on_status_changed: &[#on_status_changed],
            kafka: #kafka,
        }
    }
}

fn option(value: Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(rt::Some(#value)),
        None => quote!(rt::None),
    }
}

fn lit_option(value: Option<&LitStr>) -> TokenStream {
    match value {
        Some(value) => quote!(rt::Some(#value)),
        None => quote!(rt::None),
    }
}

fn kafka(kafka: &KafkaDefaults) -> TokenStream {
    let brokers = lit_option(kafka.brokers.as_ref());
    let group_id = lit_option(kafka.group_id.as_ref());
    let client_id = lit_option(kafka.client_id.as_ref());
    quote!(rt::KafkaDefaults { brokers: #brokers, group_id: #group_id, client_id: #client_id })
}
