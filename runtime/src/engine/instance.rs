use super::StoreData;
use crate::Error;

/// A running guest: its memory, WASI context and the embedder's state.
///
/// After a trap or `proc_exit` a Go guest cannot be resumed; calls on a
/// spent instance fail with a clear error instead of misbehaving.
pub struct Instance<S> {
    store: wasmi::Store<StoreData<S>>,
    inner: wasmi::Instance,
    spent: Option<String>,
}

impl<S> std::fmt::Debug for Instance<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("spent", &self.spent)
            .finish_non_exhaustive()
    }
}

impl<S> Instance<S> {
    pub(crate) fn new(store: wasmi::Store<StoreData<S>>, inner: wasmi::Instance) -> Self {
        Instance {
            store,
            inner,
            spent: None,
        }
    }

    /// Runs the program (its `_start` export) and returns its exit code:
    /// 0 when `_start` returns, `n` when it calls `proc_exit(n)` (Go's
    /// `os.Exit(n)`). A trap is an error.
    pub fn run(&mut self) -> Result<i32, Error> {
        if let Some(why) = &self.spent {
            return Err(Error::Engine(format!(
                "the instance cannot run again: {why}"
            )));
        }
        let start = self
            .inner
            .get_typed_func::<(), ()>(&self.store, "_start")
            .map_err(|_| Error::MissingExport {
                name: "_start".into(),
                expected: "() -> ()".into(),
            })?;
        let result = start.call(&mut self.store, ());
        match result {
            Ok(()) => {
                self.spent = Some("the program already ran".into());
                Ok(0)
            }
            Err(e) => match e.i32_exit_status() {
                Some(code) => {
                    self.spent = Some(format!("the program exited with code {code}"));
                    Ok(code)
                }
                None => {
                    let err = super::call_error(e);
                    self.spent = Some(err.to_string());
                    Err(err)
                }
            },
        }
    }

    /// The embedder's state.
    pub fn state(&self) -> &S {
        &self.store.data().user
    }

    /// The embedder's state, mutably.
    pub fn state_mut(&mut self) -> &mut S {
        &mut self.store.data_mut().user
    }

    /// Ends the instance and gives back the embedder's state.
    pub fn into_state(self) -> S {
        self.store.into_data().user
    }

    /// How many host-object handles the guest holds open.
    pub fn open_handles(&self) -> usize {
        self.store.data().abi.handles.len()
    }
}
