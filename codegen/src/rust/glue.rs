//! `add_to_linker`: the host-side glue of each host function, which reads
//! its arguments from the guest's memory, calls the Rust function and
//! writes its results back.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{ident, is_fixed, rust_ty};
use crate::model::*;

pub(super) fn add_to_linker(m: &Module) -> TokenStream {
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

/// One `linker.func_wrap(...)` statement, or for an `async fn`, one
/// `func_wrap_async_start` (docs/abi.md, "Async host functions"): its glue
/// continues a parked call, or reads the arguments into owned values,
/// clones the state, and polls the function's `'static` future once,
/// writing its result when it is ready; the engine parks a pending call,
/// which is finished when its future is done.
fn func_glue(m: &Module, f: &Func, store: &TokenStream) -> TokenStream {
    let fname = &f.name;
    let fn_ident = ident(&f.name);
    let area = f.uses_ret_area();
    let status = f.uses_status();
    let caller_mode = f.state == StateUse::Caller;
    // What the glue of an async function keeps owns its values.
    let owns = caller_mode || f.is_async;
    let ctx = format!("{}.{}", m.name, f.name);
    // Borrowed handles an async function holds across `.await`: lent out
    // of the table for the call and put back when it is done.
    let mut lent = Vec::new(); // (handle argument, value)
                               // The handle arguments of an async function so far, to refuse one
                               // handle passed twice (it can be taken out of the table once).
    let mut handle_args: Vec<Ident> = Vec::new();

    let mut wasm_args = Vec::new(); // `__a0: i32`, ...
    let mut checks = Vec::new(); // validation statements
    let mut takes = Vec::new(); // handle takes (after every check)
    let mut call_args = Vec::new();
    let mut needs_cx = false;
    let fail = |what: TokenStream, e: TokenStream| -> TokenStream {
        let ready = |v: TokenStream| quote!(return #v);
        if f.is_async && area {
            ready(quote!(::gohost::__private::ret_abi_error(&mut __cx, __area, #e.context(#what))))
        } else if f.is_async && status {
            ready(quote!(
                ::gohost::__private::fail_abi(&mut __cx, __st, #e.context(#what))
                    .map(|()| ::core::default::Default::default())
            ))
        } else if f.is_async {
            ready(quote!(::core::result::Result::Err(::gohost::Trap::new(
                ::std::format!("{}: {}: {}", #ctx, #what, #e)
            ))))
        } else if area {
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
            Lowering::I32 | Lowering::I64 | Lowering::F32 | Lowering::F64
                if checked_scalar(&p.ty) =>
            {
                // Widened on the wire: converted back with a check, an ABI
                // error (or a trap, when the function has no other way to
                // fail) for a value only a hand-written guest can send.
                let p_ = quote!(::gohost::__private);
                let (wt, conv) = match p.ty {
                    Ty::Char => (quote!(i32), quote!(#p_::char_from_wasm(#a))),
                    Ty::Usize => (
                        quote!(i64),
                        quote!(usize::try_from(#a as u64).map_err(|_| #p_::usize_error(#a as u64))),
                    ),
                    Ty::Isize => (
                        quote!(i64),
                        quote!(isize::try_from(#a).map_err(|_| #p_::isize_error(#a))),
                    ),
                    ref t => {
                        let (rt, name) = match t {
                            Ty::U8 => (quote!(u8), "u8"),
                            Ty::I8 => (quote!(i8), "i8"),
                            Ty::U16 => (quote!(u16), "u16"),
                            _ => (quote!(i16), "i16"),
                        };
                        (
                            quote!(i32),
                            quote!(#rt::try_from(#a).map_err(|_| #p_::range_error(#a, #name))),
                        )
                    }
                };
                if area || status {
                    needs_cx = true;
                }
                wasm_args.push(quote!(#a: #wt));
                checks.push(quote! {
                    let #v = match #conv {
                        ::core::result::Result::Ok(__v) => __v,
                        ::core::result::Result::Err(__e) => #on_err,
                    };
                });
                call_args.push(quote!(#v));
                continue;
            }
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
                    // A `Cow<str>`: borrowed when the text is UTF-8.
                    Ty::Str { owned } => {
                        (quote!(__cx.mem.text(#a, #alen)), *owned || owns, !*owned)
                    }
                    Ty::Bytes { owned } => {
                        (quote!(__cx.mem.bytes(#a, #alen)), *owned || owns, !*owned)
                    }
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
                let to_owned = match p.ty {
                    Ty::Str { .. } if owned => quote!(.into_owned()),
                    _ if owned && !matches!(p.ty.lowering(), Lowering::Encoded) => {
                        quote!(.to_owned())
                    }
                    _ => quote!(),
                };
                checks.push(quote! {
                    let #v = match #read {
                        ::core::result::Result::Ok(__v) => __v #to_owned,
                        ::core::result::Result::Err(__e) => #on_err,
                    };
                });
                let pass_ref = borrowed_param
                    && (owns || matches!(p.ty.lowering(), Lowering::Encoded | Lowering::Text));
                call_args.push(if pass_ref { quote!(&#v) } else { quote!(#v) });
            }
            Lowering::Handle => {
                needs_cx = true;
                wasm_args.push(quote!(#a: i32));
                if f.is_async {
                    for earlier in &handle_args {
                        checks.push(quote! {
                            if #earlier == #a {
                                let __e = ::gohost::__private::AbiError::new(
                                    "the same handle is passed twice to an async function",
                                );
                                #on_err;
                            }
                        });
                    }
                    handle_args.push(a.clone());
                }
                let Ty::Handle { name, mode } = &p.ty else {
                    continue;
                };
                let h = ident(name);
                let get = match mode {
                    HandleMode::Mut => quote!(get_mut),
                    _ => quote!(get),
                };
                // A consumed handle, or one an async function holds across
                // `.await`, is checked with the rest and taken out of the
                // table once nothing can fail.
                if *mode == HandleMode::Owned || f.is_async {
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
                } else {
                    checks.push(quote! {
                        let #v = match __cx.abi.handles.#get::<#h>(#a as u32) {
                            ::core::result::Result::Ok(__v) => __v,
                            ::core::result::Result::Err(__e) => #on_err,
                        };
                    });
                }
                // Lent to an async function, and put back when it is done.
                if *mode != HandleMode::Owned && f.is_async {
                    lent.push((a.clone(), v.clone()));
                    call_args.push(match mode {
                        HandleMode::Mut => quote!(&mut #v),
                        _ => quote!(&#v),
                    });
                    continue;
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
    let all_args: Vec<TokenStream> = state_arg.into_iter().chain(call_args.clone()).collect();
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
            Ty::Bool | Ty::U8 | Ty::I8 | Ty::U16 | Ty::I16 => {
                quote!(::core::result::Result::Ok(i32::from(#v)))
            }
            Ty::Char => quote!(::core::result::Result::Ok(u32::from(#v) as i32)),
            Ty::Usize => quote!(::core::result::Result::Ok(#v as u64 as i64)),
            Ty::Isize => quote!(::core::result::Result::Ok(#v as i64)),
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
            .filter(|i| {
                let t = &f.params[*i].ty;
                t.lowering().is_memory_or_handle() || checked_scalar(t)
            })
            .map(|i| format_ident!("__v{}", i))
            .collect();
        let pre = (!checks.is_empty()).then(|| {
            quote! {
                let (#(#vs,)*) = {
                    let (mut __cx, _) = __caller.__split()?;
                    let _ = &mut __cx;
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
    if f.is_async {
        let glue = AsyncGlue {
            fname,
            fn_ident: &fn_ident,
            store,
            wasm_args: &wasm_args,
            area_args: area_args.as_ref(),
            area_let: area_let.as_ref(),
            ret_ty: &ret_ty,
            split: needs_cx || uses_state,
            checks: &checks,
            state: uses_state,
            call_args: &call_args,
            lent: &lent,
            ret_code: &ret_code,
            plain_finish: !area && f.ret.err.is_none() && !handle_result && lent.is_empty(),
        };
        return glue.emit();
    }
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

/// The parts of an async function's glue, from `func_glue`.
struct AsyncGlue<'a> {
    fname: &'a str,
    fn_ident: &'a Ident,
    store: &'a TokenStream,
    wasm_args: &'a [TokenStream],
    area_args: Option<&'a TokenStream>,
    area_let: Option<&'a TokenStream>,
    ret_ty: &'a TokenStream,
    /// Whether the start reads memory, handles or the state.
    split: bool,
    /// Statements that read the arguments into owned `__vN` (or return
    /// the guest-facing error).
    checks: &'a [TokenStream],
    /// Whether the function takes `&State` (cloned into the future).
    state: bool,
    call_args: &'a [TokenStream],
    /// Borrowed handles lent to the future: (wasm argument, value).
    lent: &'a [(Ident, Ident)],
    /// Writes the result `__out` with `__cx`.
    ret_code: &'a TokenStream,
    /// Whether writing the result needs neither `__cx` nor the lent
    /// handles (a scalar result): the start then never makes a view of
    /// the guest's memory.
    plain_finish: bool,
}

impl AsyncGlue<'_> {
    fn emit(&self) -> TokenStream {
        let AsyncGlue {
            fname,
            fn_ident,
            store,
            wasm_args,
            area_args,
            area_let,
            ret_ty,
            checks,
            call_args,
            ret_code,
            ..
        } = self;
        let area_args = area_args.map(|a| quote!(#a,));
        let split = self.split.then(|| {
            quote! {
                let (mut __cx, __state) = __caller.__split()?;
                let _ = (&mut __cx, &__state);
            }
        });
        let clone_state = self
            .state
            .then(|| quote!(let __state_clone = ::core::clone::Clone::clone(&*get(__state));));
        let state_arg = self.state.then(|| quote!(&__state_clone,));
        let (handles, values): (Vec<&Ident>, Vec<&Ident>) =
            self.lent.iter().map(|(a, v)| (a, v)).unzip();
        let finish = if self.plain_finish {
            quote!(::gohost::__private::Plain(move |(__out,)| #ret_code))
        } else {
            quote! {
                ::gohost::__private::WithMemory(
                    move |(__out, #(#values,)*), mut __cx: ::gohost::__private::CallCx<'_>, _: &mut #store| {
                        let _ = &mut __cx;
                        #(__cx.abi.handles.restore(#handles as u32, #values);)*
                        #ret_code
                    }
                )
            }
        };
        // The start takes the caller by value; only the split borrows it.
        let caller_mut = self.split.then(|| quote!(mut));
        quote! {
            {
                let __slot = ::gohost::__private::async_slot(linker);
                ::gohost::__private::func_wrap_async_start(
                    linker,
                    MODULE,
                    #fname,
                    move |#caller_mut __caller: ::gohost::Caller<'_, #store>, #(#wasm_args,)* #area_args __pending: i32|
                        -> ::core::result::Result<#ret_ty, ::gohost::Trap> {
                        // Before the arguments are read: a continuation
                        // must not lend handles or copy arguments again.
                        if ::gohost::__private::async_parked(&__caller) {
                            return ::gohost::__private::resume_async(__caller, __pending, &(MODULE, #fname));
                        }
                        #area_let
                        #split
                        #(#checks)*
                        #clone_state
                        ::gohost::__private::start_async(
                            __caller,
                            __slot,
                            __pending,
                            &(MODULE, #fname),
                            move || async move {
                                #(#[allow(unused_mut)] let mut #values = #values;)*
                                let __out = self::#fn_ident(#state_arg #(#call_args),*).await;
                                (__out, #(#values,)*)
                            },
                            #finish,
                        )
                    },
                )?;
            }
        }
    }
}

/// True for the scalars widened on the wire, which the glue converts back
/// with a check (`u8`... `i16`, `usize`, `isize`, `char`).
fn checked_scalar(t: &Ty) -> bool {
    matches!(
        t,
        Ty::U8 | Ty::I8 | Ty::U16 | Ty::I16 | Ty::Usize | Ty::Isize | Ty::Char
    )
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
