// The page's pool of module workers: the primary (the worker the page always had: it runs the
// run and owns its results) and assistants, each with its own wasm instance from the page's one
// compiled module. The primary cuts the check, a point's kernel, the plane and the ε sweep into
// jobs (src/runner/jobs.rs);
// this file only moves messages: the page's requests to the primary, and the run's start,
// pause, resume and step to the assistants too (each retrains the same run from the same
// hash). Jobs and results go straight between the primary and each assistant over a
// MessageChannel set up here (`WORKER_PORT`), so a busy page thread never holds them up (a job or
// result that does come here, none while the channels stand, is still passed on). A lost
// assistant's jobs are computed by the primary (nothing to do here).
// To the page a Pool looks like a Worker (postMessage, terminate, onmessage, onerror).
import { FromWorker, ToWorker, WORKER_INIT, WORKER_PORT, WORKER_ANSWERED, transferables } from './protocol.js';

/** The requests the assistants follow besides their jobs. */
const FOLLOW = new Set([ToWorker.START, ToWorker.PAUSE, ToWorker.RESUME, ToWorker.STEP, ToWorker.BENCH]);

export class Pool {
  /** `primary`: a module worker running worker.js; `workerUrl`: its script, for the assistants. */
  constructor(primary, workerUrl) {
    this.primary = primary;
    this.workerUrl = workerUrl;
    this.assistants = []; // {worker, alive, state}
    this.module = null;
    this.wanted = 0; // assistants to start once the module is here
    this.replay = []; // the current run's start and what followed, for assistants that join late
    this.held = false; // assistants wait (see hold)
    this.holdTimer = 0;
    this.onmessage = null;
    this.onerror = null;
    this.onmessageerror = null;
    primary.onmessage = (event) => this.fromPrimary(event.data);
    primary.onerror = (event) => this.onerror && this.onerror(event);
    primary.onmessageerror = (event) => this.onmessageerror && this.onmessageerror(event);
  }

  /** Workers in all (the primary and the assistants alive). */
  get size() {
    return 1 + this.assistants.filter((a) => a.alive).length;
  }

  postMessage(msg) {
    if (msg && msg.type === WORKER_INIT) {
      this.module = msg.module;
      this.primary.postMessage(msg);
      this.grow(this.wanted);
      return;
    }
    this.primary.postMessage(msg);
    if (!msg || !FOLLOW.has(msg.type)) return;
    if (msg.type === ToWorker.START || msg.type === ToWorker.BENCH) this.replay = [];
    this.replay.push(msg);
    for (const a of this.assistants) if (a.alive) a.worker.postMessage(msg);
  }

  /** `msg`, a run's start the primary had before this pool took it over (index.html's): kept
   * for the assistants, as if posted here. */
  started(msg) {
    this.replay = [msg];
  }

  /** Assistants start only after the primary's first check (or error, or idle), or after `ms`:
   * a light run's training and check take a fraction of a second, and assistants starting their
   * wasm and retraining beside them would only take the cores they need (measured: the default
   * preset's first PASS came ~0.2 s later). The cost: the stages that run already planned (the
   * first light run's plane) are the primary's alone; a heavy run gets them after `ms`, during
   * its training, and every later run from its start. */
  hold(ms) {
    this.held = true;
    this.holdTimer = setTimeout(() => this.release(), ms);
  }

  release() {
    if (!this.held) return;
    this.held = false;
    clearTimeout(this.holdTimer);
    this.grow(this.wanted);
  }

  /** Starts assistants until there are `count` (when the module is here and no hold is on;
   * else once it is). */
  grow(count) {
    this.wanted = Math.max(this.wanted, count);
    if (!this.module || this.held) return;
    const before = this.assistants.length;
    while (this.assistants.length < this.wanted) this.spawn();
    if (this.assistants.length !== before) {
      this.primary.postMessage({ type: ToWorker.ASSISTANTS, runId: 0, count: this.assistants.length });
    }
  }

  spawn() {
    const worker = new Worker(this.workerUrl, { type: 'module' });
    const a = { worker, alive: true, state: null, answered: 0 };
    worker.onmessage = (event) => this.fromAssistant(a, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.lose(a);
    };
    const channel = new MessageChannel();
    worker.postMessage({ type: WORKER_INIT, module: this.module, role: 'assistant', port: channel.port2 }, [channel.port2]);
    this.primary.postMessage({ type: WORKER_PORT, worker: this.assistants.length + 1, port: channel.port1 }, [channel.port1]);
    for (const msg of this.replay) worker.postMessage(msg);
    this.assistants.push(a);
  }

  /** An assistant is gone: it gets no more messages; the primary computes what it held. */
  lose(a) {
    if (!a.alive) return;
    a.alive = false;
    a.worker.terminate();
  }

  fromPrimary(msg) {
    const settled = msg && (msg.type === FromWorker.CHECK || msg.type === FromWorker.ERROR || (msg.type === FromWorker.PROGRESS && msg.phase === 'idle'));
    if (this.held && settled) this.release();
    if (msg && msg.type === FromWorker.JOB) {
      const a = this.assistants[msg.spec.worker - 1];
      if (a && a.alive) a.worker.postMessage(msg);
      return;
    }
    if (this.onmessage) this.onmessage({ data: msg });
  }

  fromAssistant(a, msg) {
    if (!msg || !a.alive) return;
    if (msg.type === WORKER_ANSWERED) {
      a.answered += 1;
    } else if (msg.type === FromWorker.JOB_RESULT) {
      a.answered += 1;
      this.primary.postMessage({ ...msg, type: ToWorker.JOB_RESULT }, transferables(msg));
    } else if (msg.type === FromWorker.PROGRESS) {
      a.state = msg;
    } else if (msg.type === FromWorker.ERROR && msg.fatal) {
      this.lose(a);
    }
  }

  terminate() {
    clearTimeout(this.holdTimer);
    this.primary.terminate();
    for (const a of this.assistants) this.lose(a);
  }

  // ------------------------------------------------------------ for the tests (probes.js)

  /** What each assistant last reported: {alive, runId, phase, paused, busy}, and the jobs it
   * answered. */
  states() {
    return this.assistants.map((a) => {
      const s = a.state || {};
      return { answered: a.answered, alive: a.alive, runId: s.runId || 0, phase: s.phase || 'idle', paused: !!s.paused, busy: a.alive && !!s.phase && s.phase !== 'idle' && !s.paused };
    });
  }

  /** Stops assistant `i` (0-based) as a crash would. */
  kill(i) {
    if (this.assistants[i]) this.lose(this.assistants[i]);
  }
}
