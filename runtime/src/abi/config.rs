//! The configuration values of an instance, and `gohost.config`, the
//! import through which a generated Go package's `Config(key)` reads them.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{AbiState, GuestMemory};
use crate::error::Trap;

/// Configuration values by key; shared, since every instance of a pool gets
/// the same ones.
pub(crate) type ConfigValues = Arc<BTreeMap<String, String>>;

/// The wasm import module of the functions gohost provides to every guest
/// (the codegen crate reserves it: no host module may take the name).
pub(crate) const RUNTIME_MODULE: &str = "gohost";

/// `gohost.config(key_ptr, key_len, buf, capacity) -> i32`: writes the value
/// under the key into `buf` when it fits in `capacity` bytes, and returns
/// its length, or -1 when there is none. A guest with a smaller buffer asks
/// again with room for the whole value.
pub(crate) fn read_config(
    mem: &mut GuestMemory<'_>,
    abi: &AbiState,
    key: (i32, i32),
    buf: i32,
    capacity: i32,
) -> Result<i32, Trap> {
    let bad = |e: super::AbiError| Trap::new(format!("gohost.config: {e}"));
    let name = mem.text(key.0, key.1).map_err(bad)?;
    let Some(value) = abi.config.get(&*name) else {
        return Ok(-1);
    };
    let len = i32::try_from(value.len())
        .map_err(|_| Trap::new("gohost.config: the value is larger than 2 GiB"))?;
    if len <= capacity {
        mem.write(buf, value.as_bytes()).map_err(bad)?;
    }
    Ok(len)
}
