//! `add_to_linker`: the host-side glue of each host function, which reads
//! its arguments from the guest's memory, calls the Rust function and
//! writes its results back.
//!
//! The glue of one function is built in steps: its parameters read and
//! checked (`params`), the call, its result written (`result`), and the
//! registration, `linker.func_wrap` here, or for an `async fn` the start
//! of a call the engine can park (`asynchronous`).

mod asynchronous;
mod params;
mod result;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::ident;
use crate::model::*;

use asynchronous::AsyncGlue;
use params::Params;

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

/// What the glue of one host function is built from.
struct Glue<'a> {
    m: &'a Module,
    f: &'a Func,
    /// The result goes through the return area.
    area: bool,
    /// Failures go through the status record.
    status: bool,
    /// The function takes `&mut Caller`.
    caller_mode: bool,
    /// What the glue keeps owns its values: the function takes the
    /// `Caller` (the context is released before the call) or is async.
    owns: bool,
    /// `module.function`, for the messages of traps.
    ctx: String,
}

/// One `linker.func_wrap(...)` statement, or for an `async fn`, one
/// `func_wrap_async_start` (docs/abi.md, "Async host functions"): its glue
/// continues a parked call, or reads the arguments into owned values,
/// clones the state, and polls the function's `'static` future once,
/// writing its result when it is ready; the engine parks a pending call,
/// which is finished when its future is done.
fn func_glue(m: &Module, f: &Func, store: &TokenStream) -> TokenStream {
    let g = Glue::new(m, f);
    let params = g.read_params();
    let ret_code = g.write_result();
    let fn_ident = ident(&f.name);
    if f.is_async {
        let (area_args, area_let) = (g.area_args(), g.area_let());
        let uses_state = g.uses_state();
        return AsyncGlue {
            fname: &f.name,
            fn_ident: &fn_ident,
            store,
            wasm_args: &params.wasm,
            area_args: area_args.as_ref(),
            area_let: area_let.as_ref(),
            ret_ty: &g.ret_ty(),
            split: params.needs_cx || uses_state,
            checks: &params.checks,
            state: uses_state,
            call_args: &params.call,
            lent: &params.lent,
            ret_code: &ret_code,
            plain_finish: !g.area
                && f.ret.err.is_none()
                && !g.handle_result()
                && params.lent.is_empty(),
        }
        .emit();
    }
    let call = g.call(&fn_ident, &params.call);
    let body = g.sync_body(&params, &call, &ret_code);
    g.func_wrap(store, &params, &body)
}

impl Glue<'_> {
    fn new<'a>(m: &'a Module, f: &'a Func) -> Glue<'a> {
        let caller_mode = f.state == StateUse::Caller;
        Glue {
            m,
            f,
            area: f.uses_ret_area(),
            status: f.uses_status(),
            caller_mode,
            owns: caller_mode || f.is_async,
            ctx: format!("{}.{}", m.name, f.name),
        }
    }

    /// The function returns a handle (inserted in the table).
    fn handle_result(&self) -> bool {
        matches!(self.f.ret.ok, Ty::Handle { .. })
    }

    /// The function borrows the state (`&S` / `&mut S`).
    fn uses_state(&self) -> bool {
        matches!(self.f.state, StateUse::Ref | StateUse::Mut)
    }

    /// The context is needed after the call to write the result, insert a
    /// handle or report the function's error.
    fn split_after(&self) -> bool {
        self.area || self.handle_result() || (self.status && self.f.ret.err.is_some())
    }

    /// The closure's wasm result type.
    fn ret_ty(&self) -> TokenStream {
        if self.area {
            quote!(i32)
        } else {
            wasm_ret(&self.f.ret.ok)
        }
    }

    /// The closure's last wasm parameters: the return area, or the status
    /// record.
    fn area_args(&self) -> Option<TokenStream> {
        if self.area {
            Some(quote!(__rp: i32, __rc: i32, __rl: i32))
        } else if self.status {
            Some(quote!(__st: i32))
        } else {
            None
        }
    }

    /// The return area, from its wasm parameters.
    fn area_let(&self) -> Option<TokenStream> {
        self.area.then(|| {
            quote!(let __area = ::gohost::__private::RetArea { ptr: __rp, cap: __rc, len_ptr: __rl };)
        })
    }

    /// The call of the Rust function (`fn_ident`) with the state and `args`,
    /// its result in `__out`.
    fn call(&self, fn_ident: &Ident, args: &[TokenStream]) -> TokenStream {
        let fname = &self.f.name;
        let state_arg = match self.f.state {
            StateUse::None => None,
            StateUse::Ref => Some(quote!(&*get(__state))),
            StateUse::Mut => Some(quote!(get(__state))),
            StateUse::Caller => Some(quote!(&mut __caller)),
        };
        let all_args: Vec<TokenStream> =
            state_arg.into_iter().chain(args.iter().cloned()).collect();
        quote! {
            let __out = ::gohost::__private::call_host(MODULE, #fname, || self::#fn_ident(#(#all_args),*))?;
        }
    }

    /// The body of a sync function's closure: the arguments read, the call,
    /// the result written, each with the call's context (`__cx`) split from
    /// the caller when it needs it.
    fn sync_body(
        &self,
        params: &Params,
        call: &TokenStream,
        ret_code: &TokenStream,
    ) -> TokenStream {
        let f = self.f;
        let checks = &params.checks;
        let split_after = self.split_after();
        if self.caller_mode {
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
            let needs_cx = params.needs_cx;
            let split = if self.uses_state() {
                Some(quote!(let (mut __cx, __state) = __caller.__split()?;))
            } else if needs_cx || split_after {
                Some(quote!(let (mut __cx, _) = __caller.__split()?;))
            } else {
                None
            };
            let unused_cx =
                (split.is_some() && !needs_cx && !split_after).then(|| quote!(let _ = &mut __cx;));
            quote! { #split #unused_cx #(#checks)* #call #ret_code }
        }
    }

    /// The `linker.func_wrap` statement of a sync function, around `body`.
    fn func_wrap(&self, store: &TokenStream, params: &Params, body: &TokenStream) -> TokenStream {
        let fname = &self.f.name;
        let wasm_args = &params.wasm;
        let (area_args, area_let, ret_ty) = (self.area_args(), self.area_let(), self.ret_ty());
        let caller_pat =
            if self.caller_mode || params.needs_cx || self.uses_state() || self.split_after() {
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
