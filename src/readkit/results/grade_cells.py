"""The grade cells of an assignment and who scores each, read from its source notebooks in
solutions/ (what `nbgrader generate_assignment` puts into the gradebook): the points of every
cell are written once, in the notebook, and every total is their sum.

Who scores a cell:
- SORTER: a Sorter part's `<section>-grade`: readkit, from answers.json as submitted;
- CHOICE: the chosen sentence (`rewrite-choice-grade`): readkit, from the answer cell's source
  as submitted and the learner's own answers.json;
- AUTOGRADED: any other autograded cell (02's number checks): the learner's (sandboxed) kernel,
  as nbgrader's autograde recorded it;
- MANUAL: a manually graded answer (a grade cell that is also a solution or task cell): a
  grader, in the formgrader, with the rubric.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from readkit.course.course import Course
from readkit.course.errors import GradingError
from readkit.grading import trusted

SORTER, CHOICE, AUTOGRADED, MANUAL = "sorter", "choice", "autograded", "manual"
GRADE_SUFFIX = "-grade"


@dataclass(frozen=True)
class GradeCell:
    notebook: str  # the notebook's name without .ipynb, as nbgrader names it
    grade_id: str
    points: float
    kind: str  # SORTER, CHOICE, AUTOGRADED or MANUAL
    column: str  # its column in grades.csv
    section: str = ""  # the Sorter part whose points it carries (SORTER only)

    @property
    def by_readkit(self) -> bool:
        """Scored by readkit's trusted step (never taken from a kernel)."""
        return self.kind in (SORTER, CHOICE)

    @property
    def cell_id(self) -> tuple[str, str]:
        """How the gradebook names it."""
        return (self.notebook, self.grade_id)


def source_notebooks(course: Course, assignment: str) -> list[Path]:
    folder = course.layout.source / assignment
    return sorted(folder.glob("*.ipynb")) if folder.is_dir() else []


def _kind(cell: dict, meta: dict, grade_id: str, plan: trusted.SorterAssignment | None) -> str:
    if meta.get("solution") or meta.get("task") or cell.get("cell_type") != "code":
        return MANUAL  # nbgrader leaves these to a grader
    if plan is not None and grade_id in plan.cell_sections():
        return SORTER
    if plan is not None and grade_id == trusted.CHOICE_GRADE_CELL:
        return CHOICE  # TrustedScores scores it only in a Sorter assignment
    return AUTOGRADED


def assignment_cells(course: Course, assignment: str,
                     plan: trusted.SorterAssignment | None) -> list[GradeCell]:
    """Every grade cell of the assignment's source notebooks, in notebook order. Raises
    GradingError when there is no source notebook or a Sorter part has no grade cell."""
    notebooks = source_notebooks(course, assignment)
    if not notebooks:
        raise GradingError(
            f"{course.layout.source / assignment} has no notebook: readkit grade reads the "
            "assignment's grade cells and their points from it. Restore it (git checkout "
            f"{course.layout.source.name}/) or give the right assignment name.")
    found: list[tuple[str, str, float, str, str]] = []
    sections = plan.cell_sections() if plan is not None else {}
    for path in notebooks:
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError) as error:
            raise GradingError(f"{path} cannot be read as a notebook ({error}); restore it "
                               "from the course repository.") from None
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade"):
                continue
            grade_id = str(meta.get("grade_id", ""))
            kind = _kind(cell, meta, grade_id, plan)
            section = sections[grade_id].section if kind == SORTER else ""
            found.append((path.stem, grade_id, float(meta.get("points", 0)), kind, section))
    missing = [cell for cell in sections if cell not in {f[1] for f in found if f[3] == SORTER}]
    if missing:
        raise GradingError(f"The notebook of {assignment} has no grade cell {', '.join(missing)} "
                           "for its Sorter parts (sections.csv): fix the notebook in "
                           f"{course.layout.source.name}/ (readkit release checks it).")
    return [GradeCell(notebook, grade_id, points, kind, column, section)
            for (notebook, grade_id, points, kind, section), column
            in zip(found, _columns(found), strict=True)]


def _columns(found) -> list[str]:
    """Short column names: the grade id without its '-grade' ending (part-1, rewrite-choice,
    rewrite-answer); the notebook's name before it where two notebooks share a grade id."""
    short = [grade_id.removesuffix(GRADE_SUFFIX) or grade_id for _, grade_id, *_ in found]
    if len(set(short)) == len(short):
        return short
    return [f"{notebook}:{grade_id}" for notebook, grade_id, *_ in found]
