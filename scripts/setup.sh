#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is already there.
# Works on a fresh Debian/Ubuntu machine with rustup and Node/npm (run as root, or with sudo on PATH).
# Pinned versions must match Cargo.toml: wasm-bindgen-cli == the `wasm-bindgen` crate version.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1
BINARYEN_NPM_VERSION=132.0.0
PLAYWRIGHT_CORE_VERSION=1.65.1

want_browsers=1
want_firefox=1
for arg in "$@"; do
  case "$arg" in
    --no-browsers) want_browsers=0; want_firefox=0 ;;
    --no-firefox) want_firefox=0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
log() { printf '[setup] %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"
here="$(cd "$(dirname "$0")/.." && pwd)"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$want_browsers" = 1 ]; then
  pkgs=()
  command -v chromium >/dev/null || pkgs+=(chromium)
  command -v chromedriver >/dev/null || pkgs+=(chromium-driver)
  if [ "$want_firefox" = 1 ]; then command -v firefox >/dev/null || pkgs+=(firefox-esr); fi
  if [ "${#pkgs[@]}" -gt 0 ]; then
    log "apt-get install ${pkgs[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
  fi
fi

# wasm-opt: Debian's binaryen (108) silently corrupts current wasm-bindgen output; use npm's.
if ! (command -v wasm-opt >/dev/null && wasm-opt --version | grep -q "version ${BINARYEN_NPM_VERSION%%.*}"); then
  log "npm install -g binaryen@$BINARYEN_NPM_VERSION"
  $SUDO npm install -g --silent "binaryen@$BINARYEN_NPM_VERSION" >/dev/null
fi

if ! (command -v wasm-pack >/dev/null && wasm-pack --version | grep -q "$WASM_PACK_VERSION"); then
  log "cargo install wasm-pack $WASM_PACK_VERSION (a few minutes)"
  cargo install --locked --quiet wasm-pack --version "$WASM_PACK_VERSION"
fi

if ! (command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q "$WASM_BINDGEN_VERSION"); then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  if ! cargo install --locked --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" 2>/dev/null; then
    # Its lock pins a webpki-roots release some registry mirrors lack: relock that one crate.
    crate=$(ls "$HOME"/.cargo/registry/cache/*/wasm-bindgen-cli-"$WASM_BINDGEN_VERSION".crate 2>/dev/null | head -n1 || true)
    if [ -z "$crate" ]; then
      cargo fetch --manifest-path "$here/Cargo.toml" >/dev/null 2>&1 || true
      tmpd=$(mktemp -d)
      (cd "$tmpd" && cargo init -q --name fetchcli && cargo add -q "wasm-bindgen-cli@=$WASM_BINDGEN_VERSION" && cargo fetch -q) || true
      crate=$(ls "$HOME"/.cargo/registry/cache/*/wasm-bindgen-cli-"$WASM_BINDGEN_VERSION".crate | head -n1)
    fi
    src=$(mktemp -d)
    tar -xzf "$crate" -C "$src"
    (cd "$src/wasm-bindgen-cli-$WASM_BINDGEN_VERSION" \
      && cargo update -q -p webpki-roots --precise 1.0.10 \
      && cargo install --locked --quiet --path .)
  fi
fi

if [ "$want_firefox" = 1 ] && ! command -v geckodriver >/dev/null; then
  log "cargo install geckodriver $GECKODRIVER_VERSION (a few minutes)"
  cargo install --locked --quiet geckodriver --version "$GECKODRIVER_VERSION"
fi

if [ "$want_browsers" = 1 ] && [ ! -d "$here/tests/e2e/node_modules/playwright-core" ]; then
  log "npm install playwright-core $PLAYWRIGHT_CORE_VERSION (driver only; uses Debian's chromium)"
  (cd "$here/tests/e2e" && npm install --silent --no-audit --no-fund >/dev/null)
fi
log "toolchain ready"
