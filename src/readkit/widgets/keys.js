// Shared by the lesson widgets (concatenated before each widget's module in selfcheck.py).
// data-lm-suppress-shortcuts keeps JupyterLab's command shortcuts out (Enter would put the
// cell in edit mode); the notebook also moves between cells on arrow keys by itself, so those
// keys stop at the widget. Their default actions (moving within a radio group) still happen.
const KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", " ",
                      "Enter"]);
function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("keydown", (event) => {
    if (KEYS.has(event.key)) event.stopPropagation();
  });
}
