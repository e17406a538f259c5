//! The README's "Quick start" command, as a test: the example builds its Go
//! guest and runs it on the host.

use std::process::Command;

#[test]
fn hello_runs_end_to_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_hello"))
        .args(["Gopher", "Ferris"])
        .output()
        .expect("run the hello example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "Hello, Gopher! You are visitor number 1.\nHello, Ferris! You are visitor number 2.\n2 + 3 = 5\n"
    );
    assert_eq!(stderr, "(the host greeted 2 time(s))\n");
}
