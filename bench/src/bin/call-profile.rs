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

use gohost::{Engine, Instance, Module};
use gohost_bench::gohost_instance;

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
    let mut i = gohost_instance(&engine, &module);
    call(&mut i, &export, 1, size);
    let r = measured(&mut i, &export, n, size);
    println!("{export}({n}) = {r}");
}
