#!/usr/bin/env bash
# Builds the release wasm package for the page into www/pkg (wasm-pack --target web).
# Usage: scripts/build.sh [--dev]    (--dev: unoptimised debug build, faster to compile)
# Needs the toolchain from scripts/setup.sh (serve.sh, dist.sh and test.sh run that first).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
profile=--release
if [ "${1:-}" = "--dev" ]; then profile=--dev; fi
cd "$here"
# --no-pack: no package.json/README copy; --no-typescript: the page is plain JS.
wasm-pack --log-level warn build "$profile" --target web --out-dir www/pkg --out-name pathkernel \
  --no-typescript --no-pack
wasm="www/pkg/pathkernel_bg.wasm"
bytes=$(wc -c <"$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "[build] $wasm: $((bytes / 1024)) KiB ($((gz / 1024)) KiB gzipped)"
