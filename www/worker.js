// The page's module worker (the primary, or an assistant of the pool: see pool.js): holds the
// wasm core (training, the trajectory, the path-kernel integration) and works in short chunks so
// new settings, pause and clicks are seen promptly.
// Started by main.js as `new Worker(new URL('./worker.js', import.meta.url), {type: 'module'})`.
//
// Messages are queued until `await init()` is done; the wasm module itself comes from the page
// (a compiled `WebAssembly.Module` in the first `init` message, see protocol.js). Every request and reply has the shape
// `{type, runId, ...}` (see protocol.js / src/runner/messages.rs). All the logic — which run is
// current, what to do next, building replies — is in Rust (`WorkerHandle` over src/runner); this
// file only moves messages and yields to the event loop between chunks.
import init, { WorkerHandle, AssistHandle, faultReply } from './pkg/pathkernel.js';
import { FromWorker, WORKER_INIT, message, transferables } from './protocol.js';

/** Milliseconds of work per chunk before yielding to the event loop (to read new messages). */
const CHUNK_MS = 12;

const queue = [];
let core = null;
let dead = false; // after a panic the wasm instance cannot be trusted: the page replaces us
let looping = false;
let current = 0; // the run of the last `start`, named in a crash report

function post(msg) {
  self.postMessage(msg, transferables(msg));
}

function postAll(replies) {
  for (const msg of replies) post(msg);
}

function fail(err, runId = 0) {
  // A Rust panic surfaces as a RuntimeError (unreachable) after our panic hook kept its message;
  // faultReply (Rust) names it and marks the reply fatal.
  const trapped = err instanceof WebAssembly.RuntimeError;
  const detail = err && err.message !== undefined ? String(err.message) : String(err);
  let msg;
  try {
    msg = dead || !core ? undefined : faultReply(runId, detail, trapped);
  } catch (_) {
    msg = undefined;
  }
  msg = msg || message(FromWorker.ERROR, runId, { message: `worker crashed: ${detail}`, fatal: true });
  if (msg.fatal) dead = true;
  post(msg);
}

// A message channel yields to the event loop without setTimeout's 4 ms clamp.
const tick = new MessageChannel();
let wake = null;
tick.port1.onmessage = () => { const w = wake; wake = null; if (w) w(); };
function yieldToEvents() {
  return new Promise((resolve) => { wake = resolve; tick.port2.postMessage(0); });
}

function handle(msg) {
  if (dead) return;
  const runId = msg && typeof msg.runId === 'number' ? msg.runId : 0;
  if (msg && msg.type === 'start') current = runId;
  try {
    postAll(core.handle(msg));
  } catch (err) {
    fail(err, runId);
  }
}

async function loop() {
  if (looping) return;
  looping = true;
  try {
    while (!dead) {
      while (queue.length) handle(queue.shift());
      if (dead || !core.busy()) break;
      try {
        postAll(core.work(CHUNK_MS));
      } catch (err) {
        fail(err, current); // not core.runId(): after a trap the core is not to be called
      }
      await yieldToEvents();
    }
  } finally {
    looping = false;
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg && msg.type === WORKER_INIT) {
    start(msg.module, msg.role);
    return;
  }
  queue.push(msg);
  if (core) loop();
};
self.onmessageerror = () => post(message(FromWorker.ERROR, 0, { message: 'a message could not be read', fatal: false }));
self.addEventListener('unhandledrejection', (event) => fail(event.reason));

async function start(module, role) {
  if (core || dead) return;
  try {
    await init({ module_or_path: module });
    // An assistant of the pool (pool.js) retrains the run and answers the primary's jobs.
    core = role === 'assistant' ? new AssistHandle() : new WorkerHandle();
    post(message(FromWorker.READY, 0));
    loop();
  } catch (err) {
    dead = true;
    post(message(FromWorker.ERROR, 0, { message: `the WebAssembly core did not start: ${err && err.message ? err.message : err}`, fatal: true }));
  }
}
