"""`readkit grade ASSIGNMENT`: every learner's score of every grade cell, written once.

- The Sorter parts and the chosen sentence: readkit's trusted grade step, from the answers.json
  and the answer cell as submitted (the same step nbgrader's autograde records through
  TrustedScores; a submission handed in through an LMS or the static site, never autograded,
  is graded the same way);
- the other autograded cells (02's number checks): what autograde recorded in the gradebook;
- the manually graded answers: what a grader entered in the formgrader (none yet: pending).

The gradebook is checked against all of it (readkit.results.gradebook_check): a learner whose
readkit points differ, or whose autograded points were overridden, or who was given extra
credit, is flagged with what changed; a manual score outside its cell's points is flagged and not
counted (no total, so nothing in the LMS export until a grader corrects it). A hand-in that
collect refused (another learner's name, a link, too large: grading/collect/ASSIGNMENT-refused.csv)
flags the learner it names and the learner who made it (readkit.results.collect_refusals).

Writes grading/reports/ASSIGNMENT/: scores.json (the score record that `readkit report` and the
LMS export read), grades.csv (one row per student: every cell, the total, status, the reason
for every file that could not be used, the flags) and units.csv (one row per student and
Sorter unit). One bad file never stops the class: it gets a row and a reason.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import statistics
import sys
import time
from pathlib import Path

from readkit.course.answers import ANSWERS_FILE, NOT_A_FILE, OK, AnswersFile, read_answers
from readkit.course.course import Course, CourseError
from readkit.course.errors import GradingError
from readkit.course.safe_text import csv_cell, printable
from readkit.grading import trusted
from readkit.nbgrader import gradebook, refusals, student_ids
from readkit.nbgrader.autograde import autograde_notes
from readkit.nbgrader.uploads import import_uploads
from readkit.results import collect_refusals, grade_cells, record
from readkit.results.grade_cells import CHOICE, MANUAL, SORTER, GradeCell
from readkit.results.gradebook_check import (
    DIFFERS,
    OUT_OF_RANGE,
    CellScore,
    check_cells,
    format_points,
)
from readkit.results.record import (
    NOT_AUTOGRADED,
    NOT_SUBMITTED,
    PENDING,
    ClassGrades,
    StudentGrade,
)
from readkit.results.submitted_notebook import cell_source

__all__ = ["DIFFERS", "NOT_AUTOGRADED", "NOT_SUBMITTED", "ClassGrades", "StudentGrade",
           "format_points", "grade_assignment", "write_grades"]


def _submission_folders(course: Course, assignment: str) -> dict[str, Path | str]:
    """student -> their folder <submitted>/<student>/<assignment>/, or why it is not used. A
    student folder or assignment folder that is a link is not followed (it could point at
    another learner's work). A folder whose name is not a safe student id is listed here and
    refused by grade_assignment (readkit.nbgrader.student_ids)."""
    base = course.layout.submitted
    if not base.is_dir():
        return {}
    found: dict[str, Path | str] = {}
    for student_dir in sorted(base.iterdir()):
        if student_dir.name.startswith("."):
            continue
        folder = student_dir / assignment
        # A link is checked before is_dir(), which follows it (a dangling link is no folder).
        if student_dir.is_symlink() or (student_dir.is_dir() and folder.is_symlink()):
            link = (printable(student_dir.name) if student_dir.is_symlink()
                    else f"{printable(student_dir.name)}/{assignment}")
            found[student_dir.name] = (
                f"the submission folder {link} is a link, not a folder, and was not followed "
                "(it could point at another learner's work); collect the submission again")
        elif folder.is_dir():
            found[student_dir.name] = folder
    return found


def _answers(folder: Path | str, assignment: str, article: str | None) -> AnswersFile:
    if isinstance(folder, str):
        return AnswersFile(Path(ANSWERS_FILE), NOT_A_FILE, problems=[folder])
    return read_answers(folder / ANSWERS_FILE, assignment, article)


def submissions(course: Course, assignment: str,
                article: str | None = None) -> dict[str, AnswersFile]:
    """student -> what their answers.json holds, for every submission folder (a file written
    for another `article` is foreign)."""
    return {student: _answers(folder, assignment, article)
            for student, folder in _submission_folders(course, assignment).items()}


# --- one learner ------------------------------------------------------------------------------


def _computed(plan: trusted.SorterAssignment | None, cells: list[GradeCell],
              folder: Path | str, found: AnswersFile | None,
              graded: trusted.SorterGrade | None) -> tuple[dict[str, float], str]:
    """readkit's points for its own cells (column -> points) and a note on the chosen
    sentence when its notebook could not be read."""
    computed, note = {}, ""
    for cell in cells:
        if cell.kind == SORTER:
            computed[cell.column] = graded.section_points[cell.section]
        elif cell.kind == CHOICE:
            source, why = (None, "") if isinstance(folder, str) or not found.usable else \
                cell_source(folder / f"{cell.notebook}.ipynb", trusted.CHOICE_CELL)
            unit = trusted.chosen_unit(source) if source is not None else None
            computed[cell.column], _ = trusted.choice_points(plan, found, unit)
            if why:
                note = f"{cell.column} scores 0: {why}"
    return computed, note


def _grade_submission(student: str, folder: Path | str, plan: trusted.SorterAssignment | None,
                      cells: list[GradeCell], book: gradebook.GradebookScores) -> StudentGrade:
    found = graded = None
    if plan is not None:
        found = _answers(folder, plan.assignment, plan.article)
        graded = trusted.grade_answers(found, plan, student)
        status, reason = graded.status, graded.reason
    else:
        status, reason = (NOT_A_FILE, folder) if isinstance(folder, str) else (OK, "")
    computed, note = _computed(plan, cells, folder, found, graded)
    reason = "; ".join(part for part in (reason, note) if part)
    grade = StudentGrade(student, status, reason, {},
                         dict(graded.section_points) if graded else {},
                         graded.results if graded else [], book.names.get(student, ("", "")),
                         form=graded.form if graded else "")
    recorded, autograded = None, False
    if book.state != gradebook.OK:
        grade.book_state = book.state
    else:
        recorded = book.scores.get(student)
        autograded = recorded is not None and any(
            recorded[c.cell_id].auto is not None for c in cells
            if c.kind != MANUAL and c.cell_id in recorded)
        if not autograded:
            grade.book_state = NOT_AUTOGRADED
            grade.book_reason = (
                "the gradebook has no submission of this student; run readkit autograde"
                if recorded is None else
                "the gradebook has this submission but no autograde scores (autograde failed "
                "or stopped); run readkit autograde again")
        else:
            grade.gradebook_points = round(sum(
                recorded[c.cell_id].score for c in cells if c.cell_id in recorded), 2)
    checked = check_cells(cells, computed, recorded, autograded)
    grade.cells, grade.flags, grade.changes = checked.cells, checked.flags, checked.changes
    if OUT_OF_RANGE in grade.flags:  # nbgrader's own total counts that score: not shown either
        grade.gradebook_points = None
    return grade


def _not_submitted(student: str, plan: trusted.SorterAssignment | None,
                   cells: list[GradeCell], book: gradebook.GradebookScores) -> StudentGrade:
    """Nothing handed in: every cell 0 (there is nothing to grade by hand either)."""
    graded = trusted.grade_answers(None, plan, student) if plan else None
    return StudentGrade(
        student, NOT_SUBMITTED, "no submission for this assignment",
        {c.column: CellScore(0.0, 0.0 if c.by_readkit else None) for c in cells},
        dict(graded.section_points) if graded else {}, graded.results if graded else [],
        book.names.get(student, ("", "")), form=graded.form if graded else "")


def _refused(student: str, plan: trusted.SorterAssignment | None,
             cells: list[GradeCell], book: gradebook.GradebookScores) -> StudentGrade:
    """A folder whose name is not a safe student id: listed with why, never graded (readkit
    autograde refuses it too), every cell 0."""
    graded = trusted.grade_answers(None, plan, student) if plan else None
    return StudentGrade(
        student, student_ids.REFUSED,
        f"{student_ids.problem(student)}; not graded: {student_ids.RENAME_FOLDER}",
        {c.column: CellScore(0.0, 0.0 if c.by_readkit else None) for c in cells},
        dict(graded.section_points) if graded else {}, graded.results if graded else [],
        book.names.get(student, ("", "")), form=graded.form if graded else "")


def _book_detail(book: gradebook.GradebookScores, cells: list[GradeCell]) -> str:
    """What does not match between the gradebook's grade cells and the source notebook's."""
    if book.state != gradebook.OK:
        return book.detail
    problems = [book.detail] if book.detail else []
    missing = [c.column for c in cells if c.cell_id not in book.cells]
    if missing:
        problems.append(f"no grade cell {', '.join(missing)} in the gradebook (run readkit "
                        "release, then autograde)")
    other = [c.column for c in cells
             if c.cell_id in book.cells and abs(book.cells[c.cell_id] - c.points) > 1e-9]
    if other:
        problems.append(f"the gradebook gives {', '.join(other)} other points than the source "
                        "notebook (run readkit release, then autograde again)")
    return "; ".join(problems)


def grade_assignment(course: Course, assignment: str, db_url: str | None = None,
                     use_api: bool = False) -> ClassGrades:
    """Grade every submission of `assignment` and check the gradebook. Students the gradebook
    knows who handed nothing in are listed as not-submitted (0 points)."""
    start = time.perf_counter()
    try:
        try:
            plan = trusted.SorterAssignment.from_course(course, assignment)
        except trusted.NotASorterAssignment:
            plan = None
        layout = course.layout
    except CourseError as error:
        raise GradingError(str(error)) from None
    cells = grade_cells.assignment_cells(course, assignment, plan)
    book = gradebook.read_gradebook(db_url or layout.db_url, layout.course_id, assignment,
                                    use_api)
    folders = _submission_folders(course, assignment)
    students = [_refused(student, plan, cells, book) if student_ids.problem(student)
                else _grade_submission(student, folder, plan, cells, book)
                for student, folder in folders.items()]
    students += [_not_submitted(student, plan, cells, book)
                 for student in sorted(set(book.names) - set(folders))]
    notes = autograde_notes(course, assignment)  # what readkit autograde said went wrong
    for student in students:
        if notes.get(student.student):
            student.book_reason = "; ".join(filter(None, (student.book_reason,
                                                          notes[student.student])))
    refused, refused_detail = collect_refusals.read_for_grade(layout.submitted, assignment)
    collect_refusals.apply_refusals(
        refused, students, lambda student: _not_submitted(student, plan, cells, book))
    students.sort(key=lambda s: s.student)
    return ClassGrades(assignment, course, cells, plan, students, book.state,
                       _book_detail(book, cells), record.now(), time.perf_counter() - start,
                       collect_refusals.as_rows(refused), refused_detail)


# --- files ----------------------------------------------------------------------------------


def grades_header(grades: ClassGrades) -> list[str]:
    return ["student", "points", "max", "percent", *(c.column for c in grades.cells),
            "status", "manual_grading", "reason", "gradebook_points", "flag", "unlabelled"]


def grades_rows(grades: ClassGrades) -> list[list[str]]:
    return [[
        csv_cell(s.student), format_points(s.points), format_points(grades.max_points),
        format_points(grades.percent(s)),
        *(format_points(s.cells[c.column].score) for c in grades.cells),
        s.full_status, grades.manual_state(s), csv_cell(s.full_reason),
        format_points(s.gradebook_points), s.flag, _unlabelled(grades, s),
    ] for s in grades.students]


def _unlabelled(grades: ClassGrades, s: StudentGrade) -> str:
    """How many of the assignment's Sorter sentences the hand-in left without a label (empty:
    no Sorter parts, nothing handed in, or a folder not graded: a refused student id)."""
    if grades.data is None or s.status in (NOT_SUBMITTED, student_ids.REFUSED):
        return ""
    return str(len(grades.data.section_of()) - s.labelled)


def report_dir(course: Course, assignment: str) -> Path:
    return course.layout.reports / assignment


def write_grades(grades: ClassGrades, out_dir: Path | None = None
                 ) -> tuple[Path, Path | None, Path]:
    """The score record (scores.json), grades.csv (one row per student) and units.csv (one
    row per student and Sorter unit; None for an assignment without Sorter parts)."""
    out_dir = out_dir or report_dir(grades.course, grades.assignment)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = record.write_record(grades, out_dir / record.RECORD_FILE)
    grades_csv = out_dir / "grades.csv"
    with grades_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(grades_header(grades))
        writer.writerows(grades_rows(grades))
    units_csv = None
    if grades.data is not None:
        units_csv = out_dir / "units.csv"
        section_of = grades.data.section_of()
        with units_csv.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["student", "section", "unit_id", "chosen", "correct"])
            for s in grades.students:
                if not s.handed_in:
                    continue
                writer.writerows(
                    (csv_cell(s.student), section_of[r.unit_id], r.unit_id, r.chosen or "",
                     int(r.correct))
                    for r in s.results
                )
    return grades_csv, units_csv, scores


def _short_list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _who_scores(grades: ClassGrades) -> str:
    groups = {"readkit, from the files as submitted": [c.column for c in grades.cells
                                                       if c.by_readkit],
              "autograde": [c.column for c in grades.cells
                            if not c.by_readkit and c.kind != MANUAL],
              "graders": grades.manual_columns}
    return "; ".join(f"{who}: {', '.join(columns)}" for who, columns in groups.items() if columns)


def summary_lines(grades: ClassGrades) -> list[str]:
    """What `readkit grade` prints: totals, unusable files, the gradebook check, the flags.
    Learner-written text is made printable (no terminal control characters)."""
    students = grades.students
    handed_in = [s for s in students if s.handed_in]
    lines = [f"Graded {len(handed_in)} submission(s) of {grades.assignment} (max "
             f"{format_points(grades.max_points)} points) in {grades.seconds:.2f} s.",
             f"  points by {_who_scores(grades)}."]
    totals = [s.points for s in handed_in if s.points is not None]
    if totals:
        lines.append(f"  mean {statistics.mean(totals):.1f}, median "
                     f"{format_points(statistics.median(totals))}, min "
                     f"{format_points(min(totals))}, max {format_points(max(totals))} "
                     f"(over {len(totals)} complete total(s))")
    pending = [s.student for s in handed_in if grades.manual_state(s) == PENDING]
    if pending:
        lines.append(f"  awaiting manual grading ({len(pending)}; no total yet, lms.csv leaves "
                     f"them empty): {_short_list(pending, 10)}")
    if grades.data is not None:
        bad = [s for s in students if s.status != OK]
        if bad:
            lines.append(f"  0 points from answers.json, file not usable ({len(bad)}): "
                         + ", ".join(f"{s.student} ({s.status})" for s in bad))
        lines.extend(f"  {s.student}: {s.reason}" for s in handed_in if s.status != OK)
        lines.extend(f"  note {s.student}: {s.reason}" for s in handed_in
                     if s.status == OK and s.reason)
    if grades.book_state != gradebook.OK:
        lines.append(f"Gradebook check skipped: {grades.book_detail}.")
    else:
        checked = [s for s in handed_in if not s.book_state]  # autograded
        missing = [s.student for s in handed_in if s.book_state == NOT_AUTOGRADED]
        held = len([s for s in checked if not s.flags])
        text = f"Gradebook check: {held} of {len(checked)} autograded hold these points"
        if missing:
            text += f"; not autograded ({len(missing)}): {_short_list(missing, 10)}"
        lines.append(text + ".")
        if grades.book_detail:
            lines.append(f"  note: {grades.book_detail}")
    lines.extend(_refused_lines(grades))
    lines.extend(f"FLAGGED {s.student}: {s.flag_reason}" for s in grades.flagged)
    return [printable(line) for line in lines]


def _refused_lines(grades: ClassGrades) -> list[str]:
    """How many hand-ins collect refused (each one flags a row below), and where they are
    listed."""
    lines = [f"  {grades.refused_detail}"] if grades.refused_detail else []
    if grades.refused:
        path = refusals.refusals_file(grades.course.layout.submitted, grades.assignment)
        with contextlib.suppress(ValueError):
            path = path.relative_to(grades.course.root)
        names = [row.get("handin", "") for row in grades.refused]
        lines.insert(0, f"Refused at collect: {len(names)} hand-in(s), not graded (listed in "
                        f"{path}): {_short_list(names)}.")
    return lines


# --- command line ---------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT",
                        help="assignment name, e.g. 01-sort-the-sources")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (the one with nbgrader_config.py; default: the "
                             "working directory)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Score every submission's grade cells (the Sorter parts and the chosen sentence with "
        "readkit's trusted grade step, from the files as submitted; the rest from nbgrader's "
        "gradebook), flag every learner whose gradebook points differ, were overridden or got "
        "extra credit, and write grading/reports/ASSIGNMENT/scores.json, grades.csv and "
        "units.csv."
    )
    add_common_arguments(parser)
    parser.add_argument("--db-url", metavar="URL",
                        help="nbgrader gradebook to read (default: the course's "
                             "CourseDirectory.db_url)")
    parser.add_argument("--uploads", type=Path, metavar="PATH",
                        help="first import the answers.json hand-ins of an LMS's bulk download "
                             "(a .zip or its folder: Moodle, Canvas, Google Classroom, one "
                             "file or folder per learner) into grading/submitted/<id>/"
                             "ASSIGNMENT/; prints which id each file became")
    parser.add_argument("--update", action="store_true",
                        help="with --uploads: replace the answers.json of a submission already "
                             "in grading/submitted/ (never replaced without it)")


def run(args: argparse.Namespace) -> int:
    if args.update and not args.uploads:
        print("readkit grade: --update only goes with --uploads PATH.", file=sys.stderr)
        return 2
    try:
        course = Course.open(args.course)
        if args.uploads:
            # A mistyped assignment stops here, before any file lands in a folder of its name.
            grade_cells.assignment_cells(course, args.assignment, None)
            for line in import_uploads(course, args.assignment, args.uploads,
                                       args.update).summary_lines():
                print(line)
        grades = grade_assignment(course, args.assignment, args.db_url)
        grades_csv, units_csv, scores = write_grades(grades)
    except CourseError as error:
        print(f"readkit grade: {error}", file=sys.stderr)
        return 2
    for line in summary_lines(grades):
        print(line)
    if not grades.students:
        print(f"No submissions found in {course.layout.submitted}/<student>/{args.assignment}/ "
              "(nbgrader collect puts them there).")
    written = [grades_csv.name] + ([units_csv.name] if units_csv else [])
    print(f"Wrote {scores} and {', '.join(written)}.")
    return 0
