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
    assert "FLAGGED mallory-cheat-attempt: the gradebook holds other points (part-1 7.5 vs " \
           "0.36, part-2 7.5 vs 0.58, part-3 5 vs 0, part-4 10 vs 2.85)" in out
    assert "FLAGGED pia-kernel-timeout: the gradebook holds other points (part-2 0 vs 7.5)" in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("FLAGGED")] == [
        "FLAGGED mallory-cheat-attempt", "FLAGGED pia-kernel-timeout"]
    assert "Gradebook check: 10 of 12 autograded hold these points; not autograded (2): " \
           "nina-not-autograded, rita-autograde-crashed." in out
    assert "Graded 14 submission(s)" in out


def independent_count(answers_path: Path) -> dict[str, dict[str, tuple[int, int]]]:
    """section -> key label -> (units right, units) for a readable golden file, counted with
    nothing but the csv module from data/key.csv and data/sections.csv (labels as meant:
    stripped, lower case)."""
    with (REPO / "data" / "articles" / "raqqa-2021" / "key.csv").open(encoding="utf-8", newline="") as handle:
        key = {r["unit_id"]: r for r in csv.DictReader(handle) if r["split"] == "assessment"}
    with (REPO / "data" / "articles" / "raqqa-2021" / "units.csv").open(encoding="utf-8", newline="") as handle:
        paragraph = {r["unit_id"]: int(r["paragraph"]) for r in csv.DictReader(handle)}
    with (REPO / "data" / "articles" / "raqqa-2021" / "sections.csv").open(encoding="utf-8", newline="") as handle:
        sections = [r for r in csv.DictReader(handle) if r["assignment"] == ASSIGNMENT]
    answers = json.loads(answers_path.read_text(encoding="utf-8"))["answers"]
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for s in sections:
        classes = counts.setdefault(s["section"], {})
        for u in key:
            if not int(s["first_paragraph"]) <= paragraph[u] <= int(s["last_paragraph"]):
                continue
            chosen = answers.get(u)
            chosen = chosen.strip().lower() if isinstance(chosen, str) else None
            right = chosen in {key[u]["label"], *filter(None, key[u]["accept"].split("|"))}
            done, total = classes.get(key[u]["label"], (0, 0))
            classes[key[u]["label"]] = (done + right, total + 1)
    return counts


# Chance (what uniform random labels get on average, docs/grading.md): per key label, the mean
# over its units of (labels accepted / 4), then the mean over the labels of the part.
# part-1: commentary p51s1 p51s2 p52s1 p52s2 accept 2, 1, 2, 2 labels: 7/16; sourced p53s1
#   p54s1 p54s2 accept 1 each: 3/12. C1 = (7/16 + 3/12) / 2 = 0.34375.
# part-2: claim p55s1 p55s2 p56s4 p57s1 accept 2, 2, 2, 3: 9/16; sourced p56s1 p56s2 p58s1
#   p59s1: 2, 1, 1, 1: 5/16; commentary p56s3 p60s1: 2, 2: 4/8. C2 = (9/16 + 5/16 + 8/16) / 3
#   = 0.4583.
# part-3: claim p61s1 accepts 2 labels: 2/4; sourced p61s2 p62s2 p63s1: 1, 2, 1: 4/12;
#   commentary p62s1: 1/4. C3 = (2/4 + 4/12 + 1/4) / 3 = 0.36111 (issue 22: p61s1 became
#   claim, sourced accepted; it was sourced, claim accepted, and C3 0.3125).
# part-4: sourced p64s1: 1/4; commentary p65s1 p67s1 p69s1: 3/12; meta (25 units, p66s1 and
#   p76s7 accept commentary): 27/100; claim p68s1 p68s2: 3/8. C4 = (0.25 + 0.25 + 0.27 +
#   0.375) / 4 = 0.28625.
# Points = max x (R - C) / (1 - C), R the mean over the part's labels of the share right.


def test_golden_file_is_hand_checked(golden_cases):
    """The expected file's numbers, worked out by hand and by an independent count."""
    rows = csv_rows(EXPECTED)
    # bob: part-1 commentary 4/4, sourced 1/3 (p53s1 and p54s1 claim): R = (1 + 1/3) / 2 =
    # 0.6667, 7.5 x (0.6667 - 0.34375) / 0.65625 = 3.69. part-2 all right: 7.5. part-3: claim
    # 1/1 (p61s1 sourced, accepted), sourced 3/3, commentary 0/1: R = 0.6667, 5 x (0.6667 -
    # 0.36111) / 0.63889 = 2.39. part-4:
    # sourced 1/1, commentary 3/3, meta 24/25, claim 0/2: R = (1 + 1 + 0.96 + 0) / 4 = 0.74,
    # 10 x (0.74 - 0.28625) / 0.71375 = 6.36. Total 3.69 + 7.5 + 2.39 + 6.36 = 19.94 (66.5%).
    assert independent_count(GOLDEN / "grade" / "submissions" / "bob-partial.json") == {
        "part-1": {"commentary": (4, 4), "sourced": (1, 3)},
        "part-2": {"claim": (4, 4), "sourced": (4, 4), "commentary": (2, 2)},
        "part-3": {"claim": (1, 1), "sourced": (3, 3), "commentary": (0, 1)},
        "part-4": {"sourced": (1, 1), "commentary": (3, 3), "meta": (24, 25), "claim": (0, 2)}}
    bob = rows["bob-partial"]
    assert [bob[c] for c in ("points", "percent", *SECTION_POINTS, "status")] == [
        "19.94", "66.5", "3.69", "7.5", "2.39", "6.36", "ok"]
    # mallory labels everything claim (meta from paragraph 70): part-1 commentary 3/4 (claim
    # accepted for p51s1, p52s1, p52s2), sourced 0/3: R = 0.375, 7.5 x 0.03125 / 0.65625 =
    # 0.36. part-2: claim 4/4, sourced 0/4, commentary 1/2 (p56s3): R = 0.5, 7.5 x 0.04167 /
    # 0.54167 = 0.58. part-3: claim 1/1 (p61s1), sourced 0/3, commentary 0/1: R = 0.3333 < C3:
    # 0. part-4:
    # sourced 0/1, commentary 0/3, meta 24/25 (p66s1 is claim), claim 2/2: R = 0.49,
    # 10 x 0.20375 / 0.71375 = 2.85. Total 3.79; the gradebook holds full marks.
    assert independent_count(GOLDEN / "grade" / "submissions" / "mallory-cheat-attempt.json") == {
        "part-1": {"commentary": (3, 4), "sourced": (0, 3)},
        "part-2": {"claim": (4, 4), "sourced": (0, 4), "commentary": (1, 2)},
        "part-3": {"claim": (1, 1), "sourced": (0, 3), "commentary": (0, 1)},
        "part-4": {"sourced": (0, 1), "commentary": (0, 3), "meta": (24, 25), "claim": (2, 2)}}
    mallory = rows["mallory-cheat-attempt"]
    assert [mallory[c] for c in ("points", *SECTION_POINTS, "gradebook_points", "flag")] == [
        "3.79", "0.36", "0.58", "0", "2.85", "30", "GRADEBOOK-DIFFERS"]
    # hugo: p51s2 'opinion' dropped, p52s1 'Commentary' read as meant: part-1 commentary 3/4,
    # sourced 3/3: R = 0.875, 7.5 x (0.875 - 0.34375) / 0.65625 = 6.07; the rest right:
    # 6.07 + 7.5 + 5 + 10 = 28.57.
    assert independent_count(
        GOLDEN / "grade" / "submissions" / "hugo-unknown-labels-and-ids.json")["part-1"] == {
        "commentary": (3, 4), "sourced": (3, 3)}
    hugo = rows["hugo-unknown-labels-and-ids"]
    assert [hugo[c] for c in ("points", "part-1", "flag")] == ["28.57", "6.07", ""]
    assert hugo["reason"] == ("1 answer(s) with an unknown label ignored (p51s2); "
                              "1 answer(s) for unknown unit ids ignored (p99s9)")
    # pia: right answers, a gradebook that holds 0 for part-2: 30 - 7.5 = 22.5
    assert rows["pia-kernel-timeout"]["points"] == "30"
    assert rows["pia-kernel-timeout"]["gradebook_points"] == "22.5"
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
    assert fast.scores["bob-partial"] == dict(zip(CELLS, [3.69, 7.5, 2.39, 6.36], strict=True))
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
    build_gradebook(course_root, {"alice": {"part-1": 7.5, "part-2": None, "part-3": 5,
                                            "part-4": 10}})
    (alice,) = grade.grade_assignment(Course.open(course_root), ASSIGNMENT).students
    assert alice.flag == grade.DIFFERS
    assert alice.recorded == {"part-1-grade": 7.5, "part-2-grade": None, "part-3-grade": 5.0,
                              "part-4-grade": 10.0}
    assert alice.recorded_points is None
    assert "(part-2 no score vs 7.5)" in alice.flag_reason


def test_units_csv(golden_course):
    grades = grade.grade_assignment(Course.open(golden_course), ASSIGNMENT)
    _, units_csv = grade.write_grades(grades)
    lines = units_csv.read_text().splitlines()
    assert lines[0] == "student,section,unit_id,chosen,correct"
    assert len(lines) - 1 == 53 * 14  # every submission (not quinn, who handed nothing in)
    assert "bob-partial,part-2,p55s1,sourced,1" in lines  # an accepted alternative
    assert "bob-partial,part-1,p53s1,claim,0" in lines
    assert "oscar-empty,part-1,p51s1,,0" in lines  # not labelled
    assert "hugo-unknown-labels-and-ids,part-1,p51s2,,0" in lines  # unknown label dropped
    assert "hugo-unknown-labels-and-ids,part-1,p52s1,commentary,1" in lines  # 'Commentary'
    assert "dan-missing-file,part-4,p80s1,,0" in lines


def test_no_gradebook_is_reported_and_not_created(course_root, capsys):
    hand_in(course_root, "alice", "alice-perfect.json")
    hand_in(course_root, "erin", "erin-corrupt.json")
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    assert "Gradebook check skipped: no nbgrader gradebook at" in out
    assert not (course_root / "grading" / "gradebook.db").exists()
    rows = grades_csv(course_root).read_text().splitlines()
    assert rows[1] == "alice,30,30,100,7.5,7.5,5,10,ok; no-gradebook,,,"
    assert rows[2].startswith("erin,0,30,0,0,0,0,0,corrupt; no-gradebook,")


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
    # part-4: sourced 1/1, commentary 1/3, meta 1/25, claim 1/2: R = (1 + 0.3333 + 0.04 + 0.5)
    # / 4 = 0.4683, chance 0.28625 (see above): 10 x (0.4683 - 0.28625) / 0.71375 = 2.55.
    assert zoe.section_points == {"part-1": 0.0, "part-2": 0.0, "part-3": 0.0, "part-4": 2.55}


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
    points = ["30", "7.5", "7.5", "5", "10"]
    for student in ("a-perfect", "bom-windows-editor", "upper-case-labels"):
        row = rows[student]
        assert [row[c] for c in ("points", *SECTION_POINTS)] == points, student
        assert (row["status"], row["reason"]) == ("ok; no-gradebook", ""), student
    assert rows["b-partial"]["points"] == "19.94"
    # the learner-named rows: graded, with the name made harmless
    assert rows["\\x1b[2J\\x1b[31mescape-sequence"]["points"] == "30"
    assert rows["'=HYPERLINK(\"https:evil.example\",\"formula\")"]["points"] == "19.94"
    assert rows["'+formula-plus"]["points"] == "30"
    assert rows["'@formula-at"]["points"] == "19.94"
    assert rows["latin1-name-\\udcff"]["points"] == "30"
    # wrong types: the two string labels count, the rest is named as ignored
    wrong = rows["wrong-types"]
    assert wrong["status"] == "ok; no-gradebook"
    assert wrong["reason"].startswith("5 answer(s) with an unknown label ignored")
    # p62s1 commentary and p63s1 sourced count: part-3 claim 0/1, sourced 1/3, commentary 1/1:
    # R = 0.4444, 5 x (0.4444 - 0.36111) / 0.63889 = 0.65 (chance C3 as for the golden grade
    # folder)
    assert [wrong[c] for c in ("points", *SECTION_POINTS)] == ["0.65", "0", "0", "0.65", "0"]
    # surrogates-and-escapes: its two valid answers, p61s1 claim and p62s1 commentary: part-3
    # claim 1/1, sourced 0/3, commentary 1/1: R = 0.6667, 5 x (0.6667 - 0.36111) / 0.63889 = 2.39
    assert rows["surrogates-and-escapes"]["points"] == "2.39"


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
