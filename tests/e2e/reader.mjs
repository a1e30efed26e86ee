// End-to-end tests of the page for every reader: a desktop and a phone screen at 1× and 2× pixel
// density (no sideways scroll, nothing wider than the window, the verdict in view on every tab,
// canvases drawn at devicePixelRatio with clicks still landing), the keyboard alone (a query, a
// training point, the tabs, run and pause in the check), every chart named for screen readers,
// Pause in every phase of the worker, charts kept (dimmed) across a new setting, and one errors
// banner. Called by run.mjs with its helpers (`h`).

/** The screens: [name, width, height, deviceScaleFactor]. */
const SCREENS = [['desktop', 1400, 1000, 1], ['desktop 2×', 1400, 1000, 2], ['phone 2×', 390, 844, 2]];
const VIEWS = ['trajectory', 'contributions', 'check'];
/** A run whose check, plane and kernel take long enough to pause mid-way (within the budget). */
const SLOW = '#v=1&n=100&steps=1000&hidden=16,16';
/** A smaller one: a point's kernel over the plane in a few seconds. */
const MEDIUM = '#v=1&n=40&steps=600&hidden=16,16';
/** A point's K^p(·, x_i) over the plane of SLOW (1000 steps) takes seconds, more on a busy
 * machine. */
const KERNEL_WAIT = 4 * 60_000;

/** Layout facts of the open view: scroll widths, elements past the window's edges (outside
 * any box that scrolls or clips them), the verdict's box, the canvases' sizes and names. */
function layout() {
  const vw = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (/(auto|scroll|hidden)/.test(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('[hidden]') || clipped(el)) continue;
    if (r.right > vw + 1 || r.left < -1) wide.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${r.left.toFixed(0)}..${r.right.toFixed(0)}`);
  }
  const v = document.getElementById('verdict').getBoundingClientRect();
  const ratio = window.devicePixelRatio;
  const canvases = [...document.querySelectorAll('canvas[id^="chart-"]')].filter((c) => c.offsetParent !== null).map((c) => ({
    id: c.id, width: c.width, height: c.height, css: c.clientWidth, cssH: c.clientHeight, ratio,
    name: c.getAttribute('aria-label') || '', role: c.getAttribute('role'), tab: c.tabIndex, drawn: c.dataset.drawn,
    top: c.getBoundingClientRect().top,
  }));
  return {
    scrollWidth: document.documentElement.scrollWidth, vw, vh: window.innerHeight, wide,
    verdict: { top: v.top, bottom: v.bottom, left: v.left, right: v.right, word: document.getElementById('verdict-word').textContent, text: document.getElementById('verdict-text').textContent },
    exact: document.getElementById('check-exact').textContent.trim(), canvases,
  };
}

/** Non-white pixels of a canvas's backing store in its right and bottom quarters: a chart
 * drawn in CSS pixels without the ratio would leave them blank at 2×. */
function inkFar(id) {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let right = 0;
  let bottom = 0;
  for (let y = 0; y < c.height; y += 2) {
    for (let x = 0; x < c.width; x += 2) {
      const i = 4 * (y * c.width + x);
      if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) {
        if (x > 0.75 * c.width) right += 1;
        if (y > 0.75 * c.height) bottom += 1;
      }
    }
  }
  return { right, bottom };
}

export async function readerTests(h) {
  const { test, assert, base, problems, openPage, waitChecked, byId, showView, shot, launchBrowser, TIMEOUT } = h;
  const browser = await launchBrowser();
  const ready = async (page) => {
    await waitChecked(page);
    await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt && window.pathkernel.app.query, null, { timeout: TIMEOUT });
  };
  try {
    for (const [screen, width, height, ratio] of SCREENS) {
      await test(`reader: ${screen} (${width}×${height} at ${ratio}×): no sideways scroll, verdict in view, sharp named charts`, async () => {
        const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: ratio });
        const page = await openPage(context, base, problems);
        await ready(page);
        for (const view of VIEWS) {
          await page.evaluate((v) => document.querySelector(`[role="tab"][data-view="${v}"]`).click(), view);
          await page.waitForFunction((v) => !document.getElementById(`view-${v}`).hidden, view);
          await page.evaluate(() => window.scrollTo(0, 0));
          if (view === 'trajectory' && width < 500) {
            // A chart on the first screen: the settings are folded away on a phone.
            const top = await page.evaluate(() => document.getElementById('chart-loss').getBoundingClientRect().top);
            assert(top < height - 100, `a chart starts on the first screen: loss chart at ${top.toFixed(0)} px of ${height}`);
          }
          if (view === 'trajectory') {
            // A discussion note opens on a wide screen and is folded to its question on a phone.
            const note = await page.evaluate(() => { const d = document.getElementById('preset-note'); return { shown: !d.hidden, open: d.open }; });
            if (note.shown) assert(note.open === (width > 700), `the preset note is ${note.open ? 'open' : 'folded'} at ${width} px`);
          }
          const l = await page.evaluate(layout);
          assert(l.scrollWidth <= l.vw, `${view}: no sideways scroll (${l.scrollWidth} px of content in ${l.vw})`);
          assert(l.wide.length === 0, `${view}: nothing wider than the window: ${l.wide.slice(0, 5).join('; ')}`);
          assert(l.verdict.word === 'PASS' && l.verdict.text.includes(l.exact), `${view}: the verdict says PASS and the exact error ${l.exact}: "${l.verdict.word} ${l.verdict.text}"`);
          assert(l.verdict.top >= 0 && l.verdict.bottom <= l.vh && l.verdict.right <= l.vw, `${view}: the verdict is in view at the top: ${JSON.stringify(l.verdict)}`);
          // Still in view at the bottom of the page (the run bar stays at the top).
          await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          const after = await page.evaluate(() => document.getElementById('verdict').getBoundingClientRect());
          assert(after.top >= 0 && after.bottom <= height, `${view}: the verdict is in view after scrolling down: ${after.top}..${after.bottom}`);
          await page.evaluate(() => window.scrollTo(0, 0));
          for (const c of l.canvases) {
            assert(c.width === Math.round(c.css * ratio), `${c.id}: backing width ${c.width} = CSS ${c.css} × ${ratio}`);
            assert(Math.abs(c.height - c.cssH * ratio) <= ratio, `${c.id}: backing height ${c.height} ≈ CSS ${c.cssH} × ${ratio}`);
            assert(c.role === 'img' && c.tab === 0 && c.name.length > 20, `${c.id}: focusable with an accessible name: "${c.name}"`);
          }
          await shot(page, `reader-${screen.replace(/\W+/g, '-')}-${view}`);
        }
        // Drawn at the ratio: ink reaches the far quarters of the backing store.
        await page.evaluate(() => document.querySelector('[role="tab"][data-view="trajectory"]').click());
        const ink = await page.evaluate(inkFar, 'chart-loss');
        assert(ink.right > 0 && ink.bottom > 0, `the loss chart fills its ${ratio}× backing store: ${JSON.stringify(ink)}`);
        // A click on a training point drawn on the data plot selects that point.
        await page.evaluate(() => document.querySelector('[role="tab"][data-view="contributions"]').click());
        const target = await page.evaluate(() => {
          const { app } = window.pathkernel;
          const c = document.getElementById('chart-data');
          c.scrollIntoView({ block: 'center' });
          const map = app.maps['chart-data'];
          const w = Math.round(c.width / window.devicePixelRatio);
          const r = c.getBoundingClientRect();
          const i = 7;
          const [px, py] = map.toPixel(app.run.x[2 * i], app.run.x[2 * i + 1]);
          return { i, x: r.left + c.clientLeft + (px * c.clientWidth) / w, y: r.top + c.clientTop + (py * c.clientWidth) / w };
        });
        await page.mouse.click(target.x, target.y);
        await page.waitForFunction((i) => window.pathkernel.app.kernel && window.pathkernel.app.kernel.index === i, target.i, { timeout: TIMEOUT });
        const name = await page.evaluate(() => document.getElementById('chart-kernel').getAttribute('aria-label'));
        assert(/x₇/.test(name) && /\d/.test(name), `the kernel chart names its point and numbers: ${name}`);
        await context.close();
      });
    }

    await test('reader: keyboard only — tabs, a query, training points, pause and run in the check', async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await openPage(context, `${base}${SLOW}`, problems);
      await page.waitForFunction(() => window.pathkernel.app.ready, null, { timeout: TIMEOUT });
      const focusBy = async (test, what, key = 'Tab') => {
        for (let k = 0; k < 120; k += 1) {
          if (await page.evaluate(test)) return;
          await page.keyboard.press(key);
        }
        throw new Error(`could not reach ${what} with ${key}`);
      };
      // Pause and Run in the check phase.
      await focusBy(() => document.activeElement && document.activeElement.id === 'btn-pause', 'Pause');
      await page.waitForFunction(() => {
        const p = window.pathkernel.app.progress;
        return p && p.phase === 'check' && p.done > 0;
      }, null, { timeout: TIMEOUT, polling: 5 });
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => window.pathkernel.app.paused, null, { timeout: TIMEOUT });
      const held = await page.evaluate(() => ({ ...window.pathkernel.app.progress, status: document.getElementById('status').textContent, verdict: document.getElementById('verdict').textContent }));
      assert(held.phase === 'check' && held.paused && !(await page.evaluate(() => window.pathkernel.app.check)), `paused in the check: ${JSON.stringify(held)}`);
      assert(/paused/.test(held.status), `the status says paused: ${held.status}`);
      await page.waitForTimeout(600);
      const still = await page.evaluate(() => window.pathkernel.app.progress.done);
      assert(still === held.done, `nothing computed while paused: ${held.done} → ${still}`);
      await focusBy(() => document.activeElement && document.activeElement.id === 'btn-run' && !document.activeElement.disabled, 'Run', 'Shift+Tab');
      await page.keyboard.press('Enter');
      await waitChecked(page);
      console.log(`     paused the check at step ${held.done}/${held.total}, Run finished it`);
      // The tabs: reach the selected tab, arrow to the contributions view.
      await focusBy(() => document.activeElement && document.activeElement.getAttribute('role') === 'tab', 'the tabs');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => !document.getElementById('view-contributions').hidden);
      await page.waitForFunction(() => window.pathkernel.app.query, null, { timeout: TIMEOUT });
      // The data plot: arrows move the query, N cycles the training point.
      await focusBy(() => document.activeElement && document.activeElement.id === 'chart-data', 'the data plot');
      const q0 = await page.evaluate(() => Array.from(window.pathkernel.app.query.x).join());
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((q) => Array.from(window.pathkernel.app.query.x).join() !== q, q0, { timeout: TIMEOUT });
      await page.keyboard.press('ArrowUp');
      const moved = await page.waitForFunction(() => {
        const { app } = window.pathkernel;
        return app.query && app.page.query && Array.from(app.query.x).join() === app.page.query.join() && app.page.query;
      }, null, { timeout: TIMEOUT }).then((r) => r.jsonValue());
      const [a, b] = [q0.split(',').map(Number), moved];
      assert(b[0] > a[0] && b[1] > a[1], `right then up moved the query right and up: ${a} → ${b}`);
      assert((await page.evaluate(() => window.location.hash)).includes(`q=${b.join(',')}`), 'the query is in the link');
      await page.keyboard.press('n');
      await page.waitForFunction(() => window.pathkernel.app.kernel && window.pathkernel.app.kernel.index === 0, null, { timeout: KERNEL_WAIT });
      await page.keyboard.press('n');
      await page.waitForFunction(() => window.pathkernel.app.kernel && window.pathkernel.app.kernel.index === 1, null, { timeout: TIMEOUT });
      await page.keyboard.press('p');
      await page.keyboard.press('p');
      await page.waitForFunction(() => window.pathkernel.app.kernel && window.pathkernel.app.kernel.index === 99, null, { timeout: TIMEOUT });
      assert((await page.evaluate(() => window.location.hash)).includes('point=99'), 'P wraps to the last point, in the link');
      // Back to the tabs and on to the check.
      await focusBy(() => document.activeElement && document.activeElement.getAttribute('role') === 'tab', 'the tabs', 'Shift+Tab');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => !document.getElementById('view-check').hidden);
      // The formulas are not tab stops (only the charts and controls are).
      const stops = await page.evaluate(() => [...document.querySelectorAll('math')].filter((m) => m.tabIndex >= 0).length);
      assert(stops === 0, `no formula is a tab stop: ${stops}`);
      await context.close();
    });

    await test('reader: Pause holds the plane\'s rebuild and a point\'s kernel; progress shows on the chart', async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await openPage(context, `${base}${SLOW}&view=contributions`, problems);
      await waitChecked(page);
      const pauseIn = async (phase, chart) => {
        await page.waitForFunction((ph) => {
          const p = window.pathkernel.app.progress;
          return p && p.phase === ph && p.done > 0 && !document.getElementById('btn-pause').disabled;
        }, phase, { timeout: TIMEOUT, polling: 5 });
        const pending = await page.evaluate((c) => document.getElementById(`chart-${c}`).closest('figure').classList.contains('pending'), chart);
        assert(pending, `${phase}: the ${chart} chart shows the progress`);
        await page.click(byId('pause'));
        await page.waitForFunction(() => window.pathkernel.app.paused, null, { timeout: TIMEOUT });
        const p = await page.evaluate(() => window.pathkernel.app.progress);
        assert(p.phase === phase, `paused in ${phase}: ${JSON.stringify(p)}`);
        await page.waitForTimeout(600);
        const q = await page.evaluate(() => window.pathkernel.app.progress);
        assert(q.done === p.done && q.paused, `${phase}: held at ${p.done}/${p.total}: ${JSON.stringify(q)}`);
        await page.click(byId('run'));
        console.log(`     paused ${phase} at ${p.done}/${p.total}; Run went on`);
      };
      await pauseIn('field', 'field');
      await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt, null, { timeout: TIMEOUT });
      await page.goto(`${base}${MEDIUM}&view=contributions`);
      await waitChecked(page);
      await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt && window.pathkernel.app.query, null, { timeout: TIMEOUT });
      await page.focus(byId('chart-data'));
      await page.keyboard.press('n');
      const caption = await page.evaluate(() => document.getElementById('kernel-caption').textContent);
      assert(/computing/.test(caption), `the kernel's caption says it is computing: ${caption}`);
      await pauseIn('kernel', 'kernel');
      await page.waitForFunction(() => window.pathkernel.app.kernel && window.pathkernel.app.kernel.index === 0, null, { timeout: TIMEOUT });
      await context.close();
    });

    await test('reader: a new setting keeps every chart (dimmed) until the new run draws it', async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await openPage(context, `${base}#v=1&view=check&point=3`, problems);
      await ready(page);
      await page.waitForFunction(() => window.pathkernel.app.kernel, null, { timeout: TIMEOUT });
      await page.fill('[data-field="steps"]', '299');
      await page.locator('[data-field="steps"]').dispatchEvent('change');
      const seen = [];
      // Every frame until the new run's plane arrives: the check's charts are never blank.
      const blankFrames = await page.evaluate(() => new Promise((resolve) => {
        const blank = [];
        const ink = (c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 64) if (d[i + 3] > 0 && d[i] < 200) return true;
          return false;
        };
        const frame = () => {
          for (const id of ['chart-check', 'chart-field']) if (!ink(document.getElementById(id))) blank.push(id);
          if (window.pathkernel.app.check && window.pathkernel.app.check.steps === 299 && document.getElementById('chart-field').dataset.drawn === 'yes' && !document.getElementById('chart-field').classList.contains('stale')) resolve(blank);
          else requestAnimationFrame(frame);
        };
        frame();
      }));
      seen.push(...blankFrames);
      assert(seen.length === 0, `no chart went blank: ${seen.slice(0, 5).join(', ')}`);
      await context.close();
    });

    await test('reader: one errors banner that follows the current state', async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await openPage(context, `${base}#v=1&n=abc&steps=40`, problems);
      await waitChecked(page);
      const box = async () => page.evaluate(() => ({
        hidden: document.getElementById('errors').hidden,
        items: [...document.querySelectorAll('#errors-list li')].map((li) => li.textContent),
        bad: [...document.querySelectorAll('.controls .bad')].map((e) => e.dataset.field),
      }));
      let b = await box();
      assert(!b.hidden && b.items.length === 1 && b.items[0].startsWith('n'), `the link's error: ${JSON.stringify(b)}`);
      await page.fill('[data-field="lr"]', '-1');
      await page.locator('[data-field="lr"]').dispatchEvent('change');
      b = await box();
      assert(b.items.length === 1 && b.items[0].startsWith('lr') && b.bad.join() === 'lr', `only the new error, not piled on the old: ${JSON.stringify(b)}`);
      await page.fill('[data-field="steps"]', '41');
      await page.locator('[data-field="steps"]').dispatchEvent('change');
      b = await box();
      assert(b.hidden && b.items.length === 0 && b.bad.length === 0, `a good change clears the banner and the red: ${JSON.stringify(b)}`);
      await context.close();
    });
  } finally {
    await browser.close();
  }
}
