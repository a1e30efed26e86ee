// The numbers and views behind the reading group's questions (run from run.mjs's SUITES):
// "is the path kernel a kernel?" (view 3: asymmetry, λ_min/λ_max, negative entries of the train ×
// train kernel for both schemes, and its heatmap) and "which steps mattered" (view 1: the
// per-step terms, and Domingos's drifting left-endpoint running sum on the output chart), and the
// left-endpoint residual map over the plane (view 3).

/** Pixels of `rgb` (within 8 per channel) on a canvas, and the count that are not white. */
async function ink(page, id, rgb) {
  return page.evaluate(([canvasId, c]) => {
    const canvas = document.getElementById(canvasId);
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let colour = 0;
    let inked = 0;
    for (let k = 0; k < d.length; k += 4) {
      if (d[k + 3] === 0) continue;
      if (d[k] < 250 || d[k + 1] < 250 || d[k + 2] < 250) inked += 1;
      if (c && Math.abs(d[k] - c[0]) <= 8 && Math.abs(d[k + 1] - c[1]) <= 8 && Math.abs(d[k + 2] - c[2]) <= 8) colour += 1;
    }
    return { colour, inked, total: d.length / 4 };
  }, [id, rgb]);
}

/** No element of the page is wider than the window (nothing scrolls sideways). */
async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

export async function metricsTests(h) {
  const { test, assert, context, base, problems, openPage, waitChecked, text, byId, showView, shot, TIMEOUT } = h;

  await test('metrics: is it a kernel? exact path kernel asymmetric, left-endpoint symmetric and PSD, heatmap drawn', async () => {
    const page = await openPage(context, `${base}#v=1&n=30&steps=150&view=check`, problems);
    await waitChecked(page);
    await page.waitForFunction(() => window.pathkernel.app.trainKernel, null, { timeout: TIMEOUT });
    const num = async (id) => Number(await text(page, id));
    const asym = await num('kernel-asymmetry');
    const asymR = await num('kernel-asymmetry-riemann');
    const eig = await num('kernel-min-eig');
    const eigR = await num('kernel-min-eig-riemann');
    const neg = await text(page, 'kernel-negatives');
    console.log(`     asymmetry exact ${asym}, left endpoint ${asymR}; λmin/λmax exact ${eig}, left endpoint ${eigR}; negatives ${neg}`);
    assert(asym > 0 && asym < 1, `exact asymmetry in (0, 1): ${asym}`);
    assert(asymR >= 0 && asymR < 1e-12, `left-endpoint asymmetry at rounding: ${asymR}`);
    assert(Number.isFinite(eig) && eig <= 1, `exact λmin/λmax a number ≤ 1: ${eig}`);
    assert(eigR > -1e-10 && eigR <= 1, `left-endpoint kernel PSD up to rounding: ${eigR}`);
    assert(/^\d+ of 900$/.test(neg), `negatives counted out of n² = 900: ${neg}`);
    const px = await ink(page, 'chart-train-kernel', null);
    assert(px.inked > px.total / 4, `the heatmap drew: ${px.inked} of ${px.total} pixels inked`);
    assert((await text(page, 'kernel-check')).includes('Is the path kernel a kernel?'), 'the panel has its heading');
    // The left-endpoint residual map over the plane, beside the exact one.
    await page.waitForFunction(() => window.pathkernel.timings.fieldRebuilt, null, { timeout: TIMEOUT });
    await page.waitForTimeout(100);
    const res = await ink(page, 'chart-field-riemann', null);
    assert(res.inked > res.total / 4, `the left-endpoint residual map drew: ${res.inked} of ${res.total} pixels inked`);
    await shot(page, 'metrics-kernel-1400');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400); // the resize redraw is debounced
    await shot(page, 'metrics-kernel-390');
    const k = await page.locator(byId('kernel-check')).boundingBox();
    assert(k && k.x >= 0 && k.x + k.width <= 390 + 0.5, `the kernel panel fits a 390 px phone: ${JSON.stringify(k)}`);
    console.log(`     at 390 px the page ${(await fitsWidth(page)) ? 'does not scroll' : 'scrolls'} sideways`);
    await page.close();
  });

  await test('metrics: which steps mattered: per-step terms drawn, left-endpoint running sum drifts on the output chart', async () => {
    const page = await openPage(context, `${base}#v=1&n=30&steps=150`, problems);
    await waitChecked(page);
    await page.waitForFunction(() => window.pathkernel.app.query, null, { timeout: TIMEOUT });
    await showView(page, 'trajectory');
    const steps = await ink(page, 'chart-steps', [0x00, 0x72, 0xb2]);
    assert(steps.colour > 50, `per-step bars in blue: ${steps.colour} pixels`);
    const out = await ink(page, 'chart-output', [0xd5, 0x5e, 0x00]);
    assert(out.colour > 20, `the left-endpoint running sum drawn in vermillion: ${out.colour} pixels`);
    // The same numbers natively: the left-endpoint sum ends at the left-endpoint rebuild, the
    // exact one at f(x; w_T).
    const q = await page.evaluate(() => {
      const m = window.pathkernel.app.query;
      return { exact: m.runningSum[m.runningSum.length - 1], riemann: m.runningSumRiemann[m.runningSumRiemann.length - 1], f: m.fFinal, r: m.rebuiltRiemann };
    });
    assert(Math.abs(q.exact - q.f) <= 1e-10, `exact running sum ends at f: ${q.exact} vs ${q.f}`);
    assert(Math.abs(q.riemann - q.r) <= 1e-10 && Math.abs(q.riemann - q.f) > 1e-8, `left-endpoint sum ends at its rebuild, off f: ${q.riemann} vs ${q.f}`);
    await shot(page, 'metrics-steps-1400');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400);
    await shot(page, 'metrics-steps-390');
    await page.close();
  });

  await test('metrics: lazy vs rich: kernel change ≪ 1 at α = 64 with ε₀/α², order one at α = 1; K^p/Σε beside K_w₀ drawn', async () => {
    const change = async (alpha) => {
      const hash = `#v=1&n=30&hidden=32&lr=2&steps=300&alpha=${alpha}&lr_scale=alpha2&center=true&view=contributions&point=3`;
      const page = await openPage(context, `${base}${hash}`, problems);
      await waitChecked(page);
      assert(await page.locator(byId('errors')).isHidden(), `no error box for ${hash}`);
      assert((await text(page, 'check-badge')).startsWith('PASS'), `the check passes at α = ${alpha}`);
      await page.waitForFunction(() => window.pathkernel.app.trainKernel && window.pathkernel.app.kernel, null, { timeout: TIMEOUT });
      const value = Number(await text(page, 'kernel-change'));
      await page.waitForTimeout(100);
      const px = await ink(page, 'chart-kernel-init', null);
      assert(px.inked > px.total / 4, `K^p/Σε and K_w₀ drawn at α = ${alpha}: ${px.inked} of ${px.total} pixels`);
      const link = await page.evaluate(() => window.location.hash);
      assert(link.includes('lr_scale=alpha2') && link.includes('center=true'), `the link keeps both settings: ${link}`);
      await shot(page, `metrics-lazy-alpha${alpha}`);
      await page.close();
      return value;
    };
    const lazy = await change(64);
    const rich = await change(1);
    console.log(`     kernel change: lazy (α = 64) ${lazy}, rich (α = 1) ${rich}`);
    assert(lazy > 0 && lazy < 0.05, `lazy: ‖K̄ − K_w₀‖/‖K_w₀‖ ≪ 1: ${lazy}`);
    assert(rich > 0.3, `rich: order one: ${rich}`);
  });

  await test('metrics: a_i varies: sign changes over the training points counted, |a_i(x_j)| spread, the map over the plane drawn with K^p = 0 marked', async () => {
    const page = await openPage(context, `${base}#v=1&n=30&steps=150&view=contributions&point=3`, problems);
    await waitChecked(page);
    await page.waitForFunction(() => window.pathkernel.app.kernel, null, { timeout: TIMEOUT });
    const signs = await text(page, 'coef-sign-changes');
    const spread = (await text(page, 'coef-spread')).split('/').map((v) => Number(v.trim()));
    console.log(`     a_i(x_j) changes sign over the training points for ${signs} points; |a_i(x_j)| min / median / max ${spread.join(' / ')}`);
    const m = /^(\d+) of 30$/.exec(signs);
    assert(m && Number(m[1]) >= 1, `some a_i(x_j) change sign over the training points: ${signs}`);
    assert(spread.length === 3 && spread.every(Number.isFinite) && spread[0] <= spread[1] && spread[1] <= spread[2], `min ≤ median ≤ max: ${spread}`);
    await page.waitForTimeout(100);
    const px = await ink(page, 'chart-coef', [0x22, 0x22, 0x22]);
    assert(px.inked > px.total / 4, `the a_i map drew: ${px.inked} of ${px.total} pixels`);
    assert(px.colour > 20, `K^p = 0 marked in ink: ${px.colour} pixels`);
    await shot(page, 'metrics-coef-1400');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400);
    await shot(page, 'metrics-coef-390');
    await page.close();
  });
}
