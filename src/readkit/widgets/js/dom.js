// Building the widgets' DOM: every node is made with createElement and every text is set as a
// text node, so no text (the article's, a learner's, a label's) is ever read as HTML.

// h("p", {className: "rk-keys", id}, "Keys: ", h("kbd", {}, "1-4")): an element with its
// properties and children. className, hidden and dataset ({name: value}) are set as
// properties, everything else as an attribute (tabindex, role, aria-*, data-*); null,
// undefined and false leave a property out. Children are nodes or strings (text nodes), nested
// arrays flattened; null, undefined and false are skipped.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") el.className = value;
    else if (name === "hidden") el.hidden = true;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// Element ids stay unique when a page shows several widgets (and several views of one).
let made = 0;
export function uniqueId(prefix) {
  made += 1;
  return `${prefix}${made}-${Math.random().toString(36).slice(2, 7)}`;
}

// say(text) puts `text` in a live region: emptied first, then filled a moment later, so that
// the same words twice are announced twice. say.cancel() drops a pending fill.
export function announcer(region, delay = 30) {
  let timer = null;
  const say = (text) => {
    region.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(() => {
      region.textContent = text;
    }, delay);
  };
  say.cancel = () => clearTimeout(timer);
  return say;
}
