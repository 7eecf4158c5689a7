"""What nbgrader's gradebook recorded for one assignment: its grade cells (with their points)
and, for every submission, each grade cell's `auto_score`, `manual_score` and `extra_credit`.

`readkit grade` puts these beside what readkit computed and what a grader entered through the
rubric path (readkit.results.gradebook_check). The default SQLite gradebook is read with the
standard sqlite3 module, read-only (never created, migrated or locked), because importing
nbgrader costs 1.5-3.5 s per process; any other `db_url` (PostgreSQL) is read through
nbgrader.api.Gradebook. Both readers give the same answer (tested).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

OK, NO_GRADEBOOK = "ok", "no-gradebook"

# (notebook name, grade_id): a grade cell. grade ids are unique within a notebook only.
CellId = tuple[str, str]


@dataclass(frozen=True)
class RecordedGrade:
    """One grade cell of one submission as the gradebook holds it (None: not set)."""

    auto: float | None = None
    manual: float | None = None
    extra: float | None = None

    @property
    def score(self) -> float:
        """nbgrader's own score of the cell: the manual score if set, else the auto score,
        else 0; plus the extra credit (nbgrader.api.Grade.score)."""
        base = self.manual if self.manual is not None else (self.auto or 0.0)
        return base + (self.extra or 0.0)


@dataclass
class GradebookScores:
    """state: OK or NO_GRADEBOOK (detail says why). cells: every grade cell of the assignment
    -> its points (max_score); scores: student -> cell -> RecordedGrade, for every student with
    a submission row; names: student -> (first, last), for every student."""

    state: str
    detail: str = ""
    cells: dict[CellId, float] = field(default_factory=dict)
    scores: dict[str, dict[CellId, RecordedGrade]] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


def sqlite_path(db_url: str) -> Path | None:
    """The file of a sqlite:/// URL, None for other databases."""
    if not db_url.startswith("sqlite:///"):
        return None
    return Path(db_url[len("sqlite:///"):].split("?", 1)[0])


def _number(value) -> float | None:
    return None if value is None else float(value)


def _assemble(cells, grade_rows, submitted, names) -> GradebookScores:
    """cells: (notebook, grade_id, max_score); grade_rows: (student, notebook, grade_id, auto,
    manual, extra); submitted: the students with a submission row."""
    points = {(notebook, cell): float(top) for notebook, cell, top in cells}
    scores = {student: dict.fromkeys(points, RecordedGrade()) for student in submitted}
    for student, notebook, cell, auto, manual, extra in grade_rows:
        if student in scores and (notebook, cell) in points:
            scores[student][(notebook, cell)] = RecordedGrade(
                _number(auto), _number(manual), _number(extra))
    return GradebookScores(OK, "", points, scores, dict(names))


def _not_in_gradebook(assignment: str, names) -> GradebookScores:
    return GradebookScores(NO_GRADEBOOK, f"{assignment} is not in the gradebook (run readkit "
                           "release, then autograde)", names=dict(names))


def _read_sqlite(path: Path, assignment: str) -> GradebookScores:
    import sqlite3

    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        names = {s: (f or "", la or "") for s, f, la in connection.execute(
            "SELECT id, first_name, last_name FROM student")}
        row = connection.execute("SELECT id FROM assignment WHERE name = ?",
                                 (assignment,)).fetchone()
        if row is None:
            return _not_in_gradebook(assignment, names)
        cells = connection.execute(
            """SELECT n.name, bc.name, gc.max_score FROM grade_cells gc
               JOIN base_cell bc ON gc.id = bc.id JOIN notebook n ON bc.notebook_id = n.id
               WHERE n.assignment_id = ?""", (row[0],)).fetchall()
        submitted = [s for (s,) in connection.execute(
            "SELECT student_id FROM submitted_assignment WHERE assignment_id = ?", (row[0],))]
        grade_rows = connection.execute(
            """SELECT sa.student_id, n.name, bc.name, g.auto_score, g.manual_score,
                      g.extra_credit FROM grade g
               JOIN submitted_notebook sn ON g.notebook_id = sn.id
               JOIN notebook n ON sn.notebook_id = n.id
               JOIN submitted_assignment sa ON sn.assignment_id = sa.id
               JOIN base_cell bc ON g.cell_id = bc.id
               WHERE sa.assignment_id = ? AND bc.type = 'GradeCell'""", (row[0],)).fetchall()
    finally:
        connection.close()
    return _assemble(cells, grade_rows, submitted, names)


def _read_nbgrader_api(db_url: str, course_id: str, assignment: str) -> GradebookScores:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id or "default_course") as gb:
        names = {s.id: (s.first_name or "", s.last_name or "") for s in gb.students}
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return _not_in_gradebook(assignment, names)
        cells = [(notebook.name, cell.name, cell.max_score) for notebook in found.notebooks
                 for cell in notebook.grade_cells]
        submitted, grade_rows = [], []
        for submission in found.submissions:
            submitted.append(submission.student.id)
            for notebook in submission.notebooks:
                grade_rows.extend(
                    (submission.student.id, notebook.name, grade.cell.name, grade.auto_score,
                     grade.manual_score, grade.extra_credit)
                    for grade in notebook.grades if grade.cell.type == "GradeCell")
    return _assemble(cells, grade_rows, submitted, names)


def read_gradebook(db_url: str, course_id: str, assignment: str,
                   use_api: bool = False) -> GradebookScores:
    """Every grade cell of `assignment` and every submission's grades. A missing SQLite file
    gives NO_GRADEBOOK (it is never created). `use_api` forces nbgrader.api for SQLite too."""
    path = sqlite_path(db_url)
    if path is not None and not path.is_file():
        return GradebookScores(NO_GRADEBOOK, f"no nbgrader gradebook at {path} (run readkit "
                               "autograde to record the grades)")
    try:
        if path is not None and not use_api:
            return _read_sqlite(path, assignment)
        return _read_nbgrader_api(db_url, course_id, assignment)
    except Exception as error:  # noqa: BLE001 (a broken gradebook must not stop grading)
        return GradebookScores(NO_GRADEBOOK, f"the gradebook {db_url} could not be read "
                               f"({type(error).__name__}: {error})")
