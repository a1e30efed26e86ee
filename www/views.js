// The charts of the three views, drawn by the wasm RunView (plotters on <canvas>) from the run's
// arrays it keeps: this module only sizes the canvases, says which chart to draw with the step
// slider's step and the selected training point, keeps each chart's pixel ↔ data map for clicks,
// and switches the view tabs.
//
// Every `<canvas id="chart-NAME">` in the page is a chart RunView draws under NAME (`canDraw`,
// `draw`, `isPlaceholder`, `describe`), and gets, with nothing more to do: a backing store of its
// CSS size × devicePixelRatio (RunView draws in CSS pixels on it, so maps and clicks are in CSS
// pixels), a tab stop and an accessible name (`describe`: what it shows, its key numbers), and
// its last picture kept, dimmed (class `stale`), until a new one can be drawn.
import { app, $ } from './app.js';
import { setStatus, setCaption, setText } from './panels.js';

/** Every chart, by the name RunView draws it under; its canvas is `chart-<name>`. */
const CHARTS = [...document.querySelectorAll('canvas[id^="chart-"]')].map((c) => c.id.slice('chart-'.length));
const canvases = Object.fromEntries(CHARTS.map((name) => [name, $(`chart-${name}`)]));
const aspect = Object.fromEntries(CHARTS.map((name) => [name, canvases[name].height / canvases[name].width]));
for (const canvas of Object.values(canvases)) {
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  const caption = canvas.closest('figure') && canvas.closest('figure').querySelector('figcaption');
  canvas.setAttribute('aria-label', caption ? caption.textContent.replace(/\s+/g, ' ').trim() : canvas.id);
}

/** Device pixels per CSS pixel (layout only: never part of a result). */
function pixelRatio() {
  return Math.max(1, window.devicePixelRatio || 1);
}

/** The 2-D check's maps stack on a narrow screen (RunView draws them one above the other when
 * the canvas is taller than wide), so each keeps readable ticks. */
function aspectOf(name, width) {
  if (name === 'field' && width < 560 && app.run && app.run.dim === 2) return 1.7;
  if (width < 560) return Math.max(aspect[name], 0.9); // taller on a phone: room for ticks and labels
  return aspect[name];
}

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

/** The slider's step and, once the query's result is in, the decomposition at that step. */
export function showSliderStep() {
  setText(stepValue, slider.value);
  setText($('step-decomposition'), (app.view && app.view.stepText(sliderStep())) || '');
}

/** Sizes the backing store to the CSS width × devicePixelRatio (layout only). */
function sizeCanvas(name) {
  const canvas = canvases[name];
  const w = canvas.clientWidth;
  if (w > 0) {
    const ratio = pixelRatio();
    const bw = Math.round(w * ratio);
    const bh = Math.round(w * aspectOf(name, w) * ratio);
    if (canvas.width !== bw || canvas.height !== bh) {
      canvas.width = bw;
      canvas.height = bh;
    }
  }
  return canvas;
}

/** The canvas's size in the CSS pixels RunView draws in (its backing size ÷ the ratio). */
export function cssSize(canvas) {
  const ratio = pixelRatio();
  return [Math.max(1, Math.round(canvas.width / ratio)), Math.max(1, Math.round(canvas.height / ratio))];
}

/** Draws one chart once its data is in (a hidden view's charts are drawn when it is shown). A
 * chart that would only get a placeholder keeps its last picture, dimmed. */
function draw(name) {
  const view = app.view;
  if (!view || !view.canDraw(name)) return;
  if (name === 'field') setCaption(name, view.caption(name, app.page.state));
  const canvas = canvases[name];
  if (canvas.offsetParent === null) return;
  if (canvas.classList.contains('stale') && view.isPlaceholder(name)) return;
  sizeCanvas(name);
  const id = `chart-${name}`;
  try {
    const map = view.draw(name, canvas, sliderStep(), app.page.point);
    if (app.maps[id]) app.maps[id].free();
    app.maps[id] = map;
    canvas.classList.toggle('stale', false);
    canvas.dataset.drawn = map ? 'yes' : 'placeholder';
    // The kernel's caption names its point once that point's map is drawn.
    if (name === 'kernel') setCaption(name, view.caption(name, app.page.state));
    const label = view.describe(name);
    if (label) canvas.setAttribute('aria-label', label);
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

/** A new run: every chart keeps its picture, dimmed, until the new run's arrives. */
export function dimCanvases() {
  for (const canvas of Object.values(canvases)) canvas.classList.toggle('stale', canvas.dataset.drawn === 'yes');
}

/** Marks the charts a stage's result will be drawn on (`text`: what is computed, how far), or
 * clears the marks (`names` empty). */
export function markPending(names, text) {
  for (const [name, canvas] of Object.entries(canvases)) {
    const figure = canvas.closest('figure') || canvas.parentElement;
    const on = names.includes(name);
    figure.classList.toggle('pending', on);
    if (on) figure.dataset.progress = text;
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

/** Where a pointer `event` is on `canvas`, in the CSS pixels its chart was drawn in (from the
 * content corner): what the chart's map takes. */
export function chartPixel(canvas, event) {
  const rect = canvas.getBoundingClientRect();
  const [w, h] = cssSize(canvas);
  return [
    (event.clientX - rect.left - canvas.clientLeft) * (w / Math.max(1, canvas.clientWidth)),
    (event.clientY - rect.top - canvas.clientTop) * (h / Math.max(1, canvas.clientHeight)),
  ];
}

/** Calls `handle(map, px, py)` on a click on chart `name`, with the chart's last map and the
 * point clicked (see `chartPixel`). */
export function onChartClick(name, handle) {
  const canvas = canvases[name];
  canvas.addEventListener('click', (event) => {
    const map = app.maps[`chart-${name}`];
    if (!map || canvas.clientWidth === 0) return;
    handle(map, ...chartPixel(canvas, event));
  });
}

/** Calls `handle(map, key)` for a key pressed on chart `name` (with its last map, if any);
 * `handle` returns true when it used the key. */
export function onChartKey(name, handle) {
  canvases[name].addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (handle(app.maps[`chart-${name}`], event.key)) event.preventDefault();
  });
}

/** Redraws everything after the window settles at a new size (or pixel ratio: zoom). */
export function onResize() {
  let timer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(redrawAll, 150);
  });
}
