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
/// written at expansion, only when its contents change; when the package
/// uses gohost's support code, that goes once into the Go module holding
/// `go_out`, at `internal/gohost`, so the guest builds with the Go toolchain
/// alone), `go_interface =
/// "Plugin"` (the Go interface of the exports, defaults to `Exports`).
///
/// The module gains `add_to_linker`, `MODEL_HASH`, `ABI_VERSION`, `MODULE`
/// and `GO_FILES` (the generated package as `(file name, contents)` pairs;
/// without `go_out` it imports the support package as
/// `guest/internal/gohost`, for a Go module named `guest`). See
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
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    let exp = gohost_codegen::expand_in(attr.into(), item.into(), base.as_deref());
    let mut tokens = exp.tokens;
    if let (Some(dir), Some(package)) = (&exp.go_out, &exp.package) {
        if let Err(e) = package.write() {
            let msg = format!("gohost: cannot write the Go package to `{dir}`: {e}");
            tokens.extend(quote::quote!(::core::compile_error!(#msg);));
        }
    }
    tokens.into()
}
