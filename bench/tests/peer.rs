//! The compute rows of the performance table compare one program three
//! ways: built natively, on gohost, and on the wazero peer host. All three
//! must print the same thing.

use std::process::Command;

use gohost::{Capture, Engine, Linker, Module, Output, WasiConfig};
use gohost_build::BuildMode;

fn on_gohost(wasm: &std::path::Path, args: &[&str]) -> String {
    let engine = Engine::default();
    let module = Module::from_file(&engine, wasm).expect("load compute");
    let out = Capture::new();
    let mut wasi = WasiConfig::new();
    wasi.arg("compute")
        .args(args.iter().copied())
        .stdout(Output::Capture(out.clone()));
    let code = Linker::new(&engine)
        .instantiate(&module, &wasi, ())
        .expect("instantiate")
        .run()
        .expect("run");
    assert_eq!(code, 0);
    String::from_utf8(out.contents()).expect("utf-8")
}

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn compute_prints_the_same_natively_on_gohost_and_on_wazero() {
    let dir = gohost_bench::guest_dir("compute");
    let native = gohost_bench::build_native(&dir, "compute-native");
    let wasm = gohost_build::build_go(&dir, "bench-compute", BuildMode::Command);
    let wazero = gohost_bench::build_wazero_host();
    for args in [&["sha256", "2"][..], &["json", "20"][..]] {
        let expected = output(Command::new(&native).args(args));
        assert!(expected.starts_with(args[0]), "{expected:?}");
        assert_eq!(on_gohost(&wasm, args), expected, "gohost, {args:?}");
        for mode in [&["run"][..], &["run", "--interp"][..]] {
            let peer = output(Command::new(&wazero).args(mode).arg(&wasm).args(args));
            assert_eq!(peer, expected, "wazero {mode:?}, {args:?}");
        }
    }
}
