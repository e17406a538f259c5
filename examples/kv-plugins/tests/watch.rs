//! `kv-plugins --watch`, as a user runs it: the host serves a folder of
//! plugins, a plugin is rebuilt with the Go toolchain while it serves, and
//! the host switches to the new build; a broken build is refused and the
//! running version keeps answering.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use gohost_build::BuildMode;

/// The example's output, line by line, as it comes.
struct Host {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Host {
    fn start(folder: &Path) -> Host {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kv-plugins"))
            .arg("--watch")
            .arg(folder)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run kv-plugins --watch");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Host {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one satisfies `want`, and returns it. The bound
    /// is generous (a reload compiles and starts a Go plugin): it only
    /// turns a hang into a failure.
    fn wait_for(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no line {what} ({e}); output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `bytes` to `folder/name` as a deployment does: aside, then
/// renamed into place.
fn replace(folder: &Path, name: &str, bytes: &[u8]) {
    let tmp = folder.join(format!(".{name}.new"));
    std::fs::write(&tmp, bytes).expect("write");
    std::fs::rename(&tmp, folder.join(name)).expect("rename");
}

#[test]
fn watch_switches_to_a_rebuilt_plugin_and_refuses_a_broken_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins");
    let folder = tempfile::tempdir().expect("tempdir");
    // The well-behaved plugins: the others would only slow each round.
    for name in ["counter", "notes"] {
        let out = folder.path().join(format!("{name}.wasm"));
        gohost_build::build_go_to(&src.join(name), &out, BuildMode::Reactor);
    }
    let mut host = Host::start(folder.path());
    host.wait_for("saying it watches", |l| l.starts_with("watching "));

    // Rebuild counter as version 2.0, while the host serves.
    let build = folder.path().join(".counter.build");
    let out = Command::new("go")
        .current_dir(&src)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .args([
            "build",
            "-buildmode=c-shared",
            "-ldflags=-X=main.version=2.0",
            "-o",
        ])
        .arg(&build)
        .arg("./counter")
        .output()
        .expect("run go build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rebuilt = std::fs::read(&build).expect("read the build");
    replace(folder.path(), "counter.wasm", &rebuilt);
    host.wait_for("about the new version", |l| {
        l.starts_with("counter: replaced version 1 with ")
    });
    host.wait_for("describing it", |l| {
        l.starts_with("  counter (version ") && l.contains(": counter 2.0, counts words")
    });
    // It answers, and the store kept what version 1 counted.
    host.wait_for("with its answer", |l| {
        l.starts_with("  counter: ") && l.contains("distinct so far")
    });

    // A broken build is refused; version 2.0 keeps serving.
    replace(
        folder.path(),
        "counter.wasm",
        b"\0asm\x01\0\0\0 not a whole module",
    );
    let refused = host.wait_for("refusing the broken build", |l| {
        l.starts_with("counter: new version refused")
    });
    assert!(
        refused.contains("keeps serving: invalid wasm module"),
        "{refused}"
    );
    host.wait_for("still answering", |l| {
        l.starts_with("  counter: ") && l.contains("distinct so far")
    });
    // No call failed ("  name: failed: why"); the refusal is no failure.
    assert!(
        !host.seen.iter().any(|l| l.contains(": failed: ")),
        "{}",
        host.seen.join("\n")
    );
}
