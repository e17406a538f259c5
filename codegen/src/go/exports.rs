//! Go for the exports (the module's `extern "Go"` functions): the interface
//! a plugin implements, `Register`, and one `//go:wasmexport` shim per
//! export (`docs/abi.md`, "Exports").

use std::fmt::Write as _;

use super::codec::{decode_expr, encode_stmt};
use super::types::go_ty;
use super::{doc, flat, Gen};
use crate::model::*;
use crate::naming::{self, mangle};

impl Gen<'_> {
    /// The interface, `Register`, the shims and the typed-error replies.
    pub(super) fn exports(&mut self) {
        let m = self.m;
        if m.exports.is_empty() {
            return;
        }
        let iface = &m.go_interface;
        let pkg = &m.go_package;
        let mut docs = vec![
            format!("{iface} is what a plugin implements: the functions the host calls"),
            format!(
                "(the extern \"Go\" functions of the host module \"{}\"). Pass an",
                m.name
            ),
            "implementation to Register from an init function.".to_string(),
        ];
        if m.exports.iter().any(|e| !e.is_direct()) {
            docs.push(String::new());
            docs.push(
                "A method that panics fails the host's call with the panic message; the".into(),
            );
            docs.push("host then discards the instance.".into());
        }
        doc::write(&mut self.out, "", &docs);
        let _ = writeln!(self.out, "type {iface} interface {{");
        for (i, e) in m.exports.iter().enumerate() {
            if i > 0 && !e.docs.is_empty() {
                self.out.push('\n');
            }
            let docs = doc::lead(&naming::exported(&e.name), &e.docs, doc::Item::Func);
            doc::write(&mut self.out, "\t", &docs);
            let _ = writeln!(self.out, "\t{}", method_sig(e));
        }
        let _ = writeln!(self.out, "}}\n");
        let o = &mut self.out;
        let _ = write!(
            o,
            "var registered {iface}

// Register makes impl the implementation the host calls. Call it from an init
// function: a plugin is built as a reactor (GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared), whose _initialize runs the init functions once before
// the host calls any export; it does not run main.
func Register(impl {iface}) {{
\tregistered = impl
}}

"
        );
        if m.exports.iter().any(Export::is_direct) {
            let _ = writeln!(
                o,
                "// implementation returns the registered {iface}; without one a direct export"
            );
            let _ = writeln!(o, "// can only panic, which traps.");
            let _ = writeln!(o, "func implementation() {iface} {{");
            let _ = writeln!(
                o,
                "\tif registered == nil {{\n\t\tpanic(gohost.NotRegistered(\"{pkg}\"))\n\t}}"
            );
            let _ = writeln!(o, "\treturn registered\n}}\n");
        }
        for e in &m.exports {
            if e.is_direct() {
                self.direct_shim(e);
            } else {
                self.shim(e);
            }
        }
        let mut typed: Vec<&str> = Vec::new();
        for e in &m.exports {
            if let Some(ErrTy::Enum(n)) = &e.ret.err {
                if !typed.contains(&n.as_str()) {
                    typed.push(n);
                }
            }
        }
        for n in typed {
            let go = naming::exported(n);
            let o = &mut self.out;
            let _ = writeln!(
                o,
                "// replyError{go} replies with err's message and the {go} in err's tree."
            );
            let _ = writeln!(o, "func replyError{go}(err error) uint64 {{");
            let _ = writeln!(o, "\te, ok := gohost.ErrorAs[{go}](err)\n\tif !ok {{");
            let _ = writeln!(
                o,
                "\t\treturn gohost.Refuse(\"the implementation returned an error that is not a {go}: \" + err.Error())\n\t}}"
            );
            let _ = writeln!(o, "\tw := gohost.ReplyError(err)");
            let _ = writeln!(o, "\t{}", encode_stmt(&wire_enum(n), "w", "e"));
            let _ = writeln!(o, "\treturn gohost.Send(w)\n}}\n");
        }
    }

    /// `//go:wasmexport f` taking and returning wasm scalars.
    fn direct_shim(&mut self, e: &Export) {
        let go = naming::exported(&e.name);
        let params: Vec<String> = e
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| format!("a{i} {}", go_ty(&p.ty)))
            .collect();
        let args: Vec<String> = (0..e.params.len()).map(|i| format!("a{i}")).collect();
        let result = match &e.ret.ok {
            Ty::Unit => String::new(),
            t => format!(" {}", go_ty(t)),
        };
        let ret = if e.ret.ok == Ty::Unit { "" } else { "return " };
        let o = &mut self.out;
        let _ = writeln!(o, "//go:wasmexport {}", e.name);
        let _ = writeln!(o, "func export{go}({}){result} {{", params.join(", "));
        let _ = writeln!(o, "\t{ret}implementation().{go}({})", args.join(", "));
        let _ = writeln!(o, "}}\n");
    }

    /// `//go:wasmexport f` taking encoded arguments and returning a reply.
    fn shim(&mut self, e: &Export) {
        let go = naming::exported(&e.name);
        let pkg = &self.m.go_package;
        let o = &mut self.out;
        let _ = writeln!(o, "//go:wasmexport {}", e.name);
        let _ = writeln!(
            o,
            "func export{go}(argsPtr unsafe.Pointer, argsLen uint32) (ret uint64) {{"
        );
        let _ = writeln!(o, "\tdefer gohost.Recover(&ret)");
        let _ = writeln!(
            o,
            "\tif registered == nil {{\n\t\treturn gohost.Refuse(gohost.NotRegistered(\"{pkg}\"))\n\t}}"
        );
        let mut args = Vec::new();
        if flat::export_reads(self.m, e) {
            // Flat records read in place; bytes they refuse are decoded
            // the general way, for the error.
            let _ = writeln!(o, "\targs := gohost.ArgBytes(argsPtr, argsLen)");
            for (i, p) in e.params.iter().enumerate() {
                let read = format!(
                    "read{}(args, {})",
                    mangle(&p.ty.wire()),
                    if i == 0 { "0" } else { "o" }
                );
                if i == 0 {
                    let _ = writeln!(o, "\ta0, o, ok := {read}");
                } else {
                    let _ = writeln!(
                        o,
                        "\tvar a{i} {}\n\tif ok {{\n\t\ta{i}, o, ok = {read}\n\t}}",
                        go_ty(&p.ty)
                    );
                }
                args.push(format!("a{i}"));
            }
            let _ = writeln!(o, "\tif !ok || o != len(args) {{");
            let _ = writeln!(o, "\t\tr := gohost.NewReader(args)\n\t\tvar err error");
            for (i, p) in e.params.iter().enumerate() {
                let _ = writeln!(
                    o,
                    "\t\tif a{i}, err = {}; err != nil {{\n\t\t\treturn gohost.BadArgs(err)\n\t\t}}",
                    decode_expr(&p.ty.wire(), "r")
                );
            }
            let _ = writeln!(
                o,
                "\t\tif err := r.Done(); err != nil {{\n\t\t\treturn gohost.BadArgs(err)\n\t\t}}\n\t}}"
            );
        } else {
            let _ = writeln!(o, "\tr := gohost.ExportArgs(argsPtr, argsLen)");
            for (i, p) in e.params.iter().enumerate() {
                let _ = writeln!(
                    o,
                    "\ta{i}, err := {}\n\tif err != nil {{\n\t\treturn gohost.BadArgs(err)\n\t}}",
                    decode_expr(&p.ty.wire(), "r")
                );
                args.push(format!("a{i}"));
            }
            let _ = writeln!(
                o,
                "\tif err := r.Done(); err != nil {{\n\t\treturn gohost.BadArgs(err)\n\t}}"
            );
        }
        let call = format!("registered.{go}({})", args.join(", "));
        let on_err = match &e.ret.err {
            Some(ErrTy::Enum(n)) => format!("replyError{}(err)", naming::exported(n)),
            _ => "gohost.Send(gohost.ReplyError(err))".to_string(),
        };
        let unit = e.ret.ok == Ty::Unit;
        match (unit, e.ret.err.is_some()) {
            (true, false) => {
                let _ = writeln!(o, "\t{call}");
            }
            (true, true) => {
                let _ = writeln!(
                    o,
                    "\tif err := {call}; err != nil {{\n\t\treturn {on_err}\n\t}}"
                );
            }
            (false, false) => {
                let _ = writeln!(o, "\tv := {call}");
            }
            (false, true) => {
                let _ = writeln!(
                    o,
                    "\tv, err := {call}\n\tif err != nil {{\n\t\treturn {on_err}\n\t}}"
                );
            }
        }
        if unit {
            let _ = writeln!(o, "\treturn gohost.Send(gohost.Reply())\n}}\n");
        } else {
            let _ = writeln!(o, "\tw := gohost.Reply()");
            let _ = writeln!(o, "\t{}", encode_stmt(&e.ret.ok.wire(), "w", "v"));
            let _ = writeln!(o, "\treturn gohost.Send(w)\n}}\n");
        }
    }
}

fn wire_enum(name: &str) -> Ty {
    Ty::Enum {
        name: name.to_string(),
        by_ref: false,
    }
}

/// `Name(a T, b U) (R, error)` of the interface.
fn method_sig(e: &Export) -> String {
    let params: Vec<String> = e
        .params
        .iter()
        .map(|p| format!("{} {}", naming::unexported(&p.name), go_ty(&p.ty)))
        .collect();
    let ok = go_ty(&e.ret.ok);
    let results = match (ok.is_empty(), e.ret.err.is_some()) {
        (true, false) => String::new(),
        (true, true) => " error".into(),
        (false, false) => format!(" {ok}"),
        (false, true) => format!(" ({ok}, error)"),
    };
    format!(
        "{}({}){results}",
        naming::exported(&e.name),
        params.join(", ")
    )
}
