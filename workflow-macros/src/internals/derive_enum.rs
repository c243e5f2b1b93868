//! `#[derive(State)]` and `#[derive(Event)]`: the two traits have the same shape, so one
//! implementation serves both (and the bare machine of `transitions!`, which generates its
//! enums and implements the traits with [`expand`]).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Path};

use super::errors::Errors;
use super::runtime::{Runtime, parse_crate_value};

/// Which trait is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `State`, helper attribute `#[state(..)]`.
    State,
    /// `Event`, helper attribute `#[event(..)]`.
    Event,
}

impl Kind {
    fn trait_name(self) -> &'static str {
        match self {
            Kind::State => "State",
            Kind::Event => "Event",
        }
    }

    fn helper(self) -> &'static str {
        match self {
            Kind::State => "state",
            Kind::Event => "event",
        }
    }
}

/// The derive's entry point.
pub fn derive(input: TokenStream, kind: Kind, runtime: Runtime) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match parse(&input, kind) {
        Ok((krate, variants)) => expand(
            &runtime.private_path(krate.as_ref()),
            kind,
            &input.ident,
            &variants,
        ),
        Err(error) => error.to_compile_error(),
    }
}

/// The `crate = ..` override and the variants, or every reason the input is not a
/// non-empty, non-generic, fieldless enum.
fn parse(input: &DeriveInput, kind: Kind) -> syn::Result<(Option<Path>, Vec<Ident>)> {
    let mut errors = Errors::default();
    let derive = kind.trait_name();
    let mut krate = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident(kind.helper()))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = Some(parse_crate_value(meta.value()?)?);
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown `{}` option; expected `crate = \"..\"`",
                    kind.helper()
                )))
            }
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
    if !input.generics.params.is_empty() {
        errors.at(
            syn::spanned::Spanned::span(&input.generics),
            format!("`#[derive({derive})]` does not support generics"),
        );
    }
    let variants = match &input.data {
        Data::Enum(data) => {
            if data.variants.is_empty() {
                errors.at(
                    input.ident.span(),
                    format!("`#[derive({derive})]` needs at least one variant"),
                );
            }
            for variant in &data.variants {
                if !matches!(variant.fields, Fields::Unit) {
                    errors.at(
                        syn::spanned::Spanned::span(&variant.fields),
                        format!(
                            "`#[derive({derive})]` needs a fieldless enum; `{}` has fields",
                            variant.ident
                        ),
                    );
                }
            }
            data.variants.iter().map(|v| v.ident.clone()).collect()
        }
        Data::Struct(data) => {
            errors.at(
                data.struct_token.span,
                format!("`#[derive({derive})]` needs a fieldless enum, not a struct"),
            );
            Vec::new()
        }
        Data::Union(data) => {
            errors.at(
                data.union_token.span,
                format!("`#[derive({derive})]` needs a fieldless enum, not a union"),
            );
            Vec::new()
        }
    };
    errors.into_result().map(|()| (krate, variants))
}

/// `impl State` (or `Event`), `Display` and `FromStr` for the enum `ident`.
///
/// `index` is a `match`, not `self as usize`, so explicit discriminants cannot break it.
pub fn expand(krate: &Path, kind: Kind, ident: &Ident, variants: &[Ident]) -> TokenStream {
    let trait_name = format_ident!("{}", kind.trait_name());
    // Raw identifiers (`r#loop`) are named without their `r#`, as serde names them.
    let type_name = ident.unraw().to_string();
    let names = variants.iter().map(|v| v.unraw().to_string());
    let indices = 0..variants.len();
    let names_again = names.clone();
    quote! {
        const _: () = {
            use #krate as rt;

            impl rt::#trait_name for #ident {
                const ALL: &'static [Self] = &[#(Self::#variants),*];
                const TYPE_NAME: &'static str = #type_name;

                fn as_str(self) -> &'static str {
                    match self {
                        #(Self::#variants => #names,)*
                    }
                }

                fn index(self) -> usize {
                    match self {
                        #(Self::#variants => #indices,)*
                    }
                }
            }

            impl rt::fmt::Display for #ident {
                fn fmt(&self, f: &mut rt::fmt::Formatter<'_>) -> rt::fmt::Result {
                    f.pad(rt::#trait_name::as_str(*self))
                }
            }

            impl rt::FromStr for #ident {
                type Err = rt::UnknownName;

                // `Self::Err` would be ambiguous with a variant called `Err`.
                fn from_str(name: &str) -> rt::Result<Self, rt::UnknownName> {
                    match name {
                        #(#names_again => rt::Ok(Self::#variants),)*
                        _ => rt::Err(rt::UnknownName { type_name: #type_name, name: name.to_owned() }),
                    }
                }
            }
        };
    }
}
