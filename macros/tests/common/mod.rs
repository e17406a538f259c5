//! Building a Go guest around a generated package, for the end-to-end
//! tests.

use std::path::Path;

use gohost_build::BuildMode;

/// Builds, for wasip1, a temporary Go module `module` holding the generated
/// package `package` (its `files`) and the main program `main_go` (relative
/// to this crate), with a `replace` to the local support module; returns
/// the wasm.
pub fn build_generated(
    module: &str,
    package: &str,
    files: &[(&str, &str)],
    main_go: &str,
    mode: BuildMode,
) -> Vec<u8> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let support = manifest
        .join("../go")
        .canonicalize()
        .expect("support module");
    std::fs::write(
        root.join("go.mod"),
        format!(
            "module {module}\n\ngo 1.24\n\nrequire github.com/gohost/gohost/go v0.0.0\n\nreplace github.com/gohost/gohost/go => {}\n",
            support.display()
        ),
    )
    .expect("go.mod");
    std::fs::create_dir(root.join(package)).expect("mkdir");
    for (name, contents) in files {
        std::fs::write(root.join(package).join(name), contents).expect("write go");
    }
    std::fs::copy(manifest.join(main_go), root.join("main.go")).expect("main.go");
    let out = root.join("guest.wasm");
    gohost_build::build_go_to(root, &out, mode);
    std::fs::read(out).expect("read wasm")
}
