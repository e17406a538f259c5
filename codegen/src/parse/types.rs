//! Types: a Rust type as written in a host module to the model [`Ty`],
//! with the rules for where references, handles and `()` may appear.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

use super::{Cx, Errors, Kind};
use crate::model::*;

/// Where a type appears; decides what is allowed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Pos {
    Param,
    Result,
    Nested,
}

const SUPPORTED: &str = "supported: i8 u8 i16 u16 i32 u32 i64 u64 isize usize f32 f64 bool char, \
                         &str, String, &[u8], Vec<u8>, Option<T>, Vec<T>, [T; N], HashMap<K, V>, \
                         BTreeMap<K, V>, and the module's records, enums and handles";

impl Cx {
    /// Parses a guest-visible type.
    pub(super) fn ty(&self, ty: &Type, pos: Pos, errs: &mut Errors) -> Option<Ty> {
        let fail = |errs: &mut Errors, msg: &str| {
            errs.at(ty, msg);
            None
        };
        match ty {
            Type::Paren(p) => self.ty(&p.elem, pos, errs),
            Type::Group(g) => self.ty(&g.elem, pos, errs),
            Type::Reference(r) => {
                match pos {
                    Pos::Result => return fail(errs, "host functions cannot return references; return an owned type (String, Vec<u8>, a record)"),
                    Pos::Nested => return fail(errs, "references are only allowed directly as parameters; use an owned type here (String, Vec<u8>, a record)"),
                    Pos::Param => {}
                }
                let mutable = r.mutability.is_some();
                match &*r.elem {
                    Type::Slice(s) => {
                        if is_u8(&s.elem) && !mutable {
                            return Some(Ty::Bytes { owned: false });
                        }
                        if mutable {
                            return fail(errs, "`&mut [T]` is not supported: parameters are read-only; return the new value instead");
                        }
                        fail(errs, "slices other than `&[u8]` are not supported; use Vec<T>")
                    }
                    Type::Path(p) if p.qself.is_none() => {
                        let name = module_path(&p.path).unwrap_or_default();
                        if name == "str" {
                            if mutable {
                                return fail(errs, "`&mut str` is not supported; use &str");
                            }
                            return Some(Ty::Str { owned: false });
                        }
                        match self.kinds.get(&name) {
                            Some(Kind::Handle) => Some(Ty::Handle {
                                name,
                                mode: if mutable { HandleMode::Mut } else { HandleMode::Ref },
                            }),
                            Some(k) if !mutable => {
                                no_args(&p.path, errs)?;
                                Some(match k {
                                    Kind::Record => Ty::Record { name, by_ref: true },
                                    _ => Ty::Enum { name, by_ref: true },
                                })
                            }
                            Some(_) => fail(errs, "records and enums are passed by value or `&`; `&mut` is only for handles"),
                            None => match name.as_str() {
                                "String" => fail(errs, "use `&str` instead of `&String`"),
                                "Vec" => fail(errs, "use `&[u8]` instead of `&Vec<u8>`, or pass `Vec<T>` by value"),
                                _ => fail(errs, &format!("unsupported parameter type; {SUPPORTED}. Only the first parameter may borrow host state")),
                            },
                        }
                    }
                    Type::TraitObject(_) => fail(errs, "`dyn Trait` is not supported; use a concrete type"),
                    Type::ImplTrait(_) => fail(errs, "`impl Trait` is not supported; use a concrete type"),
                    _ => fail(errs, &format!("unsupported reference type; {SUPPORTED}")),
                }
            }
            Type::Tuple(t) if t.elems.is_empty() => match pos {
                Pos::Result => Some(Ty::Unit),
                _ => fail(errs, "`()` is only allowed as a return type"),
            },
            Type::Tuple(_) => fail(errs, "tuples are not supported; declare a record (a `pub struct` with named fields) instead"),
            Type::Array(a) => {
                let n = match &a.len {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) => n.base10_parse::<usize>().ok(),
                    _ => None,
                };
                let Some(n) = n else {
                    return fail(errs, "the length of an array must be an integer literal (`[u8; 32]`)");
                };
                if n > MAX_ARRAY_LEN {
                    return fail(errs, &format!("arrays of more than {MAX_ARRAY_LEN} elements are not supported; use Vec<T>"));
                }
                let elem = self.ty(&a.elem, Pos::Nested, errs)?;
                Some(Ty::Array(Box::new(elem), n))
            }
            Type::Slice(_) => fail(errs, "unsized slices are not supported; use &[u8] or Vec<T>"),
            Type::ImplTrait(_) => fail(errs, "`impl Trait` is not supported; use a concrete type"),
            Type::TraitObject(_) => fail(errs, "`dyn Trait` is not supported; use a concrete type"),
            Type::Ptr(_) => fail(errs, "raw pointers are not supported; use &[u8] or a handle"),
            Type::BareFn(_) => fail(errs, "function pointers are not supported"),
            Type::Never(_) => fail(errs, "`!` is not supported; return `()`"),
            Type::Path(p) if p.qself.is_none() => self.path_ty(ty, &p.path, pos, errs),
            _ => fail(errs, &format!("unsupported type; {SUPPORTED}")),
        }
    }

    fn path_ty(&self, ty: &Type, path: &syn::Path, pos: Pos, errs: &mut Errors) -> Option<Ty> {
        let last = path.segments.last()?;
        let name = last.ident.to_string();
        let fail = |errs: &mut Errors, msg: &str| {
            errs.at(ty, msg);
            None
        };
        let single = path.segments.len() == 1 && path.leading_colon.is_none();
        let scalar = |t, errs: &mut Errors| no_args(path, errs).map(|()| t);
        match name.as_str() {
            "i32" if single => scalar(Ty::I32, errs),
            "u32" if single => scalar(Ty::U32, errs),
            "i64" if single => scalar(Ty::I64, errs),
            "u64" if single => scalar(Ty::U64, errs),
            "f32" if single => scalar(Ty::F32, errs),
            "f64" if single => scalar(Ty::F64, errs),
            "bool" if single => scalar(Ty::Bool, errs),
            "u8" if single => scalar(Ty::U8, errs),
            "i8" if single => scalar(Ty::I8, errs),
            "u16" if single => scalar(Ty::U16, errs),
            "i16" if single => scalar(Ty::I16, errs),
            "usize" if single => scalar(Ty::Usize, errs),
            "isize" if single => scalar(Ty::Isize, errs),
            "char" if single => scalar(Ty::Char, errs),
            "i128" | "u128" if single => fail(
                errs,
                &format!("`{name}` is not supported: Go has no 128-bit integer; use two u64 in a record, or [u8; 16]"),
            ),
            "str" if single => fail(errs, "use `&str` or `String`"),
            "String" if is_std_path(path, "string") => {
                no_args(path, errs)?;
                Some(Ty::Str { owned: true })
            }
            "Vec" if is_std_path(path, "vec") => {
                let args = generic_types(last);
                if args.len() != 1 {
                    return fail(errs, "expected `Vec<T>`");
                }
                if is_u8(args[0]) {
                    return Some(Ty::Bytes { owned: true });
                }
                Some(Ty::Vec(Box::new(self.ty(args[0], Pos::Nested, errs)?)))
            }
            "Option" if is_std_path(path, "option") => {
                let args = generic_types(last);
                if args.len() != 1 {
                    return fail(errs, "expected `Option<T>`");
                }
                let inner = self.ty(args[0], Pos::Nested, errs)?;
                if matches!(inner, Ty::Option(_)) {
                    return fail(errs, "`Option<Option<T>>` is not supported: both map to a Go `*T`; use an enum");
                }
                Some(Ty::Option(Box::new(inner)))
            }
            "HashMap" | "BTreeMap" if is_std_path(path, "collections") => {
                let args = generic_types(last);
                if args.len() != 2 {
                    return fail(errs, &format!("expected `{name}<K, V>` (the default hasher)"));
                }
                let key = self.ty(args[0], Pos::Nested, errs)?;
                if !is_map_key(&key) {
                    errs.at(args[0], "map keys must be integers, `bool`, `char`, `String` or an enum of the module without data");
                    return None;
                }
                let value = self.ty(args[1], Pos::Nested, errs)?;
                let kind = if name == "HashMap" { MapKind::Hash } else { MapKind::BTree };
                Some(Ty::Map { kind, key: Box::new(key), value: Box::new(value) })
            }
            "Result" if is_std_path(path, "result") => fail(
                errs,
                "`Result` is only allowed as the whole return type of a host function",
            ),
            _ => {
                let local = module_path(path);
                match local.as_ref().and_then(|n| self.kinds.get(n)) {
                    Some(kind) => {
                        no_args(path, errs)?;
                        let name = local.unwrap_or_default();
                        match kind {
                            Kind::Record => Some(Ty::Record { name, by_ref: false }),
                            Kind::Enum => Some(Ty::Enum { name, by_ref: false }),
                            Kind::Handle if pos == Pos::Nested => fail(
                                errs,
                                "handles can only be passed directly as a parameter or returned directly (optionally in `Result`), not inside other types",
                            ),
                            Kind::Handle => Some(Ty::Handle {
                                name,
                                mode: HandleMode::Owned,
                            }),
                        }
                    }
                    None => fail(
                        errs,
                        &format!("unsupported type `{}`: not declared in this host module; {SUPPORTED}", path.to_token_stream().to_string().replace(' ', "")),
                    ),
                }
            }
        }
    }
}

/// The longest array the macro accepts; longer ones are lists.
const MAX_ARRAY_LEN: usize = 1 << 16;

/// True for the types a map may be keyed by: comparable in Go, `Eq` in
/// Rust, and not floats. An enum must also be without data
/// (`check_map_keys`, once every enum is known).
fn is_map_key(t: &Ty) -> bool {
    matches!(
        t,
        Ty::U8
            | Ty::I8
            | Ty::U16
            | Ty::I16
            | Ty::I32
            | Ty::U32
            | Ty::I64
            | Ty::U64
            | Ty::Usize
            | Ty::Isize
            | Ty::Bool
            | Ty::Char
            | Ty::Str { .. }
            | Ty::Enum { .. }
    )
}

/// The type name when `path` is `Name` or `self::Name`.
pub(super) fn module_path(path: &syn::Path) -> Option<String> {
    let segs: Vec<_> = path.segments.iter().collect();
    match segs.as_slice() {
        [one] if path.leading_colon.is_none() => Some(one.ident.to_string()),
        [s, one] if s.ident == "self" => Some(one.ident.to_string()),
        _ => None,
    }
}

/// True for `X`, `std::<module>::X`, `core::<module>::X`, `alloc::<module>::X`.
pub(super) fn is_std_path(path: &syn::Path, module: &str) -> bool {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segs.len() {
        1 => path.leading_colon.is_none(),
        3 => matches!(segs[0].as_str(), "std" | "core" | "alloc") && segs[1] == module,
        _ => false,
    }
}

pub(super) fn path_of(ty: &Type) -> Option<syn::Path> {
    match ty {
        Type::Path(p) if p.qself.is_none() => Some(p.path.clone()),
        _ => Some(syn::Path::from(syn::Ident::new(
            "__gohost_none",
            Span::call_site(),
        ))),
    }
}

pub(super) fn generic_types(seg: &syn::PathSegment) -> Vec<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn no_args(path: &syn::Path, errs: &mut Errors) -> Option<()> {
    for s in &path.segments {
        if !s.arguments.is_none() {
            errs.at(&s.arguments, "unexpected generic arguments");
            return None;
        }
    }
    Some(())
}

fn is_u8(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("u8"))
}
