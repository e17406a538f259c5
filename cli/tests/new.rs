//! `gohost new`: each kind of project, made in a directory outside the
//! repository and pointed at this checkout, builds, runs and passes its own
//! test: the two commands its README gives, run as a user would.
//!
//! The projects build gohost itself once, into a target directory of their
//! own under this package's (`CARGO_TARGET_TMPDIR`), which later runs reuse;
//! they start from this workspace's `Cargo.lock`, so they build the
//! dependency versions the rest of the suite tests.

mod common;

use std::path::Path;
use std::process::Command;

use common::{gohost, text};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Runs `cargo ARGS` in `dir` with the projects' shared target directory.
fn cargo(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-projects"),
        )
        .output()
        .expect("run cargo")
}

/// Makes a project of `kind` named `name` in a fresh directory; returns it
/// (and the temporary directory that holds it).
fn scaffold(kind: &str, name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(name);
    let out = gohost(&[
        "new",
        kind,
        name,
        "--dir",
        dir.to_str().expect("utf-8"),
        "--gohost-path",
        repo().to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("cargo run")
            && text(&out.stdout)
                .contains("the first `cargo run` compiles gohost and its engine: about "),
        "{}",
        text(&out.stdout)
    );
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock");
    (tmp, dir)
}

/// What `cargo run` printed.
struct Printed {
    stdout: String,
    stderr: String,
}

/// Runs the README's two commands in `dir`; returns what `cargo run`
/// printed.
fn run_and_test(dir: &Path) -> Printed {
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README");
    assert!(readme.contains("cargo run -- Gopher"), "{readme}");
    assert!(readme.contains("cargo test"), "{readme}");
    // What the first build costs, and where the modules go.
    assert!(
        readme.contains("The first `cargo run` compiles gohost") && readme.contains("minutes"),
        "{readme}"
    );
    assert!(readme.contains("target/gohost-guests/"), "{readme}");
    let run = cargo(dir, &["run", "--quiet", "--", "Gopher"]);
    assert!(
        run.status.success(),
        "cargo run failed:\n{}",
        text(&run.stderr)
    );
    let test = cargo(dir, &["test", "--quiet"]);
    assert!(
        test.status.success(),
        "cargo test failed:\n{}{}",
        text(&test.stdout),
        text(&test.stderr)
    );
    Printed {
        stdout: text(&run.stdout),
        stderr: text(&run.stderr),
    }
}

/// The path after `prefix` on a line of `stderr`, which must exist.
fn built_path(stderr: &str, prefix: &str) -> std::path::PathBuf {
    let path = stderr
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{stderr}"));
    let path = std::path::PathBuf::from(path);
    assert!(path.is_file(), "{} is not a file", path.display());
    path
}

#[test]
fn new_projects_build_run_and_pass_their_tests() {
    gohost_tests::require_go();
    let (_tmp, host) = scaffold("host", "demo-host");
    let printed = run_and_test(&host);
    assert_eq!(
        printed.stdout,
        "Hello, Gopher! You are visitor number 1.\n{4 -2}\n7 / 2 = 3\nerror: demohost.divide: cannot divide 1 by 0\n"
    );
    let wasm = built_path(&printed.stderr, "built the guest: ");
    assert!(
        wasm.ends_with("gohost-guests/demo-host-guest.wasm"),
        "{}",
        wasm.display()
    );
    // Generated on build, next to the guest, with no `replace` anywhere.
    assert!(host.join("guest/demohost/demohost.go").is_file());
    assert!(host.join("guest/internal/gohost/codec.go").is_file());
    let go_mod = std::fs::read_to_string(host.join("guest/go.mod")).expect("go.mod");
    assert!(!go_mod.contains("replace"), "{go_mod}");

    let (_tmp, plugin) = scaffold("plugin", "demo_plugins");
    let printed = run_and_test(&plugin);
    assert_eq!(printed.stdout, "hello: Hello, Gopher! Hello, Gopher!\n");
    let wasm = built_path(&printed.stderr, "built hello: ");
    assert!(
        wasm.ends_with("gohost-guests/demo_plugins-plugins/hello.wasm"),
        "{}",
        wasm.display()
    );
    // The plugin's `Log` call shows, after its name.
    assert!(
        printed
            .stderr
            .lines()
            .any(|l| l == "hello: greeting Gopher"),
        "{}",
        printed.stderr
    );

    // A plugin that does not compile: an error with the compiler's words,
    // not a panic.
    let broken = plugin.join("plugins/broken");
    std::fs::create_dir(&broken).expect("mkdir");
    std::fs::write(
        broken.join("main.go"),
        "package main\n\nfunc main() {\n\tgreet()\n}\n",
    )
    .expect("write");
    let run = cargo(&plugin, &["run", "--quiet", "--", "Gopher"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.lines().next(),
        Some("demo_plugins: gohost-build: go build of plugins/broken failed:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("./main.go:4:2: undefined: greet"),
        "{stderr}"
    );
}

#[test]
fn new_refuses_bad_names_and_busy_directories() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("x");
    let dir = dir.to_str().expect("utf-8");
    let out = gohost(&["new", "host", "9lives", "--dir", dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("start with a letter"),
        "{}",
        text(&out.stderr)
    );

    let out = gohost(&["new", "host", "map", "--dir", dir]);
    assert!(
        text(&out.stderr).contains("keyword"),
        "{}",
        text(&out.stderr)
    );

    let out = gohost(&[
        "new",
        "host",
        "ok",
        "--dir",
        dir,
        "--gohost-path",
        "/nonexistent",
    ]);
    assert!(
        text(&out.stderr).contains("--gohost-path"),
        "{}",
        text(&out.stderr)
    );

    std::fs::create_dir_all(tmp.path().join("x")).expect("mkdir");
    std::fs::write(tmp.path().join("x/keep.txt"), "mine").expect("a file");
    let out = gohost(&["new", "plugin", "ok", "--dir", dir]);
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_go_templates_are_gofmt_clean_go() {
    gohost_tests::require_go();
    let templates = repo().join("cli/templates");
    let out = Command::new("gofmt")
        .arg("-l")
        .arg(&templates)
        .output()
        .expect("run gofmt");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "gofmt -l {}:\n{}{}",
        templates.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
}
