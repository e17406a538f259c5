//! Fixed-size values (`docs/abi.md`, "Fixed-size values"): numbers, `bool`,
//! enums without data and records of them, whose encoding always has the
//! same length. The generated glue reads them from guest memory and writes
//! them into the guest's result buffer in place, at constant offsets: no
//! [`Reader`](super::Reader), no [`Writer`](super::Writer), no copy. The
//! bytes are those of the general codec.

/// A value whose encoding is always [`Fixed::SIZE`] bytes.
///
/// `#[gohost::host_module]` implements it for the module's records of
/// fixed-size fields and its enums without data.
pub trait Fixed: Sized {
    /// The length of the encoding.
    const SIZE: usize;

    /// Reads a value from `b`, which holds `SIZE` bytes; `None` when they
    /// are not a valid encoding (a `bool` that is not 0 or 1, an enum index
    /// out of range), which the caller then decodes the general way for
    /// the error.
    fn read(b: &[u8]) -> Option<Self>;

    /// Writes the encoding into `b`, which holds `SIZE` bytes.
    fn write(&self, b: &mut [u8]);
}

macro_rules! number {
    ($($ty:ty),*) => {$(
        impl Fixed for $ty {
            const SIZE: usize = std::mem::size_of::<$ty>();

            #[inline]
            fn read(b: &[u8]) -> Option<Self> {
                b.first_chunk().map(|c| <$ty>::from_le_bytes(*c))
            }

            #[inline]
            fn write(&self, b: &mut [u8]) {
                if let Some(c) = b.first_chunk_mut() {
                    *c = self.to_le_bytes();
                }
            }
        }
    )*};
}

number!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

impl Fixed for usize {
    const SIZE: usize = 8;

    #[inline]
    fn read(b: &[u8]) -> Option<Self> {
        usize::try_from(u64::read(b)?).ok()
    }

    #[inline]
    fn write(&self, b: &mut [u8]) {
        (*self as u64).write(b);
    }
}

impl Fixed for isize {
    const SIZE: usize = 8;

    #[inline]
    fn read(b: &[u8]) -> Option<Self> {
        isize::try_from(i64::read(b)?).ok()
    }

    #[inline]
    fn write(&self, b: &mut [u8]) {
        (*self as i64).write(b);
    }
}

impl Fixed for char {
    const SIZE: usize = 4;

    #[inline]
    fn read(b: &[u8]) -> Option<Self> {
        char::from_u32(u32::read(b)?)
    }

    #[inline]
    fn write(&self, b: &mut [u8]) {
        u32::from(*self).write(b);
    }
}

/// An array of fixed-size elements: each at `i * T::SIZE`.
impl<T: Fixed, const N: usize> Fixed for [T; N] {
    const SIZE: usize = N * T::SIZE;

    #[inline]
    fn read(b: &[u8]) -> Option<Self> {
        let b = b.get(..Self::SIZE)?;
        let items: [Option<T>; N] = std::array::from_fn(|i| T::read(b.get(i * T::SIZE..)?));
        if items.iter().any(Option::is_none) {
            return None;
        }
        Some(items.map(|v| v.expect("every element read")))
    }

    #[inline]
    fn write(&self, b: &mut [u8]) {
        for (v, c) in self.iter().zip(b.chunks_mut(T::SIZE.max(1))) {
            v.write(c);
        }
    }
}

impl Fixed for bool {
    const SIZE: usize = 1;

    #[inline]
    fn read(b: &[u8]) -> Option<Self> {
        match b.first() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        }
    }

    #[inline]
    fn write(&self, b: &mut [u8]) {
        if let Some(c) = b.first_mut() {
            *c = u8::from(*self);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode_all, Encode, Writer};
    use super::*;

    /// Reads `v` back from the general codec's bytes, and writes those
    /// bytes itself.
    fn agrees<T: Fixed + Encode + PartialEq + std::fmt::Debug>(v: T) {
        let mut w = Writer::new();
        v.encode(&mut w);
        let bytes = w.into_bytes();
        assert_eq!(bytes.len(), T::SIZE);
        assert_eq!(T::read(&bytes), Some(v));
        let mut written = vec![0xaa; T::SIZE];
        T::read(&bytes).expect("read").write(&mut written);
        assert_eq!(written, bytes);
    }

    #[test]
    fn fixed_bytes_are_the_codec_bytes() {
        agrees(0xdead_beef_u32);
        agrees(-7_i32);
        agrees(1_u64 << 63 | 5);
        agrees(i64::MIN);
        agrees(-1.5_f32);
        agrees(std::f64::consts::PI);
        agrees(true);
        agrees(false);
        agrees(0xfe_u8);
        agrees(-2_i8);
        agrees(0xbeef_u16);
        agrees(-300_i16);
        agrees(usize::MAX);
        agrees(isize::MIN);
        agrees('\u{1f980}');
        agrees([7_u8; 32]);
        agrees([-1_i16, 2, -3]);
        agrees([['a', 'b'], ['c', 'd']]);
    }

    #[test]
    fn invalid_bytes_read_as_none_and_decode_as_errors() {
        assert_eq!(bool::read(&[2]), None);
        assert!(decode_all::<bool>(&[2]).is_err());
        assert_eq!(u32::read(&[1, 2, 3]), None, "too short");
        let surrogate = 0xd800_u32.to_le_bytes();
        assert_eq!(char::read(&surrogate), None);
        assert!(decode_all::<char>(&surrogate).is_err());
        assert_eq!(<[bool; 2]>::read(&[1, 2]), None);
        assert!(decode_all::<[bool; 2]>(&[1, 2]).is_err());
    }
}
