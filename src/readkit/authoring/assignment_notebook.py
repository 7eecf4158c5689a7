"""The nbgrader source notebook of a generated Sorter assignment (solutions/NAME/NAME.ipynb).

Modelled on solutions/01-sort-the-sources: plain markdown and Sorter cells (no nbgrader
metadata: nbgrader 0.9.6 fails a submission whose restored grade cell follows a read-only
cell), and one locked grade cell `<part>-grade` per part carrying the part's points, which
readkit's TrustedScores replaces with the points computed outside the kernel. No outputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from readkit.course.sections import Section
from readkit.grading.trusted import grade_cell_id

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LABEL_TABLE = "\n".join((
    "| label | use it for |",
    "| --- | --- |",
    "| **sourced** | reported or quoted from a named or described source: one the text names "
    "(a person, an organisation, a report) or describes without a name (\"a council officer\") |",
    "| **claim** | a factual assertion in the writer's own voice, with no source given "
    "(checkable in principle) |",
    "| **commentary** | opinion, interpretation, speculation, loaded wording, rhetorical "
    "questions |",
    "| **meta** | publication furniture: headline, byline, dateline, captions, credits, contact "
    "lines |",
))


def _points(value: float) -> str:
    return f"{value:g} point{'' if value == 1 else 's'}"


def intro(assignment: str, title: str, sections: Sequence[Section]) -> str:
    first, last = sections[0].first_paragraph, sections[-1].last_paragraph
    shares = "; ".join(f"part {n}: {s.points:g}" for n, s in enumerate(sections, start=1))
    return f"""# Assignment {assignment}: Sort the sources in "{title}"

In this assignment you label every sentence of paragraphs {first} to {last} of the article
"{title}" with one of four labels:

{LABEL_TABLE}

How it works:

- Each part below has a Sorter. Run its cell, then choose a label for each sentence. Your labels
  are saved in `answers.json`, next to this notebook, each time you change one.
- The check cell under each Sorter says whether `answers.json` is there and how many sentences of
  that part are still unlabelled. It does not say whether your labels are right.
- Some sentences can be read two ways. Where the course accepts a second label, either one
  earns the credit.
- Points ({shares}): how far your labels agree with the key beyond what guessing would get:
  the share of sentences you labelled right, measured above what the same labels would get if
  they were shuffled among the part's sentences. Every sentence counts about the same; one
  label for everything scores 0, random labels close to nothing; telling the labels apart
  earns the points.
- When you are done, run the last cell, then submit this folder with `answers.json` in it."""


def build_notebook(assignment: str, title: str, sections: Sequence[Section]):
    """The source notebook as an nbformat NotebookNode (nbformat 4.5, cell ids as in 01)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [new_markdown_cell(intro(assignment, title, sections), id="intro")]
    for number, section in enumerate(sections, start=1):
        part = section.section
        cells += [
            new_markdown_cell(
                f"## Part {number}: {section.title} ({_points(section.points)})\n\n"
                "For each sentence ask, in this order: is it publication furniture? Does the "
                "text give it to a named or described source? Is it a checkable statement in "
                "the writer's own voice? Otherwise it is commentary.", id=f"{part}-task"),
            new_code_cell(f'from readkit import Sorter\n\nSorter.section("{assignment}", '
                          f'"{part}")', id=f"{part}-sorter"),
            new_code_cell(
                f"# Checks answers.json for part {number}: is it there, how many sentences are "
                "unlabelled?\n# Your labels are graded after you submit, outside this notebook.\n"
                f'import readkit.grading.cells as grading\n\ngrading.check_answers("{assignment}",'
                f' "{part}")', id=grade_cell_id(part),
                metadata={"nbgrader": {"grade": True, "grade_id": grade_cell_id(part),
                                       "locked": True, "points": float(section.points),
                                       "schema_version": 3, "solution": False, "task": False}}),
        ]
    cells += [
        new_markdown_cell("## Before you submit\n\nRun the cell below. It should say that "
                          "`answers.json` was found and that every sentence has a\nlabel. Then "
                          "save this notebook and submit the folder (the notebook and "
                          "`answers.json`).", id="submit-task"),
        new_code_cell(f'import readkit.grading.cells as grading\n\n'
                      f'grading.check_answers("{assignment}")', id="submit-check"),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                               "language_info": {"name": "python"}})
