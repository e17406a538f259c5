//! Property tests of the codec between Go and Rust: random nested values
//! cross Rust → Go (export arguments) → Rust (host import arguments) → Go
//! (import result) → Rust (export reply), and must come back unchanged.

use std::path::PathBuf;

use gohost::{Engine, Instance, Linker, Module, WasiConfig};
use proptest::prelude::*;

/// Values of every shape the codec knows, nested.
#[gohost::host_module(name = "props", go_package = "props", go_out = "guests/props/props")]
pub mod props {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Inner {
        pub flag: bool,
        pub small: u32,
        pub big: i64,
        pub ratio: f64,
        pub label: String,
        pub blob: Vec<u8>,
    }

    #[derive(Debug, Clone, PartialEq)]
    pub enum Shape {
        Dot,
        Circle { r: f32 },
        Named(String, u64),
    }

    #[derive(Debug, Clone, PartialEq)]
    pub struct Outer {
        pub inner: Inner,
        pub maybe: Option<Inner>,
        pub items: Vec<Inner>,
        pub shapes: Vec<Shape>,
        pub tags: Vec<String>,
        pub nested: Vec<Vec<i32>>,
        pub note: Option<String>,
        pub unsigned: u64,
    }

    /// Gives its argument back: the Go plugin routes every value through it.
    pub fn host_echo(v: Outer) -> Outer {
        v
    }

    extern "Go" {
        /// Returns `v` after a round trip through `host_echo`.
        pub fn echo(v: &Outer) -> Outer;
    }
}

use props::{Inner, Outer, Shape};

fn plugin() -> PathBuf {
    gohost_tests::build_plugin("props")
}

fn instance() -> Instance<()> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, plugin()).expect("load plugin");
    let mut linker = Linker::<()>::new(&engine);
    props::add_to_linker(&mut linker).expect("link props");
    let mut i = linker
        .instantiate(&module, &WasiConfig::new(), ())
        .expect("instantiate");
    i.initialize().expect("initialize");
    i
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), ".{0,40}", "[ -~]{0,8}"]
}

fn inner() -> impl Strategy<Value = Inner> {
    (
        any::<bool>(),
        any::<u32>(),
        any::<i64>(),
        -1e300f64..1e300,
        text(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(flag, small, big, ratio, label, blob)| Inner {
            flag,
            small,
            big,
            ratio,
            label,
            blob,
        })
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Dot),
        (-1e30f32..1e30).prop_map(|r| Shape::Circle { r }),
        (text(), any::<u64>()).prop_map(|(s, n)| Shape::Named(s, n)),
    ]
}

fn outer() -> impl Strategy<Value = Outer> {
    (
        inner(),
        prop::option::of(inner()),
        prop::collection::vec(inner(), 0..4),
        prop::collection::vec(shape(), 0..6),
        prop::collection::vec(text(), 0..5),
        prop::collection::vec(prop::collection::vec(any::<i32>(), 0..5), 0..4),
        prop::option::of(text()),
        any::<u64>(),
    )
        .prop_map(
            |(inner, maybe, items, shapes, tags, nested, note, unsigned)| Outer {
                inner,
                maybe,
                items,
                shapes,
                tags,
                nested,
                note,
                unsigned,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn values_survive_go_and_rust_in_both_directions(v in outer()) {
        thread_local! {
            static PLUGIN: std::cell::RefCell<Option<Instance<()>>> = const { std::cell::RefCell::new(None) };
        }
        let back = PLUGIN.with(|p| {
            let mut p = p.borrow_mut();
            props::exports::echo(p.get_or_insert_with(instance), &v)
        });
        prop_assert_eq!(back.ok(), Some(v));
    }
}
