//! Building the [`Module`] model from a `syn::ItemMod`, with span-accurate
//! errors that say what to use instead.
//!
//! This file holds the entry point ([`build`], [`strip_attrs`]), the parser
//! state shared by the other files and the [`Errors`] collector; the work is
//! split by concern:
//!
//! - `items`: records, enums and handles;
//! - `types`: Rust types to model [`Ty`]s;
//! - `funcs`: host functions and `extern "Go"` exports, their state
//!   parameters and returns;
//! - `checks`: naming collisions, arity, handle and async rules.

mod checks;
mod funcs;
mod items;
mod types;

use std::collections::HashMap;

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, Item};

use crate::args::Args;
use crate::model::*;

use checks::{check_exports, check_map_keys, check_names};
use items::{is_handle, mark_error_enums};

pub(crate) use funcs::is_extern_go;

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

struct Cx {
    kinds: HashMap<String, Kind>,
}

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
    check_map_keys(&m, &mut errs);
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
