//! Building the [`Module`] model from a `syn::ItemMod`, with span-accurate
//! errors that say what to use instead.

use std::collections::{BTreeMap, HashMap};

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Fields, FnArg, ForeignItem, GenericArgument, Item, ItemEnum, ItemFn, ItemForeignMod,
    ItemStruct, Pat, PathArguments, ReturnType, Type, Visibility,
};

use crate::args::Args;
use crate::model::*;
use crate::naming;

/// The most wasm parameters a host function may lower to (`Linker::func_wrap`).
pub const MAX_WASM_PARAMS: usize = 12;

/// Collects errors so that all of an item's mistakes are reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
    /// An error at one span.
    fn at_span(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }

    /// An error covering all of `tokens` (first to last token).
    fn at(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, msg));
    }
    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// What kind of module type a name refers to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Record,
    Enum,
    Handle,
}

/// Where a type appears; decides what is allowed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pos {
    Param,
    Result,
    Nested,
}

const SUPPORTED: &str = "supported: i32 u32 i64 u64 f32 f64 bool, &str, String, &[u8], Vec<u8>, \
                         Option<T>, Vec<T>, and the module's records, enums and handles";

/// Builds the model of `item`, or every error found in it.
pub fn build(args: &Args, item: &syn::ItemMod) -> Result<Module, syn::Error> {
    let mut errs = Errors::default();
    let Some((_, items)) = &item.content else {
        return Err(syn::Error::new(
            item.span(),
            "#[host_module] needs an inline module: `mod name { ... }`",
        ));
    };
    // Pass 1: the names of the module's types.
    let mut kinds: HashMap<String, Kind> = HashMap::new();
    for it in items {
        match it {
            Item::Struct(s) => {
                let kind = match is_handle(&s.attrs, &mut errs) {
                    true => Kind::Handle,
                    false => Kind::Record,
                };
                kinds.insert(s.ident.to_string(), kind);
            }
            Item::Enum(e) => {
                kinds.insert(e.ident.to_string(), Kind::Enum);
            }
            _ => {}
        }
    }
    let cx = Cx { kinds };
    let mut m = Module {
        name: args.name.clone(),
        go_package: args.go_package.clone(),
        go_out: args.go_out.clone(),
        docs: docs(&item.attrs),
        types: Vec::new(),
        funcs: Vec::new(),
        exports: Vec::new(),
        go_interface: args.go_interface.clone(),
        state: None,
        caller_state: None,
    };
    // Pass 2: the items.
    let mut state_seen: Option<(String, String)> = None; // (type text, fn name)
    for it in items {
        match it {
            Item::Struct(s) => {
                if let Some(t) = cx.structure(s, &mut errs) {
                    m.types.push(t);
                }
            }
            Item::Enum(e) => {
                if let Some(t) = cx.enumeration(e, &mut errs) {
                    m.types.push(TypeDef::Enum(t));
                }
            }
            Item::Fn(f) => {
                if let Some((func, state)) = cx.func(f, &mut errs) {
                    if let Some((ty, is_caller)) = state {
                        let text = ty.to_token_stream().to_string();
                        if is_caller {
                            match &m.caller_state {
                                Some(prev) if prev.to_token_stream().to_string() != text => {
                                    errs.at(&ty, "every `&mut Caller<X>` in a module must name the same X");
                                }
                                _ => m.caller_state = Some(ty),
                            }
                        } else {
                            match &state_seen {
                                Some((prev, prev_fn)) if *prev != text => errs.at(
                                    &ty,
                                    format!("all host functions must borrow the same state type: `{prev}` in `{prev_fn}`, `{text}` here"),
                                ),
                                Some(_) => {}
                                None => {
                                    state_seen = Some((text, func.name.clone()));
                                    m.state = Some(ty);
                                }
                            }
                        }
                    }
                    m.funcs.push(func);
                }
            }
            Item::Use(_)
            | Item::Impl(_)
            | Item::Const(_)
            | Item::Static(_)
            | Item::Type(_)
            | Item::Macro(_) => {
                for a in &it_attrs(it) {
                    if a.path().is_ident("gohost") {
                        errs.at(a, "`#[gohost(...)]` only applies to structs in a host module");
                    }
                }
            }
            Item::Mod(md) => errs.at(
                {
                    let (mt, mi) = (&md.mod_token, &md.ident);
                    quote::quote!(#mt #mi)
                },
                "nested modules are not supported in a host module; move the module outside",
            ),
            Item::ForeignMod(fm) => cx.extern_go(fm, &mut m.exports, &mut errs),
            _ => errs.at(
                it,
                "unsupported item in a host module: expected `pub fn`, `pub struct`, `pub enum`, or `use`/`impl`/`const` items, which pass through",
            ),
        }
    }
    mark_error_enums(&mut m);
    check_exports(&m, &mut errs);
    check_names(&m, &mut errs);
    errs.finish()?;
    Ok(m)
}

fn it_attrs(it: &Item) -> Vec<Attribute> {
    match it {
        Item::Use(i) => i.attrs.clone(),
        Item::Impl(i) => i.attrs.clone(),
        Item::Const(i) => i.attrs.clone(),
        Item::Static(i) => i.attrs.clone(),
        Item::Type(i) => i.attrs.clone(),
        Item::Macro(i) => i.attrs.clone(),
        _ => Vec::new(),
    }
}

/// True when `attrs` holds `#[gohost(handle)]`; reports other `gohost` attributes.
fn is_handle(attrs: &[Attribute], errs: &mut Errors) -> bool {
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

/// The doc lines of `attrs` (`///` comments), one leading space removed.
pub(crate) fn docs(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs {
        if let syn::Meta::NameValue(nv) = &a.meta {
            if nv.path.is_ident("doc") {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    let v = s.value();
                    if v.trim().is_empty() {
                        out.push(String::new());
                    }
                    for line in v.lines().filter(|_| !v.trim().is_empty()) {
                        let line = line.strip_prefix(' ').unwrap_or(line);
                        out.push(line.trim_end().to_string());
                    }
                }
            }
        }
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// Removes `#[gohost(...)]` attributes from the items of `item`, and its
/// `extern "Go"` blocks, which only declare (the generated `exports` module
/// takes their place).
pub fn strip_attrs(item: &mut syn::ItemMod) {
    fn strip(attrs: &mut Vec<Attribute>) {
        attrs.retain(|a| !a.path().is_ident("gohost"));
    }
    if let Some((_, items)) = &mut item.content {
        items.retain(|it| !matches!(it, Item::ForeignMod(fm) if is_extern_go(fm)));
        for it in items {
            match it {
                Item::Struct(s) => strip(&mut s.attrs),
                Item::Enum(e) => {
                    strip(&mut e.attrs);
                    for v in &mut e.variants {
                        strip(&mut v.attrs);
                    }
                }
                Item::Fn(f) => strip(&mut f.attrs),
                _ => {}
            }
        }
    }
}

struct Cx {
    kinds: HashMap<String, Kind>,
}

fn check_vis(vis: &Visibility, span: Span, what: &str, errs: &mut Errors) {
    if matches!(vis, Visibility::Inherited) {
        errs.at_span(
            span,
            format!(
                "{what} in a host module must be `pub`; move private helpers outside the module"
            ),
        );
    }
}

fn check_generics(g: &syn::Generics, errs: &mut Errors) {
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
    fn structure(&self, s: &ItemStruct, errs: &mut Errors) -> Option<TypeDef> {
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

    fn enumeration(&self, e: &ItemEnum, errs: &mut Errors) -> Option<Enum> {
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

    /// A function and, if its first parameter reaches state, the state type
    /// (and whether it came from `&mut Caller<X>`).
    fn func(&self, f: &ItemFn, errs: &mut Errors) -> Option<(Func, Option<(Type, bool)>)> {
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
    fn extern_go(&self, fm: &ItemForeignMod, out: &mut Vec<Export>, errs: &mut Errors) {
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

    fn check_func(&self, func: &Func, sig: &syn::Signature, errs: &mut Errors) {
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

    /// Parses a guest-visible type.
    fn ty(&self, ty: &Type, pos: Pos, errs: &mut Errors) -> Option<Ty> {
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
            Type::Array(_) => fail(errs, "arrays are not supported; use Vec<T> (or Vec<u8> for bytes)"),
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
            "usize" | "isize" | "i8" | "u8" | "i16" | "u16" | "i128" | "u128" if single => fail(
                errs,
                &format!("`{name}` is not supported on the wire; use i32, u32, i64 or u64 (bytes: &[u8] or Vec<u8>)"),
            ),
            "char" if single => fail(errs, "`char` is not supported; use u32 or String"),
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

/// The type name when `path` is `Name` or `self::Name`.
fn module_path(path: &syn::Path) -> Option<String> {
    let segs: Vec<_> = path.segments.iter().collect();
    match segs.as_slice() {
        [one] if path.leading_colon.is_none() => Some(one.ident.to_string()),
        [s, one] if s.ident == "self" => Some(one.ident.to_string()),
        _ => None,
    }
}

/// True for `X`, `std::<module>::X`, `core::<module>::X`, `alloc::<module>::X`.
fn is_std_path(path: &syn::Path, module: &str) -> bool {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segs.len() {
        1 => path.leading_colon.is_none(),
        3 => matches!(segs[0].as_str(), "std" | "core" | "alloc") && segs[1] == module,
        _ => false,
    }
}

fn path_of(ty: &Type) -> Option<syn::Path> {
    match ty {
        Type::Path(p) if p.qself.is_none() => Some(p.path.clone()),
        _ => Some(syn::Path::from(syn::Ident::new(
            "__gohost_none",
            Span::call_site(),
        ))),
    }
}

fn generic_types(seg: &syn::PathSegment) -> Vec<&Type> {
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

/// Checks the exports as a whole: wasm export names the Go runtime or
/// gohost use, and Go names that collide.
fn check_exports(m: &Module, errs: &mut Errors) {
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

/// Marks the enums used as `Result` errors.
fn mark_error_enums(m: &mut Module) {
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

/// Reports Go names that collide after conversion: exported package-level
/// names (functions, types, enum constants and variant structs, the
/// generated constants), and fields within one struct.
fn check_names(m: &Module, errs: &mut Errors) {
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
        match t {
            TypeDef::Enum(e) => {
                for v in &e.variants {
                    let vgo = format!("{go}{}", naming::exported(&v.name));
                    claim(vgo, format!("variant `{}::{}`", e.name, v.name), span, errs);
                    check_fields(&v.fields, span, errs);
                    if e.error && v.fields.iter().any(|f| go_field_name(&f.name) == "Error") {
                        errs.at_span(span, format!("variant `{}::{}` of an error enum has a field named `error`, which clashes with the Go `Error()` method; rename the field", e.name, v.name));
                    }
                }
            }
            TypeDef::Record(r) => check_fields(&r.fields, span, errs),
            TypeDef::Handle(_) => {}
        }
    }
    for f in &m.funcs {
        claim(
            naming::exported(&f.name),
            format!("function `{}`", f.name),
            f.span,
            errs,
        );
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

fn check_fields(fields: &[Field], span: Span, errs: &mut Errors) {
    let mut seen = BTreeMap::new();
    for f in fields {
        let go = go_field_name(&f.name);
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

/// The Go name of a record or variant field (`0` -> `V0` for tuple fields).
pub(crate) fn go_field_name(rust: &str) -> String {
    if rust.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{rust}")
    } else {
        naming::exported(rust)
    }
}
