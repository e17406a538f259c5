//! Checks a module's imports against a linker before instantiation, so that
//! a mismatch is reported as a sentence rather than an engine error. Shared
//! by the engine adapters, which describe imports in `crate::engine::sig` terms.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use crate::engine::sig::{Import, ImportKind, Signature};
use crate::error::{BindingDiff, Error};

/// The import name prefix of a generated package's fingerprint import.
const FINGERPRINT_PREFIX: &str = "__gohost_abi_";

/// The prefix of the support imports every generated module has
/// (`__gohost_take`, `__gohost_drop`, the fingerprint), which a guest
/// imports only when it needs them.
const SUPPORT_PREFIX: &str = "__gohost_";

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
    let imports: Vec<Import<'a>> = imports.into_iter().collect();
    if let Some(mismatch) = fingerprint_mismatch(host, &imports) {
        return Err(mismatch);
    }
    // By module, then by name: one entry for an import made twice.
    let mut problems: BTreeMap<&str, BTreeMap<&str, Problem>> = BTreeMap::new();
    for import in &imports {
        let (m, name) = (import.module, import.name);
        let problem = match &import.kind {
            ImportKind::Func(_) if m == WASI_MODULE => continue,
            ImportKind::Func(wanted) => match host.funcs.get(&(m.to_owned(), name.to_owned())) {
                None => Problem::Missing(wanted.clone()),
                Some(have) if have != wanted => Problem::Signature {
                    wanted: wanted.clone(),
                    have: have.clone(),
                },
                Some(_) => continue,
            },
            kind => Problem::NotAFunction(kind.noun()),
        };
        problems.entry(m).or_default().insert(name, problem);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Link(link_message(host, &problems)))
    }
}

/// What is wrong with one import.
#[derive(Debug)]
enum Problem {
    /// The host has no function of that name.
    Missing(Signature),
    /// The host's function has another signature.
    Signature { wanted: Signature, have: Signature },
    /// The guest imports a memory, table, global ... which the host does
    /// not provide.
    NotAFunction(&'static str),
}

/// A header line, then for each module a line and one indented line per
/// import, with the signature the guest expects.
fn link_message(host: &HostFuncs, problems: &BTreeMap<&str, BTreeMap<&str, Problem>>) -> String {
    let count: usize = problems.values().map(BTreeMap::len).sum();
    let mut o = if count == 1 {
        "1 import of the guest does not match the host:".to_owned()
    } else {
        format!("{count} imports of the guest do not match the host:")
    };
    let mut signatures_differ = false;
    for (module, imports) in problems {
        let _ = write!(o, "\n  module `{module}`");
        if !host.funcs.keys().any(|(m, _)| m == module) {
            o.push_str(" (no host module of that name is registered)");
        }
        o.push(':');
        for (name, problem) in imports {
            let _ = match problem {
                Problem::Missing(wanted) => {
                    write!(o, "\n    {name} {wanted}: the host does not provide it")
                }
                Problem::Signature { wanted, have } => {
                    signatures_differ = true;
                    write!(o, "\n    {name} {wanted}: the host provides it as {have}")
                }
                Problem::NotAFunction(noun) => {
                    write!(o, "\n    {name}: a {noun}, which the host does not provide")
                }
            };
        }
    }
    if signatures_differ {
        o.push_str(
            "\nthe guest may be built against other bindings than the host's \
             (`gohost inspect GUEST.wasm --host SRC.rs` compares them)",
        );
    }
    o
}

/// The first registered gohost module whose fingerprint the guest imports
/// with another model hash or ABI version, with what differs.
fn fingerprint_mismatch(host: &HostFuncs, imports: &[Import<'_>]) -> Option<Error> {
    let (module, found_abi, found) = imports.iter().find_map(|i| {
        let (abi, hash) = i.name.strip_prefix(FINGERPRINT_PREFIX)?.split_once('_')?;
        let differs = host.fingerprints.contains_key(i.module)
            && !host
                .funcs
                .contains_key(&(i.module.to_owned(), i.name.to_owned()));
        Some((i.module, abi.parse().ok()?, hash)).filter(|_| differs)
    })?;
    Some(Error::AbiMismatch {
        module: module.to_owned(),
        expected: host.fingerprints.get(module).cloned().unwrap_or_default(),
        found: found.to_owned(),
        found_abi,
        differences: binding_differences(host, module, imports),
    })
}

/// The functions of `module` whose presence or signature differs between
/// the guest's imports and the host's registrations, by name. A host
/// function the guest does not import may be new or merely uncalled: a Go
/// build keeps only the imports the program calls.
fn binding_differences(host: &HostFuncs, module: &str, imports: &[Import<'_>]) -> Vec<BindingDiff> {
    let mut diffs = BTreeMap::new();
    let mut imported = BTreeSet::new();
    for import in imports.iter().filter(|i| i.module == module) {
        let ImportKind::Func(guest) = &import.kind else {
            continue;
        };
        if import.name.starts_with(FINGERPRINT_PREFIX) || !imported.insert(import.name) {
            continue;
        }
        let name = import.name.to_owned();
        let diff = match host.funcs.get(&(module.to_owned(), name.clone())) {
            None => BindingDiff::OnlyInGuest {
                name: name.clone(),
                signature: guest.to_string(),
            },
            Some(have) if have != guest => BindingDiff::Signature {
                name: name.clone(),
                guest: guest.to_string(),
                host: have.to_string(),
            },
            Some(_) => continue,
        };
        diffs.insert(name, diff);
    }
    for ((m, name), have) in &host.funcs {
        if m == module && !name.starts_with(SUPPORT_PREFIX) && !imported.contains(name.as_str()) {
            diffs.insert(
                name.clone(),
                BindingDiff::OnlyInHost {
                    name: name.clone(),
                    signature: have.to_string(),
                },
            );
        }
    }
    diffs.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sig::ValKind;
    use crate::engine::sig::ValKind::{I32, I64};

    fn sig(params: &[ValKind], results: &[ValKind]) -> Signature {
        Signature {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    fn func<'a>(module: &'a str, name: &'a str, s: Signature) -> Import<'a> {
        Import {
            module,
            name,
            kind: ImportKind::Func(s),
        }
    }

    /// A host with the gohost module `shop` (`greet`, `count`, the support
    /// imports and the fingerprint `1_aaaa`) and `env.add`.
    fn shop_host() -> HostFuncs {
        let mut host = HostFuncs::default();
        for (name, s) in [
            ("greet", sig(&[I32, I32], &[I32])),
            ("count", sig(&[I32], &[I32])),
            ("__gohost_take", sig(&[I32, I32], &[I32])),
            ("__gohost_drop", sig(&[I32], &[I32])),
            ("__gohost_abi_1_aaaa", sig(&[], &[])),
        ] {
            host.funcs.insert(("shop".into(), name.into()), s);
        }
        host.funcs
            .insert(("env".into(), "add".into()), sig(&[I32, I32], &[I32]));
        host.fingerprints.insert("shop".into(), "aaaa".into());
        host
    }

    fn link_error(imports: Vec<Import<'_>>) -> String {
        check_imports(&shop_host(), imports)
            .expect_err("does not link")
            .to_string()
    }

    #[test]
    fn imports_that_match_link() {
        let imports = vec![
            func("shop", "__gohost_abi_1_aaaa", sig(&[], &[])),
            func("shop", "greet", sig(&[I32, I32], &[I32])),
            func("wasi_snapshot_preview1", "fd_write", sig(&[I32; 4], &[I32])),
        ];
        check_imports(&shop_host(), imports).expect("links");
    }

    #[test]
    fn missing_imports_are_one_line_each_grouped_by_module() {
        let msg = link_error(vec![
            func("acme", "frobnicate", sig(&[I32, I64], &[I64])),
            func("env", "add", sig(&[I64, I64], &[I64])),
            func("acme", "explode", sig(&[], &[])),
            func("acme", "frobnicate", sig(&[I32, I64], &[I64])),
            func("env", "sub", sig(&[I32, I32], &[I32])),
            Import {
                module: "env",
                name: "table",
                kind: ImportKind::Table,
            },
        ]);
        assert_eq!(
            msg,
            "cannot link guest: 5 imports of the guest do not match the host:
  module `acme` (no host module of that name is registered):
    explode () -> (): the host does not provide it
    frobnicate (i32, i64) -> i64: the host does not provide it
  module `env`:
    add (i64, i64) -> i64: the host provides it as (i32, i32) -> i32
    sub (i32, i32) -> i32: the host does not provide it
    table: a table, which the host does not provide
the guest may be built against other bindings than the host's \
(`gohost inspect GUEST.wasm --host SRC.rs` compares them)"
        );
        let one = link_error(vec![func("acme", "x", sig(&[], &[]))]);
        assert_eq!(
            one,
            "cannot link guest: 1 import of the guest does not match the host:
  module `acme` (no host module of that name is registered):
    x () -> (): the host does not provide it"
        );
    }

    #[test]
    fn a_fingerprint_mismatch_names_what_differs_on_each_side() {
        let msg = link_error(vec![
            func("shop", "__gohost_abi_1_bbbb", sig(&[], &[])),
            func("shop", "count", sig(&[I64], &[I64])),
            func("shop", "farewell", sig(&[I32, I32], &[])),
            func("shop", "__gohost_take", sig(&[I32, I32], &[I32])),
            func("env", "missing", sig(&[], &[])),
        ]);
        assert_eq!(
            msg,
            "cannot link guest: its bindings for host module `shop` are not the host's \
             (the guest's fingerprint is bbbb, the host's aaaa):
  count: (i64) -> i64 in the guest's bindings, (i32) -> i32 in the host's
  farewell (i32, i32) -> (): in the guest's bindings, not in the host's
  greet (i32, i32) -> i32: in the host's bindings; the guest does not import it \
(it is not in the guest's bindings, or the guest does not call it)
rebuild the guest against the host's bindings (`gohost gen`, then `go build`), \
or build the host with the version of `shop` the guest was built against"
        );
    }

    #[test]
    fn a_fingerprint_mismatch_with_the_same_functions_says_so() {
        let msg = link_error(vec![
            func("shop", "__gohost_abi_2_bbbb", sig(&[], &[])),
            func("shop", "count", sig(&[I32], &[I32])),
            func("shop", "greet", sig(&[I32, I32], &[I32])),
        ]);
        assert_eq!(
            msg,
            "cannot link guest: its bindings for host module `shop` are not the host's \
             (the guest's: ABI 2, fingerprint bbbb; the host's: ABI 1, fingerprint aaaa):
  every function the guest imports has the host's signature: what differs is in \
the records or enums they carry, or in the exports
rebuild the guest against the host's bindings (`gohost gen`, then `go build`), \
or build the host with the version of `shop` the guest was built against"
        );
    }
}
