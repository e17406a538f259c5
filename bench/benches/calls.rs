//! Host calls, export calls and instance creation through gohost, each next
//! to the same work done with the raw engine (wasmi, or wasmtime with
//! `GOHOST_ENGINE=wasmtime` and the `wasmtime` feature) in the same run,
//! with criterion's statistics.
//! `perf-table` measures the same things with less ceremony.
//!
//! Every host-call benchmark runs a guest export that loops 1000 times over
//! one call, so criterion's per-element time is the time of one call plus
//! the guest's loop (`loop_only` measures that loop alone).
//!
//! `async_host_call` runs the async guest's loops by `call_async`.
//!
//! ```text
//! cargo bench -p gohost-bench --bench calls
//! GOHOST_ENGINE=wasmtime cargo bench -p gohost-bench --bench calls --features wasmtime
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gohost::{Engine, Module};
use gohost_bench::raw::RawModule;
use gohost_bench::{benchapi, gohost_instance, gohost_linker};

const N: i32 = 1000;

fn host_calls(c: &mut Criterion) {
    let wasm = std::fs::read(gohost_bench::build_guest()).expect("read guest");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &wasm).expect("module");
    let linker = gohost_linker(&engine);
    let mut typed = gohost_instance(&linker, &module);
    let raw_module = RawModule::new(&wasm);
    let mut raw = raw_module.instantiate();
    let raw_name = format!("raw_{}", raw_module.engine_name());

    let mut group = c.benchmark_group("host_call");
    group.throughput(Throughput::Elements(N as u64));
    let cases: &[(&str, &str, &str, Option<i32>)] = &[
        ("loop_only", "loop_empty", "loop_empty", None),
        ("scalar", "loop_typed_add", "loop_raw_add", None),
        ("string", "loop_typed_text", "loop_raw_text", None),
        (
            "bytes_1k",
            "loop_typed_bytes",
            "loop_raw_bytes",
            Some(1 << 10),
        ),
        (
            "bytes_64k",
            "loop_typed_bytes",
            "loop_raw_bytes",
            Some(64 << 10),
        ),
        (
            "record_3_fields",
            "loop_typed_record",
            "loop_raw_text",
            None,
        ),
        ("error_path", "loop_typed_error", "loop_raw_error", None),
    ];
    for &(name, typed_export, raw_export, size) in cases {
        group.bench_function(format!("{name}/gohost"), |b| {
            b.iter(|| gohost_bench::call_loop(&mut typed, typed_export, N, size))
        });
        group.bench_function(format!("{name}/{raw_name}"), |b| {
            b.iter(|| raw.call_loop(raw_export, N, size))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("export_call");
    group.bench_function("scalar/gohost_typed", |b| {
        b.iter(|| benchapi::exports::guest_add(&mut typed, black_box(2), 3).expect("guest_add"))
    });
    group.bench_function(format!("scalar/{raw_name}"), |b| {
        b.iter(|| raw.guest_add(black_box(2), 3))
    });
    let point = benchapi::Point {
        x: 1.0,
        y: 2.0,
        name: "origin".into(),
    };
    group.bench_function("record/gohost_typed", |b| {
        b.iter(|| {
            benchapi::exports::guest_shift(&mut typed, black_box(&point)).expect("guest_shift")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("instance");
    group.sample_size(20);
    group.bench_function("gohost", |b| b.iter(|| gohost_instance(&linker, &module)));
    group.bench_function(&raw_name, |b| b.iter(|| raw_module.instantiate()));
    group.finish();
}

/// Async host calls: the async guest's loops over an async host function
/// (ready at once) and a sync one, each run by `call_async`, next to the
/// sync loop run by `call` (`perf-table` has the same rows, and the pool's
/// throughput).
fn async_host_calls(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let wasm = std::fs::read(gohost_bench::build_guest()).expect("read guest");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &wasm).expect("module");
    let mut typed = gohost_instance(&gohost_linker(&engine), &module);
    let async_wasm = std::fs::read(gohost_bench::build_async_guest()).expect("read async guest");
    let async_engine = gohost_bench::async_engine();
    let async_module = Module::from_bytes(&async_engine, &async_wasm).expect("module");
    let linker = gohost_bench::async_linker(&async_engine);
    let mut instance = rt.block_on(gohost_bench::gohost_async_instance(&linker, &async_module));

    let mut group = c.benchmark_group("async_host_call");
    group.throughput(Throughput::Elements(N as u64));
    for (name, export) in [
        ("async_add/gohost_call_async", "loop_async_add"),
        ("sync_add/gohost_call_async", "loop_sync_add"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(instance.call_async::<(i32,), i32>(export, (N,)))
                    .expect("async loop")
            })
        });
    }
    group.bench_function("sync_add/gohost_call", |b| {
        b.iter(|| gohost_bench::call_loop(&mut typed, "loop_typed_add", N, None))
    });
    group.finish();
}

criterion_group!(benches, host_calls, async_host_calls);
criterion_main!(benches);
