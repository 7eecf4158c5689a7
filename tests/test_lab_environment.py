"""The README's "Use your own article" from the environment `make lab` makes, and nothing else
(issue 25), and adding an article keeps the content tests green. In a fresh copy of the course
(every file git tracks or would add, as the working tree has it, a notebook a learner ran as
git holds it: tests/support/course_copy.py), `make .venv/.installed-lab`
(the lab's install: the instructor and authoring extras, no test extra), then with that venv's
tools only, on a short local-news article with its furniture at the top
(tests/fixtures/articles/local-paper.*):

    readkit new-article ashcombe-allotments local-paper.html        (a saved page)
    readkit new-article ashcombe-allotments-text local-paper.txt    (a text file)
    the author mode's KeyEditor: every label, accepted alternative, source, rationale and the
        split of the teacher's key, every draft confirmed
    readkit validate; readkit new-lesson (run headless with the venv's jupyter);
    readkit new-assignment; make release (nbgrader: every assignment, the seed ones byte for
        byte as committed)

then the test modules whose checks read the course's content (its lessons, assignments,
articles, docs, learner package and release) run again, with this run's pytest, in that copy
and on its own package: every one passes, so no test pins how many articles, lessons or
assignments the course has, and the teacher's lesson, assignment and article are among what
they checked. Then, with the lab venv's tools again: readkit autograde (sandboxed); readkit
grade; readkit report, with exact scores for a perfect and an all-wrong learner.

Slow: a venv installed from scratch (uv's cache is used as `make lab` uses it), nbgrader
releases every assignment twice (make release, then the content tests), every lesson runs
headless: about 100 s of CPU, two to four minutes on two cores. (This test and the teacher's
chain with the content tests were two tests, each with its own copy, chain and release.)
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from readkit.course.labels import LABELS
from readkit.course.tables import read_table
from tests.support.course_copy import (
    ROOT,
    committed,
    copy_of_the_course,
    is_git_checkout,
    tracked_files,
)

pytestmark = [pytest.mark.slow, pytest.mark.nbgrader, pytest.mark.sandbox]

FIXTURES = ROOT / "tests" / "fixtures" / "articles"
# not articles any test adds itself (allotments, harbour-bridge): the content tests run beside them
SLUG, TEXT_SLUG = "ashcombe-allotments", "ashcombe-allotments-text"
# The assignments of the course (solutions/), released with the teacher's new one
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
DRAFT_GOAL = "test_draft_key_benchmark_meets_the_goal_on_every_article_of_the_kit"
ROUND_TRIP = "test_loading_and_saving_changes_no_byte_of_the_courses_articles"
# The modules whose checks depend on what the course holds.
CONTENT_TESTS = (
    "tests/test_lessons.py", "tests/test_release.py", "tests/test_generators.py",
    "tests/test_short_article.py", "tests/test_data.py", "tests/test_docs.py",
    "tests/test_content.py", "tests/test_kit_articles.py", "tests/test_learner_package.py",
    "tests/test_notebooks_clean.py", "tests/test_show.py", "tests/test_selfcheck.py",
    "tests/test_source_kinds.py",
    f"tests/test_authoring.py::{DRAFT_GOAL}", f"tests/test_author_mode.py::{ROUND_TRIP}",
    "tests/test_nbgrader_e2e.py::test_release_matches_committed_exercises",
    "tests/test_nbgrader_e2e.py::test_released_notebooks_have_no_answers_key_or_hidden_tests",
)
KEY = {row["unit_id"]: row for row in read_table(FIXTURES / "local-paper-key.csv").rows}
ASSESSMENT = {unit: row for unit, row in KEY.items() if row["split"] == "assessment"}
# Runs in the lab's python: the fixture key through the KeyEditor (readkit's own API).
LABEL_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from readkit.authoring.key_editor import KeyEditor
from tests.support.author_key import label_with_key_editor
for slug in sys.argv[2:]:
    label_with_key_editor(KeyEditor.load(Path("data/articles") / slug), "local-paper")
"""


def lab_environment(home: Path) -> dict[str, str]:
    """The caller's environment without this test run's venv: PATH without it, no
    VIRTUAL_ENV, PYTHONPATH or READKIT_COURSE. HOME stays (pip's cache is there)."""
    ours = {str(Path(sys.executable).parent), str(ROOT / ".venv" / "bin")}
    variables = {name: value for name, value in os.environ.items()
                 if name not in ("VIRTUAL_ENV", "PYTHONPATH", "READKIT_COURSE",
                                 "PIP_NO_CACHE_DIR", "PYTHONHOME")}
    variables["PATH"] = os.pathsep.join(entry for entry in os.environ.get("PATH", "").split(
        os.pathsep) if entry and entry not in ours)
    variables.setdefault("HOME", str(home))
    return variables


def run(command: list, cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (f"{' '.join(map(str, command))} failed:\n"
                                  f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def content_test_environment(course: Path) -> dict[str, str]:
    """This test run's venv (with the test extra) on the copy's own package: PYTHONPATH is the
    copy's src/ (so Course.default() is the copy), this venv's tools first, no
    READKIT_COURSE."""
    variables = dict(os.environ)
    variables.pop("READKIT_COURSE", None)
    variables.update(PYTHONPATH=str(course / "src"),
                     PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                           variables.get("PATH", "")]))
    return variables


def results(report: Path) -> dict[str, str]:
    """test id (module::name[param]) -> passed, failed, error or skipped, from a junit file."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = next((child.tag for child in case
                        if child.tag in ("failure", "error", "skipped")), "passed")
        module = case.get("classname", "").rsplit(".", 1)[-1]
        found[f"{module}::{case.get('name')}"] = outcome
    return found


def wrong_label(row: dict[str, str]) -> str:
    accepted = {row["label"], *filter(None, row["accept"].split("|"))}
    return next(label for label in LABELS if label not in accepted)


def test_own_article_steps_from_the_lab_environment_alone_keep_the_content_tests_green(
        tmp_path):
    if not is_git_checkout():
        pytest.skip("the fresh copy is made from git's list of files: not a git checkout")
    course = copy_of_the_course(tmp_path / "course")
    env = lab_environment(tmp_path)
    run(["make", ".venv/.installed-lab"], course, env, timeout=1200)
    bin_ = course / ".venv" / "bin"
    # the lab's install only: no test extra
    assert not (course / ".venv" / ".installed-test").exists()
    assert subprocess.run([bin_ / "python", "-c", "import pytest"], env=env,
                          capture_output=True).returncode != 0
    # from here on, the lab venv's tools (the Makefile puts them first on PATH, so does this)
    env = dict(env, PATH=os.pathsep.join([str(bin_), env["PATH"]]))

    def readkit(*args: str) -> str:
        return run([bin_ / "readkit", *args], course, env)

    readkit("new-article", SLUG, FIXTURES / "local-paper.html")
    readkit("new-article", TEXT_SLUG, FIXTURES / "local-paper.txt")
    for slug in (SLUG, TEXT_SLUG):
        units = read_table(course / "data" / "articles" / slug / "units.csv").rows
        assert [row["unit_id"] for row in units] == list(KEY)
    run([bin_ / "python", "-c", LABEL_SCRIPT, ROOT, SLUG, TEXT_SLUG], course, env)
    out = readkit("validate")
    assert f"valid: {SLUG}: 26 units" in out and f"valid: {TEXT_SLUG}: 26 units" in out

    lesson = readkit("new-lesson", SLUG).split()[1].rstrip(":")
    run([bin_ / "jupyter", "nbconvert", "--to", "notebook", "--execute", lesson,
         "--output-dir", tmp_path, "--ExecutePreprocessor.timeout=120"], course, env)
    name = readkit("new-assignment", SLUG).split()[1].split("/")[1]
    assert f"Released {', '.join(sorted([*ASSIGNMENTS, name]))} into exercises/" in run(
        ["make", "release"], course, env)
    # the seed assignments' release stays byte for byte the committed one
    for seed in ASSIGNMENTS:
        for held in tracked_files(ROOT / "exercises" / seed):
            made = course / "exercises" / held.relative_to(ROOT / "exercises")
            assert made.read_bytes() == committed(held), made
    assert (course / "exercises" / name / f"{name}.ipynb").is_file()

    # the content tests, with this run's pytest (the lab venv has none) on the copy's package
    report = tmp_path / "content-tests.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m",
         "not browser and not hub", f"--junitxml={report}", *CONTENT_TESTS],
        cwd=course, env=content_test_environment(course), capture_output=True, text=True,
        timeout=2400)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    outcomes = results(report)
    assert set(outcomes.values()) <= {"passed", "skipped"}
    # the teacher's lesson, assignment and article were among what was checked
    lesson_name = Path(lesson).stem
    for test in (f"test_lessons::test_lesson_runs_headless_without_errors[{lesson_name}]",
                 f"test_lessons::test_opens_with_objectives_standards_and_time[{lesson_name}]",
                 f"test_lessons::test_article_text_is_loaded_never_retyped[{lesson_name}]",
                 "test_lessons::test_readme_lists_every_lesson",
                 "test_release::test_release_runs_generate_assignment_per_assignment",
                 "test_release::test_committed_notebooks_points_match_what_they_can_score",
                 "test_nbgrader_e2e::test_release_matches_committed_exercises",
                 "test_data::test_validate_passes_on_repo_data",
                 "test_source_kinds::test_every_source_of_the_kit_has_one_of_the_kinds",
                 f"test_authoring::{DRAFT_GOAL}", f"test_author_mode::{ROUND_TRIP}"):
        assert outcomes.get(test) == "passed", test

    released = (course / "exercises" / name / f"{name}.ipynb").read_text(encoding="utf-8")

    chosen = {"learner-perfect": {u: row["label"] for u, row in ASSESSMENT.items()},
              "learner-all-wrong": {u: wrong_label(row) for u, row in ASSESSMENT.items()}}
    for student, labels in chosen.items():
        hand_in = course / "grading" / "submitted" / student / name
        hand_in.mkdir(parents=True)
        (hand_in / f"{name}.ipynb").write_text(released, encoding="utf-8")
        (hand_in / "answers.json").write_text(json.dumps(
            {"version": 1, "article": SLUG, "assignment": name, "answers": labels}),
            encoding="utf-8")
    out = readkit("autograde", name, "--jobs", "2")
    assert "Autograded 2 of 2 submission(s)" in out and "WITHOUT a sandbox" not in out
    readkit("grade", name)
    grades = {row["student"]: row for row in
              read_table(course / "grading" / "reports" / name / "grades.csv").rows}
    assert {student: float(row["points"]) for student, row in grades.items()} == {
        "learner-perfect": 10.0, "learner-all-wrong": 0.0}
    assert all(row["status"] == "ok" and float(row["max"]) == 10.0 for row in grades.values())
    readkit("report", name)
    page = next((course / "grading" / "reports" / name).rglob("index.html")).read_text(
        encoding="utf-8")
    assert "learner-perfect" in page and "learner-all-wrong" in page
