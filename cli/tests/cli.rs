//! The `gohost` command as a user runs it.

mod common;

use std::process::{Command, Output};

use common::{gohost, text, GOHOST};

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
fn run_takes_a_manifest_and_refuses_another_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("work")).expect("mkdir");
    std::fs::write(dir.path().join("work/in.txt"), "abc").expect("write");
    let wasm = gohost_tests::build_guest("wasi");
    std::fs::copy(&wasm, dir.path().join("prog.wasm")).expect("copy");
    let manifest = dir.path().join("prog.toml");
    let write = |sha: &str| {
        std::fs::write(
            &manifest,
            format!(
                "wasm = \"prog.wasm\"\nsha256 = \"{sha}\"\n\n[limits]\ndeadline_ms = 60000\n\n                 [[dir]]\nhost = \"work\"\nguest = \"/work\"\naccess = \"read-write\"\n"
            ),
        )
        .expect("manifest")
    };
    let manifest_arg = manifest.to_str().expect("utf-8");

    // Pinned to another binary: refused, naming both hashes.
    write(&"0".repeat(64));
    let out = gohost(&["run", "--manifest", manifest_arg, "files", "/work"]);
    assert_eq!(out.status.code(), Some(125));
    let err = text(&out.stderr);
    assert!(err.contains(&"0".repeat(64)), "{err}");
    let found = err
        .split("has SHA-256 ")
        .nth(1)
        .and_then(|rest| rest.get(..64))
        .expect("the binary's hash in the message")
        .to_string();

    // Pinned to this one: it runs with the manifest's directory.
    write(&found);
    let out = gohost(&["run", "--manifest", manifest_arg, "files", "/work"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("work/out.txt")).expect("written by the guest"),
        "ABC"
    );

    // A mistake in the manifest is named with its line.
    std::fs::write(&manifest, "wasm = \"prog.wasm\"\nlimit = 3\n").expect("manifest");
    let out = gohost(&["run", "--manifest", manifest_arg]);
    assert_eq!(out.status.code(), Some(125));
    let err = text(&out.stderr);
    assert!(
        err.contains("prog.toml, line 2: unknown field `limit`"),
        "{err}"
    );
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

#[test]
fn run_tells_a_plugin_from_a_program_before_linking() {
    // A reactor with no host imports (once a trap, exit 134) and one that
    // imports a host module (once a line of missing imports).
    for wasm in [
        gohost_tests::build_plugin("reactor"),
        gohost_tests::build_plugin("hot"),
    ] {
        let wasm = wasm.to_str().expect("utf-8");
        let out = gohost(&["run", wasm]);
        assert_eq!(out.status.code(), Some(125), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "gohost: {wasm} is a plugin (a reactor: it exports `_initialize`, not `_start`), \
                 not a program `gohost run` can run; see its exports with `gohost inspect {wasm}`"
            )),
            "{err}"
        );
        assert!(err.contains("`Instance::initialize`"), "{err}");
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let neither = dir.path().join("lib.wasm");
    std::fs::write(
        &neither,
        wat::parse_str("(module (memory (export \"memory\") 1))").expect("wat"),
    )
    .expect("write");
    let out = gohost(&["run", neither.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        format!(
            "gohost: {} is not a program: it exports neither `_start` (a command) nor \
             `_initialize` (a plugin); see what it exports with `gohost inspect {}`\n",
            neither.display(),
            neither.display()
        )
    );
}

#[test]
fn run_lists_the_host_imports_a_program_needs_by_module() {
    // The hello example's guest: a command that calls the `greeter` module.
    let wasm = gohost_build::build_go_once(
        &repo_path("examples/hello/guest"),
        "run-hello",
        gohost_build::BuildMode::Command,
    );
    let out = gohost(&["run", wasm.to_str().expect("utf-8"), "Gopher"]);
    assert_eq!(out.status.code(), Some(125));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("gohost: cannot link guest: ")
            && lines[0].ends_with(" imports of the guest do not match the host:"),
        "{err}"
    );
    assert_eq!(
        lines[1],
        "  module `greeter` (no host module of that name is registered):"
    );
    assert!(
        lines[2..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("    ") && l.ends_with(": the host does not provide it")),
        "{err}"
    );
    assert!(lines.iter().any(|l| l.starts_with("    greet (")), "{err}");
    assert_eq!(
        lines.last().copied(),
        Some(
            "`gohost run` provides WASI and gohost's own imports only: \
             a guest that imports host modules runs in the Rust host that defines them"
        )
    );
}

#[test]
fn run_ends_go_s_fatal_errors_as_go_s_runner_does() {
    let wasm = gohost_tests::build_guest("deep");
    let wasm = wasm.to_str().expect("utf-8");
    // Go's runtime reports a deadlock itself and exits with 2.
    let out = gohost(&["run", wasm, "deadlock"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with("fatal error: all goroutines are asleep - deadlock!"),
        "{}",
        text(&out.stderr)
    );
    // Deep recursion runs; recursion without end is a trap: 134, as
    // wasmtime (Go's default runner) gives for a trap.
    let out = gohost(&["run", wasm, "recurse", "100000"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "depth 100000\n");
    let out = gohost(&["run", wasm, "forever"]);
    assert_eq!(out.status.code(), Some(134));
    assert_eq!(
        text(&out.stderr),
        format!("gohost: {wasm}: guest trapped: call stack exhausted\n")
    );
}

/// Runs gohost like `gohost`, but kills it if it is still running after a
/// minute, so that a broken `--timeout` fails the test instead of hanging it.
fn gohost_bounded(args: &[&str]) -> Output {
    let mut child = Command::new(GOHOST)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run gohost");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().expect("kill");
            panic!("gohost {args:?} was still running after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn run_timeout_stops_a_program_that_never_ends() {
    let wasm = gohost_tests::build_guest("wasi");
    let wasm = wasm.to_str().expect("utf-8");
    let out = gohost_bounded(&["run", "--timeout", "0.5", wasm, "spin"]);
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "spinning\n");
    assert_eq!(
        text(&out.stderr),
        "gohost: guest exceeded its deadline of 500ms in `_start`\n"
    );
    // A program that ends in time is not affected.
    let out = gohost_bounded(&["run", "--timeout", "60", wasm, "exit"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "exiting with 3\n");
}

/// `run --async` runs what `run` runs, with the same output and exit codes:
/// reading standard input, sleeping with every goroutine waiting, files,
/// panics, and a deadline that stops a busy program.
#[test]
fn run_async_runs_programs_as_run_does() {
    use std::io::Write;
    use std::process::Stdio;

    let wasm = gohost_tests::build_guest("wasi");
    let wasm = wasm.to_str().expect("utf-8");
    let mut cat = Command::new(GOHOST)
        .args(["run", "--async", wasm, "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gohost");
    let input = "read\nthrough an async call\n".repeat(1000);
    cat.stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = cat.wait_with_output().expect("output");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), input);

    let out = gohost_bounded(&["run", "--async", wasm, "sleep", "50ms"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "slept 50ms\n");

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("in.txt"), "abc").expect("write");
    let spec = format!("{}::/data", dir.path().display());
    let out = gohost_bounded(&["run", "--async", "--dir", &spec, wasm, "files", "/data"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "in.txt\nout.txt\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).expect("written by the guest"),
        "ABC"
    );

    let out = gohost_bounded(&["run", "--async", wasm, "exit"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let out = gohost_bounded(&["run", "--async", wasm, "panic"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("panic: something went wrong"));
    let out = gohost_bounded(&["run", "--async", "--timeout", "0.5", wasm, "spin"]);
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "gohost: guest exceeded its deadline of 500ms in `_start`\n"
    );
}

#[test]
fn run_timeout_must_be_a_positive_number_of_seconds() {
    for bad in ["0", "-1", "nan", "inf", "soon", "1e300", "1e-10"] {
        let arg = format!("--timeout={bad}");
        let out = gohost(&["run", &arg, "prog.wasm"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = text(&out.stderr);
        assert!(
            err.contains("invalid value") && err.contains("--timeout <SECONDS>"),
            "{bad}: {err}"
        );
    }
    let out = gohost(&["run", "--timeout=0", "prog.wasm"]);
    assert!(
        text(&out.stderr).contains("the timeout must be a positive number of seconds, not `0`"),
        "{}",
        text(&out.stderr)
    );
}

/// A fixed, fast slice of the standard-library sweep (`go-compat`,
/// docs/compatibility.md); `-short` keeps the interpreter's run time
/// reasonable (about 40 s on two cores). `encoding/json`, `encoding/xml`
/// and `go/parser` recurse deep in their tests: they ran out of stack
/// before gohost gave guests the stack Go's own runner gives.
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
    "encoding/json",
    "encoding/xml",
    "go/parser",
];

#[test]
fn go_test_exec_runs_standard_library_tests() {
    go_test_exec_passes("go-exec", STD_PACKAGES);
}

/// A fast slice of the async sweep (`go-compat --async`): packages whose
/// tests sleep, time out, wait on goroutines and read, run with
/// `run_async` (on two cores about 4 s on wasmi, 26 s on wasmtime, which
/// compiles each test binary).
const STD_PACKAGES_ASYNC: &[&str] = &["context", "sync", "io", "bufio", "log", "os/signal"];

#[test]
fn go_test_exec_async_runs_standard_library_tests() {
    go_test_exec_passes("go-exec --async", STD_PACKAGES_ASYNC);
}

/// Runs `go test -short` of `packages` with `gohost EXEC` as the executor
/// and checks that every one passed.
fn go_test_exec_passes(exec: &str, packages: &[&str]) {
    gohost_tests::require_go();
    let out = Command::new("go")
        .args([
            "test",
            "-short",
            "-count=1",
            "-exec",
            &format!("{GOHOST} {exec}"),
        ])
        .args(packages)
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
    println!(
        "go test -exec \"gohost {exec}\" passed: {}",
        passed.join(" ")
    );
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(passed, packages);
}

/// The Go support package that every generated package imports passes its
/// own tests on the target it is written for, run by gohost itself (they
/// also run natively, in `tests/tests/go_support.rs`).
#[test]
fn the_go_support_package_passes_its_tests_on_wasip1() {
    gohost_tests::require_go();
    let out = Command::new("go")
        .args([
            "test",
            "-count=1",
            "-exec",
            &format!("{GOHOST} go-exec"),
            "./...",
        ])
        .current_dir(repo_path("codegen/gosupport"))
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .output()
        .expect("run go test");
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).starts_with("ok"), "{}", text(&out.stdout));
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
    assert!(text(&out.stdout).contains("--timeout <SECONDS>"));
}

fn repo_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

#[test]
fn gen_check_passes_on_the_committed_example_package() {
    let src = repo_path("examples/hello/src/main.rs");
    let out_dir = repo_path("examples/hello/guest/greeter");
    let out = gohost(&[
        "gen",
        src.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
        "--check",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // The package and the support package in the guest's module.
    assert_eq!(text(&out.stdout), "up to date: 10 file(s)\n");
}

#[test]
fn gen_writes_the_same_bytes_as_the_macro_and_check_catches_staleness() {
    let src = repo_path("examples/hello/src/main.rs");
    let dir = tempfile::tempdir().expect("tempdir");
    // The same Go module as the example's guest, so the same import path.
    std::fs::write(
        dir.path().join("go.mod"),
        "module gohost.example/hello\n\ngo 1.24\n",
    )
    .expect("go.mod");
    let pkg = dir.path().join("greeter");
    let out_dir = pkg.to_str().expect("utf-8");
    let src = src.to_str().expect("utf-8");

    let out = gohost(&["gen", src, "--out", out_dir, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with("stale: "),
        "{}",
        text(&out.stdout)
    );

    let out = gohost(&["gen", src, "--out", out_dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let generated = std::fs::read_to_string(pkg.join("greeter.go")).expect("generated file");
    let by_macro = std::fs::read_to_string(repo_path("examples/hello/guest/greeter/greeter.go"))
        .expect("macro's file");
    assert_eq!(generated, by_macro);
    for f in ["codec.go", "errors.go", "alloc_wasip1.go"] {
        let support = dir.path().join("internal/gohost").join(f);
        let by_macro = repo_path("examples/hello/guest/internal/gohost").join(f);
        assert_eq!(
            std::fs::read_to_string(&support).expect("the support package"),
            std::fs::read_to_string(&by_macro).expect("the macro's support package"),
        );
    }

    let out = gohost(&["gen", src, "--out", out_dir, "--check"]);
    assert_eq!(out.status.code(), Some(0));

    std::fs::write(
        pkg.join("greeter.go"),
        generated.replace("func Add(", "func Plus("),
    )
    .expect("edit");
    let out = gohost(&["gen", src, "--out", out_dir, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("first difference at line"), "{report}");
    assert!(
        report.ends_with("1 file(s) stale; run `gohost gen` without --check to regenerate\n"),
        "{report}"
    );
}

#[test]
fn gen_needs_a_go_module_and_keeps_files_it_did_not_write() {
    let src = repo_path("examples/hello/src/main.rs");
    let src = src.to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("greeter");
    let out = gohost(&["gen", src, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no go.mod in"), "{err}");
    assert!(err.contains("go mod init"), "{err}");

    std::fs::write(dir.path().join("go.mod"), "module example.com/m\n").expect("go.mod");
    let support = dir.path().join("internal/gohost");
    std::fs::create_dir_all(&support).expect("mkdir");
    std::fs::write(support.join("codec.go"), "package gohost\n").expect("a file of the user's");
    let out = gohost(&["gen", src, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("was not generated by gohost"), "{err}");
    assert_eq!(
        std::fs::read_to_string(support.join("codec.go")).expect("kept"),
        "package gohost\n"
    );
}

#[test]
fn gen_reports_invalid_modules_with_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("bad.rs");
    std::fs::write(
        &src,
        "#[gohost::host_module(name = \"m\")]\npub mod m {\n    pub fn f(x: u128) -> u32 { x as u32 }\n}\n",
    )
    .expect("write");
    let out = gohost(&[
        "gen",
        src.to_str().expect("utf-8"),
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("line 3, column"), "{err}");
    assert!(err.contains("u128"), "{err}");
}
