// Shared by every widget (concatenated before each widget's module: sorter.py, selfcheck.py).
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
