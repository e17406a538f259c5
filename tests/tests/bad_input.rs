//! Modules that are not what they should be: each fails with a clear error,
//! the host does not panic, and a good guest still runs afterwards.

mod common;

use std::path::{Path, PathBuf};

use gohost::{Engine, Error, Linker, Module, WasiConfig};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("guests/fixtures")
        .join(name);
    wat::parse_file(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn instantiate(wasm: &[u8]) -> Result<i32, Error> {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, wasm)?;
    Linker::<()>::new(&engine)
        .instantiate(&module, &WasiConfig::new(), ())?
        .run()
}

fn good_guest_still_runs() {
    let o = common::run(&gohost_tests::build_guest("wasi"), &["hello"]);
    assert_eq!(o.exit(), Some(0), "{o:?}");
}

fn message(r: Result<i32, Error>) -> String {
    match r {
        Ok(code) => panic!("expected an error, the guest exited with {code}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_file_that_is_not_wasm() {
    let msg = message(instantiate(b"#!/bin/sh\necho hi\n"));
    assert_eq!(
        msg,
        "invalid wasm module: not a WebAssembly binary (it does not start with \\0asm; found [23, 21, 2f, 62])"
    );
    good_guest_still_runs();
}

#[test]
fn a_truncated_module() {
    let wasm = std::fs::read(gohost_tests::build_guest("wasi")).expect("read guest");
    for len in [9, 100, wasm.len() / 2, wasm.len() - 1] {
        let msg = message(instantiate(&wasm[..len]));
        assert!(msg.starts_with("invalid wasm module: "), "{len}: {msg}");
    }
    good_guest_still_runs();
}

#[test]
fn an_invalid_module() {
    // The header is right; the first section id is not one that exists.
    let msg = message(instantiate(b"\0asm\x01\0\0\0\x7f\x00"));
    assert!(msg.starts_with("invalid wasm module: "), "{msg}");
    good_guest_still_runs();
}

#[test]
fn an_import_the_host_does_not_provide() {
    let msg = message(instantiate(&fixture("unknown_import.wat")));
    assert_eq!(
        msg,
        "cannot link guest: 1 import of the guest does not match the host:
  module `acme` (no host module of that name is registered):
    frobnicate (i32, i64) -> f64: the host does not provide it"
    );
    good_guest_still_runs();
}

#[test]
fn a_wasi_import_with_the_wrong_signature() {
    let msg = message(instantiate(&fixture("wrong_wasi_signature.wat")));
    assert!(msg.starts_with("cannot link guest: "), "{msg}");
    assert!(msg.contains("fd_write"), "{msg}");
    good_guest_still_runs();
}

#[test]
fn a_missing_file() {
    let engine = Engine::default();
    let path = PathBuf::from("/definitely/not/here.wasm");
    let msg = Module::from_file(&engine, &path)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        msg.as_deref(),
        Some("cannot read wasm module /definitely/not/here.wasm: No such file or directory (os error 2)")
    );
}

#[test]
fn a_guest_that_executes_unreachable() {
    let msg = message(instantiate(&fixture("unreachable.wat")));
    assert!(msg.starts_with("guest trapped: "), "{msg}");
    assert!(msg.contains("unreachable"), "{msg}");
    good_guest_still_runs();
}

#[test]
fn an_instance_cannot_run_twice() {
    let engine = Engine::default();
    let module = Module::from_file(&engine, gohost_tests::build_guest("wasi")).expect("load");
    let mut wasi = WasiConfig::new();
    wasi.args(["wasi", "hello"]);
    let mut instance = Linker::<()>::new(&engine)
        .instantiate(&module, &wasi, ())
        .expect("instantiate");
    assert_eq!(instance.run().ok(), Some(0));
    let msg = instance.run().err().map(|e| e.to_string());
    assert_eq!(
        msg.as_deref(),
        Some("the instance is unusable: the program exited with code 0")
    );
}
