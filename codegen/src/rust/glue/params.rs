//! The glue's first step: the closure's wasm parameters, and the statements
//! that read each argument from them, the guest's memory or the handle
//! table into the value the Rust function takes, with the guest-facing
//! error of a bad one.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{checked_scalar, Glue};
use crate::model::*;
use crate::rust::{ident, is_fixed, rust_ty};

/// The parameters of one host function, as its glue takes and reads them.
#[derive(Default)]
pub(super) struct Params {
    /// The closure's wasm parameters: `__a0: i32`, ...
    pub(super) wasm: Vec<TokenStream>,
    /// The statements that read and check the arguments into `__vN` (or
    /// return the guest-facing error); consumed handles are taken last,
    /// once nothing can fail.
    pub(super) checks: Vec<TokenStream>,
    /// The Rust function's arguments, after the state.
    pub(super) call: Vec<TokenStream>,
    /// Whether reading them needs the call's context (memory, handles,
    /// or a place to report an error).
    pub(super) needs_cx: bool,
    /// Borrowed handles an async function holds across `.await`: lent out
    /// of the table for the call and put back when it is done
    /// (wasm argument, value).
    pub(super) lent: Vec<(Ident, Ident)>,
}

/// The names of one parameter in the glue, and what it does when the
/// guest's argument is bad.
struct Arg {
    /// The wasm value (a pointer for memory).
    a: Ident,
    /// The length, for memory.
    alen: Ident,
    /// The value read.
    v: Ident,
    /// The statement that returns the error `__e`.
    on_err: TokenStream,
}

impl Glue<'_> {
    /// Reads every parameter of the function.
    pub(super) fn read_params(&self) -> Params {
        let mut out = Params::default();
        // Consumed handles, taken out of the table after every check.
        let mut takes = Vec::new();
        // The handle arguments of an async function so far, to refuse one
        // handle passed twice (it can be taken out of the table once).
        let mut handle_args: Vec<Ident> = Vec::new();
        for (i, p) in self.f.params.iter().enumerate() {
            let what = format!("parameter `{}`", p.name);
            let arg = Arg {
                a: format_ident!("__a{}", i),
                alen: format_ident!("__a{}_len", i),
                v: format_ident!("__v{}", i),
                on_err: self.on_error(quote!(#what), quote!(__e)),
            };
            match p.ty.lowering() {
                Lowering::I32 | Lowering::I64 | Lowering::F32 | Lowering::F64
                    if checked_scalar(&p.ty) =>
                {
                    self.checked_scalar_param(&p.ty, &arg, &mut out)
                }
                Lowering::I32 | Lowering::I64 | Lowering::F32 | Lowering::F64 => {
                    scalar_param(&p.ty, &arg, &mut out)
                }
                Lowering::Text | Lowering::Bytes | Lowering::Encoded => {
                    self.memory_param(&p.ty, &arg, &mut out)
                }
                Lowering::Handle => {
                    self.handle_param(&p.ty, &arg, &mut handle_args, &mut takes, &mut out)
                }
                Lowering::None => {}
            }
        }
        // Reorder: handle borrows after memory reads is not needed (disjoint
        // fields), but consumed handles are taken only once nothing can fail.
        out.checks.extend(takes);
        out
    }

    /// The statement that makes the call fail with the error `e` of `what`
    /// (a parameter): an ABI error the Go caller receives when the function
    /// has a way to report one (return area, status record), else a trap.
    /// An async function's glue returns it at once, as a ready value.
    fn on_error(&self, what: TokenStream, e: TokenStream) -> TokenStream {
        let Glue {
            f,
            area,
            status,
            ctx,
            ..
        } = self;
        let ready = |v: TokenStream| quote!(return #v);
        if f.is_async && *area {
            ready(quote!(::gohost::__private::ret_abi_error(&mut __cx, __area, #e.context(#what))))
        } else if f.is_async && *status {
            ready(quote!(
                ::gohost::__private::fail_abi(&mut __cx, __st, #e.context(#what))
                    .map(|()| ::core::default::Default::default())
            ))
        } else if f.is_async {
            ready(quote!(::core::result::Result::Err(::gohost::Trap::new(
                ::std::format!("{}: {}: {}", #ctx, #what, #e)
            ))))
        } else if *area {
            quote!(return ::gohost::__private::ret_abi_error(&mut __cx, __area, #e.context(#what)))
        } else if *status {
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
    }

    /// A scalar widened on the wire (`u8`... `i16`, `usize`, `isize`,
    /// `char`): converted back with a check, an ABI error (or a trap, when
    /// the function has no other way to fail) for a value only a
    /// hand-written guest can send.
    fn checked_scalar_param(&self, t: &Ty, arg: &Arg, out: &mut Params) {
        let Arg { a, v, on_err, .. } = arg;
        let p_ = quote!(::gohost::__private);
        let (wt, conv) = match t {
            Ty::Char => (quote!(i32), quote!(#p_::char_from_wasm(#a))),
            Ty::Usize => (
                quote!(i64),
                quote!(usize::try_from(#a as u64).map_err(|_| #p_::usize_error(#a as u64))),
            ),
            Ty::Isize => (
                quote!(i64),
                quote!(isize::try_from(#a).map_err(|_| #p_::isize_error(#a))),
            ),
            t => {
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
        if self.area || self.status {
            out.needs_cx = true;
        }
        out.wasm.push(quote!(#a: #wt));
        out.checks.push(quote! {
            let #v = match #conv {
                ::core::result::Result::Ok(__v) => __v,
                ::core::result::Result::Err(__e) => #on_err,
            };
        });
        out.call.push(quote!(#v));
    }

    /// Text, bytes or an encoded value: read from the guest's memory.
    /// Top-level `&str` and `&[u8]` are views of it; what an async
    /// function or a function taking the `Caller` keeps is owned.
    fn memory_param(&self, t: &Ty, arg: &Arg, out: &mut Params) {
        let Arg {
            a, alen, v, on_err, ..
        } = arg;
        let owns = self.owns;
        out.needs_cx = true;
        out.wasm.push(quote!(#a: i32));
        out.wasm.push(quote!(#alen: i32));
        let (read, owned, borrowed_param) = match t {
            // A `Cow<str>`: borrowed when the text is UTF-8.
            Ty::Str { owned } => (quote!(__cx.mem.text(#a, #alen)), *owned || owns, !*owned),
            Ty::Bytes { owned } => (quote!(__cx.mem.bytes(#a, #alen)), *owned || owns, !*owned),
            t => {
                let rt = rust_ty(t);
                let by_ref = matches!(
                    t,
                    Ty::Record { by_ref: true, .. } | Ty::Enum { by_ref: true, .. }
                );
                let decode = if is_fixed(self.m, t) {
                    quote!(decode_fixed)
                } else {
                    quote!(decode)
                };
                (quote!(__cx.mem.#decode::<#rt>(#a, #alen)), false, by_ref)
            }
        };
        let to_owned = match t {
            Ty::Str { .. } if owned => quote!(.into_owned()),
            _ if owned && !matches!(t.lowering(), Lowering::Encoded) => {
                quote!(.to_owned())
            }
            _ => quote!(),
        };
        out.checks.push(quote! {
            let #v = match #read {
                ::core::result::Result::Ok(__v) => __v #to_owned,
                ::core::result::Result::Err(__e) => #on_err,
            };
        });
        let pass_ref =
            borrowed_param && (owns || matches!(t.lowering(), Lowering::Encoded | Lowering::Text));
        out.call
            .push(if pass_ref { quote!(&#v) } else { quote!(#v) });
    }

    /// A handle, looked up in the instance's table. A consumed handle, or
    /// one an async function holds across `.await`, is checked with the
    /// rest and taken out of the table (`takes`) once nothing can fail; an
    /// async function's borrowed handles are lent and put back when it is
    /// done.
    fn handle_param(
        &self,
        t: &Ty,
        arg: &Arg,
        handle_args: &mut Vec<Ident>,
        takes: &mut Vec<TokenStream>,
        out: &mut Params,
    ) {
        let Arg { a, v, on_err, .. } = arg;
        let is_async = self.f.is_async;
        out.needs_cx = true;
        out.wasm.push(quote!(#a: i32));
        if is_async {
            for earlier in handle_args.iter() {
                out.checks.push(quote! {
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
        let Ty::Handle { name, mode } = t else {
            return;
        };
        let h = ident(name);
        let get = match mode {
            HandleMode::Mut => quote!(get_mut),
            _ => quote!(get),
        };
        if *mode == HandleMode::Owned || is_async {
            out.checks.push(quote! {
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
            out.checks.push(quote! {
                let #v = match __cx.abi.handles.#get::<#h>(#a as u32) {
                    ::core::result::Result::Ok(__v) => __v,
                    ::core::result::Result::Err(__e) => #on_err,
                };
            });
        }
        // Lent to an async function, and put back when it is done.
        if *mode != HandleMode::Owned && is_async {
            out.lent.push((a.clone(), v.clone()));
            out.call.push(match mode {
                HandleMode::Mut => quote!(&mut #v),
                _ => quote!(&#v),
            });
            return;
        }
        out.call.push(quote!(#v));
    }
}

/// A scalar the wire carries as itself: converted with `as` where the
/// signedness differs, `bool` from its `i32`.
fn scalar_param(t: &Ty, arg: &Arg, out: &mut Params) {
    let a = &arg.a;
    let (wt, conv) = match t {
        Ty::I32 => (quote!(i32), quote!(#a)),
        Ty::U32 => (quote!(i32), quote!(#a as u32)),
        Ty::Bool => (quote!(i32), quote!(#a != 0)),
        Ty::I64 => (quote!(i64), quote!(#a)),
        Ty::U64 => (quote!(i64), quote!(#a as u64)),
        Ty::F32 => (quote!(f32), quote!(#a)),
        _ => (quote!(f64), quote!(#a)),
    };
    out.wasm.push(quote!(#a: #wt));
    out.call.push(conv);
}
