"""readkit.gradebook: out-of-kernel grading of a class and the nbgrader cross-check.

The golden test (otter-grader style) grades the fixed submissions in tests/golden/grade/ against
the real course data and compares grades.csv whole with tests/golden/grade/expected-grades.csv.
When the key or the sections change on purpose, regenerate the expected file, read the diff and
commit it:

    READKIT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_gradebook.py -k golden

These tests build nbgrader gradebooks with nbgrader.api but run no nbgrader command.
"""

import argparse
import contextlib
import difflib
import io
import json
import os
import re
import shutil
import warnings
from pathlib import Path

import pytest

from readkit import autograde, gradebook
from readkit.answers import write_answers

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "grade"
EXPECTED = GOLDEN / "expected-grades.csv"
CASES = json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))
ASSIGNMENT = CASES["assignment"]
NOTEBOOK = "sort-the-sources"
SECTION_POINTS = {"part-1": 7.5, "part-2": 7.5, "part-3": 5.0, "part-4": 10.0}


@pytest.fixture(autouse=True)
def no_course_variable(monkeypatch):
    monkeypatch.delenv("READKIT_COURSE", raising=False)


def make_course(base: Path) -> Path:
    """A course with the real configuration and data, and an empty grading/ folder."""
    root = base / "course"
    root.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "data", root / "data")
    (root / "grading").mkdir()
    return root


def grade_cell_source(section: str) -> str:
    return (
        "import readkit.autograde as grading\n\n"
        f'grading.check_answers("{ASSIGNMENT}", "{section}")\n'
        "### BEGIN HIDDEN TESTS\n"
        f'grading.score_section("{ASSIGNMENT}", "{section}")\n'
        "### END HIDDEN TESTS\n"
    )


def alembic_head() -> str:
    """The newest migration of the installed nbgrader, read from its migration files: what
    `alembic heads` (which nbgrader runs in a subprocess for a new gradebook, several seconds)
    would print."""
    import nbgrader

    revisions, parents = set(), set()
    for script in (Path(nbgrader.__file__).parent / "alembic" / "versions").glob("*.py"):
        found = dict(re.findall(r"^(revision|down_revision) = ['\"]?([\w]+)", script.read_text(),
                                re.M))
        revisions.add(found["revision"])
        parents.add(found.get("down_revision"))
    (head,) = revisions - parents
    return head


def build_gradebook(root: Path, scores: dict, roster_only=()) -> None:
    """A gradebook shaped like the one nbgrader makes for 01-sort-the-sources: one grade cell
    per section (calling score_section) plus a grade cell that is not a section."""
    from readkit.parallel import quiet_nbgrader_imports

    quiet_nbgrader_imports()
    import nbgrader.api

    db_url = gradebook.gradebook_location(root).db_url
    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as patch:
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
        patch.setattr(nbgrader.api, "get_alembic_version", alembic_head)
        _fill_gradebook(nbgrader.api.Gradebook(db_url, "readkit"), scores, roster_only)


def _fill_gradebook(gb, scores: dict, roster_only) -> None:
    with gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook(NOTEBOOK, ASSIGNMENT)
        for section, points in SECTION_POINTS.items():
            name = f"{section}-grade"
            gb.add_grade_cell(name, NOTEBOOK, ASSIGNMENT, max_score=points, cell_type="code")
            gb.add_source_cell(name, NOTEBOOK, ASSIGNMENT, cell_type="code", locked=True,
                               source=grade_cell_source(section))
        gb.add_grade_cell("rewrite-choice-grade", NOTEBOOK, ASSIGNMENT, max_score=1,
                          cell_type="code")
        gb.add_source_cell("rewrite-choice-grade", NOTEBOOK, ASSIGNMENT, cell_type="code",
                           locked=True, source='grading.score_rewrite_choice("x", "p51s2")\n')
        for student in roster_only:
            gb.add_student(student, first_name=student.split("-")[0].title(), last_name="Absent")
        for student, recorded in scores.items():
            if recorded is None:
                continue
            gb.add_student(student, first_name=student.split("-")[0].title(), last_name="Test")
            gb.add_submission(ASSIGNMENT, student)
            if recorded == "no-scores":
                continue
            for section, value in recorded.items():
                grade = gb.find_grade(f"{section}-grade", NOTEBOOK, ASSIGNMENT, student)
                grade.auto_score = value
            gb.find_grade("rewrite-choice-grade", NOTEBOOK, ASSIGNMENT, student).auto_score = 1
            gb.db.commit()


def hand_in(root: Path, student: str, source: str | None) -> None:
    folder = root / "grading" / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    target = folder / "answers.json"
    if source is None:
        return
    if source == "HUGE":
        payload = {"version": 1, "assignment": ASSIGNMENT, "answers": {"p46s1": "commentary"},
                   "padding": "x" * 1_200_000}
        target.write_text(json.dumps(payload), encoding="utf-8")
        return
    shutil.copy(GOLDEN / "submissions" / source, target)


@pytest.fixture(scope="module")
def golden_course(tmp_path_factory) -> Path:
    """Built once for the module; tests may write reports into it but change no input."""
    root = make_course(tmp_path_factory.mktemp("golden"))
    students = CASES["students"]
    for student, case in students.items():
        if not case.get("roster_only"):
            hand_in(root, student, case["answers"])
    build_gradebook(
        root,
        {s: c["nbgrader"] for s, c in students.items() if not c.get("roster_only")},
        roster_only=[s for s, c in students.items() if c.get("roster_only")],
    )
    return root


def parse(argv, module=gradebook):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def test_golden_grades_csv(golden_course, capsys):
    code = gradebook.run(parse([ASSIGNMENT, "--course", str(golden_course)]))
    out, err = capsys.readouterr()
    assert code == 0, err
    produced = (golden_course / "grading" / "reports" / ASSIGNMENT / "grades.csv").read_text(
        encoding="utf-8")
    if os.environ.get("READKIT_UPDATE_GOLDEN") == "1":
        EXPECTED.write_text(produced, encoding="utf-8")
        pytest.skip(f"rewrote {EXPECTED}; review `git diff` before committing it")
    expected = EXPECTED.read_text(encoding="utf-8")
    if produced != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), produced.splitlines(keepends=True),
            "expected-grades.csv", "produced grades.csv"))
        pytest.fail(
            "grades.csv differs from tests/golden/grade/expected-grades.csv. If the key or the "
            "sections changed on purpose, regenerate it with READKIT_UPDATE_GOLDEN=1 "
            "(see this file's docstring) and review the diff:\n" + diff)
    # the screen says the same as the file about the flags
    assert "FLAGGED mallory-cheat-attempt: nbgrader differs" in out
    assert "possible tampering" in out
    assert "FLAGGED pia-kernel-timeout" in out
    assert "FLAGGED bob" not in out and "FLAGGED alice" not in out
    assert "not autograded (2): nina-not-autograded, rita-autograde-crashed" in out


def test_golden_file_is_hand_checked():
    """The expected file's key numbers, worked out by hand (cases.json and the key)."""
    rows = {line.split(",")[0]: line for line in EXPECTED.read_text().splitlines()[1:]}
    # Points per part: points x (R - C) / (1 - C), R the mean recall over the key's classes, C
    # its chance value (docs/grading.md). Chance: part-1 (commentary units accepting 2, 1, 2, 2
    # labels; 3 sourced units accepting 1) ((7/16) + (3/12)) / 2 = 0.34375; part-2 0.4583;
    # part-3 0.3125; part-4 0.2863.
    # bob part-1: commentary 4/4, sourced 1/3 (p53s1, p54s1 wrong): R = (1 + 1/3) / 2 = 2/3,
    # 7.5 x (2/3 - 0.34375) / 0.65625 = 3.69. part-2 all right: 7.5. part-3: sourced 4/4,
    # commentary 0/1: R = 0.5, 5 x (0.5 - 0.3125) / 0.6875 = 1.36. part-4: sourced 1/1,
    # commentary 3/3, meta 24/25, claim 0/2: R = 0.74, 10 x (0.74 - 0.2863) / 0.7137 = 6.36.
    assert rows["bob-partial"].startswith("bob-partial,18.91,30,63,3.69,7.5,1.36,6.36,ok,")
    # mallory labels everything claim (meta from paragraph 70): part-1 commentary 3/4 (claim
    # accepted for three), sourced 0/3: R = 0.375, 7.5 x 0.03125 / 0.65625 = 0.36; part-4
    # meta 24/25 and claim 2/2, the rest 0: R = 0.49, 10 x 0.2037 / 0.7137 = 2.85.
    assert rows["mallory-cheat-attempt"].startswith(
        "mallory-cheat-attempt,3.79,30,12.6,0.36,0.58,0,2.85,ok,")
    assert rows["mallory-cheat-attempt"].endswith(",30,MISMATCH")
    assert rows["carol-accepted-alternatives"].startswith("carol-accepted-alternatives,30,30,100,")
    # hugo: two unknown labels in part-1 (commentary 2/4, sourced 3/3): R = 0.75,
    # 7.5 x (0.75 - 0.34375) / 0.65625 = 4.64; the other parts right.
    assert rows["hugo-unknown-labels-and-ids"].startswith(
        "hugo-unknown-labels-and-ids,27.14,30,90.5,4.64,7.5,5,10,ok,")
    for student, status in [("dan-missing-file", "missing"), ("erin-corrupt", "corrupt"),
                            ("frank-other-assignment", "foreign"),
                            ("gina-not-an-answers-file", "foreign"),
                            ("ivy-huge-file", "too-large"), ("quinn-absent", "not-submitted"),
                            ("nina-not-autograded", "ok; not-autograded")]:
        assert f",{status}," in rows[student]
        if status not in ("ok; not-autograded",):
            assert rows[student].startswith(f"{student},0,30,0,0,0,0,0,")


def test_cli_grade_uses_the_notebooks_scoring(golden_course, monkeypatch):
    """For every readable golden submission, each section's points equal what the notebook's
    hidden test (readkit.autograde.score_section) returns for the same answers.json."""
    grades = gradebook.grade_assignment(golden_course, ASSIGNMENT)
    monkeypatch.setenv("READKIT_COURSE", str(golden_course))
    checked = 0
    for grade in grades.students:
        folder = golden_course / "grading" / "submitted" / grade.student / ASSIGNMENT
        if not folder.is_dir():
            continue
        monkeypatch.chdir(folder)
        for section, points in grade.section_points.items():
            with contextlib.redirect_stdout(io.StringIO()):
                assert autograde.score_section(ASSIGNMENT, section) == points, grade.student
            checked += 1
    assert checked == 4 * 14


def test_sqlite_reader_equals_nbgrader_api(golden_course):
    location = gradebook.gradebook_location(golden_course)
    sections = list(SECTION_POINTS)
    fast = gradebook.read_gradebook(location, ASSIGNMENT, sections)
    api = gradebook.read_gradebook(location, ASSIGNMENT, sections, use_api=True)
    assert fast.state == api.state == "ok"
    assert fast.scores == api.scores
    assert fast.cells == api.cells == {s: (NOTEBOOK, f"{s}-grade") for s in sections}
    assert fast.names == api.names
    assert fast.scores["mallory-cheat-attempt"] == {"part-1": 7.5, "part-2": 7.5,
                                                    "part-3": 5.0, "part-4": 10.0}
    assert fast.scores["rita-autograde-crashed"] == dict.fromkeys(sections)
    assert "nina-not-autograded" not in fast.scores


def test_units_csv(golden_course):
    grades = gradebook.grade_assignment(golden_course, ASSIGNMENT)
    _, units_csv = gradebook.write_grades(grades)
    lines = units_csv.read_text().splitlines()
    assert lines[0] == "student,section,unit_id,chosen,correct"
    assert len(lines) - 1 == 53 * 14  # every submission (not quinn, who handed nothing in)
    assert "bob-partial,part-2,p55s1,sourced,1" in lines  # an accepted alternative
    assert "bob-partial,part-1,p53s1,claim,0" in lines
    assert "oscar-empty,part-1,p51s1,,0" in lines  # not labelled
    assert "hugo-unknown-labels-and-ids,part-1,p51s2,,0" in lines  # unknown label dropped
    assert "dan-missing-file,part-4,p80s1,,0" in lines


def test_no_gradebook_is_reported_and_not_created(tmp_path, capsys):
    root = make_course(tmp_path)
    hand_in(root, "alice", "alice-perfect.json")
    hand_in(root, "erin", "erin-corrupt.json")
    assert gradebook.run(parse([ASSIGNMENT, "--course", str(root)])) == 0
    out = capsys.readouterr().out
    assert "Cross-check with nbgrader skipped: no nbgrader gradebook at" in out
    assert not (root / "grading" / "gradebook.db").exists()
    rows = (root / "grading" / "reports" / ASSIGNMENT / "grades.csv").read_text().splitlines()
    assert rows[1].startswith("alice,30,30,100,7.5,7.5,5,10,ok; no-gradebook,")
    assert rows[2].startswith("erin,0,30,0,0,0,0,0,corrupt; no-gradebook,")


def test_clear_errors(tmp_path, capsys):
    root = make_course(tmp_path)
    assert gradebook.run(parse(["02-trace-the-numbers", "--course", str(root)])) == 2
    assert "data/sections.csv has no sections for '02-trace-the-numbers'" in capsys.readouterr().err
    assert gradebook.run(parse([ASSIGNMENT, "--course", str(tmp_path / "nowhere")])) == 2
    assert "is not a course folder" in capsys.readouterr().err
    # no submissions at all: graded nothing, said so, no crash
    assert gradebook.run(parse([ASSIGNMENT, "--course", str(root)])) == 0
    assert "No submissions found" in capsys.readouterr().out


@pytest.mark.parametrize("cell, source, expected", [
    ("part-1-grade", grade_cell_source("part-3"), "part-3"),  # the source wins over the name
    ("anything", 'g.score_section(ASSIGNMENT, "part-2")', "part-2"),
    ("grade-part-4", None, "part-4"),
    ("part-10-grade", None, None),
    ("rewrite-choice-grade", 'grading.score_rewrite_choice("a", "part-1")', None),
])
def test_match_section(cell, source, expected):
    assert gradebook.match_section(cell, source, list(SECTION_POINTS)) == expected


def test_write_answers_roundtrip_is_graded(tmp_path):
    """A file written by the Sorter's own writer is graded (and ids outside the sections are
    ignored without a note)."""
    root = make_course(tmp_path)
    folder = root / "grading" / "submitted" / "zoe" / ASSIGNMENT
    folder.mkdir(parents=True)
    answers = {"p01s1": "meta", "p64s1": "sourced", "p65s1": "commentary", "p66s1": "meta",
               "p68s1": "claim"}
    write_answers(folder / "answers.json", ASSIGNMENT, answers)
    grades = gradebook.grade_assignment(root, ASSIGNMENT)
    (zoe,) = grades.students
    # part-4: sourced 1/1, commentary 1/3, meta 1/25, claim 1/2: R = 0.4683, chance 0.2863,
    # 10 x (0.4683 - 0.2863) / 0.7137 = 2.55.
    assert zoe.status == "ok" and zoe.reason == "" and zoe.section_points["part-4"] == 2.55
