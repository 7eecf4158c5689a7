"""Shared helpers of the grading tests: a course in a temporary folder with the real
configuration and data, hand-ins, and an nbgrader gradebook built with nbgrader.api (no
nbgrader command runs). tests/conftest.py turns them into fixtures; test modules that need the
plain functions (test_parallel.py) import them from here.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import warnings
from pathlib import Path

import pytest

from readkit.course.course import Course

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
ASSIGNMENT = "01-sort-the-sources"
NOTEBOOK = "sort-the-sources"
# The real data/sections.csv of 01-sort-the-sources (tests check it is still so).
SECTION_POINTS = {"part-1": 8.0, "part-2": 9.0, "part-3": 13.0}
# Every grade cell of 01's notebook: grades.csv's column -> (grade_id, points, cell type).
GRADE_CELLS = {
    **{section: (f"{section}-grade", points, "code") for section, points in SECTION_POINTS.items()},
    "rewrite-choice": ("rewrite-choice-grade", 1.0, "code"),  # the chosen sentence
    "rewrite-answer": ("rewrite-answer", 4.0, "markdown"),  # the rewrite, graded by hand
}
UPDATE_GOLDEN = "READKIT_UPDATE_GOLDEN"


def make_course(base: Path, solutions: bool = False) -> Path:
    """A course with the real nbgrader_config.py, readkit.toml and data/ (and solutions/, the
    source notebooks readkit grade reads the grade cells from), and an empty grading/ folder;
    returns its root."""
    root = base / "course"
    root.mkdir(parents=True)
    for name in ("nbgrader_config.py", "readkit.toml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "data", root / "data")
    if solutions:
        shutil.copytree(REPO / "solutions", root / "solutions")
    (root / "grading").mkdir()
    return root


def submission_dir(root: Path, student: str, assignment: str = ASSIGNMENT) -> Path:
    return root / "grading" / "submitted" / student / assignment


def hand_in(root: Path, student: str, source: str | Path | bytes | None,
            assignment: str = ASSIGNMENT) -> Path:
    """A submission folder for `student`; its answers.json is a copy of `source` (a path, or a
    file name under tests/golden/grade/submissions/), the bytes given, or absent (None).
    Returns the answers.json path."""
    folder = submission_dir(root, student, assignment)
    folder.mkdir(parents=True)
    target = folder / "answers.json"
    if isinstance(source, bytes):
        target.write_bytes(source)
    elif source is not None:
        path = Path(source)
        if not path.is_absolute():
            path = GOLDEN / "grade" / "submissions" / path
        shutil.copy(path, target)
    return target


def hand_in_notebook(root: Path, student: str, chosen: str,
                     assignment: str = ASSIGNMENT) -> Path:
    """The released notebook of 01 in the student's submission folder, with
    `chosen_unit = "<chosen>"` typed over the YOUR ANSWER HERE line of its answer cell
    `rewrite-choice`, as the cell tells a learner to."""
    source = REPO / "exercises" / assignment / f"{NOTEBOOK}.ipynb"
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "rewrite-choice":
            lines = "".join(cell["source"]).splitlines()
            (stub,) = [n for n, line in enumerate(lines) if line.startswith("# YOUR ANSWER HERE")]
            lines[stub] = f"chosen_unit = {chosen!r}"
            cell["source"] = "\n".join(lines) + "\n"
    folder = submission_dir(root, student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{NOTEBOOK}.ipynb"
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return target


def grade_cell_source(section: str) -> str:
    """What a Sorter part's grade cell holds in the released notebook (no scoring call)."""
    return ("import readkit.grading.cells as grading\n\n"
            f'grading.check_answers("{ASSIGNMENT}", "{section}")\n')


def alembic_head() -> str:
    """The newest migration of the installed nbgrader, read from its migration files: what
    `alembic heads` (which nbgrader runs in a subprocess for a new gradebook, several seconds)
    would print."""
    import nbgrader

    revisions, parents = set(), set()
    for script in (Path(nbgrader.__file__).parent / "alembic" / "versions").glob("*.py"):
        found = dict(re.findall(r"^(revision|down_revision) = ['\"]?([\w]+)", script.read_text(),
                                re.M))
        revisions.add(found["revision"])
        parents.add(found.get("down_revision"))
    (head,) = revisions - parents
    return head


def build_gradebook(root: Path, scores: dict, roster_only=(), db_url: str | None = None,
                    assignment: str = ASSIGNMENT, notebook: str = NOTEBOOK,
                    cells: dict | None = None) -> str:
    """A gradebook shaped like the one nbgrader makes for an assignment (01-sort-the-sources
    by default): every grade cell of `cells` (column -> (grade_id, points, cell type); default
    GRADE_CELLS, where the rewrite is a markdown cell graded by hand).

    scores: student -> {column: recorded} ("no-scores": a submission row without scores;
    None: the student is not in the gradebook). recorded: a number (the auto_score autograde
    wrote) or {"auto": ..., "manual": ..., "extra": ...} (manual_score and extra_credit as a
    grader sets them in the formgrader). Returns the db_url."""
    from readkit.nbgrader.autograde import quiet_nbgrader_imports

    quiet_nbgrader_imports()
    import nbgrader.api

    db_url = db_url or Course.open(root).layout.db_url
    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as patch:
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
        patch.setattr(nbgrader.api, "get_alembic_version", alembic_head)
        with nbgrader.api.Gradebook(db_url, "readkit") as gb:
            _fill_gradebook(gb, scores, roster_only, assignment, notebook,
                            cells or GRADE_CELLS)
    return db_url


def open_gradebook(root: Path):
    """The course's gradebook through nbgrader.api, as the formgrader's API opens it."""
    from readkit.nbgrader.autograde import quiet_nbgrader_imports

    quiet_nbgrader_imports()
    import nbgrader.api

    return nbgrader.api.Gradebook(Course.open(root).layout.db_url, "readkit")


def set_grade(gb, student: str, grade_id: str, recorded, assignment: str = ASSIGNMENT,
              notebook: str = NOTEBOOK) -> None:
    """One cell's grade as autograde (a number: auto_score) or a grader ({"auto", "manual",
    "extra"}) sets it, through nbgrader.api as the formgrader's API does."""
    grade = gb.find_grade(grade_id, notebook, assignment, student)
    values = recorded if isinstance(recorded, dict) else {"auto": recorded}
    for key, attribute in (("auto", "auto_score"), ("manual", "manual_score"),
                           ("extra", "extra_credit")):
        if key in values:
            setattr(grade, attribute, values[key])
    gb.db.commit()


def _fill_gradebook(gb, scores: dict, roster_only, assignment: str, notebook: str,
                    cells: dict) -> None:
    gb.add_assignment(assignment)
    gb.add_notebook(notebook, assignment)
    for column, (name, points, cell_type) in cells.items():
        gb.add_grade_cell(name, notebook, assignment, max_score=points, cell_type=cell_type)
        if cell_type == "markdown":
            gb.add_solution_cell(name, notebook, assignment)
        source = (grade_cell_source(column) if column in SECTION_POINTS
                  else f'grading.check_answers("{assignment}")\n')
        gb.add_source_cell(name, notebook, assignment, cell_type=cell_type,
                           locked=cell_type == "code", source=source)
    for student in roster_only:
        gb.add_student(student, first_name=student.split("-")[0].title(), last_name="Absent")
    for student, recorded in scores.items():
        if recorded is None:
            continue
        gb.update_or_create_student(student, first_name=student.split("-")[0].title(),
                                    last_name="Test")
        gb.add_submission(assignment, student)
        if recorded == "no-scores":
            continue
        for column, value in recorded.items():
            set_grade(gb, student, cells[column][0], value, assignment, notebook)


def compare_golden(produced: str, expected_path: Path) -> None:
    """Compare a produced file WHOLE with its golden copy; READKIT_UPDATE_GOLDEN=1 rewrites the
    golden copy instead (then read `git diff tests/golden/` row by row before committing)."""
    if os.environ.get(UPDATE_GOLDEN) == "1":
        expected_path.write_text(produced, encoding="utf-8")
        pytest.skip(f"rewrote {expected_path}; review `git diff` before committing it")
    expected = expected_path.read_text(encoding="utf-8")
    if produced != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), produced.splitlines(keepends=True),
            str(expected_path.relative_to(REPO)), "produced"))
        pytest.fail(
            f"{expected_path.name} differs from the golden file. If the key or the sections "
            f"changed on purpose, regenerate it with {UPDATE_GOLDEN}=1 and review the diff:\n"
            + diff)


def read_cases(folder: Path) -> dict:
    return json.loads((folder / "cases.json").read_text(encoding="utf-8"))
