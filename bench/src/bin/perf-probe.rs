//! The in-process half of the performance table (`perf-table` runs it once
//! per engine): each measurement through gohost next to the same work on
//! the raw engine, timed alternately in one process.
//!
//! ```text
//! perf-probe calls [--quick]   host calls, export calls, new instances
//! perf-probe instances N       keep N started instances of the benchmark guest
//! perf-probe raw-instances N   the same on the raw engine
//! ```
//!
//! Each takes `--guest FILE`, the benchmark guest already built (what
//! `perf-table` passes, so that no `go build` runs inside a measured
//! process); without it the guest is built first.
//!
//! `calls` prints one tab-separated row per measurement: what, gohost's
//! nanoseconds, the baseline (`-` for none), the baseline's nanoseconds. The `instances`
//! modes print `instances N: peak RSS K KiB` (the process's high-water
//! mark, read from `/proc/self/status`).

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;

use gohost::{Engine, Module};
use gohost_bench::raw::RawModule;
use gohost_bench::{benchapi, gohost_instance, gohost_linker, measure};

/// Calls per guest loop: each host-call figure is one loop divided by this.
const N: i32 = 1000;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let guest = match args.iter().position(|a| a == "--guest") {
        Some(i) if i + 1 < args.len() => {
            PathBuf::from(args.drain(i..=i + 1).nth(1).unwrap_or_default())
        }
        Some(_) => return usage(),
        None => gohost_bench::build_guest(),
    };
    let wasm = std::fs::read(&guest)
        .unwrap_or_else(|e| panic!("read the benchmark guest {}: {e}", guest.display()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["calls"] => calls(&wasm, 15),
        ["calls", "--quick"] => calls(&wasm, 3),
        ["instances", n] | ["raw-instances", n] => match n.parse::<usize>() {
            Ok(n) => instances(&wasm, n, args[0] == "raw-instances"),
            Err(_) => return usage(),
        },
        _ => return usage(),
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: perf-probe calls [--quick] | instances N | raw-instances N, each with [--guest FILE]"
    );
    ExitCode::from(2)
}

/// The baseline of a row that has none.
const NONE: &str = "-";

fn row(what: &str, gohost_ns: f64, baseline: &str, baseline_ns: f64) {
    println!("{what}\t{gohost_ns:.1}\t{baseline}\t{baseline_ns:.1}");
}

fn calls(wasm: &[u8], samples: usize) {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, wasm).expect("compile the benchmark guest");
    let linker = gohost_linker(&engine);
    let mut typed = gohost_instance(&linker, &module);
    let raw_module = RawModule::new(wasm);
    let mut raw = raw_module.instantiate();
    let raw_name = format!("raw {}, hand-written func_wrap", gohost::ENGINE_NAME);

    let raw_text = "raw string call";
    let cases: &[(&str, &str, &str, &str, Option<i32>)] = &[
        (
            "host call: scalar add(i32, i32) -> i32",
            "loop_typed_add",
            &raw_name,
            "loop_raw_add",
            None,
        ),
        (
            "host call: string text_len(&str) -> u32",
            "loop_typed_text",
            &raw_name,
            "loop_raw_text",
            None,
        ),
        (
            "host call: the raw string function, registered with gohost's Linker::func_wrap",
            "loop_raw_text",
            &raw_name,
            "loop_raw_text",
            None,
        ),
        (
            "host call: &[u8] of 1 KiB",
            "loop_typed_bytes",
            &raw_name,
            "loop_raw_bytes",
            Some(1 << 10),
        ),
        (
            "host call: &[u8] of 64 KiB",
            "loop_typed_bytes",
            &raw_name,
            "loop_raw_bytes",
            Some(64 << 10),
        ),
        (
            "host call: 3-field record round trip shift(Point{x, y: f64, name: String}) -> Point",
            "loop_typed_record",
            raw_text,
            "loop_raw_text",
            None,
        ),
        (
            "host call: 3-field record round trip nudge(Vec3{x, y, z: f64}) -> Vec3",
            "loop_typed_vec3",
            raw_text,
            "loop_raw_text",
            None,
        ),
        (
            "host call: error path, refuse(u32) -> Result<u32, BenchError>, always Err",
            "loop_typed_error",
            "raw: host writes the message, Go makes an error of it",
            "loop_raw_error",
            None,
        ),
    ];
    for &(what, typed_export, baseline, raw_export, size) in cases {
        let (g, r) = measure::pair(
            samples,
            || {
                black_box(gohost_bench::call_loop(&mut typed, typed_export, N, size))
                    .expect("typed loop");
            },
            || {
                black_box(raw.call_loop(raw_export, N, size));
            },
        );
        row(what, g / f64::from(N), baseline, r / f64::from(N));
    }

    // What the guest side costs under this engine, for reading the rows
    // above: one non-inlined Go call, one small Go string allocation (each
    // loop less the empty loop).
    let go_floor = |typed: &mut gohost::Instance<()>, export: &str| {
        // Both loops run in the one instance, so the closures share it.
        let cell = std::cell::RefCell::new(typed);
        let run = |export: &str| {
            black_box(cell.borrow_mut().call::<(i32,), i32>(export, (N,))).expect("loop");
        };
        let (with, without) = measure::pair(samples, || run(export), || run("loop_empty"));
        (with - without).max(0.0) / f64::from(N)
    };
    let call = go_floor(&mut typed, "loop_go_call");
    row(
        "guest alone: one non-inlined Go function call",
        call,
        NONE,
        0.0,
    );
    let alloc = go_floor(&mut typed, "loop_alloc_string");
    row(
        "guest alone: one 6-byte Go string allocation",
        alloc,
        NONE,
        0.0,
    );

    let (g, r) = measure::pair(
        samples,
        || {
            black_box(benchapi::exports::guest_add(&mut typed, black_box(2), 3))
                .expect("guest_add");
        },
        || {
            black_box(raw.guest_add(black_box(2), 3));
        },
    );
    row(
        "export call: scalar guest_add(i32, i32) -> i32, typed client",
        g,
        &format!("raw {} TypedFunc::call", gohost::ENGINE_NAME),
        r,
    );
    let point = benchapi::Point {
        x: 1.0,
        y: 2.0,
        name: "origin".into(),
    };
    let (g, r) = measure::pair(
        samples,
        || {
            black_box(benchapi::exports::guest_shift(
                &mut typed,
                black_box(&point),
            ))
            .expect("guest_shift");
        },
        || {
            black_box(raw.guest_add(black_box(2), 3));
        },
    );
    row(
        "export call: record guest_shift(&Point) -> Point, typed client",
        g,
        "raw scalar export call",
        r,
    );

    let (g, r) = measure::pair(
        samples.min(10),
        || {
            black_box(gohost_instance(&linker, &module));
        },
        || {
            black_box(raw_module.instantiate());
        },
    );
    row(
        "new instance + Go runtime start (_initialize)",
        g,
        &format!("raw {}", gohost::ENGINE_NAME),
        r,
    );
}

/// Starts `n` instances of the benchmark guest and keeps them while the
/// peak memory is read.
fn instances(wasm: &[u8], n: usize, raw: bool) {
    let kept = if raw {
        let module = RawModule::new(wasm);
        (0..n)
            .map(|_| Box::new(module.instantiate()) as Box<dyn std::any::Any>)
            .collect::<Vec<_>>()
    } else {
        let engine = Engine::default();
        let module = Module::from_bytes(&engine, wasm).expect("compile the benchmark guest");
        let linker = gohost_linker(&engine);
        (0..n)
            .map(|_| Box::new(gohost_instance(&linker, &module)) as Box<dyn std::any::Any>)
            .collect()
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map_or("unknown".into(), |v| {
            v.trim().trim_end_matches(" kB").to_owned()
        });
    println!("instances {}: peak RSS {peak} KiB", kept.len());
}
