//! The arguments of `#[workflow(..)]`.

use proc_macro2::{Ident, Span, TokenStream};
use syn::parse::Parser;
use syn::{LitStr, Path, Type};

use super::super::errors::Errors;
use super::super::runtime::parse_crate_value;
use super::super::suggest;

/// `#[workflow(entity = .., payload = .., name = .., create = .., crate = .., kafka(..))]`.
pub struct Args {
    /// The entity type (required).
    pub entity: Option<Type>,
    /// The payload type (required).
    pub payload: Option<Type>,
    /// The generated type's name, instead of the module's name in PascalCase + `Workflow`.
    pub name: Option<Ident>,
    /// `fn(&str) -> Entity`, instead of `Default` + `set_urn`.
    pub create: Option<Path>,
    /// The crate generated code refers to, instead of the entry point's default.
    pub krate: Option<Path>,
    /// Kafka defaults.
    pub kafka: Kafka,
    /// Where the attribute is, for "missing argument" errors.
    pub span: Span,
    /// Whether the arguments had a syntax error (then a missing argument is not reported:
    /// it may be the one that failed to parse).
    pub failed: bool,
}

/// `kafka(brokers = "..", group_id = "..", client_id = "..")`.
#[derive(Default)]
pub struct Kafka {
    /// Bootstrap servers.
    pub brokers: Option<LitStr>,
    /// Consumer group.
    pub group_id: Option<LitStr>,
    /// Client id.
    pub client_id: Option<LitStr>,
}

const KEYS: &[&str] = &["entity", "payload", "name", "create", "crate", "kafka"];
const KAFKA_KEYS: &[&str] = &["brokers", "group_id", "client_id"];

/// Parses the attribute's arguments; a syntax error is recorded and parsing stops there
/// (what was read so far is kept, so the stub can still be generated).
pub fn parse(attr: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args {
        entity: None,
        payload: None,
        name: None,
        create: None,
        krate: None,
        kafka: Kafka::default(),
        span: Span::call_site(),
        failed: false,
    };
    let parser = syn::meta::parser(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(Ident::to_string)
            .unwrap_or_default();
        let duplicate = || meta.error(format!("`{key}` is given twice"));
        match key.as_str() {
            "entity" => put(&mut args.entity, meta.value()?.parse()?, duplicate),
            "payload" => put(&mut args.payload, meta.value()?.parse()?, duplicate),
            "name" => put(&mut args.name, meta.value()?.parse()?, duplicate),
            "create" => put(
                &mut args.create,
                meta.value()?.call(Path::parse_mod_style)?,
                duplicate,
            ),
            "crate" => put(
                &mut args.krate,
                parse_crate_value(meta.value()?)?,
                duplicate,
            ),
            "kafka" => meta.parse_nested_meta(|inner| {
                let key = inner
                    .path
                    .get_ident()
                    .map(Ident::to_string)
                    .unwrap_or_default();
                let slot = match key.as_str() {
                    "brokers" => &mut args.kafka.brokers,
                    "group_id" => &mut args.kafka.group_id,
                    "client_id" => &mut args.kafka.client_id,
                    _ => return Err(inner.error(unknown_key(&key, KAFKA_KEYS))),
                };
                if slot.is_some() {
                    return Err(inner.error(format!("`{key}` is given twice")));
                }
                *slot = Some(inner.value()?.parse()?);
                Ok(())
            }),
            _ => Err(meta.error(unknown_key(&key, KEYS))),
        }
    });
    if let Err(error) = parser.parse2(attr) {
        errors.push(error);
        args.failed = true;
    }
    args
}

/// Stores an argument, refusing a second one.
fn put<T>(
    slot: &mut Option<T>,
    value: T,
    duplicate: impl FnOnce() -> syn::Error,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate());
    }
    *slot = Some(value);
    Ok(())
}

fn unknown_key(key: &str, keys: &[&str]) -> String {
    match suggest::closest(key, keys.iter().copied()) {
        Some(best) => format!("unknown argument `{key}`; did you mean `{best}`?"),
        None => format!(
            "unknown argument `{key}`; expected one of: {}",
            keys.join(", ")
        ),
    }
}
