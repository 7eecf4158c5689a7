"""Instructor side of grading: grade a class's answers.json files out of the kernel and
cross-check nbgrader's gradebook.

Why out of the kernel: a learner can redefine any helper in an unlocked cell before the hidden
test runs, and nbgrader then records full marks. The trustworthy grade is computed here, from
`answers.json` alone, with the same `readkit.scoring` functions and the same section definitions
(`data/sections.csv` through `readkit.autograde.read_sections`) that the grading cells use. The
score nbgrader recorded for each widget-section grade cell is then compared with it, and every
difference is flagged for the instructor.

`readkit grade ASSIGNMENT` writes grading/reports/ASSIGNMENT/grades.csv and units.csv.

Speed: grading 1,000 submissions takes about 0.2 s. The default SQLite gradebook is read with the
standard sqlite3 module, read-only (it is never created, migrated or locked for writing), because
importing nbgrader costs 1.5-3.5 s per process; any other `db_url` (PostgreSQL) is read through
`nbgrader.api.Gradebook`. Both readers give the same answer (tested).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import statistics
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from readkit.answers import CORRUPT, FOREIGN, MISSING, OK, TOO_LARGE, read_answers
from readkit.course import CONFIG_FILE, CourseNotFound, find_course_root
from readkit.scoring import Section, UnitResult

ANSWERS_FILE = "answers.json"
SUBMITTED = Path("grading", "submitted")
REPORTS = Path("grading", "reports")

# Statuses of a row of grades.csv (the first part: what was found in the submission).
NOT_SUBMITTED = "not-submitted"
# The second part, when the nbgrader cross-check could not run for that student.
NOT_AUTOGRADED = "not-autograded"
NO_GRADEBOOK = "no-gradebook"
NO_GRADE_CELLS = "no-grade-cells"
# The flag column.
MISMATCH = "MISMATCH"

# Two scores closer than this are equal (both are rounded to 2 decimals).
TOLERANCE = 0.005


class GradingError(RuntimeError):
    """Something the instructor must fix before a class can be graded (the message says what)."""


# --- course data ----------------------------------------------------------------------------


@contextlib.contextmanager
def using_course(root: Path) -> Iterator[None]:
    """Make readkit's data loaders read `root`/data (they follow $READKIT_COURSE)."""
    previous = os.environ.get("READKIT_COURSE")
    os.environ["READKIT_COURSE"] = str(root)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("READKIT_COURSE", None)
        else:
            os.environ["READKIT_COURSE"] = previous


def resolve_course(course: Path | str | None) -> Path:
    """The course root: --course if given (checked), else the usual search."""
    if course is None:
        try:
            return find_course_root()
        except CourseNotFound as error:
            raise GradingError(str(error)) from None
    root = Path(course).expanduser().resolve()
    if not (root / CONFIG_FILE).is_file() or not (root / "data").is_dir():
        raise GradingError(
            f"{root} is not a course folder (it needs {CONFIG_FILE} and data/). "
            "Pass the folder that holds them with --course."
        )
    return root


@dataclass(frozen=True)
class CourseData:
    """What grading one assignment needs from data/: its sections, the units each grades (in
    reading order), the assessment key and the units' text (for the report)."""

    assignment: str
    sections: tuple[Section, ...]
    section_units: dict[str, tuple[str, ...]]
    key: dict  # unit_id -> readkit.key.KeyEntry (assessment split)
    unit_paragraphs: dict[str, int]
    unit_text: dict[str, str]

    @property
    def max_points(self) -> float:
        return float(sum(section.points for section in self.sections))

    @property
    def unit_ids(self) -> list[str]:
        return [unit for section in self.sections for unit in self.section_units[section.section]]

    def section_of(self) -> dict[str, str]:
        return {u: s for s, units in self.section_units.items() for u in units}

    @cached_property
    def graded_units(self) -> frozenset[str]:
        return frozenset(self.unit_ids)


def load_course_data(root: Path, assignment: str) -> CourseData:
    """Sections, key and units of `assignment` from `root`/data, with the loaders the grading
    cells use. Raises GradingError with what to fix."""
    from readkit import autograde, scoring
    from readkit.article import read_units
    from readkit.key import ASSESSMENT, read_key

    with using_course(root):
        try:
            every = autograde.read_sections()
            key = read_key(ASSESSMENT)
            units = read_units()
            paragraphs = {unit["unit_id"]: unit["paragraph"] for unit in units}
            text = {unit["unit_id"]: unit["text"] for unit in units}
        except (OSError, ValueError, KeyError) as error:
            raise GradingError(
                f"The course data in {root / 'data'} cannot be read: {error}"
            ) from None
    sections = [s for s in every if s.assignment == assignment]
    if not sections:
        known = sorted({s.assignment for s in every})
        raise GradingError(
            f"data/sections.csv has no sections for {assignment!r}, so there is nothing to grade "
            f"from answers.json. Assignments with sections: {', '.join(known) or 'none'}."
        )
    section_units = {}
    for section in sections:
        units = tuple(scoring.section_unit_ids(section, paragraphs, key))
        if not units:
            raise GradingError(
                f"Section {section.section!r} of {assignment} (paragraphs "
                f"{section.first_paragraph}-{section.last_paragraph}) has no assessment units in "
                "data/key.csv; fix data/sections.csv or the key (readkit validate checks it)."
            )
        section_units[section.section] = units
    return CourseData(assignment, tuple(sections), section_units, key, paragraphs, text)


# --- one submission -------------------------------------------------------------------------


@dataclass
class NbgraderScore:
    """What nbgrader recorded for one student: autograde scores of the section grade cells
    (None for a section whose cell has no score), or why there is nothing to compare."""

    state: str  # "autograded", NOT_AUTOGRADED, NO_GRADEBOOK or NO_GRADE_CELLS
    sections: dict[str, float | None] = field(default_factory=dict)
    detail: str = ""

    @property
    def points(self) -> float | None:
        if self.state != "autograded" or any(v is None for v in self.sections.values()):
            return None
        return round(sum(self.sections.values()), 2)  # type: ignore[arg-type]


@dataclass
class StudentGrade:
    student: str
    status: str  # ok, missing, corrupt, foreign, too-large, not-submitted
    reason: str
    section_points: dict[str, float]
    results: list[UnitResult]
    max_points: float
    nbgrader: NbgraderScore | None = None
    flag: str = ""
    flag_reason: str = ""

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
    def full_status(self) -> str:
        parts = [self.status]
        if self.nbgrader is not None and self.nbgrader.state != "autograded":
            parts.append(self.nbgrader.state)
        return "; ".join(parts)

    @property
    def full_reason(self) -> str:
        parts = [self.reason] if self.reason else []
        if self.flag_reason:
            parts.append(self.flag_reason)
        elif self.nbgrader is not None and self.nbgrader.detail:
            parts.append(self.nbgrader.detail)
        return "; ".join(parts)


def _short_list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _unreadable_reason(found, path: Path) -> str:
    if found.status == MISSING:
        return (f"no {ANSWERS_FILE} in the submission (the Sorter never saved, or it was not "
                "handed in)")
    if found.status == CORRUPT:
        return f"{ANSWERS_FILE} is not valid JSON"
    if found.status == TOO_LARGE:
        try:
            size = f"{path.stat().st_size:,} bytes"
        except OSError:
            size = "too large"
        return f"{ANSWERS_FILE} is {size}, far larger than an answers file (not read)"
    if found.status == FOREIGN:
        if found.assignment is not None:
            return f"{ANSWERS_FILE} belongs to assignment {found.assignment!r}"
        return f"{ANSWERS_FILE} is not a readkit answers file (no version 1 'answers' object)"
    return "; ".join(found.problems)


def grade_submission(student: str, path: Path | None, data: CourseData) -> StudentGrade:
    """Grade one learner from their answers.json (None: no submission folder at all). Never
    raises for a bad file: the status and reason say what was wrong, and the points are 0."""
    from readkit import scoring

    if path is None:
        answers, status, reason = {}, NOT_SUBMITTED, "no submission for this assignment"
    else:
        found = read_answers(path, data.assignment)
        answers, status = found.answers, found.status
        if found.status != OK:
            reason = _unreadable_reason(found, path)
        else:
            notes = []
            bad_labels = [p.split(":", 1)[0] for p in found.problems]
            if bad_labels:
                notes.append(f"{len(bad_labels)} answer(s) with an unknown label ignored "
                             f"({_short_list(bad_labels)})")
            unknown = [u for u in answers if u not in data.unit_paragraphs]
            if unknown:
                notes.append(f"{len(unknown)} answer(s) for unknown unit ids ignored "
                             f"({_short_list(unknown)})")
            if not any(u in data.graded_units for u in answers):
                notes.insert(0, "no unit of this assignment labelled")
            reason = "; ".join(notes)
    # What each section's hidden test does (readkit.autograde.score_section), with the
    # section's unit ids worked out once per class instead of once per learner.
    section_points, results = {}, []
    for section in data.sections:
        unit_results = scoring.unit_results(answers, data.key, data.section_units[section.section])
        section_points[section.section] = scoring.section_points(unit_results, section.points)
        results.extend(unit_results)
    return StudentGrade(student, status, reason, section_points, results, data.max_points)


# --- nbgrader's gradebook -------------------------------------------------------------------


@dataclass(frozen=True)
class GradebookLocation:
    db_url: str
    course_id: str


def gradebook_location(root: Path) -> GradebookLocation:
    """The gradebook's db_url and course id from the course's nbgrader_config.py (nbgrader's
    defaults when it does not set them)."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except ConfigFileNotFound:
        config = None
    except Exception as error:  # noqa: BLE001 (any error in the instructor's config file)
        raise GradingError(f"{root / CONFIG_FILE} could not be read: {error}") from None
    course_dir = config.CourseDirectory if config is not None else {}
    db_url = course_dir.get("db_url") or "sqlite:///" + str(root / "gradebook.db")
    return GradebookLocation(str(db_url), str(course_dir.get("course_id") or ""))


def sqlite_path(db_url: str) -> Path | None:
    """The file of a sqlite:/// URL, None for other databases."""
    if not db_url.startswith("sqlite:///"):
        return None
    return Path(db_url[len("sqlite:///"):].split("?", 1)[0])


_STRING = re.compile(r"""(['"])(.*?)(?<!\\)\1""")


def match_section(cell_name: str, source: str | None, sections: Iterable[str]) -> str | None:
    """The section a grade cell grades: the section name given as a string literal in a
    `score_section(...)` call in its source; else a section name that is a whole part of the
    cell's name (e.g. `grade-part-1`); else None."""
    sections = list(sections)
    if source and "score_section" in source:
        call = source[source.index("score_section"):]
        for _, literal in _STRING.findall(call):
            if literal in sections:
                return literal
    for section in sorted(sections, key=len, reverse=True):
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(section)}(?![A-Za-z0-9])", cell_name):
            return section
    return None


@dataclass
class GradebookScores:
    """Everything the cross-check needs from nbgrader's gradebook for one assignment."""

    state: str  # "ok", NO_GRADEBOOK or NO_GRADE_CELLS
    detail: str = ""
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # section -> (notebook, cell)
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)  # student -> ...
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # student -> (first, last)


def _assemble(
    cell_rows: Iterable[tuple[str, str, str | None]],
    grade_rows: Iterable[tuple[str, str, str, float | None]],
    submitted: Iterable[str],
    names: Mapping[str, tuple[str, str]],
    sections: list[str],
) -> GradebookScores:
    """cell_rows: (notebook, cell, source) of the assignment's grade cells; grade_rows: (student,
    notebook, cell, auto_score); submitted: students with a submission row."""
    cells: dict[str, tuple[str, str]] = {}
    twice = []
    for notebook, cell, source in cell_rows:
        section = match_section(cell, source, sections)
        if section is None:
            continue
        if section in cells:
            twice.append(section)
        cells.setdefault(section, (notebook, cell))
    result = GradebookScores("ok", names=dict(names))
    if not cells:
        result.state = NO_GRADE_CELLS
        result.detail = ("the gradebook has no grade cell that calls score_section for these "
                         "sections (run nbgrader generate_assignment)")
        return result
    missing = [s for s in sections if s not in cells]
    notes = []
    if missing:
        notes.append(f"no grade cell found for section(s) {', '.join(missing)}")
    if twice:
        notes.append(f"section(s) graded by more than one cell, first one used: {', '.join(twice)}")
    result.detail = "; ".join(notes)
    by_cell = {where: section for section, where in cells.items()}
    result.cells = cells
    result.scores = {student: dict.fromkeys(cells) for student in submitted}
    for student, notebook, cell, score in grade_rows:
        section = by_cell.get((notebook, cell))
        if section is not None and student in result.scores:
            result.scores[student][section] = None if score is None else float(score)
    return result


def _read_sqlite(path: Path, assignment: str, sections: list[str]) -> GradebookScores:
    import sqlite3

    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        found = connection.execute("SELECT id FROM assignment WHERE name = ?", (assignment,))
        row = found.fetchone()
        names = {s: (f or "", la or "") for s, f, la in connection.execute(
            "SELECT id, first_name, last_name FROM student")}
        if row is None:
            return GradebookScores(NO_GRADEBOOK, f"{assignment} is not in the gradebook "
                                   "(run nbgrader generate_assignment and autograde)", names=names)
        assignment_id = row[0]
        cell_rows = connection.execute(
            """SELECT n.name, bc.name, sc.source FROM base_cell bc
               JOIN notebook n ON bc.notebook_id = n.id
               LEFT JOIN source_cell sc ON sc.notebook_id = n.id AND sc.name = bc.name
               WHERE n.assignment_id = ? AND bc.type = 'GradeCell'
               ORDER BY n.name, bc.name""", (assignment_id,)).fetchall()
        submitted = [s for (s,) in connection.execute(
            "SELECT student_id FROM submitted_assignment WHERE assignment_id = ?",
            (assignment_id,))]
        grade_rows = connection.execute(
            """SELECT sa.student_id, n.name, bc.name, g.auto_score FROM grade g
               JOIN submitted_notebook sn ON g.notebook_id = sn.id
               JOIN submitted_assignment sa ON sn.assignment_id = sa.id
               JOIN base_cell bc ON g.cell_id = bc.id
               JOIN notebook n ON bc.notebook_id = n.id
               WHERE sa.assignment_id = ? AND bc.type = 'GradeCell'""",
            (assignment_id,)).fetchall()
    finally:
        connection.close()
    return _assemble(cell_rows, grade_rows, submitted, names, sections)


def _read_nbgrader_api(location: GradebookLocation, assignment: str,
                       sections: list[str]) -> GradebookScores:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(location.db_url, location.course_id or "default_course") as gb:
        names = {s.id: (s.first_name or "", s.last_name or "") for s in gb.students}
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return GradebookScores(NO_GRADEBOOK, f"{assignment} is not in the gradebook "
                                   "(run nbgrader generate_assignment and autograde)", names=names)
        cell_rows = []
        for notebook in found.notebooks:
            for cell in notebook.grade_cells:
                try:
                    source = gb.find_source_cell(cell.name, notebook.name, assignment).source
                except MissingEntry:
                    source = None
                cell_rows.append((notebook.name, cell.name, source))
        cell_rows.sort()
        submitted, grade_rows = [], []
        for submission in found.submissions:
            submitted.append(submission.student.id)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.type == "GradeCell":
                        grade_rows.append((submission.student.id, notebook.notebook.name,
                                           grade.cell.name, grade.auto_score))
    return _assemble(cell_rows, grade_rows, submitted, names, sections)


def read_gradebook(location: GradebookLocation, assignment: str, sections: list[str],
                   use_api: bool = False) -> GradebookScores:
    """nbgrader's autograde scores of the section grade cells, per student. A missing SQLite
    file gives state NO_GRADEBOOK (the file is never created). `use_api` forces
    nbgrader.api.Gradebook for a SQLite file too."""
    path = sqlite_path(location.db_url)
    if path is not None and not path.is_file():
        return GradebookScores(NO_GRADEBOOK, f"no nbgrader gradebook at {path} (run nbgrader "
                               "autograde, or readkit autograde, to cross-check)")
    try:
        if path is not None and not use_api:
            return _read_sqlite(path, assignment, sections)
        return _read_nbgrader_api(location, assignment, sections)
    except Exception as error:  # noqa: BLE001 (a broken gradebook must not stop grading)
        return GradebookScores(NO_GRADEBOOK, f"the gradebook {location.db_url} could not be read "
                               f"({type(error).__name__}: {error})")


def cross_check(grade: StudentGrade, book: GradebookScores) -> None:
    """Set grade.nbgrader, and the flag when nbgrader's score of any section differs."""
    if book.state != "ok":
        grade.nbgrader = NbgraderScore(book.state, detail=book.detail)
        return
    if grade.student not in book.scores:
        grade.nbgrader = NbgraderScore(NOT_AUTOGRADED, detail="not autograded by nbgrader")
        return
    recorded = book.scores[grade.student]
    if all(value is None for value in recorded.values()):
        grade.nbgrader = NbgraderScore(NOT_AUTOGRADED, recorded,
                                       "nbgrader has a submission but no autograde scores")
        return
    grade.nbgrader = NbgraderScore("autograded", recorded, book.detail)
    differ = [
        (section, value, grade.section_points[section])
        for section, value in recorded.items()
        if value is None or abs(value - grade.section_points[section]) > TOLERANCE
    ]
    if not differ:
        return
    grade.flag = MISMATCH
    parts = [f"{s} {'no score' if v is None else format_points(v)} vs {format_points(mine)}"
             for s, v, mine in differ]
    higher = any(v is not None and v > mine + TOLERANCE for _, v, mine in differ)
    why = ("nbgrader recorded more than answers.json earns: possible tampering, look at the "
           "autograded notebook" if higher else
           "nbgrader recorded less than answers.json earns: a grading cell failed or timed out "
           "in the kernel, or answers.json changed after autograding")
    grade.flag_reason = f"nbgrader differs ({', '.join(parts)}): {why}"


# --- a class --------------------------------------------------------------------------------


@dataclass
class ClassGrades:
    assignment: str
    course_root: Path
    data: CourseData
    students: list[StudentGrade]
    gradebook: GradebookScores
    seconds: float = 0.0

    @property
    def flagged(self) -> list[StudentGrade]:
        return [s for s in self.students if s.flag]

    def section_names(self) -> list[str]:
        return [s.section for s in self.data.sections]


def submissions(root: Path, assignment: str) -> dict[str, Path]:
    """student -> path of their answers.json (which may not exist), for every submission folder
    grading/submitted/<student>/<assignment>/."""
    base = root / SUBMITTED
    if not base.is_dir():
        return {}
    found = {}
    for student_dir in sorted(base.iterdir()):
        folder = student_dir / assignment
        if student_dir.is_dir() and not student_dir.name.startswith(".") and folder.is_dir():
            found[student_dir.name] = folder / ANSWERS_FILE
    return found


def grade_assignment(
    root: Path, assignment: str, db_url: str | None = None, use_api: bool = False
) -> ClassGrades:
    """Grade every submission of `assignment` and cross-check nbgrader's gradebook. Students
    the gradebook knows who handed nothing in are listed as not-submitted (0 points)."""
    start = time.perf_counter()
    data = load_course_data(root, assignment)
    location = gradebook_location(root)
    if db_url:
        location = GradebookLocation(db_url, location.course_id)
    found = submissions(root, assignment)
    book = read_gradebook(location, assignment, [s.section for s in data.sections], use_api)
    students = [grade_submission(student, path, data) for student, path in found.items()]
    for student in sorted(set(book.names) - set(found)):
        students.append(grade_submission(student, None, data))
    students.sort(key=lambda s: s.student)
    for grade in students:
        if grade.status == NOT_SUBMITTED:
            continue
        cross_check(grade, book)
    return ClassGrades(assignment, root, data, students, book, time.perf_counter() - start)


# --- files ----------------------------------------------------------------------------------


def format_points(value: float | None) -> str:
    """12.5 -> '12.5', 30.0 -> '30', None -> ''."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def grades_header(sections: list[str]) -> list[str]:
    return ["student", "points", "max", "percent", *sections,
            "status", "reason", "nbgrader_points", "flag"]


def grades_rows(grades: ClassGrades) -> list[list[str]]:
    sections = grades.section_names()
    rows = []
    for s in grades.students:
        nb_points = s.nbgrader.points if s.nbgrader is not None else None
        rows.append([
            s.student, format_points(s.points), format_points(s.max_points),
            format_points(s.percent), *(format_points(s.section_points[n]) for n in sections),
            s.full_status, s.full_reason, format_points(nb_points), s.flag,
        ])
    return rows


def report_dir(root: Path, assignment: str) -> Path:
    return root / REPORTS / assignment


def write_grades(grades: ClassGrades, out_dir: Path | None = None) -> tuple[Path, Path]:
    """grades.csv (one row per student) and units.csv (one row per student and unit)."""
    out_dir = out_dir or report_dir(grades.course_root, grades.assignment)
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
                (s.student, section_of[r.unit_id], r.unit_id, r.chosen or "", int(r.correct))
                for r in s.results
            )
    return grades_csv, units_csv


def summary_lines(grades: ClassGrades) -> list[str]:
    """What `readkit grade` prints: totals, unreadable files, the cross-check, the flags."""
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
    warned = [s for s in handed_in if s.status == OK and s.reason]
    for s in warned:
        lines.append(f"  note {s.student}: {s.reason}")
    book = grades.gradebook
    if book.state != "ok":
        lines.append(f"Cross-check with nbgrader skipped: {book.detail}.")
    else:
        checked = [s for s in handed_in if s.nbgrader and s.nbgrader.state == "autograded"]
        missing = [s.student for s in handed_in
                   if s.nbgrader and s.nbgrader.state == NOT_AUTOGRADED]
        agree = len(checked) - len(grades.flagged)
        text = f"Cross-check with nbgrader: {agree} of {len(checked)} autograded agree"
        if missing:
            text += f"; not autograded ({len(missing)}): {_short_list(missing, 10)}"
        lines.append(text + ".")
        if book.detail:
            lines.append(f"  note: {book.detail}")
    for s in grades.flagged:
        lines.append(f"FLAGGED {s.student}: {s.flag_reason}")
    return lines


# --- command line ---------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT",
                        help="assignment name, e.g. 01-sort-the-sources")
    parser.add_argument("--course", type=Path, metavar="DIR",
                        help="course folder (the one with nbgrader_config.py; default: found "
                             "from the working directory or $READKIT_COURSE)")
    parser.add_argument("--db-url", metavar="URL",
                        help="nbgrader gradebook to cross-check (default: the course's "
                             "CourseDirectory.db_url)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Grade every submission's answers.json (grading/submitted/<student>/ASSIGNMENT/) "
        "outside the kernel with the scoring the notebooks use, cross-check nbgrader's "
        "gradebook and flag every student whose nbgrader score differs. Writes "
        "grading/reports/ASSIGNMENT/grades.csv and units.csv."
    )
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        root = resolve_course(args.course)
        grades = grade_assignment(root, args.assignment, args.db_url)
        grades_csv, units_csv = write_grades(grades)
    except GradingError as error:
        print(f"readkit grade: {error}", file=sys.stderr)
        return 2
    for line in summary_lines(grades):
        print(line)
    if not grades.students:
        print(f"No submissions found in {root / SUBMITTED}/<student>/{args.assignment}/ "
              "(nbgrader collect puts them there).")
    print(f"Wrote {grades_csv} and {units_csv.name}.")
    return 0
