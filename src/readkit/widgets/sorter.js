// The Sorter's front end: an anywidget ES module, loaded as it is (no build step, no npm).
//
// The whole article is built as one HTML string and inserted once; one delegated listener per
// event type sits on the root. Each unit is a radiogroup (roving tabindex: Tab moves between
// units, arrows between choices), named by its full sentence (aria-labelledby).
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

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

let viewCount = 0; // element ids must stay unique when a notebook shows several Sorters
const WAIT_MS = 4000; // no answer from the kernel after this long: say that it is waiting

// Text -> HTML with quotations marked. `inside` is true when an earlier unit of the same
// paragraph opened a quotation that it did not close (a quotation split into sentences).
function markQuotes(text, inside) {
  let html = "";
  let start = 0;
  let quoted = inside;
  const flush = (end, asQuote) => {
    if (end > start) {
      const part = escape(text.slice(start, end));
      html += asQuote ? `<span class="rk-quote">${part}</span>` : part;
    }
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const opens = !quoted && (c === '"' || c === "\u201c");
    const closes = quoted && (c === '"' || c === "\u201d");
    if (opens) {
      flush(i, false);
      quoted = true;
    } else if (closes) {
      flush(i + 1, true);
      quoted = false;
    }
  }
  flush(text.length, quoted);
  return { html, inside: quoted };
}

// A label's name with its key letter underlined: "co" + <span>m</span>... for commentary's o.
function nameWithLetter(label) {
  const at = label.name.toLowerCase().indexOf(label.key);
  if (at < 0) return escape(label.name);
  return escape(label.name.slice(0, at)) +
    `<span class="rk-letter">${escape(label.name[at])}</span>` +
    escape(label.name.slice(at + 1));
}

function buildHTML(units, labels, prefix) {
  const parts = [];
  let paragraph = null;
  let inside = false;
  const radios = labels
    .map(
      (label, k) =>
        `<div role="radio" class="rk-choice" aria-checked="false" tabindex="${k === 0 ? 0 : -1}"` +
        ` data-lm-suppress-shortcuts="true"` +
        ` data-label="${escape(label.name)}"` +
        ` aria-keyshortcuts="${escape(label.digit)} ${escape(label.key.toUpperCase())}">` +
        `<span class="rk-tick" aria-hidden="true"></span>` +
        `<kbd class="rk-key" aria-hidden="true">${escape(label.digit)}</kbd>` +
        `<span class="rk-name">${nameWithLetter(label)}</span></div>`,
    )
    .join("");
  units.forEach((unit, i) => {
    if (unit.paragraph !== paragraph) {
      if (paragraph !== null) parts.push("</div>");
      paragraph = unit.paragraph;
      inside = false;
      parts.push(
        `<div class="rk-para"><span class="rk-pnum" aria-hidden="true">¶${paragraph}</span>`,
      );
    }
    const marked = markQuotes(unit.text, inside);
    inside = marked.inside;
    parts.push(
      `<div class="rk-unit" data-unit="${escape(unit.unit_id)}">` +
        `<p class="rk-text"><span class="rk-id">${escape(unit.unit_id)}</span> ` +
        `<span class="rk-sentence" id="${prefix}t${i}">${marked.html}</span></p>` +
        `<div class="rk-choices" role="radiogroup" aria-labelledby="${prefix}t${i}"` +
        ` aria-describedby="${prefix}st${i} ${prefix}fb${i} ${prefix}keys" data-i="${i}">` +
        `${radios}</div>` +
        `<span class="rk-state" id="${prefix}st${i}"></span>` +
        `<p class="rk-feedback" id="${prefix}fb${i}" hidden></p></div>`,
    );
  });
  if (paragraph !== null) parts.push("</div>");
  return parts.join("");
}

function render({ model, el }) {
  const started = performance.now();
  const units = model.get("_units");
  const labels = model.get("_labels");
  const practice = model.get("mode") === "practice";
  const prefix = `rk${++viewCount}-${Math.random().toString(36).slice(2, 7)}-`;
  const view = prefix.slice(0, -1);
  const index = new Map(units.map((unit, i) => [unit.unit_id, i]));
  const byDigit = new Map(labels.map((label) => [label.digit, label.name]));
  const byLetter = new Map(labels.map((label) => [label.key, label.name]));
  const letters = labels.map((label) => label.key).join(", ");
  const digits = `${labels[0].digit}-${labels[labels.length - 1].digit}`;

  const root = document.createElement("div");
  root.className = "rk-sorter";
  // No key reaches JupyterLab (keys.js, concatenated before this module); every choice also
  // carries the attribute from the start.
  keepKeys(root);
  root.innerHTML =
    `<div class="rk-head">` +
    `<p class="rk-intro">Label each sentence.</p>` +
    `<p class="rk-keys" id="${prefix}keys">Keys: <kbd>${digits}</kbd> or the underlined letter ` +
    `(${escape(letters)}) chooses, saves and moves on to the next unlabelled sentence; ` +
    `<kbd>Backspace</kbd> clears; <kbd>u</kbd> undoes; arrow keys move within a sentence, ` +
    `<kbd>Tab</kbd> to the next.</p>` +
    `<a class="rk-skip" href="#${prefix}end">${practice ? "Skip to Check" : "Skip to the end"}</a>` +
    `<ul class="rk-legend">${labels
      .map((l) => `<li><b>${escape(l.name)}</b> (<kbd>${escape(l.digit)}</kbd> or ` +
        `<kbd>${escape(l.key)}</kbd>): ${escape(l.description)}</li>`)
      .join("")}</ul>` +
    `<p class="rk-notice" role="alert" hidden></p>` +
    `<p class="rk-offline" role="alert" hidden></p>` +
    `</div>` +
    `<div class="rk-body">${buildHTML(units, labels, prefix)}</div>` +
    `<div class="rk-foot">` +
    `<p class="rk-progress" id="${prefix}end" tabindex="-1"></p>` +
    (practice ? `<button type="button" class="rk-check">Check my answers</button>` : "") +
    `<p class="rk-status" role="status" aria-live="polite"></p>` +
    `</div>`;
  el.appendChild(root);

  const groups = Array.from(root.getElementsByClassName("rk-choices"));
  const radios = groups.map((group) => Array.from(group.children));
  const feedbackEls = Array.from(root.getElementsByClassName("rk-feedback"));
  const stateEls = Array.from(root.getElementsByClassName("rk-state"));
  const unitEls = Array.from(root.getElementsByClassName("rk-unit"));
  const progress = root.querySelector(".rk-progress");
  const status = root.querySelector(".rk-status");
  const notice = root.querySelector(".rk-notice");
  const offline = root.querySelector(".rk-offline");
  const checkButton = root.querySelector(".rk-check");

  let confirmed = { ...(model.get("answers") || {}) }; // what the kernel says is on disk
  const pending = new Map(); // unit id -> {label, seq}: sent, not acknowledged yet
  const failed = new Set(); // unit ids whose last choice could not be saved
  const announce = new Set(); // seqs of decisions to announce once saved
  const acked = new Set();
  const undo = []; // [{i, before}], this view's own decisions
  let feedback = {};
  let seq = 0;
  let disconnected = false;
  let waitTimer = null;
  let sayTimer = null;

  const shown = (id) => (pending.has(id) ? pending.get(id).label : confirmed[id]);

  function say(text) {
    // Empty first, then fill: the same words twice are announced twice.
    status.textContent = "";
    clearTimeout(sayTimer);
    sayTimer = setTimeout(() => { status.textContent = text; }, 30);
  }

  function paintUnit(i) {
    const id = units[i].unit_id;
    const chosen = shown(id);
    const waiting = pending.has(id);
    const list = radios[i];
    const any = chosen !== undefined && chosen !== null;
    list.forEach((radio, k) => {
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
    const verdict = document.createElement("span");
    verdict.className = "rk-verdict";
    if (item.label !== current) {
      verdict.textContent = "Changed since the last Check.";
    } else if (item.verdict === "right") {
      verdict.textContent = `\u2714 Right: ${item.label}.`;
      unit.classList.add("rk-right");
    } else {
      const tries = item.tries === 1 ? "1 wrong try" : `${item.tries} wrong tries`;
      verdict.textContent = `\u2718 Not ${item.label} (${tries}).` +
        (item.accepted ? "" : " Try another label.");
      unit.classList.add("rk-wrong");
    }
    box.appendChild(verdict);
    if (item.accepted) {
      const why = document.createElement("span");
      why.className = "rk-reveal";
      why.textContent = ` Accepted: ${item.accepted.join(" or ")}. Why: ${item.rationale}`;
      box.appendChild(why);
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

  function tabbable(i) {
    return radios[i].find((radio) => radio.tabIndex === 0) || radios[i][0];
  }

  function focusUnit(i) {
    tabbable(i).focus();
  }

  // The next sentence without a label after unit i (wrapping round); when all are labelled,
  // the next Sorter of the page that has an unlabelled sentence, else simply the next one.
  function advance(i) {
    for (let step = 1; step < units.length; step++) {
      const j = (i + step) % units.length;
      if (!unitEls[j].classList.contains("rk-done")) {
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
      const open = {};
      for (const [id, item] of pending) open[id] = item.label;
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
    const k = list.indexOf(radio);
    const key = event.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    const command = event.ctrlKey || event.metaKey;
    const plain = !command && !event.altKey;
    if (plain && byDigit.has(key)) {
      if (decide(i, byDigit.get(key), true)) advance(i);
    } else if (plain && byLetter.has(lower)) { // either case: Caps Lock on is no trap
      if (decide(i, byLetter.get(lower), true)) advance(i);
    } else if (plain && (key === "Backspace" || key === "Delete")) {
      decide(i, null, true);
    } else if ((plain && lower === "u") || (command && !event.shiftKey && lower === "z")) {
      undoLast();
    } else {
      const target = radioTarget(key, list, k);
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
    clearTimeout(sayTimer);
    model.off("change:answers", onAnswers);
    model.off("change:feedback", onFeedback);
    model.off("change:notice", onNotice);
    model.off("msg:custom", onMessage);
    model.off("comm_live_update", disconnect);
  };
}

export default { render };
