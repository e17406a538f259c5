//! What the wasmtime adapter keeps in an instance's store, beside the
//! shared [`StoreData`](crate::engine::StoreData): nothing; wasmtime
//! keeps fuel, epochs and suspended calls itself.

/// The wasmtime adapter's part of an instance's store data.
#[doc(hidden)]
#[derive(Debug)]
pub struct Extra<S: 'static>(std::marker::PhantomData<fn() -> S>);

impl<S> Default for Extra<S> {
    fn default() -> Self {
        Extra(std::marker::PhantomData)
    }
}
