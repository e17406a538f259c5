//! Calls of exports that take encoded arguments and return a reply
//! (`docs/abi.md`, "Exports"): the plan of two wasm calls (the argument
//! buffer's allocation, when the last one is too small, and the export),
//! written once as a macro over the driver.

use std::sync::atomic::{AtomicU8, Ordering};

use super::exports::Target;
use super::plan::traced_async;
use super::state::{InstanceOn, Mode};
use crate::abi::{ReplyError, Writer, Written};
use crate::engine::Backend;
use crate::error::Error;
use crate::trace;

/// The generated Go package's allocator for export arguments.
const ALLOC: &str = "__gohost_alloc";
/// The reply status of an export whose Go implementation panicked.
const PANICKED: u8 = 3;
/// The largest argument buffer the guest's allocator keeps: it replaces a
/// larger one by a new buffer at the next allocation of at most this size
/// (`maxKeep` in the Go support package's `alloc_wasip1.go`), so the host
/// asks for a new one then too.
const ARGS_KEEP: i32 = 64 << 10;

/// Where an export call's encoded arguments are.
enum Args {
    /// Already in the guest's argument buffer, at `ptr`.
    InPlace { ptr: i32, len: i32 },
    /// In the instance's buffer, to be written to the guest's.
    Owned(Vec<u8>),
}

/// Puts encoded arguments in a guest buffer that holds them: the one from
/// the last call, or a new one from `__gohost_alloc` (a wasm call through
/// `$drive`, `drive` or `drive_async.await`). Their address and length.
macro_rules! place_args {
    ($this:ident, $drive:ident $(.$aw:tt)?, $name:expr, $args:expr) => {{
        let args: &[u8] = $args;
        let len = encoded_len($name, args)?;
        let ptr = match $this.args_buffer(len) {
            Some(ptr) => ptr,
            None => {
                let class = args_class(len);
                let ptr: i32 = $this.$drive(Target::Name(ALLOC), (class,)) $(.$aw)? ?;
                $this.keep_args_buffer(ptr, class)
            }
        };
        $this.write_args(ptr, args)?;
        Ok((ptr, len))
    }};
}

/// The plan of an encoded export call, for either driver: `encode` writes
/// the arguments (straight into the guest's buffer while they fit),
/// `decode` reads the reply where the guest left it. One deadline covers
/// both wasm calls; each gets a full fuel budget, as separate calls do.
macro_rules! export_plan {
    ($this:ident, $mode:expr, [$drive:ident, $place:ident] $(.$aw:tt)?, $target:expr, $encode:expr, $decode:expr) => {{
        let target: Target<'_> = $target;
        $this.begin($mode, "call", target.name())?;
        let (ptr, len) = match $this.encode_args($encode)? {
            Args::InPlace { ptr, len } => (ptr, len),
            Args::Owned(args) => {
                let placed = $this.$place(target.name(), &args) $(.$aw)?;
                $this.args = args;
                placed?
            }
        };
        let packed: i64 = $this.$drive(target, (ptr, len)) $(.$aw)? ?;
        $this.decode_reply(target.name(), packed, $decode)
    }};
}

/// How a traced encoded call names its outcome, from its result and the
/// reply's status.
pub(crate) type ReplyOutcome<T> = fn(&Result<T, Error>, u8) -> &'static str;

impl<B: Backend, S> InstanceOn<B, S> {
    /// Calls the export `target`, which takes encoded arguments and returns
    /// a reply: `encode` writes the arguments, `decode` reads the reply
    /// where the guest left it, in its memory; `outcome` names how it
    /// ended, for its span.
    pub(crate) fn call_export<T>(
        &mut self,
        target: Target<'_>,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
        outcome: ReplyOutcome<T>,
    ) -> Result<T, Error> {
        let status = AtomicU8::new(0);
        let decode = |st, payload: &[u8]| {
            status.store(st, Ordering::Relaxed);
            decode(st, payload)
        };
        self.traced(
            target.name(),
            |result| outcome(result, status.load(Ordering::Relaxed)),
            |this| {
                export_plan!(
                    this,
                    Mode::Sync,
                    [drive, place_args],
                    target,
                    encode,
                    decode
                )
            },
        )
    }

    /// [`call_export`](Self::call_export) with the async driver.
    pub(crate) async fn call_export_async<T>(
        &mut self,
        target: Target<'_>,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
        outcome: ReplyOutcome<T>,
    ) -> Result<T, Error>
    where
        S: Send,
    {
        let status = AtomicU8::new(0);
        let decode = |st, payload: &[u8]| {
            status.store(st, Ordering::Relaxed);
            decode(st, payload)
        };
        traced_async!(
            self,
            target.name(),
            |result| outcome(result, status.load(Ordering::Relaxed)),
            async {
                export_plan!(
                    self,
                    Mode::Async,
                    [drive_async, place_args_async].await,
                    target,
                    encode,
                    decode
                )
            }
        )
    }

    /// [`place_args!`] with the sync driver.
    fn place_args(&mut self, name: &str, args: &[u8]) -> Result<(i32, i32), Error> {
        place_args!(self, drive, name, args)
    }

    /// [`place_args!`] with the async driver.
    async fn place_args_async(&mut self, name: &str, args: &[u8]) -> Result<(i32, i32), Error>
    where
        S: Send,
    {
        place_args!(self, drive_async.await, name, args)
    }

    /// Encodes an export's arguments with `encode`: straight into the
    /// guest's argument buffer from the last call while they fit there
    /// (nothing to copy afterwards), else into the instance's own buffer.
    fn encode_args(&mut self, encode: impl FnOnce(&mut Writer<'_>)) -> Result<Args, Error> {
        // A buffer the guest would release for small arguments (see
        // `args_buffer`) is not written to.
        let Some((ptr, cap)) = self.args_buf.filter(|&(_, cap)| cap <= ARGS_KEEP) else {
            let mut w = Writer::reuse(std::mem::take(&mut self.args));
            encode(&mut w);
            return Ok(Args::Owned(w.into_bytes()));
        };
        let memory = self.memory()?;
        let spare = std::mem::take(&mut self.args);
        let start = ptr as u32 as usize;
        // Out of bounds only if the guest's allocator returned a bad
        // address; `write_args` then reports it.
        let guest = B::memory_mut(&mut self.store, memory)
            .get_mut(start..start + cap as usize)
            .unwrap_or_default();
        let mut w = Writer::in_place(guest, spare);
        encode(&mut w);
        Ok(match w.finish() {
            Written::InPlace { len, spare } => {
                self.args = spare;
                // At most `cap`, an i32.
                Args::InPlace {
                    ptr,
                    len: len as i32,
                }
            }
            Written::Owned(args) => Args::Owned(args),
        })
    }

    /// The guest's argument buffer from the last `__gohost_alloc`, if it
    /// holds `len` bytes and is not one the guest would now release (see
    /// `args_class`).
    #[inline]
    fn args_buffer(&self, len: i32) -> Option<i32> {
        let (ptr, cap) = self.args_buf?;
        let release = cap > ARGS_KEEP && len <= ARGS_KEEP;
        (len <= cap && !release).then_some(ptr)
    }

    /// Remembers the buffer a `__gohost_alloc(class)` returned.
    fn keep_args_buffer(&mut self, ptr: i32, class: i32) -> i32 {
        self.args_buf = Some((ptr, class));
        ptr
    }

    /// Copies encoded arguments into the buffer the guest allocated.
    fn write_args(&mut self, ptr: i32, args: &[u8]) -> Result<(), Error> {
        let memory = self.memory()?;
        let data = B::memory_mut(&mut self.store, memory);
        let size = data.len();
        let start = ptr as u32 as usize;
        match start
            .checked_add(args.len())
            .and_then(|end| data.get_mut(start..end))
        {
            Some(buffer) => {
                buffer.copy_from_slice(args);
                Ok(())
            }
            None => {
                self.args_buf = None;
                Err(self.bad_reply(
                    ALLOC,
                    &format!(
                        "its buffer at {start:#x} is not writable: {} bytes do not fit in guest \
                         memory of {size} bytes",
                        args.len()
                    ),
                ))
            }
        }
    }

    /// Decodes an encoded export's reply (status byte, then payload) with
    /// `decode`, in the guest's memory, bounds checked.
    fn decode_reply<T>(
        &mut self,
        name: &str,
        packed: i64,
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error> {
        let memory = self.memory()?;
        let (ptr, len) = (
            (packed as u64 >> 32) as usize,
            (packed as u64 & 0xffff_ffff) as usize,
        );
        let data = B::memory(&self.store, memory);
        let decoded = match ptr.checked_add(len).and_then(|end| data.get(ptr..end)) {
            Some([status, payload @ ..]) => Ok((*status, decode(*status, payload))),
            Some([]) => Err("the reply is empty".to_owned()),
            None => Err(format!(
                "reply at {ptr:#x} with length {len} is outside guest memory of {} bytes",
                data.len()
            )),
        };
        match decoded {
            Ok((status, decoded)) => {
                if status == PANICKED {
                    // Go recovered, but the plugin's state is whatever the
                    // panic left: don't trust this instance again.
                    self.poisoned = Some(format!("the guest panicked in `{name}`"));
                }
                decoded.map_err(|e| match e {
                    ReplyError::Guest(e) => e,
                    ReplyError::Malformed(e) => self.bad_reply(name, e.message()),
                })
            }
            Err(msg) => Err(self.bad_reply(name, &msg)),
        }
    }
}

/// How a span names the outcome of a call of a generated client: from
/// the reply's status when the call succeeded.
pub(crate) fn reply_outcome<T>(result: &Result<T, Error>, status: u8) -> &'static str {
    trace::reply_outcome(result, status)
}

/// How a span names the outcome of a raw encoded call, which returns the
/// reply's status itself.
pub(crate) fn encoded_outcome(result: &Result<(u8, Vec<u8>), Error>, _status: u8) -> &'static str {
    trace::encoded_outcome(result)
}

/// The size of the argument buffer to allocate for `len` bytes: the next
/// power of two from 256 up to [`ARGS_KEEP`], so that one buffer serves
/// calls whose arguments vary in length; `len` itself above that.
fn args_class(len: i32) -> i32 {
    if len > ARGS_KEEP {
        return len;
    }
    (len.max(256) as u32).next_power_of_two() as i32
}

/// The length of encoded arguments, as the guest's allocator takes it.
fn encoded_len(name: &str, args: &[u8]) -> Result<i32, Error> {
    i32::try_from(args.len())
        .map_err(|_| Error::Config(format!("arguments of `{name}` exceed 2 GiB")))
}
