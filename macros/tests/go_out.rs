//! `go_out`: the macro writes the Go package at expansion, relative to
//! `CARGO_MANIFEST_DIR`.

#[gohost::host_module(name = "calc", go_out = "../target/gohost-test-go-out/calc")]
pub mod calc {
    /// Adds two numbers.
    pub fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
}

#[test]
fn go_out_holds_the_generated_package() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/gohost-test-go-out/calc");
    for (name, contents) in calc::GO_FILES {
        let on_disk = std::fs::read_to_string(dir.join(name)).expect("the macro wrote the file");
        assert_eq!(&on_disk, contents);
    }
    assert_eq!(calc::add(2, 2), 4);
}
