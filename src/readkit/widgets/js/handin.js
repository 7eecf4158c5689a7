// Hand in by download: the kernel reads answers.json as it is on disk (in the browser version
// of the course, the site's own storage) and sends it; the page saves it as a file. The file
// is asked for at the click, so a label changed after the cell ran is in it.
import { h } from "./dom.js";
import { keepKeys } from "./keys.js";

function render({ model, el }) {
  const button = h("button", { type: "button", className: "rk-handin-button" },
    `Download ${model.get("filename")}`);
  const status = h("p", { className: "rk-handin-status", role: "status", "aria-live": "polite" });
  const help = h("p", { className: "rk-handin-help" }, model.get("help"));
  const root = h("div", { className: "rk-handin" }, button, status, help);
  keepKeys(root);
  el.appendChild(root);

  button.addEventListener("click", () => {
    status.textContent = "Preparing the file\u2026";
    model.send({ type: "download" });
  });
  const onMessage = (message) => {
    if (message.type === "file") {
      const blob = new Blob([message.text], { type: "application/json" });
      const link = h("a", { hidden: true, download: message.name });
      link.href = URL.createObjectURL(blob);
      root.appendChild(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 10000);
      status.textContent = `\u2714 ${message.summary}`;
    } else if (message.type === "not-ready") {
      status.textContent = `\u26a0 ${message.text}`;
    }
  };
  model.on("msg:custom", onMessage);
  return () => model.off("msg:custom", onMessage);
}
export default { render };
