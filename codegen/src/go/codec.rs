//! Go codec functions: one `encodeX` / `decodeX` pair per record, enum,
//! option and list type the module uses.

use std::fmt::Write as _;

use super::{go_ty, Gen};
use crate::model::*;
use crate::naming;
use crate::parse::go_field_name;

/// The mangled name of a type in codec function names: the exported Go
/// name of a module type, a capitalised tag for the others.
pub(super) fn mangle(t: &Ty) -> String {
    match t {
        Ty::I32 => "I32".into(),
        Ty::U32 => "U32".into(),
        Ty::I64 => "I64".into(),
        Ty::U64 => "U64".into(),
        Ty::F32 => "F32".into(),
        Ty::F64 => "F64".into(),
        Ty::Bool => "Bool".into(),
        Ty::Str { .. } => "String".into(),
        Ty::Bytes { .. } => "Bytes".into(),
        Ty::Record { name, .. } | Ty::Enum { name, .. } | Ty::Handle { name, .. } => {
            naming::exported(name)
        }
        Ty::Option(t) => format!("{OPTION_MANGLE}{}", mangle(t)),
        Ty::Vec(t) => format!("{LIST_MANGLE}{}", mangle(t)),
        Ty::Unit => "Unit".into(),
    }
}

/// The prefixes of composite types in codec helper names
/// (`decodeOptU32`, `encodeListEntry`); the parser refuses a module type
/// whose name would read the same (`OptU32`).
pub(crate) const OPTION_MANGLE: &str = "Opt";
pub(crate) const LIST_MANGLE: &str = "List";

/// The `gohost.Writer`/`gohost.Reader` method for a primitive, if `t` is one.
fn prim(t: &Ty) -> Option<&'static str> {
    Some(match t {
        Ty::I32 => "Int32",
        Ty::U32 => "Uint32",
        Ty::I64 => "Int64",
        Ty::U64 => "Uint64",
        Ty::F32 => "Float32",
        Ty::F64 => "Float64",
        Ty::Bool => "Bool",
        Ty::Str { .. } => "String",
        Ty::Bytes { .. } => "Bytes",
        Ty::Handle { .. } => "Uint32",
        _ => return None,
    })
}

/// A statement that appends `val` (of type `t`) to the writer `w`.
pub(super) fn encode_stmt(t: &Ty, w: &str, val: &str) -> String {
    match prim(t) {
        Some(m) => format!("{w}.Put{m}({val})"),
        None => format!("encode{}({w}, {val})", mangle(t)),
    }
}

/// An expression of type `(T, error)` that reads a `t` from the reader `r`.
pub(super) fn decode_expr(t: &Ty, r: &str) -> String {
    match prim(t) {
        Some(m) => format!("{r}.{m}()"),
        None => format!("decode{}({r})", mangle(t)),
    }
}

/// The fewest bytes an encoding of `t` takes (bounds list counts).
pub(super) fn min_size(m: &Module, t: &Ty) -> usize {
    match t {
        Ty::Bool | Ty::Option(_) => 1,
        Ty::I32 | Ty::U32 | Ty::F32 | Ty::Handle { .. } => 4,
        Ty::I64 | Ty::U64 | Ty::F64 => 8,
        Ty::Str { .. } | Ty::Bytes { .. } | Ty::Vec(_) | Ty::Enum { .. } => 4,
        Ty::Record { name, .. } => match m.type_def(name) {
            Some(TypeDef::Record(r)) => r.fields.iter().map(|f| min_size(m, &f.ty)).sum(),
            _ => 0,
        },
        Ty::Unit => 0,
    }
}

/// Normalises a type for codec purposes (`&str` = `String`, `&R` = `R`).
pub(super) fn wire(t: &Ty) -> Ty {
    match t {
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
        Ty::Option(t) => Ty::Option(Box::new(wire(t))),
        Ty::Vec(t) => Ty::Vec(Box::new(wire(t))),
        other => other.clone(),
    }
}

/// Collects the option and list types used anywhere, in first-use order.
pub(super) fn composites(m: &Module) -> Vec<Ty> {
    fn walk(t: &Ty, out: &mut Vec<Ty>) {
        if let Ty::Option(i) | Ty::Vec(i) = t {
            walk(i, out);
            let w = wire(t);
            if !out.contains(&w) {
                out.push(w);
            }
        }
    }
    let mut out = Vec::new();
    for t in &m.types {
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
    for f in &m.funcs {
        f.params.iter().for_each(|p| walk(&p.ty, &mut out));
        walk(&f.ret.ok, &mut out);
    }
    for e in &m.exports {
        e.params.iter().for_each(|p| walk(&p.ty, &mut out));
        walk(&e.ret.ok, &mut out);
    }
    out
}

impl Gen<'_> {
    /// Codec functions for a record.
    pub(super) fn record_codec(&mut self, r: &Record) {
        let go = naming::exported(&r.name);
        let o = &mut self.out;
        let _ = writeln!(o, "func encode{go}(w *gohost.Writer, v {go}) {{");
        for f in &r.fields {
            let _ = writeln!(
                o,
                "\t{}",
                encode_stmt(&f.ty, "w", &format!("v.{}", go_field_name(&f.name)))
            );
        }
        let _ = writeln!(o, "}}\n");
        let _ = writeln!(
            o,
            "func decode{go}(r *gohost.Reader) (v {go}, err error) {{"
        );
        for f in &r.fields {
            let field = go_field_name(&f.name);
            let _ = writeln!(
                o,
                "\tif v.{field}, err = {}; err != nil {{",
                decode_expr(&f.ty, "r")
            );
            let _ = writeln!(o, "\t\treturn v, err\n\t}}");
        }
        let _ = writeln!(o, "\treturn v, nil\n}}\n");
    }

    /// Codec functions for an enum.
    pub(super) fn enum_codec(&mut self, e: &Enum) {
        let go = naming::exported(&e.name);
        let n = e.variants.len();
        let o = &mut self.out;
        if e.is_unit_only() {
            let _ = writeln!(o, "func encode{go}(w *gohost.Writer, v {go}) {{");
            let _ = writeln!(o, "\tw.PutUint32(uint32(v))\n}}\n");
            let _ = writeln!(o, "func decode{go}(r *gohost.Reader) ({go}, error) {{");
            let _ = writeln!(
                o,
                "\tn, err := r.Uint32()\n\tif err != nil {{\n\t\treturn 0, err\n\t}}"
            );
            let _ = writeln!(
                o,
                "\tif n >= {n} {{\n\t\treturn 0, gohost.BadVariant(\"{go}\", n)\n\t}}"
            );
            let _ = writeln!(o, "\treturn {go}(n), nil\n}}\n");
        } else {
            let _ = writeln!(o, "func encode{go}(w *gohost.Writer, v {go}) {{");
            let _ = writeln!(o, "\tswitch v := v.(type) {{");
            for (i, var) in e.variants.iter().enumerate() {
                let vgo = format!("{go}{}", naming::exported(&var.name));
                let _ = writeln!(o, "\tcase {vgo}:\n\t\tw.PutUint32({i})");
                for f in &var.fields {
                    let _ = writeln!(
                        o,
                        "\t\t{}",
                        encode_stmt(&f.ty, "w", &format!("v.{}", go_field_name(&f.name)))
                    );
                }
            }
            let names: Vec<String> = e
                .variants
                .iter()
                .map(|v| format!("{go}{}", naming::exported(&v.name)))
                .collect();
            let _ = writeln!(o, "\tdefault:");
            let _ = writeln!(
                o,
                "\t\tpanic(fmt.Sprintf(\"{}: a {go} must be one of {} (not a pointer), found %T\", v))",
                self.m.go_package,
                names.join(", ")
            );
            let _ = writeln!(o, "\t}}\n}}\n");
            let _ = writeln!(o, "func decode{go}(r *gohost.Reader) ({go}, error) {{");
            let _ = writeln!(
                o,
                "\tn, err := r.Uint32()\n\tif err != nil {{\n\t\treturn nil, err\n\t}}"
            );
            let _ = writeln!(o, "\tswitch n {{");
            for (i, var) in e.variants.iter().enumerate() {
                let vgo = &names[i];
                let _ = writeln!(o, "\tcase {i}:");
                if var.fields.is_empty() {
                    let _ = writeln!(o, "\t\treturn {vgo}{{}}, nil");
                    continue;
                }
                let _ = writeln!(o, "\t\tvar v {vgo}");
                for f in &var.fields {
                    let field = go_field_name(&f.name);
                    let _ = writeln!(
                        o,
                        "\t\tif v.{field}, err = {}; err != nil {{",
                        decode_expr(&f.ty, "r")
                    );
                    let _ = writeln!(o, "\t\t\treturn nil, err\n\t\t}}");
                }
                let _ = writeln!(o, "\t\treturn v, nil");
            }
            let _ = writeln!(
                o,
                "\t}}\n\treturn nil, gohost.BadVariant(\"{go}\", n)\n}}\n"
            );
        }
    }

    /// Codec functions for an option or list type.
    pub(super) fn composite_codec(&mut self, t: &Ty) {
        let name = mangle(t);
        let gt = go_ty(t);
        let m = self.m;
        let o = &mut self.out;
        match t {
            Ty::Option(inner) => {
                let _ = writeln!(o, "func encode{name}(w *gohost.Writer, v {gt}) {{");
                let _ = writeln!(o, "\tw.PutOption(v != nil)\n\tif v != nil {{");
                let _ = writeln!(o, "\t\t{}\n\t}}\n}}\n", encode_stmt(inner, "w", "*v"));
                let _ = writeln!(o, "func decode{name}(r *gohost.Reader) ({gt}, error) {{");
                let _ = writeln!(o, "\tsome, err := r.Option()\n\tif err != nil || !some {{\n\t\treturn nil, err\n\t}}");
                let _ = writeln!(
                    o,
                    "\tv, err := {}\n\tif err != nil {{\n\t\treturn nil, err\n\t}}",
                    decode_expr(inner, "r")
                );
                let _ = writeln!(o, "\treturn &v, nil\n}}\n");
            }
            Ty::Vec(inner) => {
                let _ = writeln!(o, "func encode{name}(w *gohost.Writer, v {gt}) {{");
                let _ = writeln!(o, "\tw.PutCount(len(v))\n\tfor _, e := range v {{");
                let _ = writeln!(o, "\t\t{}\n\t}}\n}}\n", encode_stmt(inner, "w", "e"));
                let _ = writeln!(o, "func decode{name}(r *gohost.Reader) ({gt}, error) {{");
                let _ = writeln!(
                    o,
                    "\tn, err := r.Count({})\n\tif err != nil {{\n\t\treturn nil, err\n\t}}",
                    min_size(m, inner)
                );
                let _ = writeln!(o, "\tv := make({gt}, n)\n\tfor i := range v {{");
                let _ = writeln!(
                    o,
                    "\t\tif v[i], err = {}; err != nil {{",
                    decode_expr(inner, "r")
                );
                let _ = writeln!(
                    o,
                    "\t\t\treturn nil, err\n\t\t}}\n\t}}\n\treturn v, nil\n}}\n"
                );
            }
            _ => {}
        }
    }
}
