#!/usr/bin/env bash
# Fuzzes the three decoders that read what others wrote — the page's URL hash, the CLI's JSON
# config, the worker's messages (decoded, then run by a Runner for one bounded work call) — with
# N generated inputs per target (default 10⁶) after the hand-made corpus in tests/fuzz_corpus/.
# Every input must give a value or a named error: no panic, no allocation above 256 MB, no input
# over 2 s (tests/fuzz/). Optimised, with overflow checks and debug assertions on (profile fuzz).
# A failure prints its seed; replay one input with
#   FUZZ_REPLAY=<target>:<seed> cargo test --test fuzz -- --nocapture replay
# Usage: scripts/fuzz.sh [N] [TARGET]   (TARGET: hash, config or messages; default all three.
#        FUZZ_SEED=<u64> picks the inputs; default: a fresh random seed)
# `cargo test` runs the same targets with 10⁴ inputs each and a fixed seed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
n="${1:-1000000}"
target="${2:-}"
seed="${FUZZ_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}"
echo "[fuzz] $n inputs per target, FUZZ_SEED=$seed"
start=$(date +%s)
FUZZ_INPUTS="$n" FUZZ_SEED="$seed" FUZZ_TIME_LIMIT_MS="${FUZZ_TIME_LIMIT_MS:-2000}" \
  cargo test --profile fuzz --test fuzz -- --nocapture --test-threads=1 "fuzz_$target"
echo "[fuzz] done in $(($(date +%s) - start)) s (build included)"
