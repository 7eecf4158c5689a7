// The Sorter's author mode: an anywidget ES module (no build step), concatenated after keys.js.
//
// The learner Sorter's labelling (one radiogroup per unit, roving tabindex, 1-4 or the letter
// on a choice labels and moves on to the next unlabelled unit) plus, per unit: accepted
// alternatives (Shift+letter), the source (n; Shift+N adds one), a rationale (r), the split
// (a: assessment starts at this unit's paragraph), splitting a unit (/: arrows choose the
// point, Enter splits) and merging it with the next unit of its paragraph (j); u or Ctrl+Z
// undoes the last change.
//
// Every change is one message {type: "edit", action, unit, ..., seq}; Python writes the files
// and answers {type: "edited", seq, ok, result | message}. The view shows what Python says is
// on disk (the `key`, `_units` and `sources` traits), never a guess; root.dataset.pending
// counts the changes not answered yet. No key typed inside reaches JupyterLab (keys.js).

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
let viewCount = 0;

function nameWithLetter(label) {
  const at = label.name.toLowerCase().indexOf(label.key);
  if (at < 0) return escape(label.name);
  return escape(label.name.slice(0, at)) +
    `<span class="rk-letter">${escape(label.name[at])}</span>` +
    escape(label.name.slice(at + 1));
}

// Offsets where a unit may be cut: the start of every word but the first.
function cutPoints(text) {
  const points = [];
  for (let i = 1; i < text.length; i++) {
    if (/\s/.test(text[i - 1]) && !/\s/.test(text[i])) points.push(i);
  }
  return points;
}

function render({ model, el }) {
  const labels = model.get("_labels");
  const prefix = `rka${++viewCount}-${Math.random().toString(36).slice(2, 7)}-`;
  const byDigit = new Map(labels.map((label) => [label.digit, label.name]));
  const byLetter = new Map(labels.map((label) => [label.key, label.name]));
  const letters = labels.map((label) => label.key).join(", ");

  const root = document.createElement("div");
  root.className = "rk-sorter rk-author";
  keepKeys(root);
  root.innerHTML =
    `<div class="rk-head">` +
    `<p class="rk-intro">Author mode: make the key of <b>${escape(model.get("article"))}</b>.` +
    ` Every change is saved at once to its key.csv.</p>` +
    `<p class="rk-keys" id="${prefix}keys">Keys: <kbd>1</kbd>-<kbd>4</kbd> or the underlined ` +
    `letter (${escape(letters)}) labels and moves on; <kbd>Shift</kbd>+letter toggles an ` +
    `accepted alternative; <kbd>Backspace</kbd> clears the label; <kbd>n</kbd> source ` +
    `(arrow keys choose), <kbd>Shift</kbd>+<kbd>N</kbd> adds a source (<kbd>Tab</kbd> between ` +
    `its fields, <kbd>Enter</kbd> adds it); <kbd>r</kbd> ` +
    `rationale (<kbd>Enter</kbd> saves); <kbd>a</kbd> assessment starts at this paragraph; ` +
    `<kbd>/</kbd> split the unit (arrow keys choose the point, <kbd>Enter</kbd> splits); ` +
    `<kbd>j</kbd> join it with the next unit; <kbd>u</kbd> undoes; <kbd>Tab</kbd> to the ` +
    `next unit.</p>` +
    `<p class="rk-notice" role="alert" hidden></p>` +
    `</div>` +
    `<div class="rk-body"></div>` +
    `<form class="rk-add-source" hidden aria-label="Add a source">` +
    `<b>Add a source</b> ` +
    `<label>id <input name="source_id" size="12" data-lm-suppress-shortcuts="true"></label> ` +
    `<label>name <input name="name" size="28" data-lm-suppress-shortcuts="true"></label> ` +
    `<label>kind <input name="kind" size="12" data-lm-suppress-shortcuts="true"></label> ` +
    `<label>date <input name="date" size="10" placeholder="YYYY-MM-DD"` +
    ` data-lm-suppress-shortcuts="true"></label> ` +
    `<label>citation <input name="citation" size="36" data-lm-suppress-shortcuts="true">` +
    `</label> ` +
    `<button type="submit">Add</button> <button type="button" class="rk-cancel">Cancel</button>` +
    `</form>` +
    `<div class="rk-foot"><p class="rk-progress" tabindex="-1"></p>` +
    `<p class="rk-status" role="status" aria-live="polite"></p></div>`;
  el.appendChild(root);

  const body = root.querySelector(".rk-body");
  const notice = root.querySelector(".rk-notice");
  const status = root.querySelector(".rk-status");
  const progress = root.querySelector(".rk-progress");
  const addForm = root.querySelector(".rk-add-source");

  let units = [];
  let key = {};
  let sources = [];
  let seq = 0;
  const waiting = new Map(); // seq -> what to do once answered
  const labelledHere = new Set();
  let sayTimer = null;

  function say(text) {
    status.textContent = "";
    clearTimeout(sayTimer);
    sayTimer = setTimeout(() => { status.textContent = text; }, 30);
  }

  const unitEl = (id) => body.querySelector(`.rk-unit[data-unit="${CSS.escape(id)}"]`);
  const indexOf = (id) => units.findIndex((unit) => unit.unit_id === id);

  // -- building -----------------------------------------------------------------------------------

  function sourceOptions(chosen) {
    return `<option value="">(no source)</option>` + sources
      .map((s) => `<option value="${escape(s.source_id)}"` +
        `${s.source_id === chosen ? " selected" : ""}>` +
        `${escape(s.source_id)}: ${escape(s.name)}</option>`)
      .join("");
  }

  function unitHTML(unit, i) {
    const id = escape(unit.unit_id);
    const radios = labels.map((label, k) =>
      `<div role="radio" class="rk-choice" aria-checked="false" tabindex="${k === 0 ? 0 : -1}"` +
      ` data-lm-suppress-shortcuts="true" data-label="${escape(label.name)}"` +
      ` aria-keyshortcuts="${escape(label.digit)} ${escape(label.key.toUpperCase())}">` +
      `<span class="rk-tick" aria-hidden="true"></span>` +
      `<kbd class="rk-key" aria-hidden="true">${escape(label.digit)}</kbd>` +
      `<span class="rk-name">${nameWithLetter(label)}</span></div>`).join("");
    const alts = labels.map((label) =>
      `<button type="button" class="rk-alt" tabindex="-1" aria-pressed="false"` +
      ` data-lm-suppress-shortcuts="true" data-label="${escape(label.name)}"` +
      ` aria-keyshortcuts="Shift+${escape(label.key.toUpperCase())}">` +
      `${escape(label.name)}</button>`)
      .join("");
    return `<div class="rk-unit" data-unit="${id}">` +
      `<p class="rk-text"><span class="rk-id">${id}</span> ` +
      `<span class="rk-sentence" id="${prefix}t${i}">${escape(unit.text)}</span></p>` +
      `<div class="rk-choices" role="radiogroup" aria-labelledby="${prefix}t${i}"` +
      ` aria-describedby="${prefix}st${i} ${prefix}keys">${radios}</div>` +
      `<div class="rk-meta">` +
      `<span class="rk-alts" role="group" aria-label="Also accepted for ${id}">` +
      `<span class="rk-meta-name" aria-hidden="true">also:</span>${alts}</span>` +
      `<label class="rk-meta-name">source <select class="rk-source" tabindex="-1"` +
      ` data-lm-suppress-shortcuts="true" aria-keyshortcuts="N">` +
      `${sourceOptions("")}</select></label>` +
      `<label class="rk-meta-name rk-why">rationale <input class="rk-rationale" tabindex="-1"` +
      ` data-lm-suppress-shortcuts="true" aria-keyshortcuts="R"` +
      ` aria-label="Rationale for ${id}"></label>` +
      `</div>` +
      `<p class="rk-state" id="${prefix}st${i}"></p>` +
      `</div>`;
  }

  function build() {
    const focusedId = document.activeElement && root.contains(document.activeElement)
      ? document.activeElement.closest(".rk-unit")?.dataset.unit : undefined;
    const parts = [];
    let paragraph = null;
    units.forEach((unit, i) => {
      if (unit.paragraph !== paragraph) {
        if (paragraph !== null) parts.push("</div>");
        paragraph = unit.paragraph;
        parts.push(`<p class="rk-split-line" data-paragraph="${paragraph}" hidden>` +
          `\u25bc Assessment starts here (paragraph ${paragraph}): the units above are ` +
          `practice, from here on assessment.</p>`);
        parts.push(`<div class="rk-para" data-paragraph="${paragraph}">` +
          `<span class="rk-pnum" aria-hidden="true">\u00b6${paragraph}</span>`);
      }
      parts.push(unitHTML(unit, i));
    });
    if (paragraph !== null) parts.push("</div>");
    body.innerHTML = parts.join("");
    paintAll();
    if (wantFocus && unitEl(wantFocus)) focusUnit(wantFocus);
    else if (focusedId !== undefined && unitEl(focusedId)) focusUnit(focusedId);
  }

  // -- painting -----------------------------------------------------------------------------------

  function paintUnit(id) {
    const el = unitEl(id);
    if (!el) return;
    const row = key[id] || {};
    const accept = (row.accept || "").split("|").filter(Boolean);
    const any = Boolean(row.label);
    el.querySelectorAll('[role="radio"]').forEach((radio, k) => {
      const on = any && radio.dataset.label === row.label;
      radio.setAttribute("aria-checked", on ? "true" : "false");
      radio.tabIndex = on || (!any && k === 0) ? 0 : -1;
    });
    el.querySelectorAll(".rk-alt").forEach((button) => {
      const mine = button.dataset.label === row.label;
      button.setAttribute("aria-pressed", accept.includes(button.dataset.label) ? "true" : "false");
      button.setAttribute("aria-disabled", mine ? "true" : "false");
    });
    const select = el.querySelector(".rk-source");
    select.innerHTML = sourceOptions(row.source || "");
    select.value = row.source || "";
    const input = el.querySelector(".rk-rationale");
    if (document.activeElement !== input) input.value = row.rationale || "";
    el.classList.toggle("rk-done", any);
    el.classList.toggle("rk-assessment", row.split === "assessment");
    const state = [row.split || "split not set"];
    if (accept.length) state.push(`also accepted: ${accept.join(", ")}`);
    if (row.source) state.push(`source: ${row.source}`);
    else if (row.label === "sourced") state.push("needs a source (n)");
    if (!row.rationale) state.push("no rationale yet");
    el.querySelector(".rk-state").textContent = state.join("; ");
  }

  function paintAll() {
    units.forEach((unit) => paintUnit(unit.unit_id));
    // The split line sits before the first paragraph whose units are assessment.
    const first = units.find((unit) => (key[unit.unit_id] || {}).split === "assessment");
    body.querySelectorAll(".rk-split-line").forEach((line) => {
      line.hidden = !first || Number(line.dataset.paragraph) !== first.paragraph;
    });
    const done = units.filter((unit) => (key[unit.unit_id] || {}).label).length;
    progress.textContent = `${done} of ${units.length} labelled` +
      (first ? `; assessment from paragraph ${first.paragraph}` : "; split not set");
    root.dataset.pending = String(waiting.size);
  }

  // -- talking to Python --------------------------------------------------------------------------

  function edit(action, fields, then) {
    const s = ++seq;
    waiting.set(s, then || null);
    root.dataset.pending = String(waiting.size);
    model.send({ type: "edit", action, seq: s, ...fields });
  }

  function onMessage(message) {
    if (!message || message.type !== "edited" || !waiting.has(message.seq)) return;
    const then = waiting.get(message.seq);
    waiting.delete(message.seq);
    root.dataset.pending = String(waiting.size);
    if (!message.ok) {
      say(`Not saved: ${message.message}`);
      return;
    }
    if (then) then(message.result);
  }

  // -- focus --------------------------------------------------------------------------------------

  // A unit made by a split or merge may arrive after the answer that names it: focus it then.
  let wantFocus = null;

  function focusUnit(id) {
    const el = unitEl(id);
    if (!el) {
      wantFocus = id;
      return;
    }
    wantFocus = null;
    const radios = Array.from(el.querySelectorAll('[role="radio"]'));
    (radios.find((radio) => radio.tabIndex === 0) || radios[0]).focus();
  }

  function advance(id) {
    const i = indexOf(id);
    for (let step = 1; step < units.length; step++) {
      const next = units[(i + step) % units.length].unit_id;
      if (!(key[next] || {}).label && !labelledHere.has(next)) {
        focusUnit(next);
        return;
      }
    }
    if (i + 1 < units.length) focusUnit(units[i + 1].unit_id);
  }

  // -- the split point chooser --------------------------------------------------------------------

  function openSplitter(id) {
    const el = unitEl(id);
    const unit = units[indexOf(id)];
    const points = cutPoints(unit.text);
    if (!points.length) {
      say(`${id} is one word: there is nowhere to split it.`);
      return;
    }
    const ends = /[.!?]["\u201d')\]]?\s+$/; // the first cut after a sentence's end, if any
    const sentenceEnd = points.findIndex((p) => ends.test(unit.text.slice(0, p)));
    let at = sentenceEnd >= 0 ? sentenceEnd : Math.floor((points.length - 1) / 2);
    const sentence = el.querySelector(".rk-sentence");
    const slider = document.createElement("div");
    slider.className = "rk-splitter";
    slider.tabIndex = 0;
    slider.setAttribute("role", "slider");
    slider.setAttribute("data-lm-suppress-shortcuts", "true");
    slider.setAttribute("aria-label", `Split ${id} before word`);
    slider.setAttribute("aria-valuemin", "1");
    slider.setAttribute("aria-valuemax", String(points.length));
    const paint = () => {
      const cut = points[at];
      const head = unit.text.slice(0, cut);
      const tail = unit.text.slice(cut);
      sentence.innerHTML = `${escape(head)}<mark class="rk-cut" aria-hidden="true">\u2702</mark>` +
        `${escape(tail)}`;
      slider.setAttribute("aria-valuenow", String(at + 1));
      const words = tail.trim().split(/\s+/).slice(0, 4).join(" ");
      slider.setAttribute("aria-valuetext", `before \u201c${words}\u201d`);
      slider.textContent = `Split before \u201c${words}\u2026\u201d: arrow keys move, ` +
        `Enter splits, Escape cancels.`;
    };
    let closed = false;
    const close = () => {
      if (closed) return; // removing the focused slider fires its blur: close once
      closed = true;
      slider.remove();
      sentence.textContent = unit.text;
      el.classList.remove("rk-splitting");
    };
    slider.addEventListener("keydown", (event) => {
      const keyName = event.key;
      const last = points.length - 1;
      if (keyName === "ArrowRight" || keyName === "ArrowDown") at = Math.min(at + 1, last);
      else if (keyName === "ArrowLeft" || keyName === "ArrowUp") at = Math.max(at - 1, 0);
      else if (keyName === "Home") at = 0;
      else if (keyName === "End") at = last;
      else if (keyName === "Escape") {
        close();
        focusUnit(id);
      } else if (keyName === "Enter") {
        const offset = Array.from(unit.text.slice(0, points[at])).length; // code points, as Python
        close();
        edit("split", { unit: id, offset }, (ids) => {
          say(`Split ${id} into ${ids[0]} and ${ids[1]}`);
          focusUnit(ids[0]);
        });
        focusUnit(id);
      } else if (keyName !== "Tab") {
        event.preventDefault();
        return;
      } else {
        return;
      }
      event.preventDefault();
      if (!closed) paint();
    });
    slider.addEventListener("blur", close);
    el.classList.add("rk-splitting");
    el.insertBefore(slider, el.querySelector(".rk-meta"));
    paint();
    slider.focus();
  }

  // -- the add-source form ------------------------------------------------------------------------

  function openAddSource(id) {
    addForm.dataset.unit = id || "";
    addForm.hidden = false;
    addForm.querySelector('[name="source_id"]').focus();
  }

  function closeAddSource() {
    const id = addForm.dataset.unit;
    addForm.hidden = true;
    addForm.reset();
    if (id) focusUnit(id);
  }

  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = addForm.dataset.unit;
    const field = (name) => addForm.querySelector(`[name="${name}"]`).value;
    const source = field("source_id");
    const fields = { unit: id, source_id: source, name: field("name"), kind: field("kind"),
      date: field("date"), citation: field("citation") };
    edit("add-source", fields, () => {
      say(`Added the source ${source}` + (id ? ` and chose it for ${id}` : ""));
      closeAddSource();
    });
  });
  addForm.querySelector(".rk-cancel").addEventListener("click", closeAddSource);
  addForm.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closeAddSource();
    }
  });

  // -- keys and clicks ----------------------------------------------------------------------------

  function saveRationale(input) {
    const id = input.closest(".rk-unit").dataset.unit;
    const text = input.value;
    if (text === ((key[id] || {}).rationale || "") || text === input.dataset.sent) return;
    input.dataset.sent = text; // Enter saves, and the blur that follows must not save again
    edit("rationale", { unit: id, text }, () => say(`Saved the rationale of ${id}`));
  }

  function onFieldKey(event) {
    const target = event.target;
    const id = target.closest(".rk-unit")?.dataset.unit;
    if (target.classList.contains("rk-rationale")) {
      if (event.key === "Enter") {
        event.preventDefault();
        saveRationale(target);
        focusUnit(id);
      } else if (event.key === "Escape") {
        event.preventDefault();
        target.value = (key[id] || {}).rationale || "";
        focusUnit(id);
      }
      return true;
    }
    if (target.classList.contains("rk-source")) {
      const select = target;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const n = select.options.length;
        select.selectedIndex = (select.selectedIndex + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
        chooseSource(select);
      } else if (event.key === "Enter" || event.key === "Escape") {
        event.preventDefault();
        focusUnit(id);
      } else if (event.key !== "Tab") {
        event.preventDefault();
      }
      return true;
    }
    return false;
  }

  function chooseSource(select) {
    const id = select.closest(".rk-unit").dataset.unit;
    const source = select.value;
    edit("source", { unit: id, source }, () => say(`Saved: ${id} source ${source || "none"}`));
  }

  function onKey(event) {
    if (event.isComposing) return;
    if (addForm.contains(event.target)) return; // typing a source: default actions only
    if (onFieldKey(event)) return;
    const radio = event.target.closest && event.target.closest('[role="radio"]');
    if (!radio || !root.contains(radio)) return;
    const el = radio.closest(".rk-unit");
    const id = el.dataset.unit;
    const list = Array.from(el.querySelectorAll('[role="radio"]'));
    const k = list.indexOf(radio);
    const keyName = event.key;
    const lower = keyName.length === 1 ? keyName.toLowerCase() : keyName;
    const command = event.ctrlKey || event.metaKey || event.altKey;
    if ((!command && !event.shiftKey && lower === "u") ||
        ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && lower === "z")) {
      event.preventDefault();
      edit("undo", {}, (changed) => {
        if (!changed) {
          say("Nothing to undo");
          return;
        }
        say(changed.length ? `Undone: ${changed.slice(0, 3).join(", ")}` : "Undone");
        if (changed.length) focusUnit(changed[0]);
      });
      return;
    }
    if (command) return;
    const label = byDigit.get(keyName) || byLetter.get(lower);
    if (label && event.shiftKey && byLetter.has(lower)) {
      edit("accept", { unit: id, label }, (row) => {
        const on = (row.accept || "").split("|").includes(label);
        say(`${id}: ${label} ${on ? "also accepted" : "no longer accepted"}`);
      });
    } else if (label && !(event.shiftKey && byLetter.has(lower))) {
      edit("label", { unit: id, label }, () => say(`Saved: ${id} ${label}`));
      labelledHere.add(id); // for advance(): labelled, though maybe not saved yet
      advance(id);
    } else if (keyName === "Backspace" || keyName === "Delete") {
      edit("label", { unit: id, label: null }, () => say(`Saved: ${id} cleared`));
      labelledHere.delete(id);
    } else if (lower === "a") {
      edit("start", { unit: id }, (first) => say(`Assessment starts at ${first}`));
    } else if (lower === "n" && event.shiftKey) {
      openAddSource(id);
    } else if (lower === "n") {
      el.querySelector(".rk-source").focus();
    } else if (lower === "r") {
      const input = el.querySelector(".rk-rationale");
      input.focus();
      input.select();
    } else if (keyName === "/") {
      openSplitter(id);
    } else if (lower === "j") {
      edit("merge", { unit: id }, (merged) => {
        say(`Merged ${id} with the next unit: ${merged}`);
        focusUnit(merged);
      });
    } else {
      const target = radioTarget(keyName, list, k);
      if (!target) {
        if (keyName.length === 1) event.preventDefault(); // no stray typing
        return;
      }
      edit("label", { unit: id, label: target.dataset.label }, () => {});
      target.focus();
    }
    event.preventDefault();
  }

  function onClick(event) {
    const radio = event.target.closest('[role="radio"]');
    const alt = event.target.closest(".rk-alt");
    const id = event.target.closest(".rk-unit")?.dataset.unit;
    if (radio && id) {
      edit("label", { unit: id, label: radio.dataset.label }, () => {});
      radio.focus();
    } else if (alt && id && alt.getAttribute("aria-disabled") !== "true") {
      edit("accept", { unit: id, label: alt.dataset.label }, () => {});
    }
  }

  root.addEventListener("keydown", onKey);
  root.addEventListener("click", onClick);
  root.addEventListener("focusin", (event) => {
    if (event.target.classList.contains("rk-rationale")) delete event.target.dataset.sent;
  });
  root.addEventListener("change", (event) => {
    if (event.target.classList.contains("rk-rationale")) saveRationale(event.target);
    else if (event.target.classList.contains("rk-source")) chooseSource(event.target);
  });

  function onUnits() {
    units = model.get("_units") || [];
    build();
  }
  function onKeyTrait() {
    key = { ...(model.get("key") || {}) };
    if (!waiting.size) labelledHere.clear(); // the key says it all again (after an undo too)
    paintAll();
  }
  function onSources() {
    sources = model.get("sources") || [];
    paintAll();
  }
  function onNotice() {
    const text = model.get("notice");
    notice.textContent = text ? `\u26a0 ${text}` : "";
    notice.hidden = !text;
  }

  key = { ...(model.get("key") || {}) };
  sources = model.get("sources") || [];
  model.on("change:_units", onUnits);
  model.on("change:key", onKeyTrait);
  model.on("change:sources", onSources);
  model.on("change:notice", onNotice);
  model.on("msg:custom", onMessage);
  onUnits();
  onNotice();

  return () => {
    clearTimeout(sayTimer);
    model.off("change:_units", onUnits);
    model.off("change:key", onKeyTrait);
    model.off("change:sources", onSources);
    model.off("change:notice", onNotice);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
