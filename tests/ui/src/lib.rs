//! Nothing here: the cases are in `cases/`, driven by `tests/ui.rs`.
