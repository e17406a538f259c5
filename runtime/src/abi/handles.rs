//! Host objects lent to a guest as opaque `u32` handles.

use std::any::{type_name, Any};
use std::collections::HashMap;

use super::AbiError;

/// The objects an instance holds handles to.
///
/// Handles are never reused within an instance, so a stale handle is always
/// "unknown", never another object. A handle of the wrong type is rejected
/// by its type, so a guest cannot forge one object as another. Everything
/// left in the table is dropped with the instance.
#[derive(Default)]
pub struct HandleTable {
    objects: HashMap<u32, Entry>,
    next: u32,
}

struct Entry {
    type_name: &'static str,
    value: Box<dyn Any + Send>,
}

impl std::fmt::Debug for HandleTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandleTable")
            .field("open", &self.objects.len())
            .finish()
    }
}

impl HandleTable {
    /// Stores `value` and returns its new handle.
    ///
    /// # Panics
    ///
    /// After 2^32 - 1 handles in one instance; handle 0 is never issued.
    pub fn insert<T: Send + 'static>(&mut self, value: T) -> u32 {
        self.next = self
            .next
            .checked_add(1)
            .expect("gohost: an instance used up all 2^32 handles");
        self.objects.insert(
            self.next,
            Entry {
                type_name: type_name::<T>(),
                value: Box::new(value),
            },
        );
        self.next
    }

    fn entry(&self, handle: u32) -> Result<&Entry, AbiError> {
        self.objects.get(&handle).ok_or_else(|| unknown(handle))
    }

    /// The object behind `handle`, which must be a `T`.
    pub fn get<T: 'static>(&self, handle: u32) -> Result<&T, AbiError> {
        let entry = self.entry(handle)?;
        entry
            .value
            .downcast_ref()
            .ok_or_else(|| wrong_type::<T>(handle, entry.type_name))
    }

    /// The object behind `handle`, mutably.
    pub fn get_mut<T: 'static>(&mut self, handle: u32) -> Result<&mut T, AbiError> {
        let entry = self
            .objects
            .get_mut(&handle)
            .ok_or_else(|| unknown(handle))?;
        let found = entry.type_name;
        entry
            .value
            .downcast_mut()
            .ok_or_else(|| wrong_type::<T>(handle, found))
    }

    /// Removes the object behind `handle` and gives it back; the handle is
    /// closed.
    pub fn take<T: 'static>(&mut self, handle: u32) -> Result<T, AbiError> {
        let found = self.entry(handle)?.type_name;
        if !self.entry(handle)?.value.is::<T>() {
            return Err(wrong_type::<T>(handle, found));
        }
        let entry = self
            .objects
            .remove(&handle)
            .ok_or_else(|| unknown(handle))?;
        entry
            .value
            .downcast()
            .map(|b| *b)
            .map_err(|_| wrong_type::<T>(handle, found))
    }

    /// Puts back an object [`take`](Self::take)n out of the table under its
    /// old handle: an async host function borrows handles for as long as
    /// it is awaited. Handles are never reused, so the number is still free.
    pub fn restore<T: Send + 'static>(&mut self, handle: u32, value: T) {
        self.objects.insert(
            handle,
            Entry {
                type_name: type_name::<T>(),
                value: Box::new(value),
            },
        );
    }

    /// Drops the object behind `handle`; false if there was none.
    pub fn close(&mut self, handle: u32) -> bool {
        self.objects.remove(&handle).is_some()
    }

    /// How many handles are open.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether no handle is open.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

fn unknown(handle: u32) -> AbiError {
    AbiError::new(format!("unknown or closed handle {handle}"))
}

fn wrong_type<T>(handle: u32, found: &str) -> AbiError {
    AbiError::new(format!(
        "handle {handle} is a {}, not a {}",
        short_name(found),
        short_name(type_name::<T>())
    ))
}

fn short_name(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Db(u32);
    struct File;

    #[test]
    fn lifecycle_and_forgery() {
        let mut t = HandleTable::default();
        let db = t.insert(Db(7));
        let file = t.insert(File);
        assert_ne!(db, 0);
        assert_eq!(t.get::<Db>(db).map(|d| d.0), Ok(7));
        assert_eq!(
            t.get::<Db>(file).err().map(|e| e.to_string()),
            Some(format!("handle {file} is a File, not a Db"))
        );
        assert!(t.get::<Db>(999).is_err());
        assert_eq!(t.take::<Db>(db).map(|d| d.0), Ok(7));
        assert_eq!(
            t.get::<Db>(db).err().map(|e| e.to_string()),
            Some(format!("unknown or closed handle {db}"))
        );
        assert!(t.close(file));
        assert!(!t.close(file));
        assert!(t.is_empty());
        // Handles are not reused.
        assert!(t.insert(File) > file);
    }
}
