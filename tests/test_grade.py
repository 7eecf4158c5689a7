"""readkit.results.grade (`readkit grade`) and readkit.nbgrader.gradebook: a class graded
from answers.json as submitted, and the check that nbgrader's gradebook holds those points.

Two golden folders (otter-grader style), each compared WHOLE with its expected grades.csv:
- tests/golden/grade/: ordinary submissions with an nbgrader gradebook (built with
  nbgrader.api; no nbgrader command runs), graded in this process;
- tests/golden/hostile/: every kind of hostile answers file and student folder, graded by the
  real `readkit grade` command in a subprocess (it must finish, print no traceback and no raw
  control character).

When the key or the sections change on purpose, regenerate the expected files, read every row
of the diff and commit it:

    READKIT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_grade.py -k golden
"""

import argparse
import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from readkit.course.answers import write_answers
from readkit.course.course import Course
from readkit.course.safe_text import csv_cell, printable
from readkit.grading import trusted
from readkit.nbgrader import gradebook
from readkit.results import grade
from tests.support.grading import (
    ASSIGNMENT,
    GOLDEN,
    REPO,
    SECTION_POINTS,
    build_gradebook,
    compare_golden,
    hand_in,
    make_course,
    read_cases,
    submission_dir,
)
from tests.support.independent_scoring import section_points as independent_section_points

pytestmark = pytest.mark.usefixtures("no_course_variable")

EXPECTED = GOLDEN / "grade" / "expected-grades.csv"
HOSTILE = GOLDEN / "hostile"
HOSTILE_EXPECTED = HOSTILE / "expected-grades.csv"
CELLS = [f"{section}-grade" for section in SECTION_POINTS]


def parse(argv, module=grade):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def grades_csv(root: Path) -> Path:
    return root / "grading" / "reports" / ASSIGNMENT / "grades.csv"


def csv_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_sections_are_the_ones_the_golden_files_assume():
    sections = Course.open(REPO).sections(ASSIGNMENT)
    assert {s.section: s.points for s in sections} == SECTION_POINTS


# --- tests/golden/grade: ordinary submissions and the gradebook check --------------------


def test_golden_grades_csv(golden_course, capsys):
    code = grade.run(parse([ASSIGNMENT, "--course", str(golden_course)]))
    out, err = capsys.readouterr()
    assert code == 0, err
    compare_golden(grades_csv(golden_course).read_text(encoding="utf-8"), EXPECTED)
    # the screen says what the file says about the gradebook
    assert "FLAGGED mallory-cheat-attempt: the gradebook holds other points (part-1 8 vs " \
           "0, part-2 9 vs 0, part-3 13 vs 4.09)" in out
    assert "FLAGGED pia-kernel-timeout: the gradebook holds other points (part-2 0 vs 9)" in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("FLAGGED")] == [
        "FLAGGED mallory-cheat-attempt", "FLAGGED pia-kernel-timeout"]
    assert "Gradebook check: 10 of 12 autograded hold these points; not autograded (2): " \
           "nina-not-autograded, rita-autograde-crashed." in out
    assert "Graded 14 submission(s)" in out


def independent_count(answers_path: Path) -> dict[str, float]:
    """section -> points of a readable golden file, counted by tests/support/
    independent_scoring.py from the course's CSV files (none of readkit's grading code)."""
    answers = json.loads(answers_path.read_text(encoding="utf-8"))["answers"]
    return independent_section_points(REPO / "data", "raqqa-2021", ASSIGNMENT, answers)


# The parts (docs/grading.md): part-1 paragraphs 51-55, 9 units (commentary p51s1 p51s2 p52s1
# p52s2, sourced p53s1 p54s1 p54s2, claim p55s1 p55s2); units accepting each label: commentary
# 5 (with p55s2), sourced 4 (with p55s1), claim 5 (p51s1, p52s1, p52s2 accept it). part-2
# paragraphs 56-61, 10 units: accepting sourced 8, commentary 5, claim 4. part-3 paragraphs
# 62-74, 15 units: accepting commentary 6, sourced 4, meta 6, claim 2.
# Points = max x kappa, kappa = (p_o - p_e) / (1 - p_e), p_e = sum over the labels the learner
# gave of (units given it / n) x (units accepting it / n).


def test_golden_file_is_hand_checked(golden_cases):
    """The expected file's numbers, worked out by hand and by an independent count."""
    rows = csv_rows(EXPECTED)
    # bob: part-1 7 of 9 right (p53s1 and p54s1 labelled claim); his labels commentary 5,
    # claim 2, sourced 2: p_e = (5 x 5 + 2 x 5 + 2 x 4) / 81 = 43/81; kappa = (63 - 43) /
    # (81 - 43) = 0.5263: 8 x 0.5263 = 4.21. part-2 all right: 9. part-3 12 of 15 right
    # (p68s1, p68s2 and p66s1 wrong); his labels claim 1, sourced 3, commentary 5, meta 6: p_e =
    # (2 + 12 + 30 + 36) / 225 = 80/225; kappa = (180 - 80) / (225 - 80) = 0.6897: 8.97.
    # Total 4.21 + 9 + 8.97 = 22.18 (73.9%); per-label recall scored him 18.91 (four parts).
    assert independent_count(GOLDEN / "grade" / "submissions" / "bob-partial.json") == {
        "part-1": 4.21, "part-2": 9.0, "part-3": 8.97}
    bob = rows["bob-partial"]
    assert [bob[c] for c in ("points", "percent", *SECTION_POINTS, "status")] == [
        "22.18", "73.9", "4.21", "9", "8.97", "ok"]
    # mallory labels everything claim (meta from paragraph 70): a constant label in parts 1
    # and 2 scores 0 (right on exactly the units that accept claim, 5 of 9 and 4 of 10, which is
    # also its chance). part-3: right 7 of 15 (p68s1, p68s2 and the five meta lines); claim 10,
    # meta 5: p_e = (10 x 2 + 5 x 6) / 225 = 50/225; kappa = (105 - 50) / 175 = 0.3143: 4.09.
    # The gradebook holds full marks.
    assert independent_count(GOLDEN / "grade" / "submissions" / "mallory-cheat-attempt.json") == {
        "part-1": 0.0, "part-2": 0.0, "part-3": 4.09}
    mallory = rows["mallory-cheat-attempt"]
    assert [mallory[c] for c in ("points", *SECTION_POINTS, "gradebook_points", "flag")] == [
        "4.09", "0", "0", "4.09", "30", "GRADEBOOK-DIFFERS"]
    # hugo: p51s2 'opinion' dropped (unlabelled), p52s1 'Commentary' read as meant: part-1 8 of
    # 9 right; commentary 3, sourced 3, claim 2, unlabelled 1: p_e = (15 + 12 + 10 + 0) / 81 =
    # 37/81; kappa = (72 - 37) / (81 - 37) = 0.7955: 6.36; the rest right: 28.36.
    assert independent_count(
        GOLDEN / "grade" / "submissions" / "hugo-unknown-labels-and-ids.json")["part-1"] == 6.36
    hugo = rows["hugo-unknown-labels-and-ids"]
    assert [hugo[c] for c in ("points", "part-1", "flag")] == ["28.36", "6.36", ""]
    assert hugo["reason"] == ("1 answer(s) with an unknown label ignored (p51s2); "
                              "1 answer(s) for unknown unit ids ignored (p99s9)")
    # pia: right answers, a gradebook that holds 0 for part-2: 30 - 9 = 21
    assert rows["pia-kernel-timeout"]["points"] == "30"
    assert rows["pia-kernel-timeout"]["gradebook_points"] == "21"
    assert rows["carol-accepted-alternatives"]["points"] == "30"
    for student, status in [("dan-missing-file", "missing"), ("erin-corrupt", "corrupt"),
                            ("frank-other-assignment", "foreign"),
                            ("gina-not-an-answers-file", "foreign"),
                            ("ivy-huge-file", "too-large"), ("quinn-absent", "not-submitted")]:
        row = rows[student]
        assert (row["status"], row["points"], row["flag"]) == (status, "0", ""), student
        assert row["reason"], student
    for student in ("nina-not-autograded", "rita-autograde-crashed"):
        assert rows[student]["status"] == "ok; not-autograded"
        assert rows[student]["gradebook_points"] == "" and rows[student]["points"] == "30"
    # every other readable file: the gradebook holds what readkit computed
    students = golden_cases["students"]
    assert set(rows) == set(students)
    flagged = {s for s, row in rows.items() if row["flag"]}
    assert flagged == {"mallory-cheat-attempt", "pia-kernel-timeout"}


def test_grade_equals_what_autograde_records(golden_course):
    """`readkit grade` and nbgrader's autograde step (TrustedScores, which writes the grade
    cells' results that SaveAutoGrades records) give every golden submission the same points."""
    import nbformat
    from traitlets.config.loader import PyFileConfigLoader

    from readkit.nbgrader.preprocessors import TrustedScores

    config = PyFileConfigLoader("nbgrader_config.py", path=str(golden_course)).load_config()
    notebook = (REPO / "solutions" / ASSIGNMENT / "sort-the-sources.ipynb").read_text(
        encoding="utf-8")
    graded = grade.grade_assignment(Course.open(golden_course), ASSIGNMENT)
    checked = 0
    for student in graded.students:
        if student.status == grade.NOT_SUBMITTED:
            continue
        nb = nbformat.reads(notebook, as_version=4)
        resources = {"nbgrader": {"student": student.student, "assignment": ASSIGNMENT}}
        nb, _ = TrustedScores(config=config).preprocess(nb, resources)
        recorded = {}
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if grade_id in CELLS:
                (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
                recorded[grade_id[:-len("-grade")]] = float(result.data["text/plain"])
        assert recorded == student.section_points, student.student
        checked += 1
    assert checked == 14


def test_sqlite_reader_equals_nbgrader_api(golden_course):
    layout = Course.open(golden_course).layout
    fast = gradebook.read_gradebook(layout.db_url, layout.course_id, ASSIGNMENT, CELLS)
    api = gradebook.read_gradebook(layout.db_url, layout.course_id, ASSIGNMENT, CELLS,
                                   use_api=True)
    assert fast.state == api.state == "ok", (fast.detail, api.detail)
    assert fast.detail == api.detail == ""
    assert fast.scores == api.scores
    assert fast.names == api.names
    assert fast.scores["mallory-cheat-attempt"] == dict(zip(CELLS, SECTION_POINTS.values(), strict=True))
    assert fast.scores["bob-partial"] == dict(zip(CELLS, [4.21, 9.0, 8.97], strict=True))
    assert fast.scores["rita-autograde-crashed"] == dict.fromkeys(CELLS)
    assert "nina-not-autograded" not in fast.scores
    assert fast.names["quinn-absent"] == ("Quinn", "Absent")


def test_gradebook_missing_cells_and_assignment(golden_course):
    layout = Course.open(golden_course).layout
    partial = gradebook.read_gradebook(layout.db_url, "readkit", ASSIGNMENT,
                                       ["part-1-grade", "part-9-grade"])
    assert partial.state == "ok" and partial.detail == "no grade cell part-9-grade in the gradebook"
    assert set(partial.scores["alice-perfect"]) == {"part-1-grade"}
    none = gradebook.read_gradebook(layout.db_url, "readkit", ASSIGNMENT, ["part-9-grade"])
    assert none.state == gradebook.NO_GRADE_CELLS
    other = gradebook.read_gradebook(layout.db_url, "readkit", "02-trace-the-numbers", CELLS)
    assert other.state == gradebook.NO_GRADEBOOK and "not in the gradebook" in other.detail


def test_a_cell_without_score_is_flagged(course_root):
    """One part scored, another with no score at all (autograde stopped in the middle)."""
    hand_in(course_root, "alice", "alice-perfect.json")
    build_gradebook(course_root, {"alice": {"part-1": 8, "part-2": None, "part-3": 13}})
    (alice,) = grade.grade_assignment(Course.open(course_root), ASSIGNMENT).students
    assert alice.flag == grade.DIFFERS
    assert alice.recorded == {"part-1-grade": 8.0, "part-2-grade": None, "part-3-grade": 13.0}
    assert alice.recorded_points is None
    assert "(part-2 no score vs 9)" in alice.flag_reason


def test_units_csv(golden_course):
    grades = grade.grade_assignment(Course.open(golden_course), ASSIGNMENT)
    _, units_csv = grade.write_grades(grades)
    lines = units_csv.read_text().splitlines()
    assert lines[0] == "student,section,unit_id,chosen,correct"
    assert len(lines) - 1 == 34 * 14  # every submission (not quinn, who handed nothing in)
    assert "bob-partial,part-1,p55s1,sourced,1" in lines  # an accepted alternative
    assert "bob-partial,part-1,p53s1,claim,0" in lines
    assert "oscar-empty,part-1,p51s1,,0" in lines  # not labelled
    assert "hugo-unknown-labels-and-ids,part-1,p51s2,,0" in lines  # unknown label dropped
    assert "hugo-unknown-labels-and-ids,part-1,p52s1,commentary,1" in lines  # 'Commentary'
    assert "dan-missing-file,part-3,p74s1,,0" in lines


def test_no_gradebook_is_reported_and_not_created(course_root, capsys):
    hand_in(course_root, "alice", "alice-perfect.json")
    hand_in(course_root, "erin", "erin-corrupt.json")
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    assert "Gradebook check skipped: no nbgrader gradebook at" in out
    assert not (course_root / "grading" / "gradebook.db").exists()
    rows = grades_csv(course_root).read_text().splitlines()
    assert rows[1] == "alice,30,30,100,8,9,13,ok; no-gradebook,,,"
    assert rows[2].startswith("erin,0,30,0,0,0,0,corrupt; no-gradebook,")


def test_clear_errors(course_root, tmp_path, capsys):
    assert grade.run(parse(["02-trace-the-numbers", "--course", str(course_root)])) == 2
    assert ("No article's sections.csv has sections for '02-trace-the-numbers'"
            in capsys.readouterr().err)
    assert grade.run(parse([ASSIGNMENT, "--course", str(tmp_path / "nowhere")])) == 2
    assert "is not a course folder" in capsys.readouterr().err
    # no submissions at all: graded nothing, said so, no crash
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    assert "No submissions found" in capsys.readouterr().out


def test_write_answers_roundtrip_is_graded(course_root):
    """A file written by the Sorter's own writer is graded (and ids outside the sections are
    ignored without a note)."""
    folder = submission_dir(course_root, "zoe")
    folder.mkdir(parents=True)
    answers = {"p01s1": "meta", "p64s1": "sourced", "p65s1": "commentary", "p66s1": "meta",
               "p68s1": "claim"}
    write_answers(folder / "answers.json", ASSIGNMENT, answers)
    (zoe,) = grade.grade_assignment(Course.open(course_root), ASSIGNMENT).students
    assert zoe.status == "ok" and zoe.reason == ""
    # part-3: 4 of 15 right (p64s1, p65s1, p66s1, p68s1), 11 unlabelled; sourced, commentary,
    # meta and claim once each: p_e = (4 + 6 + 6 + 2) / 225 = 18/225; kappa = (60 - 18) /
    # (225 - 18) = 0.2029: 13 x 0.2029 = 2.64.
    assert zoe.section_points == {"part-1": 0.0, "part-2": 0.0, "part-3": 2.64}


@pytest.mark.parametrize("text, shown", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "\\tx"), ("-1.5", "-1.5"), ("a=b", "a=b"),
    ("\x1b[2Jx", "\\x1b[2Jx"), ("a\nFLAGGED b", "a\\nFLAGGED b"), ("\ud800", "\\ud800"),
    ("right\u202eto left", "right\\u202eto left"),
])
def test_csv_cell_and_printable(text, shown):
    assert csv_cell(text) == shown
    assert printable(text) == shown.removeprefix("'")
    printable(text).encode("utf-8")  # always encodable


# --- tests/golden/hostile: every hostile file, through the real command line ---------------

HOSTILE_CASES = read_cases(HOSTILE)
DEEP = 100_000
LARGE = 30 * 1024 * 1024
# Raw control characters (C0 except newline, DEL, C1 as UTF-8) in what a terminal shows.
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def folder_name(student: str, case: dict) -> str | bytes:
    return student.encode("latin-1") if case.get("name_latin1") else student


def make_hostile_course(base: Path) -> Path:
    root = make_course(base)
    submitted = root / "grading" / "submitted"
    submitted.mkdir()
    for student, case in HOSTILE_CASES["students"].items():
        name = folder_name(student, case)
        top = os.path.join(os.fsencode(submitted), os.fsencode(name))
        make = case.get("make")
        if make == "student-link":
            os.symlink(case["target"], top)
            continue
        if make == "dangling-student-link":
            os.symlink("nobody-here", top)
            continue
        os.mkdir(top)
        folder = Path(os.fsdecode(top)) / ASSIGNMENT
        if make == "assignment-link":
            os.symlink(Path("..") / case["target"] / ASSIGNMENT, folder)
            continue
        folder.mkdir()
        target = folder / "answers.json"
        if "file" in case:
            target.write_bytes((HOSTILE / "submissions" / case["file"]).read_bytes())
        elif make == "directory":
            target.mkdir()
        elif make == "fifo":
            os.mkfifo(target)
        elif make == "socket":
            bind_unix_socket(target)
        elif make == "link":
            os.symlink(case["target"], target)
        elif make == "deep":
            target.write_text("[" * DEEP + "]" * DEEP)
        elif make == "large":
            with target.open("wb") as handle:
                handle.write(b'{"version": 1, "assignment": "%s", "answers": {"p46s1": "'
                             % ASSIGNMENT.encode())
                handle.truncate(LARGE)
        elif make != "missing":
            raise AssertionError(f"unknown case {make!r}")
    return root


def bind_unix_socket(path: Path) -> None:
    """A Unix socket file at `path` (bound from its folder: socket paths are short)."""
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(path.name)
    finally:
        os.chdir(here)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """`readkit grade` run once, as the instructor runs it, on the hostile course."""
    root = make_hostile_course(tmp_path_factory.mktemp("hostile"))
    env = {k: v for k, v in os.environ.items() if k != "READKIT_COURSE"}
    command = [str(Path(sys.executable).with_name("readkit")), "grade", ASSIGNMENT,
               "--course", str(root)]
    done = subprocess.run(command, capture_output=True, timeout=60, env=env, cwd=root)
    return root, done


def test_hostile_golden_folder(hostile_run):
    root, done = hostile_run
    output = done.stdout + done.stderr
    assert done.returncode == 0, output.decode("utf-8", "replace")
    assert b"Traceback" not in output and b"Error:" not in output
    output.decode("utf-8")  # the terminal gets valid UTF-8 ...
    assert not RAW_CONTROL.findall(output), output  # ... and no control character but newline
    produced = grades_csv(root).read_bytes()
    produced.decode("utf-8")
    assert not RAW_CONTROL.findall(produced.replace(b"\n", b""))
    compare_golden(produced.decode("utf-8"), HOSTILE_EXPECTED)


def test_hostile_every_case_has_a_row_and_a_reason(hostile_run):
    root, done = hostile_run
    rows = csv_rows(grades_csv(root))
    expected_names = {csv_cell(os.fsdecode(folder_name(s, c)))
                      for s, c in HOSTILE_CASES["students"].items()}
    assert set(rows) == expected_names
    for student, row in rows.items():
        if not row["status"].startswith("ok"):
            assert row["points"] == "0" and row["reason"], student
    statuses = {s: rows[csv_cell(s)]["status"].split(";")[0]
                for s in HOSTILE_CASES["students"] if s.isascii() and s.isprintable()}
    assert statuses["directory"] == statuses["fifo"] == statuses["unix-socket"] == "not-a-file"
    for link in ("link-etc-passwd", "link-dev-zero", "link-other-student",
                 "copycat-student-link", "copycat-assignment-link", "dangling-student-link"):
        assert statuses[link] == "not-a-file", link
        assert "link" in rows[link]["reason"], link
    assert statuses["thirty-mb"] == "too-large"
    assert statuses["deep-nesting"] == "corrupt" and "nests" in rows["deep-nesting"]["reason"]
    for name in ("trailing-junk", "empty-file", "whitespace-only", "binary-file", "huge-number"):
        assert statuses[name] == "corrupt", name
    for name in ("json-list", "json-null", "wrong-type-version", "answers-is-a-list",
                 "version-2"):
        assert statuses[name] == "foreign", name
    assert "newer readkit" in rows["version-2"]["reason"]
    assert statuses["no-answers-file"] == "missing"


def test_hostile_honest_files_graded_as_meant(hostile_run):
    """The BOM (and CRLF) file and the upper-case labels are the perfect file, as meant."""
    root, _ = hostile_run
    rows = csv_rows(grades_csv(root))
    points = ["30", "8", "9", "13"]
    for student in ("a-perfect", "bom-windows-editor", "upper-case-labels"):
        row = rows[student]
        assert [row[c] for c in ("points", *SECTION_POINTS)] == points, student
        assert (row["status"], row["reason"]) == ("ok; no-gradebook", ""), student
    assert rows["b-partial"]["points"] == "22.18"
    # the learner-named rows: graded, with the name made harmless
    assert rows["\\x1b[2J\\x1b[31mescape-sequence"]["points"] == "30"
    assert rows["'=HYPERLINK(\"https:evil.example\",\"formula\")"]["points"] == "22.18"
    assert rows["'+formula-plus"]["points"] == "30"
    assert rows["'@formula-at"]["points"] == "22.18"
    assert rows["latin1-name-\\udcff"]["points"] == "30"
    # wrong types: the two string labels count, the rest is named as ignored
    wrong = rows["wrong-types"]
    assert wrong["status"] == "ok; no-gradebook"
    assert wrong["reason"].startswith("5 answer(s) with an unknown label ignored")
    # p62s1 commentary and p63s1 sourced count: part-3 2 of 15 right, 13 unlabelled; p_e =
    # (commentary 1 x 6 + sourced 1 x 4) / 225 = 10/225; kappa = (30 - 10) / 215 = 0.0930:
    # 13 x 0.0930 = 1.21
    assert [wrong[c] for c in ("points", *SECTION_POINTS)] == ["1.21", "0", "0", "1.21"]
    # surrogates-and-escapes: its one valid answer, p62s1 commentary: 1 of 15 right; p_e =
    # 6/225; kappa = (15 - 6) / 219 = 0.0411: 0.53
    assert rows["surrogates-and-escapes"]["points"] == "0.53"


def test_hostile_no_cell_is_a_formula(hostile_run):
    root, _ = hostile_run
    for name in ("grades.csv", "units.csv"):
        text = (grades_csv(root).parent / name).read_text(encoding="utf-8")
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(FORMULA) or _number(cell), (name, cell)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_hostile_files_are_read_in_the_same_way_by_autograde(hostile_run):
    """The trusted step that nbgrader's autograde uses gives the same points for the same
    folder (it reads answers.json through the same hostile-safe reader)."""
    root, _ = hostile_run
    course = Course.open(root)
    plan = trusted.SorterAssignment.from_course(course, ASSIGNMENT)
    found = grade.submissions(course, ASSIGNMENT)
    rows = csv_rows(grades_csv(root))
    assert len(found) == len(rows)
    for student, answers in found.items():
        points = trusted.grade_answers(answers, plan).points
        assert grade.format_points(points) == rows[csv_cell(student)]["points"], student
