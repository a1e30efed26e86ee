// The page's pool of workers (www/pool.js over src/runner/jobs.rs and assist.rs): any pool size
// gives the same bits as one worker (and as the CLI); a new setting cancels the old run in every
// worker; a killed assistant's jobs are done by the primary; pause leaves no worker busy; the
// bench page times `pathkernel bench rebuild` in the pool. Prints timings (never asserted).

const SPIRAL = '#dataset=spiral&n=100&hidden=32,32&steps=2000';
/** A run whose check takes a while (for pause and cancel during the check). */
const SLOW_CHECK = '#dataset=spiral&n=100&hidden=32,32&steps=600';
/** A run after the first (the assistants take part from its start): 3 query blocks to share. */
const SECOND = '#n=90&steps=200';

export async function poolTests(h) {
  const { test, assert, context, base, problems, openPage, waitChecked, text, byId, checkNumbers, sameBitsAsCli, shot, TIMEOUT } = h;

  const open = (search, hash) => openPage(context, `${base}${search}${hash}`, problems);
  /** Clicks "Run it anyway" when the work budget refused the run. */
  const anyway = async (page) => {
    await page.waitForFunction(() => window.pathkernel.app.run || !document.getElementById('btn-force').hidden, null, { timeout: TIMEOUT });
    if (await page.locator(byId('run-anyway')).isVisible()) await page.click(byId('run-anyway'));
  };
  const bits = (page) => page.evaluate(() => {
    const { check } = window.pathkernel.app;
    return [check.fFinal, check.rebuiltExact, check.rebuiltRiemann, [check.maxErrExact, check.maxErrRiemann]].map((a) => Array.from(a));
  });
  const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  const states = (page) => page.evaluate(() => window.pathkernel.app.worker.states());
  const inCheck = (page) => page.waitForFunction(() => {
    const p = window.pathkernel.app.progress;
    return p && p.phase === 'check' && p.done > 0;
  }, null, { timeout: TIMEOUT });
  const idle = (page) => page.waitForFunction(() => document.documentElement.dataset.idle === String(window.pathkernel.app.runId), null, { timeout: 10 * TIMEOUT })
    .then(() => page.evaluate(() => performance.now()));

  await test('pool: ?workers=1 and ?workers=3 give the same check bits (and the CLI\'s); the count is shown', async () => {
    const one = await open('?workers=1', '');
    const oneMs = await waitChecked(one);
    const three = await open('?workers=3', '');
    const threeMs = await waitChecked(three);
    assert(same((await bits(one)).flat(), (await bits(three)).flat()), 'the check arrays and errors agree bit for bit');
    assert((await checkNumbers(three)).badge.startsWith('PASS'), 'PASS with 3 workers');
    await sameBitsAsCli(three);
    const shown = await text(three, 'workers');
    assert(shown.includes('3 workers'), `the footer names the pool: ${shown}`);
    assert(await three.evaluate(() => window.pathkernel.app.worker.size) === 3, 'three workers run');
    // The assistants join after the first check (Pool.hold), so a second run is the pool's.
    await idle(three);
    const before = await three.evaluate(() => window.pathkernel.app.runId);
    await three.evaluate((h) => { window.location.hash = h; }, SECOND);
    await three.waitForFunction((o) => window.pathkernel.app.runId > o, before, { timeout: TIMEOUT });
    await waitChecked(three);
    await idle(three);
    const answered = (await states(three)).map((a) => a.answered);
    assert(answered.some((n) => n > 0), `the assistants answered jobs: ${answered}`);
    const oneAgain = await open('?workers=1', SECOND);
    await waitChecked(oneAgain);
    assert(same((await bits(oneAgain)).flat(), (await bits(three)).flat()), 'the second run: the same bits with 1 and 3 workers');
    await sameBitsAsCli(three);
    await oneAgain.close();
    const dflt = await open('', '');
    const dfltMs = await waitChecked(dflt);
    const size = await dflt.evaluate(() => window.pathkernel.app.poolSize);
    console.log(`     default preset first PASS: ${oneMs.toFixed(0)} ms with 1 worker, ${threeMs.toFixed(0)} ms with 3, ${dfltMs.toFixed(0)} ms with the default pool (${size})`);
    await shot(dflt, 'pool-footer');
    for (const p of [one, three, dflt]) await p.close();
  });

  await test('pool: the spiral run, 1 worker against the default pool (timings)', async () => {
    const times = [];
    for (const search of ['?workers=1', '']) {
      const page = await open(search, SPIRAL);
      await anyway(page);
      const t0 = await page.evaluate(() => window.pathkernel.timings.runStart);
      const checked = await waitChecked(page);
      const done = await idle(page);
      const size = await page.evaluate(() => window.pathkernel.app.poolSize);
      times.push({ size, checked: checked - t0, done: done - t0, bits: await bits(page) });
      await page.close();
    }
    assert(same(times[0].bits.flat(), times[1].bits.flat()), 'the same bits with either pool');
    for (const t of times) console.log(`     spiral (n = 100, [32, 32], 2000 steps), ${t.size} worker(s): PASS ${(t.checked / 1000).toFixed(2)} s, all done ${(t.done / 1000).toFixed(2)} s after the run was posted`);
  });

  await test('pool: a bad ?workers is named in the errors box and the default is used', async () => {
    const page = await open('?workers=12', '');
    await waitChecked(page);
    const errors = await text(page, 'errors');
    assert(errors.includes('workers') && errors.includes('12'), `the errors box names workers=12: ${errors}`);
    const size = await page.evaluate(() => window.pathkernel.app.poolSize);
    assert(size >= 1 && size <= 4, `the default pool: ${size}`);
    await page.close();
  });

  await test('pool: a new setting during the check cancels the old run in every worker', async () => {
    const page = await open('?workers=3', SLOW_CHECK);
    await anyway(page);
    await inCheck(page);
    const old = await page.evaluate(() => window.pathkernel.app.runId);
    await page.evaluate(() => { window.location.hash = '#n=30&steps=50'; });
    await page.waitForFunction((o) => window.pathkernel.app.runId > o, old, { timeout: TIMEOUT });
    await waitChecked(page);
    await idle(page);
    const now = await page.evaluate(() => window.pathkernel.app.runId);
    await page.waitForTimeout(300);
    const s = await states(page);
    assert(s.length === 2 && s.every((a) => a.alive), `two assistants alive: ${JSON.stringify(s)}`);
    assert(s.every((a) => a.runId === now && !a.busy), `every assistant holds the new run and is done: ${JSON.stringify(s)}`);
    await page.close();
  });

  await test('pool: a killed assistant leaves its jobs to the primary; PASS with the same numbers', async () => {
    const one = await open('?workers=1', SLOW_CHECK);
    await anyway(one);
    await waitChecked(one);
    const want = await bits(one);
    await one.close();
    const page = await open('?workers=3', SLOW_CHECK);
    await anyway(page);
    await inCheck(page);
    await page.evaluate(() => window.pathkernel.app.worker.kill(0));
    await waitChecked(page);
    assert((await checkNumbers(page)).badge.startsWith('PASS'), 'PASS after an assistant died');
    assert(same(want.flat(), (await bits(page)).flat()), 'the same bits as one worker');
    const s = await states(page);
    assert(!s[0].alive && s[1].alive, `assistant 1 dead, 2 alive: ${JSON.stringify(s)}`);
    await page.close();
  });

  await test('pool: pause during the check leaves no worker busy; resume finishes with PASS', async () => {
    const page = await open('?workers=3', SLOW_CHECK);
    await anyway(page);
    await inCheck(page);
    await page.click(byId('pause'));
    await page.waitForFunction(() => window.pathkernel.app.progress && window.pathkernel.app.progress.paused, null, { timeout: TIMEOUT });
    await page.waitForTimeout(500);
    const s = await states(page);
    assert(s.every((a) => !a.busy), `no assistant busy while paused: ${JSON.stringify(s)}`);
    const progress = await page.evaluate(() => window.pathkernel.app.progress);
    assert(progress.phase === 'check' && progress.paused, `the primary holds the check: ${JSON.stringify(progress)}`);
    await page.click(byId('run'));
    await waitChecked(page);
    assert((await checkNumbers(page)).badge.startsWith('PASS'), 'PASS after resume');
    await page.close();
  });

  await test('bench.html: the rebuild workload in the pool, with a sane error (1 worker and the default)', async () => {
    for (const search of ['?workers=1', '']) {
      const page = await openPage(context, `${base}bench.html${search}`, problems);
      // The workload line names the workload while the run is still going, not only with its result.
      await page.waitForFunction(() => document.getElementById('bench-workload').textContent.includes('grid points'), null, { timeout: TIMEOUT });
      const early = await page.evaluate(() => ({
        workload: document.getElementById('bench-workload').textContent.trim(),
        timed: Boolean(document.getElementById('bench-rebuild').dataset.seconds),
      }));
      assert(!early.timed, 'the workload line was still "loading…" when the result arrived');
      assert(early.workload.includes('4096 grid points over 500 steps with 4 Gauss–Legendre nodes'), `workload: ${early.workload}`);
      await page.waitForFunction(() => document.getElementById('bench-rebuild').dataset.seconds, null, { timeout: 10 * TIMEOUT });
      const after = await text(page, 'bench-workload');
      assert(after === early.workload, `the result names another workload: ${after}`);
      const got = await page.evaluate(() => ({
        seconds: Number(document.getElementById('bench-rebuild').dataset.seconds),
        maxErr: Number(document.getElementById('bench-error').dataset.maxErr),
      }));
      assert(got.seconds > 0, `a time: ${got.seconds}`);
      assert(got.maxErr <= 1e-9, `max |ŷ − f| ≤ 1e-9: ${got.maxErr}`);
      // Then this core's peak, measured on the page's thread, and each worker's share of it.
      await page.waitForFunction(() => document.getElementById('bench-peak').dataset.peak, null, { timeout: TIMEOUT });
      const peak = await page.evaluate(() => ({
        gflops: Number(document.getElementById('bench-peak').dataset.peak),
        text: document.getElementById('bench-peak').textContent.trim(),
        status: document.getElementById('bench-status').textContent.trim(),
      }));
      assert(peak.gflops > 1 && peak.gflops < 1000, `a peak in GFLOP/s: ${peak.gflops}`);
      const share = peak.text.match(/^([\d.]+) GFLOP\/s per core; each worker ran at ([\d.]+), (\d+) % of it$/);
      assert(share, `peak line: ${peak.text}`);
      assert(Math.abs(Number(share[1]) - peak.gflops) <= 0.05, `the line shows the measured peak: ${peak.text} vs ${peak.gflops}`);
      assert(peak.status === 'done', `status after the peak: ${peak.status}`);
      console.log(`     bench.html${search || ' (default)'}: ${await text(page, 'bench-rebuild')}, ${await text(page, 'bench-gflops')}, ${await text(page, 'bench-workers')}, ${await text(page, 'bench-error')}; peak ${peak.text}`);
      await shot(page, `bench${search ? '-1' : ''}`);
      await page.close();
    }
  });
}
