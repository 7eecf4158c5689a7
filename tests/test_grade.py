"""readkit.results.grade (`readkit grade`) and readkit.nbgrader.gradebook: every grade cell of a
class scored (readkit's cells from the files as submitted, the rest from nbgrader's gradebook),
written once as the score record, and every grade change in the gradebook flagged.

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
import dataclasses
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
from readkit.nbgrader import gradebook, refusals, student_ids
from readkit.results import grade, record
from tests.support.grading import (
    ASSIGNMENT,
    GOLDEN,
    GRADE_CELLS,
    NOTEBOOK,
    REPO,
    SECTION_POINTS,
    build_gradebook,
    compare_golden,
    hand_in,
    hand_in_notebook,
    make_course,
    open_gradebook,
    read_cases,
    set_grade,
    submission_dir,
)
from tests.support.independent_scoring import section_points as independent_section_points

pytestmark = pytest.mark.usefixtures("no_course_variable")

EXPECTED = GOLDEN / "grade" / "expected-grades.csv"
HOSTILE = GOLDEN / "hostile"
HOSTILE_EXPECTED = HOSTILE / "expected-grades.csv"
CELLS = [(NOTEBOOK, grade_id) for grade_id, _, _ in GRADE_CELLS.values()]
SORTER_CELLS = [(NOTEBOOK, f"{section}-grade") for section in SECTION_POINTS]


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
    # the screen says what the file says about the gradebook: every change, from what to what
    assert "FLAGGED mallory-cheat-attempt: the gradebook holds other points (part-1 8 vs " \
           "0, part-2 9 vs 0, part-3 13 vs 4.09, rewrite-choice 1 vs 0)" in out
    assert "FLAGGED pia-kernel-timeout: the gradebook holds other points (part-2 0 vs 9)" in out
    assert "FLAGGED sam-overridden: part-1 overridden from 4.21 (readkit) to 8 (manual " \
           "score)\n" in out
    assert "FLAGGED xena-extra-credit: part-3 given 1 extra credit; rewrite-answer given 0.5 " \
           "extra credit\n" in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("FLAGGED")] == [
        "FLAGGED mallory-cheat-attempt", "FLAGGED pia-kernel-timeout", "FLAGGED sam-overridden",
        "FLAGGED xena-extra-credit"]
    assert "Gradebook check: 10 of 14 autograded hold these points; not autograded (2): " \
           "nina-not-autograded, rita-autograde-crashed." in out
    assert "Graded 16 submission(s) of 01-sort-the-sources (max 35 points)" in out
    assert "  points by readkit, from the files as submitted: part-1, part-2, part-3, " \
           "rewrite-choice; graders: rewrite-answer.\n" in out
    assert "  awaiting manual grading (3; no total yet, lms.csv leaves them empty): " \
           "carol-accepted-alternatives, nina-not-autograded, rita-autograde-crashed\n" in out


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
    # bob: part-1 7 of 9 right (p53s1 claim, p54s1 commentary); his labels commentary 5,
    # claim 2, sourced 2: p_e = (5 x 5 + 2 x 5 + 2 x 4) / 81 = 43/81; kappa = (63 - 43) /
    # (81 - 43) = 0.5263: 8 x 0.5263 = 4.21. part-2 all right: 9. part-3 12 of 15 right
    # (p66s1, p68s1 and p68s2 wrong); his labels claim 1, sourced 3, commentary 5, meta 6: p_e =
    # (2 + 12 + 30 + 36) / 225 = 80/225; kappa = (180 - 80) / (225 - 80) = 0.6897: 8.97.
    # Sorter parts 4.21 + 9 + 8.97 = 22.18 (per-label recall, four parts: 19.94).
    assert independent_count(GOLDEN / "grade" / "submissions" / "bob-partial.json") == {
        "part-1": 4.21, "part-2": 9.0, "part-3": 8.97}
    # bob chose p54s1, which his answers.json labels commentary but the key says sourced (and
    # accepts nothing else): 0 (it was 1 while only his own label counted). A grader gave his
    # rewrite 2.5 of 4 (the rubric path): 22.18 + 0 + 2.5 = 24.68 of 35 (70.5%).
    bob = rows["bob-partial"]
    assert [bob[c] for c in ("points", "max", "percent", *SECTION_POINTS, "rewrite-choice",
                             "rewrite-answer", "status", "manual_grading", "flag")] == [
        "24.68", "35", "70.5", "4.21", "9", "8.97", "0", "2.5", "ok", "done", ""]
    # unlabelled, of the 34 graded sentences: hugo labels p51s2 "opinion" (no label: 1;
    # "Commentary" counts as commentary, unknown ids are ignored); an empty or unusable file
    # leaves all 34; nothing handed in: empty, as for 02's rows.
    assert {name: rows[name]["unlabelled"] for name in (
        "alice-perfect", "bob-partial", "hugo-unknown-labels-and-ids", "oscar-empty",
        "erin-corrupt", "quinn-absent")} == {
        "alice-perfect": "0", "bob-partial": "0", "hugo-unknown-labels-and-ids": "1",
        "oscar-empty": "34", "erin-corrupt": "34", "quinn-absent": ""}
    # mallory labels everything claim (meta from paragraph 70): a constant label in parts 1
    # and 2 scores 0 (right on exactly the units that accept claim, which is also its chance).
    # part-3: right 7 of 15 (p68s1, p68s2 and the five meta lines); claim 10, meta 5: p_e =
    # (10 x 2 + 5 x 6) / 225 = 50/225; kappa = (105 - 50) / 175 = 0.3143: 4.09.
    assert independent_count(GOLDEN / "grade" / "submissions" / "mallory-cheat-attempt.json") == {
        "part-1": 0.0, "part-2": 0.0, "part-3": 4.09}
    # Her chosen p51s1 is labelled claim in her own file: 0 (the gradebook says 1). Her
    # rewrite: 1 by hand. 4.09 + 0 + 1 = 5.09; the gradebook's own total 30 + 1 + 1 = 32.
    mallory = rows["mallory-cheat-attempt"]
    assert [mallory[c] for c in ("points", *SECTION_POINTS, "rewrite-choice",
                                 "gradebook_points", "flag")] == [
        "5.09", "0", "0", "4.09", "0", "32", "GRADEBOOK-DIFFERS"]
    # hugo: p51s2 'opinion' dropped (unlabelled), p52s1 'Commentary' read as meant: part-1 8 of
    # 9 right; commentary 3, sourced 3, claim 2, unlabelled 1: p_e = (15 + 12 + 10 + 0) / 81 =
    # 37/81; kappa = (72 - 37) / (81 - 37) = 0.7955: 6.36; the rest right.
    assert independent_count(
        GOLDEN / "grade" / "submissions" / "hugo-unknown-labels-and-ids.json") == {
        "part-1": 6.36, "part-2": 9.0, "part-3": 13.0}
    # His chosen p52s1 is labelled 'Commentary' (read as meant), and the key's label is
    # commentary: 1; rewrite 4: 6.36 + 9 + 13 + 1 + 4 = 33.36.
    hugo = rows["hugo-unknown-labels-and-ids"]
    assert [hugo[c] for c in ("points", "part-1", "rewrite-choice", "flag")] == [
        "33.36", "6.36", "1", ""]
    assert hugo["reason"] == ("1 answer(s) with an unknown label ignored (p51s2); "
                              "1 answer(s) for unknown unit ids ignored (p99s9)")
    # pia: right answers, a gradebook that holds 0 for part-2: 30 - 9 = 21, + 1 + 3
    pia = rows["pia-kernel-timeout"]
    assert [pia[c] for c in ("points", "gradebook_points")] == ["34", "25"]
    # sam: bob's answers (22.18), part-1 overridden by hand from 4.21 to 8: it counts,
    # flagged: 8 + 9 + 8.97 + 1 (p51s1: commentary by him and by the key) + 2 = 28.97.
    sam = rows["sam-overridden"]
    assert [sam[c] for c in ("points", "part-1", "gradebook_points", "flag", "reason")] == [
        "28.97", "8", "28.97", "OVERRIDDEN",
        "part-1 overridden from 4.21 (readkit) to 8 (manual score)"]
    # xena: full marks (35) and 1 + 0.5 extra credit: 36.5 of 35 (104.3%), flagged.
    xena = rows["xena-extra-credit"]
    assert [xena[c] for c in ("points", "percent", "part-3", "rewrite-answer", "flag")] == [
        "36.5", "104.3", "14", "4.5", "EXTRA-CREDIT"]
    assert xena["reason"] == "part-3 given 1 extra credit; rewrite-answer given 0.5 extra credit"
    assert rows["alice-perfect"]["points"] == "35"  # 30 + 1 + 4: the rubric path, not flagged
    # dan: no answers.json (0), but his rewrite graded by hand 3: a complete total of 3.
    assert [rows["dan-missing-file"][c] for c in ("points", "rewrite-choice", "status")] == [
        "3", "0", "missing"]
    for student, status in [("erin-corrupt", "corrupt"), ("frank-other-assignment", "foreign"),
                            ("gina-not-an-answers-file", "foreign"),
                            ("ivy-huge-file", "too-large"), ("quinn-absent", "not-submitted")]:
        row = rows[student]
        assert (row["status"], row["points"], row["flag"]) == (status, "0", ""), student
        assert row["reason"], student
    # not graded by hand yet: no total (never a 0), marked pending; the cells that have
    # points show them
    for student, status in [("carol-accepted-alternatives", "ok"),
                            ("nina-not-autograded", "ok; not-autograded"),
                            ("rita-autograde-crashed", "ok; not-autograded")]:
        row = rows[student]
        assert (row["status"], row["manual_grading"], row["points"], row["percent"],
                row["rewrite-answer"]) == (status, "pending", "", "", ""), student
        assert [row[c] for c in SECTION_POINTS] == ["8", "9", "13"], student
    # nina handed in answers.json alone (an LMS upload): graded by the same trusted step; no
    # notebook, so no chosen sentence
    assert rows["nina-not-autograded"]["rewrite-choice"] == "0"
    assert rows["nina-not-autograded"]["reason"].startswith(
        "rewrite-choice scores 0: no sort-the-sources.ipynb was handed in; ")
    assert rows["nina-not-autograded"]["gradebook_points"] == ""
    # every other readable file: the gradebook holds what readkit computed
    students = golden_cases["students"]
    assert set(rows) == set(students)
    flagged = {s: row["flag"] for s, row in rows.items() if row["flag"]}
    assert flagged == {"mallory-cheat-attempt": "GRADEBOOK-DIFFERS",
                       "pia-kernel-timeout": "GRADEBOOK-DIFFERS",
                       "sam-overridden": "OVERRIDDEN", "xena-extra-credit": "EXTRA-CREDIT"}


def test_grade_equals_what_autograde_records(golden_course):
    """`readkit grade` and nbgrader's autograde step (TrustedScores, which writes the grade
    cells' results that SaveAutoGrades records) give every golden submission the same points
    for every cell readkit scores: the Sorter parts and the chosen sentence, read from the
    notebook as handed in (the released one, its choice empty, where none was)."""
    import nbformat
    from traitlets.config.loader import PyFileConfigLoader

    from readkit.nbgrader.preprocessors import TrustedScores

    config = PyFileConfigLoader("nbgrader_config.py", path=str(golden_course)).load_config()
    released = REPO / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    graded = grade.grade_assignment(Course.open(golden_course), ASSIGNMENT)
    readkit_cells = {grade_id: column for column, (grade_id, _, kind) in GRADE_CELLS.items()
                     if kind == "code"}
    checked = 0
    for student in graded.students:
        if student.status == grade.NOT_SUBMITTED:
            continue
        handed_in = submission_dir(golden_course, student.student) / f"{NOTEBOOK}.ipynb"
        nb = nbformat.read(handed_in if handed_in.is_file() else released, as_version=4)
        resources = {"nbgrader": {"student": student.student, "assignment": ASSIGNMENT}}
        nb, _ = TrustedScores(config=config).preprocess(nb, resources)
        recorded = {}
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if grade_id in readkit_cells:
                (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
                recorded[readkit_cells[grade_id]] = float(result.data["text/plain"])
        assert recorded == {column: student.cells[column].computed
                            for column in readkit_cells.values()}, student.student
        checked += 1
    assert checked == 16


def test_sqlite_reader_equals_nbgrader_api(golden_course):
    layout = Course.open(golden_course).layout
    fast = gradebook.read_gradebook(layout.db_url, layout.course_id, ASSIGNMENT)
    api = gradebook.read_gradebook(layout.db_url, layout.course_id, ASSIGNMENT, use_api=True)
    assert fast.state == api.state == "ok", (fast.detail, api.detail)
    assert fast.detail == api.detail == ""
    assert fast.cells == api.cells == {cell: GRADE_CELLS[column][1] for cell, column
                                       in zip(CELLS, GRADE_CELLS, strict=True)}
    assert fast.scores == api.scores
    assert fast.names == api.names
    recorded = gradebook.RecordedGrade
    assert [fast.scores["mallory-cheat-attempt"][c].auto for c in SORTER_CELLS] == list(
        SECTION_POINTS.values())
    assert [fast.scores["bob-partial"][c].auto for c in SORTER_CELLS] == [4.21, 9.0, 8.97]
    assert fast.scores["bob-partial"][(NOTEBOOK, "rewrite-answer")] == recorded(None, 2.5, None)
    assert fast.scores["sam-overridden"][(NOTEBOOK, "part-1-grade")] == recorded(4.21, 8.0, None)
    assert fast.scores["xena-extra-credit"][(NOTEBOOK, "part-3-grade")] == recorded(13.0, None, 1.0)
    assert fast.scores["rita-autograde-crashed"] == dict.fromkeys(CELLS, recorded())
    assert "nina-not-autograded" not in fast.scores
    assert fast.names["quinn-absent"] == ("Quinn", "Absent")
    # nbgrader's own score of a cell: the manual score over the auto score, plus extra credit
    assert recorded(3.69, 7.5, None).score == 7.5 and recorded(5.0, None, 1.0).score == 6.0
    assert recorded(None, None, None).score == 0.0


def test_gradebook_that_does_not_match_the_notebook(course_root, capsys):
    """The gradebook's cells are checked against the source notebook's (where the points are
    written): a missing assignment or cell, or other points, is said; grading goes on."""
    hand_in(course_root, "alice", "alice-perfect.json")
    layout = Course.open(course_root).layout
    cells = {c: v for c, v in GRADE_CELLS.items() if c != "rewrite-choice"}
    cells["rewrite-answer"] = ("rewrite-answer", 5.0, "markdown")
    build_gradebook(course_root, {"alice": {**SECTION_POINTS, "rewrite-answer": {"manual": 4}}},
                    cells=cells)
    graded = grade.grade_assignment(Course.open(course_root), ASSIGNMENT)
    assert graded.book_detail == (
        "no grade cell rewrite-choice in the gradebook (run readkit release, then autograde); "
        "the gradebook gives rewrite-answer other points than the source notebook (run readkit "
        "release, then autograde again)")
    (alice,) = graded.students
    assert (alice.points, alice.flags) == (34.0, [])  # 30 + 0 (no notebook) + 4
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    assert "  note: no grade cell rewrite-choice in the gradebook" in capsys.readouterr().out
    other_db = gradebook.read_gradebook(layout.db_url, "readkit", "02-trace-the-numbers")
    assert other_db.state == gradebook.NO_GRADEBOOK
    assert "02-trace-the-numbers is not in the gradebook" in other_db.detail


def test_a_cell_without_score_is_flagged(course_root):
    """One part scored, another with no score at all (autograde stopped in the middle)."""
    hand_in(course_root, "alice", "alice-perfect.json")
    hand_in_notebook(course_root, "alice", "p51s2")
    build_gradebook(course_root, {"alice": {"part-1": 8, "part-2": None, "part-3": 13,
                                            "rewrite-choice": 1}})
    (alice,) = grade.grade_assignment(Course.open(course_root), ASSIGNMENT).students
    assert alice.flags == [grade.DIFFERS]
    assert [alice.cells[c].auto for c in GRADE_CELLS] == [8.0, None, 13.0, 1.0, None]
    assert alice.gradebook_points == 22  # as nbgrader counts it: no score is 0
    assert "(part-2 no score vs 9)" in alice.flag_reason
    assert alice.points is None  # the rewrite is not graded yet


def test_units_csv(golden_course):
    grades = grade.grade_assignment(Course.open(golden_course), ASSIGNMENT)
    _, units_csv, _ = grade.write_grades(grades)
    lines = units_csv.read_text().splitlines()
    assert lines[0] == "student,section,unit_id,chosen,correct"
    assert len(lines) - 1 == 34 * 16  # every submission (not quinn, who handed nothing in)
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
    # no gradebook: readkit's cells are scored, the rewrite is not graded yet (no total)
    assert rows[1] == ("alice,,35,,8,9,13,0,,ok; no-gradebook,pending,rewrite-choice "
                       "scores 0: no sort-the-sources.ipynb was handed in,,,0")
    assert rows[2].startswith("erin,,35,,0,0,0,0,,corrupt; no-gradebook,pending,")


def test_clear_errors(course_root, tmp_path, capsys):
    assert grade.run(parse(["99-nothing", "--course", str(course_root)])) == 2
    assert "solutions/99-nothing has no notebook: readkit grade reads the assignment's grade " \
           "cells and their points from it" in capsys.readouterr().err
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
    hand_in_notebook(course_root, "zoe", "p65s1")
    (zoe,) = grade.grade_assignment(Course.open(course_root), ASSIGNMENT).students
    assert zoe.status == "ok" and zoe.reason == ""
    assert zoe.cells["rewrite-choice"].score == 1  # p65s1: commentary in her file and the key
    # part-3: 4 of 15 right (p64s1, p65s1, p66s1, p68s1), 11 unlabelled; sourced, commentary,
    # meta and claim once each: p_e = (4 + 6 + 6 + 2) / 225 = 18/225; kappa = (60 - 18) /
    # (225 - 18) = 0.2029: 13 x 0.2029 = 2.64.
    assert zoe.section_points == {"part-1": 0.0, "part-2": 0.0, "part-3": 2.64}


# --- every point of the notebook; every grade change seen ----------------------------------


def autograded_alice(root: Path) -> None:
    """alice hands in her notebook (chosen p51s2) and answers.json; autograde recorded
    readkit's points; her rewrite is not graded by hand yet."""
    hand_in(root, "alice", "alice-perfect.json")
    hand_in_notebook(root, "alice", "p51s2")
    build_gradebook(root, {"alice": {**SECTION_POINTS, "rewrite-choice": 1}})


def test_rubric_path_counts_and_an_override_is_flagged(course_root, capsys):
    """The rewrite graded by hand (the rubric path) completes the total and is not flagged; a
    manual score on an autograded cell and extra credit, set through nbgrader.api as the
    formgrader's API sets them after autograde, are flagged with what changed, and count."""
    autograded_alice(course_root)
    course = Course.open(course_root)
    (alice,) = grade.grade_assignment(course, ASSIGNMENT).students
    assert (alice.points, alice.flags, alice.cells["rewrite-answer"].score) == (None, [], None)
    assert grade.grade_assignment(course, ASSIGNMENT).manual_state(alice) == "pending"

    with open_gradebook(course_root) as gb:  # a grader uses the rubric: 3 of 4
        set_grade(gb, "alice", "rewrite-answer", {"manual": 3})
    graded = grade.grade_assignment(course, ASSIGNMENT)
    (alice,) = graded.students
    assert (alice.points, alice.flags, graded.manual_state(alice)) == (34.0, [], "done")
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    assert "Gradebook check: 1 of 1 autograded hold these points." in out
    assert "FLAGGED" not in out
    assert csv_rows(grades_csv(course_root))["alice"]["points"] == "34"

    with open_gradebook(course_root) as gb:  # then someone changes autograded points
        set_grade(gb, "alice", "part-2-grade", {"manual": 0})
        set_grade(gb, "alice", "rewrite-choice-grade", {"extra": 2})
    (alice,) = grade.grade_assignment(course, ASSIGNMENT).students
    assert alice.flags == ["OVERRIDDEN", "EXTRA-CREDIT"]
    assert alice.changes == ["part-2 overridden from 9 (readkit) to 0 (manual score)",
                             "rewrite-choice given 2 extra credit"]
    assert alice.points == 34 - 9 + 2  # an honest override counts, and is seen
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    assert "Gradebook check: 0 of 1 autograded hold these points." in out
    assert ("FLAGGED alice: part-2 overridden from 9 (readkit) to 0 (manual score); "
            "rewrite-choice given 2 extra credit\n") in out
    row = csv_rows(grades_csv(course_root))["alice"]
    assert [row[c] for c in ("points", "part-2", "rewrite-choice", "flag")] == [
        "27", "0", "3", "OVERRIDDEN; EXTRA-CREDIT"]


def test_extra_credit_on_the_rubric_cell_is_flagged(course_root):
    autograded_alice(course_root)
    with open_gradebook(course_root) as gb:
        set_grade(gb, "alice", "rewrite-answer", {"manual": 4, "extra": 1})
    (alice,) = grade.grade_assignment(Course.open(course_root), ASSIGNMENT).students
    assert (alice.points, alice.flags, alice.changes) == (
        36.0, ["EXTRA-CREDIT"], ["rewrite-answer given 1 extra credit"])


def test_refused_hand_ins_flag_the_named_learner_and_the_maker(course_root, capsys):
    """collect's refusals (grading/collect/ASSIGNMENT-refused.csv) on the rows of grades.csv:
    the learner named is flagged, with a row of no points when nothing of theirs was
    collected; the learner who made it is flagged; a hostile hand-in name stays inert; the
    score record keeps them for the report."""
    autograded_alice(course_root)
    path = refusals.refusals_file(course_root / "grading" / "submitted", ASSIGNMENT)
    hostile = f"=cmd|' /C calc'!A0<b>\x1b[2J+{ASSIGNMENT}+t+x"
    refusals.append_refusals(path, [
        refusals.Refusal("t1", f"bob+{ASSIGNMENT}+t+x", "bob", "alice",
                         "a hand-in in another learner's name"),
        refusals.Refusal("t2", f"alice+{ASSIGNMENT}+t+y", "alice", "alice",
                         "key.csv is a link"),
        dataclasses.replace(refusals.refusal(hostile, hostile.rsplit("+", 3)[0], None,
                                             "the id is not safe"), owner="alice"),
    ])

    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    shown = "'=cmd|' /C calc'!A0<b>\\x1b[2J+" + ASSIGNMENT + "+t+x"
    assert (f"Refused at collect: 3 hand-in(s), not graded (listed in grading/collect/"
            f"{ASSIGNMENT}-refused.csv): bob+{ASSIGNMENT}+t+x, alice+{ASSIGNMENT}+t+y, "
            f"{shown}.\n") in out
    assert "\x1b" not in out
    got = csv_rows(grades_csv(course_root))
    assert sorted(got) == ["alice", "bob"]
    assert [got["bob"][k] for k in ("points", "status", "flag", "reason")] == [
        "0", "handin-refused", "REFUSED-HANDIN",
        "a hand-in in this name was refused at collect and nothing else was collected: no "
        "points (ask them to hand in again); a hand-in in this name owned by alice was refused "
        "at collect (a hand-in in another learner's name)"]
    assert [got["alice"][k] for k in ("status", "flag", "reason")] == [
        "ok", "FORGED-HANDIN; REFUSED-HANDIN",
        f"made a hand-in in another learner's name (bob), refused at collect (a hand-in in "
        f"another learner's name); a hand-in in this name owned by alice was refused at "
        f"collect (key.csv is a link); made a hand-in in another learner's name ({shown}), "
        "refused at collect (the id is not safe)"]
    assert "Graded 1 submission(s)" in out  # bob's row is not a submission
    kept = record.read_record(Course.open(course_root), ASSIGNMENT)
    assert [row["handin"] for row in kept.refused] == [
        f"bob+{ASSIGNMENT}+t+x", f"alice+{ASSIGNMENT}+t+y", shown]
    assert [s.flags for s in kept.students] == [["FORGED-HANDIN", "REFUSED-HANDIN"],
                                                ["REFUSED-HANDIN"]]


def test_an_unreadable_refusals_file_is_said_and_grading_goes_on(course_root, capsys):
    autograded_alice(course_root)
    path = refusals.refusals_file(course_root / "grading" / "submitted", ASSIGNMENT)
    path.parent.mkdir(parents=True)
    path.write_text("something else\n", encoding="utf-8")
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    assert (f"  the refused hand-ins in {path} could not be read ({path} is not a list of "
            "refused hand-ins (its first row is not time,handin,student,owner,reason)); "
            "collect's log lists them\n") in out
    assert sorted(csv_rows(grades_csv(course_root))) == ["alice"]


def test_a_manual_score_outside_the_cell_is_flagged_and_never_exported(course_root, capsys):
    """A grader's 400 for 4.0 on the rewrite, -50 there, or 40 over the 8 points of part-1,
    as nbgrader's API stores them (the formgrader's grade API takes any number): flagged with
    the cell and value, that cell and the total left empty in grades.csv, scores.json and
    lms.csv, never a number the LMS imports. 0 and the cell's points are in range."""
    from readkit.results import record, report

    for student, chosen in (("alice", "p51s2"), ("bob", "p51s2"), ("cy", "p51s2"),
                            ("dee", "p51s2"), ("eve", "p51s2")):
        hand_in(course_root, student, "alice-perfect.json")
        hand_in_notebook(course_root, student, chosen)
    autograded = {**SECTION_POINTS, "rewrite-choice": 1}
    build_gradebook(course_root, {
        "alice": {**autograded, "rewrite-answer": {"manual": 400}},
        "bob": {**autograded, "rewrite-answer": {"manual": -50}},
        "cy": {**autograded, "part-1": {"auto": 8, "manual": 40},
               "rewrite-answer": {"manual": 4}},
        "dee": {**autograded, "rewrite-answer": {"manual": 0}},
        "eve": {**autograded, "rewrite-answer": {"manual": 4}},
    })
    assert grade.run(parse([ASSIGNMENT, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    outside = ": not counted, no total until a grader enters a score in range in the formgrader"
    assert (f"FLAGGED alice: rewrite-answer has manual score 400, outside 0 to 4{outside}\n"
            f"FLAGGED bob: rewrite-answer has manual score -50, outside 0 to 4{outside}\n"
            f"FLAGGED cy: part-1 has manual score 40, outside 0 to 8{outside}\n") in out
    assert "FLAGGED dee" not in out and "FLAGGED eve" not in out
    rows = csv_rows(grades_csv(course_root))
    columns = ("points", "percent", "part-1", "rewrite-answer", "manual_grading",
               "gradebook_points", "flag", "reason")
    assert {student: [row[c] for c in columns] for student, row in rows.items()} == {
        "alice": ["", "", "8", "", "pending", "", "MANUAL-OUT-OF-RANGE",
                  f"rewrite-answer has manual score 400, outside 0 to 4{outside}"],
        "bob": ["", "", "8", "", "pending", "", "MANUAL-OUT-OF-RANGE",
                f"rewrite-answer has manual score -50, outside 0 to 4{outside}"],
        "cy": ["", "", "", "4", "done", "", "MANUAL-OUT-OF-RANGE",
               f"part-1 has manual score 40, outside 0 to 8{outside}"],
        "dee": ["31", "88.6", "8", "0", "done", "31", "", ""],
        "eve": ["35", "100", "8", "4", "done", "35", "", ""],
    }
    course = Course.open(course_root)
    kept = record.read_record(course, ASSIGNMENT)  # what report and the LMS export read
    assert {s.student: s.points for s in kept.students} == {
        "alice": None, "bob": None, "cy": None, "dee": 31.0, "eve": 35.0}
    assert kept.students[0].cells["rewrite-answer"].manual == 400  # kept as evidence
    _, lms = report.write_report(kept)
    with lms.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle))[1:] == [
            ["Points Possible", "", "", "", "", "35"],
            ["Test, Alice", "", "", "alice", "", ""],
            ["Test, Bob", "", "", "bob", "", ""],
            ["Test, Cy", "", "", "cy", "", ""],
            ["Test, Dee", "", "", "dee", "", "31"],
            ["Test, Eve", "", "", "eve", "", "35"],
        ]


def test_points_possible_are_read_from_the_notebook(course_root):
    """The maximum is the sum of the source notebook's grade cells, not a number typed again:
    a rewrite worth 5 makes 01 worth 36."""
    path = course_root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "rewrite-answer":
            cell["metadata"]["nbgrader"]["points"] = 5.0
    path.write_text(json.dumps(notebook), encoding="utf-8")
    hand_in(course_root, "alice", "alice-perfect.json")
    graded = grade.grade_assignment(Course.open(course_root), ASSIGNMENT)
    assert graded.max_points == 36
    assert [(c.column, c.points, c.kind) for c in graded.cells] == [
        ("part-1", 8.0, "sorter"), ("part-2", 9.0, "sorter"), ("part-3", 13.0, "sorter"),
        ("rewrite-choice", 1.0, "choice"),
        ("rewrite-answer", 5.0, "manual")]


A2, NB2 = "02-trace-the-numbers", "trace-the-numbers"
CELLS_02 = {"filter": ("filter-grade", 2.0, "code"), "group": ("group-grade", 2.0, "code"),
            "compare": ("compare-grade", 2.0, "code"), "add-up": ("add-up-grade", 3.0, "code"),
            "reporters": ("reporters-grade", 2.0, "code"),
            "written-answer": ("written-answer", 3.0, "markdown")}


def test_02_is_graded_and_exported_the_same_way(course_root, capsys):
    """02 has no Sorter parts: its number checks come from autograde (the gradebook), its
    written answer from a grader; the same flags, the same pending state."""
    for student in ("ann", "ben", "cy", "dee"):
        submission_dir(course_root, student, A2).mkdir(parents=True)
    checks = {"filter": 2, "group": 2, "compare": 1, "add-up": 3, "reporters": 2}
    build_gradebook(course_root, {
        "ann": {**checks, "written-answer": {"manual": 2}},
        "ben": checks,  # the written answer not graded yet
        "cy": {**checks, "filter": {"auto": 0, "manual": 2}, "written-answer": {"manual": 3}},
        "dee": None,  # handed in, never autograded
    }, assignment=A2, notebook=NB2, cells=CELLS_02)
    assert grade.run(parse([A2, "--course", str(course_root)])) == 0
    out = capsys.readouterr().out
    assert "Graded 4 submission(s) of 02-trace-the-numbers (max 14 points)" in out
    assert "  points by autograde: filter, group, compare, add-up, reporters; graders: " \
           "written-answer.\n" in out
    assert "FLAGGED cy: filter overridden from 0 (autograde) to 2 (manual score)\n" in out
    assert "Gradebook check: 2 of 3 autograded hold these points; not autograded (1): dee." \
           in out
    reports = course_root / "grading" / "reports" / A2
    assert sorted(p.name for p in reports.iterdir()) == ["grades.csv", "scores.json"]
    lines = (reports / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [
        "student,points,max,percent,filter,group,compare,add-up,reporters,written-answer,"
        "status,manual_grading,reason,gradebook_points,flag,unlabelled",
        "ann,12,14,85.7,2,2,1,3,2,2,ok,done,,12,,",
        "ben,,14,,2,2,1,3,2,,ok,pending,,10,,",
        "cy,13,14,92.9,2,2,1,3,2,3,ok,done,filter overridden from 0 (autograde) to 2 (manual "
        "score),13,OVERRIDDEN,",
        "dee,,14,,,,,,,,ok; not-autograded,pending,the gradebook has no submission of this "
        "student; run readkit autograde,,,",
    ]


@pytest.mark.parametrize("make, why", [
    ("link", "sort-the-sources.ipynb is a link, not a notebook file"),
    ("fifo", "sort-the-sources.ipynb is a named pipe (FIFO), not a notebook file"),
    ("folder", "sort-the-sources.ipynb is a folder, not a notebook file"),
    ("huge", "sort-the-sources.ipynb is 70,000,000 bytes (over 67,108,864) and was not read"),
    ("not-json", "sort-the-sources.ipynb is not a readable notebook (not valid JSON)"),
    ("deep", "sort-the-sources.ipynb is not a readable notebook (not valid JSON)"),
    ("no-cells", "sort-the-sources.ipynb is not a readable notebook (no list of cells)"),
    ("cell-deleted", "sort-the-sources.ipynb has no cell rewrite-choice"),
])
def test_a_hostile_notebook_scores_no_chosen_sentence(course_root, make, why):
    """The chosen sentence is read from the notebook as handed in, as hostile input: never
    through a link (here to a notebook whose choice would earn the point), never blocking,
    bounded; whatever it is, the learner gets a row with the reason and the class goes on."""
    hand_in(course_root, "bo", "alice-perfect.json")
    good = hand_in_notebook(course_root, "ann", "p51s2")
    target = submission_dir(course_root, "bo") / f"{NOTEBOOK}.ipynb"
    if make == "link":
        target.symlink_to(good)
    elif make == "fifo":
        os.mkfifo(target)
    elif make == "folder":
        target.mkdir()
    elif make == "huge":
        with target.open("wb") as handle:
            handle.truncate(70_000_000)
    elif make == "not-json":
        target.write_text("{not json")
    elif make == "deep":
        target.write_text("[" * 100_000 + "]" * 100_000)
    elif make == "no-cells":
        target.write_text('{"cells": 3}')
    else:
        notebook = json.loads(good.read_text())
        notebook["cells"] = [c for c in notebook["cells"] if c["metadata"].get(
            "nbgrader", {}).get("grade_id") != "rewrite-choice"]
        target.write_text(json.dumps(notebook))
    graded = {s.student: s for s in grade.grade_assignment(Course.open(course_root),
                                                           ASSIGNMENT).students}
    assert graded["bo"].cells["rewrite-choice"].score == 0
    assert graded["bo"].reason == f"rewrite-choice scores 0: {why}"
    assert graded["bo"].section_points == SECTION_POINTS


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
    root = make_course(base, solutions=True)
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
            assert sorter_points(row) == "0" and row["reason"], student
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


def sorter_points(row: dict[str, str]) -> str:
    """The Sorter parts' points of a grades.csv row (the answers file's share of the total)."""
    return grade.format_points(sum(float(row[c]) for c in SECTION_POINTS))


NO_NOTEBOOK = "rewrite-choice scores 0: no sort-the-sources.ipynb was handed in"


def test_hostile_honest_files_graded_as_meant(hostile_run):
    """The BOM (and CRLF) file and the upper-case labels are the perfect file, as meant. These
    hand-ins are answers.json alone (no notebook, no gradebook): no chosen sentence, and no
    total until the rewrite is graded."""
    root, _ = hostile_run
    rows = csv_rows(grades_csv(root))
    points = ["8", "9", "13"]
    for student in ("a-perfect", "bom-windows-editor", "upper-case-labels"):
        row = rows[student]
        assert [row[c] for c in SECTION_POINTS] == points, student
        assert (row["status"], row["manual_grading"], row["points"], row["reason"]) == (
            "ok; no-gradebook", "pending", "", NO_NOTEBOOK), student
    assert sorter_points(rows["b-partial"]) == "22.18"
    # folders named with what is not a student id (an escape sequence, a formula, a name that
    # is not UTF-8): refused, not graded, with the name made harmless in its row
    for name in ("\\x1b[2J\\x1b[31mescape-sequence", "'+formula-plus", "'@formula-at",
                 "'=HYPERLINK(\"https:evil.example\",\"formula\")", "latin1-name-\\udcff"):
        assert (sorter_points(rows[name]), rows[name]["status"]) == ("0", "refused-id"), name
        assert rows[name]["reason"].startswith("student id refused (a student id is 1 to 64 "), name
    # wrong types: the two string labels count, the rest is named as ignored
    wrong = rows["wrong-types"]
    assert wrong["status"] == "ok; no-gradebook"
    assert wrong["reason"].startswith("5 answer(s) with an unknown label ignored")
    # p62s1 commentary and p63s1 sourced count: part-3 2 of 15 right, 13 unlabelled; p_e =
    # (commentary 1 x 6 + sourced 1 x 4) / 225 = 10/225; kappa = (30 - 10) / 215 = 0.0930:
    # 13 x 0.0930 = 1.21
    assert [wrong[c] for c in SECTION_POINTS] == ["0", "0", "1.21"]
    # surrogates-and-escapes: its two valid answers, p61s1 claim (part-2: 1 of 10 right; p_e =
    # 1 x 4 / 100; kappa = (10 - 4) / 96 = 0.0625: 0.56) and p62s1 commentary (part-3: 1 of 15
    # right; p_e = 6/225; kappa = (15 - 6) / 219 = 0.0411: 0.53): 1.09
    assert sorter_points(rows["surrogates-and-escapes"]) == "1.09"


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
        if student_ids.problem(student):  # refused by both (tests/test_student_ids.py)
            assert rows[csv_cell(student)]["status"] == student_ids.REFUSED
            continue
        points = trusted.grade_answers(answers, plan).points
        assert grade.format_points(points) == sorter_points(rows[csv_cell(student)]), student


def test_a_copied_choice_cell_is_read_as_autograde_reads_it(course_root):
    """A learner who copies the answer cell hands in two `rewrite-choice` cells: nbgrader
    keeps the last (DeduplicateIds), so TrustedScores scores the last one; so does grade."""
    import nbformat
    from nbgrader.preprocessors import DeduplicateIds
    from traitlets.config.loader import PyFileConfigLoader

    from readkit.nbgrader.preprocessors import TrustedScores

    hand_in(course_root, "bo", "bob-partial.json")  # p53s1 claim, p51s1 commentary
    path = hand_in_notebook(course_root, "bo", "p53s1")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    (index,) = [i for i, c in enumerate(notebook["cells"])
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "rewrite-choice"]
    copy = json.loads(json.dumps(notebook["cells"][index]))
    copy["id"] = "a-copy"
    copy["source"] = copy["source"].replace("p53s1", "p51s1")
    notebook["cells"].insert(index + 1, copy)
    path.write_text(json.dumps(notebook), encoding="utf-8")

    (bo,) = grade.grade_assignment(Course.open(course_root), ASSIGNMENT).students
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    nb = nbformat.read(path, as_version=4)
    resources = {"nbgrader": {"student": "bo", "assignment": ASSIGNMENT}}
    nb, resources = DeduplicateIds().preprocess(nb, resources)
    nb, _ = TrustedScores(config=config).preprocess(nb, resources)
    (cell,) = [c for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "rewrite-choice-grade"]
    (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert float(result.data["text/plain"]) == bo.cells["rewrite-choice"].score == 1.0
