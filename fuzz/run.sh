#!/usr/bin/env bash
# Builds every fuzz target and runs each for a share of SECONDS (default 90)
# with libFuzzer; fails if any target finds a crash, panic, timeout or OOM.
#
#   fuzz/run.sh [SECONDS]
#
# Works on the stable toolchain: libFuzzer's coverage needs only LLVM's
# sanitizer-coverage pass (`-C passes=sancov-module`, stable rustc flags),
# the same instrumentation `cargo fuzz build -s none` asks for; only the
# address sanitizer (`-Z sanitizer=address`) would need nightly, and Rust
# code that does not use `unsafe` gains little from it. A C++ compiler is
# needed to build libFuzzer itself (libfuzzer-sys does that).
#
# Seeds: fuzz/corpus/<target>/ (committed, small) plus, for `module`, a real
# Go guest built now when `go` is on PATH. New inputs found during the run go
# to fuzz/target/corpus/<target>/ (not committed); crashes to
# fuzz/artifacts/<target>/, which the script prints.
set -euo pipefail

total=${1:-90}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
targets=(codec memory module)

if ! command -v c++ >/dev/null 2>&1 && ! command -v clang++ >/dev/null 2>&1; then
    echo "fuzz: no C++ compiler (c++ or clang++) to build libFuzzer with; install g++ or clang" >&2
    exit 1
fi

host=$(rustc -vV | sed -n 's/^host: //p')
# The flags cargo-fuzz uses for `-s none` (sanitizer coverage for libFuzzer).
# Debug assertions are turned on for gohost only, in Cargo.toml: cargo-fuzz's
# global `-Cdebug-assertions` would also reach wasmi, whose interpreter then
# overflows the native stack on long guest runs.
export RUSTFLAGS="-Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 -Cllvm-args=-sanitizer-coverage-stack-depth \
 --cfg fuzzing"
# `--target` keeps RUSTFLAGS off build scripts and proc macros (which must
# not be instrumented), as cargo-fuzz does.
# Honour CARGO_TARGET_DIR (CI caches builds there); corpora and logs stay in
# fuzz/target either way.
target_dir=${CARGO_TARGET_DIR:-$here/target}
echo "fuzz: building ${targets[*]} for $host"
cargo build --release --manifest-path "$here/Cargo.toml" --target "$host" --target-dir "$target_dir" --bins
bin="$target_dir/$host/release"

seeds="$here/target/seeds"
mkdir -p "$seeds/module"
if command -v go >/dev/null 2>&1; then
    (cd "$root/tests/guests/wasi" && GOOS=wasip1 GOARCH=wasm GOTOOLCHAIN=local \
        go build -o "$seeds/module/go_wasi.wasm" .) \
        && echo "fuzz: seeded module with a Go guest ($(stat -c %s "$seeds/module/go_wasi.wasm") bytes)"
else
    echo "fuzz: go not on PATH; module starts with no seed and finds its own inputs"
fi

per=$(( total / ${#targets[@]} ))
(( per >= 1 )) || per=1
failed=()
for t in "${targets[@]}"; do
    work="$here/target/corpus/$t"
    mkdir -p "$here/target"
    artifacts="$here/artifacts/$t"
    # corpus/<target> holds the committed seeds; module has none committed
    # (no .wasm binaries in the repository): its seed is the Go guest above.
    mkdir -p "$work" "$artifacts" "$here/corpus/$t"
    extra=()
    [[ $t == module ]] && extra=("$seeds/module")
    max_len=4096
    [[ $t == module ]] && max_len=4194304
    log="$here/target/$t.log"
    echo "fuzz: $t for ${per}s"
    set +e
    "$bin/$t" -max_total_time="$per" -timeout=20 -rss_limit_mb=2048 -max_len="$max_len" \
        -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$work" "$here/corpus/$t" "${extra[@]}" >"$log" 2>&1
    rc=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if (( rc != 0 )); then
        failed+=("$t")
        echo "fuzz: $t FAILED (exit $rc) after ${runs:-?} executions; last lines of $log:" >&2
        tail -40 "$log" >&2
        ls -l "$artifacts" >&2
    else
        echo "fuzz: $t ok: ${runs:-?} executions, 0 crashes, corpus $(ls "$work" | wc -l) new inputs"
    fi
done

if (( ${#failed[@]} )); then
    echo "fuzz: crashes in: ${failed[*]} (reproduce: $bin/TARGET fuzz/artifacts/TARGET/crash-...)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
