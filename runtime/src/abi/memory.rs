//! Checked views into a guest's linear memory.

use std::borrow::Cow;

use super::codec::{decode_all, Decode};
use super::fixed::Fixed;
use super::text::lossy_text;
use super::AbiError;

/// The guest's linear memory during one host call.
///
/// Reads borrow the guest's bytes in place: a `&str` parameter is a view,
/// not a copy. Every pointer and length from the guest is checked; nothing
/// here can panic on guest input.
#[derive(Debug)]
pub struct GuestMemory<'a> {
    data: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// A view of `data`, the whole of a linear memory.
    pub fn new(data: &'a mut [u8]) -> Self {
        GuestMemory { data }
    }

    /// The memory's size in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the memory is empty (it has no pages).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    #[inline]
    fn range(&self, ptr: i32, len: i32) -> Result<std::ops::Range<usize>, AbiError> {
        // wasm32 pointers and lengths are unsigned; Go passes them as i32.
        let (start, n) = (ptr as u32 as usize, len as u32 as usize);
        match start.checked_add(n) {
            Some(end) if end <= self.data.len() => Ok(start..end),
            _ => Err(self.outside(start, n)),
        }
    }

    /// The error of a range outside guest memory; out of line, so that
    /// every read and write of a call inlines to a compare and a copy.
    #[cold]
    #[inline(never)]
    fn outside(&self, start: usize, n: usize) -> AbiError {
        AbiError::new(format!(
            "pointer {start:#x} with length {n} is outside guest memory of {} bytes",
            self.data.len()
        ))
    }

    /// `len` bytes at `ptr`.
    #[inline]
    pub fn bytes(&self, ptr: i32, len: i32) -> Result<&[u8], AbiError> {
        let r = self.range(ptr, len)?;
        Ok(&self.data[r])
    }

    /// The text in the `len` bytes at `ptr`: borrowed when they are UTF-8
    /// (the common case, checked in one pass), else decoded lossily, each
    /// invalid sequence becoming U+FFFD as when Go ranges over a string. A
    /// Go string may hold any bytes; a string parameter never fails a call
    /// (exact bytes are what `&[u8]` is for).
    #[inline]
    pub fn text(&self, ptr: i32, len: i32) -> Result<Cow<'_, str>, AbiError> {
        Ok(lossy_text(self.bytes(ptr, len)?))
    }

    /// Decodes one value from exactly the `len` bytes at `ptr`.
    pub fn decode<'s, T: Decode<'s>>(&'s self, ptr: i32, len: i32) -> Result<T, AbiError> {
        decode_all(self.bytes(ptr, len)?)
    }

    /// Decodes a fixed-size value from exactly the `len` bytes at `ptr`:
    /// read in place when `len` is its size and the bytes are valid, else
    /// decoded the general way, for the same error.
    #[inline]
    pub fn decode_fixed<'s, T: Fixed + Decode<'s>>(
        &'s self,
        ptr: i32,
        len: i32,
    ) -> Result<T, AbiError> {
        let bytes = self.bytes(ptr, len)?;
        if bytes.len() == T::SIZE {
            if let Some(v) = T::read(bytes) {
                return Ok(v);
            }
        }
        decode_all(bytes)
    }

    /// `len` bytes at `ptr`, to write to.
    #[inline]
    pub fn bytes_mut(&mut self, ptr: i32, len: i32) -> Result<&mut [u8], AbiError> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.data[r])
    }

    /// Copies `bytes` to `ptr`.
    #[inline]
    pub fn write(&mut self, ptr: i32, bytes: &[u8]) -> Result<(), AbiError> {
        let len = i32::try_from(bytes.len())
            .map_err(|_| AbiError::new("value larger than 2 GiB cannot be written"))?;
        let r = self.range(ptr, len)?;
        self.data[r].copy_from_slice(bytes);
        Ok(())
    }

    /// Writes a little-endian u32 at `ptr`.
    #[inline]
    pub fn write_u32(&mut self, ptr: i32, v: u32) -> Result<(), AbiError> {
        self.write(ptr, &v.to_le_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked_without_overflow() {
        let mut data = vec![b'a'; 16];
        let mut m = GuestMemory::new(&mut data);
        assert_eq!(m.text(0, 16).as_deref(), Ok("aaaaaaaaaaaaaaaa"));
        assert_eq!(m.bytes(16, 0), Ok(&[][..]));
        assert!(m.bytes(16, 1).is_err());
        assert!(m.bytes(-1, 2).is_err(), "0xffffffff + 2 wraps in u32");
        assert!(m.bytes(8, -1).is_err(), "a length of 4 GiB - 1");
        assert!(m.write_u32(13, 1).is_err());
        assert!(m.write_u32(12, 1).is_ok());
    }

    #[test]
    fn invalid_utf8_is_replaced_and_valid_text_borrowed() {
        let mut data = b"ok\xff\xfe!".to_vec();
        let m = GuestMemory::new(&mut data);
        assert_eq!(m.text(0, 5).as_deref(), Ok("ok\u{fffd}\u{fffd}!"));
        assert!(matches!(m.text(0, 2), Ok(Cow::Borrowed("ok"))));
        assert!(m.text(3, 5).is_err(), "bounds are still checked");
    }
}
