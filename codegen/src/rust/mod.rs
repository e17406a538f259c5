//! The Rust emitter: codec impls for the module's types, `add_to_linker`,
//! and constants exposing the model hash and the generated Go.
//!
//! Generated code names only `::gohost::...` and `::gohost::__private::...`,
//! never an engine's types.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::model::*;
use crate::shared::{GoFile, ABI_VERSION};

mod client;
mod glue;

/// The items appended to the module.
pub fn emit(m: &Module, hash: &str, go: &[GoFile]) -> TokenStream {
    let name = &m.name;
    let files = go.iter().map(|f| {
        let (n, c) = (&f.name, &f.contents);
        quote!((#n, #c))
    });
    let codecs = m.types.iter().map(|t| match t {
        TypeDef::Record(r) => record_codec(m, r),
        TypeDef::Enum(e) => enum_codec(e),
        TypeDef::Handle(_) => TokenStream::new(),
    });
    let linker = glue::add_to_linker(m);
    let exports = client::exports_client(m);
    quote! {
        /// The gohost ABI version of this module's glue.
        pub const ABI_VERSION: u32 = #ABI_VERSION;
        /// The wasm import module name.
        pub const MODULE: &str = #name;
        /// The model fingerprint (16 hex digits) the Go guest must match.
        pub const MODEL_HASH: &str = #hash;
        /// The generated Go package: (file name, contents).
        pub const GO_FILES: &[(&str, &str)] = &[#(#files),*];
        #(#codecs)*
        #linker
        #exports
    }
}

fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

/// The owned Rust type the codec works with.
fn rust_ty(t: &Ty) -> TokenStream {
    rust_ty_in(t, &quote!())
}

/// The owned Rust type, module types prefixed with `scope` (`super::`).
fn rust_ty_in(t: &Ty, scope: &TokenStream) -> TokenStream {
    let rust_ty = |t: &Ty| rust_ty_in(t, scope);
    match t {
        Ty::I32 => quote!(i32),
        Ty::U32 => quote!(u32),
        Ty::I64 => quote!(i64),
        Ty::U64 => quote!(u64),
        Ty::F32 => quote!(f32),
        Ty::F64 => quote!(f64),
        Ty::Bool => quote!(bool),
        Ty::U8 => quote!(u8),
        Ty::I8 => quote!(i8),
        Ty::U16 => quote!(u16),
        Ty::I16 => quote!(i16),
        Ty::Usize => quote!(usize),
        Ty::Isize => quote!(isize),
        Ty::Char => quote!(char),
        Ty::Array(t, n) => {
            let t = rust_ty(t);
            let n = Literal::usize_unsuffixed(*n);
            quote!([#t; #n])
        }
        Ty::Map { kind, key, value } => {
            let (k, v) = (rust_ty(key), rust_ty(value));
            match kind {
                MapKind::Hash => quote!(::std::collections::HashMap<#k, #v>),
                MapKind::BTree => quote!(::std::collections::BTreeMap<#k, #v>),
            }
        }
        Ty::Str { .. } => quote!(::std::string::String),
        Ty::Bytes { .. } => quote!(::std::vec::Vec<u8>),
        Ty::Record { name, .. } | Ty::Enum { name, .. } | Ty::Handle { name, .. } => {
            let i = ident(name);
            quote!(#scope #i)
        }
        Ty::Option(t) => {
            let t = rust_ty(t);
            quote!(::core::option::Option<#t>)
        }
        Ty::Vec(t) => {
            let t = rust_ty(t);
            quote!(::std::vec::Vec<#t>)
        }
        Ty::Unit => quote!(()),
    }
}

/// True when `t` is a fixed-size value the glue reads and writes in place
/// (`::gohost::__private::Fixed`).
fn is_fixed(m: &Module, t: &Ty) -> bool {
    m.fixed_size(t).is_some()
}

fn record_codec(m: &Module, r: &Record) -> TokenStream {
    let name = ident(&r.name);
    let fields: Vec<Ident> = r.fields.iter().map(|f| ident(&f.name)).collect();
    let tys: Vec<TokenStream> = r.fields.iter().map(|f| rust_ty(&f.ty)).collect();
    let fixed = r
        .fields
        .iter()
        .all(|f| is_fixed(m, &f.ty))
        .then(|| record_fixed(m, r, &fields, &tys));
    let whats: Vec<String> = r
        .fields
        .iter()
        .map(|f| format!("field `{}.{}`", r.name, f.name.trim_start_matches("r#")))
        .collect();
    quote! {
        #fixed
        impl ::gohost::__private::Encode for #name {
            #[inline]
            fn encode(&self, w: &mut ::gohost::__private::Writer<'_>) {
                #(::gohost::__private::Encode::encode(&self.#fields, w);)*
            }
        }
        impl<'r> ::gohost::__private::Decode<'r> for #name {
            const MIN_SIZE: usize = 0 #(+ <#tys as ::gohost::__private::Decode<'r>>::MIN_SIZE)*;
            fn decode(
                r: &mut ::gohost::__private::Reader<'r>,
            ) -> ::core::result::Result<Self, ::gohost::__private::AbiError> {
                ::core::result::Result::Ok(Self {
                    #(#fields: ::gohost::__private::Decode::decode(r).map_err(|e| e.context(#whats))?,)*
                })
            }
        }
    }
}

/// `Fixed` for a record of fixed-size fields: each field at its constant
/// offset.
fn record_fixed(m: &Module, r: &Record, fields: &[Ident], tys: &[TokenStream]) -> TokenStream {
    let name = ident(&r.name);
    let mut ranges = Vec::new();
    let mut offset = 0;
    for f in &r.fields {
        let end = offset + m.fixed_size(&f.ty).unwrap_or(0);
        let (a, b) = (
            Literal::usize_unsuffixed(offset),
            Literal::usize_unsuffixed(end),
        );
        ranges.push(quote!(#a..#b));
        offset = end;
    }
    let size = Literal::usize_unsuffixed(offset);
    quote! {
        impl ::gohost::__private::Fixed for #name {
            const SIZE: usize = #size;
            #[inline]
            fn read(b: &[u8]) -> ::core::option::Option<Self> {
                ::core::option::Option::Some(Self {
                    #(#fields: <#tys as ::gohost::__private::Fixed>::read(b.get(#ranges)?)?,)*
                })
            }
            #[inline]
            fn write(&self, b: &mut [u8]) {
                #(if let ::core::option::Option::Some(s) = b.get_mut(#ranges) {
                    ::gohost::__private::Fixed::write(&self.#fields, s);
                })*
            }
        }
    }
}

/// `Fixed` for an enum without data: its variant index, a u32.
fn unit_enum_fixed(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let variants: Vec<Ident> = e.variants.iter().map(|v| ident(&v.name)).collect();
    let indices: Vec<Literal> = (0..e.variants.len())
        .map(|i| Literal::u32_unsuffixed(i as u32))
        .collect();
    quote! {
        impl ::gohost::__private::Fixed for #name {
            const SIZE: usize = 4;
            #[inline]
            fn read(b: &[u8]) -> ::core::option::Option<Self> {
                match <u32 as ::gohost::__private::Fixed>::read(b)? {
                    #(#indices => ::core::option::Option::Some(Self::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
            #[inline]
            fn write(&self, b: &mut [u8]) {
                let index: u32 = match self {
                    #(Self::#variants => #indices,)*
                };
                ::gohost::__private::Fixed::write(&index, b);
            }
        }
    }
}

fn enum_codec(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let mut enc = Vec::new();
    let mut dec = Vec::new();
    for (i, v) in e.variants.iter().enumerate() {
        let vi = ident(&v.name);
        let idx = i as u32;
        let lit = Literal::u32_unsuffixed(idx);
        let binds: Vec<Ident> = (0..v.fields.len())
            .map(|k| format_ident!("__f{}", k))
            .collect();
        let names: Vec<TokenStream> = v
            .fields
            .iter()
            .map(|f| match v.kind {
                VariantKind::Tuple => {
                    let l = Literal::usize_unsuffixed(f.name.parse().unwrap_or(0));
                    quote!(#l)
                }
                _ => {
                    let i = ident(&f.name);
                    quote!(#i)
                }
            })
            .collect();
        let pat = match v.kind {
            VariantKind::Unit => quote!(Self::#vi),
            _ => quote!(Self::#vi { #(#names: #binds),* }),
        };
        enc.push(quote! {
            #pat => {
                w.u32(#idx);
                #(::gohost::__private::Encode::encode(#binds, w);)*
            }
        });
        let whats: Vec<String> = v
            .fields
            .iter()
            .map(|f| {
                format!(
                    "field `{}::{}.{}`",
                    e.name,
                    v.name,
                    f.name.trim_start_matches("r#")
                )
            })
            .collect();
        let build = match v.kind {
            VariantKind::Unit => quote!(Self::#vi),
            _ => quote!(Self::#vi {
                #(#names: ::gohost::__private::Decode::decode(r).map_err(|e| e.context(#whats))?),*
            }),
        };
        dec.push(quote!(#lit => ::core::result::Result::Ok(#build),));
    }
    let msg = format!("malformed value: enum {} has no variant {{}}", e.name);
    let fixed = e.is_unit_only().then(|| unit_enum_fixed(e));
    quote! {
        #fixed
        impl ::gohost::__private::Encode for #name {
            #[inline]
            fn encode(&self, w: &mut ::gohost::__private::Writer<'_>) {
                match self {
                    #(#enc)*
                }
            }
        }
        impl<'r> ::gohost::__private::Decode<'r> for #name {
            const MIN_SIZE: usize = 4;
            fn decode(
                r: &mut ::gohost::__private::Reader<'r>,
            ) -> ::core::result::Result<Self, ::gohost::__private::AbiError> {
                match r.u32()? {
                    #(#dec)*
                    n => ::core::result::Result::Err(::gohost::__private::AbiError::new(
                        ::std::format!(#msg, n),
                    )),
                }
            }
        }
    }
}
