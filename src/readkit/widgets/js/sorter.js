// The Sorter's front end (an anywidget ES module, bundled into ../static/sorter.js by esbuild:
// `make widgets`).
//
// The article is built once with DOM calls; one delegated listener per event type sits on the
// root. Each unit is a radiogroup (roving tabindex: Tab moves between units, arrows between
// choices), named by its full sentence (aria-labelledby); its text comes as runs from Python
// (article markup read, quotations marked) and only ever becomes text nodes.
//
// Keyboard-first: 1-4 or the letter shown on a choice picks it, saves it and moves the focus
// to the next unlabelled sentence (on to the next Sorter of the page when this one is done);
// Backspace/Delete clears; u or Ctrl+Z undoes. No key typed inside reaches JupyterLab's
// command mode (m would make the cell Markdown): see keepKeys in keys.js.
//
// Loss-proof: a decision is one message {type: "choose", unit, label, seq, view}; the choice
// shows as pending until the kernel acknowledges it ({type: "saved"}, after the file is
// written). A kernel that processed the message without answering no longer knows this widget
// (it was restarted): the view says it is disconnected, drops what was pending and accepts no
// choice. The live region announces saved decisions and Check results, not every arrow press.

import { sentence } from "./article.js";
import { choiceRadio } from "./choices.js";
import { announcer, h, uniqueId } from "./dom.js";
import { keepKeys, keyMap, radioTarget } from "./keys.js";

const WAIT_MS = 4000; // no answer from the kernel after this long: say that it is waiting

function unitNode(unit, i, labels, prefix) {
  return h("div", { className: "rk-unit", "data-unit": unit.unit_id },
    h("p", { className: "rk-text" },
      h("span", { className: "rk-id" }, unit.unit_id), " ",
      h("span", { className: "rk-sentence", id: `${prefix}t${i}` }, sentence(unit.runs))),
    h("div", {
      className: "rk-choices", role: "radiogroup", "aria-labelledby": `${prefix}t${i}`,
      "aria-describedby": `${prefix}st${i} ${prefix}fb${i} ${prefix}keys`, "data-i": i,
    }, labels.map(choiceRadio)),
    h("span", { className: "rk-state", id: `${prefix}st${i}` }),
    h("p", { className: "rk-feedback", id: `${prefix}fb${i}`, hidden: true }));
}

// The units in paragraphs: div.rk-para, its number, then its units.
function articleNode(units, labels, prefix) {
  const body = h("div", { className: "rk-body" });
  let number = null;
  let paragraph = null;
  units.forEach((unit, i) => {
    if (unit.paragraph !== number) {
      number = unit.paragraph;
      paragraph = h("div", { className: "rk-para" },
        h("span", { className: "rk-pnum", "aria-hidden": "true" }, `\u00b6${number}`));
      body.append(paragraph);
    }
    paragraph.append(unitNode(unit, i, labels, prefix));
  });
  return body;
}

function headNode(labels, keys, prefix, practice) {
  return h("div", { className: "rk-head" },
    h("p", { className: "rk-intro" }, "Label each sentence."),
    h("p", { className: "rk-keys", id: `${prefix}keys` },
      "Keys: ", h("kbd", {}, keys.digits),
      ` or the underlined letter (${keys.letters}) chooses, saves and moves on to the next ` +
      "unlabelled sentence; ", h("kbd", {}, "Backspace"), " clears; ", h("kbd", {}, "u"),
      " undoes; arrow keys move within a sentence, ", h("kbd", {}, "Tab"), " to the next."),
    h("a", { className: "rk-skip", href: `#${prefix}end` },
      practice ? "Skip to Check" : "Skip to the end"),
    h("ul", { className: "rk-legend" }, labels.map((label) => h("li", {},
      h("b", {}, label.name), " (", h("kbd", {}, label.digit), " or ", h("kbd", {}, label.key),
      `): ${label.description}`))),
    h("p", { className: "rk-notice", role: "alert", hidden: true }),
    h("p", { className: "rk-offline", role: "alert", hidden: true }));
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

  const root = h("div", { className: "rk-sorter" },
    headNode(labels, keys, prefix, practice),
    articleNode(units, labels, prefix),
    h("div", { className: "rk-foot" },
      h("p", { className: "rk-progress", id: `${prefix}end`, tabindex: -1 }),
      practice ? h("button", { type: "button", className: "rk-check" }, "Check my answers")
        : null,
      h("p", { className: "rk-status", role: "status", "aria-live": "polite" })));
  // No key reaches JupyterLab; every choice also carries the attribute from the start.
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

  let confirmed = { ...(model.get("answers") || {}) }; // what the kernel says is on disk
  const pending = new Map(); // unit id -> {label, seq}: sent, not acknowledged yet
  // unit id -> the label this view last chose for it (null: cleared), acknowledged or not:
  // where the focus goes next never depends on when (or whether) the kernel answered.
  const decided = new Map();
  const failed = new Set(); // unit ids whose last choice could not be saved
  const announce = new Set(); // seqs of decisions to announce once saved
  const acked = new Set();
  const undo = []; // [{i, before}], this view's own decisions
  let feedback = {};
  let seq = 0;
  let disconnected = false;
  let waitTimer = null;

  const shown = (id) => (pending.has(id) ? pending.get(id).label : confirmed[id]);
  const given = (label) => label !== undefined && label !== null;

  function paintUnit(i) {
    const id = units[i].unit_id;
    const chosen = shown(id);
    const waiting = pending.has(id);
    const any = given(chosen);
    radios[i].forEach((radio, k) => {
      const checked = any && radio.dataset.label === chosen;
      radio.setAttribute("aria-checked", checked ? "true" : "false");
      radio.classList.toggle("rk-pending", checked && waiting);
      radio.tabIndex = checked || (!any && k === 0) ? 0 : -1;
    });
    unitEls[i].classList.toggle("rk-done", any);
    unitEls[i].classList.toggle("rk-unsaved", waiting || failed.has(id));
    let state = "";
    if (waiting) state = "Saving\u2026";
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
      verdict = `\u2714 Right: ${item.label}.`;
      unit.classList.add("rk-right");
    } else {
      const tries = item.tries === 1 ? "1 wrong try" : `${item.tries} wrong tries`;
      verdict = `\u2718 Not ${item.label} (${tries}).` + (item.accepted ? "" : " Try another label.");
      unit.classList.add("rk-wrong");
    }
    box.append(h("span", { className: "rk-verdict" }, verdict));
    if (item.accepted) {
      box.append(h("span", { className: "rk-reveal" },
        ` Accepted: ${item.accepted.join(" or ")}. Why: ${item.rationale}`));
    }
    box.hidden = false;
  }

  function paintProgress() {
    const done = units.reduce((n, unit) => n + (confirmed[unit.unit_id] ? 1 : 0), 0);
    let text = `${done} of ${units.length} labelled`;
    if (pending.size) text += `, ${pending.size} saving\u2026`;
    progress.textContent = text;
    root.dataset.pending = String(pending.size);
  }

  function paintAll() {
    units.forEach((_, i) => paintUnit(i));
    paintProgress();
  }

  function onAnswers() {
    const next = model.get("answers") || {};
    const changed = new Set([...Object.keys(next), ...Object.keys(confirmed)]);
    confirmed = { ...next };
    for (const id of changed) {
      const i = index.get(id);
      if (i !== undefined) paintUnit(i);
    }
    paintProgress();
  }

  function onFeedback() {
    const previous = feedback;
    feedback = model.get("feedback") || {};
    const ids = new Set([...Object.keys(previous), ...Object.keys(feedback)]);
    for (const id of ids) {
      const i = index.get(id);
      if (i !== undefined) paintFeedback(i);
    }
  }

  function onNotice() {
    const text = model.get("notice");
    notice.textContent = text ? `\u26a0 ${text}` : "";
    notice.hidden = !text;
  }

  // -- the kernel connection ------------------------------------------------------------------

  function disconnect() {
    if (disconnected) return;
    disconnected = true;
    clearTimeout(waitTimer);
    for (const id of pending.keys()) failed.add(id);
    pending.clear();
    root.classList.add("rk-disconnected");
    radios.flat().forEach((radio) => radio.setAttribute("aria-disabled", "true"));
    if (checkButton) checkButton.disabled = true;
    offline.textContent =
      "\u26a0 Disconnected: the kernel behind this Sorter was restarted or stopped, so " +
      "choices made here cannot be saved. The choices shown are the ones saved in the " +
      "answers file. Run the cell again to go on labelling.";
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
          // The kernel has handled the message: without an answer by now (and a moment's
          // grace for the answer's own handling), it does not know this widget any more.
          if (msg && msg.content && msg.content.execution_state === "idle" && !acked.has(s)) {
            setTimeout(() => { if (!acked.has(s)) disconnect(); }, 300);
          }
        },
      },
    };
    model.send({ type: "choose", unit: id, label, seq: s, view }, callbacks);
    paintUnit(i);
    paintProgress();
    watchWaiting();
  }

  // A decision by key or click. Returns false when the view cannot save it.
  function decide(i, label, loud) {
    if (disconnected) {
      offline.hidden = true;
      offline.hidden = false; // shown again (and announced again)
      return false;
    }
    const id = units[i].unit_id;
    const before = shown(id);
    if (before === label || (before === undefined && label === null)) return true;
    undo.push({ i, before: before === undefined ? null : before });
    send(i, label, loud);
    return true;
  }

  function undoLast() {
    if (disconnected) return;
    const last = undo.pop();
    if (!last) return; // the live region speaks of saved changes and results only
    send(last.i, last.before, true);
    focusUnit(last.i);
  }

  function focusUnit(i) {
    (radios[i].find((radio) => radio.tabIndex === 0) || radios[i][0]).focus();
  }

  // Labelled, for moving on: shown with a label (saved, or sent and not answered yet), or
  // labelled in this view, whatever the kernel has said of it so far.
  function labelled(j) {
    const id = units[j].unit_id;
    return given(shown(id)) || given(decided.get(id));
  }

  // The next sentence without a label after unit i (wrapping round); when all are labelled,
  // the next Sorter of the page that has an unlabelled sentence, else simply the next one.
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

  // -- events ---------------------------------------------------------------------------------

  function onClick(event) {
    const radio = event.target.closest('[role="radio"]');
    if (radio && root.contains(radio)) {
      decide(Number(radio.parentElement.dataset.i), radio.dataset.label, true);
      radio.focus();
    } else if (event.target.closest(".rk-check")) {
      if (disconnected) return;
      const open = {}; // with their order: the kernel may handle messages out of order
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
    if (!radio || !root.contains(radio)) return; // the skip link, Check: default action only
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
    } else if ((plain && lower === "u") || (command && !event.shiftKey && lower === "z")) {
      undoLast();
    } else {
      const target = radioTarget(key, list, list.indexOf(radio));
      if (!target) return; // Tab and the rest keep their default (and never reach JupyterLab)
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
        if (label === null || label === undefined) delete confirmed[id];
        else confirmed[id] = label;
        const waiting = pending.get(id);
        if (mine && waiting && waiting.seq <= message.seq) pending.delete(id);
        if (index.has(id)) paintUnit(index.get(id));
      }
      if (mine) acked.add(message.seq);
      paintProgress();
      watchWaiting();
      const named = changes.map(([id, label]) => `${id} ${label || "cleared"}`);
      if (mine ? announce.delete(message.seq) : message.view === undefined) {
        // Changes from Python code arrive together: name up to three of them.
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
    } else if (message.type === "checked" && (mine || message.view === undefined)) {
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
  // ipywidgets sets comm_live to false when the kernel restarts (the only change after start).
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

export default { render };
