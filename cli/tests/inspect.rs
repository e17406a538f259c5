//! `gohost inspect` on real Go guests (golden text, normalized where the
//! Go toolchain's version shows), its JSON, its check against a host's
//! modules, and bad input.
//! Re-bless with `GOHOST_BLESS=1 cargo test -p gohost-cli --test inspect`.

mod common;

use std::path::{Path, PathBuf};

use common::{gohost, text};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root")
}

/// The `hello` example's guest: a command importing the `greeter` module.
fn hello() -> PathBuf {
    gohost_build::build_go_once(
        &root().join("examples/hello/guest"),
        "inspect-hello",
        gohost_build::BuildMode::Command,
    )
}

/// The `reactor` test guest: a plugin without host modules.
fn reactor() -> PathBuf {
    gohost_tests::build_plugin("reactor")
}

/// What changes with the Go toolchain (its version, build IDs, sizes,
/// default GODEBUG settings) and the machine (paths) becomes a placeholder.
fn normalize(out: &str, wasm: &Path) -> String {
    let mut lines = Vec::new();
    for line in out.lines() {
        let line = line.replace(&wasm.display().to_string(), "GUEST.wasm");
        let line = line.replace(&root().display().to_string(), "ROOT");
        let mut words: Vec<String> = Vec::new();
        for word in line.split(' ') {
            let w = if word.starts_with("go1.") {
                format!("GOVERSION{}", if word.ends_with(',') { "," } else { "" })
            } else if word.starts_with("DefaultGODEBUG=") {
                "DefaultGODEBUG=...".to_owned()
            } else {
                word.to_owned()
            };
            words.push(w);
        }
        let mut line = words.join(" ");
        if line.trim_start().starts_with("build ID: ") {
            line = "          build ID: BUILDID".to_owned();
        }
        // Sizes and page counts move with the Go version.
        if line.starts_with("GUEST.wasm: ") {
            line = match line.rsplit_once(", ") {
                Some((head, _)) => format!("{head}, SIZE"),
                None => line,
            };
        }
        if line.starts_with("Memory:") {
            line = "Memory:   PAGES".to_owned()
                + if line.contains("exported as `memory`") {
                    "; exported as `memory`"
                } else {
                    ""
                };
        }
        lines.push(line);
    }
    lines.join("\n") + "\n"
}

fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("GOHOST_BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        expected,
        actual,
        "{} differs; re-bless with GOHOST_BLESS=1 and review the diff",
        path.display()
    );
}

#[test]
fn a_command_with_a_host_module_checked_against_its_host() {
    let wasm = hello();
    let host = root().join("examples/hello/src/main.rs");
    let out = gohost(&[
        "inspect",
        wasm.to_str().expect("utf-8"),
        "--host",
        host.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    check_golden("inspect-hello.txt", &normalize(&text(&out.stdout), &wasm));
}

#[test]
fn a_plugin_without_host_modules() {
    let wasm = reactor();
    let out = gohost(&["inspect", wasm.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    check_golden("inspect-reactor.txt", &normalize(&text(&out.stdout), &wasm));
}

#[test]
fn json_for_tools() {
    let wasm = hello();
    let host = root().join("examples/hello/src/main.rs");
    let out = gohost(&[
        "inspect",
        "--json",
        wasm.to_str().expect("utf-8"),
        "--host",
        host.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["kind"], "command");
    assert_eq!(v["host_modules"][0]["name"], "greeter");
    assert_eq!(v["host_modules"][0]["abi_version"], 1);
    assert_eq!(
        v["host_modules"][0]["fingerprint"].as_str().map(str::len),
        Some(16)
    );
    assert!(v["go"]["version"]
        .as_str()
        .is_some_and(|s| s.starts_with("go1.")));
    assert!(v["go"]["settings"]
        .as_array()
        .is_some_and(|s| s.iter().any(|kv| kv[0] == "GOOS" && kv[1] == "wasip1")));
    assert!(v["wasi"]
        .as_array()
        .is_some_and(|w| w.iter().any(|f| f == "fd_write")));
    assert_eq!(v["memory_export"], "memory");
    assert_eq!(v["host_check"]["ok"], true);
}

#[test]
fn a_host_that_does_not_satisfy_the_guest_is_named() {
    let wasm = hello();
    // A host file that declares `greeter` with other functions, and one
    // that declares no greeter at all.
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other.rs");
    std::fs::write(
        &other,
        "#[gohost::host_module(name = \"greeter\")]\npub mod greeter {\n    pub fn greet(times: u32) -> u32 { times }\n}\n",
    )
    .expect("write");
    let out = gohost(&[
        "inspect",
        wasm.to_str().expect("utf-8"),
        "--host",
        other.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("the guest was built against other bindings"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`greeter.greet`: the guest imports it as"),
        "{stdout}"
    );

    let none = root().join("macros/tests/async_e2e.rs");
    let out = gohost(&[
        "inspect",
        wasm.to_str().expect("utf-8"),
        "--host",
        none.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout)
        .contains("the guest imports host module `greeter`, which no --host file declares"));
}

#[test]
fn bad_input_gets_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let wat = wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "_start")))"#)
        .expect("wat");
    let cases = [
        (write("empty.wasm", b""), 2, "the file is empty"),
        (
            write("text.wasm", b"package main\n"),
            2,
            "not a WebAssembly module",
        ),
        (write("cut.wasm", &hello_bytes()[..4096]), 2, "truncated"),
        (
            write("plain.wasm", &wat),
            0,
            "no Go build information: not built by the Go toolchain",
        ),
        (dir.path().join("missing.wasm"), 2, "cannot read it"),
    ];
    for (path, code, message) in cases {
        let out = gohost(&["inspect", path.to_str().expect("utf-8")]);
        let all = text(&out.stdout) + &text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{}: {all}", path.display());
        assert!(all.contains(message), "{}: {all}", path.display());
    }
}

#[test]
fn gohost_own_imports_are_not_unknown_imports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.wasm");
    let wat = wat::parse_str(
        r#"(module
             (import "gohost" "config" (func (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1))"#,
    )
    .expect("wat");
    std::fs::write(&path, wat).expect("write");
    let out = gohost(&["inspect", path.to_str().expect("utf-8")]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.contains("gohost:   gohost.config (provided by every gohost Linker)\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("Other imports"), "{stdout}");
}

fn hello_bytes() -> Vec<u8> {
    std::fs::read(hello()).expect("read hello")
}
