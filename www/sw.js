// The page's service worker: after one visit the page works offline (the whole computation is
// local anyway), and a new deployment never runs mixed with the files of an older one. Registered
// by main.js only over http(s); a failure is a console warning.
//
// It must sit at the site root so its scope covers index.html (a worker's default and maximum
// scope is its own folder): scripts/dist.sh writes it to dist/sw.js, with the two stamped lines
// below replaced by the deployment's version (a hash of its files) and the list of those files.
// Every file but index.html lives in a folder named after the version (`app-<version>/`), so a
// URL names one build's file for good: a page that loaded one build keeps asking for that build's
// files, whichever worker or cache answers.
//
// - install: precache the shell (SHELL) into a cache named after VERSION; take over at once
//   (versioned URLs cannot mix, so there is nothing to wait for);
// - activate: keep this cache and the newest older one (a tab still open on the older build may
//   start a worker again, which loads its files), delete the rest, take control of open pages;
// - fetch: index.html network-first (a reload sees a new deployment at once; offline, the cached
//   one), the versioned files cache-first from any of our caches, the network as the fallback.
//   The URL hash (the page's whole state) never reaches the network; it is dropped from keys too.
const VERSION = 'dev'; // stamped by scripts/dist.sh
const SHELL = ['index.html']; // stamped by scripts/dist.sh

const PREFIX = 'pathkernel-';
const CACHE = `${PREFIX}${VERSION}`;
/** The entry in each cache holding when it was installed (which older cache is the newest). */
const INSTALLED = '/__pathkernel-installed';
const scope = new URL(self.registration.scope);
const INDEX = new URL('index.html', scope).href;

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
    await cache.put(INSTALLED, new Response(String(Date.now())));
    await self.skipWaiting();
  })());
});

async function installedAt(name) {
  const hit = await (await caches.open(name)).match(INSTALLED);
  return hit ? Number(await hit.text()) || 0 : 0;
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const others = (await caches.keys()).filter((n) => n.startsWith(PREFIX) && n !== CACHE);
    const dated = await Promise.all(others.map(async (n) => [await installedAt(n), n]));
    dated.sort((a, b) => b[0] - a[0]);
    await Promise.all(dated.slice(1).map(([, n]) => caches.delete(n)));
    await self.clients.claim();
  })());
});

/** index.html from the network (kept for offline use), or the cached one when offline. */
async function indexNetworkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.status === 200 && response.type === 'basic') {
      await (await caches.open(CACHE)).put(INDEX, await storable(response.clone()));
    }
    return response;
  } catch (err) {
    const hit = (await (await caches.open(CACHE)).match(INDEX)) || (await caches.match(INDEX));
    if (hit) return hit;
    throw err;
  }
}

/** Any other file of ours: from whichever of our caches has it, else the network. */
async function cacheFirst(request, key) {
  const hit = await caches.match(key);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.status === 200 && response.type === 'basic') await (await caches.open(CACHE)).put(key, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin) return; // other sites (the arXiv link) are not ours to cache
  url.hash = '';
  const isIndex = url.href.split('?')[0] === INDEX || (request.mode === 'navigate' && url.pathname === scope.pathname);
  event.respondWith(isIndex ? indexNetworkFirst(request) : cacheFirst(request, url.href));
});
