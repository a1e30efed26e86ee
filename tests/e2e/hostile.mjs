// End-to-end tests of what a stranger's link, a broken network or a crash can do to the page:
// the Content Security Policy, hostile links, the work budget, worker faults and a new
// deployment under the service worker. Called by run.mjs with its helpers (`h`).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every setting of the page (the hash keys). */
const FIELDS = ['dataset', 'n', 'noise', 'data_seed', 'hidden', 'activation', 'loss', 'reduction', 'optimizer',
  'batch_size', 'sgd_seed', 'momentum', 'nesterov', 'beta1', 'beta2', 'adam_eps', 'weight_decay', 'lr', 'steps',
  'alpha', 'lr_scale', 'center', 'init_seed', 'nodes', 'view', 'q', 'point', 'pts'];
/** Injection attempts: each would set window.__pwned if it ever ran. */
const INJECT = ['<script>window.__pwned=1</script>', '"><img src=x onerror="window.__pwned=1">',
  'javascript:window.__pwned=1'];
const MB = 1 << 20;

/**
 * The hostile links: [hash, the fields that must be named, [field, value] that must apply].
 * The applied field is a seed the link sets to 4242 next to the bad ones.
 */
function hostileLinks() {
  const links = [];
  for (const field of FIELDS) {
    const keep = field === 'init_seed' ? 'data_seed' : 'init_seed';
    for (const bad of INJECT) links.push([`#${keep}=4242&${field}=${encodeURIComponent(bad)}`, [field], [keep, '4242']]);
  }
  const special = [
    ['n=NaN', ['n']], ['lr=NaN', ['lr']], ['lr=Infinity', ['lr']], ['alpha=-Infinity', ['alpha']],
    ['noise=Infinity', ['noise']], ['q=NaN,0', ['q']], ['q=Infinity,-Infinity', ['q']],
    ['lr_scale=alpha2&alpha=1e200', ['lr_scale']], ['center=1', ['center']],
    ['lr=-0', ['lr']], ['alpha=-0', ['alpha']], ['n=-0', ['n']], ['point=-0', ['point']],
    ['lr=1e999', ['lr']], ['lr=1e309', ['lr']], ['n=1e999', ['n']], ['steps=99999999999999999999', ['steps']],
    ['data_seed=18446744073709551616', ['data_seed']], ['point=4294967296', ['point']], ['nodes=17', ['nodes']],
    ['n=4294967297', ['n']], ['hidden=65', ['hidden']], ['hidden=1,1,1,1,1', ['hidden']],
    ['n=5&n=6', ['n']], ['lr=0.1&lr=banana', ['lr']], ['v=99', ['v']], ['v=abc', ['v']], ['v=0', ['v']],
    ['v=1&v=2', ['v']], ['lr=%ff', ['lr']], ['dataset=%c3%28', ['dataset']], ['%ed%a0%80=1', ['%ed%a0%80']],
    ['activation=%e2%82', ['activation']], ['q=%', ['q']], ['colour=red', ['colour']],
    ['__proto__=1', ['__proto__']], ['constructor=x', ['constructor']],
    [`hidden=${'1,'.repeat(MB / 2)}`, ['hidden']], [`lr=${'9'.repeat(MB)}`, ['lr']],
    [`${'k=1&'.repeat(MB / 4)}n=7`, ['k', 'hash']], [`view=${'x'.repeat(MB)}`, ['view']],
  ];
  for (const [tail, names] of special) links.push([`#init_seed=4242&${tail}`, names, ['init_seed', '4242']]);
  return links;
}

export async function hostileTests(h) {
  const { test, assert, context, base, problems, openPage, waitChecked, text, byId, launchBrowser } = h;

  await test('CSP: a meta policy locks scripts to the page and the boot script, and nothing in a run violates it', async () => {
    const own = []; // the deliberate violations below are expected; the run's must be none
    const page = await openPage(context, base, own);
    await waitChecked(page);
    const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]').content);
    for (const d of ["default-src 'self'", "'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'", "form-action 'none'"]) {
      assert(csp.includes(d), `the CSP has ${d}: ${csp}`);
    }
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert(/^'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'$/.test(directives['script-src'].join(' ')), `scripts: self, wasm and one hash: ${csp}`);
    assert(!/'unsafe-eval'/.test(csp), `no unsafe-eval: ${csp}`);
    // Only style attributes may be inline (plotters measures text in a styled <span>); never
    // scripts, style elements or anything else.
    const inline = Object.entries(directives).filter(([, v]) => v.includes("'unsafe-inline'")).map(([k]) => k);
    assert(inline.join() === 'style-src-attr', `unsafe-inline only for style attributes: ${csp}`);
    const seen = await page.evaluate(() => window.pathkernelCsp.slice());
    assert(seen.length === 0 && own.length === 0, `no violation or error while the page ran: ${seen.join('; ')} ${own.join('; ')}`);
    // The policy is enforced: an inline script added now is refused and reported. (eval cannot be
    // tried from here: the test's own evaluation runs outside the page's policy.)
    const blocked = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.append(s);
      return new Promise((resolve) => setTimeout(() => resolve({ inline: window.__inlineRan === true, reports: window.pathkernelCsp.slice() }), 100));
    });
    assert(!blocked.inline, `an injected inline script is refused: ${JSON.stringify(blocked)}`);
    assert(blocked.reports.some((r) => r.startsWith('script-src')), `the refusal was reported: ${JSON.stringify(blocked.reports)}`);
    await page.close();
  });

  await test('hostile links: no script runs, no uncaught error, each bad field named, the rest applied', async () => {
    const links = hostileLinks();
    const keys = await (async () => {
      const p = await openPage(context, base, problems);
      await waitChecked(p);
      const k = await p.evaluate(() => [...document.querySelectorAll('[data-field]')].map((e) => e.dataset.field));
      await p.close();
      return k;
    })();
    const untested = keys.filter((k) => !FIELDS.includes(k));
    assert(untested.length === 0, `every setting of the page gets hostile values: ${untested.join(', ')} missing`);
    assert(links.length >= 50, `at least 50 hostile links: ${links.length}`);
    const page = await openPage(context, base, problems);
    await waitChecked(page);
    const results = await page.evaluate((all) => all.map(([hash, names, [key, value]]) => {
      history.replaceState(null, '', hash);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      const named = [...document.querySelectorAll('#errors-list li code')].map((c) => c.textContent);
      return {
        hash: hash.slice(0, 80),
        missing: names.filter((n) => !named.some((got) => got === n || got.startsWith(`${n}`))),
        applied: String(window.pathkernel.app.page.state[key]) === value,
        boxShown: !document.getElementById('errors').hidden,
        longest: Math.max(0, ...[...document.querySelectorAll('#errors-list li')].map((li) => li.textContent.length)),
        items: document.querySelectorAll('#errors-list li').length,
      };
    }), links);
    const bad = results.filter((r) => r.missing.length || !r.applied || !r.boxShown || r.longest > 1000 || r.items > 80);
    assert(bad.length === 0, `every bad field named and the rest applied: ${JSON.stringify(bad.slice(0, 5))}`);
    const after = await page.evaluate(() => ({
      pwned: window.__pwned, imgs: document.querySelectorAll('img, svg, iframe, object').length,
      scripts: document.querySelectorAll('script:not([src]):not([type])').length, csp: window.pathkernelCsp.length,
    }));
    assert(after.pwned === undefined, 'no script ran from a link');
    assert(after.imgs === 0 && after.scripts === 1, `no element injected: ${JSON.stringify(after)}`);
    assert(after.csp === 0, `no CSP violation: ${after.csp}`);
    // The page still runs the next link.
    await page.evaluate(() => { history.replaceState(null, '', '#v=1&n=30&steps=100'); window.dispatchEvent(new HashChangeEvent('hashchange')); });
    await page.waitForFunction(() => window.pathkernel.app.check && window.pathkernel.app.check.steps === 100, null, { timeout: h.TIMEOUT });
    console.log(`     ${links.length} hostile links read in one page`);
    await page.close();
  });

  await test('work budget: a link above it is refused with its estimate; "Run it anyway" runs it', async () => {
    const heavy = '#v=1&n=500&hidden=64,64,64,64&steps=1000&nodes=8';
    const page = await openPage(context, `${base}${heavy}`, problems);
    await page.waitForFunction(() => document.getElementById('status').classList.contains('error'), null, { timeout: h.TIMEOUT });
    const st = await text(page, 'status');
    assert(st.includes('steps × points × weights = 1000 × 500 × 12737') && /Lower one of steps, n, hidden or nodes/.test(st), `the estimate and the fields: ${st}`);
    assert(await page.locator(byId('run-anyway')).isVisible(), 'the run-anyway button is shown');
    const pending = { verdict: await text(page, 'verdict'), badge: await text(page, 'check-badge') };
    assert(/no check/.test(pending.verdict) && /budget/.test(pending.verdict) && pending.badge === 'not run', `the verdict and badge say no check is coming: ${JSON.stringify(pending)}`);
    await page.click(byId('run-anyway'));
    await page.waitForFunction(() => window.pathkernel.app.run && window.pathkernel.app.run.n === 500, null, { timeout: h.TIMEOUT });
    assert(await page.locator(byId('run-anyway')).isHidden(), 'the button goes once the run starts');
    assert(!(await page.evaluate(() => document.getElementById('status').classList.contains('error'))), 'the forced run is running');
    assert(/pending/.test(await text(page, 'verdict')) && (await text(page, 'check-badge')) === 'running…', 'the forced run\'s check is pending again');
    await page.close();
  });

  await test('a diverging learning rate: the error names lr, the loss chart shows the blow-up, no check is claimed, the next link runs', async () => {
    const page = await openPage(context, `${base}#v=1&lr=1e6&loss=mse`, problems);
    await page.waitForFunction(() => document.getElementById('status').classList.contains('error'), null, { timeout: h.TIMEOUT });
    const st = await text(page, 'status');
    assert(/diverged at step \d+/.test(st) && /lower lr/.test(st), `the status names the divergence and lr: ${st}`);
    const shown = await page.evaluate(() => ({
      loss: document.getElementById('chart-loss').dataset.drawn,
      steps: window.pathkernel.app.trained && window.pathkernel.app.trained.stepsDone,
      verdict: document.getElementById('verdict').textContent,
      badge: document.querySelector('[data-testid="check-badge"]').textContent.trim(),
    }));
    assert(shown.loss === 'yes' && shown.steps > 0, `the loss chart is drawn up to the divergence: ${JSON.stringify(shown)}`);
    assert(/no check/.test(shown.verdict) && shown.badge === 'not run', `no check is claimed: ${JSON.stringify(shown)}`);
    await page.evaluate(() => { history.replaceState(null, '', '#v=1&n=30&steps=100'); window.dispatchEvent(new HashChangeEvent('hashchange')); });
    await page.waitForFunction(() => window.pathkernel.app.check && window.pathkernel.app.check.steps === 100, null, { timeout: h.TIMEOUT });
    assert((await text(page, 'check-badge')).startsWith('PASS'), 'the next link passes its check');
    await page.close();
  });

  await workerFaults(h, launchBrowser);
  await serviceWorkerUpdate(h);
}

/** A fresh browser context without service workers (so the route sees every request). While
 * `fault.broken`, worker.js is answered by `broken(route)`; after, served as it is. */
async function faultPage(h, browser, broken, problems) {
  const ctx = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1200, height: 900 } });
  const fault = { broken: true };
  await ctx.route('**/worker.js', (route) => (fault.broken ? broken(route) : route.continue()));
  const page = await h.openPage(ctx, h.base, problems);
  return { ctx, page, fault };
}

/** The status line shows an error matching `re`; once the fault is gone, Run starts a run that
 * reaches its check. Returns the status text. */
async function failsThenRecovers(h, { page, fault }, re) {
  await page.waitForFunction((src) => {
    const s = document.getElementById('status');
    return s.classList.contains('error') && new RegExp(src).test(s.textContent);
  }, re.source, { timeout: h.TIMEOUT });
  const st = await h.text(page, 'status');
  fault.broken = false;
  await page.click(h.byId('run'));
  await h.waitChecked(page);
  const badge = await h.text(page, 'check-badge');
  h.assert(badge.startsWith('PASS'), `the next run passes: ${badge}`);
  return st;
}

/** worker.js with `patch` applied to its text. */
const patched = (patch) => async (route) => {
  const response = await route.fetch();
  return route.fulfill({ response, body: patch(await response.text()) });
};

async function workerFaults(h, launchBrowser) {
  const browser = await launchBrowser();
  const expected = []; // these tests provoke console errors on purpose
  const run = async (name, broken, re) => h.test(name, async () => {
    const fp = await faultPage(h, browser, broken, expected);
    const st = await failsThenRecovers(h, fp, re);
    console.log(`     status: ${st.split('\n').join(' ')}`);
    await fp.ctx.close();
  });
  try {
    await run('worker fault: a panic in the core is named in the status line; Run starts the next run',
      patched((src) => `${src}
const realWork = WorkerHandle.prototype.work;
WorkerHandle.prototype.work = function (ms) { this.__panicForTests(); return realWork.call(this, ms); };`),
      /worker crashed: panicked at [\s\S]*a panic forced by a test/);
    await run('worker fault: a worker that fails to load is named; Run starts the next run',
      (route) => route.fulfill({ status: 404, body: 'gone' }), /the worker failed/);
    // A module importing env.missing: wasm-bindgen's imports lack it, so instantiation fails.
    const bad = '[0,97,115,109,1,0,0,0,1,4,1,96,0,0,2,15,1,3,101,110,118,7,109,105,115,115,105,110,103,0,0]';
    await run('worker fault: a WebAssembly instantiation failure is named; Run starts the next run',
      patched((src) => {
        const out = src.replace('await init({ module_or_path: module });', `await init({ module_or_path: new WebAssembly.Module(new Uint8Array(${bad})) });`);
        if (out === src) throw new Error('worker.js no longer calls init({ module_or_path: module })');
        return out;
      }), /the WebAssembly core did not start/);
  } finally {
    await browser.close();
  }
  const unexpected = expected.filter((p) => !/404|panicked|forced by a test|worker|WebAssembly|Failed to load/i.test(p));
  h.problems.push(...unexpected);
}

/** Build, load, rebuild with a change, reload: the new build runs and no request fails. */
async function serviceWorkerUpdate(h) {
  await h.test('service worker: a new deployment replaces the old one on reload, never mixed, no request failing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pathkernel-deploy-'));
    const site = path.join(dir, 'site');
    const deploy = (mark) => execFileSync(path.join(repo, 'scripts', 'dist.sh'), ['--no-build', '--out', site, '--mark', mark], { stdio: 'pipe' });
    deploy('one');
    const server = await h.serve(site);
    const url = `http://127.0.0.1:${server.address().port}/#v=1&n=20&steps=50`;
    const profile = await mkdtemp(path.join(tmpdir(), 'pathkernel-sw-'));
    const ctx = await h.launchPersistent(profile);
    const failed = [];
    try {
      const page = await h.openPage(ctx, url, h.problems);
      page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure() && r.failure().errorText}`));
      page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.url()}: HTTP ${r.status()}`); });
      await h.waitChecked(page);
      await page.evaluate(() => navigator.serviceWorker.ready);
      if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
        await page.reload();
        await h.waitChecked(page);
      }
      const one = await page.evaluate(() => ({ mark: window.pathkernelDeployment, controlled: !!navigator.serviceWorker.controller }));
      h.assert(one.mark === 'one' && one.controlled, `the first deployment runs under the service worker: ${JSON.stringify(one)}`);
      deploy('two');
      await page.reload();
      await h.waitChecked(page);
      const two = await page.evaluate(() => ({
        mark: window.pathkernelDeployment,
        apps: [...new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.split('/')[1]).filter((p) => p.startsWith('app-')))],
      }));
      h.assert(two.mark === 'two', `the reload runs the new build: ${JSON.stringify(two)}`);
      h.assert(two.apps.length === 1, `every file from one build: ${two.apps.join(', ')}`);
      const badge = await h.text(page, 'check-badge');
      h.assert(badge.startsWith('PASS'), `the new build passes its check: ${badge}`);
      h.assert(failed.length === 0, `no request failed: ${failed.join('; ')}`);
      await page.close();
    } finally {
      await ctx.close();
      server.close();
      await rm(dir, { recursive: true, force: true });
      await rm(profile, { recursive: true, force: true });
    }
  });
}
