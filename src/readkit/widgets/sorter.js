// The Sorter's front end: an anywidget ES module, loaded as it is (no build step, no npm).
//
// The whole article is built as one HTML string and inserted once; one delegated listener per
// event type sits on the root. A change of `answers` repaints only the units that changed.
// Each unit is a radiogroup (roving tabindex: Tab moves between units, arrows between choices).

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

let viewCount = 0; // element ids must stay unique when a notebook shows several Sorters

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

function buildHTML(units, labels, prefix) {
  const parts = [];
  let paragraph = null;
  let inside = false;
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
    const radios = labels
      .map(
        (label, k) =>
          `<div role="radio" class="rk-choice" aria-checked="false" tabindex="${k === 0 ? 0 : -1}"` +
          ` data-label="${escape(label.name)}"><span class="rk-tick" aria-hidden="true"></span>` +
          `${escape(label.name)}</div>`,
      )
      .join("");
    parts.push(
      `<div class="rk-unit" data-unit="${escape(unit.id)}">` +
        `<p class="rk-text"><span class="rk-id">${escape(unit.id)}</span> ${marked.html}</p>` +
        `<div class="rk-choices" role="radiogroup" aria-label="${escape(unit.name)}"` +
        ` aria-describedby="${prefix}fb${i}" data-i="${i}">${radios}</div>` +
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
  const index = new Map(units.map((unit, i) => [unit.id, i]));

  const root = document.createElement("div");
  root.className = "rk-sorter";
  root.innerHTML =
    `<div class="rk-head">` +
    `<p class="rk-intro">Label each sentence. Arrow keys choose within a sentence; Tab moves on.</p>` +
    `<ul class="rk-legend">${labels
      .map((l) => `<li><b>${escape(l.name)}</b>: ${escape(l.description)}</li>`)
      .join("")}</ul>` +
    `<p class="rk-notice" role="alert" hidden></p>` +
    `</div>` +
    `<div class="rk-body">${buildHTML(units, labels, prefix)}</div>` +
    `<div class="rk-foot">` +
    `<p class="rk-progress"></p>` +
    (practice ? `<button type="button" class="rk-check">Check my answers</button>` : "") +
    `<p class="rk-status" role="status" aria-live="polite"></p>` +
    `</div>`;
  el.appendChild(root);

  const groups = Array.from(root.getElementsByClassName("rk-choices"));
  const radios = groups.map((group) => Array.from(group.children));
  const feedbackEls = Array.from(root.getElementsByClassName("rk-feedback"));
  const unitEls = Array.from(root.getElementsByClassName("rk-unit"));
  const progress = root.querySelector(".rk-progress");
  const status = root.querySelector(".rk-status");
  const notice = root.querySelector(".rk-notice");

  let answers = {};
  let feedback = {};

  function paintUnit(i) {
    const chosen = answers[units[i].id];
    const list = radios[i];
    const any = list.some((r) => r.dataset.label === chosen);
    list.forEach((radio, k) => {
      const checked = radio.dataset.label === chosen;
      radio.setAttribute("aria-checked", checked ? "true" : "false");
      radio.tabIndex = checked || (!any && k === 0) ? 0 : -1;
    });
    unitEls[i].classList.toggle("rk-done", any);
  }

  function paintFeedback(i) {
    const item = feedback[units[i].id];
    const box = feedbackEls[i];
    const unit = unitEls[i];
    unit.classList.remove("rk-right", "rk-wrong");
    box.textContent = "";
    if (!item) {
      box.hidden = true;
      return;
    }
    const current = answers[units[i].id];
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
    const done = units.reduce((n, unit) => n + (answers[unit.id] ? 1 : 0), 0);
    progress.textContent = `${done} of ${units.length} labelled`;
  }

  function onAnswers() {
    const next = model.get("answers") || {};
    const changed = new Set();
    for (const id of Object.keys(next)) if (next[id] !== answers[id]) changed.add(id);
    for (const id of Object.keys(answers)) if (!(id in next)) changed.add(id);
    answers = next;
    for (const id of changed) {
      const i = index.get(id);
      if (i !== undefined) {
        paintUnit(i);
        if (feedback[id]) paintFeedback(i);
      }
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

  function choose(radio) {
    const i = Number(radio.parentElement.dataset.i);
    const id = units[i].id;
    const label = radio.dataset.label;
    if (answers[id] !== label) {
      model.set("answers", { ...model.get("answers"), [id]: label });
      model.save_changes();
    }
  }

  function onClick(event) {
    const radio = event.target.closest('[role="radio"]');
    if (radio && root.contains(radio)) {
      choose(radio);
      radio.focus();
    } else if (event.target.closest(".rk-check")) {
      status.textContent = "Checking…";
      model.send({ type: "check" });
    }
  }

  function onKey(event) {
    const radio = event.target.closest && event.target.closest('[role="radio"]');
    if (!radio || !root.contains(radio)) return;
    const list = radios[Number(radio.parentElement.dataset.i)];
    const k = list.indexOf(radio);
    const n = list.length;
    let target;
    switch (event.key) {
      case "ArrowRight":
      case "ArrowDown":
        target = list[(k + 1) % n];
        break;
      case "ArrowLeft":
      case "ArrowUp":
        target = list[(k + n - 1) % n];
        break;
      case "Home":
        target = list[0];
        break;
      case "End":
        target = list[n - 1];
        break;
      case " ":
      case "Enter":
        target = radio;
        break;
      default:
        return;
    }
    // Keep the keys from JupyterLab's notebook shortcuts (Enter, arrows) while in the widget.
    event.preventDefault();
    event.stopPropagation();
    choose(target);
    target.focus();
  }

  function onMessage(message) {
    if (!message || typeof message !== "object") return;
    if (message.type === "saved") {
      // Clicks made while the kernel was busy arrive together: name up to three of them.
      const changes = message.changes || [];
      const named = changes.map(([id, label]) => `${id} ${label || "cleared"}`);
      if (changes.length > 3) status.textContent = `Saved: ${changes.length} answers`;
      else if (changes.length) status.textContent = `Saved: ${named.join(", ")}`;
    } else if (message.type === "checked") {
      status.textContent = message.summary;
    } else if (message.type === "save-failed") {
      status.textContent = "Not saved: see the notice above.";
    }
  }

  root.addEventListener("click", onClick);
  root.addEventListener("keydown", onKey);
  model.on("change:answers", onAnswers);
  model.on("change:feedback", onFeedback);
  model.on("change:notice", onNotice);
  model.on("msg:custom", onMessage);

  onAnswers();
  onFeedback();
  onNotice();
  paintProgress();
  root.dataset.renderMs = (performance.now() - started).toFixed(1);

  return () => {
    model.off("change:answers", onAnswers);
    model.off("change:feedback", onFeedback);
    model.off("change:notice", onNotice);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
