//! The runners (the report's columns) and one run of a test binary under
//! one of them, as `go test -exec` would run it.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::children;
use crate::results::{Cell, Status};
use crate::scratch::Scratch;

/// How much longer than the test timeout a run may take before it is
/// killed: Go's own timeout panics first and prints which tests were
/// running, which is worth waiting for.
pub const GRACE: Duration = Duration::from_secs(60);

/// The name of the runs' temporary directories.
pub const TMP_PREFIX: &str = "go-compat-run";

/// How often a run is checked for having ended.
const POLL: Duration = Duration::from_millis(20);

/// A column of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// Go's `go_wasip1_wasm_exec` with wazero.
    Reference,
    /// gohost, default engine.
    Wasmi,
    /// gohost built with `gohost/jit`.
    Wasmtime,
}

impl Runner {
    pub const ALL: [Runner; 3] = [Runner::Reference, Runner::Wasmi, Runner::Wasmtime];

    pub fn name(self) -> &'static str {
        match self {
            Runner::Reference => "reference",
            Runner::Wasmi => "wasmi",
            Runner::Wasmtime => "wasmtime",
        }
    }

    /// The position of this runner's cell in a row.
    pub fn index(self) -> usize {
        match self {
            Runner::Reference => 0,
            Runner::Wasmi => 1,
            Runner::Wasmtime => 2,
        }
    }
}

/// What the runners need.
#[derive(Debug)]
pub struct Runners {
    /// `$GOROOT/lib/wasm/go_wasip1_wasm_exec`.
    pub script: PathBuf,
    /// `PATH` for the script: the directory holding our wazero first.
    pub reference_path: OsString,
    pub gohost_wasmi: Option<PathBuf>,
    pub gohost_wasmtime: Option<PathBuf>,
    /// Whether gohost runs the binaries with `go-exec --async`.
    pub asynchronous: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    /// Killed by a signal that did not come from us.
    Signalled(i32),
    /// Still running at the wall-clock limit; we killed it.
    KilledAtLimit,
}

impl From<ExitStatus> for Ending {
    fn from(status: ExitStatus) -> Ending {
        match (status.code(), status.signal()) {
            (Some(code), _) => Ending::Exited(code),
            (None, Some(signal)) => Ending::Signalled(signal),
            // Neither an exit nor a signal does not happen on Unix.
            (None, None) => Ending::Exited(-1),
        }
    }
}

/// The status of a run, from how it ended and what it printed. Go's
/// `-test.timeout` makes the binary panic with `panic: test timed out
/// after ...` and exit with 2: a timeout, not a failure.
pub fn classify(ending: Ending, output: &str) -> Status {
    match ending {
        Ending::KilledAtLimit => Status::Timeout,
        Ending::Exited(0) => Status::Pass,
        _ if output
            .lines()
            .any(|l| l.starts_with("panic: test timed out after")) =>
        {
            Status::Timeout
        }
        _ => Status::Fail,
    }
}

impl Runners {
    /// Runs `test` (a test binary) under `runner` with `args`, in `dir`
    /// (the package directory, as `go test` does), its output to `log`,
    /// killing it after `limit`.
    ///
    /// # Errors
    ///
    /// If the run cannot be started or watched: a problem of this tool or
    /// of the machine, not of the test.
    pub fn run(
        &self,
        runner: Runner,
        test: &Path,
        args: &[String],
        dir: &Path,
        limit: Duration,
        log: &Path,
    ) -> Result<Cell, String> {
        // Also where wazero's compilation cache goes, via the script.
        let tmp = Scratch::create(&std::env::temp_dir(), TMP_PREFIX)
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let mut cmd = match runner {
            Runner::Reference => {
                let mut c = Command::new(&self.script);
                c.env("GOWASIRUNTIME", "wazero")
                    .env("PATH", &self.reference_path);
                c
            }
            Runner::Wasmi | Runner::Wasmtime => {
                let bin = match runner {
                    Runner::Wasmi => &self.gohost_wasmi,
                    _ => &self.gohost_wasmtime,
                };
                let bin = bin
                    .as_ref()
                    .ok_or_else(|| format!("no gohost was built for {}", runner.name()))?;
                let mut c = Command::new(bin);
                // With RUST_BACKTRACE, errors raised inside the engine
                // capture a backtrace, which slows error paths; the perf
                // table runs without it too.
                c.arg("go-exec");
                if self.asynchronous {
                    c.arg("--async");
                }
                c.env("GOHOST_CACHE_DIR", tmp.path().join("gohost-cache"))
                    .env_remove("RUST_BACKTRACE");
                c
            }
        };
        let out = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        cmd.arg(test)
            .args(args)
            .current_dir(dir)
            .env("PWD", dir)
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);

        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", cmd.get_program().to_string_lossy()))?;
        // Our child leads its own group, whose id is its pid.
        let group = i32::try_from(child.id()).map_err(|e| format!("pid: {e}"))?;
        let _tracked = children::track(group);
        let waited = |e: std::io::Error| format!("waiting for {}: {e}", test.display());
        let ending = loop {
            if let Some(status) = child.try_wait().map_err(waited)? {
                break Ending::from(status);
            }
            if start.elapsed() >= limit {
                children::kill_group(group);
                child.wait().map_err(waited)?;
                break Ending::KilledAtLimit;
            }
            std::thread::sleep(POLL);
        };
        let wall = start.elapsed();
        let output = std::fs::read(log).map_err(|e| format!("{}: {e}", log.display()))?;
        Ok(Cell {
            status: classify(ending, &String::from_utf8_lossy(&output)),
            millis: Some(u64::try_from(wall.as_millis()).unwrap_or(u64::MAX)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_classified_by_its_ending_and_its_output() {
        let ok = "PASS\n";
        assert_eq!(classify(Ending::Exited(0), ok), Status::Pass);
        assert_eq!(classify(Ending::KilledAtLimit, ok), Status::Timeout);
        assert_eq!(classify(Ending::KilledAtLimit, ""), Status::Timeout);

        let failed = "--- FAIL: TestDecode (0.00s)\n    decode_test.go:12: got 1, want 2\nFAIL\n";
        assert_eq!(classify(Ending::Exited(1), failed), Status::Fail);
        // gohost's own exit codes: a trap, an unloadable module.
        assert_eq!(
            classify(
                Ending::Exited(134),
                "gohost: x.test: wasm trap: unreachable\n"
            ),
            Status::Fail
        );
        assert_eq!(classify(Ending::Signalled(11), ""), Status::Fail);

        // What Go's -test.timeout prints, then exit status 2.
        let timed_out = "\
panic: test timed out after 10s
\trunning tests:
\t\tTestSlow (10s)

goroutine 18 [running]:
testing.(*M).startAlarm.func1()
\t/usr/local/go/src/testing/testing.go:2484 +0x5
created by time.goFunc
\t/usr/local/go/src/time/sleep.go:215 +0x3
";
        assert_eq!(classify(Ending::Exited(2), timed_out), Status::Timeout);
        // Only at the start of a line, as Go prints it, and only for a
        // binary that did not pass.
        assert_eq!(
            classify(
                Ending::Exited(1),
                "    t.Log: \"panic: test timed out after 1s\"\n"
            ),
            Status::Fail
        );
        assert_eq!(classify(Ending::Exited(0), timed_out), Status::Pass);
    }

    /// The limit kills the run's whole process group, not just its leader:
    /// the reference runner is a script, and a script's children would
    /// otherwise outlive it. A stand-in script plays the runner.
    #[test]
    fn a_run_past_its_limit_is_killed_with_its_children() {
        use std::os::unix::fs::PermissionsExt;

        let dir = Scratch::create(&std::env::temp_dir(), "go-compat-test").expect("scratch");
        let script = dir.path().join("runner.sh");
        let marker = dir.path().join("child-survived");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho started \"$@\"\n(sleep 2; touch '{}') &\nsleep 30\n",
                marker.display()
            ),
        )
        .expect("write script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let runners = Runners {
            script,
            reference_path: std::env::var_os("PATH").unwrap_or_default(),
            gohost_wasmi: None,
            gohost_wasmtime: None,
            asynchronous: false,
        };
        let log = dir.path().join("run.log");
        let cell = runners
            .run(
                Runner::Reference,
                Path::new("pkg.test"),
                &["-test.short".to_owned()],
                dir.path(),
                Duration::from_millis(300),
                &log,
            )
            .expect("run");
        assert_eq!(cell.status, Status::Timeout);
        let output = std::fs::read_to_string(&log).expect("log");
        assert_eq!(output, "started pkg.test -test.short\n");
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "the runner's child outlived the kill");
    }
}
