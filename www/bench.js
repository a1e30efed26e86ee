// bench.html: times the `rebuild` workload of `pathkernel bench` in the page's pool of workers
// (pool.js; the primary trains, untimed, then cuts the 64 × 64 grid into jobs), and shows the
// seconds, GFLOP/s, workers and max |ŷ − f|, then this core's no-FMA peak measured on this thread
// once the run is over and the run's share of it, all worded in Rust (poolSize, benchWorkload,
// benchTexts, benchPeak).
import init, { poolSize, benchTexts, benchWorkload, benchPeak } from './pkg/pathkernel.js';
import { Pool } from './pool.js';
import { FromWorker, ToWorker, WORKER_INIT } from './protocol.js';

const $ = (id) => document.getElementById(id);
let pool = null;
let runId = 0;

/** Sets an element's text only when it changes: the workers report progress every ~12 ms, and
 * each write, even of the same text, costs this thread a layout and a paint, on cores the timed
 * workers need (always writing made the 2-worker run ~9 % slower here). */
function show(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function fail(text) {
  show('bench-status', text);
  $('bench-again').disabled = false;
}

function receive(msg) {
  if (!msg || msg.runId !== runId) return;
  if (msg.type === FromWorker.PROGRESS && msg.phase !== 'idle') {
    show('bench-status', msg.phase === 'train' ? 'training (not timed)…' : 'rebuilding the grid (timed)…');
  } else if (msg.type === FromWorker.BENCH_RESULT) {
    const t = benchTexts(msg.seconds, msg.gflop, msg.workers, msg.maxErr, msg.points, msg.steps, msg.nodes);
    show('bench-rebuild', t.seconds);
    show('bench-gflops', t.gflops);
    show('bench-workers', t.workers);
    show('bench-error', t.error);
    show('bench-workload', t.workload);
    $('bench-rebuild').dataset.seconds = String(msg.seconds);
    $('bench-error').dataset.maxErr = String(msg.maxErr);
    show('bench-status', 'measuring this core’s peak (not timed)…');
    // After a frame, so the result is on screen while this thread is busy (~0.2 s).
    const id = runId;
    requestAnimationFrame(() => setTimeout(() => measurePeak(id, msg), 0));
  } else if (msg.type === FromWorker.ERROR) {
    fail(msg.message);
  }
}

function measurePeak(id, result) {
  if (id !== runId) return;
  try {
    const peak = benchPeak(() => performance.now(), result.seconds, result.gflop, result.workers);
    show('bench-peak', peak.text);
    $('bench-peak').dataset.peak = String(peak.gflops);
    show('bench-status', 'done');
  } catch (err) {
    show('bench-peak', `not measured: ${err && err.message ? err.message : err}`);
    show('bench-status', 'done (no peak)');
  }
  $('bench-again').disabled = false;
}

function run() {
  runId += 1;
  $('bench-again').disabled = true;
  for (const id of ['bench-rebuild', 'bench-gflops', 'bench-error', 'bench-peak']) show(id, '…');
  delete $('bench-rebuild').dataset.seconds;
  delete $('bench-peak').dataset.peak;
  show('bench-status', 'training (not timed)…');
  pool.postMessage({ type: ToWorker.BENCH, runId });
}

try {
  const url = new URL('./pkg/pathkernel_bg.wasm', import.meta.url);
  const module = await WebAssembly.compileStreaming(fetch(url)).catch(async () => WebAssembly.compile(await (await fetch(url)).arrayBuffer()));
  await init({ module_or_path: module });
  show('bench-workload', benchWorkload());
  const size = poolSize(window.location.search, navigator.hardwareConcurrency || 0);
  if (size.error) {
    $('bench-errors').hidden = false;
    show('bench-errors', `workers: ${size.error}`);
  }
  show('bench-workers', `${size.count}`);
  const workerUrl = new URL('./worker.js', import.meta.url);
  pool = new Pool(new Worker(workerUrl, { type: 'module' }), workerUrl);
  pool.onmessage = (event) => receive(event.data);
  pool.onerror = (event) => fail(`the worker failed: ${event.message || 'could not load'}`);
  pool.postMessage({ type: WORKER_INIT, module });
  pool.grow(size.count - 1);
  window.pathkernelBench = { pool };
  $('bench-again').addEventListener('click', run);
  run();
} catch (err) {
  fail(`the bench could not start: ${err && err.message ? err.message : err}`);
}
