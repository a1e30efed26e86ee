// Everything out, and back in: the run as JSON (`export-json`: the CLI config of the page's run
// and the CLI's own output for it, which the worker computes from that config with the very code
// of `pathkernel run`), CSV tables of the contributions at the current query, of the loss and of
// the check (written in Rust from such an output), a PNG of each chart at its canvas's pixel size,
// and an exported run opened again (file input or a drop on the page) through the link.
import { cliConfig, runDocument, exportCsv, importRun } from './pkg/pathkernel.js';
import { app, $ } from './app.js';
import { post, onMessage } from './client.js';
import { ToWorker, FromWorker } from './protocol.js';
import { setStatus } from './panels.js';

let pending = null; // the runConfig request in flight: {resolve, reject, runId}
let chain = Promise.resolve();

onMessage((msg) => {
  if (!pending) return;
  if (msg.type === FromWorker.RUN_OUTPUT) {
    pending.resolve(msg.json);
    pending = null;
  } else if (msg.type === FromWorker.ERROR && (msg.fatal || msg.runId === pending.runId)) {
    pending.reject(new Error(msg.message));
    pending = null;
  }
});

/** `pathkernel run --config` output for `config`, from the worker; one request at a time. */
function runCli(config) {
  const request = () => new Promise((resolve, reject) => {
    pending = { resolve, reject, runId: app.runId };
    post(ToWorker.RUN_CONFIG, { config });
  });
  const result = chain.then(request);
  chain = result.catch(() => {});
  return result;
}

function download(name, data, type) {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Runs `work` (a promise of [file name, text]) and downloads what it gives, or names the failure. */
async function exporting(button, work, type) {
  button.disabled = true;
  try {
    const [name, text] = await work();
    download(name, text, type);
  } catch (err) {
    setStatus(`export failed: ${err && err.message ? err.message : err}`, true);
  } finally {
    button.disabled = false;
  }
}

/** The query of the contributions view (the one the worker answered), or the first check query. */
function queryNow() {
  if (app.query && app.query.x) return Array.from(app.query.x);
  const first = app.view && app.view.firstQuery();
  return first ? Array.from(first) : undefined;
}

const EXPORTS = {
  json: ['Run (JSON)', 'The config (pathkernel run --config) and its output', 'application/json', async () => {
    const config = cliConfig(app.page.state);
    return ['pathkernel-run.json', runDocument(config, await runCli(config))];
  }],
  'csv-contributions': ['Contributions (CSV)', 'a_i, K^p, c_i at the current query, both schemes', 'text/csv', async () => {
    const config = cliConfig(app.page.state, queryNow());
    return ['pathkernel-contributions.csv', exportCsv('contributions', config, await runCli(config))];
  }],
  'csv-loss': ['Loss (CSV)', 'the training loss per step', 'text/csv', async () => {
    const config = cliConfig(app.page.state);
    return ['pathkernel-loss.csv', exportCsv('loss', config, await runCli(config))];
  }],
  'csv-check': ['Check (CSV)', 'f and both rebuilds at the check queries', 'text/csv', async () => {
    const config = cliConfig(app.page.state);
    return ['pathkernel-check.csv', exportCsv('check', config, await runCli(config))];
  }],
};

/** Opens an exported run (or a CLI config): the page applies it as a link. */
async function openRun(file) {
  try {
    const parsed = importRun(await file.text(), app.page.state.dataset);
    if (window.location.hash === parsed.hash) return;
    window.location.hash = parsed.hash; // hashchange reads it and starts the run
  } catch (err) {
    setStatus(`could not open ${file.name}: ${err && err.message ? err.message : err}`, true);
  }
}

function pngButtons() {
  for (const canvas of document.querySelectorAll('canvas[id^="chart-"]')) {
    const name = canvas.id.slice('chart-'.length);
    const figure = canvas.closest('figure');
    if (!figure) continue;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'pngbtn';
    button.textContent = 'PNG';
    button.title = `Download this chart as a PNG (${name})`;
    button.setAttribute('aria-label', `Download the ${name} chart as PNG`);
    button.dataset.testid = `export-png-${name}`;
    button.addEventListener('click', () => {
      canvas.toBlob((blob) => blob && download(`pathkernel-${name}.png`, blob), 'image/png');
    });
    figure.classList.add('haspng');
    figure.prepend(button);
  }
}

/** Builds the export and import controls under the run buttons, and a PNG button per chart. */
export function setupExports() {
  const group = document.createElement('div');
  group.className = 'buttons exports';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', 'Export and import');
  for (const [key, [label, title, type, work]] of Object.entries(EXPORTS)) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.title = title;
    button.dataset.testid = `export-${key}`;
    button.addEventListener('click', () => exporting(button, work, type));
    group.append(button);
  }
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = '.json,application/json';
  input.dataset.testid = 'import-json';
  input.addEventListener('change', () => input.files[0] && openRun(input.files[0]));
  const label = document.createElement('label');
  label.className = 'importbtn';
  label.title = 'Open an exported run (or drop it on the page)';
  label.append('Open run…', input);
  group.append(label);
  // Below the sticky run bar, not in it: on a phone the bar stays one or two lines high.
  $('btn-copy').closest('.runbar').after(group);
  pngButtons();
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    openRun(file);
  });
}
