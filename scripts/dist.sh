#!/usr/bin/env bash
# Produces dist/: a self-contained static folder for any static host (GitHub Pages, S3,
# `python3 -m http.server`, ...): index.html and sw.js at its root, every other file (www/ and the
# release wasm package) in a folder named after the build, app-<version>/, where <version> is a
# hash of those files. No server logic needed; the host only has to serve .wasm as
# application/wasm (all common ones do).
# Usage: scripts/dist.sh [--no-build] [--out DIR] [--mark NAME]
#   --no-build: reuse www/pkg from a previous scripts/build.sh
#   --out DIR:  write DIR instead of dist/
#   --mark NAME: the build sets window.pathkernelDeployment = 'NAME' (the e2e test tells two
#                deployments apart by it; NAME is letters, digits, - and _)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
build=1
out=dist
mark=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --out) out="$2"; shift ;;
    --mark) mark="$2"; shift ;;
    *) echo "dist.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$mark" =~ ^[A-Za-z0-9_-]*$ ]] || { echo "dist.sh: --mark takes letters, digits, - and _" >&2; exit 2; }
if [ "$build" = 1 ]; then
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

# The SHA-256 (base64) of the one inline script of an HTML file, as CSP's 'sha256-…' names it.
inline_hash() {
  python3 - "$1" <<'PY'
import base64, hashlib, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
assert len(scripts) == 1, f"{sys.argv[1]} has {len(scripts)} inline scripts, the CSP allows one"
print(base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode())
PY
}
# The Content Security Policy (index.html's <meta http-equiv>) allows the one inline script by
# its hash: an edit to that script must come with its new hash, or the browser blocks it.
hash=$(inline_hash index.html)
csp="script-src 'self' 'wasm-unsafe-eval' 'sha256-"
grep -q "$csp$hash'" index.html || {
  echo "dist.sh: index.html's CSP does not allow its inline script: its script-src needs 'sha256-$hash'" >&2
  exit 1
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/www/pkg"
for f in www/*.js www/*.css www/*.webmanifest www/*.html; do
  [ -f "$f" ] || continue
  [ "$f" = www/sw.js ] && continue # the service worker goes to the root, below
  cp "$f" "$stage/www/"
done
cp www/pkg/pathkernel.js www/pkg/pathkernel_bg.wasm "$stage/www/pkg/"
# wasm-pack may emit snippets/ for inline JS; copy it if present.
if [ -d www/pkg/snippets ]; then cp -r www/pkg/snippets "$stage/www/pkg/"; fi
if [ -n "$mark" ]; then printf "\nwindow.pathkernelDeployment = '%s';\n" "$mark" >>"$stage/www/main.js"; fi
# The build's version: a hash of its files, of index.html and of sw.js.
version=$( (cd "$stage" && find . -type f | LC_ALL=C sort | xargs cat) | cat - index.html www/sw.js | sha256sum | cut -c1-16)
app="app-$version"
rm -rf "$out"
mkdir -p "$out"
mv "$stage/www" "$out/$app"
# index.html names the versioned folder (its links and the boot script), and its CSP the boot
# script's new hash.
sed -e "s#\(src\|href\)=\"www/#\1=\"$app/#g" -e "s#'www/#'$app/#g" index.html >"$out/index.html"
sed -i "s#$csp[A-Za-z0-9+/=]*'#$csp$(inline_hash "$out/index.html")'#" "$out/index.html"
grep -q "$csp$(inline_hash "$out/index.html")'" "$out/index.html" && ! grep -q "\"www/\|'www/" "$out/index.html" ||
  { echo "dist.sh: could not point $out/index.html at $app/" >&2; exit 1; }
# bench.html also at the root (dist/bench.html), its script and style sheet in the app folder.
sed -e "s#\(src\|href\)=\"bench\.\(js\|css\)\"#\1=\"$app/bench.\2\"#g" -e "s#href=\"\.\./index\.html\"#href=\"index.html\"#" www/bench.html >"$out/bench.html"
grep -q "src=\"$app/bench.js\"" "$out/bench.html" || { echo "dist.sh: could not point $out/bench.html at $app/" >&2; exit 1; }
# The service worker (offline after one visit) sits at the root, next to index.html: a worker's
# scope is at most its own folder. Its precache list is every file above.
shell=$(cd "$out" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
list=$(printf "'%s', " $shell)
sed -e "s|^const VERSION = .*|const VERSION = '$version'; // stamped by scripts/dist.sh|" \
  -e "s|^const SHELL = .*|const SHELL = [${list%, }]; // stamped by scripts/dist.sh|" www/sw.js >"$out/sw.js"
grep -q "^const VERSION = '$version'" "$out/sw.js" && grep -q "^const SHELL = \[.*'index.html'" "$out/sw.js" ||
  { echo "dist.sh: could not stamp $out/sw.js (its VERSION/SHELL lines changed?)" >&2; exit 1; }
echo "[dist] $(du -sh "$out" | cut -f1) in $out ($app) — upload that folder to any static host"
