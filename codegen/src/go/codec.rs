//! Go codec functions: one `encodeX` / `decodeX` pair per record, enum,
//! option and list type the module uses.

use std::fmt::Write as _;

use super::types::go_ty;
use super::Gen;
use crate::model::*;
use crate::naming::{self, field_name, mangle};

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
        Ty::U8 => "Uint8",
        Ty::I8 => "Int8",
        Ty::U16 => "Uint16",
        Ty::I16 => "Int16",
        Ty::Usize => "Uint",
        Ty::Isize => "Int",
        Ty::Char => "Rune",
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
        Ty::Bool | Ty::Option(_) | Ty::U8 | Ty::I8 => 1,
        Ty::U16 | Ty::I16 => 2,
        Ty::I32 | Ty::U32 | Ty::F32 | Ty::Handle { .. } | Ty::Char => 4,
        Ty::I64 | Ty::U64 | Ty::F64 | Ty::Usize | Ty::Isize => 8,
        Ty::Str { .. } | Ty::Bytes { .. } | Ty::Vec(_) | Ty::Enum { .. } | Ty::Map { .. } => 4,
        Ty::Array(t, n) => min_size(m, t).saturating_mul(*n),
        Ty::Record { name, .. } => match m.type_def(name) {
            Some(TypeDef::Record(r)) => r.fields.iter().map(|f| min_size(m, &f.ty)).sum(),
            _ => 0,
        },
        Ty::Unit => 0,
    }
}

impl Gen<'_> {
    /// Codec functions for a record.
    pub(super) fn record_codec(&mut self, r: &Record) {
        if self.flat_codec(r).is_some() {
            return;
        }
        let go = naming::exported(&r.name);
        let o = &mut self.out;
        let _ = writeln!(o, "func encode{go}(w *gohost.Writer, v {go}) {{");
        for f in &r.fields {
            let _ = writeln!(
                o,
                "\t{}",
                encode_stmt(&f.ty, "w", &format!("v.{}", field_name(&f.name)))
            );
        }
        let _ = writeln!(o, "}}\n");
        self.record_decode(r);
    }

    /// The general decoder of a record, field by field through a Reader.
    pub(super) fn record_decode(&mut self, r: &Record) {
        let go = naming::exported(&r.name);
        let o = &mut self.out;
        let _ = writeln!(
            o,
            "func decode{go}(r *gohost.Reader) (v {go}, err error) {{"
        );
        for f in &r.fields {
            let field = field_name(&f.name);
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
                let vgo = naming::variant_type(&go, &var.name);
                let _ = writeln!(o, "\tcase {vgo}:\n\t\tw.PutUint32({i})");
                for f in &var.fields {
                    let _ = writeln!(
                        o,
                        "\t\t{}",
                        encode_stmt(&f.ty, "w", &format!("v.{}", field_name(&f.name)))
                    );
                }
            }
            let names: Vec<String> = e
                .variants
                .iter()
                .map(|v| naming::variant_type(&go, &v.name))
                .collect();
            let _ = writeln!(o, "\tdefault:");
            let _ = writeln!(
                o,
                "\t\tpanic(fmt.Sprintf(\"{}: a {go} must be one of {} (not a pointer), found %T\", v))",
                self.m.go_package,
                names.join(", ")
            );
            let _ = writeln!(o, "\t}}\n}}\n");
            self.variant_decoder(e, &format!("decode{go}"), &go);
        }
    }

    /// `errorOf{Enum}`: the error enum `e` decoded as a Go `error`, what
    /// the wrappers pass to `gohost.CallError`.
    pub(super) fn error_decoder(&mut self, e: &Enum) {
        let go = naming::exported(&e.name);
        if !e.is_unit_only() {
            return self.variant_decoder(e, &format!("errorOf{go}"), "error");
        }
        // A unit-only enum is one Go type: its conversion to error is static.
        let o = &mut self.out;
        let _ = writeln!(o, "func errorOf{go}(r *gohost.Reader) (error, error) {{");
        let _ = writeln!(
            o,
            "\tv, err := decode{go}(r)\n\tif err != nil {{\n\t\treturn nil, err\n\t}}"
        );
        let _ = writeln!(o, "\treturn v, nil\n}}\n");
    }

    /// The decoder of enum `e` (one with data) as the Go function `func
    /// {name}(r *gohost.Reader) ({ret}, error)`: `decode{Enum}` returns the
    /// enum's interface; the `errorOf{Enum}` of an error enum returns
    /// `error`, so that each variant converts to it where its type is
    /// known (converting the enum's interface to `error` instead looks the
    /// method table up at run time, a tenth of a typed error's cost).
    pub(super) fn variant_decoder(&mut self, e: &Enum, name: &str, ret: &str) {
        let go = naming::exported(&e.name);
        let o = &mut self.out;
        let _ = writeln!(o, "func {name}(r *gohost.Reader) ({ret}, error) {{");
        let _ = writeln!(
            o,
            "\tn, err := r.Uint32()\n\tif err != nil {{\n\t\treturn nil, err\n\t}}"
        );
        let _ = writeln!(o, "\tswitch n {{");
        for (i, var) in e.variants.iter().enumerate() {
            let vgo = naming::variant_type(&go, &var.name);
            let _ = writeln!(o, "\tcase {i}:");
            if var.fields.is_empty() {
                let _ = writeln!(o, "\t\treturn {vgo}{{}}, nil");
                continue;
            }
            let _ = writeln!(o, "\t\tvar v {vgo}");
            for f in &var.fields {
                let field = field_name(&f.name);
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

    /// Codec functions for an option, list, array or map type.
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
            Ty::Array(inner, _) if **inner == Ty::U8 => {
                let _ = writeln!(o, "func encode{name}(w *gohost.Writer, v {gt}) {{");
                let _ = writeln!(o, "\tw.PutRaw(v[:])\n}}\n");
                let _ = writeln!(
                    o,
                    "func decode{name}(r *gohost.Reader) (v {gt}, err error) {{"
                );
                let _ = writeln!(o, "\terr = r.Fill(v[:])\n\treturn v, err\n}}\n");
            }
            Ty::Array(inner, _) => {
                let _ = writeln!(o, "func encode{name}(w *gohost.Writer, v {gt}) {{");
                let _ = writeln!(o, "\tfor _, e := range v {{");
                let _ = writeln!(o, "\t\t{}\n\t}}\n}}\n", encode_stmt(inner, "w", "e"));
                let _ = writeln!(
                    o,
                    "func decode{name}(r *gohost.Reader) (v {gt}, err error) {{"
                );
                let _ = writeln!(o, "\tfor i := range v {{");
                let _ = writeln!(
                    o,
                    "\t\tif v[i], err = {}; err != nil {{",
                    decode_expr(inner, "r")
                );
                let _ = writeln!(
                    o,
                    "\t\t\treturn v, err\n\t\t}}\n\t}}\n\treturn v, nil\n}}\n"
                );
            }
            Ty::Map { key, value, .. } => {
                let _ = writeln!(o, "func encode{name}(w *gohost.Writer, v {gt}) {{");
                let _ = writeln!(o, "\tw.PutCount(len(v))\n\tfor k, e := range v {{");
                let _ = writeln!(o, "\t\t{}", encode_stmt(key, "w", "k"));
                let _ = writeln!(o, "\t\t{}\n\t}}\n}}\n", encode_stmt(value, "w", "e"));
                let _ = writeln!(o, "func decode{name}(r *gohost.Reader) ({gt}, error) {{");
                let _ = writeln!(
                    o,
                    "\tn, err := r.Count({})\n\tif err != nil {{\n\t\treturn nil, err\n\t}}",
                    min_size(m, key) + min_size(m, value)
                );
                let _ = writeln!(o, "\tv := make({gt}, n)\n\tfor range n {{");
                let _ = writeln!(o, "\t\toff := r.Offset()");
                let _ = writeln!(
                    o,
                    "\t\tk, err := {}\n\t\tif err != nil {{\n\t\t\treturn nil, err\n\t\t}}",
                    decode_expr(key, "r")
                );
                let _ = writeln!(
                    o,
                    "\t\te, err := {}\n\t\tif err != nil {{\n\t\t\treturn nil, err\n\t\t}}",
                    decode_expr(value, "r")
                );
                let _ = writeln!(
                    o,
                    "\t\tif _, dup := v[k]; dup {{\n\t\t\treturn nil, gohost.DuplicateKey(off)\n\t\t}}"
                );
                let _ = writeln!(o, "\t\tv[k] = e\n\t}}\n\treturn v, nil\n}}\n");
            }
            _ => {}
        }
    }
}
