//! Function signatures: host functions (`pub fn`) and the exports of
//! `extern "Go"` blocks, with their state parameters and return types.

use syn::ext::IdentExt;
use syn::{
    FnArg, ForeignItem, GenericArgument, ItemFn, ItemForeignMod, Pat, PathArguments, ReturnType,
    Type,
};

use super::checks::{check_generics, check_vis};
use super::types::{generic_types, is_std_path, module_path, path_of, Pos};
use super::{docs, Cx, Errors, Kind};
use crate::model::*;

impl Cx {
    /// A function and, if its first parameter reaches state, the state type
    /// (and whether it came from `&mut Caller<X>`).
    pub(super) fn func(
        &self,
        f: &ItemFn,
        errs: &mut Errors,
    ) -> Option<(Func, Option<(Type, bool)>)> {
        let mut local = Errors::default();
        let sig = &f.sig;
        check_vis(&f.vis, sig.ident.span(), "host functions", &mut local);
        for a in f.attrs.iter().filter(|a| a.path().is_ident("gohost")) {
            local.at(a, "`#[gohost(handle)]` only applies to structs");
        }
        if let Some(t) = &sig.unsafety {
            local.at(t, "`unsafe fn` is not supported: the guest cannot uphold safety contracts; make the function safe");
        }
        if let Some(abi) = &sig.abi {
            local.at(
                abi,
                "`extern` functions are not supported; remove the ABI string",
            );
        }
        if let Some(v) = &sig.variadic {
            local.at(v, "variadic functions are not supported");
        }
        check_generics(&sig.generics, &mut local);
        if !sig.generics.params.is_empty() {
            // Types naming the generic parameters would only repeat the error.
            if let Some(e) = local.0 {
                errs.push(e);
            }
            return None;
        }

        let mut inputs = sig.inputs.iter().peekable();
        let mut state = StateUse::None;
        let mut state_ty = None;
        if let Some(FnArg::Typed(first)) = inputs.peek() {
            if let Some((use_, ty, caller)) = self.state_param(&first.ty, &mut local) {
                state = use_;
                state_ty = Some((ty, caller));
                inputs.next();
            }
        }
        let mut params = Vec::new();
        for (i, arg) in inputs.enumerate() {
            match arg {
                FnArg::Receiver(r) => local.at(
                    r,
                    "host functions cannot take `self`; take the host state as the first parameter (`state: &mut State`)",
                ),
                FnArg::Typed(pt) => {
                    let name = match &*pt.pat {
                        Pat::Ident(id) => id.ident.unraw().to_string(),
                        _ => format!("arg{i}"),
                    };
                    if let Some(ty) = self.ty(&pt.ty, Pos::Param, &mut local) {
                        params.push(Param { name, ty });
                    }
                }
            }
        }
        let ret = match &sig.output {
            ReturnType::Default => Some(Ret {
                ok: Ty::Unit,
                err: None,
            }),
            ReturnType::Type(_, ty) => self.ret(ty, &mut local),
        };
        let func = Func {
            name: sig.ident.to_string(),
            docs: docs(&f.attrs),
            is_async: sig.asyncness.is_some(),
            state,
            params,
            ret: ret.unwrap_or(Ret {
                ok: Ty::Unit,
                err: None,
            }),
            span: sig.ident.span(),
        };
        self.check_func(&func, sig, &mut local);
        let bad = local.0.is_some();
        if let Some(e) = local.0 {
            errs.push(e);
        }
        (!bad).then_some((func, state_ty))
    }

    /// The functions of an `extern "Go"` block: what the guest implements.
    pub(super) fn extern_go(&self, fm: &ItemForeignMod, out: &mut Vec<Export>, errs: &mut Errors) {
        if !is_extern_go(fm) {
            errs.at(
                &fm.abi,
                "only `extern \"Go\" { ... }` blocks are supported in a host module: they declare the functions the Go guest implements",
            );
            return;
        }
        if let Some(u) = &fm.unsafety {
            errs.at(
                u,
                "write `extern \"Go\"` without `unsafe`: calls into the guest are safe",
            );
        }
        for a in fm.attrs.iter().filter(|a| a.path().is_ident("gohost")) {
            errs.at(a, "`#[gohost(handle)]` only applies to structs");
        }
        const EXPECTED: &str =
            "unsupported item in an `extern \"Go\"` block: expected `fn name(params) -> T;`";
        for item in &fm.items {
            match item {
                ForeignItem::Fn(f) => {
                    if let Some(e) = self.export(f, errs) {
                        out.push(e);
                    }
                }
                // syn keeps a function with a body as verbatim tokens.
                ForeignItem::Verbatim(ts) => match syn::parse2::<ItemFn>(ts.clone()) {
                    Ok(f) => errs.at(
                        &*f.block,
                        format!(
                            "`{}` is implemented by the Go guest: end the signature with `;` instead of a body",
                            f.sig.ident
                        ),
                    ),
                    Err(_) => errs.at(ts, EXPECTED),
                },
                other => errs.at(other, EXPECTED),
            }
        }
    }

    /// One export: a function of an `extern "Go"` block.
    fn export(&self, f: &syn::ForeignItemFn, errs: &mut Errors) -> Option<Export> {
        let mut local = Errors::default();
        let sig = &f.sig;
        for a in f.attrs.iter().filter(|a| a.path().is_ident("gohost")) {
            local.at(a, "`#[gohost(handle)]` only applies to structs");
        }
        if let Some(t) = &sig.asyncness {
            local.at(
                t,
                "`async fn` is not supported: calls into the guest are synchronous",
            );
        }
        if let Some(t) = &sig.unsafety {
            local.at(
                t,
                "`unsafe` is not needed: calls into the guest are safe; remove it",
            );
        }
        if let Some(v) = &sig.variadic {
            local.at(v, "variadic functions are not supported");
        }
        check_generics(&sig.generics, &mut local);
        if !sig.generics.params.is_empty() {
            if let Some(e) = local.0 {
                errs.push(e);
            }
            return None;
        }
        let mut params = Vec::new();
        for (i, arg) in sig.inputs.iter().enumerate() {
            match arg {
                FnArg::Receiver(r) => local.at(
                    r,
                    "exports cannot take `self`; declare only the values the guest receives",
                ),
                FnArg::Typed(pt) => {
                    let name = match &*pt.pat {
                        Pat::Ident(id) => id.ident.unraw().to_string(),
                        _ => format!("arg{i}"),
                    };
                    let mut probe = Errors::default();
                    if self.state_param(&pt.ty, &mut probe).is_some() {
                        local.at(
                            &pt.ty,
                            "exports take no host state or `Caller`: the host calls them as `exports::name(&mut instance, ...)`; declare only the values the guest receives",
                        );
                        continue;
                    }
                    if let Some(ty) = self.ty(&pt.ty, Pos::Param, &mut local) {
                        if has_handle(&ty) {
                            local.at(&pt.ty, NO_HANDLES);
                        } else {
                            params.push(Param { name, ty });
                        }
                    }
                }
            }
        }
        let ret = match &sig.output {
            ReturnType::Default => Some(Ret {
                ok: Ty::Unit,
                err: None,
            }),
            ReturnType::Type(_, ty) => {
                let ret = self.ret(ty, &mut local);
                if let Some(r) = &ret {
                    if has_handle(&r.ok) {
                        local.at(ty, NO_HANDLES);
                    }
                    if r.err == Some(ErrTy::Message) {
                        let is_string = result_err(ty)
                            .and_then(|e| match e {
                                Type::Path(p) if p.qself.is_none() => Some(p),
                                _ => None,
                            })
                            .is_some_and(|p| {
                                is_std_path(&p.path, "string")
                                    && p.path.segments.last().is_some_and(|s| {
                                        s.ident == "String" && s.arguments.is_none()
                                    })
                            });
                        if !is_string {
                            local.at(
                                result_err(ty).unwrap_or(ty),
                                "the error of an export must be an enum of this module or `String`: the host rebuilds it from the guest's reply",
                            );
                        }
                    }
                }
                ret
            }
        };
        let bad = local.0.is_some();
        if let Some(e) = local.0 {
            errs.push(e);
        }
        let ret = ret?;
        (!bad).then(|| Export {
            name: sig.ident.to_string(),
            docs: docs(&f.attrs),
            params,
            ret,
            span: sig.ident.span(),
        })
    }

    /// Recognises a state parameter: `&S`, `&mut S` with S not a guest
    /// type, or `&mut Caller<X>`.
    fn state_param(&self, ty: &Type, errs: &mut Errors) -> Option<(StateUse, Type, bool)> {
        let Type::Reference(r) = ty else { return None };
        let Type::Path(p) = &*r.elem else { return None };
        let last = p.path.segments.last()?;
        if last.ident == "Caller" {
            let arg = match &last.arguments {
                PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                    GenericArgument::Type(t) => Some(t.clone()),
                    _ => None,
                }),
                _ => None,
            };
            if r.mutability.is_none() {
                errs.at(ty, "take the caller as `&mut Caller<State>`");
            }
            let Some(arg) = arg else {
                errs.at(ty, "name the store data type: `&mut Caller<State>`");
                return None;
            };
            return Some((StateUse::Caller, arg, true));
        }
        if p.qself.is_some() || self.is_guest_path(&p.path) {
            return None;
        }
        let use_ = match r.mutability {
            Some(_) => StateUse::Mut,
            None => StateUse::Ref,
        };
        Some((use_, (*r.elem).clone(), false))
    }

    /// True when `path` names a type the guest can see (so `&path` is a
    /// parameter, not the state).
    fn is_guest_path(&self, path: &syn::Path) -> bool {
        let Some(name) = module_path(path) else {
            return false;
        };
        matches!(
            name.as_str(),
            "i32"
                | "u32"
                | "i64"
                | "u64"
                | "f32"
                | "f64"
                | "bool"
                | "str"
                | "String"
                | "Vec"
                | "Option"
                | "Result"
                | "usize"
                | "isize"
                | "i8"
                | "u8"
                | "i16"
                | "u16"
                | "char"
                | "i128"
                | "u128"
        ) || self.kinds.contains_key(&name)
    }

    fn ret(&self, ty: &Type, errs: &mut Errors) -> Option<Ret> {
        if let Type::Path(p) = ty {
            if let Some(last) = p.path.segments.last() {
                if last.ident == "Result" && is_std_path(&p.path, "result") {
                    let args = generic_types(last);
                    if args.len() != 2 {
                        errs.at(ty, "return `Result<T, E>` with both parameters spelled out");
                        return None;
                    }
                    let ok = self.ty(args[0], Pos::Result, errs)?;
                    let err = match module_path(&path_of(args[1])?) {
                        Some(n) if self.kinds.get(&n) == Some(&Kind::Enum) => ErrTy::Enum(n),
                        _ => ErrTy::Message,
                    };
                    return Some(Ret { ok, err: Some(err) });
                }
            }
        }
        Some(Ret {
            ok: self.ty(ty, Pos::Result, errs)?,
            err: None,
        })
    }
}

const NO_HANDLES: &str = "handles cannot cross into exports (yet): pass a record or an id instead";

/// True for an `extern "Go"` block.
pub(crate) fn is_extern_go(fm: &ItemForeignMod) -> bool {
    fm.abi.name.as_ref().is_some_and(|n| n.value() == "Go")
}

/// True when `t` is or holds a handle.
fn has_handle(t: &Ty) -> bool {
    match t {
        Ty::Handle { .. } => true,
        Ty::Option(t) | Ty::Vec(t) => has_handle(t),
        _ => false,
    }
}

/// The `E` of a return type `Result<T, E>`.
fn result_err(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    generic_types(last).get(1).copied()
}
