//! Bindings drift: a guest built against one version of a host module and
//! linked against another is refused at link time with the functions that
//! differ, in both directions, and without presuming which side is stale.
//! Both guests are built with the real Go toolchain from the Go packages
//! the macro generates for the two versions below.

mod common;

use std::sync::OnceLock;

use gohost::{BindingDiff, Engine, Error, Linker, Module, WasiConfig};

/// The first version of the module.
mod v1 {
    #[gohost::host_module(name = "shop")]
    pub mod shop {
        /// A greeting.
        pub fn greet(name: &str) -> String {
            format!("Hello, {name}!")
        }

        /// The count after `n` more.
        pub fn count(n: i32) -> i32 {
            n.saturating_add(1)
        }
    }
}

/// The second: `count` takes and returns `i64`, `farewell` is new.
mod v2 {
    #[gohost::host_module(name = "shop")]
    pub mod shop {
        /// A greeting.
        pub fn greet(name: &str) -> String {
            format!("Hello, {name}!")
        }

        /// The count after `n` more.
        pub fn count(n: i64) -> i64 {
            n.saturating_add(1)
        }

        /// A goodbye.
        pub fn farewell(name: &str) -> String {
            format!("Goodbye, {name}!")
        }
    }
}

/// The guest built against `v1` and the one built against `v2` (built once
/// per test process).
fn guests(engine: &Engine) -> (Module, Module) {
    static WASM: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (older, newer) = WASM.get_or_init(|| {
        let build = |files, main_go| {
            common::build_generated("shop", files, main_go, gohost_build::BuildMode::Command)
        };
        (
            build(v1::shop::GO_FILES, "tests/drift/older/main.go"),
            build(v2::shop::GO_FILES, "tests/drift/newer/main.go"),
        )
    });
    let load = |wasm: &[u8]| Module::from_bytes(engine, wasm).expect("a valid module");
    (load(older), load(newer))
}

fn v1_host(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::new(engine);
    v1::shop::add_to_linker(&mut linker).expect("register v1");
    linker
}

fn v2_host(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::new(engine);
    v2::shop::add_to_linker(&mut linker).expect("register v2");
    linker
}

/// The error of linking `module` with `linker`, and its message.
fn refusal(linker: &Linker<()>, module: &Module) -> (Error, String) {
    let err = linker
        .instantiate(module, &WasiConfig::new(), ())
        .expect_err("the link is refused");
    let msg = err.to_string();
    (err, msg)
}

/// The message's line about `name`, without its indentation.
fn line<'m>(msg: &'m str, name: &str) -> &'m str {
    msg.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(&format!("{name} ")) || l.starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no line about `{name}` in:\n{msg}"))
}

#[test]
fn each_guest_runs_on_the_host_it_was_built_for() {
    let engine = Engine::default();
    let (older, newer) = guests(&engine);
    for (linker, module) in [(v1_host(&engine), older), (v2_host(&engine), newer)] {
        let mut instance = linker
            .instantiate(&module, &WasiConfig::new(), ())
            .expect("the matching host links");
        assert_eq!(instance.run().expect("runs"), 0);
    }
}

#[test]
fn a_guest_newer_than_the_host_is_refused_naming_the_functions() {
    let engine = Engine::default();
    let (_, newer) = guests(&engine);
    let (err, msg) = refusal(&v1_host(&engine), &newer);
    let first = msg.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!(
            "cannot link guest: its bindings for host module `shop` are not the host's \
             (the guest's fingerprint is {}, the host's {}):",
            v2::shop::MODEL_HASH,
            v1::shop::MODEL_HASH
        )
    );
    assert_eq!(
        line(&msg, "count"),
        "count: (i64) -> i64 in the guest's bindings, (i32) -> i32 in the host's"
    );
    assert!(
        line(&msg, "farewell").ends_with(": in the guest's bindings, not in the host's"),
        "{msg}"
    );
    assert!(!msg.contains("greet"), "greet is the same on both: {msg}");
    assert_both_remedies(&msg);
    let Error::AbiMismatch {
        module,
        differences,
        ..
    } = err
    else {
        panic!("not an ABI mismatch: {err:?}");
    };
    assert_eq!(module, "shop");
    let named: Vec<&str> = differences.iter().map(BindingDiff::name).collect();
    assert_eq!(named, ["count", "farewell"]);
    assert!(matches!(&differences[1], BindingDiff::OnlyInGuest { .. }));
}

#[test]
fn a_guest_older_than_the_host_is_refused_naming_the_functions() {
    let engine = Engine::default();
    let (older, _) = guests(&engine);
    let (err, msg) = refusal(&v2_host(&engine), &older);
    assert!(
        msg.starts_with(
            "cannot link guest: its bindings for host module `shop` are not the host's "
        ),
        "{msg}"
    );
    assert_eq!(
        line(&msg, "count"),
        "count: (i32) -> i32 in the guest's bindings, (i64) -> i64 in the host's"
    );
    assert!(
        line(&msg, "farewell").ends_with(
            ": in the host's bindings; the guest does not import it \
             (it is not in the guest's bindings, or the guest does not call it)"
        ),
        "{msg}"
    );
    assert_both_remedies(&msg);
    let Error::AbiMismatch { differences, .. } = err else {
        panic!("not an ABI mismatch: {err:?}");
    };
    assert!(matches!(&differences[1], BindingDiff::OnlyInHost { name, .. } if name == "farewell"));
}

/// The last line offers both remedies: neither side is assumed stale.
fn assert_both_remedies(msg: &str) {
    assert_eq!(
        msg.lines().last(),
        Some(
            "rebuild the guest against the host's bindings (`gohost gen`, then `go build`), \
             or build the host with the version of `shop` the guest was built against"
        ),
        "{msg}"
    );
}
