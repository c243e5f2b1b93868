//! Stage 1: tokens to syntax. Nothing is resolved here; every name keeps its span so the
//! later stages can point at it.

pub mod args;
pub mod handlers;
pub mod module;
pub mod transitions;
