// The keyboard, for every widget: no key reaches JupyterLab, the radio group's keys, and the
// one map from a key to a label.

// No key typed inside reaches JupyterLab's command mode (m would turn the cell into Markdown,
// d d delete it, Enter put it in edit mode). Lumino skips a shortcut when it meets an element
// with data-lm-suppress-shortcuts on its way up from the key event's target, but it tests each
// element against the shortcut's selector first: the notebook's selectors end in ":focus",
// which the focused element itself matches. So the attribute goes on the root and on whatever
// gets the focus inside it. No key bubbles past the widget either (JupyterLab listens in the
// bubbling phase). Default actions (moving within a radio group, Tab, a select) still happen.
export function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("focusin", (event) => {
    event.target.setAttribute("data-lm-suppress-shortcuts", "true");
  });
  root.addEventListener("keydown", (event) => event.stopPropagation());
}

// Roving focus in a radio group (the WAI-ARIA radio group keys): the radio that `key` moves to
// from list[k] (arrows wrap round, Home, End), list[k] itself for Space and Enter (choose the
// focused one), null for any other key.
export function radioTarget(key, list, k) {
  const n = list.length;
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return list[(k + 1) % n];
    case "ArrowLeft":
    case "ArrowUp":
      return list[(k + n - 1) % n];
    case "Home":
      return list[0];
    case "End":
      return list[n - 1];
    case " ":
    case "Enter":
      return list[k];
    default:
      return null;
  }
}

// One key per decision: a label's digit (its place in the order shown, "1"-"4") or its letter
// (labels[].key, either case: Caps Lock on is no trap). `labels` is the widget's _labels trait:
// [{name, description, key, digit}].
export function keyMap(labels) {
  const byDigit = new Map(labels.map((label) => [label.digit, label.name]));
  const byLetter = new Map(labels.map((label) => [label.key, label.name]));
  return {
    digit: (key) => byDigit.get(key) ?? null,
    letter: (key) => (key.length === 1 ? byLetter.get(key.toLowerCase()) ?? null : null),
    digits: `${labels[0].digit}-${labels[labels.length - 1].digit}`,
    letters: labels.map((label) => label.key).join(", "),
  };
}
