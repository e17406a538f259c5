//! Checks a module's imports against a linker before instantiation, so that
//! a mismatch is reported as a sentence rather than an engine error.

use super::{Linker, Module};
use crate::Error;

/// The import name prefix of a generated package's fingerprint import.
const FINGERPRINT_PREFIX: &str = "__gohost_abi_";

/// WASI's imports are resolved by the engine's linker itself.
const WASI_MODULE: &str = "wasi_snapshot_preview1";

pub(super) fn check_imports<S: Send + 'static>(
    linker: &Linker<S>,
    module: &Module,
) -> Result<(), Error> {
    let mut problems = Vec::new();
    for import in module.inner.imports() {
        let (m, name) = (import.module(), import.name());
        if let (Some(found), Some(expected)) = (
            name.strip_prefix(FINGERPRINT_PREFIX),
            linker.fingerprints.get(m),
        ) {
            let ours = linker
                .host_funcs
                .contains_key(&(m.to_owned(), name.to_owned()));
            if !ours {
                let found = found.rsplit('_').next().unwrap_or(found);
                return Err(Error::AbiMismatch {
                    module: m.to_owned(),
                    expected: expected.clone(),
                    found: found.to_owned(),
                });
            }
        }
        let wasmi::ExternType::Func(wanted) = import.ty() else {
            problems.push(format!(
                "the guest imports `{m}.{name}` as a {}, which the host does not provide",
                kind(import.ty())
            ));
            continue;
        };
        if m == WASI_MODULE {
            continue;
        }
        match linker.host_funcs.get(&(m.to_owned(), name.to_owned())) {
            None => {
                let mut p = format!(
                    "the guest imports function `{m}.{name}` with signature {}, which the host does not provide",
                    signature(wanted)
                );
                if !linker.host_funcs.keys().any(|(hm, _)| hm == m) {
                    p.push_str(&format!(" (no host module named `{m}` is registered)"));
                }
                problems.push(p);
            }
            Some(have) if have != wanted => problems.push(format!(
                "`{m}.{name}`: the guest expects signature {}, the host provides {}; \
                 the guest may be built against stale bindings",
                signature(wanted),
                signature(have)
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

fn kind(ty: &wasmi::ExternType) -> &'static str {
    match ty {
        wasmi::ExternType::Func(_) => "function",
        wasmi::ExternType::Memory(_) => "memory",
        wasmi::ExternType::Table(_) => "table",
        wasmi::ExternType::Global(_) => "global",
    }
}

/// `(i32, i32) -> i32`, the way the WebAssembly text format names types.
pub(crate) fn signature(ty: &wasmi::FuncType) -> String {
    let list = |tys: &[wasmi::ValType]| {
        tys.iter()
            .map(|t| format!("{t:?}").to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let results = match ty.results() {
        [] => "()".to_owned(),
        [one] => list(std::slice::from_ref(one)),
        many => format!("({})", list(many)),
    };
    format!("({}) -> {results}", list(ty.params()))
}
