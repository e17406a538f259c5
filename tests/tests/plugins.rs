//! Go plugins (reactors) on the runtime: initialization, limits, faults and
//! the pool, with a plain `//go:wasmexport` guest.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gohost::{
    Capture, Config, Engine, Error, Instance, Limits, Linker, Module, Output, OutputCallback, Pool,
    Reuse, WasiConfig,
};

fn reactor() -> PathBuf {
    gohost_tests::build_plugin("reactor")
}

fn engine() -> Engine {
    Engine::new(Config::new().consume_fuel(true))
}

fn instance_with(limits: Limits, wasi: &WasiConfig) -> Instance<()> {
    let engine = engine();
    let module = Module::from_file(&engine, reactor()).expect("load plugin");
    let mut i = Linker::new(&engine)
        .instantiate_limited(&module, wasi, (), limits)
        .expect("instantiate plugin");
    i.initialize().expect("initialize plugin");
    i
}

fn instance(limits: Limits) -> Instance<()> {
    instance_with(limits, &WasiConfig::new())
}

#[test]
fn an_export_called_with_the_wrong_types_is_a_clear_error_every_time() {
    let mut p = instance(Limits::new());
    // The typed function made for one call is kept for the next: calls
    // with other types must still be checked, in any order.
    for _ in 0..2 {
        let err = p.call::<(i64, i64), i64>("add", (1, 2)).err();
        assert!(
            matches!(&err, Some(Error::ExportType { name, found }) if name == "add" && found == "(i32, i32) -> i32"),
            "{err:?}"
        );
        assert_eq!(p.call::<(i32, i32), i32>("add", (40, 2)).ok(), Some(42));
        assert_eq!(p.call::<(i32, i32), i32>("add", (1, 2)).ok(), Some(3));
    }
    assert_eq!(
        p.poisoned(),
        None,
        "a host mistake does not poison the guest"
    );
    let err = p.call::<(), ()>("no_such_export", ()).err();
    assert!(
        matches!(&err, Some(Error::MissingExport { name, .. }) if name == "no_such_export"),
        "{err:?}"
    );
}

#[test]
fn initialize_runs_once_and_exports_work() {
    let mut p = instance(Limits::new());
    p.initialize().expect("a second initialize is a no-op");
    assert_eq!(p.call::<(i32, i32), i32>("add", (40, 2)).ok(), Some(42));
    assert_eq!(p.call::<(), i32>("init_count", ()).ok(), Some(1));
    assert_eq!(p.call::<(), i32>("call_count", ()).ok(), Some(1));
}

#[test]
fn calling_before_initialize_is_a_clear_error() {
    let engine = engine();
    let module = Module::from_file(&engine, reactor()).expect("load");
    let mut p = Linker::new(&engine)
        .instantiate(&module, &WasiConfig::new(), ())
        .expect("instantiate");
    let err = p
        .call::<(i32, i32), i32>("add", (1, 2))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "invalid configuration: call initialize() before calling `add`: \
             the module is a reactor and its runtime has not started"
        )
    );
}

#[test]
fn wrong_export_types_and_names_are_errors() {
    let mut p = instance(Limits::new());
    let err = p
        .call::<(i64,), i32>("add", (1,))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("export `add` has type (i32, i32) -> i32, which does not match the call; the guest may be built against stale bindings")
    );
    assert!(matches!(
        p.call::<(), ()>("nope", ()),
        Err(Error::MissingExport { .. })
    ));
    // Neither poisons the instance.
    assert_eq!(p.call::<(i32, i32), i32>("add", (1, 2)).ok(), Some(3));
}

#[test]
fn an_infinite_loop_hits_the_fuel_limit() {
    let mut p = instance(Limits::new().fuel_per_call(50_000_000));
    // Each call gets the full budget again.
    for _ in 0..3 {
        assert_eq!(p.call::<(i32, i32), i32>("add", (1, 2)).ok(), Some(3));
    }
    let err = p.call::<(), i32>("spin", ());
    assert!(
        matches!(&err, Err(Error::FuelExhausted { func, limit: 50_000_000, .. }) if func == "spin"),
        "{err:?}"
    );
    let next = p.call::<(i32, i32), i32>("add", (1, 2));
    assert!(matches!(next, Err(Error::Poisoned { .. })), "{next:?}");
}

#[test]
fn a_memory_bomb_hits_the_memory_limit() {
    let mut p = instance(Limits::new().memory_bytes(48 << 20));
    let err = p.call::<(), i32>("eat", ());
    match err {
        Err(Error::MemoryLimit {
            limit_bytes,
            requested_bytes,
        }) => {
            assert_eq!(limit_bytes, 48 << 20);
            assert!(requested_bytes > limit_bytes);
        }
        other => panic!("expected a memory limit error, got {other:?}"),
    }
    assert!(p.memory_size() <= 48 << 20);
}

#[test]
fn a_memory_limit_below_what_go_needs_to_start_fails_instantiation() {
    let engine = engine();
    let module = Module::from_file(&engine, reactor()).expect("load");
    let result = Linker::new(&engine).instantiate_limited(
        &module,
        &WasiConfig::new(),
        (),
        Limits::new().memory_bytes(1 << 20),
    );
    let err = result.and_then(|mut i| i.initialize());
    assert!(matches!(err, Err(Error::MemoryLimit { .. })), "{err:?}");
}

#[test]
fn a_go_panic_is_a_trap_with_go_s_message_on_stderr() {
    let stderr = Capture::new();
    let mut wasi = WasiConfig::new();
    wasi.stderr(Output::Capture(stderr.clone()));
    let mut p = instance_with(Limits::new(), &wasi);
    let err = p.call::<(), i32>("boom", ());
    assert!(matches!(&err, Err(Error::Trap { .. })), "{err:?}");
    assert!(
        stderr
            .to_string_lossy()
            .starts_with("panic: plugin exploded"),
        "{}",
        stderr.to_string_lossy()
    );
    assert!(matches!(
        p.call::<(i32, i32), i32>("add", (1, 2)),
        Err(Error::Poisoned { .. })
    ));
}

#[test]
fn proc_exit_in_a_plugin_ends_it() {
    let mut p = instance(Limits::new());
    let err = p.call::<(i32,), ()>("exit", (3,));
    assert!(matches!(err, Err(Error::Exited { code: 3 })), "{err:?}");
    assert!(p.poisoned().is_some());
}

#[test]
fn plugin_output_goes_to_a_callback() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let mut wasi = WasiConfig::new();
    wasi.stdout(Output::Callback(OutputCallback::new(move |b| {
        sink.lock()
            .expect("lock")
            .push(String::from_utf8_lossy(b).into_owned());
    })));
    let mut p = instance_with(Limits::new(), &wasi);
    p.call::<(), ()>("hello", ()).expect("hello");
    assert_eq!(*lines.lock().expect("lock"), ["hello from the plugin\n"]);
}

fn pool(reuse: Reuse, max: usize) -> Pool<()> {
    let engine = engine();
    let module = Module::from_file(&engine, reactor()).expect("load");
    Pool::builder(Linker::new(&engine), module, || ())
        .max_instances(max)
        .reuse(reuse)
        .limits(
            Limits::new()
                .memory_bytes(64 << 20)
                .fuel_per_call(100_000_000),
        )
        .build()
        .expect("pool")
}

#[test]
fn the_pool_reuses_healthy_instances_and_replaces_faulted_ones() {
    let pool = pool(Reuse::UntilFault, 1);
    for _ in 0..5 {
        assert_eq!(
            pool.call(|p| p.call::<(i32, i32), i32>("add", (1, 1))).ok(),
            Some(2)
        );
    }
    // One instance served all five.
    assert_eq!(
        pool.call(|p| p.call::<(), i32>("call_count", ())).ok(),
        Some(5)
    );
    assert!(matches!(
        pool.call(|p| p.call::<(), i32>("spin", ())),
        Err(Error::FuelExhausted { .. })
    ));
    // A fresh instance took its place.
    assert_eq!(
        pool.call(|p| p.call::<(), i32>("call_count", ())).ok(),
        Some(0)
    );
    let stats = pool.stats();
    assert_eq!(
        (stats.created, stats.discarded, stats.live, stats.idle),
        (2, 1, 1, 1)
    );
}

#[test]
fn fresh_per_call_shares_nothing_between_calls() {
    let pool = pool(Reuse::FreshPerCall, 2);
    for _ in 0..3 {
        assert_eq!(
            pool.call(|p| p.call::<(i32, i32), i32>("add", (1, 1))).ok(),
            Some(2)
        );
        assert_eq!(
            pool.call(|p| p.call::<(), i32>("call_count", ())).ok(),
            Some(0)
        );
    }
    assert_eq!(pool.stats().created, 6);
}

#[test]
fn the_pool_serves_many_threads_with_mixed_faults_exactly() {
    let pool = Arc::new(pool(Reuse::UntilFault, 3));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let threads: Vec<_> = (0..4i32)
        .map(|t| {
            let (pool, ok, failed) = (pool.clone(), ok.clone(), failed.clone());
            std::thread::spawn(move || {
                for i in 0..30i32 {
                    let result = match (t * 30 + i) % 10 {
                        3 => pool.call(|p| p.call::<(), i32>("boom", ())),
                        7 => pool.call(|p| p.call::<(), i32>("spin", ())),
                        _ => pool.call(|p| p.call::<(i32, i32), i32>("add", (i, 1))),
                    };
                    match result {
                        Ok(v) => {
                            assert_eq!(v, i + 1);
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            assert!(e.is_fault(), "{e}");
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(ok.load(Ordering::Relaxed), 96);
    assert_eq!(failed.load(Ordering::Relaxed), 24);
    let stats = pool.stats();
    assert_eq!(stats.discarded, 24);
    assert!(stats.live <= 3);
    assert_eq!(stats.created, stats.discarded + stats.live as u64);
}

#[test]
fn a_host_function_can_call_back_into_the_guest() {
    let engine = engine();
    let module = Module::from_file(&engine, gohost_tests::build_plugin("reentrant")).expect("load");
    let mut linker = Linker::<u32>::new(&engine);
    linker
        .func_wrap(
            "env",
            "call_back",
            |mut caller: gohost::Caller<'_, u32>, depth: i32| {
                *caller.data_mut() += 1;
                caller
                    .call::<(i32,), i32>("inner", (depth,))
                    .map_err(|e| gohost::Trap::new(e.to_string()))
            },
        )
        .expect("define");
    let mut p = linker
        .instantiate(&module, &WasiConfig::new(), 0)
        .expect("instantiate");
    p.initialize().expect("initialize");
    // outer -> host -> inner -> host -> inner ... five levels deep.
    assert_eq!(p.call::<(i32,), i32>("outer", (4,)).ok(), Some(1000 + 5));
    assert_eq!(*p.state(), 5);
    // And again: the instance is healthy.
    assert_eq!(p.call::<(i32,), i32>("outer", (0,)).ok(), Some(1001));
}

#[test]
fn mixing_up_commands_and_plugins_says_how_to_build() {
    let engine = engine();
    let linker = Linker::<()>::new(&engine);
    let command =
        Module::from_file(&engine, gohost_tests::build_guest("wasi")).expect("load command");
    let err = linker
        .instantiate(&command, &WasiConfig::new(), ())
        .and_then(|mut i| i.initialize())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "module has no exported function `_initialize`; it is a command, not a plugin: build Go plugins \
             as reactors (`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared`)"
        )
    );
    let plugin = Module::from_file(&engine, reactor()).expect("load plugin");
    let err = linker
        .instantiate(&plugin, &WasiConfig::new(), ())
        .and_then(|mut i| i.run())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "module has no exported function `_start`; it is a reactor (a plugin), not a program: \
             call initialize() and its exports instead of run()"
        )
    );
}

/// Collects the `gohost::guest` events of a thread: (guest, message).
#[derive(Default)]
struct Events(Mutex<Vec<(String, String)>>);

impl tracing::Subscriber for Events {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target() == "gohost::guest"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields(String, String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                match field.name() {
                    "guest" => self.0 = format!("{value:?}"),
                    "message" => self.1 = format!("{value:?}"),
                    _ => {}
                }
            }
        }
        let mut f = Fields(String::new(), String::new());
        event.record(&mut f);
        self.0.lock().expect("lock").push((f.0, f.1));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn plugin_output_can_go_to_tracing() {
    let events = Arc::new(Events::default());
    let mut wasi = WasiConfig::new();
    wasi.stdout(Output::tracing("greeter"));
    tracing::subscriber::with_default(events.clone(), || {
        let mut p = instance_with(Limits::new(), &wasi);
        p.call::<(), ()>("hello", ()).expect("hello");
    });
    assert_eq!(
        *events.0.lock().expect("lock"),
        [("greeter".to_owned(), "hello from the plugin".to_owned())]
    );
}

#[test]
fn a_panicking_host_function_fails_one_pool_call_and_the_next_succeeds() {
    let engine = engine();
    let module = Module::from_file(&engine, gohost_tests::build_plugin("reentrant")).expect("load");
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "env",
            "call_back",
            |mut caller: gohost::Caller<'_, ()>, depth: i32| {
                assert!(depth != 42, "the host refuses depth 42");
                caller
                    .call::<(i32,), i32>("inner", (depth,))
                    .map_err(|e| gohost::Trap::new(e.to_string()))
            },
        )
        .expect("define");
    let pool = Pool::builder(linker, module, || ())
        .max_instances(1)
        .build()
        .expect("pool");
    let err = pool.call(|p| p.call::<(i32,), i32>("outer", (42,)));
    match err {
        Err(Error::Trap { message, .. }) => assert!(
            message.contains("host function env.call_back panicked: the host refuses depth 42"),
            "{message}"
        ),
        other => panic!("expected a trap, got {other:?}"),
    }
    assert_eq!(
        pool.call(|p| p.call::<(i32,), i32>("outer", (0,))).ok(),
        Some(1001)
    );
    assert_eq!((pool.stats().created, pool.stats().discarded), (2, 1));
}

/// An engine that meters fuel and can stop calls at their deadline.
fn interruptible_engine() -> Engine {
    Engine::new(Config::new().consume_fuel(true).interruptible(true))
}

fn interruptible_instance(limits: Limits) -> Instance<()> {
    let engine = interruptible_engine();
    let module = Module::from_file(&engine, reactor()).expect("load plugin");
    let mut i = Linker::new(&engine)
        .instantiate_limited(&module, &WasiConfig::new(), (), limits)
        .expect("instantiate plugin");
    i.initialize().expect("initialize plugin");
    i
}

/// A generous bound on how long a call that must be stopped at its
/// deadline may take: only there so that a broken deadline fails the test
/// instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(60);

#[test]
fn a_deadline_stops_an_infinite_loop() {
    let deadline = Duration::from_millis(200);
    let mut p = interruptible_instance(Limits::new().deadline(deadline));
    let started = Instant::now();
    let err = p.call::<(), i32>("spin", ());
    assert!(started.elapsed() < NO_HANG);
    match &err {
        Err(
            e @ Error::DeadlineExceeded {
                func, deadline: d, ..
            },
        ) => {
            assert_eq!((func.as_str(), *d), ("spin", deadline));
            assert_eq!(
                e.to_string(),
                common::stopped_in(
                    "guest exceeded its deadline of 200ms in `spin`",
                    "at",
                    "main.spin"
                )
            );
            assert!(e.is_fault());
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    let next = p.call::<(i32, i32), i32>("add", (1, 2));
    assert!(matches!(next, Err(Error::Poisoned { .. })), "{next:?}");
}

#[test]
fn each_call_gets_its_own_deadline() {
    let deadline = Duration::from_millis(300);
    let mut p = interruptible_instance(Limits::new().deadline(deadline));
    // Together the calls take longer than the deadline; each alone does not.
    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed() < deadline * 2 {
        assert_eq!(
            p.call::<(i32, i32), i32>("add", (calls, 1)).ok(),
            Some(calls + 1)
        );
        calls += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(p.call::<(), i32>("call_count", ()).ok(), Some(calls));
    assert!(p.poisoned().is_none());
}

#[test]
fn a_deadline_and_a_fuel_limit_report_whichever_comes_first() {
    // Fuel first: the budget runs out long before the deadline.
    let mut p = interruptible_instance(
        Limits::new()
            .fuel_per_call(50_000_000)
            .deadline(Duration::from_secs(600)),
    );
    assert_eq!(p.call::<(i32, i32), i32>("add", (1, 2)).ok(), Some(3));
    let started = Instant::now();
    let err = p.call::<(), i32>("spin", ());
    assert!(started.elapsed() < NO_HANG);
    assert!(
        matches!(&err, Err(Error::FuelExhausted { func, limit: 50_000_000, .. }) if func == "spin"),
        "{err:?}"
    );
    // The deadline first: fuel enough for hours.
    let mut p = interruptible_instance(
        Limits::new()
            .fuel_per_call(u64::MAX / 2)
            .deadline(Duration::from_millis(200)),
    );
    let started = Instant::now();
    let err = p.call::<(), i32>("spin", ());
    assert!(started.elapsed() < NO_HANG);
    assert!(
        matches!(&err, Err(Error::DeadlineExceeded { func, .. }) if func == "spin"),
        "{err:?}"
    );
}

#[test]
fn a_deadline_needs_an_interruptible_engine() {
    let engine = engine(); // fuel, but not interruptible
    let module = Module::from_file(&engine, reactor()).expect("load");
    let err = Linker::new(&engine)
        .instantiate_limited(
            &module,
            &WasiConfig::new(),
            (),
            Limits::new().deadline(Duration::from_secs(1)),
        )
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "invalid configuration: a deadline needs an engine built with \
             Config::interruptible(true)"
        )
    );
}

#[test]
fn an_interruptible_engine_without_a_deadline_runs_unlimited() {
    // Epoch interruption is on (wasmtime): calls without a deadline must
    // not be interrupted, however long they take.
    let mut p = interruptible_instance(Limits::new().fuel_per_call(300_000_000));
    assert_eq!(p.call::<(i32, i32), i32>("add", (1, 2)).ok(), Some(3));
    let err = p.call::<(), i32>("spin", ());
    assert!(matches!(err, Err(Error::FuelExhausted { .. })), "{err:?}");
}

#[test]
fn the_pool_replaces_an_instance_that_ran_past_its_deadline() {
    let engine = interruptible_engine();
    let module = Module::from_file(&engine, reactor()).expect("load");
    let pool = Pool::builder(Linker::new(&engine), module, || ())
        .max_instances(1)
        .limits(Limits::new().deadline(Duration::from_millis(200)))
        .build()
        .expect("pool");
    assert_eq!(
        pool.call(|p| p.call::<(i32, i32), i32>("add", (1, 1))).ok(),
        Some(2)
    );
    let err = pool.call(|p| p.call::<(), i32>("spin", ()));
    assert!(
        matches!(err, Err(Error::DeadlineExceeded { .. })),
        "{err:?}"
    );
    // A fresh instance took its place.
    assert_eq!(
        pool.call(|p| p.call::<(), i32>("call_count", ())).ok(),
        Some(0)
    );
    let stats = pool.stats();
    assert_eq!((stats.created, stats.discarded), (2, 1));
}

#[test]
fn a_call_back_into_the_guest_counts_within_the_outer_deadline() {
    let deadline = Duration::from_millis(200);
    let engine = interruptible_engine();
    let module = Module::from_file(&engine, gohost_tests::build_plugin("reentrant")).expect("load");
    let mut linker = Linker::<Option<Error>>::new(&engine);
    linker
        .func_wrap(
            "env",
            "call_back",
            move |mut caller: gohost::Caller<'_, Option<Error>>, depth: i32| {
                // The host takes the outer call's whole time, then re-enters.
                std::thread::sleep(deadline + Duration::from_millis(50));
                caller.call::<(i32,), i32>("inner", (depth,)).map_err(|e| {
                    let trap = gohost::Trap::new(e.to_string());
                    *caller.data_mut() = Some(e);
                    trap
                })
            },
        )
        .expect("define");
    let mut p = linker
        .instantiate_limited(
            &module,
            &WasiConfig::new(),
            None,
            Limits::new().deadline(deadline),
        )
        .expect("instantiate");
    p.initialize().expect("initialize");
    let err = p.call::<(i32,), i32>("outer", (0,));
    assert!(
        matches!(&err, Err(Error::DeadlineExceeded { func, .. }) if func == "outer"),
        "{err:?}"
    );
    // The host function saw the re-entered call fail the same way.
    assert!(
        matches!(p.state(), Some(Error::DeadlineExceeded { func, .. }) if func == "inner"),
        "{:?}",
        p.state()
    );
}

/// A module whose start function spins `n` times, then exports its count.
fn counting_start(n: u32) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            (global $count (export "count") (mut i32) (i32.const 0))
            (func $start
                (loop $again
                    (global.set $count (i32.add (global.get $count) (i32.const 1)))
                    (br_if $again (i32.lt_u (global.get $count) (i32.const {n})))))
            (start $start))"#
    ))
    .expect("a valid module")
}

#[test]
fn a_start_function_runs_with_the_fuel_of_a_call() {
    for (config, metered) in [
        (Config::new().consume_fuel(true), true),
        (Config::new().interruptible(true), false),
    ] {
        let engine = Engine::new(config);
        let linker = Linker::<()>::new(&engine);
        let module = Module::from_bytes(&engine, &counting_start(1_000)).expect("module");
        linker
            .instantiate(&module, &WasiConfig::new(), ())
            .expect("a start function within its fuel instantiates");
        if metered {
            let limits = Limits::new().fuel_per_call(100);
            let spin = Module::from_bytes(&engine, &counting_start(1_000_000)).expect("module");
            let err = linker
                .instantiate_limited(&spin, &WasiConfig::new(), (), limits)
                .expect_err("a start function past its fuel fails");
            assert!(err.to_string().contains("fuel"), "{err}");
        }
    }
}
