//! `impl Workflow`: the dispatch the engine calls, one `match` per method.
//!
//! Calls to user functions carry the span of the function's name as written in
//! `transitions!` (or of the handler's name), so a wrong signature is reported by rustc
//! at that name. Return values go through `GuardOutput` / `ActionOutput`, which accept
//! `bool` / `Result<bool, E>` and `()` / `Result<(), ActionError>`.

use std::collections::HashMap;

use proc_macro2::{Group, Literal, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use super::super::model::{Callable, Machine, Workflow};

/// The `impl rt::Workflow for Name { .. }` block.
pub fn workflow_impl(model: &Workflow) -> TokenStream {
    let m = &model.machine;
    let name = &m.name;
    let (state_ty, event_ty) = (&m.state_ty, &m.event_ty);
    let (entity, payload) = (&model.entity, &model.payload);
    let failed = match &m.failed {
        Some(failed) => {
            let variant = &m.states[failed.index];
            quote!(rt::Some(#state_ty::#variant))
        }
        None => quote!(rt::None),
    };
    let has_fallback = m.fallback.is_some();
    let is_final = state_set(m, quote!(is_final), |i| m.is_final(i));
    let is_idle = state_set(m, quote!(is_idle), |i| m.is_idle(i));
    let candidates = candidates(m);
    let automatic = automatic(m);
    let guards = guards(model);
    let actions = actions(model);
    let on_event = on_event(model);
    let on_status_changed = on_status_changed(model);
    let fallback = fallback(model);
    let create = create(model);
    quote! {
        impl rt::Workflow for #name {
            type State = #state_ty;
            type Event = #event_ty;
            type Entity = #entity;
            type Payload = #payload;

            const DEFINITION: &'static rt::Definition = #name::DEFINITION;
            const MERMAID: &'static str = #name::MERMAID;
            const FAILED: rt::Option<#state_ty> = #failed;
            const HAS_FALLBACK: bool = #has_fallback;

            #is_final

            #is_idle

            #candidates

            #automatic

            #guards

            #actions

            #on_event

            #on_status_changed

            #fallback

            #create

            fn topic_of(event: #event_ty) -> rt::Option<&'static str> {
                #name::topic_of(event)
            }

            fn event_of(topic: &str) -> rt::Option<#event_ty> {
                #name::event_of(topic)
            }
        }
    }
}

/// `fn is_final` / `fn is_idle`: `matches!(state, A | B)`, or a constant when the set is
/// empty or holds every state (a `matches!` would then warn about an unreachable pattern).
fn state_set(m: &Machine, name: TokenStream, member: impl Fn(usize) -> bool) -> TokenStream {
    let state_ty = &m.state_ty;
    let members: Vec<_> = (0..m.states.len())
        .filter(|&i| member(i))
        .map(|i| &m.states[i])
        .collect();
    let all = members.len() == m.states.len();
    if members.is_empty() || all {
        quote! {
            fn #name(_state: #state_ty) -> bool {
                #all
            }
        }
    } else {
        quote! {
            fn #name(state: #state_ty) -> bool {
                rt::matches!(state, #(#state_ty::#members)|*)
            }
        }
    }
}

/// A `(from, event)` pair: `None` is `[*]`.
type Key = (Option<usize>, usize);

/// `rt::Candidate { transition: i, to: S::X }` for transition `index`.
fn candidate(m: &Machine, index: usize) -> TokenStream {
    let state_ty = &m.state_ty;
    let to = &m.states[m.target(&m.transitions[index])];
    let transition = Literal::usize_unsuffixed(index);
    quote!(rt::Candidate { transition: #transition, to: #state_ty::#to })
}

/// Every `(from, event)` pair some transition fires on, in first-seen order, with the
/// transitions in declaration order.
pub fn keyed_transitions(m: &Machine) -> Vec<(Key, Vec<usize>)> {
    let mut order: Vec<Key> = Vec::new();
    let mut by_key: HashMap<Key, Vec<usize>> = HashMap::new();
    for (index, t) in m.transitions.iter().enumerate() {
        let sources = t
            .initial
            .map(|_| None)
            .into_iter()
            .chain(t.from.iter().map(|s| Some(s.index)));
        let sources: Vec<_> = sources.collect();
        for event in &t.events {
            for source in &sources {
                let key = (*source, event.index);
                by_key
                    .entry(key)
                    .or_insert_with(|| {
                        order.push(key);
                        Vec::new()
                    })
                    .push(index);
            }
        }
    }
    order
        .into_iter()
        .map(|key| (key, by_key.remove(&key).unwrap_or_default()))
        .collect()
}

/// Groups `(key, value)` pairs by equal values (first-seen order) and writes each group as
/// one or-pattern over `(from, event)`, factored as `(Some(A | B), E::X | E::Y)`.
pub fn grouped_arms<V: PartialEq>(m: &Machine, pairs: Vec<(Key, V)>) -> Vec<(TokenStream, V)> {
    let mut groups: Vec<(Vec<Key>, V)> = Vec::new();
    for (key, value) in pairs {
        match groups.iter_mut().find(|(_, v)| *v == value) {
            Some((keys, _)) => keys.push(key),
            None => groups.push((vec![key], value)),
        }
    }
    groups
        .into_iter()
        .map(|(keys, value)| (key_pattern(m, &keys), value))
        .collect()
}

fn key_pattern(m: &Machine, keys: &[Key]) -> TokenStream {
    let (state_ty, event_ty) = (&m.state_ty, &m.event_ty);
    // event -> sources, then events with the same sources merged.
    let mut per_event: Vec<(usize, Vec<Option<usize>>)> = Vec::new();
    for &(source, event) in keys {
        match per_event.iter_mut().find(|(e, _)| *e == event) {
            Some((_, sources)) => sources.push(source),
            None => per_event.push((event, vec![source])),
        }
    }
    let mut merged: Vec<(Vec<Option<usize>>, Vec<usize>)> = Vec::new();
    for (event, sources) in per_event {
        match merged.iter_mut().find(|(s, _)| *s == sources) {
            Some((_, events)) => events.push(event),
            None => merged.push((sources, vec![event])),
        }
    }
    let patterns = merged.iter().map(|(sources, events)| {
        let initial = sources.contains(&None).then(|| quote!(rt::None));
        let named: Vec<_> = sources.iter().flatten().map(|&s| &m.states[s]).collect();
        let named = (!named.is_empty()).then(|| quote!(rt::Some(#(#state_ty::#named)|*)));
        let from = initial.into_iter().chain(named);
        let events = events.iter().map(|&e| &m.events[e]);
        quote!((#(#from)|*, #(#event_ty::#events)|*))
    });
    quote!(#(#patterns)|*)
}

fn candidates(m: &Machine) -> TokenStream {
    let (state_ty, event_ty) = (&m.state_ty, &m.event_ty);
    let keyed = keyed_transitions(m);
    let exhaustive = keyed.len() == (m.states.len() + 1) * m.events.len();
    let arms = grouped_arms(m, keyed)
        .into_iter()
        .map(|(pattern, transitions)| {
            let candidates = transitions.iter().map(|&t| candidate(m, t));
            quote!(#pattern => &[#(#candidates),*],)
        });
    let rest = (!exhaustive).then(|| quote!(_ => &[],));
    quote! {
        fn candidates(from: rt::Option<#state_ty>, event: #event_ty) -> &'static [rt::Candidate<#state_ty>] {
            match (from, event) {
                #(#arms)*
                #rest
            }
        }
    }
}

fn automatic(m: &Machine) -> TokenStream {
    let state_ty = &m.state_ty;
    let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for state in (0..m.states.len()).filter(|&s| m.is_transient(s)) {
        let leaving: Vec<usize> = (0..m.transitions.len())
            .filter(|&t| m.transitions[t].from.iter().any(|s| s.index == state))
            .collect();
        if leaving.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(_, l)| *l == leaving) {
            Some((states, _)) => states.push(state),
            None => groups.push((vec![state], leaving)),
        }
    }
    if groups.is_empty() {
        return quote! {
            fn automatic(_from: #state_ty) -> &'static [rt::Candidate<#state_ty>] {
                &[]
            }
        };
    }
    let covered: usize = groups.iter().map(|(states, _)| states.len()).sum();
    let arms = groups.iter().map(|(states, leaving)| {
        let states = states.iter().map(|&s| &m.states[s]);
        let candidates = leaving.iter().map(|&t| candidate(m, t));
        quote!(#(#state_ty::#states)|* => &[#(#candidates),*],)
    });
    let rest = (covered < m.states.len()).then(|| quote!(_ => &[],));
    quote! {
        fn automatic(from: #state_ty) -> &'static [rt::Candidate<#state_ty>] {
            match from {
                #(#arms)*
                #rest
            }
        }
    }
}

/// `f(entity, payload)`, `.await`ed when `f` is async, every token spanned at `f`'s name
/// (the arguments too: rustc puts "mismatched types" on the argument).
fn call(f: &Callable, args: TokenStream) -> TokenStream {
    let path = &f.path;
    let args = respan(args, f.span);
    let awaited = f.is_async.then(|| quote_spanned!(f.span=> .await));
    quote_spanned!(f.span=> #path(#args) #awaited)
}

/// `tokens` with every span replaced by `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            }
            token.set_span(span);
            token
        })
        .collect()
}

fn guard(f: &Callable) -> TokenStream {
    let call = call(f, quote!(entity, payload));
    let name = &f.name;
    // Called as a trait function, not a method, so a wrong return type is reported with
    // the trait's `on_unimplemented` message rather than as a missing method.
    quote_spanned!(f.span=> rt::GuardOutput::into_guard_result(#call, #name))
}

fn action(f: &Callable, args: TokenStream) -> TokenStream {
    let call = call(f, args);
    quote_spanned!(f.span=> rt::ActionOutput::into_action_result(#call))
}

/// Runs `steps` in order, stopping at the first error: all but the last with `?`, the
/// last as the block's value.
fn chain(steps: Vec<TokenStream>) -> TokenStream {
    match steps.split_last() {
        None => quote!(rt::Ok(())),
        Some((last, [])) => last.clone(),
        Some((last, init)) => quote!({
            #(#init?;)*
            #last
        }),
    }
}

fn guards(model: &Workflow) -> TokenStream {
    let (entity, payload) = (&model.entity, &model.payload);
    let arms: Vec<_> = model
        .machine
        .transitions
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.guards.is_empty())
        .map(|(index, t)| {
            let index = Literal::usize_unsuffixed(index);
            let (last, init) = t
                .guards
                .split_last()
                .unwrap_or_else(|| unreachable!("filtered"));
            let last = guard(last);
            let body = if init.is_empty() {
                last
            } else {
                let init = init.iter().map(guard);
                quote!({
                    #(if !#init? {
                        return rt::Ok(false);
                    })*
                    #last
                })
            };
            quote!(#index => #body,)
        })
        .collect();
    if arms.is_empty() {
        return quote! {
            async fn guards(_transition: usize, _entity: &#entity, _payload: &#payload) -> rt::Result<bool, rt::GuardError> {
                rt::Ok(true)
            }
        };
    }
    quote! {
        async fn guards(transition: usize, entity: &#entity, payload: &#payload) -> rt::Result<bool, rt::GuardError> {
            match transition {
                #(#arms)*
                _ => rt::Ok(true),
            }
        }
    }
}

fn actions(model: &Workflow) -> TokenStream {
    let (entity, payload) = (&model.entity, &model.payload);
    let arms: Vec<_> = model
        .machine
        .transitions
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.actions.is_empty())
        .map(|(index, t)| {
            let index = Literal::usize_unsuffixed(index);
            let body = chain(
                t.actions
                    .iter()
                    .map(|a| action(a, quote!(entity, payload)))
                    .collect(),
            );
            quote!(#index => #body,)
        })
        .collect();
    if arms.is_empty() {
        return quote! {
            async fn actions(_transition: usize, _entity: &mut #entity, _payload: &#payload) -> rt::Result<(), rt::ActionError> {
                rt::Ok(())
            }
        };
    }
    quote! {
        async fn actions(transition: usize, entity: &mut #entity, payload: &#payload) -> rt::Result<(), rt::ActionError> {
            match transition {
                #(#arms)*
                _ => rt::Ok(()),
            }
        }
    }
}

fn on_event(model: &Workflow) -> TokenStream {
    let m = &model.machine;
    let (entity, payload, event_ty) = (&model.entity, &model.payload, &m.event_ty);
    let arms: Vec<_> = (0..m.events.len())
        .filter_map(|event| {
            let mut handlers: Vec<_> = model
                .on_event
                .iter()
                .filter(|h| h.event.index == event)
                .collect();
            if handlers.is_empty() {
                return None;
            }
            handlers.sort_by_key(|h| h.order);
            let variant = &m.events[event];
            let body = chain(
                handlers
                    .iter()
                    .map(|h| action(&h.function, quote!(entity, payload)))
                    .collect(),
            );
            Some(quote!(#event_ty::#variant => #body,))
        })
        .collect();
    if arms.is_empty() {
        return quote! {
            async fn on_event(_event: #event_ty, _entity: &mut #entity, _payload: &#payload) -> rt::Result<(), rt::ActionError> {
                rt::Ok(())
            }
        };
    }
    let rest = (arms.len() < m.events.len()).then(|| quote!(_ => rt::Ok(()),));
    quote! {
        async fn on_event(event: #event_ty, entity: &mut #entity, payload: &#payload) -> rt::Result<(), rt::ActionError> {
            match event {
                #(#arms)*
                #rest
            }
        }
    }
}

fn on_status_changed(model: &Workflow) -> TokenStream {
    let m = &model.machine;
    let (entity, payload, state_ty) = (&model.entity, &model.payload, &m.state_ty);
    let uses_from = model.on_status_changed.iter().any(|h| h.from.is_some());
    let uses_to = model.on_status_changed.iter().any(|h| h.to.is_some());
    let statements = model.on_status_changed.iter().map(|h| {
        let run = action(&h.function, quote!(entity, payload));
        let run = if h.fail_on_error {
            quote!(#run?;)
        } else {
            let name = &h.function.name;
            // A panic is a failure like any other: with `fail_on_error = false` it is
            // logged and swallowed too.
            quote! {
                if let rt::Err(error) = rt::catch_panic(async { #run }).await {
                    rt::ignored_handler_error(#name, &error);
                }
            }
        };
        let from = h.from.as_ref().map(|n| {
            let variant = &m.states[n.index];
            quote!(from == rt::Some(#state_ty::#variant))
        });
        let to = h.to.as_ref().map(|n| {
            let variant = &m.states[n.index];
            quote!(to == #state_ty::#variant)
        });
        let conditions: Vec<_> = from.into_iter().chain(to).collect();
        if conditions.is_empty() {
            run
        } else {
            quote!(if #(#conditions)&&* { #run })
        }
    });
    let params = if model.on_status_changed.is_empty() {
        quote!(_from: rt::Option<#state_ty>, _to: #state_ty, _entity: &mut #entity, _payload: &#payload)
    } else {
        let from = if uses_from {
            quote!(from)
        } else {
            quote!(_from)
        };
        let to = if uses_to { quote!(to) } else { quote!(_to) };
        quote!(#from: rt::Option<#state_ty>, #to: #state_ty, entity: &mut #entity, payload: &#payload)
    };
    quote! {
        async fn on_status_changed(#params) -> rt::Result<(), rt::ActionError> {
            #(#statements)*
            rt::Ok(())
        }
    }
}

fn fallback(model: &Workflow) -> TokenStream {
    let (entity, payload, event_ty) = (&model.entity, &model.payload, &model.machine.event_ty);
    match &model.machine.fallback {
        Some(f) => {
            let run = action(f, quote!(entity, event, payload));
            quote! {
                async fn fallback(event: #event_ty, entity: &mut #entity, payload: &#payload) -> rt::Result<(), rt::ActionError> {
                    #run
                }
            }
        }
        None => quote! {
            async fn fallback(_event: #event_ty, _entity: &mut #entity, _payload: &#payload) -> rt::Result<(), rt::ActionError> {
                rt::Ok(())
            }
        },
    }
}

fn create(model: &Workflow) -> TokenStream {
    let entity = &model.entity;
    match &model.create {
        Some(path) => {
            let span = path
                .segments
                .last()
                .map_or_else(Span::call_site, |s| s.ident.span());
            let call = quote_spanned!(span=> #path(urn));
            quote! {
                fn create(urn: &str) -> #entity {
                    #call
                }
            }
        }
        None => quote! {
            fn create(urn: &str) -> #entity {
                let mut entity = <#entity as rt::Default>::default();
                rt::Entity::set_urn(&mut entity, urn);
                entity
            }
        },
    }
}

/// A compile-time proof that every future of the impl is `Send`. The trait's signatures
/// already demand it; this spells the guarantee out where a reader of the expansion sees
/// it, and fails here, naming the workflow, if it ever stops holding.
pub fn send_assertion(model: &Workflow) -> TokenStream {
    let m = &model.machine;
    let (name, entity, payload, state_ty, event_ty) = (
        &m.name,
        &model.entity,
        &model.payload,
        &m.state_ty,
        &m.event_ty,
    );
    quote! {
        #[allow(dead_code)]
        fn futures_are_send(event: #event_ty, state: #state_ty, entity: &mut #entity, payload: &#payload) {
            fn assert_send<T: rt::Send>(_: &T) {}
            assert_send(&<#name as rt::Workflow>::guards(0, entity, payload));
            assert_send(&<#name as rt::Workflow>::actions(0, entity, payload));
            assert_send(&<#name as rt::Workflow>::on_event(event, entity, payload));
            assert_send(&<#name as rt::Workflow>::on_status_changed(rt::None, state, entity, payload));
            assert_send(&<#name as rt::Workflow>::fallback(event, entity, payload));
        }
    }
}
