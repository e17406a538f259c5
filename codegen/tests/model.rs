//! The model: fingerprint stability and validation messages.

use gohost_codegen::generate_from_file;

fn hash(src: &str) -> String {
    let files = generate_from_file(src).expect("generate");
    let c = &files[0].contents;
    let i = c.find("const ModelHash = \"").expect("hash") + 19;
    c[i..i + 16].to_string()
}

fn module(body: &str) -> String {
    format!("#[gohost::host_module(name = \"m\")]\npub mod m {{\n{body}\n}}\n")
}

fn errors(body: &str) -> String {
    generate_from_file(&module(body))
        .expect_err("should fail")
        .to_string()
}

#[test]
fn hash_ignores_docs_and_parameter_names() {
    let a = hash(&module(
        "pub struct P { pub x: i32 }\npub fn f(a: i32, p: P) -> String { String::new() }",
    ));
    let b = hash(&module(
        "/// Doc.\npub struct P { pub x: i32 }\n/// Doc.\npub fn f(other: i32, q: P) -> String { String::new() }",
    ));
    assert_eq!(a, b);
    assert_eq!(a.len(), 16);
    assert!(a
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
}

#[test]
fn hash_tracks_the_wire() {
    let base = hash(&module(
        "pub struct P { pub x: i32, pub y: u64 }\npub fn f(p: P) {}",
    ));
    let swapped = hash(&module(
        "pub struct P { pub y: u64, pub x: i32 }\npub fn f(p: P) {}",
    ));
    let renamed_fn = hash(&module(
        "pub struct P { pub x: i32, pub y: u64 }\npub fn g(p: P) {}",
    ));
    let result = hash(&module(
        "pub struct P { pub x: i32, pub y: u64 }\npub fn f(p: P) -> u32 { 0 }",
    ));
    assert_ne!(base, swapped);
    assert_ne!(base, renamed_fn);
    assert_ne!(base, result);
    // `&str` and `String` are the same on the wire.
    assert_eq!(
        hash(&module("pub fn f(s: &str) {}")),
        hash(&module("pub fn f(s: String) {}"))
    );
}

#[test]
fn hash_is_stable() {
    // Changing this value breaks every guest built before: bump ABI_VERSION
    // or accept it knowingly.
    assert_eq!(
        hash(&module("pub fn add(a: i32, b: i32) -> i32 { a + b }")),
        "80704f698a76b49c"
    );
}

#[test]
fn validation_messages() {
    let cases = [
        ("pub fn f(x: u128) {}", "Go has no 128-bit integer"),
        ("pub fn f(x: [u8; N]) {}", "must be an integer literal"),
        ("pub fn f(x: [u8; 100000]) {}", "use Vec<T>"),
        ("pub fn f(x: std::collections::HashMap<f64, u32>) {}", "map keys must be integers"),
        ("pub fn f(x: HashMap<Vec<u8>, u32>) {}", "map keys must be integers"),
        ("pub fn f(x: BTreeMap<u32>) {}", "expected `BTreeMap<K, V>`"),
        ("pub enum E { A(u32) }\npub fn f(x: HashMap<E, u32>) {}", "an enum with data"),
        ("pub fn f(x: &String) {}", "use `&str` instead of `&String`"),
        ("pub fn f(x: &[i32]) {}", "use Vec<T>"),
        ("pub fn f(x: Option<&str>) {}", "use an owned type here"),
        ("pub fn f() -> (i32, i32) { (0, 0) }", "declare a record"),
        ("pub fn f(x: ()) {}", "only allowed as a return type"),
        ("pub fn f(x: Vec<Result<i32, String>>) {}", "whole return type"),
        ("pub fn f() -> Option<Option<u32>> { None }", "use an enum"),
        ("pub fn f(x: Box<i32>) {}", "not declared in this host module"),
        ("pub enum E { A = 1 }", "explicit discriminants"),
        ("pub enum E {}", "at least one variant"),
        ("pub fn f() {}\npub fn F() {}", "already uses"),
        ("pub fn f(a: &mut super::A) {}\npub fn g(b: &mut super::B) {}", "same state type"),
        ("pub fn f(a: i64, b: i64, c: i64, d: i64, e: i64, g: i64, h: i64, i: i64, j: i64, k: i64, l: i64, m: &str) {}", "at most 12"),
        ("pub enum E { A { error: String } }\npub fn f() -> Result<(), E> { Ok(()) }", "clashes with the Go `Error()` method"),
        ("pub struct OptU32 { pub x: i32 }\npub fn f(a: Option<u32>) {}", "gohost's Go helpers for the module's `Option<u32>`"),
        ("pub struct R { pub x: i32 }\npub struct ListOptR { pub x: i32 }\npub fn f(a: Vec<Option<R>>) {}", "for the module's `Vec<Option<R>>`"),
        ("pub struct MapStringU32 { pub x: i32 }\npub fn f(a: std::collections::HashMap<String, u32>) {}", "for the module's `map of String to u32`"),
    ];
    for (body, want) in cases {
        let got = errors(body);
        assert!(
            got.contains(want),
            "for `{body}`:\n  got: {got}\n  want it to contain: {want}"
        );
    }
}

#[test]
fn state_and_caller_are_not_guest_parameters() {
    let files = generate_from_file(&module(
        "pub fn a(s: &mut super::S, x: i32) -> i32 { x }\npub fn b(c: &mut gohost::Caller<'_, super::H>, x: i32) -> i32 { x }",
    ))
    .expect("generate");
    let c = &files[0].contents;
    assert!(c.contains("func A(x int32) int32 {"));
    assert!(c.contains("func B(x int32) int32 {"));
}

#[test]
fn go_output_is_deterministic() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/sample.rs"
    ))
    .expect("sample");
    assert_eq!(
        generate_from_file(&src).expect("a"),
        generate_from_file(&src).expect("b")
    );
}

#[test]
fn hash_covers_exports_but_not_the_interface_name() {
    let base = hash(&module("extern \"Go\" { fn f(a: i32) -> i32; }"));
    assert_ne!(base, hash(&module("")));
    assert_ne!(
        base,
        hash(&module("extern \"Go\" { fn f(a: i64) -> i32; }"))
    );
    assert_ne!(
        base,
        hash(&module("extern \"Go\" { fn g(a: i32) -> i32; }"))
    );
    assert_ne!(
        base,
        hash(&module(
            "extern \"Go\" { fn f(a: i32) -> Result<i32, String>; }"
        ))
    );
    let named = generate_from_file(
        "#[gohost::host_module(name = \"m\", go_interface = \"Plugin\")]\npub mod m {\nextern \"Go\" { fn f(b: i32) -> i32; }\n}\n",
    )
    .expect("generate");
    assert!(named[0]
        .contents
        .contains(&format!("const ModelHash = \"{base}\"")));
    assert!(named[0].contents.contains("type Plugin interface {"));
    assert!(named[0].contents.contains("func Register(impl Plugin) {"));
}

#[test]
fn names_like_composites_but_not_them_are_fine() {
    assert!(generate_from_file(&module("pub struct ListOptions { pub x: i32 }")).is_ok());
    // A name that would collide only with helpers the module does not have.
    assert!(generate_from_file(&module("pub struct OptU32 { pub x: i32 }")).is_ok());
}

#[test]
fn export_shapes() {
    let files = generate_from_file(&module(
        "pub struct R { pub x: i32 }\nextern \"Go\" {\n/// Adds.\nfn add(a: i32, b: u32) -> bool;\nfn get(r: &R, k: &str) -> Result<Option<R>, String>;\nfn many(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32, i: i32);\n}",
    ))
    .expect("generate");
    let c = &files[0].contents;
    assert!(c.contains("\t// Add adds.\n\tAdd(a int32, b uint32) bool\n"));
    assert!(c.contains("\tGet(r_ R, k string) (*R, error)\n"));
    assert!(c.contains("//go:wasmexport add\nfunc exportAdd(a0 int32, a1 uint32) bool {"));
    assert!(c.contains(
        "//go:wasmexport get\nfunc exportGet(argsPtr unsafe.Pointer, argsLen uint32) (ret uint64) {"
    ));
    // More than 8 scalars: encoded, as Instance::call takes at most 8.
    assert!(c.contains(
        "//go:wasmexport many\nfunc exportMany(argsPtr unsafe.Pointer, argsLen uint32) (ret uint64) {"
    ));
}

#[test]
fn export_validation_messages() {
    let cases = [
        (
            "#[gohost(handle)] pub struct H { pub x: i32 }\nextern \"Go\" { fn f(h: &H); }",
            "handles cannot cross into exports",
        ),
        (
            "#[gohost(handle)] pub struct H { pub x: i32 }\nextern \"Go\" { fn f() -> H; }",
            "handles cannot cross into exports",
        ),
        (
            "extern \"Go\" { fn f() -> i32 { 0 } }",
            "end the signature with `;`",
        ),
        (
            "extern \"C\" { fn f(); }",
            "only `extern \"Go\" { ... }` blocks",
        ),
        (
            "extern \"Go\" { fn f(s: &mut super::State); }",
            "exports take no host state",
        ),
        (
            "extern \"Go\" { fn f() -> Result<i32, std::io::Error>; }",
            "an enum of this module or `String`",
        ),
        ("extern \"Go\" { fn _initialize(); }", "wasm export name"),
        ("extern \"Go\" { fn __gohost_alloc(); }", "wasm export name"),
        (
            "extern \"Go\" { fn get_id(); fn get_ID(); }",
            "both become the Go method `GetID`",
        ),
        (
            "extern \"Go\" { fn f(instance: i32); }",
            "cannot be named `instance`",
        ),
        (
            "extern \"Go\" { fn f(pool: i32); }",
            "cannot be named `pool`",
        ),
        (
            "extern \"Go\" { fn handle(); fn handle_pooled(); }",
            "the export `handle_pooled` has the name of a generated client of the export `handle`",
        ),
        (
            "extern \"Go\" { static X: i32; }",
            "expected `fn name(params) -> T;`",
        ),
        (
            "extern \"Go\" { fn f<T>(t: T); }",
            "generics are not supported",
        ),
        (
            "pub fn register() {}\nextern \"Go\" { fn f(); }",
            "already uses",
        ),
        (
            "pub struct Exports { pub x: i32 }\nextern \"Go\" { fn f(); }",
            "already uses",
        ),
        (
            "extern \"Go\" { fn f(x: i128); }",
            "Go has no 128-bit integer",
        ),
    ];
    for (body, want) in cases {
        let got = errors(body);
        assert!(
            got.contains(want),
            "for `{body}`:\n  got: {got}\n  want it to contain: {want}"
        );
    }
    // A host function named `register` is fine without exports.
    assert!(generate_from_file(&module("pub fn register() {}")).is_ok());
}

#[test]
fn small_integers_chars_arrays_and_maps_are_go_types() {
    let src = module(
        "#[derive(Hash, PartialEq, Eq)]\npub enum Color { Red, Green }\n\
         pub struct Key { pub id: [u8; 32], pub grid: [[i16; 2]; 2], pub c: char, pub n: usize }\n\
         pub struct Index { pub by_color: std::collections::HashMap<Color, Vec<Key>>, pub names: BTreeMap<String, Option<u8>> }\n\
         pub fn f(a: u8, b: i8, c: u16, d: i16, e: usize, g: isize) -> char { 'x' }\n\
         pub fn g(k: Key, i: Index) -> [u16; 4] { [0; 4] }",
    );
    let files = generate_from_file(&src).expect("generate");
    let go = &files[0].contents;
    for want in [
        "\tID   [32]uint8\n\tGrid [2][2]int16\n\tC    rune\n\tN    uint\n",
        "ByColor map[Color][]Key",
        "Names   map[string]*uint8",
        "func F(a uint8, b int8, c uint16, d int16, e uint, g int) rune {",
        "return rawF(uint32(a), int32(b), uint32(c), int32(d), uint64(e), int64(g))",
        "func rawF(uint32, int32, uint32, int32, uint64, int64) int32",
        // A fixed-size record with arrays travels on the stack.
        "copy(a0[0:32], k.ID[:])",
        "gohost.StoreUint16(&a0[38], uint16(k.Grid[1][1]))",
        "var a0 [52]byte",
        "gohost.DuplicateKey(off)",
    ] {
        assert!(go.contains(want), "missing `{want}` in:\n{go}");
    }
}
