//! Collects every error of one macro call, so the user sees them all in one build.

use proc_macro2::Span;
use std::fmt::Display;

/// The errors found so far, combined into one `syn::Error` (one `compile_error!` each).
#[derive(Default)]
pub struct Errors {
    error: Option<syn::Error>,
}

impl Errors {
    /// Records an error at `span`.
    pub fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records `error` (which may itself hold several).
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.error {
            Some(all) => all.combine(error),
            None => self.error = Some(error),
        }
    }

    /// `Ok` when nothing was recorded, else every error at once.
    pub fn into_result(self) -> syn::Result<()> {
        self.error.map_or(Ok(()), Err)
    }
}
