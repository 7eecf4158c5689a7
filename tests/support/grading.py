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
UPDATE_GOLDEN = "READKIT_UPDATE_GOLDEN"


def make_course(base: Path) -> Path:
    """A course with the real nbgrader_config.py, readkit.toml and data/, and an empty
    grading/ folder; returns its root."""
    root = base / "course"
    root.mkdir(parents=True)
    for name in ("nbgrader_config.py", "readkit.toml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "data", root / "data")
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


def build_gradebook(root: Path, scores: dict, roster_only=(), db_url: str | None = None) -> str:
    """A gradebook shaped like the one nbgrader makes for 01-sort-the-sources: one grade cell
    `<section>-grade` per section, plus rewrite-choice-grade (not a section).

    scores: student -> {section: auto_score} ("no-scores": a submission row without scores;
    None: the student is not in the gradebook). Returns the db_url."""
    from readkit.nbgrader.autograde import quiet_nbgrader_imports

    quiet_nbgrader_imports()
    import nbgrader.api

    db_url = db_url or Course.open(root).layout.db_url
    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as patch:
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
        patch.setattr(nbgrader.api, "get_alembic_version", alembic_head)
        _fill_gradebook(nbgrader.api.Gradebook(db_url, "readkit"), scores, roster_only)
    return db_url


def _fill_gradebook(gb, scores: dict, roster_only) -> None:
    with gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook(NOTEBOOK, ASSIGNMENT)
        for section, points in SECTION_POINTS.items():
            name = f"{section}-grade"
            gb.add_grade_cell(name, NOTEBOOK, ASSIGNMENT, max_score=points, cell_type="code")
            gb.add_source_cell(name, NOTEBOOK, ASSIGNMENT, cell_type="code", locked=True,
                               source=grade_cell_source(section))
        gb.add_grade_cell("rewrite-choice-grade", NOTEBOOK, ASSIGNMENT, max_score=1,
                          cell_type="code")
        gb.add_source_cell("rewrite-choice-grade", NOTEBOOK, ASSIGNMENT, cell_type="code",
                           locked=True, source=f'grading.check_answers("{ASSIGNMENT}")\n')
        for student in roster_only:
            gb.add_student(student, first_name=student.split("-")[0].title(), last_name="Absent")
        for student, recorded in scores.items():
            if recorded is None:
                continue
            gb.add_student(student, first_name=student.split("-")[0].title(), last_name="Test")
            gb.add_submission(ASSIGNMENT, student)
            if recorded == "no-scores":
                continue
            for section, value in recorded.items():
                grade = gb.find_grade(f"{section}-grade", NOTEBOOK, ASSIGNMENT, student)
                grade.auto_score = value
            gb.find_grade("rewrite-choice-grade", NOTEBOOK, ASSIGNMENT, student).auto_score = 1
            gb.db.commit()


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
