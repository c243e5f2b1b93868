//! The `transitions! { .. }` grammar.
//!
//! ```text
//! transitions  := header? item*
//! header       := "machine" Ident "(" Ident "," Ident ")" ";"      (bare machine only)
//! item         := line | setting
//! line         := source ("|" source)* "->" Ident
//!                 ("on" Ident ("|" Ident)*)?
//!                 ("if" (Path ("&&" Path)* | "[" Path ("," Path)* ","? "]"))?
//!                 ("do" Path ("," Path)*)? ";"
//! source       := "[*]" | Ident
//! setting      := "finals" "=" "[" Ident,* "]" ";"
//!               | "idles"  "=" "[" Ident,* "]" ";"
//!               | "failed" "=" Ident ";"
//!               | "fallback" "=" Path ";"
//!               | "crate" "=" (LitStr | Path) ";"                   (bare machine only)
//!               | "topics" "{" (LitStr "=>" Ident),* "}" ";"?
//! ```
//!
//! `finals`, `idles`, `failed`, `fallback` and `topics` are settings only when followed by
//! `=` (or `{`), so they stay usable as state names.

use proc_macro2::{Ident, Span};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{LitStr, Path, Token, braced, bracketed, parenthesized};

use super::super::runtime::parse_crate_value;

/// Everything inside `transitions! { .. }`.
#[derive(Default)]
pub struct Transitions {
    /// `machine Name(StateEnum, EventEnum);`, present for a bare machine.
    pub header: Option<Header>,
    /// The transition lines, in declaration order.
    pub lines: Vec<Line>,
    /// `finals = [..]`.
    pub finals: Option<Setting<Vec<Ident>>>,
    /// `idles = [..]`.
    pub idles: Option<Setting<Vec<Ident>>>,
    /// `failed = State`.
    pub failed: Option<Setting<Ident>>,
    /// `fallback = path`.
    pub fallback: Option<Setting<Path>>,
    /// `topics { "topic" => Event, .. }`.
    pub topics: Option<Setting<Vec<Topic>>>,
    /// `crate = "path"` (bare machine).
    pub krate: Option<Setting<Path>>,
}

/// `machine Door(DoorState, DoorEvent);`
pub struct Header {
    /// The machine type's name.
    pub name: Ident,
    /// The state enum to generate.
    pub state_ty: Ident,
    /// The event enum to generate.
    pub event_ty: Ident,
}

/// A setting and the keyword that introduced it (where errors about it point).
pub struct Setting<T> {
    /// `finals`, `idles`, ...
    pub key: Ident,
    /// The value.
    pub value: T,
}

/// One transition line.
pub struct Line {
    /// The sources, `[*]` included, as written.
    pub sources: Vec<Source>,
    /// The target state.
    pub target: Ident,
    /// The events; empty for an automatic-only transition (no `on`).
    pub events: Vec<Ident>,
    /// The guards, all of which must pass.
    pub guards: Vec<Path>,
    /// `if`, when guards are given.
    pub if_token: Option<Token![if]>,
    /// The actions.
    pub actions: Vec<Path>,
    /// `do`, when actions are given.
    pub do_token: Option<Token![do]>,
}

/// A source of a transition.
pub enum Source {
    /// `[*]`: the entity does not exist yet.
    Initial(Span),
    /// A named state.
    State(Ident),
}

/// `"topic" => Event`.
pub struct Topic {
    /// The topic name.
    pub topic: LitStr,
    /// The event its records carry, unresolved.
    pub event: Ident,
}

impl Parse for Transitions {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut parsed = Transitions::default();
        if input.peek(syn::Ident)
            && input.peek2(syn::Ident)
            && input.fork().parse::<Ident>()? == "machine"
        {
            parsed.header = Some(input.parse()?);
        }
        while !input.is_empty() {
            if input.peek(Token![crate]) && input.peek2(Token![=]) {
                let key = Ident::new("crate", input.parse::<Token![crate]>()?.span);
                input.parse::<Token![=]>()?;
                let value = parse_crate_value(input)?;
                input.parse::<Token![;]>()?;
                set(&mut parsed.krate, key, value)?;
            } else if input.peek(syn::Ident) && input.peek2(Token![=]) && !input.peek2(Token![=>]) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                match key.to_string().as_str() {
                    "finals" => {
                        let value = ident_list(input)?;
                        set(&mut parsed.finals, key, value)?;
                    }
                    "idles" => {
                        let value = ident_list(input)?;
                        set(&mut parsed.idles, key, value)?;
                    }
                    "failed" => {
                        let value = input.parse()?;
                        set(&mut parsed.failed, key, value)?;
                    }
                    "fallback" => {
                        let value = input.call(Path::parse_mod_style)?;
                        set(&mut parsed.fallback, key, value)?;
                    }
                    _ => {
                        let message = format!(
                            "unknown setting `{key}`; expected `finals`, `idles`, `failed`, `fallback` or `topics`"
                        );
                        return Err(syn::Error::new(key.span(), message));
                    }
                }
                input.parse::<Token![;]>()?;
            } else if input.peek(syn::Ident) && input.peek2(syn::token::Brace) {
                let key: Ident = input.parse()?;
                if key != "topics" {
                    return Err(syn::Error::new(
                        key.span(),
                        "expected `topics { \"topic\" => Event, .. }`",
                    ));
                }
                let content;
                braced!(content in input);
                let topics = Punctuated::<Topic, Token![,]>::parse_terminated(&content)?;
                input.parse::<Option<Token![;]>>()?;
                set(&mut parsed.topics, key, topics.into_iter().collect())?;
            } else {
                parsed.lines.push(input.parse()?);
            }
        }
        Ok(parsed)
    }
}

/// Stores a setting, refusing a second one.
fn set<T>(slot: &mut Option<Setting<T>>, key: Ident, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` is given twice"),
        ));
    }
    *slot = Some(Setting { key, value });
    Ok(())
}

/// `[A, B, ..]`.
fn ident_list(input: ParseStream) -> syn::Result<Vec<Ident>> {
    let content;
    bracketed!(content in input);
    Ok(Punctuated::<Ident, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect())
}

impl Parse for Header {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        input.parse::<Ident>()?; // `machine`
        let name = input.parse()?;
        let content;
        parenthesized!(content in input);
        let state_ty = content.parse()?;
        content.parse::<Token![,]>()?;
        let event_ty = content.parse()?;
        content.parse::<Option<Token![,]>>()?;
        input.parse::<Token![;]>()?;
        Ok(Header {
            name,
            state_ty,
            event_ty,
        })
    }
}

impl Parse for Source {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(syn::token::Bracket) {
            let content;
            let brackets = bracketed!(content in input);
            content.parse::<Token![*]>()?;
            Ok(Source::Initial(brackets.span.join()))
        } else if input.peek(syn::Ident) {
            Ok(Source::State(input.parse()?))
        } else {
            Err(input.error("expected a state, `[*]`, or a setting (`finals = [..]`, `idles = [..]`, `failed = ..`, `fallback = ..`, `topics { .. }`)"))
        }
    }
}

impl Parse for Line {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut sources = vec![input.parse()?];
        while input.parse::<Option<Token![|]>>()?.is_some() {
            sources.push(input.parse()?);
        }
        input.parse::<Token![->]>()?;
        let target: Ident = input.parse()?;

        let mut events = Vec::new();
        if input.peek(syn::Ident) {
            let on: Ident = input.parse()?;
            if on != "on" {
                return Err(syn::Error::new(
                    on.span(),
                    "expected `on Event`, `if guard`, `do action` or `;`",
                ));
            }
            events.push(input.parse()?);
            while input.parse::<Option<Token![|]>>()?.is_some() {
                events.push(input.parse()?);
            }
        }

        let if_token: Option<Token![if]> = input.parse()?;
        let mut guards = Vec::new();
        if if_token.is_some() {
            if input.peek(syn::token::Bracket) {
                let content;
                bracketed!(content in input);
                let list = Punctuated::<Path, Token![,]>::parse_terminated_with(
                    &content,
                    Path::parse_mod_style,
                )?;
                if list.is_empty() {
                    return Err(content.error("expected at least one guard"));
                }
                guards.extend(list);
            } else {
                guards.push(input.call(Path::parse_mod_style)?);
                while input.parse::<Option<Token![&&]>>()?.is_some() {
                    guards.push(input.call(Path::parse_mod_style)?);
                }
            }
        }

        let do_token: Option<Token![do]> = input.parse()?;
        let mut actions = Vec::new();
        if do_token.is_some() {
            actions.push(input.call(Path::parse_mod_style)?);
            while input.parse::<Option<Token![,]>>()?.is_some() {
                actions.push(input.call(Path::parse_mod_style)?);
            }
        }
        if !input.peek(Token![;]) {
            let expected = match (events.is_empty(), if_token.is_some(), do_token.is_some()) {
                (_, _, true) => "expected `,` and another action, or `;`",
                (_, true, false) => "expected `&&` and another guard, `do action` or `;`",
                (false, false, false) => {
                    "expected `|` and another event, `if guard`, `do action` or `;`"
                }
                (true, false, false) => "expected `on Event`, `if guard`, `do action` or `;`",
            };
            return Err(input.error(expected));
        }
        input.parse::<Token![;]>()?;
        Ok(Line {
            sources,
            target,
            events,
            guards,
            if_token,
            actions,
            do_token,
        })
    }
}

impl Parse for Topic {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let topic = input.parse()?;
        input.parse::<Token![=>]>()?;
        let event = input.parse()?;
        Ok(Topic { topic, event })
    }
}

impl Source {
    /// Where the source is written.
    pub fn span(&self) -> Span {
        match self {
            Source::Initial(span) => *span,
            Source::State(ident) => ident.span(),
        }
    }
}
