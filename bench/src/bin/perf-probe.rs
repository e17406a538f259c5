//! The in-process half of the performance table (`perf-table` runs it once
//! per engine): each measurement through gohost next to the same work on
//! the raw engine, timed alternately in one process.
//!
//! ```text
//! perf-probe calls [--quick]   host calls, export calls, new instances,
//!                              async calls and pools
//! perf-probe spans [--quick]   only the rows of what tracing spans cost
//!                              (the last rows of `calls`)
//! perf-probe pools [--quick]   only the pool rows of `calls`
//! perf-probe instances N       keep N started instances of the benchmark guest
//! perf-probe raw-instances N   the same on the raw engine
//! perf-probe peers [--quick]   gohost's side of the peer rows
//! perf-probe peer-instances N  N instances, each after one peer-row call
//! ```
//!
//! Each takes `--guest FILE`, the benchmark guest already built (what
//! `perf-table` passes, so that no `go build` runs inside a measured
//! process); without it the guest is built first. `calls` and `pools`
//! also take `--async-guest FILE`, the async-call guest
//! (`guests/asynccalls`), built first without it.
//!
//! `calls` prints one tab-separated row per measurement: what, gohost's
//! nanoseconds, the baseline (`-` for none), the baseline's nanoseconds. The `instances`
//! modes print `instances N: peak RSS K KiB` (the process's high-water
//! mark, read from `/proc/self/status`). `peers` prints the peer rows as
//! the peer hosts do (`gohost_bench::peers`).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use gohost::{Engine, Instance, Module, Pool};
use gohost_bench::raw::RawModule;
use gohost_bench::{
    async_engine, async_linker, benchapi, gohost_async_instance, gohost_instance, gohost_linker,
    gohost_linker_untraced, measure, Listening,
};

/// Calls per guest loop: each host-call figure is one loop divided by this.
const N: i32 = 1000;

/// The pool rows: instances and threads (tokio workers, or plain threads).
const POOL_THREADS: usize = 2;
/// Concurrent tasks of the async pool row, each making calls in turn.
const POOL_TASKS: usize = 16;
/// Calls per timed batch of a pool row: each figure is one batch divided
/// by this (the inverse of the throughput).
const POOL_BATCH: usize = 512;
/// Iterations of the guest loop each pooled call runs (`loop_empty`).
const POOL_WORK: i32 = 1000;
/// The work of the pool rows that compute: an empty Go loop.
const COMPUTE: Work = Work {
    export: "loop_empty",
    arg: POOL_WORK,
    calls: POOL_BATCH,
};
/// How long the host function of each call of the pool row of calls that
/// wait waits, in microseconds (Tokio's timers count milliseconds).
const WAIT_MICROS: i32 = 1000;
/// The async pool's instances in the row of calls that wait: one per task.
const WAIT_INSTANCES: usize = POOL_TASKS;
/// The work of the pool row of calls that wait: one host call that waits
/// [`WAIT_MICROS`] (`wait_io`), a timer awaited on the async side, a
/// thread put to sleep on the sync side.
const WAIT: Work = Work {
    export: "wait_io",
    arg: WAIT_MICROS,
    calls: 64,
};

/// What a batch of pooled calls does: `calls` calls of the guest's export
/// `export(arg) -> i32`.
#[derive(Debug, Clone, Copy)]
struct Work {
    export: &'static str,
    arg: i32,
    calls: usize,
}

/// Removes `--flag VALUE` from `args`: `Ok(None)` if absent, `Err` if the
/// value is missing.
fn take_option(args: &mut Vec<String>, flag: &str) -> Result<Option<PathBuf>, ()> {
    match args.iter().position(|a| a == flag) {
        Some(i) if i + 1 < args.len() => Ok(args.drain(i..=i + 1).nth(1).map(PathBuf::from)),
        Some(_) => Err(()),
        None => Ok(None),
    }
}

fn read_guest(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read the guest {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let (Ok(guest), Ok(async_guest)) = (
        take_option(&mut args, "--guest"),
        take_option(&mut args, "--async-guest"),
    ) else {
        return usage();
    };
    let wasm = read_guest(&guest.unwrap_or_else(gohost_bench::build_guest));
    let async_wasm = || read_guest(&async_guest.unwrap_or_else(gohost_bench::build_async_guest));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["calls"] => calls(&wasm, &async_wasm(), 15),
        ["calls", "--quick"] => calls(&wasm, &async_wasm(), 3),
        ["spans"] => spans_alone(&wasm, 15),
        ["spans", "--quick"] => spans_alone(&wasm, 3),
        ["pools"] => pooled_calls(&wasm, &async_wasm(), 15),
        ["pools", "--quick"] => pooled_calls(&wasm, &async_wasm(), 3),
        ["instances", n] | ["raw-instances", n] => match n.parse::<usize>() {
            Ok(n) => instances(&wasm, n, args[0] == "raw-instances"),
            Err(_) => return usage(),
        },
        ["peers"] => peers(&wasm, 15),
        ["peers", "--quick"] => peers(&wasm, 3),
        ["peer-instances", n] => match n.parse::<usize>() {
            Ok(n) => peer_instances(&wasm, n),
            Err(_) => return usage(),
        },
        _ => return usage(),
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: perf-probe calls [--quick] [--async-guest FILE] | spans [--quick] \
         | pools [--quick] [--async-guest FILE] | instances N | raw-instances N | peers [--quick] \
         | peer-instances N, each with [--guest FILE]"
    );
    ExitCode::from(2)
}

/// The baseline of a row that has none.
const NONE: &str = "-";

fn row(what: &str, gohost_ns: f64, baseline: &str, baseline_ns: f64) {
    println!("{what}\t{gohost_ns:.1}\t{baseline}\t{baseline_ns:.1}");
}

fn calls(wasm: &[u8], async_wasm: &[u8], samples: usize) {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, wasm).expect("compile the benchmark guest");
    let linker = gohost_linker(&engine);
    let mut typed = gohost_instance(&linker, &module);
    let raw_module = RawModule::new(wasm);
    let mut raw = raw_module.instantiate();
    let raw_name = format!("raw {}, hand-written func_wrap", raw_module.engine_name());

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
        &format!("raw {} TypedFunc::call", engine.kind()),
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
        &format!("raw {}", engine.kind()),
        r,
    );

    async_host_calls(async_wasm, &mut typed, samples);
    pooled_calls(wasm, async_wasm, samples);
    // Last: once a subscriber has been set, even a finished one, span
    // macros ask the current dispatcher instead of reading one global.
    spans(&engine, &module, &mut typed, samples);
}

/// The span rows alone (`perf-probe spans`).
fn spans_alone(wasm: &[u8], samples: usize) {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, wasm).expect("compile the benchmark guest");
    let mut typed = gohost_instance(&gohost_linker(&engine), &module);
    spans(&engine, &module, &mut typed, samples);
}

/// What `tracing` spans cost (`docs/observability.md`, "Spans"): the raw scalar
/// host call registered with its span, as every host function is, against
/// the same function registered without one (`func_wrap_untraced`), in
/// the same process; first with no subscriber, then with one that takes
/// every span and keeps nothing (`Listening`). And an export call with
/// that subscriber against none.
fn spans(engine: &Engine, module: &Module, typed: &mut Instance<()>, samples: usize) {
    let mut untraced = gohost_instance(&gohost_linker_untraced(engine), module);
    let cell = std::cell::RefCell::new(typed);
    let mut pair = || {
        measure::pair(
            samples,
            || {
                black_box(gohost_bench::call_loop(
                    &mut cell.borrow_mut(),
                    "loop_raw_add",
                    N,
                    None,
                ))
                .expect("traced loop");
            },
            || {
                black_box(gohost_bench::call_loop(
                    &mut untraced,
                    "loop_raw_add",
                    N,
                    None,
                ))
                .expect("untraced loop");
            },
        )
    };
    let (g, r) = pair();
    row(
        "host call: raw add(i32, i32) -> i32 with its tracing span compiled in, no subscriber",
        g / f64::from(N),
        "the same function without the span (func_wrap_untraced)",
        r / f64::from(N),
    );
    let (g, r) = tracing::subscriber::with_default(Listening, &mut pair);
    row(
        "host call: the same with a subscriber that takes every span and keeps nothing",
        g / f64::from(N),
        "the same function without the span, same subscriber",
        r / f64::from(N),
    );
    // Both sides call the one instance, so the closures share it.
    let cell = std::cell::RefCell::new(cell.into_inner());
    let add = || {
        black_box(benchapi::exports::guest_add(
            &mut cell.borrow_mut(),
            black_box(2),
            3,
        ))
        .expect("guest_add");
    };
    let (g, r) = {
        let listening = tracing::Dispatch::new(Listening);
        let none = tracing::Dispatch::none();
        measure::pair(
            samples,
            || tracing::dispatcher::with_default(&listening, add),
            || tracing::dispatcher::with_default(&none, add),
        )
    };
    row(
        "export call: scalar guest_add, a subscriber that takes every span and keeps nothing",
        g,
        "the same call, no subscriber",
        r,
    );
}

/// Async host calls: the guest's loop of 1000 calls to an async host
/// function (whose future is ready at once), and to a sync one, each run
/// by `call_async` on a current-thread runtime, against the sync loop of
/// the calls guest (`typed`, on the default engine) run by `call`.
fn async_host_calls(async_wasm: &[u8], typed: &mut Instance<()>, samples: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let engine = async_engine();
    let module = Module::from_bytes(&engine, async_wasm).expect("compile the async guest");
    let linker = async_linker(&engine);
    let mut instance = rt.block_on(gohost_async_instance(&linker, &module));
    let baseline = "the same function sync, sync call";
    let cases = [
        (
            "host call: async add_later(i32, i32) -> i32 that completes at once, async call",
            "loop_async_add",
        ),
        (
            "host call: sync add(i32, i32) -> i32 inside an async call",
            "loop_sync_add",
        ),
    ];
    for (what, export) in cases {
        let (a, s) = measure::pair(
            samples,
            || {
                black_box(rt.block_on(instance.call_async::<(i32,), i32>(export, (N,))))
                    .expect("async loop");
            },
            || {
                black_box(typed.call::<(i32,), i32>("loop_typed_add", (N,))).expect("sync loop");
            },
        );
        row(what, a / f64::from(N), baseline, s / f64::from(N));
    }
}

/// Pool throughput: `loop_empty(1000)` through a pool of
/// [`POOL_THREADS`] instances, by [`POOL_TASKS`] tasks with
/// `Pool::call_async` on a runtime of as many workers, against
/// `Pool::call` from as many plain threads (on the default engine); then
/// the same sync calls on an interruptible engine, the engine async pools
/// need, to tell its cost from the async calls'; then the async pool
/// against that sync one, the async calls' own cost; last, the async pool
/// against what an async service does without async calls: the sync pool
/// (default engine) through `spawn_blocking` on a runtime of as many
/// workers and as many blocking threads. Then calls that wait in the host
/// (`async_wasm`'s `wait_io`, which awaits a timer) through an async pool
/// of an instance per task, against the same wait as a sync host does it
/// (a thread asleep) from as many threads. Each figure is the time of a
/// batch of calls divided by their number.
fn pooled_calls(wasm: &[u8], async_wasm: &[u8], samples: usize) {
    let pool = |engine: Engine| {
        let module = Module::from_bytes(&engine, wasm).expect("compile the benchmark guest");
        Arc::new(
            Pool::builder(gohost_linker(&engine), module, || ())
                .max_instances(POOL_THREADS)
                .build(),
        )
    };
    let async_pool = pool(async_engine());
    let sync_pool = pool(Engine::default());
    let interruptible_pool = pool(async_engine());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(POOL_THREADS)
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let crew = Crew::new(&sync_pool, POOL_THREADS, COMPUTE);
    let (a, s) = measure::pair(
        samples,
        || rt.block_on(async_batch(&async_pool, COMPUTE)),
        || crew.run(),
    );
    let interruptible_crew = Crew::new(&interruptible_pool, POOL_THREADS, COMPUTE);
    let (i, s2) = measure::pair(samples, || interruptible_crew.run(), || crew.run());
    let (a2, i2) = measure::pair(
        samples,
        || rt.block_on(async_batch(&async_pool, COMPUTE)),
        || interruptible_crew.run(),
    );
    // Its own runtime, so that its blocking threads are the only ones.
    let blocking_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(POOL_THREADS)
        .max_blocking_threads(POOL_THREADS)
        .build()
        .expect("a tokio runtime");
    let (a3, b) = measure::pair(
        samples,
        || rt.block_on(async_batch(&async_pool, COMPUTE)),
        || blocking_rt.block_on(blocking_batch(&sync_pool, COMPUTE)),
    );
    let engine = async_engine();
    let module = Module::from_bytes(&engine, async_wasm).expect("compile the async-call guest");
    let waiting_pool = Arc::new(
        Pool::builder(async_linker(&engine), module, || ())
            .max_instances(WAIT_INSTANCES)
            .build(),
    );
    // Its instances are made before it is timed.
    rt.block_on(async_batch(&waiting_pool, WAIT));
    let waiting_crew = Crew::new(&sync_pool, POOL_THREADS, WAIT);
    let (w, ws) = measure::pair(
        samples,
        || rt.block_on(async_batch(&waiting_pool, WAIT)),
        || waiting_crew.run(),
    );
    drop((crew, interruptible_crew, waiting_crew));
    let stats = waiting_pool.stats();
    assert!(
        stats.created == WAIT_INSTANCES as u64 && stats.discarded == 0,
        "the pool of calls that wait made or dropped instances while measured: {stats:?}"
    );
    for (kind, pool) in [
        ("async", &async_pool),
        ("sync", &sync_pool),
        ("interruptible sync", &interruptible_pool),
    ] {
        let stats = pool.stats();
        assert!(
            stats.created == POOL_THREADS as u64 && stats.discarded == 0,
            "the {kind} pool made or dropped instances while measured: {stats:?}"
        );
    }
    let per_call = |t: f64| t / COMPUTE.calls as f64;
    let baseline = format!("sync Pool::call from {POOL_THREADS} threads");
    row(
        &format!(
            "pooled export calls: loop_empty({POOL_WORK}) through Pool::call_async, \
             max_instances {POOL_THREADS}, {POOL_THREADS} tokio worker threads, \
             {POOL_TASKS} tasks (time per call: 1 / throughput)"
        ),
        per_call(a),
        &baseline,
        per_call(s),
    );
    row(
        "pooled export calls: the same, sync Pool::call from as many threads on an \
         interruptible engine (what async pools need)",
        per_call(i),
        &baseline,
        per_call(s2),
    );
    row(
        "pooled export calls: Pool::call_async as above, against sync Pool::call from as \
         many threads on the same (interruptible) engine",
        per_call(a2),
        &format!("sync Pool::call from {POOL_THREADS} threads, interruptible engine"),
        per_call(i2),
    );
    row(
        "pooled export calls: Pool::call_async as above, against sync Pool::call through \
         spawn_blocking on as many workers (default engine): what an async service does \
         without async calls",
        per_call(a3),
        &format!(
            "sync Pool::call in spawn_blocking, {POOL_THREADS} workers, \
             {POOL_THREADS} blocking threads, {POOL_TASKS} tasks"
        ),
        per_call(b),
    );
    row(
        &format!(
            "pooled export calls that wait: wait_io({WAIT_MICROS}), whose async host function \
             awaits a {WAIT_MICROS} µs Tokio timer, through Pool::call_async, max_instances \
             {WAIT_INSTANCES}, {POOL_THREADS} tokio worker threads, {POOL_TASKS} tasks \
             (time per call: 1 / throughput)"
        ),
        w / WAIT.calls as f64,
        &format!(
            "sync Pool::call from {POOL_THREADS} threads, the sync host function asleep \
             {WAIT_MICROS} µs"
        ),
        ws / WAIT.calls as f64,
    );
}

/// One batch of `work` through the async pool, shared by [`POOL_TASKS`]
/// concurrent tasks.
async fn async_batch(pool: &Arc<Pool<()>>, work: Work) {
    let tasks: Vec<_> = (0..POOL_TASKS)
        .map(|_| {
            let pool = Arc::clone(pool);
            tokio::spawn(async move {
                for _ in 0..work.calls / POOL_TASKS {
                    let r: i32 = pool
                        .call_async(|p| Box::pin(p.call_async(work.export, (work.arg,))))
                        .await
                        .expect("pooled async call");
                    black_box(r);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("a pool task panicked");
    }
}

/// One batch of `work` through the sync pool, each call in
/// `spawn_blocking`, by [`POOL_TASKS`] concurrent tasks: how an async
/// service calls a sync API without blocking its executor.
async fn blocking_batch(pool: &Arc<Pool<()>>, work: Work) {
    let tasks: Vec<_> = (0..POOL_TASKS)
        .map(|_| {
            let pool = Arc::clone(pool);
            tokio::spawn(async move {
                for _ in 0..work.calls / POOL_TASKS {
                    let pool = Arc::clone(&pool);
                    let r: i32 = tokio::task::spawn_blocking(move || {
                        pool.call(|p| p.call(work.export, (work.arg,)))
                    })
                    .await
                    .expect("a blocking pool call panicked")
                    .expect("pooled sync call");
                    black_box(r);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("a pool task panicked");
    }
}

/// Threads that make sync pool calls on demand, started once so that a
/// timed batch does not pay for starting threads.
struct Crew {
    orders: Vec<mpsc::Sender<usize>>,
    done: mpsc::Receiver<()>,
    threads: Vec<JoinHandle<()>>,
    work: Work,
}

impl Crew {
    fn new(pool: &Arc<Pool<()>>, threads: usize, work: Work) -> Crew {
        let (done_tx, done) = mpsc::channel();
        let (orders, threads) = (0..threads)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<usize>();
                let (pool, done_tx) = (Arc::clone(pool), done_tx.clone());
                let thread = std::thread::spawn(move || {
                    while let Ok(calls) = rx.recv() {
                        for _ in 0..calls {
                            let r: i32 = pool
                                .call(|p| p.call(work.export, (work.arg,)))
                                .expect("pooled sync call");
                            black_box(r);
                        }
                        if done_tx.send(()).is_err() {
                            return;
                        }
                    }
                });
                (tx, thread)
            })
            .unzip();
        Crew {
            orders,
            done,
            threads,
            work,
        }
    }

    /// Makes a batch of its work's calls, shared evenly by the threads,
    /// and waits for them.
    fn run(&self) {
        for o in &self.orders {
            o.send(self.work.calls / self.orders.len())
                .expect("a crew thread ended");
        }
        for _ in &self.orders {
            self.done.recv().expect("a crew thread ended");
        }
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        self.orders.clear();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// gohost's side of the peer rows (`gohost_bench::peers`): the typed
/// string host call, the typed record export call, and a new instance with
/// its first call, each with the answer it computed.
fn peers(wasm: &[u8], samples: usize) {
    use gohost_bench::peers::{answer, print_figure, request, CALLS};
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, wasm).expect("compile the benchmark guest");
    let linker = gohost_linker(&engine);
    let mut instance = gohost_instance(&linker, &module);

    let sum = gohost_bench::call_loop(&mut instance, "loop_typed_text", CALLS, None)
        .expect("loop_typed_text");
    let ns = measure::single(samples, || {
        black_box(gohost_bench::call_loop(
            &mut instance,
            "loop_typed_text",
            CALLS,
            None,
        ))
        .expect("loop_typed_text");
    });
    print_figure("host-call", ns / f64::from(CALLS), &sum.to_string());

    let req = request();
    let resp = benchapi::exports::guest_swap(&mut instance, &req).expect("guest_swap");
    let ns = measure::single(samples, || {
        black_box(benchapi::exports::guest_swap(
            &mut instance,
            black_box(&req),
        ))
        .expect("guest_swap");
    });
    print_figure("plugin-call", ns, &answer(&resp));

    let mut first = None;
    let ns = measure::single(samples.min(10), || {
        let mut i = gohost_instance(&linker, &module);
        first = Some(benchapi::exports::guest_swap(&mut i, black_box(&req)).expect("guest_swap"));
    });
    print_figure("start-call", ns, &answer(&first.expect("one call")));
}

/// Starts `n` instances of the benchmark guest, makes one peer-row call on
/// each (`guest_swap`, as the peer hosts do: Extism instantiates at the
/// first call) and keeps them while the peak memory is read.
fn peer_instances(wasm: &[u8], n: usize) {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, wasm).expect("compile the benchmark guest");
    let linker = gohost_linker(&engine);
    let req = gohost_bench::peers::request();
    let kept: Vec<_> = (0..n)
        .map(|_| {
            let mut i = gohost_instance(&linker, &module);
            benchapi::exports::guest_swap(&mut i, &req).expect("guest_swap");
            i
        })
        .collect();
    println!("instances {}: peak RSS {} KiB", kept.len(), peak_rss());
}

/// The process's peak resident memory in KiB, from `/proc/self/status`.
fn peak_rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map_or("unknown".into(), |v| {
            v.trim().trim_end_matches(" kB").to_owned()
        })
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
    println!("instances {}: peak RSS {} KiB", kept.len(), peak_rss());
}
