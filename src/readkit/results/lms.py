"""The LMS export: a Canvas gradebook import file (`lms.csv`) from the score record.

Canvas's gradebook import layout (the same columns as Canvas's gradebook export): identity
columns, one column per assignment, and a "Points Possible" row right after the header. Points
Possible is the total of every grade cell of the assignment's notebook; a learner's cell holds
their total of every cell. A learner whose total is not complete yet (a manually graded answer
not graded, an autograded cell not autograded) gets an EMPTY cell, never a 0: an empty cell is
no grade in the LMS; import the file again once they are graded. Every cell that came from a
learner (a name, a folder name) is made safe for a spreadsheet.
"""

from __future__ import annotations

import csv
from pathlib import Path

from readkit.course.errors import GradingError
from readkit.course.safe_text import csv_cell
from readkit.results.gradebook_check import format_points
from readkit.results.record import ClassGrades

LMS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """A Canvas gradebook export: SIS Login ID, SIS User ID and ID (whichever match the nbgrader
    student id) -> the row's identity columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "Student" not in rows[0]:
        raise GradingError(f"{path} is not a Canvas gradebook export (no 'Student' column).")
    roster = {}
    for row in rows:
        if row.get("Student", "").strip() in ("", POINTS_POSSIBLE):
            continue
        identity = {column: (row.get(column) or "").strip() for column in LMS_IDENTITY}
        for column in ("ID", "SIS User ID", "SIS Login ID"):
            if identity[column]:
                roster.setdefault(identity[column], identity)
    return roster


def lms_rows(grades: ClassGrades, roster: dict[str, dict[str, str]] | None = None,
             id_column: str = "SIS Login ID", canvas_id: str | None = None,
             names: dict[str, tuple[str, str]] | None = None) -> list[list[str]]:
    """Header, the Points Possible row, one row per student (their total; empty while it is
    not complete)."""
    title = grades.assignment + (f" ({canvas_id})" if canvas_id else "")
    rows = [[*LMS_IDENTITY, title],
            [POINTS_POSSIBLE, "", "", "", "", format_points(grades.max_points)]]
    for s in grades.students:
        if roster is not None and s.student in roster:
            identity = roster[s.student]
        else:
            first, last = names.get(s.student, ("", "")) if names is not None else s.name
            display = f"{last}, {first}" if first and last else s.student
            identity = dict.fromkeys(LMS_IDENTITY, "")
            identity["Student"] = display
            identity[id_column] = s.student
        rows.append([*(csv_cell(identity[c]) for c in LMS_IDENTITY), format_points(s.points)])
    return rows


def write_lms(grades: ClassGrades, path: Path, **options) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(lms_rows(grades, **options))
    return path


