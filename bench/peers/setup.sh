#!/usr/bin/env bash
# Installs what the peer rows of the performance table need beyond Go and
# Rust: protoc, for the go-plugin peer's generated code. perf-table and CI
# run it; it does nothing when protoc is there.
#
# From Debian's packages (protobuf-compiler) when apt-get can be used,
# else from PyPI (grpcio-tools, which bundles protoc) into a virtual
# environment, with a `protoc` wrapper in PEERS_BIN (by default
# $CARGO_TARGET_DIR/gohost-guests/peers-bin, where the bench looks).
# protoc-gen-go-plugin itself is installed by the bench with `go install`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${CARGO_TARGET_DIR:-$here/../../target}"
bin="${PEERS_BIN:-$target/gohost-guests/peers-bin}"

if command -v protoc >/dev/null 2>&1 || [ -x "$bin/protoc" ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  echo "peers: installing protoc (Debian package protobuf-compiler)" >&2
  if $sudo apt-get install -y -q protobuf-compiler >&2 ||
    { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q protobuf-compiler >&2; }; then
    exit 0
  fi
fi
if command -v python3 >/dev/null 2>&1; then
  echo "peers: installing protoc from PyPI (grpcio-tools)" >&2
  venv="$bin/protoc-venv"
  mkdir -p "$bin"
  if python3 -m venv "$venv" >&2 && "$venv/bin/pip" install -q grpcio-tools >&2; then
    printf '#!/bin/sh\nexec "%s" -m grpc_tools.protoc "$@"\n' "$venv/bin/python" >"$bin/protoc"
    chmod +x "$bin/protoc"
    exit 0
  fi
fi
echo "peers: protoc could not be installed (neither apt-get nor pip worked)" >&2
exit 1
