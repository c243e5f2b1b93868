//! Reads the items of a `#[workflow]` module: the state and event enums (found by their
//! derive), the one `transitions!` block, and the functions with their helper attributes.
//!
//! The scan also edits the module: it removes `transitions!` (the attribute expands it)
//! and the `#[on_event]` / `#[on_status_changed]` attributes (they are not real
//! attributes; left in place, rustc would look for macros of those names).

use std::collections::HashMap;

use proc_macro2::{Ident, Span};
use syn::{Attribute, Item, ItemEnum, ItemMod, Path, parse_quote};

use super::super::errors::Errors;
use super::handlers::{OnEvent, OnStatusChanged};
use super::transitions::Transitions;

/// What the module declares.
#[derive(Default)]
pub struct Scan {
    /// The `#[derive(State)]` enum: its name and variants.
    pub states: Option<Enum>,
    /// The `#[derive(Event)]` enum.
    pub events: Option<Enum>,
    /// The parsed `transitions!` block.
    pub transitions: Option<Transitions>,
    /// Every function of the module, by name: whether it is `async`.
    pub functions: HashMap<String, bool>,
    /// `#[on_event]` functions in declaration order.
    pub on_event: Vec<(Ident, OnEvent)>,
    /// `#[on_status_changed]` functions in declaration order.
    pub on_status_changed: Vec<(Ident, OnStatusChanged)>,
    /// Whether the module has an item or a non-glob import named `Workflow` (then the
    /// `Workflow` alias is not generated: it would clash).
    pub has_workflow_name: bool,
}

/// A fieldless enum of the module.
pub struct Enum {
    /// Its name.
    pub ident: Ident,
    /// Its variants, in order (spans of the declaration).
    pub variants: Vec<Ident>,
}

/// Scans `module`, removing `transitions!` and the helper attributes from it.
///
/// `krate` (the `#[workflow(crate = ..)]` override) is handed on to the enums' derives as
/// `#[state(crate = ..)]` / `#[event(crate = ..)]` unless they say otherwise.
pub fn scan(module: &mut ItemMod, krate: Option<&Path>, errors: &mut Errors) -> Scan {
    let mut scan = Scan::default();
    let Some((_, items)) = &mut module.content else {
        let message = "`#[workflow]` needs an inline module: `mod name { .. }`, not `mod name;`";
        errors.at(module.ident.span(), message);
        return scan;
    };
    let mut transitions_span: Option<Span> = None;
    items.retain_mut(|item| match item {
        Item::Macro(mac)
            if mac
                .mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "transitions") =>
        {
            let span = mac
                .mac
                .path
                .segments
                .last()
                .map_or_else(Span::call_site, |s| s.ident.span());
            if transitions_span.is_some() {
                errors.at(
                    span,
                    "a second `transitions!` block; a workflow module has exactly one",
                );
            } else {
                transitions_span = Some(span);
                match syn::parse2::<Transitions>(mac.mac.tokens.clone()) {
                    Ok(parsed) => scan.transitions = Some(parsed),
                    Err(error) => errors.push(error),
                }
            }
            false
        }
        _ => true,
    });
    for item in items.iter_mut() {
        match item {
            Item::Enum(item) => scan_enum(item, krate, &mut scan, errors),
            Item::Fn(item) => {
                let name = item.sig.ident.clone();
                scan.functions
                    .insert(name.to_string(), item.sig.asyncness.is_some());
                take_helpers(&mut item.attrs, &name, &mut scan, errors);
            }
            Item::Use(item) => scan.has_workflow_name |= names_workflow(&item.tree),
            other => {
                scan.has_workflow_name |= item_ident(other).is_some_and(|i| i == "Workflow");
                if let Some(attrs) = item_attrs(other) {
                    for attr in attrs.iter().filter(|a| is_helper(a)) {
                        errors.at(
                            attr_name_span(attr),
                            "this attribute goes on a function of the workflow module",
                        );
                    }
                }
            }
        }
    }
    if transitions_span.is_none() {
        errors.at(
            module.ident.span(),
            "a `#[workflow]` module needs one `transitions! { .. }` block",
        );
    }
    scan
}

fn scan_enum(item: &mut ItemEnum, krate: Option<&Path>, scan: &mut Scan, errors: &mut Errors) {
    scan.has_workflow_name |= item.ident == "Workflow";
    for (derive, slot, helper) in [
        ("State", &mut scan.states, "state"),
        ("Event", &mut scan.events, "event"),
    ] {
        if !derives(&item.attrs, derive) {
            continue;
        }
        if let Some(first) = slot {
            let message = format!(
                "a second `#[derive({derive})]` enum; the workflow module already has `{}`",
                first.ident
            );
            errors.at(item.ident.span(), message);
            continue;
        }
        *slot = Some(Enum {
            ident: item.ident.clone(),
            variants: item.variants.iter().map(|v| v.ident.clone()).collect(),
        });
        let has_override = item.attrs.iter().any(|a| a.path().is_ident(helper));
        if let (Some(krate), false) = (krate, has_override) {
            let helper = Ident::new(helper, Span::call_site());
            let krate = quote::quote!(#krate).to_string().replace(' ', "");
            item.attrs.push(parse_quote!(#[#helper(crate = #krate)]));
        }
    }
}

/// Whether `attrs` hold a `#[derive(..)]` naming `name` (by its last path segment, so
/// `State`, `workflow_core::State` and a re-export all count).
fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|attr| {
            let mut found = false;
            let _ = attr.parse_nested_meta(|meta| {
                found |= meta.path.segments.last().is_some_and(|s| s.ident == name);
                Ok(())
            });
            found
        })
}

fn is_helper(attr: &Attribute) -> bool {
    attr.path().is_ident("on_event") || attr.path().is_ident("on_status_changed")
}

fn attr_name_span(attr: &Attribute) -> Span {
    attr.path()
        .segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

/// Removes the helper attributes of the function `name`, recording what they say.
fn take_helpers(attrs: &mut Vec<Attribute>, name: &Ident, scan: &mut Scan, errors: &mut Errors) {
    attrs.retain(|attr| {
        if attr.path().is_ident("on_event") {
            match attr.parse_args::<OnEvent>() {
                Ok(parsed) => scan.on_event.push((name.clone(), parsed)),
                Err(error) => errors.push(error),
            }
            false
        } else if attr.path().is_ident("on_status_changed") {
            let parsed = match &attr.meta {
                syn::Meta::Path(_) => Ok(OnStatusChanged::default()),
                _ => attr.parse_args::<OnStatusChanged>(),
            };
            match parsed {
                Ok(parsed) => scan.on_status_changed.push((name.clone(), parsed)),
                Err(error) => errors.push(error),
            }
            false
        } else {
            true
        }
    });
}

fn names_workflow(tree: &syn::UseTree) -> bool {
    match tree {
        syn::UseTree::Path(path) => names_workflow(&path.tree),
        syn::UseTree::Name(name) => name.ident == "Workflow",
        syn::UseTree::Rename(rename) => rename.rename == "Workflow",
        syn::UseTree::Glob(_) => false,
        syn::UseTree::Group(group) => group.items.iter().any(names_workflow),
    }
}

fn item_ident(item: &Item) -> Option<&Ident> {
    match item {
        Item::Const(i) => Some(&i.ident),
        Item::Enum(i) => Some(&i.ident),
        Item::Fn(i) => Some(&i.sig.ident),
        Item::Mod(i) => Some(&i.ident),
        Item::Static(i) => Some(&i.ident),
        Item::Struct(i) => Some(&i.ident),
        Item::Trait(i) => Some(&i.ident),
        Item::TraitAlias(i) => Some(&i.ident),
        Item::Type(i) => Some(&i.ident),
        Item::Union(i) => Some(&i.ident),
        _ => None,
    }
}

fn item_attrs(item: &Item) -> Option<&Vec<Attribute>> {
    match item {
        Item::Const(i) => Some(&i.attrs),
        Item::Enum(i) => Some(&i.attrs),
        Item::Impl(i) => Some(&i.attrs),
        Item::Mod(i) => Some(&i.attrs),
        Item::Static(i) => Some(&i.attrs),
        Item::Struct(i) => Some(&i.attrs),
        Item::Trait(i) => Some(&i.attrs),
        Item::Type(i) => Some(&i.attrs),
        Item::Use(i) => Some(&i.attrs),
        _ => None,
    }
}
