"""What nbgrader's gradebook recorded for the Sorter parts' grade cells, per student.

`readkit grade` checks that the gradebook holds the points readkit's trusted grade step
computed (autograde writes them there). The default SQLite gradebook is read with the standard
sqlite3 module, read-only (never created, migrated or locked), because importing nbgrader costs
1.5-3.5 s per process; any other `db_url` (PostgreSQL) is read through nbgrader.api.Gradebook.
Both readers give the same answer (tested).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

OK, NO_GRADEBOOK, NO_GRADE_CELLS = "ok", "no-gradebook", "no-grade-cells"


@dataclass
class GradebookScores:
    """state: ok, NO_GRADEBOOK or NO_GRADE_CELLS (detail says why). scores: student ->
    grade_id -> auto_score (None: no score) for the cells asked for, for every student with a
    submission row; names: student -> (first, last)."""

    state: str
    detail: str = ""
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


def sqlite_path(db_url: str) -> Path | None:
    """The file of a sqlite:/// URL, None for other databases."""
    if not db_url.startswith("sqlite:///"):
        return None
    return Path(db_url[len("sqlite:///"):].split("?", 1)[0])


def _assemble(cells: Iterable[str], grade_rows, submitted, names, wanted: list[str]
              ) -> GradebookScores:
    present = [cell for cell in wanted if cell in set(cells)]
    if not present:
        return GradebookScores(NO_GRADE_CELLS, "the gradebook has no grade cell for these parts "
                               f"({', '.join(wanted)}); run readkit release and autograde",
                               names=dict(names))
    missing = [cell for cell in wanted if cell not in present]
    detail = f"no grade cell {', '.join(missing)} in the gradebook" if missing else ""
    scores = {student: dict.fromkeys(present) for student in submitted}
    for student, cell, score in grade_rows:
        if student in scores and cell in scores[student]:
            scores[student][cell] = None if score is None else float(score)
    return GradebookScores(OK, detail, scores, dict(names))


def _read_sqlite(path: Path, assignment: str, wanted: list[str]) -> GradebookScores:
    import sqlite3

    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        names = {s: (f or "", la or "") for s, f, la in connection.execute(
            "SELECT id, first_name, last_name FROM student")}
        row = connection.execute("SELECT id FROM assignment WHERE name = ?",
                                 (assignment,)).fetchone()
        if row is None:
            return GradebookScores(NO_GRADEBOOK, f"{assignment} is not in the gradebook (run "
                                   "readkit release, then autograde)", names=names)
        cells = [name for (name,) in connection.execute(
            """SELECT bc.name FROM base_cell bc JOIN notebook n ON bc.notebook_id = n.id
               WHERE n.assignment_id = ? AND bc.type = 'GradeCell'""", (row[0],))]
        submitted = [s for (s,) in connection.execute(
            "SELECT student_id FROM submitted_assignment WHERE assignment_id = ?", (row[0],))]
        grade_rows = connection.execute(
            """SELECT sa.student_id, bc.name, g.auto_score FROM grade g
               JOIN submitted_notebook sn ON g.notebook_id = sn.id
               JOIN submitted_assignment sa ON sn.assignment_id = sa.id
               JOIN base_cell bc ON g.cell_id = bc.id
               WHERE sa.assignment_id = ? AND bc.type = 'GradeCell'""", (row[0],)).fetchall()
    finally:
        connection.close()
    return _assemble(cells, grade_rows, submitted, names, wanted)


def _read_nbgrader_api(db_url: str, course_id: str, assignment: str, wanted: list[str]
                       ) -> GradebookScores:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id or "default_course") as gb:
        names = {s.id: (s.first_name or "", s.last_name or "") for s in gb.students}
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return GradebookScores(NO_GRADEBOOK, f"{assignment} is not in the gradebook (run "
                                   "readkit release, then autograde)", names=names)
        cells = [cell.name for notebook in found.notebooks for cell in notebook.grade_cells]
        submitted, grade_rows = [], []
        for submission in found.submissions:
            submitted.append(submission.student.id)
            for notebook in submission.notebooks:
                grade_rows.extend((submission.student.id, grade.cell.name, grade.auto_score)
                                  for grade in notebook.grades if grade.cell.type == "GradeCell")
    return _assemble(cells, grade_rows, submitted, names, wanted)


def read_gradebook(db_url: str, course_id: str, assignment: str, cells: list[str],
                   use_api: bool = False) -> GradebookScores:
    """The autograde scores of `cells` (grade ids), per student. A missing SQLite file gives
    NO_GRADEBOOK (it is never created). `use_api` forces nbgrader.api for SQLite too."""
    path = sqlite_path(db_url)
    if path is not None and not path.is_file():
        return GradebookScores(NO_GRADEBOOK, f"no nbgrader gradebook at {path} (run readkit "
                               "autograde to record the grades)")
    try:
        if path is not None and not use_api:
            return _read_sqlite(path, assignment, cells)
        return _read_nbgrader_api(db_url, course_id, assignment, cells)
    except Exception as error:  # noqa: BLE001 (a broken gradebook must not stop grading)
        return GradebookScores(NO_GRADEBOOK, f"the gradebook {db_url} could not be read "
                               f"({type(error).__name__}: {error})")
