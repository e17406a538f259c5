//! How a wrapper gets its result back from the raw call: directly (a
//! scalar, a handle or nothing), through the status record (the same, from
//! a function that can fail), in an array on its stack (a fixed-size
//! value), or through the return area (any other encoded value).

use std::fmt::Write as _;

use super::codec::decode_expr;
use super::raw::{from_raw, raw_call, RawLhs};
use super::types::{go_ty, zero};
use super::{fixed, flat, Gen};
use crate::model::*;
use crate::naming::{self, mangle};

/// The Go function that decodes `f`'s typed error value (`error_E` for an
/// error enum of the module), or `nil` when its errors are only messages.
fn typed_error(f: &Func) -> String {
    match &f.ret.err {
        Some(ErrTy::Enum(e)) => format!("errorOf{}", naming::exported(e)),
        _ => "nil".into(),
    }
}

/// A wrapper's call of its raw import, which the bodies below finish.
pub(super) struct Call {
    /// The raw import (`rawGet`).
    pub(super) raw: String,
    /// Its arguments so far; a body adds where the result goes.
    pub(super) args: Vec<String>,
    /// The statements that follow the call: arguments kept alive, cleanups
    /// disarmed.
    pub(super) alive: Vec<String>,
    /// Whether the wrapper took a frame (`sc`), to release after the call.
    pub(super) frame: bool,
}

impl Call {
    /// Writes the statements that follow the call.
    fn keep(&self, o: &mut String) {
        for a in &self.alive {
            let _ = writeln!(o, "\t{a}");
        }
    }

    /// Writes the statements that follow the call, and the frame's
    /// release.
    fn end(&self, o: &mut String) {
        self.keep(o);
        if self.frame {
            let _ = writeln!(o, "\tgohost.EndCall(sc)");
        }
    }
}

/// The Go value of a handle `v` the host returned, its cleanup armed.
fn tracked(handle: &str) -> String {
    format!("(&{}{{h: v}}).track()", naming::exported(handle))
}

impl Gen<'_> {
    /// A call that returns its scalar, handle or nothing directly and cannot
    /// fail.
    pub(super) fn direct_body(&mut self, f: &Func, call: Call) {
        let Call { raw, args, .. } = &call;
        let o = &mut self.out;
        let ret = match &f.ret.ok {
            Ty::Unit => None,
            Ty::Handle { name, .. } => Some(tracked(name)),
            t => Some(from_raw(t, "v")),
        };
        match (&ret, call.alive.is_empty()) {
            (None, _) => raw_call(o, f, RawLhs::None, raw, args),
            (Some(_), true) if !matches!(f.ret.ok, Ty::Handle { .. }) => {
                let ret = from_raw(&f.ret.ok, "{}");
                raw_call(o, f, RawLhs::Return(&ret), raw, args);
                return;
            }
            (Some(_), _) => raw_call(o, f, RawLhs::Let("v"), raw, args),
        }
        call.end(o);
        if let Some(r) = ret {
            let _ = writeln!(o, "\treturn {r}");
        }
    }

    /// A call that returns its scalar, handle or nothing directly and reports
    /// a failure through callStatus.
    pub(super) fn status_body(&mut self, f: &Func, mut call: Call) {
        let m = self.m;
        let o = &mut self.out;
        call.args.push("&callStatus".into());
        let (z, ret) = match &f.ret.ok {
            Ty::Unit => (String::new(), None),
            Ty::Handle { name, .. } => ("nil, ".to_string(), Some(tracked(name))),
            t => (format!("{}, ", zero(m, t)), Some(from_raw(t, "v"))),
        };
        let lhs = if ret.is_some() {
            RawLhs::Let("v")
        } else {
            RawLhs::None
        };
        raw_call(o, f, lhs, &call.raw, &call.args);
        call.end(o);
        let typed = typed_error(f);
        let _ = writeln!(o, "\tif callStatus.Code != 0 {{");
        let _ = writeln!(o, "\t\treturn {z}callFailed(\"{}\", {typed})\n\t}}", f.name);
        match ret {
            Some(r) => {
                let _ = writeln!(o, "\treturn {r}, nil");
            }
            None => {
                let _ = writeln!(o, "\treturn nil");
            }
        }
    }

    /// A call whose fixed-size result the host writes into an array on the
    /// stack; anything unexpected (an error, a payload of another length,
    /// invalid bytes) is handed to fixedFailed, which decodes it the
    /// general way for the error.
    pub(super) fn fixed_area_body(&mut self, f: &Func, mut call: Call, size: usize) {
        let m = self.m;
        let o = &mut self.out;
        let _ = writeln!(o, "\tvar ret [{size}]byte\n\tvar n uint32");
        call.args.push(format!("unsafe.Pointer(&ret), {size}, &n"));
        raw_call(o, f, RawLhs::Let("st"), &call.raw, &call.args);
        call.end(o);
        let mut bad = vec!["st != 0".to_string(), format!("n != {size}")];
        bad.extend(fixed::invalid(m, &f.ret.ok, "ret"));
        let typed = typed_error(f);
        let failed = format!(
            "fixedFailed(\"{}\", st, n, ret[:], {typed}, decode{})",
            f.name,
            mangle(&f.ret.ok.wire())
        );
        let _ = writeln!(o, "\tif {} {{", bad.join(" || "));
        if f.can_fail() {
            let _ = writeln!(o, "\t\treturn {}, {failed}\n\t}}", zero(m, &f.ret.ok));
        } else {
            let _ = writeln!(o, "\t\tpanic({failed})\n\t}}");
        }
        match fixed::load(m, &f.ret.ok, "ret").as_slice() {
            // An enum: the value itself.
            [(path, value)] if path.is_empty() => {
                let _ = writeln!(o, "\tv := {value}");
            }
            fields => {
                let _ = writeln!(o, "\tvar v {}", go_ty(&f.ret.ok));
                for (path, value) in fields {
                    let _ = writeln!(o, "\tv{path} = {value}");
                }
            }
        }
        if f.can_fail() {
            let _ = writeln!(o, "\treturn v, nil");
        } else {
            let _ = writeln!(o, "\treturn v");
        }
    }

    /// A call through the return area: status, payload, errors.
    pub(super) fn area_body(&mut self, f: &Func, mut call: Call) {
        let m = self.m;
        let o = &mut self.out;
        let fails = f.can_fail();
        let z = match f.ret.ok {
            Ty::Unit => String::new(),
            ref t => format!("{}, ", zero(m, t)),
        };
        call.args
            .push("unsafe.Pointer(unsafe.SliceData(sc.Buf)), uint32(len(sc.Buf)), &sc.N".into());
        raw_call(o, f, RawLhs::Let("st"), &call.raw, &call.args);
        // The frame holds the payload: it is released once decoded.
        call.keep(o);
        // A flat record is read in place from the frame's buffer; anything
        // else, or bytes it refuses, is decoded the general way below.
        if flat::is_flat(m, &f.ret.ok) {
            let ret = if fails { "v, nil" } else { "v" };
            let _ = writeln!(o, "\tif st == 0 && int(sc.N) <= len(sc.Buf) {{");
            let _ = writeln!(
                o,
                "\t\tif v, end, ok := read{}(sc.Buf[:sc.N], 0); ok && end == int(sc.N) {{",
                mangle(&f.ret.ok.wire())
            );
            let _ = writeln!(
                o,
                "\t\t\tgohost.EndCall(sc)\n\t\t\treturn {ret}\n\t\t}}\n\t}}"
            );
        }
        // The payload is in sc.Buf when it fit, else fetched from the host.
        let _ = writeln!(o, "\tvar p []byte");
        let _ = writeln!(
            o,
            "\tif int(sc.N) <= len(sc.Buf) {{\n\t\tp = sc.Buf[:sc.N]\n\t}} else {{"
        );
        let _ = writeln!(o, "\t\tp = takeResult(sc.N, nil)\n\t}}");
        let typed = typed_error(f);
        let call_err = format!(
            "gohost.CallError(moduleName, \"{}\", st, p, {typed})",
            f.name
        );
        let _ = writeln!(o, "\tif st != 0 {{");
        let _ = writeln!(o, "\t\terr := {call_err}\n\t\tgohost.EndCall(sc)");
        if fails {
            let _ = writeln!(o, "\t\treturn {z}err\n\t}}");
        } else {
            let _ = writeln!(o, "\t\tpanic(err)\n\t}}");
        }
        let result_err = format!("gohost.ResultError(moduleName, \"{}\", err)", f.name);
        let fail_stmt = |z: &str| match fails {
            true => format!("return {z}{result_err}"),
            false => format!("panic({result_err})"),
        };
        // The result is decoded (copying what it keeps) before the frame is
        // released.
        let _ = writeln!(o, "\tr := gohost.NewReader(p)");
        let _ = writeln!(o, "\tv, err := {}", decode_expr(&f.ret.ok.wire(), "r"));
        let _ = writeln!(o, "\tif err == nil {{\n\t\terr = r.Done()\n\t}}");
        let _ = writeln!(o, "\tgohost.EndCall(sc)");
        let _ = writeln!(o, "\tif err != nil {{\n\t\t{}\n\t}}", fail_stmt(&z));
        if fails {
            let _ = writeln!(o, "\treturn v, nil");
        } else {
            let _ = writeln!(o, "\treturn v");
        }
    }
}
