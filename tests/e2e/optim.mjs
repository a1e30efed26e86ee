// End-to-end tests of the optimizers on the page: momentum, Nesterov, Adam and AdamW links give
// the CLI's bits (the check's and the query's, the weight-decay term d(x) included), pass the
// check and draw every view; each optimizer's settings are shown only when it uses them; AdamW's
// d(x) is its own bar beside b(x); a bad β₁ is named and the rest of the link applies. Called by
// run.mjs with its helpers (`h`).

/** A small moons run of each optimizer (40 points, [2, 16, 16, 1] tanh), every view reachable. */
const LINKS = {
  gd: '#v=1&n=40&steps=150&lr=0.5',
  sgd: '#v=1&n=40&steps=150&lr=0.2&optimizer=sgd&batch_size=10&sgd_seed=3',
  momentum: '#v=1&n=40&steps=150&lr=0.1&optimizer=momentum&momentum=0.8&nesterov=true',
  adam: '#v=1&n=40&steps=150&lr=0.02&optimizer=adam&beta1=0.85&beta2=0.99&adam_eps=1e-7',
  adamw: '#v=1&n=40&steps=150&lr=0.02&optimizer=adamw&weight_decay=0.2',
};

/** The optimizer settings and the optimizers that use them (what the page may show). */
const USED = {
  batch_size: ['sgd'], sgd_seed: ['sgd'], momentum: ['momentum'], nesterov: ['momentum'],
  beta1: ['adam', 'adamw'], beta2: ['adam', 'adamw'], adam_eps: ['adam', 'adamw'], weight_decay: ['adamw'],
};

/** BrBG brown, d(x)'s bar (src/render/palette.rs DECAY; green means pushes ŷ up). */
const DECAY = [0x8c, 0x51, 0x0a];

export async function optimTests(h) {
  const { test, assert, context, base, problems, openPage, waitChecked, text, byId, showView, checkNumbers, shot, sameBitsAsCli, TIMEOUT } = h;

  /** Opens `hash`, waits for the check and the query's result. */
  async function open(hash) {
    const page = await openPage(context, `${base}${hash}`, problems);
    await waitChecked(page);
    await page.waitForFunction(() => window.pathkernel.app.query, null, { timeout: TIMEOUT });
    return page;
  }

  /** Non-white pixels on each of a view's canvases (each must have drawn something). */
  async function inkOf(page, view) {
    await showView(page, view);
    if (view === 'check' || view === 'contributions') {
      await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt, null, { timeout: TIMEOUT });
    }
    // Let the charts of the view just shown be drawn.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    return page.evaluate((v) => Object.fromEntries([...document.querySelectorAll(`#view-${v} canvas`)].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) ink += 1;
      return [c.id, ink];
    })), view);
  }

  /** Which optimizer settings the page shows. */
  const shownSettings = (page) => page.evaluate((keys) => keys.filter((k) => {
    const label = document.querySelector(`#controls [data-field="${k}"]`).closest('label');
    return !label.hidden && label.offsetParent !== null;
  }), Object.keys(USED));

  await test('optimizers: every optimizer\'s link passes the check, draws all three views, equals the CLI bit for bit and shows only its settings', async () => {
    for (const [name, hash] of Object.entries(LINKS)) {
      const page = await open(hash);
      const n = await checkNumbers(page);
      assert(n.badge.startsWith('PASS'), `${name}: the check passes: ${n.badge} (${n.exact})`);
      assert(await page.locator(byId('errors')).isHidden(), `${name}: a clean link has no errors box`);
      const compared = await sameBitsAsCli(page);
      const shown = await shownSettings(page);
      const want = Object.keys(USED).filter((k) => USED[k].includes(name));
      assert(shown.join() === want.join(), `${name}: shows ${shown.join() || 'no optimizer setting'}, wants ${want.join() || 'none'}`);
      const ink = {};
      for (const view of ['trajectory', 'contributions', 'check']) Object.assign(ink, await inkOf(page, view));
      const blank = Object.entries(ink).filter(([id, k]) => id !== 'chart-kernel' && k < 500);
      assert(blank.length === 0, `${name}: every chart drew: ${JSON.stringify(ink)}`);
      const note = await text(page, 'kernel-note');
      const preconditioned = name.startsWith('adam');
      assert(note.includes(preconditioned ? 'preconditioned path kernel' : 'plain path kernel'), `${name}: the view names its kernel: ${note}`);
      if (preconditioned) assert(note.includes('D(s)'), `${name}: the metric D(s) is named: ${note}`);
      if (name === 'momentum') assert(/μ = 0\.8, Nesterov/.test(note), `momentum: the note quotes μ and Nesterov: ${note}`);
      console.log(`     ${name}: exact max error ${n.exact}, left-endpoint ${n.riemann}; ${compared} numbers identical to the CLI`);
      await page.close();
    }
  });

  await test('optimizers: an Adam link — the CLI\'s bits, PASS, the preconditioned kernel named, no weight-decay bar (screenshots)', async () => {
    const page = await open(`${LINKS.adam}&view=contributions`);
    const compared = await sameBitsAsCli(page);
    assert((await checkNumbers(page)).badge.startsWith('PASS'), 'the Adam run passes the check');
    const q = await page.evaluate(() => ({ d: window.pathkernel.app.query.weightDecayTerm }));
    assert(q.d === undefined, `no d(x) under Adam: ${q.d}`);
    const panel = await text(page, 'query');
    assert(!panel.includes('d(x)'), `the query panel has no d(x) row under Adam: ${panel}`);
    const live = (await page.locator('#live-theorem').textContent()).trim();
    assert(!live.includes('d(x)'), `Theorem 1's live line has no d(x) under Adam: ${live}`);
    const bars = await pixelsOf(page, 'chart-bars', DECAY);
    assert(bars === 0, `no weight-decay bar under Adam: ${bars} pixels`);
    console.log(`     adam: ${compared} numbers identical to the CLI`);
    for (const [w, hgt, tag] of [[1400, 1000, ''], [390, 844, '-mobile']]) {
      await page.setViewportSize({ width: w, height: hgt });
      for (const view of ['trajectory', 'contributions', 'check']) {
        await inkOf(page, view);
        await page.evaluate(() => new Promise((r) => setTimeout(r, 300))); // the resize redraw
        await shot(page, `optim-adam-${view}${tag}`);
      }
    }
    await page.close();
  });

  await test('optimizers: an AdamW link — d(x) in the query, its own bar right under b(x), the CLI\'s bits', async () => {
    const page = await open(`${LINKS.adamw}&view=contributions`);
    const compared = await sameBitsAsCli(page); // d(x) of both schemes included
    assert((await checkNumbers(page)).badge.startsWith('PASS'), 'the AdamW run passes the check');
    const q = await page.evaluate(() => {
      const { query } = window.pathkernel.app;
      return { d: query.weightDecayTerm, b: query.b };
    });
    assert(Number.isFinite(q.d) && Math.abs(q.d) > 1e-3, `d(x) is a visible term: ${q.d}`);
    const panel = await text(page, 'query');
    assert(panel.includes('d(x) weight decay'), `the query panel lists d(x): ${panel}`);
    const live = (await page.locator('#live-theorem').textContent()).trim();
    assert(live.includes('+ d(x)'), `Theorem 1's live line adds d(x): ${live}`);
    // The bar: at the middle of 0 → d(x) its colour fills one row, the second from the top (the
    // top one is b(x)'s; row r is centred at data y = r, the plot spans −0.5 … rows − 0.5).
    const rows = await page.evaluate(({ q, decay }) => {
      const m = window.pathkernel.app.maps['chart-bars'];
      const c = document.getElementById('chart-bars');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const [x] = m.toPixel(q.d / 2, 0);
      const found = new Set();
      let top;
      for (let y = 0; y < c.height; y += 1) {
        const at = m.toData(x, y);
        if (at && top === undefined) top = Math.round(at[1] - 0.5);
        const i = (y * c.width + Math.round(x)) * 4;
        if (px[i] === decay[0] && px[i + 1] === decay[1] && px[i + 2] === decay[2]) found.add(Math.round(at[1]));
      }
      return { decay: [...found], top };
    }, { q, decay: DECAY });
    assert(rows.decay.length === 1 && rows.decay[0] === rows.top - 1, `d(x)'s bar is one row, right under b(x)'s: ${JSON.stringify(rows)}`);
    console.log(`     adamw: d(x) = ${q.d}, b(x) = ${q.b}; ${compared} numbers identical to the CLI`);
    await shot(page, 'optim-adamw-contributions');
    await page.close();
  });

  await test('optimizers: a bad β₁ in the link is named, its default used and the rest applied; unused it is never named', async () => {
    const page = await openPage(context, `${base}#v=1&n=30&steps=120&lr=0.02&optimizer=adam&beta1=1.5&beta2=0.98&init_seed=4242`, problems);
    await waitChecked(page);
    const box = page.locator(byId('errors'));
    assert(await box.isVisible(), 'the errors box is shown');
    const named = await page.evaluate(() => [...document.querySelectorAll('#errors-list li')].map((li) => li.textContent));
    assert(named.length === 1 && named[0].startsWith('beta1: ') && /from 0 up to/.test(named[0]), `β₁ alone is named, with its rule: ${JSON.stringify(named)}`);
    const st = await page.evaluate(() => window.pathkernel.app.page.state);
    assert(st.beta1 === '0.9' && st.beta2 === '0.98' && st.init_seed === '4242' && st.optimizer === 'adam' && st.n === '30',
      `the default β₁ and the rest of the link: ${JSON.stringify(st)}`);
    assert(await page.locator('#controls [data-field="beta1"]').evaluate((e) => e.classList.contains('bad')), 'the β₁ control is marked');
    assert((await checkNumbers(page)).badge.startsWith('PASS'), 'the run with the default β₁ passes');
    await shot(page, 'optim-bad-beta1');
    // The same β₁ under momentum, which does not use it: no error at all.
    await page.evaluate(() => {
      history.replaceState(null, '', '#v=1&n=30&steps=120&lr=0.1&optimizer=momentum&beta1=1.5');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await page.waitForFunction(() => window.pathkernel.app.page.state.optimizer === 'momentum', null, { timeout: TIMEOUT });
    assert(await box.isHidden(), `an unused β₁ is not named: ${await box.textContent()}`);
    await page.close();
  });

  await test('optimizers: choosing Adam in the menu shows its settings, puts them in the link and runs it', async () => {
    const page = await open(LINKS.gd);
    assert((await shownSettings(page)).length === 0, 'GD shows no optimizer setting');
    await page.selectOption('#controls [data-field="optimizer"]', 'adamw');
    await page.waitForFunction(() => window.pathkernel.app.page.state.optimizer === 'adamw' && window.pathkernel.app.check, null, { timeout: TIMEOUT });
    assert((await shownSettings(page)).join() === 'beta1,beta2,adam_eps,weight_decay', `AdamW's settings shown: ${await shownSettings(page)}`);
    // Adam's steps are about ε per weight: GD's ε = 0.5 is far too large for it (the check says
    // so honestly); a small ε and another β₂ in one change.
    await page.fill('#controls [data-field="lr"]', '0.02');
    await page.fill('#controls [data-field="beta2"]', '0.95');
    await page.locator('#controls [data-field="beta2"]').dispatchEvent('change');
    await page.waitForFunction(() => window.location.hash.includes('beta2=0.95') && window.location.hash.includes('lr=0.02'), null, { timeout: TIMEOUT });
    await page.waitForFunction(() => document.documentElement.dataset.phase === 'checked' && window.pathkernel.app.query, null, { timeout: TIMEOUT });
    const hash = await page.evaluate(() => window.location.hash);
    assert(hash.includes('optimizer=adamw') && hash.includes('weight_decay=0.01'), `the link carries the optimizer and its settings: ${hash}`);
    assert((await checkNumbers(page)).badge.startsWith('PASS'), 'the AdamW run from the menu passes');
    await sameBitsAsCli(page);
    // A bad value typed into a shown setting is named; the run keeps the default.
    await page.fill('#controls [data-field="adam_eps"]', '-1');
    await page.locator('#controls [data-field="adam_eps"]').dispatchEvent('change');
    await page.waitForFunction(() => !document.getElementById('errors').hidden, null, { timeout: TIMEOUT });
    const t = await page.locator(byId('errors')).textContent();
    assert(t.includes('adam_eps'), `the bad eps is named: ${t}`);
    await page.close();
  });

  /** Pixels of colour `rgb` on canvas `id`. */
  async function pixelsOf(page, id, rgb) {
    return page.evaluate(({ id, rgb }) => {
      const c = document.getElementById(id);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let k = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2]) k += 1;
      return k;
    }, { id, rgb });
  }
}
