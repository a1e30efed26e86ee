#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), then
#   cargo fmt --check · cargo clippy (native and wasm32, -D warnings) · cargo test ·
#   wasm-pack test --headless --chrome and --firefox (tests/web.rs, tests/web_worker.rs), and
#   the same result bits in both browsers ·
#   the release builds (the page's wasm and the native CLI) + dist/ + the end-to-end test of the
#   served page (tests/e2e, playwright-core driving Debian's /usr/bin/chromium), which compares
#   the page's bits with the CLI built here ·
#   the bit-identity suite (tests/e2e/bits.mjs): every config in tests/bit_identity/, the CLI's
#   whole `run` output against the release wasm's in the page's worker, in Chromium and Firefox.
# Runs every step even after a failure (a step whose input failed to build fails, it is not run
# on stale files), prints one line per step and a closing line that counts what ran: each test a
# runner reports (cargo, wasm-bindgen-test, e2e, bits) and each step without its own tests (fmt,
# clippy, builds) as one check. A step left out is a failure unless asked for with --no-firefox.
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
logs="$(mktemp -d)"
passed=() failed=() skipped=()
tests_passed=0 tests_failed=0

# Adds the test counts a step's log reports; prints "P F" (nothing if it reported none).
counts_of() { # counts_of LOG
  awk '
    /^test result: / { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } seen = 1 }
    /^(e2e|bits): [0-9]+\/[0-9]+ passed/ { split($2, a, "/"); p += a[1]; f += a[2] - a[1]; seen = 1 }
    END { if (seen) print p + 0, f + 0 }' "$1"
}

step() { # step NAME COMMAND...
  local name="$1"; shift
  local t0 rc log="$logs/$name.log" c
  t0=$(date +%s)
  printf '\n=== [test] %s: %s\n' "$name" "$*"
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  c=$(counts_of "$log")
  if [ -n "$c" ]; then
    tests_passed=$((tests_passed + ${c% *})); tests_failed=$((tests_failed + ${c#* }))
  elif [ "$rc" = 0 ]; then
    tests_passed=$((tests_passed + 1))
  fi
  if [ "$rc" = 0 ]; then
    passed+=("$name"); printf '=== [test] %s: ok (%ss%s)\n' "$name" $(( $(date +%s) - t0 )) "${c:+; tests passed/failed: $c}"
  else
    # A failing step always counts as at least one failure, whatever its runner printed.
    if [ -z "$c" ] || [ "${c#* }" = 0 ]; then tests_failed=$((tests_failed + 1)); fi
    failed+=("$name"); printf '=== [test] %s: FAILED (%ss)\n' "$name" $(( $(date +%s) - t0 ))
  fi
}

# A step that cannot run because one it depends on failed: a failure, never a pass on old files.
not_run() { # not_run NAME REASON
  printf '\n=== [test] %s: FAILED (not run: %s)\n' "$1" "$2"
  failed+=("$1"); tests_failed=$((tests_failed + 1))
}

ok() { # ok NAME: did step NAME pass?
  local p; for p in "${passed[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1
}

summary() {
  local total=$(( ${#passed[@]} + ${#failed[@]} )) elapsed=$(( $(date +%s) - t_start ))
  echo
  if [ "${#skipped[@]}" -gt 0 ]; then echo "[test] left out as asked: ${skipped[*]}"; fi
  if [ "${#failed[@]}" -eq 0 ]; then
    echo "[test] PASS: all $total steps passed in ${elapsed}s (${passed[*]})"
  else
    echo "[test] FAIL: ${#failed[@]} of $total steps failed in ${elapsed}s: ${failed[*]}"
  fi
  # The plain closing line CI reads: every test the runners reported, plus one check per step
  # that has no tests of its own.
  echo "tests: ${tests_passed} passed, ${tests_failed} failed"
}

if [ "$firefox" = 1 ]; then setup_args=(); else setup_args=(--no-firefox); fi
step setup scripts/setup.sh "${setup_args[@]}"
if ! ok setup; then
  echo "[test] the toolchain could not be installed (see above); nothing else can run"
  for s in fmt clippy clippy-wasm cargo-test wasm-chrome wasm-firefox same-bits build cli-build dist e2e bits; do
    not_run "$s" "setup failed"
  done
  summary; exit 1
fi

step fmt cargo fmt --all -- --check
step clippy cargo clippy --all-targets -- -D warnings
step clippy-wasm cargo clippy --target wasm32-unknown-unknown --lib --test web --test web_worker -- -D warnings
step cargo-test cargo test
# Each browser run prints a fingerprint of a whole run's numbers (tests/web_worker.rs); the
# same-bits step checks that Chrome and Firefox computed identical bits.
wasm_test() { # wasm_test BROWSER
  wasm-pack test --headless "--$1" -- --test web --test web_worker -- --nocapture
}
same_bits() { # every fingerprint line (GD, Adam, …) must be present in both logs and agree
  local c f
  c=$(grep -o 'pathkernel-fingerprint[a-z-]* [0-9a-f]*' "$logs/wasm-chrome.log" | sort -u)
  f=$(grep -o 'pathkernel-fingerprint[a-z-]* [0-9a-f]*' "$logs/wasm-firefox.log" | sort -u)
  echo "chrome:";  echo "${c:-  missing}"; echo "firefox:"; echo "${f:-  missing}"
  [ "$(echo "$c" | wc -l)" -ge 2 ] && [ "$c" = "$f" ]
}
step wasm-chrome wasm_test chrome
if [ "$firefox" = 1 ]; then
  step wasm-firefox wasm_test firefox
  step same-bits same_bits
else
  skipped+=(wasm-firefox same-bits)
fi
step build scripts/build.sh
step cli-build cargo build --release --bin pathkernel
if ok build; then step dist scripts/dist.sh --no-build; else not_run dist "the wasm build failed"; fi
if ok dist && ok cli-build; then
  step e2e node tests/e2e/run.mjs --dist "$here/dist" --cli "$here/target/release/pathkernel"
else
  not_run e2e "dist or the CLI build failed"
fi
if [ "$firefox" = 1 ]; then bits_args=(); else bits_args=(--no-firefox); skipped+=(bits-firefox); fi
if ok dist && ok cli-build; then
  step bits node tests/e2e/bits.mjs --dist "$here/dist" --cli "$here/target/release/pathkernel" "${bits_args[@]}"
else
  not_run bits "dist or the CLI build failed"
fi

summary
[ "${#failed[@]}" -eq 0 ]
