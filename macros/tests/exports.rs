//! End to end for exports: a Go plugin (a reactor, `-buildmode=c-shared`,
//! `tests/plugin/main.go`) implements the `extern "Go"` functions of the
//! module below; the host calls them through the generated client
//! (`plug::exports`) on the real engine, for every type row, the error
//! kinds, a recovered panic, and host functions called during an export.
//! The records and enums below derive nothing but what the macro adds
//! (`Clone`, `Debug`, `PartialEq`), which the assertions use.

mod common;

/// The store data.
#[derive(Debug, Default)]
pub struct Host {
    pub log: Vec<String>,
}

#[gohost::host_module(name = "plug", go_interface = "Plugin")]
pub mod plug {
    use std::fmt;

    /// A nested record.
    pub struct Inner {
        pub tags: Vec<String>,
        pub score: Option<f64>,
    }

    /// A request with every kind of field.
    pub struct Request {
        pub id: u64,
        pub name: String,
        pub body: Vec<u8>,
        pub inner: Inner,
        pub items: Vec<Inner>,
        pub note: Option<String>,
        pub mode: Mode,
        pub ok: bool,
        pub delta: i32,
        pub ratio: f32,
    }

    pub enum Mode {
        Fast,
        Slow,
    }

    pub enum Shape {
        Circle { r: f64 },
        Rect(f32, f32),
        Nothing,
    }

    // Derived by hand: the macro adds only what is missing (Clone, PartialEq).
    #[derive(Debug)]
    pub enum PluginError {
        NotFound,
        Invalid { reason: String },
    }

    impl fmt::Display for PluginError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{self:?}")
        }
    }

    /// Appends to the host log; returns the number of lines.
    pub fn host_log(host: &mut super::Host, msg: &str) -> u32 {
        host.log.push(msg.to_owned());
        host.log.len() as u32
    }

    extern "Go" {
        /// Adds two numbers.
        pub fn add(a: i32, b: i32) -> i32;
        pub fn mix(a: u32, b: i64, c: u64, d: f32, e: f64, flag: bool) -> f64;
        pub fn negate(b: bool) -> bool;
        pub fn wrap(x: u32) -> u32;
        pub fn ping();
        /// How many times the plugin's init ran.
        pub fn init_count() -> u32;
        pub fn main_ran() -> bool;
        pub fn echo_str(s: &str) -> String;
        pub fn echo_string(s: String) -> String;
        pub fn echo_bytes(b: &[u8]) -> Vec<u8>;
        pub fn echo_vec(b: Vec<u8>) -> Vec<u8>;
        pub fn echo_request(r: &Request) -> Request;
        pub fn echo_opt(o: Option<String>) -> Option<String>;
        pub fn echo_list(l: Vec<Option<Inner>>) -> Vec<Option<Inner>>;
        pub fn echo_shape(s: Shape, m: &Mode) -> (Shape);
        pub fn sum9(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32, i: i32) -> i32;
        pub fn lookup(key: &str) -> Result<u32, PluginError>;
        pub fn parse(text: String) -> Result<Vec<i32>, String>;
        pub fn check(flag: bool) -> Result<(), String>;
        /// Calls the host function `host_log` during the export.
        pub fn log_via_host(msg: &str) -> u32;
        /// Returns an error that is not a `PluginError`.
        pub fn wrong_error() -> Result<(), PluginError>;
        /// Panics with `msg`.
        pub fn explode(msg: &str) -> String;
    }
}

fn build_plugin() -> Vec<u8> {
    common::build_generated(
        "plug",
        plug::GO_FILES,
        "tests/plugin/main.go",
        gohost_build::BuildMode::Reactor,
    )
}

fn instance(engine: &gohost::Engine, module: &gohost::Module) -> gohost::Instance<Host> {
    let mut linker = gohost::Linker::<Host>::new(engine);
    plug::add_to_linker(&mut linker, |h: &mut Host| h).expect("link");
    let mut wasi = gohost::WasiConfig::new();
    wasi.stderr(gohost::Output::Capture(gohost::Capture::new()));
    linker
        .instantiate(module, &wasi, Host::default())
        .expect("instantiate")
}

fn request() -> plug::Request {
    plug::Request {
        id: u64::MAX - 1,
        name: "naïve — 日本語 🦀".into(),
        body: vec![0, 1, 2, 255],
        inner: plug::Inner {
            tags: vec!["a".into(), String::new(), "ü".into()],
            score: Some(-0.5),
        },
        items: vec![
            plug::Inner {
                tags: vec![],
                score: None,
            },
            plug::Inner {
                tags: vec!["x".into()],
                score: Some(f64::MAX),
            },
        ],
        note: None,
        mode: plug::Mode::Slow,
        ok: true,
        delta: i32::MIN,
        ratio: 1.5,
    }
}

#[test]
fn plugin_exports_round_trip() {
    use plug::exports as x;

    let wasm = build_plugin();
    let engine = gohost::Engine::default();
    let module = gohost::Module::from_bytes(&engine, &wasm).expect("module");

    // A reactor refuses calls before initialize().
    let mut fresh = instance(&engine, &module);
    assert!(matches!(
        x::add(&mut fresh, 1, 2),
        Err(gohost::Error::Config(_))
    ));

    let mut inst = instance(&engine, &module);
    inst.initialize().expect("initialize");
    inst.initialize().expect("initialize is idempotent");
    assert_eq!(x::init_count(&mut inst).expect("init_count"), 1);
    // A reactor's _initialize runs the init functions, not main.main.
    assert!(!x::main_ran(&mut inst).expect("main_ran"));

    // Direct (scalar) exports.
    assert_eq!(x::add(&mut inst, 40, 2).expect("add"), 42);
    assert_eq!(x::add(&mut inst, i32::MAX, 1).expect("add"), i32::MIN);
    assert_eq!(
        x::mix(&mut inst, u32::MAX, -2, u64::MAX, 0.5, 0.25, true).expect("mix"),
        f64::from(u32::MAX) - 2.0 + u64::MAX as f64 + 0.75
    );
    assert!(!x::negate(&mut inst, true).expect("negate"));
    assert!(x::negate(&mut inst, false).expect("negate"));
    assert_eq!(x::wrap(&mut inst, u32::MAX).expect("wrap"), u32::MAX - 1);
    x::ping(&mut inst).expect("ping");
    assert_eq!(
        x::sum9(&mut inst, 1, 2, 3, 4, 5, 6, 7, 8, 9).expect("sum9"),
        45
    );

    // Text and bytes.
    for s in ["", "hello", "naïve — 日本語 🦀"] {
        assert_eq!(x::echo_str(&mut inst, s).expect("echo_str"), s);
        assert_eq!(
            x::echo_string(&mut inst, s.to_owned()).expect("echo_string"),
            s
        );
    }
    let big: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    assert_eq!(x::echo_bytes(&mut inst, &big).expect("echo_bytes"), big);
    assert_eq!(
        x::echo_bytes(&mut inst, &[]).expect("empty"),
        Vec::<u8>::new()
    );
    assert_eq!(x::echo_vec(&mut inst, big.clone()).expect("echo_vec"), big);
    // Arguments are encoded straight into the guest's buffer from the last
    // call (256 bytes, then powers of two up to 64 KiB, 4 of them the
    // length): sizes that fit it, fill it, outgrow it part of the way
    // through, and that follow a buffer too large to keep.
    for n in [
        0, 5, 252, 253, 300, 4092, 4093, 70_000, 10, 65_532, 65_533, 3,
    ] {
        let b = &big[..n];
        assert_eq!(x::echo_bytes(&mut inst, b).expect("echo_bytes"), b, "{n}");
    }

    // Records, options, lists, enums.
    let req = request();
    assert_eq!(x::echo_request(&mut inst, &req).expect("echo_request"), req);
    let mut with_note = req.clone();
    with_note.note = Some(String::new());
    assert_eq!(
        x::echo_request(&mut inst, &with_note).expect("note"),
        with_note
    );
    assert_eq!(x::echo_opt(&mut inst, None).expect("none"), None);
    assert_eq!(
        x::echo_opt(&mut inst, Some("é".into())).expect("some"),
        Some("é".into())
    );
    let list = vec![None, Some(req.inner.clone()), None];
    assert_eq!(x::echo_list(&mut inst, list.clone()).expect("list"), list);
    assert_eq!(x::echo_list(&mut inst, vec![]).expect("empty list"), vec![]);
    for s in [
        plug::Shape::Circle { r: 2.5 },
        plug::Shape::Rect(1.0, -2.0),
        plug::Shape::Nothing,
    ] {
        assert_eq!(
            x::echo_shape(&mut inst, s.clone(), &plug::Mode::Fast).expect("shape"),
            s
        );
    }
    assert_eq!(
        x::echo_shape(&mut inst, plug::Shape::Nothing, &plug::Mode::Slow).expect("slow"),
        plug::Shape::Circle { r: 1.0 }
    );

    // Errors: typed, String, unit.
    assert_eq!(x::lookup(&mut inst, "one").expect("lookup"), Ok(1));
    assert_eq!(
        x::lookup(&mut inst, "missing").expect("lookup"),
        Err(plug::PluginError::NotFound)
    );
    assert_eq!(
        x::lookup(&mut inst, "").expect("lookup"),
        Err(plug::PluginError::Invalid {
            reason: "empty key".into()
        })
    );
    assert_eq!(
        x::parse(&mut inst, "1,-2,3".into()).expect("parse"),
        Ok(vec![1, -2, 3])
    );
    match x::parse(&mut inst, "1,x".into()).expect("parse") {
        Err(msg) => assert!(msg.contains("invalid syntax"), "{msg}"),
        Ok(v) => panic!("parsed {v:?}"),
    }
    assert_eq!(x::check(&mut inst, true).expect("check"), Ok(()));
    assert_eq!(
        x::check(&mut inst, false).expect("check"),
        Err("flag is false".to_owned())
    );

    // A host function called during an export.
    assert_eq!(x::log_via_host(&mut inst, "one").expect("log"), 1);
    assert_eq!(x::log_via_host(&mut inst, "twö").expect("log"), 2);
    assert_eq!(inst.state().log, vec!["plugin: one", "plugin: twö"]);

    // An error of the wrong type is refused; the instance stays usable.
    match x::wrong_error(&mut inst) {
        Err(gohost::Error::Guest { func, message }) => {
            assert_eq!(func, "wrong_error");
            assert!(message.contains("not a PluginError"), "{message}");
        }
        other => panic!("wrong_error: {other:?}"),
    }
    assert_eq!(x::add(&mut inst, 1, 1).expect("still usable"), 2);
    assert_eq!(x::init_count(&mut inst).expect("init_count"), 1);

    // A recovered panic fails the call and poisons the instance.
    match x::explode(&mut inst, "boom ✗") {
        Err(gohost::Error::GuestPanic { func, message }) => {
            assert_eq!(func, "explode");
            assert_eq!(message, "boom ✗");
        }
        other => panic!("explode: {other:?}"),
    }
    assert!(
        matches!(x::add(&mut inst, 1, 1), Err(gohost::Error::Poisoned { .. })),
        "after a panic the instance refuses calls"
    );
}

/// The generated pool clients: borrowed records and strings, a cloned
/// request, a typed error, and a Go panic that discards one instance.
#[test]
fn pooled_clients_take_borrowed_arguments() {
    use plug::exports as x;

    let wasm = build_plugin();
    let engine = gohost::Engine::default();
    let module = gohost::Module::from_bytes(&engine, &wasm).expect("module");
    let mut linker = gohost::Linker::<Host>::new(&engine);
    plug::add_to_linker(&mut linker, |h: &mut Host| h).expect("link");
    let pool = gohost::Pool::builder(linker, module, Host::default)
        .max_instances(2)
        .build()
        .expect("pool");
    let req = request();
    let copy = req.clone();
    assert_eq!(x::echo_request_pooled(&pool, &req).expect("echo"), copy);
    assert_eq!(
        x::echo_str_pooled(&pool, &req.name).expect("echo"),
        req.name
    );
    assert_eq!(
        x::sum9_pooled(&pool, 1, 2, 3, 4, 5, 6, 7, 8, 9).expect("sum9"),
        45
    );
    assert_eq!(
        x::lookup_pooled(&pool, "missing").expect("lookup"),
        Err(plug::PluginError::NotFound)
    );
    let err = x::explode_pooled(&pool, "boom").expect_err("a Go panic");
    assert!(matches!(err, gohost::Error::GuestPanic { .. }), "{err:?}");
    assert_eq!(x::add_pooled(&pool, 40, 2).expect("add"), 42);
    let stats = pool.stats();
    assert_eq!((stats.calls, stats.faults.guest_panic), (6, 1), "{stats:?}");
    assert_eq!(stats.discarded, 1, "{stats:?}");
}
