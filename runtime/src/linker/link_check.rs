//! Checks a module's imports against a linker before instantiation, so that
//! a mismatch is reported as a sentence rather than an engine error. Shared
//! by the engine adapters, which describe imports in [`super::sig`] terms.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::engine::sig::{Import, ImportKind, Signature};
use crate::error::Error;

/// The import name prefix of a generated package's fingerprint import.
const FINGERPRINT_PREFIX: &str = "__gohost_abi_";

/// WASI's imports are resolved by the engine's linker itself.
const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// What a linker provides besides WASI: the signatures of the functions
/// registered with `func_wrap`, and the model fingerprints of the registered
/// gohost modules, by module name.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostFuncs {
    pub(crate) funcs: HashMap<(String, String), Signature>,
    pub(crate) fingerprints: BTreeMap<String, String>,
    /// The functions registered with `func_wrap_async`.
    pub(crate) asynchronous: HashSet<(String, String)>,
}

pub(crate) fn check_imports<'a>(
    host: &HostFuncs,
    imports: impl IntoIterator<Item = Import<'a>>,
) -> Result<(), Error> {
    let mut problems = Vec::new();
    for import in imports {
        let (m, name) = (import.module, import.name);
        if let (Some(found), Some(expected)) = (
            name.strip_prefix(FINGERPRINT_PREFIX),
            host.fingerprints.get(m),
        ) {
            let ours = host.funcs.contains_key(&(m.to_owned(), name.to_owned()));
            if !ours {
                let found = found.rsplit('_').next().unwrap_or(found);
                return Err(Error::AbiMismatch {
                    module: m.to_owned(),
                    expected: expected.clone(),
                    found: found.to_owned(),
                });
            }
        }
        let ImportKind::Func(wanted) = &import.kind else {
            problems.push(format!(
                "the guest imports `{m}.{name}` as a {}, which the host does not provide",
                import.kind.noun()
            ));
            continue;
        };
        if m == WASI_MODULE {
            continue;
        }
        match host.funcs.get(&(m.to_owned(), name.to_owned())) {
            None => {
                let mut p = format!(
                    "the guest imports function `{m}.{name}` with signature {wanted}, which the host does not provide",
                );
                if !host.funcs.keys().any(|(hm, _)| hm == m) {
                    p.push_str(&format!(" (no host module named `{m}` is registered)"));
                }
                problems.push(p);
            }
            Some(have) if have != wanted => problems.push(format!(
                "`{m}.{name}`: the guest expects signature {wanted}, the host provides {have}; \
                 the guest may be built against stale bindings",
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Link(problems.join("; ")))
    }
}
