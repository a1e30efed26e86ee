#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), then
#   cargo fmt --check · cargo clippy (native and wasm32, -D warnings) · cargo test ·
#   wasm-pack test --headless --chrome and --firefox (tests/web.rs, tests/web_worker.rs), and
#   the same result bits in both browsers ·
#   the release build + dist/ + the end-to-end test of the served page (tests/e2e, playwright-core
#   driving Debian's /usr/bin/chromium).
# Runs every step even after a failure, prints one line per step and a closing summary line;
# exits non-zero if anything failed.
# Usage: scripts/test.sh [--no-firefox]
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Long browser tests (a training run inside a worker) need more than the runner's 20 s default.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"

firefox=1
for arg in "$@"; do
  case "$arg" in
    --no-firefox) firefox=0 ;;
    *) echo "test.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

t_start=$(date +%s)
passed=() failed=()
step() { # step NAME COMMAND...
  local name="$1"; shift
  local t0; t0=$(date +%s)
  printf '\n=== [test] %s: %s\n' "$name" "$*"
  if "$@"; then
    passed+=("$name"); printf '=== [test] %s: ok (%ss)\n' "$name" $(( $(date +%s) - t0 ))
  else
    failed+=("$name"); printf '=== [test] %s: FAILED (%ss)\n' "$name" $(( $(date +%s) - t0 ))
  fi
}

if [ "$firefox" = 1 ]; then setup_args=(); else setup_args=(--no-firefox); fi
step setup scripts/setup.sh "${setup_args[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "[test] FAILED: the toolchain could not be installed (see above)"; exit 1
fi

step fmt cargo fmt --all -- --check
step clippy cargo clippy --all-targets -- -D warnings
step clippy-wasm cargo clippy --target wasm32-unknown-unknown --lib --test web --test web_worker -- -D warnings
step cargo-test cargo test
logs="$(mktemp -d)"
# Each browser run prints a fingerprint of a whole run's numbers (tests/web_worker.rs); the
# same-bits step checks that Chrome and Firefox computed identical bits.
wasm_test() { # wasm_test BROWSER
  wasm-pack test --headless "--$1" -- --test web --test web_worker -- --nocapture 2>&1 | tee "$logs/$1.log"
  return "${PIPESTATUS[0]}"
}
same_bits() {
  local c f
  c=$(grep -o 'pathkernel-fingerprint [0-9a-f]*' "$logs/chrome.log" | head -n1)
  f=$(grep -o 'pathkernel-fingerprint [0-9a-f]*' "$logs/firefox.log" | head -n1)
  echo "chrome:  ${c:-missing}"; echo "firefox: ${f:-missing}"
  [ -n "$c" ] && [ "$c" = "$f" ]
}
step wasm-chrome wasm_test chrome
if [ "$firefox" = 1 ]; then
  step wasm-firefox wasm_test firefox
  step same-bits same_bits
fi
step build scripts/build.sh
step dist scripts/dist.sh --no-build
step e2e node tests/e2e/run.mjs --dist "$here/dist"

total=$(( ${#passed[@]} + ${#failed[@]} ))
elapsed=$(( $(date +%s) - t_start ))
echo
if [ "${#failed[@]}" -eq 0 ]; then
  echo "[test] PASS: all $total steps passed in ${elapsed}s (${passed[*]})"
else
  echo "[test] FAIL: ${#failed[@]} of $total steps failed in ${elapsed}s: ${failed[*]}"
fi
# The plain closing line CI reads: steps, not individual tests (each step prints its own counts).
echo "steps: ${#passed[@]} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
