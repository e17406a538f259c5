//! An instance on one engine: what it keeps between calls, and the checks
//! and bookkeeping every call does (its mode, its deadline and fuel, how
//! it ended).

use std::sync::Arc;

use super::async_call::Stopped;
use super::exports::Exports;
use crate::backtrace::GuestBacktrace;
use crate::engine::Backend;
use crate::engine::StoreData;
use crate::error::Error;
use crate::limits::CancelHandle;
use crate::trace::FuelCount;

/// An instance on the engine `B` (see [`Instance`](crate::Instance), which
/// holds one of either engine).
pub(crate) struct InstanceOn<B: Backend, S: 'static> {
    pub(super) store: B::Store<S>,
    pub(super) instance: B::Instance,
    /// Exports resolved by name once, not on every call.
    pub(super) exports: Exports<B>,
    /// The guest's buffer for encoded export arguments, from the last
    /// `__gohost_alloc` (address, size), reused while arguments fit.
    pub(super) args_buf: Option<(i32, i32)>,
    /// Where export arguments are encoded, reused from call to call.
    pub(super) args: Vec<u8>,
    /// Whether the engine meters fuel (asked once: the engine's answer to
    /// "how much fuel is left" is an allocated error when it does not).
    pub(super) metered: bool,
    /// Whether the module is a reactor (exports `_initialize`).
    reactor: bool,
    /// Whether calls can be interrupted (deadlines, cancellation).
    interruptible: bool,
    pub(super) initialized: bool,
    /// An async call is running; still set if its future was dropped
    /// before it ended, which leaves the guest half-run.
    pub(super) in_flight: bool,
    pub(super) poisoned: Option<String>,
    /// The fuel the call in progress has spent, counted only while its
    /// span is enabled on an engine that meters fuel.
    pub(super) fuel_count: Option<FuelCount>,
}

/// The export Go's reactor build (`-buildmode=c-shared`) provides to start
/// its runtime.
pub(super) const INITIALIZE: &str = "_initialize";
/// Why an instance whose async call was dropped mid-run refuses calls.
const DROPPED: &str = "an async call was cancelled (its future dropped) before it ended";
/// Why an instance whose cancel handle was used refuses calls.
const CANCELLED: &str = "it was cancelled with its CancelHandle";

/// How a top-level call runs: on the calling thread, or as a future that
/// awaits host functions and yields to the executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Sync,
    Async,
}

impl<B: Backend, S> InstanceOn<B, S> {
    pub(crate) fn new(mut store: B::Store<S>, instance: B::Instance, interruptible: bool) -> Self {
        let reactor = B::func(&mut store, instance, INITIALIZE).is_some();
        let metered = B::metered(&store);
        InstanceOn {
            store,
            instance,
            exports: Exports::default(),
            args_buf: None,
            args: Vec::new(),
            metered,
            reactor,
            interruptible,
            initialized: false,
            in_flight: false,
            poisoned: None,
            fuel_count: None,
        }
    }

    pub(super) fn data(&self) -> &StoreData<B, S> {
        B::data(&self.store)
    }

    pub(super) fn data_mut(&mut self) -> &mut StoreData<B, S> {
        B::data_mut(&mut self.store)
    }

    pub(crate) fn id(&self) -> u64 {
        self.data().ident.id
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.data().ident.plugin.as_deref()
    }

    pub(crate) fn set_name(&mut self, name: Arc<str>) {
        self.data_mut().ident.plugin = Some(name);
    }

    pub(crate) fn state(&self) -> &S {
        &self.data().user
    }

    pub(crate) fn state_mut(&mut self) -> &mut S {
        &mut self.data_mut().user
    }

    pub(crate) fn into_state(self) -> S {
        B::into_data(self.store).user
    }

    pub(crate) fn open_handles(&self) -> usize {
        self.data().abi.handles.len()
    }

    pub(crate) fn memory_size(&self) -> usize {
        self.data()
            .memory
            .map_or(0, |m| B::memory(&self.store, m).len())
    }

    /// The guest's memory export.
    pub(super) fn memory(&self) -> Result<B::Memory, Error> {
        self.data().memory.ok_or_else(|| Error::MissingExport {
            name: "memory".into(),
            expected: "a memory".into(),
        })
    }

    /// Whether the instance can still be called; `Some(reason)` if not.
    #[inline]
    pub(crate) fn poisoned(&self) -> Option<&str> {
        if self.in_flight {
            return Some(DROPPED);
        }
        if self.poisoned.is_none() && self.data().deadline.cancel_requested() {
            // Cancelled after its last call ended: unusable all the same,
            // so that a pool does not hand it to the next caller.
            return Some(CANCELLED);
        }
        self.poisoned.as_deref()
    }

    #[inline]
    pub(super) fn check_poisoned(&self) -> Result<(), Error> {
        match self.poisoned() {
            Some(why) => Err(Error::Poisoned {
                reason: why.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Marks the instance poisoned with `err`'s description, returning it.
    pub(crate) fn poison(&mut self, err: Error) -> Error {
        self.poisoned = Some(err.to_string());
        err
    }

    /// Marks the instance poisoned because a reply did not decode.
    pub(crate) fn bad_reply(&mut self, func: &str, message: &str) -> Error {
        self.poison(Error::BadReply {
            func: func.to_owned(),
            message: message.to_owned(),
        })
    }

    /// A handle that stops this instance's running call from elsewhere.
    pub(crate) fn cancel_handle(&mut self) -> Result<CancelHandle, Error> {
        if !self.interruptible {
            return Err(Error::Config(
                "a cancel handle needs an engine built with Config::interruptible(true)".into(),
            ));
        }
        Ok(CancelHandle::new(self.data_mut().deadline.cancel_state()))
    }

    /// Refuses a sync method on an async instance and the other way round;
    /// `method` is the sync method's name (`call`, `run`, `initialize`).
    #[inline(always)]
    pub(super) fn check_mode(&self, mode: Mode, method: &str) -> Result<(), Error> {
        match (self.data().asynchronous, mode) {
            (false, Mode::Sync) => Ok(()),
            (true, Mode::Async) => super::async_call::require_runtime(),
            (asynchronous, _) => Err(wrong_mode(asynchronous, method)),
        }
    }

    /// Refuses a call of a reactor's export before `initialize`.
    #[inline(always)]
    pub(super) fn check_started(&self, name: &str) -> Result<(), Error> {
        if self.reactor && !self.initialized {
            return Err(not_started(name));
        }
        Ok(())
    }

    /// Starts the clock of a top-level call: it (with every call a host
    /// function makes back into the guest) may run until the deadline.
    #[inline]
    pub(super) fn arm_deadline(&mut self) {
        let limit = self.data().limits.deadline;
        self.data_mut().deadline.arm(limit);
        // Only an interruptible engine checks a deadline in the engine
        // (wasmtime's epochs; async calls need such an engine too).
        if self.interruptible {
            B::arm_deadline(&mut self.store);
        }
    }

    /// Gives the next call its full fuel budget (unlimited when the engine
    /// meters fuel but this instance has no limit).
    #[inline(always)]
    pub(super) fn refuel(&mut self) -> Result<(), Error> {
        if self.metered {
            self.set_fuel()?;
        }
        Ok(())
    }

    /// [`refuel`](Self::refuel) on an engine that meters fuel.
    fn set_fuel(&mut self) -> Result<(), Error> {
        let fuel = self.data().limits.fuel_per_call.unwrap_or(u64::MAX);
        if let Some(count) = &mut self.fuel_count {
            count.tally(B::fuel_left(&self.store), fuel);
        }
        B::set_call_fuel(&mut self.store, fuel).map_err(|e| Error::Engine(B::message(&e)))
    }

    /// Classifies an engine error from a call and poisons the instance.
    pub(super) fn fault(&mut self, func: &str, e: B::Error) -> Error {
        let data = self.data();
        let err = if let Some(requested_bytes) = data.limiter.denied {
            Error::MemoryLimit {
                limit_bytes: data.limiter.max_bytes,
                requested_bytes,
            }
        } else if let Some(code) = B::exit_status(&e) {
            Error::Exited { code }
        } else if let Some(err) = data.deadline.error(func) {
            err.with_backtrace(self.backtrace(&e))
        } else if B::out_of_fuel(&e) {
            Error::FuelExhausted {
                func: func.to_owned(),
                limit: data.limits.fuel_per_call.unwrap_or(0),
                backtrace: self.backtrace(&e),
            }
        } else {
            Error::Trap {
                message: B::message(&e),
                backtrace: self.backtrace(&e),
            }
        };
        self.poison(err)
    }

    /// The frames the engine recorded with `e`, under Go's own names where
    /// the guest's memory holds them.
    #[cold]
    fn backtrace(&self, e: &B::Error) -> GuestBacktrace {
        let mut backtrace = B::backtrace(e);
        if let (false, Some(memory)) = (backtrace.is_empty(), self.data().memory) {
            backtrace.restore_go_names(B::memory(&self.store, memory));
        }
        backtrace
    }

    /// The error of a call stopped while it awaited; poisons the instance.
    pub(super) fn stopped(&mut self, func: &str, why: Stopped) -> Error {
        let deadline = &mut self.data_mut().deadline;
        deadline.stop(why == Stopped::Cancelled);
        let err = deadline.error(func).unwrap_or_else(|| Error::Cancelled {
            func: func.to_owned(),
        });
        self.poison(err)
    }
}

/// The error of a sync call on an async instance (`asynchronous`), or the
/// other way round.
#[cold]
#[inline(never)]
fn wrong_mode(asynchronous: bool, method: &str) -> Error {
    Error::Config(if asynchronous {
        format!("{method}() on an instance made with instantiate_async: use {method}_async()")
    } else {
        format!(
            "{method}_async() on an instance made with instantiate: instantiate it with \
             instantiate_async to call it asynchronously"
        )
    })
}

/// The error of a call of a reactor's export before `initialize` (Go
/// traps with a cryptic message otherwise).
#[cold]
#[inline(never)]
fn not_started(name: &str) -> Error {
    Error::Config(format!(
        "call initialize() before calling `{name}`: the module is a reactor and its runtime has not started"
    ))
}
