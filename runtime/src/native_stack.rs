//! The native stack under guest calls.
//!
//! wasmtime runs guest code on the calling thread's own stack, and its
//! `max_wasm_stack` bounds how much of it the guest may use, relative to
//! where the call entered; it does not check that the thread *has* that
//! much left. A guest that recurses on a thread with less stack than that
//! (a `std::thread` has 2 MiB, Go's runner gives the guest 8 MiB) would run
//! into the thread's guard page, and the process aborts. So every call that
//! enters guest code from the host first asks [`has_room`], runs in place
//! when the thread has room, and otherwise [`on_spare_stack`]: on a stack
//! of known size that the thread keeps for the next such call
//! ([`with_stack`] does both).
//!
//! wasmi keeps the guest's call stack on the heap, but each call a host
//! function makes back into the guest nests the interpreter on the native
//! stack: [`remaining`] lets it refuse a nesting the thread has no room for,
//! rather than overflow.

use std::cell::Cell;
use std::io;

use corosensei::stack::{DefaultStack, Stack};

/// Stack kept below the lowest address a call may reach, for what runs on
/// a stack without being counted (signal frames, rounding, the slop of
/// reading the stack pointer from a local).
const MARGIN: usize = 64 << 10;

thread_local! {
    /// The stack this thread runs oversized calls on, kept between calls;
    /// taken out while a call runs on it. Boxed so that taking it out and
    /// putting it back moves one pointer: on a thread with less stack than
    /// a guest may use (every Tokio worker, a `main` with the usual 8 MiB)
    /// this happens on every call.
    static SPARE: Cell<Option<Box<Spare>>> = const { Cell::new(None) };
    /// The lowest usable address of the stack the thread runs on: its own
    /// (learned on first use; 0 until then), or a gohost stack while a call
    /// runs there. Kept here so that the check on every call into the
    /// guest is one thread-local read and a subtraction.
    static LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// How many bytes of native stack the current thread has left below this
/// frame, if that can be told.
#[inline]
pub(crate) fn remaining() -> Option<usize> {
    let limit = match LIMIT.get() {
        0 => learn_limit()?,
        limit => limit,
    };
    Some(stack_pointer().saturating_sub(limit))
}

/// Learns where the thread's own stack ends, once per thread.
#[cold]
#[inline(never)]
fn learn_limit() -> Option<usize> {
    let left = stacker::remaining_stack()?;
    let limit = stack_pointer().checked_sub(left).filter(|&l| l != 0)?;
    LIMIT.set(limit);
    Some(limit)
}

/// Whether the thread has `needed` bytes of stack left below this frame:
/// the check on every call into the guest (a thread-local read and a
/// comparison).
#[inline]
pub(crate) fn has_room(needed: usize) -> bool {
    remaining().is_some_and(|left| left >= needed)
}

/// Runs `f` with at least `needed` bytes of native stack below it: in place
/// when the thread [`has_room`], otherwise [`on_spare_stack`].
#[inline]
pub(crate) fn with_stack<R>(needed: usize, f: impl FnOnce() -> R) -> Result<R, NoStack> {
    if has_room(needed) {
        return Ok(f());
    }
    on_spare_stack(needed, f)
}

/// A call that needed a stack of its own could not map one.
#[derive(Debug, thiserror::Error)]
#[error("cannot map {needed} bytes of native stack to run the guest on: {source}")]
pub(crate) struct NoStack {
    needed: usize,
    source: io::Error,
}

/// Runs `f` on the thread's spare stack, made (once) `needed` bytes large.
///
/// Fails only when no such stack can be mapped (the process is out of
/// address space).
#[cold]
#[inline(never)]
pub(crate) fn on_spare_stack<R>(needed: usize, f: impl FnOnce() -> R) -> Result<R, NoStack> {
    // A call nested in one that runs on the spare stack (a host function
    // that calls another instance) finds it taken, and maps its own.
    let spare = match SPARE.take() {
        Some(spare) if spare.usable >= needed => spare,
        _ => Box::new(Spare::new(needed)?),
    };
    let mut guard = Switched {
        limit: LIMIT.replace(spare.low),
        spare: Some(spare),
    };
    let spare = guard.spare.as_mut().expect("the stack was just put there");
    Ok(corosensei::on_stack(&mut spare.stack, f))
}

/// A stack for guest calls, with its bounds worked out once.
struct Spare {
    stack: DefaultStack,
    /// The lowest address a call on it may use.
    low: usize,
    /// How many bytes a call on it may use.
    usable: usize,
}

impl Spare {
    fn new(needed: usize) -> Result<Spare, NoStack> {
        let stack = DefaultStack::new(needed.saturating_add(MARGIN))
            .map_err(|source| NoStack { needed, source })?;
        let low = stack.limit().get() + MARGIN;
        Ok(Spare {
            usable: stack.base().get() - low,
            low,
            stack,
        })
    }
}

/// Puts the thread back on its previous stack's bookkeeping when the call
/// ends, also when it panics, and keeps the stack for the next call.
struct Switched {
    limit: usize,
    /// Given back to [`SPARE`] (or dropped) by `drop`.
    spare: Option<Box<Spare>>,
}

impl Drop for Switched {
    #[inline]
    fn drop(&mut self) {
        LIMIT.set(self.limit);
        let Some(ours) = self.spare.take() else {
            return;
        };
        // One thread-local access: `LocalKey::set` would go through its
        // lazy initialisation. The common case finds no stack kept
        // meanwhile; a nested call that needed its own may have kept one,
        // and the larger of the two stays.
        SPARE.with(|kept| {
            let keep = match kept.take() {
                Some(other) if other.usable > ours.usable => other,
                _ => ours,
            };
            kept.set(Some(keep));
        });
    }
}

/// The address of a local: the stack pointer, give or take this frame
/// (one instruction where a call to read the register exactly costs a
/// call; [`MARGIN`] covers the difference).
#[inline(always)]
fn stack_pointer() -> usize {
    let here = 0u8;
    std::ptr::addr_of!(here) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recurses until the stack is `bytes` below where it started; returns
    /// how deep it went.
    fn burn(bytes: usize) -> usize {
        fn down(start: usize, bytes: usize) -> usize {
            let frame = std::hint::black_box([1u8; 1024]);
            if start - stack_pointer() >= bytes {
                return frame[0] as usize;
            }
            down(start, bytes) + frame[1] as usize
        }
        down(stack_pointer(), bytes)
    }

    #[test]
    fn a_call_needing_more_than_the_thread_has_runs_on_the_spare_stack() {
        let eight_mib = 8 << 20;
        let result = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                assert!(remaining().is_some_and(|left| left < eight_mib));
                let first = with_stack(eight_mib, || {
                    assert!(remaining().is_some_and(|left| left >= eight_mib));
                    burn(7 << 20)
                });
                // Back on the thread's own stack, with the spare one kept.
                assert!(remaining().is_some_and(|left| left < eight_mib));
                let kept = SPARE.take().map(|s| s.usable);
                assert!(kept.is_some_and(|size| size >= eight_mib), "{kept:?}");
                first
            })
            .expect("spawn")
            .join()
            .expect("join");
        assert!(matches!(result, Ok(depth) if depth > 1000), "{result:?}");
    }

    #[test]
    fn a_panic_on_the_spare_stack_reaches_the_caller_and_leaves_things_tidy() {
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                let caught = std::panic::catch_unwind(|| {
                    with_stack(4 << 20, || panic!("guest call panicked"))
                });
                assert!(caught.is_err());
                let own = LIMIT.get();
                assert_ne!(own, 0, "the thread's own limit is known by now");
                // Nested: a call on the spare stack that needs a second one.
                let nested = with_stack(1 << 20, || with_stack(2 << 20, || burn(3 << 19)));
                assert!(nested.is_ok_and(|inner| inner.is_ok_and(|depth| depth > 100)));
                assert_eq!(LIMIT.get(), own);
            })
            .expect("spawn")
            .join()
            .expect("join");
    }

    #[test]
    fn a_thread_with_room_runs_the_call_in_place() {
        let before = stack_pointer();
        let inside = with_stack(16 << 10, stack_pointer).expect("in place");
        // Same stack, a few frames down.
        assert!(before.abs_diff(inside) < 64 << 10);
    }
}
