//! The model fingerprint: FNV-1a (64 bit) of a canonical text of the model.
//!
//! The text holds what changes the wire: the ABI version, the module name,
//! each type's layout, each function's and each export's name, parameter
//! and result types, in declaration order. Docs, parameter or field names
//! and the Go interface name are left out. A module without exports hashes
//! as it did before exports existed.

use std::fmt::Write as _;

use crate::model::*;
use crate::shared::ABI_VERSION;

/// FNV-1a, 64 bit.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// The model hash as 16 lowercase hex digits.
pub fn model_hash(m: &Module) -> String {
    format!("{:016x}", fnv1a64(canonical(m).as_bytes()))
}

/// The canonical text the hash is computed from.
pub fn canonical(m: &Module) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "gohost abi {ABI_VERSION}");
    let _ = writeln!(s, "module {}", m.name);
    for t in &m.types {
        match t {
            TypeDef::Record(r) => {
                let _ = writeln!(s, "record {} {{{}}}", r.name, fields(&r.fields));
            }
            TypeDef::Enum(e) => {
                let vs: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| format!("{{{}}}", fields(&v.fields)))
                    .collect();
                let _ = writeln!(s, "enum {} [{}]", e.name, vs.join(" "));
            }
            TypeDef::Handle(h) => {
                let _ = writeln!(s, "handle {}", h.name);
            }
        }
    }
    for f in &m.funcs {
        let ps: Vec<String> = f.params.iter().map(|p| ty(&p.ty)).collect();
        let err = err(&f.ret.err);
        let area = if f.uses_ret_area() {
            " area"
        } else if f.uses_status() {
            " status"
        } else {
            ""
        };
        // An async function's import takes a pending flag (docs/abi.md,
        // "Async host functions").
        let asynchronous = if f.is_async { " async" } else { "" };
        let _ = writeln!(
            s,
            "fn {}({}) -> {}{err}{area}{asynchronous}",
            f.name,
            ps.join(", "),
            ty(&f.ret.ok)
        );
    }
    for e in &m.exports {
        let ps: Vec<String> = e.params.iter().map(|p| ty(&p.ty)).collect();
        let direct = if e.is_direct() { " direct" } else { "" };
        let _ = writeln!(
            s,
            "export {}({}) -> {}{}{direct}",
            e.name,
            ps.join(", "),
            ty(&e.ret.ok),
            err(&e.ret.err)
        );
    }
    s
}

fn err(e: &Option<ErrTy>) -> String {
    match e {
        None => String::new(),
        Some(ErrTy::Enum(e)) => format!(" ! enum {e}"),
        Some(ErrTy::Message) => " ! message".to_string(),
    }
}

fn fields(fs: &[Field]) -> String {
    fs.iter().map(|f| ty(&f.ty)).collect::<Vec<_>>().join(", ")
}

/// The wire type: `&str` and `String` are both `string`, and so on.
fn ty(t: &Ty) -> String {
    match t {
        Ty::I32 => "i32".into(),
        Ty::U32 => "u32".into(),
        Ty::I64 => "i64".into(),
        Ty::U64 => "u64".into(),
        Ty::F32 => "f32".into(),
        Ty::F64 => "f64".into(),
        Ty::Bool => "bool".into(),
        Ty::U8 => "u8".into(),
        Ty::I8 => "i8".into(),
        Ty::U16 => "u16".into(),
        Ty::I16 => "i16".into(),
        Ty::Usize => "usize".into(),
        Ty::Isize => "isize".into(),
        Ty::Char => "char".into(),
        Ty::Array(t, n) => format!("[{}; {n}]", ty(t)),
        // Both maps are one wire type.
        Ty::Map { key, value, .. } => format!("map<{}, {}>", ty(key), ty(value)),
        Ty::Str { .. } => "string".into(),
        Ty::Bytes { .. } => "bytes".into(),
        Ty::Record { name, .. } => format!("record {name}"),
        Ty::Enum { name, .. } => format!("enum {name}"),
        Ty::Option(t) => format!("option<{}>", ty(t)),
        Ty::Vec(t) => format!("list<{}>", ty(t)),
        Ty::Handle { name, mode } => {
            let m = match mode {
                HandleMode::Owned => "own",
                HandleMode::Ref | HandleMode::Mut => "borrow",
            };
            format!("{m} {name}")
        }
        Ty::Unit => "()".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
