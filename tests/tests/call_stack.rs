//! Go code that recurses deep runs as deep as under Go's own runner, on any
//! thread the embedder calls from; recursion without end is an error, never
//! a crashed host. Go's fatal runtime errors end the program as Go's runner
//! ends it.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::run_with;
use gohost::{Caller, Config, Engine, Error, Instance, Limits, Linker, Module, Trap, WasiConfig};

fn deep() -> &'static PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| gohost_tests::build_guest("deep"))
}

fn callstack() -> &'static PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| gohost_tests::build_plugin("callstack"))
}

/// Runs `f` on a new thread with a stack of `bytes`, as an embedder's
/// worker thread would call gohost.
fn on_thread<R: Send + 'static>(bytes: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(bytes)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the thread panicked")
}

/// A `std::thread`'s default stack.
const TWO_MIB: usize = 2 << 20;

/// The error of a runaway recursion of `main.depth`.
fn trapped() -> String {
    common::stopped_in("guest trapped: call stack exhausted", "in", "main.depth")
}

#[test]
fn go_recurses_100_000_calls_deep_from_a_2_mib_thread() {
    let wasm = deep().clone();
    on_thread(TWO_MIB, move || {
        for (args, expected) in [
            (["recurse", "100000"], "depth 100000\n"),
            (["tree", "100000"], "nodes 100000\n"),
            // encoding/json allows 10,000 levels of nesting.
            (["json", "10000"], "levels 10000\n"),
        ] {
            let o = run_with(&wasm, &args, |_| {});
            assert_eq!(o.exit(), Some(0), "{args:?}: {o:?}");
            assert_eq!(o.stdout, expected, "{args:?}");
        }
    });
}

#[test]
fn recursion_without_end_is_a_trap_on_any_thread() {
    let wasm = deep().clone();
    for stack in [TWO_MIB, 256 << 10] {
        let wasm = wasm.clone();
        let o = on_thread(stack, move || run_with(&wasm, &["forever"], |_| {}));
        let err = o.code.as_ref().err().map(ToString::to_string);
        assert_eq!(err, Some(trapped()), "{stack}: {o:?}");
    }
    // The host lives on, and runs the next program.
    let o = run_with(&wasm, &["recurse", "1000"], |_| {});
    assert_eq!(o.stdout, "depth 1000\n");
}

#[test]
fn a_smaller_stack_limit_ends_recursion_sooner() {
    let engine = Engine::new(Config::new().max_wasm_stack(256 << 10));
    let module = Module::from_file(&engine, deep()).expect("load");
    let run = |depth: &str| {
        let mut wasi = WasiConfig::new();
        wasi.args(["deep", "recurse", depth]);
        Linker::<()>::new(&engine)
            .instantiate(&module, &wasi, ())
            .and_then(|mut i| i.run())
            .map_err(|e| e.to_string())
    };
    assert_eq!(run("1000"), Ok(0));
    assert_eq!(run("100000"), Err(trapped()));
}

/// What the test host's `call_back` calls: an export of the calling guest.
struct Host {
    call_back: &'static str,
}

/// A linker whose `call_back` calls the export the host state names.
fn linker(engine: &Engine) -> Linker<Host> {
    let mut linker = Linker::<Host>::new(engine);
    linker
        .func_wrap(
            "env",
            "call_back",
            |mut caller: Caller<'_, Host>, n: i32| -> Result<i32, Trap> {
                let export = caller.data().call_back;
                caller
                    .call::<(i32,), i32>(export, (n,))
                    .map_err(|e| Trap::new(e.to_string()))
            },
        )
        .expect("define call_back");
    linker
}

fn plugin(engine: &Engine, call_back: &'static str) -> Instance<Host> {
    let module = Module::from_file(engine, callstack()).expect("load plugin");
    let mut p = linker(engine)
        .instantiate(&module, &WasiConfig::new(), Host { call_back })
        .expect("instantiate");
    p.initialize().expect("initialize");
    p
}

#[test]
fn a_plugin_recurses_deep_in_an_export_call_and_in_a_call_back() {
    on_thread(TWO_MIB, || {
        let engine = Engine::default();
        let mut p = plugin(&engine, "depth");
        assert_eq!(
            p.call::<(i32,), i32>("depth", (100_000,)).ok(),
            Some(100_000)
        );
        // via_host -> the host -> depth, 100,000 calls deep.
        assert_eq!(
            p.call::<(i32,), i32>("via_host", (100_000,)).ok(),
            Some(100_000)
        );

        let err = p.call::<(i32,), i32>("depth", (-1,));
        assert_eq!(err.err().map(|e| e.to_string()), Some(trapped()));
        assert!(p.poisoned().is_some());

        let mut p = plugin(&engine, "depth");
        let err = p.call::<(i32,), i32>("via_host", (-1,)).err();
        // The host function's trap carries the failed call back's error.
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("call stack exhausted"), "{message}");

        let mut fresh = plugin(&engine, "depth");
        assert_eq!(fresh.call::<(i32,), i32>("depth", (10,)).ok(), Some(10));
    });
}

#[test]
fn calls_back_nested_without_end_are_an_error_not_a_crash() {
    on_thread(TWO_MIB, || {
        let engine = Engine::default();
        let mut p = plugin(&engine, "nest");
        // nest -> host -> nest -> host ...: a few levels are fine.
        assert_eq!(p.call::<(i32,), i32>("nest", (50,)).ok(), Some(50));
        // Without end, the engine's stack or the thread's runs out first;
        // either is an error.
        let err = p.call::<(i32,), i32>("nest", (i32::MAX,)).err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("call stack exhausted"), "{message}");
        let mut fresh = plugin(&engine, "nest");
        assert_eq!(fresh.call::<(i32,), i32>("nest", (3,)).ok(), Some(3));
    });
}

#[test]
fn a_pool_serves_deep_calls_from_small_threads() {
    let engine = Engine::default();
    let module = Module::from_file(&engine, callstack()).expect("load");
    let pool = gohost::Pool::builder(linker(&engine), module, || Host { call_back: "depth" })
        .max_instances(2)
        .build()
        .expect("pool");
    let pool = std::sync::Arc::new(pool);
    let threads: Vec<_> = (0..3)
        .map(|i| {
            let pool = pool.clone();
            std::thread::Builder::new()
                .stack_size(TWO_MIB)
                .spawn(move || {
                    let n = 50_000 + i;
                    let depth: Result<i32, Error> =
                        pool.call(|p| p.call::<(i32,), i32>("via_host", (n,)));
                    (n, depth.ok())
                })
                .expect("spawn")
        })
        .collect();
    for t in threads {
        let (n, depth) = t.join().expect("join");
        assert_eq!(depth, Some(n));
    }
}

#[test]
fn a_deadlocked_program_exits_as_under_go_s_runner() {
    let o = run_with(deep(), &["deadlock"], |_| {});
    assert_eq!(o.exit(), Some(2), "{o:?}");
    assert_eq!(o.stdout, "waiting\n");
    assert!(
        o.stderr
            .starts_with("fatal error: all goroutines are asleep - deadlock!"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_program_out_of_memory_is_a_memory_limit_error() {
    // Without a limit a Go program may grow to wasm's 4 GiB, and then Go
    // itself prints "fatal error: out of memory" and exits with 2, as under
    // Go's runner. With one, gohost stops it at the limit and says so.
    let engine = Engine::default();
    let module = Module::from_file(&engine, deep()).expect("load");
    let mut wasi = WasiConfig::new();
    wasi.args(["deep", "oom"]);
    let err = Linker::<()>::new(&engine)
        .instantiate_limited(&module, &wasi, (), Limits::new().memory_bytes(64 << 20))
        .and_then(|mut i| i.run())
        .err();
    assert!(
        matches!(err, Some(Error::MemoryLimit { limit_bytes, requested_bytes })
            if limit_bytes == 64 << 20 && requested_bytes > limit_bytes),
        "{err:?}"
    );
    let o = run_with(deep(), &["recurse", "10"], |_| {});
    assert_eq!(o.stdout, "depth 10\n");
}

#[test]
fn a_trap_names_the_go_function_it_stopped_in() {
    // A write through an unsafe pointer beyond linear memory: the engine
    // traps in the method that wrote.
    let o = run_with(deep(), &["poke"], |_| {});
    let err = o.code.expect_err("a write out of bounds traps");
    assert_eq!(
        err.to_string(),
        common::stopped_in(
            "guest trapped: out of bounds memory access",
            "in",
            "main.(*cells).put"
        )
    );
    // The backtrace lists the frames, innermost first, with Go's names
    // (on wasmtime; wasmi records none).
    match err.backtrace() {
        Some(backtrace) => {
            let names: Vec<_> = backtrace
                .frames()
                .iter()
                .filter_map(|f| f.name.as_deref())
                .collect();
            assert_eq!(names.first(), Some(&"main.(*cells).put"), "{backtrace}");
            assert!(names.contains(&"main.main"), "{backtrace}");
            assert!(backtrace
                .to_string()
                .contains("  0: main.(*cells).put (func "));
        }
        None => assert_eq!(gohost::EngineKind::default(), gohost::EngineKind::Wasmi),
    }
}
