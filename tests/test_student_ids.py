"""Student ids: the one check (readkit.nbgrader.student_ids) and where it refuses a folder name
(`readkit autograde`, `readkit grade`); what those commands print of learner-chosen names goes
through `printable`, so a folder named with terminal escape sequences cannot forge a line."""

from __future__ import annotations

import argparse
import html
import shutil
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readkit.course.safe_text import csv_cell, printable
from readkit.nbgrader import autograde, student_ids
from readkit.results import grade
from tests.support.grading import ASSIGNMENT, REPO, hand_in, make_course

SAFE = ["ada", "rk-learner01", "b.lovelace", "j_doe", "_svc", "ada@example.org", "0042",
        "a" * student_ids.MAX_LENGTH]
UNSAFE = [
    "", " ", "a" * (student_ids.MAX_LENGTH + 1),
    "<svg onload=alert(1)>", 'rk";alert(1);"', "x'y", "a b", "a/b", "..", ".hidden", "-rf",
    "@formula", "=1+1", "+plus", "ada+01-sort-the-sources", "ada\n", "ada\x1b[2J",
    "\x1b[2J\x1b[1;1HAutograded 30 of 30", "café", "ada\u202e", "latin1-\udcff", "a\\b",
    "a%2fb", "a;b", "a&b", "a#b", "a?b", "a*b",
]


@pytest.mark.parametrize("student", SAFE)
def test_safe_ids_pass(student):
    assert student_ids.problem(student) is None and student_ids.is_safe(student)


@pytest.mark.parametrize("student", UNSAFE)
def test_unsafe_ids_are_refused_with_the_rule(student):
    message = student_ids.problem(student)
    assert message == f"student id refused ({student_ids.RULE})"


@given(st.text(max_size=80))
def test_an_accepted_id_needs_no_escaping_anywhere(text):
    """Whatever passes is the same in HTML, a script string, a URL path, the terminal and a
    spreadsheet: nothing downstream has to escape it."""
    if student_ids.is_safe(text):
        assert html.escape(text) == text and printable(text) == text
        assert csv_cell(text) == text
        assert urllib.parse.quote(text, safe="@") == text
        assert "+" not in text and "/" not in text and not text.startswith((".", "-"))


ESCAPE_NAME = "\x1b[2J\x1b[1;1HAutograded 30 of 30 submission(s): all OK"
HTML_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A released-looking course (solutions/, a gradebook file) with hand-ins from an honest
    learner and from two folders named with what is not a student id."""
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    root = make_course(tmp_path)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    (root / "grading" / "gradebook.db").touch()
    for student in ("ada", ESCAPE_NAME, HTML_NAME):
        hand_in(root, student, "alice-perfect.json")
    return root


def test_autograde_refuses_them_and_prints_nothing_raw(course, capsys, monkeypatch):
    """They never reach nbgrader (no worker starts for them); the progress lines and the
    "Failed" summary show the names escaped, so no fake "all OK" line appears."""
    from readkit.sandbox import bubblewrap

    monkeypatch.setattr(bubblewrap, "sandbox_available", lambda: None)
    parser = argparse.ArgumentParser()
    autograde.add_arguments(parser)
    args = parser.parse_args([ASSIGNMENT, "--course", str(course), "--student", ESCAPE_NAME,
                              "--student", HTML_NAME])
    assert autograde.run(args) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    shown = printable(ESCAPE_NAME)
    assert shown.startswith("\\x1b[2J\\x1b[1;1HAutograded")
    reason = (f"not autograded: student id refused ({student_ids.RULE}); "
              f"{student_ids.RENAME_FOLDER}")
    assert f"[1/2] FAILED {shown} (0.0 s): {reason}" in out
    assert f"[2/2] FAILED {HTML_NAME} (0.0 s): {reason}" in out
    assert "Autograded 0 of 2 submission(s)" in out
    assert f"  {shown}: {reason}" in out.splitlines()
    assert not (course / "grading" / "autograded").exists()


def test_summary_of_a_worker_failure_is_printable():
    summary = autograde.AutogradeSummary(ASSIGNMENT, 1, runs=[
        autograde.StudentRun("ada", False, 1.0, error="nbgrader said \x1b[31mred\x1b[0m\nOK")])
    lines = autograde.summary_lines(summary)
    assert lines[-1] == "  ada: nbgrader said \\x1b[31mred\\x1b[0m\\nOK"


def test_grade_gives_them_a_refused_row_and_grades_the_rest(course, capsys):
    parser = argparse.ArgumentParser()
    grade.add_arguments(parser)
    assert grade.run(parser.parse_args([ASSIGNMENT, "--course", str(course)])) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert (f"file not usable (2): {printable(ESCAPE_NAME)} (refused-id), "
            f"{HTML_NAME} (refused-id)") in out
    rows = {row["student"]: row for row in _csv(course)}
    assert rows["ada"]["part-4"] == "10" and rows["ada"]["status"].startswith("ok")
    for name in (printable(ESCAPE_NAME), HTML_NAME):
        assert rows[name]["points"] == "0" and rows[name]["status"] == "refused-id"
        assert rows[name]["reason"] == (f"student id refused ({student_ids.RULE}); not graded: "
                                        f"{student_ids.RENAME_FOLDER}")


def _csv(root):
    import csv

    path = root / "grading" / "reports" / ASSIGNMENT / "grades.csv"
    return list(csv.DictReader(path.open(encoding="utf-8")))


@pytest.mark.parametrize("student", SAFE + UNSAFE)
def test_collect_applies_the_same_check(student):
    from readkit.nbgrader.collect import student_id_problem

    found = student_id_problem(student)
    assert (found is None) == student_ids.is_safe(student)
    if found:
        assert found == (f"the student id {printable(student)!r} is not a safe name "
                         f"({student_ids.RULE})")
