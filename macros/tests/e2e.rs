//! End to end: the sample module's generated Go package, used by a real Go
//! guest (`tests/guest/main.go`) built with the real toolchain for
//! GOOS=wasip1, run on the real engine against the macro-generated glue.

include!("../../codegen/tests/golden/sample.rs");

use std::path::Path;
use std::process::Command;

fn build_guest() -> Vec<u8> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let support = manifest
        .join("../go")
        .canonicalize()
        .expect("support module");
    std::fs::write(
        root.join("go.mod"),
        format!(
            "module example.com/guest\n\ngo 1.24\n\nrequire github.com/gohost/gohost/go v0.0.0\n\nreplace github.com/gohost/gohost/go => {}\n",
            support.display()
        ),
    )
    .expect("go.mod");
    std::fs::create_dir(root.join("kv")).expect("mkdir");
    for (name, contents) in kv::GO_FILES {
        std::fs::write(root.join("kv").join(name), contents).expect("write go");
    }
    std::fs::copy(manifest.join("tests/guest/main.go"), root.join("main.go")).expect("main.go");
    let out = Command::new("go")
        .args(["build", "-o", "guest.wasm", "."])
        .current_dir(root)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go");
    assert!(
        out.status.success(),
        "go build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(root.join("guest.wasm")).expect("read wasm")
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
}
