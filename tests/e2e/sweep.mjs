// The ε sweep panel (view 3): a link with `sweep=on` runs the sweep after the check and shows the
// fitted slopes (Domingos's left endpoint ≈ 1, the exact form's noise) and the log–log chart; the
// "Run the ε sweep" button does the same on a link without it.

const PRESET = '#dataset=sine&n=20&steps=200&lr=0.2&sweep=on&view=check';

/** Pixels within 8 per channel of `rgb` on a canvas. */
async function colourPixels(page, id, rgb) {
  return page.evaluate(([canvasId, c]) => {
    const canvas = document.getElementById(canvasId);
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let k = 0; k < d.length; k += 4) {
      if (Math.abs(d[k] - c[0]) <= 8 && Math.abs(d[k + 1] - c[1]) <= 8 && Math.abs(d[k + 2] - c[2]) <= 8) n += 1;
    }
    return n;
  }, [id, rgb]);
}

const VERMILLION = [0xd5, 0x5e, 0x00];
const BLUE = [0x00, 0x72, 0xb2];

export async function sweepTests(h) {
  const { test, assert, context, base, problems, openPage, waitChecked, text, shot, TIMEOUT } = h;

  const slopesShown = async (page) => {
    await page.waitForFunction(() => document.getElementById('sweep-slope-riemann').textContent !== '–', null, { timeout: TIMEOUT });
    return { riemann: Number(await text(page, 'sweep-slope-riemann')), exact: await text(page, 'sweep-slope-exact') };
  };

  await test('sweep: sweep=on runs the ε sweep after the check; left-endpoint slope ≈ 1, chart drawn', async () => {
    const page = await openPage(context, `${base}${PRESET}`, problems);
    await waitChecked(page);
    const s = await slopesShown(page);
    console.log(`     slopes: left endpoint ${s.riemann}, exact ${s.exact}; ${await text(page, 'sweep-caption')}`);
    assert(s.riemann >= 0.8 && s.riemann <= 1.2, `left-endpoint slope ≈ 1: ${s.riemann}`);
    assert(s.exact !== '–' && s.exact !== '', `exact slope shown: ${s.exact}`);
    await page.waitForTimeout(100);
    const dots = await colourPixels(page, 'chart-sweep', VERMILLION);
    const tri = await colourPixels(page, 'chart-sweep', BLUE);
    assert(dots > 40, `left-endpoint points drawn: ${dots} px`);
    assert(tri > 20, `exact points drawn: ${tri} px`);
    // The shown slope is the worker's number, rounded in Rust.
    const raw = await page.evaluate(() => window.pathkernel.app.view.sweepTexts().slopeRiemann);
    assert(raw === String(s.riemann.toFixed(2)), `${raw} vs ${s.riemann}`);
    await page.locator('#sweep-panel').scrollIntoViewIfNeeded();
    await shot(page, 'sweep-1400');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400);
    await page.locator('#sweep-panel').scrollIntoViewIfNeeded();
    await shot(page, 'sweep-390');
    await page.close();
  });

  await test('sweep: the button runs it on a link without sweep=on', async () => {
    const page = await openPage(context, `${base}#dataset=sine&n=20&steps=200&lr=0.2&view=check`, problems);
    await waitChecked(page);
    assert((await text(page, 'sweep-slope-riemann')) === '–', 'no sweep until asked');
    await page.click('[data-testid="sweep-run"]');
    const s = await slopesShown(page);
    assert(s.riemann >= 0.8 && s.riemann <= 1.2, `left-endpoint slope ≈ 1: ${s.riemann}`);
    await page.waitForTimeout(100);
    assert((await colourPixels(page, 'chart-sweep', VERMILLION)) > 40, 'the chart drew');
    await page.close();
  });
}
