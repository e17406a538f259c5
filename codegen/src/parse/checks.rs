//! Checks: visibility and generics, wasm arity, handle and async rules of
//! host functions, and Go names that collide (exports, types, variants,
//! fields, parameters).

use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::Visibility;

use super::{Cx, Errors, MAX_WASM_PARAMS};
use crate::model::*;
use crate::naming;

pub(super) fn check_vis(vis: &Visibility, span: Span, what: &str, errs: &mut Errors) {
    if matches!(vis, Visibility::Inherited) {
        errs.at_span(
            span,
            format!(
                "{what} in a host module must be `pub`; move private helpers outside the module"
            ),
        );
    }
}

pub(super) fn check_generics(g: &syn::Generics, errs: &mut Errors) {
    for p in &g.params {
        let msg = match p {
            syn::GenericParam::Lifetime(_) => {
                "lifetime parameters are not supported in a host module; use owned types (String, Vec<u8>) in records, `&str`/`&[u8]` in parameters"
            }
            _ => "generics are not supported in a host module; use concrete types",
        };
        errs.at(p, msg);
    }
    if let Some(w) = &g.where_clause {
        errs.at(
            w,
            "where clauses are not supported in a host module; use concrete types",
        );
    }
}

impl Cx {
    pub(super) fn check_func(&self, func: &Func, sig: &syn::Signature, errs: &mut Errors) {
        let n = func.wasm_arity();
        if n > MAX_WASM_PARAMS {
            errs.at(
                &sig.ident,
                format!(
                    "`{}` lowers to {n} wasm parameters (text, bytes and encoded values take 2, the return area 3, the status record 1); at most {MAX_WASM_PARAMS} are supported: pass a record instead",
                    func.name
                ),
            );
        }
        let handles: Vec<HandleMode> = func
            .params
            .iter()
            .filter_map(|p| match &p.ty {
                Ty::Handle { mode, .. } => Some(*mode),
                _ => None,
            })
            .collect();
        let borrowed = handles.iter().filter(|m| **m != HandleMode::Owned).count();
        if handles.contains(&HandleMode::Mut) && borrowed > 1 {
            errs.at(
                &sig.ident,
                "a function that takes a handle by `&mut` cannot borrow other handles; take the others by value or use one handle",
            );
        }
        if func.is_async {
            match func.state {
                StateUse::Mut => errs.at(
                    &sig.ident,
                    "an `async fn` cannot hold the state mutably across `.await`: take `&State` \
                     (cloned for each call, so make it cheap to clone: an `Arc`, a connection pool)",
                ),
                StateUse::Caller => errs.at(
                    &sig.ident,
                    "an `async fn` cannot take the `Caller`: its future must not hold the store; \
                     take `&State` (cloned for each call) and the values it needs",
                ),
                StateUse::None | StateUse::Ref => {}
            }
        }
        if func.state == StateUse::Caller && borrowed > 0 {
            errs.at(
                &sig.ident,
                "a function taking `&mut Caller` cannot borrow handles (the Caller owns the handle table); take the handle by value or use `&mut State`",
            );
        }
    }
}

/// Checks the exports as a whole: wasm export names the Go runtime or
/// gohost use, and Go names that collide.
pub(super) fn check_exports(m: &Module, errs: &mut Errors) {
    let mut methods: BTreeMap<String, &str> = BTreeMap::new();
    for e in &m.exports {
        if matches!(e.name.as_str(), "_initialize" | "_start" | "memory")
            || e.name.starts_with("__gohost")
        {
            errs.at_span(
                e.span,
                format!(
                    "`{}` is a wasm export name the Go runtime or gohost uses; rename the function",
                    e.name
                ),
            );
        }
        let go = naming::exported(&e.name);
        if let Some(prev) = methods.insert(go.clone(), &e.name) {
            errs.at_span(
                e.span,
                format!(
                    "exports `{prev}` and `{}` both become the Go method `{go}`; rename one",
                    e.name
                ),
            );
        }
        let mut params = BTreeMap::new();
        for p in &e.params {
            if p.name == "instance" {
                errs.at_span(
                    e.span,
                    "an export parameter cannot be named `instance`: the generated client takes the instance under that name; rename it",
                );
            }
            if let Some(prev) = params.insert(naming::unexported(&p.name), &p.name) {
                errs.at_span(
                    e.span,
                    format!(
                        "parameters `{prev}` and `{}` get the same Go name; rename one",
                        p.name
                    ),
                );
            }
        }
    }
}

/// Reports Go names that collide after conversion: exported package-level
/// names (functions, types, enum constants and variant structs, the
/// generated constants), and fields within one struct.
pub(super) fn check_names(m: &Module, errs: &mut Errors) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for reserved in ["ABIVersion", "ModelHash"] {
        seen.insert(reserved.to_string(), "a generated constant".to_string());
    }
    if !m.exports.is_empty() {
        seen.insert(
            "Register".to_string(),
            "the generated function that registers the plugin".to_string(),
        );
        seen.insert(
            m.go_interface.clone(),
            "the Go interface of the exports (`go_interface`)".to_string(),
        );
    }
    let mut claim = |go: String, what: String, span: Span, errs: &mut Errors| {
        if let Some(prev) = seen.get(&go) {
            errs.at_span(
                span,
                format!("{what} becomes the Go name `{go}`, which {prev} already uses; rename one of them"),
            );
        } else {
            seen.insert(go, what);
        }
    };
    for t in &m.types {
        let go = naming::exported(t.name());
        let span = match t {
            TypeDef::Record(r) => r.span,
            TypeDef::Enum(e) => e.span,
            TypeDef::Handle(h) => h.span,
        };
        claim(go.clone(), format!("type `{}`", t.name()), span, errs);
        if let Some(composite) = reads_as_composite(m, &go) {
            errs.at_span(
                span,
                format!("type `{}` has the name of gohost's Go helpers for the module's `{composite}` (`decode{go}`); rename it", t.name()),
            );
        }
        match t {
            TypeDef::Enum(e) => {
                for v in &e.variants {
                    let vgo = naming::variant_type(&go, &v.name);
                    claim(vgo, format!("variant `{}::{}`", e.name, v.name), span, errs);
                    check_fields(&v.fields, span, errs);
                    if e.error
                        && v.fields
                            .iter()
                            .any(|f| naming::field_name(&f.name) == "Error")
                    {
                        errs.at_span(span, format!("variant `{}::{}` of an error enum has a field named `error`, which clashes with the Go `Error()` method; rename the field", e.name, v.name));
                    }
                }
            }
            TypeDef::Record(r) => check_fields(&r.fields, span, errs),
            TypeDef::Handle(_) => {}
        }
    }
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    for f in &m.funcs {
        match f.receiver() {
            // A method: its name is its own within the handle's type.
            Some(h) => {
                let go = format!(
                    "{}.{}",
                    naming::exported(h),
                    naming::method_name(&f.name, h)
                );
                if go.ends_with(".Close") || go.ends_with(".track") {
                    errs.at_span(f.span, format!("function `{}` becomes the Go method `{go}`, which gohost generates (it releases the handle); rename the function", f.name));
                } else if let Some(prev) = methods.insert(go.clone(), f.name.clone()) {
                    errs.at_span(f.span, format!("functions `{prev}` and `{}` both become the Go method `{go}`; rename one", f.name));
                }
            }
            None => claim(
                naming::exported(&f.name),
                format!("function `{}`", f.name),
                f.span,
                errs,
            ),
        }
        let mut params = BTreeMap::new();
        for p in &f.params {
            if let Some(prev) = params.insert(naming::unexported(&p.name), &p.name) {
                errs.at_span(
                    f.span,
                    format!(
                        "parameters `{prev}` and `{}` get the same Go name; rename one",
                        p.name
                    ),
                );
            }
        }
    }
}

/// Refuses maps keyed by an enum with data: Go cannot compare its
/// interface values by content.
pub(super) fn check_map_keys(m: &Module, errs: &mut Errors) {
    fn walk(m: &Module, t: &Ty, span: Span, errs: &mut Errors) {
        match t {
            Ty::Map { key, value, .. } => {
                if let Ty::Enum { name, .. } = &**key {
                    if let Some(TypeDef::Enum(e)) = m.type_def(name) {
                        if !e.is_unit_only() {
                            errs.at_span(
                                span,
                                format!("maps cannot be keyed by `{name}`, an enum with data; use an enum without data, an integer or a String"),
                            );
                        }
                    }
                }
                walk(m, value, span, errs);
            }
            Ty::Option(t) | Ty::Vec(t) | Ty::Array(t, _) => walk(m, t, span, errs),
            _ => {}
        }
    }
    for t in &m.types {
        match t {
            TypeDef::Record(r) => r.fields.iter().for_each(|f| walk(m, &f.ty, r.span, errs)),
            TypeDef::Enum(e) => e
                .variants
                .iter()
                .flat_map(|v| &v.fields)
                .for_each(|f| walk(m, &f.ty, e.span, errs)),
            TypeDef::Handle(_) => {}
        }
    }
    for f in &m.funcs {
        for t in f.params.iter().map(|p| &p.ty).chain([&f.ret.ok]) {
            walk(m, t, f.span, errs);
        }
    }
    for e in &m.exports {
        for t in e.params.iter().map(|p| &p.ty).chain([&e.ret.ok]) {
            walk(m, t, e.span, errs);
        }
    }
}

/// The composite type (`Option<u32>`) the module uses whose codec helpers
/// have the name of those of the module type whose Go name is `go`
/// (`decodeOptU32` for a type `OptU32`), if any, as it reads in Rust.
fn reads_as_composite(m: &Module, go: &str) -> Option<String> {
    m.composites()
        .iter()
        .find(|t| naming::mangle(t) == go)
        .map(naming::rust_name)
}

fn check_fields(fields: &[Field], span: Span, errs: &mut Errors) {
    let mut seen = BTreeMap::new();
    for f in fields {
        let go = naming::field_name(&f.name);
        if let Some(prev) = seen.insert(go.clone(), &f.name) {
            errs.at_span(
                span,
                format!(
                    "fields `{prev}` and `{}` both become the Go field `{go}`; rename one",
                    f.name
                ),
            );
        }
    }
}
