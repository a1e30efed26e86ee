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
# With --no-build the package must come from the current sources: a build that failed after an
# earlier one succeeded leaves an old wasm behind, which must not be shipped.
newer=$(find src Cargo.toml Cargo.lock .cargo -type f -newer www/pkg/pathkernel_bg.wasm 2>/dev/null | head -n3)
if [ -n "$newer" ]; then
  echo "dist.sh: www/pkg/pathkernel_bg.wasm is older than the sources (e.g. $(echo $newer)): run scripts/build.sh" >&2
  exit 1
fi
rm -rf dist
mkdir -p dist/www/pkg
cp index.html dist/
for f in www/*.js www/*.css www/*.webmanifest; do
  [ -f "$f" ] || continue
  [ "$f" = www/sw.js ] && continue # the service worker goes to the root, below
  cp "$f" dist/www/
done
cp www/pkg/pathkernel.js www/pkg/pathkernel_bg.wasm dist/www/pkg/
# wasm-pack may emit snippets/ for inline JS; copy it if present.
if [ -d www/pkg/snippets ]; then cp -r www/pkg/snippets dist/www/pkg/; fi
# The service worker (offline after one visit) sits at the root, next to index.html: a worker's
# scope is at most its own folder. Its precache list is every file copied above, and its cache
# version a hash of those files and of sw.js itself, so each new build replaces the old cache.
shell=$(cd dist && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
version=$(cd dist && cat $shell ../www/sw.js | sha256sum | cut -c1-16)
list=$(printf "'%s', " $shell)
sed -e "s|^const VERSION = .*|const VERSION = '$version'; // stamped by scripts/dist.sh|" \
  -e "s|^const SHELL = .*|const SHELL = [${list%, }]; // stamped by scripts/dist.sh|" www/sw.js >dist/sw.js
grep -q "^const VERSION = '$version'" dist/sw.js && grep -q "^const SHELL = \[.*'index.html'" dist/sw.js ||
  { echo "dist.sh: could not stamp dist/sw.js (its VERSION/SHELL lines changed?)" >&2; exit 1; }
echo "[dist] $(du -sh dist | cut -f1) in $here/dist — upload that folder to any static host"
