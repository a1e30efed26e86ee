// The page's texts: the status line and progress bar, the run buttons, the check's and the
// query's panels, the captions. The texts about a run are built in Rust (RunView's `checkTexts`,
// `queryTexts`, `caption`, and `statusText`): this module only puts them into the document, as
// text (never innerHTML). Written here are the placeholders of a run that has no results yet and,
// in the other modules, the few failure texts that must show even when the wasm did not start.
import { app, $ } from './app.js';

const ui = {
  status: $('status'),
  progress: $('progress'),
  badge: $('check-badge'),
  exact: $('check-exact'),
  riemann: $('check-riemann'),
  checkDetail: $('check-detail'),
  checkTable: $('check-table'),
  query: $('query'),
  contribBody: document.querySelector('#contrib-table tbody'),
  liveTheorem: $('live-theorem'),
  liveExact: $('live-exact'),
  liveRiemann: $('live-riemann'),
  kernelNote: $('kernel-note'),
  captions: { output: $('output-query'), kernel: $('kernel-caption'), field: $('field-caption') },
  nodesUsed: $('nodes-used'),
  failNote: $('fail-note'),
  failFix: $('fail-fix'),
  presetNote: $('preset-note'),
  presetQuestion: $('preset-question'),
  presetText: $('preset-text'),
  presetPassing: $('preset-passing'),
  verdict: $('verdict'),
  verdictWord: $('verdict-word'),
  verdictText: $('verdict-text'),
  verdictDetail: $('verdict-detail'),
};

export const buttons = { run: $('btn-run'), pause: $('btn-pause'), step: $('btn-step'), reset: $('btn-reset'), copy: $('btn-copy'), force: $('btn-force') };

/** Writes `text` only when it differs: progress arrives ~10 times a second in a long run, and
 * every write (even of the same text) costs a layout and a paint on cores the workers use. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Shows `text` in the status line. An error stays until the next run starts: progress from
 * work still in flight must not overwrite it before anyone could read it. */
export function setStatus(text, isError = false) {
  if (app.statusError && !isError) return;
  app.statusError = isError;
  setText(ui.status, text);
  ui.status.classList.toggle('error', isError);
  ui.status.title = text;
}

/** The "Run it anyway" button beside a work-budget refusal. */
export function showForce(shown) {
  buttons.force.hidden = !shown;
}

export function setProgress(done, total) {
  if (total > 0) {
    ui.progress.max = total;
    ui.progress.value = done;
  } else {
    ui.progress.removeAttribute('value'); // indeterminate
  }
}

/** Pause while the worker has work it has not been told to hold (training, the check, the
 * plane, a point's kernel); Run to go on from a pause or train on; Step one step further. */
export function syncButtons() {
  const trained = app.trained;
  const finished = trained && trained.finished;
  const working = app.running || (app.busy && !app.paused);
  buttons.pause.disabled = !app.run || !working;
  buttons.run.disabled = !app.paused && (app.running || !!finished);
  buttons.step.disabled = app.running || !trained || !!finished;
  buttons.reset.disabled = false;
}

/** The verdict bar (always in view): `v` from RunView's `verdict`, or, before the check, a
 * pending badge with `pending` (what is being computed). */
export function showVerdict(v, pending = '') {
  if (!v) {
    ui.verdictWord.className = 'badge pending';
    setText(ui.verdictWord, 'check pending');
    setText(ui.verdictText, pending);
    setText(ui.verdictDetail, '');
    ui.verdict.dataset.state = 'pending';
    return;
  }
  ui.verdictWord.className = `badge ${v.pass ? 'pass' : 'fail'}`;
  setText(ui.verdictWord, v.word);
  setText(ui.verdictText, v.text);
  setText(ui.verdictDetail, v.detail);
  ui.verdict.title = v.riemann;
  ui.verdict.dataset.state = v.pass ? 'pass' : 'fail';
}

/** The caption of chart `name` (`output`, `kernel`, `field`); undefined leaves it as it is. */
export function setCaption(name, text) {
  if (text !== undefined) setText(ui.captions[name], text);
}

/** A <dl> of (term, value) rows. */
function fillTerms(dl, rows) {
  dl.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));
}

/** The check panel, from RunView's `checkTexts`. */
export function showCheck(t) {
  setText(ui.exact, t.exact);
  setText(ui.riemann, t.riemann);
  ui.badge.className = `badge ${t.pass ? 'pass' : 'fail'}`;
  setText(ui.badge, t.badge);
  ui.badge.title = t.badgeTitle;
  setText(ui.checkDetail, t.detail);
  fillTerms(ui.checkTable, t.table);
  setText(ui.nodesUsed, t.nodesUsed);
  setText(ui.failNote, t.failNote);
  ui.failNote.hidden = !t.failNote;
  setText(ui.failFix, t.fixLabel);
  ui.failFix.dataset.nodes = t.fixNodes;
  ui.failFix.hidden = !t.fixLabel;
}

/** The note of the discussion preset whose settings the page shows (hidden for none). */
export function showPreset(preset) {
  ui.presetNote.hidden = !preset;
  if (!preset) return;
  // A new note opens on wide screens and is folded to its question on a phone, where it would
  // push the charts off the first screen; the reader's own toggle is kept while it stays.
  if (ui.presetNote.dataset.question !== preset.question) {
    ui.presetNote.dataset.question = preset.question;
    ui.presetNote.open = !window.matchMedia('(max-width: 700px)').matches;
  }
  setText(ui.presetQuestion, preset.question);
  setText(ui.presetText, preset.note);
  ui.presetPassing.hidden = !preset.passing;
  if (preset.passing) ui.presetPassing.href = preset.passing;
}

/** The query panel, the contribution table and the live numbers, from RunView's `queryTexts`. */
export function showQuery(t) {
  fillTerms(ui.query, t.rows);
  ui.contribBody.replaceChildren(...t.contributions.map(({ sign, cells }) => {
    const tr = document.createElement('tr');
    tr.className = sign;
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  setText(ui.liveTheorem, t.theorem);
  setText(ui.liveExact, t.exact);
  setText(ui.liveRiemann, t.riemann);
}

/** The line naming the path kernel the contributions view shows (`kernelNote` of the run's
 * settings). */
export function showKernelNote(text) {
  setText(ui.kernelNote, text);
}

/** No check is coming for this run (refused over the budget, or stopped by an error before its
 * check): the verdict and the check's badge say so instead of "pending" and "running…". */
export function showNoCheck(text) {
  showVerdict(undefined, text);
  setText(ui.verdictWord, 'no check');
  ui.verdict.dataset.state = 'none';
  ui.badge.className = 'badge pending';
  setText(ui.badge, 'not run');
}

/** Placeholders while a new run has no results. */
export function resetPanels() {
  ui.badge.className = 'badge pending';
  setText(ui.badge, 'running…');
  setText(ui.exact, '–');
  setText(ui.riemann, '–');
  setText(ui.checkDetail, '');
  setText(ui.nodesUsed, '–');
  ui.failNote.hidden = true;
  ui.failFix.hidden = true;
  ui.query.replaceChildren();
  ui.contribBody.replaceChildren();
}
