// A unit's text as DOM nodes, from the runs Python made of it (readkit/widgets/unit_runs.py):
// [{text, u?, b?, q?}]. The article's markup shows as formatting (u: underlined, b: bold), a
// quotation as one span.rk-quote; the text itself is only ever a text node.

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

export function sentence(runs) {
  const out = document.createDocumentFragment();
  let quote = null; // the span.rk-quote that quoted runs go into, while they follow each other
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
