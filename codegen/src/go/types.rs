//! The Go side of the module's types: how every model type is spelled in
//! Go and its zero value, and the declarations of the records (structs),
//! enums (a `uint32` type with constants, or a sealed interface with one
//! struct per variant) and handles (a struct with `Close` and a cleanup).

use std::fmt::Write as _;

use super::{doc, error_type, Gen};
use crate::model::*;
use crate::naming::{self, field_name};

/// The Go type of a guest-visible type.
pub(super) fn go_ty(t: &Ty) -> String {
    match t {
        Ty::I32 => "int32".into(),
        Ty::U32 => "uint32".into(),
        Ty::I64 => "int64".into(),
        Ty::U64 => "uint64".into(),
        Ty::F32 => "float32".into(),
        Ty::F64 => "float64".into(),
        Ty::Bool => "bool".into(),
        Ty::U8 => "uint8".into(),
        Ty::I8 => "int8".into(),
        Ty::U16 => "uint16".into(),
        Ty::I16 => "int16".into(),
        Ty::Usize => "uint".into(),
        Ty::Isize => "int".into(),
        Ty::Char => "rune".into(),
        Ty::Array(t, n) => format!("[{n}]{}", go_ty(t)),
        Ty::Map { key, value, .. } => format!("map[{}]{}", go_ty(key), go_ty(value)),
        Ty::Str { .. } => "string".into(),
        Ty::Bytes { .. } => "[]byte".into(),
        Ty::Record { name, .. } | Ty::Enum { name, .. } => naming::exported(name),
        Ty::Handle { name, .. } => format!("*{}", naming::exported(name)),
        Ty::Option(t) => format!("*{}", go_ty(t)),
        Ty::Vec(t) => format!("[]{}", go_ty(t)),
        Ty::Unit => String::new(),
    }
}

/// The zero value of a Go type, for error returns.
pub(super) fn zero(m: &Module, t: &Ty) -> String {
    match t {
        Ty::I32
        | Ty::U32
        | Ty::I64
        | Ty::U64
        | Ty::F32
        | Ty::F64
        | Ty::U8
        | Ty::I8
        | Ty::U16
        | Ty::I16
        | Ty::Usize
        | Ty::Isize
        | Ty::Char => "0".into(),
        Ty::Array(..) => format!("{}{{}}", go_ty(t)),
        Ty::Bool => "false".into(),
        Ty::Str { .. } => "\"\"".into(),
        Ty::Record { name, .. } => format!("{}{{}}", naming::exported(name)),
        Ty::Enum { name, .. } => match m.type_def(name) {
            Some(TypeDef::Enum(e)) if e.is_unit_only() => "0".into(),
            _ => "nil".into(),
        },
        _ => "nil".into(),
    }
}

impl Gen<'_> {
    /// Struct fields, aligned as gofmt aligns them (runs of fields without
    /// comments between them form one column).
    fn fields(&mut self, fields: &[Field]) {
        let mut i = 0;
        while i < fields.len() {
            if !fields[i].docs.is_empty() {
                let name = field_name(&fields[i].name);
                let docs = doc::lead(&name, &fields[i].docs, doc::Item::Other);
                doc::write(&mut self.out, "\t", &docs);
            }
            let mut j = i + 1;
            while j < fields.len() && fields[j].docs.is_empty() {
                j += 1;
            }
            let width = fields[i..j]
                .iter()
                .map(|f| field_name(&f.name).len())
                .max()
                .unwrap_or(0);
            for f in &fields[i..j] {
                let name = field_name(&f.name);
                let _ = writeln!(self.out, "\t{name:width$} {}", go_ty(&f.ty));
            }
            i = j;
        }
    }

    pub(super) fn record(&mut self, r: &Record) {
        let go = naming::exported(&r.name);
        self.doc(
            &go,
            doc::Item::Other,
            &r.docs,
            format!("{go} is the record {} of the host module.", r.name),
        );
        let _ = writeln!(self.out, "type {go} struct {{");
        self.fields(&r.fields);
        let _ = writeln!(self.out, "}}\n");
    }

    pub(super) fn enumeration(&mut self, e: &Enum) {
        let go = naming::exported(&e.name);
        let pkg = &self.m.go_package;
        let vnames: Vec<String> = e
            .variants
            .iter()
            .map(|v| naming::variant_type(&go, &v.name))
            .collect();
        if e.is_unit_only() {
            self.doc(
                &go,
                doc::Item::Other,
                &e.docs,
                format!("{go} is the enum {} of the host module.", e.name),
            );
            let _ = writeln!(self.out, "type {go} uint32\n\nconst (");
            for (i, v) in e.variants.iter().enumerate() {
                if !v.docs.is_empty() {
                    let docs = doc::lead(&vnames[i], &v.docs, doc::Item::Other);
                    doc::write(&mut self.out, "\t", &docs);
                }
                match i {
                    0 => {
                        let _ = writeln!(self.out, "\t{} {go} = iota", vnames[i]);
                    }
                    _ => {
                        let _ = writeln!(self.out, "\t{}", vnames[i]);
                    }
                }
            }
            let o = &mut self.out;
            let _ = writeln!(o, ")\n");
            let _ = writeln!(o, "// String returns the variant's Rust name.");
            let _ = writeln!(o, "func (v {go}) String() string {{\n\tswitch v {{");
            for (i, var) in e.variants.iter().enumerate() {
                let _ = writeln!(o, "\tcase {}:\n\t\treturn \"{}\"", vnames[i], var.name);
            }
            let _ = writeln!(
                o,
                "\t}}\n\treturn fmt.Sprintf(\"{go}(%d)\", uint32(v))\n}}\n"
            );
            if e.error {
                let _ = writeln!(
                    o,
                    "// Error returns the variant in words; the host's message is in the"
                );
                let _ = writeln!(o, "// *{} that wraps it.", error_type(self.m));
                let _ = writeln!(o, "func (v {go}) Error() string {{\n\tswitch v {{");
                for (i, var) in e.variants.iter().enumerate() {
                    let _ = writeln!(
                        o,
                        "\tcase {}:\n\t\treturn \"{pkg}: {}\"",
                        vnames[i],
                        naming::phrase(&var.name)
                    );
                }
                let _ = writeln!(
                    o,
                    "\t}}\n\treturn fmt.Sprintf(\"{pkg}: {go}(%d)\", uint32(v))\n}}\n"
                );
            }
            return;
        }
        let mut docs = doc::lead(&go, &e.docs, doc::Item::Other);
        if !docs.is_empty() {
            docs.push(String::new());
        }
        docs.push(format!("{go} is one of {}.", vnames.join(", ")));
        doc::write(&mut self.out, "", &docs);
        let _ = writeln!(self.out, "type {go} interface {{");
        if e.error {
            let _ = writeln!(self.out, "\terror");
        }
        let _ = writeln!(self.out, "\tis{go}()\n}}\n");
        for (i, v) in e.variants.iter().enumerate() {
            let vgo = &vnames[i];
            self.doc(
                vgo,
                doc::Item::Other,
                &v.docs,
                format!("{vgo} is the variant {}::{}.", e.name, v.name),
            );
            if v.fields.is_empty() {
                let _ = writeln!(self.out, "type {vgo} struct{{}}\n");
            } else {
                let _ = writeln!(self.out, "type {vgo} struct {{");
                self.fields(&v.fields);
                let _ = writeln!(self.out, "}}\n");
            }
            let _ = writeln!(self.out, "func ({vgo}) is{go}() {{}}\n");
            if e.error {
                let o = &mut self.out;
                let _ = writeln!(
                    o,
                    "// Error returns the variant in words; the host's message is in the"
                );
                let _ = writeln!(o, "// *{} that wraps it.", error_type(self.m));
                let _ = writeln!(
                    o,
                    "func ({vgo}) Error() string {{\n\treturn \"{pkg}: {}\"\n}}\n",
                    naming::phrase(&v.name)
                );
            }
        }
    }

    pub(super) fn handle(&mut self, h: &Handle) {
        let go = naming::exported(&h.name);
        let mut docs = doc::lead(&go, &h.docs, doc::Item::Other);
        if !docs.is_empty() {
            docs.push(String::new());
        }
        docs.push(format!(
            "{go} is a handle to a host object; Close releases it."
        ));
        doc::write(&mut self.out, "", &docs);
        // The receiver is named after the type (`txn`), as Go code names it.
        let x = naming::unexported(&h.name);
        let _ = write!(
            self.out,
            r#"type {go} struct {{
	h       uint32
	cleanup runtime.Cleanup
}}

// track arms the cleanup that releases the host object once the guest no
// longer references {x} without having closed it.
func ({x} *{go}) track() *{go} {{
	{x}.cleanup = runtime.AddCleanup({x}, dropHandle, {x}.h)
	return {x}
}}

// Close releases the host object. Using the handle afterwards, or closing it
// again, fails with an ABI error. A handle the guest drops without closing
// it is released by a cleanup once garbage collected; Close releases it now.
func ({x} *{go}) Close() error {{
	{x}.cleanup.Stop()
	if gohostDrop({x}.h) != 0 {{
		return &gohost.Error{{Module: moduleName, Func: "Close", Message: "unknown handle", ABI: true}}
	}}
	return nil
}}

"#
        );
    }
}
