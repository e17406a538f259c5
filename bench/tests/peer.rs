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

/// The peer rows compare gohost with go-plugin (bench/peers/goplugin): both
/// must compute the answers of `peers::expected_answers`, which perf-table
/// also checks before it reports a row. Go builds only; skipped, with the
/// reason printed, when protoc or protoc-gen-go-plugin cannot be installed
/// (`bash bench/peers/setup.sh` installs protoc). The Extism peer has its
/// own check: `cargo test --manifest-path bench/peers/extism/Cargo.toml`.
#[test]
fn gohost_and_the_goplugin_peer_compute_the_same_answers() {
    use gohost_bench::peers;

    let expected = peers::expected_answers();
    // gohost.
    let engine = Engine::default();
    let module = Module::from_file(&engine, gohost_bench::build_guest()).expect("load calls");
    let mut instance =
        gohost_bench::gohost_instance(&gohost_bench::gohost_linker(&engine), &module);
    let sum = gohost_bench::call_loop(&mut instance, "loop_typed_text", peers::CALLS, None)
        .expect("loop_typed_text");
    assert_eq!(sum.to_string(), expected[0].1, "gohost host-call");
    let resp = gohost_bench::benchapi::exports::guest_swap(&mut instance, &peers::request())
        .expect("guest_swap");
    assert_eq!(peers::answer(&resp), expected[1].1, "gohost plugin-call");

    // go-plugin, on wazero's compiler and interpreter.
    let peer = match peers::setup_goplugin() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("skipped: the go-plugin peer cannot be set up: {e}");
            return;
        }
    };
    for mode in [&["check"][..], &["check", "--interp"][..]] {
        let out = output(Command::new(&peer.host).args(mode).arg(&peer.plugin));
        let figures = peers::parse_figures(&out).expect("goplugin-host check");
        for (row, want) in &expected {
            let got = figures.iter().find(|f| f.row == *row);
            assert_eq!(
                got.map(|f| f.answer.as_str()),
                Some(want.as_str()),
                "go-plugin {mode:?}, {row}: {out}"
            );
        }
    }
}
