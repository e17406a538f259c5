//! The Rust emitter: codec impls for the module's types, `add_to_linker`,
//! and constants exposing the model hash and the generated Go.
//!
//! Generated code names only `::gohost::...` and `::gohost::__private::...`,
//! never an engine's types.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::model::*;
use crate::{GoFile, ABI_VERSION};

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
    let linker = add_to_linker(m);
    let exports = exports_client(m);
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
    quote! {
        #fixed
        impl ::gohost::__private::Encode for #name {
            fn encode(&self, w: &mut ::gohost::__private::Writer) {
                #(::gohost::__private::Encode::encode(&self.#fields, w);)*
            }
        }
        impl<'r> ::gohost::__private::Decode<'r> for #name {
            const MIN_SIZE: usize = 0 #(+ <#tys as ::gohost::__private::Decode<'r>>::MIN_SIZE)*;
            fn decode(
                r: &mut ::gohost::__private::Reader<'r>,
            ) -> ::core::result::Result<Self, ::gohost::__private::AbiError> {
                ::core::result::Result::Ok(Self {
                    #(#fields: ::gohost::__private::Decode::decode(r)?,)*
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
        let build = match v.kind {
            VariantKind::Unit => quote!(Self::#vi),
            _ => quote!(Self::#vi { #(#names: ::gohost::__private::Decode::decode(r)?),* }),
        };
        dec.push(quote!(#lit => ::core::result::Result::Ok(#build),));
    }
    let msg = format!("malformed value: enum {} has no variant {{}}", e.name);
    let fixed = e.is_unit_only().then(|| unit_enum_fixed(e));
    quote! {
        #fixed
        impl ::gohost::__private::Encode for #name {
            fn encode(&self, w: &mut ::gohost::__private::Writer) {
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

fn add_to_linker(m: &Module) -> TokenStream {
    let (generics, store) = match &m.caller_state {
        Some(x) => (quote!(), quote!(#x)),
        None => (quote!(<__S: ::core::marker::Send + 'static>), quote!(__S)),
    };
    let get = m.state.as_ref().map(|st| {
        quote! {
            , get: impl ::core::ops::Fn(&mut #store) -> &mut #st
                + ::core::marker::Send + ::core::marker::Sync + ::core::marker::Copy + 'static
        }
    });
    let doc = match &m.state {
        Some(_) => "Registers this module's host functions on `linker`; `get` finds the module's state in the store data.",
        None => "Registers this module's host functions on `linker`.",
    };
    let funcs = m.funcs.iter().map(|f| func_glue(m, f, &store));
    quote! {
        #[doc = #doc]
        pub fn add_to_linker #generics (
            linker: &mut ::gohost::Linker<#store> #get
        ) -> ::core::result::Result<(), ::gohost::Error> {
            ::gohost::__private::add_support_imports(linker, MODULE, MODEL_HASH)?;
            #(#funcs)*
            ::core::result::Result::Ok(())
        }
    }
}

/// The wasm type of a direct result.
fn wasm_ret(t: &Ty) -> TokenStream {
    match t.lowering() {
        Lowering::I64 => quote!(i64),
        Lowering::F32 => quote!(f32),
        Lowering::F64 => quote!(f64),
        Lowering::None => quote!(()),
        _ => quote!(i32),
    }
}

/// One `linker.func_wrap(...)` statement.
fn func_glue(m: &Module, f: &Func, store: &TokenStream) -> TokenStream {
    let fname = &f.name;
    let fn_ident = ident(&f.name);
    let area = f.uses_ret_area();
    let status = f.uses_status();
    let caller_mode = f.state == StateUse::Caller;
    let ctx = format!("{}.{}", m.name, f.name);

    let mut wasm_args = Vec::new(); // `__a0: i32`, ...
    let mut checks = Vec::new(); // validation statements
    let mut takes = Vec::new(); // handle takes (after every check)
    let mut call_args = Vec::new();
    let mut needs_cx = false;
    let fail = |what: TokenStream, e: TokenStream| -> TokenStream {
        if area {
            quote!(return ::gohost::__private::ret_abi_error(&mut __cx, __area, #e.context(#what)))
        } else if status {
            quote!({
                ::gohost::__private::fail_abi(&mut __cx, __st, #e.context(#what))?;
                return ::core::result::Result::Ok(::core::default::Default::default());
            })
        } else {
            quote!(
                return ::core::result::Result::Err(::gohost::Trap::new(
                    ::std::format!("{}: {}: {}", #ctx, #what, #e)
                ))
            )
        }
    };
    for (i, p) in f.params.iter().enumerate() {
        let a = format_ident!("__a{}", i);
        let alen = format_ident!("__a{}_len", i);
        let v = format_ident!("__v{}", i);
        let what = format!("parameter `{}`", p.name);
        let e = quote!(__e);
        let on_err = fail(quote!(#what), e.clone());
        match p.ty.lowering() {
            Lowering::I32 | Lowering::I64 | Lowering::F32 | Lowering::F64 => {
                let (wt, conv) = match p.ty {
                    Ty::I32 => (quote!(i32), quote!(#a)),
                    Ty::U32 => (quote!(i32), quote!(#a as u32)),
                    Ty::Bool => (quote!(i32), quote!(#a != 0)),
                    Ty::I64 => (quote!(i64), quote!(#a)),
                    Ty::U64 => (quote!(i64), quote!(#a as u64)),
                    Ty::F32 => (quote!(f32), quote!(#a)),
                    _ => (quote!(f64), quote!(#a)),
                };
                wasm_args.push(quote!(#a: #wt));
                call_args.push(conv);
                continue;
            }
            Lowering::Text | Lowering::Bytes | Lowering::Encoded => {
                needs_cx = true;
                wasm_args.push(quote!(#a: i32));
                wasm_args.push(quote!(#alen: i32));
                let (read, owned, borrowed_param) = match &p.ty {
                    Ty::Str { owned } => (
                        quote!(__cx.mem.str(#a, #alen)),
                        *owned || caller_mode,
                        !*owned,
                    ),
                    Ty::Bytes { owned } => (
                        quote!(__cx.mem.bytes(#a, #alen)),
                        *owned || caller_mode,
                        !*owned,
                    ),
                    t => {
                        let rt = rust_ty(t);
                        let by_ref = matches!(
                            t,
                            Ty::Record { by_ref: true, .. } | Ty::Enum { by_ref: true, .. }
                        );
                        let decode = if is_fixed(m, t) {
                            quote!(decode_fixed)
                        } else {
                            quote!(decode)
                        };
                        (quote!(__cx.mem.#decode::<#rt>(#a, #alen)), false, by_ref)
                    }
                };
                let to_owned = if owned && !matches!(p.ty.lowering(), Lowering::Encoded) {
                    quote!(.to_owned())
                } else {
                    quote!()
                };
                checks.push(quote! {
                    let #v = match #read {
                        ::core::result::Result::Ok(__v) => __v #to_owned,
                        ::core::result::Result::Err(__e) => #on_err,
                    };
                });
                let pass_ref =
                    borrowed_param && (caller_mode || matches!(p.ty.lowering(), Lowering::Encoded));
                call_args.push(if pass_ref { quote!(&#v) } else { quote!(#v) });
            }
            Lowering::Handle => {
                needs_cx = true;
                wasm_args.push(quote!(#a: i32));
                let Ty::Handle { name, mode } = &p.ty else {
                    continue;
                };
                let h = ident(name);
                let get = match mode {
                    HandleMode::Mut => quote!(get_mut),
                    _ => quote!(get),
                };
                match mode {
                    HandleMode::Owned => {
                        checks.push(quote! {
                            if let ::core::result::Result::Err(__e) = __cx.abi.handles.get::<#h>(#a as u32) {
                                #on_err;
                            }
                        });
                        takes.push(quote! {
                            let #v = match __cx.abi.handles.take::<#h>(#a as u32) {
                                ::core::result::Result::Ok(__v) => __v,
                                ::core::result::Result::Err(__e) => #on_err,
                            };
                        });
                    }
                    _ => checks.push(quote! {
                        let #v = match __cx.abi.handles.#get::<#h>(#a as u32) {
                            ::core::result::Result::Ok(__v) => __v,
                            ::core::result::Result::Err(__e) => #on_err,
                        };
                    }),
                }
                call_args.push(quote!(#v));
            }
            Lowering::None => {}
        }
    }
    // Reorder: handle borrows after memory reads is not needed (disjoint
    // fields), but consumed handles are taken only once nothing can fail.
    checks.extend(takes);

    let state_arg = match f.state {
        StateUse::None => None,
        StateUse::Ref => Some(quote!(&*get(__state))),
        StateUse::Mut => Some(quote!(get(__state))),
        StateUse::Caller => Some(quote!(&mut __caller)),
    };
    let all_args: Vec<TokenStream> = state_arg.into_iter().chain(call_args).collect();
    let call = quote! {
        let __out = ::gohost::__private::call_host(MODULE, #fname, || self::#fn_ident(#(#all_args),*))?;
    };
    let handle_result = matches!(f.ret.ok, Ty::Handle { .. });
    let ret_code = if area {
        let ok = |v: TokenStream| {
            if handle_result {
                quote! {{
                    let __h: u32 = __cx.abi.handles.insert(#v);
                    ::gohost::__private::ret_ok(&mut __cx, __area, &__h)
                }}
            } else if is_fixed(m, &f.ret.ok) {
                quote!(::gohost::__private::ret_ok_fixed(&mut __cx, __area, &#v))
            } else {
                quote!(::gohost::__private::ret_ok(&mut __cx, __area, &#v))
            }
        };
        match &f.ret.err {
            None => ok(quote!(__out)),
            Some(err) => {
                let okv = ok(quote!(__v));
                let errv = match err {
                    ErrTy::Enum(_) => {
                        quote!(::gohost::__private::ret_err_typed(&mut __cx, __area, &__e))
                    }
                    ErrTy::Message => quote!(::gohost::__private::ret_err_message(
                        &mut __cx, __area, &__e
                    )),
                };
                quote! {
                    match __out {
                        ::core::result::Result::Ok(__v) => #okv,
                        ::core::result::Result::Err(__e) => #errv,
                    }
                }
            }
        }
    } else {
        let direct = |v: TokenStream| match &f.ret.ok {
            Ty::Unit => quote!(::core::result::Result::Ok(())),
            Ty::U32 => quote!(::core::result::Result::Ok(#v as i32)),
            Ty::U64 => quote!(::core::result::Result::Ok(#v as i64)),
            Ty::Bool => quote!(::core::result::Result::Ok(i32::from(#v))),
            Ty::Handle { .. } => quote!(::core::result::Result::Ok(
                __cx.abi.handles.insert(#v) as i32
            )),
            _ => quote!(::core::result::Result::Ok(#v)),
        };
        match &f.ret.err {
            Some(err) => {
                let okv = direct(quote!(__v));
                let fail = match err {
                    ErrTy::Enum(_) => {
                        quote!(::gohost::__private::fail_typed(&mut __cx, __st, &__e))
                    }
                    ErrTy::Message => {
                        quote!(::gohost::__private::fail_message(&mut __cx, __st, &__e))
                    }
                };
                quote! {
                    match __out {
                        ::core::result::Result::Ok(__v) => #okv,
                        ::core::result::Result::Err(__e) => {
                            #fail?;
                            ::core::result::Result::Ok(::core::default::Default::default())
                        }
                    }
                }
            }
            None => direct(quote!(__out)),
        }
    };
    let ret_ty = if area {
        quote!(i32)
    } else {
        wasm_ret(&f.ret.ok)
    };
    let area_args = if area {
        Some(quote!(__rp: i32, __rc: i32, __rl: i32))
    } else if status {
        Some(quote!(__st: i32))
    } else {
        None
    };
    let area_let = area.then(|| {
        quote!(let __area = ::gohost::__private::RetArea { ptr: __rp, cap: __rc, len_ptr: __rl };)
    });
    let uses_state = matches!(f.state, StateUse::Ref | StateUse::Mut);
    // The context is needed after the call to write the result, insert a
    // handle or report the function's error.
    let split_after = area || handle_result || (status && f.ret.err.is_some());
    let body = if caller_mode {
        // Decode into owned values, release the context, lend the caller,
        // then split again to write the result.
        let vs: Vec<Ident> = (0..f.params.len())
            .filter(|i| f.params[*i].ty.lowering().is_memory_or_handle())
            .map(|i| format_ident!("__v{}", i))
            .collect();
        let pre = (needs_cx).then(|| {
            quote! {
                let (#(#vs,)*) = {
                    let (mut __cx, _) = __caller.__split()?;
                    #(#checks)*
                    (#(#vs,)*)
                };
            }
        });
        let post = split_after.then(|| quote!(let (mut __cx, _) = __caller.__split()?;));
        quote! { #pre #call #post #ret_code }
    } else {
        let split = if uses_state {
            Some(quote!(let (mut __cx, __state) = __caller.__split()?;))
        } else if needs_cx || split_after {
            Some(quote!(let (mut __cx, _) = __caller.__split()?;))
        } else {
            None
        };
        let unused_cx =
            (split.is_some() && !needs_cx && !split_after).then(|| quote!(let _ = &mut __cx;));
        quote! { #split #unused_cx #(#checks)* #call #ret_code }
    };
    let caller_pat = if caller_mode || needs_cx || uses_state || split_after {
        quote!(mut __caller)
    } else {
        quote!(_)
    };
    quote! {
        linker.func_wrap(
            MODULE,
            #fname,
            move |#caller_pat: ::gohost::Caller<'_, #store>, #(#wasm_args,)* #area_args|
                -> ::core::result::Result<#ret_ty, ::gohost::Trap> {
                #area_let
                #body
            },
        )?;
    }
}

impl Lowering {
    /// True when the value is read from memory or the handle table.
    fn is_memory_or_handle(self) -> bool {
        matches!(
            self,
            Lowering::Text | Lowering::Bytes | Lowering::Encoded | Lowering::Handle
        )
    }
}

/// The `exports` module: one typed client function per export.
fn exports_client(m: &Module) -> TokenStream {
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
    let body = if e.is_direct() {
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
        quote! {
            instance.call::<(#(#ptys,)*), #rty>(#name, (#(#args,)*)) #conv
        }
    } else {
        let finish = match &e.ret.err {
            None => quote!(__ok(instance, #name, __reply)),
            Some(err) => {
                let typed = matches!(err, ErrTy::Enum(_));
                quote!(__result(instance, #name, __reply, #typed))
            }
        };
        quote! {
            let mut __w = ::gohost::__private::Writer::new();
            #(::gohost::__private::Encode::encode(&#names, &mut __w);)*
            let __reply = ::gohost::__private::call_export_encoded(instance, #name, __w.as_bytes())?;
            #finish
        }
    };
    // Clippy's default limit is 7; the instance is one more parameter.
    let allow = (e.params.len() >= 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        #(#[doc = #docs])*
        #allow
        pub fn #fn_ident<S>(
            instance: &mut ::gohost::Instance<S>,
            #(#names: #tys),*
        ) -> ::core::result::Result<#ret, ::gohost::Error> {
            #body
        }
    }
}
