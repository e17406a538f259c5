//! The bad-input matrix, the rows `bad_input.rs` and `plugins.rs` do not
//! cover: a guest that breaks the ABI on purpose, through the real glue that
//! `#[gohost::host_module]` generates. Each test shows the clear error the
//! guest gets (what was expected, what was found, where) and that the host
//! then runs good guests fine.
//!
//! Go's generated bindings cannot produce these calls, so the guests are
//! hand-written `.wat` fixtures under `guests/fixtures/`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use gohost::{
    Caller, Config, DirPerms, Engine, Error, Instance, Limits, Linker, Module, Trap, WasiConfig,
};

/// The host module the fixtures call. Its functions cover each way the
/// glue receives guest data: text, encoded records and enums, handles,
/// bytes without a return area, and a result larger than the guest's buffer.
#[gohost::host_module(name = "hostile")]
pub mod hostile {
    use super::Calls;

    /// A record with nested variable-length fields.
    #[derive(Debug)]
    pub struct Item {
        pub name: String,
        pub tags: Vec<String>,
        pub size: Option<u32>,
        pub ok: bool,
    }

    /// An enum with data.
    #[derive(Debug)]
    pub enum Kind {
        Small,
        Big { n: u32 },
    }

    /// A host object lent to the guest.
    #[gohost(handle)]
    #[derive(Debug)]
    pub struct Counter {
        pub n: u32,
    }

    /// Another kind of host object, to forge a `Counter` from.
    #[gohost(handle)]
    #[derive(Debug)]
    pub struct Secret {
        pub code: u32,
    }

    /// Counts the calls that reached it; returns `name`.
    pub fn greet(calls: &mut Calls, name: &str) -> String {
        calls.greet += 1;
        name.to_owned()
    }

    /// The tags.
    pub fn count_tags(item: Item) -> Vec<String> {
        item.tags
    }

    /// The kind's number, if it has one.
    pub fn kind_number(kind: Kind) -> Option<u32> {
        match kind {
            Kind::Small => None,
            Kind::Big { n } => Some(n),
        }
    }

    /// A new counter.
    pub fn new_counter() -> Counter {
        Counter { n: 0 }
    }

    /// A new secret.
    pub fn new_secret() -> Secret {
        Secret { code: 42 }
    }

    /// Increments the counter and returns its value.
    pub fn bump(counter: &mut Counter) -> Option<u32> {
        counter.n += 1;
        Some(counter.n)
    }

    /// The bytes' sum.
    pub fn digest(data: &[u8]) -> u64 {
        data.iter().map(|b| u64::from(*b)).sum()
    }

    /// Panics.
    pub fn explode(n: u32) -> u32 {
        panic!("host function exploded on {n}")
    }

    /// `n` bytes of 0xab.
    pub fn big(n: u32) -> Vec<u8> {
        vec![0xab; n as usize]
    }
}

/// The state of the `hostile` module.
#[derive(Debug, Default)]
pub struct Calls {
    greet: u32,
}

/// The store data of the fixtures.
#[derive(Debug, Default)]
struct Host {
    calls: Calls,
    /// What `env.input` copies into the guest.
    input: Vec<u8>,
    /// What the guest last sent with `env.report`.
    report: Vec<u8>,
    /// What `env.code` returns.
    code: i32,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("guests/fixtures")
        .join(name);
    wat::parse_file(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn linker(engine: &Engine) -> Linker<Host> {
    let mut linker = Linker::<Host>::new(engine);
    hostile::add_to_linker(&mut linker, |h: &mut Host| &mut h.calls).expect("add hostile");
    linker
        .func_wrap(
            "env",
            "input",
            |mut c: Caller<'_, Host>, ptr: i32| -> Result<i32, Trap> {
                let input = std::mem::take(&mut c.data_mut().input);
                let len = input.len() as i32;
                c.with_memory(|m, _| m.write(ptr, &input))?
                    .map_err(|e| Trap::new(format!("env.input: {e}")))?;
                Ok(len)
            },
        )
        .expect("env.input");
    linker
        .func_wrap(
            "env",
            "report",
            |mut c: Caller<'_, Host>, ptr: i32, len: i32| -> Result<(), Trap> {
                let bytes = c
                    .with_memory(|m, _| m.bytes(ptr, len).map(<[u8]>::to_vec))?
                    .map_err(|e| Trap::new(format!("env.report: {e}")))?;
                c.data_mut().report = bytes;
                Ok(())
            },
        )
        .expect("env.report");
    linker
        .func_wrap("env", "code", |c: Caller<'_, Host>| -> Result<i32, Trap> {
            Ok(c.data().code)
        })
        .expect("env.code");
    linker
        .func_wrap(
            "env",
            "add",
            |_: Caller<'_, Host>, a: i32, b: i32| -> Result<i32, Trap> { Ok(a.wrapping_add(b)) },
        )
        .expect("env.add");
    linker
}

/// A fresh instance of the `hostile_abi.wat` fixture.
fn abi_guest() -> Instance<Host> {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, WASM.get_or_init(|| fixture("hostile_abi.wat")))
        .expect("load fixture");
    linker(&engine)
        .instantiate(&module, &WasiConfig::new(), Host::default())
        .expect("instantiate fixture")
}

/// Calls `export` with `input` in the guest's input area; the status and
/// the message (or payload) the host wrote to the return area.
fn with_input(g: &mut Instance<Host>, export: &str, input: &[u8]) -> (i32, String) {
    g.state_mut().input = input.to_vec();
    let status: i32 = g
        .call(export, ())
        .unwrap_or_else(|e| panic!("{export}: {e}"));
    (status, report(g))
}

/// The last payload the guest reported, as a message: ABI errors are a
/// length-prefixed string (`docs/abi.md`).
fn report(g: &Instance<Host>) -> String {
    let r = &g.state().report;
    match gohost::__private::decode_all::<&str>(r) {
        Ok(s) => s.to_owned(),
        Err(_) => format!("{r:02x?}"),
    }
}

/// The same instance still serves a good call: an ABI error is an error
/// value for the guest, not a fault.
fn instance_still_works(g: &mut Instance<Host>) {
    let before = g.state().calls.greet;
    let status: i32 = g.call("greet", (0x100i32, 6i32)).expect("good greet");
    assert_eq!(status, 0, "{}", report(g));
    assert_eq!(report(g), "Gopher");
    assert_eq!(g.state().calls.greet, before + 1);
    assert!(g.poisoned().is_none());
}

/// A real Go program still runs on this host.
fn good_go_guest_runs() {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    let wasm = WASM.get_or_init(|| gohost_tests::build_guest("wasi"));
    let o = common::run(wasm, &["hello"]);
    assert_eq!(o.exit(), Some(0), "{o:?}");
    assert_eq!(o.stdout, "hello from Go on gohost\n");
}

/// `Item { name: "ab", tags: ["x"], size: Some(5), ok: true }`.
fn good_item() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(2u32.to_le_bytes());
    b.extend(b"ab");
    b.extend(1u32.to_le_bytes());
    b.extend(1u32.to_le_bytes());
    b.extend(b"x");
    b.push(1);
    b.extend(5u32.to_le_bytes());
    b.push(1);
    b
}

fn expect_abi_error(g: &mut Instance<Host>, export: &str, input: &[u8], want: &str) {
    let (status, msg) = with_input(g, export, input);
    assert_eq!(
        (status, msg.as_str()),
        (2, want),
        "{export} with {input:02x?}"
    );
    instance_still_works(g);
}

#[test]
fn an_import_with_the_right_name_and_the_wrong_signature() {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &fixture("wrong_host_signature.wat")).expect("load");
    let err = linker(&engine)
        .instantiate(&module, &WasiConfig::new(), Host::default())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "cannot link guest: 2 imports of the guest do not match the host:
  module `env`:
    add (i64, i64) -> i64: the host provides it as (i32, i32) -> i32
  module `hostile`:
    greet (i32, i32) -> i32: the host provides it as (i32, i32, i32, i32, i32) -> i32
the guest may be built against other bindings than the host's \
(`gohost inspect GUEST.wasm --host SRC.rs` compares them)"
        )
    );
    instance_still_works(&mut abi_guest());
    good_go_guest_runs();
}

#[test]
fn an_out_of_bounds_pointer_is_an_abi_error() {
    let mut g = abi_guest();
    for (ptr, len, want) in [
        (
            0x1_0000,
            1,
            "pointer 0x10000 with length 1 is outside guest memory of 65536 bytes",
        ),
        (
            0xfff0,
            0x20,
            "pointer 0xfff0 with length 32 is outside guest memory of 65536 bytes",
        ),
        (
            -16,
            4,
            "pointer 0xfffffff0 with length 4 is outside guest memory of 65536 bytes",
        ),
    ] {
        let status: i32 = g.call("greet", (ptr, len)).expect("greet");
        assert_eq!(status, 2);
        assert_eq!(report(&g), format!("parameter `name`: {want}"));
        instance_still_works(&mut g);
    }
    assert_eq!(
        g.state().calls.greet,
        3,
        "the host function never ran on bad input"
    );
    good_go_guest_runs();
}

#[test]
fn a_length_that_wraps_past_4_gib_is_an_abi_error() {
    let mut g = abi_guest();
    // 0x100 + 0xffffffff and 0xffffffff + 2 both wrap in u32 arithmetic.
    for (ptr, len, want) in [
        (
            0x100,
            -1,
            "pointer 0x100 with length 4294967295 is outside guest memory of 65536 bytes",
        ),
        (
            -1,
            2,
            "pointer 0xffffffff with length 2 is outside guest memory of 65536 bytes",
        ),
        (
            i32::MIN,
            i32::MIN,
            "pointer 0x80000000 with length 2147483648 is outside guest memory of 65536 bytes",
        ),
    ] {
        let status: i32 = g.call("greet", (ptr, len)).expect("greet");
        assert_eq!(
            (status, report(&g)),
            (2, format!("parameter `name`: {want}"))
        );
        instance_still_works(&mut g);
    }
    good_go_guest_runs();
}

#[test]
fn a_byte_parameter_out_of_bounds_without_a_return_area_traps() {
    // `digest(&[u8]) -> u64` has no return area to report an error in, so
    // the glue stops the guest with a trap that says where.
    let mut g = abi_guest();
    assert_eq!(
        g.call::<(i32, i32), i64>("digest", (0x100, 6)).ok(),
        Some(613)
    );
    let err = g
        .call::<(i32, i32), i64>("digest", (0x100, -1))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "guest trapped: hostile.digest: parameter `data`: \
             pointer 0x100 with length 4294967295 is outside guest memory of 65536 bytes"
        )
    );
    assert!(matches!(
        g.call::<(i32, i32), i64>("digest", (0x100, 6)),
        Err(Error::Poisoned { .. })
    ));
    instance_still_works(&mut abi_guest());
    good_go_guest_runs();
}

#[test]
fn text_that_is_not_utf8_reaches_the_host_decoded_as_go_would() {
    let mut g = abi_guest();
    for (input, want) in [
        (&b"\xff\xfe"[..], "\u{fffd}\u{fffd}"),
        (b"ok\xc3", "ok\u{fffd}"),
        (b"\xed\xa0\x80", "\u{fffd}\u{fffd}\u{fffd}"), // a UTF-16 surrogate
        (b"\xc0\x80", "\u{fffd}\u{fffd}"),             // overlong NUL
        (b"caf\xc3\xa9", "caf\u{e9}"),                 // valid: as is
    ] {
        // `greet` returns what it received.
        assert_eq!(
            with_input(&mut g, "greet_input", input),
            (0, want.to_string()),
            "{input:02x?}"
        );
    }
    assert_eq!(g.state().calls.greet, 5, "every call reached the host");
    // A string inside a record is decoded the same way: the call succeeds.
    let mut item = good_item();
    item[4] = 0xff;
    let (status, _) = with_input(&mut g, "item_input", &item);
    assert_eq!(status, 0, "{}", report(&g));
    assert_eq!(g.state().report, [1, 0, 0, 0, 1, 0, 0, 0, b'x']);
    instance_still_works(&mut g);
    good_go_guest_runs();
}

#[test]
fn malformed_record_bytes_are_an_abi_error() {
    let mut g = abi_guest();
    let good = good_item();
    assert_eq!(with_input(&mut g, "item_input", &good).0, 0);
    // The tags, `["x"]`, encoded.
    assert_eq!(g.state().report, [1, 0, 0, 0, 1, 0, 0, 0, b'x']);

    let at = |offset: usize, bytes: &[u8]| {
        let mut b = good.clone();
        b[offset..offset + bytes.len()].copy_from_slice(bytes);
        b
    };
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "empty",
            vec![],
            "field `Item.name`: malformed value: u32 needs 4 bytes at offset 0, only 0 remain"
                .into(),
        ),
        (
            "truncated in a string",
            good[..5].to_vec(),
            "field `Item.name`: malformed value: byte string needs 2 bytes at offset 4, only 1 \
             remain"
                .into(),
        ),
        (
            "truncated before the last field",
            good[..good.len() - 1].to_vec(),
            "field `Item.ok`: malformed value: u8 needs 1 bytes at offset 20, only 0 remain".into(),
        ),
        (
            "trailing bytes",
            [&good[..], b"zz"].concat(),
            "malformed value: 2 trailing bytes after offset 21".into(),
        ),
        (
            "a huge declared string length",
            at(0, &u32::MAX.to_le_bytes()),
            "field `Item.name`: malformed value: byte string needs 4294967295 bytes at offset 4, \
             only 17 remain"
                .into(),
        ),
        (
            "a huge declared list count",
            at(6, &u32::MAX.to_le_bytes()),
            "field `Item.tags`: malformed value: list of 4294967295 elements at offset 6 needs at \
             least 17179869180 bytes, only 11 remain"
                .into(),
        ),
        (
            "a wrong option tag",
            at(15, &[7]),
            "field `Item.size`: malformed value: option tag must be 0 or 1, found 7".into(),
        ),
        (
            "a wrong bool",
            at(20, &[2]),
            "field `Item.ok`: malformed value: bool must be 0 or 1, found 2".into(),
        ),
    ];
    for (what, input, want) in cases {
        let (status, msg) = with_input(&mut g, "item_input", &input);
        assert_eq!(
            (status, msg),
            (2, format!("parameter `item`: {want}")),
            "{what}"
        );
        instance_still_works(&mut g);
    }

    // Enums: a variant index that does not exist, and a variant's data missing.
    expect_abi_error(
        &mut g,
        "kind_input",
        &7u32.to_le_bytes(),
        "parameter `kind`: malformed value: enum Kind has no variant 7",
    );
    expect_abi_error(
        &mut g,
        "kind_input",
        &1u32.to_le_bytes(),
        "parameter `kind`: field `Kind::Big.n`: malformed value: u32 needs 4 bytes at offset 4, \
         only 0 remain",
    );
    let big = [1u32.to_le_bytes(), 9u32.to_le_bytes()].concat();
    assert_eq!(with_input(&mut g, "kind_input", &big).0, 0);
    assert_eq!(g.state().report, [1, 9, 0, 0, 0], "Some(9)");
    good_go_guest_runs();
}

#[test]
fn unknown_closed_and_forged_handles_are_abi_errors() {
    let mut g = abi_guest();
    let counter: i32 = g.call("counter", ()).expect("counter");
    let secret: i32 = g.call("secret", ()).expect("secret");
    assert_eq!(g.open_handles(), 2);
    assert_eq!(g.call::<(i32,), i32>("bump", (counter,)).ok(), Some(0));
    assert_eq!(g.state().report, [1, 1, 0, 0, 0], "Some(1)");

    let bump = |g: &mut Instance<Host>, h: i32| {
        let status: i32 = g.call("bump", (h,)).expect("bump");
        (status, report(g))
    };
    // Never issued: 0 (handles start at 1), a guess, the largest u32.
    for h in [0, 999, -1] {
        assert_eq!(
            bump(&mut g, h),
            (
                2,
                format!("parameter `counter`: unknown or closed handle {}", h as u32)
            )
        );
    }
    // Forged: a live handle to another type of object.
    assert_eq!(
        bump(&mut g, secret),
        (
            2,
            format!("parameter `counter`: handle {secret} is a Secret, not a Counter")
        )
    );
    // Closed: dropped once (0), then unknown to drop (1) and to use.
    assert_eq!(g.call::<(i32,), i32>("drop", (counter,)).ok(), Some(0));
    assert_eq!(g.call::<(i32,), i32>("drop", (counter,)).ok(), Some(1));
    assert_eq!(
        bump(&mut g, counter),
        (
            2,
            format!("parameter `counter`: unknown or closed handle {counter}")
        )
    );
    // A new handle never reuses the closed number.
    let again: i32 = g.call("counter", ()).expect("counter");
    assert!(again > secret, "{again} after {secret}");
    assert_eq!(g.open_handles(), 2);
    assert_eq!(bump(&mut g, again).0, 0);
    instance_still_works(&mut g);
    good_go_guest_runs();
}

#[test]
fn an_invalid_return_area_traps_with_where() {
    // The length's place, then a result buffer that runs past the end of
    // memory (the host encodes into all of it).
    for (export, place) in [
        ("bad_return_area", "pointer 0x10000 with length 4"),
        ("bad_return_buffer", "pointer 0xff00 with length 1024"),
    ] {
        let err = abi_guest()
            .call::<(), i32>(export, ())
            .err()
            .map(|e| e.to_string());
        let expected = format!(
            "guest trapped: gohost: the guest's return area is invalid: \
             {place} is outside guest memory of 65536 bytes"
        );
        assert_eq!(err.as_deref(), Some(expected.as_str()), "{export}");
    }
    instance_still_works(&mut abi_guest());
}

#[test]
fn a_result_larger_than_the_buffer_is_taken_only_at_its_length() {
    let mut g = abi_guest();
    // 4 KiB does not fit the 1 KiB buffer: status 0, length 4 + 4096.
    assert_eq!(g.call::<(i32,), i32>("big", (4096,)).ok(), Some(0));
    assert_eq!(g.call::<(), i32>("ret_len", ()).ok(), Some(4100));
    // The wrong length, then the right one, then nothing is pending.
    assert_eq!(g.call::<(i32,), i32>("take", (4099,)).ok(), Some(1));
    assert_eq!(g.call::<(i32,), i32>("take", (-1,)).ok(), Some(1));
    assert_eq!(g.call::<(i32,), i32>("take", (4100,)).ok(), Some(0));
    assert_eq!(g.call::<(i32,), i32>("take", (4100,)).ok(), Some(1));
    instance_still_works(&mut g);
}

#[test]
fn a_host_function_panic_is_a_trap_with_the_message() {
    let mut g = abi_guest();
    let err = g.call::<(i32,), i32>("explode", (7,));
    assert!(matches!(&err, Err(Error::Trap { .. })), "{err:?}");
    assert_eq!(
        err.err().map(|e| e.to_string()).as_deref(),
        Some("guest trapped: host function hostile.explode panicked: host function exploded on 7")
    );
    let next = g.call::<(i32,), i32>("explode", (8,));
    assert!(matches!(next, Err(Error::Poisoned { .. })), "{next:?}");
    // The host process survives, and new instances work.
    instance_still_works(&mut abi_guest());
    good_go_guest_runs();
}

#[test]
fn deep_recursion_in_wasm_is_a_stack_overflow_trap() {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &fixture("stack_overflow.wat")).expect("load");
    let err = Linker::<()>::new(&engine)
        .instantiate(&module, &WasiConfig::new(), ())
        .and_then(|mut i| i.run())
        .err()
        .map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("guest trapped: call stack exhausted"));
    good_go_guest_runs();
}

fn reactor() -> PathBuf {
    gohost_tests::build_plugin("reactor")
}

fn plugin(limits: Limits) -> Instance<()> {
    let engine = Engine::new(Config::new().consume_fuel(true));
    let module = Module::from_file(&engine, reactor()).expect("load plugin");
    let mut p = Linker::new(&engine)
        .instantiate_limited(&module, &WasiConfig::new(), (), limits)
        .expect("instantiate plugin");
    p.initialize().expect("initialize plugin");
    p
}

#[test]
fn deep_recursion_in_go_is_an_error() {
    // Go grows its goroutine stack on the heap; the memory limit (or Go's
    // own stack limit) ends it, never the host.
    let mut p = plugin(
        Limits::new()
            .memory_bytes(128 << 20)
            .fuel_per_call(20_000_000_000),
    );
    let err = p.call::<(i32,), i32>("recurse", (0,));
    // Each Go call is a wasm call, and each frame also takes room on Go's
    // own stack in linear memory (this one has a 64-byte array): whichever
    // runs out first, the engine's call stack (wasmtime) or the memory
    // limit (wasmi, whose call stack goes twice as deep), ends the call.
    assert!(
        match &err {
            Err(Error::Trap { message }) => message == "call stack exhausted",
            Err(Error::MemoryLimit { limit_bytes, .. }) => *limit_bytes == 128 << 20,
            _ => false,
        },
        "{err:?}"
    );
    assert!(p.poisoned().is_some());
    let mut fresh = plugin(Limits::new());
    assert_eq!(fresh.call::<(i32, i32), i32>("add", (2, 3)).ok(), Some(5));
}

#[test]
fn an_infinite_loop_with_a_deadline_is_deadline_exceeded() {
    let engine = Engine::new(Config::new().interruptible(true));
    let module = Module::from_file(&engine, reactor()).expect("load plugin");
    let limits = Limits::new().deadline(Duration::from_millis(200));
    let plugin = || {
        let mut p = Linker::new(&engine)
            .instantiate_limited(&module, &WasiConfig::new(), (), limits)
            .expect("instantiate plugin");
        p.initialize().expect("initialize plugin");
        p
    };
    let mut p = plugin();
    let err = p.call::<(), i32>("spin", ()).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("guest exceeded its deadline of 200ms in `spin`")
    );
    assert!(p.poisoned().is_some());
    let mut fresh = plugin();
    assert_eq!(fresh.call::<(i32, i32), i32>("add", (2, 3)).ok(), Some(5));
}

#[test]
fn proc_exit_with_any_code() {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &fixture("proc_exit.wat")).expect("load");
    let linker = linker(&engine);
    for code in [0, 1, 125, 126, 255, -1] {
        // From `_start`: an exit code is a result, not an error.
        let state = Host {
            code,
            ..Host::default()
        };
        let run = linker
            .instantiate(&module, &WasiConfig::new(), state)
            .and_then(|mut i| i.run());
        // From an export: the call ends with `Exited`.
        let mut i = linker
            .instantiate(&module, &WasiConfig::new(), Host::default())
            .expect("instantiate");
        let call = i.call::<(i32,), ()>("exit_with", (code,));
        if (0..126).contains(&code) {
            assert_eq!(run.ok(), Some(code));
            assert!(
                matches!(call, Err(Error::Exited { code: c }) if c == code),
                "{call:?}"
            );
        } else {
            // WASI preview 1 (wasi-common, like wasmtime) allows 0..126.
            let want = "guest trapped: exit with invalid exit status outside of [0..126)";
            assert_eq!(
                run.err().map(|e| e.to_string()).as_deref(),
                Some(want),
                "{code}"
            );
            assert_eq!(
                call.err().map(|e| e.to_string()).as_deref(),
                Some(want),
                "{code}"
            );
        }
        assert!(i.poisoned().is_some());
    }
    // A Go plugin's os.Exit goes through the same path.
    for code in [0, 1, 255, -1] {
        let mut p = plugin(Limits::new());
        let err = p.call::<(i32,), ()>("exit", (code,));
        assert!(err.as_ref().is_err_and(Error::is_fault), "{code}: {err:?}");
    }
    good_go_guest_runs();
}

#[test]
fn huge_args_and_env_work() {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    let wasm = WASM.get_or_init(|| gohost_tests::build_guest("wasi"));
    // 10,000 arguments of 1,000 bytes: 10 MB.
    let arg = "a".repeat(999) + "z";
    let args: Vec<&str> = std::iter::repeat_n(arg.as_str(), 10_000).collect();
    let mut all = vec!["args"];
    all.extend(&args);
    let o = common::run(wasm, &all);
    assert_eq!(o.exit(), Some(0), "{:?} {}", o.code, o.stderr);
    assert_eq!(o.stdout.len(), "guest|args|".len() + 10_000 * 1001);

    // One 10 MB variable and 10,000 small ones.
    let value = "v".repeat(10 << 20);
    let o = common::run_with(wasm, &["env", "BIG", "K9999"], |w| {
        w.env("BIG", value.clone());
        for i in 0..10_000 {
            w.env(format!("K{i}"), "x");
        }
    });
    assert_eq!(o.exit(), Some(0), "{:?} {}", o.code, o.stderr);
    assert_eq!(
        o.stdout,
        format!("BIG={value:?} true\nK9999=\"x\" true\ncount 10001\n")
    );
    good_go_guest_runs();
}

#[test]
fn args_and_env_that_wasi_cannot_carry_are_a_clear_error() {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    let wasm = WASM.get_or_init(|| gohost_tests::build_guest("wasi"));
    type Configure = fn(&mut WasiConfig);
    let cases: [(&str, Configure, &str); 4] = [
        (
            "a NUL in an argument",
            |w| {
                w.arg("a\0b");
            },
            "argument 2 contains a NUL byte, which WASI cannot pass",
        ),
        (
            "a NUL in a value",
            |w| {
                w.env("K", "a\0b");
            },
            "the value of environment variable K contains a NUL byte, which WASI cannot pass",
        ),
        (
            "an = in a name",
            |w| {
                w.env("A=B", "c");
            },
            "environment variable name \"A=B\" is empty or contains `=` or a NUL byte",
        ),
        (
            "an empty name",
            |w| {
                w.env("", "c");
            },
            "environment variable name \"\" is empty or contains `=` or a NUL byte",
        ),
    ];
    for (what, configure, want) in cases {
        let o = common::run_with(wasm, &["hello"], configure);
        let msg = o.code.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(msg, format!("cannot configure WASI: {want}"), "{what}");
    }
    good_go_guest_runs();
}

/// A directory holding `secret.txt` and `inner/` (the preopen), where
/// `inner/` holds symbolic links that point out of it.
fn sandbox_with_escapes() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("secret.txt"), "top secret").expect("write secret");
    let inner = dir.path().join("inner");
    std::fs::create_dir(&inner).expect("mkdir");
    std::fs::write(inner.join("ok.txt"), "fine").expect("write ok");
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, inner.join(name)).expect("symlink");
    };
    link(Path::new("../secret.txt"), "up.txt"); // relative, up and out
    link(&dir.path().join("secret.txt"), "abs.txt"); // absolute host path
    link(Path::new(".."), "parent"); // a directory outside
    link(Path::new("/etc"), "etc");
    link(Path::new("ok.txt"), "inside.txt"); // stays inside: allowed
    (dir, inner)
}

#[test]
fn symlinks_cannot_leave_a_preopen() {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    let wasm = WASM.get_or_init(|| gohost_tests::build_guest("wasi"));
    let (dir, inner) = sandbox_with_escapes();
    for perms in [DirPerms::ReadOnly, DirPerms::ReadWrite] {
        let run = |args: &[&str]| {
            common::run_with(wasm, args, |w| {
                w.preopen_dir(&inner, "/data", perms);
            })
        };
        let o = run(&["read", "/data/inside.txt"]);
        assert_eq!(o.stdout, "read 4 bytes\n", "{o:?}");
        for path in [
            "/data/up.txt",
            "/data/abs.txt",
            "/data/parent/secret.txt",
            "/data/etc/passwd",
            "/data/../secret.txt",
            "/data/../../../../etc/passwd",
            "/data/./inside.txt/../../secret.txt",
            "/etc/passwd",
        ] {
            let o = run(&["read", path]);
            assert_eq!(o.exit(), Some(0), "{o:?}");
            assert!(
                o.stdout.starts_with("denied: "),
                "{perms:?} {path}: {}",
                o.stdout
            );
            eprint!("{perms:?} read {path}: {}", o.stdout);
        }
        for path in [
            "/data/up.txt",
            "/data/parent/new.txt",
            "/data/abs.txt",
            "/data/../new.txt",
        ] {
            let o = run(&["write", path]);
            assert!(
                o.stdout.starts_with("denied: "),
                "{perms:?} {path}: {}",
                o.stdout
            );
            eprint!("{perms:?} write {path}: {}", o.stdout);
        }
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("secret.txt"))
            .ok()
            .as_deref(),
        Some("top secret")
    );
    assert!(!dir.path().join("new.txt").exists());
    good_go_guest_runs();
}

#[test]
fn writes_through_a_read_only_preopen_are_refused_everywhere() {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    let wasm = WASM.get_or_init(|| gohost_tests::build_guest("wasi"));
    let (dir, inner) = sandbox_with_escapes();
    std::fs::create_dir(inner.join("sub")).expect("mkdir");
    for path in [
        "/ro/ok.txt",
        "/ro/new.txt",
        "/ro/sub/new.txt",
        "/ro/inside.txt",
    ] {
        let o = common::run_with(wasm, &["write", path], |w| {
            w.preopen_dir(&inner, "/ro", DirPerms::ReadOnly);
        });
        assert!(o.stdout.starts_with("denied: "), "{path}: {o:?}");
        assert!(
            o.stdout.ends_with(": Operation not permitted\n"),
            "{path}: {o:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(inner.join("ok.txt"))
            .ok()
            .as_deref(),
        Some("fine")
    );
    assert!(!inner.join("new.txt").exists() && !inner.join("sub/new.txt").exists());
    drop(dir);
    good_go_guest_runs();
}

#[test]
fn raw_wasi_paths_cannot_leave_a_preopen() {
    // Go cleans `..` lexically before WASI sees it; this fixture does not,
    // so these reach the host's checks as they are.
    let (dir, inner) = sandbox_with_escapes();
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &fixture("path_traversal.wat")).expect("load");
    let linker = linker(&engine);
    for perms in [DirPerms::ReadOnly, DirPerms::ReadWrite] {
        let mut wasi = WasiConfig::new();
        wasi.preopen_dir(&inner, "/data", perms);
        let mut g = linker
            .instantiate(&module, &wasi, Host::default())
            .expect("instantiate");
        let mut open = |path: &str, follow: i32, write: i32| -> i32 {
            g.state_mut().input = path.as_bytes().to_vec();
            g.call::<(i32, i32), i32>("open", (follow, write))
                .expect("open")
        };
        const OK: i32 = 0;
        const EPERM: i32 = 63;
        const ENOTCAPABLE: i32 = 76;
        assert_eq!(open("ok.txt", 1, 0), OK);
        assert_eq!(open("inside.txt", 1, 0), OK);
        for (path, follow) in [
            ("../secret.txt", 0),
            ("../secret.txt", 1),
            ("./../inner/../secret.txt", 1),
            ("/etc/passwd", 1),
            ("up.txt", 1),
            ("abs.txt", 1),
            ("parent/secret.txt", 1),
            ("parent/secret.txt", 0),
            ("etc/passwd", 1),
        ] {
            let errno = open(path, follow, 0);
            assert!(
                [EPERM, ENOTCAPABLE].contains(&errno),
                "{perms:?} read {path} (follow {follow}): errno {errno}"
            );
        }
        for path in ["../new.txt", "/tmp/new.txt", "parent/new.txt", "up.txt"] {
            let errno = open(path, 1, 1);
            assert!(
                [EPERM, ENOTCAPABLE].contains(&errno),
                "{perms:?} write {path}: errno {errno}"
            );
        }
        // Writing inside is allowed only read-write.
        let errno = open("made.txt", 1, 1);
        match perms {
            DirPerms::ReadOnly => assert_eq!(errno, EPERM),
            DirPerms::ReadWrite => assert_eq!(errno, OK),
        }
    }
    assert!(!dir.path().join("new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("secret.txt"))
            .ok()
            .as_deref(),
        Some("top secret")
    );
    good_go_guest_runs();
}

#[test]
fn config_reads_are_bounds_checked_and_write_only_what_fits() {
    let engine = Engine::default();
    let module = Module::from_bytes(&engine, &fixture("config_reads.wat")).expect("load");
    let mut wasi = WasiConfig::new();
    wasi.config("greeting", "hello");
    let linker = Linker::<()>::new(&engine);
    let mut g = linker.instantiate(&module, &wasi, ()).expect("instantiate");
    // Too small a buffer: the length, nothing written.
    assert_eq!(g.call::<(i32, i32), i32>("get", (100, 4)).ok(), Some(5));
    assert_eq!(g.call::<(i32,), i32>("load", (100,)).ok(), Some(0));
    assert_eq!(g.call::<(i32, i32), i32>("get", (100, 5)).ok(), Some(5));
    let hell = i32::from_le_bytes(*b"hell");
    assert_eq!(g.call::<(i32,), i32>("load", (100,)).ok(), Some(hell));
    // A buffer past the end of memory.
    let err = g.call::<(i32, i32), i32>("get", (65534, 64)).err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some(
            "guest trapped: gohost.config: pointer 0xfffe with length 5 \
             is outside guest memory of 65536 bytes"
        )
    );
    let mut g = linker.instantiate(&module, &wasi, ()).expect("instantiate");
    let err = g.call::<(), i32>("bad_key", ()).err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some(
            "guest trapped: gohost.config: pointer 0xfffa with length 8 \
             is outside guest memory of 65536 bytes"
        )
    );
    // No values at all: every key is missing.
    let mut g = linker
        .instantiate(&module, &WasiConfig::new(), ())
        .expect("instantiate");
    assert_eq!(g.call::<(i32, i32), i32>("get", (100, 64)).ok(), Some(-1));
}

/// How long `async_protocol.wat`'s `abandon` computes.
const ABANDON_SPINS: i32 = 10_000_000;

/// Async host functions of generated glue, for `async_protocol.wat`.
#[gohost::host_module(name = "slow")]
pub mod slow {
    /// Returns `ms` after `ms` milliseconds; at once for 0.
    pub async fn later(ms: i32) -> i32 {
        if ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(ms as u64)).await;
        }
        ms
    }

    /// Returns `ms` at once.
    pub async fn sooner(ms: i32) -> i32 {
        ms
    }
}

#[test]
fn a_guest_that_breaks_the_async_call_protocol_gets_clear_errors() {
    let engine = Engine::new(Config::new().interruptible(true));
    let module = Module::from_bytes(&engine, &fixture("async_protocol.wat")).expect("load");
    let mut linker = Linker::<()>::new(&engine);
    slow::add_to_linker(&mut linker).expect("add slow");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let wasi = WasiConfig::new();
        let fresh = || linker.instantiate_async(&module, &wasi, ());
        let mut g = fresh().await.expect("instantiate");
        // The protocol, ready at once and pending, works.
        for ms in [0, 20, 0, 5] {
            let r = g.call_async::<(i32,), i32>("right", (ms,)).await;
            assert_eq!(r.ok(), Some(ms));
        }
        // On wasmi the host suspends a pending call in the import, so the
        // guest cannot see it pending, and cannot break the protocol.
        let wasmtime = gohost::EngineKind::default() == gohost::EngineKind::Wasmtime;
        let on_wasmtime =
            |trap: &'static str, wasmi: i32| if wasmtime { Err(trap) } else { Ok(wasmi) };
        let still_pending = "guest trapped: gohost: slow.later was called while the async host \
                             call slow.later is pending: the guest must call slow.later again, \
                             its pending word still 1, until the host clears the word";
        let cases: [(&str, Result<i32, &str>); 4] = [
            (
                "call_another",
                on_wasmtime(
                    "guest trapped: gohost: slow.sooner was called while the async host call \
                     slow.later is pending: the guest must call slow.later again, its pending \
                     word still 1, until the host clears the word",
                    0,
                ),
            ),
            ("start_twice", on_wasmtime(still_pending, 50)),
            // The host waits for the abandoned call once, then lets the
            // guest compute to its end.
            ("abandon", Ok(ABANDON_SPINS)),
            (
                "flag_out_of_bounds",
                Err(
                    "guest trapped: slow.later: the pending word: pointer 0xfffffffc with \
                     length 4 is outside guest memory of 65536 bytes",
                ),
            ),
        ];
        for (export, want) in cases {
            let mut g = fresh().await.expect("instantiate");
            let got = g.call_async::<(), i32>(export, ()).await;
            let got = got.map_err(|e| e.to_string());
            assert_eq!(
                got.as_ref().copied().map_err(String::as_str),
                want,
                "{export}"
            );
            if export == "abandon" {
                // On wasmtime the word still says pending (the guest never
                // saw the call done), so calling `later` again continues
                // the abandoned call, and gets its result.
                let next = g.call_async::<(i32,), i32>("right", (0,)).await;
                assert_eq!(next.ok(), Some(if wasmtime { 50 } else { 0 }));
            }
        }
        // A tail call of a pending async import: wasmi cannot suspend it
        // and says why; on wasmtime the guest returns without seeing the
        // word (as `abandon` does), and calling `later` again continues
        // the call.
        let mut g = fresh().await.expect("instantiate");
        let tail = g.call_async::<(), i32>("tail_call", ()).await;
        if wasmtime {
            assert_eq!(tail.ok(), Some(0));
            let next = g.call_async::<(i32,), i32>("right", (0,)).await;
            assert_eq!(next.ok(), Some(50));
        } else {
            assert!(
                matches!(&tail, Err(gohost::Error::Trap { message })
                    if message.contains("an async host function was tail-called (return_call)")),
                "{tail:?}"
            );
        }
        // The host keeps running: a good guest still works.
        let mut g = fresh().await.expect("instantiate");
        assert_eq!(
            g.call_async::<(i32,), i32>("right", (5,)).await.ok(),
            Some(5)
        );
    });
}
