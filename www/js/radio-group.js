// radio-group.js: a row of buttons as one ARIA radio group with a roving tabindex (WAI-ARIA
// Authoring Practices, "Radio Group"): Tab enters and leaves the group in one stop, on the checked
// button; the arrow keys (Home, End) move to the next available button and pick it. Buttons with
// aria-disabled="true" are skipped. Space and Enter pick the focused button (a button's click).

const radios = (group) => [...group.querySelectorAll('button')];
const available = (b) => b.getAttribute('aria-disabled') !== 'true';

/** Makes `group` a radio group; `pick(button)` is called for the button the arrow keys land on. */
export function wireRadioGroup(group, pick) {
  group.setAttribute('role', 'radiogroup');
  group.addEventListener('keydown', (e) => {
    const all = radios(group);
    const i = all.indexOf(document.activeElement);
    if (i < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    let next = null;
    if (step) {
      for (let k = 1; k <= all.length && !next; k++) {
        const b = all[(i + step * k + all.length * k) % all.length];
        if (available(b)) next = b;
      }
    } else if (e.key === 'Home') next = all.find(available);
    else if (e.key === 'End') next = all.findLast(available);
    else return;
    e.preventDefault();
    if (!next || next === all[i]) return;
    checkRadio(group, next);
    next.focus();
    pick(next);
  });
}

/**
 * Marks `checked` (one of the group's buttons, or null) as the group's choice: aria-checked, and
 * the group's one Tab stop (the first available button while none is checked).
 */
export function checkRadio(group, checked) {
  const all = radios(group);
  const stop = checked || all.find(available) || all[0];
  for (const b of all) {
    b.setAttribute('role', 'radio');
    b.setAttribute('aria-checked', String(b === checked));
    b.tabIndex = b === stop ? 0 : -1;
  }
}
