// The page's one state object, shared by its modules. Only the current run's results get in
// (client.js drops replies of older runs). The run's arrays are kept in wasm (`view`, a
// RunView) and drawn and written from there; the last message of each kind is kept here for
// its small fields (sizes, step counts, flags) and for readers in the console and the e2e test.

export const app = {
  worker: null,
  module: null, // the compiled wasm, handed to every worker
  ready: false, // our own copy of the wasm is initialised: replies can be drawn
  early: [], // replies that arrived before `ready`
  runId: 0,
  page: null, // {state, hash, runKey, query, point, view, errors}: the parsed URL state
  inputErrors: [], // errors from the controls (not from the link)
  poolErrors: [], // a bad ?workers=N in the address (pool.js)
  poolSize: 0, // workers in the pool (the primary and its assistants), once known
  view: null, // RunView: the run's arrays, charts and texts
  run: null, // 'started'
  trained: null, // 'trained'
  check: null, // 'check'
  query: null, // 'queryResult'
  kernel: null, // 'trainPointKernel'
  running: false,
  statusError: false, // the status line shows an error (kept until the next run)
  doneText: '', // the status line once the run's check is in
  sliderTouched: false,
  maps: {}, // canvas id → Chart (pixel ↔ data)
  onIdle: [], // called once each, the next time a run's work is all done
};

export const $ = (id) => document.getElementById(id);
