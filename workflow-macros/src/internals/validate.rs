//! Stage 3: every check of a resolved declaration. Errors are recorded, never returned
//! early, so the user sees all of them in one build; each points at the offending token.
//!
//! Local checks (one line or one binding at a time) always run. The checks over the whole
//! graph (no way out, automatic cycles, unreachable states) only run when every name
//! resolved: with a typo'd state, the graph is missing an edge and those checks would
//! report consequences of the typo rather than real problems.

use std::collections::{HashMap, VecDeque};

use proc_macro2::Ident;

use super::errors::Errors;
use super::model::{Machine, Transition, Workflow};

/// What the checks found that is not an error.
#[derive(Default)]
pub struct Report {
    /// States no entry point leads to (a warning: see `expand::lints`).
    pub unreachable: Vec<Ident>,
}

/// Checks a `#[workflow]` module.
pub fn workflow(model: &Workflow, errors: &mut Errors) -> Report {
    machine(&model.machine, errors)
}

/// Checks a state machine (a workflow's, or a bare one).
pub fn machine(m: &Machine, errors: &mut Errors) -> Report {
    automatic_only_out_of_waiting_states(m, errors);
    out_of_final_states(m, errors);
    shadowed_transitions(m, errors);
    topics(m, errors);
    if !m.complete {
        return Report::default();
    }
    no_way_out(m, errors);
    automatic_cycles(m, errors);
    Report {
        unreachable: unreachable(m),
    }
}

/// A line without `on` only ever runs as an automatic transition, and the engine runs
/// those only out of states that are neither idle nor final. Out of `[*]` or an idle state
/// it could never fire.
fn automatic_only_out_of_waiting_states(m: &Machine, errors: &mut Errors) {
    for t in m.transitions.iter().filter(|t| t.automatic_only) {
        if let Some(span) = t.initial {
            errors.at(span, "a `[*]` transition needs `on Event`: creating an entity is always triggered by an event");
        }
        for source in t
            .from
            .iter()
            .filter(|s| m.is_idle(s.index) && !m.is_final(s.index))
        {
            errors.at(
                source.ident.span(),
                format!(
                    "`{}` is idle, so a transition without `on` never leaves it (automatic \
                     transitions only run out of states that are neither idle nor final); \
                     add `on Event`, or remove `{}` from `idles`",
                    source.ident, source.ident
                ),
            );
        }
    }
}

/// Nothing runs once an entity is in a final state.
fn out_of_final_states(m: &Machine, errors: &mut Errors) {
    for t in &m.transitions {
        for source in t.from.iter().filter(|s| m.is_final(s.index)) {
            errors.at(
                source.ident.span(),
                format!(
                    "`{}` is final: no transition may leave a final state",
                    source.ident
                ),
            );
        }
    }
}

/// The engine tries candidates in declaration order and takes the first whose guards pass;
/// after one without guards, later ones for the same (state, event) never fire.
fn shadowed_transitions(m: &Machine, errors: &mut Errors) {
    // (source, event) -> the first transition with no guard that fires on it.
    let mut unguarded: HashMap<(Option<usize>, usize), usize> = HashMap::new();
    for (index, t) in m.transitions.iter().enumerate() {
        let sources: Vec<Option<usize>> = t
            .initial
            .map(|_| None)
            .into_iter()
            .chain(t.from.iter().map(|s| Some(s.index)))
            .collect();
        let mut reported = false;
        for event in &t.events {
            for source in &sources {
                let key = (*source, event.index);
                match unguarded.get(&key) {
                    Some(&earlier) if !reported => {
                        reported = true;
                        let from = source.map_or("[*]".to_owned(), |s| m.states[s].to_string());
                        errors.at(
                            event.ident.span(),
                            format!(
                                "this transition never fires from `{from}` on `{}`: the earlier \
                                 `{}` has no guard, so it always wins; add a guard to it, or \
                                 remove this one",
                                event.ident,
                                describe(m, &m.transitions[earlier]),
                            ),
                        );
                    }
                    Some(_) => {}
                    None if t.guards.is_empty() => {
                        unguarded.insert(key, index);
                    }
                    None => {}
                }
            }
        }
    }
}

/// `A | B -> C on E`, for messages.
fn describe(m: &Machine, t: &Transition) -> String {
    let mut sources: Vec<String> = t.initial.map(|_| "[*]".to_owned()).into_iter().collect();
    sources.extend(t.from.iter().map(|s| s.ident.to_string()));
    let to =
        t.to.as_ref()
            .map_or_else(|| "?".to_owned(), |n| n.ident.to_string());
    let events: Vec<String> = t
        .events
        .iter()
        .map(|e| m.events[e.index].to_string())
        .collect();
    format!("{} -> {to} on {}", sources.join(" | "), events.join(" | "))
}

/// A topic carries one event; an event bound to a topic must fire some transition, or
/// every record of the topic would be dead-lettered as "no transition".
fn topics(m: &Machine, errors: &mut Errors) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for binding in &m.topics {
        let topic = binding.topic.value();
        match (seen.get(&topic).copied(), &binding.event) {
            (Some(first), _) => errors.at(
                binding.topic.span(),
                format!(
                    "topic `{topic}` is bound twice (first to `{first}`); a topic carries one event"
                ),
            ),
            (None, Some(event)) => {
                seen.insert(topic.clone(), &event.ident);
            }
            (None, None) => {}
        }
        // With an unresolved name somewhere, the transition meant to consume this event may
        // be the one with the typo: say nothing rather than report a consequence of it.
        if let Some(event) = binding.event.as_ref().filter(|_| m.complete) {
            let consumed = m
                .transitions
                .iter()
                .any(|t| t.events.iter().any(|e| e.index == event.index));
            if !consumed {
                errors.at(
                    event.ident.span(),
                    format!(
                        "`{}` is bound to topic `{topic}` but no transition fires on it; every \
                         record of the topic would be dead-lettered",
                        event.ident
                    ),
                );
            }
        }
    }
}

/// A state that is neither idle nor final is left at once by an automatic transition, so
/// it needs one.
fn no_way_out(m: &Machine, errors: &mut Errors) {
    for (index, state) in m.states.iter().enumerate() {
        let leaves = m
            .transitions
            .iter()
            .any(|t| t.from.iter().any(|s| s.index == index));
        if m.is_transient(index) && !leaves {
            errors.at(
                state.span(),
                format!(
                    "`{state}` has no way out: it is neither idle nor final, so the engine \
                     leaves it at once by an automatic transition, and no transition leaves \
                     it; add one, or list `{state}` in `idles` or `finals`"
                ),
            );
        }
    }
}

/// Automatic transitions among transient states, none guarded, that come back to where
/// they started would run until the engine's chain bound.
fn automatic_cycles(m: &Machine, errors: &mut Errors) {
    let n = m.states.len();
    // edges[a] = (b, transition index) for unguarded transitions between transient states.
    let mut edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (index, t) in m.transitions.iter().enumerate() {
        let to = m.target(t);
        if !t.guards.is_empty() || !m.is_transient(to) {
            continue;
        }
        for source in t.from.iter().filter(|s| m.is_transient(s.index)) {
            edges[source.index].push((to, index));
        }
    }
    let mut on_reported_cycle = vec![false; n];
    for start in 0..n {
        if on_reported_cycle[start] {
            continue;
        }
        let Some(path) = shortest_cycle(&edges, start) else {
            continue;
        };
        let mut names: Vec<String> = path
            .iter()
            .map(|(state, _)| m.states[*state].to_string())
            .collect();
        names.insert(0, m.states[start].to_string());
        for (state, _) in &path {
            on_reported_cycle[*state] = true;
        }
        let (_, closing) = path[path.len() - 1];
        let closing = m.transitions[closing]
            .to
            .as_ref()
            .map_or_else(|| m.states[start].clone(), |n| n.ident.clone());
        errors.at(
            closing.span(),
            format!(
                "automatic transitions loop forever: `{}` has no idle or final state on it and \
                 no guard to stop it; add a guard, or list one of these states in `idles`",
                names.join(" -> ")
            ),
        );
    }
}

/// The shortest path of edges from `start` back to `start`: (state reached, transition).
fn shortest_cycle(edges: &[Vec<(usize, usize)>], start: usize) -> Option<Vec<(usize, usize)>> {
    let mut previous: Vec<Option<(usize, usize)>> = vec![None; edges.len()];
    let mut queue = VecDeque::from([start]);
    let mut visited = vec![false; edges.len()];
    while let Some(state) = queue.pop_front() {
        for &(next, transition) in &edges[state] {
            if next == start {
                let mut path = vec![(start, transition)];
                let mut at = state;
                while at != start {
                    let (before, via) = previous[at]?;
                    path.push((at, via));
                    at = before;
                }
                path.reverse();
                // path is [(first state after start, t), .., (start, closing t)]
                let fixed: Vec<(usize, usize)> = path;
                return Some(fixed);
            }
            if !visited[next] {
                visited[next] = true;
                previous[next] = Some((state, transition));
                queue.push_back(next);
            }
        }
    }
    None
}

/// States no entry point leads to. Entry points are the targets of `[*]` transitions, or,
/// when there are none, every idle state; the failed state is always reached (by failure).
fn unreachable(m: &Machine) -> Vec<Ident> {
    let mut reached = vec![false; m.states.len()];
    let mut queue: VecDeque<usize> = m
        .transitions
        .iter()
        .filter(|t| t.initial.is_some())
        .map(|t| m.target(t))
        .collect();
    if queue.is_empty() {
        queue.extend(m.idles.iter().map(|n| n.index));
    }
    if queue.is_empty() {
        return Vec::new();
    }
    // A failing action, handler or chain moves an entity to the failed state from anywhere.
    queue.extend(m.failed.as_ref().map(|f| f.index));
    while let Some(state) = queue.pop_front() {
        if std::mem::replace(&mut reached[state], true) {
            continue;
        }
        for t in m
            .transitions
            .iter()
            .filter(|t| t.from.iter().any(|s| s.index == state))
        {
            queue.push_back(m.target(t));
        }
    }
    m.states
        .iter()
        .zip(reached)
        .filter(|(_, reached)| !reached)
        .map(|(state, _)| state.clone())
        .collect()
}
