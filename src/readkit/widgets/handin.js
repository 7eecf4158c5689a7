// Hand in by download: the kernel reads answers.json as it is on disk (in the browser version
// of the course, the site's own storage) and sends it; the page saves it as a file. The file
// is asked for at the click, so a label changed after the cell ran is in it.
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "rk-handin";
  keepKeys(root);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "rk-handin-button";
  button.textContent = `Download ${model.get("filename")}`;
  const status = document.createElement("p");
  status.className = "rk-handin-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const help = document.createElement("p");
  help.className = "rk-handin-help";
  help.textContent = model.get("help");
  root.append(button, status, help);
  el.appendChild(root);

  button.addEventListener("click", () => {
    status.textContent = "Preparing the file\u2026";
    model.send({ type: "download" });
  });
  const onMessage = (message) => {
    if (message.type === "file") {
      const blob = new Blob([message.text], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = message.name;
      link.hidden = true;
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
