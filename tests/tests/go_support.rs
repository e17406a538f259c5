//! The Go support package (`codegen/gosupport/`) passes its own tests, natively and under
//! `go vet` for wasip1, and is gofmt-clean, as part of the Rust test run.

use std::path::Path;
use std::process::Command;

fn go_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/gosupport")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .current_dir(go_dir())
        .output()
        .expect("run the Go toolchain");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

#[test]
fn go_support_package_tests_pass() {
    gohost_tests::require_go();
    run(Command::new("go").args(["test", "-count=1", "./..."]));
}

#[test]
fn go_support_package_vets_for_wasip1_and_is_gofmt_clean() {
    gohost_tests::require_go();
    run(Command::new("go")
        .args(["vet", "./..."])
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm"));
    let unformatted = run(Command::new("gofmt").args(["-l", "."]));
    assert_eq!(unformatted, "", "files gofmt would change");
}
