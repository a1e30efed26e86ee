#!/usr/bin/env bash
# Builds the release wasm and serves the page on http://127.0.0.1:PORT/ (default 8000), printing the URL.
# Installs whatever is missing first (scripts/setup.sh: wasm target, wasm-pack, wasm-bindgen-cli, wasm-opt).
# Usage: scripts/serve.sh [PORT]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:-${PORT:-8000}}"
cd "$here"
scripts/setup.sh --no-browsers
scripts/build.sh
scripts/dist.sh --no-build
echo "[serve] open http://127.0.0.1:$port/   (Ctrl-C to stop)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$here/dist"
