//! The attribute arguments: `name = "kv", go_package = "kv", go_out = "guest/kv",
//! go_interface = "Plugin"`.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(go_package);
    syn::custom_keyword!(go_out);
    syn::custom_keyword!(go_interface);
}

/// The parsed arguments of `#[host_module(...)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The wasm import module name.
    pub name: String,
    /// The Go package name; defaults to `name`.
    pub go_package: String,
    /// The directory the macro writes the Go files to, relative to
    /// `CARGO_MANIFEST_DIR`.
    pub go_out: Option<String>,
    /// The name of the Go interface a plugin implements (the module's
    /// `extern "Go"` functions); defaults to `Exports`.
    pub go_interface: String,
}

/// The default of `go_interface`.
pub const DEFAULT_GO_INTERFACE: &str = "Exports";

enum Arg {
    Name(LitStr),
    GoPackage(LitStr),
    GoOut(LitStr),
    GoInterface(LitStr),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let la = input.lookahead1();
        if la.peek(kw::name) {
            input.parse::<kw::name>()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Name(input.parse()?))
        } else if la.peek(kw::go_package) {
            input.parse::<kw::go_package>()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::GoPackage(input.parse()?))
        } else if la.peek(kw::go_out) {
            input.parse::<kw::go_out>()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::GoOut(input.parse()?))
        } else if la.peek(kw::go_interface) {
            input.parse::<kw::go_interface>()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::GoInterface(input.parse()?))
        } else {
            Err(la.error())
        }
    }
}

impl Args {
    /// Parses the tokens between the attribute's parentheses.
    pub fn parse(tokens: TokenStream) -> syn::Result<Args> {
        let list = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens)?;
        let (mut name, mut go_package, mut go_out, mut go_interface) = (None, None, None, None);
        let mut errors: Option<syn::Error> = None;
        let mut push = |e: syn::Error| match &mut errors {
            Some(all) => all.combine(e),
            None => errors = Some(e),
        };
        for arg in list {
            let (slot, lit, what) = match arg {
                Arg::Name(l) => (&mut name, l, "name"),
                Arg::GoPackage(l) => (&mut go_package, l, "go_package"),
                Arg::GoOut(l) => (&mut go_out, l, "go_out"),
                Arg::GoInterface(l) => (&mut go_interface, l, "go_interface"),
            };
            if slot.is_some() {
                push(syn::Error::new(
                    lit.span(),
                    format!("duplicate `{what}` argument"),
                ));
                continue;
            }
            if let Err(e) = check(what, &lit) {
                push(e);
            }
            *slot = Some(lit);
        }
        if name.is_none() {
            push(syn::Error::new(
                Span::call_site(),
                "missing `name = \"...\"`: the wasm import module name, e.g. #[host_module(name = \"kv\")]",
            ));
        }
        if let Some(e) = errors {
            return Err(e);
        }
        let name = name.map(|l| l.value()).unwrap_or_default();
        Ok(Args {
            go_package: go_package
                .map(|l| l.value())
                .unwrap_or_else(|| name.clone()),
            go_out: go_out.map(|l| l.value()),
            go_interface: go_interface
                .map(|l| l.value())
                .unwrap_or_else(|| DEFAULT_GO_INTERFACE.to_string()),
            name,
        })
    }
}

fn check(what: &str, lit: &LitStr) -> syn::Result<()> {
    let v = lit.value();
    let ok = match what {
        "name" => {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                && v != crate::shared::RUNTIME_IMPORT_MODULE
        }
        "go_package" => {
            v.starts_with(|c: char| c.is_ascii_lowercase())
                && v.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && crate::naming::escape(v.clone()) == v
        }
        "go_interface" => {
            v.starts_with(|c: char| c.is_ascii_uppercase())
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => !v.is_empty() && !std::path::Path::new(&v).is_absolute(),
    };
    if ok {
        return Ok(());
    }
    let msg = match what {
        "name" => {
            "`name` must be non-empty ASCII letters, digits, `_`, `-` or `.`, and not `gohost` (the import module of gohost's own functions)"
        }
        "go_package" => {
            "`go_package` must be a Go package name: lower-case letters, digits and `_`, not a Go keyword"
        }
        "go_interface" => {
            "`go_interface` must be an exported Go identifier: an upper-case ASCII letter, then ASCII letters, digits or `_`"
        }
        _ => "`go_out` must be a relative directory (relative to CARGO_MANIFEST_DIR)",
    };
    Err(syn::Error::new(lit.span(), msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn defaults_and_all() {
        let a = Args::parse(quote!(name = "kv")).unwrap();
        assert_eq!(a.go_package, "kv");
        assert_eq!(a.go_out, None);
        assert_eq!(a.go_interface, "Exports");
        let a = Args::parse(quote!(
            name = "kv",
            go_package = "kvx",
            go_out = "guest/kv",
            go_interface = "Plugin",
        ))
        .unwrap();
        assert_eq!(a.go_package, "kvx");
        assert_eq!(a.go_out.as_deref(), Some("guest/kv"));
        assert_eq!(a.go_interface, "Plugin");
    }

    #[test]
    fn errors() {
        let e = Args::parse(quote!(nme = "kv")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected one of: `name`, `go_package`, `go_out`, `go_interface`"
        );
        let e = Args::parse(quote!(go_out = "x")).unwrap_err();
        assert!(e.to_string().starts_with("missing `name"));
        let e = Args::parse(quote!(name = "kv", name = "x")).unwrap_err();
        assert_eq!(e.to_string(), "duplicate `name` argument");
        assert!(Args::parse(quote!(name = "kv", go_package = "type")).is_err());
        let e = Args::parse(quote!(name = "gohost")).unwrap_err();
        assert!(e.to_string().contains("not `gohost`"), "{e}");
        assert!(Args::parse(quote!(name = "kv", go_interface = "plugin")).is_err());
    }
}
