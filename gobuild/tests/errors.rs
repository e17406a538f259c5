//! Go code that does not build comes back as an error that carries the
//! compiler's messages, from the real Go toolchain.

use gohost_build::{BuildMode, Error};

/// A Go module in a fresh directory: `go.mod` and the files given.
fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("go.mod"), "module shop\n\ngo 1.24\n").expect("go.mod");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

const BROKEN: &str = "package main

func main() {
	greet()
}
";

#[test]
fn a_compile_error_is_an_error_with_the_compiler_s_message() {
    gohost_build::require_go();
    let src = module(&[("plugins/hello/main.go", BROKEN)]);
    let package = src.path().join("plugins/hello");
    let out = src.path().join("out/hello.wasm");
    let err = gohost_build::try_build_go_to(&package, &out, BuildMode::Reactor)
        .expect_err("a package that does not compile");
    let msg = err.to_string();
    let first = msg.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("gohost-build: go build of {} failed:", package.display()),
        "{msg}"
    );
    // The compiler's own words, with the file and line.
    assert!(msg.contains("./main.go:4:2: undefined: greet"), "{msg}");
    // And what ran, so that it can be run again by hand.
    assert!(
        msg.lines().last().is_some_and(|l| l
            .starts_with("(ran `GOOS=wasip1 GOARCH=wasm go build -o ")
            && l.contains("-buildmode=c-shared .` in ")),
        "{msg}"
    );
    let Error::Build {
        package: p,
        mode,
        output,
        status,
        ..
    } = &err
    else {
        panic!("not a build error: {err:?}");
    };
    assert_eq!(
        (p.as_path(), *mode),
        (package.as_path(), BuildMode::Reactor)
    );
    assert!(!status.success());
    assert!(output.starts_with("# shop/plugins/hello\n"), "{output}");
    assert!(!out.exists(), "no module is written");
}

#[test]
fn build_plugins_stops_at_the_first_plugin_that_does_not_build() {
    gohost_build::require_go();
    let fine = "package main\n\nfunc main() {}\n";
    let src = module(&[
        ("a/main.go", fine),
        ("b/main.go", BROKEN),
        ("c/main.go", fine),
    ]);
    let folder = src.path().join("built");
    let err = gohost_build::try_build_plugins(src.path(), &folder).expect_err("b does not build");
    let msg = err.to_string();
    assert!(msg.contains("./main.go:4:2: undefined: greet"), "{msg}");
    assert!(
        matches!(&err, Error::Build { package, .. } if package.ends_with("b")),
        "{err:?}"
    );
    assert!(folder.join("a.wasm").is_file());
    assert!(!folder.join("c.wasm").exists());

    let err = gohost_build::try_build_plugins(&src.path().join("nowhere"), &folder)
        .expect_err("no such directory");
    assert!(
        err.to_string()
            .starts_with("gohost-build: cannot read the plugins in "),
        "{err}"
    );
}

#[test]
fn the_panicking_form_panics_with_the_same_words() {
    gohost_build::require_go();
    let src = module(&[("main.go", BROKEN)]);
    let out = src.path().join("x.wasm");
    let expected = gohost_build::try_build_go_to(src.path(), &out, BuildMode::Command)
        .expect_err("does not compile")
        .to_string();
    let panic = std::panic::catch_unwind(|| {
        gohost_build::build_go_to(src.path(), &out, BuildMode::Command)
    })
    .expect_err("panics");
    let said = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(said, expected);
}
