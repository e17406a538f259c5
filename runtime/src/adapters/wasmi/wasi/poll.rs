//! WASI's `poll_oneoff` for async calls on wasmi. Go calls it to sleep:
//! when every goroutine waits (`time.Sleep`, a timer, a channel with a
//! timeout), its scheduler polls one clock subscription for the time until
//! the next timer. `wasi-common`, wasmi's WASI, is synchronous and would
//! block the executor's thread for that long; in an async call this version
//! awaits a Tokio timer instead. (wasmtime-wasi has an async preview 1 of
//! its own, which the wasmtime engine uses.)
//!
//! Clock subscriptions wait, and so does a read subscription for an
//! inherited standard input, which an async instance reads ahead on a
//! thread of its own (see `stdin`; Go reads its standard input without
//! polling it, C's `poll()` polls it). A poll of other file descriptors
//! (Go polls sockets and non-blocking files) reports them ready at once: a
//! read or write that follows finds out, as after any spurious wakeup.

use std::time::{Duration, Instant, SystemTime};

use super::stdin::{Readiness, SharedStdin};
use crate::abi::GuestMemory;
use crate::adapters::wasmi::caller::data_of;
use crate::error::Trap;
use crate::host::{Caller, HostCall};

const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const STDIN_FD: u32 = 0;
const CLOCKID_REALTIME: u32 = 0;
const CLOCKID_MONOTONIC: u32 = 1;
const SUBCLOCKFLAGS_ABSTIME: u16 = 1;
const ERRNO_SUCCESS: i32 = 0;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;
/// The most subscriptions one poll may have. Go polls one clock and the
/// descriptors it waits on; the cap keeps a hostile guest from making the
/// host allocate for billions.
const MAX_SUBSCRIPTIONS: usize = 1 << 16;

/// One subscription: its userdata, its kind, and when it fires.
#[derive(Debug, Clone, Copy)]
struct Subscription {
    userdata: u64,
    kind: u8,
    fires: Fires,
}

/// When a subscription fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fires {
    At(Instant),
    /// When the inherited standard input can be read without waiting.
    OnStdin,
}

impl Fires {
    fn at(self) -> Option<Instant> {
        match self {
            Fires::At(t) => Some(t),
            Fires::OnStdin => None,
        }
    }
}

/// The async instances' `wasi_snapshot_preview1.poll_oneoff`.
pub(crate) fn poll_oneoff<S: Send + 'static>(
    caller: &mut Caller<'_, S>,
    subscriptions: i32,
    events: i32,
    count: i32,
    nevents: i32,
) -> HostCall<S, i32> {
    let now = Instant::now();
    let monotonic_now = monotonic_now(caller);
    let clocks = Clocks {
        now,
        monotonic_now,
        async_stdin: data_of(caller).is_ok_and(|d| d.wasi.async_stdin),
    };
    let subs = match caller.__split() {
        Ok((cx, _)) => read_subscriptions(&cx.mem, subscriptions, count, clocks),
        Err(trap) => return HostCall::ready(Err(trap)),
    };
    let subs = match subs {
        Ok(subs) if !subs.is_empty() => subs,
        Ok(_) => return HostCall::ready(Ok(ERRNO_INVAL)),
        Err(errno) => return HostCall::ready(Ok(errno)),
    };
    let first = subs.iter().filter_map(|s| s.fires.at()).min();
    let stdin = subs
        .iter()
        .any(|s| s.fires == Fires::OnStdin)
        .then(SharedStdin::get);
    HostCall::with_finish(
        async move {
            match (stdin, first) {
                (Some(stdin), None) => stdin.readable().await,
                (Some(stdin), Some(first)) => {
                    // Whichever comes first; the finish tells which.
                    let _ = tokio::time::timeout_at(first.into(), stdin.readable()).await;
                }
                (None, Some(first)) if first > Instant::now() => {
                    tokio::time::sleep_until(first.into()).await;
                }
                (None, _) => {}
            }
            subs
        },
        move |subs, mut cx, _| -> Result<i32, Trap> {
            let now = Instant::now();
            let stdin = stdin.and_then(SharedStdin::readiness);
            let fired = subs.iter().filter_map(|s| match s.fires {
                Fires::At(t) => (t <= now).then_some((s, None)),
                Fires::OnStdin => stdin.map(|r| (s, Some(r))),
            });
            Ok(write_events(&mut cx.mem, fired, events, nevents).unwrap_or(ERRNO_FAULT))
        },
    )
}

/// What placing subscriptions in time needs.
#[derive(Debug, Clone, Copy)]
struct Clocks {
    now: Instant,
    /// The guest's monotonic clock now, for absolute monotonic deadlines.
    monotonic_now: Option<Duration>,
    /// Whether standard input is the async one (`Wasi::async_stdin`).
    async_stdin: bool,
}

/// The guest's monotonic clock now (WASI's clocks start with the context),
/// to place absolute monotonic deadlines.
fn monotonic_now<S>(caller: &mut Caller<'_, S>) -> Option<Duration> {
    let clock = data_of(caller).ok()?.wasi.ctx.clocks.monotonic().ok()?;
    let now = clock.abs_clock.now(Duration::ZERO);
    Some(now.duration_since(clock.creation_time))
}

fn read_subscriptions(
    mem: &GuestMemory<'_>,
    ptr: i32,
    count: i32,
    clocks: Clocks,
) -> Result<Vec<Subscription>, i32> {
    let Clocks {
        now,
        monotonic_now,
        async_stdin,
    } = clocks;
    let n = usize::try_from(count)
        .ok()
        .filter(|&n| n <= MAX_SUBSCRIPTIONS)
        .ok_or(ERRNO_INVAL)?;
    let len = n
        .checked_mul(SUBSCRIPTION_SIZE)
        .and_then(|l| i32::try_from(l).ok())
        .ok_or(ERRNO_INVAL)?;
    let bytes = mem.bytes(ptr, len).map_err(|_| ERRNO_FAULT)?;
    bytes
        .chunks_exact(SUBSCRIPTION_SIZE)
        .map(|s| {
            let u64_at = |o: usize| u64::from_le_bytes(s[o..o + 8].try_into().unwrap_or_default());
            let userdata = u64_at(0);
            let kind = s[8];
            // A clock's id, or a file descriptor.
            let id = u32::from_le_bytes(s[16..20].try_into().unwrap_or_default());
            if kind != EVENTTYPE_CLOCK {
                // Descriptor 0 is taken to be standard input: WASI gives
                // new descriptors numbers from 3, and only `fd_renumber`
                // could put another file there (Go never does; such a
                // guest would wait for standard input, within its limits).
                let on_stdin = kind == EVENTTYPE_FD_READ && id == STDIN_FD && async_stdin;
                return Ok(Subscription {
                    userdata,
                    kind,
                    fires: if on_stdin {
                        Fires::OnStdin
                    } else {
                        Fires::At(now)
                    },
                });
            }
            let timeout = Duration::from_nanos(u64_at(24));
            let flags = u16::from_le_bytes(s[40..42].try_into().unwrap_or_default());
            let wait = if flags & SUBCLOCKFLAGS_ABSTIME == 0 {
                timeout
            } else {
                match id {
                    CLOCKID_REALTIME => {
                        let since_epoch = SystemTime::now()
                            .duration_since(SystemTime::UNIX_EPOCH)
                            .unwrap_or_default();
                        timeout.saturating_sub(since_epoch)
                    }
                    CLOCKID_MONOTONIC => timeout.saturating_sub(monotonic_now.unwrap_or_default()),
                    _ => return Err(ERRNO_INVAL),
                }
            };
            Ok(Subscription {
                userdata,
                kind,
                // A time too far to represent never comes.
                fires: Fires::At(
                    now.checked_add(wait)
                        .unwrap_or(now + Duration::from_secs(1 << 32)),
                ),
            })
        })
        .collect()
}

/// Writes one event per fired subscription and their count; a read
/// subscription of standard input says what it found.
fn write_events<'a>(
    mem: &mut GuestMemory<'_>,
    fired: impl Iterator<Item = (&'a Subscription, Option<Readiness>)>,
    events: i32,
    nevents: i32,
) -> Option<i32> {
    let mut written: u32 = 0;
    for (sub, stdin) in fired {
        let mut event = [0u8; EVENT_SIZE];
        event[0..8].copy_from_slice(&sub.userdata.to_le_bytes());
        event[10] = sub.kind;
        if let Some(r) = stdin {
            // Error numbers fit in WASI's 16 bits.
            event[8..10].copy_from_slice(&(r.errno as u16).to_le_bytes());
            event[16..24].copy_from_slice(&r.buffered.to_le_bytes());
            event[24..26].copy_from_slice(&u16::from(r.hangup).to_le_bytes());
        }
        let at = (written as usize)
            .checked_mul(EVENT_SIZE)
            .and_then(|o| i32::try_from(o).ok())
            .and_then(|o| events.checked_add(o))?;
        mem.write(at, &event).ok()?;
        written += 1;
    }
    mem.write_u32(nevents, written).ok()?;
    Some(ERRNO_SUCCESS)
}
