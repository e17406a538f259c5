//! The `exports` module: typed clients for the functions the Go guest
//! exports (the `extern "Go"` block).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{ident, rust_ty_in};
use crate::model::*;

/// The `exports` module: one typed client function per export.
pub(super) fn exports_client(m: &Module) -> TokenStream {
    if m.exports.is_empty() {
        return TokenStream::new();
    }
    let sup = quote!(super::);
    let mut helpers = Vec::new();
    let decoded = m.exports.iter().filter(|e| !e.is_direct());
    if decoded.clone().next().is_some() {
        helpers.push(quote! {
            /// The error of a reply whose status is not a result.
            fn __refused<S>(
                instance: &mut ::gohost::Instance<S>,
                export: &'static str,
                status: u8,
                payload: &[u8],
            ) -> ::gohost::Error {
                match status {
                    2 | 3 => ::gohost::__private::guest_error(super::MODULE, export, status, payload),
                    n => ::gohost::__private::bad_reply(
                        instance,
                        super::MODULE,
                        export,
                        ::gohost::__private::AbiError::new(::std::format!("unexpected reply status {}", n)),
                    ),
                }
            }
        });
    }
    if decoded.clone().any(|e| e.ret.err.is_none()) {
        helpers.push(quote! {
            /// The result of a reply (status 0).
            fn __ok<S, T>(
                instance: &mut ::gohost::Instance<S>,
                export: &'static str,
                reply: (u8, ::std::vec::Vec<u8>),
            ) -> ::core::result::Result<T, ::gohost::Error>
            where
                T: for<'r> ::gohost::__private::Decode<'r>,
            {
                match reply {
                    (0, payload) => ::gohost::__private::decode_all(&payload).map_err(|e| {
                        ::gohost::__private::bad_reply(instance, super::MODULE, export, e)
                    }),
                    (status, payload) => {
                        ::core::result::Result::Err(__refused(instance, export, status, &payload))
                    }
                }
            }
        });
    }
    if decoded.clone().any(|e| e.ret.err.is_some()) {
        helpers.push(quote! {
            /// The result (status 0) or the error (status 1) of a reply. A
            /// typed error follows the message; a `String` error is the message.
            fn __result<S, T, E>(
                instance: &mut ::gohost::Instance<S>,
                export: &'static str,
                reply: (u8, ::std::vec::Vec<u8>),
                typed: bool,
            ) -> ::core::result::Result<::core::result::Result<T, E>, ::gohost::Error>
            where
                T: for<'r> ::gohost::__private::Decode<'r>,
                E: for<'r> ::gohost::__private::Decode<'r>,
            {
                let decoded = match reply {
                    (0, payload) => {
                        ::gohost::__private::decode_all(&payload).map(::core::result::Result::Ok)
                    }
                    (1, payload) if typed => {
                        let mut r = ::gohost::__private::Reader::new(&payload);
                        <&str as ::gohost::__private::Decode<'_>>::decode(&mut r)
                            .and_then(|_| <E as ::gohost::__private::Decode<'_>>::decode(&mut r))
                            .and_then(|v| r.finish().map(|()| ::core::result::Result::Err(v)))
                    }
                    (1, payload) => {
                        ::gohost::__private::decode_all(&payload).map(::core::result::Result::Err)
                    }
                    (status, payload) => {
                        return ::core::result::Result::Err(__refused(instance, export, status, &payload));
                    }
                };
                decoded.map_err(|e| ::gohost::__private::bad_reply(instance, super::MODULE, export, e))
            }
        });
    }
    let funcs = m.exports.iter().map(|e| export_fn(e, &sup));
    let doc = format!(
        "Typed calls into the Go guest's exports (the `extern \"Go\"` functions), \
         which a plugin implements through the Go interface `{}`.\n\n\
         Call [`Instance::initialize`](::gohost::Instance::initialize) once \
         before the first call. A failed call is an error; after a trap or a \
         panic in the guest the instance refuses further calls.",
        m.go_interface
    );
    quote! {
        #[doc = #doc]
        pub mod exports {
            #(#helpers)*
            #(#funcs)*
        }
    }
}

/// The Rust type of an export parameter, as declared (`&str`, `&Record`, ...).
fn param_ty(t: &Ty, sup: &TokenStream) -> TokenStream {
    match t {
        Ty::Str { owned: false } => quote!(&str),
        Ty::Bytes { owned: false } => quote!(&[u8]),
        Ty::Record { name, by_ref: true } | Ty::Enum { name, by_ref: true } => {
            let i = ident(name);
            quote!(&#sup #i)
        }
        t => rust_ty_in(t, sup),
    }
}

/// One client function.
fn export_fn(e: &Export, sup: &TokenStream) -> TokenStream {
    let name = &e.name;
    let fn_ident = ident(&e.name);
    let docs = if e.docs.is_empty() {
        vec![format!(" Calls the guest's export `{}`.", e.name)]
    } else {
        e.docs.iter().map(|l| format!(" {l}")).collect()
    };
    let names: Vec<Ident> = e.params.iter().map(|p| ident(&p.name)).collect();
    let tys: Vec<TokenStream> = e.params.iter().map(|p| param_ty(&p.ty, sup)).collect();
    let ok = rust_ty_in(&e.ret.ok, sup);
    let ret = match &e.ret.err {
        None => ok.clone(),
        Some(ErrTy::Enum(n)) => {
            let i = ident(n);
            quote!(::core::result::Result<#ok, #sup #i>)
        }
        Some(ErrTy::Message) => quote!(::core::result::Result<#ok, ::std::string::String>),
    };
    let body = |asynchronous: bool| {
        if e.is_direct() {
            let wasm = |t: &Ty| match t {
                Ty::I64 | Ty::U64 => quote!(i64),
                Ty::F32 => quote!(f32),
                Ty::F64 => quote!(f64),
                Ty::Unit => quote!(()),
                _ => quote!(i32),
            };
            let ptys: Vec<TokenStream> = e.params.iter().map(|p| wasm(&p.ty)).collect();
            let args: Vec<TokenStream> = e
                .params
                .iter()
                .zip(&names)
                .map(|(p, n)| match p.ty {
                    Ty::U32 => quote!(#n as i32),
                    Ty::U64 => quote!(#n as i64),
                    Ty::Bool => quote!(i32::from(#n)),
                    _ => quote!(#n),
                })
                .collect();
            let rty = wasm(&e.ret.ok);
            let conv = match e.ret.ok {
                Ty::U32 => quote!(.map(|v| v as u32)),
                Ty::U64 => quote!(.map(|v| v as u64)),
                Ty::Bool => quote!(.map(|v| v != 0)),
                _ => quote!(),
            };
            if asynchronous {
                quote! {
                    instance.call_async::<(#(#ptys,)*), #rty>(#name, (#(#args,)*)).await #conv
                }
            } else {
                quote! {
                    instance.call::<(#(#ptys,)*), #rty>(#name, (#(#args,)*)) #conv
                }
            }
        } else {
            let finish = match &e.ret.err {
                None => quote!(__ok(instance, #name, __reply)),
                Some(err) => {
                    let typed = matches!(err, ErrTy::Enum(_));
                    quote!(__result(instance, #name, __reply, #typed))
                }
            };
            let call = if asynchronous {
                quote!(::gohost::__private::call_export_encoded_async(instance, #name, __w.as_bytes()).await?)
            } else {
                quote!(::gohost::__private::call_export_encoded(instance, #name, __w.as_bytes())?)
            };
            quote! {
                let mut __w = ::gohost::__private::Writer::new();
                #(::gohost::__private::Encode::encode(&#names, &mut __w);)*
                let __reply = #call;
                #finish
            }
        }
    };
    let sync_body = body(false);
    let async_body = body(true);
    let async_ident = format_ident!("{}_async", e.name.trim_start_matches("r#"));
    let async_doc = format!(
        " [`{}`] for instances made with `Linker::instantiate_async`.",
        e.name.trim_start_matches("r#")
    );
    // Clippy's default limit is 7; the instance is one more parameter.
    let allow = (e.params.len() >= 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        #(#[doc = #docs])*
        #allow
        pub fn #fn_ident<S>(
            instance: &mut ::gohost::Instance<S>,
            #(#names: #tys),*
        ) -> ::core::result::Result<#ret, ::gohost::Error> {
            #sync_body
        }

        #[doc = #async_doc]
        #allow
        pub async fn #async_ident<S: ::core::marker::Send>(
            instance: &mut ::gohost::Instance<S>,
            #(#names: #tys),*
        ) -> ::core::result::Result<#ret, ::gohost::Error> {
            #async_body
        }
    }
}
