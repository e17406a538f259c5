use super::StoreData;
use crate::abi::{CallCx, GuestMemory};
use crate::Trap;

/// The context of one host call: the embedder's state and the calling
/// instance's memory.
pub struct Caller<'a, S> {
    inner: wasmi::Caller<'a, StoreData<S>>,
}

impl<S> std::fmt::Debug for Caller<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller").finish_non_exhaustive()
    }
}

impl<'a, S> Caller<'a, S> {
    #[inline(always)]
    pub(crate) fn new(inner: wasmi::Caller<'a, StoreData<S>>) -> Self {
        Caller { inner }
    }

    /// The embedder's state.
    pub fn data(&self) -> &S {
        &self.inner.data().user
    }

    /// The embedder's state, mutably.
    pub fn data_mut(&mut self) -> &mut S {
        &mut self.inner.data_mut().user
    }

    /// Runs `f` with the guest's memory and the embedder's state.
    pub fn with_memory<R>(
        &mut self,
        f: impl FnOnce(&mut GuestMemory<'_>, &mut S) -> R,
    ) -> Result<R, Trap> {
        let (mut cx, user) = self.__split()?;
        Ok(f(&mut cx.mem, user))
    }

    /// Splits the call into the ABI context (memory, handles) and the
    /// embedder's state. Used by generated glue.
    #[doc(hidden)]
    #[inline]
    pub fn __split(&mut self) -> Result<(CallCx<'_>, &mut S), Trap> {
        let memory = match self.inner.data().memory {
            Some(m) => m,
            None => {
                let m = self
                    .inner
                    .get_export("memory")
                    .and_then(wasmi::Extern::into_memory)
                    .ok_or_else(|| {
                        Trap::new("gohost: the guest exports no memory named `memory`")
                    })?;
                self.inner.data_mut().memory = Some(m);
                m
            }
        };
        let (bytes, data) = memory.data_and_store_mut(&mut self.inner);
        Ok((
            CallCx {
                mem: GuestMemory::new(bytes),
                abi: &mut data.abi,
            },
            &mut data.user,
        ))
    }
}
