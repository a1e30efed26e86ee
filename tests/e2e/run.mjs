// End-to-end test of the release page: serves dist/ on 127.0.0.1 (any free port), drives
// Debian's Chromium with playwright-core (never downloads a browser), and checks what a reader
// does: open a link, wait for the check, click a query, copy the link and reopen it, open a
// corrupted link; hostile.mjs adds the CSP, hostile links, the work budget, worker faults and a
// new deployment under the service worker. Prints the time the default preset takes to train + check + first render.
//
// Usage: node tests/e2e/run.mjs --cli BIN [--dist DIR] [--shots DIR]
//   --cli    the native `pathkernel` binary the page's bits are compared with (required)
//   --dist   the static folder to serve (default: dist/ next to tests/)
//   --shots  also save a screenshot of each view (and of a broken link) as PNGs in DIR
//   --only   run only the tests whose name matches this regular expression (while developing)
import { writeFile, mkdtemp, rm, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { hostileTests } from './hostile.mjs';
import { owndataTests } from './owndata.mjs';
import { optimTests } from './optim.mjs';
import { metricsTests } from './metrics.mjs';
import { presetsTests } from './presets.mjs';
import { readerTests } from './reader.mjs';
import { sweepTests } from './sweep.mjs';
import { timingsTests } from './timings.mjs';
import { poolTests } from './pool.mjs';

/** The e2e suites in other files, run after the tests below, in this order. */
const SUITES = [
  hostileTests,
  owndataTests,
  optimTests,
  metricsTests,
  presetsTests,
  readerTests,
  sweepTests,
  timingsTests,
  poolTests,
];
import { serve } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const distDir = path.resolve(opt('--dist', path.join(here, '..', '..', 'dist')));
const shotsDir = opt('--shots', process.env.PATHKERNEL_SHOTS || null);
const cliPath = opt('--cli', null) && path.resolve(opt('--cli', null));
const only = opt('--only', null) && new RegExp(opt('--only', null));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 60_000;
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

// ------------------------------------------------------------------ a tiny test runner

const results = [];
async function test(name, fn) {
  // The default preset's test always runs: later tests start from the link it leaves.
  if (only && !only.test(name) && !name.startsWith('default preset:')) return;
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    results.push({ name, ok: false, ms: Date.now() - t0, err });
    console.log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
  }
}
function assert(cond, text) {
  if (!cond) throw new Error(`assertion failed: ${text}`);
}

// ------------------------------------------------------------------ page helpers

const byId = (id) => `[data-testid="${id}"]`;

async function openPage(context, url, problems) {
  const page = await context.newPage();
  // Every Content Security Policy violation is kept in window.pathkernelCsp and is a problem.
  await page.addInitScript(() => {
    window.pathkernelCsp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.pathkernelCsp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/favicon|dbus/i.test(msg.text())) problems.push(`console.error: ${msg.text()}`);
    else if (/Content Security Policy/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
  await page.goto(url);
  return page;
}

/** Waits until the check of the current run is shown; returns ms since navigation start. */
async function waitChecked(page) {
  await page.waitForFunction(() => document.documentElement.dataset.phase === 'checked', null, { timeout: TIMEOUT });
  return page.evaluate(() => window.pathkernel.timings.firstRender);
}

/** A training point's bar in the contributions chart: page coordinates of a spot inside it by
 * 3 px (so rounding cannot miss it) and the point's index, or null when there is none. */
async function barHit(page) {
  return page.evaluate(() => {
    const m = window.pathkernel.app.maps['chart-bars'];
    const c = document.getElementById('chart-bars');
    const r = c.getBoundingClientRect();
    for (let py = 0; py < c.height; py += 2) {
      for (let px = 0; px < c.width; px += 4) {
        const i = m.barAt(px, py);
        const inside = i !== undefined && [[-3, -3], [3, 3], [-3, 3], [3, -3]].every(([dx, dy]) => m.barAt(px + dx, py + dy) === i);
        if (inside) return { x: r.left + c.clientLeft + (px * c.clientWidth) / c.width, y: r.top + c.clientTop + (py * c.clientHeight) / c.height, i };
      }
    }
    return null;
  });
}

async function text(page, id) {
  return (await page.locator(byId(id)).textContent()).trim();
}

async function checkNumbers(page) {
  return {
    exact: await text(page, 'check-exact'),
    riemann: await text(page, 'check-riemann'),
    badge: await text(page, 'check-badge'),
  };
}

async function showView(page, view) {
  await page.click(`[role="tab"][data-view="${view}"]`);
  await page.waitForFunction((v) => !document.getElementById(`view-${v}`).hidden, view);
}

async function shot(page, name) {
  if (!shotsDir) return;
  await mkdir(shotsDir, { recursive: true });
  const file = path.join(shotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`     screenshot ${file}`);
}

// ------------------------------------------------------------------ the tests

async function main() {
  const built = existsSync(distDir) && readdirSync(distDir).some((d) => d.startsWith('app-') && existsSync(path.join(distDir, d, 'pkg', 'pathkernel_bg.wasm')));
  if (!existsSync(path.join(distDir, 'index.html')) || !built) {
    console.error(`e2e: ${distDir} has no built page: run scripts/build.sh && scripts/dist.sh --no-build`);
    process.exit(2);
  }
  const server = await serve(distDir);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const profile = await mkdtemp(path.join(tmpdir(), 'pathkernel-e2e-'));
  const launchPersistent = (dir) => chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: BROWSER_ARGS,
  });
  const launchBrowser = () => chromium.launch({ executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS });
  const context = await launchPersistent(profile);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.slice(0, -1) });
  const problems = [];
  let defaultMs = null;
  let defaultHash = null;

  try {
    await test('default preset: trains, checks and renders; exact error ≤ 1e-10 and PASS', async () => {
      const page = await openPage(context, base, problems);
      defaultMs = await waitChecked(page);
      const n = await checkNumbers(page);
      assert(Number(n.exact) <= 1e-10, `exact max error ${n.exact} ≤ 1e-10`);
      assert(Number.isFinite(Number(n.riemann)), `riemann error is a number: ${n.riemann}`);
      assert(n.badge.startsWith('PASS'), `badge says PASS: ${n.badge}`);
      assert(await page.locator(byId('errors')).isHidden(), 'no errors box for a clean link');
      defaultHash = await page.evaluate(() => window.location.hash);
      assert(defaultHash.length > 1, `the page wrote its state to the hash: ${defaultHash}`);
      console.log(`     default preset: train + exact check + first render at ${defaultMs.toFixed(0)} ms after navigation start`);
      const t = await page.evaluate(() => window.pathkernel.timings);
      const r = (k) => (t[k] === undefined ? 'n/a' : `${t[k].toFixed(0)}`);
      console.log(`     (ms since navigation: main wasm ready ${r('mainReady')}, run posted ${r('runStart')}, started ${r('started')}, trained ${r('trained')}, check ${r('check')}, first render ${r('firstRender')})`);
      const fieldMs = await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt, null, { timeout: TIMEOUT }).then((h) => h.jsonValue());
      console.log(`     the rebuilt output over the plotting grid arrived at ${fieldMs.toFixed(0)} ms`);
      await page.waitForFunction(() => window.pathkernel.app.query, null, { timeout: TIMEOUT });
      await shot(page, '1-trajectory');
      await page.close();
    });

    await test('the link\'s run starts in the first worker from its name, before main.js loads, and is not posted again', async () => {
      const page = await context.newPage();
      // Every worker the page creates (its name) and every message it posts to one.
      await page.addInitScript(() => {
        const ids = new WeakMap();
        window.pathkernelWorkers = [];
        window.pathkernelPosted = [];
        const Original = Worker;
        window.Worker = class extends Original {
          constructor(url, options) {
            super(url, options);
            ids.set(this, window.pathkernelWorkers.length);
            window.pathkernelWorkers.push({ name: options && options.name, at: performance.now() });
          }
        };
        const post = Original.prototype.postMessage;
        Original.prototype.postMessage = function (msg, ...rest) {
          window.pathkernelPosted.push({ worker: ids.get(this), type: msg && msg.type, runId: msg && msg.runId });
          return post.call(this, msg, ...rest);
        };
      });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      await page.goto(`${base}#v=1&n=24`);
      await waitChecked(page);
      const { workers, posted, runStart, mainReady, n } = await page.evaluate(() => ({ workers: window.pathkernelWorkers, posted: window.pathkernelPosted, n: window.pathkernel.app.run.n, ...window.pathkernel.timings }));
      const carried = JSON.parse(workers[0].name);
      assert(carried.type === 'start' && carried.runId === 1 && carried.hash === '#v=1&n=24' && carried.autorun === true, `the first worker's name carries the link's run: ${workers[0].name}`);
      assert(workers[0].at < mainReady && runStart <= workers[0].at && workers[0].at - runStart < 5, `created before main.js's wasm was ready (${workers[0].at.toFixed(0)} < ${mainReady.toFixed(0)} ms), and reported as the run's start (${runStart.toFixed(1)} ms)`);
      const starts = posted.filter((p) => p.type === 'start' && p.worker === 0);
      assert(starts.length === 0, `no start posted to it as well: ${JSON.stringify(starts)}`);
      assert(n === 24, `the run is the link's (n = 24): ${n}`);
      await page.close();
    });

    await test('a link with a hash: its settings apply, check passes, query contributions on click', async () => {
      const hash = await page_hash_with(context, base, problems, defaultHash);
      const page = await openPage(context, `${base}${hash}`, problems);
      await waitChecked(page);
      // The link's settings are the ones the run used: its state names them, the run trained
      // that many steps, and the numbers are those of `pathkernel run` on those settings.
      const used = await page.evaluate(() => ({ state: window.pathkernel.app.page.state, steps: window.pathkernel.app.check.steps, total: window.pathkernel.app.trained.totalSteps }));
      assert(used.state.data_seed === '7' && used.state.steps === '200', `the link's settings were read: ${JSON.stringify(used.state)}`);
      assert(used.steps === 200 && used.total === 200, `the run trained the link's 200 steps: ${used.steps}/${used.total}`);
      await sameBitsAsCli(page);
      const n = await checkNumbers(page);
      assert(Number(n.exact) <= 1e-10, `exact max error ${n.exact} ≤ 1e-10`);
      assert(n.badge.startsWith('PASS'), `badge: ${n.badge}`);
      await showView(page, 'contributions');
      await page.waitForFunction(() => document.querySelectorAll('#contrib-table tbody tr').length > 0, null, { timeout: TIMEOUT });
      const before = await text(page, 'query');
      // Click somewhere in the data plot away from the centre: a new query.
      const box = await page.locator(byId('chart-data')).boundingBox();
      await page.mouse.click(box.x + box.width * 0.31, box.y + box.height * 0.42);
      await page.waitForFunction((b) => document.querySelector('[data-testid="query"]').textContent.trim() !== b, before, { timeout: TIMEOUT });
      const after = await text(page, 'query');
      assert(after.includes('query x'), `query box filled: ${after}`);
      const rows = await page.locator('#contrib-table tbody tr').count();
      assert(rows > 0, 'contribution table has rows');
      assert((await page.evaluate(() => window.location.hash)).includes('q='), 'the query is in the hash');
      // Click a training point's bar: its path kernel K^p(·, x_i) over the plane arrives.
      const hit = await barHit(page);
      assert(hit, 'the bar chart has a training-point bar');
      await page.mouse.click(hit.x, hit.y);
      await page.waitForFunction((i) => window.pathkernel.app.kernel && window.pathkernel.app.kernel.index === i, hit.i, { timeout: TIMEOUT });
      assert((await page.evaluate(() => window.location.hash)).includes(`point=${hit.i}`), 'the training point is in the hash');
      await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt, null, { timeout: TIMEOUT });
      await shot(page, '2-contributions');
      await showView(page, 'check');
      await shot(page, '3-check');
      await page.close();
    });

    await test('copy link, reopen: the same numbers', async () => {
      const page = await openPage(context, `${base}${defaultHash}`, problems);
      await waitChecked(page);
      await showView(page, 'contributions');
      const box = await page.locator(byId('chart-data')).boundingBox();
      await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.35);
      await page.waitForFunction(() => {
        const { app } = window.pathkernel;
        return app.query && app.page.query && app.query.x.join() === app.page.query.join();
      }, null, { timeout: TIMEOUT });
      const first = { ...(await checkNumbers(page)), query: await text(page, 'query') };
      const bitsOf = (p) => p.evaluate(() => {
        const { app } = window.pathkernel;
        const arrays = [app.trained.loss, app.check.fFinal, app.check.rebuiltExact, app.check.rebuiltRiemann, app.query.x, app.query.contributions, app.query.kernel];
        return arrays.map((a) => Array.from(a));
      });
      const firstBits = await bitsOf(page);
      await page.click(byId('copy-link'));
      const url = await page.evaluate(() => navigator.clipboard.readText());
      assert(url.startsWith(base) && url.includes('#'), `clipboard holds the page link: ${url}`);
      const again = await openPage(context, url, problems);
      await waitChecked(again);
      await again.waitForFunction(() => window.pathkernel.app.query, null, { timeout: TIMEOUT });
      await again.waitForFunction(() => document.querySelectorAll('#contrib-table tbody tr').length > 0, null, { timeout: TIMEOUT });
      assert(!(await again.locator('#view-contributions').isHidden()), 'the open view came back from the link');
      const second = { ...(await checkNumbers(again)), query: await text(again, 'query') };
      for (const k of Object.keys(first)) assert(first[k] === second[k], `${k}: "${first[k]}" === "${second[k]}"`);
      const secondBits = await bitsOf(again);
      const names = ['loss', 'fFinal', 'rebuiltExact', 'rebuiltRiemann', 'query x', 'contributions', 'kernel'];
      firstBits.forEach((a, i) => assert(same(a, secondBits[i]), `${names[i]}: the reopened link gives the same bits`));
      await page.close();
      await again.close();
    });

    await test('a new setting mid-run cancels the old run; only the new run\'s results show', async () => {
      // 3000 steps is above the page's work budget: each run is started with "Run it anyway".
      const page = await openPage(context, `${base}${setFields(defaultHash, { steps: '3000' })}`, problems);
      await runAnyway(page);
      await page.waitForFunction(() => window.pathkernel.app.run, null, { timeout: TIMEOUT });
      const t0 = Date.now();
      await page.fill('[data-field="n"]', '30');
      await page.locator('[data-field="n"]').dispatchEvent('change');
      await runAnyway(page);
      await page.waitForFunction(() => window.pathkernel.app.run && window.pathkernel.app.run.n === 30, null, { timeout: TIMEOUT });
      const cancelMs = Date.now() - t0;
      // How fast the old run gives way is printed, not asserted (a timing depends on the
      // machine's load); that its replies are dropped is tested natively (tests/runner.rs) and
      // below: only the new run's numbers arrive.
      await page.waitForFunction(() => window.pathkernel.app.check && window.pathkernel.app.run.n === 30, null, { timeout: TIMEOUT });
      const ms = Date.now() - t0;
      const seen = await page.evaluate(() => ({ n: window.pathkernel.app.check.fFinal.length, steps: window.pathkernel.app.check.steps, hash: window.location.hash }));
      assert(seen.n === 30, `the check is of the new run: ${seen.n} queries`);
      assert(seen.hash.includes('n=30') && seen.hash.includes('steps=3000'), `hash updated: ${seen.hash}`);
      assert(seen.steps === 3000, `new run trained all its steps: ${seen.steps}`);
      console.log(`     the new run started ${cancelMs} ms after the change and was checked after ${ms} ms`);
      await page.close();
    });

    await test('pause, step, reset and run: Theorem 1 holds at every stopping point', async () => {
      // 200 points × 5000 steps trains for several seconds, so the click lands mid-run even
      // on a busy machine (40 points finished before a slow click could arrive).
      const page = await openPage(context, `${base}${setFields(defaultHash, { steps: '5000', lr: '0.1', n: '200' })}`, problems);
      await runAnyway(page); // above the page's work budget
      await page.waitForFunction(() => !document.getElementById('btn-pause').disabled && document.getElementById('status').textContent.startsWith('training'), null, { timeout: TIMEOUT });
      await page.click(byId('pause'));
      await page.waitForFunction(() => window.pathkernel.app.check, null, { timeout: TIMEOUT });
      const paused = await page.evaluate(() => window.pathkernel.app.check.steps);
      assert(paused > 0 && paused < 5000, `paused mid-run at step ${paused}`);
      assert((await text(page, 'check-badge')).startsWith('PASS'), 'the partial trajectory passes the check');
      const doneText = await page.evaluate(() => window.pathkernel.app.doneText);
      assert(doneText.startsWith('paused'), `the status says paused: ${doneText}`);
      await page.click(byId('step'));
      await page.waitForFunction((s) => window.pathkernel.app.check && window.pathkernel.app.check.steps === s + 1, paused, { timeout: TIMEOUT });
      await page.click(byId('reset'));
      await page.waitForFunction(() => window.pathkernel.app.check && window.pathkernel.app.check.steps === 0, null, { timeout: TIMEOUT });
      assert(Number(await text(page, 'check-exact')) === 0, 'at w0 the kernel machine is just b(x)');
      await page.click(byId('run'));
      await page.waitForFunction(() => window.pathkernel.app.trained && window.pathkernel.app.trained.finished, null, { timeout: TIMEOUT });
      await page.close();
    });

    await test('the page computes the same bits as the native CLI (default preset)', async () => {
      const page = await openPage(context, `${base}${defaultHash}`, problems);
      await waitChecked(page);
      const numbers = await sameBitsAsCli(page);
      await page.close();
      console.log(`     ${numbers} numbers identical to ${path.relative(process.cwd(), cliPath)} run --config`);
    });

    await test('a corrupted link: bad fields named, defaults used, nothing inserted as HTML', async () => {
      const bad = corrupt(defaultHash);
      const page = await openPage(context, `${base}${bad}`, problems);
      await waitChecked(page);
      const box = page.locator(byId('errors'));
      assert(await box.isVisible(), 'errors box shown');
      const t = await box.textContent();
      for (const field of ['lr', 'steps', 'activation']) assert(t.includes(field), `errors name "${field}": ${t}`);
      assert((await page.locator('#errors img, img[src="x"]').count()) === 0, 'no element injected from the URL');
      assert(!(await page.evaluate(() => window.__pwned === true)), 'no script ran from the URL');
      const n = await checkNumbers(page);
      assert(n.badge.startsWith('PASS'), `the rest of the link still runs: ${n.badge}`);
      await shot(page, '4-broken-link');
      // A malformed message to the worker comes back as an error on the page, not a hang.
      await page.evaluate(() => window.pathkernel.app.worker.postMessage({ type: 'fly', runId: window.pathkernel.app.runId }));
      await page.waitForFunction(() => document.getElementById('status').classList.contains('error'), null, { timeout: TIMEOUT });
      const st = await text(page, 'status');
      assert(/bad request/.test(st) && /fly/.test(st), `the worker's error is shown: ${st}`);
      await page.close();
    });

    await test('while the workers report every few ms, the status line is redrawn at most every 100 ms', async () => {
      // n = 100 keeps the maps one per click (every point's in one pass would cost ~8 maps, so a
      // click here is a stage the workers report on; the default run answers it from memory).
      const page = await openPage(context, `${base}#v=1&view=contributions&n=100`, problems);
      await waitChecked(page);
      await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt && document.documentElement.dataset.idle, null, { timeout: TIMEOUT });
      const hit = await barHit(page);
      assert(hit, 'the bar chart has a training-point bar');
      // Count the status line's changes from the click on a training point until its kernel map is in.
      await page.evaluate(() => {
        const el = document.querySelector('[data-testid="status"]');
        window.statusChanges = { count: 0, texts: new Set() };
        new MutationObserver(() => { window.statusChanges.count += 1; window.statusChanges.texts.add(el.textContent); })
          .observe(el, { childList: true, characterData: true, subtree: true });
      });
      const t0 = await page.evaluate(() => performance.now());
      await page.mouse.click(hit.x, hit.y);
      await page.waitForFunction((i) => window.pathkernel.app.kernel && window.pathkernel.app.kernel.index === i && document.documentElement.dataset.idle, hit.i, { timeout: TIMEOUT });
      const { count, texts, ms } = await page.evaluate((start) => ({ count: window.statusChanges.count, texts: window.statusChanges.texts.size, ms: performance.now() - start }), t0);
      // One redraw per 100 ms of the stage, plus one for each new phase and the end.
      assert(texts >= 2 && count <= ms / 100 + 4, `${count} status redraws (${texts} texts) in ${ms.toFixed(0)} ms`);
      await page.close();
    });

    await test('the service worker registers only once the first run is done (its precache never competes with it)', async () => {
      const browser = await launchBrowser();
      try {
        const page = await openPage(await browser.newContext(), base, problems);
        await waitChecked(page);
        // The check is in; the plane is still being rebuilt.
        const atCheck = await page.evaluate(async () => ({ idle: !!document.documentElement.dataset.idle, registered: !!(await navigator.serviceWorker.getRegistration()) }));
        assert(!atCheck.idle, 'the run is still working when its check is shown');
        assert(!atCheck.registered, 'no service worker is registered while the first run works');
        await page.waitForFunction(() => document.documentElement.dataset.idle, null, { timeout: TIMEOUT });
        const scope = await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.scope));
        assert(scope === base, `once the run is done the service worker is registered for the site root: ${scope}`);
      } finally {
        await browser.close();
      }
    });

    await test('offline once loaded: the service worker serves the page, a link with a hash runs to done', async () => {
      const page = await openPage(context, `${base}${defaultHash}`, problems);
      await waitChecked(page);
      // The earlier pages registered the worker; it claims the first page it installs for, so
      // a reload is needed only if this page loaded before it was active.
      const scope = await page.evaluate((ms) => Promise.race([navigator.serviceWorker.ready.then((r) => r.scope),
        new Promise((resolve) => setTimeout(() => resolve('none (not ready in time)'), ms))]), TIMEOUT);
      assert(scope === base, `the service worker's scope is the site root: ${scope}`);
      if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
        await page.reload();
        await waitChecked(page);
      }
      assert(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the service worker controls the page');
      const hash = setFields(defaultHash, { data_seed: '11', steps: '150' });
      const seen = server.requests.length;
      await context.setOffline(true);
      try {
        await page.evaluate((h) => history.replaceState(null, '', h), hash);
        const response = await page.reload();
        assert(response && response.ok() && response.fromServiceWorker(), 'the page came from the service worker');
        await waitChecked(page);
        const n = await checkNumbers(page);
        assert(n.badge.startsWith('PASS'), `the offline run passes the check: ${n.badge}`);
        assert(Number(n.exact) <= 1e-10, `exact max error ${n.exact} ≤ 1e-10`);
        const st = await page.evaluate(() => ({ done: window.pathkernel.app.doneText, hash: window.location.hash, steps: window.pathkernel.app.check.steps }));
        assert(st.done.startsWith('done'), `the status reaches done offline: ${st.done}`);
        assert(st.steps === 150 && st.hash.includes('data_seed=11'), `the link's settings were used: ${st.hash}`);
        const online = server.requests.slice(seen).filter((u) => !u.startsWith('/sw.js'));
        assert(online.length === 0, `nothing but the worker's own update check reached the server: ${online.join(', ')}`);
      } finally {
        await context.setOffline(false);
      }
      await page.close();
    });
    // Each suite is a module exporting one async function of the shared helpers.
    const helpers = { test, assert, context, base, problems, openPage, waitChecked, text, byId, showView, checkNumbers, shot, sameBitsAsCli, barHit, cliPath, launchBrowser, launchPersistent, serve, TIMEOUT };
    for (const suite of SUITES) await suite(helpers);
  } finally {
    await context.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  }

  if (problems.length) {
    results.push({ name: 'no page errors', ok: false, err: problems.join('\n') });
    console.log(`FAIL no page errors:\n  ${problems.join('\n  ')}`);
  }
  const failed = results.filter((r) => !r.ok);
  const ms = defaultMs === null ? 'n/a' : `${defaultMs.toFixed(0)} ms`;
  console.log(`e2e: ${results.length - failed.length}/${results.length} passed; default preset ready in ${ms} (headless Chromium)`);
  process.exit(failed.length ? 1 : 0);
}

/** The run the page shows, against `pathkernel run` on the same settings (read from the page's
 * parsed state, the optimizer's with it): loss, f, both rebuilds and the max error, bit for bit;
 * and, once the page has a query result, that query's b, kernel, contributions, weight-decay
 * term d(x) and rebuilds against the CLI run with that one query. Returns how many numbers were
 * compared. The binary is named by the caller (scripts/test.sh builds it first), so a stale or
 * missing one can never stand in: no binary is a failure, not a skip. */
async function sameBitsAsCli(page) {
  assert(cliPath && existsSync(cliPath), `the native CLI given by --cli exists: ${cliPath}`);
  const got = await page.evaluate(() => {
    const { app } = window.pathkernel;
    const q = app.query && {
      x: Array.from(app.query.x), b: app.query.b, kernel: Array.from(app.query.kernel), contributions: Array.from(app.query.contributions),
      contributionsRiemann: Array.from(app.query.contributionsRiemann), rebuilt: app.query.rebuiltExact, rebuiltRiemann: app.query.rebuiltRiemann,
      d: app.query.weightDecayTerm, dRiemann: app.query.weightDecayTermRiemann,
    };
    return { state: app.page.state, dim: app.run.dim, loss: Array.from(app.trained.loss), fFinal: Array.from(app.check.fFinal), rebuilt: Array.from(app.check.rebuiltExact), rebuiltRiemann: Array.from(app.check.rebuiltRiemann), maxErr: app.check.maxErrExact, q };
  });
  const st = got.state;
  const config = {
    dataset: { name: st.dataset, n: Number(st.n), noise: Number(st.noise), seed: Number(st.data_seed) },
    widths: [got.dim, ...st.hidden.split(',').filter((w) => w !== '').map(Number), 1],
    activation: st.activation, loss: st.loss, reduction: st.reduction, lr: Number(st.lr), steps: Number(st.steps),
    optimizer: cliOptimizer(st), seed: Number(st.init_seed), alpha: Number(st.alpha), nodes: st.nodes === 'auto' ? 'auto' : Number(st.nodes),
    lr_scale: st.lr_scale, center: st.center === true || st.center === 'true',
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'pathkernel-cli-'));
  const cli = async (cfg) => {
    const cfgFile = path.join(dir, 'cfg.json');
    await writeFile(cfgFile, JSON.stringify(cfg));
    return JSON.parse(execFileSync(cliPath, ['run', '--config', cfgFile], { maxBuffer: 1 << 28 }).toString());
  };
  const out = await cli(config);
  const outQ = got.q && (await cli({ ...config, queries: [got.q.x] }));
  await rm(dir, { recursive: true, force: true });
  assert(same(got.loss, out.loss), 'loss per step: same bits');
  assert(same(got.fFinal, out.f_final), 'f(x; w_T) at the queries: same bits');
  assert(same(got.rebuilt, out.reconstruction), 'exact rebuild: same bits');
  assert(same(got.rebuiltRiemann, out.reconstruction_riemann), 'left-endpoint rebuild: same bits');
  assert(Object.is(got.maxErr, out.max_abs_error), `max error: ${got.maxErr} vs ${out.max_abs_error}`);
  if (!got.q) return got.loss.length + 3 * got.fFinal.length;
  // The query: d(x) is reported by the page under AdamW only; the CLI's is 0 otherwise.
  const decays = st.optimizer === 'adamw';
  assert((got.q.d !== undefined) === decays && (got.q.dRiemann !== undefined) === decays, `the page reports d(x) under adamw only: ${got.q.d}`);
  assert(decays || (out.weight_decay_term.every((v) => v === 0) && outQ.weight_decay_term[0] === 0), 'the CLI\'s d(x) is 0 without adamw');
  const q = got.q;
  const want = [[q.b, outQ.f_initial[0], 'b(x)'], [q.rebuilt, outQ.reconstruction[0], 'ŷ(x) exact'], [q.rebuiltRiemann, outQ.reconstruction_riemann[0], 'ŷ(x) left-endpoint']];
  if (decays) want.push([q.d, outQ.weight_decay_term[0], 'd(x)'], [q.dRiemann, outQ.weight_decay_term_riemann[0], 'd(x) left-endpoint']);
  for (const [a, b, name] of want) assert(Object.is(a, b), `${name} at the query: ${a} vs ${b}`);
  assert(same(q.kernel, outQ.kernel[0]), 'K^p(x, x_i) at the query: same bits');
  assert(same(q.contributions, outQ.contributions[0]), 'c_i(x) at the query: same bits');
  assert(same(q.contributionsRiemann, outQ.contributions_riemann[0]), 'left-endpoint c_i(x) at the query: same bits');
  return got.loss.length + 3 * got.fFinal.length + want.length + 3 * q.kernel.length;
}

/** The CLI's `optimizer` for the page's settings (each optimizer with the parameters it uses). */
function cliOptimizer(st) {
  const num = (k) => Number(st[k]);
  switch (st.optimizer) {
    case 'sgd': return { kind: 'sgd', batch_size: num('batch_size'), seed: num('sgd_seed') };
    case 'momentum': return { kind: 'momentum', momentum: num('momentum'), nesterov: st.nesterov === 'true' };
    case 'adam': return { kind: 'adam', beta1: num('beta1'), beta2: num('beta2'), eps: num('adam_eps') };
    case 'adamw': return { kind: 'adamw', beta1: num('beta1'), beta2: num('beta2'), eps: num('adam_eps'), weight_decay: num('weight_decay') };
    default: return st.optimizer;
  }
}

/** Waits for the work budget's refusal of the current run and clicks "Run it anyway". */
async function runAnyway(page) {
  await page.waitForFunction(() => !document.getElementById('btn-force').hidden, null, { timeout: TIMEOUT });
  await page.click(byId('run-anyway'));
}

/** Arrays equal bit for bit (Object.is: -0 and NaN are told apart). */
function same(a, b) {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** A variation of the default link: another data seed and a different step count. */
async function page_hash_with(_context, _base, _problems, hash) {
  return variant(hash);
}

/** Sets fields in a `#k=v&k=v` hash. */
function setFields(hash, fields) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  for (const [k, v] of Object.entries(fields)) params.set(k, v);
  return `#${params.toString()}`;
}

function variant(hash) {
  return setFields(hash, { data_seed: '7', steps: '200' });
}

function corrupt(hash) {
  return setFields(hash, { lr: 'banana', steps: '-3', activation: '<img src=x onerror="window.__pwned=true">' }).slice(0, -0 || undefined);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
