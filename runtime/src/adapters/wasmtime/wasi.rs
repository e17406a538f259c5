//! WASI preview 1 on wasmtime: `wasmtime-wasi`'s preview 1 built from a
//! [`WasiConfig`], sync or async. Read-only preopens are
//! `wasmtime-wasi`'s own (`FsPerms::ReadOnly`: writes fail with `EPERM`, as
//! with the wasmi engine). Captured and callback output need a small stream
//! of our own, [`SinkStream`].

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{InputFile, IsTerminal, OutputFile, StdoutStream};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use super::types::Data;
use crate::error::Error;
use crate::wasi::{DirPerms, Input, Output, WasiConfig};

/// A linker with WASI preview 1.
pub(crate) fn linker<S: Send + 'static>(engine: &wasmtime::Engine) -> wasmtime::Linker<Data<S>> {
    let mut linker = wasmtime::Linker::new(engine);
    // Registering the fixed WASI function set on a fresh linker cannot
    // collide with anything.
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |d: &mut Data<S>| &mut d.wasi)
        .expect("gohost: WASI preview 1 must register on an empty linker");
    linker
}

/// The linker of async instances: `sync`'s functions, with
/// wasmtime-wasi's async preview 1 (whose blocking functions await).
pub(crate) fn async_linker<S: Send + 'static>(
    sync: &wasmtime::Linker<Data<S>>,
) -> Result<wasmtime::Linker<Data<S>>, wasmtime::Error> {
    let mut linker = sync.clone();
    linker.allow_shadowing(true);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |d: &mut Data<S>| &mut d.wasi)?;
    Ok(linker)
}

/// Builds the WASI context for one instance, opening directories and
/// files now; for async calls if `asynchronous`.
pub(crate) fn build(config: &WasiConfig, asynchronous: bool) -> Result<WasiP1Ctx, Error> {
    let (args, env) = config.args_and_env()?;
    let mut b = WasiCtxBuilder::new();
    // Sync calls: do file system work (and sleep) on the calling thread
    // rather than hop to a blocking pool for each call. Async calls
    // must not block the executor's thread: they await instead.
    b.allow_blocking_current_thread(!asynchronous);
    b.args(args);
    b.envs(env.as_slice());
    match &config.stdin {
        Input::Null => b.stdin(std::io::empty()),
        // wasmtime-wasi's own stdin reads on a thread of its own, so
        // that an async call awaits it.
        Input::Inherit if asynchronous => b.inherit_stdin(),
        Input::Inherit => b.stdin(std::io::stdin()),
        Input::Bytes(bytes) => b.stdin(MemoryInputPipe::new(bytes.clone())),
        Input::File(path) => {
            let f = std::fs::File::open(path).map_err(|e| {
                Error::Wasi(format!(
                    "cannot open {} for standard input: {e}",
                    path.display()
                ))
            })?;
            b.stdin(InputFile::new(f))
        }
    };
    b.stdout(output(&config.stdout, Stream::Stdout)?);
    b.stderr(output(&config.stderr, Stream::Stderr)?);
    for p in &config.preopens {
        let perms = match p.perms {
            DirPerms::ReadOnly => FsPerms::ReadOnly,
            DirPerms::ReadWrite => FsPerms::ReadWrite,
        };
        b.preopened_dir(&p.host, &p.guest, perms).map_err(|e| {
            Error::Wasi(format!(
                "cannot open directory {} to preopen as {}: {e}",
                p.host.display(),
                p.guest
            ))
        })?;
    }
    Ok(b.build_p1())
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

fn output(o: &Output, stream: Stream) -> Result<Box<dyn StdoutStream + Sync>, Error> {
    Ok(match o {
        Output::Null => Box::new(std::io::empty()),
        Output::Inherit => match stream {
            Stream::Stdout => Box::new(std::io::stdout()),
            Stream::Stderr => Box::new(std::io::stderr()),
        },
        Output::Capture(c) => {
            let buf = c.0.clone();
            Box::new(SinkStream(Arc::new(move |bytes: &[u8]| {
                // A panic while holding the lock cannot leave a half-written
                // Vec behind that matters more than losing output.
                buf.write()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(bytes);
            })))
        }
        Output::Callback(f) => Box::new(SinkStream(f.0.clone())),
        Output::File(path) => {
            let f = std::fs::File::create(path).map_err(|e| {
                Error::Wasi(format!("cannot create {} for output: {e}", path.display()))
            })?;
            Box::new(OutputFile::new(f))
        }
    })
}

/// An output stream that hands each write to a function, synchronously:
/// the guest's bytes arrive in the [`Capture`](crate::Capture) or at the
/// [`OutputCallback`](crate::OutputCallback) before its `fd_write` returns,
/// as on wasmi.
#[derive(Clone)]
struct SinkStream(Arc<crate::wasi::OutputFn>);

/// How much one write may carry; the guest loops for more.
const MAX_WRITE: usize = 1 << 20;

impl IsTerminal for SinkStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for SinkStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for SinkStream {
    async fn ready(&mut self) {}
}

impl OutputStream for SinkStream {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        if bytes.len() > MAX_WRITE {
            return Err(StreamError::Trap(wasmtime::Error::msg(
                "write larger than permitted by check_write",
            )));
        }
        (self.0)(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_WRITE)
    }
}

impl tokio::io::AsyncWrite for SinkStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        (self.0)(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
