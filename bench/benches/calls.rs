//! Host calls, export calls and instance creation through gohost, each next
//! to the same work done with raw wasmi in the same run.
//!
//! Every host-call benchmark runs a guest export that loops 1000 times over
//! one call, so criterion's per-element time is the time of one call plus
//! the guest's loop (`loop_empty` measures that loop alone).
//!
//! ```text
//! cargo bench -p gohost-bench --bench calls
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gohost::{Engine, Module};
use gohost_bench::{benchapi, gohost_instance};
use wasmi_wasi::WasiCtx;

const N: i32 = 1000;

/// What the raw wasmi host keeps: WASI and the memory export, resolved once
/// (the best a hand-written host does).
struct Raw {
    wasi: WasiCtx,
    memory: Option<wasmi::Memory>,
}

fn raw_memory<'a>(
    c: &'a mut wasmi::Caller<'_, Raw>,
) -> Result<(&'a mut [u8], &'a mut Raw), wasmi::Error> {
    let m = c
        .data()
        .memory
        .ok_or_else(|| wasmi::Error::new("no memory"))?;
    Ok(m.data_and_store_mut(c))
}

fn raw_range(data: &[u8], p: i32, l: i32) -> Option<&[u8]> {
    let (p, l) = (p as u32 as usize, l as u32 as usize);
    data.get(p..p.checked_add(l)?)
}

/// The same guest on raw wasmi with hand-written `func_wrap` functions;
/// `benchapi.*` are stubs that do nothing (the raw loops never call them).
fn raw_instance(
    engine: &wasmi::Engine,
    module: &wasmi::Module,
) -> (wasmi::Store<Raw>, wasmi::Instance) {
    let mut linker = wasmi::Linker::<Raw>::new(engine);
    wasmi_wasi::add_to_linker(&mut linker, |r: &mut Raw| &mut r.wasi).expect("wasi");
    linker
        .func_wrap("raw", "add", |a: i32, b: i32| a.wrapping_add(b))
        .expect("add");
    linker
        .func_wrap(
            "raw",
            "text_len",
            |mut c: wasmi::Caller<'_, Raw>, p: i32, l: i32| -> Result<i32, wasmi::Error> {
                let (data, _) = raw_memory(&mut c)?;
                Ok(raw_range(data, p, l)
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .map_or(-1, |s| s.len() as i32))
            },
        )
        .expect("text_len");
    linker
        .func_wrap(
            "raw",
            "bytes_len",
            |mut c: wasmi::Caller<'_, Raw>, p: i32, l: i32| -> Result<i32, wasmi::Error> {
                let (data, _) = raw_memory(&mut c)?;
                Ok(raw_range(data, p, l).map_or(-1, |b| {
                    b.len() as i32 + i32::from(b.first().copied().unwrap_or(0))
                }))
            },
        )
        .expect("bytes_len");
    let mut store = wasmi::Store::new(
        engine,
        Raw {
            wasi: wasmi_wasi::WasiCtxBuilder::new().build(),
            memory: None,
        },
    );
    for import in module.imports() {
        if import.module() == "benchapi" {
            if let wasmi::ExternType::Func(ty) = import.ty() {
                // Results stay the engine's zero values; the benchmark loops of
                // the raw host never call these (only the guest's `init` does).
                let stub = wasmi::Func::new(&mut store, ty.clone(), |_, _, _| Ok(()));
                linker
                    .define(import.module(), import.name(), stub)
                    .expect("stub");
            }
        }
    }
    let instance = linker
        .instantiate_and_start(&mut store, module)
        .expect("instantiate");
    store.data_mut().memory = instance.get_memory(&store, "memory");
    instance
        .get_typed_func::<(), ()>(&store, "_initialize")
        .and_then(|f| f.call(&mut store, ()))
        .expect("_initialize");
    (store, instance)
}

fn host_calls(c: &mut Criterion) {
    let wasm_path = gohost_bench::build_guest();
    let wasm = std::fs::read(&wasm_path).expect("read guest");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &wasm).expect("module");
    let mut typed = gohost_instance(&engine, &module);
    let raw_engine =
        wasmi::Engine::new(wasmi::Config::default().compilation_mode(wasmi::CompilationMode::Lazy));
    let raw_module = wasmi::Module::new(&raw_engine, &wasm).expect("module");
    let (mut raw_store, raw) = raw_instance(&raw_engine, &raw_module);

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
        ("error_path", "loop_typed_error", "loop_raw_text", None),
    ];
    for &(name, typed_export, raw_export, size) in cases {
        group.bench_function(format!("{name}/gohost"), |b| {
            b.iter(|| match size {
                Some(s) => typed.call::<(i32, i32), i32>(typed_export, (N, s)),
                None => typed.call::<(i32,), i32>(typed_export, (N,)),
            })
        });
        group.bench_function(format!("{name}/raw_wasmi"), |b| match size {
            Some(s) => {
                let f = raw
                    .get_typed_func::<(i32, i32), i32>(&raw_store, raw_export)
                    .expect("export");
                b.iter(|| f.call(&mut raw_store, (N, s)).expect("call"))
            }
            None => {
                let f = raw
                    .get_typed_func::<i32, i32>(&raw_store, raw_export)
                    .expect("export");
                b.iter(|| f.call(&mut raw_store, N).expect("call"))
            }
        });
    }
    group.finish();

    let mut group = c.benchmark_group("export_call");
    group.bench_function("scalar/gohost_typed", |b| {
        b.iter(|| benchapi::exports::guest_add(&mut typed, black_box(2), 3).expect("guest_add"))
    });
    let add = raw
        .get_typed_func::<(i32, i32), i32>(&raw_store, "guest_add")
        .expect("export");
    group.bench_function("scalar/raw_wasmi", |b| {
        b.iter(|| add.call(&mut raw_store, (black_box(2), 3)).expect("call"))
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
    group.bench_function("gohost", |b| b.iter(|| gohost_instance(&engine, &module)));
    group.bench_function("raw_wasmi", |b| {
        b.iter(|| raw_instance(&raw_engine, &raw_module))
    });
    group.finish();
}

criterion_group!(benches, host_calls);
criterion_main!(benches);
