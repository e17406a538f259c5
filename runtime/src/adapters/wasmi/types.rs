//! The wasmi adapter's names for its engine's types over gohost's store
//! data.

use crate::engine::StoreData;
use crate::engine::Wasmi;

/// An instance's store data on wasmi.
pub(crate) type Data<S> = StoreData<Wasmi, S>;
/// An instance's store on wasmi.
pub(crate) type Store<S> = wasmi::Store<Data<S>>;
/// wasmi's caller of a host function.
pub(crate) type EngineCaller<'a, S> = wasmi::Caller<'a, Data<S>>;
