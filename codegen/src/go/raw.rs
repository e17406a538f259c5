//! The raw imports: one unexported `//go:wasmimport` function per host
//! function, in the types Go allows there, and the statements that call it.

use std::fmt::Write as _;

use super::types::go_ty;
use super::Gen;
use crate::model::*;
use crate::naming;

/// The Go type of a scalar in a raw `//go:wasmimport` signature, which
/// allows only 32- and 64-bit numbers: the small integers widen to
/// `int32`/`uint32`, `uint`/`int` are `uint64`/`int64`, a rune is an
/// `int32`.
fn raw_ty(t: &Ty) -> String {
    match t {
        Ty::U8 | Ty::U16 => "uint32".into(),
        Ty::I8 | Ty::I16 | Ty::Char => "int32".into(),
        Ty::Usize => "uint64".into(),
        Ty::Isize => "int64".into(),
        t => go_ty(t),
    }
}

/// The statements that call `f`'s raw import `raw` with `args`, its result
/// in `lhs` (declared here) if any, or returned converted by `ret` (a
/// format with `{}` for the raw value). An async function's import takes
/// asyncPending, where the host says that the call is still pending: the
/// wrapper then jumps back to call the import again until it is done
/// (docs/abi.md, "Async host functions"). One call site keeps the wrapper
/// within Go's inlining budget, which two call sites never are.
pub(super) fn raw_call(o: &mut String, f: &Func, lhs: RawLhs<'_>, raw: &str, args: &[String]) {
    let pending = f.is_async.then_some("&asyncPending");
    let args: Vec<&str> = args.iter().map(String::as_str).chain(pending).collect();
    let call = format!("{raw}({})", args.join(", "));
    if f.is_async {
        let _ = writeln!(o, "again:");
    }
    let _ = match lhs {
        RawLhs::Let(v) => writeln!(o, "\t{v} := {call}"),
        RawLhs::Return(ret) if !f.is_async => {
            writeln!(o, "\treturn {}", ret.replace("{}", &call))
        }
        RawLhs::Return(_) => writeln!(o, "\tv := {call}"),
        RawLhs::None => writeln!(o, "\t{call}"),
    };
    if f.is_async {
        let _ = writeln!(o, "\tif asyncPending != 0 {{\n\t\tgoto again\n\t}}");
        if let RawLhs::Return(ret) = lhs {
            let _ = writeln!(o, "\treturn {}", ret.replace("{}", "v"));
        }
    }
}

/// What [`raw_call`] does with the import's result.
#[derive(Clone, Copy)]
pub(super) enum RawLhs<'a> {
    /// Nothing: there is none.
    None,
    /// Declares a variable of this name holding it.
    Let(&'a str),
    /// Returns it, converted by this format (`{}` for the raw value).
    Return(&'a str),
}

/// The Go type of `f`'s raw import's result, empty for none.
fn raw_result(f: &Func) -> String {
    if f.uses_ret_area() {
        return "uint32".into();
    }
    match &f.ret.ok {
        Ty::Unit => String::new(),
        Ty::Handle { .. } => "uint32".into(),
        t => raw_ty(t),
    }
}

/// `v`, a scalar argument of Go type `t`, converted to its raw type.
pub(super) fn to_raw(t: &Ty, v: &str) -> String {
    let raw = raw_ty(t);
    if raw == go_ty(t) || *t == Ty::Char {
        v.to_string()
    } else {
        format!("{raw}({v})")
    }
}

/// `v`, a raw result, converted to the Go type `t`.
pub(super) fn from_raw(t: &Ty, v: &str) -> String {
    let go = go_ty(t);
    if raw_ty(t) == go || *t == Ty::Char {
        v.to_string()
    } else {
        format!("{go}({v})")
    }
}

impl Gen<'_> {
    pub(super) fn raw_import(&mut self, f: &Func) {
        // The parameters are unnamed: names derived from the Rust ones
        // (`dataPtr`, `status`) could collide with other parameters, and
        // the wrapper below says what each one is.
        let mut params = Vec::new();
        for p in &f.params {
            match p.ty.lowering() {
                Lowering::Text => params.push("string".to_string()),
                Lowering::Bytes | Lowering::Encoded => {
                    params.push("unsafe.Pointer, uint32".into());
                }
                Lowering::Handle => params.push("uint32".into()),
                _ => params.push(raw_ty(&p.ty)),
            }
        }
        if f.uses_status() {
            params.push("*gohost.Status".into());
        }
        if f.uses_ret_area() {
            // The return area: buffer, capacity, where the length goes.
            params.push("unsafe.Pointer, uint32, *uint32".into());
        }
        let raw = raw_result(f);
        let result = if raw.is_empty() {
            String::new()
        } else {
            format!(" {raw}")
        };
        let go = naming::exported(&f.name);
        let _ = writeln!(self.out, "//go:wasmimport {} {}", self.m.name, f.name);
        // The host never keeps a pointer past the call, so what the
        // arguments point to may live on the caller's stack (docs/abi.md,
        // "Fixed-size values", says why that holds with callbacks).
        let _ = writeln!(self.out, "//go:noescape");
        if f.is_async {
            // Where the host says that the call is still pending (see
            // `raw_call`).
            params.push("*uint32".into());
        }
        let _ = writeln!(self.out, "func raw{go}({}){result}\n", params.join(", "));
    }
}
