//! Module items: records (named-field structs), enums and handles
//! (`#[gohost(handle)]` structs), and which enums are `Result` errors.

use syn::{Attribute, Fields, ItemEnum, ItemStruct};

use super::checks::{check_generics, check_vis};
use super::types::Pos;
use super::{docs, Cx, Errors, Kind};
use crate::model::*;

/// True when `attrs` holds `#[gohost(handle)]`; reports other `gohost` attributes.
pub(super) fn is_handle(attrs: &[Attribute], errs: &mut Errors) -> bool {
    let mut handle = false;
    for a in attrs.iter().filter(|a| a.path().is_ident("gohost")) {
        let r = a.parse_nested_meta(|meta| {
            if meta.path.is_ident("handle") {
                handle = true;
                Ok(())
            } else {
                Err(meta.error("unknown gohost attribute; expected `#[gohost(handle)]`"))
            }
        });
        if let Err(e) = r {
            errs.push(e);
        }
    }
    handle
}

impl Cx {
    pub(super) fn structure(&self, s: &ItemStruct, errs: &mut Errors) -> Option<TypeDef> {
        let mut ok_errs = Errors::default();
        check_vis(&s.vis, s.ident.span(), "structs", &mut ok_errs);
        check_generics(&s.generics, &mut ok_errs);
        let name = s.ident.to_string();
        let out = if self.kinds.get(&name) == Some(&Kind::Handle) {
            Some(TypeDef::Handle(Handle {
                name,
                docs: docs(&s.attrs),
                span: s.ident.span(),
            }))
        } else {
            match &s.fields {
                Fields::Named(named) => {
                    if named.named.is_empty() {
                        ok_errs.at(&s.ident, "a record needs at least one field; mark opaque host objects `#[gohost(handle)]`");
                    }
                    let fields = named
                        .named
                        .iter()
                        .filter_map(|f| {
                            let ty = self.ty(&f.ty, Pos::Nested, &mut ok_errs)?;
                            Some(Field {
                                name: f.ident.as_ref()?.to_string(),
                                docs: docs(&f.attrs),
                                ty,
                            })
                        })
                        .collect();
                    Some(TypeDef::Record(Record {
                        name,
                        docs: docs(&s.attrs),
                        fields,
                        span: s.ident.span(),
                    }))
                }
                _ => {
                    ok_errs.at(
                        &s.ident,
                        "records need named fields (`pub struct Name { pub field: T }`); mark opaque host objects `#[gohost(handle)]`",
                    );
                    None
                }
            }
        };
        let bad = ok_errs.0.is_some();
        if let Some(e) = ok_errs.0 {
            errs.push(e);
        }
        out.filter(|_| !bad)
    }

    pub(super) fn enumeration(&self, e: &ItemEnum, errs: &mut Errors) -> Option<Enum> {
        let mut local = Errors::default();
        check_vis(&e.vis, e.ident.span(), "enums", &mut local);
        check_generics(&e.generics, &mut local);
        for a in e.attrs.iter().filter(|a| a.path().is_ident("gohost")) {
            local.at(a, "`#[gohost(handle)]` only applies to structs");
        }
        if e.variants.is_empty() {
            local.at(&e.ident, "an enum needs at least one variant");
        }
        let mut variants = Vec::new();
        for v in &e.variants {
            if let Some((_, d)) = &v.discriminant {
                local.at(d, "explicit discriminants are not supported: the wire uses the declaration order; remove `= ...`");
            }
            let (kind, fields) = match &v.fields {
                Fields::Unit => (VariantKind::Unit, Vec::new()),
                Fields::Named(n) => (
                    VariantKind::Named,
                    n.named
                        .iter()
                        .filter_map(|f| {
                            Some(Field {
                                name: f.ident.as_ref()?.to_string(),
                                docs: docs(&f.attrs),
                                ty: self.ty(&f.ty, Pos::Nested, &mut local)?,
                            })
                        })
                        .collect(),
                ),
                Fields::Unnamed(u) => (
                    VariantKind::Tuple,
                    u.unnamed
                        .iter()
                        .enumerate()
                        .filter_map(|(i, f)| {
                            Some(Field {
                                name: i.to_string(),
                                docs: docs(&f.attrs),
                                ty: self.ty(&f.ty, Pos::Nested, &mut local)?,
                            })
                        })
                        .collect(),
                ),
            };
            variants.push(Variant {
                name: v.ident.to_string(),
                docs: docs(&v.attrs),
                kind,
                fields,
            });
        }
        let bad = local.0.is_some();
        if let Some(err) = local.0 {
            errs.push(err);
        }
        (!bad).then(|| Enum {
            name: e.ident.to_string(),
            docs: docs(&e.attrs),
            variants,
            error: false,
            span: e.ident.span(),
        })
    }
}

/// Marks the enums used as `Result` errors.
pub(super) fn mark_error_enums(m: &mut Module) {
    let errs: Vec<String> = m
        .funcs
        .iter()
        .map(|f| &f.ret)
        .chain(m.exports.iter().map(|e| &e.ret))
        .filter_map(|r| match &r.err {
            Some(ErrTy::Enum(n)) => Some(n.clone()),
            _ => None,
        })
        .collect();
    for t in &mut m.types {
        if let TypeDef::Enum(e) = t {
            e.error = errs.contains(&e.name);
        }
    }
}
