//! Async soak: 4,000 async calls through a `gohost::Pool` of four instances,
//! from 16 tasks on a two-worker Tokio runtime. The plugin's host functions
//! are the `async fn`s of a `#[gohost::host_module]` (they yield, await
//! timers, fail with a typed error, panic or never finish), called through
//! the generated Go bindings and the generated `_async` client.
//!
//! One call in 20 ends early, in each way an async call can: a host
//! function that panics, a Go panic, a deadline over a host future that
//! never finishes, the call's future dropped while it awaits and while it
//! computes, a cancel handle fired from another thread, a memory bomb, fuel
//! running out, and `os.Exit`. The host must not crash; every outcome must
//! be the one planned; every host future must be dropped by the end (none
//! is left parked in a discarded instance); and resident memory at the end
//! must stay within a small bound of the memory after warm-up.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gohost::{Config, Engine, Error, Limits, Linker, Module, Pool, Reuse};

/// The host module of the `asyncsoak` plugin.
#[gohost::host_module(name = "soak", go_package = "soak", go_out = "guests/asyncsoak/soak")]
pub mod soak {
    use std::fmt;
    use std::time::Duration;

    /// Why a lookup failed.
    #[derive(Debug, Clone, PartialEq)]
    pub enum SoakError {
        /// No value for `key` (keys that start with "missing").
        NotFound { key: String },
    }

    impl fmt::Display for SoakError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                SoakError::NotFound { key } => write!(f, "no value for {key:?}"),
            }
        }
    }

    /// The value of `key`, after a yield to the executor (so that the
    /// call is pending once): "value of KEY".
    pub async fn lookup(key: &str) -> Result<String, SoakError> {
        let _alive = super::Alive::new();
        tokio::task::yield_now().await;
        if key.starts_with("missing") {
            return Err(SoakError::NotFound {
                key: key.to_owned(),
            });
        }
        Ok(format!("value of {key}"))
    }

    /// Waits `micros` microseconds on a Tokio timer and returns them.
    pub async fn pause(micros: u32) -> u32 {
        let _alive = super::Alive::new();
        tokio::time::sleep(Duration::from_micros(u64::from(micros))).await;
        micros
    }

    /// Never finishes; says that the call of `tag` reached it.
    pub async fn forever(tag: &str) -> u32 {
        let _alive = super::Alive::new();
        super::reached(tag);
        std::future::pending::<()>().await;
        unreachable!("a pending future never resumes")
    }

    /// Says that the call of `tag` starts to compute without end.
    pub fn computing(tag: &str) {
        super::reached(tag);
    }

    /// Panics after a yield to the executor.
    pub async fn explode() -> u32 {
        let _alive = super::Alive::new();
        tokio::task::yield_now().await;
        panic!("{}", super::HOST_PANIC)
    }

    extern "Go" {
        /// Does what `kind` says (see `Kind` in the test): looks `key` up
        /// and pauses, calls a host function that never finishes or
        /// panics, panics, spins, eats memory or exits. Before it hangs or
        /// spins it says so, with `key` as the tag.
        pub fn step(kind: u32, key: &str) -> Result<u32, String>;
    }
}

/// The calls (by key) that reached `forever` or their endless computation:
/// where a call is dropped or cancelled, and the check that a call stopped
/// by its deadline or fuel was stopped there.
static REACHED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn reached(tag: &str) {
    REACHED.lock().expect("reached").insert(tag.to_owned());
}

fn has_reached(tag: &str) -> bool {
    REACHED.lock().expect("reached").contains(tag)
}

/// How many host futures exist: each `async fn` above holds an `Alive`
/// from its first poll until it is dropped, finished or not.
static ALIVE: AtomicI64 = AtomicI64::new(0);

struct Alive;

impl Alive {
    fn new() -> Self {
        ALIVE.fetch_add(1, Ordering::SeqCst);
        Alive
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

const CALLS: u64 = 4_000;
/// One call in 20 faults: 5%.
const FAULT_EVERY: u64 = 20;
const TASKS: u64 = 16;
const INSTANCES: usize = 4;
/// Calls before the first memory reading: enough for every kind of fault to
/// have happened five times and the allocators to settle.
const WARM_UP: u64 = 1_000;
/// How much resident memory may grow between warm-up and the end.
/// Measured: −5.3 to +7.8 MiB on wasmi, +0.1 to +0.3 MiB on wasmtime. 150
/// instances fault after warm-up: leaking each (its Go heap, some MiB)
/// breaks this bound.
const RSS_BOUND: u64 = 32 << 20;
/// Ends the calls that await `forever`; ten times what spinning through
/// `fuel()` takes, so that those end out of fuel, not at the deadline.
const DEADLINE: Duration = Duration::from_secs(1);

/// The fuel of each call: spinning through it takes about 0.1 s on either
/// engine (wasmi runs about a quarter of wasmtime's fuel in the same time
/// here).
fn fuel() -> u64 {
    if gohost::EngineKind::default() == gohost::EngineKind::Wasmi {
        100_000_000
    } else {
        300_000_000
    }
}
/// The `micros` of a plain call's pause.
const PAUSE_MICROS: u32 = 100;

/// What a call does: `step`'s `kind`, as the guest reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Looks a key up and pauses: a value.
    Lookup = 0,
    /// Looks a missing key up: the host's typed error, returned by Go as an
    /// error. Not a fault: the instance stays.
    Missing = 1,
    /// Awaits `forever`: the deadline, a drop or a cancel ends it.
    Hang = 2,
    /// Awaits `explode`, which panics.
    HostPanic = 3,
    /// Go panics.
    GoPanic = 4,
    /// Computes without end: fuel, a drop or a cancel ends it.
    Spin = 5,
    /// Allocates without end: the memory limit ends it.
    Eat = 6,
    /// `os.Exit(7)`.
    Exit = 7,
}

/// How a call must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Value,
    TypedError,
    HostPanic,
    GoPanic,
    Deadline,
    DroppedAwaiting,
    DroppedComputing,
    CancelledAwaiting,
    CancelledComputing,
    MemoryLimit,
    Fuel,
    Exit,
}

const FAULTS: [Outcome; 10] = [
    Outcome::HostPanic,
    Outcome::GoPanic,
    Outcome::Deadline,
    Outcome::DroppedAwaiting,
    Outcome::DroppedComputing,
    Outcome::CancelledAwaiting,
    Outcome::CancelledComputing,
    Outcome::MemoryLimit,
    Outcome::Fuel,
    Outcome::Exit,
];

/// What call `i` must do: one in 20 a fault of the next kind, one in 10
/// a missing key, the rest a lookup.
fn plan(i: u64) -> Outcome {
    if i % FAULT_EVERY == FAULT_EVERY - 1 {
        FAULTS[(i / FAULT_EVERY) as usize % FAULTS.len()]
    } else if i % 10 == 3 {
        Outcome::TypedError
    } else {
        Outcome::Value
    }
}

fn kind_of(outcome: Outcome) -> Kind {
    match outcome {
        Outcome::Value => Kind::Lookup,
        Outcome::TypedError => Kind::Missing,
        Outcome::HostPanic => Kind::HostPanic,
        Outcome::GoPanic => Kind::GoPanic,
        Outcome::Deadline | Outcome::DroppedAwaiting | Outcome::CancelledAwaiting => Kind::Hang,
        Outcome::DroppedComputing | Outcome::CancelledComputing | Outcome::Fuel => Kind::Spin,
        Outcome::MemoryLimit => Kind::Eat,
        Outcome::Exit => Kind::Exit,
    }
}

/// The message of `explode`'s panic.
const HOST_PANIC: &str = "the host function broke";

/// Keeps the 20 planned panics of `explode` (a trap for the guest, checked
/// by `call`) from printing a message and a backtrace each; other panics
/// print as usual.
fn quiet_planned_panics() {
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = (payload.downcast_ref::<&str>().copied())
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        if message != Some(HOST_PANIC) {
            print(info);
        }
    }));
}

/// Makes call `i` and checks that it ended as planned, and that a call
/// planned to hang or spin reached that point first.
async fn call(pool: &Pool<()>, i: u64) {
    let planned = plan(i);
    let kind = kind_of(planned) as u32;
    let key = match planned {
        Outcome::TypedError => format!("missing-{i}"),
        _ => format!("key-{i}"),
    };
    let step = {
        let key = key.clone();
        pool.call_async(move |p| {
            Box::pin(async move {
                match planned {
                    Outcome::CancelledAwaiting | Outcome::CancelledComputing => {
                        let handle = p.cancel_handle()?;
                        let tag = key.clone();
                        let canceller = std::thread::spawn(move || {
                            // Cancels the call once it awaits or spins.
                            for _ in 0..10_000 {
                                if has_reached(&tag) {
                                    break;
                                }
                                std::thread::sleep(Duration::from_millis(1));
                            }
                            handle.cancel();
                        });
                        let result = soak::exports::step_async(p, kind, &key).await;
                        canceller.join().expect("the cancelling thread");
                        result
                    }
                    _ => soak::exports::step_async(p, kind, &key).await,
                }
            })
        })
    };
    let mut step = std::pin::pin!(step);
    if let Outcome::DroppedAwaiting | Outcome::DroppedComputing = planned {
        // Runs the call until it awaits or spins, then drops it there.
        let there = async {
            while !has_reached(&key) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::select! {
            biased;
            ended = &mut step => panic!("call {i} ({planned:?}) ended before it hung or spun: {ended:?}"),
            () = there => {}
        }
        assert_reached(i, planned, &key);
        return;
    }
    let ended = step.await;
    let value = format!("value of {key}").len() as u32 + PAUSE_MICROS;
    let as_planned = match (&ended, planned) {
        (Ok(Ok(v)), Outcome::Value) => *v == value,
        (Ok(Err(message)), Outcome::TypedError) => *message == format!("the host has no {key}"),
        (Err(Error::Trap { message }), Outcome::HostPanic) => message.contains(&format!(
            "host function soak.explode panicked: {HOST_PANIC}"
        )),
        (Err(Error::GuestPanic { message, .. }), Outcome::GoPanic) => {
            message.contains("the plugin broke")
        }
        (Err(Error::DeadlineExceeded { deadline, .. }), Outcome::Deadline) => *deadline == DEADLINE,
        (
            Err(Error::Cancelled { func }),
            Outcome::CancelledAwaiting | Outcome::CancelledComputing,
        ) => func == "step",
        (Err(Error::MemoryLimit { .. }), Outcome::MemoryLimit) => true,
        (Err(Error::FuelExhausted { limit, .. }), Outcome::Fuel) => *limit == fuel(),
        (Err(Error::Exited { code: 7 }), Outcome::Exit) => true,
        _ => false,
    };
    assert!(as_planned, "call {i} ({planned:?}): {ended:?}");
    if let Kind::Hang | Kind::Spin = kind_of(planned) {
        assert_reached(i, planned, &key);
    }
}

/// Checks that call `i`, planned to hang or spin, got there.
fn assert_reached(i: u64, planned: Outcome, key: &str) {
    let reached = REACHED.lock().expect("reached").remove(key);
    assert!(
        reached,
        "call {i} ({planned:?}) ended before it hung or spun"
    );
}

/// Runs calls `from..to` from the tasks, split by index.
async fn run(pool: &Arc<Pool<()>>, from: u64, to: u64) {
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for i in (from..to).filter(|i| i % TASKS == t) {
                    call(&pool, i).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a soak task panicked");
    }
}

fn plugin() -> PathBuf {
    gohost_tests::build_plugin("asyncsoak")
}

#[test]
fn four_thousand_async_calls_with_five_percent_faults() {
    quiet_planned_panics();
    let engine = Engine::new(Config::new().interruptible(true).consume_fuel(true));
    let module = Module::from_file(&engine, plugin()).expect("load plugin");
    let mut linker = Linker::<()>::new(&engine);
    soak::add_to_linker(&mut linker).expect("soak");
    let pool = Arc::new(
        Pool::builder(linker, module, || ())
            .max_instances(INSTANCES)
            .reuse(Reuse::UntilFault)
            .limits(
                Limits::new()
                    .memory_bytes(32 << 20)
                    .fuel_per_call(fuel())
                    .deadline(DEADLINE),
            )
            .build(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime");
    let start = Instant::now();

    let (warm_rss, warm_time, end_rss) = runtime.block_on(async {
        run(&pool, 0, WARM_UP).await;
        let warm_rss = gohost_tests::rss_bytes();
        let warm_time = start.elapsed();
        run(&pool, WARM_UP, CALLS).await;
        (warm_rss, warm_time, gohost_tests::rss_bytes())
    });

    // Each call checked its own outcome (in `call`); these are the counts.
    let mut planned = [0u64; Outcome::Exit as usize + 1];
    for i in 0..CALLS {
        planned[plan(i) as usize] += 1;
    }
    let count = |outcomes: &[Outcome]| outcomes.iter().map(|o| planned[*o as usize]).sum::<u64>();

    // No host future outlived its call: the dropped, cancelled and
    // timed-out calls' futures went with their instances.
    assert_eq!(ALIVE.load(Ordering::SeqCst), 0, "host futures still alive");

    let faults = CALLS / FAULT_EVERY;
    let stats = pool.stats();
    assert_eq!(
        stats.discarded, faults,
        "every faulted instance was dropped: {stats:?}"
    );
    assert_eq!(
        stats.created,
        stats.discarded + stats.live as u64,
        "{stats:?}"
    );
    assert!(stats.live <= INSTANCES, "{stats:?}");
    // The pool counted every call, and each fault by its kind.
    assert_eq!(stats.calls, CALLS, "{stats:?}");
    assert_eq!(stats.errors, 0, "typed errors are replies: {stats:?}");
    let f = &stats.faults;
    assert_eq!(
        [
            f.trap,
            f.guest_panic,
            f.deadline,
            f.cancelled,
            f.memory_limit,
            f.fuel,
            f.other,
            f.poisoned
        ],
        [
            count(&[Outcome::HostPanic]),
            count(&[Outcome::GoPanic]),
            count(&[Outcome::Deadline]),
            count(&[
                Outcome::DroppedAwaiting,
                Outcome::DroppedComputing,
                Outcome::CancelledAwaiting,
                Outcome::CancelledComputing,
            ]),
            count(&[Outcome::MemoryLimit]),
            count(&[Outcome::Fuel]),
            count(&[Outcome::Exit]),
            0,
        ],
        "{stats:?}"
    );
    assert!(REACHED.lock().expect("reached").is_empty());

    let rss = gohost_tests::RssGrowth {
        warm: warm_rss,
        end: end_rss,
    };
    eprintln!(
        "async soak: {CALLS} calls, {faults} faulted; outcomes {planned:?}; {} instances created, \
         {} live at the end; {rss} ({WARM_UP} calls of warm-up); warm-up {:.1} s, total {:.1} s",
        stats.created,
        stats.live,
        warm_time.as_secs_f64(),
        start.elapsed().as_secs_f64(),
    );
    rss.assert_within(RSS_BOUND);
}
