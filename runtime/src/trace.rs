//! `tracing` spans of the calls into a guest and of host calls (see
//! `docs/observability.md`). Engine-independent.
//!
//! Cost when nothing listens: a span macro first compares the span's level
//! with the most verbose level any subscriber wants (one atomic load), and
//! evaluates no field, formats nothing and allocates nothing unless a
//! subscriber is interested. Callers make that comparison first
//! ([`may_be_enabled`]) and keep everything else out of line (measured:
//! with the span macro inline, the register pressure of its enabled path
//! cost a scalar host call 45 instructions on wasmi), so a span nothing
//! listens to costs a load and a branch.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
use tracing::{Level, Span};

use crate::error::{Error, Trap};

/// The target of the spans of calls into the guest: exports, `_start`,
/// `_initialize` (level DEBUG, span name `export`).
pub(crate) const EXPORT_TARGET: &str = "gohost::export";

/// The target of the spans of host function calls (level TRACE, span name
/// `host`).
pub(crate) const HOST_TARGET: &str = "gohost::host";

/// Whether any subscriber may want spans of `level`: the first check of
/// every span macro, one atomic load. Callers check it before anything
/// else, so that all the span code of their call stays out of line.
#[inline(always)]
pub(crate) fn may_be_enabled(level: Level) -> bool {
    STATIC_MAX_LEVEL >= level && LevelFilter::current() >= level
}

/// Who an instance is, for the spans of its calls: kept in its store, so
/// that host functions see it too.
#[derive(Debug, Clone)]
pub(crate) struct Ident {
    /// Unique in the process, never reused.
    pub(crate) id: u64,
    /// The plugin's name ([`Instance::set_name`](crate::Instance::set_name),
    /// or its pool's).
    pub(crate) plugin: Option<Arc<str>>,
    /// The module's name ([`Module::name`](crate::Module::name)).
    pub(crate) module: Option<Arc<str>>,
}

impl Ident {
    /// The identity of a new instance: the next id, no names yet.
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Ident {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            plugin: None,
            module: None,
        }
    }
}

/// The span of a call into the guest's `function` (an export, `_start` or
/// `_initialize`); `fuel` and `outcome` are recorded when it ends.
#[inline(always)]
pub(crate) fn export_span(ident: &Ident, function: &str) -> Span {
    tracing::debug_span!(
        target: EXPORT_TARGET,
        "export",
        module = ident.module.as_deref(),
        function,
        plugin = ident.plugin.as_deref(),
        instance = ident.id,
        fuel = tracing::field::Empty,
        outcome = tracing::field::Empty,
    )
}

/// The span of a call of the host function `$module.$function` by the
/// instance `$ident` (an expression, evaluated only when the span is
/// enabled); `outcome` is recorded when it ends.
macro_rules! host_span {
    ($ident:expr, $module:expr, $function:expr) => {
        tracing::trace_span!(
            target: $crate::trace::HOST_TARGET,
            "host",
            module = $module,
            function = $function,
            plugin = $ident.plugin.as_deref(),
            instance = $ident.id,
            outcome = tracing::field::Empty,
        )
    };
}
pub(crate) use host_span;

/// A sync host call in its span (when a subscriber may listen): out of
/// line and cold, so that the plain path stays as lean as without spans.
/// Both engine adapters call it with their own `Caller`, which `call` gets.
#[cold]
#[inline(never)]
pub(crate) fn host_call_traced<C, R>(
    caller: C,
    ident: &Ident,
    module: &str,
    name: &str,
    call: impl FnOnce(C) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let span = host_span!(ident, module, name);
    let run = || crate::error::catch_panic(&(module, name), || call(caller));
    let result = if span.is_disabled() {
        run()
    } else {
        in_host_span(&span, run)
    };
    result.and_then(|r| r)
}

/// Runs a sync host function's call (`run`: its panic guard around it) in
/// `span`, and records how it ended. Only for enabled spans: callers take
/// their plain path when it is disabled.
#[cold]
#[inline(never)]
pub(crate) fn in_host_span<R>(
    span: &Span,
    run: impl FnOnce() -> Result<Result<R, Trap>, Trap>,
) -> Result<Result<R, Trap>, Trap> {
    let result = span.in_scope(run);
    let outcome = match &result {
        Ok(Ok(_)) => "ok",
        // A parked async call records its outcome when it ends.
        Ok(Err(t)) if t.suspended() => return result,
        Ok(Err(t)) | Err(t) => trap_outcome(t),
    };
    span.record("outcome", outcome);
    result
}

/// Records the outcome of a host call that ended with `result`.
pub(crate) fn record_host<R>(span: &Span, result: &Result<R, Trap>) {
    if !span.is_disabled() {
        span.record(
            "outcome",
            match result {
                Ok(_) => "ok",
                Err(t) => trap_outcome(t),
            },
        );
    }
}

/// Records the outcome of a host call that ended with the trap `t`.
pub(crate) fn record_trap(span: &Span, t: &Trap) {
    if !span.is_disabled() {
        span.record("outcome", trap_outcome(t));
    }
}

/// `panic` for the trap of a host function that panicked, `trap` for one
/// it returned.
fn trap_outcome(t: &Trap) -> &'static str {
    if t.panicked() {
        "panic"
    } else {
        "trap"
    }
}

/// The outcome of a call into the guest that failed with `e`.
pub(crate) fn error_outcome(e: &Error) -> &'static str {
    match e {
        Error::Trap { .. } => "trap",
        Error::GuestPanic { .. } => "guest_panic",
        Error::FuelExhausted { .. } => "fuel",
        Error::DeadlineExceeded { .. } => "deadline",
        Error::MemoryLimit { .. } => "memory_limit",
        Error::Cancelled { .. } => "cancelled",
        Error::Poisoned { .. } => "poisoned",
        Error::Exited { .. } => "exited",
        Error::BadReply { .. } => "bad_reply",
        Error::Guest { .. } => "refused",
        _ => "error",
    }
}

/// The outcome of a call that returned `result`.
pub(crate) fn outcome<R>(result: &Result<R, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => error_outcome(e),
    }
}

/// The outcome of a generated client's export call: its error, or its
/// reply's `status` (`docs/abi.md`, "Exports").
pub(crate) fn reply_outcome<T>(result: &Result<T, Error>, status: u8) -> &'static str {
    match (result, status) {
        (Err(e), _) => error_outcome(e),
        (Ok(_), 0) => "ok",
        (Ok(_), 1) => "err",
        (Ok(_), _) => "bad_reply",
    }
}

/// The outcome of an encoded export's call, from its reply's status
/// (`docs/abi.md`, "Exports").
pub(crate) fn encoded_outcome(result: &Result<(u8, Vec<u8>), Error>) -> &'static str {
    match result {
        Ok((0, _)) => "ok",
        Ok((1, _)) => "err",
        Ok((2, _)) => "refused",
        Ok((3, _)) => "guest_panic",
        Ok(_) => "bad_reply",
        Err(e) => error_outcome(e),
    }
}

/// The fuel a traced call has spent: the fuel spent by its earlier wasm
/// calls, and the fuel left when the last one started (each wasm call of a
/// top-level call gets a fresh budget).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FuelCount {
    pub(crate) spent: u64,
    pub(crate) mark: u64,
}

impl FuelCount {
    /// Counts what was spent since the mark, now that `left` is left, and
    /// marks `next`.
    pub(crate) fn tally(&mut self, left: u64, next: u64) {
        self.spent = self.spent.saturating_add(self.mark.saturating_sub(left));
        self.mark = next;
    }
}
