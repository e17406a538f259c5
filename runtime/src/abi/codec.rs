//! The value encoding shared with the Go support package (`docs/abi.md`,
//! "Encoding"): little endian, no padding, length-prefixed bytes.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use super::writer::Writer;
use super::AbiError;

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

    /// The bytes read so far.
    pub fn offset(&self) -> usize {
        self.pos
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

    /// A little-endian u16.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, AbiError> {
        self.array("u16").map(u16::from_le_bytes)
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
    #[inline]
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
    fn encode(&self, w: &mut Writer<'_>);

    /// Appends a list of values: the count, then each one. `u8` copies
    /// its bytes at once; the bytes are those of the loop.
    #[inline]
    fn encode_list(items: &[Self], w: &mut Writer<'_>)
    where
        Self: Sized,
    {
        w.len(items.len());
        Self::encode_elems(items, w);
    }

    /// Appends each value without a count (an array).
    #[inline]
    fn encode_elems(items: &[Self], w: &mut Writer<'_>)
    where
        Self: Sized,
    {
        for item in items {
            item.encode(w);
        }
    }
}

/// A value the host can receive from the guest.
///
/// `'r` is the lifetime of the guest bytes, so types may borrow from them.
pub trait Decode<'r>: Sized {
    /// The fewest bytes an encoding of `Self` can take; bounds list counts.
    const MIN_SIZE: usize = 1;

    /// Reads one value.
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError>;

    /// Reads a list: a count, then each value. `u8` copies its bytes at
    /// once.
    #[inline]
    fn decode_list(r: &mut Reader<'r>) -> Result<Vec<Self>, AbiError> {
        let n = r.count(Self::MIN_SIZE)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(Self::decode(r)?);
        }
        Ok(v)
    }
}

/// Decodes one value that must use all of `bytes`.
#[inline]
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
            fn encode(&self, w: &mut Writer<'_>) {
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
    u16 => u16 as u16,
    i16 => u16 as u16,
    u32 => u32 as u32,
    i32 => u32 as u32,
    u64 => u64 as u64,
    i64 => u64 as u64,
}

impl Encode for i8 {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        w.u8(*self as u8);
    }
}

impl Decode<'_> for i8 {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        Ok(r.u8()? as i8)
    }
}

/// `u8` lists and arrays are byte strings: copied at once, not element by
/// element. `Vec<u8>` and `[u8]` encode through these.
impl Encode for u8 {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        w.u8(*self);
    }

    #[inline]
    fn encode_list(items: &[Self], w: &mut Writer<'_>) {
        w.bytes(items);
    }

    #[inline]
    fn encode_elems(items: &[Self], w: &mut Writer<'_>) {
        w.raw(items);
    }
}

impl Decode<'_> for u8 {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        r.u8()
    }

    #[inline]
    fn decode_list(r: &mut Reader<'_>) -> Result<Vec<Self>, AbiError> {
        r.bytes().map(<[u8]>::to_vec)
    }
}

/// `usize` is 8 bytes on the wire, as Go's `uint` on wasm. The host
/// always sends one that fits; a guest's value that does not fit this
/// host's `usize` is malformed.
impl Encode for usize {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        w.u64(*self as u64);
    }
}

impl Decode<'_> for usize {
    const MIN_SIZE: usize = 8;
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        let v = r.u64()?;
        usize::try_from(v).map_err(|_| usize_error(v))
    }
}

/// `isize` is 8 bytes on the wire, as Go's `int` on wasm.
impl Encode for isize {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        w.u64(*self as i64 as u64);
    }
}

impl Decode<'_> for isize {
    const MIN_SIZE: usize = 8;
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        let v = r.u64()? as i64;
        isize::try_from(v).map_err(|_| isize_error(v))
    }
}

/// The error of a guest's `uint` that does not fit the host's `usize`.
#[cold]
pub fn usize_error(v: u64) -> AbiError {
    AbiError::new(format!(
        "malformed value: {v} does not fit this host's usize ({} bits)",
        usize::BITS
    ))
}

/// The error of a guest's `int` that does not fit the host's `isize`.
#[cold]
pub fn isize_error(v: i64) -> AbiError {
    AbiError::new(format!(
        "malformed value: {v} does not fit this host's isize ({} bits)",
        isize::BITS
    ))
}

/// The error of a guest's small integer that is out of its type's range
/// (possible only from a hand-written guest: a direct parameter travels
/// widened to `i32`).
#[cold]
pub fn range_error(v: i32, ty: &str) -> AbiError {
    AbiError::new(format!("{v} is out of range for {ty}"))
}

/// A `char` is its scalar value, a u32; the host refuses a guest's rune
/// that is not a Unicode scalar value (a surrogate, or above U+10FFFF).
impl Encode for char {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        w.u32(u32::from(*self));
    }
}

impl Decode<'_> for char {
    const MIN_SIZE: usize = 4;
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        let v = r.u32()?;
        char::from_u32(v).ok_or_else(|| char_error(v))
    }
}

/// The error of a guest's rune that is not a Unicode scalar value.
#[cold]
pub fn char_error(v: u32) -> AbiError {
    AbiError::new(format!(
        "malformed value: {v:#x} is not a Unicode scalar value (a char)"
    ))
}

/// Converts a direct `char` parameter.
#[inline]
pub fn char_from_wasm(v: i32) -> Result<char, AbiError> {
    char::from_u32(v as u32).ok_or_else(|| char_error(v as u32))
}

impl Encode for f32 {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
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
    fn encode(&self, w: &mut Writer<'_>) {
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
    fn encode(&self, w: &mut Writer<'_>) {
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
    fn encode(&self, w: &mut Writer<'_>) {
        w.bytes(self.as_bytes());
    }
}

impl Encode for String {
    fn encode(&self, w: &mut Writer<'_>) {
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
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        Ok(super::text::lossy_text(r.bytes()?).into_owned())
    }
}

impl<'r> Decode<'r> for &'r [u8] {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        r.bytes()
    }
}

/// `Vec<T>` is a count then each element; `Vec<u8>` and `[u8]` are byte
/// strings, copied at once ([`Encode::encode_list`]).
impl<T: Encode> Encode for Vec<T> {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        T::encode_list(self, w);
    }
}

impl<T: Encode> Encode for [T] {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        T::encode_list(self, w);
    }
}

impl<'r, T: Decode<'r>> Decode<'r> for Vec<T> {
    const MIN_SIZE: usize = 4;
    #[inline]
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        T::decode_list(r)
    }
}

/// `[T; N]` is its N elements, without a count.
impl<T: Encode, const N: usize> Encode for [T; N] {
    #[inline]
    fn encode(&self, w: &mut Writer<'_>) {
        T::encode_elems(self, w);
    }
}

impl<'r, T: Decode<'r>, const N: usize> Decode<'r> for [T; N] {
    const MIN_SIZE: usize = N.saturating_mul(T::MIN_SIZE);
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        let mut err = None;
        let items: [Option<T>; N] = std::array::from_fn(|_| {
            if err.is_some() {
                return None;
            }
            T::decode(r).map_err(|e| err = Some(e)).ok()
        });
        if let Some(e) = err {
            return Err(e);
        }
        Ok(items.map(|v| v.expect("every element decoded")))
    }
}

/// A map is a u32 count, then each key and its value. Decoding refuses a
/// key that repeats: a map with two values for a key is malformed.
impl<K: Encode, V: Encode, S> Encode for HashMap<K, V, S> {
    fn encode(&self, w: &mut Writer<'_>) {
        encode_entries(w, self.len(), self);
    }
}

impl<'r, K, V, S> Decode<'r> for HashMap<K, V, S>
where
    K: Decode<'r> + Eq + Hash,
    V: Decode<'r>,
    S: BuildHasher + Default,
{
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        let n = r.count(K::MIN_SIZE + V::MIN_SIZE)?;
        let mut m = HashMap::with_capacity_and_hasher(n, S::default());
        decode_entries(r, n, |k, v| m.insert(k, v).is_none())?;
        Ok(m)
    }
}

impl<K: Encode, V: Encode> Encode for BTreeMap<K, V> {
    fn encode(&self, w: &mut Writer<'_>) {
        encode_entries(w, self.len(), self);
    }
}

impl<'r, K: Decode<'r> + Ord, V: Decode<'r>> Decode<'r> for BTreeMap<K, V> {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        let n = r.count(K::MIN_SIZE + V::MIN_SIZE)?;
        let mut m = BTreeMap::new();
        decode_entries(r, n, |k, v| m.insert(k, v).is_none())?;
        Ok(m)
    }
}

/// Writes a map's count and its entries.
fn encode_entries<'a, K: Encode + 'a, V: Encode + 'a>(
    w: &mut Writer<'_>,
    len: usize,
    entries: impl IntoIterator<Item = (&'a K, &'a V)>,
) {
    w.len(len);
    for (k, v) in entries {
        k.encode(w);
        v.encode(w);
    }
}

/// Reads `n` entries into a map through `insert`, which says whether the
/// key was new; a repeated key is malformed.
fn decode_entries<'r, K: Decode<'r>, V: Decode<'r>>(
    r: &mut Reader<'r>,
    n: usize,
    mut insert: impl FnMut(K, V) -> bool,
) -> Result<(), AbiError> {
    for _ in 0..n {
        let at = r.offset();
        let k = K::decode(r)?;
        let v = V::decode(r)?;
        if !insert(k, v) {
            return Err(duplicate_key(at));
        }
    }
    Ok(())
}

fn duplicate_key(at: usize) -> AbiError {
    AbiError::new(format!(
        "malformed value: the map key at offset {at} repeats an earlier key"
    ))
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut Writer<'_>) {
        (**self).encode(w);
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer<'_>) {
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
    fn encode(&self, _: &mut Writer<'_>) {}
}

impl Decode<'_> for () {
    const MIN_SIZE: usize = 0;
    fn decode(_: &mut Reader<'_>) -> Result<Self, AbiError> {
        Ok(())
    }
}
