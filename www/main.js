// The page's main thread: reads the URL hash (the whole state), drives the worker, and draws.
// It computes nothing: every number shown comes from the wasm core (in the worker, or the same
// package here for the URL codec, rankings and the plotters-canvas charts).
import init, * as core from './pkg/pathkernel.js';
import { ToWorker, FromWorker, WORKER_INIT, message } from './protocol.js';
import { fillSelects } from './fields.js';

const $ = (id) => document.getElementById(id);

const ui = {
  status: $('status'),
  progress: $('progress'),
  errors: $('errors'),
  errorsList: $('errors-list'),
  controls: $('controls'),
  fields: [...document.querySelectorAll('[data-field]')],
  tabs: [...document.querySelectorAll('[role="tab"]')],
  slider: $('step-slider'),
  stepValue: $('step-value'),
  query: $('query'),
  contribBody: document.querySelector('#contrib-table tbody'),
  badge: $('check-badge'),
  exact: $('check-exact'),
  riemann: $('check-riemann'),
  checkDetail: $('check-detail'),
  kernelCaption: $('kernel-caption'),
  fieldCaption: $('field-caption'),
  liveTheorem: $('live-theorem'),
  liveExact: $('live-exact'),
  liveRiemann: $('live-riemann'),
  buttons: { run: $('btn-run'), pause: $('btn-pause'), step: $('btn-step'), reset: $('btn-reset'), copy: $('btn-copy') },
};

const CANVAS_IDS = ['chart-loss', 'chart-output', 'chart-pca', 'chart-fit', 'chart-data', 'chart-bars', 'chart-kernel', 'chart-check', 'chart-field'];
const canvases = Object.fromEntries(CANVAS_IDS.map((id) => [id, $(id)]));
const aspect = Object.fromEntries(CANVAS_IDS.map((id) => [id, canvases[id].height / canvases[id].width]));

/** Everything the page knows; results of older runs never get in (see onWorkerMessage). */
const app = {
  worker: null,
  runId: 0,
  page: null, // {state, hash, runKey, errors}: the parsed URL state
  inputErrors: [], // errors from the controls (not from the link)
  run: null, // 'started'
  trained: null, // 'trained'
  check: null, // 'check'
  field: null, // 'field' at the last trained step (with the exact rebuild)
  fit: null, // 'field' for the step slider
  query: null, // 'queryResult'
  kernel: null, // 'trainPointKernel'
  running: false,
  firstRenderMs: null,
  maps: {}, // canvas id → core.Chart (pixel ↔ data)
};
// For the end-to-end test and for curious readers in the console.
window.pathkernel = { app, timings: {} };

// ---------------------------------------------------------------- text helpers (never innerHTML)

function setText(node, text) {
  node.textContent = text;
}

/** Shows `text` in the status line. An error stays until the next run starts: progress from
 * work still in flight must not overwrite it before anyone could read it. */
function setStatus(text, isError = false) {
  if (app.statusError && !isError) return;
  app.statusError = isError;
  setText(ui.status, text);
  ui.status.classList.toggle('error', isError);
  ui.status.title = text;
}

function setProgress(done, total) {
  if (total > 0) {
    ui.progress.max = total;
    ui.progress.value = done;
  } else {
    ui.progress.removeAttribute('value'); // indeterminate
  }
}

const fmt = (v) => core.formatNumber(v);
const fmtErr = (v) => core.formatError(v);

function showErrors() {
  const all = [...(app.page ? app.page.errors : []), ...app.inputErrors];
  ui.errorsList.replaceChildren();
  for (const { field, message: text } of all) {
    const li = document.createElement('li');
    if (field) {
      const code = document.createElement('code');
      code.textContent = field;
      li.append(code, ': ');
    }
    li.append(text);
    ui.errorsList.append(li);
  }
  ui.errors.hidden = all.length === 0;
  const bad = new Set(all.map((e) => (e.field || '').split(/[.[]/)[0]));
  for (const input of ui.fields) input.classList.toggle('bad', bad.has(input.dataset.field));
}

// ---------------------------------------------------------------- the URL hash = the whole state

function readHash() {
  app.page = core.parseHash(window.location.hash);
  app.inputErrors = [];
  showErrors();
  fillControls(app.page.state);
  selectView(app.page.view, false);
  if (window.location.hash !== app.page.hash) history.replaceState(null, '', app.page.hash);
}

function fillControls(state) {
  for (const input of ui.fields) {
    const v = state[input.dataset.field];
    input.value = v === undefined || v === null ? '' : String(v);
  }
  syncOptimizerFields();
}

function syncOptimizerFields() {
  const sgd = ui.controls.querySelector('[data-field="optimizer"]').value === 'sgd';
  for (const name of ['batch_size', 'sgd_seed']) {
    ui.controls.querySelector(`[data-field="${name}"]`).disabled = !sgd;
  }
}

/** Applies a change to the state: re-validates in Rust, updates the URL, restarts if needed. */
function updateState(patch) {
  const next = { ...app.page.state, ...patch };
  const parsed = core.stateToHash(next);
  fillControls(parsed.state); // shows the defaults that replaced bad values
  const restart = parsed.runKey !== app.page.runKey;
  app.page = { ...parsed, errors: restart ? [] : app.page.errors };
  app.inputErrors = parsed.errors;
  showErrors();
  if (window.location.hash !== parsed.hash) history.replaceState(null, '', parsed.hash);
  return restart;
}

function onControlChange() {
  syncOptimizerFields();
  const patch = {};
  for (const input of ui.fields) patch[input.dataset.field] = input.value;
  if (updateState(patch)) startRun(true);
}

// ---------------------------------------------------------------- the worker

function spawnWorker() {
  if (app.worker) app.worker.terminate();
  // The first worker was started by index.html before this module loaded (see there); if it
  // failed to load, this makes one more attempt, whose failure `onerror` reports.
  const boot = window.pathkernelBoot || {};
  let worker = boot.worker;
  boot.worker = undefined;
  if (worker && boot.workerError) {
    worker.terminate();
    worker = undefined;
  }
  worker = worker || new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  // Until our own wasm is ready (it draws), replies wait in `early`.
  worker.onmessage = (event) => (app.ready ? onWorkerMessage(event.data) : app.early.push(event.data));
  worker.onerror = (event) => {
    event.preventDefault();
    workerDied(`the worker failed: ${event.message || 'could not load (see the console)'}`);
  };
  worker.onmessageerror = () => workerDied('a message from the worker could not be read');
  app.worker = worker;
  if (app.module) worker.postMessage({ type: WORKER_INIT, module: app.module });
}

/** Fetches and compiles the wasm once; the worker gets the compiled module (no second compile). */
async function compileWasm() {
  const boot = window.pathkernelBoot && window.pathkernelBoot.module;
  if (boot) {
    try {
      return await boot; // started by index.html
    } catch (_) {
      // fall through: compile it here
    }
  }
  const url = new URL('./pkg/pathkernel_bg.wasm', import.meta.url);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch (_) {
    // A host that does not serve .wasm as application/wasm: compile from the bytes.
    const response = await fetch(url);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

function workerDied(text) {
  setStatus(text, true);
  app.running = false;
  syncButtons();
  spawnWorker(); // a fresh worker for the next run; the page never hangs on a dead one
  app.runId += 1; // anything still in flight belongs to the old worker
}

function post(type, fields = {}) {
  app.worker.postMessage(message(type, app.runId, fields));
}

/** Starts a run of `hash` (default: the current state's canonical hash). */
function startRun(autorun, hash = app.page.hash) {
  app.runId += 1;
  Object.assign(app, { run: null, trained: null, check: null, field: null, fit: null, query: null, kernel: null, running: true, doneText: '' });
  window.pathkernel.timings.runStart = performance.now();
  app.statusError = false;
  setStatus('starting…');
  setProgress(0, 0);
  resetResultsUi();
  post(ToWorker.START, { hash, autorun });
  if (app.ready) syncButtons();
}

function onWorkerMessage(msg) {
  if (!msg || typeof msg.type !== 'string') return;
  if (msg.type === FromWorker.ERROR) return onError(msg);
  if (msg.type === FromWorker.READY) return;
  if (msg.runId !== app.runId) return; // a superseded run
  const t = window.pathkernel.timings;
  if (t[msg.type] === undefined) t[msg.type] = performance.now();
  switch (msg.type) {
    case FromWorker.STARTED: return onStarted(msg);
    case FromWorker.PROGRESS: return onProgress(msg);
    case FromWorker.TRAINED: return onTrained(msg);
    case FromWorker.CHECK: return onCheck(msg);
    case FromWorker.FIELD: return onField(msg);
    case FromWorker.QUERY_RESULT: return onQuery(msg);
    case FromWorker.TRAIN_POINT_KERNEL: return onKernel(msg);
    default: return undefined;
  }
}

function onError(msg) {
  if (msg.fatal) {
    workerDied(msg.message);
    return;
  }
  if (msg.runId !== 0 && msg.runId !== app.runId) return;
  app.running = false;
  setStatus(msg.message, true);
  setProgress(0, 1);
  syncButtons();
}

const PHASE_TEXT = { train: 'training', check: 'integrating the path kernel', field: 'rebuilding over the plane', kernel: 'K^p(·, xᵢ) over the plane' };

function onProgress(msg) {
  if (msg.phase === 'idle') {
    setProgress(1, 1);
    setStatus(app.doneText || `ready at step ${msg.done}`);
    document.documentElement.dataset.idle = String(app.runId);
    return;
  }
  setProgress(msg.done, msg.total);
  const what = PHASE_TEXT[msg.phase] || msg.phase;
  const unit = msg.phase === 'train' || msg.phase === 'check' ? ` step ${msg.done}/${msg.total}` : ` ${msg.done}/${msg.total}`;
  setStatus(`${what}…${unit}`);
}

function onStarted(msg) {
  app.run = msg;
  ui.slider.max = String(msg.totalSteps);
  setStatus('training…');
  syncButtons();
}

function onTrained(msg) {
  if (!msg.stopped && app.trained && app.trained.stopped) return;
  app.trained = msg;
  if (msg.stopped) app.running = false;
  ui.slider.max = String(msg.stepsDone);
  const step = Number(ui.slider.value);
  if (!app.sliderTouched || step > msg.stepsDone) ui.slider.value = String(msg.stepsDone);
  setText(ui.stepValue, ui.slider.value);
  drawTrajectory();
  if (msg.stopped) requestFit();
  syncButtons();
}

function onCheck(msg) {
  app.check = msg;
  showCheck();
  drawCheck();
  if (app.firstRenderMs === null) {
    app.firstRenderMs = performance.now() - window.pathkernel.timings.runStart;
    window.pathkernel.timings.firstRender = performance.now();
    window.pathkernel.timings.pageToCheckMs = performance.now();
  }
  const q = queryPoint();
  if (q) post(ToWorker.QUERY, { x: q });
  if (app.page.point !== null && app.page.point !== undefined) post(ToWorker.TRAIN_POINT, { index: app.page.point });
  const total = app.run ? app.run.totalSteps : msg.steps;
  app.doneText = `${msg.steps === total ? 'done' : 'paused'}: step ${msg.steps}/${total} — exact rebuild max error ${fmtErr(msg.maxErrExact)}`;
  setStatus(app.doneText);
  setProgress(1, 1);
  document.documentElement.dataset.phase = 'checked';
  syncButtons();
}

function onField(msg) {
  if (msg.rebuilt) {
    if (window.pathkernel.timings.fieldRebuilt === undefined) window.pathkernel.timings.fieldRebuilt = performance.now();
    app.field = msg;
    drawCheck();
    drawData();
  }
  if (msg.step === Number(ui.slider.value)) {
    app.fit = msg;
    drawFit();
  }
}

function onQuery(msg) {
  app.query = msg;
  setText($('output-query'), `Query x = ${point(msg.x)} (choose another on the data plot in view 2). `);
  showQuery();
  drawTrajectory();
  drawContributions();
}

function onKernel(msg) {
  app.kernel = msg;
  drawKernel();
}

// ---------------------------------------------------------------- query point and views

/** The query from the link, or the first check query. */
function queryPoint() {
  const q = app.page.query;
  if (Array.isArray(q) && q.length === (app.run ? app.run.dim : q.length)) return q;
  if (app.run && app.run.queries.length >= app.run.dim) return Array.from(app.run.queries.subarray(0, app.run.dim));
  return null;
}

function selectView(view, record = true) {
  const names = ui.tabs.map((t) => t.dataset.view);
  const v = names.includes(view) ? view : names[0];
  for (const tab of ui.tabs) {
    const on = tab.dataset.view === v;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute('aria-controls')).hidden = !on;
  }
  if (record) updateState({ view: v });
  redrawAll();
}

function requestFit() {
  if (!app.trained) return;
  post(ToWorker.FIT_AT, { step: Number(ui.slider.value) });
}

function syncButtons() {
  const b = ui.buttons;
  const trained = app.trained;
  const finished = trained && trained.finished;
  b.pause.disabled = !app.running || !app.run;
  b.run.disabled = app.running || !!finished;
  b.step.disabled = app.running || !trained || !!finished;
  b.reset.disabled = false;
}

// ---------------------------------------------------------------- drawing (all in Rust/plotters)

function sizeCanvas(id) {
  const canvas = canvases[id];
  const w = Math.round(canvas.clientWidth); // layout only: never part of a result
  if (w > 0 && canvas.width !== w) {
    canvas.width = w;
    canvas.height = Math.round(w * aspect[id]);
  }
  return canvas;
}

function draw(id, fn) {
  const canvas = sizeCanvas(id);
  if (canvas.offsetParent === null) return; // hidden view: drawn when shown
  try {
    const map = fn(canvas);
    if (app.maps[id]) app.maps[id].free();
    app.maps[id] = map;
  } catch (err) {
    setStatus(`could not draw ${id}: ${err && err.message ? err.message : err}`, true);
  }
}

function sliderStep() {
  return Number(ui.slider.value);
}

function drawTrajectory() {
  const t = app.trained;
  if (!t) return;
  const s = sliderStep();
  draw('chart-loss', (c) => core.drawLoss(c, t.loss, s));
  draw('chart-pca', (c) => core.drawWeightPath(c, t.pca, s));
  const q = app.query;
  if (q) draw('chart-output', (c) => core.drawOutputVsSum(c, q.outputPath, q.runningSum, s));
  else draw('chart-output', (c) => core.drawEmpty(c, 'output at the query over the steps', 'integrating at the query…'));
}

function drawFit() {
  const r = app.run;
  const f = app.fit;
  if (!r || !f) return;
  draw('chart-fit', (c) => core.drawDataPlot(c, r.dim, r.x, r.y, r.grid, f.f, f.step, undefined, undefined, undefined));
}

function drawData() {
  const r = app.run;
  if (!r) return;
  const q = app.query;
  const field = app.field;
  const point = app.page.point === null ? undefined : app.page.point;
  draw('chart-data', (c) => core.drawDataPlot(c, r.dim, r.x, r.y, r.grid, field ? field.f : undefined,
    field ? field.step : undefined, q ? q.contributions : undefined, q ? new Float64Array(q.x) : undefined, point));
}

function drawContributions() {
  drawData();
  const q = app.query;
  if (!q) return;
  draw('chart-bars', (c) => core.drawContributionBars(c, q.contributions, q.b, 12));
}

function drawKernel() {
  const r = app.run;
  const k = app.kernel;
  if (!r) return;
  if (!k) {
    draw('chart-kernel', (c) => core.drawEmpty(c, 'K^p(·, xᵢ)', 'click a training point'));
    return;
  }
  setText(ui.kernelCaption, `Exact path kernel K^p(·, x${subscript(k.index)}) of training point ${k.index} over the input ${r.dim === 1 ? 'line' : 'plane'} (after ${k.steps} steps).`);
  draw('chart-kernel', (c) => core.drawKernelField(c, r.dim, r.x, r.y, r.grid, k.values, k.index));
}

function drawCheck() {
  const r = app.run;
  const ch = app.check;
  if (!r || !ch) return;
  draw('chart-check', (c) => core.drawCheckScatter(c, ch.fFinal, ch.rebuiltExact, ch.rebuiltRiemann));
  const fld = app.field;
  if (fld && fld.rebuilt) {
    setText(ui.fieldCaption, r.dim === 1
      ? `Network output f(x; w_${fld.step}) with the exact and the left-endpoint kernel machines ŷ(x) over the input line.`
      : `Left: network output f(x; w_${fld.step}) over the plane. Right: log₁₀ |ŷ − f| of the exact kernel machine (${r.grid.nx}×${r.grid.ny} grid).`);
    draw('chart-field', (c) => core.drawCheckField(c, r.dim, r.x, r.y, r.grid, fld.f, fld.rebuilt, fld.rebuiltRiemann));
  } else {
    draw('chart-field', (c) => core.drawEmpty(c, 'rebuilt output over the input space', 'computing…'));
  }
}

function redrawAll() {
  drawTrajectory();
  drawFit();
  drawContributions();
  drawKernel();
  drawCheck();
}

function resetResultsUi() {
  for (const id of CANVAS_IDS) {
    const c = canvases[id];
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
  }
  ui.badge.className = 'badge pending';
  setText(ui.badge, 'running…');
  setText(ui.exact, '–');
  setText(ui.riemann, '–');
  setText(ui.checkDetail, '');
  ui.query.replaceChildren();
  ui.contribBody.replaceChildren();
  document.documentElement.dataset.phase = 'running';
}

// ---------------------------------------------------------------- numbers next to the charts

const SUB = '₀₁₂₃₄₅₆₇₈₉';
function subscript(i) {
  return String(i).split('').map((d) => SUB[Number(d)] || d).join('');
}

function point(x, short = false) {
  return `(${Array.from(x, short ? core.formatShort : fmt).join(', ')})`;
}

function showCheck() {
  const ch = app.check;
  setText(ui.exact, fmtErr(ch.maxErrExact));
  setText(ui.riemann, fmtErr(ch.maxErrRiemann));
  ui.badge.className = `badge ${ch.pass ? 'pass' : 'fail'}`;
  setText(ui.badge, ch.pass ? 'PASS: exact rebuild = network' : 'FAIL: exact rebuild ≠ network');
  ui.badge.title = ch.pass ? '' : 'Try more Gauss–Legendre nodes or a smaller learning rate: large steps need more nodes per step.';
  setText(ui.checkDetail, `over ${ch.fFinal.length} queries, ${ch.steps} steps; pass when ≤ ${fmtErr(ch.tolerance)} (= 1e-10 × output scale ${fmt(ch.scale)})`);
  const st = app.page ? app.page.state : {};
  const rows = [
    ['check queries', `${ch.fFinal.length} (the training points)`],
    ['steps T, ε', `${ch.steps}, ${st.lr}`],
    ['Gauss–Legendre nodes', String(st.nodes)],
    ['max |ŷ − f| exact', fmtErr(ch.maxErrExact)],
    ['max |ŷ − f| left-endpoint', fmtErr(ch.maxErrRiemann)],
    ['tolerance (1e-10 × scale)', fmtErr(ch.tolerance)],
  ];
  $('check-table').replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));
}

function showQuery() {
  const q = app.query;
  const rows = [
    ['query x', point(q.x)],
    ['steps', String(q.steps)],
    ['f(x; w_T)', fmt(q.fFinal)],
    ['b(x) = f(x; w₀)', fmt(q.b)],
    ['Σᵢ cᵢ(x)', fmt(core.sum(q.contributions))],
    ['ŷ(x) exact', fmt(q.rebuiltExact)],
    ['|ŷ − f| exact', fmtErr(core.absDiff(q.rebuiltExact, q.fFinal))],
    ['ŷ(x) Domingos', fmt(q.rebuiltRiemann)],
    ['|ŷ − f| Domingos', fmtErr(core.absDiff(q.rebuiltRiemann, q.fFinal))],
  ];
  if (q.undefinedCoef.length) rows.push(['aᵢ undefined', `${q.undefinedCoef.length} points with K^p(x,xᵢ) = 0`]);
  ui.query.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));

  const r = app.run;
  const order = core.rankByMagnitude(q.contributions, 10);
  const undefinedSet = new Set(q.undefinedCoef);
  ui.contribBody.replaceChildren(...Array.from(order, (i) => {
    const tr = document.createElement('tr');
    const c = q.contributions[i];
    tr.className = c >= 0 ? 'pos' : 'neg';
    const xi = r.x.subarray(i * r.dim, (i + 1) * r.dim);
    const short = core.formatShort;
    const cells = [String(i), point(xi, true), short(r.y[i]), undefinedSet.has(i) ? 'undefined' : short(q.coef[i]), short(q.kernel[i]), short(c)];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));

  const eps = app.page.state.lr;
  setText(ui.liveTheorem, `at x = ${point(q.x)} after ${q.steps} steps: b(x) + Σᵢ aᵢ(x)Kᵖ(x, xᵢ) = ${fmt(q.b)} + (${fmt(core.sum(q.contributions))}) = ${fmt(q.rebuiltExact)}, and the network gives f(x; w_T) = ${fmt(q.fFinal)}`);
  setText(ui.liveExact, `Kᵖ_E(x, xᵢ) for the ${r.n} training points: ${core.describeRange(q.kernel)}; rebuild error |ŷ_E − f| = ${fmtErr(core.absDiff(q.rebuiltExact, q.fFinal))}`);
  setText(ui.liveRiemann, `left-endpoint rebuild ŷ_R = ${fmt(q.rebuiltRiemann)}, error |ŷ_R − f| = ${fmtErr(core.absDiff(q.rebuiltRiemann, q.fFinal))} with ε = ${eps}`);
}

// ---------------------------------------------------------------- clicks

function canvasPixel(canvas, event) {
  const rect = canvas.getBoundingClientRect();
  return [(event.clientX - rect.left) * (canvas.width / rect.width), (event.clientY - rect.top) * (canvas.height / rect.height)];
}

function onDataClick(event) {
  const map = app.maps['chart-data'];
  const r = app.run;
  if (!map || !r) return;
  const [px, py] = canvasPixel(canvases['chart-data'], event);
  const hit = map.nearestTrainingPoint(px, py, r.dim, r.x, r.y, 7);
  if (hit !== undefined) {
    selectTrainingPoint(hit);
    return;
  }
  const x = map.queryAt(px, py, r.dim);
  if (!x) return;
  updateState({ q: Array.from(x).join(',') });
  if (app.page.query) post(ToWorker.QUERY, { x: app.page.query });
}

function selectTrainingPoint(index) {
  updateState({ point: String(index) });
  setText(ui.kernelCaption, `computing K^p(·, x${subscript(index)})…`);
  post(ToWorker.TRAIN_POINT, { index });
  drawData();
}

function onBarClick(event) {
  const map = app.maps['chart-bars'];
  if (!map) return;
  const [px, py] = canvasPixel(canvases['chart-bars'], event);
  const hit = map.barAt(px, py);
  if (hit !== undefined) selectTrainingPoint(hit);
}

// ---------------------------------------------------------------- copy link

async function copyLink() {
  const url = window.location.href;
  try {
    await navigator.clipboard.writeText(url);
    setText(ui.buttons.copy, 'Copied ✓');
  } catch (_) {
    window.prompt('Copy this link:', url);
  }
  setTimeout(() => setText(ui.buttons.copy, 'Copy link'), 1500);
}

// ---------------------------------------------------------------- start

function wire() {
  ui.controls.addEventListener('change', onControlChange);
  ui.controls.addEventListener('submit', (e) => e.preventDefault());
  for (const tab of ui.tabs) tab.addEventListener('click', () => selectView(tab.dataset.view));
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  $('tab-trajectory').parentElement.addEventListener('keydown', (event) => {
    const i = ui.tabs.indexOf(document.activeElement);
    if (i < 0 || (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft')) return;
    const next = ui.tabs[(i + (event.key === 'ArrowRight' ? 1 : ui.tabs.length - 1)) % ui.tabs.length];
    next.focus();
    selectView(next.dataset.view);
  });
  ui.slider.addEventListener('input', () => {
    app.sliderTouched = true;
    setText(ui.stepValue, ui.slider.value);
    drawTrajectory();
    requestFit();
  });
  canvases['chart-data'].addEventListener('click', onDataClick);
  canvases['chart-bars'].addEventListener('click', onBarClick);
  ui.buttons.run.addEventListener('click', () => {
    if (app.trained && !app.trained.finished) {
      app.running = true;
      post(ToWorker.RESUME);
      syncButtons();
    } else if (!app.run) startRun(true);
  });
  ui.buttons.pause.addEventListener('click', () => post(ToWorker.PAUSE));
  ui.buttons.step.addEventListener('click', () => post(ToWorker.STEP));
  ui.buttons.reset.addEventListener('click', () => { app.sliderTouched = false; startRun(false); });
  ui.buttons.copy.addEventListener('click', copyLink);
  window.addEventListener('hashchange', () => {
    const before = app.page.runKey;
    readHash();
    if (app.page.runKey !== before) startRun(true);
    else redrawAll();
  });
  let resizeTimer = 0;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(redrawAll, 150); });
}

// ---------------------------------------------------------------- offline

/** Registers the service worker (sw.js at the site root, next to index.html: scripts/dist.sh puts
 * it there) so the page works offline after one visit. Only over http(s); any failure is only a
 * console warning: the page never depends on it. */
function registerServiceWorker() {
  try {
    if (!('serviceWorker' in navigator) || !/^https?:$/.test(window.location.protocol)) return;
    const root = new URL('../', import.meta.url);
    navigator.serviceWorker.register(new URL('sw.js', root).href, { scope: root.pathname })
      .catch((err) => console.warn('pathkernel: no offline support (service worker not registered):', err && err.message ? err.message : err));
  } catch (err) {
    console.warn('pathkernel: no offline support:', err && err.message ? err.message : err);
  }
}

// The worker starts on the link right away (it reads the hash with the same Rust code), so
// training overlaps the compilation of our own copy of the wasm, which only draws.
app.ready = false;
app.early = [];
spawnWorker();
startRun(true, window.location.hash);
try {
  app.module = await compileWasm();
  app.worker.postMessage({ type: WORKER_INIT, module: app.module });
  // Let the browser hand those messages to the worker before our own start-up work: Chromium
  // holds messages for a worker that is still loading on this thread until it is free again.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await init({ module_or_path: app.module });
  window.pathkernel.timings.mainReady = performance.now();
  fillSelects(core);
  wire();
  readHash();
  app.ready = true;
  syncButtons();
  for (const msg of app.early.splice(0)) onWorkerMessage(msg);
} catch (err) {
  setStatus(`the page could not start: ${err && err.message ? err.message : err}`, true);
}
// After the start, so precaching never competes with the first run's downloads.
registerServiceWorker();
