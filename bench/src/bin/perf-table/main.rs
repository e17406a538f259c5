//! The performance table: gohost against the raw engine it runs on, against
//! native Go, and against a peer (wazero), every figure measured side by
//! side in the same run.
//!
//! ```text
//! cargo run --release -p gohost-bench --bin perf-table [-- --quick] [--engine wasmi|wasmtime]
//! ```
//!
//! It builds what it measures (gohost and the probes, with both engines in
//! one build; the Go guests; the native Go program; the wazero host), then
//! measures, per engine (chosen at run time with `GOHOST_ENGINE`):
//!
//! - host calls, export calls and new instances in one process
//!   (`perf-probe calls`), each against hand-written code on the raw engine;
//!   then async host calls against the same function sync, and a pool's
//!   throughput with async calls against sync calls from as many threads
//!   (plain threads, or `spawn_blocking` in a runtime), for calls that
//!   compute and for calls whose host function waits;
//! - cold start of a Go hello, `gohost run` against a minimal raw host
//!   (`raw-wasmi-run`, `raw-wasmtime-run`), and for wasmtime with a warm
//!   module cache and without one;
//! - compute (sha256 of 32 MiB, a JSON encode/decode loop) against the same
//!   Go program built natively (with `-tags purego`, so that natively too
//!   crypto/sha256 runs Go's generic code rather than the CPU's SHA
//!   instructions, which wasm cannot use);
//! - peak memory of the hello run and of idle plugin instances;
//! - the same programs on wazero (its interpreter next to wasmi, its
//!   compiler next to wasmtime);
//! - the peer rows (`gohost_bench::peers`): a string host call, a record
//!   plugin call, a new instance with its first call and the memory of an
//!   idle instance, through gohost and through the plugin systems a user
//!   would pick instead: Extism (wasmtime, next to gohost on wasmtime) and
//!   go-plugin (wazero's compiler next to wasmtime, its interpreter next to
//!   wasmi). `bench/peers/setup.sh` installs what they need; a peer that
//!   cannot be set up, or whose answers differ from gohost's, has rows that
//!   say so instead of figures.
//!
//! The table goes to stdout and to `target/perf-table.md`; progress to
//! stderr. The first run builds wasmtime in release mode (minutes); later
//! runs only measure.

mod process;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gohost_bench::peers;
use gohost_build::BuildMode;
use process::{interleaved, Cmd};
use table::{named, Row, Value};

/// How many idle plugin instances the memory row keeps.
const IDLE_INSTANCES: usize = 100;
/// The compute workloads: MiB hashed, JSON round trips (fewer under the
/// interpreters, where wazero's takes about 20 ms for one).
const SHA256_MIB: u32 = 32;
const JSON_ITERS_JIT: u32 = 4000;
const JSON_ITERS_INTERPRETED: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EngineKind {
    Wasmi,
    Wasmtime,
}

impl EngineKind {
    fn name(self) -> &'static str {
        match self {
            EngineKind::Wasmi => "wasmi",
            EngineKind::Wasmtime => "wasmtime",
        }
    }
}

struct Options {
    quick: bool,
    engines: Vec<EngineKind>,
}

/// Where things are.
struct Paths {
    workspace: PathBuf,
    target: PathBuf,
    scratch: PathBuf,
}

/// The binaries that measure one engine (the same build for both).
struct EngineBins {
    kind: EngineKind,
    gohost: PathBuf,
    probe: PathBuf,
    raw_run: PathBuf,
}

impl EngineBins {
    /// A command of one of these binaries, on this engine.
    fn cmd(&self, program: &Path) -> Cmd {
        Cmd::new(program).env("GOHOST_ENGINE", self.kind.name())
    }
}

/// The Go programs.
struct Programs {
    hello: PathBuf,
    compute: PathBuf,
    compute_native: PathBuf,
    plugin: PathBuf,
    async_plugin: PathBuf,
    wazero: PathBuf,
}

/// The peers of the peer rows, built, or why not.
struct Peers {
    extism: Result<peers::Extism, String>,
    goplugin: Result<peers::GoPlugin, String>,
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!(
                "perf-table: {msg}\nusage: perf-table [--quick] [--engine wasmi|wasmtime]..."
            );
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("perf-table: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        engines: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => options.quick = true,
            "--engine" => match args.next().as_deref() {
                Some("wasmi") => options.engines.push(EngineKind::Wasmi),
                Some("wasmtime") => options.engines.push(EngineKind::Wasmtime),
                other => return Err(format!("unknown engine {other:?}")),
            },
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.engines.is_empty() {
        options.engines = vec![EngineKind::Wasmi, EngineKind::Wasmtime];
    }
    Ok(options)
}

fn progress(what: &str) {
    eprintln!("perf-table: {what}");
}

fn run(options: &Options) -> Result<(), String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace")?
        .to_owned();
    // Where gohost-build puts the guests: the target directory.
    let guests = gohost_build::out_dir();
    let target = guests.parent().ok_or("no target directory")?.to_owned();
    let paths = Paths {
        scratch: target.join("perf-table"),
        workspace,
        target,
    };
    std::fs::create_dir_all(&paths.scratch).map_err(|e| e.to_string())?;

    let programs = build_programs()?;
    let peer_hosts = build_peers(options);
    let mut rows = Vec::new();
    for &kind in &options.engines {
        let bins = build_engine(&paths, kind)?;
        measure_engine(options, &paths, &bins, &programs, &mut rows)?;
        measure_peers(options, &bins, &programs, &peer_hosts, &mut rows)?;
    }

    let text = table::markdown(&rows);
    println!("{text}");
    let file = paths.target.join("perf-table.md");
    std::fs::write(&file, &text).map_err(|e| format!("{}: {e}", file.display()))?;
    progress(&format!("table written to {}", file.display()));
    Ok(())
}

fn build_programs() -> Result<Programs, String> {
    progress("building the Go guests, the native Go program and the wazero host");
    let compute_native =
        gohost_bench::build_native(&gohost_bench::guest_dir("compute"), "compute-native");
    let wazero = gohost_bench::build_wazero_host();
    Ok(Programs {
        hello: gohost_build::build_go(
            &gohost_bench::guest_dir("hello"),
            "bench-hello",
            BuildMode::Command,
        ),
        compute: gohost_build::build_go(
            &gohost_bench::guest_dir("compute"),
            "bench-compute",
            BuildMode::Command,
        ),
        compute_native,
        plugin: gohost_bench::build_guest(),
        async_plugin: gohost_bench::build_async_guest(),
        wazero,
    })
}

/// Sets up and builds the peers; a peer that cannot be is reported, and its
/// rows say why.
fn build_peers(options: &Options) -> Peers {
    progress("setting up the peers (bench/peers/setup.sh, protoc-gen-go-plugin, go-plugin)");
    if let Err(e) = peers::run_setup_script() {
        progress(&format!("peers/setup.sh: {e}"));
    }
    let goplugin = peers::setup_goplugin();
    let extism = if options.engines.contains(&EngineKind::Wasmtime) {
        progress("building the Extism host (its own wasmtime: minutes the first time)");
        peers::build_extism()
    } else {
        Err("wasmtime is not measured in this run".to_owned())
    };
    for (name, r) in [
        ("go-plugin", goplugin.as_ref().err()),
        ("Extism", extism.as_ref().err()),
    ] {
        if let Some(e) = r {
            progress(&format!("{name} is not measured: {e}"));
        }
    }
    Peers { extism, goplugin }
}

/// Builds `gohost` and the probes (release mode, both engines; a second
/// call finds them built).
fn build_engine(paths: &Paths, kind: EngineKind) -> Result<EngineBins, String> {
    progress(&format!(
        "building gohost and the probes for {}",
        kind.name()
    ));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Cmd::new(PathBuf::from(cargo))
        .arg("build")
        .arg("--release")
        .arg("--manifest-path")
        .arg(paths.workspace.join("Cargo.toml").as_os_str())
        .arg("-p")
        .arg("gohost-cli")
        .arg("-p")
        .arg("gohost-bench")
        .arg("--bins");
    // Both engines in one build: each run picks one with GOHOST_ENGINE.
    cmd = cmd
        .arg("--features")
        .arg("gohost-bench/wasmtime")
        .arg("--target-dir")
        .arg(paths.target.as_os_str());
    let out = paths.target.join("release");
    cmd.output()?;
    Ok(EngineBins {
        kind,
        gohost: out.join("gohost"),
        probe: out.join("perf-probe"),
        raw_run: out.join(format!("raw-{}-run", kind.name())),
    })
}

fn measure_engine(
    options: &Options,
    paths: &Paths,
    bins: &EngineBins,
    programs: &Programs,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    let engine = bins.kind.name();
    let row = |what: &str, gohost: Value, baseline, peer| Row {
        engine,
        what: what.to_owned(),
        gohost,
        baseline,
        peer,
    };

    progress(&format!("{engine}: calls (perf-probe calls)"));
    let plugin = programs.plugin.as_os_str();
    let probe_cmd = |mode: &str| bins.cmd(&bins.probe).arg("--guest").arg(plugin).arg(mode);
    let mut probe = probe_cmd("calls")
        .arg("--async-guest")
        .arg(programs.async_plugin.as_os_str());
    if options.quick {
        probe = probe.arg("--quick");
    }
    for line in probe.output()?.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [what, g, base, b] = f[..] else {
            return Err(format!("perf-probe printed an odd line: {line:?}"));
        };
        let num = |s: &str| s.parse::<f64>().map_err(|e| format!("{s:?}: {e}"));
        let baseline = match base {
            "-" => None,
            name => named(name, Value::Nanos(num(b)?)),
        };
        rows.push(row(what, Value::Nanos(num(g)?), baseline, None));
    }

    let runs = if options.quick { 3 } else { 10 };
    let interp = bins.kind == EngineKind::Wasmi;
    // The peer's subcommand, on the engine paired with this one.
    let wazero = |sub: &str| {
        let c = Cmd::new(&programs.wazero).arg(sub);
        if interp {
            c.arg("--interp")
        } else {
            c
        }
    };
    let wazero_run = |cache: Option<&Path>| {
        let mut c = wazero("run");
        if let Some(dir) = cache {
            c = c.arg("--cache").arg(dir.as_os_str());
        }
        c
    };
    let peer_name = if interp {
        "wazero interpreter"
    } else {
        "wazero compiler"
    };

    // Cold start: one scenario per engine (wasmi has nothing to cache).
    let cache = paths.scratch.join(format!("cache-{engine}"));
    let hello = programs.hello.as_os_str();
    let raw_name = format!("raw-{engine}-run");
    let mut scenarios = vec![];
    match bins.kind {
        EngineKind::Wasmi => scenarios.push((
            "cold start: `gohost run` Go hello",
            bins.cmd(&bins.gohost).arg("run").arg(hello),
            bins.cmd(&bins.raw_run).arg(hello),
            wazero_run(None).arg(hello),
        )),
        EngineKind::Wasmtime => {
            scenarios.push((
                "cold start: `gohost run` Go hello, module cache warm",
                bins.cmd(&bins.gohost)
                    .arg("run")
                    .arg(hello)
                    .env("GOHOST_CACHE_DIR", cache.join("gohost").as_os_str()),
                bins.cmd(&bins.raw_run)
                    .arg("--precompiled")
                    .arg(cache.join("hello.cwasm").as_os_str())
                    .arg(hello),
                wazero_run(Some(&cache.join("wazero"))).arg(hello),
            ));
            scenarios.push((
                "cold start: `gohost run --no-cache` Go hello (compiles)",
                bins.cmd(&bins.gohost)
                    .arg("run")
                    .arg("--no-cache")
                    .arg(hello),
                bins.cmd(&bins.raw_run).arg(hello),
                wazero_run(None).arg(hello),
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&cache);
    std::fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    for (i, (what, g, b, p)) in scenarios.iter().enumerate() {
        progress(&format!("{engine}: {what}"));
        let s = interleaved(runs, &[g, b, p])?;
        rows.push(row(
            what,
            Value::Nanos(s[0].wall_ns),
            named(&raw_name, Value::Nanos(s[1].wall_ns)),
            named(peer_name, Value::Nanos(s[2].wall_ns)),
        ));
        if i == 0 {
            rows.push(row(
                "peak memory: `gohost run` Go hello",
                Value::KiB(s[0].peak_kib),
                named(&raw_name, Value::KiB(s[1].peak_kib)),
                named(peer_name, Value::KiB(s[2].peak_kib)),
            ));
        }
    }

    // Compute against native Go (and the peer).
    // Seconds each under the interpreters: one run is enough there.
    let compute_runs = if options.quick || interp { 1 } else { 3 };
    let iters = if interp {
        JSON_ITERS_INTERPRETED
    } else {
        JSON_ITERS_JIT
    };
    let (mib, iters) = if options.quick {
        (SHA256_MIB / 8, iters / 8)
    } else {
        (SHA256_MIB, iters)
    };
    let workloads = [
        (
            format!("compute: sha256 of {mib} MiB"),
            vec!["sha256".to_owned(), mib.to_string()],
        ),
        (
            format!("compute: JSON encode + decode x{iters}"),
            vec!["json".to_owned(), iters.to_string()],
        ),
    ];
    for (what, args) in &workloads {
        progress(&format!("{engine}: {what}"));
        let with_args = |mut c: Cmd| {
            for a in args {
                c = c.arg(a.as_str());
            }
            c
        };
        let wasm = programs.compute.as_os_str();
        let mut g = bins.cmd(&bins.gohost).arg("run");
        if bins.kind == EngineKind::Wasmtime {
            g = g.env("GOHOST_CACHE_DIR", cache.join("gohost").as_os_str());
        }
        let g = with_args(g.arg(wasm));
        let n = with_args(Cmd::new(&programs.compute_native));
        let cached = (!interp).then(|| cache.join("wazero"));
        let p = with_args(wazero_run(cached.as_deref()).arg(wasm));
        let s = interleaved(compute_runs, &[&g, &n, &p])?;
        rows.push(row(
            what,
            Value::Nanos(s[0].wall_ns),
            named("native Go, -tags purego", Value::Nanos(s[1].wall_ns)),
            named(peer_name, Value::Nanos(s[2].wall_ns)),
        ));
    }

    // Idle plugin instances: the peak of N, and what each adds to one.
    progress(&format!("{engine}: {IDLE_INSTANCES} idle plugin instances"));
    let idle = |n: usize| -> Result<Vec<process::Stats>, String> {
        let n = n.to_string();
        interleaved(
            if options.quick { 1 } else { 3 },
            &[
                &probe_cmd("instances").arg(n.as_str()),
                &probe_cmd("raw-instances").arg(n.as_str()),
                &wazero("instances").arg(n.as_str()).arg(plugin),
            ],
        )
    };
    let one = idle(1)?;
    let many = idle(IDLE_INSTANCES)?;
    let per = |i: usize| {
        Value::KiB(many[i].peak_kib.saturating_sub(one[i].peak_kib) / (IDLE_INSTANCES as u64 - 1))
    };
    rows.push(row(
        &format!("peak memory: {IDLE_INSTANCES} idle plugin instances"),
        Value::KiB(many[0].peak_kib),
        named(format!("raw {engine}"), Value::KiB(many[1].peak_kib)),
        named(peer_name, Value::KiB(many[2].peak_kib)),
    ));
    rows.push(row(
        "memory per idle plugin instance",
        per(0),
        named(format!("raw {engine}"), per(1)),
        named(peer_name, per(2)),
    ));
    Ok(())
}

/// The host processes of one peer on one engine.
struct PeerRun {
    name: String,
    calls: Result<Cmd, String>,
    instances: Option<Box<dyn Fn(usize) -> Cmd>>,
}

/// The peer rows: gohost (`perf-probe peers`) against each peer host, each
/// process run in turns; every figure a median. A peer's row is reported
/// only when its answer is gohost's.
fn measure_peers(
    options: &Options,
    bins: &EngineBins,
    programs: &Programs,
    hosts: &Peers,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    let engine = bins.kind.name();
    let interp = bins.kind == EngineKind::Wasmi;
    let quick = |c: Cmd| if options.quick { c.arg("--quick") } else { c };
    let plugin = programs.plugin.as_os_str();
    let probe = |mode: &str| bins.cmd(&bins.probe).arg("--guest").arg(plugin).arg(mode);

    let mut runs = Vec::new();
    if !interp {
        runs.push(PeerRun {
            name: "Extism 1.30.0 on wasmtime 43; JSON records".to_owned(),
            calls: hosts
                .extism
                .as_ref()
                .map_err(Clone::clone)
                .map(|e| quick(Cmd::new(&e.host).arg("calls")).arg(e.plugin.as_os_str())),
            instances: hosts.extism.as_ref().ok().map(|e| {
                let e = e.clone();
                Box::new(move |n: usize| {
                    Cmd::new(&e.host)
                        .arg("instances")
                        .arg(n.to_string())
                        .arg(e.plugin.as_os_str())
                }) as Box<dyn Fn(usize) -> Cmd>
            }),
        });
    }
    let wazero_mode = if interp { "interpreter" } else { "compiler" };
    let goplugin_cmd = |g: &peers::GoPlugin, sub: &str| {
        let c = Cmd::new(&g.host).arg(sub);
        if interp {
            c.arg("--interp")
        } else {
            c
        }
    };
    runs.push(PeerRun {
        name: format!(
            "go-plugin {} on wazero 1.11 {wazero_mode}; protobuf",
            peers::GOPLUGIN_VERSION
        ),
        calls: hosts
            .goplugin
            .as_ref()
            .map_err(Clone::clone)
            .map(|g| quick(goplugin_cmd(g, "calls")).arg(g.plugin.as_os_str())),
        instances: hosts.goplugin.as_ref().ok().map(|g| {
            let g = g.clone();
            Box::new(move |n: usize| {
                let c = Cmd::new(&g.host).arg("instances");
                let c = if interp { c.arg("--interp") } else { c };
                c.arg(n.to_string()).arg(g.plugin.as_os_str())
            }) as Box<dyn Fn(usize) -> Cmd>
        }),
    });

    // The calls, in turns: gohost, then each peer, `rounds` times.
    progress(&format!(
        "{engine}: peer rows (gohost, {})",
        runs.iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let rounds = if options.quick { 1 } else { 3 };
    let gohost_cmd = quick(probe("peers"));
    let mut gohost_figures = Vec::new();
    let mut peer_figures: Vec<Result<Vec<peers::Figure>, String>> = runs
        .iter()
        .map(|r| r.calls.clone().map(|_| Vec::new()))
        .collect();
    for _ in 0..rounds {
        gohost_figures.extend(peers::parse_figures(&gohost_cmd.output()?)?);
        for (run, figures) in runs.iter().zip(&mut peer_figures) {
            let (Ok(cmd), Ok(list)) = (&run.calls, figures.as_mut()) else {
                continue;
            };
            match cmd.output().and_then(|out| peers::parse_figures(&out)) {
                Ok(f) => list.extend(f),
                Err(e) => *figures = Err(e),
            }
        }
    }
    let expected = peers::expected_answers();
    let gohost = |row: &str| -> Result<(f64, String), String> {
        median_of(&gohost_figures, row)
            .ok_or_else(|| format!("perf-probe peers printed no {row} row"))
    };
    let titles = [
        format!(
            "peers: host call text_len(string) -> number, in a guest loop of {}",
            peers::CALLS
        ),
        "peers: plugin call, a record of two strings and a number in and out".to_owned(),
        "peers: new instance + Go runtime start + first plugin call".to_owned(),
    ];
    for ((row, want), title) in expected.iter().zip(&titles) {
        let (g_ns, g_answer) = gohost(row)?;
        if &g_answer != want {
            return Err(format!(
                "gohost's {row} answer is {g_answer:?}, not {want:?}"
            ));
        }
        for (run, figures) in runs.iter().zip(&peer_figures) {
            let value = match figures {
                Err(e) => Value::NotMeasured(e.clone()),
                Ok(list) => match median_of(list, row) {
                    None => Value::NotMeasured(format!("no {row} row")),
                    Some((_, answer)) if answer != g_answer => Value::NotMeasured(format!(
                        "answers differ: gohost {g_answer:?}, peer {answer:?}"
                    )),
                    Some((ns, _)) => Value::Nanos(ns),
                },
            };
            rows.push(Row {
                engine,
                what: title.clone(),
                gohost: Value::Nanos(g_ns),
                baseline: None,
                peer: named(run.name.clone(), value),
            });
        }
    }

    // Memory per idle instance (each after one plugin call): the peak of
    // N less the peak of one, over N - 1.
    progress(&format!(
        "{engine}: peer rows, {IDLE_INSTANCES} idle instances"
    ));
    let measured: Vec<&PeerRun> = runs
        .iter()
        .zip(&peer_figures)
        .filter(|(r, f)| f.is_ok() && r.instances.is_some())
        .map(|(r, _)| r)
        .collect();
    let idle = |n: usize| -> Result<Vec<process::Stats>, String> {
        let mut cmds = vec![probe("peer-instances").arg(n.to_string())];
        cmds.extend(
            measured
                .iter()
                .filter_map(|r| r.instances.as_ref().map(|f| f(n))),
        );
        interleaved(
            if options.quick { 1 } else { 3 },
            &cmds.iter().collect::<Vec<_>>(),
        )
    };
    let one = idle(1)?;
    let many = idle(IDLE_INSTANCES)?;
    let per = |i: usize| {
        Value::KiB(many[i].peak_kib.saturating_sub(one[i].peak_kib) / (IDLE_INSTANCES as u64 - 1))
    };
    let mut measured_index = 1;
    for (run, figures) in runs.iter().zip(&peer_figures) {
        let value = match figures {
            Err(e) => Value::NotMeasured(e.clone()),
            Ok(_) => {
                measured_index += 1;
                per(measured_index - 1)
            }
        };
        rows.push(Row {
            engine,
            what: format!(
                "peers: memory per idle plugin instance, after one call ({IDLE_INSTANCES} kept)"
            ),
            gohost: per(0),
            baseline: None,
            peer: named(run.name.clone(), value),
        });
    }
    Ok(())
}

/// The median nanoseconds of `row` in `figures`, and its answer when all
/// runs agree (else the first that differs from the first).
fn median_of(figures: &[peers::Figure], row: &str) -> Option<(f64, String)> {
    let of_row: Vec<&peers::Figure> = figures.iter().filter(|f| f.row == row).collect();
    let first = of_row.first()?;
    let answer = of_row
        .iter()
        .find(|f| f.answer != first.answer)
        .map_or(&first.answer, |f| &f.answer)
        .clone();
    let ns = gohost_bench::measure::median(of_row.iter().map(|f| f.nanos).collect());
    Some((ns, answer))
}
