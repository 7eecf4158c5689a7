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
from readkit.course.label_mix import FURNITURE, GRADED_LABELS

# notebook metadata that marks a lesson new-lesson wrote (the kit's own lessons have none): the
# tests hold every lesson to the same shape, and the kit's own to the teacher guide as well
GENERATED = "readkit_generated"
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
    those whose rationale explains a close call; reading order, at most `limit`. Fewer than
    `limit` are topped up with a unit of each graded label not yet asked about (the first in
    reading order), and furniture only when the practice half has nothing else: a headline
    teaches little."""
    accepted = [u for u, e in practice.items() if e.accept]
    hits = {u: sum(word in e.rationale.lower() for word in CLOSE_CALL)
            for u, e in practice.items() if not e.accept}
    close = sorted((u for u, n in hits.items() if n), key=lambda u: -hits[u])  # stable
    picked = (accepted + close)[:limit]
    seen = {practice[u].label for u in picked}
    for label in (*GRADED_LABELS, FURNITURE):
        if len(picked) >= limit or (label == FURNITURE and len(picked) >= MIN_HARD_CASES):
            break
        first = next((u for u, e in practice.items() if e.label == label), None)
        if label not in seen and first is not None:
            picked.append(first)
            seen.add(label)
    chosen = set(picked)
    return [u for u in practice if u in chosen]


def worked_examples(practice: Mapping[str, KeyEntry], avoid: Sequence[str]) -> list[str]:
    """One practice unit of each label (the first in reading order that is not a hard case,
    else the hard case: every label the practice half has gets its example), in reading
    order."""
    found: dict[str, str] = {}
    for unit_id, entry in practice.items():
        if unit_id not in avoid and entry.label not in found:
            found[entry.label] = unit_id
    for unit_id, entry in practice.items():
        found.setdefault(entry.label, unit_id)
    return [u for u in practice if u in found.values()]  # reading order, as show_units shows


def missing_labels(practice: Mapping[str, KeyEntry]) -> list[str]:
    """The graded labels the practice half has no unit of."""
    have = {entry.label for entry in practice.values()}
    return [label for label in GRADED_LABELS if label not in have]


def self_check_source(unit_id: str, slug: str) -> str:
    """One short cell: the question, options, hint and explanation come from the practice key
    when it runs (readkit.widgets.selfcheck.SelfCheck.on_unit)."""
    return f"SelfCheck.on_unit({unit_id!r}, article={slug!r})"


def _missing_note(practice: Mapping[str, KeyEntry]) -> str:
    """A line for learners when the practice part lacks a label they will be graded on."""
    missing = missing_labels(practice)
    if not missing:
        return ""
    names = " or ".join(f"`{label}`" for label in missing)
    return (f"\n\nThis part of the article has no {names} sentence: look again at the "
            "labels table and the procedure for it before the graded part.")


def build_lesson(slug: str, name: str, practice: Mapping[str, KeyEntry],
                 paragraphs: tuple[int, int]):
    """The lesson as an nbformat NotebookNode. `practice`: the practice key (unit_id -> entry,
    reading order); `paragraphs`: the first and last paragraph of the practice units. The
    article is named by its slug, never by its headline: the article's text is only ever loaded
    (show_units, the Sorter), so nothing typed into the lesson can drift from units.csv."""
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
            f"# Lesson {number}: Who is speaking? Practice on a news article\n\n"
            "Every sentence of a news text carries someone's words or information. This lesson "
            f"practises one skill on the article `{slug}`: telling what the writer reports from "
            "a named source apart from what the writer states or thinks.\n\n"
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
                          "the key." + _missing_note(practice)),
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
                                               "language_info": {"name": "python"},
                                               GENERATED: {"article": slug}})
