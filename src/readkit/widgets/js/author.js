// The Sorter's author mode (an anywidget ES module, bundled into ../static/author.js by
// esbuild: `make widgets`).
//
// The learner Sorter's labelling (one radiogroup per unit, roving tabindex, 1-4 or the letter
// on a choice labels and moves on to the next unit to do: unlabelled or draft) plus, per unit:
// accepted alternatives (Shift+letter), the split (a: assessment starts at this unit's
// paragraph), splitting a unit (/: arrows choose the point, Enter splits) and merging it with
// the next unit of its paragraph (j); u or Ctrl+Z undoes the last change. A draft row
// (readkit's guess) says so, visibly and in its radiogroup's name; Enter confirms it and moves
// on to the next draft.
//
// The order of work follows the auto-advance: label first, then e opens the details of the
// unit just labelled (or of the focused one) beside it: its source (a choice of sources.csv, or
// a new source: its kind a choice of the codebook's kinds) and its rationale (a textarea: Enter
// is a new line, Ctrl+Enter saves and goes back to where the teacher was). n, r and Shift+N
// open the details of the focused unit at the source, the rationale or a new source. The keys
// are listed from the _keys trait (readkit/widgets/author.py: author_keys, the teacher guide's
// table too).
//
// Every change is one message {type: "edit", action, unit, ..., seq}; Python writes the files
// and answers {type: "edited", seq, ok, result | message}. The view shows what Python says is
// on disk (the `key`, `_units`, `sources` and `unlisted` traits), never a guess;
// root.dataset.pending counts the changes not answered yet. No key typed inside reaches
// JupyterLab (keys.js). Every node is built with DOM calls; the units' text comes as runs
// (unit_runs.py).

import { sentence } from "./article.js";
import { choiceRadio } from "./choices.js";
import { announcer, h, uniqueId } from "./dom.js";
import { keepKeys, keyMap, radioTarget } from "./keys.js";

const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock", "AltGraph"]);

// Offsets where a unit may be cut: the start of every word but the first.
function cutPoints(text) {
  const points = [];
  for (let i = 1; i < text.length; i++) {
    if (/\s/.test(text[i - 1]) && !/\s/.test(text[i])) points.push(i);
  }
  return points;
}

// "`Shift`+`N` adds it" -> [<kbd>Shift</kbd>, "+", <kbd>N</kbd>, " adds it"]: backticks mark keys.
function withKeys(text) {
  return text.split("`").map((part, k) => (k % 2 ? h("kbd", {}, part) : part));
}

// The first words of a unit, to say which sentence a form is for.
function opening(text, words = 8) {
  const all = text.trim().split(/\s+/);
  return `\u201c${all.slice(0, words).join(" ")}${all.length > words ? "\u2026" : ""}\u201d`;
}

function headNode(article, keyHints, prefix) {
  const kbd = (text) => h("kbd", {}, text);
  return h("div", { className: "rk-head" },
    h("p", { className: "rk-intro" }, "Author mode: make the key of ", h("b", {}, article),
      ". Every change is saved at once to its key.csv."),
    h("p", { className: "rk-keys", id: `${prefix}keys` },
      "Work in this order: label the sentence (", kbd("1"), "-", kbd("4"), " or its letter; " +
      "the focus moves on), then ", kbd("e"), " opens its details (source, rationale) beside " +
      "it; on a draft, ", kbd("Enter"), " confirms it as it is."),
    h("details", { className: "rk-keyhelp", open: true },
      h("summary", {}, "All keys"),
      h("ul", { className: "rk-keylist" }, keyHints.map((hint) =>
        h("li", {}, withKeys(hint.keys), ": ", withKeys(hint.does))))),
    h("p", { className: "rk-notice", role: "alert", hidden: true }));
}

function render({ model, el }) {
  const labels = model.get("_labels");
  const kinds = model.get("_kinds") || [];
  const prefix = `${uniqueId("rka")}-`;
  const keys = keyMap(labels);

  const root = h("div", { className: "rk-sorter rk-author" },
    headNode(model.get("article"), model.get("_keys") || [], prefix),
    h("div", { className: "rk-body" }),
    h("div", { className: "rk-foot" }, h("p", { className: "rk-progress", tabindex: -1 }),
      h("p", { className: "rk-status", role: "status", "aria-live": "polite" })));
  keepKeys(root);
  el.appendChild(root);

  const body = root.querySelector(".rk-body");
  const notice = root.querySelector(".rk-notice");
  const progress = root.querySelector(".rk-progress");

  let units = [];
  let key = {};
  let sources = [];
  let unlisted = [];
  let seq = 0;
  const waiting = new Map(); // seq -> what to do once answered
  const doneHere = new Set(); // labelled or confirmed here, maybe not saved yet (for advance)
  let justLabelled = null; // {id, label}: the unit the last key press labelled and left
  let details = null; // the open details: {id, returnTo, el}
  const say = announcer(root.querySelector(".rk-status"));

  const unitEl = (id) => body.querySelector(`.rk-unit[data-unit="${CSS.escape(id)}"]`);
  const indexOf = (id) => units.findIndex((unit) => unit.unit_id === id);
  const rowOf = (id) => key[id] || {};
  const listed = (source) => sources.some((s) => s.source_id === source);

  // -- building -----------------------------------------------------------------------------------

  function sourceOptions(chosen) {
    const options = [h("option", { value: "" }, "(no source)"), ...sources.map((source) =>
      h("option", { value: source.source_id, selected: source.source_id === chosen },
        `${source.source_id}: ${source.name}`))];
    if (chosen && !listed(chosen)) {
      options.push(h("option", { value: chosen, selected: true, disabled: true },
        `${chosen} (not in sources.csv yet: New source adds it)`));
    }
    return options;
  }

  function unitNode(unit, i) {
    const id = unit.unit_id;
    const alts = labels.map((label) => h("button", {
      type: "button", className: "rk-alt", tabindex: -1, "aria-pressed": "false",
      "data-lm-suppress-shortcuts": "true", "data-label": label.name,
      "aria-keyshortcuts": `Shift+${label.key.toUpperCase()}`,
    }, label.name));
    return h("div", { className: "rk-unit", "data-unit": id, dataset: { index: String(i) } },
      h("p", { className: "rk-text" },
        h("span", { className: "rk-draft", id: `${prefix}dr${i}`, hidden: true }, "draft"), " ",
        h("span", { className: "rk-id" }, id), " ",
        h("span", { className: "rk-sentence", id: `${prefix}t${i}` }, sentence(unit.runs))),
      h("div", {
        className: "rk-choices", role: "radiogroup", "aria-labelledby": `${prefix}t${i}`,
        "aria-describedby": `${prefix}st${i} ${prefix}why${i} ${prefix}keys`,
      }, labels.map(choiceRadio)),
      h("div", { className: "rk-meta" },
        h("span", { className: "rk-alts", role: "group", "aria-label": `Also accepted for ${id}` },
          h("span", { className: "rk-meta-name", "aria-hidden": "true" }, "also:"), alts),
        h("button", { type: "button", className: "rk-open", tabindex: -1,
          "data-lm-suppress-shortcuts": "true", "aria-keyshortcuts": "E",
          "aria-label": `Details of ${id} (source, rationale)` }, "details")),
      h("p", { className: "rk-state", id: `${prefix}st${i}` }),
      h("p", { className: "rk-why-text", id: `${prefix}why${i}` }));
  }

  function build() {
    const focusedId = document.activeElement && root.contains(document.activeElement)
      ? document.activeElement.closest(".rk-unit")?.dataset.unit : undefined;
    if (details) closeDetails({ save: false, back: false });
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

  function sourceName(source) {
    const found = sources.find((s) => s.source_id === source);
    return found ? `${source} (${found.name})` : source;
  }

  function paintUnit(id) {
    const el = unitEl(id);
    if (!el) return;
    const row = rowOf(id);
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
    // A draft says so where it is seen (the badge) and where it is heard (the group's name).
    const i = el.dataset.index;
    el.querySelector(".rk-draft").hidden = !row.draft;
    el.querySelector(".rk-choices").setAttribute("aria-labelledby",
      row.draft ? `${prefix}dr${i} ${prefix}t${i}` : `${prefix}t${i}`);
    el.classList.toggle("rk-is-draft", Boolean(row.draft));
    el.classList.toggle("rk-done", any);
    el.classList.toggle("rk-assessment", row.split === "assessment");
    const state = [row.split || "split not set"];
    if (accept.length) state.push(`also accepted: ${accept.join(", ")}`);
    if (row.source && !listed(row.source)) {
      state.push(`source ${row.source} is not in sources.csv yet (Shift+N adds it)`);
    } else if (row.source) {
      state.push(`source: ${sourceName(row.source)}`);
    } else if (row.label === "sourced") {
      state.push("needs a source (n)");
    }
    el.querySelector(".rk-state").textContent = state.join("; ");
    el.querySelector(".rk-why-text").textContent = row.rationale
      ? `Rationale: ${row.rationale}` : "No rationale yet (r)";
    if (details && details.id === id) paintDetails();
  }

  function paintAll() {
    units.forEach((unit) => paintUnit(unit.unit_id));
    // The split line sits before the first paragraph whose units are assessment.
    const first = units.find((unit) => rowOf(unit.unit_id).split === "assessment");
    body.querySelectorAll(".rk-split-line").forEach((line) => {
      line.hidden = !first || Number(line.dataset.paragraph) !== first.paragraph;
    });
    const done = units.filter((unit) => rowOf(unit.unit_id).label).length;
    const drafts = units.filter((unit) => rowOf(unit.unit_id).draft).length;
    progress.textContent = `${done} of ${units.length} labelled` +
      (drafts ? `; ${drafts} draft${drafts === 1 ? "" : "s"} to confirm` : "") +
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

  // On to the next unit still to do (no label, or a draft), after `id`, round to the start;
  // when none is left, the next unit. Returns the unit focused (null: the focus stayed).
  function advance(id) {
    const i = indexOf(id);
    for (let step = 1; step < units.length; step++) {
      const next = units[(i + step) % units.length].unit_id;
      const row = rowOf(next);
      if ((!row.label || row.draft) && !doneHere.has(next)) {
        focusUnit(next);
        return next;
      }
    }
    if (i + 1 >= units.length) return null;
    focusUnit(units[i + 1].unit_id);
    return units[i + 1].unit_id;
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

  // -- the details: source, new source, rationale, beside their unit ------------------------------

  // One select's options, chosen by keys: arrows step (past disabled ones, round the ends), a
  // letter goes to the next option whose text starts with it. Returns whether it moved.
  function stepSelect(select, keyName) {
    const options = Array.from(select.options);
    const usable = options.map((option, k) => (option.disabled ? -1 : k)).filter((k) => k >= 0);
    if (!usable.length) return false;
    const now = select.selectedIndex;
    let next = null;
    if (keyName === "ArrowDown" || keyName === "ArrowUp") {
      const down = keyName === "ArrowDown";
      const later = usable.filter((k) => (down ? k > now : k < now));
      next = later.length ? later[down ? 0 : later.length - 1] : usable[down ? 0 : usable.length - 1];
    } else if (keyName.length === 1 && /\S/.test(keyName)) {
      const letter = keyName.toLowerCase();
      const starts = usable.filter((k) => options[k].text.toLowerCase().startsWith(letter));
      next = starts.find((k) => k > now) ?? starts[0] ?? null;
    }
    if (next === null || next === now) return false;
    select.selectedIndex = next;
    return true;
  }

  function detailsNode(id) {
    const row = rowOf(id);
    const unit = units[indexOf(id)];
    const ids = { head: uniqueId("rkd"), hint: uniqueId("rkh"), why: uniqueId("rkw") };
    return h("div", { className: "rk-details", role: "group", "aria-labelledby": ids.head,
      dataset: { unit: id } },
    h("p", { className: "rk-details-head", id: ids.head }, "Details of ", h("b", {}, id), " ",
      opening(unit.text), h("span", { className: "rk-draft", hidden: !row.draft }, "draft")),
    h("div", { className: "rk-field" },
      h("label", {}, "Source ", h("select", { className: "rk-source",
        "data-lm-suppress-shortcuts": "true", "aria-keyshortcuts": "N" },
      sourceOptions(row.source || ""))), " ",
      h("button", { type: "button", className: "rk-new-source",
        "data-lm-suppress-shortcuts": "true", "aria-keyshortcuts": "Shift+N" },
      "New source\u2026")),
    h("div", { className: "rk-field rk-why" },
      h("label", { for: ids.why }, "Rationale"),
      h("textarea", { className: "rk-rationale", id: ids.why, rows: 3,
        "data-lm-suppress-shortcuts": "true", "aria-describedby": ids.hint,
        "aria-keyshortcuts": "R" })),
    h("p", { className: "rk-hint", id: ids.hint },
      withKeys("`Enter`: a new line (saved as a space: key.csv keeps one line). " +
        "`Ctrl`+`Enter`: save and go back. `Escape`: go back without saving.")),
    h("div", { className: "rk-buttons" },
      h("button", { type: "button", className: "rk-confirm", hidden: !row.draft,
        "data-lm-suppress-shortcuts": "true" }, `Confirm the draft of ${id}`), " ",
      h("button", { type: "button", className: "rk-done-details",
        "data-lm-suppress-shortcuts": "true" }, "Save and go back")));
  }

  function paintDetails() {
    const { id, el: panel } = details;
    const row = rowOf(id);
    const select = panel.querySelector(".rk-source");
    if (document.activeElement !== select) {
      select.replaceChildren(...sourceOptions(row.source || ""));
      select.value = row.source || "";
    }
    const input = panel.querySelector(".rk-rationale");
    if (document.activeElement !== input && input.value !== (row.rationale || "")) {
      input.value = row.rationale || "";
    }
    panel.querySelector(".rk-details-head .rk-draft").hidden = !row.draft;
    panel.querySelector(".rk-confirm").hidden = !row.draft;
  }

  // at: "source", "rationale", "new-source" or "auto" (the source of a sourced unit, else the
  // rationale); returnTo: the unit the teacher was on, where "go back" takes the focus.
  function openDetails(id, at, returnTo, label) {
    if (details) closeDetails({ save: true, back: false });
    const el = unitEl(id);
    if (!el) return;
    const panel = detailsNode(id);
    details = { id, returnTo: returnTo || id, el: panel };
    el.insertBefore(panel, el.querySelector(".rk-meta"));
    paintDetails();
    const row = rowOf(id);
    const sourced = (label || row.label) === "sourced" ||
      (row.accept || "").split("|").includes("sourced");
    if (at === "new-source") openSourceForm();
    else if (at === "source" || (at === "auto" && sourced)) panel.querySelector(".rk-source").focus();
    else {
      const input = panel.querySelector(".rk-rationale");
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
  }

  // Close the details; save: the rationale typed is saved (else dropped); back: the focus goes
  // back to where the teacher was (else it stays where it went, e.g. a click elsewhere).
  function closeDetails({ save, back }) {
    if (!details) return;
    const { id, returnTo, el: panel } = details;
    details = null; // first: the focus leaving the panel below must not close it again
    const input = panel.querySelector(".rk-rationale");
    if (save) saveRationale(input, id);
    else input.value = rowOf(id).rationale || ""; // no change left for the blur to save
    if (back) {
      if (unitEl(returnTo)) focusUnit(returnTo);
      else focusUnit(id);
    }
    panel.remove();
  }

  function saveRationale(input, id) {
    const text = input.value;
    if (text === (rowOf(id).rationale || "") || text === input.dataset.sent) return;
    input.dataset.sent = text; // saved once: the blur that follows must not save it again
    edit("rationale", { unit: id, text }, () => say(`Saved the rationale of ${id}`));
  }

  function chooseSource(select, id) {
    const source = select.value;
    edit("source", { unit: id, source }, () => say(`Saved: ${id} source ${source || "none"}`));
  }

  function confirmUnit(id, then) {
    doneHere.add(id);
    edit("confirm", { unit: id }, () => {
      say(`Confirmed ${id}`);
      if (then) then();
    });
  }

  // The new-source form, in the details beside its unit, naming it; prefilled with what the
  // draft guessed when the unit names a source sources.csv lacks.
  function openSourceForm() {
    const { id, el: panel } = details;
    if (panel.querySelector(".rk-add-source")) {
      panel.querySelector('.rk-add-source [name="source_id"]').focus();
      return;
    }
    const row = rowOf(id);
    const guess = unlisted.find((s) => s.source_id === row.source) || {};
    const headId = uniqueId("rkf");
    const field = (label, name, size, extra = {}) => h("label", {}, `${label} `,
      h("input", { name, size, "data-lm-suppress-shortcuts": "true", ...extra }));
    const kindIds = { help: uniqueId("rkk") };
    const kind = h("select", { name: "kind", "data-lm-suppress-shortcuts": "true",
      "aria-describedby": kindIds.help },
    h("option", { value: "" }, "(choose a kind)"),
    kinds.map((k) => h("option", { value: k.name, title: k.description }, k.name)));
    const help = h("p", { className: "rk-kind-help", id: kindIds.help });
    const form = h("form", { className: "rk-add-source", "aria-labelledby": headId },
      h("p", { className: "rk-form-head", id: headId }, "New source for ", h("b", {}, id), " ",
        opening(units[indexOf(id)].text)),
      field("id", "source_id", 14, { value: guess.source_id || "" }),
      field("name", "name", 30, { value: guess.name || "" }),
      h("label", {}, "kind ", kind),
      field("date", "date", 10, { placeholder: "YYYY-MM-DD" }),
      field("citation", "citation", 40), help,
      h("span", { className: "rk-buttons" },
        h("button", { type: "submit", "data-lm-suppress-shortcuts": "true" },
          "Add and choose it"), " ",
        h("button", { type: "button", className: "rk-cancel",
          "data-lm-suppress-shortcuts": "true" }, "Cancel")));
    const describe = () => {
      const chosen = kinds.find((k) => k.name === kind.value);
      help.textContent = chosen ? chosen.description : "the codebook's kinds of source";
    };
    kind.value = kinds.some((k) => k.name === guess.kind) ? guess.kind : "";
    describe();
    kind.addEventListener("change", describe);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = (name) => form.querySelector(`[name="${name}"]`).value;
      const source = value("source_id");
      edit("add-source", { unit: id, source_id: source, name: value("name"), kind: value("kind"),
        date: value("date"), citation: value("citation") }, () => {
        say(`Added the source ${source} and chose it for ${id}`);
        closeSourceForm(".rk-rationale");
      });
    });
    form.querySelector(".rk-cancel").addEventListener("click", () => closeSourceForm(".rk-source"));
    panel.querySelector(".rk-field").after(form);
    form.querySelector('[name="source_id"]').focus();
  }

  function closeSourceForm(then) {
    if (!details) return;
    const form = details.el.querySelector(".rk-add-source");
    if (!form) return;
    details.el.querySelector(then).focus();
    form.remove();
  }

  function onDetailsKey(event) {
    const target = event.target;
    const keyName = event.key;
    const id = details.id;
    const form = target.closest(".rk-add-source");
    if (keyName === "Escape") {
      event.preventDefault();
      if (form) closeSourceForm(".rk-source");
      else closeDetails({ save: false, back: true });
      return;
    }
    if (keyName === "Enter" && (event.ctrlKey || event.metaKey) && !form) {
      event.preventDefault();
      closeDetails({ save: true, back: true });
      return;
    }
    if (target.name === "kind") {
      if (keyName === "Enter") {
        event.preventDefault();
        form.requestSubmit();
      } else if (keyName !== "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault(); // arrows and letters choose here, the same on every system
        if (stepSelect(target, keyName)) target.dispatchEvent(new Event("change"));
      }
      return;
    }
    if (target.classList.contains("rk-source")) {
      if (keyName === "ArrowDown" || keyName === "ArrowUp") {
        event.preventDefault();
        if (stepSelect(target, keyName)) chooseSource(target, id);
      } else if (keyName === "Enter") {
        event.preventDefault();
        closeDetails({ save: true, back: true });
      } else if (keyName.toLowerCase() === "n" && event.shiftKey) {
        event.preventDefault();
        openSourceForm();
      } else if (keyName !== "Tab") {
        event.preventDefault();
      }
    }
    // Anything else does what it does in a form: typing, Enter in a field adds the source,
    // Enter in the rationale is a new line, Enter or Space presses a button, Tab moves on.
  }

  // -- keys and clicks ----------------------------------------------------------------------------

  function onKey(event) {
    if (event.isComposing || MODIFIERS.has(event.key)) return;
    if (details && details.el.contains(event.target)) {
      onDetailsKey(event);
      return;
    }
    const radio = event.target.closest && event.target.closest('[role="radio"]');
    if (!radio || !root.contains(radio)) return;
    const el = radio.closest(".rk-unit");
    const id = el.dataset.unit;
    const list = Array.from(el.querySelectorAll('[role="radio"]'));
    const k = list.indexOf(radio);
    const keyName = event.key;
    const lower = keyName.length === 1 ? keyName.toLowerCase() : keyName;
    const command = event.ctrlKey || event.metaKey || event.altKey;
    const previous = justLabelled; // e right after a label key: that unit's details
    justLabelled = null;
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
      doneHere.add(id); // for advance(): labelled, though maybe not saved yet
      const next = advance(id);
      if (next && next !== id) justLabelled = { id, label };
      edit("label", { unit: id, label },
        () => say(`Saved: ${id} ${label}` + (justLabelled?.id === id ? " (e: its details)" : "")));
    } else if (keyName === "Enter" && rowOf(id).draft) {
      confirmUnit(id);
      advance(id);
    } else if (keyName === "Backspace" || keyName === "Delete") {
      edit("label", { unit: id, label: null }, () => say(`Saved: ${id} cleared`));
      doneHere.delete(id);
    } else if (lower === "a") {
      edit("start", { unit: id }, (first) => say(`Assessment starts at ${first}`));
    } else if (lower === "e" && !event.shiftKey) {
      if (previous && unitEl(previous.id)) openDetails(previous.id, "auto", id, previous.label);
      else openDetails(id, "auto", id);
    } else if (lower === "n") {
      openDetails(id, event.shiftKey ? "new-source" : "source", id);
    } else if (lower === "r") {
      openDetails(id, "rationale", id);
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
    const target = event.target;
    if (details && details.el.contains(target)) {
      const id = details.id;
      if (target.closest(".rk-new-source")) openSourceForm();
      else if (target.closest(".rk-done-details")) closeDetails({ save: true, back: true });
      else if (target.closest(".rk-confirm")) {
        const { returnTo } = details;
        closeDetails({ save: true, back: false });
        confirmUnit(id);
        if (returnTo !== id && unitEl(returnTo)) focusUnit(returnTo);
        else advance(id);
      }
      return;
    }
    const radio = target.closest('[role="radio"]');
    const alt = target.closest(".rk-alt");
    const id = target.closest(".rk-unit")?.dataset.unit;
    if (radio && id) {
      edit("label", { unit: id, label: radio.dataset.label }, () => {});
      radio.focus();
    } else if (alt && id && alt.getAttribute("aria-disabled") !== "true") {
      edit("accept", { unit: id, label: alt.dataset.label }, () => {});
    } else if (target.closest(".rk-open") && id) {
      openDetails(id, "auto", id);
    }
  }

  root.addEventListener("keydown", onKey);
  root.addEventListener("click", onClick);
  root.addEventListener("focusin", (event) => {
    const target = event.target;
    if (target.classList.contains("rk-rationale")) delete target.dataset.sent;
    // The focus went elsewhere (a click, Shift+Tab): the details close, what was typed kept.
    if (details && !details.el.contains(target)) closeDetails({ save: true, back: false });
  });
  root.addEventListener("change", (event) => {
    if (!details || !details.el.contains(event.target)) return;
    if (event.target.classList.contains("rk-rationale")) saveRationale(event.target, details.id);
    else if (event.target.classList.contains("rk-source")) chooseSource(event.target, details.id);
  });

  function onUnits() {
    units = model.get("_units") || [];
    build();
  }
  function onKeyTrait() {
    key = { ...(model.get("key") || {}) };
    if (!waiting.size) doneHere.clear(); // the key says it all again (after an undo too)
    paintAll();
  }
  function onSources() {
    sources = model.get("sources") || [];
    unlisted = model.get("unlisted") || [];
    paintAll();
  }
  function onNotice() {
    const text = model.get("notice");
    notice.textContent = text ? `\u26a0 ${text}` : "";
    notice.hidden = !text;
  }

  key = { ...(model.get("key") || {}) };
  sources = model.get("sources") || [];
  unlisted = model.get("unlisted") || [];
  model.on("change:_units", onUnits);
  model.on("change:key", onKeyTrait);
  model.on("change:sources", onSources);
  model.on("change:unlisted", onSources);
  model.on("change:notice", onNotice);
  model.on("msg:custom", onMessage);
  onUnits();
  onNotice();

  return () => {
    say.cancel();
    model.off("change:_units", onUnits);
    model.off("change:key", onKeyTrait);
    model.off("change:sources", onSources);
    model.off("change:unlisted", onSources);
    model.off("change:notice", onNotice);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
