// Built by `make widgets` (esbuild 0.28.2) from readkit/widgets/js: do not edit. Sources sha256 7a3c97aa41e7ea9ba45e55049802515406811c72c08f22f1b85af32c6b2f2a68

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

// src/readkit/widgets/js/keys.js
function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("focusin", (event) => {
    event.target.setAttribute("data-lm-suppress-shortcuts", "true");
  });
  root.addEventListener("keydown", (event) => event.stopPropagation());
}

// src/readkit/widgets/js/handin.js
function render({ model, el }) {
  const button = h(
    "button",
    { type: "button", className: "rk-handin-button" },
    `Download ${model.get("filename")}`
  );
  const status = h("p", { className: "rk-handin-status", role: "status", "aria-live": "polite" });
  const help = h("p", { className: "rk-handin-help" }, model.get("help"));
  const root = h("div", { className: "rk-handin" }, button, status, help);
  keepKeys(root);
  el.appendChild(root);
  button.addEventListener("click", () => {
    status.textContent = "Preparing the file…";
    model.send({ type: "download" });
  });
  const onMessage = (message) => {
    if (message.type === "file") {
      const blob = new Blob([message.text], { type: "application/json" });
      const link = h("a", { hidden: true, download: message.name });
      link.href = URL.createObjectURL(blob);
      root.appendChild(link);
      link.click();
      setTimeout(() => {
        URL.revokeObjectURL(link.href);
        link.remove();
      }, 1e4);
      status.textContent = `✔ ${message.summary}`;
    } else if (message.type === "not-ready") {
      status.textContent = `⚠ ${message.text}`;
    }
  };
  model.on("msg:custom", onMessage);
  return () => model.off("msg:custom", onMessage);
}
var handin_default = { render };
export {
  handin_default as default
};
