"""The self-study lesson notebook of an article (lessons/NAME.ipynb), in the shape of lessons/:
objectives, standards and time first; the codebook's procedure; worked examples; a practice
Sorter; self-checks built from the article's hard cases; a summary last. Short cells, no
outputs, the article's text loaded (show_units), never typed into the notebook.

Learner-facing: it is built from the practice key only. No assessment unit's id, text, label
or rationale can reach it (the builder is never given them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from readkit.course.key import KeyEntry

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
MIN_HARD_CASES, MAX_HARD_CASES = 2, 3
# Words of a rationale that explain a close call (the codebook's hard cases are written so).
CLOSE_CALL = ("also accepted", "square brackets", "even though", "stays", "only say",
              "does not say", "but ", "only ")
PROCEDURE = """## 2. The decision procedure

Ask the questions **in this order** and stop at the first "yes".

1. **Is it publication furniture?** (headline, byline, dateline, caption, credit) Then `meta`.
2. **Does the text give the words or information to a named or described source?**
   (quotation marks, "said", "according to", "the report"; a source described without a
   name, "a council officer", counts) Then `sourced`, even when the source gives an
   opinion: the label says who speaks.
3. **Is it a checkable statement in the writer's own voice, with no source?** Then `claim`.
   A claim may be true or false: the label does not decide that.
4. **Otherwise** it is `commentary`: interpretation, judgement, guesses, loaded words.

Some sentences can be read two ways; the key then accepts a second label and says why."""
LABELS_TABLE = """## 1. The four labels

| Label | In one line |
| --- | --- |
| `meta` | publication furniture: headline, byline, dateline, captions, credits |
| `sourced` | words or information the text gives to a **named or described source** |
| `claim` | a factual statement in the **writer's own voice**, no source given, checkable |
| `commentary` | the writer's interpretation, judgement, guess or loaded wording |"""


def hard_cases(practice: Mapping[str, KeyEntry], limit: int = MAX_HARD_CASES) -> list[str]:
    """Practice units that need a close look: those with an accepted alternative first, then
    those whose rationale explains a close call; reading order, at most `limit`. An article with
    fewer than MIN_HARD_CASES gets other practice units of labels not yet asked about."""
    accepted = [u for u, e in practice.items() if e.accept]
    hits = {u: sum(word in e.rationale.lower() for word in CLOSE_CALL)
            for u, e in practice.items() if not e.accept}
    close = sorted((u for u, n in hits.items() if n), key=lambda u: -hits[u])  # stable
    picked = (accepted + close)[:limit]
    if len(picked) < MIN_HARD_CASES:  # a plain article: any practice units, labels mixed
        seen = {practice[u].label for u in picked}
        for unit_id, entry in practice.items():
            if len(picked) >= MIN_HARD_CASES:
                break
            if unit_id not in picked and entry.label not in seen:
                picked.append(unit_id)
                seen.add(entry.label)
    chosen = set(picked)
    return [u for u in practice if u in chosen]


def worked_examples(practice: Mapping[str, KeyEntry], avoid: Sequence[str]) -> list[str]:
    """One practice unit of each label (the first in reading order that is not a hard case),
    in reading order."""
    found: dict[str, str] = {}
    for unit_id, entry in practice.items():
        if unit_id not in avoid and entry.label not in found:
            found[entry.label] = unit_id
    return [u for u in practice if u in found.values()]  # reading order, as show_units shows


def self_check_source(unit_id: str, slug: str) -> str:
    """One short cell: the question, options, hint and explanation come from the practice key
    when it runs (readkit.widgets.selfcheck.SelfCheck.on_unit)."""
    return f"SelfCheck.on_unit({unit_id!r}, article={slug!r})"


def build_lesson(slug: str, title: str, name: str, practice: Mapping[str, KeyEntry],
                 paragraphs: tuple[int, int]):
    """The lesson as an nbformat NotebookNode. `practice`: the practice key (unit_id -> entry,
    reading order); `paragraphs`: the first and last paragraph of the practice units."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    hard = hard_cases(practice)
    numbered = re.match(r"0*(\d+)-", name)
    number = numbered.group(1) if numbered else name
    examples = worked_examples(practice, hard)
    art = f"article={slug!r}"
    folded = {"jupyter": {"source_hidden": True}}
    first, last = paragraphs
    cells = [
        new_markdown_cell(
            f'# Lesson {number}: Who is speaking? Practice on "{title}"\n\n'
            "Every sentence of a news text carries someone's words or information. This lesson "
            "practises one skill on this article: telling what the writer reports from a named "
            "source apart from what the writer states or thinks.\n\n"
            "**Learning objectives.** Label a sentence as `meta`, `sourced`, `claim` or "
            "`commentary` with a fixed procedure; point at the words that decide the label.\n\n"
            "**Standards.** CCRA.R.1, CCRA.R.6, RH.6-8.8.\n\n"
            "**Estimated time.** 25 minutes."),
        new_code_cell("import readkit\nfrom readkit.widgets.selfcheck import SelfCheck\n"
                      "from readkit.widgets.show import reveal_key, show_units"),
        new_markdown_cell(LABELS_TABLE),
        new_markdown_cell(PROCEDURE),
        new_markdown_cell(f"### Worked examples\n\n{len(examples)} sentences, each with a "
                          "different label. Decide each label with the procedure, then open "
                          "the key."),
        new_code_cell(f"show_units({examples!r}, {art})"),
        new_code_cell(f"reveal_key({examples!r}, {art})", metadata=folded),
        new_markdown_cell(
            "## 3. Practise with the Sorter\n\n"
            f"The Sorter below shows the practice part of the article (paragraphs {first} to "
            f"{last}). Choose a label for each sentence, then press **Check my answers**:\n\n"
            "- each labelled sentence is marked right or wrong;\n"
            "- after **two different wrong tries** on a sentence, the Sorter shows the labels "
            "the key accepts and why."),
        new_code_cell(f'sorter = readkit.Sorter({art}, assignment="lesson-{name}",\n'
                      '                        answers_path="answers.json", mode="practice")\n'
                      "sorter"),
        new_markdown_cell("**After practising.** Which label did you confuse most often? "
                          "Write down the words that decided two labels you got wrong."),
    ]
    if hard:
        cells += [
            new_markdown_cell("## 4. Hard cases\n\nThese sentences need a close look: some "
                              "can be read two ways, some only seem to. Read them; the "
                              "self-check asks about each."),
            new_code_cell(f"show_units({hard!r}, {art})"),
            new_markdown_cell("## Self-check"),
            *[new_code_cell(self_check_source(u, slug)) for u in hard],
        ]
    cells.append(new_markdown_cell(
        "## Summary\n\n"
        "- Four labels: `meta` (furniture), `sourced` (a named or described source's words or "
        "information), `claim` (the writer's checkable statement, no source), `commentary` "
        "(the writer's interpretation, judgement or loaded words).\n"
        "- Ask in order: furniture? named or described source? checkable statement in the "
        "writer's voice? Otherwise commentary.\n"
        "- The label says who speaks and what kind of statement it is, never whether it is true."))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number:02d}"
    return new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                               "language_info": {"name": "python"}})
