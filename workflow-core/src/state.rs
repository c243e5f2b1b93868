//! The `State` and `Event` traits implemented by `#[derive(State)]` and `#[derive(Event)]`.

use std::fmt::Debug;
use std::hash::Hash;

/// A workflow state: a fieldless enum whose variants are the states an entity can be in.
///
/// Implemented by `#[derive(State)]`, which also implements [`std::fmt::Display`] and
/// [`std::str::FromStr`] with the variant names, so that `as_str` and `parse` round-trip with
/// serde's default representation of unit variants.
///
/// ```
/// use workflow_core::State;
///
/// #[derive(workflow_core::State, Clone, Copy, Debug, PartialEq, Eq, Hash)]
/// enum Light { Red, Green }
///
/// assert_eq!(Light::ALL, &[Light::Red, Light::Green]);
/// assert_eq!(Light::Green.as_str(), "Green");
/// assert_eq!("Red".parse::<Light>().unwrap(), Light::Red);
/// assert!("Blue".parse::<Light>().is_err());
/// ```
pub trait State: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// The name of the enum, for messages.
    const TYPE_NAME: &'static str;
    /// The variant's name, as written in the source.
    fn as_str(self) -> &'static str;
    /// The variant's position in [`State::ALL`].
    fn index(self) -> usize;
}

/// A workflow event: a fieldless enum whose variants are the things that can happen to an
/// entity. Implemented by `#[derive(Event)]`; the same conventions as [`State`] apply.
pub trait Event: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// The name of the enum, for messages.
    const TYPE_NAME: &'static str;
    /// The variant's name, as written in the source.
    fn as_str(self) -> &'static str;
    /// The variant's position in [`Event::ALL`].
    fn index(self) -> usize;
}

/// The error of `FromStr` for derived states and events: the name is not a variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a variant of {type_name}")]
pub struct UnknownName {
    /// The enum that was asked.
    pub type_name: &'static str,
    /// The name that matched no variant.
    pub name: String,
}
