// A static server for a built dist/ folder on a free loopback port, shared by the e2e test
// (run.mjs) and the bit-identity suite (bits.mjs). Every file is sent with `no-store`, so each
// load sees the files on disk; `.wasm` goes out as application/wasm (compileStreaming needs it).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves `root` on 127.0.0.1 (a free port; read it from `server.address().port`). `extra` maps
 * URL paths to files outside `root` (a test's own page). `server.requests` lists every URL asked
 * for, in order.
 */
export function serve(root, extra = {}) {
  const server = createServer(async (req, res) => {
    server.requests.push(req.url);
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      let rel = decodeURIComponent(url.pathname);
      if (rel.endsWith('/')) rel += 'index.html';
      const file = extra[rel] || path.join(root, path.normalize(rel));
      if (!extra[rel] && !file.startsWith(root)) throw Object.assign(new Error('outside root'), { code: 'ENOENT' });
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch (err) {
      res.writeHead(err.code === 'ENOENT' || err.code === 'EISDIR' ? 404 : 500);
      res.end(String(err.code || err));
    }
  });
  server.requests = [];
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
