//! The raw-engine baselines: the benchmark guest on the engine gohost runs
//! it on ([`EngineKind::default`]: wasmi, or wasmtime with
//! `GOHOST_ENGINE=wasmtime` in a build with the `wasmtime` feature),
//! through hand-written host functions doing the same work as gohost's
//! glue.

mod wasmi;
#[cfg(feature = "wasmtime")]
mod wasmtime;

use gohost::EngineKind;

/// The benchmark guest compiled by one raw engine.
#[derive(Debug)]
pub enum RawModule {
    Wasmi(wasmi::RawModule),
    #[cfg(feature = "wasmtime")]
    Wasmtime(wasmtime::RawModule),
}

/// One started instance of the benchmark guest on a raw engine.
// Not boxed: the baseline must not pay a pointer chase per call that a
// program written against the engine directly would not.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum RawGuest {
    Wasmi(wasmi::RawGuest),
    #[cfg(feature = "wasmtime")]
    Wasmtime(wasmtime::RawGuest),
}

impl RawModule {
    /// Compiles `wasm` on the raw engine of [`EngineKind::default`] and
    /// links WASI and the hand-written `raw.*` imports.
    ///
    /// # Panics
    ///
    /// If the module does not compile or link, or the engine is not in
    /// this build; a benchmark has no better answer.
    pub fn new(wasm: &[u8]) -> Self {
        match EngineKind::default() {
            EngineKind::Wasmi => RawModule::Wasmi(wasmi::RawModule::new(wasm)),
            #[cfg(feature = "wasmtime")]
            EngineKind::Wasmtime => RawModule::Wasmtime(wasmtime::RawModule::new(wasm)),
            other => panic!("no raw baseline for {other} in this build"),
        }
    }

    /// The engine's name.
    pub fn engine_name(&self) -> &'static str {
        match self {
            RawModule::Wasmi(_) => EngineKind::Wasmi.name(),
            #[cfg(feature = "wasmtime")]
            RawModule::Wasmtime(_) => EngineKind::Wasmtime.name(),
        }
    }

    /// A started instance.
    pub fn instantiate(&self) -> RawGuest {
        match self {
            RawModule::Wasmi(m) => RawGuest::Wasmi(m.instantiate()),
            #[cfg(feature = "wasmtime")]
            RawModule::Wasmtime(m) => RawGuest::Wasmtime(m.instantiate()),
        }
    }
}

impl RawGuest {
    /// Runs the guest's loop `export(n)` (and the slice size for the byte
    /// loops) against the raw host.
    pub fn call_loop(&mut self, export: &str, n: i32, size: Option<i32>) -> i32 {
        match self {
            RawGuest::Wasmi(g) => g.call_loop(export, n, size),
            #[cfg(feature = "wasmtime")]
            RawGuest::Wasmtime(g) => g.call_loop(export, n, size),
        }
    }

    /// `n` raw export calls of `guest_add(k, 1)`, summed: the engine is
    /// matched once, outside the loop, so that the baseline is the raw
    /// call alone.
    pub fn guest_add_calls(&mut self, n: i32) -> i32 {
        match self {
            RawGuest::Wasmi(g) => (0..n).map(|k| g.guest_add(k, 1)).fold(0, i32::wrapping_add),
            #[cfg(feature = "wasmtime")]
            RawGuest::Wasmtime(g) => (0..n).map(|k| g.guest_add(k, 1)).fold(0, i32::wrapping_add),
        }
    }

    /// One raw export call of `guest_add(a, b)`.
    pub fn guest_add(&mut self, a: i32, b: i32) -> i32 {
        match self {
            RawGuest::Wasmi(g) => g.guest_add(a, b),
            #[cfg(feature = "wasmtime")]
            RawGuest::Wasmtime(g) => g.guest_add(a, b),
        }
    }
}

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
