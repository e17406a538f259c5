//! The process groups of the test runs in progress.
//!
//! Each run gets a process group of its own so that a run past its limit
//! can be killed together with whatever it started (the reference runner is
//! a shell script that execs wazero). The flip side: Ctrl-C at the terminal
//! reaches only the foreground group, so without this module an interrupted
//! sweep would leave its runs behind, busy for up to the test timeout.

use std::sync::atomic::{AtomicI32, Ordering};

/// How many runs can be tracked at once: the upper bound of `--jobs`.
pub const SLOTS: usize = 64;

/// The groups being tracked; 0 is a free slot.
static LIVE: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// On SIGINT, SIGTERM or SIGHUP, kill every tracked group, then die of the
/// signal as if this handler were not there.
pub fn kill_on_interrupt() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: `on_signal` only does what is async-signal-safe (atomic
        // loads, kill, signal, raise), and has the signature signal expects.
        unsafe {
            libc::signal(
                signal,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    }
}

extern "C" fn on_signal(signal: libc::c_int) {
    for slot in &LIVE {
        let group = slot.load(Ordering::SeqCst);
        if group > 0 {
            kill_group(group);
        }
    }
    // SAFETY: both are async-signal-safe; restoring the default action
    // before raising makes the exit status say which signal ended us.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Sends SIGKILL to every process of `group`.
pub fn kill_group(group: i32) {
    // SAFETY: kill has no memory-safety preconditions; a negative pid names
    // the process group, which is one this program created.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
}

/// A tracked group, no longer tracked once dropped.
#[derive(Debug)]
pub struct Tracked(Option<usize>);

/// Tracks `group` until the returned value is dropped. With every slot
/// taken (not possible within the `--jobs` bound) the group is simply not
/// tracked.
pub fn track(group: i32) -> Tracked {
    let slot = LIVE.iter().position(|slot| {
        slot.compare_exchange(0, group, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    });
    Tracked(slot)
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            LIVE[i].store(0, Ordering::SeqCst);
        }
    }
}
