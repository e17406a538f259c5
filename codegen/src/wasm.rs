//! The wasm signatures of a host module's imports as a compiled guest sees
//! them, for tools that check a guest against a host (`gohost inspect`).
//! The lowering rules are `docs/abi.md`'s; the glue and the Go emitter
//! follow the same ones.

use std::fmt;

use crate::model::{Func, Lowering, Module};
use crate::shared::ABI_VERSION;

/// A wasm value type of the ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmType {
    I32,
    I64,
    F32,
    F64,
}

impl fmt::Display for WasmType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WasmType::I32 => "i32",
            WasmType::I64 => "i64",
            WasmType::F32 => "f32",
            WasmType::F64 => "f64",
        })
    }
}

/// A function's wasm parameters and results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasmSignature {
    pub params: Vec<WasmType>,
    pub results: Vec<WasmType>,
}

impl fmt::Display for WasmSignature {
    /// `(i32, i32) -> i32`, or `(i64)` without results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |types: &[WasmType]| {
            types
                .iter()
                .map(WasmType::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "({})", list(&self.params))?;
        match self.results.as_slice() {
            [] => Ok(()),
            [one] => write!(f, " -> {one}"),
            many => write!(f, " -> ({})", list(many)),
        }
    }
}

impl Lowering {
    /// The wasm values of a parameter lowered this way.
    fn wasm_types(self) -> &'static [WasmType] {
        use WasmType::*;
        match self {
            Lowering::I32 | Lowering::Handle => &[I32],
            Lowering::I64 => &[I64],
            Lowering::F32 => &[F32],
            Lowering::F64 => &[F64],
            Lowering::Text | Lowering::Bytes | Lowering::Encoded => &[I32, I32],
            Lowering::None => &[],
        }
    }
}

impl Func {
    /// The signature of this function's wasm import.
    pub fn wasm_signature(&self) -> WasmSignature {
        let mut params: Vec<WasmType> = self
            .params
            .iter()
            .flat_map(|p| p.ty.lowering().wasm_types().iter().copied())
            .collect();
        let results = if self.uses_ret_area() {
            // ret_ptr, ret_cap, ret_len_ptr; the status comes back.
            params.extend([WasmType::I32; 3]);
            vec![WasmType::I32]
        } else {
            if self.uses_status() {
                params.push(WasmType::I32);
            }
            self.ret.ok.lowering().wasm_types().to_vec()
        };
        if self.is_async {
            // Where the host says that the call is pending (docs/abi.md,
            // "Async host functions").
            params.push(WasmType::I32);
        }
        WasmSignature { params, results }
    }
}

/// Every import a host module provides once registered: its functions and
/// the support imports (`__gohost_take`, `__gohost_drop` and the fingerprint
/// `__gohost_abi_<version>_<hash>`), by name.
pub fn provided_imports(m: &Module) -> Vec<(String, WasmSignature)> {
    use WasmType::I32;
    let mut imports: Vec<(String, WasmSignature)> = m
        .funcs
        .iter()
        .map(|f| (f.name.clone(), f.wasm_signature()))
        .collect();
    let sig = |params: Vec<WasmType>, results: Vec<WasmType>| WasmSignature { params, results };
    imports.push(("__gohost_take".into(), sig(vec![I32, I32], vec![I32])));
    imports.push(("__gohost_drop".into(), sig(vec![I32], vec![I32])));
    imports.push((
        fingerprint_import(&crate::hash::model_hash(m)),
        sig(vec![], vec![]),
    ));
    imports
}

/// The name of the fingerprint import of a module whose model hash is `hash`.
pub fn fingerprint_import(hash: &str) -> String {
    format!("__gohost_abi_{ABI_VERSION}_{hash}")
}

/// The ABI version and model hash of a fingerprint import's name
/// (`__gohost_abi_1_0123456789abcdef`), if it is one.
pub fn parse_fingerprint_import(name: &str) -> Option<(u32, &str)> {
    let rest = name.strip_prefix("__gohost_abi_")?;
    let (version, hash) = rest.split_once('_')?;
    Some((version.parse().ok()?, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_names_round_trip() {
        let name = fingerprint_import("0123456789abcdef");
        assert_eq!(
            parse_fingerprint_import(&name),
            Some((ABI_VERSION, "0123456789abcdef"))
        );
        assert_eq!(parse_fingerprint_import("__gohost_take"), None);
        assert_eq!(parse_fingerprint_import("__gohost_abi_x_1"), None);
    }

    #[test]
    fn signatures_print_as_wat_would_read() {
        use WasmType::*;
        let s = WasmSignature {
            params: vec![I32, I64],
            results: vec![F64],
        };
        assert_eq!(s.to_string(), "(i32, i64) -> f64");
        assert_eq!(WasmSignature::default().to_string(), "()");
    }
}
