//! The wall-clock deadline of the running call and its cancellation, shared
//! by both adapters: the instance arms it when a top-level call starts; the
//! engine's interruption point (wasmi: the end of a fuel slice, wasmtime:
//! the epoch callback) asks it whether the call must stop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cancel::CancelState;
use crate::Error;

/// The deadline of the call in progress, kept in the store, and the flag of
/// the instance's [`CancelHandle`](crate::CancelHandle) if it has one.
#[derive(Debug, Default)]
pub(crate) struct Deadline {
    /// How long the running top-level call may take.
    limit: Option<Duration>,
    /// When the running top-level call must end; `None` when it may run
    /// without limit.
    ends_at: Option<Instant>,
    /// Whether the call was stopped because `ends_at` passed; what tells a
    /// deadline from any other trap, also through re-entered calls.
    expired: bool,
    /// Set once a cancel handle exists: every call is then interruptible.
    cancel: Option<Arc<CancelState>>,
    /// Whether the call was stopped by its cancel handle (then `expired`
    /// is set too).
    cancelled: bool,
}

impl Deadline {
    /// Starts a top-level call that may run for `limit` (no limit: `None`).
    #[inline]
    pub(crate) fn arm(&mut self, limit: Option<Duration>) {
        self.limit = limit;
        // A deadline too far to represent is no deadline.
        self.ends_at = limit.and_then(|d| Instant::now().checked_add(d));
        self.expired = false;
        self.cancelled = false;
    }

    /// Whether the running call can be stopped at all: it has a deadline,
    /// or the instance a cancel handle.
    pub(crate) fn armed(&self) -> bool {
        self.ends_at.is_some() || self.cancel.is_some()
    }

    /// When the running call must end, if it has a deadline.
    pub(crate) fn ends_at(&self) -> Option<Instant> {
        self.ends_at
    }

    /// The instance's cancellation state, if it has a cancel handle.
    pub(crate) fn cancel(&self) -> Option<Arc<CancelState>> {
        self.cancel.clone()
    }

    /// Whether the instance's cancel handle was used: it is then unusable.
    #[inline]
    pub(crate) fn cancel_requested(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// The instance's cancellation state, made on first use.
    pub(crate) fn cancel_state(&mut self) -> Arc<CancelState> {
        self.cancel.get_or_insert_with(Default::default).clone()
    }

    /// Reads the clock and the cancel flag: whether the call must stop now.
    /// Once it has, it stays stopped for the rest of the call.
    pub(crate) fn passed(&mut self) -> bool {
        if !self.expired {
            if self.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
                self.cancelled = true;
                self.expired = true;
            } else {
                self.expired = self.ends_at.is_some_and(|end| Instant::now() >= end);
            }
        }
        self.expired
    }

    /// Records that the running call was stopped from outside the engine
    /// (an async call whose deadline passed, or which was cancelled, while
    /// it awaited): `cancelled` tells which.
    pub(crate) fn stop(&mut self, cancelled: bool) {
        self.expired = true;
        self.cancelled = cancelled;
    }

    /// [`Error::DeadlineExceeded`] or [`Error::Cancelled`] for a call of
    /// `func`, if the running (or last) call was stopped by its deadline or
    /// its cancel handle.
    pub(crate) fn error(&self, func: &str) -> Option<Error> {
        if !self.expired {
            None
        } else if self.cancelled {
            Some(Error::Cancelled {
                func: func.to_owned(),
            })
        } else {
            Some(Error::DeadlineExceeded {
                func: func.to_owned(),
                deadline: self.limit.unwrap_or_default(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{Caller, Config, Engine, Error, Limits, Linker, Module, Trap, WasiConfig};

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
}
