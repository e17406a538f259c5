//! `gohost run` and `gohost go-exec`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use gohost::{Config, DirPerms, Engine, EngineKind, Error, Linker, Manifest, Module, WasiConfig};

/// Exit code when gohost itself fails (unreadable, invalid or unlinkable
/// module), as distinct from the guest's own exit codes.
const EXIT_LOAD_FAILED: u8 = 125;
/// Exit code when the guest traps (an abort, as a signal would give).
const EXIT_TRAPPED: u8 = 134;
/// Exit code when the program runs past `--timeout`, as coreutils'
/// `timeout` gives.
const EXIT_TIMED_OUT: u8 = 124;

/// Run a Go wasip1 program (a WASI preview 1 command module).
///
/// The guest sees only what is given: no directories, no environment, and
/// the host's standard input, output and error. gohost exits with the
/// guest's exit code; 125 if the module cannot be loaded or linked or is
/// not a program (a plugin: see `gohost inspect`), 134 if it traps, 124 if
/// it runs past --timeout.
#[derive(Debug, clap::Args)]
#[command(trailing_var_arg = true)]
pub struct RunArgs {
    /// Preopen a host directory read-write, as GUEST (default: the same path).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,

    /// Preopen a host directory read-only, as GUEST (default: the same path).
    #[arg(long = "ro-dir", value_name = "HOST[::GUEST]")]
    ro_dirs: Vec<String>,

    /// Set an environment variable; `NAME` alone passes the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,

    /// Pass the host's whole environment.
    #[arg(long)]
    inherit_env: bool,

    /// The engine: `wasmi` (an interpreter, in every build) or `wasmtime`
    /// (a JIT compiler, in builds with the `wasmtime` feature). Default:
    /// `GOHOST_ENGINE` if set, else the build's default.
    #[arg(long, value_name = "ENGINE")]
    engine: Option<EngineKind>,

    /// Compile the program afresh instead of using the module cache
    /// (wasmtime only; see GOHOST_CACHE_DIR).
    #[arg(long)]
    no_cache: bool,

    /// Stop the program after SECONDS of wall-clock time (decimals allowed,
    /// e.g. 0.5) and exit with 124, as coreutils' timeout does. A program
    /// blocked in a system call (reading stdin, sleeping) is stopped when
    /// the call returns.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    timeout: Option<Duration>,

    /// Run the program as an async host runs it: with `Instance::run_async`
    /// on a single-threaded Tokio runtime, where its sleeps and reads of
    /// standard input await instead of blocking the thread.
    #[arg(long = "async")]
    asynchronous: bool,

    /// Run the program a plugin manifest names (TOML: the wasm and its
    /// SHA-256, limits, directories, environment; see docs/plugins.md), with its
    /// settings; the flags above add to them. Every positional argument then
    /// goes to the program.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,

    /// The program: a .wasm file built with GOOS=wasip1 GOARCH=wasm.
    #[arg(required_unless_present = "manifest")]
    program: Option<PathBuf>,

    /// Arguments for the program (os.Args[1:]).
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Run a Go test or program binary the way `go test -exec` and `go run -exec`
/// expect, like Go's own go_wasip1_wasm_exec script: the host's `/` is
/// preopened read-write as `/`, `PWD` and `PATH` are passed, and every
/// argument after the program goes to it.
///
/// Use it as `GOOS=wasip1 GOARCH=wasm go test -exec "gohost go-exec" ./...`,
/// or install gohost under the name go_wasip1_wasm_exec on PATH so that no
/// -exec flag is needed.
#[derive(Debug, clap::Args)]
#[command(trailing_var_arg = true)]
pub struct GoExecArgs {
    /// The engine: `wasmi` (an interpreter, in every build) or `wasmtime`
    /// (a JIT compiler, in builds with the `wasmtime` feature). Default:
    /// `GOHOST_ENGINE` if set, else the build's default.
    #[arg(long, value_name = "ENGINE")]
    engine: Option<EngineKind>,

    /// Run the program with `Instance::run_async` on a Tokio runtime, as
    /// `gohost run --async` does.
    #[arg(long = "async")]
    asynchronous: bool,

    /// The program: a .wasm file (Go names test binaries pkg.test).
    program: PathBuf,

    /// Arguments for the program.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

pub fn run(a: RunArgs) -> ExitCode {
    let manifest = match a.manifest.as_deref().map(Manifest::from_file).transpose() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("gohost: {e}");
            return ExitCode::from(EXIT_LOAD_FAILED);
        }
    };
    // With a manifest, the program is the manifest's and every positional
    // argument is the program's.
    let (program, args) = match (&manifest, a.program) {
        (Some(m), first) => (
            m.wasm.clone(),
            first
                .map(|p| p.display().to_string())
                .into_iter()
                .chain(a.args)
                .collect(),
        ),
        (None, Some(p)) => (p, a.args),
        (None, None) => unreachable!("clap requires the program without --manifest"),
    };
    let mut wasi = manifest.as_ref().map(Manifest::wasi).unwrap_or_default();
    wasi.inherit_stdio().arg(program_name(&program));
    wasi.args(args);
    if a.inherit_env {
        wasi.inherit_env();
    }
    for e in &a.env {
        match e.split_once('=') {
            Some((k, v)) => wasi.env(k, v),
            None => match std::env::var(e) {
                Ok(v) => wasi.env(e, v),
                Err(_) => continue,
            },
        };
    }
    for (spec, perms) in a
        .dirs
        .iter()
        .map(|d| (d, DirPerms::ReadWrite))
        .chain(a.ro_dirs.iter().map(|d| (d, DirPerms::ReadOnly)))
    {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        wasi.preopen_dir(host, guest, perms);
    }
    let how = How {
        engine: a.engine.unwrap_or_default(),
        cache: !a.no_cache,
        timeout: a.timeout,
        asynchronous: a.asynchronous,
    };
    execute(&program, manifest.as_ref(), &wasi, how)
}

/// A positive, finite number of seconds, at least a nanosecond.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds (e.g. 2 or 0.5)"))?;
    // Rejects NaN, infinities, negatives and what overflows a Duration;
    // what rounds down to zero (1e-10) is no timeout either.
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("the timeout must be a positive number of seconds, not `{s}`"))
}

pub fn go_exec(a: GoExecArgs) -> ExitCode {
    let mut wasi = WasiConfig::new();
    wasi.inherit_stdio()
        .arg(program_name(&a.program))
        .args(a.args);
    wasi.preopen_dir("/", "/", DirPerms::ReadWrite);
    let pwd = std::env::var("PWD").ok().or_else(|| {
        std::env::current_dir()
            .ok()
            .map(|d| d.display().to_string())
    });
    for (k, v) in [("PWD", pwd), ("PATH", std::env::var("PATH").ok())] {
        if let Some(v) = v {
            wasi.env(k, v);
        }
    }
    let how = How {
        engine: a.engine.unwrap_or_default(),
        cache: true,
        timeout: None,
        asynchronous: a.asynchronous,
    };
    execute(&a.program, None, &wasi, how)
}

fn program_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// How `execute` runs a program.
#[derive(Debug, Clone, Copy)]
struct How {
    /// The engine that runs it.
    engine: EngineKind,
    /// Whether compiled modules come from, and go to, the module cache.
    cache: bool,
    timeout: Option<Duration>,
    /// Whether to run it with `run_async` on a Tokio runtime.
    asynchronous: bool,
}

fn execute(
    program: &std::path::Path,
    manifest: Option<&Manifest>,
    wasi: &WasiConfig,
    how: How,
) -> ExitCode {
    let deadline = how.timeout.or(manifest.and_then(|m| m.deadline));
    let fuel = manifest.is_some_and(|m| m.fuel.is_some());
    if !how.engine.is_available() {
        eprintln!(
            "gohost: this gohost was built without the {} engine; build it with \
             `cargo install gohost-cli --features {}` (or --path cli), or use --engine wasmi",
            how.engine, how.engine
        );
        return ExitCode::from(EXIT_LOAD_FAILED);
    }
    let engine = Engine::new(
        Config::new()
            .engine(how.engine)
            .cache(how.cache)
            // Async calls yield to the executor at the engine's interrupts.
            .interruptible(deadline.is_some() || how.asynchronous)
            .consume_fuel(fuel),
    );
    let mut limits = manifest.map(Manifest::limits).unwrap_or_default();
    if let Some(t) = how.timeout {
        limits = limits.deadline(t);
    }
    let module = match manifest {
        Some(m) => m.load(&engine),
        None => Module::from_file(&engine, program),
    };
    if let Some(why) = module.as_ref().ok().and_then(|m| not_a_program(m, program)) {
        eprintln!("gohost: {why}");
        return ExitCode::from(EXIT_LOAD_FAILED);
    }
    let linker = Linker::<()>::new(&engine);
    let ran = match module {
        Ok(module) if how.asynchronous => run_async(&linker, &module, wasi, limits),
        Ok(module) => linker
            .instantiate_limited(&module, wasi, (), limits)
            .map(|mut instance| instance.run()),
        Err(e) => Err(e),
    };
    match ran {
        Err(e @ Error::Link(_)) => {
            eprintln!("gohost: {e}\n{RUN_PROVIDES}");
            ExitCode::from(EXIT_LOAD_FAILED)
        }
        Err(e) => {
            eprintln!("gohost: {e}");
            ExitCode::from(EXIT_LOAD_FAILED)
        }
        // Exit codes are a byte on every platform Go targets.
        Ok(Ok(code)) => ExitCode::from(code as u8),
        Ok(Err(e @ Error::DeadlineExceeded { .. })) => {
            eprintln!("gohost: {e}");
            ExitCode::from(EXIT_TIMED_OUT)
        }
        Ok(Err(e)) => {
            eprintln!("gohost: {}: {e}", program.display());
            ExitCode::from(EXIT_TRAPPED)
        }
    }
}

/// What a guest that does not link under `gohost run` needs to know.
const RUN_PROVIDES: &str = "`gohost run` provides WASI and gohost's own imports only: \
     a guest that imports host modules runs in the Rust host that defines them";

/// Why `module` is not a program `gohost run` can run, in one line: a
/// plugin (a reactor, which exports `_initialize` instead of `_start`) or a
/// module with neither. Checked before linking, whose errors would only
/// list the plugin's host imports.
fn not_a_program(module: &Module, path: &std::path::Path) -> Option<String> {
    if module.has_export("_start") {
        return None;
    }
    let file = path.display();
    Some(if module.has_export("_initialize") {
        format!(
            "{file} is a plugin (a reactor: it exports `_initialize`, not `_start`), \
             not a program `gohost run` can run; see its exports with `gohost inspect {file}`, \
             and call them from Rust: `Instance::initialize`, then its exports, or a `Pool`"
        )
    } else {
        format!(
            "{file} is not a program: it exports neither `_start` (a command) nor \
             `_initialize` (a plugin); see what it exports with `gohost inspect {file}`"
        )
    })
}

/// Instantiates and runs the program on a single-threaded Tokio runtime:
/// the outer `Err` if it cannot be instantiated, the inner one if the run
/// fails.
fn run_async(
    linker: &Linker<()>,
    module: &Module,
    wasi: &WasiConfig,
    limits: gohost::Limits,
) -> Result<Result<i32, Error>, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start a Tokio runtime: {e}")))?;
    runtime.block_on(async {
        let mut instance = linker
            .instantiate_limited_async(module, wasi, (), limits)
            .await?;
        Ok(instance.run_async().await)
    })
}
