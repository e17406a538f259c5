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

use gohost::{Caller, Engine, Instance, Linker, Module, Trap, WasiConfig};
use gohost_bench::benchapi;

fn instance(engine: &Engine, module: &Module) -> Instance<()> {
    let mut linker = Linker::<()>::new(engine);
    benchapi::add_to_linker(&mut linker).expect("benchapi");
    linker
        .func_wrap(
            "raw",
            "add",
            |_: Caller<'_, ()>, a: i32, b: i32| -> Result<i32, Trap> { Ok(a.wrapping_add(b)) },
        )
        .expect("raw.add");
    linker
        .func_wrap(
            "raw",
            "text_len",
            |mut c: Caller<'_, ()>, p: i32, l: i32| -> Result<i32, Trap> {
                c.with_memory(|m, _| m.str(p, l).map_or(-1, |s| s.len() as i32))
            },
        )
        .expect("raw.text_len");
    linker
        .func_wrap(
            "raw",
            "bytes_len",
            |mut c: Caller<'_, ()>, p: i32, l: i32| -> Result<i32, Trap> {
                c.with_memory(|m, _| {
                    m.bytes(p, l).map_or(-1, |b| {
                        b.len() as i32 + i32::from(b.first().copied().unwrap_or(0))
                    })
                })
            },
        )
        .expect("raw.bytes_len");
    let mut i = linker
        .instantiate(module, &WasiConfig::new(), ())
        .expect("instantiate");
    i.initialize().expect("initialize");
    i
}

fn call(i: &mut Instance<()>, export: &str, n: i32, size: Option<i32>) -> i32 {
    match size {
        Some(s) => i.call::<(i32, i32), i32>(export, (n, s)),
        None => i.call::<(i32,), i32>(export, (n,)),
    }
    .expect("call")
}

#[inline(never)]
fn measured(i: &mut Instance<()>, export: &str, n: i32, size: Option<i32>) -> i32 {
    call(i, export, n, size)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let export = args.next().unwrap_or_else(|| "loop_typed_text".into());
    let n: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let size: Option<i32> = args.next().and_then(|a| a.parse().ok());
    let wasm = std::fs::read(gohost_bench::build_guest()).expect("read guest");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &wasm).expect("module");
    let mut i = instance(&engine, &module);
    call(&mut i, &export, 1, size);
    let r = measured(&mut i, &export, n, size);
    println!("{export}({n}) = {r}");
}
