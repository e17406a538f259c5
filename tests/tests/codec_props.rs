//! Property tests of the codec between Go and Rust: random nested values
//! cross Rust → Go (export arguments) → Rust (host import arguments) → Go
//! (import result) → Rust (export reply), and must come back unchanged.

use std::path::PathBuf;

use gohost::{Caller, Engine, Instance, Linker, Module, Trap, WasiConfig};
use proptest::prelude::*;

/// Values of every shape the codec knows, nested.
#[gohost::host_module(name = "props", go_package = "props", go_out = "guests/props/props")]
pub mod props {
    use std::collections::{BTreeMap, HashMap};
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
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// The narrow numbers, `usize`, `char` and arrays: fixed-size, so the
    /// Go wrappers keep it on the stack.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Narrow {
        pub a: u8,
        pub b: i8,
        pub c: u16,
        pub d: i16,
        pub size: usize,
        pub offset: isize,
        pub letter: char,
        pub hash: [u8; 32],
        pub grid: [[i16; 2]; 3],
        pub levels: [Level; 2],
    }

    /// Maps of every key kind, arrays of encoded values, and the new
    /// scalars inside lists and options.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Wide {
        pub narrow: Narrow,
        pub by_name: HashMap<String, Vec<u8>>,
        pub by_level: BTreeMap<Level, Option<char>>,
        pub by_small: HashMap<i16, [String; 2]>,
        pub flags: BTreeMap<bool, usize>,
        pub keyed: std::collections::HashMap<char, Narrow>,
        pub nested: BTreeMap<u64, HashMap<u8, i8>>,
        pub letters: Vec<char>,
        pub maybe: Option<[u8; 4]>,
        pub sizes: Vec<isize>,
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

    /// Gives its argument back, encoded both ways.
    pub fn host_echo_wide(v: Wide) -> Wide {
        v
    }

    /// Gives its argument back, in place both ways.
    pub fn host_narrow(v: Narrow) -> Narrow {
        v
    }

    /// The number of pairs; a map from the guest with a repeated key never
    /// gets here.
    pub fn host_count(m: HashMap<u32, u32>) -> u32 {
        m.len() as u32
    }

    // Each direct scalar, widened to a wasm i32 or i64, there and back.
    pub fn host_u8(v: u8) -> u8 {
        v
    }
    pub fn host_i8(v: i8) -> i8 {
        v
    }
    pub fn host_u16(v: u16) -> u16 {
        v
    }
    pub fn host_i16(v: i16) -> i16 {
        v
    }
    pub fn host_usize(v: usize) -> usize {
        v
    }
    pub fn host_isize(v: isize) -> isize {
        v
    }

    /// A char is checked (a Go rune may be no Unicode scalar value), so
    /// this one can fail; `n` shows a u8 out of range from a forged call
    /// is an ABI error when the function has a way to report one.
    pub fn host_char(c: char, n: u8) -> char {
        let _ = n;
        c
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

        /// Returns `v` after a round trip through `host_echo_wide`.
        pub fn echo_wide(v: &Wide) -> Result<Wide, String>;

        /// Rebuilds `v` from `host_narrow(v)` and each field through its
        /// own direct host function (`host_u8`...).
        pub fn narrow(v: Narrow) -> Result<Narrow, String>;

        /// `host_count(m)`.
        pub fn count(m: HashMap<u32, u32>) -> Result<u32, String>;

        /// Breaks the ABI the way `how` says, from Go (see the test), and
        /// returns the error the host answered.
        pub fn forge(how: u32) -> String;
    }
}

use std::collections::{BTreeMap, HashMap};

use props::{Inner, Level, Narrow, Outer, Pos, Sample, Shape, Wide};

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

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![Just(Level::Low), Just(Level::Mid), Just(Level::High)]
}

fn narrow() -> impl Strategy<Value = Narrow> {
    (
        (any::<u8>(), any::<i8>(), any::<u16>(), any::<i16>()),
        (any::<usize>(), any::<isize>(), any::<char>()),
        any::<[u8; 32]>(),
        any::<[[i16; 2]; 3]>(),
        [level(), level()],
    )
        .prop_map(
            |((a, b, c, d), (size, offset, letter), hash, grid, levels)| Narrow {
                a,
                b,
                c,
                d,
                size,
                offset,
                letter,
                hash,
                grid,
                levels,
            },
        )
}

fn wide() -> impl Strategy<Value = Wide> {
    use prop::collection::{btree_map, hash_map, vec};
    (
        narrow(),
        hash_map(text(), vec(any::<u8>(), 0..8), 0..4),
        btree_map(level(), prop::option::of(any::<char>()), 0..3),
        hash_map(any::<i16>(), [text(), text()], 0..4),
        btree_map(any::<bool>(), any::<usize>(), 0..2),
        hash_map(any::<char>(), narrow(), 0..3),
        btree_map(any::<u64>(), hash_map(any::<u8>(), any::<i8>(), 0..4), 0..3),
        vec(any::<char>(), 0..6),
        prop::option::of(any::<[u8; 4]>()),
        vec(any::<isize>(), 0..4),
    )
        .prop_map(
            |(narrow, by_name, by_level, by_small, flags, keyed, nested, letters, maybe, sizes)| {
                Wide {
                    narrow,
                    by_name,
                    by_level,
                    by_small,
                    flags,
                    keyed,
                    nested,
                    letters,
                    maybe,
                    sizes,
                }
            },
        )
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
    fn narrow_numbers_chars_and_arrays_cross_in_place_and_directly(v in narrow()) {
        let back = with_plugin(|p| props::exports::narrow(p, v)).expect("call narrow");
        prop_assert_eq!(back, Ok(v));
    }

    #[test]
    fn maps_and_arrays_survive_go_and_rust_in_both_directions(v in wide()) {
        let back = with_plugin(|p| props::exports::echo_wide(p, &v)).expect("call echo_wide");
        prop_assert_eq!(back, Ok(v));
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
    // The other imports are not part of this test.
    fn absent(name: &str) -> Trap {
        Trap::new(format!("{name} is not part of this test"))
    }
    for name in ["host_echo_wide", "host_narrow"] {
        linker
            .func_wrap(
                "props",
                name,
                move |_: Caller<'_, Rogue>,
                      _: i32,
                      _: i32,
                      _: i32,
                      _: i32,
                      _: i32|
                      -> Result<i32, Trap> { Err(absent(name)) },
            )
            .expect("define");
    }
    for name in ["host_count", "host_char"] {
        linker
            .func_wrap(
                "props",
                name,
                move |_: Caller<'_, Rogue>, _: i32, _: i32, _: i32| -> Result<i32, Trap> {
                    Err(absent(name))
                },
            )
            .expect("define");
    }
    for name in ["host_u8", "host_i8", "host_u16", "host_i16"] {
        linker
            .func_wrap(
                "props",
                name,
                move |_: Caller<'_, Rogue>, _: i32| -> Result<i32, Trap> { Err(absent(name)) },
            )
            .expect("define");
    }
    for name in ["host_usize", "host_isize"] {
        linker
            .func_wrap(
                "props",
                name,
                move |_: Caller<'_, Rogue>, _: i64| -> Result<i64, Trap> { Err(absent(name)) },
            )
            .expect("define");
    }
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

#[test]
fn invalid_chars_narrow_numbers_and_repeated_keys_from_the_guest_are_abi_errors() {
    let cases = [
        (0, "parameter `c`: malformed value: 0xd800 is not a Unicode scalar value"),
        (
            1,
            "parameter `v`: field `Narrow.letter`: malformed value: 0xffffffff is not a Unicode scalar value",
        ),
        (
            2,
            "parameter `v`: field `Wide.letters`: malformed value: 0x110000 is not a Unicode scalar value",
        ),
        (3, "code 2: parameter `n`: 300 is out of range for u8"),
        (
            4,
            "code 2: parameter `m`: malformed value: the map key at offset 12 repeats an earlier key",
        ),
    ];
    with_plugin(|p| {
        for (how, want) in cases {
            let got = props::exports::forge(p, how).expect("call forge");
            assert!(got.contains(want), "forge({how}): {got}");
        }
        // The instance is still good.
        let m = HashMap::from([(1, 2), (3, 4)]);
        assert_eq!(props::exports::count(p, m).ok(), Some(Ok(2)));
    });
}

#[test]
fn a_narrow_number_out_of_range_traps_a_function_that_cannot_fail() {
    let mut i = instance();
    let err = props::exports::forge(&mut i, 5).expect_err("the guest traps");
    let err = format!("{err:#}");
    assert!(
        err.contains("props.host_u8: parameter `v`: 300 is out of range for u8"),
        "{err}"
    );
    // The host keeps running: a new instance works.
    let mut i = instance();
    assert_eq!(
        props::exports::forge(&mut i, 0)
            .ok()
            .map(|s| s.contains("0xd800")),
        Some(true)
    );
}

#[test]
fn a_map_with_a_repeated_key_from_the_host_is_refused_by_the_go_decoder() {
    let mut args = 2_u32.to_le_bytes().to_vec();
    for v in [5_u32, 1, 5, 2] {
        args.extend(v.to_le_bytes());
    }
    with_plugin(|p| {
        let (status, payload) =
            gohost::__private::call_export_encoded(p, "count", &args).expect("call count");
        let text = String::from_utf8_lossy(&payload);
        assert_eq!(status, 2, "{text}");
        assert!(
            text.contains("malformed arguments")
                && text.contains("the map key at offset 12 repeats an earlier key"),
            "{text}"
        );
        let sorted = BTreeMap::from([(9, 9)]);
        let m: HashMap<u32, u32> = sorted.into_iter().collect();
        assert_eq!(props::exports::count(p, m).ok(), Some(Ok(1)));
    });
}
