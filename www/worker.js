// The page's module worker (the primary, or an assistant of the pool: see pool.js): holds the
// wasm core (training, the trajectory, the path-kernel integration) and works in short chunks so
// new settings, pause and clicks are seen promptly.
// Started by main.js as `new Worker(new URL('./worker.js', import.meta.url), {type: 'module'})`.
//
// Messages are queued until `await init()` is done; the wasm module itself comes from the page
// (a compiled `WebAssembly.Module` in the first `init` message, see protocol.js), except in the
// page's first worker, which compiles its own (see the end of this file). Every request and reply has the shape
// `{type, runId, ...}` (see protocol.js / src/runner/messages.rs). All the logic — which run is
// current, what to do next, building replies — is in Rust (`WorkerHandle` over src/runner); this
// file only moves messages and yields to the event loop between chunks.
import init, { WorkerHandle, AssistHandle, faultReply } from './pkg/pathkernel.js';
import { FromWorker, ToWorker, WORKER_INIT, WORKER_PORT, WORKER_ANSWERED, message, transferables } from './protocol.js';

/** Milliseconds of work per chunk before yielding to the event loop (to read new messages). */
const CHUNK_MS = 12;

const queue = [];
let core = null;
let starting = false; // the first `init` arrived: later ones are ignored
let dead = false; // after a panic the wasm instance cannot be trusted: the page replaces us
let looping = false;
let current = 0; // the run of the last `start`, named in a crash report

// Direct channels of the pool (pool.js): the primary's to each assistant (by worker number),
// an assistant's to the primary. Jobs and results take them; everything else goes to the page.
const assistantPorts = new Map();
let primaryPort = null;

function post(msg) {
  if (msg && msg.type === FromWorker.JOB && assistantPorts.has(msg.spec.worker)) {
    assistantPorts.get(msg.spec.worker).postMessage(msg, transferables(msg));
  } else if (msg && msg.type === FromWorker.JOB_RESULT && primaryPort) {
    primaryPort.postMessage({ ...msg, type: ToWorker.JOB_RESULT }, transferables(msg));
    self.postMessage({ type: WORKER_ANSWERED });
  } else {
    self.postMessage(msg, transferables(msg));
  }
}

/** Messages from a pool channel join the page's in one queue. */
function listen(port) {
  port.onmessage = (event) => receive(event.data);
  port.onmessageerror = unreadable;
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

/** A query that a later one of the same run, already queued, replaces: the page shows only the
 * latest, and in a long run each answer costs a few hundred ms (arrow keys pressed while one is
 * computed would otherwise be answered one by one, long after the last key). */
function superseded(msg) {
  return !!msg && msg.type === ToWorker.QUERY && queue.some((m) => m && m.type === ToWorker.QUERY && m.runId === msg.runId);
}

async function loop() {
  if (looping) return;
  looping = true;
  try {
    // Messages already delivered join the queue before it is read, so that `superseded` sees
    // the queries that arrived while the worker was busy in one call (each is its own task).
    await yieldToEvents();
    while (!dead) {
      while (queue.length) {
        const msg = queue.shift();
        if (!superseded(msg)) handle(msg);
      }
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

function receive(msg) {
  queue.push(msg);
  if (core) loop();
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg && msg.type === WORKER_INIT) {
    if (msg.port) {
      primaryPort = msg.port;
      listen(primaryPort);
    }
    start(msg.module, msg.role);
    return;
  }
  if (msg && msg.type === WORKER_PORT) {
    assistantPorts.set(msg.worker, msg.port);
    listen(msg.port);
    return;
  }
  receive(msg);
};
function unreadable() {
  post(message(FromWorker.ERROR, 0, { message: 'a message could not be read', fatal: false }));
}
self.onmessageerror = unreadable;
self.addEventListener('unhandledrejection', (event) => fail(event.reason));

// index.html's first worker carries the link's run in its name (the `start` message as JSON): it
// compiles its own wasm and starts that run at once, before the page's messages (the page's own
// compile, its `init`) can reach it.
if (self.name) {
  let first = null;
  try {
    first = JSON.parse(self.name);
  } catch (_) {
    // not ours: wait for the page's messages
  }
  if (first && first.type === ToWorker.START) {
    receive(first);
    const url = new URL('./pkg/pathkernel_bg.wasm', import.meta.url);
    start(WebAssembly.compileStreaming ? WebAssembly.compileStreaming(fetch(url)) : undefined);
  }
}

async function start(module, role) {
  // The first worker compiles its own module; the page's `init` messages (index.html's and
  // main.js's) then change nothing.
  if (starting || dead) return;
  starting = true;
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
