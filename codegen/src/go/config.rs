//! `Config(key)`: every generated package reads the configuration values
//! the host gave the instance (a plugin manifest's `[config]` table), through
//! the import `gohost.config` that every gohost `Linker` provides.

use std::fmt::Write as _;

use crate::model::Module;
use crate::naming;
use crate::shared::RUNTIME_IMPORT_MODULE;

/// Whether `m`'s package gets `Config`: not when the module has a type or
/// function of that Go name (whose raw import would also be `rawConfig`);
/// the module's own item keeps the name.
pub(super) fn wanted(m: &Module) -> bool {
    !super::declares(m, "Config")
        && !m
            .funcs
            .iter()
            .any(|f| naming::exported(&f.name) == "Config")
}

/// The raw import and the wrapper. The value comes back into a stack buffer
/// when it fits (the import cannot call back into Go, so the goroutine's
/// stack cannot move during it), into one allocation otherwise.
pub(super) fn emit(o: &mut String) {
    let _ = write!(
        o,
        r#"//go:wasmimport {RUNTIME_IMPORT_MODULE} config
//go:noescape
func rawConfig(key string, buf unsafe.Pointer, capacity uint32) int32

// Config returns the configuration value the host gave this instance under
// key (the [config] table of a plugin's manifest, or WasiConfig::config in
// Rust), and whether there is one. The values are fixed for the life of an
// instance.
func Config(key string) (string, bool) {{
	var small [128]byte
	n := rawConfig(key, unsafe.Pointer(&small), uint32(len(small)))
	if n < 0 {{
		return "", false
	}}
	if int(n) <= len(small) {{
		return string(small[:n]), true
	}}
	buf := make([]byte, n)
	if rawConfig(key, unsafe.Pointer(unsafe.SliceData(buf)), uint32(n)) != n {{
		panic("gohost: " + moduleName + ": the host's configuration value " + key + " changed")
	}}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), true
}}

"#
    );
}

#[cfg(test)]
mod tests {
    use crate::generate_from_file;

    fn go_of(src: &str) -> String {
        let files = generate_from_file(src).expect("parse");
        files.into_iter().map(|f| f.contents).collect()
    }

    #[test]
    fn every_package_reads_config_unless_the_module_owns_the_name() {
        let plain = go_of("#[gohost::host_module(name = \"m\")]\npub mod m {\n    pub fn f(x: u32) -> u32 { x }\n}\n");
        assert!(plain.contains("//go:wasmimport gohost config\n"), "{plain}");
        assert!(plain.contains("func Config(key string) (string, bool) {"));
        let owned = go_of("#[gohost::host_module(name = \"m\")]\npub mod m {\n    pub fn config(x: u32) -> u32 { x }\n}\n");
        assert!(!owned.contains("gohost config"), "{owned}");
        assert!(owned.contains("func Config(x uint32) uint32"), "{owned}");
    }
}
