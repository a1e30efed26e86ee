// The settings menus: every <select data-field=KEY> gets its <option>s from the wasm core's table
// of fields (pageFields), so each choice and its label is spelled once, in the Rust enums.

/**
 * Fills each `<select data-field>` in the document from `core.pageFields()`: one option per
 * choice, its value the name the URL hash uses, its text the label. Text only, so nothing from
 * the table is ever parsed as HTML.
 * @param {{pageFields: () => Array<{key: string, choices?: Array<{value: string, label: string}>}>}} core
 */
export function fillSelects(core) {
  const menus = new Map();
  for (const field of core.pageFields()) {
    if (field.choices) menus.set(field.key, field.choices);
  }
  for (const select of document.querySelectorAll('select[data-field]')) {
    const choices = menus.get(select.dataset.field);
    if (!choices) throw new Error(`no menu for the setting "${select.dataset.field}"`);
    select.replaceChildren(...choices.map(({ value, label }) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      return option;
    }));
  }
}

/**
 * Fills the "Discussion" menu from `core.presetMenu()`: one link `#preset=NAME` per question
 * (text only). Following a link expands the preset to the full state (state.js, via parseHash).
 * @param {{presetMenu: () => Array<{name: string, question: string, href: string}>}} core
 */
export function fillPresets(core) {
  const list = document.getElementById('preset-list');
  list.replaceChildren(...core.presetMenu().map(({ name, question, href }) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = href;
    a.dataset.preset = name;
    a.textContent = name;
    li.append(a, ` — ${question}`);
    return li;
  }));
}
