//! The writer values are encoded with: straight into a buffer of the
//! guest's while they fit, else into a buffer the host keeps.

/// Appends encoded values (`docs/abi.md`, "Encoding").
///
/// A writer made for a call's result or arguments writes straight into the
/// guest's buffer for them (`'g` borrows it), so the bytes are not copied
/// again afterwards. The first value that does not fit moves what was
/// written into the host's buffer, and everything after goes there too;
/// the caller then hands the guest that buffer instead. The host's buffer
/// is reused across calls by the glue, so encoding does not allocate once
/// it has grown to the usual size.
#[derive(Debug, Default)]
pub struct Writer<'g> {
    /// The guest's buffer while the bytes are written there; empty once
    /// they moved to `owned`, or when there is none.
    direct: &'g mut [u8],
    /// How many bytes of `direct` are written.
    pos: usize,
    /// The bytes, when they are not in `direct` (empty while they are).
    owned: Vec<u8>,
}

/// Where a writer's bytes are when it is done.
#[derive(Debug)]
pub(crate) enum Written {
    /// In the first `len` bytes of the guest's buffer; `spare` is the
    /// host's buffer, unused, to keep for the next writer.
    InPlace { len: usize, spare: Vec<u8> },
    /// In the host's buffer: they did not fit in the guest's, or there was
    /// none.
    Owned(Vec<u8>),
}

impl Writer<'static> {
    /// An empty writer into a buffer of its own.
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer that appends to `buf` after clearing it.
    pub(crate) fn reuse(mut buf: Vec<u8>) -> Self {
        buf.clear();
        Writer {
            direct: Default::default(),
            pos: 0,
            owned: buf,
        }
    }
}

impl<'g> Writer<'g> {
    /// A writer into `guest` from its start, moving to `spare` (cleared
    /// first) if the bytes outgrow it.
    pub(crate) fn in_place(guest: &'g mut [u8], mut spare: Vec<u8>) -> Self {
        spare.clear();
        Writer {
            direct: guest,
            pos: 0,
            owned: spare,
        }
    }

    /// Appends `b`: one bounds check and a copy while the bytes fit in
    /// the guest's buffer. Inline, so that the fixed-size writes of
    /// numbers are a compare and a store on either path.
    #[inline]
    fn put(&mut self, b: &[u8]) {
        let end = self.pos + b.len();
        if let Some(dst) = self.direct.get_mut(self.pos..end) {
            dst.copy_from_slice(b);
            self.pos = end;
        } else if self.direct.is_empty() {
            self.owned.extend_from_slice(b);
        } else {
            self.spill(b);
        }
    }

    /// The first value that does not fit in the guest's buffer: what it
    /// holds moves to the host's buffer, followed by `b`, and from now on
    /// the bytes are the host's.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, b: &[u8]) {
        let written = std::mem::take(&mut self.direct);
        self.owned.extend_from_slice(&written[..self.pos]);
        self.owned.extend_from_slice(b);
        self.pos = 0;
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.put(&[v]);
    }

    /// A little-endian u16.
    #[inline]
    pub fn u16(&mut self, v: u16) {
        self.put(&v.to_le_bytes());
    }

    /// A little-endian u32.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.put(&v.to_le_bytes());
    }

    /// A little-endian u64.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }

    /// A u32 length, then the bytes.
    ///
    /// # Panics
    ///
    /// If `b` is longer than `u32::MAX`, which no wasm32 guest can receive.
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.put(b);
    }

    /// A u32 length or count.
    ///
    /// # Panics
    ///
    /// If `n` exceeds `u32::MAX`: such a value cannot be represented in a
    /// wasm32 guest's memory, so producing it is a host bug.
    #[inline]
    pub fn len(&mut self, n: usize) {
        self.u32(wasm32_len(n));
    }

    /// Bytes without a length prefix.
    #[inline]
    pub fn raw(&mut self, b: &[u8]) {
        self.put(b);
    }

    /// Overwrites the u32 at `at` (written earlier as a placeholder) with
    /// the length `n`.
    ///
    /// # Panics
    ///
    /// As [`Writer::len`], and if `at` is not the offset of a written u32.
    #[inline]
    pub(crate) fn patch_len(&mut self, at: usize, n: usize) {
        let n = wasm32_len(n);
        let written = match self.direct.is_empty() {
            true => &mut self.owned[..],
            false => &mut self.direct[..self.pos],
        };
        written[at..at + 4].copy_from_slice(&n.to_le_bytes());
    }

    /// How many bytes are written.
    #[inline]
    pub(crate) fn written(&self) -> usize {
        self.as_bytes().len()
    }

    /// The bytes written so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self.direct.is_empty() {
            true => &self.owned,
            false => &self.direct[..self.pos],
        }
    }

    /// The bytes, in a buffer of their own (copied there if they are in
    /// the guest's).
    pub fn into_bytes(mut self) -> Vec<u8> {
        if !self.direct.is_empty() {
            self.spill(&[]);
        }
        self.owned
    }

    /// Where the bytes are: still in the guest's buffer, or in the host's.
    pub(crate) fn finish(self) -> Written {
        match self.direct.is_empty() {
            true => Written::Owned(self.owned),
            false => Written::InPlace {
                len: self.pos,
                spare: self.owned,
            },
        }
    }
}

/// `n` as a wasm32 length.
///
/// # Panics
///
/// If `n` exceeds `u32::MAX`: see [`Writer::len`].
#[inline]
fn wasm32_len(n: usize) -> u32 {
    u32::try_from(n).expect("gohost: value larger than 4 GiB cannot cross into wasm32")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_all(w: &mut Writer<'_>) {
        w.u8(1);
        w.u16(0x0302);
        w.u32(0x0706_0504);
        w.u64(0x0f0e_0d0c_0b0a_0908);
        w.bytes(b"xyz");
        w.raw(b"!");
    }

    const ALL: &[u8] = &[
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 3, 0, 0, 0, b'x', b'y', b'z', b'!',
    ];

    #[test]
    fn bytes_that_fit_stay_in_the_guests_buffer() {
        let mut guest = [0xaau8; 32];
        let mut w = Writer::in_place(&mut guest, vec![9; 4]);
        write_all(&mut w);
        assert_eq!(w.as_bytes(), ALL);
        let Written::InPlace { len, spare } = w.finish() else {
            panic!("the bytes fit");
        };
        assert_eq!((len, spare), (ALL.len(), vec![]));
        assert_eq!(&guest[..len], ALL);
        assert!(guest[len..].iter().all(|&b| b == 0xaa), "nothing past them");
    }

    #[test]
    fn bytes_that_outgrow_the_guests_buffer_move_to_the_hosts_in_order() {
        // Every size up to the whole: the move can happen at any write,
        // including in the middle of `bytes`, and at the first.
        for size in 0..ALL.len() {
            let mut guest = vec![0u8; size];
            let mut w = Writer::in_place(&mut guest, Vec::new());
            write_all(&mut w);
            assert_eq!(w.as_bytes(), ALL, "size {size}");
            match w.finish() {
                Written::Owned(bytes) => assert_eq!(bytes, ALL, "size {size}"),
                Written::InPlace { len, .. } => panic!("{len} bytes cannot fit in {size}"),
            }
        }
    }

    #[test]
    fn a_length_is_patched_where_the_bytes_are() {
        for size in [64, 6] {
            let mut guest = vec![0u8; size];
            let mut w = Writer::in_place(&mut guest, Vec::new());
            w.u32(0);
            w.raw(b"four");
            w.patch_len(0, 4);
            assert_eq!(
                w.into_bytes(),
                [4, 0, 0, 0, b'f', b'o', b'u', b'r'],
                "size {size}"
            );
        }
    }

    #[test]
    fn a_writer_of_its_own_reuses_its_buffer() {
        let mut w = Writer::reuse(vec![7; 100]);
        write_all(&mut w);
        let bytes = w.into_bytes();
        assert_eq!(bytes, ALL);
        assert!(bytes.capacity() >= 100);
    }
}
