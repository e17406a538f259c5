//! Async calls with real Go guests: host functions that await, guests that
//! compute or sleep without starving the executor, deadlines and
//! cancellation while awaiting, and pools under concurrent async load. The
//! same suite runs on both engines.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use gohost::{
    Caller, Capture, Config, Engine, Error, HostCall, Instance, Limits, Linker, Module, Output,
    Pool, Trap, WasiConfig,
};

fn asyncplug() -> &'static PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| gohost_tests::build_plugin("asyncplug"))
}

fn wasi_guest() -> &'static PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| gohost_tests::build_guest("wasi"))
}

fn engine() -> Engine {
    Engine::new(Config::new().interruptible(true))
}

/// The host functions `asyncplug` imports: async ones that sleep, answer at
/// once, fail, panic or never finish, and a sync one.
fn linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::<()>::new(engine);
    linker
        .func_wrap_async("env", "wait", |_: &mut Caller<'_, ()>, ms: i32| {
            HostCall::new(async move {
                tokio::time::sleep(Duration::from_millis(ms as u64)).await;
                Ok(ms)
            })
        })
        .expect("wait");
    linker
        .func_wrap_async("env", "now", |_: &mut Caller<'_, ()>, n: i32| {
            HostCall::new(async move { Ok(n) })
        })
        .expect("now");
    linker
        .func_wrap("env", "add", |_: Caller<'_, ()>, a: i32, b: i32| Ok(a + b))
        .expect("add");
    linker
        .func_wrap_async("env", "fail", |_: &mut Caller<'_, ()>| {
            HostCall::<(), i32>::new(async {
                tokio::task::yield_now().await;
                Err(Trap::new("the database is down"))
            })
        })
        .expect("fail");
    linker
        .func_wrap_async("env", "boom", |_: &mut Caller<'_, ()>| {
            HostCall::<(), i32>::new(async {
                tokio::task::yield_now().await;
                panic!("the host function broke")
            })
        })
        .expect("boom");
    linker
        .func_wrap_async("env", "forever", |_: &mut Caller<'_, ()>| {
            HostCall::<(), i32>::new(std::future::pending())
        })
        .expect("forever");
    linker
}

fn module(engine: &Engine) -> Module {
    Module::from_file(engine, asyncplug()).expect("load asyncplug")
}

async fn plugin(limits: Limits) -> Instance<()> {
    let engine = engine();
    let module = module(&engine);
    let mut instance = linker(&engine)
        .instantiate_limited_async(&module, &WasiConfig::new(), (), limits)
        .await
        .expect("instantiate");
    instance.initialize_async().await.expect("initialize");
    instance
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

/// Counts ticks every 10 ms on the runtime while `work` runs on it.
async fn ticks_during<T>(work: impl std::future::Future<Output = T>) -> (T, u64, Duration) {
    let ticks = Arc::new(AtomicU64::new(0));
    let counter = ticks.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_millis(10));
        // Ticks missed while the executor was blocked are skipped, not
        // made up at once afterwards, so that a block shows.
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let started = Instant::now();
    let out = work.await;
    let took = started.elapsed();
    ticker.abort();
    (out, ticks.load(Ordering::Relaxed), took)
}

#[test]
fn async_host_functions_sync_ones_and_errors_in_one_module() {
    current_thread().block_on(async {
        let mut p = plugin(Limits::new()).await;
        let total: i32 = p.call_async("chain", (3i32, 5i32)).await.expect("chain");
        assert_eq!(total, 15);
        let sum: i32 = p.call_async("sum", (2i32, 3i32)).await.expect("sum");
        assert_eq!(sum, 5);
        let quick: i32 = p.call_async("quick", (1000i32,)).await.expect("quick");
        assert_eq!(quick, 1000);

        let err = p
            .call_async::<(), i32>("failing", ())
            .await
            .expect_err("must fail");
        assert_eq!(err.to_string(), "guest trapped: the database is down");
        assert!(p.poisoned().is_some());

        let mut p = plugin(Limits::new()).await;
        let err = p
            .call_async::<(), i32>("panicking", ())
            .await
            .expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "guest trapped: host function env.boom panicked: the host function broke"
        );
    });
}

#[test]
fn an_async_host_function_slower_than_the_deadline_ends_the_call() {
    current_thread().block_on(async {
        let deadline = Duration::from_millis(200);
        let mut p = plugin(Limits::new().deadline(deadline)).await;
        let started = Instant::now();
        let err = p.call_async::<(), i32>("hang", ()).await.expect_err("must fail");
        assert!(
            matches!(&err, Error::DeadlineExceeded { func, deadline: d } if func == "hang" && *d == deadline),
            "{err:?}"
        );
        assert!(started.elapsed() >= deadline);
        let again = p.call_async::<(i32, i32), i32>("sum", (1, 2)).await;
        assert!(matches!(again, Err(Error::Poisoned { .. })), "{again:?}");
    });
}

#[test]
fn a_guest_that_computes_does_not_starve_the_executor() {
    current_thread().block_on(async {
        let mut p = plugin(Limits::new().deadline(Duration::from_secs(1))).await;
        let (result, ticks, took) = ticks_during(p.call_async::<(i64,), i64>("spin", (-1,))).await;
        assert!(
            matches!(result, Err(Error::DeadlineExceeded { .. })),
            "{result:?}"
        );
        println!("spin: {ticks} ticks of 10 ms in {took:?}");
        // A starved ticker would not tick at all; allow for a slow machine.
        assert!(ticks >= 20, "{ticks} ticks in {took:?}");
    });
}

#[test]
fn a_task_making_short_calls_in_a_row_does_not_starve_the_executor() {
    // Calls of about 10 µs, 0.5 ms and 2 ms on wasmi (4 to 9 times faster
    // on wasmtime), one after another for a second: each is too short to
    // yield on its own (on wasmi, shorter than a fuel slice or than the
    // time between two yields), so the task must yield across calls.
    for rounds in [1_000i64, 25_000, 100_000] {
        current_thread().block_on(async {
            let mut p = plugin(Limits::new()).await;
            let calls = async {
                let started = Instant::now();
                let mut calls = 0u32;
                while started.elapsed() < Duration::from_secs(1) {
                    p.call_async::<(i64,), i64>("spin", (rounds,))
                        .await
                        .expect("spin");
                    calls += 1;
                }
                calls
            };
            let (calls, ticks, took) = ticks_during(calls).await;
            println!("spin({rounds}) in a row: {calls} calls, {ticks} ticks of 10 ms in {took:?}");
            assert!(ticks >= 20, "spin({rounds}): {ticks} ticks in {took:?}");
        });
    }
}

#[test]
fn a_guest_that_sleeps_does_not_block_the_executor() {
    current_thread().block_on(async {
        let mut p = plugin(Limits::new()).await;
        let (result, ticks, took) =
            ticks_during(p.call_async::<(i32,), i32>("sleep", (2000,))).await;
        assert_eq!(result.expect("sleep"), 2000);
        assert!(took >= Duration::from_millis(2000), "{took:?}");
        println!("sleep: {ticks} ticks of 10 ms in {took:?}");
        assert!(ticks >= 50, "{ticks} ticks in {took:?}");
    });
}

#[test]
fn a_program_runs_async_and_sleeps_without_blocking() {
    current_thread().block_on(async {
        let engine = engine();
        let module = Module::from_file(&engine, wasi_guest()).expect("load");
        let out = Capture::new();
        let mut wasi = WasiConfig::new();
        wasi.args(["wasi", "sleep", "300ms"])
            .stdout(Output::Capture(out.clone()));
        let mut program = Linker::<()>::new(&engine)
            .instantiate_async(&module, &wasi, ())
            .await
            .expect("instantiate");
        let (code, ticks, took) = ticks_during(program.run_async()).await;
        assert_eq!(code.expect("run"), 0);
        assert_eq!(out.to_string_lossy(), "slept 300ms\n");
        println!("run_async sleep: {ticks} ticks of 10 ms in {took:?}");
        assert!(ticks >= 8, "{ticks} ticks in {took:?}");
    });
}

/// The environment variable that makes a test of [`stdin_awaits`] its own
/// child, the process whose standard input the guest inherits: the
/// guest's path.
const STDIN_CHILD: &str = "GOHOST_TEST_STDIN_CHILD";

/// A program that reads the host's standard input in an async call awaits
/// it: the executor's other tasks run while no input has come.
#[test]
fn a_program_reading_inherited_stdin_does_not_block_the_executor() {
    stdin_awaits(
        "a_program_reading_inherited_stdin_does_not_block_the_executor",
        wasi_guest(),
    );
}

/// The same for a guest that reads with WASI's `fd_read` itself, as C and
/// Rust programs do: its read blocks until input comes (no `EAGAIN`).
#[test]
fn a_raw_wasi_read_of_inherited_stdin_awaits_too() {
    let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join("guests/fixtures/cat_raw.wat");
    stdin_awaits("a_raw_wasi_read_of_inherited_stdin_awaits_too", &wat);
}

/// And for one that polls it first (`poll_oneoff` with a read subscription
/// for descriptor 0, as C's `poll()` does): the poll awaits it.
#[test]
fn a_poll_of_inherited_stdin_awaits_it() {
    let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join("guests/fixtures/cat_poll.wat");
    stdin_awaits("a_poll_of_inherited_stdin_awaits_it", &wat);
}

/// Runs `test` (the calling test, by name) again as a child process, with
/// `guest` (a Go wasip1 program, or a `.wat` one, that copies standard
/// input to standard output) reading the inherited standard input in an
/// async call; writes to its standard input only a second after the call
/// has started, then closes it; and checks that the child's executor kept
/// ticking meanwhile.
fn stdin_awaits(test: &str, guest: &Path) {
    if let Some(wasm) = std::env::var_os(STDIN_CHILD) {
        return stdin_child(wasm.into());
    }
    use std::io::{BufRead, Read, Write};
    use std::process::{Command, Stdio};

    let mut child = Command::new(std::env::current_exe().expect("this test's binary"))
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(STDIN_CHILD, guest)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the child");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    while !seen.contains("stdin child: reading") {
        if stdout.read_line(&mut seen).expect("the child's output") == 0 {
            break; // it ended early: the assertions below say how
        }
    }
    std::thread::sleep(Duration::from_secs(1));
    let input = "typed after a second\n".repeat(100);
    // A child that failed has closed its end: its output tells why.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    stdout
        .read_to_string(&mut seen)
        .expect("the child's output");
    let out = child.wait_with_output().expect("the child ends");
    assert!(
        out.status.success(),
        "{seen}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = seen
        .lines()
        .find_map(|l| Some(l.split_once("stdin child: ticks ")?.1))
        .unwrap_or_else(|| panic!("the child reported nothing:\n{seen}"));
    let (ticks, echoed) = report.split_once(' ').expect("ticks and bytes");
    let ticks: u64 = ticks.parse().expect("ticks");
    println!("inherited stdin: {ticks} ticks of 10 ms while it was empty for a second");
    assert_eq!(echoed, format!("echoed={}", input.len()));
    // A blocked executor ticks about twice (missed ticks are skipped, not
    // made up); a free one about 100 times, fewer on a loaded machine.
    assert!(
        ticks >= 30,
        "{ticks} ticks of 10 ms while stdin was empty for a second"
    );
}

/// The child of [`stdin_awaits`]: runs the guest `wasm` (`cat`) on the
/// inherited standard input in an async call, counting the executor's
/// ticks meanwhile.
fn stdin_child(wasm: PathBuf) {
    current_thread().block_on(async {
        let engine = engine();
        let module = if wasm.extension().is_some_and(|e| e == "wat") {
            let bytes = wat::parse_file(&wasm).expect("parse the fixture");
            Module::from_bytes(&engine, &bytes)
        } else {
            Module::from_file(&engine, &wasm)
        }
        .expect("load");
        let out = Capture::new();
        let mut wasi = WasiConfig::new();
        wasi.args(["wasi", "cat"])
            .stdin(gohost::Input::Inherit)
            .stdout(Output::Capture(out.clone()));
        let mut program = Linker::<()>::new(&engine)
            .instantiate_async(&module, &wasi, ())
            .await
            .expect("instantiate");
        println!("stdin child: reading");
        let (code, ticks, _) = ticks_during(program.run_async()).await;
        assert_eq!(code.expect("run"), 0);
        assert!(out.to_string_lossy().starts_with("typed after a second\n"));
        println!("stdin child: ticks {ticks} echoed={}", out.contents().len());
    });
}

#[test]
fn a_hundred_concurrent_calls_through_a_pool_of_four() {
    current_thread().block_on(async {
        let engine = engine();
        let pool = Arc::new(
            Pool::builder(linker(&engine), module(&engine), || ())
                .max_instances(4)
                .build(),
        );
        // Make the instances first, so that the timing below is the calls'.
        let warm: Vec<_> = (0..4)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.call_async(|p| Box::pin(p.call_async::<(i32, i32), i32>("chain", (1, 50))))
                        .await
                })
            })
            .collect();
        for w in warm {
            assert_eq!(w.await.expect("join").expect("warm"), 50);
        }
        let started = Instant::now();
        let calls: Vec<_> = (0..100)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.call_async(|p| Box::pin(p.call_async::<(i32, i32), i32>("chain", (3, 20))))
                        .await
                })
            })
            .collect();
        for c in calls {
            assert_eq!(c.await.expect("join").expect("chain"), 60);
        }
        let took = started.elapsed();
        // One after another: 100 chains of 60 ms, 6 s. Four at a time: 25
        // rounds, 1.5 s.
        println!("100 calls of a 60 ms chain through 4 instances: {took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
        let stats = pool.stats();
        assert_eq!((stats.created, stats.discarded), (4, 0), "{stats:?}");
    });
}

#[test]
fn dropping_calls_mid_await_or_mid_compute_discards_the_instances() {
    current_thread().block_on(async {
        let engine = engine();
        let pool = Pool::builder(linker(&engine), module(&engine), || ())
            .max_instances(1)
            .build();
        const DROPS: u64 = 20;
        for round in 0..DROPS {
            let spin = round % 2 == 1;
            let call = pool.call_async(|p| {
                Box::pin(async move {
                    if spin {
                        p.call_async::<(i64,), i64>("spin", (-1,)).await.map(drop)
                    } else {
                        p.call_async::<(), i32>("hang", ()).await.map(drop)
                    }
                })
            });
            let cut = tokio::time::timeout(Duration::from_millis(20), call).await;
            assert!(cut.is_err(), "round {round} should still be running");
        }
        let sum: i32 = pool
            .call_async(|p| Box::pin(p.call_async("sum", (2i32, 3i32))))
            .await
            .expect("the pool recovers");
        assert_eq!(sum, 5);
        // Each dropped call took its instance with it; nothing else is left.
        let stats = pool.stats();
        assert_eq!(
            (stats.created, stats.discarded, stats.live, stats.idle),
            (DROPS + 1, DROPS, 1, 1),
            "{stats:?}"
        );
    });
}

#[test]
fn one_pool_serves_sync_and_async_callers() {
    let engine = engine();
    let module = Module::from_file(&engine, gohost_tests::build_plugin("reactor")).expect("load");
    let pool = Arc::new(
        Pool::builder(Linker::<()>::new(&engine), module, || ())
            .max_instances(1)
            .build(),
    );
    let sync: i32 = pool.call(|p| p.call("add", (2i32, 3i32))).expect("sync");
    let asynchronous: i32 = current_thread()
        .block_on(pool.call_async(|p| Box::pin(p.call_async("add", (4i32, 5i32)))))
        .expect("async");
    assert_eq!((sync, asynchronous), (5, 9));
    // One instance at most: the async call replaced the idle sync one.
    let stats = pool.stats();
    assert_eq!((stats.created, stats.live), (2, 1), "{stats:?}");
}

#[test]
fn a_dropped_call_poisons_its_instance() {
    current_thread().block_on(async {
        let mut p = plugin(Limits::new()).await;
        let cut = tokio::time::timeout(
            Duration::from_millis(50),
            p.call_async::<(), i32>("hang", ()),
        )
        .await;
        assert!(cut.is_err());
        let err = p.call_async::<(i32, i32), i32>("sum", (1, 2)).await;
        assert!(
            matches!(&err, Err(Error::Poisoned { reason }) if reason.contains("cancelled")),
            "{err:?}"
        );
    });
}

#[test]
fn a_cancel_handle_stops_async_and_sync_calls_from_another_thread() {
    let cancel_soon = |handle: gohost::CancelHandle| {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            handle.cancel();
        })
    };
    current_thread().block_on(async {
        for export in ["hang", "spin"] {
            let mut p = plugin(Limits::new()).await;
            let handle = p.cancel_handle().expect("cancel handle");
            let thread = cancel_soon(handle);
            let err = if export == "spin" {
                p.call_async::<(i64,), i64>("spin", (-1,)).await.map(drop)
            } else {
                p.call_async::<(), i32>("hang", ()).await.map(drop)
            };
            thread.join().expect("join");
            assert!(
                matches!(&err, Err(Error::Cancelled { func }) if func == export),
                "{export}: {err:?}"
            );
        }
    });

    // A sync call, on a sync instance of a module without async imports.
    let engine = engine();
    let module = Module::from_file(&engine, wasi_guest()).expect("load");
    let mut wasi = WasiConfig::new();
    wasi.args(["wasi", "spin"]).stdout(Output::Null);
    let mut program = Linker::<()>::new(&engine)
        .instantiate(&module, &wasi, ())
        .expect("instantiate");
    let thread = cancel_soon(program.cancel_handle().expect("cancel handle"));
    let err = program.run();
    thread.join().expect("join");
    assert!(
        matches!(&err, Err(Error::Cancelled { func }) if func == "_start"),
        "{err:?}"
    );
}

#[test]
fn sync_and_async_uses_that_cannot_work_are_clear_errors() {
    let engine = engine();
    let module = module(&engine);
    let err = linker(&engine)
        .instantiate(&module, &WasiConfig::new(), ())
        .expect_err("must fail");
    assert!(
        err.to_string()
            .contains("`env.wait`, an async host function")
            && err.to_string().contains("instantiate_async"),
        "{err}"
    );

    // Async calls need a Tokio runtime, and an interruptible engine.
    let outside =
        current_thread_free(linker(&engine).instantiate_async(&module, &WasiConfig::new(), ()));
    assert!(
        matches!(&outside, Err(Error::Config(m)) if m.contains("Tokio runtime")),
        "{outside:?}"
    );
    current_thread().block_on(async {
        let plain = Engine::default();
        let module = Module::from_file(&plain, asyncplug()).expect("load");
        let err = linker(&plain)
            .instantiate_async(&module, &WasiConfig::new(), ())
            .await
            .expect_err("must fail");
        assert!(err.to_string().contains("Config::interruptible"), "{err}");

        let mut p = plugin(Limits::new()).await;
        let err = p
            .call::<(i32, i32), i32>("sum", (1, 2))
            .expect_err("must fail");
        assert!(err.to_string().contains("use call_async()"), "{err}");
    });
    let plain = Engine::default();
    let module = Module::from_file(&plain, wasi_guest()).expect("load");
    let mut program = Linker::<()>::new(&plain)
        .instantiate(&module, &WasiConfig::new(), ())
        .expect("instantiate");
    let err = program.cancel_handle().expect_err("must fail");
    assert!(err.to_string().contains("Config::interruptible"), "{err}");
}

/// Polls `future` to completion outside any Tokio runtime.
fn current_thread_free<F: std::future::Future>(future: F) -> F::Output {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Arc::new(Noop).into();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[test]
fn async_calls_are_send_for_multi_thread_runtimes() {
    fn is_send<T: Send>(_: &T) {}
    let engine = engine();
    let pool = Pool::builder(linker(&engine), module(&engine), || ()).build();
    let call = pool.call_async(|p| Box::pin(p.call_async::<(i32, i32), i32>("sum", (1, 2))));
    is_send(&call);
    drop(call);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime");
    let pool = Arc::new(pool);
    let sums = runtime.block_on(async {
        let calls: Vec<_> = (0..20)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.call_async(|p| Box::pin(p.call_async::<(i32, i32), i32>("sum", (i, 1))))
                        .await
                })
            })
            .collect();
        let mut sums = Vec::new();
        for c in calls {
            sums.push(c.await.expect("join").expect("sum"));
        }
        sums
    });
    assert_eq!(sums, (1..=20).collect::<Vec<i32>>());
}

#[test]
fn a_guest_that_polls_wasi_with_bad_arguments_gets_errors() {
    // poll(in, n): poll_oneoff with n subscriptions at `in`, events at
    // 0x8000, the count at 0x9000. At 0x100, one clock subscription of 10 ms.
    const WAT: &str = r#"
        (module
          (import "wasi_snapshot_preview1" "poll_oneoff"
            (func $poll (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0x100)
            "\07\00\00\00\00\00\00\00"            ;; userdata 7
            "\00\00\00\00\00\00\00\00"            ;; tag: clock
            "\01\00\00\00\00\00\00\00"            ;; monotonic
            "\80\96\98\00\00\00\00\00"            ;; 10 ms, relative
            "\00\00\00\00\00\00\00\00"            ;; precision
            "\00\00\00\00\00\00\00\00")           ;; flags
          (func (export "_initialize"))
          (func (export "poll") (param $in i32) (param $n i32) (result i32)
            (call $poll (local.get $in) (i32.const 0x8000) (local.get $n) (i32.const 0x9000)))
          (func (export "count") (result i32) (i32.load (i32.const 0x9000))))
    "#;
    current_thread().block_on(async {
        let engine = engine();
        let module =
            Module::from_bytes(&engine, &wat::parse_str(WAT).expect("wat")).expect("module");
        let linker = Linker::<()>::new(&engine);
        let mut p = linker
            .instantiate_async(&module, &WasiConfig::new(), ())
            .await
            .expect("instantiate");
        p.initialize_async().await.expect("initialize");
        let ok: i32 = p.call_async("poll", (0x100i32, 1i32)).await.expect("poll");
        assert_eq!(ok, 0);
        assert_eq!(
            p.call_async::<(), i32>("count", ()).await.expect("count"),
            1
        );
        // No subscriptions, subscriptions past the end of memory, and more
        // than memory could hold: an errno or a trap, never a crash.
        for (at, n) in [(0x100, 0), (0xfff0, 1), (0, i32::MAX)] {
            let mut p = linker
                .instantiate_async(&module, &WasiConfig::new(), ())
                .await
                .expect("instantiate");
            p.initialize_async().await.expect("initialize");
            match p.call_async::<(i32, i32), i32>("poll", (at, n)).await {
                Ok(errno) => assert_ne!(errno, 0, "poll({at:#x}, {n})"),
                Err(e) => assert!(matches!(e, Error::Trap { .. }), "poll({at:#x}, {n}): {e}"),
            }
        }
    });
}

/// A read of the inherited standard input with buffers outside memory, or
/// too many of them, is refused before anything is read (so this test's
/// own standard input is left alone): with WASI's error numbers (`EFAULT`,
/// `EINVAL`) on wasmi, where gohost reads it; on wasmtime, wasmtime-wasi's
/// own (an error number, or a trap for a buffer outside memory).
#[test]
fn a_read_of_inherited_stdin_with_bad_buffers_gets_errors() {
    // read(iovs, n): fd_read of descriptor 0 with n buffers at `iovs`, the
    // count at 0x9000.
    const WAT: &str = r#"
        (module
          (import "wasi_snapshot_preview1" "fd_read"
            (func $read (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_initialize"))
          (func (export "read") (param $iovs i32) (param $n i32) (result i32)
            (call $read (i32.const 0) (local.get $iovs) (local.get $n) (i32.const 0x9000))))
    "#;
    current_thread().block_on(async {
        let engine = engine();
        let module =
            Module::from_bytes(&engine, &wat::parse_str(WAT).expect("wat")).expect("module");
        let mut wasi = WasiConfig::new();
        wasi.stdin(gohost::Input::Inherit);
        let mut p = Linker::<()>::new(&engine)
            .instantiate_async(&module, &wasi, ())
            .await
            .expect("instantiate");
        p.initialize_async().await.expect("initialize");
        const EFAULT: i32 = 21;
        const EINVAL: i32 = 28;
        for (iovs, n, errno) in [(0xfffc, 1, EFAULT), (0, 5000, EINVAL), (0, -1, EINVAL)] {
            match p.call_async::<(i32, i32), i32>("read", (iovs, n)).await {
                Ok(got) if gohost::EngineKind::default() == gohost::EngineKind::Wasmtime => {
                    assert_ne!(got, 0, "read({iovs:#x}, {n})");
                }
                Ok(got) => assert_eq!(got, errno, "read({iovs:#x}, {n})"),
                Err(e) if gohost::EngineKind::default() == gohost::EngineKind::Wasmtime => {
                    assert!(
                        e.to_string().contains("out of bounds"),
                        "read({iovs:#x}, {n}): {e}"
                    );
                    // A trapped call poisons the instance: a new one.
                    p = Linker::<()>::new(&engine)
                        .instantiate_async(&module, &wasi, ())
                        .await
                        .expect("instantiate");
                    p.initialize_async().await.expect("initialize");
                }
                Err(e) => panic!("read({iovs:#x}, {n}): {e}"),
            }
        }
    });
}

#[test]
fn a_late_cancel_retires_a_pooled_instance_instead_of_failing_the_next_caller() {
    let engine = engine();
    let module = Module::from_file(&engine, gohost_tests::build_plugin("reactor")).expect("load");
    let pool = Pool::builder(Linker::<()>::new(&engine), module, || ())
        .max_instances(1)
        .build();
    let mut handle = None;
    let sum: i32 = pool
        .call(|p| {
            handle = Some(p.cancel_handle()?);
            p.call("add", (1i32, 2i32))
        })
        .expect("add");
    assert_eq!(sum, 3);
    // The call is over; a timeout task fires too late.
    handle.expect("handle").cancel();
    let sum: i32 = pool
        .call(|p| p.call("add", (2i32, 2i32)))
        .expect("the next caller gets a fresh instance");
    assert_eq!(sum, 4);
    let stats = pool.stats();
    assert_eq!(
        (stats.created, stats.discarded, stats.live),
        (2, 1, 1),
        "{stats:?}"
    );
}

#[test]
fn an_async_call_has_the_same_fuel_limit_as_a_sync_one() {
    current_thread().block_on(async {
        let engine = Engine::new(Config::new().consume_fuel(true).interruptible(true));
        let module = module(&engine);
        let fuel = 20_000_000;
        let mut p = linker(&engine)
            .instantiate_limited_async(
                &module,
                &WasiConfig::new(),
                (),
                Limits::new().fuel_per_call(fuel),
            )
            .await
            .expect("instantiate");
        p.initialize_async().await.expect("initialize");
        let err = p.call_async::<(i64,), i64>("spin", (-1,)).await;
        assert!(
            matches!(&err, Err(Error::FuelExhausted { func, limit }) if func == "spin" && *limit == fuel),
            "{err:?}"
        );
    });
}

#[test]
fn an_async_call_outside_a_runtime_is_a_clear_error() {
    // Made inside a runtime (where the timers are checked), called outside
    // any: each call checks that it has a runtime.
    let mut instance = current_thread().block_on(plugin(Limits::default()));
    let outside = current_thread_free(instance.call_async::<(i32, i32), i32>("sum", (1, 2)));
    assert!(
        matches!(&outside, Err(Error::Config(m)) if m.contains("Tokio runtime")),
        "{outside:?}"
    );
    // Refused before the guest ran: the instance is as good as before.
    let sum = current_thread().block_on(instance.call_async::<(i32, i32), i32>("sum", (1, 2)));
    assert_eq!(sum.expect("sum"), 3);
}

#[test]
fn a_runtime_without_timers_is_a_clear_error() {
    let no_timers = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let err = no_timers.block_on(async {
        let engine = engine();
        linker(&engine)
            .instantiate_async(&module(&engine), &WasiConfig::new(), ())
            .await
            .expect_err("no timers")
    });
    assert!(
        matches!(&err, Error::Config(m) if m.contains("enable_time()")),
        "{err:?}"
    );
}

/// A folder holding `asyncplug.wasm`.
fn asyncplug_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(asyncplug(), dir.path().join("asyncplug.wasm")).expect("copy");
    dir
}

#[test]
fn a_plugin_set_starts_and_checks_async_plugins_on_async_instances() {
    let dir = asyncplug_folder();
    // Loaded from a plain thread: the set checks the plugin on a runtime
    // of its own (its start and health check await `env.wait`).
    let set = gohost::PluginSet::builder(linker(&engine()), |_| ())
        .health_check_async(|plugin| {
            Box::pin(async move {
                match plugin
                    .call_async::<(i32, i32), i32>("chain", (2, 5))
                    .await?
                {
                    10 => Ok(()),
                    other => Err(Error::Config(format!("chain answered {other}"))),
                }
            })
        })
        .load(dir.path())
        .expect("load");
    assert_eq!(set.names(), ["asyncplug"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let total = runtime.block_on(set.call_async("asyncplug", |plugin| {
        Box::pin(plugin.call_async::<(i32, i32), i32>("chain", (3, 1)))
    }));
    assert_eq!(total.ok(), Some(3));

    // Loaded inside a runtime, with a check that fails: refused.
    let changes = std::sync::Mutex::new(Vec::new());
    let changes = std::sync::Arc::new(changes);
    let seen = std::sync::Arc::clone(&changes);
    let set = runtime.block_on(async {
        gohost::PluginSet::builder(linker(&engine()), |_| ())
            .health_check_async(|plugin| {
                Box::pin(async move { plugin.call_async::<(), i32>("failing", ()).await.map(drop) })
            })
            .on_change(move |c| seen.lock().expect("lock").push(c.to_string()))
            .load(dir.path())
            .expect("load")
    });
    assert!(set.names().is_empty());
    let changes = changes.lock().expect("lock").clone();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].starts_with("asyncplug: not loaded: guest trapped: ")
            && changes[0].contains("the database is down"),
        "{changes:?}"
    );
}

#[test]
fn a_sync_health_check_for_an_async_plugin_is_refused_with_how_to_fix_it() {
    let dir = asyncplug_folder();
    let refused = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = std::sync::Arc::clone(&refused);
    let set = gohost::PluginSet::builder(linker(&engine()), |_| ())
        .health_check(|_| Ok(()))
        .on_change(move |c| *seen.lock().expect("lock") = c.to_string())
        .load(dir.path())
        .expect("load");
    assert!(set.names().is_empty());
    assert_eq!(
        *refused.lock().expect("lock"),
        "asyncplug: not loaded: invalid configuration: asyncplug imports async host \
         functions, so its instances are async and its health check must be too: give \
         the set health_check_async"
    );
}
