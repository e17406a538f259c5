//! An engine-neutral model of function signatures and imports, so that the
//! link-time check and its messages are the same on every engine.

use std::fmt;

/// A wasm value type, as far as gohost needs to tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValKind {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
    /// Any other reference type (GC proposal types); wasmtime only.
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))]
    OtherRef,
}

impl ValKind {
    fn name(self) -> &'static str {
        match self {
            ValKind::I32 => "i32",
            ValKind::I64 => "i64",
            ValKind::F32 => "f32",
            ValKind::F64 => "f64",
            ValKind::V128 => "v128",
            ValKind::FuncRef => "funcref",
            ValKind::ExternRef => "externref",
            ValKind::OtherRef => "ref",
        }
    }
}

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    pub params: Vec<ValKind>,
    pub results: Vec<ValKind>,
}

impl fmt::Display for Signature {
    /// `(i32, i32) -> i32`, the way the WebAssembly text format names types.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |tys: &[ValKind]| tys.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
        let results = match self.results.as_slice() {
            [] => "()".to_owned(),
            [one] => one.name().to_owned(),
            many => format!("({})", list(many)),
        };
        write!(f, "({}) -> {results}", list(&self.params))
    }
}

/// What a module imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKind {
    Func(Signature),
    Memory,
    Table,
    Global,
    /// Anything else (tags, ...), by name; wasmtime only.
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))]
    Other(&'static str),
}

impl ImportKind {
    pub fn noun(&self) -> &'static str {
        match self {
            ImportKind::Func(_) => "function",
            ImportKind::Memory => "memory",
            ImportKind::Table => "table",
            ImportKind::Global => "global",
            ImportKind::Other(what) => what,
        }
    }
}

/// One import of a module.
#[derive(Debug, Clone)]
pub struct Import<'a> {
    pub module: &'a str,
    pub name: &'a str,
    pub kind: ImportKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_read_like_the_text_format() {
        let s = |params: &[ValKind], results: &[ValKind]| {
            Signature {
                params: params.to_vec(),
                results: results.to_vec(),
            }
            .to_string()
        };
        assert_eq!(s(&[], &[]), "() -> ()");
        assert_eq!(
            s(&[ValKind::I32, ValKind::I64], &[ValKind::F64]),
            "(i32, i64) -> f64"
        );
        assert_eq!(
            s(&[ValKind::V128], &[ValKind::I32, ValKind::I32]),
            "(v128) -> (i32, i32)"
        );
    }
}
