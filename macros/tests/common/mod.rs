//! Building a Go guest around a generated package, for the end-to-end
//! tests.

use std::path::Path;

use gohost_build::BuildMode;

/// Builds, for wasip1, a temporary Go module named
/// [`gohost_codegen::DEFAULT_GO_MODULE`] (what `GO_FILES` import without
/// `go_out`) holding the generated package `package` (its `files`), the
/// support package and the main program `main_go` (relative to this
/// crate); returns the wasm.
pub fn build_generated(
    package: &str,
    files: &[(&str, &str)],
    main_go: &str,
    mode: BuildMode,
) -> Vec<u8> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    std::fs::write(
        root.join("go.mod"),
        format!("module {}\n\ngo 1.24\n", gohost_codegen::DEFAULT_GO_MODULE),
    )
    .expect("go.mod");
    let module = gohost_codegen::GoModule::find(root)
        .expect("go.mod")
        .expect("the module");
    gohost_codegen::write_go_files(
        &module.support_dir(),
        &gohost_codegen::support::support_files(),
    )
    .expect("support package");
    std::fs::create_dir(root.join(package)).expect("mkdir");
    for (name, contents) in files {
        std::fs::write(root.join(package).join(name), contents).expect("write go");
    }
    std::fs::copy(manifest.join(main_go), root.join("main.go")).expect("main.go");
    let out = root.join("guest.wasm");
    gohost_build::build_go_to(root, &out, mode);
    std::fs::read(out).expect("read wasm")
}
