//! The one place that names the engines: their markers ([`Wasmi`],
//! [`Wasmtime`], each implemented by its adapter in `crate::adapters`), and
//! the macros that give the rest of gohost a type with one variant per
//! engine ([`per_engine!`]) and a `match` over it ([`dispatch!`]), so that
//! no other code outside the adapters names an engine.

/// The wasmi engine (an interpreter), as a [`Backend`](super::Backend);
/// its adapter is `crate::adapters::wasmi`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Wasmi;

/// The wasmtime engine (a JIT compiler), as a [`Backend`](super::Backend);
/// its adapter is `crate::adapters::wasmtime` (the `wasmtime` feature).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
#[cfg(feature = "wasmtime")]
pub struct Wasmtime;

/// Declares an enum with one variant per engine of this build, named after
/// the engine (`Wasmi`, `Wasmtime`), each holding `$ty` with the engine's
/// [`Backend`](super::Backend) in place of `@`, and `From` of each variant's value:
///
/// ```ignore
/// per_engine!(pub(crate) enum InstanceRepr<S> = Inner<@, S>);
/// ```
macro_rules! per_engine {
    ($(#[$attr:meta])* $vis:vis enum $name:ident $(<$($lt:lifetime,)? $($g:ident),*>)? = $ty:ident<$($tlt:lifetime,)? @ $(, $arg:ty)*>) => {
        $(#[$attr])*
        // The variants differ in size (wasmi keeps its store inline), but
        // each value is made once per instance or linker and then called
        // many times: a box would cost an allocation and a pointer chase
        // per call to save bytes, and the default build has one variant.
        #[allow(clippy::large_enum_variant)]
        $vis enum $name $(<$($lt,)? $($g: 'static),*>)? {
            Wasmi($ty<$($tlt,)? $crate::engine::Wasmi $(, $arg)*>),
            #[cfg(feature = "wasmtime")]
            Wasmtime($ty<$($tlt,)? $crate::engine::Wasmtime $(, $arg)*>),
        }

        impl $(<$($lt,)? $($g: 'static),*>)? From<$ty<$($tlt,)? $crate::engine::Wasmi $(, $arg)*>>
            for $name $(<$($lt,)? $($g),*>)?
        {
            #[inline(always)]
            fn from(value: $ty<$($tlt,)? $crate::engine::Wasmi $(, $arg)*>) -> Self {
                $name::Wasmi(value)
            }
        }

        #[cfg(feature = "wasmtime")]
        impl $(<$($lt,)? $($g: 'static),*>)? From<$ty<$($tlt,)? $crate::engine::Wasmtime $(, $arg)*>>
            for $name $(<$($lt,)? $($g),*>)?
        {
            #[inline(always)]
            fn from(value: $ty<$($tlt,)? $crate::engine::Wasmtime $(, $arg)*>) -> Self {
                $name::Wasmtime(value)
            }
        }
    };
}
pub(crate) use per_engine;

/// A `match` over a [`per_engine!`] value: `$body` once per engine, with
/// `$x` bound to the variant's value and `$b` (if given) naming the
/// engine's [`Backend`](super::Backend) type.
///
/// ```ignore
/// dispatch!(InstanceRepr, &mut self.repr, i => i.call(name, params))
/// dispatch!(EngineRepr, &self.repr, B, e => B::fuel(e))
/// ```
macro_rules! dispatch {
    ($repr:ident, $value:expr, $x:pat => $body:expr) => {
        match $value {
            $repr::Wasmi($x) => $body,
            #[cfg(feature = "wasmtime")]
            $repr::Wasmtime($x) => $body,
        }
    };
    ($repr:ident, $value:expr, $b:ident, $x:pat => $body:expr) => {
        match $value {
            $repr::Wasmi($x) => {
                #[allow(dead_code)]
                type $b = $crate::engine::Wasmi;
                $body
            }
            #[cfg(feature = "wasmtime")]
            $repr::Wasmtime($x) => {
                #[allow(dead_code)]
                type $b = $crate::engine::Wasmtime;
                $body
            }
        }
    };
}
pub(crate) use dispatch;

/// [`dispatch!`] over two values that must be of the same engine (a
/// linker and a module, say); `$mismatch` when they are not.
macro_rules! dispatch_pair {
    (($ra:ident, $a:expr), ($rb:ident, $b:expr), ($x:pat, $y:pat) => $body:expr, _ => $mismatch:expr) => {
        match ($a, $b) {
            ($ra::Wasmi($x), $rb::Wasmi($y)) => $body,
            #[cfg(feature = "wasmtime")]
            ($ra::Wasmtime($x), $rb::Wasmtime($y)) => $body,
            #[allow(unreachable_patterns)]
            _ => $mismatch,
        }
    };
}
pub(crate) use dispatch_pair;

/// `$body` with `$b` naming the [`Backend`](super::Backend) of `kind`, an engine of this
/// build (`$missing` for one that is not).
macro_rules! with_backend {
    ($kind:expr, $b:ident => $body:expr, missing => $missing:expr) => {
        match $kind {
            $crate::engine::EngineKind::Wasmi => {
                type $b = $crate::engine::Wasmi;
                $body
            }
            #[cfg(feature = "wasmtime")]
            $crate::engine::EngineKind::Wasmtime => {
                type $b = $crate::engine::Wasmtime;
                $body
            }
            #[allow(unreachable_patterns)]
            _ => $missing,
        }
    };
}
pub(crate) use with_backend;

/// Declares `$name`, a trait that the engines' own trait `$t` (one each of
/// `wasmi` and `wasmtime` has, under that name) implies for every engine
/// of this build, with a blanket impl: the base of a value trait that is
/// defined once for both engines.
macro_rules! every_engine {
    ($(#[$m:meta])* $name:ident: $t:ident) => {
        $(#[$m])*
        #[cfg(feature = "wasmtime")]
        pub trait $name: ::wasmi::$t + ::wasmtime::$t {}
        #[cfg(feature = "wasmtime")]
        impl<T: ?Sized + ::wasmi::$t + ::wasmtime::$t> $name for T {}
        $(#[$m])*
        #[cfg(not(feature = "wasmtime"))]
        pub trait $name: ::wasmi::$t {}
        #[cfg(not(feature = "wasmtime"))]
        impl<T: ?Sized + ::wasmi::$t> $name for T {}
    };
}
pub(crate) use every_engine;

/// Declares `$name<...>`, a trait that `$on<B, ...>` implies for the
/// [`Backend`](super::Backend) `B` of every engine of this build, with a
/// blanket impl: the base of a host-function trait that is defined once
/// for both engines.
macro_rules! every_backend {
    ($(#[$m:meta])* $name:ident<$($g:ident),*>: $on:ident) => {
        $(#[$m])*
        #[cfg(feature = "wasmtime")]
        pub trait $name<$($g),*>:
            $on<$crate::engine::Wasmi, $($g),*> + $on<$crate::engine::Wasmtime, $($g),*>
        {
        }
        #[cfg(feature = "wasmtime")]
        impl<T, $($g),*> $name<$($g),*> for T where
            T: ?Sized + $on<$crate::engine::Wasmi, $($g),*> + $on<$crate::engine::Wasmtime, $($g),*>
        {
        }
        $(#[$m])*
        #[cfg(not(feature = "wasmtime"))]
        pub trait $name<$($g),*>: $on<$crate::engine::Wasmi, $($g),*> {}
        #[cfg(not(feature = "wasmtime"))]
        impl<T, $($g),*> $name<$($g),*> for T where T: ?Sized + $on<$crate::engine::Wasmi, $($g),*> {}
    };
}
pub(crate) use every_backend;
