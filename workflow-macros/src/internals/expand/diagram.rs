//! `MERMAID`: the workflow as a Mermaid `stateDiagram-v2`, computed at expansion time and
//! also placed in the workflow type's rustdoc.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::model::{Machine, Transition};

/// The diagram: one line per (source, transition) in declaration order, `[*] --> S` for
/// creation, `S --> [*]` for final states, and the failed state styled.
pub fn mermaid(m: &Machine) -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for t in &m.transitions {
        let to =
            t.to.as_ref()
                .map_or_else(String::new, |n| m.states[n.index].to_string());
        let label = label(m, t);
        let sources = t.initial.map(|_| "[*]".to_owned()).into_iter();
        for source in sources.chain(t.from.iter().map(|s| m.states[s.index].to_string())) {
            out.push_str(&format!("    {source} --> {to}"));
            if !label.is_empty() {
                out.push_str(&format!(": {label}"));
            }
            out.push('\n');
        }
    }
    for (index, state) in m.states.iter().enumerate() {
        if m.is_final(index) {
            out.push_str(&format!("    {state} --> [*]\n"));
        }
    }
    if let Some(failed) = &m.failed {
        out.push_str("    classDef failed fill:#fdd,stroke:#c33\n");
        out.push_str(&format!("    class {} failed\n", m.states[failed.index]));
    }
    out
}

/// `Event1 | Event2 [guard1 && guard2] / action1, action2`, empty parts left out.
fn label(m: &Machine, t: &Transition) -> String {
    let mut parts = Vec::new();
    if !t.events.is_empty() {
        let events: Vec<String> = t
            .events
            .iter()
            .map(|e| m.events[e.index].to_string())
            .collect();
        parts.push(events.join(" | "));
    }
    if !t.guards.is_empty() {
        let guards: Vec<&str> = t.guards.iter().map(|g| g.name.as_str()).collect();
        parts.push(format!("[{}]", guards.join(" && ")));
    }
    if !t.actions.is_empty() {
        let actions: Vec<&str> = t.actions.iter().map(|a| a.name.as_str()).collect();
        parts.push(format!("/ {}", actions.join(", ")));
    }
    parts.join(" ")
}

/// The diagram as doc attributes: a blank line, then a ```` ```mermaid ```` block (not a
/// Rust block, so doctests skip it).
pub fn doc(mermaid: &str) -> TokenStream {
    let lines = mermaid.lines().map(|line| format!(" {line}"));
    quote! {
        #[doc = ""]
        #[doc = " ```mermaid"]
        #(#[doc = #lines])*
        #[doc = " ```"]
    }
}
