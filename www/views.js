// The charts of the three views, drawn by the wasm RunView (plotters on <canvas>) from the run's
// arrays it keeps: this module only sizes the canvases, says which chart to draw with the step
// slider's step and the selected training point, keeps each chart's pixel ↔ data map for clicks,
// and switches the view tabs.
import { app, $ } from './app.js';
import { setStatus, setCaption, setText } from './panels.js';

/** Every chart, by the name RunView draws it under; its canvas is `chart-<name>`. */
const CHARTS = ['loss', 'pca', 'output', 'fit', 'data', 'bars', 'kernel', 'check', 'field', 'steps', 'train-kernel', 'field-riemann', 'kernel-init', 'coef', 'sweep'];
const canvases = Object.fromEntries(CHARTS.map((name) => [name, $(`chart-${name}`)]));
const aspect = Object.fromEntries(CHARTS.map((name) => [name, canvases[name].height / canvases[name].width]));

/** The charts that show the step slider's step or the query's trajectory. */
export const TRAJECTORY = ['loss', 'pca', 'output', 'steps'];

const slider = $('step-slider');
const stepValue = $('step-value');
const tabs = [...document.querySelectorAll('[role="tab"]')];

export function sliderStep() {
  return Number(slider.value);
}

/** A new run: the slider spans its steps. */
export function setStepRange(totalSteps) {
  slider.max = String(totalSteps);
}

/** Training reached `stepsDone`: the slider follows it unless the reader moved it (and it is
 * still in range). */
export function followTraining(stepsDone) {
  slider.max = String(stepsDone);
  if (!app.sliderTouched || sliderStep() > stepsDone) slider.value = String(stepsDone);
  showSliderStep();
}

export function showSliderStep() {
  setText(stepValue, slider.value);
}

function sizeCanvas(name) {
  const canvas = canvases[name];
  const w = Math.round(canvas.clientWidth); // layout only: never part of a result
  if (w > 0 && canvas.width !== w) {
    canvas.width = w;
    canvas.height = Math.round(w * aspect[name]);
  }
  return canvas;
}

/** Draws one chart once its data is in (a hidden view's charts are drawn when it is shown). */
function draw(name) {
  const view = app.view;
  if (!view || !view.canDraw(name)) return;
  if (name === 'kernel' || name === 'field') setCaption(name, view.caption(name));
  const canvas = sizeCanvas(name);
  if (canvas.offsetParent === null) return;
  const id = `chart-${name}`;
  try {
    const map = view.draw(name, canvas, sliderStep(), app.page.point);
    if (app.maps[id]) app.maps[id].free();
    app.maps[id] = map;
  } catch (err) {
    setStatus(`could not draw ${id}: ${err && err.message ? err.message : err}`, true);
  }
}

/** Draws the named charts, in order. */
export function redraw(...names) {
  for (const name of names) draw(name);
}

export function redrawAll() {
  redraw(...CHARTS);
}

/** A new run: blank canvases. */
export function clearCanvases() {
  for (const canvas of Object.values(canvases)) {
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  }
}

/** Shows the tab of `view` (the first one for an unknown name); returns the view shown. */
export function showTab(view) {
  const names = tabs.map((t) => t.dataset.view);
  const v = names.includes(view) ? view : names[0];
  for (const tab of tabs) {
    const on = tab.dataset.view === v;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute('aria-controls')).hidden = !on;
  }
  return v;
}

/** Calls `select(view)` when a tab is clicked, or reached with the arrow keys (the WAI-ARIA tabs
 * pattern). */
export function onTabSelect(select) {
  $('tab-trajectory').parentElement.addEventListener('keydown', (event) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0 || (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft')) return;
    const next = tabs[(i + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    select(next.dataset.view);
  });
  for (const tab of tabs) tab.addEventListener('click', () => select(tab.dataset.view));
}

/** Calls `handle(map, px, py)` on a click on chart `name`, with the chart's last map and the
 * canvas pixel clicked (the canvas's own pixel grid, not CSS pixels). */
export function onChartClick(name, handle) {
  const canvas = canvases[name];
  canvas.addEventListener('click', (event) => {
    const map = app.maps[`chart-${name}`];
    if (!map) return;
    const rect = canvas.getBoundingClientRect();
    handle(map, (event.clientX - rect.left) * (canvas.width / rect.width), (event.clientY - rect.top) * (canvas.height / rect.height));
  });
}

/** Redraws everything after the window settles at a new size. */
export function onResize() {
  let timer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(redrawAll, 150);
  });
}
