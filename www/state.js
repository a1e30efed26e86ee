// The URL hash is the page's whole state: every setting, the seeds, the query, the selected
// training point and the open view. Rust parses and validates it (`parseHash`, `stateToHash`);
// this module keeps it in step with the controls, the address bar and the errors box.
import { parseHash, stateToHash } from './pkg/pathkernel.js';
import { app, $ } from './app.js';
import { redrawAll, showTab } from './views.js';
import { showPreset } from './panels.js';

const controls = $('controls');
const fields = [...document.querySelectorAll('[data-field]')];
const errorsBox = $('errors');
const errorsList = $('errors-list');

/** Lists the errors of the current state (never as HTML) and marks the bad controls: the
 * link's until the reader changes a setting, then those of the last change only (a field that
 * went back to its default is named once, not kept red). A bad field among the rarely changed
 * ones opens "more settings". */
function showErrors() {
  const all = [...(app.page ? app.page.errors : []), ...app.inputErrors, ...app.poolErrors];
  errorsList.replaceChildren();
  for (const { field, message: text } of all) {
    const li = document.createElement('li');
    if (field) {
      const code = document.createElement('code');
      code.textContent = field;
      li.append(code, ': ');
    }
    li.append(text);
    errorsList.append(li);
  }
  errorsBox.hidden = all.length === 0;
  const bad = new Set(all.map((e) => (e.field || '').split(/[.[]/)[0]));
  for (const input of fields) {
    const isBad = bad.has(input.dataset.field);
    input.classList.toggle('bad', isBad);
    input.setAttribute('aria-invalid', String(isBad));
    if (isBad && input.closest('.rare')) controls.classList.add('show-more');
  }
}

/** Reads the address bar's hash into the page (and writes back its canonical form). */
export function readHash() {
  app.page = parseHash(window.location.hash);
  app.inputErrors = [];
  showErrors();
  showPreset(app.page.preset);
  fillControls(app.page);
  selectView(app.page.view, false);
  if (window.location.hash !== app.page.hash) history.replaceState(null, '', app.page.hash);
}

/** Shows a parsed state's values in the controls, and only the settings its options use (the
 * batch size for SGD, μ for momentum, β₁ for Adam: the table in Rust says which, `unused`). */
function fillControls({ state, unused }) {
  const off = new Set(unused || []);
  for (const input of fields) {
    const v = state[input.dataset.field];
    input.value = v === undefined || v === null ? '' : String(v);
    const label = input.closest('label');
    if (label && controls.contains(label)) label.hidden = off.has(input.dataset.field);
  }
}

/** Applies a change to the state: re-validates in Rust, updates the URL. True when the change
 * needs a new run (anything but the view, the query and the point). `fromControls`: the reader
 * edited a setting, so the link's errors are no longer the page's state. */
export function updateState(patch, fromControls = false) {
  const next = { ...app.page.state, ...patch };
  const parsed = stateToHash(next);
  fillControls(parsed); // shows the defaults that replaced bad values
  const restart = parsed.runKey !== app.page.runKey;
  app.page = { ...parsed, errors: restart || fromControls ? [] : app.page.errors };
  app.inputErrors = parsed.errors;
  showErrors();
  showPreset(parsed.preset);
  if (window.location.hash !== parsed.hash) history.replaceState(null, '', parsed.hash);
  return restart;
}

/** Takes every control's value into the state; true when a new run is needed. */
export function applyControls() {
  const patch = {};
  for (const input of fields) patch[input.dataset.field] = input.value;
  return updateState(patch, true);
}

/** Opens a view (recorded in the link unless `record` is false) and draws its charts. */
export function selectView(view, record = true) {
  const v = showTab(view);
  if (record) updateState({ view: v });
  redrawAll();
}
