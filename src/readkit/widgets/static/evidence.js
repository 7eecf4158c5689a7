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
var made = 0;
function uniqueId(prefix) {
  made += 1;
  return `${prefix}${made}-${Math.random().toString(36).slice(2, 7)}`;
}

// src/readkit/widgets/js/keys.js
function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("focusin", (event) => {
    event.target.setAttribute("data-lm-suppress-shortcuts", "true");
  });
  root.addEventListener("keydown", (event) => event.stopPropagation());
}

// src/readkit/widgets/js/evidence.js
function render({ model, el }) {
  const prefix = uniqueId("rk-ev-");
  const rows = model.get("rows");
  const options = model.get("options");
  const root = document.createElement("div");
  root.className = "rk-evidence";
  keepKeys(root);
  const table = document.createElement("table");
  const caption = document.createElement("caption");
  caption.textContent = model.get("question");
  table.appendChild(caption);
  const head = table.createTHead().insertRow();
  for (const name of ["Unit", "Text (verbatim)", "It rests on", "Model answer"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.appendChild(th);
  }
  const modelHead = head.lastChild;
  const body = table.createTBody();
  const selects = [];
  const modelCells = [];
  rows.forEach((row) => {
    const tr = body.insertRow();
    tr.dataset.unit = row.unit_id;
    const id = tr.insertCell();
    id.className = "rk-ev-id";
    id.textContent = row.unit_id;
    tr.insertCell().append(sentence(row.runs));
    const select = document.createElement("select");
    select.setAttribute("aria-label", `${row.unit_id}: it rests on`);
    for (const text of ["(choose)", ...options]) {
      const option = document.createElement("option");
      option.value = text === "(choose)" ? "" : text;
      option.textContent = text;
      select.appendChild(option);
    }
    select.addEventListener("change", () => {
      const choices = { ...model.get("choices") };
      if (select.value) choices[row.unit_id] = select.value;
      else delete choices[row.unit_id];
      model.set("choices", choices);
      model.save_changes();
    });
    tr.insertCell().appendChild(select);
    const cell = tr.insertCell();
    cell.className = "rk-ev-model";
    selects.push(select);
    modelCells.push(cell);
  });
  const button = document.createElement("button");
  button.type = "button";
  button.className = "rk-sc-button";
  button.setAttribute("aria-controls", prefix);
  table.id = prefix;
  button.addEventListener("click", () => {
    model.send({ type: model.get("revealed") ? "hide" : "reveal", choices: model.get("choices") });
  });
  const status = document.createElement("p");
  status.className = "rk-sc-feedback";
  status.setAttribute("role", "status");
  root.append(table, button, status);
  el.appendChild(root);
  const paintChoices = () => {
    const choices = model.get("choices");
    rows.forEach((row, i) => {
      selects[i].value = choices[row.unit_id] || "";
    });
  };
  const verdictOf = (c) => {
    if (c.same) return "(✔ same as yours)";
    return c.yours ? "(≠ yours differs)" : "(no answer yet)";
  };
  const paintModel = () => {
    const revealed = model.get("revealed");
    const comparison = new Map(model.get("comparison").map((c) => [c.unit_id, c]));
    modelHead.hidden = !revealed;
    rows.forEach((row, i) => {
      const cell = modelCells[i];
      cell.hidden = !revealed;
      const c = comparison.get(row.unit_id);
      cell.textContent = revealed && c ? `${c.model} ${verdictOf(c)}` : "";
    });
    button.textContent = revealed ? "Hide the model answer" : "Show the model answer";
    button.setAttribute("aria-expanded", revealed ? "true" : "false");
    status.textContent = model.get("summary");
  };
  model.on("change:choices", paintChoices);
  model.on("change:comparison", paintModel);
  model.on("change:revealed", paintModel);
  model.on("change:summary", paintModel);
  paintChoices();
  paintModel();
  return () => {
    model.off("change:choices", paintChoices);
    model.off("change:comparison", paintModel);
    model.off("change:revealed", paintModel);
    model.off("change:summary", paintModel);
  };
}
var evidence_default = { render };
export {
  evidence_default as default
};
