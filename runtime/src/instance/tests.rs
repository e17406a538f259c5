//! Deadlines and fuel, as calls meet them: a call's plan (`plan.rs`) with
//! the engine's interruption (fuel slices on wasmi, epochs on wasmtime).

use std::time::Duration;

use crate::engine::{Config, Engine, Module};
use crate::error::{Error, Trap};
use crate::host::Caller;
use crate::limits::Limits;
use crate::linker::Linker;
use crate::wasi::WasiConfig;

/// `spin(n)` runs a loop `n` times, `forever` never ends; `fail` and
/// `exit` call host functions that end the call; `quick` and `stuck`
/// are encoded exports (`docs/abi.md`), one replying at once, one never.
const WAT: &str = r#"
    (module
      (import "env" "fail" (func $fail))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "spin") (param $n i32) (result i32)
        (local $i i32)
        (loop $again
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $i))
      (func (export "forever") (loop $again (br $again)))
      (data (i32.const 0x200) "\00ok")
      (func (export "__gohost_alloc") (param i32) (result i32) (i32.const 0x100))
      (func (export "quick") (param i32 i32) (result i64)
        (i64.or (i64.shl (i64.const 0x200) (i64.const 32)) (i64.const 3)))
      (func (export "stuck") (param i32 i32) (result i64)
        (loop $again (br $again))
        (i64.const 0))
      (func (export "fail") (call $fail))
      (func (export "exit") (call $exit (i32.const 7))))
"#;

fn engine() -> Engine {
    Engine::new(Config::new().consume_fuel(true).interruptible(true))
}

fn instance(engine: &Engine, limits: Limits) -> crate::Instance<()> {
    let module = Module::from_bytes(engine, &wat::parse_str(WAT).expect("wat")).expect("load");
    let mut linker = Linker::<()>::new(engine);
    linker
        .func_wrap("env", "fail", |_: Caller<'_, ()>| -> Result<(), Trap> {
            Err(Trap::new("the host says no"))
        })
        .expect("define");
    linker
        .instantiate_limited(&module, &WasiConfig::new(), (), limits)
        .expect("instantiate")
}

/// Calls `export(arg)` on a fresh instance with `limits`.
fn call(engine: &Engine, limits: Limits, export: &str, arg: Option<i32>) -> Result<i32, Error> {
    let mut i = instance(engine, limits);
    match arg {
        Some(n) => i.call(export, (n,)),
        None => i.call::<(), ()>(export, ()).map(|()| 0),
    }
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn a_deadline_keeps_the_fuel_limit_exact() {
    // Many slices' worth of work (wasmi hands out fuel in slices when a
    // call has a deadline): the least fuel that completes it must be the
    // same with and without a deadline.
    let engine = engine();
    let n = 3_000_000;
    let fits = |fuel: u64, deadline: bool| {
        let mut limits = Limits::new().fuel_per_call(fuel);
        if deadline {
            limits = limits.deadline(HOUR);
        }
        match call(&engine, limits, "spin", Some(n)) {
            Ok(v) => {
                assert_eq!(v, n);
                true
            }
            Err(Error::FuelExhausted { limit, .. }) => {
                assert_eq!(limit, fuel);
                false
            }
            Err(e) => panic!("spin with {fuel} fuel: {e}"),
        }
    };
    let (mut lo, mut hi) = (0u64, 1u64 << 30);
    assert!(fits(hi, false));
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid, false) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    assert!(hi > 2_000_000, "the loop should span slices: {hi}");
    assert!(fits(hi, true), "{hi} fuel suffices without a deadline");
    assert!(!fits(hi - 1, true), "{} fuel does not", hi - 1);
}

#[test]
fn host_errors_end_a_call_with_a_deadline_as_without() {
    let engine = engine();
    for deadline in [None, Some(HOUR)] {
        let limits = deadline.map_or(Limits::new(), |d| Limits::new().deadline(d));
        let err = call(&engine, limits, "fail", None)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("guest trapped: the host says no"),
            "{deadline:?}"
        );
        let err = call(&engine, limits, "exit", None);
        assert!(
            matches!(err, Err(Error::Exited { code: 7 })),
            "{deadline:?}: {err:?}"
        );
    }
}

#[test]
fn a_call_that_runs_past_its_deadline_ends() {
    let engine = engine();
    let limits = Limits::new().deadline(Duration::from_millis(20));
    let err = call(&engine, limits, "forever", None);
    assert!(
        matches!(&err, Err(Error::DeadlineExceeded { func, deadline })
            if func == "forever" && *deadline == Duration::from_millis(20)),
        "{err:?}"
    );
}

#[test]
fn an_encoded_call_has_one_deadline() {
    let engine = engine();
    let limits = Limits::new().deadline(Duration::from_millis(20));
    let mut i = instance(&engine, limits);
    let reply = i.call_encoded("quick", b"args").expect("quick");
    assert_eq!(reply, (0, b"ok".to_vec()));
    let err = i.call_encoded("stuck", b"args");
    assert!(
        matches!(&err, Err(Error::DeadlineExceeded { func, .. }) if func == "stuck"),
        "{err:?}"
    );
    assert!(i.poisoned().is_some());
}

/// Encoded export calls (`encoded.rs`): the argument buffer and replies.
mod encoded {
    use crate::__private::{call_export, reply_ok, ExportId, Writer};
    use crate::engine::{Engine, Module};
    use crate::error::Error;
    use crate::linker::Linker;
    use crate::wasi::WasiConfig;

    /// A guest of encoded exports (`docs/abi.md`, "Exports"): its
    /// allocator counts its calls and hands out the buffer at `$at`;
    /// `echo` replies status 0 and its arguments, `far` a reply outside
    /// its memory; `misplace` moves the next buffer to the end of memory.
    const WAT: &str = r#"
        (module
          (memory (export "memory") 1)
          (global $allocs (mut i32) (i32.const 0))
          (global $at (mut i32) (i32.const 0x100))
          (func (export "__gohost_alloc") (param i32) (result i32)
            (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
            (global.get $at))
          (func (export "allocs") (result i32) (global.get $allocs))
          (func (export "misplace") (global.set $at (i32.const 0xfff0)))
          (func (export "echo") (param $p i32) (param $n i32) (result i64)
            (i32.store8 (i32.const 0x8000) (i32.const 0))
            (memory.copy (i32.const 0x8001) (local.get $p) (local.get $n))
            (i64.or
              (i64.shl (i64.const 0x8000) (i64.const 32))
              (i64.extend_i32_u (i32.add (local.get $n) (i32.const 1)))))
          (func (export "far") (param i32 i32) (result i64)
            (i64.or (i64.shl (i64.const 0xfffe) (i64.const 32)) (i64.const 16))))
    "#;

    static ECHO: ExportId = ExportId::new("echo");
    static FAR: ExportId = ExportId::new("far");

    fn instance() -> crate::Instance<()> {
        let engine = Engine::default();
        let module = Module::from_bytes(&engine, &wat::parse_str(WAT).expect("wat")).expect("load");
        Linker::<()>::new(&engine)
            .instantiate(&module, &WasiConfig::new(), ())
            .expect("instantiate")
    }

    fn echo(i: &mut crate::Instance<()>, text: &str) -> Result<String, Error> {
        call_export(
            i,
            &ECHO,
            |w: &mut Writer<'_>| w.bytes(text.as_bytes()),
            |s, p| reply_ok("echo", s, p),
        )
    }

    fn allocs(i: &mut crate::Instance<()>) -> i32 {
        i.call("allocs", ()).expect("allocs")
    }

    #[test]
    fn the_argument_buffer_is_allocated_only_when_the_arguments_outgrow_it() {
        let mut i = instance();
        assert_eq!(echo(&mut i, "abc").ok().as_deref(), Some("abc"));
        assert_eq!(echo(&mut i, "defgh").ok().as_deref(), Some("defgh"));
        assert_eq!(allocs(&mut i), 1, "one buffer of 256 bytes serves both");
        let long = "x".repeat(300);
        assert_eq!(echo(&mut i, &long).ok(), Some(long.clone()));
        assert_eq!(allocs(&mut i), 2, "304 bytes need a buffer of 512");
        assert_eq!(echo(&mut i, "abc").ok().as_deref(), Some("abc"));
        assert_eq!(allocs(&mut i), 2);
        // The raw form shares the buffer.
        let raw = i.call_encoded("echo", b"\x02\0\0\0hi").expect("raw");
        assert_eq!(raw, (0, b"\x02\0\0\0hi".to_vec()));
        assert_eq!(allocs(&mut i), 2);
    }

    #[test]
    fn a_reply_outside_guest_memory_is_a_bad_reply() {
        let mut i = instance();
        let err = call_export(&mut i, &FAR, |_| {}, |s, p| reply_ok::<u32>("far", s, p));
        assert!(
            matches!(&err, Err(Error::BadReply { func, message })
                if func == "far" && message.contains("outside guest memory")),
            "{err:?}"
        );
        assert!(i.poisoned().is_some());
    }

    #[test]
    fn an_argument_buffer_outside_guest_memory_is_a_bad_reply() {
        let mut i = instance();
        i.call::<(), ()>("misplace", ()).expect("misplace");
        let err = echo(&mut i, &"y".repeat(100));
        assert!(
            matches!(&err, Err(Error::BadReply { func, message })
                if func == "__gohost_alloc" && message.contains("not writable")),
            "{err:?}"
        );
        assert!(i.poisoned().is_some());
        // The host goes on: a new instance works.
        assert_eq!(echo(&mut instance(), "ok").ok().as_deref(), Some("ok"));
    }
}
