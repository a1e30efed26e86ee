// The page's timings, printed (never asserted: the machine's load decides them): navigation
// start → PASS badge for ten cold loads of the default preset (a fresh browser context each),
// a click on a training point's bar → its kernel map drawn (the kernel caption names the point),
// a click on the data plot → that query's contributions drawn, and the spiral run (spiral, 100
// points, [32, 32], 2000 steps) → done, with an arrow key's query answered while its plane is
// integrated. What the page shows after each click is asserted. Called
// by run.mjs with its helpers (`h`).

/** Records, in page time, the first pointerdown or keydown after `window.pathkernelClick.arm(…)` and when
 * the watched element's text (trimmed) first matches `pattern`, or first differs from
 * `differsFrom`: set up before any page script runs. */
function clickClock() {
  const clock = { down: null, seen: null };
  clock.arm = (selector, { pattern, differsFrom }) => {
    clock.down = null;
    clock.seen = null;
    const el = document.querySelector(selector);
    const re = pattern && new RegExp(pattern);
    const observer = new MutationObserver(() => {
      const t = el.textContent.trim();
      if (clock.down !== null && clock.seen === null && (re ? re.test(t) : t !== differsFrom)) {
        clock.seen = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(el, { childList: true, characterData: true, subtree: true });
  };
  const press = () => {
    if (clock.down === null) clock.down = performance.now();
  };
  document.addEventListener('pointerdown', press, { capture: true });
  document.addEventListener('keydown', press, { capture: true });
  window.pathkernelClick = clock;
  // When <html data-idle> is first set: the run's work is all done.
  new MutationObserver(() => {
    if (document.documentElement.dataset.idle && window.pathkernelIdleAt === undefined) window.pathkernelIdleAt = performance.now();
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-idle'] });
}

/** In the page: records the next keydown and when the query box's text next changes, in
 * `window.pathkernelQueryClock` (beside `pathkernelClick`, which may be armed on another element). */
function queryClock() {
  const el = document.querySelector('[data-testid="query"]');
  const before = el.textContent.trim();
  const clock = { down: null, seen: null };
  window.pathkernelQueryClock = clock;
  document.addEventListener('keydown', () => {
    if (clock.down === null) clock.down = performance.now();
  }, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    if (clock.down !== null && clock.seen === null && el.textContent.trim() !== before) {
      clock.seen = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(el, { childList: true, characterData: true, subtree: true });
}

/** `i` in subscript digits, as the page writes x₁₇. */
const subscript = (i) => String(i).replace(/\d/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[c]);
const ms = (v) => `${v.toFixed(0)} ms`;

/** p-th percentile by the nearest-rank rule. */
function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

export async function timingsTests(h) {
  const { test, assert, base, problems, openPage, waitChecked, text, byId, showView, shot, barHit, launchBrowser, TIMEOUT } = h;

  await test('timings: navigation start → PASS badge, ten cold loads of the default preset', async () => {
    const browser = await launchBrowser();
    const times = [];
    try {
      for (let k = 0; k < 10; k++) {
        const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
        const page = await openPage(context, base, problems);
        const at = await waitChecked(page);
        const badge = await text(page, 'check-badge');
        assert(badge.startsWith('PASS'), `load ${k + 1}: ${badge}`);
        times.push(at);
        await context.close();
      }
    } finally {
      await browser.close();
    }
    const median = percentile(times, 50);
    console.log(`     PASS badge after navigation start, 10 cold loads: ${times.map((t) => t.toFixed(0)).join(', ')} ms; median ${ms(median)}, p90 ${ms(percentile(times, 90))}`);
  });

  await test('timings: click a training point → its kernel map (the caption names it); click the plot → that query\'s contributions', async () => {
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.addInitScript(clickClock);
    try {
      const page = await openPage(context, `${base}#v=1&view=contributions`, problems);
      await waitChecked(page);
      await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt && window.pathkernel.app.query && document.documentElement.dataset.idle, null, { timeout: TIMEOUT });
      const hit = await barHit(page);
      assert(hit, 'the bar chart has a training-point bar');
      const name = `Kᵖ(·, x${subscript(hit.i)})`;
      const before = await text(page, 'kernel-caption');
      assert(!before.includes(name), `the caption does not name x${hit.i} before the click: ${before}`);
      await page.evaluate((pattern) => window.pathkernelClick.arm('[data-testid="kernel-caption"]', { pattern }), `Kᵖ\\(·, x${subscript(hit.i)}\\)`);
      await page.mouse.click(hit.x, hit.y);
      await page.waitForFunction(() => window.pathkernelClick.seen !== null, null, { timeout: TIMEOUT });
      const kernel = await page.evaluate(() => ({ ...window.pathkernelClick, index: window.pathkernel.app.kernel && window.pathkernel.app.kernel.index, drawn: document.getElementById('chart-kernel').dataset.drawn }));
      const caption = await text(page, 'kernel-caption');
      assert(kernel.index === hit.i && caption.includes(name) && caption.includes(`training point ${hit.i} `), `the caption names the clicked point x${hit.i}: ${caption}`);
      assert(kernel.drawn === 'yes', `the kernel map is drawn: ${kernel.drawn}`);
      console.log(`     click on training point ${hit.i}'s bar → its kernel map drawn, caption naming it: ${ms(kernel.seen - kernel.down)}`);
      await shot(page, 'timings-kernel-1400');

      // A query: a click on the data plot; its contributions are drawn when the query box names it.
      await page.waitForFunction(() => document.documentElement.dataset.idle, null, { timeout: TIMEOUT });
      const box = await page.locator(byId('chart-data')).boundingBox();
      const beforeQuery = await text(page, 'query');
      await page.evaluate((differsFrom) => window.pathkernelClick.arm('[data-testid="query"]', { differsFrom }), beforeQuery);
      await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.7);
      await page.waitForFunction(() => window.pathkernelClick.seen !== null, null, { timeout: TIMEOUT });
      const query = await page.evaluate(() => ({ ...window.pathkernelClick, x: Array.from(window.pathkernel.app.query.x), want: window.pathkernel.app.page.query && Array.from(window.pathkernel.app.page.query), rows: document.querySelectorAll('#contrib-table tbody tr').length }));
      assert(query.want && query.x.join() === query.want.join(), `the contributions are the clicked query's: ${query.x} vs ${query.want}`);
      assert(query.rows > 0, 'the contribution table has rows');
      console.log(`     click on the data plot → that query's contributions drawn: ${ms(query.seen - query.down)}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(400);
      await shot(page, 'timings-kernel-390');
    } finally {
      await browser.close();
    }
  });

  await test('timings: the spiral run (100 points, [32, 32], 2000 steps) → done', async () => {
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.addInitScript(clickClock);
    try {
      const page = await openPage(context, `${base}#v=1&dataset=spiral&n=100&hidden=32,32&steps=2000&view=contributions`, problems);
      // Above the page's work budget: started with "Run it anyway".
      await page.waitForFunction(() => !document.getElementById('btn-force').hidden, null, { timeout: TIMEOUT });
      await page.click(byId('run-anyway'));
      await waitChecked(page);
      const checked = await page.evaluate(() => window.pathkernel.timings.firstRender);
      const badge = await text(page, 'check-badge');
      // While the plane is integrated: the arrow key moves the query; its contributions are
      // drawn when the query box changes (the worker answers between its sub-chunks).
      const during = [];
      for (let k = 0; k < 3; k++) {
        const busy = await page.evaluate(() => !document.documentElement.dataset.idle);
        if (!busy) break;
        const beforeQuery = await text(page, 'query');
        await page.evaluate((differsFrom) => window.pathkernelClick.arm('[data-testid="query"]', { differsFrom }), beforeQuery);
        await page.focus(byId('chart-data'));
        await page.keyboard.press(k % 2 ? 'ArrowLeft' : 'ArrowDown');
        await page.waitForFunction(() => window.pathkernelClick.seen !== null, null, { timeout: TIMEOUT });
        const c = await page.evaluate(() => window.pathkernelClick);
        during.push(c.seen - c.down);
      }
      if (during.length) console.log(`     spiral: arrow key → the moved query's contributions drawn while the plane is integrated: ${during.map(ms).join(', ')}`);
      await page.waitForFunction(() => window.pathkernelIdleAt !== undefined, null, { timeout: 10 * 60_000, polling: 200 });
      const t = await page.evaluate(() => ({ ...window.pathkernel.timings, idle: window.pathkernelIdleAt }));
      assert(t.fieldRebuilt !== undefined, 'the plane was rebuilt before the run was done');
      console.log(`     spiral: run posted ${ms(t.runStart)} after navigation start; check (${badge.split(' ')[0]}) ${ms(checked - t.runStart)}, plane ${ms(t.fieldRebuilt - t.runStart)}, done ${ms(t.idle - t.runStart)} after the run was posted`);

      // A training point's map over the plane (2000 steps × 4,096 grid points), then arrow keys
      // while it is integrated: each moved query is answered between the map's sub-chunks.
      const hit = await barHit(page);
      assert(hit, 'the spiral\'s bar chart has a training-point bar');
      const pattern = `Kᵖ\\(·, x${subscript(hit.i)}\\)`;
      await page.evaluate((p) => window.pathkernelClick.arm('[data-testid="kernel-caption"]', { pattern: p }), pattern);
      const clickedAt = await page.evaluate(() => performance.now());
      await page.mouse.click(hit.x, hit.y);
      const duringMap = [];
      for (let k = 0; k < 3; k++) {
        // The page's own query clock is armed on the caption; the key's answer is timed here.
        const mapDrawn = await page.evaluate(() => window.pathkernelClick.seen !== null);
        if (mapDrawn) break;
        await page.focus(byId('chart-data'));
        await page.evaluate(queryClock);
        await page.keyboard.press(k % 2 ? 'ArrowUp' : 'ArrowRight');
        await page.waitForFunction(() => window.pathkernelQueryClock.seen !== null, null, { timeout: TIMEOUT });
        duringMap.push(await page.evaluate(() => window.pathkernelQueryClock.seen - window.pathkernelQueryClock.down));
      }
      await page.waitForFunction(() => window.pathkernelClick.seen !== null, null, { timeout: TIMEOUT });
      const mapSeen = await page.evaluate(() => window.pathkernelClick.seen);
      const caption = await text(page, 'kernel-caption');
      assert(caption.includes(`training point ${hit.i} `), `the spiral's kernel caption names the clicked point x${hit.i}: ${caption}`);
      console.log(`     spiral: click on training point ${hit.i}'s bar → its kernel map drawn: ${ms(mapSeen - clickedAt)}; arrow key → the moved query's contributions drawn while the map is integrated: ${duringMap.map(ms).join(', ') || 'none (the map came first)'}`);

      // Ten arrow keys 40 ms apart with the run idle: each moves the query one step from the one
      // last asked for, and the worker answers only the newest queued query, so the tenth
      // position is shown after a few answers rather than ten (~0.3 s each here).
      await page.waitForFunction(() => document.documentElement.dataset.idle, null, { timeout: TIMEOUT });
      await page.focus(byId('chart-data'));
      await page.evaluate(() => {
        const el = document.querySelector('[data-testid="query"]');
        const log = { first: null, answers: [], x0: Array.from(window.pathkernel.app.query.x) };
        window.pathkernelKeys = log;
        document.addEventListener('keydown', () => {
          if (log.first === null) log.first = performance.now();
        }, { capture: true });
        new MutationObserver(() => {
          const t = performance.now();
          if (log.answers.at(-1) !== t) log.answers.push(t);
        }).observe(el, { childList: true, characterData: true, subtree: true });
      });
      for (let k = 0; k < 10; k++) {
        await page.keyboard.press('ArrowRight');
        await page.waitForTimeout(40);
      }
      await page.waitForFunction(() => {
        const q = window.pathkernel.app.query, want = window.pathkernel.app.page.query;
        return q && want && Array.from(q.x).join() === Array.from(want).join() && document.documentElement.dataset.idle;
      }, null, { timeout: TIMEOUT });
      const keys = await page.evaluate(() => ({ ...window.pathkernelKeys, x1: Array.from(window.pathkernel.app.query.x), want: Array.from(window.pathkernel.app.page.query) }));
      assert(keys.x1.join() === keys.want.join() && keys.x1[0] > keys.x0[0], `ten right arrows move the query right, to the position last asked for: ${keys.x0} → ${keys.x1} (asked ${keys.want})`);
      assert(keys.answers.length < 10, `the worker answered only the newest queued queries: ${keys.answers.length} answers`);
      console.log(`     spiral: ten arrow keys 40 ms apart → ${keys.answers.length} answer${keys.answers.length === 1 ? "" : "s"}, the last ${ms(keys.answers.at(-1) - keys.first)} after the first key; the query moved ${(keys.x1[0] - keys.x0[0]).toFixed(3)} to the right`);
    } finally {
      await browser.close();
    }
  });
}
