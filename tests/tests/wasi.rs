//! A real Go wasip1 program on gohost: standard streams, arguments,
//! environment, files, exit codes, panics, clocks and randomness.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::{run, run_stdin, run_with};
use gohost::DirPerms;

fn guest() -> &'static PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| gohost_tests::build_guest("wasi"))
}

#[test]
fn hello_prints_to_stdout() {
    let o = run(guest(), &["hello"]);
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(o.stdout, "hello from Go on gohost\n");
}

#[test]
fn args_reach_the_guest() {
    let o = run(guest(), &["args", "one", "two words", "--flag", "ünïcode"]);
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(o.stdout, "guest|args|one|two words|--flag|ünïcode\n");
}

#[test]
fn env_is_only_what_was_given() {
    let o = run_with(guest(), &["env", "GREETING", "HOME"], |w| {
        w.env("GREETING", "hi there");
    });
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(
        o.stdout,
        "GREETING=\"hi there\" true\nHOME=\"\" false\ncount 1\n"
    );
}

#[test]
fn inherited_env_is_passed_and_explicit_pairs_win() {
    let o = run_with(guest(), &["env", "PATH", "CARGO"], |w| {
        w.inherit_env().env("CARGO", "overridden");
    });
    assert_eq!(o.exit(), Some(0), "{o:?}");
    let path = std::env::var("PATH").unwrap_or_default();
    assert!(
        o.stdout
            .starts_with(&format!("PATH={path:?} true\nCARGO=\"overridden\" true\n")),
        "{}",
        o.stdout
    );
}

#[test]
fn files_in_a_read_write_preopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("in.txt"), "shout this").expect("write input");
    let o = run_with(guest(), &["files", "/data"], |w| {
        w.preopen_dir(dir.path(), "/data", DirPerms::ReadWrite);
    });
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(o.stdout, "in.txt\nout.txt\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt"))
            .ok()
            .as_deref(),
        Some("SHOUT THIS")
    );
}

#[test]
fn reads_outside_every_preopen_are_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "top secret").expect("write secret");
    let inner = dir.path().join("inner");
    std::fs::create_dir(&inner).expect("mkdir");
    // Not preopened at all, by absolute host path, and by `..` out of a preopen.
    for path in [
        secret.to_string_lossy().into_owned(),
        "/data/../secret.txt".to_owned(),
    ] {
        let o = run_with(guest(), &["read", &path], |w| {
            w.preopen_dir(&inner, "/data", DirPerms::ReadWrite);
        });
        assert_eq!(o.exit(), Some(0), "{o:?}");
        assert!(o.stdout.starts_with("denied: "), "{path}: {}", o.stdout);
    }
}

#[test]
fn read_only_preopens_refuse_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("in.txt"), "data").expect("write");
    let o = run_with(guest(), &["read", "/ro/in.txt"], |w| {
        w.preopen_dir(dir.path(), "/ro", DirPerms::ReadOnly);
    });
    assert_eq!(o.stdout, "read 4 bytes\n", "{o:?}");
    for target in ["/ro/in.txt", "/ro/new.txt"] {
        let o = run_with(guest(), &["write", target], |w| {
            w.preopen_dir(dir.path(), "/ro", DirPerms::ReadOnly);
        });
        assert!(o.stdout.starts_with("denied: "), "{target}: {o:?}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("in.txt"))
            .ok()
            .as_deref(),
        Some("data")
    );
    assert!(!dir.path().join("new.txt").exists());
}

#[test]
fn os_exit_is_an_exit_code_not_an_error() {
    let o = run(guest(), &["exit"]);
    assert_eq!(o.exit(), Some(3), "{o:?}");
    assert_eq!(o.stdout, "exiting with 3\n");
}

#[test]
fn stdin_is_copied_to_stdout() {
    let input = "line one\nline two, with ünïcode\n".repeat(1000);
    let o = run_stdin(guest(), &["cat"], input.as_bytes());
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(o.stdout, input);
}

#[test]
fn a_go_panic_exits_with_2_and_go_s_message() {
    let o = run(guest(), &["panic"]);
    assert_eq!(o.exit(), Some(2), "{o:?}");
    assert!(
        o.stderr
            .starts_with("panic: something went wrong in the guest"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("goroutine 1 [running]"), "{}", o.stderr);
}

#[test]
fn clocks_and_randomness_work() {
    let o = run(guest(), &["time-rand"]);
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(o.stdout, "year-ok true random-ok true\nslept-ok true\n");
}

#[test]
fn output_can_go_to_files_and_input_come_from_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::write(&input, "from a file\n").expect("write");
    let o = run_with(guest(), &["cat"], |w| {
        w.stdin(gohost::Input::File(input.clone()))
            .stdout(gohost::Output::File(output.clone()));
    });
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(
        std::fs::read_to_string(&output).ok().as_deref(),
        Some("from a file\n")
    );
}
