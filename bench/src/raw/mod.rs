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

/// The message of `raw.refuse`: what the typed `refuse` reports.
pub fn refusal(code: i32) -> String {
    format!("refused with code {}", code as u32)
}

/// Writes the refusal of `code` into the `cap` bytes at `p` and returns its
/// length, or -1 if it does not fit: what `raw.refuse` does.
fn refuse(data: &mut [u8], code: i32, p: i32, cap: i32) -> i32 {
    let message = refusal(code);
    match range_mut(data, p, cap) {
        Some(buf) if message.len() <= buf.len() => {
            buf[..message.len()].copy_from_slice(message.as_bytes());
            message.len() as i32
        }
        _ => -1,
    }
}

fn range(data: &[u8], p: i32, l: i32) -> Option<&[u8]> {
    let (p, l) = (p as u32 as usize, l as u32 as usize);
    data.get(p..p.checked_add(l)?)
}

fn range_mut(data: &mut [u8], p: i32, l: i32) -> Option<&mut [u8]> {
    let (p, l) = (p as u32 as usize, l as u32 as usize);
    data.get_mut(p..p.checked_add(l)?)
}
