//! The raw-engine baselines: the benchmark guest on the engine gohost was
//! built with (wasmi, or wasmtime with the `jit` feature), through
//! hand-written host functions doing the same work as gohost's glue.

#[cfg(not(feature = "jit"))]
mod wasmi;
#[cfg(not(feature = "jit"))]
pub use self::wasmi::{RawGuest, RawModule};

#[cfg(feature = "jit")]
mod wasmtime;
#[cfg(feature = "jit")]
pub use self::wasmtime::{RawGuest, RawModule};

/// The length of the UTF-8 text at `p`, or -1: what `raw.text_len` does.
fn text_len(data: &[u8], p: i32, l: i32) -> i32 {
    range(data, p, l)
        .and_then(|b| std::str::from_utf8(b).ok())
        .map_or(-1, |s| s.len() as i32)
}

/// The length plus the first byte of the bytes at `p`, or -1: what
/// `raw.bytes_len` does.
fn bytes_len(data: &[u8], p: i32, l: i32) -> i32 {
    range(data, p, l).map_or(-1, |b| {
        b.len() as i32 + i32::from(b.first().copied().unwrap_or(0))
    })
}

fn range(data: &[u8], p: i32, l: i32) -> Option<&[u8]> {
    let (p, l) = (p as u32 as usize, l as u32 as usize);
    data.get(p..p.checked_add(l)?)
}
