//! The ABI's rules applied to the model (`docs/abi.md`): how each type is
//! lowered to wasm, which functions return through the return area or
//! report failures through the status record, which exports are called
//! directly, the lengths of fixed-size values, and the wire types the
//! codecs have helpers for.

use super::*;

impl Export {
    /// True when every parameter and the result are scalars (or no result),
    /// there are at most [`MAX_DIRECT_EXPORT_PARAMS`] parameters and the
    /// export cannot fail: it is called directly with wasm values
    /// (`docs/abi.md`, "Exports").
    pub fn is_direct(&self) -> bool {
        let scalar = |t: &Ty| {
            matches!(
                t,
                Ty::I32 | Ty::U32 | Ty::I64 | Ty::U64 | Ty::F32 | Ty::F64 | Ty::Bool
            )
        };
        self.ret.err.is_none()
            && self.params.len() <= MAX_DIRECT_EXPORT_PARAMS
            && (self.ret.ok == Ty::Unit || scalar(&self.ret.ok))
            && self.params.iter().all(|p| scalar(&p.ty))
    }
}

impl Ty {
    /// How this type is lowered as a top-level parameter or direct result.
    pub fn lowering(&self) -> Lowering {
        match self {
            Ty::I32 | Ty::U32 | Ty::Bool | Ty::U8 | Ty::I8 | Ty::U16 | Ty::I16 | Ty::Char => {
                Lowering::I32
            }
            Ty::I64 | Ty::U64 | Ty::Usize | Ty::Isize => Lowering::I64,
            Ty::F32 => Lowering::F32,
            Ty::F64 => Lowering::F64,
            Ty::Str { .. } => Lowering::Text,
            Ty::Bytes { .. } => Lowering::Bytes,
            Ty::Handle { .. } => Lowering::Handle,
            Ty::Unit => Lowering::None,
            Ty::Record { .. }
            | Ty::Enum { .. }
            | Ty::Option(_)
            | Ty::Vec(_)
            | Ty::Array(..)
            | Ty::Map { .. } => Lowering::Encoded,
        }
    }

    /// The number of wasm values this parameter lowers to.
    pub fn wasm_arity(&self) -> usize {
        match self.lowering() {
            Lowering::Text | Lowering::Bytes | Lowering::Encoded => 2,
            Lowering::None => 0,
            _ => 1,
        }
    }

    /// True for the types returned directly (no return area): `()`,
    /// scalars and handles.
    pub fn is_direct_result(&self) -> bool {
        matches!(
            self.lowering(),
            Lowering::None
                | Lowering::I32
                | Lowering::I64
                | Lowering::F32
                | Lowering::F64
                | Lowering::Handle
        )
    }

    /// The type as its encoding sees it, which the codec has one helper
    /// for: text, bytes, records and enums owned (`&str` is `String`, `&R`
    /// is `R`), and every map a `HashMap` (Go has one map type).
    pub(crate) fn wire(&self) -> Ty {
        match self {
            Ty::Str { .. } => Ty::Str { owned: true },
            Ty::Bytes { .. } => Ty::Bytes { owned: true },
            Ty::Record { name, .. } => Ty::Record {
                name: name.clone(),
                by_ref: false,
            },
            Ty::Enum { name, .. } => Ty::Enum {
                name: name.clone(),
                by_ref: false,
            },
            Ty::Option(t) => Ty::Option(Box::new(t.wire())),
            Ty::Vec(t) => Ty::Vec(Box::new(t.wire())),
            Ty::Array(t, n) => Ty::Array(Box::new(t.wire()), *n),
            // HashMap and BTreeMap are one Go type, with one codec.
            Ty::Map { key, value, .. } => Ty::Map {
                kind: MapKind::Hash,
                key: Box::new(key.wire()),
                value: Box::new(value.wire()),
            },
            other => other.clone(),
        }
    }

    /// True when the host must validate this parameter (handles, encoded
    /// values, a `char`), which can fail with an ABI error the Go caller
    /// receives. Text cannot fail: it is decoded lossily (`docs/abi.md`).
    ///
    /// The small integers and `usize` are checked too, but a guest cannot
    /// get them wrong through the generated Go (the Go types have the same
    /// range; a 64-bit host's `usize` holds any Go `uint`), so they do not
    /// add an `error` to the Go function: when such a function has no
    /// other way to fail, a bad value from a hand-written guest traps.
    pub fn is_validated(&self) -> bool {
        *self == Ty::Char || matches!(self.lowering(), Lowering::Handle | Lowering::Encoded)
    }
}

impl Func {
    /// True when the function uses the return area (`docs/abi.md`): its
    /// result is encoded (not a scalar, a handle or `()`).
    pub fn uses_ret_area(&self) -> bool {
        !self.ret.ok.is_direct_result()
    }

    /// True when the function returns its result directly but can fail, so
    /// it reports failures through the guest's status record
    /// (`docs/abi.md`): one more parameter, written only on failure.
    pub fn uses_status(&self) -> bool {
        !self.uses_ret_area() && self.can_fail()
    }

    /// True when the call can fail: it returns `Result` or validates a
    /// parameter. Such functions return a trailing `error` in Go.
    pub fn can_fail(&self) -> bool {
        self.ret.err.is_some() || self.params.iter().any(|p| p.ty.is_validated())
    }

    /// The number of wasm parameters, including the return area or the
    /// status record.
    pub fn wasm_arity(&self) -> usize {
        let extra = if self.uses_ret_area() {
            3
        } else if self.uses_status() {
            1
        } else {
            0
        };
        self.params.iter().map(|p| p.ty.wasm_arity()).sum::<usize>() + extra
    }
}

impl Module {
    /// The length of `t`'s encoding when it is always the same: numbers,
    /// `bool`, `char`, enums without data, and records and arrays of such (`docs/abi.md`,
    /// "Fixed-size values").
    pub fn fixed_size(&self, t: &Ty) -> Option<usize> {
        self.fixed_size_within(t, 0)
    }

    fn fixed_size_within(&self, t: &Ty, depth: usize) -> Option<usize> {
        // A record that contains itself is refused by rustc after the macro
        // ran; stop here instead of recursing forever.
        if depth > 32 {
            return None;
        }
        match t {
            Ty::Bool | Ty::U8 | Ty::I8 => Some(1),
            Ty::U16 | Ty::I16 => Some(2),
            Ty::I32 | Ty::U32 | Ty::F32 | Ty::Char => Some(4),
            Ty::I64 | Ty::U64 | Ty::F64 | Ty::Usize | Ty::Isize => Some(8),
            Ty::Array(t, n) => self.fixed_size_within(t, depth + 1)?.checked_mul(*n),
            Ty::Enum { name, .. } => match self.type_def(name) {
                Some(TypeDef::Enum(e)) if e.is_unit_only() => Some(4),
                _ => None,
            },
            Ty::Record { name, .. } => match self.type_def(name) {
                Some(TypeDef::Record(r)) => r
                    .fields
                    .iter()
                    .map(|f| self.fixed_size_within(&f.ty, depth + 1))
                    .sum(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The option, list, array and map types used anywhere, as wire types
    /// ([`Ty::wire`]), in first-use order: each gets codec helpers.
    pub(crate) fn composites(&self) -> Vec<Ty> {
        fn walk(t: &Ty, out: &mut Vec<Ty>) {
            match t {
                Ty::Option(i) | Ty::Vec(i) | Ty::Array(i, _) => walk(i, out),
                Ty::Map { key, value, .. } => {
                    walk(key, out);
                    walk(value, out);
                }
                _ => return,
            }
            let w = t.wire();
            if !out.contains(&w) {
                out.push(w);
            }
        }
        let mut out = Vec::new();
        for t in &self.types {
            match t {
                TypeDef::Record(r) => r.fields.iter().for_each(|f| walk(&f.ty, &mut out)),
                TypeDef::Enum(e) => e
                    .variants
                    .iter()
                    .flat_map(|v| &v.fields)
                    .for_each(|f| walk(&f.ty, &mut out)),
                TypeDef::Handle(_) => {}
            }
        }
        for f in &self.funcs {
            f.params.iter().for_each(|p| walk(&p.ty, &mut out));
            walk(&f.ret.ok, &mut out);
        }
        for e in &self.exports {
            e.params.iter().for_each(|p| walk(&p.ty, &mut out));
            walk(&e.ret.ok, &mut out);
        }
        out
    }
}
