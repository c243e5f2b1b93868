//! Warnings. Stable Rust has no API for a proc macro to emit a warning, so a warning is a
//! use of a `#[deprecated]` item whose note is the message, spanned at the offending name:
//! rustc reports it as a `deprecated` warning there (an error under `#![deny(warnings)]`
//! or `#![deny(deprecated)]`), and `#[allow(deprecated)]` silences it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::super::model::Machine;
use super::super::validate::Report;

/// One warning per state that no entry point leads to.
pub fn unreachable_states(m: &Machine, report: &Report) -> TokenStream {
    let entries = if m.transitions.iter().any(|t| t.initial.is_some()) {
        "no `[*]` transition leads to it"
    } else {
        "no idle state leads to it (there is no `[*]` transition, so the idle states are the entry points)"
    };
    report
        .unreachable
        .iter()
        .map(|state| {
            let note = format!(
                "state `{state}` is unreachable: {entries}, directly or through other transitions"
            );
            let function = format_ident!("unreachable_state_{}", state);
            let call = quote_spanned!(state.span()=> #function());
            quote! {
                const _: () = {
                    #[deprecated(note = #note)]
                    #[allow(non_snake_case)]
                    const fn #function() {}
                    #call
                };
            }
        })
        .collect()
}
