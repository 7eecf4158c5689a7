"""readkit.nbgrader.release: the checks before `nbgrader generate_assignment`, with nbgrader
replaced by a recorder (tests/test_nbgrader_e2e.py runs the real thing)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from readkit.course.course import Course, CourseError
from readkit.nbgrader import release as release_module
from tests.support.grading import REPO

pytestmark = pytest.mark.usefixtures("no_course_variable")
NOTEBOOK_01 = Path("solutions") / "01-sort-the-sources" / "sort-the-sources.ipynb"
# The course's assignments: a folder of solutions/ each (a teacher's new-assignment adds one).
ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())


@pytest.fixture
def course_copy(tmp_path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    for name in ("nbgrader_config.py", "readkit.toml"):
        (root / name).write_bytes((REPO / name).read_bytes())
    for name in ("data", "solutions"):
        shutil.copytree(REPO / name, root / name)
    return root


def fake_nbgrader(monkeypatch, returncode=0, stderr=""):
    calls = []

    def run(command, **kwargs):
        calls.append((command, kwargs))
        return subprocess.CompletedProcess(command, returncode, "", stderr)

    monkeypatch.setattr(release_module.subprocess, "run", run)
    return calls


def set_points(root: Path, grade_id: str, points: float | None) -> None:
    """Change (None: remove) one grade cell of the 01 notebook."""
    path = root / NOTEBOOK_01
    nb = json.loads(path.read_text())
    kept = []
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            if points is None:
                continue
            cell["metadata"]["nbgrader"]["points"] = points
        kept.append(cell)
    nb["cells"] = kept
    path.write_text(json.dumps(nb))


def test_release_runs_generate_assignment_per_assignment(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    result = release_module.release(Course.open(course_copy))
    assert result.ok, result.error
    assert result.released == ASSIGNMENTS
    assert [c[0][-3:] for c in calls] == [
        ["generate_assignment", name, "--force"] for name in ASSIGNMENTS]
    command, options = calls[0]
    assert options["cwd"] == course_copy.resolve()
    assert options["env"]["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def test_release_reports_nbgrader_failure(course_copy, monkeypatch):
    fake_nbgrader(monkeypatch, returncode=1, stderr="line\n" * 20 + "ValueError: boom\n")
    result = release_module.release(Course.open(course_copy), ["02-trace-the-numbers"])
    assert not result.ok and result.released == []
    assert "nbgrader generate_assignment 02-trace-the-numbers failed (exit 1)" in result.error
    assert result.error.rstrip().endswith("ValueError: boom")


def test_release_refuses_an_answers_file_in_the_source(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    (course_copy / "solutions" / "01-sort-the-sources" / "answers.json").write_text("{}")
    result = release_module.release(Course.open(course_copy))
    assert not result.ok and calls == []
    assert "solutions/01-sort-the-sources/answers.json would be released to every learner" in (
        result.error)


def test_release_refuses_points_that_do_not_match(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    set_points(course_copy, "part-3-grade", 4.0)
    set_points(course_copy, "rewrite-choice-grade", 2.0)
    result = release_module.release(Course.open(course_copy))
    assert not result.ok and calls == []
    assert "cell part-3-grade is worth 4 points but can score up to 13: make them equal" in (
        result.error)
    assert "cell rewrite-choice-grade is worth 2 points but can score up to 1" in result.error


def test_a_tests_grade_cells_carry_the_points_of_its_forms_parts(course_copy, monkeypatch):
    """00-pre-test has no sections.csv rows of its own: its parts are the forms' (15 each)."""
    calls = fake_nbgrader(monkeypatch)
    path = course_copy / "solutions" / "00-pre-test" / "pre-test.ipynb"
    path.write_text(path.read_text().replace('"points": 15.0', '"points": 10.0', 1))
    result = release_module.release(Course.open(course_copy), ["00-pre-test"])
    assert not result.ok and calls == []
    assert "pre-test.ipynb cell part-1-grade is worth 10 points but can score up to 15" in (
        result.error)


def test_release_refuses_a_part_without_its_grade_cell(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    set_points(course_copy, "part-2-grade", None)
    result = release_module.release(Course.open(course_copy))
    assert not result.ok and calls == []
    assert "sort-the-sources.ipynb has no grade cell part-2-grade for part-2" in result.error


def test_release_refuses_a_bad_settings_file(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    (course_copy / "readkit.toml").write_text("[feedback]\nshow_key = 'yes'\n")
    result = release_module.release(Course.open(course_copy))
    assert not result.ok and calls == []
    assert "show_key must be true or false" in result.error


def test_release_unknown_assignment(course_copy, monkeypatch):
    fake_nbgrader(monkeypatch)
    assert "solutions/99-nothing does not exist" in release_module.release(
        Course.open(course_copy), ["99-nothing"]).error


def test_not_a_course(tmp_path):
    with pytest.raises(CourseError, match="not a course folder"):
        Course.open(tmp_path)


def test_validate_course_flags_sections_outside_the_assessment_split(course_copy):
    assert release_module.validate_course(Course.open(course_copy)) == []
    sections = course_copy / "data" / "articles" / "raqqa-2021" / "sections.csv"
    sections.write_text(sections.read_text().replace(",51,55,", ",1,55,"))
    [problem] = release_module.validate_course(Course.open(course_copy))
    assert problem.startswith(
        "data/articles/raqqa-2021/sections.csv row 2: section part-1 of 01-sort-the-sources "
        "covers units that are not in the assessment split: p01s1, p02s1")


def test_committed_notebooks_points_match_what_they_can_score():
    course = Course.open(REPO)
    notebooks = sorted((REPO / "solutions").glob("*/*.ipynb"))
    assert sorted({notebook.parent.name for notebook in notebooks}) == ASSIGNMENTS
    for notebook in notebooks:
        assert release_module.check_grade_cells(course, notebook.parent.name, notebook) == []
    assert not list((REPO / "solutions").rglob("answers.json"))
