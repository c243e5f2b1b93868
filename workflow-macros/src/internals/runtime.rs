//! The one path through which generated code reaches the runtime.
//!
//! Generated code never names `workflow_core` items directly: it goes through
//! `<crate>::__private`, so that a crate re-exporting the macros (workflow-kafka) or a user
//! renaming the dependency only has to change one path, as with tokio's and serde's
//! `crate = "..."`.

use syn::parse::ParseStream;
use syn::{LitStr, Path, parse_quote};

/// Which crate a macro entry point assumes the user depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// `::workflow_core`, for the entry points re-exported by workflow-core.
    Core,
    /// `::workflow_kafka`, for the `Kafka*` entry points re-exported by workflow-kafka.
    Kafka,
}

impl Runtime {
    /// `<crate>::__private`, where `<crate>` is the `crate = ..` override or this default.
    pub fn private_path(self, krate: Option<&Path>) -> Path {
        match krate {
            Some(krate) => parse_quote!(#krate::__private),
            None => match self {
                Runtime::Core => parse_quote!(::workflow_core::__private),
                Runtime::Kafka => parse_quote!(::workflow_kafka::__private),
            },
        }
    }
}

/// The value of `crate = ..`: a string holding a path (`"my::reexport"`, the serde
/// convention) or the path itself.
pub fn parse_crate_value(input: ParseStream) -> syn::Result<Path> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        lit.parse_with(Path::parse_mod_style)
    } else {
        input.call(Path::parse_mod_style)
    }
}
