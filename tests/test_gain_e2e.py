"""The pre-test and the post-test through real nbgrader, sandboxed (issue 21's acceptance).

- The demo's class (readkit.demo, `make demo` without 01): both tests released with
  nbgrader, 31 simulated learners whose ability rises by a known amount between them hand in
  the pre-test, 30 of them the post-test, each on the form the counterbalancing plan gives
  them; `readkit autograde` grades them in the sandbox, `readkit gain` compares them. Its mean
  gain must be the one counted independently from the files handed in (within rounding), its
  interval must exclude 0, and the learner with only a pre-test must be listed.
- A learner's path through the exchange: the instructor releases the pre-test, a learner
  fetches it and runs its notebook (the form cell and the Sorters; the id from JUPYTERHUB_USER,
  as on a hub), labels the form shown and submits; the instructor collects and autogrades. The
  notebook ran under another learner's hub name, so the file is on the other form than the plan
  gives the account that handed it in: it is graded as made, and flagged.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import get_username

from readkit import demo
from readkit.course.answers import write_answers
from readkit.course.course import Course
from readkit.grading import trusted
from tests.support.independent_scoring import total_points as independent_points

pytestmark = [pytest.mark.nbgrader, pytest.mark.sandbox]

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PRE, POST = "00-pre-test", "03-post-test"
STUDENTS = 31  # 30 take both tests, the last only the pre-test


def readkit(root: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run([str(BIN / "readkit"), *args, "--course", str(root)], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def demo_class(tmp_path_factory):
    out = tmp_path_factory.mktemp("gain-e2e") / "course"
    lines = []
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("READKIT_COURSE", raising=False)
        patch.setenv("PATH", os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
        page = demo.run_demo(students=STUDENTS, out=out, jobs=2, source=ROOT, say=lines.append,
                             unit=False, tests=True)
    return out, page, lines


def independent_gains(root: Path) -> dict[str, float]:
    """student -> post - pre (% of the test's points), counted from the answers files in
    grading/submitted/ with tests/support/independent_scoring.py."""
    course = Course.open(root)
    slugs = {form.slug: form for form in course.forms}
    scores: dict[str, dict[str, float]] = {}
    for test in (PRE, POST):
        for folder in sorted((root / "grading" / "submitted").iterdir()):
            path = folder / test / "answers.json"
            if not path.is_file():
                continue
            content = json.loads(path.read_text(encoding="utf-8"))
            form = slugs[content["article"]]
            points, most = independent_points(course.data, form.slug, form.parts,
                                              content["answers"])
            scores.setdefault(folder.name, {})[test] = 100 * points / most
    return {s: v[POST] - v[PRE] for s, v in scores.items() if len(v) == 2}


def test_the_demo_class_gains_what_it_was_simulated_to_gain(demo_class):
    root, page, lines = demo_class
    text = "\n".join(lines)
    assert page == root / "grading" / "reports" / f"gain-{PRE}-{POST}" / "index.html"
    assert "WITHOUT a sandbox" not in text
    assert f"Autograded {STUDENTS} of {STUDENTS} submission(s) of {PRE}" in text
    assert f"Autograded {STUDENTS - 1} of {STUDENTS - 1} submission(s) of {POST}" in text
    # the gradebook holds what readkit computes from the files (TrustedScores, sandboxed run)
    assert f"Gradebook check: {STUDENTS} of {STUDENTS} autograded hold these points." in text
    assert "FLAGGED" not in text

    out = readkit(root, "gain", PRE, POST)
    gains = independent_gains(root)
    assert len(gains) == STUDENTS - 1
    mean = sum(gains.values()) / len(gains)
    with (page.parent / "gain.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    for student, expected in gains.items():
        assert float(rows[student]["gain"]) == pytest.approx(expected, abs=0.006), student
    line = next(line for line in out.splitlines() if "mean gain:" in line)
    assert line.startswith(f"  mean gain: {mean:+.1f} points (95% CI ")
    low, high = (float(x) for x in line.split("95% CI ")[1].split(")")[0].split(" to "))
    assert 0 < low < mean < high
    assert f"{STUDENTS - 1} of {STUDENTS} learner(s) took both." in out
    last = demo.learners(STUDENTS)[-1].student
    assert rows[last]["took"] == "pre only"
    assert f"  took only the pre-test: {last} (post-test: no submission)" in out.splitlines()
    # every learner took the form the plan gives them, in the counterbalanced order
    course = Course.open(root)
    for student, row in rows.items():
        planned = course.form_test(PRE).planned_form(student).form.upper()
        assert row["pre_form"] == planned and row["pre_off_plan"] == "False", student
    orders = {r["order"] for r in rows.values() if r["took"] == "both"}
    assert orders == {"A->B", "B->A"}
    assert "form B against form A:" in out
    html = page.read_text(encoding="utf-8")
    assert "There is no control group" in html and "data:image/png;base64," in html


def run_notebook(path: Path, user: str) -> nbformat.NotebookNode:
    """The released notebook run top to bottom in its folder, as `user` on a hub."""
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "JUPYTERHUB_USER": user}
    env.pop("READKIT_COURSE", None)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    saved = dict(os.environ)
    try:  # the kernel inherits this process's environment
        os.environ.clear()
        os.environ.update(env)
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def test_learners_take_the_pre_test_through_the_exchange(tmp_path):
    root = demo.copy_course(ROOT, tmp_path / "course")
    course = Course.open(root)
    exchange, home = tmp_path / "exchange", tmp_path / "home"
    exchange.mkdir(mode=0o777)
    home.mkdir()
    env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
           "HOME": str(home), "READKIT_EXCHANGE": str(exchange)}
    env.pop("READKIT_COURSE", None)

    def nbgrader(*args, cwd=root, student_home=None):
        done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, capture_output=True,
                              text=True, timeout=600, env={**env, "HOME": str(student_home or home)})
        assert done.returncode == 0, done.stderr[-3000:]

    demo.generate_assignment(course, PRE)
    nbgrader("release_assignment", PRE)
    plan = trusted.SorterAssignment.from_course(course, PRE)
    test = course.form_test(PRE)
    me = get_username()  # nbgrader's id of whoever submits from this machine's account
    # Someone else logged in to the hub before (JUPYTERHUB_USER is another learner's): the
    # notebook shows that learner's form, the file is made on it, and the hand-in is this
    # account's, whose plan gives the other form.
    other = next(name for name in ("ann", "cara", "eli", "fay")
                 if test.planned_form(name) != test.planned_form(me))
    learner_home = tmp_path / "learner-home"
    work = learner_home / "work"
    work.mkdir(parents=True)
    nbgrader("fetch_assignment", PRE, "--course=readkit", f"--Exchange.root={exchange}",
             cwd=work, student_home=learner_home)
    folder = work / PRE
    for user in (me, other):  # the notebook as each would see it: their own form
        nb = run_notebook(folder / "pre-test.ipynb", user)
        form = test.planned_form(user)
        title = course.article(form.slug).title
        shown = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                        for o in c.outputs)
        assert f'Your form: {form.form.upper()}, "{title}" (chosen for the user name ' \
               f"'{user}')" in shown
    # the learner labels every sentence of the form shown (the other's) as the key does (the
    # Sorter's saving is tested in test_forms.py; here the file it writes)
    made_on = test.planned_form(other)
    form_plan = plan.forms[made_on.form]
    write_answers(folder / "answers.json", PRE,
                  {u: form_plan.key[u].label for u in form_plan.unit_ids}, made_on.slug)
    nbgrader("submit", PRE, "--course=readkit", f"--Exchange.root={exchange}", cwd=work,
             student_home=learner_home)
    nbgrader("collect", PRE)
    out = readkit(root, "autograde", PRE, "--jobs", "2", env=env)
    assert "Autograded 1 of 1 submission(s)" in out
    readkit(root, "grade", PRE, env=env)
    with (root / "grading" / "reports" / PRE / "grades.csv").open(encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    # graded on the form the file was made on: full marks, the gradebook agrees, and flagged
    assert (row["student"], row["points"], row["gradebook_points"]) == (me, "30", "30")
    assert row["reason"] == (
        f"made on form {made_on.form.upper()}, but the counterbalancing plan gives this "
        f"learner form {test.planned_form(me).form.upper()}: graded on form "
        f"{made_on.form.upper()}, as made (check that the learner worked under their own user "
        "name)")
    shutil.rmtree(root / "grading" / "exchange", ignore_errors=True)
