//! Text from the guest, as Go reads it: invalid UTF-8 becomes U+FFFD.

use std::borrow::Cow;

/// `bytes` as text, each invalid sequence becoming U+FFFD: what
/// `String::from_utf8_lossy` gives, faster for the valid text nearly every
/// call carries. `from_utf8_lossy` walks the bytes chunk by chunk even when
/// they are valid (about 100 instructions for a 6-byte name, callgrind);
/// `str::from_utf8` checks them a word at a time, so it goes first.
#[inline]
pub(crate) fn lossy_text(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // Names, keys and messages mostly are: `is_ascii` takes a third of
        // the instructions `from_utf8` does on a short string (callgrind).
        // SAFETY: ASCII is UTF-8.
        return Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}
