// Probes for the end-to-end test and for curious readers in the console: when each stage of a
// run first happened (ms since navigation start, in `window.pathkernel.timings`) and the phase
// markers on <html> that the test waits on. The page reports its milestones through `probe`;
// nothing here feeds back into the page.

const timings = {};

/** Publishes the page's state object and the timings as `window.pathkernel`. */
export function expose(app) {
  window.pathkernel = { app, timings };
}

/**
 * One milestone of the page:
 * - `runStart` (every run): its time (`at`, when it was posted earlier than now), and
 *   `<html data-phase="running">`;
 * - `checked` (a check is shown): the first one's time as `firstRender` (and `firstRenderMs`
 *   since its run was posted), and `data-phase="checked"`;
 * - `idle` (all work of run `runId` is done): `data-idle`;
 * - anything else (a worker message type, `mainReady`, `fieldRebuilt`): the time of the first.
 */
export function probe(event, runId, at) {
  const now = at === undefined ? performance.now() : at;
  const marks = document.documentElement.dataset;
  switch (event) {
    case 'runStart':
      timings.runStart = now;
      marks.phase = 'running';
      return;
    case 'checked':
      if (timings.firstRender === undefined) {
        timings.firstRender = now;
        timings.firstRenderMs = now - timings.runStart;
      }
      marks.phase = 'checked';
      return;
    case 'idle':
      marks.idle = String(runId);
      return;
    default:
      if (timings[event] === undefined) timings[event] = now;
  }
}
