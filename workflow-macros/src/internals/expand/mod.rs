//! Stage 4: the generated code, one file per part.
//!
//! Everything generated for a workflow goes inside the user's module, after the user's
//! items, so that the paths the user wrote (entity, payload, guards) resolve exactly as in
//! the rest of the module. Impls sit in a `const _: () = { use <runtime> as rt; .. };`
//! block: the runtime path is written once, and the `rt` alias does not leak into the
//! module's namespace.

pub mod bindings;
pub mod definition;
pub mod diagram;
pub mod dispatch;
pub mod lints;
pub mod machine;
pub mod stub;

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::{Attribute, Item, ItemMod};

use super::model::Workflow;
use super::validate::Report;

/// The module with everything generated for `model` appended.
pub fn workflow(module: ItemMod, model: &Workflow, report: &Report) -> TokenStream {
    let generated = generated(model);
    let lints = lints::unreachable_states(&model.machine, report);
    into_module(module, quote! { #generated #lints })
}

/// The workflow type, its inherent items and its `Workflow` impl.
pub fn generated(model: &Workflow) -> TokenStream {
    let m = &model.machine;
    let krate = &model.krate;
    let name = &m.name;
    let mermaid = diagram::mermaid(m);
    let summary = format!("The workflow declared in the module `{}`.", model.module);
    let ty = workflow_type(name, &model.docs, &summary, &mermaid, model.alias);
    let definition = definition::workflow(model);
    let bindings = bindings::inherent(model);
    let dispatch = dispatch::workflow_impl(model);
    let assertion = dispatch::send_assertion(model);
    quote! {
        #ty

        const _: () = {
            use #krate as rt;

            impl #name {
                /// The static description of the workflow: states with their kinds,
                /// transitions with guard and action names, topics and handlers.
                pub const DEFINITION: &'static rt::Definition = &#definition;

                /// The workflow as a Mermaid `stateDiagram-v2`.
                pub const MERMAID: &'static str = #mermaid;

                #bindings
            }

            #dispatch

            #assertion
        };
    }
}

/// `pub struct Name;` with its docs (the user's, then the diagram), and the `Workflow`
/// alias that lets callers write `module::Workflow` whatever the type is called.
pub fn workflow_type(
    name: &Ident,
    docs: &[Attribute],
    summary: &str,
    mermaid: &str,
    alias: bool,
) -> TokenStream {
    let summary = if docs.is_empty() {
        let summary = format!(" {summary}");
        quote!(#[doc = #summary])
    } else {
        quote!(#(#docs)*)
    };
    let diagram = diagram::doc(mermaid);
    let alias = alias.then(|| {
        let doc = format!(" [`{name}`] under the name every workflow module exports.");
        quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            pub type Workflow = #name;
        }
    });
    quote! {
        #summary
        #diagram
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct #name;

        #alias
    }
}

/// `module` with `generated` appended to its items.
pub fn into_module(mut module: ItemMod, generated: TokenStream) -> TokenStream {
    match &mut module.content {
        Some((_, items)) => {
            items.push(Item::Verbatim(generated));
            quote!(#module)
        }
        None => quote!(#module #generated),
    }
}
