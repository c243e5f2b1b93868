//! Compile-time checks of the macros: one `cases/*.rs` per diagnostic, with the compiler's
//! output in the `.stderr` beside it. `TRYBUILD=overwrite cargo test -p ui-tests`
//! regenerates the `.stderr` files after an intended change.
//!
//! `cases/pass_*.rs` must compile and run; every other case must fail to compile.
//! Warnings (unreachable states) are checked as errors by a case that denies `deprecated`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("cases/pass_*.rs");
    t.compile_fail("cases/[!p]*.rs");
}
