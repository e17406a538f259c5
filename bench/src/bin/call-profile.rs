//! A small driver for instruction counts of one host-call loop, for
//! `valgrind --tool=callgrind`, which counts repeatably where wall-clock
//! timings are noisy:
//!
//! ```text
//! cargo build --release -p gohost-bench --bin call-profile
//! valgrind --tool=callgrind --toggle-collect='*call_profile*measured*' \
//!     target/release/call-profile loop_typed_text 1000
//! ```
//!
//! It instantiates the benchmark guest on gohost (the generated `benchapi`
//! glue, plus `raw.*` imports written with gohost's own `func_wrap`), warms
//! the export up with one iteration (lazy compilation), then runs it once
//! with `n` iterations inside `measured`, the function to collect.
//! Arguments: export name, n, and for the byte-slice loops the slice size.
//! The name `export_calls` instead makes `n` typed calls of the guest's
//! scalar export `guest_add` from the host, `export_records` of its record
//! export `guest_shift`, and `instances` creates and starts `n` instances.
//!
//! Options, before the export's name: `--roomy-thread` runs it all on a
//! thread with 16 MiB of stack (wasmtime calls into the guest then run in
//! place; from the main thread's 8 MiB they switch to a spare stack, see
//! `docs/engines.md`, "Call stack"); `--raw-engine` runs the guest's loop
//! against the hand-written host on the raw engine, the baseline of the
//! performance table's host-call rows; `--untraced` registers the `raw.*`
//! host functions without their `tracing` spans (`func_wrap_untraced`),
//! `--listening` runs the loop with a subscriber that takes every span and
//! keeps nothing; what a span costs a host call, with nothing listening or
//! with a subscriber:
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*call_profile*measured*' \
//!     target/release/call-profile [--untraced] [--listening] loop_raw_add 1000
//! ```
//!
//! `--async` runs an export of the async-call guest (`guests/asynccalls`:
//! `loop_async_add`, the async host function that completes at once, or
//! `loop_sync_add`, the sync one) with `call_async` on a current-thread
//! Tokio runtime, on an interruptible engine, as `perf-probe` does:
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*call_profile*measured*' \
//!     target/release/call-profile --async loop_async_add 10000
//! ```
//!
//! The engine is the default one: wasmi, or wasmtime with
//! `GOHOST_ENGINE=wasmtime` in a build with `--features wasmtime`.

use gohost::{Engine, Instance, Linker, Module};
use gohost_bench::raw::{RawGuest, RawModule};
use gohost_bench::{
    async_engine, async_linker, benchapi, gohost_async_instance, gohost_instance, gohost_linker,
    gohost_linker_untraced, Listening,
};

/// What callgrind counts of the raw baselines: `n` raw export calls, or
/// the guest's loop `export` against the hand-written raw host.
#[inline(never)]
fn measured_raw(raw: &mut RawGuest, export: &str, n: i32, size: Option<i32>) -> i32 {
    run_raw(raw, export, n, size)
}

fn run_raw(raw: &mut RawGuest, export: &str, n: i32, size: Option<i32>) -> i32 {
    if export == RAW_EXPORT_CALLS {
        return raw.guest_add_calls(n);
    }
    raw.call_loop(export, n, size)
}

/// What callgrind counts of `--async`: one async call of `export(n)`.
#[inline(never)]
fn measured_async(rt: &tokio::runtime::Runtime, i: &mut Instance<()>, export: &str, n: i32) -> i32 {
    run_async(rt, i, export, n)
}

fn run_async(rt: &tokio::runtime::Runtime, i: &mut Instance<()>, export: &str, n: i32) -> i32 {
    rt.block_on(i.call_async::<(i32,), i32>(export, (n,)))
        .expect("async call")
}

/// The `--async` mode: the async-call guest on an interruptible engine.
fn main_async(export: &str, n: i32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let wasm = std::fs::read(gohost_bench::build_async_guest()).expect("read async guest");
    let engine = async_engine();
    let module = Module::from_bytes(&engine, &wasm).expect("module");
    let linker = async_linker(&engine);
    let mut i = rt.block_on(gohost_async_instance(&linker, &module));
    // Warm up: lazy compilation of what is measured.
    run_async(&rt, &mut i, export, 1);
    let r = measured_async(&rt, &mut i, export, n);
    println!("{export}({n}) = {r}");
}

/// What callgrind counts: `run`, and nothing before it.
#[inline(never)]
fn measured(
    guest: (&Linker<()>, &Module),
    i: &mut Instance<()>,
    export: &str,
    n: i32,
    size: Option<i32>,
) -> i32 {
    run(guest, i, export, n, size)
}

fn run(
    (linker, module): (&Linker<()>, &Module),
    i: &mut Instance<()>,
    export: &str,
    n: i32,
    size: Option<i32>,
) -> i32 {
    if export == INSTANCES {
        return (0..n)
            .map(|_| gohost_instance(linker, module).open_handles() as i32)
            .sum();
    }
    if export == EXPORT_CALLS {
        return (0..n)
            .map(|k| benchapi::exports::guest_add(i, k, 1).expect("guest_add"))
            .fold(0, i32::wrapping_add);
    }
    if export == EXPORT_RECORDS {
        let mut p = point();
        for _ in 0..n {
            p = benchapi::exports::guest_shift(i, &p).expect("guest_shift");
        }
        return p.x as i32;
    }
    gohost_bench::call_loop(i, export, n, size).expect("call")
}

fn point() -> benchapi::Point {
    benchapi::Point {
        x: 1.0,
        y: 2.0,
        name: "origin".into(),
    }
}

/// The pseudo-export that makes `n` typed export calls from the host
/// instead of one guest loop.
const EXPORT_CALLS: &str = "export_calls";

/// The pseudo-export that makes `n` calls of the guest's record export
/// `guest_shift` from the host.
const EXPORT_RECORDS: &str = "export_records";

/// The pseudo-export that makes `n` raw export calls of `guest_add`.
const RAW_EXPORT_CALLS: &str = "raw_export_calls";

/// The pseudo-export that creates and starts `n` instances.
const INSTANCES: &str = "instances";

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut options = Options::default();
    let mut roomy = false;
    while let Some(flag) = args.next_if(|a| a.starts_with("--")) {
        match flag.as_str() {
            "--untraced" => options.untraced = true,
            "--listening" => options.listening = true,
            "--roomy-thread" => roomy = true,
            "--raw-engine" => options.raw_engine = true,
            "--async" => options.asynchronous = true,
            other => panic!("unknown option {other}"),
        }
    }
    let args: Vec<String> = args.collect();
    if roomy {
        // A thread with room for all a guest may use: calls into the guest
        // run in place, where the main thread's 8 MiB makes wasmtime calls
        // switch to a spare stack (`native_stack`).
        std::thread::Builder::new()
            .stack_size(ROOMY_STACK)
            .spawn(move || profile(args.into_iter(), options))
            .expect("spawn the profiling thread")
            .join()
            .expect("the profiling thread panicked");
    } else {
        profile(args.into_iter(), options);
    }
}

/// The stack of `--roomy-thread`: more than the 8 MiB a guest may use on
/// wasmtime plus the host's room.
const ROOMY_STACK: usize = 16 << 20;

/// The options that change what is profiled (see the module docs).
#[derive(Debug, Default, Clone, Copy)]
struct Options {
    untraced: bool,
    listening: bool,
    raw_engine: bool,
    asynchronous: bool,
}

fn profile(mut args: impl Iterator<Item = String>, options: Options) {
    let Options {
        untraced,
        listening,
        raw_engine,
        asynchronous,
    } = options;
    let export = args.next().unwrap_or_else(|| "loop_typed_text".into());
    let n: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let size: Option<i32> = args.next().and_then(|a| a.parse().ok());
    if asynchronous {
        return main_async(&export, n);
    }
    let wasm = std::fs::read(gohost_bench::build_guest()).expect("read guest");
    if raw_engine || export == RAW_EXPORT_CALLS {
        let mut raw = RawModule::new(&wasm).instantiate();
        // Warm up, as below.
        run_raw(&mut raw, &export, 1, size);
        let r = measured_raw(&mut raw, &export, n, size);
        println!("{export}({n}) = {r}");
        return;
    }
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &wasm).expect("module");
    let linker = if untraced {
        gohost_linker_untraced(&engine)
    } else {
        gohost_linker(&engine)
    };
    let mut i = gohost_instance(&linker, &module);
    let _listening = listening.then(|| tracing::subscriber::set_default(Listening));
    // Warm up: lazy compilation of what is measured.
    run((&linker, &module), &mut i, &export, 1, size);
    let r = measured((&linker, &module), &mut i, &export, n, size);
    println!("{export}({n}) = {r}");
}
