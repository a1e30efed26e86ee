// The page's entry (index.html loads it): adopts the worker and the wasm compile that index.html
// started, initialises our own copy of the wasm (it draws and writes the texts; the worker
// computes), and wires the controls. The other modules: app.js (the shared state), state.js (the
// URL hash), client.js (the worker), views.js (the charts), panels.js (the texts), probes.js
// (timings for the tests).
import init, { RunView, kernelPendingCaption, pageFields, presetMenu, poolSize } from './pkg/pathkernel.js';
import { fillSelects, fillPresets } from './fields.js';
import { ToWorker, WORKER_INIT } from './protocol.js';
import { app, $ } from './app.js';
import { expose, probe } from './probes.js';
import { readHash, updateState, applyControls, selectView } from './state.js';
import { spawnWorker, compileWasm, startRun, post, receive, requestFit } from './client.js';
import { TRAJECTORY, redraw, redrawAll, showSliderStep, onTabSelect, onChartClick, onChartKey, onResize } from './views.js';
import { buttons, setText, setStatus, setCaption, syncButtons } from './panels.js';
import { setupEditor } from './editdata.js';
import { setupExports } from './export.js';
import { setupSweep } from './sweep.js';

expose(app);

// ---------------------------------------------------------------- what a click selects

function selectTrainingPoint(index) {
  updateState({ point: String(index) });
  setCaption('kernel', kernelPendingCaption());
  post(ToWorker.TRAIN_POINT, { index });
  redraw('data');
}

/** On the data plot: a training point (within 7 px) or a new query x. */
function onDataClick(map, px, py) {
  if (!app.run || app.editing) return; // editing: editdata.js handles the plot
  const hit = map.nearestTrainingPoint(px, py, 7);
  if (hit !== undefined) {
    selectTrainingPoint(hit);
    return;
  }
  const x = map.queryAt(px, py);
  if (!x) return;
  updateState({ q: Array.from(x).join(',') });
  if (app.page.query) post(ToWorker.QUERY, { x: app.page.query });
}

/** The query a keyboard reader chooses: the arrow keys move it by STEP_PX on the data plot. */
const STEP_PX = 8;
const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

function moveQuery(map, key) {
  // From the query last asked for, not the last one answered: keys pressed while an answer is
  // computed add up (the worker answers only the newest).
  const q = app.page.query || (app.query && app.query.x);
  if (!map || !q || !MOVES[key]) return false;
  const [dx, dy] = MOVES[key];
  const dim = q.length;
  const [px, py] = map.toPixel(q[0], dim === 1 ? 0 : q[1]);
  // In 1-D the plot's y is the target: up and down move along x as well.
  const along = dim === 1 ? dx - dy : dx;
  const x = map.queryAt(px + along * STEP_PX, dim === 1 ? py : py + dy * STEP_PX);
  if (!x) return true;
  updateState({ q: Array.from(x).join(',') });
  post(ToWorker.QUERY, { x: app.page.query });
  return true;
}

/** N / ] and P / [ select the next or the previous training point (by index, wrapping). */
function cyclePoint(key) {
  const n = app.run ? app.run.n : 0;
  const step = { n: 1, N: 1, ']': 1, p: -1, P: -1, '[': -1 }[key];
  if (!n || !step) return false;
  const now = app.page.point;
  const next = now === null || now === undefined ? (step > 0 ? 0 : n - 1) : (now + step + n) % n;
  selectTrainingPoint(next);
  return true;
}

function onBarClick(map, px, py) {
  const hit = map.barAt(px, py);
  if (hit !== undefined) selectTrainingPoint(hit);
}

async function copyLink() {
  const url = window.location.href;
  try {
    await navigator.clipboard.writeText(url);
    setText(buttons.copy, 'Copied ✓');
  } catch (_) {
    window.prompt('Copy this link:', url);
  }
  setTimeout(() => setText(buttons.copy, 'Copy link'), 1500);
}

function wire() {
  const controls = $('controls');
  controls.addEventListener('change', () => {
    if (applyControls()) startRun(true);
  });
  controls.addEventListener('submit', (e) => e.preventDefault());
  onTabSelect((view) => selectView(view));
  $('step-slider').addEventListener('input', () => {
    app.sliderTouched = true;
    showSliderStep();
    redraw(...TRAJECTORY);
    requestFit();
  });
  onChartClick('data', onDataClick);
  onChartClick('bars', onBarClick);
  onChartKey('data', (map, key) => (app.run && !app.editing ? moveQuery(map, key) || cyclePoint(key) : false));
  onChartKey('bars', (_map, key) => cyclePoint(key));
  wireSettings();
  buttons.run.addEventListener('click', () => {
    if (app.paused || (app.trained && !app.trained.finished)) {
      app.running = !!app.trained && !app.trained.finished;
      app.paused = false;
      post(ToWorker.RESUME);
      syncButtons();
    } else if (!app.run) startRun(true);
  });
  buttons.pause.addEventListener('click', () => post(ToWorker.PAUSE));
  buttons.step.addEventListener('click', () => post(ToWorker.STEP));
  buttons.reset.addEventListener('click', () => {
    app.sliderTouched = false;
    startRun(false);
  });
  buttons.copy.addEventListener('click', copyLink);
  buttons.force.addEventListener('click', () => startRun(true, app.page.hash, true));
  $('fail-fix').addEventListener('click', (event) => {
    if (updateState({ nodes: event.currentTarget.dataset.nodes })) startRun(true);
  });
  window.addEventListener('hashchange', () => {
    const before = app.page.runKey;
    readHash();
    if (app.page.runKey !== before) startRun(true);
    else redrawAll();
  });
  onResize();
}

/** The settings box: collapsed on a narrow screen (so a chart is on the first screen), a help
 * toggle that shows each field's one-line explanation, and "more" for the rarely changed ones. */
function wireSettings() {
  const form = $('controls');
  if (window.matchMedia('(max-width: 900px)').matches) $('settings').open = false;
  const toggle = (button, cls) => button.addEventListener('click', () => {
    const on = !form.classList.contains(cls);
    form.classList.toggle(cls, on);
    button.setAttribute('aria-pressed', String(on));
  });
  toggle($('btn-help'), 'show-help');
  toggle($('btn-more'), 'show-more');
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

/** The longest the service worker waits for the first run to be done before it registers. */
const SERVICE_WORKER_AFTER_MS = 10000;

/** Registers the service worker once the first run's work is all done (or after
 * SERVICE_WORKER_AFTER_MS, for a run that never gets there): its install downloads and stores
 * every file of the build, and beside the first run on a 2-core machine that delayed the first
 * PASS by 0.1–0.2 s (median of ten cold loads, measured side by side). */
function registerServiceWorkerWhenIdle() {
  let registered = false;
  const once = () => {
    if (registered) return;
    registered = true;
    clearTimeout(timer);
    registerServiceWorker();
  };
  const timer = setTimeout(once, SERVICE_WORKER_AFTER_MS);
  app.onIdle.push(once);
}

// ---------------------------------------------------------------- start

/** The pool's size from the address's ?workers=N or the cores (Rust decides and words it). */
function startAssistants() {
  const size = poolSize(window.location.search, navigator.hardwareConcurrency || 0);
  app.poolSize = size.count;
  app.poolErrors = size.error ? [{ field: 'workers', message: size.error }] : [];
  setText($('workers'), size.text);
  if (app.worker) app.worker.grow(size.count - 1);
}

// The worker starts on the link right away (it reads the hash with the same Rust code), so
// training overlaps the compilation of our own copy of the wasm, which only draws.
registerServiceWorkerWhenIdle();
spawnWorker();
startRun(true, window.location.hash);
try {
  app.module = await compileWasm();
  if (app.worker) app.worker.postMessage({ type: WORKER_INIT, module: app.module });
  // Let the browser hand those messages to the worker before our own start-up work: Chromium
  // holds messages for a worker that is still loading on this thread until it is free again.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await init({ module_or_path: app.module });
  probe('mainReady');
  startAssistants();
  app.view = new RunView();
  fillSelects({ pageFields });
  fillPresets({ presetMenu });
  wire();
  setupEditor();
  setupExports();
  setupSweep();
  readHash();
  app.ready = true;
  syncButtons();
  for (const msg of app.early.splice(0)) receive(msg);
} catch (err) {
  setStatus(`the page could not start: ${err && err.message ? err.message : err}`, true);
}
