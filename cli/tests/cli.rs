//! The `gohost` command as a user runs it.

use std::process::{Command, Output};

const GOHOST: &str = env!("CARGO_BIN_EXE_gohost");

fn gohost(args: &[&str]) -> Output {
    Command::new(GOHOST)
        .args(args)
        .output()
        .expect("run gohost")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn run_passes_args_and_exit_code() {
    let wasm = gohost_tests::build_guest("wasi");
    let wasm = wasm.to_str().expect("utf-8 path");
    let out = gohost(&["run", wasm, "args", "-v", "--x=1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "wasi.wasm|args|-v|--x=1\n");
    let out = gohost(&["run", wasm, "exit"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn run_maps_dirs_and_env() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("in.txt"), "abc").expect("write");
    let wasm = gohost_tests::build_guest("wasi");
    let spec = format!("{}::/work", dir.path().display());
    let out = gohost(&[
        "run",
        "--dir",
        &spec,
        wasm.to_str().expect("utf-8"),
        "files",
        "/work",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt"))
            .ok()
            .as_deref(),
        Some("ABC")
    );

    let ro = format!("{}::/ro", dir.path().display());
    let out = gohost(&[
        "run",
        "--ro-dir",
        &ro,
        wasm.to_str().expect("utf-8"),
        "write",
        "/ro/x",
    ]);
    assert!(
        text(&out.stdout).starts_with("denied: "),
        "{}",
        text(&out.stdout)
    );

    let out = Command::new(GOHOST)
        .args([
            "run",
            "--env",
            "A=1",
            "--env",
            "FROM_HOST",
            wasm.to_str().expect("utf-8"),
            "env",
            "A",
            "FROM_HOST",
        ])
        .env("FROM_HOST", "yes")
        .output()
        .expect("run gohost");
    assert_eq!(
        text(&out.stdout),
        "A=\"1\" true\nFROM_HOST=\"yes\" true\ncount 2\n"
    );
}

#[test]
fn run_reports_failures_clearly() {
    let out = gohost(&["run", "/no/such/prog.wasm"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        "gohost: cannot read wasm module /no/such/prog.wasm: No such file or directory (os error 2)\n"
    );
    let wasm = gohost_tests::build_guest("wasi");
    let out = gohost(&["run", wasm.to_str().expect("utf-8"), "panic"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("panic: something went wrong"));
}

/// The packages the foundation issue asks to pass; `-short` keeps the
/// interpreter's run time reasonable (about 30 s on two cores).
const STD_PACKAGES: &[&str] = &[
    "strings",
    "bytes",
    "strconv",
    "unicode/utf8",
    "sort",
    "path",
    "container/list",
    "hash/crc32",
    "encoding/base64",
    "errors",
    "bufio",
    "math/bits",
];

#[test]
fn go_test_exec_runs_standard_library_tests() {
    gohost_tests::require_go();
    let out = Command::new("go")
        .args([
            "test",
            "-short",
            "-count=1",
            "-exec",
            &format!("{GOHOST} go-exec"),
        ])
        .args(STD_PACKAGES)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .output()
        .expect("run go test");
    let stdout = text(&out.stdout);
    let passed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok  \t"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    println!("go test -exec passed: {}", passed.join(" "));
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(passed, STD_PACKAGES);
}

#[test]
fn go_run_finds_gohost_as_go_wasip1_wasm_exec() {
    gohost_tests::require_go();
    let bin = tempfile::tempdir().expect("tempdir");
    let exec = bin.path().join("go_wasip1_wasm_exec");
    std::os::unix::fs::symlink(GOHOST, &exec).expect("symlink");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("go")
        .args(["run", ".", "args", "from", "go run"])
        .current_dir(gohost_tests::guests_dir().join("wasi"))
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("PATH", path)
        .output()
        .expect("run go run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("|args|from|go run\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn help_is_written_for_people() {
    let out = gohost(&["--help"]);
    let help = text(&out.stdout);
    for needle in [
        "run",
        "go-exec",
        "gen",
        "GOOS=wasip1 GOARCH=wasm go test -exec",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
    let out = gohost(&["run", "--help"]);
    assert!(text(&out.stdout).contains("HOST[::GUEST]"));
}
