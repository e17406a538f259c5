//! The exports an instance has called, resolved once: by name through a
//! small hash table, and by [`ExportId`] through an index.

use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::export_id::ExportId;
use crate::any_box::AnyBox;
use crate::engine::values::{WasmParams, WasmResults};
use crate::engine::Backend;
use crate::error::Error;

/// An export a top-level call names: by name, or by the id of a
/// generated client.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    Name(&'a str),
    Id(&'a ExportId),
}

impl<'a> Target<'a> {
    /// The export's name.
    #[inline(always)]
    pub(crate) fn name(self) -> &'a str {
        match self {
            Target::Name(name) => name,
            Target::Id(id) => id.name(),
        }
    }
}

/// The exports called so far, resolved by name once, each with the typed
/// function last made from it, so that calling it again checks its
/// signature no more than its name.
pub(crate) struct Exports<B: Backend> {
    index: HashMap<Box<str>, usize, BuildHasherDefault<Fnv1a>>,
    exports: Vec<Export<B>>,
    /// For each [`ExportId`] index: the export's position in `exports`
    /// plus one, 0 until that id is first called on this instance.
    by_id: Vec<u32>,
}

struct Export<B: Backend> {
    func: B::Func,
    typed: Option<AnyBox<dyn Any + Send + Sync>>,
}

impl<B: Backend> Default for Exports<B> {
    fn default() -> Self {
        Exports {
            index: HashMap::default(),
            exports: Vec::new(),
            by_id: Vec::new(),
        }
    }
}

impl<B: Backend> Exports<B> {
    /// The export `target` of `instance` as a function taking `P` and
    /// returning `R`.
    #[inline]
    pub(crate) fn typed<S, P: WasmParams, R: WasmResults>(
        &mut self,
        instance: B::Instance,
        store: &mut B::Store<S>,
        target: Target<'_>,
    ) -> Result<&B::TypedFunc<P, R>, Error> {
        let i = match target {
            Target::Name(name) => self.position::<S>(instance, store, name)?,
            Target::Id(id) => {
                let k = id.index();
                match self.by_id.get(k) {
                    Some(&i) if i != 0 => i as usize - 1,
                    _ => self.resolve_id::<S>(instance, store, id, k)?,
                }
            }
        };
        self.typed_at::<S, P, R>(store, i, target.name())
    }

    /// Finds the export of `id` by name, once per instance.
    #[cold]
    #[inline(never)]
    fn resolve_id<S>(
        &mut self,
        instance: B::Instance,
        store: &mut B::Store<S>,
        id: &ExportId,
        k: usize,
    ) -> Result<usize, Error> {
        let i = self.position::<S>(instance, store, id.name())?;
        if self.by_id.len() <= k {
            self.by_id.resize(k + 1, 0);
        }
        // Positions are below the number of exports, which fits a u32.
        self.by_id[k] = u32::try_from(i + 1).unwrap_or(0);
        Ok(i)
    }

    /// The position of the export `name` in `exports`, resolved once.
    fn position<S>(
        &mut self,
        instance: B::Instance,
        store: &mut B::Store<S>,
        name: &str,
    ) -> Result<usize, Error> {
        if let Some(&i) = self.index.get(name) {
            return Ok(i);
        }
        let func = B::func(store, instance, name).ok_or_else(|| Error::MissingExport {
            name: name.to_owned(),
            expected: "a function".into(),
        })?;
        self.exports.push(Export { func, typed: None });
        self.index.insert(name.into(), self.exports.len() - 1);
        Ok(self.exports.len() - 1)
    }

    /// The export at `i` as a function taking `P` and returning `R`, made
    /// (and its signature checked) once for those types.
    #[inline]
    fn typed_at<S, P: WasmParams, R: WasmResults>(
        &mut self,
        store: &B::Store<S>,
        i: usize,
        name: &str,
    ) -> Result<&B::TypedFunc<P, R>, Error> {
        let export = &mut self.exports[i];
        let cached = export
            .typed
            .as_ref()
            .is_some_and(|t| t.get::<B::TypedFunc<P, R>>().is_some());
        if !cached {
            // The first call of this export, or with other types.
            let typed =
                B::typed::<S, P, R>(store, export.func).map_err(|found| Error::ExportType {
                    name: name.to_owned(),
                    found: found.to_string(),
                })?;
            export.typed = Some(AnyBox::new_sync(typed));
        }
        Ok(export
            .typed
            .as_ref()
            .and_then(|t| t.get())
            .expect("the typed function was just checked or stored"))
    }
}

/// FNV-1a, for the export table: its keys are short names the host asks
/// for (not chosen by the guest), so a fast hash does better than SipHash,
/// whose resistance to crafted keys is not needed.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
