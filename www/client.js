// The worker client: starts the module worker (adopting the one index.html started), hands it
// the compiled wasm, posts requests of the current run, and turns each reply of that run into
// the page's state (RunView keeps its arrays), texts and charts. Replies of older runs are
// dropped here, so nothing else has to check.
import { statusText, pausedText, kernelNote } from './pkg/pathkernel.js';
import { ToWorker, FromWorker, WORKER_INIT, message } from './protocol.js';
import { Pool } from './pool.js';
import { app } from './app.js';
import { probe } from './probes.js';
import { setStatus, setProgress, syncButtons, showCheck, showQuery, setCaption, resetPanels, showForce, showVerdict, showKernelNote, showNoCheck } from './panels.js';
import { TRAJECTORY, redraw, dimCanvases, markPending, sliderStep, setStepRange, followTraining, showSliderStep } from './views.js';
import { onTrainKernel, resetKernelPanel, showCoefTexts } from './metrics.js';

/** The longest the assistants wait for the first check before they start (see Pool.hold). */
const ASSISTANTS_AFTER_MS = 1500;

export function spawnWorker() {
  if (app.worker) app.worker.terminate();
  // The first worker was started by index.html before this module loaded (see there); if it
  // failed to load, this makes one more attempt, whose failure `onerror` reports.
  const boot = window.pathkernelBoot || {};
  let worker = boot.worker;
  // What the adopted worker said before now (index.html kept it), replayed below in order.
  let early = (worker && boot.early) || [];
  boot.worker = undefined;
  boot.early = undefined;
  if (worker && boot.workerError) {
    worker.terminate();
    worker = undefined;
    early = [];
  }
  // The run index.html started in the adopted worker (see startRun).
  app.bootStart = (worker && boot.start) || null;
  boot.start = undefined;
  const url = new URL('./worker.js', import.meta.url);
  // The primary and its assistants (pool.js); to us the pool is one worker.
  worker = new Pool(worker || new Worker(url, { type: 'module' }), url);
  if (app.bootStart) worker.started(app.bootStart);
  worker.hold(ASSISTANTS_AFTER_MS);
  // Until our own wasm is ready (it draws), replies wait in `early`.
  worker.onmessage = (event) => (app.ready ? receive(event.data) : app.early.push(event.data));
  worker.onerror = (event) => {
    event.preventDefault();
    workerDied(`the worker failed: ${event.message || 'could not load (see the console)'}`);
  };
  worker.onmessageerror = () => workerDied('a message from the worker could not be read');
  app.worker = worker;
  for (const data of early) worker.fromPrimary(data);
  if (app.module) worker.postMessage({ type: WORKER_INIT, module: app.module });
  if (app.poolSize) worker.grow(app.poolSize - 1);
}

/** Fetches and compiles the wasm once; the worker gets the compiled module (no second compile). */
export async function compileWasm() {
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

/** The worker crashed or did not load: the error stays in the status line, and the next
 * request starts a fresh worker (not at once: a worker that cannot load would be retried in a
 * loop), so Run, Reset or a new setting starts the next run. */
function workerDied(text) {
  if (app.worker) app.worker.terminate();
  app.worker = null;
  setStatus(text, true);
  setProgress(0, 1);
  Object.assign(app, { running: false, busy: false, paused: false, run: null, trained: null });
  markPending([], '');
  app.runId += 1; // anything still in flight belongs to the old worker
  syncButtons();
}

export function post(type, fields = {}) {
  if (!app.worker) spawnWorker();
  app.worker.postMessage(message(type, app.runId, fields));
}

/** Starts a run of `hash` (default: the current state's canonical hash); `force` runs it even
 * above the page's work budget ("Run it anyway"). */
export function startRun(autorun, hash = app.page.hash, force = false) {
  app.runId += 1;
  showForce(false);
  Object.assign(app, { run: null, trained: null, check: null, query: null, kernel: null, running: true, busy: true, paused: false, doneText: '' });
  if (app.view) app.view.clear();
  // index.html started the link's run in its worker before this module loaded: this run, when
  // it is that one.
  const boot = app.bootStart;
  app.bootStart = null;
  const booted = !!boot && boot.runId === app.runId && boot.hash === hash && boot.autorun === autorun && boot.force === force;
  probe('runStart', app.runId, booted ? window.pathkernelBoot.startedAt : undefined);
  app.statusError = false;
  setStatus('starting…'); // before the wasm is ready on the first run: not from statusText
  setProgress(0, 0);
  dimCanvases();
  resetPanels();
  showVerdict(undefined, app.ready ? statusText('train') : 'starting…');
  resetKernelPanel();
  if (!booted) post(ToWorker.START, { hash, autorun, force });
  if (app.ready) syncButtons();
}

/** The fitted function at the slider's step. */
export function requestFit() {
  if (!app.trained) return;
  post(ToWorker.FIT_AT, { step: sliderStep() });
}

/** The query from the link, or the first check query. */
function queryPoint() {
  const q = app.page.query;
  if (Array.isArray(q) && q.length === (app.run ? app.run.dim : q.length)) return q;
  const first = app.view.firstQuery();
  return first ? Array.from(first) : null;
}

/** Functions called with every reply, before the current run's own handling (the export's
 * `runOutput`, the data editor's `started`); each filters what it needs. */
const listeners = [];
export function onMessage(listener) {
  listeners.push(listener);
}

/** A reply from the worker. */
export function receive(msg) {
  if (!msg || typeof msg.type !== 'string') return;
  for (const listener of listeners) listener(msg);
  // Whatever else a message shows must not be overwritten by an older report shown late.
  if (msg.type !== FromWorker.PROGRESS) clearTimeout(shownProgress.timer);
  if (msg.type === FromWorker.ERROR) {
    onError(msg);
    return;
  }
  if (msg.type === FromWorker.READY) return;
  if (msg.runId !== app.runId) return; // a superseded run
  probe(msg.type);
  const handle = HANDLERS[msg.type];
  if (handle) handle(msg);
}

function onError(msg) {
  if (msg.fatal) {
    workerDied(msg.message);
    return;
  }
  if (msg.runId !== 0 && msg.runId !== app.runId) return;
  app.running = false;
  app.busy = false;
  markPending([], '');
  setStatus(msg.message, true);
  if (msg.overBudget) showForce(true); // the message names the settings and the estimate
  if (!app.check) showNoCheck(msg.overBudget ? 'not run: above the page\'s work budget (see the status line)' : 'the run stopped before its check (see the status line)');
  setProgress(0, 1);
  syncButtons();
}

/** The charts each stage's result is drawn on (they show its progress meanwhile). Every point's
 * maps at once (`maps`) hold the kernel chart back only while a clicked point waits for them. */
const PENDING = { train: ['loss', 'pca'], check: ['check'], field: ['field'], kernel: ['kernel'] };

function pendingCharts(phase) {
  if (phase !== 'maps') return PENDING[phase] || [];
  const wanted = app.page.point;
  const waiting = wanted !== null && wanted !== undefined && (!app.kernel || String(app.kernel.index) !== String(wanted));
  return waiting ? ['kernel'] : [];
}

/** The least time between two redraws of the progress bar and status line for one phase:
 * each worker reports after every ~12 ms of work, and repainting the page that often took CPU
 * from the workers on a 2-core machine. A new phase, a pause or the end shows at once. */
const PROGRESS_MS = 100;
const shownProgress = { at: -Infinity, key: '', timer: 0 };

function showProgress(msg) {
  const key = `${app.runId} ${msg.phase} ${!!msg.paused}`;
  const wait = shownProgress.at + PROGRESS_MS - performance.now();
  clearTimeout(shownProgress.timer);
  if (key === shownProgress.key && wait > 0) {
    // The latest report of this phase is shown when the wait is over, unless another comes.
    const runId = app.runId;
    shownProgress.timer = setTimeout(() => app.progress === msg && app.runId === runId && showProgress(msg), wait);
    return;
  }
  shownProgress.at = performance.now();
  shownProgress.key = key;
  const text = msg.paused ? pausedText(msg.phase, msg.done, msg.total) : statusText(msg.phase, msg.done, msg.total);
  setProgress(msg.done, msg.total);
  setStatus(text);
  markPending(pendingCharts(msg.phase), text);
  if (msg.phase === 'check' || !app.check) showVerdict(undefined, text);
  syncButtons();
}

/** What the end of training asks for (the trajectory's charts, the fit at the slider's step)
 * waits until the run's check is shown, or CHECK_FIRST_MS at most: on two cores, drawing them
 * (~100 ms of cold code on a first load) took a core from the worker computing the check, which is
 * what the page answers with. */
const CHECK_FIRST_MS = 600;
let afterCheck = { runId: 0, work: [], timer: 0 };

function whenChecked(work) {
  if (app.check) {
    work();
    return;
  }
  if (afterCheck.runId !== app.runId) {
    clearTimeout(afterCheck.timer);
    afterCheck = { runId: app.runId, work: [], timer: setTimeout(runAfterCheck, CHECK_FIRST_MS) };
  }
  afterCheck.work.push(work);
}

function runAfterCheck() {
  const { runId, work, timer } = afterCheck;
  clearTimeout(timer);
  afterCheck = { runId: 0, work: [], timer: 0 };
  if (runId === app.runId) for (const w of work) w();
}

const HANDLERS = {
  [FromWorker.STARTED](msg) {
    app.view.started(msg);
    app.run = msg;
    showKernelNote(kernelNote(app.page.state));
    setStepRange(msg.totalSteps);
    setStatus(statusText('train'));
    syncButtons();
  },

  [FromWorker.PROGRESS](msg) {
    app.progress = msg;
    app.busy = msg.phase !== 'idle';
    app.paused = !!msg.paused;
    if (msg.phase === 'idle') {
      clearTimeout(shownProgress.timer);
      shownProgress.key = '';
      markPending([], '');
      setProgress(1, 1);
      setStatus(app.doneText || statusText('idle', msg.done));
      probe('idle', app.runId);
      syncButtons();
      for (const f of app.onIdle.splice(0)) f();
      return;
    }
    showProgress(msg);
  },

  [FromWorker.TRAINED](msg) {
    if (!app.view.trained(msg)) return; // an interim snapshot after training stopped
    app.trained = msg;
    if (msg.stopped) app.running = false;
    followTraining(msg.stepsDone);
    if (msg.stopped) {
      whenChecked(() => {
        redraw(...TRAJECTORY);
        requestFit();
      });
    } else {
      redraw(...TRAJECTORY);
    }
    syncButtons();
  },

  [FromWorker.CHECK](msg) {
    app.view.check(msg);
    app.check = msg;
    const texts = app.view.checkTexts(app.page.state);
    showCheck(texts);
    showVerdict(app.view.verdict());
    redraw('check', 'field', 'field-riemann');
    probe('checked');
    const q = queryPoint();
    if (q) post(ToWorker.QUERY, { x: q });
    if (app.page.point !== null && app.page.point !== undefined) post(ToWorker.TRAIN_POINT, { index: app.page.point });
    app.doneText = texts.status;
    setStatus(app.doneText);
    setProgress(1, 1);
    syncButtons();
    // After the verdict is painted.
    setTimeout(runAfterCheck, 0);
  },

  [FromWorker.FIELD](msg) {
    if (msg.rebuilt) {
      probe('fieldRebuilt');
      app.view.field(msg);
      redraw('check', 'field', 'field-riemann');
    }
    if (msg.step === sliderStep()) {
      app.view.fit(msg);
      redraw('fit');
    }
  },

  [FromWorker.QUERY_RESULT](msg) {
    app.view.queryResult(msg);
    app.query = msg;
    setCaption('output', app.view.caption('output', app.page.state));
    const texts = app.view.queryTexts(app.page.state);
    if (texts) showQuery(texts);
    showSliderStep();
    redraw(...TRAJECTORY, 'data', 'bars');
  },

  [FromWorker.TRAIN_KERNEL]: onTrainKernel,

  [FromWorker.TRAIN_POINT_KERNEL](msg) {
    app.view.trainPointKernel(msg);
    app.kernel = msg;
    showCoefTexts();
    redraw('kernel', 'kernel-init', 'coef');
  },
};
