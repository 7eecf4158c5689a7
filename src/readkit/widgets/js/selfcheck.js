// SelfCheck's front end (bundled into ../static/selfcheck.js by esbuild: `make widgets`): a
// fieldset of native radios sharing one name, a Check button and a live region.

import { announcer, uniqueId } from "./dom.js";
import { keepKeys } from "./keys.js";

const ICONS = { right: "\u2714 ", wrong: "\u2718 ", revealed: "\u2718 " };

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
  // The choice goes with the Check: a state update still held back by ipywidgets (an earlier
  // one unacknowledged) would otherwise reach Python after the Check.
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
    inputs.forEach((input, i) => { input.checked = i === index; });
  };
  const say = announcer(status, 60); // the same words after a second Check are said again
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
export default { render };
