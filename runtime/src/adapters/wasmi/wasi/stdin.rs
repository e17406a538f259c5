//! The host's standard input for async instances on wasmi.
//!
//! wasi-common, wasmi's WASI, reads an inherited standard input with a
//! blocking read: in an async call that would block the executor's thread
//! until input comes. An async instance that inherits standard input reads
//! it through [`SharedStdin`] instead:
//! - One thread of its own reads the host's standard input into a buffer
//!   (one for the process, started by the first guest that reads or polls
//!   it), about [`CAPACITY`] bytes ahead of the guests at most.
//! - The async instances' `fd_read` ([`fd_read`]) awaits that
//!   buffer for descriptor 0; to the guest it is a blocking read, as on
//!   wasmtime (wasmtime-wasi's async standard input) or under Go's own
//!   runner. Other descriptors go to wasi-common's `fd_read`, which does
//!   not block on files.
//! - Their `poll_oneoff` awaits it too for a read subscription of
//!   descriptor 0 (see `poll`).
//!
//! Once the thread has started, the process's standard input belongs to
//! it: what it has read ahead goes to async guests only. After the input's
//! end (Ctrl-D on a terminal), reads see end of file.

use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::io::{IoSliceMut, Read};
use std::pin::pin;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use wasmi_wasi::wasi_common::file::FileType;
use wasmi_wasi::wasi_common::snapshots::preview_1::types::Errno;
use wasmi_wasi::wasi_common::{Error, WasiFile};

use crate::abi::GuestMemory;
use crate::adapters::wasmi::caller::{data_of, memory_and_data_of};
use crate::error::Trap;
use crate::host::{Caller, HostCall};

/// How much of the host's standard input is read ahead of the guests: the
/// reader waits while the buffer holds this much (and then reads at most
/// [`CHUNK`] more).
const CAPACITY: usize = 1 << 20;
/// The most one read of the host's standard input takes.
const CHUNK: usize = 64 << 10;
/// How long the reader waits before it reads again a host standard input
/// left non-blocking (by whoever started the process) that had nothing.
const RETRY: Duration = Duration::from_millis(5);

const STDIN_FD: i32 = 0;
const IOVEC_SIZE: usize = 8;
/// The most buffers one read may have (POSIX's `IOV_MAX` on Linux).
const MAX_IOVECS: usize = 1024;

/// WASI's error numbers that this module returns.
const ERRNO_SUCCESS: i32 = 0;
const ERRNO_BADF: i32 = 8;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;
const ERRNO_IO: i32 = 29;
/// The host's `EBADF` on the platforms gohost runs on (Linux, macOS).
const EBADF: i32 = 9;

/// The standard input of an async instance that inherits the host's: what
/// wasi-common's functions other than `fd_read` see of descriptor 0.
#[derive(Debug)]
pub(crate) struct AsyncStdin;

#[async_trait::async_trait]
impl WasiFile for AsyncStdin {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn isatty(&self) -> bool {
        std::io::IsTerminal::is_terminal(&std::io::stdin())
    }

    async fn get_filetype(&self) -> Result<FileType, Error> {
        // As wasi-common's own standard input says.
        Ok(if self.isatty() {
            FileType::CharacterDevice
        } else {
            FileType::Unknown
        })
    }

    /// What is buffered, without waiting (the async `fd_read` is what
    /// waits): `EAGAIN` when nothing is.
    async fn read_vectored<'a>(&self, bufs: &mut [IoSliceMut<'a>]) -> Result<u64, Error> {
        let max = bufs.iter().map(|b| b.len()).fold(0, usize::saturating_add);
        let bytes = match SharedStdin::get().try_take(max) {
            None => return Err(Errno::Again.into()),
            Some(Err(errno)) => return Err(failed(errno)),
            Some(Ok(bytes)) => bytes,
        };
        let mut rest = &bytes[..];
        for buf in bufs.iter_mut() {
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        Ok(bytes.len() as u64)
    }

    fn num_ready_bytes(&self) -> Result<u64, Error> {
        Ok(SharedStdin::get().lock().buffered.len() as u64)
    }
}

/// A WASI error number as wasi-common's error.
fn failed(errno: i32) -> Error {
    match errno {
        ERRNO_BADF => Errno::Badf.into(),
        _ => Errno::Io.into(),
    }
}

/// The host's standard input, read ahead by a thread of its own.
#[derive(Debug, Default)]
pub(crate) struct SharedStdin {
    state: Mutex<State>,
    /// Woken when input, its end or an error comes.
    arrived: tokio::sync::Notify,
    /// Woken when a guest's read makes room in the buffer.
    room: Condvar,
}

#[derive(Debug, Default)]
struct State {
    buffered: VecDeque<u8>,
    /// How the input ended: `None` while it goes on.
    end: Option<End>,
    /// Whether the reading thread was started.
    started: bool,
}

/// See [`SharedStdin::readiness`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Readiness {
    pub(crate) buffered: u64,
    pub(crate) hangup: bool,
    pub(crate) errno: i32,
}

#[derive(Debug, Clone, Copy)]
enum End {
    Eof,
    /// With the WASI error number every later read gets.
    Failed(i32),
}

impl SharedStdin {
    /// The process's one reader of its standard input.
    pub(crate) fn get() -> &'static SharedStdin {
        static STDIN: OnceLock<SharedStdin> = OnceLock::new();
        STDIN.get_or_init(SharedStdin::default)
    }

    /// The state, the reading thread started: it reads only once a guest
    /// asks, so that a host whose guests never read keeps its input.
    fn lock(&'static self) -> MutexGuard<'static, State> {
        // A panic while locked leaves nothing half-changed that a reader
        // could trip on (each change is one call on the buffer or a field).
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !state.started {
            state.started = true;
            let spawned = std::thread::Builder::new()
                .name("gohost-stdin".into())
                .spawn(move || self.read_ahead());
            if spawned.is_err() {
                state.end = Some(End::Failed(ERRNO_IO));
            }
        }
        state
    }

    /// The reading thread: reads until the input ends or fails, waiting
    /// while the buffer is full.
    fn read_ahead(&'static self) {
        let mut chunk = vec![0u8; CHUNK];
        loop {
            {
                let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                let _room = self
                    .room
                    .wait_while(state, |s| s.buffered.len() >= CAPACITY)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            let read = std::io::stdin().read(&mut chunk);
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            match read {
                Ok(0) => state.end = Some(End::Eof),
                Ok(n) => state.buffered.extend(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    drop(state);
                    std::thread::sleep(RETRY);
                    continue;
                }
                Err(e) => {
                    let errno = if e.raw_os_error() == Some(EBADF) {
                        ERRNO_BADF
                    } else {
                        ERRNO_IO
                    };
                    state.end = Some(End::Failed(errno));
                }
            }
            let ended = state.end.is_some();
            drop(state);
            self.arrived.notify_waiters();
            if ended {
                return;
            }
        }
    }

    /// What a poll reports when a read would not have to wait (`None`
    /// when it would): the bytes buffered, whether the input has ended
    /// (WASI's hangup), and the WASI error number of a read that failed.
    pub(crate) fn readiness(&'static self) -> Option<Readiness> {
        let state = self.lock();
        let buffered = state.buffered.len() as u64;
        let (hangup, errno) = match state.end {
            None if buffered == 0 => return None,
            None => (false, 0),
            Some(End::Eof) => (buffered == 0, 0),
            Some(End::Failed(errno)) => (false, if buffered == 0 { errno } else { 0 }),
        };
        Some(Readiness {
            buffered,
            hangup,
            errno,
        })
    }

    /// Waits until a read would not have to wait.
    pub(crate) async fn readable(&'static self) {
        self.wait_for(Self::readiness).await;
    }

    /// Takes up to `max` bytes once there are any: empty at the end of the
    /// input (or for `max` 0), the WASI error number if it failed. Taken
    /// here rather than when the guest's call finishes, so that another
    /// guest reading too cannot leave this one with nothing.
    async fn take(&'static self, max: usize) -> Result<Vec<u8>, i32> {
        self.wait_for(|stdin| stdin.try_take(max)).await
    }

    /// [`take`](Self::take) without waiting: `None` when it would wait.
    fn try_take(&'static self, max: usize) -> Option<Result<Vec<u8>, i32>> {
        let mut state = self.lock();
        if max == 0 {
            return Some(Ok(Vec::new()));
        }
        if !state.buffered.is_empty() {
            let n = max.min(state.buffered.len());
            let taken = state.buffered.drain(..n).collect();
            drop(state);
            self.room.notify_one();
            return Some(Ok(taken));
        }
        match state.end? {
            End::Eof => Some(Ok(Vec::new())),
            End::Failed(errno) => Some(Err(errno)),
        }
    }

    /// Waits until `ready` finds what it looks for.
    async fn wait_for<T>(&'static self, ready: impl Fn(&'static Self) -> Option<T>) -> T {
        loop {
            // Registered before the check, so that input coming between
            // the check and the wait still wakes it.
            let mut arrived = pin!(self.arrived.notified());
            arrived.as_mut().enable();
            if let Some(found) = ready(self) {
                return found;
            }
            arrived.await;
        }
    }
}

/// The async instances' `wasi_snapshot_preview1.fd_read`: awaits the
/// inherited standard input ([`SharedStdin`]), and leaves other
/// descriptors, and instances whose standard input is not the host's, to
/// wasi-common.
pub(crate) fn fd_read<S: Send + 'static>(
    caller: &mut Caller<'_, S>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nread: i32,
) -> HostCall<S, i32> {
    if fd != STDIN_FD || !data_of(caller).is_ok_and(|d| d.wasi.async_stdin) {
        return HostCall::ready(wasi_common_fd_read(caller, fd, iovs, iovs_len, nread));
    }
    let buffers = match caller.__split() {
        Ok((cx, _)) => read_iovecs(&cx.mem, iovs, iovs_len),
        Err(trap) => return HostCall::ready(Err(trap)),
    };
    let buffers = match buffers {
        Ok(buffers) => buffers,
        Err(errno) => return HostCall::ready(Ok(errno)),
    };
    let max = buffers
        .iter()
        .map(|&(_, len)| len as usize)
        .fold(0usize, usize::saturating_add);
    HostCall::with_finish(
        SharedStdin::get().take(max),
        move |taken, mut cx, _| -> Result<i32, Trap> {
            Ok(match taken {
                Ok(bytes) => scatter(&mut cx.mem, &buffers, &bytes, nread),
                Err(errno) => errno,
            })
        },
    )
}

/// The guest's buffers of a read: `(address, length)` each.
fn read_iovecs(mem: &GuestMemory<'_>, iovs: i32, count: i32) -> Result<Vec<(u32, u32)>, i32> {
    let n = usize::try_from(count)
        .ok()
        .filter(|&n| n <= MAX_IOVECS)
        .ok_or(ERRNO_INVAL)?;
    // At most 8 KiB: the product fits.
    let bytes = mem
        .bytes(iovs, (n * IOVEC_SIZE) as i32)
        .map_err(|_| ERRNO_FAULT)?;
    Ok(bytes
        .chunks_exact(IOVEC_SIZE)
        .map(|v| {
            let u32_at = |o: usize| u32::from_le_bytes(v[o..o + 4].try_into().unwrap_or_default());
            (u32_at(0), u32_at(4))
        })
        .collect())
}

/// Writes `bytes` across the guest's buffers and their length to `nread`:
/// WASI's error number.
fn scatter(mem: &mut GuestMemory<'_>, buffers: &[(u32, u32)], bytes: &[u8], nread: i32) -> i32 {
    let mut rest = bytes;
    for &(ptr, len) in buffers {
        if rest.is_empty() {
            break;
        }
        let n = rest.len().min(len as usize);
        // Addresses are 32-bit unsigned in WASI; the guest's memory
        // reads them as i32, which wraps back to the same bits.
        if mem.write(ptr as i32, &rest[..n]).is_err() {
            return ERRNO_FAULT;
        }
        rest = &rest[n..];
    }
    match mem.write_u32(nread, bytes.len() as u32) {
        Ok(()) => ERRNO_SUCCESS,
        Err(_) => ERRNO_FAULT,
    }
}

/// wasi-common's own `fd_read`, which the async one shadows on the linker.
/// It never waits for what it reads (files, pipes of bytes, the null
/// input), so its future is ready at its first poll.
fn wasi_common_fd_read<S>(
    caller: &mut Caller<'_, S>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nread: i32,
) -> Result<i32, Trap> {
    let (memory, data) = memory_and_data_of(caller)?;
    let mut memory = wasmi_wasi::WasmiGuestMemory::Unshared(memory);
    let read = pin!(
        wasmi_wasi::wasi_common::snapshots::preview_1::wasi_snapshot_preview1::fd_read(
            &mut data.wasi.ctx,
            &mut memory,
            fd,
            iovs,
            iovs_len,
            nread,
        )
    );
    match read.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(errno)) => Ok(errno),
        Poll::Ready(Err(e)) => Err(Trap::new(format!("wasi_snapshot_preview1.fd_read: {e}"))),
        Poll::Pending => Err(Trap::new(
            "wasi_snapshot_preview1.fd_read: a read that wasi-common cannot finish at once",
        )),
    }
}
