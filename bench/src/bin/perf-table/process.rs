//! Whole-process measurements: wall time and peak memory of one child.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A command to run many times.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
}

impl Cmd {
    pub fn new(program: impl AsRef<Path>) -> Self {
        Cmd {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        // A backtrace setting inherited from a developer's shell makes every
        // error the WASI layers create capture a backtrace, which Go's
        // start-up does several times: not what users run with.
        c.env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE");
        c.args(&self.args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// The command line, for messages.
    pub fn display(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    /// Runs the command once, its output discarded, and measures it.
    ///
    /// # Errors
    ///
    /// If it cannot start or does not exit with 0.
    pub fn measure(&self) -> Result<Sample, String> {
        // Standard error goes to a file, read only on failure: a pipe read
        // after wait4 would block a child that writes more than it holds.
        let mut stderr = stderr_file().map_err(|e| format!("{}: {e}", self.display()))?;
        let child_stderr = stderr
            .try_clone()
            .map_err(|e| format!("{}: {e}", self.display()))?;
        let start = Instant::now();
        let child = self
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(child_stderr)
            .spawn()
            .map_err(|e| format!("{}: {e}", self.display()))?;
        let pid = child.id() as libc::pid_t;
        let mut status: libc::c_int = 0;
        // SAFETY: `rusage` is a plain C struct for which all-zero bytes are a
        // valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own child, not yet waited for (`Child` never
        // waits unless asked); both pointers are to live, writable locals.
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let wall = start.elapsed();
        if waited != pid {
            return Err(format!("{}: wait4 failed", self.display()));
        }
        drop(child);
        if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
            use std::io::{Read, Seek};
            let mut text = String::new();
            let _ = stderr.rewind();
            let _ = stderr.read_to_string(&mut text);
            return Err(format!(
                "{} failed (wait status {status:#x}): {}",
                self.display(),
                text.trim()
            ));
        }
        Ok(Sample {
            wall,
            // Linux reports ru_maxrss in KiB.
            peak_kib: usage.ru_maxrss as u64,
        })
    }

    /// Runs the command once and returns its standard output.
    ///
    /// # Errors
    ///
    /// If it cannot start or does not exit with 0.
    pub fn output(&self) -> Result<String, String> {
        let out = self
            .command()
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("{}: {e}", self.display()))?;
        if !out.status.success() {
            return Err(format!("{} failed: {}", self.display(), out.status));
        }
        String::from_utf8(out.stdout).map_err(|e| format!("{}: {e}", self.display()))
    }
}

/// One run of a command.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub wall: Duration,
    pub peak_kib: u64,
}

/// The medians of several runs.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub wall_ns: f64,
    pub peak_kib: u64,
}

impl Stats {
    fn of(samples: &[Sample]) -> Stats {
        let wall = gohost_bench::measure::median(
            samples.iter().map(|s| s.wall.as_nanos() as f64).collect(),
        );
        let peak =
            gohost_bench::measure::median(samples.iter().map(|s| s.peak_kib as f64).collect());
        Stats {
            wall_ns: wall,
            peak_kib: peak as u64,
        }
    }
}

/// Runs each command `runs` times, in turns (one run of each, then the
/// next round), after one unmeasured run of each that warms the page cache
/// and the module caches; returns each command's medians in order.
///
/// # Errors
///
/// If a run fails.
pub fn interleaved(runs: usize, cmds: &[&Cmd]) -> Result<Vec<Stats>, String> {
    for c in cmds {
        c.measure()?;
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::with_capacity(runs); cmds.len()];
    for _ in 0..runs {
        for (c, s) in cmds.iter().zip(&mut samples) {
            s.push(c.measure()?);
        }
    }
    Ok(samples.iter().map(|s| Stats::of(s)).collect())
}

/// An unnamed temporary file (created, then unlinked) for a child's
/// standard error.
fn stderr_file() -> std::io::Result<std::fs::File> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("perf-table-{}-{n}.stderr", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}
