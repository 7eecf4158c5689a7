"""The score record: one record per submission, written once by `readkit grade`
(grading/reports/ASSIGNMENT/scores.json) and read by `readkit report` and the LMS export, which
never grade again. grades.csv and units.csv are its tables for people and spreadsheets.

Each record holds every grade cell's score and where it came from (readkit's trusted step, the
gradebook's autograde, a grader), the learner's unit results (for the item analysis), the
answers file's status and every flag with what changed.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from readkit.course.answers import write_text_atomic
from readkit.course.course import Course
from readkit.course.errors import CourseError, GradingError
from readkit.grading import trusted
from readkit.grading.scoring import UnitResult
from readkit.results.grade_cells import MANUAL, GradeCell
from readkit.results.gradebook_check import CellScore

RECORD_FILE = "scores.json"
RECORD_VERSION = 1
NOT_SUBMITTED = trusted.NOT_SUBMITTED
# Nothing collected because collect refused the hand-in in this name (readkit.nbgrader.refusals).
HANDIN_REFUSED = "handin-refused"
NOT_AUTOGRADED = "not-autograded"
PENDING, DONE = "pending", "done"  # manual grading of a learner


@dataclass
class StudentGrade:
    student: str
    status: str  # an answers-file status, ok (02: handed in), not-submitted, handin-refused
    reason: str
    cells: dict[str, CellScore]  # column -> score, for every grade cell
    section_points: dict[str, float] = field(default_factory=dict)  # readkit's Sorter parts
    results: list[UnitResult] = field(default_factory=list)
    name: tuple[str, str] = ("", "")  # first, last (the gradebook's)
    book_state: str = ""  # "", NOT_AUTOGRADED, or a gradebook state other than ok
    book_reason: str = ""  # why the gradebook could not be checked for this student
    flags: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what the gradebook changed, in words
    gradebook_points: float | None = None  # nbgrader's own total (None: not autograded)
    form: str = ""  # a test on the parallel forms: the form graded (a, b)

    @property
    def points(self) -> float | None:
        """The total of every cell; None while a cell has no score yet (a manually graded
        answer not graded yet, an autograded cell not autograded yet)."""
        scores = [cell.score for cell in self.cells.values()]
        return None if any(s is None for s in scores) else round(sum(scores), 2)

    @property
    def handed_in(self) -> bool:
        """Whether a submission of this learner was collected (and so graded)."""
        return self.status not in (NOT_SUBMITTED, HANDIN_REFUSED)

    @property
    def sorter_points(self) -> float:
        return round(sum(self.section_points.values()), 2)

    @property
    def labelled(self) -> int:
        return sum(1 for r in self.results if r.labelled)

    @property
    def flag(self) -> str:
        return "; ".join(self.flags)

    @property
    def flag_reason(self) -> str:
        return "; ".join(self.changes)

    @property
    def full_status(self) -> str:
        return "; ".join(part for part in (self.status, self.book_state) if part)

    @property
    def full_reason(self) -> str:
        return "; ".join(part for part in (self.reason, self.book_reason, self.flag_reason)
                         if part)


@dataclass
class ClassGrades:
    assignment: str
    course: Course
    cells: list[GradeCell]
    data: trusted.SorterAssignment | None  # None: no Sorter parts (02-trace-the-numbers)
    students: list[StudentGrade]
    book_state: str
    book_detail: str = ""
    graded_at: str = ""
    seconds: float = 0.0
    refused: list[dict[str, str]] = field(default_factory=list)  # collect's refusals' rows
    refused_detail: str = ""  # why they could not be read, if so

    @property
    def max_points(self) -> float:
        return round(sum(cell.points for cell in self.cells), 2)

    @property
    def flagged(self) -> list[StudentGrade]:
        return [s for s in self.students if s.flags]

    @property
    def manual_columns(self) -> list[str]:
        return [cell.column for cell in self.cells if cell.kind == MANUAL]

    def manual_state(self, student: StudentGrade) -> str:
        """PENDING while a manually graded cell has no score, DONE when all have one, ""
        when the assignment has none."""
        columns = self.manual_columns
        if not columns:
            return ""
        return PENDING if any(student.cells[c].score is None for c in columns) else DONE

    def section_names(self) -> list[str]:
        return [s.section for s in self.data.sections] if self.data else []

    def percent(self, student: StudentGrade) -> float | None:
        points = student.points
        if points is None or not self.max_points:
            return None
        return round(100 * points / self.max_points, 1)


def record_path(course: Course, assignment: str) -> Path:
    return course.layout.reports / assignment / RECORD_FILE


def _student_json(s: StudentGrade) -> dict:
    """One record as JSON values (built by hand: dataclasses.asdict would walk every unit
    result, several seconds for a class of 1,000)."""
    return {
        "student": s.student, "status": s.status, "reason": s.reason,
        "cells": {column: dict(vars(score)) for column, score in s.cells.items()},
        "section_points": s.section_points,
        "units": [[r.unit_id, r.chosen, r.correct] for r in s.results],
        "name": list(s.name), "book_state": s.book_state, "book_reason": s.book_reason,
        "flags": s.flags, "changes": s.changes, "gradebook_points": s.gradebook_points,
        "form": s.form,
    }


def write_record(grades: ClassGrades, path: Path) -> Path:
    """scores.json, atomically (a report never reads half a record), one line per submission.
    ensure_ascii (json's default): a folder name that is not UTF-8 (a lone surrogate) is kept
    as an escape."""
    head = json.dumps({
        "readkit_scores": RECORD_VERSION,
        "assignment": grades.assignment,
        "graded_at": grades.graded_at,
        "seconds": round(grades.seconds, 3),
        "gradebook": {"state": grades.book_state, "detail": grades.book_detail},
        "cells": [asdict(cell) for cell in grades.cells],
        "refused": {"rows": grades.refused, "detail": grades.refused_detail},
    }, separators=(",", ":"))
    students = ",\n".join(json.dumps(_student_json(s), separators=(",", ":"))
                          for s in grades.students)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, f'{head[:-1]},"students":[\n{students}\n]}}\n')
    return path


def read_record(course: Course, assignment: str) -> ClassGrades:
    """The record `readkit grade` wrote for `assignment`; GradingError with what to do when
    there is none, or it is not one this readkit reads, or the course's parts changed since."""
    path = record_path(course, assignment)
    again = f"run readkit grade {assignment} first"
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GradingError(f"No scores of {assignment} yet ({path} is missing): {again} (it "
                           "grades every submission and writes them).") from None
    except (OSError, ValueError) as error:
        raise GradingError(f"{path} cannot be read ({error}): {again}.") from None
    if not isinstance(content, dict) or content.get("readkit_scores") != RECORD_VERSION \
            or content.get("assignment") != assignment:
        raise GradingError(f"{path} is not a score record of {assignment} that this readkit "
                           f"reads: {again}.")
    try:
        data = trusted.SorterAssignment.from_course(course, assignment)
    except trusted.NotASorterAssignment:
        data = None
    except CourseError as error:
        raise GradingError(str(error)) from None
    try:
        cells = [GradeCell(**cell) for cell in content["cells"]]
        students = [_student(s) for s in content["students"]]
    except (KeyError, TypeError, ValueError) as error:
        raise GradingError(f"{path} is not a complete score record ({error!r}): {again}.") \
            from None
    units = sorted({r.unit_id for s in students for r in s.results})
    if data is not None and not set(units) <= data.graded_units:
        raise GradingError(f"The sections or key of {assignment} changed since its scores were "
                           f"written: {again}.")
    book = content.get("gradebook", {})
    refused = content.get("refused") or {}
    return ClassGrades(assignment, course, cells, data, students, book.get("state", ""),
                       book.get("detail", ""), content.get("graded_at", ""),
                       content.get("seconds", 0.0), list(refused.get("rows", [])),
                       refused.get("detail", ""))


def _student(raw: dict) -> StudentGrade:
    return StudentGrade(
        student=raw["student"], status=raw["status"], reason=raw["reason"],
        cells={column: CellScore(**score) for column, score in raw["cells"].items()},
        section_points={k: float(v) for k, v in raw["section_points"].items()},
        results=[UnitResult(unit, chosen, bool(correct)) for unit, chosen, correct
                 in raw["units"]],
        name=tuple(raw["name"]), book_state=raw["book_state"], book_reason=raw["book_reason"],
        flags=list(raw["flags"]), changes=list(raw["changes"]),
        gradebook_points=raw["gradebook_points"], form=raw.get("form", ""),
    )


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
