//! The wasmtime adapter's names for its engine's types over gohost's
//! store data.

use crate::engine::StoreData;
use crate::engine::Wasmtime;

/// An instance's store data on wasmtime.
pub(crate) type Data<S> = StoreData<Wasmtime, S>;
/// An instance's store on wasmtime.
pub(crate) type Store<S> = wasmtime::Store<Data<S>>;
/// wasmtime's caller of a host function.
pub(crate) type EngineCaller<'a, S> = wasmtime::Caller<'a, Data<S>>;
