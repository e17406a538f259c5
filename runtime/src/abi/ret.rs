//! Results crossing back to the guest through the return area
//! (`docs/abi.md`, "Imports").

use std::fmt::{self, Display, Write as _};

use super::codec::Encode;
use super::fixed::Fixed;
use super::writer::{Writer, Written};
use super::{AbiError, AbiState, GuestMemory};
use crate::error::Trap;

/// The status a return-area function gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Status {
    /// The payload is the result.
    Ok = 0,
    /// The host function returned an error; the payload describes it.
    Err = 1,
    /// The guest broke the ABI; the payload is a message.
    Abi = 2,
}

/// Where the guest wants the result: a scratch buffer and the place for the
/// payload's length.
#[derive(Debug, Clone, Copy)]
pub struct RetArea {
    /// The scratch buffer's address.
    pub ptr: i32,
    /// The scratch buffer's size.
    pub cap: i32,
    /// Where the payload length goes (u32, little endian).
    pub len_ptr: i32,
}

/// The memory and per-instance ABI state a host call works with.
#[derive(Debug)]
pub struct CallCx<'a> {
    /// The guest's memory.
    pub mem: GuestMemory<'a>,
    /// Handles and pending results of this instance.
    pub abi: &'a mut AbiState,
}

impl CallCx<'_> {
    /// A writer for a result sent through `area`: straight into the
    /// guest's buffer while the bytes fit there. This, `send` and `reply`
    /// are always inlined: left to the compiler they stayed calls, which cost
    /// more (about 70 instructions a result, callgrind) than writing in
    /// place saves.
    #[inline(always)]
    fn area_writer(&mut self, area: RetArea) -> Result<Writer<'_>, Trap> {
        let spare = std::mem::take(&mut self.abi.scratch);
        match self.mem.bytes_mut(area.ptr, area.cap) {
            Ok(guest) => Ok(Writer::in_place(guest, spare)),
            Err(e) => {
                self.abi.scratch = spare;
                Err(return_area_trap(&e))
            }
        }
    }

    /// Sends what an [`area_writer`](Self::area_writer) wrote, with
    /// `status`: its length, and the bytes that did not fit in the guest's
    /// buffer kept until the guest takes them.
    #[inline(always)]
    fn send(&mut self, area: RetArea, status: Status, written: Written) -> Result<i32, Trap> {
        let len = match written {
            Written::InPlace { len, spare } => {
                self.abi.scratch = spare;
                len
            }
            Written::Owned(payload) => {
                let len = payload.len();
                // Too big for the guest's buffer: kept until the guest asks
                // for it with `__gohost_take` and a buffer of the right size.
                self.abi.pending = Some(payload);
                len
            }
        };
        let len = u32::try_from(len)
            .map_err(|_| Trap::new("gohost: a result larger than 4 GiB cannot reach the guest"))?;
        self.mem
            .write_u32(area.len_ptr, len)
            .map_err(|e| return_area_trap(&e))?;
        Ok(status as i32)
    }

    /// Sends a result with `status`, which `encode` writes into an
    /// [`area_writer`](Self::area_writer).
    #[inline(always)]
    fn reply(
        &mut self,
        area: RetArea,
        status: Status,
        encode: impl FnOnce(&mut Writer<'_>),
    ) -> Result<i32, Trap> {
        let mut w = self.area_writer(area)?;
        encode(&mut w);
        let written = w.finish();
        self.send(area, status, written)
    }

    /// A writer of the instance's own, for a payload that is always kept
    /// until the guest takes it.
    fn writer(&mut self) -> Writer<'static> {
        Writer::reuse(std::mem::take(&mut self.abi.scratch))
    }
}

impl CallCx<'_> {
    /// Reports a failure through the guest's status record at `status`
    /// (code, then payload length, u32 little endian each) and keeps the
    /// payload until the guest takes it.
    fn fail(&mut self, status: i32, code: Status, w: Writer<'_>) -> Result<(), Trap> {
        let payload = w.into_bytes();
        let len = u32::try_from(payload.len())
            .map_err(|_| Trap::new("gohost: an error larger than 4 GiB cannot reach the guest"))?;
        let mut record = [0u8; 8];
        record[..4].copy_from_slice(&(code as u32).to_le_bytes());
        record[4..].copy_from_slice(&len.to_le_bytes());
        self.mem
            .write(status, &record)
            .map_err(|e| Trap::new(format!("gohost: the guest's status record is invalid: {e}")))?;
        self.abi.pending = Some(payload);
        Ok(())
    }
}

fn return_area_trap(e: &AbiError) -> Trap {
    Trap::new(format!("gohost: the guest's return area is invalid: {e}"))
}

/// Sends `v` as the successful result, encoded straight into the guest's
/// buffer while it fits there.
pub fn ret_ok<T: Encode + ?Sized>(cx: &mut CallCx<'_>, area: RetArea, v: &T) -> Result<i32, Trap> {
    cx.reply(area, Status::Ok, |w| v.encode(w))
}

/// Sends the fixed-size `v` as the successful result: encoded straight into
/// the guest's buffer when it fits (the generated Go wrapper passes one of
/// exactly its size), else as [`ret_ok`] does.
#[inline]
pub fn ret_ok_fixed<T: Fixed + Encode>(
    cx: &mut CallCx<'_>,
    area: RetArea,
    v: &T,
) -> Result<i32, Trap> {
    // Fixed sizes are small constants (a record of numbers).
    let size = T::SIZE as i32;
    if size > area.cap {
        return ret_ok(cx, area, v);
    }
    v.write(
        cx.mem
            .bytes_mut(area.ptr, size)
            .map_err(|e| return_area_trap(&e))?,
    );
    cx.mem
        .write_u32(area.len_ptr, size as u32)
        .map_err(|e| return_area_trap(&e))?;
    Ok(Status::Ok as i32)
}

/// Sends an error of an enum declared in the module: its message, then the
/// value, so the guest gets a typed error that prints like the host's.
pub fn ret_err_typed<E: Encode + Display>(
    cx: &mut CallCx<'_>,
    area: RetArea,
    e: &E,
) -> Result<i32, Trap> {
    cx.reply(area, Status::Err, |w| {
        write_display(w, e);
        e.encode(w);
    })
}

/// Sends an error the guest only sees as a message.
pub fn ret_err_message<E: Display + ?Sized>(
    cx: &mut CallCx<'_>,
    area: RetArea,
    e: &E,
) -> Result<i32, Trap> {
    cx.reply(area, Status::Err, |w| write_display(w, e))
}

/// Reports that the guest broke the ABI.
pub fn ret_abi_error(cx: &mut CallCx<'_>, area: RetArea, e: AbiError) -> Result<i32, Trap> {
    cx.reply(area, Status::Abi, |w| w.bytes(e.message().as_bytes()))
}

/// Reports that the host function returned an error of an enum declared
/// in the module, for a function that returns its result directly: the
/// status record gets [`Status::Err`], the payload is as for
/// [`ret_err_typed`].
pub fn fail_typed<E: Encode + Display>(
    cx: &mut CallCx<'_>,
    status: i32,
    e: &E,
) -> Result<(), Trap> {
    let mut w = cx.writer();
    write_display(&mut w, e);
    e.encode(&mut w);
    cx.fail(status, Status::Err, w)
}

/// Like [`fail_typed`], for an error the guest only sees as a message.
pub fn fail_message<E: Display + ?Sized>(
    cx: &mut CallCx<'_>,
    status: i32,
    e: &E,
) -> Result<(), Trap> {
    let mut w = cx.writer();
    write_display(&mut w, e);
    cx.fail(status, Status::Err, w)
}

/// Reports that the guest broke the ABI, for a function that returns its
/// result directly.
pub fn fail_abi(cx: &mut CallCx<'_>, status: i32, e: AbiError) -> Result<(), Trap> {
    let mut w = cx.writer();
    w.bytes(e.message().as_bytes());
    cx.fail(status, Status::Abi, w)
}

/// Writes `v`'s `Display` as a length-prefixed string straight into `w`:
/// no intermediate `String`.
fn write_display<D: Display + ?Sized>(w: &mut Writer<'_>, v: &D) {
    struct Sink<'a, 'g>(&'a mut Writer<'g>);
    impl fmt::Write for Sink<'_, '_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.raw(s.as_bytes());
            Ok(())
        }
    }
    let at = w.written();
    w.u32(0);
    // The sink cannot fail; a Display impl that errors leaves what it
    // wrote so far, which is still the best message we have.
    let _ = write!(Sink(w), "{v}");
    let len = w.written() - at - 4;
    w.patch_len(at, len);
}

/// `__gohost_take(ptr, len)`: copies the pending result into the guest's
/// buffer of exactly its length. 0 on success, 1 when nothing of that length
/// is pending.
pub(crate) fn take_pending(
    mem: &mut GuestMemory<'_>,
    abi: &mut AbiState,
    ptr: i32,
    len: i32,
) -> Result<i32, Trap> {
    match &abi.pending {
        Some(p) if p.len() == len as u32 as usize => {
            mem.write(ptr, p).map_err(|e| return_area_trap(&e))?;
            // The buffer becomes the encoding buffer again, so that a large
            // result or an error does not cost the next call an allocation.
            if let Some(p) = abi.pending.take() {
                if p.capacity() >= abi.scratch.capacity() {
                    abi.scratch = p;
                }
            }
            Ok(0)
        }
        _ => Ok(1),
    }
}
