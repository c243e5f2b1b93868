//! Code shared by the runnable examples: the seed's order workflow.
#![forbid(unsafe_code)]

pub mod bench;
pub mod demo;
pub mod order;
pub mod stream;
