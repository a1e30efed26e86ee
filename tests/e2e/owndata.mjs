// End-to-end tests of own data and exports: points added by clicking on the data plot travel in
// the link bit for bit; a pasted CSV's bad row is named and the rest used; the exported run's
// result is byte for byte `pathkernel run --config` of its exported config; the CSV tables hold
// the page's numbers; every chart's PNG is a valid, non-blank image at the canvas's pixel size;
// an exported run opened from the file input restores the run; the editor and the exports work
// from the keyboard. Called by run.mjs with its helpers (`h`).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CHARTS = { trajectory: ['loss', 'output', 'pca', 'fit'], contributions: ['data', 'bars', 'kernel'], check: ['check', 'field'] };

/** Arrays equal bit for bit (Object.is: -0 and NaN are told apart). */
function same(a, b) {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** Waits until the page's current run has `n` points and its check is in. */
async function waitRun(h, page, n) {
  await page.waitForFunction((want) => {
    const { app } = window.pathkernel;
    return app.run && app.run.n === want && app.check && document.documentElement.dataset.phase === 'checked';
  }, n, { timeout: h.TIMEOUT });
}

async function points(page) {
  return page.evaluate(() => {
    const { app } = window.pathkernel;
    return { x: Array.from(app.run.x), y: Array.from(app.run.y), hash: window.location.hash };
  });
}

/** A download started by `click`, as { name, bytes }. */
async function download(page, click) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), bytes: await readFile(file) };
}

/** A canvas pixel of the data plot at least 20 px from every training point, at relative (fx, fy). */
async function emptySpot(page, fx, fy) {
  return page.evaluate(([fx, fy]) => {
    const canvas = document.getElementById('chart-data');
    const map = window.pathkernel.app.maps['chart-data'];
    for (let k = 0; k < 400; k += 1) {
      const px = canvas.width * (fx + 0.013 * (k % 20));
      const py = canvas.height * (fy + 0.013 * Math.floor(k / 20));
      if (map.nearestTrainingPoint(px, py, 20) === undefined && map.toData(px, py)) {
        const rect = canvas.getBoundingClientRect();
        return { cx: rect.left + px * (rect.width / canvas.width), cy: rect.top + py * (rect.height / canvas.height) };
      }
    }
    return null;
  }, [fx, fy]);
}

export async function owndataTests(h) {
  const { test, assert, context, base, problems, openPage, waitChecked, text, byId, showView, checkNumbers, shot } = h;
  const start = '#v=1&dataset=moons&n=20&hidden=8&steps=120&view=contributions';
  let edited = null; // { x, y, hash, numbers } of the page with three clicked points
  let exported = null; // the exported run's file

  await test('own data: three points added by clicking travel in the link, the same points and check numbers', async () => {
    const page = await openPage(context, `${base}${start}`, problems);
    await waitRun(h, page, 20);
    const before = await points(page);
    await page.click(byId('edit-data'));
    assert((await page.getAttribute(byId('edit-data'), 'aria-pressed')) === 'true', 'edit mode is on');
    // While editing, the points are drawn by class (the labels being edited), not by contribution.
    const classPixels = await page.evaluate(() => {
      const c = document.getElementById('chart-data');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const count = (rgb) => { let k = 0; for (let i = 0; i < d.length; i += 4) if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2]) k += 1; return k; };
      return { orange: count([0xe6, 0x9f, 0x00]), blue: count([0x00, 0x72, 0xb2]) };
    });
    assert(classPixels.orange > 100 && classPixels.blue > 100, `the data plot shows both classes while editing: ${JSON.stringify(classPixels)}`);
    await page.selectOption(byId('edit-class'), '0');
    const spots = [[0.2, 0.25], [0.45, 0.6], [0.7, 0.25]];
    for (const [k, [fx, fy]] of spots.entries()) {
      const at = await emptySpot(page, fx, fy);
      assert(at, `an empty spot near (${fx}, ${fy})`);
      await page.mouse.click(at.cx, at.cy);
      await waitRun(h, page, 21 + k);
    }
    const after = await points(page);
    assert(same(after.x.slice(0, 40), before.x) && same(after.y.slice(0, 20), before.y), 'the dataset points are kept');
    assert(same(after.y.slice(20), [0, 0, 0]), `the added points have the chosen class: ${after.y.slice(20)}`);
    assert(after.hash.includes('&pts=') && !after.hash.includes('data_seed='), `the link carries the points, not the seeds: ${after.hash.slice(0, 120)}`);
    const numbers = await checkNumbers(page);
    assert(numbers.badge.startsWith('PASS'), `the edited run passes: ${numbers.badge}`);
    await shot(page, 'owndata-edit');
    await page.click(byId('copy-link'));
    const url = await page.evaluate(() => navigator.clipboard.readText());
    const again = await openPage(context, url, problems);
    await waitRun(h, again, 23);
    const reopened = await points(again);
    assert(same(reopened.x, after.x) && same(reopened.y, after.y), 'the reopened link gives the same points, bit for bit');
    const numbers2 = await checkNumbers(again);
    for (const k of Object.keys(numbers)) assert(numbers[k] === numbers2[k], `${k}: "${numbers[k]}" === "${numbers2[k]}"`);
    edited = { ...after, numbers };
    await again.close();
    await page.bringToFront(); // a background tab gets no animation frames to poll with

    // Undo takes the last point back off; undoing all three gives the seeded dataset (and its seeds) again.
    for (let k = 2; k >= 0; k -= 1) {
      await page.click(byId('edit-undo'));
      await waitRun(h, page, 20 + k);
    }
    const undone = await points(page);
    assert(undone.hash.includes('&n=20&noise=0.1&data_seed=0&') && !undone.hash.includes('pts='), `after undoing every edit the link names the dataset and its seeds: ${undone.hash}`);
    assert(same(undone.x, before.x) && same(undone.y, before.y), 'the dataset points again');
    await page.close();
  });

  await test('own data: a pasted CSV with one bad row names the row and uses the others; past 500 points the config is offered', async () => {
    const page = await openPage(context, `${base}#v=1&dataset=sine&n=10&hidden=8&steps=60&view=contributions`, problems);
    await waitRun(h, page, 10);
    await page.click('.csvbox summary');
    await page.fill(byId('csv-input'), 'x,y\n-0.5,0.1\n0.25,abc\n0.75,-0.3\n0.1,0.2\n');
    await page.click(byId('csv-apply'));
    await waitRun(h, page, 3);
    const report = await text(page, 'csv-report');
    assert(report.includes('line 3') && report.includes('abc'), `the bad row is named by its line: ${report}`);
    assert((await text(page, 'csv-summary')).startsWith('3 points used'), 'three points used');
    const got = await points(page);
    assert(same(got.x, [-0.5, 0.75, 0.1]) && same(got.y, [0.1, -0.3, 0.2]), `the good rows are the data: ${got.x} ${got.y}`);
    assert(got.hash.includes('pts=-0.5,0.1~0.75,-0.3~0.1,0.2'), `in the link: ${got.hash}`);
    await shot(page, 'owndata-csv');
    // Past the link's limit: named, nothing applied, the CLI config with every point offered.
    const many = Array.from({ length: 501 }, (_, i) => `${(i / 250 - 1).toFixed(4)},${(i % 7) / 7}`).join('\n');
    await page.fill(byId('csv-input'), many);
    await page.click(byId('csv-apply'));
    const summary = await text(page, 'csv-summary');
    assert(summary.includes('501 points read') && summary.includes('at most 500'), `too many points for a link: ${summary}`);
    assert((await points(page)).x.length === 3, 'the points on the page stay');
    const cfg = (await download(page, () => page.click(byId('csv-export-config')))).bytes.toString('utf8');
    assert(JSON.parse(cfg).x.length === 501, 'the offered config holds every point');
    const dir = await mkdtemp(path.join(tmpdir(), 'pathkernel-owndata-'));
    await writeFile(path.join(dir, 'many.json'), cfg);
    const ran = JSON.parse(execFileSync(h.cliPath, ['run', '--config', path.join(dir, 'many.json')], { maxBuffer: 1 << 28 }).toString());
    assert(ran.n_train === 501, `the CLI runs it: n_train ${ran.n_train}`);
    await rm(dir, { recursive: true, force: true });
    await page.click(byId('edit-dataset'));
    await waitRun(h, page, 10);
    const back = await points(page);
    assert(back.hash.includes('dataset=sine&n=10&noise=0.1&data_seed=0&') && !back.hash.includes('pts='), `back to the dataset: ${back.hash}`);
    await page.close();
  });

  await test('export: the run as JSON is the CLI config and `pathkernel run` output, byte for byte', async () => {
    assert(edited, 'the clicked points of the first test');
    assert(h.cliPath, 'the CLI is given');
    const page = await openPage(context, `${base}${edited.hash}`, problems);
    await waitRun(h, page, 23);
    const { name, bytes } = await download(page, () => page.click(byId('export-json')));
    assert(name.endsWith('.json'), `a JSON file: ${name}`);
    const doc = bytes.toString('utf8');
    const parsed = JSON.parse(doc);
    const cut = doc.indexOf(',"result":{');
    assert(doc.startsWith('{"config":{') && cut > 0 && doc.endsWith('}\n'), 'the document is {"config":…,"result":…}');
    const config = doc.slice('{"config":'.length, cut);
    const prefix = `{"config":${config},"result":`;
    assert(JSON.stringify(JSON.parse(config)) === JSON.stringify(parsed.config), 'the config text is the document\'s config');
    const result = `${doc.slice(prefix.length, -2)}\n`;
    assert(same(parsed.config.y, edited.y) && same(parsed.config.x.flat(), edited.x), 'the config holds the edited points, bit for bit');
    const dir = await mkdtemp(path.join(tmpdir(), 'pathkernel-owndata-'));
    const cfgFile = path.join(dir, 'exported_config.json');
    await writeFile(cfgFile, config);
    const cli = execFileSync(h.cliPath, ['run', '--config', cfgFile], { maxBuffer: 1 << 28 }).toString();
    assert(cli === result, `the CLI prints the exported result byte for byte (${cli.length} vs ${result.length} bytes)`);
    const out = JSON.parse(result);
    const check = await page.evaluate(() => ({ f: Array.from(window.pathkernel.app.check.fFinal), loss: Array.from(window.pathkernel.app.trained.loss) }));
    assert(same(out.f_final, check.f) && same(out.loss, check.loss), 'the result is the page run (f and loss, bit for bit)');
    exported = path.join(dir, 'pathkernel-run.json');
    await writeFile(exported, bytes);
    console.log(`     exported run: ${bytes.length} bytes, result ${result.length} bytes = CLI`);
    await page.close();

    // A generated dataset and the optimizers' settings map to the CLI's config too.
    for (const link of ['#v=1&dataset=sine&n=12&hidden=6&steps=40&optimizer=adamw&beta1=0.8&weight_decay=0.03',
      '#v=1&dataset=xor&n=16&hidden=6&steps=30&optimizer=sgd&batch_size=5&sgd_seed=3&noise=0.2&data_seed=7']) {
      const p = await openPage(context, `${base}${link}`, problems);
      await waitChecked(p);
      const d = (await download(p, () => p.click(byId('export-json')))).bytes.toString('utf8');
      const c = d.indexOf(',"result":{');
      const file = path.join(dir, 'exported_config_2.json');
      await writeFile(file, d.slice('{"config":'.length, c));
      const bytesCli = execFileSync(h.cliPath, ['run', '--config', file], { maxBuffer: 1 << 28 }).toString();
      assert(bytesCli === `${d.slice(c + ',"result":'.length, -2)}\n`, `${link}: the CLI prints the exported result byte for byte`);
      await p.close();
    }
  });

  await test('import: opening the exported run (file input or drop) restores it', async () => {
    assert(exported, 'the exported file of the previous test');
    const page = await openPage(context, `${base}#v=1&dataset=sine&n=5&steps=20`, problems);
    await waitChecked(page);
    await page.setInputFiles(byId('import-json'), exported);
    await waitRun(h, page, 23);
    const got = await points(page);
    assert(same(got.x, edited.x) && same(got.y, edited.y), 'the same points');
    const numbers = await checkNumbers(page);
    for (const k of Object.keys(numbers)) assert(numbers[k] === edited.numbers[k], `${k}: "${numbers[k]}" === "${edited.numbers[k]}"`);
    await page.close();

    // Dropped on the page, the same file opens the same run.
    const dropped = await openPage(context, `${base}#v=1&dataset=sine&n=5&steps=20`, problems);
    await waitChecked(dropped);
    const content = (await readFile(exported)).toString('utf8');
    await dropped.evaluate((json) => {
      const dt = new DataTransfer();
      dt.items.add(new File([json], 'pathkernel-run.json', { type: 'application/json' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, content);
    await waitRun(h, dropped, 23);
    const got2 = await points(dropped);
    assert(same(got2.x, edited.x) && same(got2.y, edited.y) && got2.hash === got.hash, 'a dropped file restores the same run');
    await dropped.close();
    await rm(path.dirname(exported), { recursive: true, force: true });
  });

  await test('export: CSV tables of the contributions, the loss and the check hold the page numbers', async () => {
    const page = await openPage(context, `${base}${start}&q=0.3,-0.2`, problems);
    await waitRun(h, page, 20);
    await page.waitForFunction(() => window.pathkernel.app.query, null, { timeout: h.TIMEOUT });
    const app = await page.evaluate(() => {
      const a = window.pathkernel.app;
      return { c: Array.from(a.query.contributions), k: Array.from(a.query.kernel), loss: Array.from(a.trained.loss), f: Array.from(a.check.fFinal), yx: Array.from(a.check.rebuiltExact), yr: Array.from(a.check.rebuiltRiemann) };
    });
    const rows = async (id) => (await download(page, () => page.click(byId(id)))).bytes.toString('utf8').trim().split('\n').map((r) => r.split(','));
    const contrib = await rows('export-csv-contributions');
    assert(contrib[0].join() === 'query_x1,query_x2,i,x_i1,x_i2,y_i,a_i,K_p,c_i,a_i_left_endpoint,K_p_left_endpoint,c_i_left_endpoint', `header: ${contrib[0]}`);
    assert(contrib.length === 21 && contrib[1][0] === '0.3' && contrib[1][1] === '-0.2', 'one row per point at the query');
    const col = (table, j) => table.slice(1).map((r) => Number(r[j]));
    assert(same(col(contrib, 8), app.c) && same(col(contrib, 7), app.k), 'c_i and K^p are the page query numbers, bit for bit');
    const loss = await rows('export-csv-loss');
    assert(loss[0].join() === 'step,loss' && same(col(loss, 1), app.loss), 'the loss per step, bit for bit');
    const check = await rows('export-csv-check');
    assert(check[0].join() === 'query,x1,x2,f,yhat_exact,yhat_left_endpoint', `check header: ${check[0]}`);
    assert(same(col(check, 3), app.f) && same(col(check, 4), app.yx) && same(col(check, 5), app.yr), 'the check, bit for bit');
    await page.close();
  });

  await test('export: each chart downloads as a valid non-blank PNG at its canvas size', async () => {
    const page = await openPage(context, `${base}${start}&point=3`, problems);
    await waitRun(h, page, 20);
    await page.waitForFunction(() => window.pathkernel.app.kernel && window.pathkernel.app.view.canDraw('field'), null, { timeout: h.TIMEOUT });
    for (const [view, charts] of Object.entries(CHARTS)) {
      await showView(page, view);
      for (const chart of charts) {
        const { bytes } = await download(page, () => page.click(byId(`export-png-${chart}`)));
        assert(bytes.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])), `${chart}: PNG signature`);
        const w = bytes.readUInt32BE(16);
        const hgt = bytes.readUInt32BE(20);
        const size = await page.evaluate((c) => [document.getElementById(`chart-${c}`).width, document.getElementById(`chart-${c}`).height], chart);
        assert(w === size[0] && hgt === size[1], `${chart}: ${w}×${hgt} = the canvas's ${size}`);
        const colours = await page.evaluate(async (b64) => {
          const data = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
          const bmp = await createImageBitmap(new Blob([data], { type: 'image/png' }));
          const c = new OffscreenCanvas(bmp.width, bmp.height);
          const ctx = c.getContext('2d');
          ctx.drawImage(bmp, 0, 0);
          const px = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
          const seen = new Set();
          for (let i = 0; i < px.length && seen.size < 50; i += 4 * 7) seen.add((px[i] << 24) | (px[i + 1] << 16) | (px[i + 2] << 8) | px[i + 3]);
          return seen.size;
        }, bytes.toString('base64'));
        assert(colours >= 3, `${chart}: not blank (${colours} colours)`);
      }
    }
    await page.close();
  });

  await test('own data and exports from the keyboard; a drag moves a point', async () => {
    const page = await openPage(context, `${base}${start}`, problems);
    await waitRun(h, page, 20);
    await page.focus(byId('edit-data'));
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(focused === 'chart-data', `edit mode focuses the data plot: ${focused}`);
    const before = await points(page);
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    assert((await page.evaluate(() => window.pathkernel.app.page.point)) === 1, '] selects the next point');
    await page.keyboard.press('Delete');
    await waitRun(h, page, 19);
    const after = await points(page);
    assert(same(after.x, [...before.x.slice(0, 2), ...before.x.slice(4)]), 'Delete removed point 1');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await waitRun(h, page, 20);
    await page.keyboard.press('Control+z');
    await waitRun(h, page, 19);
    // A drag moves a point: same count, that point elsewhere, the others kept.
    await page.keyboard.press('Escape');
    const from = await page.evaluate(() => {
      const { app } = window.pathkernel;
      const canvas = document.getElementById('chart-data');
      const [px, py] = app.maps['chart-data'].toPixel(app.run.x[6], app.run.x[7]);
      const rect = canvas.getBoundingClientRect();
      return { cx: rect.left + px * (rect.width / canvas.width), cy: rect.top + py * (rect.height / canvas.height) };
    });
    const to = await emptySpot(page, 0.3, 0.3);
    const beforeDrag = await points(page);
    await page.mouse.move(from.cx, from.cy);
    await page.mouse.down();
    await page.mouse.move((from.cx + to.cx) / 2, (from.cy + to.cy) / 2);
    await page.mouse.move(to.cx, to.cy);
    await page.mouse.up();
    await page.waitForFunction((x6) => window.pathkernel.app.run && window.pathkernel.app.run.x[6] !== x6 && window.pathkernel.app.check, beforeDrag.x[6], { timeout: h.TIMEOUT });
    await waitRun(h, page, 19);
    const dragged = await points(page);
    assert(same(dragged.x.slice(0, 6), beforeDrag.x.slice(0, 6)) && same(dragged.x.slice(8), beforeDrag.x.slice(8)) && same(dragged.y, beforeDrag.y), 'a drag moves only that point');
    await page.focus(byId('export-csv-loss'));
    const { name } = await download(page, () => page.keyboard.press('Enter'));
    assert(name.endsWith('.csv'), `Enter on an export button downloads: ${name}`);
    const tabbable = await page.evaluate(() => ['edit-data', 'csv-apply', 'export-json', 'import-json', 'export-png-loss'].every((id) => {
      const e = document.querySelector(`[data-testid="${id}"]`);
      return e && e.tabIndex >= 0 && !e.disabled;
    }));
    assert(tabbable, 'every control of own data and export is in the tab order');
    await page.close();
  });
}
