//! A Rust host for Go plugins, made with `gohost new plugin`.
//!
//! The `#[gohost::host_module]` below declares the API both ways: the host
//! functions a plugin may call, and (in `extern "Go"`) the functions every
//! plugin implements. Building this crate writes the Go package
//! `plugins/{{package}}` (and the support code it imports,
//! `plugins/internal/gohost`); [`load_plugins`] builds each plugin under
//! `plugins/` with your Go toolchain and loads it, with limits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gohost::{Config, Engine, Limits, Linker, Module, Output, Pool, WasiConfig};

/// What the host keeps for one plugin instance.
#[derive(Debug, Default)]
pub struct Host {
    /// The plugin's name, for its log lines.
    pub plugin: String,
}

/// The plugin API, as the Go package `{{package}}`.
#[gohost::host_module(name = "{{package}}", go_out = "plugins/{{package}}", go_interface = "Plugin")]
pub mod {{package}} {
    /// What the host asks a plugin.
    pub struct Request {
        /// Who is asking.
        pub name: String,
        /// How many times to answer.
        pub times: u32,
    }

    /// Writes a line to the host's standard error, after the plugin's name.
    /// (A bigger host would hand it to its logger: `tracing`, `log`.)
    pub fn log(host: &mut super::Host, line: &str) {
        eprintln!("{}: {line}", host.plugin);
    }

    extern "Go" {
        /// Answers a request; an error is the plugin's refusal.
        pub fn handle(req: &Request) -> Result<String, String>;
    }
}

/// A loaded plugin: a pool of its instances, each with limits.
pub struct Plugin {
    /// The plugin's name (its directory under `plugins/`).
    pub name: String,
    /// The module built from it.
    pub wasm: PathBuf,
    pool: Pool<Host>,
}

impl Plugin {
    /// Sends `req` to the plugin. The outer error is the host's (the plugin
    /// trapped, ran out of fuel or time, broke the ABI); the inner one is
    /// the plugin's answer.
    pub fn handle(&self, req: &{{package}}::Request) -> Result<Result<String, String>, gohost::Error> {
        self.pool.call(|instance| {{package}}::exports::handle(instance, req))
    }
}

/// Why the plugins could not be loaded: a plugin that does not build (with
/// the Go compiler's messages) or a module gohost refuses.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Builds every plugin under `plugins/` (each directory with a `main.go`)
/// into `target/gohost-guests/{{crate}}-plugins/NAME.wasm` and loads it.
pub fn load_plugins() -> Result<Vec<Plugin>, Error> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder: PathBuf = gohost_build::out_dir().join("{{crate}}-plugins");
    let names = gohost_build::try_build_plugins(&root.join("plugins"), &folder)?;
    // Fuel metering and interruption, for the limits below.
    let engine = Engine::new(Config::new().consume_fuel(true).interruptible(true));
    let mut plugins = Vec::new();
    for name in names {
        let wasm = folder.join(format!("{name}.wasm"));
        let module = Module::from_file(&engine, &wasm)?;
        let mut linker = Linker::<Host>::new(&engine);
        {{package}}::add_to_linker(&mut linker, |host: &mut Host| host)?;
        let plugin = name.clone();
        let pool = Pool::builder(linker, module, move || Host { plugin: plugin.clone() })
            .limits(
                Limits::new()
                    .memory_bytes(64 << 20)
                    .fuel_per_call(500_000_000)
                    .deadline(Duration::from_secs(5)),
            )
            .wasi(|| {
                let mut wasi = WasiConfig::new();
                wasi.stderr(Output::Inherit);
                wasi
            })
            .build();
        plugins.push(Plugin { name, wasm, pool });
    }
    Ok(plugins)
}
