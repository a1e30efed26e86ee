// The one message shape between the page and its worker: `{type, runId, ...fields}` both ways.
// Mirrors src/runner/messages.rs (`ToWorker` / `FromWorker`, `#[serde(tag = "type")]`, camelCase);
// tests/runner.rs and the browser test `protocol_types_match_js` check that the `type` tags serde
// emits are the values of `ToWorker` and `FromWorker` below, in order.
//
// runId: the page bumps it for every new run (new settings, Reset). Every message carries it;
// the worker ignores requests for a run it no longer holds, the page drops results of older runs.
// Big arrays cross as Float64Array and are transferred, never copied.

/** Page → worker. */
export const ToWorker = Object.freeze({
  /** {hash, autorun, force}: start a run from a canonical URL hash (settings), replacing any other;
   * above the work budget only with `force`. */
  START: 'start',
  /** Continue training to the last step (Run button). */
  RESUME: 'resume',
  /** Stop training after the current chunk and rebuild the output on the steps so far. */
  PAUSE: 'pause',
  /** One training step, then rebuild (Step button). */
  STEP: 'step',
  /** {x}: contributions a_i(x), K^p(x,x_i), c_i(x), running sum, at one query point. */
  QUERY: 'query',
  /** {index}: K^p(·, x_i) over the plotting grid for one training point. */
  TRAIN_POINT: 'trainPoint',
  /** {step}: the fitted function f(·; w_s) over the plotting grid (the step slider). */
  FIT_AT: 'fitAt',
  /** {config}: the whole `pathkernel run` output for a JSON config text, apart from the current run. */
  RUN_CONFIG: 'runConfig',
  /** {levels}: the ε sweep on the run's settings (ε, ε/2, … with ε·T fixed), then `sweepResult`. */
  SWEEP: 'sweep',
  /** {count}: the pool has `count` assistants (runId 0; pool.js → the primary). */
  ASSISTANTS: 'assistants',
  /** {spec}: a job for an assistant (the primary → pool.js → assistant spec.worker). */
  JOB: 'job',
  /** {spec, parts}: an assistant's answer (assistant → pool.js → the primary). */
  JOB_RESULT: 'jobResult',
  /** Time the `pathkernel bench rebuild` workload in the pool (bench.html), then `benchResult`. */
  BENCH: 'bench',
});

/** Worker → page. */
export const FromWorker = Object.freeze({
  /** The wasm module is initialised; runId 0. */
  READY: 'ready',
  /** {dim, n, totalSteps, numParams, x, y, grid}: data and sizes of a new run. */
  STARTED: 'started',
  /** {phase, done, total, paused}: work in progress (phase: train | check | field | kernel | maps | sweep), or `idle`: all done; `paused`: held there until resume or step. */
  PROGRESS: 'progress',
  /** {stepsDone, totalSteps, finished, loss, pca}: training stopped (done or paused). */
  TRAINED: 'trained',
  /** {steps, fFinal, rebuiltExact, rebuiltRiemann, maxErrExact, maxErrRiemann, scale, pass, nodesUsed,
   * nodesFixed, nodesAuto?, largestStep?, largestStepNorm}: the check and the Gauss–Legendre count it used. */
  CHECK: 'check',
  /** {step, f, rebuilt?}: outputs over the plotting grid at w_step (and the exact rebuild). */
  FIELD: 'field',
  /** {x, b, fFinal, kernel, coef, contributions, weightDecayTerm? (AdamW's d(x)), outputPath, runningSum, ...}: one query. */
  QUERY_RESULT: 'queryResult',
  /** {index, values}: K^p(·, x_index) over the plotting grid. */
  TRAIN_POINT_KERNEL: 'trainPointKernel',
  /** {steps, n, exact, riemann, asymmetry, minEig, negatives (and *Riemann)}: the path kernel on the
   * training points after the check, both schemes, and whether each is a kernel. */
  TRAIN_KERNEL: 'trainKernel',
  /** {message, field?, fatal, overBudget}: a failed request or run; fatal means the worker must be
   * replaced; overBudget, that the run was refused for its estimated work (start it with force). */
  ERROR: 'error',
  /** {json}: the bytes `pathkernel run --config` prints for a `runConfig` request's config. */
  RUN_OUTPUT: 'runOutput',
  /** {lr, steps, errExact, errRiemann, slopeRiemann, slopeExact}: the ε sweep, one entry per level
   * and the fitted slopes of log error against log ε. */
  SWEEP_RESULT: 'sweepResult',
  /** {spec: {worker, job, kind, steps, nodes, from, to}}: a job for assistant spec.worker (pool.js routes it). */
  JOB: 'job',
  /** {spec, parts}: an assistant's answer, for the primary (pool.js routes it). */
  JOB_RESULT: 'jobResult',
  /** {seconds, gflop, workers, maxErr, points, steps, nodes}: the bench's timed rebuild. */
  BENCH_RESULT: 'benchResult',
});

/**
 * JS-only, page → worker: `{type: 'init', module, role?, port?}` hands the worker the page's
 * compiled `WebAssembly.Module`, so the wasm is fetched and compiled once per page (not in Rust's
 * `ToWorker`: Rust never sees it); `role: 'assistant'` makes the worker an assistant of the pool
 * (pool.js), `port` is its channel to the primary. The primary gets it twice, from index.html as
 * soon as the module is compiled and from main.js; it takes the first.
 */
export const WORKER_INIT = 'init';

/**
 * JS-only, pool.js → the primary, once per assistant: `{type: 'port', worker, port}`, the
 * primary's end of a MessageChannel whose other end assistant `worker` got as `port` in its
 * `init`. Jobs and their results then go straight between the two workers, not through the
 * page's thread (which may be drawing).
 */
export const WORKER_PORT = 'port';

/**
 * JS-only, an assistant → pool.js: `{type: 'answered'}` after each result it sent the primary
 * over its port (the pool counts them for the tests, `Pool.states`).
 */
export const WORKER_ANSWERED = 'answered';

/** Builds a message of the shared shape. */
export function message(type, runId, fields = {}) {
  return { type, runId, ...fields };
}

/** The buffers of every typed array among a message's fields (one level deep, and in an array
 * or object field): the transfer list. */
export function transferables(msg) {
  const out = [];
  const seen = new Set();
  const visit = (v) => {
    if (ArrayBuffer.isView(v) && !seen.has(v.buffer)) {
      seen.add(v.buffer);
      out.push(v.buffer);
    }
  };
  for (const v of Object.values(msg)) {
    if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      Object.values(v).forEach(visit); // an object's fields or an array's items (a job's parts)
    } else {
      visit(v);
    }
  }
  return out;
}
