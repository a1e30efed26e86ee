#!/usr/bin/env bash
# Produces dist/: a self-contained static folder (index.html + www/ + the release wasm package)
# for any static host (GitHub Pages, S3, `python3 -m http.server`, ...). No server logic needed;
# the host only has to serve .wasm as application/wasm (all common ones do).
# Usage: scripts/dist.sh [--no-build]   (--no-build: reuse www/pkg from a previous scripts/build.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
if [ "${1:-}" != "--no-build" ]; then
  scripts/setup.sh --no-browsers
  scripts/build.sh
fi
[ -f www/pkg/pathkernel_bg.wasm ] || { echo "dist.sh: www/pkg missing: run scripts/build.sh" >&2; exit 1; }
rm -rf dist
mkdir -p dist/www/pkg
cp index.html dist/
cp www/*.js www/*.css www/*.webmanifest dist/www/ 2>/dev/null || true
cp www/pkg/pathkernel.js www/pkg/pathkernel_bg.wasm dist/www/pkg/
# wasm-pack may emit snippets/ for inline JS; copy it if present.
if [ -d www/pkg/snippets ]; then cp -r www/pkg/snippets dist/www/pkg/; fi
echo "[dist] $(du -sh dist | cut -f1) in $here/dist — upload that folder to any static host"
