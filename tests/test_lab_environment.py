"""The README's "Use your own article" from the environment `make lab` makes, and nothing else
(issue 25): in a fresh copy of the course, `make .venv/.installed-lab` (the lab's install: the
instructor and authoring extras, no test extra), then with that venv's tools only, on a short
local-news article with its furniture at the top (tests/fixtures/articles/local-paper.*):

    readkit new-article allotments local-paper.html        (a saved page)
    readkit new-article allotments-text local-paper.txt    (a text file)
    the author mode's KeyEditor: the teacher's key, every draft confirmed
    readkit validate; readkit new-lesson (run headless with the venv's jupyter);
    readkit new-assignment; make release; readkit autograde (sandboxed); readkit grade;
    readkit report

with exact scores for a perfect and an all-wrong learner. Slow: a venv installed from scratch
(pip's own cache, ~/.cache/pip, is used as `make lab` uses it), about three to five minutes.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from readkit.course.labels import LABELS
from readkit.course.tables import read_table
from tests.support.course_copy import ROOT, copy_of_the_course, is_git_checkout

pytestmark = [pytest.mark.slow, pytest.mark.nbgrader, pytest.mark.sandbox]

FIXTURES = ROOT / "tests" / "fixtures" / "articles"
SLUG, TEXT_SLUG = "allotments", "allotments-text"
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


def wrong_label(row: dict[str, str]) -> str:
    accepted = {row["label"], *filter(None, row["accept"].split("|"))}
    return next(label for label in LABELS if label not in accepted)


def test_own_article_steps_from_the_lab_environment_alone(tmp_path):
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
    assert f", {name} into exercises/" in run(["make", "release"], course, env)
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
