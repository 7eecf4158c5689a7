"""`readkit grade ASSIGNMENT`: every learner's Sorter points, from the answers.json files as
submitted, with readkit's trusted grade step (the same one nbgrader's autograde records), and a
check that the gradebook holds exactly those points.

Writes grading/reports/ASSIGNMENT/grades.csv (one row per student: points per part, status and
a reason for every file that could not be used) and units.csv (one row per student and unit).
One bad file never stops the class: it gets a row and a reason, and everyone else is graded.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from readkit.course.answers import ANSWERS_FILE, NOT_A_FILE, OK, AnswersFile, read_answers
from readkit.course.course import Course, CourseError
from readkit.course.errors import GradingError
from readkit.course.safe_text import csv_cell, printable
from readkit.grading import trusted
from readkit.grading.scoring import UnitResult
from readkit.nbgrader import gradebook

NOT_SUBMITTED = trusted.NOT_SUBMITTED
NOT_AUTOGRADED = "not-autograded"
# The flag column: the gradebook does not hold what readkit computed.
DIFFERS = "GRADEBOOK-DIFFERS"
# Two scores closer than this are equal (both are rounded to 2 decimals).
TOLERANCE = 0.005


@dataclass
class StudentGrade:
    student: str
    status: str  # an answers-file status, or not-submitted
    reason: str
    section_points: dict[str, float]
    results: list[UnitResult]
    max_points: float
    recorded: dict[str, float | None] | None = None  # grade_id -> gradebook auto_score
    book_state: str = ""  # "", NOT_AUTOGRADED, or a gradebook state other than ok
    flag: str = ""
    flag_reason: str = ""
    book_reason: str = ""  # why the gradebook could not be checked for this student
    form: str = ""  # a test on the parallel forms: the form graded (a, b)

    @property
    def points(self) -> float:
        return round(sum(self.section_points.values()), 2)

    @property
    def percent(self) -> float:
        return round(100 * self.points / self.max_points, 1) if self.max_points else 0.0

    @property
    def labelled(self) -> int:
        return sum(1 for r in self.results if r.labelled)

    @property
    def recorded_points(self) -> float | None:
        if not self.recorded or any(v is None for v in self.recorded.values()):
            return None
        return round(sum(self.recorded.values()), 2)  # type: ignore[arg-type]

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
    data: trusted.SorterAssignment
    students: list[StudentGrade]
    gradebook: gradebook.GradebookScores
    seconds: float = 0.0

    @property
    def flagged(self) -> list[StudentGrade]:
        return [s for s in self.students if s.flag]

    def section_names(self) -> list[str]:
        return [s.section for s in self.data.sections]


def submissions(course: Course, assignment: str,
                article: str | None = None) -> dict[str, AnswersFile]:
    """student -> what their answers.json holds, for every submission folder
    <submitted>/<student>/<assignment>/ (a file written for another `article` is foreign).
    A student folder or assignment folder that is a link is not followed (it could point at
    another learner's work)."""
    base = course.layout.submitted
    if not base.is_dir():
        return {}
    found = {}
    for student_dir in sorted(base.iterdir()):
        if student_dir.name.startswith("."):
            continue
        folder = student_dir / assignment
        # A link is checked before is_dir(), which follows it (a dangling link is no folder).
        if student_dir.is_symlink() or (student_dir.is_dir() and folder.is_symlink()):
            link = (printable(student_dir.name) if student_dir.is_symlink()
                    else f"{printable(student_dir.name)}/{assignment}")
            found[student_dir.name] = AnswersFile(folder / ANSWERS_FILE, NOT_A_FILE, problems=[
                f"the submission folder {link} is a link, not a folder, and was not followed "
                "(it could point at another learner's work); collect the submission again"])
        elif folder.is_dir():
            found[student_dir.name] = read_answers(folder / ANSWERS_FILE, assignment, article)
    return found


def _check_recorded(grade: StudentGrade, book: gradebook.GradebookScores,
                    cells: dict[str, str]) -> None:
    """Flag a student whose gradebook scores are not the points computed here."""
    if book.state != gradebook.OK:
        grade.book_state = book.state
        return
    recorded = book.scores.get(grade.student)
    if recorded is None or all(value is None for value in recorded.values()):
        grade.book_state = NOT_AUTOGRADED
        grade.book_reason = (
            "the gradebook has no submission of this student; run readkit autograde"
            if recorded is None else
            "the gradebook has this submission but no autograde scores (autograde failed or "
            "stopped); run readkit autograde again")
        return
    grade.recorded = recorded
    differ = [(cells[cell], value) for cell, value in recorded.items()
              if value is None or abs(value - grade.section_points[cells[cell]]) > TOLERANCE]
    if differ:
        grade.flag = DIFFERS
        parts = ", ".join(f"{section} {'no score' if value is None else format_points(value)} "
                          f"vs {format_points(grade.section_points[section])}"
                          for section, value in differ)
        grade.flag_reason = (f"the gradebook holds other points ({parts}): answers.json changed "
                             "after autograde, or autograde ran without readkit's course "
                             "config; run readkit autograde again")


def grade_assignment(course: Course, assignment: str, db_url: str | None = None,
                     use_api: bool = False) -> ClassGrades:
    """Grade every submission of `assignment` and check the gradebook. Students the gradebook
    knows who handed nothing in are listed as not-submitted (0 points)."""
    start = time.perf_counter()
    try:
        plan = trusted.SorterAssignment.from_course(course, assignment)
        layout = course.layout
    except CourseError as error:
        raise GradingError(str(error)) from None
    cells = {trusted.grade_cell_id(s.section): s.section for s in plan.sections}
    book = gradebook.read_gradebook(db_url or layout.db_url, layout.course_id, assignment,
                                    list(cells), use_api)
    found = submissions(course, assignment, plan.article)
    students = []
    for student, answers in found.items():
        graded = trusted.grade_answers(answers, plan, student)
        grade = StudentGrade(student, graded.status, graded.reason, graded.section_points,
                             graded.results, plan.max_points, form=graded.form)
        _check_recorded(grade, book, cells)
        students.append(grade)
    for student in sorted(set(book.names) - set(found)):
        graded = trusted.grade_answers(None, plan, student)
        students.append(StudentGrade(student, graded.status, graded.reason,
                                     graded.section_points, graded.results, plan.max_points,
                                     form=graded.form))
    students.sort(key=lambda s: s.student)
    return ClassGrades(assignment, course, plan, students, book, time.perf_counter() - start)


# --- files ----------------------------------------------------------------------------------


def format_points(value: float | None) -> str:
    """12.5 -> '12.5', 30.0 -> '30', None -> ''."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def grades_header(sections: list[str]) -> list[str]:
    return ["student", "points", "max", "percent", *sections,
            "status", "reason", "gradebook_points", "flag"]


def grades_rows(grades: ClassGrades) -> list[list[str]]:
    sections = grades.section_names()
    return [[
        csv_cell(s.student), format_points(s.points), format_points(s.max_points),
        format_points(s.percent), *(format_points(s.section_points[n]) for n in sections),
        s.full_status, csv_cell(s.full_reason), format_points(s.recorded_points), s.flag,
    ] for s in grades.students]


def report_dir(course: Course, assignment: str) -> Path:
    return course.layout.reports / assignment


def write_grades(grades: ClassGrades, out_dir: Path | None = None) -> tuple[Path, Path]:
    """grades.csv (one row per student) and units.csv (one row per student and unit)."""
    out_dir = out_dir or report_dir(grades.course, grades.assignment)
    out_dir.mkdir(parents=True, exist_ok=True)
    grades_csv, units_csv = out_dir / "grades.csv", out_dir / "units.csv"
    with grades_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(grades_header(grades.section_names()))
        writer.writerows(grades_rows(grades))
    section_of = grades.data.section_of()
    with units_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["student", "section", "unit_id", "chosen", "correct"])
        for s in grades.students:
            if s.status == NOT_SUBMITTED:
                continue
            writer.writerows(
                (csv_cell(s.student), section_of[r.unit_id], r.unit_id, r.chosen or "",
                 int(r.correct))
                for r in s.results
            )
    return grades_csv, units_csv


def _short_list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def summary_lines(grades: ClassGrades) -> list[str]:
    """What `readkit grade` prints: totals, unusable files, the gradebook check, the flags.
    Learner-written text is made printable (no terminal control characters)."""
    data, students = grades.data, grades.students
    handed_in = [s for s in students if s.status != NOT_SUBMITTED]
    lines = [f"Graded {len(handed_in)} submission(s) of {grades.assignment} from answers.json "
             f"(max {format_points(data.max_points)} points) in {grades.seconds:.2f} s."]
    usable = [s.points for s in handed_in if s.status == OK]
    if usable:
        lines.append(f"  mean {statistics.mean(usable):.1f}, median "
                     f"{format_points(statistics.median(usable))}, min "
                     f"{format_points(min(usable))}, max {format_points(max(usable))} "
                     f"(over {len(usable)} readable file(s))")
    bad = [s for s in students if s.status != OK]
    if bad:
        lines.append(f"  0 points, file not usable ({len(bad)}): " + ", ".join(
            f"{s.student} ({s.status})" for s in bad))
    lines.extend(f"  {s.student}: {s.reason}" for s in handed_in if s.status != OK)
    lines.extend(f"  note {s.student}: {s.reason}" for s in handed_in
                 if s.status == OK and s.reason)
    book = grades.gradebook
    if book.state != gradebook.OK:
        lines.append(f"Gradebook check skipped: {book.detail}.")
    else:
        checked = [s for s in handed_in if s.recorded is not None]
        missing = [s.student for s in handed_in if s.book_state == NOT_AUTOGRADED]
        text = (f"Gradebook check: {len(checked) - len(grades.flagged)} of {len(checked)} "
                "autograded hold these points")
        if missing:
            text += f"; not autograded ({len(missing)}): {_short_list(missing, 10)}"
        lines.append(text + ".")
        if book.detail:
            lines.append(f"  note: {book.detail}")
    lines.extend(f"FLAGGED {s.student}: {s.flag_reason}" for s in grades.flagged)
    return [printable(line) for line in lines]


# --- command line ---------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT",
                        help="assignment name, e.g. 01-sort-the-sources")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (the one with nbgrader_config.py; default: the "
                             "working directory)")
    parser.add_argument("--db-url", metavar="URL",
                        help="nbgrader gradebook to check (default: the course's "
                             "CourseDirectory.db_url)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Grade every submission's answers.json (as submitted) with readkit's trusted grade "
        "step, check that nbgrader's gradebook holds those points, and write "
        "grading/reports/ASSIGNMENT/grades.csv and units.csv."
    )
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        course = Course.open(args.course)
        grades = grade_assignment(course, args.assignment, args.db_url)
        grades_csv, units_csv = write_grades(grades)
    except CourseError as error:
        print(f"readkit grade: {error}", file=sys.stderr)
        return 2
    for line in summary_lines(grades):
        print(line)
    if not grades.students:
        print(f"No submissions found in {course.layout.submitted}/<student>/{args.assignment}/ "
              "(nbgrader collect puts them there).")
    print(f"Wrote {grades_csv} and {units_csv.name}.")
    return 0
