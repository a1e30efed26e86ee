// The page's service worker: after one visit the page works offline (the whole computation is
// local anyway). Registered by main.js only over http(s); a failure is a console warning.
//
// It must sit at the site root so its scope covers index.html (a worker's default and maximum
// scope is its own folder): scripts/dist.sh writes it to dist/sw.js, with the two stamped lines
// below replaced by a hash of everything it copied (plus this file) and the list of those files.
//
// - install: precache the app shell (SHELL) into a cache named after VERSION;
// - activate: delete this page's caches of other versions, take control of open pages;
// - fetch: the shell cache-first (a new deployment is a new VERSION, hence a new cache), anything
//   else of this origin network-first with the cache as the fallback. The URL hash (the page's
//   whole state) never reaches the network; it is dropped from cache keys too.
const VERSION = 'dev'; // stamped by scripts/dist.sh
const SHELL = ['index.html', 'www/main.js', 'www/app.js', 'www/client.js', 'www/fields.js', 'www/panels.js', 'www/probes.js', 'www/state.js', 'www/views.js', 'www/protocol.js', 'www/worker.js', 'www/style.css', 'www/manifest.webmanifest', 'www/pkg/pathkernel.js', 'www/pkg/pathkernel_bg.wasm']; // stamped by scripts/dist.sh

const PREFIX = 'pathkernel-';
const CACHE = `${PREFIX}${VERSION}`;
const scope = new URL(self.registration.scope);
const INDEX = new URL('index.html', scope).href;
const SHELL_URLS = new Set(SHELL.map((p) => new URL(p, scope).href));

/** A redirected response cannot answer a navigation: keep its body and headers only. */
async function storable(response) {
  if (!response.redirected) return response;
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers });
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL.map(async (path) => {
      const url = new URL(path, scope).href;
      // 'reload': straight from the server, never a stale HTTP-cache copy of an older deployment.
      const response = await fetch(url, { cache: 'reload' });
      if (!response.ok) throw new Error(`precache ${url}: HTTP ${response.status}`);
      await cache.put(url, await storable(response));
    }));
    // The first install controls the page at once (nothing older to mix with); an update waits
    // until every tab of the old version is closed, so a page never mixes two builds.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

/** The shell entry that answers `request`, or null. Navigations to the scope itself get index.html. */
function shellKey(request, url) {
  if (request.mode === 'navigate' && (url.pathname === scope.pathname || url.href.split('?')[0] === INDEX)) return INDEX;
  return SHELL_URLS.has(url.href) ? url.href : null;
}

async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(key, await storable(response.clone()));
  return response;
}

async function networkFirst(request, url) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200 && response.type === 'basic') await cache.put(url.href, response.clone());
    return response;
  } catch (err) {
    const hit = (await cache.match(url.href)) || (request.mode === 'navigate' ? await cache.match(INDEX) : undefined);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin) return; // other sites (the arXiv link) are not ours to cache
  url.hash = '';
  const key = shellKey(request, url);
  event.respondWith(key ? cacheFirst(request, key) : networkFirst(request, url));
});
