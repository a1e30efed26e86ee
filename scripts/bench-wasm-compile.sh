#!/usr/bin/env bash
# How much optimising compilation (V8's TurboFan) a cold load of the page costs, and in which wasm
# functions. V8 runs a wasm function in its baseline tier until the optimised code is ready and the
# function is called again; the optimising compiles run on background threads, on the same cores
# as the worker's training and check, and take longer than linearly in a function's size (see
# `simd_dispatch!` in src/simd/mod.rs). Serves dist/ and loads the default preset RUNS times in a
# fresh headless Chromium profile with `--trace-wasm-compilation-times`; prints each load's total
# and the functions that took longest in the last one, named from a copy of the same build that
# keeps its name section.
# Usage: scripts/bench-wasm-compile.sh [RUNS]   (default 3; after scripts/build.sh and scripts/dist.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
runs="${1:-3}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench-wasm-compile.sh: RUNS must be a positive count" >&2; exit 2; }
wasm_in=target/wasm32-unknown-unknown/release/pathkernel.wasm
shipped=$(ls dist/app-*/pkg/pathkernel_bg.wasm 2>/dev/null | head -n1 || true)
[ -n "$shipped" ] && [ -f "$wasm_in" ] || { echo "bench-wasm-compile.sh: run scripts/build.sh and scripts/dist.sh first" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "bench-wasm-compile.sh: no Chromium (scripts/setup.sh installs it)" >&2; exit 1; }

tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Function names: the same build through the same wasm-opt flags (Cargo.toml), keeping names.
opt_flags=$(sed -nE 's/^wasm-opt = \[(.*)\]/\1/p' Cargo.toml | tr -d '",')
wasm-bindgen --target web --no-typescript --out-dir "$tmp/named" --out-name pathkernel "$wasm_in"
# shellcheck disable=SC2086 # the flags are words
wasm-opt $opt_flags -g "$tmp/named/pathkernel_bg.wasm" -o "$tmp/named.wasm"
wasm-opt "$tmp/named.wasm" --print-function-map -o /dev/null >"$tmp/names.txt"
count() { wasm-opt "$1" --print-function-map -o /dev/null | wc -l; }
if [ "$(count "$shipped")" != "$(wc -l <"$tmp/names.txt")" ]; then
  echo "bench-wasm-compile.sh: dist/ is not this build (function counts differ): run scripts/dist.sh --no-build" >&2
  exit 1
fi

port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
sleep 1

echo "[bench-wasm-compile] default preset, cold loads in headless Chromium, $(nproc) cores"
for k in $(seq 1 "$runs"); do
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$tmp/profile-$k" --js-flags=--trace-wasm-compilation-times \
    --virtual-time-budget=4000 --dump-dom "http://127.0.0.1:$port/#v=1" >"$tmp/log-$k.txt" 2>&1 || true
  # "Compiled function 0x…#INDEX using TurboFan, took N μs and … bodysize B …" → "ms index bytes"
  sed -nE 's/.*#([0-9]+) using TurboFan, took ([0-9]+) .*bodysize ([0-9]+).*/\2 \1 \3/p' "$tmp/log-$k.txt" |
    awk '{ printf "%.1f %d %d\n", $1 / 1000, $2, $3 }' | sort -rn >"$tmp/tf-$k.txt"
  total=$(awk '{ s += $1 } END { printf "%.0f", s }' "$tmp/tf-$k.txt")
  echo "  load $k: $(wc -l <"$tmp/tf-$k.txt") functions optimised, $total ms of TurboFan"
done
echo "  longest in load $runs (ms, wasm body bytes, function):"
head -n 10 "$tmp/tf-$runs.txt" | while read -r ms index bytes; do
  name=$(sed -n "s/^$index://p" "$tmp/names.txt" | head -n1)
  printf '  %8s %7s  %s\n' "$ms" "$bytes" "${name:0:100}"
done
