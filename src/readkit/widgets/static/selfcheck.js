// Built by `make widgets` (esbuild 0.28.2) from readkit/widgets/js: do not edit. Sources sha256 7a3c97aa41e7ea9ba45e55049802515406811c72c08f22f1b85af32c6b2f2a68

// src/readkit/widgets/js/dom.js
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

// src/readkit/widgets/js/keys.js
function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("focusin", (event) => {
    event.target.setAttribute("data-lm-suppress-shortcuts", "true");
  });
  root.addEventListener("keydown", (event) => event.stopPropagation());
}

// src/readkit/widgets/js/selfcheck.js
var ICONS = { right: "✔ ", wrong: "✘ ", revealed: "✘ " };
function render({ model, el }) {
  const name = uniqueId("rk-sc-");
  const root = document.createElement("div");
  root.className = "rk-selfcheck";
  keepKeys(root);
  const fieldset = document.createElement("fieldset");
  const legend = document.createElement("legend");
  legend.textContent = model.get("question");
  fieldset.appendChild(legend);
  const inputs = model.get("options").map((text, i) => {
    const label = document.createElement("label");
    label.className = "rk-sc-option";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = name;
    input.value = String(i);
    input.addEventListener("change", () => {
      if (input.checked) {
        model.set("index", i);
        model.save_changes();
      }
    });
    const span = document.createElement("span");
    span.textContent = text;
    label.append(input, span);
    fieldset.appendChild(label);
    return input;
  });
  const button = document.createElement("button");
  button.type = "button";
  button.className = "rk-sc-button";
  button.textContent = "Check";
  button.addEventListener("click", () => model.send({ type: "check", index: model.get("index") }));
  const status = document.createElement("p");
  status.className = "rk-sc-feedback";
  status.id = `${name}-feedback`;
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  fieldset.setAttribute("aria-describedby", status.id);
  fieldset.appendChild(button);
  root.append(fieldset);
  fieldset.appendChild(status);
  el.appendChild(root);
  const paintChoice = () => {
    const index = model.get("index");
    inputs.forEach((input, i) => {
      input.checked = i === index;
    });
  };
  const say = announcer(status, 60);
  const paintFeedback = () => {
    const verdict = model.get("verdict");
    const text = model.get("feedback");
    fieldset.dataset.verdict = verdict;
    say(text ? (ICONS[verdict] || "") + text : "");
  };
  model.on("change:index", paintChoice);
  model.on("change:checks", paintFeedback);
  paintChoice();
  paintFeedback();
  return () => {
    model.off("change:index", paintChoice);
    model.off("change:checks", paintFeedback);
    say.cancel();
  };
}
var selfcheck_default = { render };
export {
  selfcheck_default as default
};
