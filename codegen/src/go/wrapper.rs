//! The exported wrapper of each host function: its Go signature (a method
//! of a handle's type when the first parameter is the handle), and the
//! lowering of its arguments for the raw import; how the result comes back
//! is `results`.

use std::fmt::Write as _;

use super::codec::encode_stmt;
use super::raw::to_raw;
use super::results::Call;
use super::types::go_ty;
use super::{doc, fixed, Gen};
use crate::model::*;
use crate::naming;

impl Gen<'_> {
    /// The wrapper of `f`: its signature, its arguments lowered, the raw
    /// call and the result.
    pub(super) fn wrapper(&mut self, f: &Func) {
        let go = naming::exported(&f.name);
        self.signature(f, &go);
        // Fixed-size encoded parameters go in arrays on the stack, the other
        // encoded parameters into the frame's argument writer. An encoded
        // result comes back in the frame's buffer unless it is fixed-size.
        let m = self.m;
        let fixed_args: Vec<Option<usize>> = f
            .params
            .iter()
            .map(|p| match p.ty.lowering() {
                Lowering::Encoded => fixed::size(m, &p.ty),
                _ => None,
            })
            .collect();
        let encoded: Vec<usize> = (0..f.params.len())
            .filter(|&i| f.params[i].ty.lowering() == Lowering::Encoded && fixed_args[i].is_none())
            .collect();
        let fixed_ret = fixed::result_size(m, f);
        let frame = (f.uses_ret_area() && fixed_ret.is_none()) || !encoded.is_empty();
        if frame {
            let _ = writeln!(self.out, "\tsc := gohost.BeginCall()");
        }
        self.store_fixed_args(f, &fixed_args);
        self.encode_args(f, &encoded);
        let (args, mut alive) = raw_args(f, &fixed_args);
        if frame {
            alive.push(keep_alive("sc"));
        }
        let call = Call {
            raw: format!("raw{go}"),
            args,
            alive,
            frame,
        };
        if let Some(size) = fixed_ret {
            self.fixed_area_body(f, call, size);
        } else if f.uses_ret_area() {
            self.area_body(f, call);
        } else if f.uses_status() {
            self.status_body(f, call);
        } else {
            self.direct_body(f, call);
        }
        let _ = writeln!(self.out, "}}\n");
    }

    /// The doc comment and the `func` line of `f`'s wrapper, whose
    /// exported name is `go`. A function of a handle is a method of its Go
    /// type: the first parameter becomes the receiver.
    fn signature(&mut self, f: &Func, go: &str) {
        let method = f.receiver().map(|h| naming::method_name(&f.name, h));
        let name = method.as_deref().unwrap_or(go);
        self.doc(
            name,
            doc::Item::Func,
            &f.docs,
            format!("{name} calls the host function {}.{}.", self.m.name, f.name),
        );
        let mut params: Vec<String> = f
            .params
            .iter()
            .map(|p| format!("{} {}", naming::unexported(&p.name), go_ty(&p.ty)))
            .collect();
        let head = match &method {
            Some(method) => format!("({}) {method}", params.remove(0)),
            None => go.to_string(),
        };
        let ok = go_ty(&f.ret.ok);
        let fails = f.can_fail();
        let results = match (ok.is_empty(), fails) {
            (true, false) => String::new(),
            (true, true) => " error".into(),
            (false, false) => format!(" {ok}"),
            (false, true) => format!(" ({ok}, error)"),
        };
        let _ = writeln!(self.out, "func {head}({}){results} {{", params.join(", "));
    }

    /// Stores each fixed-size argument (its size in `fixed_args`) in an
    /// array on the stack, `aN`, field by field.
    fn store_fixed_args(&mut self, f: &Func, fixed_args: &[Option<usize>]) {
        for (i, size) in fixed_args.iter().enumerate() {
            let Some(size) = size else { continue };
            let p = &f.params[i];
            let _ = writeln!(self.out, "\tvar a{i} [{size}]byte");
            for stmt in fixed::store(
                self.m,
                &p.ty,
                &format!("a{i}"),
                &naming::unexported(&p.name),
            ) {
                let _ = writeln!(self.out, "\t{stmt}");
            }
        }
    }

    /// Writes the `encoded` arguments (by index) into the frame's writer,
    /// then takes each one's bytes, `bN`: only once all are written, as the
    /// writer may grow.
    fn encode_args(&mut self, f: &Func, encoded: &[usize]) {
        for (k, &i) in encoded.iter().enumerate() {
            let p = &f.params[i];
            let n = naming::unexported(&p.name);
            let _ = writeln!(self.out, "\t{}", encode_stmt(&p.ty, "&sc.Args", &n));
            if k + 1 < encoded.len() {
                let _ = writeln!(self.out, "\te{i} := sc.Args.Len()");
            }
        }
        if let Some(&last) = encoded.last() {
            let mut start = "0".to_string();
            for &i in encoded {
                let end = if i == last {
                    String::new()
                } else {
                    format!("e{i}")
                };
                let b = if encoded.len() == 1 {
                    "sc.Args.Bytes()".to_string()
                } else {
                    format!("sc.Args.Bytes()[{start}:{end}]")
                };
                let _ = writeln!(self.out, "\tb{i} := {b}");
                start = end;
            }
        }
    }
}

/// The arguments of `f`'s raw call, and the statements that follow it:
/// buffers and handles kept alive until the host has read them (a
/// handle's cleanup must not release it mid-call), and the cleanups of
/// handles the call gave to the host disarmed.
fn raw_args(f: &Func, fixed_args: &[Option<usize>]) -> (Vec<String>, Vec<String>) {
    let mut args = Vec::new();
    let mut alive = Vec::new();
    for (i, p) in f.params.iter().enumerate() {
        let n = naming::unexported(&p.name);
        match p.ty.lowering() {
            Lowering::Text => {
                args.push(n.clone());
                alive.push(keep_alive(&n));
            }
            Lowering::Bytes => {
                args.push(format!(
                    "unsafe.Pointer(unsafe.SliceData({n})), uint32(len({n}))"
                ));
                alive.push(keep_alive(&n));
            }
            Lowering::Encoded => match fixed_args[i] {
                Some(size) => args.push(format!("unsafe.Pointer(&a{i}), {size}")),
                None => {
                    args.push(format!(
                        "unsafe.Pointer(unsafe.SliceData(b{i})), uint32(len(b{i}))"
                    ));
                    alive.push(keep_alive(&format!("b{i}")));
                }
            },
            Lowering::Handle => {
                args.push(format!("{n}.h"));
                alive.push(match p.ty {
                    Ty::Handle {
                        mode: HandleMode::Owned,
                        ..
                    } => format!("{n}.cleanup.Stop()"),
                    _ => keep_alive(&n),
                });
            }
            _ => args.push(to_raw(&p.ty, &n)),
        }
    }
    (args, alive)
}

/// The statement that keeps `v` alive until here.
fn keep_alive(v: &str) -> String {
    format!("runtime.KeepAlive({v})")
}
