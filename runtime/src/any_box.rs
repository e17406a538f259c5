//! A type-erased box that checks its type without a virtual call.

use std::any::{Any, TypeId};

/// A `Box<dyn Any + ..>` that keeps its value's [`TypeId`] beside it, for
/// the lookups made on every call (an export's typed function, an async
/// host function's future slot).
///
/// `<dyn Any>::downcast_ref` asks the vtable for the value's `TypeId`,
/// which comes back through memory in two stores; the 16-byte load that
/// compares it then waits for both (a failed store-to-load forwarding,
/// some 12 cycles a call). Here the id is read from where it was stored
/// once, at [`AnyBox::new`].
pub(crate) struct AnyBox<T: ?Sized> {
    /// The type id of the value `value` points to.
    type_id: TypeId,
    value: Box<T>,
}

impl AnyBox<dyn Any + Send> {
    pub(crate) fn new<U: Any + Send>(value: U) -> Self {
        AnyBox {
            type_id: TypeId::of::<U>(),
            value: Box::new(value),
        }
    }

    /// The value, moved out, if it is a `U`.
    pub(crate) fn into_inner<U: Any>(self) -> Option<U> {
        self.value.downcast::<U>().ok().map(|b| *b)
    }
}

impl AnyBox<dyn Any + Send + Sync> {
    pub(crate) fn new_sync<U: Any + Send + Sync>(value: U) -> Self {
        AnyBox {
            type_id: TypeId::of::<U>(),
            value: Box::new(value),
        }
    }
}

impl<T: ?Sized> AnyBox<T> {
    /// The value, if it is a `U`.
    #[inline(always)]
    pub(crate) fn get<U: Any>(&self) -> Option<&U> {
        if self.type_id != TypeId::of::<U>() {
            return None;
        }
        let value: *const T = &*self.value;
        // SAFETY: `type_id` is the type id of the value `value` points to
        // (the constructors are the only writers of both fields), and it
        // is `U`'s: this is `<dyn Any>::downcast_ref`, checked against the
        // stored id.
        Some(unsafe { &*value.cast::<U>() })
    }

    /// The value, if it is a `U`.
    #[inline(always)]
    pub(crate) fn get_mut<U: Any>(&mut self) -> Option<&mut U> {
        if self.type_id != TypeId::of::<U>() {
            return None;
        }
        let value: *mut T = &mut *self.value;
        // SAFETY: as in `get`; the pointer comes from a unique borrow.
        Some(unsafe { &mut *value.cast::<U>() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_found_as_its_own_type_only() {
        let mut b = AnyBox::new(7_u32);
        assert_eq!(b.get::<u32>(), Some(&7));
        assert_eq!(b.get::<i32>(), None);
        *b.get_mut::<u32>().expect("a u32") += 1;
        assert_eq!(b.get_mut::<u64>(), None);
        assert_eq!(b.into_inner::<u32>(), Some(8));

        let s = AnyBox::new_sync(String::from("typed"));
        assert_eq!(s.get::<String>().map(String::as_str), Some("typed"));
        assert!(s.get::<&str>().is_none());
    }
}
