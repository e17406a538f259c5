//! Flat records: records whose fields are fixed-size values or strings
//! (`Point{X, Y float64; Name string}`, `Pair{First, Second string; N
//! int64}`). Their layout is known but for the strings' lengths, so their
//! codec is straight-line code: `encodeX` writes every field in place into
//! bytes it reserves once (`Writer.Extend`), and `readX` reads them in
//! place, with all the strings of the value in one allocation. The bytes
//! are the general codec's (`docs/abi.md`, "Encoding"); `readX` accepts
//! exactly what `decodeX` accepts, and a caller that finds it refusing
//! decodes the general way, for the error. Under Go's wasm interpreter,
//! where every call and every allocation counts, this is what keeps a
//! record with a string close to the cost of the string alone.

use std::fmt::Write as _;

use super::{fixed, Gen};
use crate::model::*;
use crate::naming::{self, field_name};

/// A field of a flat record, in encoding order.
enum Part<'m> {
    /// A fixed-size field: its Go field name, type and encoded size.
    Fixed {
        field: String,
        ty: &'m Ty,
        size: usize,
    },
    /// A string: its Go field name.
    Str { field: String },
}

/// The fields of the record `name` when it is flat: every field a
/// fixed-size value (of at most the size kept on the stack) or a string.
fn parts<'m>(m: &'m Module, name: &str) -> Option<Vec<Part<'m>>> {
    let Some(TypeDef::Record(r)) = m.type_def(name) else {
        return None;
    };
    if r.fields.is_empty() {
        return None;
    }
    r.fields
        .iter()
        .map(|f| {
            let field = field_name(&f.name);
            match &f.ty {
                Ty::Str { .. } => Some(Part::Str { field }),
                t => fixed::size(m, t).map(|size| Part::Fixed { field, ty: t, size }),
            }
        })
        .collect()
}

/// Whether `t` is a flat record.
pub(super) fn is_flat(m: &Module, t: &Ty) -> bool {
    match t {
        Ty::Record { name, .. } => parts(m, name).is_some(),
        _ => false,
    }
}

/// Whether the package reads the flat record `name` with `readX`: it is the
/// result of a host function that comes back in the frame's buffer, or a
/// parameter of an export whose parameters are all flat records.
pub(super) fn needs_read(m: &Module, name: &str) -> bool {
    let named = |t: &Ty| matches!(t, Ty::Record { name: n, .. } if n == name);
    m.funcs
        .iter()
        .any(|f| f.uses_ret_area() && named(&f.ret.ok) && fixed::result_size(m, f).is_none())
        || m.exports
            .iter()
            .any(|e| export_reads(m, e) && e.params.iter().any(|p| named(&p.ty)))
}

/// Whether the shim of the export `e` reads its arguments with `readX`:
/// it takes encoded arguments, all of them flat records.
pub(super) fn export_reads(m: &Module, e: &Export) -> bool {
    !e.is_direct() && !e.params.is_empty() && e.params.iter().all(|p| is_flat(m, &p.ty))
}

impl Gen<'_> {
    /// The codec of a flat record: the straight-line `encodeX`, the general
    /// `decodeX`, and `readX` when something uses it. `None` when the
    /// record is not flat.
    pub(super) fn flat_codec(&mut self, r: &Record) -> Option<()> {
        let m = self.m;
        let parts = parts(m, &r.name)?;
        let go = naming::exported(&r.name);
        let strings = parts
            .iter()
            .filter(|p| matches!(p, Part::Str { .. }))
            .count();
        let fixed_len: usize = parts
            .iter()
            .map(|p| match p {
                Part::Fixed { size, .. } => *size,
                Part::Str { .. } => 4,
            })
            .sum();
        let o = &mut self.out;

        // encodeX: reserve the bytes once, then write each field in place.
        // A Go string in wasm memory is shorter than 4 GiB, so its length
        // fits the wire's u32 (the check PutString makes cannot fail).
        let mut size = fixed_len.to_string();
        for p in &parts {
            if let Part::Str { field } = p {
                let _ = write!(size, " + len(v.{field})");
            }
        }
        let _ = writeln!(o, "func encode{go}(w *gohost.Writer, v {go}) {{");
        let _ = writeln!(o, "\tb := w.Extend({size})");
        // Offsets are constants up to the first string, then from o.
        let mut base = "";
        let mut k = 0;
        for (i, p) in parts.iter().enumerate() {
            match p {
                Part::Fixed { field, ty, size } => {
                    for stmt in fixed::store_at(m, ty, "b", base, k, &format!("v.{field}")) {
                        let _ = writeln!(o, "\t{stmt}");
                    }
                    k += size;
                }
                Part::Str { field } => {
                    let _ = writeln!(
                        o,
                        "\tgohost.StoreUint32(&b[{}], uint32(len(v.{field})))",
                        fixed::index(base, k)
                    );
                    let _ = writeln!(o, "\tcopy(b[{}:], v.{field})", fixed::index(base, k + 4));
                    if i + 1 < parts.len() {
                        let op = if base.is_empty() { ":=" } else { "+=" };
                        let _ = writeln!(o, "\to {op} {} + len(v.{field})", k + 4);
                        base = "o";
                        k = 0;
                    }
                }
            }
        }
        let _ = writeln!(o, "}}\n");
        self.record_decode(r);
        if needs_read(m, &r.name) {
            self.flat_read(&go, &parts, strings);
        }
        Some(())
    }

    /// `readX(b, o)`: the record at `b[o:]` read in place, and the offset
    /// after it; `ok` is false when the bytes there are not a valid
    /// encoding.
    fn flat_read(&mut self, go: &str, parts: &[Part<'_>], strings: usize) {
        let m = self.m;
        let o = &mut self.out;
        let _ = writeln!(
            o,
            "// read{go} reads a {go} at b[o:] in place, its strings in one allocation,"
        );
        let _ = writeln!(
            o,
            "// and returns it with the offset after it; ok is false when the bytes"
        );
        let _ = writeln!(
            o,
            "// there are not a valid encoding (decode{go} then says why)."
        );
        let _ = writeln!(
            o,
            "func read{go}(b []byte, o int) (v {go}, end int, ok bool) {{"
        );
        // Each run of fixed-size fields and the length of the string that
        // follows it is checked at once, then read at offsets from o.
        let mut run: Vec<&Part<'_>> = Vec::new();
        let mut n = 0;
        let mut flush = |o: &mut String, run: &mut Vec<&Part<'_>>, string: bool| {
            let fixed: usize = run
                .iter()
                .map(|p| match p {
                    Part::Fixed { size, .. } => *size,
                    Part::Str { .. } => 0,
                })
                .sum();
            let need = fixed + if string { 4 } else { 0 };
            if need > 0 {
                let _ = writeln!(o, "\tif len(b)-o < {need} {{\n\t\treturn v, o, false\n\t}}");
            }
            let mut k = 0;
            let mut bad = Vec::new();
            let mut loads = Vec::new();
            for p in run.iter() {
                if let Part::Fixed { field, ty, size } = p {
                    bad.extend(fixed::invalid_at(m, ty, "b", "o", k));
                    for (path, value) in fixed::load_at(m, ty, "b", "o", k) {
                        loads.push(format!("v.{field}{path} = {value}"));
                    }
                    k += size;
                }
            }
            if !bad.is_empty() {
                let _ = writeln!(
                    o,
                    "\tif {} {{\n\t\treturn v, o, false\n\t}}",
                    bad.join(" || ")
                );
            }
            for l in loads {
                let _ = writeln!(o, "\t{l}");
            }
            if string {
                let _ = writeln!(
                    o,
                    "\tn{n} := int(gohost.LoadUint32(&b[{}]))",
                    fixed::index("o", k)
                );
                let _ = writeln!(o, "\ts{n} := o + {}", k + 4);
                let _ = writeln!(
                    o,
                    "\tif len(b)-s{n} < n{n} {{\n\t\treturn v, o, false\n\t}}"
                );
                let _ = writeln!(o, "\to = s{n} + n{n}");
                n += 1;
            } else if fixed > 0 {
                let _ = writeln!(o, "\to += {fixed}");
            }
            run.clear();
        };
        let mut names = Vec::new();
        for p in parts {
            match p {
                Part::Fixed { .. } => run.push(p),
                Part::Str { field } => {
                    flush(o, &mut run, true);
                    names.push(field.as_str());
                }
            }
        }
        flush(o, &mut run, false);
        match strings {
            0 => {}
            1 => {
                let _ = writeln!(o, "\tv.{} = string(b[s0 : s0+n0])", names[0]);
            }
            _ => {
                let total: Vec<String> = (0..strings).map(|i| format!("n{i}")).collect();
                let _ = writeln!(o, "\tall := make([]byte, {})", total.join("+"));
                let mut at = String::from("0");
                for (i, field) in names.iter().enumerate() {
                    let dst = if i == 0 {
                        "all".to_string()
                    } else {
                        format!("all[{at}:]")
                    };
                    let _ = writeln!(o, "\tcopy({dst}, b[s{i}:s{i}+n{i}])");
                    let _ = writeln!(o, "\tv.{field} = gohost.StringAt(all, {at}, n{i})");
                    at = if i == 0 {
                        format!("n{i}")
                    } else {
                        format!("{at}+n{i}")
                    };
                }
            }
        }
        let _ = writeln!(o, "\treturn v, o, true\n}}\n");
    }
}
