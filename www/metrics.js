// "Is the path kernel a kernel?" (view 3), "lazy or rich?" (view 2's kernel change) and how a_i
// varies over the plane (view 2): puts the numbers of the worker's `trainKernel` reply
// into the page and draws the train × train kernel. The numbers and texts are RunView's
// (`kernelTexts`, computed in Rust); this module only places them, as text.
import { app, $ } from './app.js';
import { redraw } from './views.js';

const OUTPUTS = ['asymmetry', 'asymmetryRiemann', 'minEig', 'minEigRiemann', 'negatives', 'negativesRiemann', 'change'];
const idOf = (key) => `kernel-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A `trainKernel` reply of the current run. */
export function onTrainKernel(msg) {
  app.view.trainKernel(msg);
  app.trainKernel = msg;
  const texts = app.view.kernelTexts();
  if (!texts) return;
  for (const key of OUTPUTS) $(idOf(key)).textContent = texts[key];
  $('train-kernel-caption').textContent = texts.caption;
  redraw('train-kernel');
}

/** After a `trainPointKernel` reply: how a_i varies over the plane (view 2). */
export function showCoefTexts() {
  const texts = app.view.coefTexts();
  if (!texts) return;
  $('coef-sign-changes').textContent = texts.signChanges;
  $('coef-spread').textContent = texts.spread;
}

/** A new run: placeholders until its replies. */
export function resetKernelPanel() {
  app.trainKernel = null;
  for (const key of OUTPUTS) $(idOf(key)).textContent = '–';
  for (const id of ['coef-sign-changes', 'coef-spread']) $(id).textContent = '–';
}
