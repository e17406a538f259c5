//! What the wasmi adapter keeps in an instance's store, beside the shared
//! [`StoreData`](crate::engine::StoreData).

use std::task::Waker;

use super::suspend::Parked;

/// The wasmi adapter's part of an instance's store data.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // holds a parked host call
pub struct Extra<S: 'static> {
    /// Fuel of the running call's budget not yet given to the engine: with
    /// a deadline, a call runs in slices of fuel (see `call`).
    pub(crate) fuel_reserve: u64,
    /// The waker of the async call being polled, for async host functions
    /// to poll their futures with; `None` outside a poll (see `call::step`).
    pub(crate) waker: Option<Waker>,
    /// The async host call the running call waits for (see `suspend`).
    pub(crate) parked: Option<Box<dyn Parked<S>>>,
}

impl<S> Default for Extra<S> {
    fn default() -> Self {
        Extra {
            fuel_reserve: 0,
            waker: None,
            parked: None,
        }
    }
}
