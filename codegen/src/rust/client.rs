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
                    ::gohost::__private::call_export_direct_async::<_, (#(#ptys,)*), #rty>(
                        instance, &__EXPORT, (#(#args,)*)
                    ).await #conv
                }
            } else {
                quote! {
                    ::gohost::__private::call_export_direct::<_, (#(#ptys,)*), #rty>(
                        instance, &__EXPORT, (#(#args,)*)
                    ) #conv
                }
            }
        } else {
            let decode = match &e.ret.err {
                None => quote!(|__s, __p| ::gohost::__private::reply_ok(#name, __s, __p)),
                Some(err) => {
                    let typed = matches!(err, ErrTy::Enum(_));
                    quote!(|__s, __p| ::gohost::__private::reply_result(#name, __s, __p, #typed))
                }
            };
            let encode = quote! {
                |__w: &mut ::gohost::__private::Writer<'_>| {
                    #(::gohost::__private::Encode::encode(&#names, __w);)*
                }
            };
            if asynchronous {
                quote!(::gohost::__private::call_export_async(instance, &__EXPORT, #encode, #decode).await)
            } else {
                quote!(::gohost::__private::call_export(instance, &__EXPORT, #encode, #decode))
            }
        }
    };
    let sync_body = body(false);
    let async_body = body(true);
    let bare = e.name.trim_start_matches("r#");
    let async_ident = format_ident!("{bare}_async");
    let async_doc = format!(" [`{bare}`] for instances made with `Linker::instantiate_async`.");
    let pooled_ident = format_ident!("{bare}_pooled");
    let pooled_async_ident = format_ident!("{bare}_pooled_async");
    let pooled_doc = format!(
        " [`{bare}`] on an instance of `pool` (a `Pool`, or a `PluginSet`'s `Plugin`), \
         which keeps it for the next call unless the call faulted."
    );
    let pooled_async_doc = format!(
        " [`{bare}_async`] on an async instance of `pool` (a `Pool` or a `PluginSet`'s \
         `Plugin`), awaiting one without blocking a thread when all are busy. Dropping \
         the future cancels the call; the pool then discards that instance."
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
            static __EXPORT: ::gohost::__private::ExportId = ::gohost::__private::ExportId::new(#name);
            #sync_body
        }

        #[doc = #async_doc]
        #allow
        pub async fn #async_ident<S: ::core::marker::Send>(
            instance: &mut ::gohost::Instance<S>,
            #(#names: #tys),*
        ) -> ::core::result::Result<#ret, ::gohost::Error> {
            static __EXPORT: ::gohost::__private::ExportId = ::gohost::__private::ExportId::new(#name);
            #async_body
        }

        #[doc = #pooled_doc]
        #allow
        pub fn #pooled_ident<S: ::core::marker::Send + 'static>(
            pool: &impl ::gohost::AsPool<S>,
            #(#names: #tys),*
        ) -> ::core::result::Result<#ret, ::gohost::Error> {
            let mut __lease = ::gohost::AsPool::as_pool(pool).lease()?;
            let __result = #fn_ident(__lease.instance(), #(#names),*);
            __lease.end(__result)
        }

        #[doc = #pooled_async_doc]
        #allow
        pub async fn #pooled_async_ident<S: ::core::marker::Send + 'static>(
            pool: &impl ::gohost::AsPool<S>,
            #(#names: #tys),*
        ) -> ::core::result::Result<#ret, ::gohost::Error> {
            // The lease, not `Pool::call_async`'s closure: borrowed
            // arguments may live across the await.
            let mut __lease = ::gohost::AsPool::as_pool(pool).lease_async().await?;
            let __result = #async_ident(__lease.instance(), #(#names),*).await;
            __lease.end(__result)
        }
    }
}
