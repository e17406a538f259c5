//! The golden sample module compiled for real: the generated Rust glue
//! type-checks against the runtime and registers on a linker, and the Go the
//! macro embeds equals what `gohost-codegen` (and so `gohost gen`) emits.

include!("../../codegen/tests/golden/sample.rs");

#[test]
fn sample_registers_on_a_linker() {
    let engine = gohost::Engine::default();
    let mut linker = gohost::Linker::<Host>::new(&engine);
    kv::add_to_linker(&mut linker, |h: &mut Host| &mut h.store).expect("add_to_linker");
}

#[test]
fn macro_go_equals_codegen_go() {
    let src = include_str!("../../codegen/tests/golden/sample.rs");
    let files = gohost_codegen::generate_from_file(src).expect("generate");
    assert_eq!(kv::GO_FILES.len(), files.len());
    assert_eq!(kv::GO_FILES[0].0, files[0].name);
    assert_eq!(kv::GO_FILES[0].1, files[0].contents);
    assert_eq!(kv::MODEL_HASH.len(), 16);
    assert_eq!(kv::ABI_VERSION, gohost_codegen::ABI_VERSION);
}

#[test]
fn host_functions_stay_callable() {
    let mut store = Store::default();
    assert_eq!(kv::add(2, 3), 5);
    kv::put(&mut store, "k".into(), b"v".to_vec()).ok();
    assert_eq!(kv::get(&mut store, "k").ok(), Some(b"v".to_vec()));
}
