//! WASI preview 1 on wasmi: `wasi-common` (through `wasmi_wasi`) built
//! from a [`WasiConfig`], with what gohost adds to it: read-only preopens
//! (`readonly`), and for async instances a `poll_oneoff` that awaits
//! timers (`poll`) and a standard input read ahead on a thread so that
//! reads await it (`stdin`).

pub(crate) mod poll;
mod readonly;
pub(crate) mod stdin;

use wasmi_wasi::wasi_common::pipe::{ReadPipe, WritePipe};
use wasmi_wasi::wasi_common::sync::{ambient_authority, WasiCtxBuilder};
use wasmi_wasi::{WasiCtx, WasiFile};

use crate::error::Error;
use crate::wasi::{DirPerms, Input, Output, WasiConfig};

/// An instance's WASI context on wasmi.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // wasi-common's context is not Debug
pub struct Wasi {
    pub(crate) ctx: WasiCtx,
    /// Whether its standard input is [`stdin::AsyncStdin`], whose reads
    /// `poll_oneoff` awaits.
    pub(crate) async_stdin: bool,
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
