"""Fixtures shared by the grading tests (test_grade.py, test_report.py, ...). The plain helper
functions live in tests/support/grading.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.grading import (
    ASSIGNMENT,
    GOLDEN,
    build_gradebook,
    hand_in,
    hand_in_notebook,
    make_course,
    read_cases,
)

# The tiers: heavy tests marked from the fixtures they use, and checked while they run.
pytest_plugins = ("tests.support.tiers", "pytester")


@pytest.fixture
def no_course_variable(monkeypatch):
    """Nothing from the caller's environment chooses the course (READKIT_COURSE unset)."""
    monkeypatch.delenv("READKIT_COURSE", raising=False)


@pytest.fixture
def course_root(tmp_path, no_course_variable) -> Path:
    """A fresh course (real config, data and solutions, empty grading/) in tmp_path."""
    return make_course(tmp_path, solutions=True)


@pytest.fixture(scope="session")
def golden_cases() -> dict:
    return read_cases(GOLDEN / "grade")


def huge_file() -> bytes:
    """A real answers file padded to 1.2 MB: above the reader's 1 MB limit."""
    return json.dumps({"version": 1, "assignment": ASSIGNMENT,
                       "answers": {"p46s1": "commentary"}, "padding": "x" * 1_200_000}).encode()


@pytest.fixture(scope="session")
def golden_course(tmp_path_factory, golden_cases) -> Path:
    """The submissions of tests/golden/grade/ with their gradebook, built once per session.
    Tests may write reports into it but change no input."""
    root = make_course(tmp_path_factory.mktemp("golden"), solutions=True)
    students = golden_cases["students"]
    for student, case in students.items():
        if not case.get("roster_only"):
            hand_in(root, student, huge_file() if case["answers"] == "HUGE" else case["answers"])
        if "choice" in case:
            hand_in_notebook(root, student, case["choice"])
    build_gradebook(
        root,
        {s: c["nbgrader"] for s, c in students.items() if not c.get("roster_only")},
        roster_only=[s for s, c in students.items() if c.get("roster_only")],
    )
    return root
