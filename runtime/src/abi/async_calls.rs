//! The async host calls of an instance in flight: the futures of the
//! generated glue's `async fn`s, pinned per function (`host::async_start`
//! starts and resumes them), and a call left pending until the engine
//! continues it. Part of the ABI state; the engines drive a pending call
//! through [`Pending`].

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::CallCx;
use crate::any_box::AnyBox;
use crate::error::Trap;

/// A host call in progress, as the engine adapters drive it: poll until
/// ready, then finish with the guest's memory. One allocation per call.
pub trait Pending<S, R>: Send {
    /// Polls the future; its output is kept for [`finish`](Self::finish).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Writes the results; only after `poll` returned ready.
    fn finish(self: Pin<&mut Self>, cx: CallCx<'_>, state: &mut S) -> Result<R, Trap>;
}

/// Per-instance state of the async host functions of generated glue.
#[derive(Default)]
pub struct AsyncCalls {
    /// One pinned box per async host function, by the index the linker
    /// gave it (`Linker::async_slot`): each call's future is pinned there
    /// and dropped in place, so a call whose future is ready at once
    /// allocates nothing.
    slots: Vec<Option<Slot>>,
    /// The call left pending (wasmtime), until the guest calls its import
    /// again.
    parked: Option<ParkedStart>,
    /// Whether the epoch callback owes the parked call one wait for its
    /// waker (see [`AsyncCalls::owed_wait`]).
    wait_owed: bool,
    /// The waker every start polls with, made at the first start.
    wake: Option<(Arc<Signal>, Waker)>,
}

/// The future of one async host function: a `Pin<Box<Option<F>>>` of its
/// future type `F`, and the instance's waker (a clone), kept here to be
/// read with it.
struct Slot {
    future: AnyBox<dyn Any + Send>,
    waker: Waker,
}

impl Slot {
    /// The future, if it is a `T`, and the waker to poll it with.
    #[inline(always)]
    fn get_mut<T: Any>(&mut self) -> Option<(&mut T, &Waker)> {
        Some((self.future.get_mut::<T>()?, &self.waker))
    }
}

impl std::fmt::Debug for AsyncCalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncCalls")
            .field("slots", &self.slots.len())
            .field("parked", &self.parked.as_ref().map(|p| p.names))
            .finish_non_exhaustive()
    }
}

impl AsyncCalls {
    /// Whether a call is parked: the next call of an async import of
    /// generated glue continues it ([`resume`]).
    #[inline(always)]
    pub(crate) fn is_parked(&self) -> bool {
        self.parked.is_some()
    }

    /// The pinned future of `slot`, a `T`, and the waker, when a start
    /// can use them at once: no call is parked, and this is not the
    /// function's first start (nor its first since a call was parked).
    #[inline(always)]
    pub(crate) fn ready_slot<T: Any>(&mut self, slot: usize) -> Option<(&mut T, &Waker)> {
        if self.parked.is_some() {
            return None;
        }
        self.slots.get_mut(slot)?.as_mut()?.get_mut::<T>()
    }

    /// Makes `slot` (with `empty`) and the waker, for the first start of a
    /// function, or the first after a call of it was parked.
    pub(crate) fn prepare<T: Any + Send>(&mut self, slot: usize, empty: impl FnOnce() -> T) {
        let (_, waker) = self.wake.get_or_insert_with(|| {
            let signal = Arc::new(Signal::default());
            (signal.clone(), Waker::from(signal))
        });
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        self.slots[slot].get_or_insert_with(|| Slot {
            future: AnyBox::new(empty()),
            waker: waker.clone(),
        });
    }

    /// Parks `call`, the pending call of `names`; the epoch callback then
    /// owes it a wait (wasmtime).
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))]
    pub(crate) fn park<S: 'static, R: 'static>(
        &mut self,
        call: Pin<Box<dyn Pending<S, R>>>,
        names: (&'static str, &'static str),
    ) {
        self.parked = Some(ParkedStart {
            call: Box::new(call),
            names,
        });
        self.wait_owed = true;
    }

    /// What the epoch callback awaits for a call parked since its last
    /// tick: until the parked future's waker is woken. Each park owes one
    /// wait, so that a guest which never calls the import again (which Go
    /// wrappers always do) is not held at every tick after it.
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))]
    pub(crate) fn owed_wait(&mut self) -> Option<Pin<Box<dyn Future<Output = ()> + Send>>> {
        if !std::mem::take(&mut self.wait_owed) || self.parked.is_none() {
            return None;
        }
        let (signal, _) = self.wake.as_ref()?;
        let signal = signal.clone();
        Some(Box::pin(async move { signal.0.notified().await }))
    }

    /// The future of `slot`, a `T`, taken out of it (a call parked: the
    /// next call of the function pins its future in a new one).
    pub(crate) fn take_slot<T: Any>(&mut self, slot: usize) -> Option<T> {
        self.slots
            .get_mut(slot)
            .and_then(Option::take)
            .and_then(|slot| slot.future.into_inner::<T>())
    }

    /// The parked call, taken out to be continued.
    pub(crate) fn take_parked(&mut self) -> Option<ParkedStart> {
        self.parked.take()
    }

    /// The waker every start polls with, once the first start made it.
    pub(crate) fn waker(&self) -> Option<&Waker> {
        self.wake.as_ref().map(|(_, waker)| waker)
    }
}

/// A call whose start found its future pending.
pub(crate) struct ParkedStart {
    /// A `Pin<Box<dyn Pending<S, R>>>`, `R` the function's wasm result.
    pub(crate) call: Box<dyn Any + Send>,
    /// The host function's module and name: only its import continues it.
    pub(crate) names: (&'static str, &'static str),
}

/// What the waker of async starts does: wakes the epoch callback's wait
/// (a permit is kept if none is waiting yet, as `CancelState` does).
#[derive(Default)]
struct Signal(tokio::sync::Notify);

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.0.notify_one();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.notify_one();
    }
}
