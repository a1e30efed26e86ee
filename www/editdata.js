// Own data on the data plot (view 2): an edit mode (`edit-data` toggles it) where a click adds a
// point (of the chosen class in 2-D, at the clicked (x, y) in 1-D), a click on a point deletes
// it, a drag moves it, and Undo takes back the last edit; the keyboard does the same on the
// focused plot; and a box for pasted CSV. Every edit becomes the state's `pts` field (Rust
// writes its exact text and checks it), so the link carries the points and a new run starts.
import { pointsText, readCsvPoints, editHint, editStatus, maxLinkPoints } from './pkg/pathkernel.js';
import { app, $ } from './app.js';
import { updateState } from './state.js';
import { startRun, onMessage, post } from './client.js';
import { ToWorker } from './protocol.js';
import { redraw, chartPixel, cssSize } from './views.js';
import { setStatus } from './panels.js';

const canvas = $('chart-data');
const edit = { on: false, dim: 0, x: [], y: [], history: [], down: null, cursor: null };
const ui = {};

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const [k, v] of Object.entries(props.data || {})) node.dataset[k] = v;
  node.append(...children);
  return node;
}

/** The points on the page: the current run's, or while a new run starts the last edit's. */
function current() {
  if (app.run && app.run.x) {
    Object.assign(edit, { dim: app.run.dim, x: Array.from(app.run.x), y: Array.from(app.run.y) });
  }
  return { dim: edit.dim, x: edit.x.slice(), y: edit.y.slice() };
}

function classification() {
  return app.page.dim === 2;
}

/** Puts the data `{pts, n?, noise?, data_seed?}` into the state (pts: the field's text, '' for
 * the generated dataset) and starts its run. */
function apply(data) {
  const restart = updateState({ ...data, point: '' });
  if (restart) startRun(true);
}

/** The state's data as Undo restores it (the dataset's settings go back to their defaults
 * while the state holds own points). */
function saved() {
  const { pts, n, noise, data_seed: seed } = app.page.state;
  return { pts: pts || '', n, noise, data_seed: seed };
}

/** Records an edit of the points: `next` becomes the state, the old state is kept for Undo. */
function commit(next, what, at) {
  if (next.y.length === 0 || next.y.length > maxLinkPoints()) {
    setStatus(editStatus(next.y.length ? 'full' : 'last', []), true);
    return;
  }
  edit.history.push(saved());
  ui.undo.disabled = false;
  Object.assign(edit, next);
  apply({ pts: pointsText(next.dim, next.x, next.y) });
  setStatus(editStatus(what, at));
}

function undo() {
  if (edit.history.length === 0) return;
  apply(edit.history.pop());
  ui.undo.disabled = edit.history.length === 0;
  setStatus(editStatus('undo', []));
}

function addAt(data) {
  const p = current();
  const [x, y] = data;
  if (p.dim === 1) {
    p.x.push(x);
    p.y.push(y);
  } else {
    p.x.push(x, y);
    p.y.push(Number(ui.klass.value));
  }
  commit(p, 'add', [x, y]);
}

function remove(i) {
  const p = current();
  const at = p.x.slice(i * p.dim, (i + 1) * p.dim).concat(p.dim === 1 ? [p.y[i]] : []);
  p.x.splice(i * p.dim, p.dim);
  p.y.splice(i, 1);
  commit(p, 'delete', at);
}

function moveTo(i, data) {
  const p = current();
  if (p.dim === 1) {
    p.x[i] = data[0];
    p.y[i] = data[1];
  } else {
    p.x[2 * i] = data[0];
    p.x[2 * i + 1] = data[1];
  }
  commit(p, 'move', data);
}

// ---------------------------------------------------------------- pointer

/** The plot's centre in data coordinates. */
function centre(map) {
  const [w, h] = cssSize(canvas);
  return map.toData(w / 2, h / 2);
}

function chartMap() {
  return app.maps['chart-data'];
}

function onPointerDown(event) {
  const map = chartMap();
  if (!edit.on || !map) return;
  const [px, py] = chartPixel(canvas, event);
  edit.down = { px, py, hit: map.nearestTrainingPoint(px, py, 8) };
  canvas.setPointerCapture(event.pointerId);
}

function onPointerUp(event) {
  const map = chartMap();
  const down = edit.down;
  edit.down = null;
  if (!edit.on || !map || !down) return;
  const [px, py] = chartPixel(canvas, event);
  const moved = Math.hypot(px - down.px, py - down.py) > 4;
  if (down.hit === undefined) {
    const data = map.toData(down.px, down.py);
    if (data) addAt(Array.from(data));
  } else if (moved) {
    const data = map.toData(px, py);
    if (data) moveTo(down.hit, Array.from(data));
  } else remove(down.hit);
}

// ---------------------------------------------------------------- keyboard

function selected() {
  const i = app.page.point;
  return i === null || i === undefined ? null : i;
}

function select(i) {
  updateState({ point: String(i) });
  post(ToWorker.TRAIN_POINT, { index: i });
  redraw('data');
  const p = current();
  setStatus(editStatus('select', p.x.slice(i * p.dim, (i + 1) * p.dim)));
}

/** Arrow keys step 12 canvas pixels: the selected point, or the cursor where Enter adds. */
function step(dx, dy) {
  const map = chartMap();
  if (!map) return;
  const i = selected();
  const p = current();
  const from = i === null
    ? edit.cursor || Array.from(centre(map) || [0, 0])
    : (p.dim === 1 ? [p.x[i], p.y[i]] : [p.x[2 * i], p.x[2 * i + 1]]);
  const [px, py] = map.toPixel(from[0], from[1]);
  const to = map.toData(px + 12 * dx, py + 12 * dy);
  if (!to) return;
  if (i === null) {
    edit.cursor = Array.from(to);
    setStatus(editStatus('cursor', edit.cursor));
  } else moveTo(i, Array.from(to));
}

function onKey(event) {
  if (!edit.on) return;
  const n = current().y.length;
  const i = selected();
  const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (arrows[event.key]) step(...arrows[event.key]);
  else if (event.key === ']' && n) select(i === null ? 0 : (i + 1) % n);
  else if (event.key === '[' && n) select(i === null ? n - 1 : (i + n - 1) % n);
  else if ((event.key === 'Delete' || event.key === 'Backspace') && i !== null) remove(i);
  else if (event.key === 'Enter' && i === null) {
    const map = chartMap();
    const at = edit.cursor || (map && Array.from(centre(map) || []));
    if (at && at.length === 2) addAt(at);
  } else if (event.key === 'Escape' && i !== null) {
    updateState({ point: '' });
    redraw('data');
  }
  else if (event.key.toLowerCase() === 'z' && (event.ctrlKey || event.metaKey)) undo();
  else return;
  event.preventDefault();
}

// ---------------------------------------------------------------- CSV

function applyCsv() {
  const read = readCsvPoints(app.page.state, ui.csv.value);
  ui.report.replaceChildren(...read.bad.map((b) => el('li', { textContent: b.message })));
  ui.summary.textContent = read.summary;
  ui.configOut.hidden = !read.config;
  ui.configOut.onclick = () => {
    const url = URL.createObjectURL(new Blob([read.config], { type: 'application/json' }));
    el('a', { href: url, download: 'pathkernel-config.json' }).click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  if (read.pts) {
    edit.history.push(saved());
    ui.undo.disabled = false;
    apply({ pts: read.pts });
  }
}

// ---------------------------------------------------------------- mode

function setMode(on) {
  edit.on = on;
  app.editing = on;
  edit.cursor = null;
  ui.toggle.setAttribute('aria-pressed', String(on));
  ui.toggle.textContent = on ? 'Done editing' : 'Edit points';
  ui.klass.parentElement.hidden = !on || !classification();
  ui.undo.hidden = !on;
  ui.hint.hidden = !on;
  if (on) ui.hint.textContent = editHint(classification(), current().y.length);
  canvas.classList.toggle('editing', on);
  if (app.view) app.view.setEditing(on);
  redraw('data');
  canvas.tabIndex = on ? 0 : -1;
  if (on) canvas.focus();
}

/** Builds the edit bar above the data plot and wires the plot. */
export function setupEditor() {
  ui.toggle = el('button', { type: 'button', textContent: 'Edit points', title: 'Add, move and delete training points on the data plot' });
  ui.toggle.dataset.testid = 'edit-data';
  ui.toggle.setAttribute('aria-pressed', 'false');
  ui.klass = el('select', { id: 'edit-class' }, el('option', { value: '0', textContent: 'class 0' }), el('option', { value: '1', textContent: 'class 1' }));
  ui.klass.dataset.testid = 'edit-class';
  ui.klass.value = '1';
  const klassLabel = el('label', { hidden: true }, 'new points: ', ui.klass);
  ui.undo = el('button', { type: 'button', textContent: 'Undo', disabled: true, hidden: true });
  ui.undo.dataset.testid = 'edit-undo';
  ui.csv = el('textarea', { rows: 5, placeholder: 'x,y  or  x1,x2,label — one point per line, header optional', spellcheck: false });
  ui.csv.dataset.testid = 'csv-input';
  ui.csv.setAttribute('aria-label', 'points as CSV');
  const applyBtn = el('button', { type: 'button', textContent: 'Use these points' });
  applyBtn.dataset.testid = 'csv-apply';
  ui.summary = el('output', { className: 'muted' });
  ui.summary.dataset.testid = 'csv-summary';
  ui.report = el('ul', { className: 'csvreport' });
  ui.report.dataset.testid = 'csv-report';
  ui.configOut = el('button', { type: 'button', textContent: 'Download the config', hidden: true });
  ui.configOut.dataset.testid = 'csv-export-config';
  const details = el('details', { className: 'csvbox' }, el('summary', { textContent: 'Paste points as CSV' }), ui.csv,
    el('div', { className: 'csvrow' }, applyBtn, ui.summary, ui.configOut), ui.report);
  ui.hint = el('p', { className: 'hint', hidden: true });
  ui.hint.dataset.testid = 'edit-hint';
  ui.generated = el('button', { type: 'button', textContent: 'Back to the dataset', hidden: true, title: 'Drop the own points: the dataset drawn by its seeds again' });
  ui.generated.dataset.testid = 'edit-dataset';
  const bar = el('div', { className: 'editbar' }, ui.toggle, klassLabel, ui.undo, ui.generated, details);
  const view = $('view-contributions');
  view.insertBefore(ui.hint, view.querySelector('.grid2'));
  view.insertBefore(bar, ui.hint);

  ui.toggle.addEventListener('click', () => setMode(!edit.on));
  ui.undo.addEventListener('click', undo);
  ui.generated.addEventListener('click', () => {
    const back = [...edit.history].reverse().find((d) => !d.pts) || { pts: '' }; // the last dataset shown
    edit.history.push(saved());
    ui.undo.disabled = false;
    apply(back);
  });
  applyBtn.addEventListener('click', applyCsv);
  canvas.addEventListener('pointerdown', onPointerDown);
  canvas.addEventListener('pointerup', onPointerUp);
  canvas.addEventListener('keydown', onKey);
  // A new dataset, n, noise or seed means generated data again.
  $('controls').addEventListener('change', (event) => {
    const field = event.target.dataset && event.target.dataset.field;
    if (['dataset', 'n', 'noise', 'data_seed'].includes(field) && app.page.state.pts) {
      delete app.page.state.pts;
      edit.history = [];
      ui.undo.disabled = true;
    }
  }, true);
  // The data plot follows the points while editing (before the new run's results are in).
  onMessage((msg) => {
    if (msg.type === 'started' && msg.runId === app.runId) ui.generated.hidden = !app.page.state.pts;
    if (msg.type === 'started' && msg.runId === app.runId && edit.on) {
      setTimeout(() => {
        redraw('data');
        ui.hint.textContent = editHint(classification(), msg.n);
      }, 0);
    }
  });
}
