//! `topic_of` and `event_of`: the `topics { .. }` bindings as two `match`es.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::model::Workflow;

/// The inherent `topic_of` and `event_of` of the workflow type.
///
/// An event bound to several topics maps back to the first of them.
pub fn inherent(model: &Workflow) -> TokenStream {
    let m = &model.machine;
    let event_ty = &m.event_ty;
    let mut seen_events = Vec::new();
    let mut seen_topics = Vec::new();
    let mut topic_of = Vec::new();
    let mut event_of = Vec::new();
    for binding in &m.topics {
        let Some(event) = &binding.event else {
            continue;
        };
        let variant = &m.events[event.index];
        let topic = &binding.topic;
        if !seen_events.contains(&event.index) {
            seen_events.push(event.index);
            topic_of.push(quote!(#event_ty::#variant => rt::Some(#topic),));
        }
        if !seen_topics.contains(&topic.value()) {
            seen_topics.push(topic.value());
            event_of.push(quote!(#topic => rt::Some(#event_ty::#variant),));
        }
    }
    let topic_of_body = if topic_of.is_empty() {
        quote!(rt::None)
    } else {
        let rest = (seen_events.len() < m.events.len()).then(|| quote!(_ => rt::None,));
        quote!(match event { #(#topic_of)* #rest })
    };
    let topic_param = if topic_of.is_empty() {
        quote!(_event)
    } else {
        quote!(event)
    };
    let event_of_body = if event_of.is_empty() {
        quote!(rt::None)
    } else {
        quote!(match topic { #(#event_of)* _ => rt::None, })
    };
    let event_param = if event_of.is_empty() {
        quote!(_topic)
    } else {
        quote!(topic)
    };
    quote! {
        /// The topic bound to `event` in `topics { .. }`, if any.
        pub fn topic_of(#topic_param: #event_ty) -> rt::Option<&'static str> {
            #topic_of_body
        }

        /// The event carried by records of `topic`, if the topic is bound.
        pub fn event_of(#event_param: &str) -> rt::Option<#event_ty> {
            #event_of_body
        }
    }
}
