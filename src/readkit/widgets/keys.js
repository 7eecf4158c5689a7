// Shared by every widget (concatenated before each widget's module: sorter.py, author.py,
// selfcheck.py).
// No key typed inside reaches JupyterLab's command mode (m would turn the cell into Markdown,
// d d delete it, Enter put it in edit mode). Lumino skips a shortcut when it meets an element
// with data-lm-suppress-shortcuts on its way up from the key event's target, but it tests each
// element against the shortcut's selector first: the notebook's selectors end in ":focus",
// which the focused element itself matches. So the attribute goes on the root and on whatever
// gets the focus inside it. No key bubbles past the widget either (JupyterLab listens in the
// bubbling phase). Default actions (moving within a radio group, Tab, a select) still happen.
function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("focusin", (event) => {
    event.target.setAttribute("data-lm-suppress-shortcuts", "true");
  });
  root.addEventListener("keydown", (event) => event.stopPropagation());
}

// Roving focus in a radio group (the WAI-ARIA radio group keys): the radio that `key` moves to
// from list[k] (arrows wrap round, Home, End), list[k] itself for Space and Enter (choose the
// focused one), null for any other key.
function radioTarget(key, list, k) {
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
