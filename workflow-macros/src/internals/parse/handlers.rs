//! The helper attributes on functions of a workflow module: `#[on_event(..)]` and
//! `#[on_status_changed(..)]`.

use proc_macro2::Ident;
use syn::parse::{Parse, ParseStream};
use syn::{LitBool, LitInt, Token};

/// `#[on_event(Event)]` or `#[on_event(Event, order = n)]`.
pub struct OnEvent {
    /// The event, unresolved.
    pub event: Ident,
    /// Lower runs first; default 0.
    pub order: i32,
}

impl Parse for OnEvent {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let event: Ident = input.parse()?;
        let mut order = 0;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: Ident = input.parse()?;
            if key != "order" {
                return Err(syn::Error::new(key.span(), "expected `order = <integer>`"));
            }
            input.parse::<Token![=]>()?;
            let negative = input.parse::<Option<Token![-]>>()?.is_some();
            let value: LitInt = input.parse()?;
            order = value.base10_parse::<i32>()?;
            if negative {
                order = -order;
            }
            input.parse::<Option<Token![,]>>()?;
        }
        Ok(OnEvent { event, order })
    }
}

/// `#[on_status_changed(from = A, to = B, fail_on_error = bool)]`, every part optional.
#[derive(Default)]
pub struct OnStatusChanged {
    /// The state left; `None` for any (including creation).
    pub from: Option<Ident>,
    /// The state entered; `None` for any.
    pub to: Option<Ident>,
    /// Whether a failure moves the entity to the failed state; default `true`.
    pub fail_on_error: Option<LitBool>,
}

impl Parse for OnStatusChanged {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut parsed = OnStatusChanged::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
            match key.to_string().as_str() {
                "from" if parsed.from.is_some() => return Err(twice()),
                "from" => parsed.from = Some(input.parse()?),
                "to" if parsed.to.is_some() => return Err(twice()),
                "to" => parsed.to = Some(input.parse()?),
                "fail_on_error" if parsed.fail_on_error.is_some() => return Err(twice()),
                "fail_on_error" => parsed.fail_on_error = Some(input.parse()?),
                _ => {
                    let message = "expected `from = State`, `to = State` or `fail_on_error = bool`";
                    return Err(syn::Error::new(key.span(), message));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(parsed)
    }
}
