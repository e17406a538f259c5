//! The host's standard input for async instances on wasmi.
//!
//! wasi-common, wasmi's WASI, reads an inherited standard input with a
//! blocking read: in an async call that would block the executor's thread
//! until input comes. An async instance that inherits standard input gets
//! [`AsyncStdin`] instead:
//! - One thread of its own reads the host's standard input into a buffer
//!   ([`SharedStdin`], one for the process, started by the first guest that
//!   reads or polls it), at most [`CAPACITY`] bytes ahead of the guests.
//! - The file says it is non-blocking, so Go's runtime puts it in its poller
//!   (`os.NewFile` does for a non-blocking descriptor), and a read with
//!   nothing buffered fails with `EAGAIN`.
//! - Go then waits in `poll_oneoff` with a read subscription for it, which
//!   on an async instance awaits the buffer (see `poll`), and reads again.
//!   Its other goroutines run meanwhile, as under Go's own runtime on Linux.
//!
//! wasmtime-wasi has an async standard input of its own, which the `jit`
//! engine uses.

use std::any::Any;
use std::collections::VecDeque;
use std::io::{IoSliceMut, Read};
use std::pin::pin;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use wasmi_wasi::wasi_common::file::{FdFlags, FileType};
use wasmi_wasi::wasi_common::snapshots::preview_1::types::Errno;
use wasmi_wasi::wasi_common::{Error, WasiFile};

/// How much of the host's standard input is read ahead of the guests: the
/// reader waits while the buffer holds this much.
const CAPACITY: usize = 1 << 20;
/// The most one read of the host's standard input takes.
const CHUNK: usize = 64 << 10;

/// The standard input of an async instance that inherits the host's.
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

    async fn get_fdflags(&self) -> Result<FdFlags, Error> {
        Ok(FdFlags::NONBLOCK)
    }

    async fn read_vectored<'a>(&self, bufs: &mut [IoSliceMut<'a>]) -> Result<u64, Error> {
        SharedStdin::get().read(bufs)
    }

    fn num_ready_bytes(&self) -> Result<u64, Error> {
        Ok(SharedStdin::get().lock().buffered.len() as u64)
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

#[derive(Debug, Clone, Copy)]
enum End {
    Eof,
    Failed(std::io::ErrorKind),
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
            if let Err(e) = spawned {
                state.end = Some(End::Failed(e.kind()));
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
                Err(e) => state.end = Some(End::Failed(e.kind())),
            }
            let ended = state.end.is_some();
            drop(state);
            self.arrived.notify_waiters();
            if ended {
                return;
            }
        }
    }

    /// Whether a read would not have to wait: input is buffered, or ended.
    pub(crate) fn is_ready(&'static self) -> bool {
        let state = self.lock();
        !state.buffered.is_empty() || state.end.is_some()
    }

    /// Waits until a read would not have to wait.
    pub(crate) async fn readable(&'static self) {
        loop {
            // Registered before the check, so that input coming between
            // the check and the wait still wakes it.
            let mut arrived = pin!(self.arrived.notified());
            arrived.as_mut().enable();
            if self.is_ready() {
                return;
            }
            arrived.await;
        }
    }

    /// Reads what is buffered into `bufs`: 0 at the end of the input,
    /// `EAGAIN` while nothing is buffered.
    fn read(&'static self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64, Error> {
        let mut state = self.lock();
        if state.buffered.is_empty() {
            return match state.end {
                Some(End::Eof) => Ok(0),
                Some(End::Failed(kind)) => Err(std::io::Error::from(kind).into()),
                None => Err(Errno::Again.into()),
            };
        }
        // Reading a `VecDeque` cannot fail.
        let read = state.buffered.read_vectored(bufs).unwrap_or(0);
        drop(state);
        self.room.notify_one();
        Ok(read as u64)
    }
}
