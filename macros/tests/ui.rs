//! Compile errors of `#[host_module]`, one file per class, each with a
//! reviewed `.stderr`. Re-bless with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
