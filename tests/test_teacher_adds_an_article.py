"""Adding an article keeps the tests green (issue 25): no test pins how many articles, lessons or
assignments the course has. On a copy of this course (every file git tracks or would add, as the
working tree has it), a teacher's whole chain as the README's "Use your own article" runs it:

    readkit new-article ashcombe-allotments tests/fixtures/articles/local-paper.txt
    the author mode's KeyEditor: every label, accepted alternative, source, rationale and the
        split of tests/fixtures/articles/local-paper-key.csv, every draft confirmed
    readkit validate; readkit new-lesson; readkit new-assignment; readkit release (nbgrader)

then the test modules whose checks read the course's content (its lessons, assignments,
articles, docs, learner package and release) run again, with pytest, in that copy and on its
own package: every one passes, and the teacher's lesson, assignment and article are among what
they checked.

Slow (about five minutes on two cores: nbgrader releases every assignment twice, every lesson
runs headless), and `nbgrader` as it runs nbgrader.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from readkit.authoring.key_editor import KeyEditor
from tests.support.author_key import label_with_key_editor
from tests.support.course_copy import copy_of_the_course, is_git_checkout

pytestmark = [pytest.mark.slow, pytest.mark.nbgrader,
              pytest.mark.usefixtures("no_course_variable")]

ROOT = Path(__file__).resolve().parents[1]
SLUG = "ashcombe-allotments"  # not an article any test adds itself (allotments, harbour-bridge)
FIXTURE = ROOT / "tests" / "fixtures" / "articles" / "local-paper.txt"
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


def environment(copy: Path) -> dict[str, str]:
    """The copy's own package first on the path (so Course.default() is the copy), the venv's
    tools, no READKIT_COURSE."""
    variables = dict(os.environ)
    variables.pop("READKIT_COURSE", None)
    variables.update(PYTHONPATH=str(copy / "src"),
                     PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                           variables.get("PATH", "")]))
    return variables


def readkit(copy: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "readkit.cli", *args], cwd=copy,
                          env=environment(copy), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"readkit {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def results(report: Path) -> dict[str, str]:
    """test id (module::name[param]) -> passed, failed, error or skipped, from a junit file."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = next((child.tag for child in case
                        if child.tag in ("failure", "error", "skipped")), "passed")
        module = case.get("classname", "").rsplit(".", 1)[-1]
        found[f"{module}::{case.get('name')}"] = outcome
    return found


def test_a_teachers_article_lesson_and_assignment_keep_the_content_tests_green(tmp_path):
    if not is_git_checkout():
        pytest.skip("the course copy is made from git's list of files: not a git checkout")
    copy = copy_of_the_course(tmp_path / "course")

    readkit(copy, "new-article", SLUG, str(FIXTURE))
    label_with_key_editor(KeyEditor.load(copy / "data" / "articles" / SLUG), "local-paper")
    assert readkit(copy, "validate", SLUG).startswith(f"valid: {SLUG}: 26 units")
    lesson = readkit(copy, "new-lesson", SLUG).split()[1].removeprefix("lessons/").rstrip(":")
    assignment = readkit(copy, "new-assignment", SLUG).split()[1].split("/")[1]
    assert (copy / "lessons" / lesson).is_file()
    assert f"{assignment} into exercises/" in readkit(copy, "release")

    report = tmp_path / "content-tests.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m",
         "not browser and not hub", f"--junitxml={report}", *CONTENT_TESTS],
        cwd=copy, env=environment(copy), capture_output=True, text=True, timeout=2400)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    outcomes = results(report)
    assert set(outcomes.values()) <= {"passed", "skipped"}
    # the teacher's lesson, assignment and article were among what was checked
    name = lesson.removesuffix(".ipynb")
    for test in (f"test_lessons::test_lesson_runs_headless_without_errors[{name}]",
                 f"test_lessons::test_opens_with_objectives_standards_and_time[{name}]",
                 f"test_lessons::test_article_text_is_loaded_never_retyped[{name}]",
                 "test_lessons::test_readme_lists_every_lesson",
                 "test_release::test_release_runs_generate_assignment_per_assignment",
                 "test_release::test_committed_notebooks_points_match_what_they_can_score",
                 "test_nbgrader_e2e::test_release_matches_committed_exercises",
                 "test_data::test_validate_passes_on_repo_data",
                 "test_source_kinds::test_every_source_of_the_kit_has_one_of_the_kinds",
                 f"test_authoring::{DRAFT_GOAL}", f"test_author_mode::{ROUND_TRIP}"):
        assert outcomes.get(test) == "passed", test
    assert (copy / "exercises" / assignment / f"{assignment}.ipynb").is_file()
