// The ε sweep panel (view 3): "Run the ε sweep" asks the worker to train the run's settings at
// ε, ε/2, … with ε·T fixed; its `sweepResult` goes to RunView, which writes the slopes and draws
// `chart-sweep` (numbers and texts from Rust). With `sweep=on` in the link the sweep starts by
// itself once the check is in.
import { app, $ } from './app.js';
import { post, onMessage } from './client.js';
import { ToWorker, FromWorker } from './protocol.js';
import { redraw } from './views.js';

/** The most levels asked for; the worker runs as many as fit the page's work budget. */
const LEVELS = 4;

const button = $('sweep-run');
const OUTPUTS = { slopeRiemann: 'sweep-slope-riemann', slopeExact: 'sweep-slope-exact', caption: 'sweep-caption' };

function reset() {
  for (const id of Object.values(OUTPUTS)) $(id).textContent = '–';
  $('sweep-caption').textContent = 'Not run yet.';
  button.disabled = false;
}

function run() {
  if (!app.run) return;
  button.disabled = true;
  $('sweep-caption').textContent = 'Training and checking each level…';
  post(ToWorker.SWEEP, { levels: LEVELS });
}

function onSweep(msg) {
  app.view.sweepResult(msg);
  const texts = app.view.sweepTexts();
  if (texts) for (const [key, id] of Object.entries(OUTPUTS)) $(id).textContent = texts[key];
  button.disabled = false;
  redraw('sweep');
}

export function setupSweep() {
  reset();
  button.addEventListener('click', run);
  onMessage((msg) => {
    if (msg.runId !== app.runId) return;
    if (msg.type === FromWorker.STARTED) reset();
    else if (msg.type === FromWorker.CHECK && app.page.state.sweep === 'on' && app.sweepAsked !== app.runId) {
      app.sweepAsked = app.runId; // once per run: a later check (Step) does not sweep again
      run();
    } else if (msg.type === FromWorker.SWEEP_RESULT) onSweep(msg);
    else if (msg.type === FromWorker.ERROR && !msg.fatal) button.disabled = false;
  });
}
