//! `#[gohost::host_module]`: parse, call `gohost-codegen`, emit tokens.
//!
//! All logic lives in `gohost-codegen` so that the macro and `gohost gen`
//! produce the same Go, byte for byte. Use the macro through the `gohost`
//! crate, which re-exports it as `gohost::host_module`.

use proc_macro::TokenStream;

/// Declares a host module: the functions, records, enums and handles a Go
/// guest can use.
///
/// Arguments: `name = "kv"` (the wasm import module, required),
/// `go_package = "kv"` (defaults to `name`), `go_out = "guest/kv"` (optional:
/// a directory relative to `CARGO_MANIFEST_DIR` where the Go package is
/// written at expansion, only when its contents change), `go_interface =
/// "Plugin"` (the Go interface of the exports, defaults to `Exports`).
///
/// The module gains `add_to_linker`, `MODEL_HASH`, `ABI_VERSION`, `MODULE`
/// and `GO_FILES` (the generated Go as `(file name, contents)` pairs). See
/// `docs/abi.md` for the wire contract.
///
/// Functions the Go guest implements (a plugin's exports) are declared in an
/// `extern "Go" { ... }` block inside the module, as signatures without
/// bodies. The Go package gets an interface the plugin implements and a
/// `Register` function it calls from `init`; the module gets `pub mod
/// exports` with one typed client per function:
///
/// ```ignore
/// #[gohost::host_module(name = "kv", go_interface = "Plugin")]
/// pub mod kv {
///     pub struct Request { pub key: String }
///     pub enum PluginError { NotFound }
///     extern "Go" {
///         /// Handles a request.
///         fn handle(req: &Request) -> Result<Vec<u8>, PluginError>;
///     }
/// }
/// // host: instance.initialize()?;
/// //       let reply = kv::exports::handle(&mut instance, &req)?; // Result<Vec<u8>, PluginError>
/// ```
#[proc_macro_attribute]
pub fn host_module(attr: TokenStream, item: TokenStream) -> TokenStream {
    let exp = gohost_codegen::expand(attr.into(), item.into());
    let mut tokens = exp.tokens;
    if let Some(dir) = &exp.go_out {
        if let Err(e) = write(dir, &exp.go_files) {
            let msg = format!("gohost: cannot write the Go package to `{dir}`: {e}");
            tokens.extend(quote::quote!(::core::compile_error!(#msg);));
        }
    }
    tokens.into()
}

fn write(dir: &str, files: &[gohost_codegen::GoFile]) -> Result<(), String> {
    let root = std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?;
    let dir = std::path::Path::new(&root).join(dir);
    gohost_codegen::write_go_files(&dir, files)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
