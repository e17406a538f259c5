//! `gohost inspect`: what a host needs to know about a `.wasm` file before
//! it loads it: command or plugin, the WASI functions and host modules it
//! imports (with signatures and ABI fingerprints), its exports and memory,
//! how Go built it, and whether given host modules satisfy it.

mod goinfo;
mod module;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use gohost_codegen::wasm::{parse_fingerprint_import, provided_imports};
use gohost_codegen::RUNTIME_IMPORT_MODULE;
use serde::Serialize;

use goinfo::GoInfo;
use module::{Item, Memory, ModuleInfo};

/// Describe a compiled guest: command or plugin, WASI and host-module
/// imports with their signatures and ABI fingerprints, exports, memory, and
/// the Go version and build settings it was built with.
///
/// With --host, also check it against the `#[gohost::host_module]`s of
/// Rust source files: exit status 1 if a host module it imports is missing,
/// is another version of the bindings, or lacks a function.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The wasm file.
    file: PathBuf,

    /// Print JSON (for tools) instead of text.
    #[arg(long)]
    json: bool,

    /// A Rust source file with the host's `#[gohost::host_module]`s to check
    /// the guest against (repeatable).
    #[arg(long = "host", value_name = "FILE.rs")]
    hosts: Vec<PathBuf>,
}

/// The WASI preview 1 import module.
const WASI: &str = "wasi_snapshot_preview1";

#[derive(Debug, Serialize)]
struct Report {
    file: String,
    bytes: u64,
    /// `command` (exports `_start`: `gohost run`), `reactor` (exports
    /// `_initialize`: a plugin) or `module` (neither).
    kind: &'static str,
    /// `None` when the Go toolchain did not build it.
    go: Option<GoInfo>,
    memories: Vec<Memory>,
    /// The memory export's name, if the module exports one.
    memory_export: Option<String>,
    /// The WASI preview 1 functions it imports.
    wasi: Vec<String>,
    /// The functions of gohost's own import module it imports (which every
    /// `Linker` provides: `config`).
    gohost: Vec<String>,
    host_modules: Vec<HostModule>,
    /// Imports of neither WASI nor a gohost host module (functions a host
    /// registers with `Linker::func_wrap`).
    other_imports: Vec<Item>,
    exports: Vec<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_check: Option<HostCheck>,
}

/// A gohost host module the guest imports: one with a fingerprint import.
#[derive(Debug, Serialize)]
struct HostModule {
    name: String,
    abi_version: u32,
    fingerprint: String,
    functions: Vec<Item>,
}

#[derive(Debug, Serialize)]
struct HostCheck {
    sources: Vec<String>,
    ok: bool,
    problems: Vec<String>,
}

pub fn inspect(a: InspectArgs) -> ExitCode {
    let report = match build_report(&a) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("gohost inspect: {}: {msg}", a.file.display());
            return ExitCode::from(2);
        }
    };
    if a.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("gohost inspect: cannot write JSON: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", text(&report));
    }
    match &report.host_check {
        Some(check) if !check.ok => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

fn build_report(a: &InspectArgs) -> Result<Report, String> {
    let bytes = std::fs::read(&a.file).map_err(|e| format!("cannot read it: {e}"))?;
    let info = ModuleInfo::parse(&bytes)?;
    let kind = if info.export("_start").is_some() {
        "command"
    } else if info.export("_initialize").is_some() {
        "reactor"
    } else {
        "module"
    };
    let mut wasi = Vec::new();
    let mut runtime = Vec::new();
    let mut by_module: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    for import in &info.imports {
        match import.module.as_deref() {
            Some(WASI) => wasi.push(import.name.clone()),
            Some(RUNTIME_IMPORT_MODULE) => runtime.push(import.name.clone()),
            Some(m) => by_module.entry(m).or_default().push(import),
            None => {}
        }
    }
    wasi.sort();
    wasi.dedup();
    runtime.sort();
    runtime.dedup();
    let mut host_modules = Vec::new();
    let mut other_imports = Vec::new();
    for (name, imports) in by_module {
        let fingerprint = imports
            .iter()
            .find_map(|i| parse_fingerprint_import(&i.name));
        match fingerprint {
            Some((abi_version, hash)) => host_modules.push(HostModule {
                name: name.to_owned(),
                abi_version,
                fingerprint: hash.to_owned(),
                functions: imports
                    .iter()
                    .filter(|i| parse_fingerprint_import(&i.name).is_none())
                    .map(|i| (*i).clone())
                    .collect(),
            }),
            None => other_imports.extend(imports.into_iter().cloned()),
        }
    }
    let host_check = (!a.hosts.is_empty())
        .then(|| check_hosts(&a.hosts, &host_modules))
        .transpose()?;
    Ok(Report {
        file: a.file.display().to_string(),
        bytes: bytes.len() as u64,
        kind,
        go: GoInfo::read(&info),
        memory_export: info
            .exports
            .iter()
            .find(|e| e.kind == "memory")
            .map(|e| e.name.clone()),
        memories: info.memories,
        wasi,
        gohost: runtime,
        host_modules,
        other_imports,
        exports: info.exports,
        host_check,
    })
}

/// Checks the guest's host modules against those declared in `sources`.
fn check_hosts(sources: &[PathBuf], imported: &[HostModule]) -> Result<HostCheck, String> {
    let mut declared = BTreeMap::new();
    for path in sources {
        let src = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --host {}: {e}", path.display()))?;
        let modules = gohost_codegen::modules_from_file(&src)
            .map_err(|e| format!("--host {}:\n{e}", path.display()))?;
        for m in modules {
            let hash = gohost_codegen::hash::model_hash(&m);
            let provided: BTreeMap<String, String> = provided_imports(&m)
                .into_iter()
                .map(|(name, sig)| (name, sig.to_string()))
                .collect();
            declared.insert(m.name.clone(), (hash, provided, path.clone()));
        }
    }
    let mut problems = Vec::new();
    for module in imported {
        let Some((hash, provided, path)) = declared.get(&module.name) else {
            problems.push(format!(
                "the guest imports host module `{}`, which no --host file declares",
                module.name
            ));
            continue;
        };
        if module.abi_version != gohost_codegen::ABI_VERSION || &module.fingerprint != hash {
            problems.push(format!(
                "host module `{}`: the guest was built against other bindings (ABI {}, \
                 fingerprint {}); {} declares ABI {}, fingerprint {hash}: rebuild the guest \
                 against it (`gohost gen`, then `go build`), or update {} to the version the \
                 guest was built against",
                module.name,
                module.abi_version,
                module.fingerprint,
                path.display(),
                gohost_codegen::ABI_VERSION,
                path.display(),
            ));
        }
        for f in &module.functions {
            let wanted = f.signature.as_deref().unwrap_or("(not a function)");
            match provided.get(&f.name) {
                None => problems.push(format!(
                    "the guest imports `{}.{}` {wanted}, which {} does not declare",
                    module.name,
                    f.name,
                    path.display()
                )),
                Some(sig) if sig != wanted => problems.push(format!(
                    "`{}.{}`: the guest imports it as {wanted}, the host declares {sig}",
                    module.name, f.name
                )),
                Some(_) => {}
            }
        }
    }
    Ok(HostCheck {
        sources: sources.iter().map(|p| p.display().to_string()).collect(),
        ok: problems.is_empty(),
        problems,
    })
}

/// The report as text, one section a line group.
fn text(r: &Report) -> String {
    let mut o = String::new();
    let kind = match r.kind {
        "command" => "a command (a program: `gohost run`, `Instance::run`)",
        "reactor" => "a reactor (a plugin: `Instance::initialize`, then its exports)",
        _ => "a module with neither `_start` nor `_initialize`",
    };
    let _ = writeln!(o, "{}: {kind}, {}", r.file, size(r.bytes));
    match &r.go {
        Some(go) => {
            let version = go.version.as_deref().unwrap_or("an unknown Go version");
            let _ = write!(o, "Go:       built by {version}");
            if let Some(path) = &go.path {
                let _ = write!(o, ", main package {path}");
            }
            o.push('\n');
            if !go.settings.is_empty() {
                let settings: Vec<String> = go
                    .settings
                    .iter()
                    .map(|(k, v)| {
                        if v.is_empty() {
                            k.clone()
                        } else {
                            format!("{k}={v}")
                        }
                    })
                    .collect();
                let _ = writeln!(o, "          build: {}", settings.join(" "));
            }
            for m in &go.modules {
                let _ = write!(o, "          {} {} {}", m.role, m.path, m.version);
                if let Some(r) = &m.replaced_by {
                    let _ = write!(o, " => {r}");
                }
                o.push('\n');
            }
            if let Some(id) = &go.build_id {
                let _ = writeln!(o, "          build ID: {id}");
            }
            if let Some(goos) = go.setting("GOOS").filter(|g| *g != "wasip1") {
                let _ = writeln!(
                    o,
                    "          warning: built for GOOS={goos}; gohost runs GOOS=wasip1 binaries"
                );
            }
        }
        None => {
            let _ = writeln!(
                o,
                "Go:       no Go build information: not built by the Go toolchain"
            );
        }
    }
    if r.memories.is_empty() {
        let _ = writeln!(o, "Memory:   none");
    }
    for m in &r.memories {
        let max = match m.max_pages {
            Some(p) => format!("at most {p} pages ({})", size(p * 65536)),
            None => "no maximum".to_owned(),
        };
        let origin = if m.imported { "imported" } else { "defined" };
        let _ = write!(
            o,
            "Memory:   {origin}, {} pages ({}) at start, {max}",
            m.min_pages,
            size(m.min_pages * 65536)
        );
        if let Some(name) = &r.memory_export {
            let _ = write!(o, "; exported as `{name}`");
        }
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "WASI:     {} functions of {WASI}: {}",
        r.wasi.len(),
        r.wasi.join(", ")
    );
    if !r.gohost.is_empty() {
        let names: Vec<String> = r
            .gohost
            .iter()
            .map(|f| format!("{RUNTIME_IMPORT_MODULE}.{f}"))
            .collect();
        let _ = writeln!(
            o,
            "gohost:   {} (provided by every gohost Linker)",
            names.join(", ")
        );
    }
    for m in &r.host_modules {
        let _ = writeln!(
            o,
            "Host module `{}`: ABI {}, fingerprint {}, {} functions",
            m.name,
            m.abi_version,
            m.fingerprint,
            m.functions.len()
        );
        for f in &m.functions {
            let _ = writeln!(o, "          {}", item(f));
        }
    }
    if !r.other_imports.is_empty() {
        let _ = writeln!(o, "Other imports (not gohost host modules):");
        for i in &r.other_imports {
            let _ = writeln!(o, "          {}", item(i));
        }
    }
    let _ = writeln!(o, "Exports:");
    for e in &r.exports {
        let _ = writeln!(o, "          {}", item(e));
    }
    if let Some(check) = &r.host_check {
        let sources = check.sources.join(", ");
        if check.ok {
            let _ = writeln!(
                o,
                "Host check ({sources}): ok, every host-module import is declared with its signature"
            );
        } else {
            let _ = writeln!(
                o,
                "Host check ({sources}): {} {}",
                check.problems.len(),
                if check.problems.len() == 1 {
                    "problem"
                } else {
                    "problems"
                }
            );
            for p in &check.problems {
                let _ = writeln!(o, "          {p}");
            }
        }
    }
    o
}

/// `kv.get (i32, i32) -> i32`, `memory (memory)`.
fn item(i: &Item) -> String {
    let name = match &i.module {
        Some(m) => format!("{m}.{}", i.name),
        None => i.name.clone(),
    };
    match &i.signature {
        Some(sig) => format!("{name} {sig}"),
        None => format!("{name} ({})", i.kind),
    }
}

/// `2.6 MiB`, `12.0 KiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= KIB {
        format!("{:.1} KiB", bytes as f64 / KIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}
