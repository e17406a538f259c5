//! Soak: 10,000 plugin calls through a `gohost::Pool`, 5% of them faulting
//! in mixed ways (Go panic, fuel exhaustion, memory bomb, `proc_exit`). The
//! host must not crash, the counts must be exact, and the resident memory at
//! the end must stay within a small bound of the memory after warm-up: a
//! faulted instance leaves nothing behind.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use gohost::{Config, Engine, Error, Limits, Linker, Module, Pool, Reuse};

const CALLS: u64 = 10_000;
/// One call in 20 faults: 5%.
const FAULT_EVERY: u64 = 20;
const THREADS: u64 = 2;
/// Calls before the first memory reading: enough for every kind of fault to
/// have happened several times and the allocator to reach its steady state.
const WARM_UP: u64 = 1_000;
/// How much resident memory may grow between warm-up and the end. Measured:
/// +4 to +5 MiB (allocator and engine caches settling). 450 instances fault
/// after warm-up, so a leak of 75 KiB per faulted instance already breaks
/// this bound; one leaked memory bomb alone is 32 MiB.
const RSS_BOUND: u64 = 32 << 20;

fn reactor() -> PathBuf {
    gohost_tests::build_plugin("reactor")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    GoPanic,
    Fuel,
    MemoryBomb,
    Exit,
}

/// What call `i` does: mostly `add`, one in every 20 a fault of the next
/// kind, at alternately odd and even positions so both threads get faults.
fn plan(i: u64) -> Option<Fault> {
    let block = i / FAULT_EVERY;
    (i % FAULT_EVERY == FAULT_EVERY - 1 - block % 2).then_some(match block % 4 {
        0 => Fault::GoPanic,
        1 => Fault::Fuel,
        2 => Fault::MemoryBomb,
        _ => Fault::Exit,
    })
}

#[derive(Default)]
struct Counts {
    ok: AtomicU64,
    panics: AtomicU64,
    fuel: AtomicU64,
    memory: AtomicU64,
    exits: AtomicU64,
}

fn call(pool: &Pool<()>, i: u64, counts: &Counts) {
    let n = i as i32;
    match plan(i) {
        None => {
            let r = pool.call(|p| p.call::<(i32, i32), i32>("add", (n, 1)));
            assert_eq!(r.ok(), Some(n.wrapping_add(1)), "call {i}");
            counts.ok.fetch_add(1, Ordering::Relaxed);
        }
        Some(fault) => {
            let (r, counter) = match fault {
                Fault::GoPanic => (pool.call(|p| p.call::<(), i32>("boom", ())), &counts.panics),
                Fault::Fuel => (pool.call(|p| p.call::<(), i32>("spin", ())), &counts.fuel),
                Fault::MemoryBomb => (pool.call(|p| p.call::<(), i32>("eat", ())), &counts.memory),
                Fault::Exit => (
                    pool.call(|p| p.call::<(i32,), ()>("exit", (7,)).map(|()| 0)),
                    &counts.exits,
                ),
            };
            let expected = match (&r, fault) {
                (Err(Error::Trap { message, .. }), Fault::GoPanic) => {
                    message.contains("unreachable")
                }
                (Err(Error::FuelExhausted { .. }), Fault::Fuel) => true,
                (Err(Error::MemoryLimit { .. }), Fault::MemoryBomb) => true,
                (Err(Error::Exited { code: 7 }), Fault::Exit) => true,
                _ => false,
            };
            assert!(expected, "call {i} ({fault:?}): {r:?}");
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs calls `from..to`, split over the threads by index.
fn run(pool: &Arc<Pool<()>>, counts: &Arc<Counts>, from: u64, to: u64) {
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (pool, counts) = (pool.clone(), counts.clone());
            std::thread::spawn(move || {
                for i in (from..to).filter(|i| i % THREADS == t) {
                    call(&pool, i, &counts);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a soak thread panicked");
    }
}

#[test]
fn ten_thousand_calls_with_five_percent_faults() {
    let engine = Engine::new(Config::new().consume_fuel(true));
    let module = Module::from_file(&engine, reactor()).expect("load plugin");
    let pool = Arc::new(
        Pool::builder(Linker::new(&engine), module, || ())
            .max_instances(THREADS as usize)
            .reuse(Reuse::UntilFault)
            .limits(
                Limits::new()
                    .memory_bytes(32 << 20)
                    .fuel_per_call(100_000_000),
            )
            .build()
            .expect("pool"),
    );
    let counts = Arc::new(Counts::default());
    let start = Instant::now();

    run(&pool, &counts, 0, WARM_UP);
    let warm_rss = gohost_tests::rss_bytes();
    let warm_time = start.elapsed();
    run(&pool, &counts, WARM_UP, CALLS);
    let end_rss = gohost_tests::rss_bytes();

    let faults = CALLS / FAULT_EVERY;
    let c = |a: &AtomicU64| a.load(Ordering::Relaxed);
    assert_eq!(c(&counts.ok), CALLS - faults);
    assert_eq!(
        [
            c(&counts.panics),
            c(&counts.fuel),
            c(&counts.memory),
            c(&counts.exits)
        ],
        [faults / 4; 4]
    );
    let stats = pool.stats();
    assert_eq!(
        stats.discarded, faults,
        "every faulted instance was dropped"
    );
    assert_eq!(stats.created, stats.discarded + stats.live as u64);
    assert!(stats.live <= THREADS as usize);

    let rss = gohost_tests::RssGrowth {
        warm: warm_rss,
        end: end_rss,
    };
    eprintln!(
        "soak: {CALLS} calls, {} ok, {faults} faulted ({} Go panics, {} out of fuel, {} memory bombs, {} exits); \
         {} instances created, {} live at the end; {rss} ({WARM_UP} calls of warm-up); \
         warm-up {:.1} s, total {:.1} s",
        c(&counts.ok),
        c(&counts.panics),
        c(&counts.fuel),
        c(&counts.memory),
        c(&counts.exits),
        stats.created,
        stats.live,
        warm_time.as_secs_f64(),
        start.elapsed().as_secs_f64(),
    );
    rss.assert_within(RSS_BOUND);
}
