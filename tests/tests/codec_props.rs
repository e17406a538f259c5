//! Property tests of the codec between Go and Rust: random nested values
//! cross Rust → Go (export arguments) → Rust (host import arguments) → Go
//! (import result) → Rust (export reply), and must come back unchanged.

use std::path::PathBuf;

use gohost::{Caller, Engine, Instance, Linker, Module, Trap, WasiConfig};
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

    /// A unit-only enum: four bytes, part of fixed-size values.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum Level {
        Low,
        Mid,
        High,
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Pos {
        pub x: i32,
        pub y: u64,
        pub z: f32,
    }

    /// A fixed-size record (numbers, booleans, an enum, a nested record):
    /// the Go wrappers keep it in arrays on the stack instead of the
    /// shared frame.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Sample {
        pub on: bool,
        pub level: Level,
        pub at: Pos,
        pub count: i64,
        pub weight: f64,
        pub last: bool,
    }

    #[derive(Debug)]
    pub enum PropsError {
        /// Carries the sample back, to check the typed error's payload.
        Rejected(i64),
    }

    impl std::fmt::Display for PropsError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            // Longer than a Sample, so the payload does not fit the
            // wrapper's array and is fetched from the host.
            write!(
                f,
                "{self:?}: the sample is off, which this host function does not accept"
            )
        }
    }

    /// Gives its argument back: the Go plugin routes every value through it.
    pub fn host_echo(v: Outer) -> Outer {
        v
    }

    /// Changes every field of `v` its own way ([`super::bumped`]), so a
    /// field the Go side wrote or read at another field's offset shows.
    pub fn host_bump(v: Sample) -> Result<Sample, PropsError> {
        if !v.on {
            return Err(PropsError::Rejected(v.count));
        }
        Ok(super::bumped(v))
    }

    /// The level of a sample: a fixed-size argument and an enum result.
    pub fn host_level(v: &Sample) -> Level {
        v.level
    }

    /// Calls the guest's export `grow(depth)` before answering, so the Go
    /// stack that holds this call's arguments grows, and moves, while the
    /// host function runs; the answer depends on every argument.
    pub fn host_visit(
        caller: &mut gohost::Caller<'_, ()>,
        v: Sample,
        label: &str,
        data: &[u8],
        depth: i32,
    ) -> Result<Sample, String> {
        let grown: i32 = caller.call("grow", (depth,)).map_err(|e| e.to_string())?;
        Ok(super::visited(v, label, data, grown))
    }

    extern "Go" {
        /// Returns `v` after a round trip through `host_echo`.
        pub fn echo(v: &Outer) -> Outer;

        /// Returns `host_bump(v)`, with `host_level(v)` as its level when
        /// that agrees, or the host's error as a message.
        pub fn bump(v: &Sample) -> Result<Sample, String>;

        /// Returns `host_level(v)` after setting `v`'s level to the raw
        /// index `level`, which may be out of range, or the host's error as
        /// a message.
        pub fn level_of(v: &Sample, level: u32) -> Result<Level, String>;

        /// Returns `host_visit` of `v`, a label and bytes that the Go side
        /// keeps on its stack, and `depth`.
        pub fn visit(v: &Sample, depth: i32) -> Result<Sample, String>;
    }
}

use props::{Inner, Level, Outer, Pos, Sample, Shape};

/// The label and bytes the Go plugin's `Visit` passes to `host_visit`.
const VISIT_LABEL: &str = "visited";
const VISIT_DATA: [u8; 5] = [1, 2, 3, 4, 5];

/// What `host_visit` answers.
fn visited(v: Sample, label: &str, data: &[u8], grown: i32) -> Sample {
    let sum: i64 = data.iter().map(|&b| i64::from(b)).sum();
    Sample {
        count: v.count + label.len() as i64 * 1000 + sum * 10 + i64::from(grown),
        ..v
    }
}

/// What `host_bump` makes of a sample that is on.
fn bumped(v: Sample) -> Sample {
    Sample {
        on: v.on,
        level: match v.level {
            Level::Low => Level::Mid,
            Level::Mid => Level::High,
            Level::High => Level::Low,
        },
        at: Pos {
            x: v.at.x.wrapping_neg(),
            y: v.at.y.rotate_left(8),
            z: v.at.z * 2.0,
        },
        count: v.count.wrapping_add(1),
        weight: -v.weight,
        last: !v.last,
    }
}

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

fn sample() -> impl Strategy<Value = Sample> {
    (
        any::<bool>(),
        prop_oneof![Just(Level::Low), Just(Level::Mid), Just(Level::High)],
        (any::<i32>(), any::<u64>(), -1e30f32..1e30),
        any::<i64>(),
        -1e300f64..1e300,
        any::<bool>(),
    )
        .prop_map(|(on, level, (x, y, z), count, weight, last)| Sample {
            on,
            level,
            at: Pos { x, y, z },
            count,
            weight,
            last,
        })
}

thread_local! {
    /// One plugin instance per test thread, reused across cases.
    static PLUGIN: std::cell::RefCell<Option<Instance<()>>> = const { std::cell::RefCell::new(None) };
}

fn with_plugin<T>(f: impl FnOnce(&mut Instance<()>) -> T) -> T {
    PLUGIN.with(|p| f(p.borrow_mut().get_or_insert_with(instance)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn values_survive_go_and_rust_in_both_directions(v in outer()) {
        let back = with_plugin(|p| props::exports::echo(p, &v));
        prop_assert_eq!(back.ok(), Some(v));
    }

    #[test]
    fn fixed_size_values_cross_at_their_offsets(v in sample()) {
        let back = with_plugin(|p| props::exports::bump(p, &v)).expect("call bump");
        if v.on {
            prop_assert_eq!(back, Ok(bumped(v)));
        } else {
            let err = back.expect_err("a sample that is off is rejected");
            prop_assert!(
                err.contains(&format!("Rejected({})", v.count))
                    && err.contains("does not accept")
                    && err.contains(&format!("typed: {}", v.count)),
                "unexpected error: {err}"
            );
        }
    }
}

/// How the hand-written host below breaks the ABI in its results.
#[derive(Debug, Clone, Copy)]
enum Rogue {
    /// `host_level` answers with variant index 7 of a 3-variant enum.
    EnumOutOfRange,
    /// `host_bump` answers with 2 for the bool `on`.
    BoolNotZeroOrOne,
    /// `host_bump` answers with one byte less than a `Sample`.
    ShortPayload,
    /// `host_bump` answers with one byte more than a `Sample`, which no
    /// longer fits the wrapper's array and is fetched with `__gohost_take`.
    LongPayload,
}

/// The encoding of `v`, as the generated host glue writes it.
fn sample_bytes(v: &Sample) -> Vec<u8> {
    let mut b = vec![u8::from(v.on)];
    b.extend((v.level as u32).to_le_bytes());
    b.extend(v.at.x.to_le_bytes());
    b.extend(v.at.y.to_le_bytes());
    b.extend(v.at.z.to_le_bytes());
    b.extend(v.count.to_le_bytes());
    b.extend(v.weight.to_le_bytes());
    b.push(u8::from(v.last));
    b
}

/// The props plugin on a host that implements the module's imports by hand
/// and answers `host_level` and `host_bump` as `rogue` says.
fn rogue_instance(rogue: Rogue, sample: Sample) -> Instance<Rogue> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, plugin()).expect("load plugin");
    let mut linker = Linker::<Rogue>::new(&engine);
    let fingerprint = format!("__gohost_abi_{}_{}", props::ABI_VERSION, props::MODEL_HASH);
    linker
        .func_wrap("props", &fingerprint, |_: Caller<'_, Rogue>| Ok(()))
        .expect("define");
    linker
        .func_wrap(
            "props",
            "host_echo",
            |_: Caller<'_, Rogue>, _: i32, _: i32, _: i32, _: i32, _: i32| -> Result<i32, Trap> {
                Err(Trap::new("host_echo is not part of this test"))
            },
        )
        .expect("define");
    linker
        .func_wrap(
            "props",
            "host_visit",
            // v, label and data (pointer and length each), depth, and the
            // return area.
            |_: Caller<'_, Rogue>,
             _: i32,
             _: i32,
             _: i32,
             _: i32,
             _: i32,
             _: i32,
             _: i32,
             _: i32,
             _: i32,
             _: i32|
             -> Result<i32, Trap> {
                Err(Trap::new("host_visit is not part of this test"))
            },
        )
        .expect("define");
    // Writes `payload` as a call's result: in the guest's array when it
    // fits, else only its length (the guest then takes it).
    fn answer(
        caller: &mut Caller<'_, Rogue>,
        payload: &[u8],
        (ptr, cap, len_ptr): (i32, i32, i32),
    ) -> Result<i32, Trap> {
        caller.with_memory(|m, _| {
            let n = payload.len() as u32;
            m.write_u32(len_ptr, n).expect("length");
            if n <= cap as u32 {
                m.write(ptr, payload).expect("payload");
            }
        })?;
        Ok(0)
    }
    let bumped_bytes = move |rogue: Rogue| {
        let mut b = sample_bytes(&bumped(sample));
        match rogue {
            Rogue::BoolNotZeroOrOne => b[0] = 2,
            Rogue::ShortPayload => {
                b.pop();
            }
            Rogue::LongPayload => b.push(0),
            Rogue::EnumOutOfRange => {}
        }
        b
    };
    linker
        .func_wrap(
            "props",
            "host_level",
            move |mut c: Caller<'_, Rogue>, _: i32, _: i32, rp: i32, rc: i32, rl: i32| {
                let index = match *c.data() {
                    Rogue::EnumOutOfRange => 7,
                    _ => sample.level as u32,
                };
                answer(&mut c, &index.to_le_bytes(), (rp, rc, rl))
            },
        )
        .expect("define");
    linker
        .func_wrap(
            "props",
            "host_bump",
            move |mut c: Caller<'_, Rogue>, _: i32, _: i32, rp: i32, rc: i32, rl: i32| {
                let payload = bumped_bytes(*c.data());
                answer(&mut c, &payload, (rp, rc, rl))
            },
        )
        .expect("define");
    linker
        .func_wrap(
            "props",
            "__gohost_take",
            move |mut c: Caller<'_, Rogue>, ptr: i32, n: i32| -> Result<i32, Trap> {
                let payload = bumped_bytes(*c.data());
                if n as usize != payload.len() {
                    return Ok(1);
                }
                c.with_memory(|m, _| m.write(ptr, &payload).map_or(1, |()| 0))
            },
        )
        .expect("define");
    let mut i = linker
        .instantiate(&module, &WasiConfig::new(), rogue)
        .expect("instantiate");
    i.initialize().expect("initialize");
    i
}

#[test]
fn fixed_size_results_that_break_the_abi_are_go_errors() {
    let sample = Sample {
        on: true,
        level: Level::Mid,
        at: Pos { x: 1, y: 2, z: 3.0 },
        count: 4,
        weight: 5.0,
        last: false,
    };
    for (rogue, func, reason) in [
        (
            Rogue::EnumOutOfRange,
            "props.host_level",
            "enum Level has no variant 7",
        ),
        (
            Rogue::BoolNotZeroOrOne,
            "props.host_bump",
            "must be 0 or 1, found 2",
        ),
        (
            Rogue::ShortPayload,
            "props.host_bump",
            "at offset 37 needs 1 bytes, 0 remain",
        ),
        (
            Rogue::LongPayload,
            "props.host_bump",
            "1 trailing bytes after offset 38",
        ),
    ] {
        let mut i = rogue_instance(rogue, sample);
        let reply = props::exports::bump(&mut i, &sample).expect("the export runs");
        let err = reply.expect_err("a broken result is an error");
        assert!(
            err.starts_with(func)
                && err.contains("ABI error: bad result from the host")
                && err.contains(reason),
            "{rogue:?}: {err}"
        );
    }
}

#[test]
fn fixed_size_arguments_that_break_the_abi_are_refused_by_the_host() {
    let sample = Sample {
        on: true,
        level: Level::Low,
        at: Pos { x: 1, y: 2, z: 3.0 },
        count: 4,
        weight: 5.0,
        last: false,
    };
    with_plugin(|p| {
        let ok = props::exports::level_of(p, &sample, 2).expect("call level_of");
        assert_eq!(ok, Ok(Level::High));
        let err = props::exports::level_of(p, &sample, 7)
            .expect("call level_of")
            .expect_err("level 7 does not exist");
        assert!(
            err.starts_with("props.host_level: ABI error:")
                && err.contains("parameter `v`")
                && err.contains("enum Level has no variant 7"),
            "{err}"
        );
        // The instance is still good.
        let back = props::exports::bump(p, &sample).expect("call bump");
        assert_eq!(back, Ok(bumped(sample)));
    });
}

#[test]
fn arguments_on_the_go_stack_survive_a_callback_that_moves_it() {
    let sample = Sample {
        on: true,
        level: Level::Mid,
        at: Pos {
            x: -1,
            y: 2,
            z: 0.5,
        },
        count: 7,
        weight: 1.5,
        last: true,
    };
    let depth = 300;
    // `grow` returns how many of the depths 1..=depth are odd.
    let grown = (depth + 1) / 2;
    with_plugin(|p| {
        for _ in 0..3 {
            let back = props::exports::visit(p, &sample, depth).expect("call visit");
            assert_eq!(
                back,
                Ok(visited(sample, VISIT_LABEL, &VISIT_DATA, grown)),
                "the host read its arguments or wrote its result in the wrong place"
            );
        }
    });
}
