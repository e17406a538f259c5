//! The command line, and the same command line written back for the report.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::children;
use crate::runners::Runner;

/// Run Go's standard-library tests (GOOS=wasip1 GOARCH=wasm) under gohost and
/// under Go's own runner script with wazero, and report where they differ.
///
/// Results go to target/go-compat/results.tsv, each run's output to
/// target/go-compat/logs/RUNNER/PACKAGE.log, the report to stdout.
#[derive(Debug, Parser)]
#[command(name = "go-compat")]
pub struct Args {
    /// Which gohost engines get a column; the reference always runs.
    #[arg(long, value_enum, default_value_t = Engines::Both)]
    pub engine: Engines,

    /// Pass -test.short to every test binary.
    #[arg(long)]
    pub short: bool,

    /// The -test.timeout of every test binary, in seconds; a run still going
    /// 60 s past it is killed.
    #[arg(long, value_name = "SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// How many packages to test at a time (each package's runners still
    /// run one after another).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=children::SLOTS as i64))]
    pub jobs: u16,

    /// Also write the report, as Markdown, to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Run gohost's columns as `gohost go-exec --async`: each test binary
    /// with `Instance::run_async` on a single-threaded Tokio runtime, where
    /// its sleeps and reads await. Everything then lives in
    /// target/go-compat-async instead of target/go-compat.
    #[arg(long = "async")]
    pub asynchronous: bool,

    /// Keep target/go-compat/results.tsv and skip the packages it already
    /// holds for the same --short and --timeout.
    #[arg(long)]
    pub resume: bool,

    /// Packages or `go list` patterns (default: every package of `go list
    /// std` outside vendor/).
    #[arg(value_name = "PKG")]
    pub packages: Vec<String>,
}

/// The `--engine` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engines {
    Wasmi,
    Wasmtime,
    Both,
}

impl Args {
    /// The columns of this run, in report order: the reference first.
    pub fn runners(&self) -> Vec<Runner> {
        let mut runners = vec![Runner::Reference];
        if self.engine != Engines::Wasmtime {
            runners.push(Runner::Wasmi);
        }
        if self.engine != Engines::Wasmi {
            runners.push(Runner::Wasmtime);
        }
        runners
    }
}

/// The command that produced a report, so that a reader can run it again:
/// `raw` is this process's arguments after the program name, as given.
pub fn command_line(raw: &[String]) -> String {
    let mut line = String::from("cargo run --release -p gohost-bench --bin go-compat");
    if !raw.is_empty() {
        line.push_str(" --");
        for a in raw {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
    }
    line
}

/// `s` as one shell word: unchanged when it has nothing the shell treats
/// specially, otherwise in single quotes.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_quoted_for_the_shell() {
        let raw: Vec<String> = [
            "--short",
            "--out",
            "docs/compatibility.md",
            "encoding/...",
            "it's",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            command_line(&raw),
            "cargo run --release -p gohost-bench --bin go-compat -- \
             --short --out docs/compatibility.md encoding/... 'it'\\''s'"
        );
        assert_eq!(
            command_line(&[]),
            "cargo run --release -p gohost-bench --bin go-compat"
        );
    }

    #[test]
    fn the_engine_choice_picks_the_gohost_columns() {
        let parse = |a: &[&str]| {
            Args::try_parse_from(std::iter::once("go-compat").chain(a.iter().copied()))
                .expect("valid arguments")
                .runners()
        };
        assert_eq!(
            parse(&[]),
            [Runner::Reference, Runner::Wasmi, Runner::Wasmtime]
        );
        assert_eq!(
            parse(&["--engine", "wasmi"]),
            [Runner::Reference, Runner::Wasmi]
        );
        assert_eq!(
            parse(&["--engine", "wasmtime"]),
            [Runner::Reference, Runner::Wasmtime]
        );
        assert!(Args::try_parse_from(["go-compat", "--jobs", "0"]).is_err());
        assert!(Args::try_parse_from(["go-compat", "--timeout", "0"]).is_err());
    }
}
