//! The wasmi engine's side of a host call, for the adapter's own host
//! functions (its WASI): the store data and memory behind a [`Caller`].

use super::types::Data;
use crate::engine::Wasmi;
use crate::error::Trap;
use crate::host::Caller;

/// The store data of a host call on wasmi.
pub(crate) fn data_of<'c, S>(caller: &'c mut Caller<'_, S>) -> Result<&'c mut Data<S>, Trap> {
    caller
        .engine::<Wasmi>()
        .map(|c| c.data_mut())
        .ok_or_else(not_wasmi)
}

/// The guest's memory and the store data of a host call on wasmi.
pub(crate) fn memory_and_data_of<'c, S>(
    caller: &'c mut Caller<'_, S>,
) -> Result<(&'c mut [u8], &'c mut Data<S>), Trap> {
    let caller = caller.engine::<Wasmi>().ok_or_else(not_wasmi)?;
    crate::host::memory_and_data::<Wasmi, S>(caller)
}

/// The trap of a host call that reached the wasmi adapter without wasmi's
/// caller, which cannot happen: the adapter made the caller.
#[cold]
pub(crate) fn not_wasmi() -> Trap {
    Trap::new("gohost: a wasmi host call without wasmi's caller")
}
