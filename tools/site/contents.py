"""What the site's file browser holds: the lessons and the learner copies (exercises/) of the
assignments that run in a browser: 01-sort-the-sources, and any later Sorter assignment once
released (02-trace-the-numbers is pandas work: not in the site).

Copies are made for the browser, the repository's notebooks stay as they are:
- each notebook names the Pyodide kernel (JupyterLite's "python"), so no kernel dialog opens;
- without outputs or saved widget state: a notebook run and saved in the checkout (`make lab`)
  is that person's work, not the course's;
- a lesson that computes with pandas or matplotlib (they need numpy, and no WebAssembly numpy
  can be had from the registries the course builds from) opens on a note that says so and
  points to `make lab`. Which lessons those are is read from their code, not kept in a list.

An assessed build (`make site ASSESSED=1`, for a class that has not yet handed in assignment 01)
leaves out the lessons tagged `after-assignment-01` (lessons 6 to 8 discuss sentences that
assignment 01 grades); the tag is read from each lesson's first cell, not kept in a list.

The learner docs that the lessons link to (the primer, the glossary, the codebook, the sentence
frames) are copied to docs/, so that the links resolve in the site as in the repository.
"""

import ast
import shutil
from pathlib import Path

import nbformat

from tools.site import ROOT

LESSONS = ROOT / "lessons"
EXERCISES = ROOT / "exercises"
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
# Libraries that do not run in the browser, and readkit's helpers that return their DataFrames.
NOT_IN_BROWSER = ("pandas", "matplotlib", "numpy")
DATAFRAME_HELPERS = ("load_units", "load_sources", "load_claims", "load_key")
NOTE_TAG = "needs-make-lab"
AFTER_ASSIGNMENT_TAG = "after-assignment-01"
DOCS = ROOT / "docs"
# Learner-facing only: never the teacher guide, the instructor codebook or the rubric anchors.
LEARNER_DOCS = ("background-primer.md", "glossary.md", "codebook.md", "sentence-frames.md")

NOTE = """\
> **This lesson needs `make lab`.** Its code uses {uses}, which need numpy, and numpy cannot
> run in this browser version of the course: here Python runs inside the page (Pyodide), and
> no WebAssembly build of numpy is available to it. Read the lesson here; to run
> its code cells, open the course with `make lab` on a computer with Python 3.11+ (see the
> course's README), or ask your teacher. Everything else (the other lessons, the practice
> Sorter and assignment 01) runs here."""


def browser_only_needs(notebook) -> list[str]:
    """What a notebook's code uses that the browser does not have (empty: it runs here)."""
    found = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Attribute) and node.attr in DATAFRAME_HELPERS:
                found.add("pandas")
    return [name for name in NOT_IN_BROWSER if name in found]


def _for_browser(notebook) -> None:
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    needs = browser_only_needs(notebook)
    if needs:
        note = nbformat.v4.new_markdown_cell(NOTE.format(uses=" and ".join(needs)),
                                             metadata={"tags": [NOTE_TAG]})
        notebook.cells.insert(0, note)


def _copy_notebook(source: Path, target: Path) -> list[str]:
    notebook = nbformat.read(source, as_version=4)
    needs = browser_only_needs(notebook)
    _for_browser(notebook)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return needs


def after_assignment_01(notebook) -> bool:
    """Whether a lesson is tagged to be done only after assignment 01 is handed in."""
    return bool(notebook.cells) and AFTER_ASSIGNMENT_TAG in notebook.cells[0].metadata.get(
        "tags", [])


def write_contents(target: Path, assessed: bool = False) -> dict[str, list[str]]:
    """The drive's files into `target`; returns each notebook's path in the site and what it
    needs that the browser lacks (empty: it runs here). `assessed`: leave out the lessons that
    discuss sentences assignment 01 grades."""
    shutil.rmtree(target, ignore_errors=True)
    report = {}
    for lesson in sorted(LESSONS.glob("*.ipynb")):
        if assessed and after_assignment_01(nbformat.read(lesson, as_version=4)):
            continue
        report[f"lessons/{lesson.name}"] = _copy_notebook(lesson, target / "lessons" / lesson.name)
    (target / "docs").mkdir(parents=True)
    for name in LEARNER_DOCS:
        shutil.copy(DOCS / name, target / "docs" / name)
    for assignment in sorted(p for p in EXERCISES.iterdir() if p.is_dir()):
        # The notebooks only: an answers.json left in a checkout is nobody's hand-in.
        notebooks = sorted(assignment.glob("*.ipynb"))
        if any(browser_only_needs(nbformat.read(n, as_version=4)) for n in notebooks):
            continue  # graded work that cannot be done here is left out, not noted
        for notebook in notebooks:
            inside = f"exercises/{assignment.name}/{notebook.name}"
            report[inside] = _copy_notebook(notebook, target / inside)
    shutil.copy(Path(__file__).with_name("START-HERE.md"), target / "START-HERE.md")
    return report
