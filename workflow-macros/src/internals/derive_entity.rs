//! `#[derive(Entity)]`: a struct with one `#[urn]` field and one `#[status]` field.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Path, Type};

use super::errors::Errors;
use super::runtime::{Runtime, parse_crate_value};

/// The derive's entry point.
pub fn derive(input: TokenStream, runtime: Runtime) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match parse(&input) {
        Ok(entity) => expand(
            &input,
            &runtime.private_path(entity.krate.as_ref()),
            &entity,
        ),
        Err(error) => error.to_compile_error(),
    }
}

/// What the derive needs from the struct.
struct EntityFields {
    krate: Option<Path>,
    urn: Ident,
    status: Ident,
    status_ty: Type,
}

fn parse(input: &DeriveInput) -> syn::Result<EntityFields> {
    let mut errors = Errors::default();
    let mut krate = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("entity")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = Some(parse_crate_value(meta.value()?)?);
                Ok(())
            } else {
                Err(meta.error("unknown `entity` option; expected `crate = \"..\"`"))
            }
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => &fields.named,
            other => {
                let message = "`#[derive(Entity)]` needs a struct with named fields";
                return Err(syn::Error::new(
                    other
                        .span()
                        .join(input.ident.span())
                        .unwrap_or(input.ident.span()),
                    message,
                ));
            }
        },
        Data::Enum(data) => {
            let message = "`#[derive(Entity)]` needs a struct with named fields, not an enum";
            return Err(syn::Error::new(data.enum_token.span, message));
        }
        Data::Union(data) => {
            let message = "`#[derive(Entity)]` needs a struct with named fields, not a union";
            return Err(syn::Error::new(data.union_token.span, message));
        }
    };

    let mut urn: Option<Ident> = None;
    let mut status: Option<(Ident, Type)> = None;
    for field in fields {
        let Some(ident) = &field.ident else { continue };
        for attr in &field.attrs {
            if attr.path().is_ident("urn") {
                if let Err(error) = no_arguments(attr) {
                    errors.push(error);
                } else if urn.is_some() {
                    errors.push(syn::Error::new_spanned(
                        attr,
                        "a second `#[urn]` field; an entity has exactly one",
                    ));
                } else {
                    urn = Some(ident.clone());
                }
            } else if attr.path().is_ident("status") {
                if let Err(error) = no_arguments(attr) {
                    errors.push(error);
                } else if status.is_some() {
                    errors.push(syn::Error::new_spanned(
                        attr,
                        "a second `#[status]` field; an entity has exactly one",
                    ));
                } else {
                    status = Some((ident.clone(), field.ty.clone()));
                }
            }
        }
    }
    let missing = |what: &str, example: &str| {
        syn::Error::new(
            input.ident.span(),
            format!("`#[derive(Entity)]` needs a `#[{what}]` field, e.g. `{example}`"),
        )
    };
    if urn.is_none() {
        errors.push(missing("urn", "#[urn] pub id: String"));
    }
    if status.is_none() {
        errors.push(missing("status", "#[status] pub status: MyState"));
    }
    errors.into_result()?;
    let (Some(urn), Some((status, status_ty))) = (urn, status) else {
        unreachable!("both were checked above")
    };
    Ok(EntityFields {
        krate,
        urn,
        status,
        status_ty,
    })
}

fn no_arguments(attr: &Attribute) -> syn::Result<()> {
    attr.meta.require_path_only().map(|_| ())
}

fn expand(input: &DeriveInput, krate: &Path, entity: &EntityFields) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let EntityFields {
        urn,
        status,
        status_ty,
        ..
    } = entity;
    // The status type's own span, so "the trait `State` is not implemented" lands on it.
    let status_ty_span = status_ty.span();
    let status_assoc = quote::quote_spanned!(status_ty_span=> type Status = #status_ty;);
    quote! {
        const _: () = {
            use #krate as rt;

            impl #impl_generics rt::Entity for #ident #type_generics #where_clause {
                #status_assoc

                fn urn(&self) -> &str {
                    rt::convert::AsRef::<str>::as_ref(&self.#urn)
                }

                fn set_urn(&mut self, urn: &str) {
                    self.#urn = rt::convert::From::from(urn);
                }

                fn status(&self) -> Self::Status {
                    self.#status
                }

                fn set_status(&mut self, status: Self::Status) {
                    self.#status = status;
                }
            }
        };
    }
}
