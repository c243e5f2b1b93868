//! The macros' implementation. Nothing here touches `proc_macro`: everything works on
//! `proc_macro2` tokens, so the expansion snapshot test can include this module with
//! `#[path]` and run the macros as ordinary functions.
//!
//! `#[workflow]` and `transitions!` go through four stages, one module each:
//! [`parse`] (tokens to syntax, spans kept) → [`model`] (names resolved to variants) →
//! [`validate`] (every check, all errors collected) → [`expand`] (one file per generated
//! part). The derives are small enough to do all of it in one file each.

mod derive_entity;
mod derive_enum;
mod errors;
mod expand;
mod model;
mod parse;
mod runtime;
mod suggest;
mod validate;

use proc_macro2::TokenStream;

pub use runtime::Runtime;

/// `#[derive(State)]`.
pub fn derive_state(input: TokenStream, runtime: Runtime) -> TokenStream {
    derive_enum::derive(input, derive_enum::Kind::State, runtime)
}

/// `#[derive(Event)]`.
pub fn derive_event(input: TokenStream, runtime: Runtime) -> TokenStream {
    derive_enum::derive(input, derive_enum::Kind::Event, runtime)
}

/// `#[derive(Entity)]`.
pub fn derive_entity(input: TokenStream, runtime: Runtime) -> TokenStream {
    derive_entity::derive(input, runtime)
}

/// `#[workflow(..)]` on an inline module: parse, resolve, validate, expand.
///
/// Whatever fails, the module comes back with the workflow type in it (a stub when the
/// declaration is wrong), so the user sees our errors and not a cascade of "cannot find
/// type" errors from the code that uses the workflow.
pub fn expand_workflow(attr: TokenStream, item: TokenStream, runtime: Runtime) -> TokenStream {
    let mut errors = errors::Errors::default();
    let args = parse::args::parse(attr, &mut errors);
    let mut module = match syn::parse2::<syn::ItemMod>(item) {
        Ok(module) => module,
        Err(error) => {
            let message = "`#[workflow]` goes on an inline module: `mod name { .. }`";
            return syn::Error::new(error.span(), message).to_compile_error();
        }
    };
    let krate = runtime.private_path(args.krate.as_ref());
    let scan = parse::module::scan(&mut module, args.krate.as_ref(), &mut errors);
    let model = model::workflow(&module, &args, &scan, krate.clone(), &mut errors);
    let report = model
        .as_ref()
        .map(|model| validate::workflow(model, &mut errors));
    match (model, report, errors.into_result()) {
        (Some(model), Some(report), Ok(())) => expand::workflow(module, &model, &report),
        (model, _, Err(error)) => {
            let error = error.to_compile_error();
            // A complete model generates code that compiles whatever the checks found, so
            // the real items go out with the errors; otherwise a stub stands in for them.
            let generated = match model.as_ref().filter(|m| m.machine.complete) {
                Some(model) => expand::generated(model),
                None => {
                    expand::stub::silence_unused(&mut module);
                    expand::stub::workflow(&module, &args, &scan, &krate)
                }
            };
            expand::into_module(module, quote::quote! { #generated #error })
        }
        (None, _, Ok(())) => unreachable!("a workflow without a model always records an error"),
        (Some(_), None, Ok(())) => unreachable!("a model is always validated"),
    }
}

/// `transitions!` on its own: a bare typed state machine.
pub fn expand_transitions(input: TokenStream, runtime: Runtime) -> TokenStream {
    let mut errors = errors::Errors::default();
    let parsed = match syn::parse2::<parse::transitions::Transitions>(input) {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error(),
    };
    let Some(machine) = model::bare_machine(&parsed, runtime, &mut errors) else {
        return errors
            .into_result()
            .err()
            .map(|e| e.to_compile_error())
            .unwrap_or_default();
    };
    let report = validate::machine(&machine.machine, &mut errors);
    match errors.into_result() {
        Ok(()) => expand::machine::expand(&machine, &report),
        Err(error) => {
            let error = error.to_compile_error();
            let stub = expand::machine::stub(&machine);
            quote::quote! { #stub #error }
        }
    }
}
