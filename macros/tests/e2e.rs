//! End to end: the sample module's generated Go package, used by a real Go
//! guest (`tests/guest/main.go`) built with the real toolchain for
//! GOOS=wasip1, run on the real engine against the macro-generated glue.

include!("../../codegen/tests/golden/sample.rs");

mod common;

fn build_guest() -> Vec<u8> {
    common::build_generated(
        "kv",
        kv::GO_FILES,
        "tests/guest/main.go",
        gohost_build::BuildMode::Command,
    )
}

#[test]
fn go_guest_calls_every_function() {
    let wasm = build_guest();
    let engine = gohost::Engine::default();
    let module = gohost::Module::from_bytes(&engine, &wasm).expect("module");
    let mut linker = gohost::Linker::<Host>::new(&engine);
    kv::add_to_linker(&mut linker, |h: &mut Host| &mut h.store).expect("link");
    let stdout = gohost::Capture::new();
    let stderr = gohost::Capture::new();
    let mut wasi = gohost::WasiConfig::new();
    wasi.stdout(gohost::Output::Capture(stdout.clone()));
    wasi.stderr(gohost::Output::Capture(stderr.clone()));
    // Read by the guest's kv.Config: one value that fits its stack buffer,
    // one that does not.
    wasi.config("greeting", "hello")
        .config("long", "ab".repeat(100));
    let mut inst = linker
        .instantiate(&module, &wasi, Host::default())
        .expect("instantiate");
    let code = inst.run();
    let out = stdout.to_string_lossy();
    assert!(
        matches!(code, Ok(0)),
        "guest failed: {code:?}\nstdout:\n{out}\nstderr:\n{}",
        stderr.to_string_lossy()
    );
    let expected = include_str!("guest/expected.txt");
    assert_eq!(
        out, expected,
        "stdout differs from tests/guest/expected.txt"
    );
    assert_eq!(inst.state().log, vec!["hello".to_string()]);
    // Every handle was closed, consumed, or released by its Go cleanup.
    assert_eq!(
        inst.open_handles(),
        0,
        "handles the guest dropped stay open"
    );
}
