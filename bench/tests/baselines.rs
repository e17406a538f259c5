//! The benchmarks compare like with like: every typed loop and the raw
//! baseline it is measured against compute the same result, on gohost and
//! on the raw engine of the engine under test (`GOHOST_ENGINE`).

use gohost::{Engine, Module};
use gohost_bench::raw::RawModule;
use gohost_bench::{benchapi, gohost_instance, gohost_linker};

#[test]
fn typed_loops_and_their_raw_baselines_do_the_same_work() {
    let wasm = std::fs::read(gohost_bench::build_guest()).expect("read the benchmark guest");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &wasm).expect("compile");
    let mut typed = gohost_instance(&gohost_linker(&engine), &module);
    let mut raw = RawModule::new(&wasm).instantiate();
    let n = 7;
    let pairs = [
        ("loop_typed_add", "loop_raw_add", None),
        ("loop_typed_text", "loop_raw_text", None),
        ("loop_typed_bytes", "loop_raw_bytes", Some(1024)),
        ("loop_typed_bytes", "loop_raw_bytes", Some(64 << 10)),
        ("loop_typed_error", "loop_raw_error", None),
    ];
    for (typed_export, raw_export, size) in pairs {
        let mut on_gohost = |export: &str| gohost_bench::call_loop(&mut typed, export, n, size);
        let expected = raw.call_loop(raw_export, n, size);
        assert_eq!(
            on_gohost(typed_export).ok(),
            Some(expected),
            "{typed_export} against {raw_export} on raw {}",
            engine.kind()
        );
        // The `raw.*` imports gohost provides for profiling agree too.
        assert_eq!(on_gohost(raw_export).ok(), Some(expected));
    }
    // The records come back moved by one, n times.
    for export in ["loop_typed_record", "loop_typed_vec3"] {
        assert_eq!(typed.call::<(i32,), i32>(export, (n,)).ok(), Some(1 + n));
    }
    assert_eq!(
        benchapi::exports::guest_add(&mut typed, 2, 3).ok(),
        Some(raw.guest_add(2, 3))
    );
}

/// The async rows compare like with like too: the async guest's loops over
/// an async and a sync host function compute what the sync loop does, and
/// a pool's async and sync calls agree.
#[test]
fn async_loops_and_pools_do_the_same_work_as_the_sync_ones() {
    use std::sync::Arc;

    let wasm = std::fs::read(gohost_bench::build_guest()).expect("read the benchmark guest");
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &wasm).expect("compile");
    let mut typed = gohost_instance(&gohost_linker(&engine), &module);
    let n = 7;
    let expected: i32 = typed.call("loop_typed_add", (n,)).expect("sync loop");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let async_wasm =
        std::fs::read(gohost_bench::build_async_guest()).expect("read the async guest");
    let async_engine = gohost_bench::async_engine();
    let async_module = Module::from_bytes(&async_engine, &async_wasm).expect("compile");
    let linker = gohost_bench::async_linker(&async_engine);
    let mut instance = rt.block_on(gohost_bench::gohost_async_instance(&linker, &async_module));
    for export in ["loop_async_add", "loop_sync_add"] {
        let got = rt.block_on(instance.call_async::<(i32,), i32>(export, (n,)));
        assert_eq!(got.ok(), Some(expected), "{export}");
    }
    // The guest imports an async function: sync instantiation is refused.
    assert!(linker
        .instantiate(&async_module, &gohost::WasiConfig::new(), ())
        .is_err());

    let pool = |engine: &Engine| {
        let module = Module::from_bytes(engine, &wasm).expect("compile");
        Arc::new(
            gohost::Pool::builder(gohost_linker(engine), module, || ())
                .max_instances(2)
                .build(),
        )
    };
    let sync_pool = pool(&engine);
    let expected: i32 = typed.call("loop_empty", (1000,)).expect("loop_empty");
    let got: i32 = sync_pool
        .call(|p| p.call("loop_empty", (1000i32,)))
        .expect("sync pool");
    assert_eq!(got, expected);
    let async_pool = pool(&async_engine);
    let got: i32 = rt
        .block_on(async_pool.call_async(|p| Box::pin(p.call_async("loop_empty", (1000i32,)))))
        .expect("async pool");
    assert_eq!(got, expected);

    // The rows of calls that wait: both guests' `wait_io` wait in the host
    // (a thread asleep, a timer awaited) for as long as asked.
    let started = std::time::Instant::now();
    let got: i32 = typed.call("wait_io", (2000i32,)).expect("sync wait_io");
    let sync_wait = (got, started.elapsed());
    let started = std::time::Instant::now();
    let got: i32 = rt
        .block_on(instance.call_async("wait_io", (2000i32,)))
        .expect("async wait_io");
    let async_wait = (got, started.elapsed());
    for (got, took) in [sync_wait, async_wait] {
        assert_eq!(got, 2000);
        assert!(took >= std::time::Duration::from_millis(2), "{took:?}");
    }
}
