//! The glue of an `async fn` (docs/abi.md, "Async host functions"): a
//! `func_wrap_async_start` whose closure continues a parked call, or reads
//! the arguments into owned values, clones the state, and starts the
//! function's `'static` future, writing its result when it is ready.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The parts of an async function's glue, from `func_glue`.
pub(super) struct AsyncGlue<'a> {
    pub(super) fname: &'a str,
    pub(super) fn_ident: &'a Ident,
    pub(super) store: &'a TokenStream,
    pub(super) wasm_args: &'a [TokenStream],
    pub(super) area_args: Option<&'a TokenStream>,
    pub(super) area_let: Option<&'a TokenStream>,
    pub(super) ret_ty: &'a TokenStream,
    /// Whether the start reads memory, handles or the state.
    pub(super) split: bool,
    /// Statements that read the arguments into owned `__vN` (or return
    /// the guest-facing error).
    pub(super) checks: &'a [TokenStream],
    /// Whether the function takes `&State` (cloned into the future).
    pub(super) state: bool,
    pub(super) call_args: &'a [TokenStream],
    /// Borrowed handles lent to the future: (wasm argument, value).
    pub(super) lent: &'a [(Ident, Ident)],
    /// Writes the result `__out` with `__cx`.
    pub(super) ret_code: &'a TokenStream,
    /// Whether writing the result needs neither `__cx` nor the lent
    /// handles (a scalar result): the start then never makes a view of
    /// the guest's memory.
    pub(super) plain_finish: bool,
}

impl AsyncGlue<'_> {
    pub(super) fn emit(&self) -> TokenStream {
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
