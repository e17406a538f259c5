//! WASI preview 1 on wasmi: `wasi-common` (through `wasmi_wasi`) built
//! from a [`WasiConfig`], with what gohost adds to it: read-only preopens
//! (`readonly`), and for async instances a `poll_oneoff` that awaits
//! timers (`poll`) and a standard input read ahead on a thread so that
//! reads await it (`stdin`).

mod poll;
mod readonly;
mod stdin;

use wasmi_wasi::wasi_common::pipe::{ReadPipe, WritePipe};
use wasmi_wasi::wasi_common::sync::{ambient_authority, WasiCtxBuilder};
use wasmi_wasi::{WasiCtx, WasiFile};

use super::func::{Define, IntoAsyncDefine};
use super::Data;
use crate::wasi::{DirPerms, Input, Output, WasiConfig};
use crate::Error;

/// An instance's WASI context on wasmi.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // wasi-common's context is not Debug
pub struct Wasi {
    pub(crate) ctx: WasiCtx,
    /// Whether its standard input is [`stdin::AsyncStdin`], whose reads
    /// `poll_oneoff` awaits.
    pub(crate) async_stdin: bool,
}

/// A linker with WASI preview 1.
pub(crate) fn linker<S: Send + 'static>(engine: &wasmi::Engine) -> wasmi::Linker<Data<S>> {
    let mut linker = wasmi::Linker::new(engine);
    // Registering the fixed WASI function set on a fresh linker cannot
    // collide with anything.
    wasmi_wasi::add_to_linker(&mut linker, |d: &mut Data<S>| &mut d.wasi.ctx)
        .expect("gohost: WASI preview 1 must register on an empty linker");
    linker
}

/// The linker of async instances: `sync`'s functions, with the WASI
/// functions that block (`poll_oneoff`, which Go calls to sleep, and
/// `fd_read` of an inherited standard input) made async. wasmi's WASI is
/// synchronous; see `poll` and `stdin`.
pub(crate) fn async_linker<S: Send + 'static>(
    sync: &wasmi::Linker<Data<S>>,
) -> Result<wasmi::Linker<Data<S>>, wasmi::Error> {
    let mut linker = sync.clone();
    linker.allow_shadowing(true);
    // Defined over wasi-common's, which the linker allows.
    for define in [
        wasi_define("poll_oneoff", poll::poll_oneoff::<S>),
        wasi_define("fd_read", stdin::fd_read::<S>),
    ] {
        define(&mut linker)?;
    }
    Ok(linker)
}

/// WASI preview 1's function `name` as `f`.
fn wasi_define<S, P, R>(name: &str, f: impl IntoAsyncDefine<S, P, R>) -> Define<S> {
    f.into_define::<false>("wasi_snapshot_preview1", name).0
}

/// Builds the WASI context for one instance, opening directories and
/// files now. For async instances, an inherited standard input is
/// [`stdin::AsyncStdin`], and the functions that block are replaced on
/// the linker (see `poll`).
pub(crate) fn build(config: &WasiConfig, asynchronous: bool) -> Result<Wasi, Error> {
    let strings = |e: wasmi_wasi::wasi_common::StringArrayError| {
        Error::Wasi(format!("arguments or environment too large: {e}"))
    };
    let (args, env) = config.args_and_env()?;
    let mut b = WasiCtxBuilder::new();
    b.args(args).map_err(strings)?;
    b.envs(&env).map_err(strings)?;
    let async_stdin = asynchronous && matches!(config.stdin, Input::Inherit);
    if async_stdin {
        b.stdin(Box::new(stdin::AsyncStdin));
    } else {
        b.stdin(input(&config.stdin)?);
    }
    b.stdout(output(&config.stdout, Stream::Stdout)?);
    b.stderr(output(&config.stderr, Stream::Stderr)?);
    let ctx = b.build();
    for p in &config.preopens {
        let dir =
            cap_std::fs::Dir::open_ambient_dir(&p.host, ambient_authority()).map_err(|e| {
                Error::Wasi(format!(
                    "cannot open directory {} to preopen as {}: {e}",
                    p.host.display(),
                    p.guest
                ))
            })?;
        let dir: Box<dyn wasmi_wasi::WasiDir> =
            Box::new(wasmi_wasi::wasi_common::sync::dir::Dir::from_cap_std(dir));
        let dir = match p.perms {
            DirPerms::ReadWrite => dir,
            DirPerms::ReadOnly => Box::new(readonly::ReadOnlyDir::new(dir)),
        };
        ctx.push_preopened_dir(dir, &p.guest)
            .map_err(|e| Error::Wasi(format!("cannot preopen {}: {e}", p.guest)))?;
    }
    Ok(Wasi { ctx, async_stdin })
}

fn input(i: &Input) -> Result<Box<dyn WasiFile>, Error> {
    Ok(match i {
        Input::Null => Box::new(ReadPipe::from(Vec::new())),
        Input::Inherit => Box::new(wasmi_wasi::wasi_common::sync::stdio::stdin()),
        Input::Bytes(b) => Box::new(ReadPipe::from(b.clone())),
        Input::File(path) => {
            let f = std::fs::File::open(path).map_err(|e| {
                Error::Wasi(format!(
                    "cannot open {} for standard input: {e}",
                    path.display()
                ))
            })?;
            Box::new(wasmi_wasi::wasi_common::sync::file::File::from_cap_std(
                cap_std::fs::File::from_std(f),
            ))
        }
    })
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

fn output(o: &Output, stream: Stream) -> Result<Box<dyn WasiFile>, Error> {
    use wasmi_wasi::wasi_common::sync::stdio;
    Ok(match o {
        Output::Null => Box::new(WritePipe::new(std::io::sink())),
        Output::Inherit => match stream {
            Stream::Stdout => Box::new(stdio::stdout()),
            Stream::Stderr => Box::new(stdio::stderr()),
        },
        Output::Capture(c) => Box::new(WritePipe::from_shared(c.0.clone())),
        Output::Callback(f) => Box::new(WritePipe::new(f.clone())),
        Output::File(path) => {
            let f = std::fs::File::create(path).map_err(|e| {
                Error::Wasi(format!("cannot create {} for output: {e}", path.display()))
            })?;
            Box::new(wasmi_wasi::wasi_common::sync::file::File::from_cap_std(
                cap_std::fs::File::from_std(f),
            ))
        }
    })
}
