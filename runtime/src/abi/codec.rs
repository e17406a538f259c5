//! The value encoding shared with the Go support package (`docs/abi.md`,
//! "Encoding"): little endian, no padding, length-prefixed bytes.

use super::AbiError;

/// Appends encoded values to a byte buffer.
///
/// The buffer is reused across calls by the glue, so encoding a result does
/// not allocate once the buffer has grown to the usual result size.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer that appends to `buf` after clearing it.
    pub(crate) fn reuse(mut buf: Vec<u8>) -> Self {
        buf.clear();
        Writer { buf }
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// A little-endian u32.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A little-endian u64.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A u32 length, then the bytes.
    ///
    /// # Panics
    ///
    /// If `b` is longer than `u32::MAX`, which no wasm32 guest can receive.
    pub fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.buf.extend_from_slice(b);
    }

    /// A u32 length or count.
    ///
    /// # Panics
    ///
    /// If `n` exceeds `u32::MAX`: such a value cannot be represented in a
    /// wasm32 guest's memory, so producing it is a host bug.
    pub fn len(&mut self, n: usize) {
        let n = u32::try_from(n).expect("gohost: value larger than 4 GiB cannot cross into wasm32");
        self.u32(n);
    }

    /// Bytes without a length prefix.
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// Overwrites the u32 at `at` (written earlier as a placeholder) with
    /// the length `n`.
    ///
    /// # Panics
    ///
    /// As [`Writer::len`], and if `at` is not the offset of a written u32.
    pub(crate) fn patch_len(&mut self, at: usize, n: usize) {
        let n = u32::try_from(n).expect("gohost: value larger than 4 GiB cannot cross into wasm32");
        self.buf[at..at + 4].copy_from_slice(&n.to_le_bytes());
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The buffer, for reuse.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads encoded values from a borrowed byte slice; every read is checked.
#[derive(Debug, Clone)]
pub struct Reader<'r> {
    buf: &'r [u8],
    pos: usize,
}

impl<'r> Reader<'r> {
    /// A reader over `buf`.
    pub fn new(buf: &'r [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    fn take(&mut self, n: usize, what: &str) -> Result<&'r [u8], AbiError> {
        if n > self.remaining() {
            return Err(self.short(n, what));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// The error of a read of `n` bytes past the end; out of line, so
    /// that the reads themselves inline into the decoders.
    #[cold]
    #[inline(never)]
    fn short(&self, n: usize, what: &str) -> AbiError {
        AbiError::new(format!(
            "malformed value: {what} needs {n} bytes at offset {}, only {} remain",
            self.pos,
            self.remaining()
        ))
    }

    #[inline]
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], AbiError> {
        let s = self.take(N, what)?;
        let mut a = [0; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, AbiError> {
        Ok(self.array::<1>("u8")?[0])
    }

    /// A little-endian u32.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, AbiError> {
        self.array("u32").map(u32::from_le_bytes)
    }

    /// A little-endian u64.
    #[inline]
    pub fn u64(&mut self) -> Result<u64, AbiError> {
        self.array("u64").map(u64::from_le_bytes)
    }

    /// A u32 length, then that many bytes, borrowed.
    pub fn bytes(&mut self) -> Result<&'r [u8], AbiError> {
        let n = self.u32()? as usize;
        self.take(n, "byte string")
    }

    /// A u32 element count, checked against the bytes left assuming each
    /// element takes at least `min_elem_size` bytes, so that a forged count
    /// cannot make the host reserve gigabytes.
    pub fn count(&mut self, min_elem_size: usize) -> Result<usize, AbiError> {
        let n = self.u32()? as usize;
        let needed = n.saturating_mul(min_elem_size.max(1));
        if needed > self.remaining() {
            return Err(AbiError::new(format!(
                "malformed value: list of {n} elements at offset {} needs at least {needed} bytes, only {} remain",
                self.pos - 4,
                self.remaining()
            )));
        }
        Ok(n)
    }

    /// Fails unless every byte was read.
    #[inline]
    pub fn finish(&self) -> Result<(), AbiError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.trailing(n)),
        }
    }

    #[cold]
    #[inline(never)]
    fn trailing(&self, n: usize) -> AbiError {
        AbiError::new(format!(
            "malformed value: {n} trailing bytes after offset {}",
            self.pos
        ))
    }
}

/// A value the host can send to the guest.
pub trait Encode {
    /// Appends the encoding of `self`.
    fn encode(&self, w: &mut Writer);
}

/// A value the host can receive from the guest.
///
/// `'r` is the lifetime of the guest bytes, so types may borrow from them.
pub trait Decode<'r>: Sized {
    /// The fewest bytes an encoding of `Self` can take; bounds list counts.
    const MIN_SIZE: usize = 1;

    /// Reads one value.
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError>;
}

/// Decodes one value that must use all of `bytes`.
pub fn decode_all<'r, T: Decode<'r>>(bytes: &'r [u8]) -> Result<T, AbiError> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

macro_rules! number {
    ($($ty:ty => $wide:ident as $raw:ty),* $(,)?) => {$(
        impl Encode for $ty {
            #[inline]
            fn encode(&self, w: &mut Writer) {
                w.$wide(*self as $raw);
            }
        }
        impl Decode<'_> for $ty {
            const MIN_SIZE: usize = std::mem::size_of::<$ty>();
            #[inline]
            fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
                Ok(r.$wide()? as $ty)
            }
        }
    )*};
}

number! {
    u32 => u32 as u32,
    i32 => u32 as u32,
    u64 => u64 as u64,
    i64 => u64 as u64,
}

impl Encode for f32 {
    #[inline]
    fn encode(&self, w: &mut Writer) {
        w.u32(self.to_bits());
    }
}

impl Decode<'_> for f32 {
    const MIN_SIZE: usize = 4;
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        r.u32().map(f32::from_bits)
    }
}

impl Encode for f64 {
    #[inline]
    fn encode(&self, w: &mut Writer) {
        w.u64(self.to_bits());
    }
}

impl Decode<'_> for f64 {
    const MIN_SIZE: usize = 8;
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        r.u64().map(f64::from_bits)
    }
}

impl Encode for bool {
    #[inline]
    fn encode(&self, w: &mut Writer) {
        w.u8(u8::from(*self));
    }
}

impl Decode<'_> for bool {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(AbiError::new(format!(
                "malformed value: bool must be 0 or 1, found {b}"
            ))),
        }
    }
}

impl Encode for str {
    fn encode(&self, w: &mut Writer) {
        w.bytes(self.as_bytes());
    }
}

impl Encode for String {
    fn encode(&self, w: &mut Writer) {
        w.bytes(self.as_bytes());
    }
}

/// Exact text: UTF-8 or an error. Generated glue decodes `String`s
/// lossily instead; this is for hosts that read guest bytes themselves.
impl<'r> Decode<'r> for &'r str {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        std::str::from_utf8(r.bytes()?)
            .map_err(|e| AbiError::new(format!("text is not UTF-8: {e}")))
    }
}

/// Text inside encoded values is decoded lossily, as top-level string
/// parameters are ([`GuestMemory::text`](crate::abi::GuestMemory::text)):
/// a Go string may hold any bytes, and a string never fails a call.
impl Decode<'_> for String {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        Ok(String::from_utf8_lossy(r.bytes()?).into_owned())
    }
}

impl Encode for [u8] {
    fn encode(&self, w: &mut Writer) {
        w.bytes(self);
    }
}

impl Encode for Vec<u8> {
    fn encode(&self, w: &mut Writer) {
        w.bytes(self);
    }
}

impl Decode<'_> for Vec<u8> {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        r.bytes().map(<[u8]>::to_vec)
    }
}

impl<'r> Decode<'r> for &'r [u8] {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        r.bytes()
    }
}

/// `Vec<T>` is a count then each element. `u8` is deliberately not
/// [`Encode`], so `Vec<u8>` and `[u8]` take the byte-string impls above (one
/// copy instead of a loop); the bytes on the wire are the same either way.
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, w: &mut Writer) {
        self.as_slice().encode(w);
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, w: &mut Writer) {
        w.len(self.len());
        for item in self {
            item.encode(w);
        }
    }
}

impl<'r, T: Decode<'r>> Decode<'r> for Vec<T> {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        let n = r.count(T::MIN_SIZE)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(T::decode(r)?);
        }
        Ok(v)
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer) {
        match self {
            None => w.u8(0),
            Some(v) => {
                w.u8(1);
                v.encode(w);
            }
        }
    }
}

impl<'r, T: Decode<'r>> Decode<'r> for Option<T> {
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        match r.u8()? {
            0 => Ok(None),
            1 => T::decode(r).map(Some),
            t => Err(AbiError::new(format!(
                "malformed value: option tag must be 0 or 1, found {t}"
            ))),
        }
    }
}

impl Encode for () {
    fn encode(&self, _: &mut Writer) {}
}

impl Decode<'_> for () {
    const MIN_SIZE: usize = 0;
    fn decode(_: &mut Reader<'_>) -> Result<Self, AbiError> {
        Ok(())
    }
}
