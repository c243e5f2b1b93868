//! placeholder while the macros are written
