//! The generated Go, checked by the real Go toolchain: `gofmt -l` finds
//! nothing to change, and `go vet` and `go build` pass for
//! GOOS=wasip1 GOARCH=wasm with the support package beside them, both
//! for a command and for a plugin (a reactor, `-buildmode=c-shared`) that
//! implements the module's exports.

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sample_go() -> String {
    let src = std::fs::read_to_string(manifest().join("tests/golden/sample.rs")).expect("sample");
    let files = gohost_codegen::generate_from_file(&src).expect("generate");
    files[0].contents.clone()
}

fn go(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go (is the Go toolchain on PATH?)")
}

/// A temporary Go module `guest` (the module `generate_from_file`'s
/// output assumes) holding the generated package `pkg` (from `go_src`) and
/// the support package.
fn module_with(pkg: &str, go_src: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    std::fs::write(root.join("go.mod"), "module guest\n\ngo 1.24\n").expect("go.mod");
    gohost_codegen::write_go_files(
        &root.join("internal/gohost"),
        &gohost_codegen::support::support_files(),
    )
    .expect("support package");
    std::fs::create_dir(root.join(pkg)).expect("mkdir");
    std::fs::write(root.join(pkg).join(format!("{pkg}.go")), go_src).expect("write the package");
    (tmp, root)
}

/// A temporary Go module holding the generated package `kv` and a main
/// program using it.
fn guest_module() -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = module_with("kv", &sample_go());
    std::fs::write(
        root.join("main.go"),
        r#"package main

import (
	"errors"
	"fmt"

	"guest/kv"
)

func main() {
	fmt.Println(kv.Add(1, 2))
	if _, err := kv.Get("missing"); errors.Is(err, kv.KvErrorNotFound{}) {
		fmt.Println("not found")
	}
	var tooLarge kv.KvErrorTooLarge
	if err := kv.Put("k", nil); errors.As(err, &tooLarge) {
		fmt.Println(tooLarge.Limit)
	}
	t := kv.Begin()
	defer t.Close()
	limit := uint32(3)
	entries, err := kv.List(kv.ListOptions{Prefix: "a", Limit: &limit})
	fmt.Println(len(entries), err, kv.ColorRed)
	blob, _ := kv.Touch(kv.Blob{Hash: [32]uint8{1}, Kind: 2, Delta: -3, Size: 4, Initial: 'é', Origin: [2]int8{-1, 1}})
	counts, err := kv.Census(map[kv.Color]uint32{kv.ColorRed: 1}, map[string][]kv.Blob{"a": {blob}})
	up, _ := kv.Initial('a')
	fmt.Println(kv.Narrow(1, -2, -3, 4, -5, 6), up, counts["a"][2], err)
}
"#,
    )
    .expect("main.go");
    std::fs::create_dir(root.join("plugin")).expect("mkdir");
    std::fs::write(root.join("plugin/main.go"), PLUGIN).expect("plugin/main.go");
    (tmp, root)
}

/// A plugin implementing `kv.Exports`.
const PLUGIN: &str = r#"package main

import (
	"errors"

	"guest/kv"
)

type plugin struct{ n int }

func (p *plugin) PluginAdd(a int32, b uint32) int64 { return int64(a) + int64(b) }
func (p *plugin) Ready() bool                       { return p.n > 0 }
func (p *plugin) Notify(flag bool, ratio float64, count uint64, scale float32) {
	p.n++
}
func (p *plugin) OnEntry(entry kv.Entry, key string, data []byte) (kv.Stats, error) {
	if key == "" {
		return kv.Stats{}, kv.KvErrorNotFound{}
	}
	return kv.Stats{Count: uint32(len(data)), Last: &entry}, nil
}
func (p *plugin) Render(opts kv.ListOptions, names []string, limit *uint32) (string, error) {
	if limit == nil {
		return "", errors.New("no limit")
	}
	return opts.Prefix, nil
}
func (p *plugin) Shapes(shape kv.Shape, color kv.Color) []*kv.Shape { return []*kv.Shape{&shape, nil} }
func (p *plugin) Reset() error                                      { return nil }
func (p *plugin) Show(label kv.Label) kv.Label                      { return label }
func (p *plugin) Store(data []byte, name string)                    {}
func (p *plugin) Wide(a, b, c, d, e, f, g, h, i int32) int32        { return a + i }
func (p *plugin) Digest(key [32]uint8, c rune, n uint8) (map[uint16][]uint, error) {
	return map[uint16][]uint{uint16(key[0]): {uint(n), uint(c)}}, nil
}

func init() {
	kv.Register(&plugin{})
}

func main() {}
"#;

#[test]
fn generated_go_is_gofmt_clean() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("kv.go");
    std::fs::write(&path, sample_go()).expect("write");
    let out = Command::new("gofmt")
        .arg("-l")
        .arg(&path)
        .output()
        .expect("run gofmt");
    assert!(
        out.status.success(),
        "gofmt failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "gofmt would reformat the generated Go: run `gofmt -d` on it"
    );
}

#[test]
fn generated_go_vets_and_builds_for_wasip1() {
    let (_tmp, root) = guest_module();
    let vet = go(&root, &["vet", "./..."]);
    assert!(
        vet.status.success(),
        "go vet failed:\n{}",
        String::from_utf8_lossy(&vet.stderr)
    );
    let build = go(&root, &["build", "-o", "guest.wasm", "."]);
    assert!(
        build.status.success(),
        "go build failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    assert!(root.join("guest.wasm").exists());
    let plugin = go(
        &root,
        &[
            "build",
            "-buildmode=c-shared",
            "-o",
            "plugin.wasm",
            "./plugin",
        ],
    );
    assert!(
        plugin.status.success(),
        "go build -buildmode=c-shared failed:\n{}",
        String::from_utf8_lossy(&plugin.stderr)
    );
    assert!(root.join("plugin.wasm").exists());
}

#[test]
fn parameters_named_like_the_wires_of_raw_imports_still_vet() {
    let src = r#"
#[gohost::host_module(name = "clash")]
pub mod clash {
    pub struct Pair { pub a: u32, pub b: u32 }
    pub fn status(status: u32, data: &[u8], data_len: u32, ret_ptr: u32) -> Result<u32, String> {
        Ok(status + data.len() as u32 + data_len + ret_ptr)
    }
    pub fn area(ret_cap: &str, ret_len: Pair, a0: Pair, b0: u32) -> Vec<u8> {
        vec![ret_cap.len() as u8, (ret_len.a + a0.b + b0) as u8]
    }
}
"#;
    let files = gohost_codegen::generate_from_file(src).expect("generate");
    let (_tmp, root) = module_with("clash", &files[0].contents);
    let vet = go(&root, &["vet", "./..."]);
    assert!(
        vet.status.success(),
        "go vet failed:\n{}\n{}",
        String::from_utf8_lossy(&vet.stderr),
        files[0].contents
    );
}

#[test]
fn a_module_of_scalar_functions_alone_builds() {
    // Nothing in it uses the support package; Go refuses an unused import.
    let src = r#"
#[gohost::host_module(name = "scalars")]
pub mod scalars {
    pub fn add(a: i32, b: i32) -> i32 { a + b }
    pub async fn later(a: i64) -> i64 { a }
}
"#;
    let files = gohost_codegen::generate_from_file(src).expect("generate");
    assert!(
        !files[0].uses_support && !files[0].contents.contains("internal/gohost"),
        "{}",
        files[0].contents
    );
    let (_tmp, root) = module_with("scalars", &files[0].contents);
    let vet = go(&root, &["vet", "./..."]);
    assert!(
        vet.status.success(),
        "go vet failed:\n{}\n{}",
        String::from_utf8_lossy(&vet.stderr),
        files[0].contents
    );
}
