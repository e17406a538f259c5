//! The glue's last step: the function's result `__out` written back for
//! the guest, through the return area (an encoded value, with a typed
//! error or a message), or directly as the closure's wasm result (a scalar
//! or a handle, failures through the status record).

use proc_macro2::TokenStream;
use quote::quote;

use super::Glue;
use crate::model::*;
use crate::rust::is_fixed;

impl Glue<'_> {
    /// The expression that writes `__out` and is the closure's result.
    pub(super) fn write_result(&self) -> TokenStream {
        if self.area {
            self.area_result()
        } else {
            self.direct_result()
        }
    }

    /// A result through the return area: the value encoded (a handle
    /// inserted in the table first), or the error.
    fn area_result(&self) -> TokenStream {
        let ok = |v: TokenStream| {
            if self.handle_result() {
                quote! {{
                    let __h: u32 = __cx.abi.handles.insert(#v);
                    ::gohost::__private::ret_ok(&mut __cx, __area, &__h)
                }}
            } else if is_fixed(self.m, &self.f.ret.ok) {
                quote!(::gohost::__private::ret_ok_fixed(&mut __cx, __area, &#v))
            } else {
                quote!(::gohost::__private::ret_ok(&mut __cx, __area, &#v))
            }
        };
        match &self.f.ret.err {
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
    }

    /// A result returned as a wasm value (converted to its wasm type); an
    /// error goes to the status record, with a zero value returned.
    fn direct_result(&self) -> TokenStream {
        let direct = |v: TokenStream| match &self.f.ret.ok {
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
        match &self.f.ret.err {
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
    }
}
