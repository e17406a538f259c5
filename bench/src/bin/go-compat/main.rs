//! `go-compat`: Go's standard-library tests under gohost and under Go's own
//! wasip1 runner, and where they differ.
//!
//! ```text
//! cargo run --release -p gohost-bench --bin go-compat -- [--engine wasmi|wasmtime|both]
//!     [--short] [--timeout SECS] [--jobs N] [--out FILE] [--resume] [PKG...]
//! ```
//!
//! Each package's test binary is compiled once (`GOOS=wasip1 GOARCH=wasm go
//! test -c`) and run, as `go test -exec` would run it, under the reference
//! (Go's `lib/wasm/go_wasip1_wasm_exec` with wazero) and under `gohost
//! go-exec` on each chosen engine. A package that fails under the reference
//! is not gohost's to fix; one that passes there and fails under gohost is.
//!
//! Everything lives in `TARGET/go-compat`: the two gohost builds and wazero
//! in `bin/`, every run's output in `logs/RUNNER/PACKAGE.log`, one line per
//! package in `results.tsv` (written as packages finish, so that an
//! interrupted sweep can go on with `--resume`). The report goes to stdout,
//! and with `--out` to a Markdown file (docs/compatibility.md); progress
//! goes to stderr. Exit status: 0 when the sweep ran, whatever the tests
//! did; 1 when this tool could not run; 2 for bad arguments.

mod about;
mod args;
mod children;
mod packages;
mod report;
mod results;
mod runners;
mod scratch;
mod tools;

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use clap::Parser;

use about::About;
use args::Args;
use packages::{Compiled, Package};
use results::{log_path, Log, ResultsFile, Row, Settings, Status};
use runners::{Runner, Runners, GRACE};
use scratch::Scratch;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("go-compat: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    children::kill_on_interrupt();
    let paths = tools::Paths::find(args.asynchronous)?;
    scratch::remove_stale(&paths.work, WORK_PREFIX);
    scratch::remove_stale(&std::env::temp_dir(), runners::TMP_PREFIX);

    // Go first: without it, building gohost would be time wasted.
    let script = tools::exec_script()?;
    let packages = packages::list(&args.packages)?;
    let wazero = tools::wazero(&paths)?;
    let columns = args.runners();
    let mut runners = Runners {
        script,
        reference_path: tools::path_with(&paths.bin)?,
        gohost_wasmi: None,
        gohost_wasmtime: None,
        asynchronous: args.asynchronous,
    };
    for &r in &columns {
        match r {
            Runner::Reference => {}
            Runner::Wasmi => runners.gohost_wasmi = Some(tools::build_gohost(&paths, r)?),
            Runner::Wasmtime => runners.gohost_wasmtime = Some(tools::build_gohost(&paths, r)?),
        }
    }

    let settings = Settings {
        short: args.short,
        timeout_secs: args.timeout,
    };
    let (mut results, previous) = ResultsFile::open(&paths.results, args.resume)?;
    let mut rows = reusable(previous, settings, &columns);
    let todo: Vec<&Package> = packages
        .iter()
        .filter(|p| !rows.contains_key(&p.path))
        .collect();
    if args.resume {
        eprintln!(
            "go-compat: {} of {} packages already in {}",
            packages.len() - todo.len(),
            packages.len(),
            paths.results.display()
        );
    }

    let work = Scratch::create(&paths.work, WORK_PREFIX)
        .map_err(|e| format!("{}: {e}", paths.work.display()))?;
    let mut test_args = vec![
        "-test.paniconexit0".to_owned(),
        format!("-test.timeout={}s", args.timeout),
    ];
    if args.short {
        test_args.push("-test.short".to_owned());
    }
    let sweep = Sweep {
        runners: &runners,
        columns: &columns,
        settings,
        test_args,
        limit: Duration::from_secs(args.timeout) + GRACE,
        work: work.path(),
        logs: &paths.logs,
    };
    let jobs = usize::from(args.jobs);
    let fresh = sweep.all(&todo, jobs, |done, row| {
        eprintln!("[{done}/{}] {}", todo.len(), progress(row, &columns));
        results.append(row)
    })?;
    drop(work);
    for row in fresh {
        rows.insert(row.package.clone(), row);
    }

    let rows: Vec<Row> = packages
        .iter()
        .filter_map(|p| rows.remove(&p.path))
        .collect();
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let about = About::gather(
        args::command_line(&raw),
        settings,
        args.asynchronous,
        &paths.workspace,
        &wazero,
    )?;
    let logs_shown = paths
        .logs
        .strip_prefix(&paths.workspace)
        .unwrap_or(&paths.logs)
        .display()
        .to_string();
    let markdown = report::Report {
        about: &about,
        columns: &columns,
        rows: &rows,
        logs: &paths.logs,
        logs_shown: &logs_shown,
    }
    .markdown();
    print!("{markdown}");
    if let Some(out) = &args.out {
        std::fs::write(out, &markdown).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("go-compat: report written to {}", out.display());
    }
    Ok(())
}

/// The name of the directories that hold a sweep's test binaries.
const WORK_PREFIX: &str = "sweep";

/// The rows of an earlier sweep that this one can use: same settings, and
/// a cell for every column of this one. Cells of other columns are dropped,
/// so that the report shows what its command line asked for.
fn reusable(previous: Vec<Row>, settings: Settings, columns: &[Runner]) -> HashMap<String, Row> {
    let mut rows = HashMap::new();
    for mut row in previous {
        if row.settings != settings || columns.iter().any(|&r| row.cell(r).is_none()) {
            continue;
        }
        for r in Runner::ALL {
            if !columns.contains(&r) {
                row.cells[r.index()] = None;
            }
        }
        rows.insert(row.package.clone(), row);
    }
    rows
}

/// A package's progress line: `encoding/json  reference pass 3.1s  wasmi ...`.
fn progress(row: &Row, columns: &[Runner]) -> String {
    let mut line = row.package.clone();
    let uniform = columns
        .iter()
        .find_map(|&r| row.cell(r))
        .filter(|c| matches!(c.status, Status::NoTests | Status::BuildFailed));
    if let Some(c) = uniform {
        line.push_str("  ");
        line.push_str(c.status.label());
        return line;
    }
    for &r in columns {
        if let Some(c) = row.cell(r) {
            line.push_str(&format!("  {} {}", r.name(), c.status.label()));
            if let Some(ms) = c.millis {
                line.push_str(&format!(" {:.1}s", ms as f64 / 1000.0));
            }
        }
    }
    line
}

/// How to test one package.
struct Sweep<'a> {
    runners: &'a Runners,
    columns: &'a [Runner],
    settings: Settings,
    /// The test binary's arguments.
    test_args: Vec<String>,
    /// The wall-clock limit of one run.
    limit: Duration,
    /// Where test binaries are compiled to.
    work: &'a Path,
    logs: &'a Path,
}

impl Sweep<'_> {
    /// Tests `packages`, `jobs` at a time, calling `done` (on this thread)
    /// with the count so far and each row as it comes.
    ///
    /// # Errors
    ///
    /// The first error of a package or of `done`; the packages under way
    /// then finish and no new one starts.
    fn all(
        &self,
        packages: &[&Package],
        jobs: usize,
        mut done: impl FnMut(usize, &Row) -> Result<(), String>,
    ) -> Result<Vec<Row>, String> {
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel();
        let mut rows = Vec::new();
        let mut failure = None;
        std::thread::scope(|s| {
            for _ in 0..jobs.min(packages.len()) {
                let tx = tx.clone();
                let (next, stop) = (&next, &stop);
                s.spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let Some(package) = packages.get(next.fetch_add(1, Ordering::SeqCst))
                        else {
                            break;
                        };
                        if tx.send(self.package(package)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            for result in rx {
                let outcome = result.and_then(|row| {
                    done(rows.len() + 1, &row)?;
                    rows.push(row);
                    Ok(())
                });
                if let Err(e) = outcome {
                    if failure.is_none() {
                        eprintln!("go-compat: {e}; stopping once the packages under way finish");
                        stop.store(true, Ordering::SeqCst);
                        failure = Some(e);
                    }
                }
            }
        });
        match failure {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    }

    /// Compiles the test binary of `package`, runs it under each runner,
    /// and deletes it.
    fn package(&self, package: &Package) -> Result<Row, String> {
        let build_log = log_path(self.logs, Log::Build, &package.path);
        let binary = match packages::compile(package, self.work, &build_log)? {
            Compiled::Binary(binary) => binary,
            Compiled::NoTests => {
                return Ok(Row::uniform(
                    &package.path,
                    self.settings,
                    self.columns,
                    Status::NoTests,
                ))
            }
            Compiled::Failed => {
                return Ok(Row::uniform(
                    &package.path,
                    self.settings,
                    self.columns,
                    Status::BuildFailed,
                ))
            }
        };
        let mut cells = [None; 3];
        let ran = self.columns.iter().try_for_each(|&r| {
            let log = log_path(self.logs, Log::Run(r), &package.path);
            cells[r.index()] = Some(self.runners.run(
                r,
                &binary,
                &self.test_args,
                &package.dir,
                self.limit,
                &log,
            )?);
            Ok::<(), String>(())
        });
        // ~10 MB each: not kept past their runs, whatever happened.
        let _ = std::fs::remove_file(&binary);
        ran?;
        Ok(Row {
            package: package.path.clone(),
            settings: self.settings,
            cells,
        })
    }
}
