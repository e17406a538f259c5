//! `gohost new`: a starting project, a Rust host crate with a Go guest
//! (`host`) or with Go plugins (`plugin`), that builds, runs and passes its
//! test as written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gohost_codegen::naming;

/// Start a project: a Rust host crate with a `#[gohost::host_module]`, its
/// Go side, a test and a README.
///
/// `host` makes a program that runs a Go command and offers it host
/// functions; `plugin` makes a host that loads Go plugins (reactors) and
/// calls what they export.
///
/// The project's first build compiles gohost and its WebAssembly engine,
/// which takes minutes; later builds take seconds.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What to start.
    kind: Kind,

    /// The crate's name (letters, digits, `-` and `_`); the Go package is
    /// the name in lower case without `-` and `_`.
    name: String,

    /// Where to write the project (default: ./NAME). Must not exist or be
    /// empty.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Depend on the gohost crates of this local checkout (by path) instead
    /// of the published ones.
    #[arg(long, value_name = "DIR")]
    gohost_path: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Kind {
    /// A program that runs a Go command and offers it host functions.
    Host,
    /// A program that loads Go plugins and calls their exports.
    Plugin,
}

/// One template file: where it goes and what it holds.
struct Template {
    path: &'static str,
    text: &'static str,
}

macro_rules! templates {
    ($kind:literal: $($path:literal => $file:literal),* $(,)?) => {
        &[$(Template {
            path: $path,
            text: include_str!(concat!("../templates/", $kind, "/", $file)),
        }),*]
    };
}

const HOST: &[Template] = templates!("host":
    "Cargo.toml" => "Cargo.toml",
    ".gitignore" => "gitignore",
    "README.md" => "README.md",
    "src/lib.rs" => "src/lib.rs",
    "src/main.rs" => "src/main.rs",
    "tests/guest.rs" => "tests/guest.rs",
    "guest/go.mod" => "guest/go.mod",
    "guest/main.go" => "guest/main.go",
);

const PLUGIN: &[Template] = templates!("plugin":
    "Cargo.toml" => "Cargo.toml",
    ".gitignore" => "gitignore",
    "README.md" => "README.md",
    "src/lib.rs" => "src/lib.rs",
    "src/main.rs" => "src/main.rs",
    "tests/plugins.rs" => "tests/plugins.rs",
    "plugins/go.mod" => "plugins/go.mod",
    "plugins/hello/main.go" => "plugins/hello/main.go",
);

/// What the first build of a project costs (in its README and in what
/// `gohost new` prints). Measured: a new plugin project's first `cargo run`
/// took 407 s of CPU time (it compiles about 100 crates, gohost and wasmi
/// optimized among them); 2 cores can at best halve that.
const FIRST_BUILD: &str =
    "about 7 minutes of CPU time, so 3.5 to 7 minutes on 2 cores and less on more";

pub fn new(a: NewArgs) -> ExitCode {
    match scaffold(&a) {
        Ok(dir) => {
            println!(
                "created {}\nnext: cd {} && cargo run -- Gopher && cargo test\n\
                 (the first `cargo run` compiles gohost and its engine: {FIRST_BUILD}; \
                 later builds take seconds)",
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("gohost new: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn scaffold(a: &NewArgs) -> Result<PathBuf, String> {
    let names = Names::new(&a.name)?;
    let deps = dependencies(a.gohost_path.as_deref())?;
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from(&a.name));
    if std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(format!("{} exists and is not empty", dir.display()));
    }
    let templates = match a.kind {
        Kind::Host => HOST,
        Kind::Plugin => PLUGIN,
    };
    for t in templates {
        let path = dir.join(t.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let text = fill(t.text, &names, &deps);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(dir)
}

/// The names a project's files use, derived from the crate's name.
#[derive(Debug, PartialEq)]
struct Names {
    /// The crate (`my-host`).
    krate: String,
    /// The crate as a Rust path (`my_host`).
    lib: String,
    /// The host module, its Go package and its Rust module (`myhost`).
    package: String,
}

impl Names {
    fn new(name: &str) -> Result<Names, String> {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(format!(
                "`{name}` is not a crate name gohost can use: start with a letter, \
                 then letters, digits, `-` or `_`"
            ));
        }
        let package: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if naming::is_go_keyword(&package) || RESERVED.contains(&package.as_str()) {
            return Err(format!(
                "`{name}` would make the package `{package}`, a keyword or reserved name \
                 in Go or Rust; choose another name"
            ));
        }
        Ok(Names {
            krate: name.to_string(),
            lib: name.replace('-', "_"),
            package,
        })
    }
}

/// Rust's keywords, and names the project's layout takes; Go's keywords
/// are the code generator's ([`naming::is_go_keyword`]).
const RESERVED: &[&str] = &[
    // Rust keywords (strict and reserved).
    "as", "async", "await", "crate", "dyn", "enum", "extern", "false", "fn", "impl", "in", "let",
    "loop", "match", "mod", "move", "mut", "pub", "ref", "self", "static", "super", "trait",
    "true", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen",
    "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    // The layout: `main` is the guest's package, `internal` holds gohost's
    // support code, `gohost` is the crate the module names.
    "main", "internal", "gohost",
];

/// The `[dependencies]` lines for the gohost crates.
struct Dependencies {
    gohost: String,
    gohost_build: String,
}

fn dependencies(checkout: Option<&Path>) -> Result<Dependencies, String> {
    let Some(checkout) = checkout else {
        let version = env!("CARGO_PKG_VERSION");
        return Ok(Dependencies {
            gohost: format!("gohost = \"{version}\""),
            gohost_build: format!("gohost-build = \"{version}\""),
        });
    };
    let root = checkout
        .canonicalize()
        .map_err(|e| format!("--gohost-path {}: {e}", checkout.display()))?;
    for krate in ["runtime", "gobuild"] {
        if !root.join(krate).join("Cargo.toml").is_file() {
            return Err(format!(
                "--gohost-path {}: not a gohost checkout (no {krate}/Cargo.toml)",
                checkout.display()
            ));
        }
    }
    let path = |krate: &str| toml_string(&root.join(krate).display().to_string());
    Ok(Dependencies {
        gohost: format!("gohost = {{ path = {} }}", path("runtime")),
        gohost_build: format!("gohost-build = {{ path = {} }}", path("gobuild")),
    })
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let escaped: String = s
        .chars()
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// The Go package name in the Go templates: a valid identifier, so that
/// the templates themselves are Go that gofmt and vet can read.
const GO_PACKAGE_PLACEHOLDER: &str = "scaffoldpkg";

fn fill(text: &str, names: &Names, deps: &Dependencies) -> String {
    text.replace("{{crate}}", &names.krate)
        .replace("{{lib}}", &names.lib)
        .replace("{{package}}", &names.package)
        .replace(GO_PACKAGE_PLACEHOLDER, &names.package)
        .replace("{{gohost_dep}}", &deps.gohost)
        .replace("{{gohost_build_dep}}", &deps.gohost_build)
        .replace("{{first_build}}", FIRST_BUILD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_a_crate_name() {
        let n = Names::new("My-host_2").expect("a valid name");
        assert_eq!(n.lib, "My_host_2");
        assert_eq!(n.package, "myhost2");
        assert!(Names::new("2fast").is_err());
        assert!(Names::new("a b").is_err());
        assert!(Names::new("").is_err());
        for reserved in ["ty-pe", "f-n", "main"] {
            assert!(Names::new(reserved)
                .expect_err("a keyword or reserved name")
                .contains("keyword"));
        }
    }

    #[test]
    fn every_placeholder_is_filled() {
        let names = Names::new("demo").expect("a valid name");
        let deps = dependencies(None).expect("published crates");
        for t in HOST.iter().chain(PLUGIN) {
            let text = fill(t.text, &names, &deps);
            assert!(!text.contains("{{"), "{}: {text}", t.path);
            assert!(!text.contains(GO_PACKAGE_PLACEHOLDER), "{}: {text}", t.path);
        }
    }

    #[test]
    fn paths_become_toml_strings() {
        assert_eq!(toml_string(r#"C:\a "b""#), r#""C:\\a \"b\"""#);
    }
}
