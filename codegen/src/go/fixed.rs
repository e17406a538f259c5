//! Fixed-size values: numbers, booleans, runes, enums without data, and
//! records and arrays of them. Their encoding has one length, known here, so a wrapper keeps them
//! in arrays on its stack and reads and writes every field in place
//! (`gohost.StoreFloat64(&a0[8], v.Y)`), instead of going through the
//! shared frame, a `gohost.Writer` and a `gohost.Reader`. The bytes are the
//! same (`docs/abi.md`, "Encoding"); in Go's wasm interpreter, where every
//! function call counts, this is what makes a record cost about as much as
//! a string.

use super::types::go_ty;
use crate::model::*;
use crate::naming::field_name;

/// The largest fixed-size value kept on the stack; larger records take the
/// general path.
const MAX_SIZE: usize = 256;

/// The length of `t`'s encoding when it is a fixed-size value of at most
/// [`MAX_SIZE`] bytes.
pub(super) fn size(m: &Module, t: &Ty) -> Option<usize> {
    m.fixed_size(t).filter(|&n| n <= MAX_SIZE)
}

/// The size of `f`'s result when it comes back in an array on the
/// wrapper's stack: a fixed-size value, from a function that cannot
/// call back into the guest. A host function that takes the `Caller`
/// can; the nested call may grow the goroutine's stack, which moves it,
/// and the host would then write the result where the array was. Its
/// result goes to the frame's buffer, in static memory.
pub(super) fn result_size(m: &Module, f: &Func) -> Option<usize> {
    if !f.uses_ret_area() || f.state == StateUse::Caller {
        return None;
    }
    size(m, &f.ret.ok)
}

/// One number, boolean or enum of a fixed-size value, at `offset` in its
/// encoding.
struct Leaf<'t> {
    /// The Go expression of the leaf relative to the value: `""` for the
    /// value itself, `.At.X` for a nested field.
    path: String,
    ty: &'t Ty,
    offset: usize,
}

/// The leaves of `t` in encoding order.
fn leaves<'m>(m: &'m Module, t: &'m Ty) -> Vec<Leaf<'m>> {
    fn walk<'m>(
        m: &'m Module,
        t: &'m Ty,
        path: String,
        offset: &mut usize,
        out: &mut Vec<Leaf<'m>>,
    ) {
        if let Ty::Record { name, .. } = t {
            if let Some(TypeDef::Record(r)) = m.type_def(name) {
                for f in &r.fields {
                    walk(
                        m,
                        &f.ty,
                        format!("{path}.{}", field_name(&f.name)),
                        offset,
                        out,
                    );
                }
            }
            return;
        }
        // A byte array is one leaf, copied at once; other arrays are
        // their elements.
        if let Ty::Array(elem, n) = t {
            if **elem != Ty::U8 {
                for i in 0..*n {
                    walk(m, elem, format!("{path}[{i}]"), offset, out);
                }
                return;
            }
        }
        out.push(Leaf {
            path,
            ty: t,
            offset: *offset,
        });
        *offset += m.fixed_size(t).unwrap_or(0);
    }
    let mut out = Vec::new();
    walk(m, t, String::new(), &mut 0, &mut out);
    out
}

/// The index `k` after `base` (`""` or a Go expression): `8`, `o`, `o+8`.
pub(super) fn index(base: &str, k: usize) -> String {
    match (base, k) {
        ("", k) => k.to_string(),
        (b, 0) => b.to_string(),
        (b, k) => format!("{b}+{k}"),
    }
}

/// A slice `arr[from:to]` as gofmt writes it: spaces around the colon
/// when an index is a sum, unless the slice is one of several arguments
/// of a call (`spaced` false).
fn slice(arr: &str, from: &str, to: &str, spaced: bool) -> String {
    if spaced && (from.contains('+') || to.contains('+')) {
        format!("{arr}[{from} : {to}]")
    } else {
        format!("{arr}[{from}:{to}]")
    }
}

/// Statements that store `val` (a Go expression of type `t`) into the
/// array `arr`, which is zeroed and `size(t)` bytes long.
pub(super) fn store(m: &Module, t: &Ty, arr: &str, val: &str) -> Vec<String> {
    store_at(m, t, arr, "", 0, val)
}

/// [`store`] at `shift` bytes after `base` (`""` or a Go expression, `o`)
/// into `arr`.
pub(super) fn store_at(
    m: &Module,
    t: &Ty,
    arr: &str,
    base: &str,
    shift: usize,
    val: &str,
) -> Vec<String> {
    leaves(m, t)
        .into_iter()
        .map(|mut l| {
            l.offset += shift;
            let at = format!("&{arr}[{}]", index(base, l.offset));
            let v = format!("{val}{}", l.path);
            match l.ty {
                Ty::Array(_, n) => format!(
                    "copy({}, {v}[:])",
                    slice(
                        arr,
                        &index(base, l.offset),
                        &index(base, l.offset + n),
                        false
                    )
                ),
                Ty::U8 => format!("{arr}[{}] = {v}", index(base, l.offset)),
                Ty::I8 => format!("{arr}[{}] = uint8({v})", index(base, l.offset)),
                Ty::U16 => format!("gohost.StoreUint16({at}, {v})"),
                Ty::I16 => format!("gohost.StoreUint16({at}, uint16({v}))"),
                Ty::Char => format!("gohost.StoreUint32({at}, uint32({v}))"),
                Ty::Usize | Ty::Isize => format!("gohost.StoreUint64({at}, uint64({v}))"),
                Ty::Bool => format!("gohost.StoreBool({at}, {v})"),
                Ty::U32 => format!("gohost.StoreUint32({at}, {v})"),
                Ty::I32 | Ty::Enum { .. } => format!("gohost.StoreUint32({at}, uint32({v}))"),
                Ty::U64 => format!("gohost.StoreUint64({at}, {v})"),
                Ty::I64 => format!("gohost.StoreUint64({at}, uint64({v}))"),
                Ty::F32 => format!("gohost.StoreFloat32({at}, {v})"),
                _ => format!("gohost.StoreFloat64({at}, {v})"),
            }
        })
        .collect()
}

/// The loads of a `t` from the array `arr`, whose bytes [`invalid`] has
/// accepted: for each leaf, its path below the value (`""` for the value
/// itself, `.At.X`) and the Go expression that reads it.
pub(super) fn load(m: &Module, t: &Ty, arr: &str) -> Vec<(String, String)> {
    load_at(m, t, arr, "", 0)
}

/// [`load`] at `shift` bytes after `base` (as for [`store_at`]).
pub(super) fn load_at(
    m: &Module,
    t: &Ty,
    arr: &str,
    base: &str,
    shift: usize,
) -> Vec<(String, String)> {
    leaves(m, t)
        .into_iter()
        .map(|mut l| {
            l.offset += shift;
            let at = format!("&{arr}[{}]", index(base, l.offset));
            let value = match l.ty {
                Ty::Array(_, n) => {
                    format!(
                        "{}({})",
                        go_ty(l.ty),
                        slice(
                            arr,
                            &index(base, l.offset),
                            &index(base, l.offset + n),
                            true
                        )
                    )
                }
                Ty::U8 => format!("{arr}[{}]", index(base, l.offset)),
                Ty::I8 => format!("int8({arr}[{}])", index(base, l.offset)),
                Ty::U16 => format!("gohost.LoadUint16({at})"),
                Ty::I16 => format!("int16(gohost.LoadUint16({at}))"),
                Ty::Char => format!("rune(gohost.LoadUint32({at}))"),
                Ty::Usize => format!("uint(gohost.LoadUint64({at}))"),
                Ty::Isize => format!("int(gohost.LoadUint64({at}))"),
                Ty::Bool => format!("gohost.LoadBool({at})"),
                Ty::U32 => format!("gohost.LoadUint32({at})"),
                Ty::I32 | Ty::Enum { .. } => format!("{}(gohost.LoadUint32({at}))", go_ty(l.ty)),
                Ty::U64 => format!("gohost.LoadUint64({at})"),
                Ty::I64 => format!("int64(gohost.LoadUint64({at}))"),
                Ty::F32 => format!("gohost.LoadFloat32({at})"),
                _ => format!("gohost.LoadFloat64({at})"),
            };
            (l.path, value)
        })
        .collect()
}

/// Conditions, each true when the bytes of a `t` in `arr` are not a valid
/// encoding: a boolean that is not 0 or 1, an enum index out of range, a
/// rune that is not a Unicode scalar value.
/// Numbers accept any bytes.
pub(super) fn invalid(m: &Module, t: &Ty, arr: &str) -> Vec<String> {
    invalid_at(m, t, arr, "", 0)
}

/// [`invalid`] at `shift` bytes after `base` (as for [`store_at`]).
pub(super) fn invalid_at(m: &Module, t: &Ty, arr: &str, base: &str, shift: usize) -> Vec<String> {
    leaves(m, t)
        .into_iter()
        .map(|mut l| {
            l.offset += shift;
            l
        })
        .filter_map(|l| match l.ty {
            Ty::Bool => Some(format!("{arr}[{}] > 1", index(base, l.offset))),
            Ty::Char => Some(format!(
                "gohost.InvalidRune(&{arr}[{}])",
                index(base, l.offset)
            )),
            Ty::Enum { name, .. } => match m.type_def(name) {
                Some(TypeDef::Enum(e)) => Some(format!(
                    "gohost.LoadUint32(&{arr}[{}]) >= {}",
                    index(base, l.offset),
                    e.variants.len()
                )),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
