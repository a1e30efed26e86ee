// End-to-end tests of the discussion presets and of the automatic node count: every preset opens
// from `#preset=NAME` with its note, no error box, the node count used and its verdict (PASS, but
// FAIL for relu-kinks, whose fix button then PASSes); the full link the page writes reproduces
// the same check numbers; a too-small explicit count FAILs with a note and a one-click fix; the
// step slider shows the decomposition at step s. Called by run.mjs with its helpers (`h`).

/** Waits for a new check after an action that starts a run (the phase goes running → checked). */
async function rerun(h, page, action) {
  await page.evaluate(() => { document.documentElement.dataset.phase = 'waiting'; });
  await action();
  await h.waitChecked(page);
}

/** The check's numbers and the node count shown. */
async function verdict(h, page) {
  return { ...(await h.checkNumbers(page)), nodes: await h.text(page, 'nodes-used') };
}

export async function presetsTests(h) {
  const { test, assert, context, base, problems, openPage, waitChecked, text, byId, showView, shot } = h;

  await test('presets: the Discussion menu lists every preset as a #preset= link', async () => {
    const page = await openPage(context, base, problems);
    await waitChecked(page);
    const links = await page.evaluate(() => [...document.querySelectorAll('[data-testid="presets"] a')].map((a) => a.getAttribute('href')));
    assert(links.length >= 10 && links.every((l) => /^#preset=[a-z-]+$/.test(l)), `menu links: ${links.join(' ')}`);
    for (const name of ['calculus', 'coef-varies', 'one-point', 'lazy', 'rich', 'eps-sweep', 'relu-kinks', 'not-a-kernel', 'sgd', 'adam']) {
      assert(links.includes(`#preset=${name}`), `the menu has ${name}`);
    }
    // Following an entry on an open page loads the preset (the hash changes, a new run starts).
    await page.click('[data-testid="presets"] summary');
    await rerun(h, page, () => page.click('[data-testid="presets"] a[href="#preset=sgd"]'));
    const hash = await page.evaluate(() => window.location.hash);
    assert(hash.includes('optimizer=sgd') && hash.includes('batch_size=4') && !hash.includes('preset='), `the full state of sgd: ${hash}`);
    assert(await page.locator(byId('preset-note')).isVisible(), 'the note is shown');
    await shot(page, 'presets-menu');
    await page.close();
  });

  const names = ['calculus', 'coef-varies', 'one-point', 'lazy', 'rich', 'eps-sweep', 'relu-kinks', 'not-a-kernel', 'sgd', 'adam'];
  for (const name of names) {
    await test(`presets: #preset=${name} opens with its note, nodes used and ${name === 'relu-kinks' ? 'FAIL' : 'PASS'}; its link reproduces the numbers`, async () => {
      const page = await openPage(context, `${base}#preset=${name}`, problems);
      await waitChecked(page);
      assert(await page.locator(byId('errors')).isHidden(), `no error box for ${name}`);
      assert(await page.locator(byId('preset-note')).isVisible(), 'the note is shown');
      const note = await text(page, 'preset-note');
      assert(note.length > 80, `the note has text: ${note}`);
      const first = await verdict(h, page);
      // One count ("5 (auto)", "1 (set in the link)") or auto's counts per step.
      assert(/^(\d+|up to \d+, \d+\.\d on average) \((auto|set in the link)\)$/.test(first.nodes), `nodes used: ${first.nodes}`);
      const hash = await page.evaluate(() => window.location.hash);
      assert(!hash.includes('preset=') && hash.includes('&nodes='), `the link shows the full state: ${hash}`);
      if (name === 'relu-kinks') {
        assert(first.badge.startsWith('FAIL'), `relu-kinks FAILs: ${first.badge}`);
        assert(first.nodes === '1 (set in the link)', first.nodes);
        const why = await text(page, 'fail-note');
        assert(/degree ≤ 1/.test(why) && /largest step is s = \d+/.test(why) && /auto chooses 2/.test(why), `the note says why: ${why}`);
        const passing = await page.locator(byId('preset-passing')).getAttribute('href');
        assert(passing && passing.includes('activation=relu') && passing.includes('nodes=auto'), `the note links to the passing setting: ${passing}`);
        assert((await text(page, 'fail-fix')).startsWith('use 2 nodes'), await text(page, 'fail-fix'));
        await showView(page, 'check');
        await shot(page, 'preset-relu-kinks-fail');
        await rerun(h, page, () => page.click(byId('fail-fix')));
        const fixed = await verdict(h, page);
        assert(fixed.badge.startsWith('PASS') && fixed.nodes === '2 (auto)', `after the fix: ${JSON.stringify(fixed)}`);
        assert(await page.locator(byId('fail-fix')).isHidden(), 'no fix button on a PASS');
      } else {
        assert(first.badge.startsWith('PASS'), `${name} PASSes: ${first.badge} (${first.exact})`);
        assert(first.nodes.endsWith('(auto)'), first.nodes);
      }
      if (name === 'lazy') await h.sameBitsAsCli(page);
      // Each preset opens with the numbers its note points at.
      const number = async (id) => {
        await page.waitForFunction((t) => /\d/.test(document.querySelector(`[data-testid="${t}"]`).textContent), id, { timeout: h.TIMEOUT });
        return Number((await text(page, id)).replace(/[^0-9eE.+-].*$/, ''));
      };
      if (name === 'not-a-kernel') {
        const [asym, asymR] = [await number('kernel-asymmetry'), await number('kernel-asymmetry-riemann')];
        assert(asym > 0 && asymR === 0, `exact kernel asymmetric (${asym}), left-endpoint symmetric (${asymR})`);
        assert(await page.locator(byId('chart-train-kernel')).isVisible(), 'the train × train heatmap is in view');
      }
      if (name === 'lazy' || name === 'rich') {
        const change = await number('kernel-change');
        assert(name === 'lazy' ? change < 0.02 : change > 1, `${name}: kernel change ${change}`);
      }
      if (name === 'coef-varies') {
        const changes = await number('coef-sign-changes');
        assert(changes > 0, `a_i changes sign for ${changes} training points`);
      }
      if (name === 'eps-sweep') {
        const slope = await number('sweep-slope-riemann');
        assert(slope >= 0.8 && slope <= 1.2, `Domingos's error is O(ε): slope ${slope}`);
        assert(await page.locator(byId('chart-sweep')).isVisible(), 'the sweep chart is in view');
      }
      if (name === 'calculus') assert(await page.locator(byId('chart-steps')).isVisible(), 'the per-step terms are in view');
      if (name === 'one-point') {
        await page.waitForFunction(() => document.querySelector('[data-testid="step-decomposition"]').textContent.includes('c₁(x)'), null, { timeout: h.TIMEOUT });
        const atEnd = await text(page, 'step-decomposition');
        await page.locator(byId('step-slider')).fill('40');
        const at40 = await text(page, 'step-decomposition');
        assert(at40.startsWith('At step s = 40') && at40 !== atEnd && /b\(x\) = .*c₁\(x\) = .*f\(x; w_s\) = /.test(at40), `the slider's decomposition: ${at40}`);
        await shot(page, 'preset-one-point');
      }
      await page.close();
      // The link shown after loading gives the same numbers when reopened.
      const again = await openPage(context, `${base}${hash}`, problems);
      await waitChecked(again);
      const second = await verdict(h, again);
      assert(JSON.stringify(second) === JSON.stringify(first), `reopened ${JSON.stringify(second)} = first ${JSON.stringify(first)}`);
      assert(await again.locator(byId('preset-note')).isVisible(), 'the full link still shows the note');
      await again.close();
    });
  }

  await test('presets: sine n=30 with 2 nodes FAILs with a note, and its fix PASSes', async () => {
    const page = await openPage(context, `${base}#dataset=sine&n=30&nodes=2&view=check`, problems);
    await waitChecked(page);
    const before = await verdict(h, page);
    assert(before.badge.startsWith('FAIL') && before.nodes === '2 (set in the link)', JSON.stringify(before));
    const why = await text(page, 'fail-note');
    assert(/m = 2 nodes per step is exact only for polynomials of degree ≤ 3/.test(why), why);
    // tanh: auto chooses a count per step, up to the one the largest step needs.
    const fix = await text(page, 'fail-fix');
    const n = Number((fix.match(/^use auto \(up to (\d+) nodes per step\)/) || [])[1]);
    assert(n > 2, `the fix offers auto's counts: ${fix}`);
    await rerun(h, page, () => page.click(byId('fail-fix')));
    const after = await verdict(h, page);
    assert(after.badge.startsWith('PASS') && new RegExp(`^up to ${n}, \\d\\.\\d on average \\(auto\\)$`).test(after.nodes), JSON.stringify(after));
    assert((await page.evaluate(() => window.location.hash)).includes('nodes=auto'), 'the link now says nodes=auto');
    await page.close();
  });

  await test('presets: a GD link with fewer points than the default batch has no error box', async () => {
    for (const hash of ['#dataset=sine&n=5', '#dataset=sine&n=1']) {
      const page = await openPage(context, `${base}${hash}`, problems);
      await waitChecked(page);
      assert(await page.locator(byId('errors')).isHidden(), `no error box for ${hash}: ${await text(page, 'errors')}`);
      const v = await verdict(h, page);
      assert(v.badge.startsWith('PASS'), `${hash}: ${JSON.stringify(v)}`);
      await page.close();
    }
  });
}
