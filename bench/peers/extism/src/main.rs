//! The Extism peer of gohost's performance table: the peer rows
//! (`gohost_bench::peers`) on the `extism` crate, with the Go plugin of
//! `plugin/` (written against Extism's kernel ABI).
//!
//! ```text
//! extism-peer calls [--quick] PLUGIN.wasm   one line per row: ROW\tNANOS\tANSWER
//! extism-peer instances N PLUGIN.wasm       N plugins, one call each, kept
//! ```
//!
//! A separate cargo workspace, so that gohost's own build does not compile
//! Extism's wasmtime; `perf-table` builds and runs it. Its test
//! (`cargo test --manifest-path bench/peers/extism/Cargo.toml`) checks
//! that it computes the answers gohost does.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use extism::convert::Json;
use extism::{CompiledPlugin, CurrentPlugin, Function, Manifest, Plugin, PluginBuilder, UserData};
use extism::{Val, ValType, Wasm, PTR};
use serde::{Deserialize, Serialize};

/// The text whose length the host function returns (the plugin has it).
pub const TEXT: &str = "hello, gohost: a string of a typical size";
/// Host calls per guest loop.
pub const CALLS: u32 = 1000;

/// The record of the plugin-call row, in JSON as Extism passes records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub first: String,
    pub second: String,
    pub n: i64,
}

/// The request of the plugin-call row (gohost's `peers::request`).
pub fn request() -> Pair {
    Pair {
        first: "origin".to_owned(),
        second: TEXT.to_owned(),
        n: 7,
    }
}

/// A response as the hosts print it: `first|second|n`.
pub fn answer(p: &Pair) -> String {
    format!("{}|{}|{}", p.first, p.second, p.n)
}

/// The host function of the host-call row: the length of the string at an
/// offset in Extism memory, returned as a number (no memory block).
fn text_len() -> Function {
    Function::new(
        "text_len",
        [PTR],
        [ValType::I64],
        UserData::new(()),
        |plugin: &mut CurrentPlugin, inputs: &[Val], outputs: &mut [Val], _: UserData<()>| {
            let s: &str = plugin.memory_get_val(&inputs[0])?;
            outputs[0] = Val::I64(s.len() as i64);
            Ok(())
        },
    )
}

/// Compiles the plugin once, with WASI (Go's wasip1 runtime needs it).
pub fn compile(wasm: &[u8]) -> Result<CompiledPlugin, extism::Error> {
    PluginBuilder::new(Manifest::new([Wasm::data(wasm.to_vec())]))
        .with_wasi(true)
        .with_functions([text_len()])
        .compile()
}

/// The host-call row's loop: the plugin calls `text_len` `n` times.
pub fn loop_text(plugin: &mut Plugin, n: u32) -> Result<u64, extism::Error> {
    let out: &str = plugin.call("loop_text", n.to_string())?;
    Ok(out.parse()?)
}

/// The plugin-call row's call.
pub fn swap(plugin: &mut Plugin, req: &Pair) -> Result<Pair, extism::Error> {
    let Json(resp) = plugin.call::<Json<&Pair>, Json<Pair>>("swap", Json(req))?;
    Ok(resp)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["calls", path] => calls(path, 15),
        ["calls", "--quick", path] => calls(path, 3),
        ["instances", n, path] => match n.parse() {
            Ok(n) => instances(path, n),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("extism-peer: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: extism-peer calls [--quick] PLUGIN.wasm | instances N PLUGIN.wasm");
    ExitCode::from(2)
}

fn read(path: &str) -> Result<Vec<u8>, extism::Error> {
    std::fs::read(path).map_err(|e| extism::Error::msg(format!("{path}: {e}")))
}

fn calls(path: &str, samples: usize) -> Result<(), extism::Error> {
    let compiled = compile(&read(path)?)?;
    let mut plugin = Plugin::new_from_compiled(&compiled)?;

    let sum = loop_text(&mut plugin, CALLS)?;
    let ns = median_time(samples, || {
        black_box(loop_text(&mut plugin, CALLS).expect("loop_text"));
    });
    println!("host-call\t{:.1}\t{sum}", ns / f64::from(CALLS));

    let req = request();
    let resp = swap(&mut plugin, &req)?;
    let ns = median_time(samples, || {
        black_box(swap(&mut plugin, black_box(&req)).expect("swap"));
    });
    println!("plugin-call\t{ns:.1}\t{}", answer(&resp));

    let mut first = None;
    let ns = median_time(samples.min(10), || {
        let mut p = Plugin::new_from_compiled(&compiled).expect("new plugin");
        first = Some(swap(&mut p, black_box(&req)).expect("swap"));
    });
    println!("start-call\t{ns:.1}\t{}", answer(&first.expect("one call")));
    Ok(())
}

fn instances(path: &str, n: usize) -> Result<(), extism::Error> {
    let compiled = compile(&read(path)?)?;
    let req = request();
    let mut kept = Vec::with_capacity(n);
    for _ in 0..n {
        // Extism instantiates a plugin at its first call.
        let mut p = Plugin::new_from_compiled(&compiled)?;
        swap(&mut p, &req)?;
        kept.push(p);
    }
    println!("instances {} ok", kept.len());
    Ok(())
}

/// The median time of one run of `f` in nanoseconds, over `samples`
/// samples of about 20 ms each (as gohost's `measure::single`).
fn median_time(samples: usize, mut f: impl FnMut()) -> f64 {
    let sample = |f: &mut dyn FnMut(), iters: u32| {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        start.elapsed().as_nanos() as f64 / f64::from(iters)
    };
    f();
    let once = sample(&mut f, 1).max(1.0);
    let iters = (Duration::from_millis(20).as_nanos() as f64 / once).clamp(1.0, 1e6) as u32;
    let mut v: Vec<f64> = (0..samples).map(|_| sample(&mut f, iters)).collect();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Builds the plugin with Go into this workspace's target directory.
    fn plugin() -> Vec<u8> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin");
        let out = std::env::temp_dir().join(format!("extism-peer-{}.wasm", std::process::id()));
        let status = std::process::Command::new("go")
            .current_dir(&dir)
            .env("GOOS", "wasip1")
            .env("GOARCH", "wasm")
            .args(["build", "-buildmode=c-shared", "-o"])
            .arg(&out)
            .arg(".")
            .status()
            .expect("run go build (Go 1.24 or newer on PATH)");
        assert!(status.success(), "go build of the Extism plugin failed");
        let wasm = std::fs::read(&out).expect("read the plugin");
        let _ = std::fs::remove_file(&out);
        wasm
    }

    /// The answers gohost computes (`gohost_bench::peers::expected_answers`).
    #[test]
    fn extism_computes_the_answers_gohost_does() {
        let compiled = compile(&plugin()).expect("compile");
        let mut p = Plugin::new_from_compiled(&compiled).expect("plugin");
        assert_eq!(loop_text(&mut p, CALLS).unwrap(), 41_000);
        let resp = swap(&mut p, &request()).unwrap();
        assert_eq!(
            answer(&resp),
            "hello, gohost: a string of a typical size|origin|54"
        );
        // A second plugin from the same compiled one, and a second call.
        let mut q = Plugin::new_from_compiled(&compiled).expect("plugin");
        assert_eq!(swap(&mut q, &resp).unwrap(), {
            let mut back = request();
            back.n = 54 + 47;
            back
        });
    }
}
