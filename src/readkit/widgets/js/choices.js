// The four label choices of a unit, the same in the Sorter and its author mode: a radio each
// (roving tabindex: only the first is tabbable until one is checked) with its digit and its
// name, the key letter underlined.

import { h } from "./dom.js";

// A label's name with its key letter underlined: "co" <span>m</span> "mentary" for commentary's m.
export function nameWithLetter(label) {
  const at = label.name.toLowerCase().indexOf(label.key);
  if (at < 0) return [label.name];
  return [label.name.slice(0, at), h("span", { className: "rk-letter" }, label.name[at]),
    label.name.slice(at + 1)];
}

export function choiceRadio(label, k) {
  return h("div", {
    role: "radio", className: "rk-choice", "aria-checked": "false", tabindex: k === 0 ? 0 : -1,
    "data-lm-suppress-shortcuts": "true", "data-label": label.name,
    "aria-keyshortcuts": `${label.digit} ${label.key.toUpperCase()}`,
  },
  h("span", { className: "rk-tick", "aria-hidden": "true" }),
  h("kbd", { className: "rk-key", "aria-hidden": "true" }, label.digit),
  h("span", { className: "rk-name" }, nameWithLetter(label)));
}
