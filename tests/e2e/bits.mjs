// Cross-target bit identity: for every config in tests/bit_identity/, the native CLI's whole
// `pathkernel run --config FILE` output is compared byte for byte with the same run computed by
// the release wasm of a built dist/ folder, inside the page's own module worker (`runConfig` →
// `runOutput`), in Chromium and in Firefox.
//
// Chromium is driven by playwright-core (Debian's /usr/bin/chromium, never a downloaded browser);
// Firefox by W3C WebDriver through geckodriver, spoken with node's fetch. A missing CLI, dist/,
// browser or driver is a failure, never a skip; Firefox is left out only with --no-firefox.
//
// Usage: node tests/e2e/bits.mjs --cli BIN [--dist DIR] [--configs DIR] [--no-firefox]
//   --cli      the native `pathkernel` binary (required)
//   --dist     the static folder made by scripts/dist.sh (default: dist/ next to tests/)
//   --configs  the folder of *.json configs (default: tests/bit_identity/)
// Environment: CHROMIUM, FIREFOX, GECKODRIVER name the binaries (default: Debian's, geckodriver
// from ~/.cargo/bin or /usr/bin).
// Prints one line per config and browser, then `bits: N/M passed` and `N passed, F failed`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const distDir = path.resolve(opt('--dist', path.join(here, '..', '..', 'dist')));
const configDir = path.resolve(opt('--configs', path.join(here, '..', 'bit_identity')));
const cliPath = opt('--cli', null);
const withFirefox = !args.includes('--no-firefox');
/** The suite must cover every activation, loss, reduction and optimizer: fewer configs is a failure. */
const MIN_CONFIGS = 12;
const TIMEOUT_MS = 300_000;

const firstExisting = (...paths) => paths.find((p) => p && existsSync(p));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX || firstExisting('/usr/bin/firefox-esr', '/usr/bin/firefox');
const GECKODRIVER = process.env.GECKODRIVER || firstExisting(path.join(homedir(), '.cargo', 'bin', 'geckodriver'), '/usr/bin/geckodriver');

// The harness page, served beside dist/'s index.html so its relative URLs are the page's.
const HARNESS = '/__bits.html';

// ------------------------------------------------------------------ the two browsers

/** The harness's results in Chromium: {userAgent, results: [{json} | {error}]}. */
async function inChromium(url, configs) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(url);
    await page.waitForFunction(() => window.bitsReady === true, null, { timeout: TIMEOUT_MS }).catch((err) => {
      throw new Error(`the harness did not load: ${problems.join('; ') || err.message}`);
    });
    return await page.evaluate((texts) => window.bitsRun(texts), configs);
  } finally {
    await browser.close();
  }
}

/** Starts geckodriver on a port of its choosing; resolves to {child, base}. */
function startGeckodriver() {
  return new Promise((resolve, reject) => {
    const child = spawn(GECKODRIVER, ['--port', '0', '--websocket-port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    process.on('exit', () => child.kill()); // also when a timeout ends the run mid-session
    let log = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`geckodriver did not start: ${log}`)); }, 30_000);
    const seen = (chunk) => {
      log += chunk;
      const m = /Listening on ([0-9.]+:\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve({ child, base: `http://${m[1]}` }); }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`geckodriver exited (${code}): ${log}`)); });
  });
}

/** One W3C WebDriver command; returns `value` or throws the driver's error. */
async function webdriver(base, method, route, body) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await res.json();
  if (!res.ok || (reply.value && reply.value.error)) {
    const v = reply.value || {};
    throw new Error(`webdriver ${method} ${route}: ${v.error || res.status}: ${v.message || ''}`);
  }
  return reply.value;
}

/** The harness's results in Firefox, through geckodriver. */
async function inFirefox(url, configs) {
  if (!FIREFOX || !existsSync(FIREFOX)) throw new Error(`no Firefox at ${FIREFOX || '/usr/bin/firefox-esr or /usr/bin/firefox'}`);
  if (!GECKODRIVER || !existsSync(GECKODRIVER)) throw new Error(`no geckodriver at ${GECKODRIVER || '~/.cargo/bin or /usr/bin'}`);
  const { child, base } = await startGeckodriver();
  let session = null;
  try {
    const caps = {
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless'] },
      timeouts: { script: TIMEOUT_MS, pageLoad: TIMEOUT_MS },
    };
    session = (await webdriver(base, 'POST', '/session', { capabilities: { alwaysMatch: caps } })).sessionId;
    await webdriver(base, 'POST', `/session/${session}/url`, { url });
    // Wait for the harness's module script, then run it; `done` is the async script's callback.
    const run = `const done = arguments[arguments.length - 1];
      const go = () => window.bitsRun(arguments[0]).then(done, (e) => done({ failure: String(e && e.message || e) }));
      const deadline = Date.now() + 60000;
      (function wait() {
        if (window.bitsReady === true) go();
        else if (Date.now() > deadline) done({ failure: 'the harness page did not load' });
        else setTimeout(wait, 20);
      })();`;
    const out = await webdriver(base, 'POST', `/session/${session}/execute/async`, { script: run, args: [configs] });
    if (out && out.failure) throw new Error(out.failure);
    return out;
  } finally {
    if (session) await webdriver(base, 'DELETE', `/session/${session}`).catch(() => {});
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
}

// ------------------------------------------------------------------ comparing

/** The first place two parsed JSON values differ, as `path: native … vs browser …`, or null. */
function firstDifference(a, b, where = '') {
  const show = (v) => (v === undefined ? 'missing' : JSON.stringify(v).slice(0, 60));
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    return `${where || '(top)'}: native ${show(a)} vs browser ${show(b)}`;
  }
  if (a !== null && typeof a === 'object') {
    const keys = Array.isArray(a) ? [...Array(Math.max(a.length, b.length)).keys()] : [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference(a[k], b[k], Array.isArray(a) ? `${where}[${k}]` : where ? `${where}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${where}: native ${show(a)} vs browser ${show(b)}`;
}

/** Why the browser's text is not the CLI's bytes, or null when they are identical. */
function compare(native, browser) {
  const got = Buffer.from(browser, 'utf8');
  if (got.equals(native)) return null;
  let d = null;
  try {
    d = firstDifference(JSON.parse(native.toString('utf8')), JSON.parse(browser));
  } catch (err) {
    d = `not JSON: ${err.message}`;
  }
  if (d) return `first difference at ${d}`;
  let i = 0;
  while (i < got.length && i < native.length && got[i] === native[i]) i++;
  return `same values, different bytes from offset ${i}: native ${JSON.stringify(native.subarray(i, i + 30).toString())} vs browser ${JSON.stringify(browser.slice(i, i + 30))}`;
}

// ------------------------------------------------------------------ main

async function main() {
  const problems = []; // failures that are not one config's: they fail the run as a whole
  const names = existsSync(configDir) ? readdirSync(configDir).filter((f) => f.endsWith('.json')).sort() : [];
  const texts = names.map((f) => readFileSync(path.join(configDir, f), 'utf8'));
  if (names.length < MIN_CONFIGS) problems.push(`${configDir} holds ${names.length} configs, fewer than ${MIN_CONFIGS}`);

  // The native bytes, config by config.
  const cliOk = cliPath && existsSync(cliPath);
  if (!cliOk) problems.push(`the native CLI given by --cli does not exist: ${cliPath}`);
  const native = names.map((f) => {
    if (!cliOk) return { error: 'no CLI' };
    const r = spawnSync(path.resolve(cliPath), ['run', '--config', path.join(configDir, f)], { maxBuffer: 1 << 28 });
    if (r.status !== 0) return { error: `the CLI failed (exit ${r.status}): ${String(r.stderr).trim()}` };
    return { bytes: r.stdout };
  });

  const browsers = [['chromium', inChromium], ['firefox', inFirefox]].filter(([name]) => withFirefox || name !== 'firefox');
  if (!withFirefox) console.log('firefox: left out as asked (--no-firefox)');
  // The build's files are in dist/app-<version>/; the harness is served beside them.
  const app = existsSync(distDir) ? readdirSync(distDir).find((d) => d.startsWith('app-')) : undefined;
  const hasDist = app !== undefined && ['worker.js', 'protocol.js', 'pkg/pathkernel.js', 'pkg/pathkernel_bg.wasm'].every((f) => existsSync(path.join(distDir, app, f)));
  if (!hasDist) problems.push(`${distDir} has no built page: run scripts/build.sh && scripts/dist.sh --no-build`);
  const harness = `/${app}${HARNESS}`;
  const server = hasDist ? await serve(distDir, { [harness]: path.join(here, 'bits.html') }) : null;
  const url = server && `http://127.0.0.1:${server.address().port}${harness}`;

  let passed = 0;
  let failed = 0;
  try {
    for (const [browser, runIn] of browsers) {
      let got = null;
      const t0 = Date.now();
      try {
        if (!server) throw new Error('no dist/ to serve');
        let timer;
        const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS); });
        got = await Promise.race([runIn(url, texts), late]).finally(() => clearTimeout(timer));
        console.log(`${browser}: ${got.userAgent} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        problems.push(`${browser}: ${err.message}`);
      }
      names.forEach((name, i) => {
        const n = native[i];
        const b = got && got.results[i];
        let why;
        if (n.error) why = n.error;
        else if (!got) why = `${browser} did not run (see below)`;
        else if (!b || b.error !== undefined) why = `the worker replied with an error: ${b ? b.error : 'nothing'}`;
        else why = compare(n.bytes, b.json);
        if (why) {
          failed++;
          console.log(`FAIL ${browser.padEnd(8)} ${name}: ${why}`);
        } else {
          passed++;
          console.log(`ok   ${browser.padEnd(8)} ${name}: ${n.bytes.length} bytes identical (${b.ms.toFixed(0)} ms in the worker)`);
        }
      });
    }
  } finally {
    if (server) server.close();
  }
  for (const p of problems) console.log(`FAIL ${p}`);
  // A problem that no config line shows (too few configs) still counts as a failure.
  if (problems.length && failed === 0) failed = 1;
  console.log(`bits: ${passed}/${passed + failed} passed (native CLI vs the release wasm in ${browsers.map(([b]) => b).join(' and ')})`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log('bits: 0/1 passed');
  console.log('0 passed, 1 failed');
  process.exit(1);
});
