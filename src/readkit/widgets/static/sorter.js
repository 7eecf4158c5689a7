// Built by `make widgets` (esbuild 0.28.2) from readkit/widgets/js: do not edit. Sources sha256 7a3c97aa41e7ea9ba45e55049802515406811c72c08f22f1b85af32c6b2f2a68

// src/readkit/widgets/js/article.js
function runNode(run) {
  let node = document.createTextNode(run.text);
  if (run.u) {
    const underline = document.createElement("u");
    underline.append(node);
    node = underline;
  }
  if (run.b) {
    const bold = document.createElement("strong");
    bold.append(node);
    node = bold;
  }
  return node;
}
function sentence(runs) {
  const out = document.createDocumentFragment();
  let quote = null;
  for (const run of runs) {
    if (!run.q) {
      quote = null;
      out.append(runNode(run));
      continue;
    }
    if (!quote) {
      quote = document.createElement("span");
      quote.className = "rk-quote";
      out.append(quote);
    }
    quote.append(runNode(run));
  }
  return out;
}

// src/readkit/widgets/js/dom.js
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === void 0 || value === false) continue;
    if (name === "className") el.className = value;
    else if (name === "hidden") el.hidden = true;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat(Infinity).filter((c) => c !== null && c !== void 0 && c !== false));
  return el;
}
var made = 0;
function uniqueId(prefix) {
  made += 1;
  return `${prefix}${made}-${Math.random().toString(36).slice(2, 7)}`;
}
function announcer(region, delay = 30) {
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

// src/readkit/widgets/js/choices.js
function nameWithLetter(label) {
  const at = label.name.toLowerCase().indexOf(label.key);
  if (at < 0) return [label.name];
  return [
    label.name.slice(0, at),
    h("span", { className: "rk-letter" }, label.name[at]),
    label.name.slice(at + 1)
  ];
}
function choiceRadio(label, k) {
  return h(
    "div",
    {
      role: "radio",
      className: "rk-choice",
      "aria-checked": "false",
      tabindex: k === 0 ? 0 : -1,
      "data-lm-suppress-shortcuts": "true",
      "data-label": label.name,
      "aria-keyshortcuts": `${label.digit} ${label.key.toUpperCase()}`
    },
    h("span", { className: "rk-tick", "aria-hidden": "true" }),
    h("kbd", { className: "rk-key", "aria-hidden": "true" }, label.digit),
    h("span", { className: "rk-name" }, nameWithLetter(label))
  );
}

// src/readkit/widgets/js/keys.js
function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("focusin", (event) => {
    event.target.setAttribute("data-lm-suppress-shortcuts", "true");
  });
  root.addEventListener("keydown", (event) => event.stopPropagation());
}
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
function keyMap(labels) {
  const byDigit = new Map(labels.map((label) => [label.digit, label.name]));
  const byLetter = new Map(labels.map((label) => [label.key, label.name]));
  return {
    digit: (key) => byDigit.get(key) ?? null,
    letter: (key) => key.length === 1 ? byLetter.get(key.toLowerCase()) ?? null : null,
    digits: `${labels[0].digit}-${labels[labels.length - 1].digit}`,
    letters: labels.map((label) => label.key).join(", ")
  };
}

// src/readkit/widgets/js/sorter.js
var WAIT_MS = 4e3;
function unitNode(unit, i, labels, prefix) {
  return h(
    "div",
    { className: "rk-unit", "data-unit": unit.unit_id },
    h(
      "p",
      { className: "rk-text" },
      h("span", { className: "rk-id" }, unit.unit_id),
      " ",
      h("span", { className: "rk-sentence", id: `${prefix}t${i}` }, sentence(unit.runs))
    ),
    h("div", {
      className: "rk-choices",
      role: "radiogroup",
      "aria-labelledby": `${prefix}t${i}`,
      "aria-describedby": `${prefix}st${i} ${prefix}fb${i} ${prefix}keys`,
      "data-i": i
    }, labels.map(choiceRadio)),
    h("span", { className: "rk-state", id: `${prefix}st${i}` }),
    h("p", { className: "rk-feedback", id: `${prefix}fb${i}`, hidden: true })
  );
}
function articleNode(units, labels, prefix) {
  const body = h("div", { className: "rk-body" });
  let number = null;
  let paragraph = null;
  units.forEach((unit, i) => {
    if (unit.paragraph !== number) {
      number = unit.paragraph;
      paragraph = h(
        "div",
        { className: "rk-para" },
        h("span", { className: "rk-pnum", "aria-hidden": "true" }, `¶${number}`)
      );
      body.append(paragraph);
    }
    paragraph.append(unitNode(unit, i, labels, prefix));
  });
  return body;
}
function headNode(labels, keys, prefix, practice) {
  return h(
    "div",
    { className: "rk-head" },
    h("p", { className: "rk-intro" }, "Label each sentence."),
    h(
      "p",
      { className: "rk-keys", id: `${prefix}keys` },
      "Keys: ",
      h("kbd", {}, keys.digits),
      ` or the underlined letter (${keys.letters}) chooses, saves and moves on to the next unlabelled sentence; `,
      h("kbd", {}, "Backspace"),
      " clears; ",
      h("kbd", {}, "u"),
      " undoes; arrow keys move within a sentence, ",
      h("kbd", {}, "Tab"),
      " to the next."
    ),
    h(
      "a",
      { className: "rk-skip", href: `#${prefix}end` },
      practice ? "Skip to Check" : "Skip to the end"
    ),
    h("ul", { className: "rk-legend" }, labels.map((label) => h(
      "li",
      {},
      h("b", {}, label.name),
      " (",
      h("kbd", {}, label.digit),
      " or ",
      h("kbd", {}, label.key),
      `): ${label.description}`
    ))),
    h("p", { className: "rk-notice", role: "alert", hidden: true }),
    h("p", { className: "rk-offline", role: "alert", hidden: true })
  );
}
function render({ model, el }) {
  const started = performance.now();
  const units = model.get("_units");
  const labels = model.get("_labels");
  const practice = model.get("mode") === "practice";
  const prefix = `${uniqueId("rk")}-`;
  const view = prefix.slice(0, -1);
  const index = new Map(units.map((unit, i) => [unit.unit_id, i]));
  const keys = keyMap(labels);
  const root = h(
    "div",
    { className: "rk-sorter" },
    headNode(labels, keys, prefix, practice),
    articleNode(units, labels, prefix),
    h(
      "div",
      { className: "rk-foot" },
      h("p", { className: "rk-progress", id: `${prefix}end`, tabindex: -1 }),
      practice ? h("button", { type: "button", className: "rk-check" }, "Check my answers") : null,
      h("p", { className: "rk-status", role: "status", "aria-live": "polite" })
    )
  );
  keepKeys(root);
  el.appendChild(root);
  const groups = Array.from(root.getElementsByClassName("rk-choices"));
  const radios = groups.map((group) => Array.from(group.children));
  const feedbackEls = Array.from(root.getElementsByClassName("rk-feedback"));
  const stateEls = Array.from(root.getElementsByClassName("rk-state"));
  const unitEls = Array.from(root.getElementsByClassName("rk-unit"));
  const progress = root.querySelector(".rk-progress");
  const notice = root.querySelector(".rk-notice");
  const offline = root.querySelector(".rk-offline");
  const checkButton = root.querySelector(".rk-check");
  const say = announcer(root.querySelector(".rk-status"));
  let confirmed = { ...model.get("answers") || {} };
  const pending = /* @__PURE__ */ new Map();
  const decided = /* @__PURE__ */ new Map();
  const failed = /* @__PURE__ */ new Set();
  const announce = /* @__PURE__ */ new Set();
  const acked = /* @__PURE__ */ new Set();
  const undo = [];
  let feedback = {};
  let seq = 0;
  let disconnected = false;
  let waitTimer = null;
  const shown = (id) => pending.has(id) ? pending.get(id).label : confirmed[id];
  const given = (label) => label !== void 0 && label !== null;
  function paintUnit(i) {
    const id = units[i].unit_id;
    const chosen = shown(id);
    const waiting = pending.has(id);
    const any = given(chosen);
    radios[i].forEach((radio, k) => {
      const checked = any && radio.dataset.label === chosen;
      radio.setAttribute("aria-checked", checked ? "true" : "false");
      radio.classList.toggle("rk-pending", checked && waiting);
      radio.tabIndex = checked || !any && k === 0 ? 0 : -1;
    });
    unitEls[i].classList.toggle("rk-done", any);
    unitEls[i].classList.toggle("rk-unsaved", waiting || failed.has(id));
    let state = "";
    if (waiting) state = "Saving…";
    else if (failed.has(id)) state = "Not saved";
    stateEls[i].textContent = state;
    if (feedback[id]) paintFeedback(i);
  }
  function paintFeedback(i) {
    const item = feedback[units[i].unit_id];
    const box = feedbackEls[i];
    const unit = unitEls[i];
    unit.classList.remove("rk-right", "rk-wrong");
    box.textContent = "";
    if (!item) {
      box.hidden = true;
      return;
    }
    const current = shown(units[i].unit_id);
    let verdict;
    if (item.label !== current) {
      verdict = "Changed since the last Check.";
    } else if (item.verdict === "right") {
      verdict = `✔ Right: ${item.label}.`;
      unit.classList.add("rk-right");
    } else {
      const tries = item.tries === 1 ? "1 wrong try" : `${item.tries} wrong tries`;
      verdict = `✘ Not ${item.label} (${tries}).` + (item.accepted ? "" : " Try another label.");
      unit.classList.add("rk-wrong");
    }
    box.append(h("span", { className: "rk-verdict" }, verdict));
    if (item.accepted) {
      box.append(h(
        "span",
        { className: "rk-reveal" },
        ` Accepted: ${item.accepted.join(" or ")}. Why: ${item.rationale}`
      ));
    }
    box.hidden = false;
  }
  function paintProgress() {
    const done = units.reduce((n, unit) => n + (confirmed[unit.unit_id] ? 1 : 0), 0);
    let text = `${done} of ${units.length} labelled`;
    if (pending.size) text += `, ${pending.size} saving…`;
    progress.textContent = text;
    root.dataset.pending = String(pending.size);
  }
  function paintAll() {
    units.forEach((_, i) => paintUnit(i));
    paintProgress();
  }
  function onAnswers() {
    const next = model.get("answers") || {};
    const changed = /* @__PURE__ */ new Set([...Object.keys(next), ...Object.keys(confirmed)]);
    confirmed = { ...next };
    for (const id of changed) {
      const i = index.get(id);
      if (i !== void 0) paintUnit(i);
    }
    paintProgress();
  }
  function onFeedback() {
    const previous = feedback;
    feedback = model.get("feedback") || {};
    const ids = /* @__PURE__ */ new Set([...Object.keys(previous), ...Object.keys(feedback)]);
    for (const id of ids) {
      const i = index.get(id);
      if (i !== void 0) paintFeedback(i);
    }
  }
  function onNotice() {
    const text = model.get("notice");
    notice.textContent = text ? `⚠ ${text}` : "";
    notice.hidden = !text;
  }
  function disconnect() {
    if (disconnected) return;
    disconnected = true;
    clearTimeout(waitTimer);
    for (const id of pending.keys()) failed.add(id);
    pending.clear();
    root.classList.add("rk-disconnected");
    radios.flat().forEach((radio) => radio.setAttribute("aria-disabled", "true"));
    if (checkButton) checkButton.disabled = true;
    offline.textContent = "⚠ Disconnected: the kernel behind this Sorter was restarted or stopped, so choices made here cannot be saved. The choices shown are the ones saved in the answers file. Run the cell again to go on labelling.";
    offline.hidden = false;
    paintAll();
  }
  function watchWaiting() {
    clearTimeout(waitTimer);
    if (!pending.size || disconnected) {
      root.classList.remove("rk-waiting");
      return;
    }
    waitTimer = setTimeout(() => {
      if (pending.size && !disconnected) {
        root.classList.add("rk-waiting");
        progress.textContent += " (waiting for the kernel: is a cell still running?)";
      }
    }, WAIT_MS);
  }
  function send(i, label, loud) {
    const id = units[i].unit_id;
    const s = ++seq;
    pending.set(id, { label, seq: s });
    decided.set(id, label);
    failed.delete(id);
    if (loud) announce.add(s);
    const callbacks = {
      iopub: {
        status: (msg) => {
          if (msg && msg.content && msg.content.execution_state === "idle" && !acked.has(s)) {
            setTimeout(() => {
              if (!acked.has(s)) disconnect();
            }, 300);
          }
        }
      }
    };
    model.send({ type: "choose", unit: id, label, seq: s, view }, callbacks);
    paintUnit(i);
    paintProgress();
    watchWaiting();
  }
  function decide(i, label, loud) {
    if (disconnected) {
      offline.hidden = true;
      offline.hidden = false;
      return false;
    }
    const id = units[i].unit_id;
    const before = shown(id);
    if (before === label || before === void 0 && label === null) return true;
    undo.push({ i, before: before === void 0 ? null : before });
    send(i, label, loud);
    return true;
  }
  function undoLast() {
    if (disconnected) return;
    const last = undo.pop();
    if (!last) return;
    send(last.i, last.before, true);
    focusUnit(last.i);
  }
  function focusUnit(i) {
    (radios[i].find((radio) => radio.tabIndex === 0) || radios[i][0]).focus();
  }
  function labelled(j) {
    const id = units[j].unit_id;
    return given(shown(id)) || given(decided.get(id));
  }
  function advance(i) {
    for (let step = 1; step < units.length; step++) {
      const j = (i + step) % units.length;
      if (!labelled(j)) {
        focusUnit(j);
        return;
      }
    }
    const sorters = Array.from(document.querySelectorAll(".rk-sorter:not(.rk-disconnected)"));
    const after = sorters.slice(sorters.indexOf(root) + 1);
    for (const other of after) {
      const open = other.querySelector(".rk-unit:not(.rk-done) [role='radio'][tabindex='0']");
      if (open) {
        open.focus();
        return;
      }
    }
    if (i + 1 < units.length) focusUnit(i + 1);
  }
  function onClick(event) {
    const radio = event.target.closest('[role="radio"]');
    if (radio && root.contains(radio)) {
      decide(Number(radio.parentElement.dataset.i), radio.dataset.label, true);
      radio.focus();
    } else if (event.target.closest(".rk-check")) {
      if (disconnected) return;
      const open = {};
      for (const [id, item] of pending) open[id] = { label: item.label, seq: item.seq };
      model.send({ type: "check", view, pending: open });
    } else if (event.target.closest(".rk-skip")) {
      event.preventDefault();
      (checkButton || progress).focus();
    }
  }
  function onKey(event) {
    if (event.isComposing) return;
    const radio = event.target.closest && event.target.closest('[role="radio"]');
    if (!radio || !root.contains(radio)) return;
    const i = Number(radio.parentElement.dataset.i);
    const list = radios[i];
    const key = event.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    const command = event.ctrlKey || event.metaKey;
    const plain = !command && !event.altKey;
    const label = plain ? keys.digit(key) ?? keys.letter(key) : null;
    if (label) {
      if (decide(i, label, true)) advance(i);
    } else if (plain && (key === "Backspace" || key === "Delete")) {
      decide(i, null, true);
    } else if (plain && lower === "u" || command && !event.shiftKey && lower === "z") {
      undoLast();
    } else {
      const target = radioTarget(key, list, list.indexOf(radio));
      if (!target) return;
      decide(i, target.dataset.label, key === " " || key === "Enter");
      target.focus();
    }
    event.preventDefault();
  }
  function onMessage(message) {
    if (!message || typeof message !== "object") return;
    const mine = message.view === view;
    if (message.type === "saved") {
      const changes = message.changes || [];
      for (const [id, label] of changes) {
        if (label === null || label === void 0) delete confirmed[id];
        else confirmed[id] = label;
        const waiting = pending.get(id);
        if (mine && waiting && waiting.seq <= message.seq) pending.delete(id);
        if (index.has(id)) paintUnit(index.get(id));
      }
      if (mine) acked.add(message.seq);
      paintProgress();
      watchWaiting();
      const named = changes.map(([id, label]) => `${id} ${label || "cleared"}`);
      if (mine ? announce.delete(message.seq) : message.view === void 0) {
        if (changes.length > 3) say(`Saved: ${changes.length} answers`);
        else if (changes.length) say(`Saved: ${named.join(", ")}`);
      }
    } else if (message.type === "not-saved" && mine) {
      acked.add(message.seq);
      const waiting = pending.get(message.unit);
      if (waiting && waiting.seq <= message.seq) {
        pending.delete(message.unit);
        failed.add(message.unit);
      }
      if (index.has(message.unit)) paintUnit(index.get(message.unit));
      paintProgress();
      watchWaiting();
      say(`Not saved: ${message.unit}. See the notice above.`);
    } else if (message.type === "checked" && (mine || message.view === void 0)) {
      say(message.summary);
    } else if (message.type === "save-failed") {
      say("Not saved: see the notice above.");
    }
  }
  root.addEventListener("click", onClick);
  root.addEventListener("keydown", onKey);
  model.on("change:answers", onAnswers);
  model.on("change:feedback", onFeedback);
  model.on("change:notice", onNotice);
  model.on("msg:custom", onMessage);
  model.on("comm_live_update", disconnect);
  paintAll();
  onFeedback();
  onNotice();
  root.dataset.renderMs = (performance.now() - started).toFixed(1);
  return () => {
    clearTimeout(waitTimer);
    say.cancel();
    model.off("change:answers", onAnswers);
    model.off("change:feedback", onFeedback);
    model.off("change:notice", onNotice);
    model.off("msg:custom", onMessage);
    model.off("comm_live_update", disconnect);
  };
}
var sorter_default = { render };
export {
  sorter_default as default
};
