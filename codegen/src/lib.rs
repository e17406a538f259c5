//! The gohost ABI model and its code generators.
//!
//! `#[gohost::host_module]` (crate `gohost-macros`) and `gohost gen` (crate
//! `gohost-cli`) both call this crate, so the Go they produce is byte for
//! byte the same. The wire contract is `docs/abi.md`.
//!
//! - [`expand`]: what the macro does with one module (tokens and Go files).
//! - [`generate_from_file`]: every host module of a Rust source file, as Go files.
//! - [`GoPackage`]: a module's Go package placed in a Go module, with the
//!   support package it imports (written once per Go module, at
//!   `internal/gohost`), so that a guest builds with the Go toolchain alone.
//!
//! ```
//! let src = r#"
//!     #[gohost::host_module(name = "math")]
//!     pub mod math {
//!         /// Adds two numbers.
//!         pub fn add(a: i32, b: i32) -> i32 { a + b }
//!     }
//! "#;
//! let files = gohost_codegen::generate_from_file(src).unwrap();
//! assert_eq!(files[0].name, "math.go");
//! assert!(files[0].contents.contains("func Add(a int32, b int32) int32 {"));
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod args;
mod go;
pub mod hash;
pub mod model;
pub mod naming;
mod output;
mod parse;
mod rust;
mod shared;
pub mod support;
pub mod wasm;

use std::path::Path;

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

pub use args::Args;
pub use model::Module;
pub use output::{write_go_files, GoPackage};
pub use parse::MAX_WASM_PARAMS;
pub use shared::{Error, GoFile, ABI_VERSION, RUNTIME_IMPORT_MODULE};
pub use support::{GoModule, DEFAULT_GO_MODULE};

fn invalid(e: syn::Error) -> Error {
    Error::Invalid(
        e.into_iter()
            .map(|e| {
                let start = e.span().start();
                (start.line, start.column + 1, e.to_string())
            })
            .collect(),
    )
}

/// Builds the model of a module from the attribute arguments and the item.
pub fn model(args: &Args, item: &syn::ItemMod) -> Result<Module, syn::Error> {
    parse::build(args, item)
}

/// The Go files of a model, for a package in the Go module
/// [`DEFAULT_GO_MODULE`]. [`GoPackage::place`] generates them for the Go
/// module of a directory.
pub fn go_files(m: &Module) -> Vec<GoFile> {
    go_files_importing(m, &support::default_import())
}

/// The Go files of a model, importing the support package from
/// `support_import`.
pub fn go_files_importing(m: &Module, support_import: &str) -> Vec<GoFile> {
    go::emit(m, support_import)
}

/// What the macro emits for one module.
#[derive(Debug)]
pub struct Expansion {
    /// The module, its gohost attributes stripped, with the generated items;
    /// or, on error, the stripped module followed by `compile_error!`s.
    pub tokens: TokenStream,
    /// The Go files (empty on error).
    pub go_files: Vec<GoFile>,
    /// The `go_out` argument, if given and valid.
    pub go_out: Option<String>,
    /// The Go package placed at `go_out`, for the macro to write (when
    /// `go_out` is given and the expansion knows its base directory).
    pub package: Option<GoPackage>,
}

/// Expands `#[host_module(attr)] item`, without writing anything; the Go
/// files are those of [`go_files`].
pub fn expand(attr: TokenStream, item: TokenStream) -> Expansion {
    expand_in(attr, item, None)
}

/// Expands `#[host_module(attr)] item` for a crate whose `go_out` paths are
/// relative to `base` (the macro passes `CARGO_MANIFEST_DIR`): the Go files
/// import the support package of the Go module at `go_out`, and
/// [`Expansion::package`] holds what to write there.
pub fn expand_in(attr: TokenStream, item: TokenStream, base: Option<&Path>) -> Expansion {
    let fail = |tokens: TokenStream, e: syn::Error| Expansion {
        tokens: {
            let errs = e.to_compile_error();
            quote!(#tokens #errs)
        },
        go_files: Vec::new(),
        go_out: None,
        package: None,
    };
    let mut module: syn::ItemMod = match syn::parse2(item.clone()) {
        Ok(m) => m,
        Err(_) => {
            let e = syn::Error::new(
                proc_macro2::Span::call_site(),
                "#[host_module] applies to an inline module: `pub mod name { ... }`",
            );
            return fail(item, e);
        }
    };
    let args = Args::parse(attr);
    let built = match &args {
        Ok(a) => parse::build(a, &module),
        Err(_) => Err(syn::Error::new(proc_macro2::Span::call_site(), "")),
    };
    parse::strip_attrs(&mut module);
    let m = match (args, built) {
        (Ok(_), Ok(m)) => m,
        (Err(mut e), Err(b)) => {
            if !b.to_string().is_empty() {
                e.combine(b);
            }
            return fail(module.to_token_stream(), e);
        }
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => return fail(module.to_token_stream(), e),
    };
    let package = match (&m.go_out, base) {
        (Some(out), Some(base)) => match GoPackage::place(&m, &base.join(out)) {
            Ok(p) => Some(p),
            Err(e) => {
                let msg = format!("gohost: cannot place the Go package at `{out}`: {e}");
                let e = syn::Error::new(proc_macro2::Span::call_site(), msg);
                return fail(module.to_token_stream(), e);
            }
        },
        _ => None,
    };
    let go = match &package {
        Some(p) => p.files.clone(),
        None => go_files(&m),
    };
    let extra = rust::emit(&m, &hash::model_hash(&m), &go);
    if let Some((_, items)) = &mut module.content {
        match syn::parse2::<syn::File>(extra) {
            Ok(f) => items.extend(f.items),
            Err(e) => return fail(module.to_token_stream(), e),
        }
    }
    Expansion {
        tokens: module.to_token_stream(),
        go_files: go,
        go_out: m.go_out,
        package,
    }
}

/// The generated Rust items of a module, for inspection and golden tests
/// (the module with the generated items appended).
pub fn expand_to_file(attr: TokenStream, item: TokenStream) -> Result<syn::File, syn::Error> {
    let exp = expand(attr, item);
    syn::parse2(exp.tokens)
}

/// Finds every `#[gohost::host_module(...)]` / `#[host_module(...)]` module
/// in a Rust source file (at any depth) and generates its Go files.
pub fn generate_from_file(src: &str) -> Result<Vec<GoFile>, Error> {
    Ok(modules_from_file(src)?.iter().flat_map(go_files).collect())
}

/// The models of every `#[gohost::host_module]` in a Rust source file, in
/// the order they appear (nested modules included).
pub fn modules_from_file(src: &str) -> Result<Vec<Module>, Error> {
    let file = syn::parse_file(src).map_err(|e| {
        let start = e.span().start();
        Error::Syntax {
            line: start.line,
            column: start.column + 1,
            message: e.to_string(),
        }
    })?;
    let mut out = Vec::new();
    let mut errors: Option<syn::Error> = None;
    visit(&file.items, &mut out, &mut errors);
    match errors {
        Some(e) => Err(invalid(e)),
        None => Ok(out),
    }
}

fn is_host_module_attr(a: &syn::Attribute) -> bool {
    let segs: Vec<String> = a
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    matches!(segs.as_slice(), [one] if one == "host_module")
        || matches!(segs.as_slice(), [g, h] if g == "gohost" && h == "host_module")
}

fn visit(items: &[syn::Item], out: &mut Vec<Module>, errors: &mut Option<syn::Error>) {
    let push = |e: syn::Error, errors: &mut Option<syn::Error>| match errors {
        Some(all) => all.combine(e),
        None => *errors = Some(e),
    };
    for item in items {
        let syn::Item::Mod(m) = item else { continue };
        let Some(attr) = m.attrs.iter().find(|a| is_host_module_attr(a)) else {
            if let Some((_, inner)) = &m.content {
                visit(inner, out, errors);
            }
            continue;
        };
        let tokens = match &attr.meta {
            syn::Meta::List(l) => l.tokens.clone(),
            _ => TokenStream::new(),
        };
        match Args::parse(tokens).and_then(|a| parse::build(&a, m)) {
            Ok(model) => out.push(model),
            Err(e) => push(e, errors),
        }
    }
}
