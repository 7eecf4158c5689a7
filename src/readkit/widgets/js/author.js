// The Sorter's author mode (an anywidget ES module, bundled into ../static/author.js by
// esbuild: `make widgets`).
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
// Every node is built with DOM calls; the units' text comes as runs (unit_runs.py).

import { sentence } from "./article.js";
import { choiceRadio } from "./choices.js";
import { announcer, h, uniqueId } from "./dom.js";
import { keepKeys, keyMap, radioTarget } from "./keys.js";

// Offsets where a unit may be cut: the start of every word but the first.
function cutPoints(text) {
  const points = [];
  for (let i = 1; i < text.length; i++) {
    if (/\s/.test(text[i - 1]) && !/\s/.test(text[i])) points.push(i);
  }
  return points;
}

function headNode(article, keys, prefix) {
  const kbd = (text) => h("kbd", {}, text);
  return h("div", { className: "rk-head" },
    h("p", { className: "rk-intro" }, "Author mode: make the key of ", h("b", {}, article),
      ". Every change is saved at once to its key.csv."),
    h("p", { className: "rk-keys", id: `${prefix}keys` },
      "Keys: ", kbd("1"), "-", kbd("4"), ` or the underlined letter (${keys.letters}) labels ` +
      "and moves on; ", kbd("Shift"), "+letter toggles an accepted alternative; ",
      kbd("Backspace"), " clears the label; ", kbd("n"), " source (arrow keys choose), ",
      kbd("Shift"), "+", kbd("N"), " adds a source (", kbd("Tab"), " between its fields, ",
      kbd("Enter"), " adds it); ", kbd("r"), " rationale (", kbd("Enter"), " saves); ", kbd("a"),
      " assessment starts at this paragraph; ", kbd("/"), " split the unit (arrow keys choose " +
      "the point, ", kbd("Enter"), " splits); ", kbd("j"), " join it with the next unit; ",
      kbd("u"), " undoes; ", kbd("Tab"), " to the next unit."),
    h("p", { className: "rk-notice", role: "alert", hidden: true }));
}

function addSourceForm() {
  const field = (label, name, size, extra = {}) => [h("label", {}, `${label} `,
    h("input", { name, size, "data-lm-suppress-shortcuts": "true", ...extra })), " "];
  return h("form", { className: "rk-add-source", hidden: true, "aria-label": "Add a source" },
    h("b", {}, "Add a source"), " ",
    field("id", "source_id", 12), field("name", "name", 28), field("kind", "kind", 12),
    field("date", "date", 10, { placeholder: "YYYY-MM-DD" }), field("citation", "citation", 36),
    h("button", { type: "submit" }, "Add"), " ",
    h("button", { type: "button", className: "rk-cancel" }, "Cancel"));
}

function render({ model, el }) {
  const labels = model.get("_labels");
  const prefix = `${uniqueId("rka")}-`;
  const keys = keyMap(labels);

  const root = h("div", { className: "rk-sorter rk-author" },
    headNode(model.get("article"), keys, prefix),
    h("div", { className: "rk-body" }),
    addSourceForm(),
    h("div", { className: "rk-foot" }, h("p", { className: "rk-progress", tabindex: -1 }),
      h("p", { className: "rk-status", role: "status", "aria-live": "polite" })));
  keepKeys(root);
  el.appendChild(root);

  const body = root.querySelector(".rk-body");
  const notice = root.querySelector(".rk-notice");
  const progress = root.querySelector(".rk-progress");
  const addForm = root.querySelector(".rk-add-source");

  let units = [];
  let key = {};
  let sources = [];
  let seq = 0;
  const waiting = new Map(); // seq -> what to do once answered
  const labelledHere = new Set();
  const say = announcer(root.querySelector(".rk-status"));

  const unitEl = (id) => body.querySelector(`.rk-unit[data-unit="${CSS.escape(id)}"]`);
  const indexOf = (id) => units.findIndex((unit) => unit.unit_id === id);

  // -- building -----------------------------------------------------------------------------------

  function sourceOptions(chosen) {
    return [h("option", { value: "" }, "(no source)"), ...sources.map((source) =>
      h("option", { value: source.source_id, selected: source.source_id === chosen },
        `${source.source_id}: ${source.name}`))];
  }

  function unitNode(unit, i) {
    const id = unit.unit_id;
    const alts = labels.map((label) => h("button", {
      type: "button", className: "rk-alt", tabindex: -1, "aria-pressed": "false",
      "data-lm-suppress-shortcuts": "true", "data-label": label.name,
      "aria-keyshortcuts": `Shift+${label.key.toUpperCase()}`,
    }, label.name));
    return h("div", { className: "rk-unit", "data-unit": id },
      h("p", { className: "rk-text" }, h("span", { className: "rk-id" }, id), " ",
        h("span", { className: "rk-sentence", id: `${prefix}t${i}` }, sentence(unit.runs))),
      h("div", {
        className: "rk-choices", role: "radiogroup", "aria-labelledby": `${prefix}t${i}`,
        "aria-describedby": `${prefix}st${i} ${prefix}keys`,
      }, labels.map(choiceRadio)),
      h("div", { className: "rk-meta" },
        h("span", { className: "rk-alts", role: "group", "aria-label": `Also accepted for ${id}` },
          h("span", { className: "rk-meta-name", "aria-hidden": "true" }, "also:"), alts),
        h("label", { className: "rk-meta-name" }, "source ",
          h("select", { className: "rk-source", tabindex: -1, "data-lm-suppress-shortcuts": "true",
            "aria-keyshortcuts": "N" }, sourceOptions(""))),
        h("label", { className: "rk-meta-name rk-why" }, "rationale ",
          h("input", { className: "rk-rationale", tabindex: -1,
            "data-lm-suppress-shortcuts": "true", "aria-keyshortcuts": "R",
            "aria-label": `Rationale for ${id}` }))),
      h("p", { className: "rk-state", id: `${prefix}st${i}` }));
  }

  function build() {
    const focusedId = document.activeElement && root.contains(document.activeElement)
      ? document.activeElement.closest(".rk-unit")?.dataset.unit : undefined;
    const nodes = [];
    let number = null;
    let paragraph = null;
    units.forEach((unit, i) => {
      if (unit.paragraph !== number) {
        number = unit.paragraph;
        nodes.push(h("p", { className: "rk-split-line", "data-paragraph": number, hidden: true },
          `\u25bc Assessment starts here (paragraph ${number}): the units above are ` +
          "practice, from here on assessment."));
        paragraph = h("div", { className: "rk-para", "data-paragraph": number },
          h("span", { className: "rk-pnum", "aria-hidden": "true" }, `\u00b6${number}`));
        nodes.push(paragraph);
      }
      paragraph.append(unitNode(unit, i));
    });
    body.replaceChildren(...nodes);
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
    select.replaceChildren(...sourceOptions(row.source || ""));
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
    // While the point is chosen the unit shows as typed, markup included: the cut is made in
    // the data, and a cut inside <u>...</u> must be seen to be one.
    const text = el.querySelector(".rk-sentence");
    const slider = h("div", {
      className: "rk-splitter", tabindex: 0, role: "slider", "data-lm-suppress-shortcuts": "true",
      "aria-label": `Split ${id} before word`, "aria-valuemin": 1, "aria-valuemax": points.length,
    });
    const paint = () => {
      const cut = points[at];
      const head = unit.text.slice(0, cut);
      const tail = unit.text.slice(cut);
      text.replaceChildren(head, h("mark", { className: "rk-cut", "aria-hidden": "true" }, "\u2702"),
        tail);
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
      text.replaceChildren(sentence(unit.runs));
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
    const letter = keys.letter(keyName);
    const label = keys.digit(keyName) ?? letter;
    if (label && event.shiftKey && letter) {
      edit("accept", { unit: id, label }, (row) => {
        const on = (row.accept || "").split("|").includes(label);
        say(`${id}: ${label} ${on ? "also accepted" : "no longer accepted"}`);
      });
    } else if (label) {
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
    say.cancel();
    model.off("change:_units", onUnits);
    model.off("change:key", onKeyTrait);
    model.off("change:sources", onSources);
    model.off("change:notice", onNotice);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
