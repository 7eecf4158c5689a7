"""Nothing a learner hands in runs as script in the instructor's browser (issue 20): real
nbgrader, the JupyterLab server of `make lab-instructor` (readkit.lab's configuration, without a
token as the browser harness runs test servers) and headless Chromium.

One temporary course, assignment 01. The learner `mallory` hands in the released notebook with
tests/fixtures/submissions/hostile-html/: a markdown cell of her own with script every way raw
HTML allows it, the same in the manually graded answer cell (the rewrite), and a code cell whose
outputs are an HTML `<script>` and `<img onerror>`, an SVG with onload, JavaScript, markdown with
raw HTML, "isolated" HTML, a printed tag, and images whose metadata puts handlers in their
unquoted width and height (display data and a result) and an external source. Two more folders are named with HTML
(`<svg onload=...>`, `rk";...;"`): `readkit autograde` refuses them, and plain nbgrader (as an
instructor who created such a folder by hand would) autogrades them into the gradebook anyway.
Every payload appends to `window.name` (browser-testing.md, "Proving that no learner script runs
in a page"); the ones in mallory's markdown also click every "Full credit" button of the page.

Every formgrader page that shows them (assignments, manage submissions, manual grading down to
each submission, students, each student's assignments and notebooks) is opened in a fresh tab:
no payload ran, no Content-Security-Policy report (nbgrader's own scripts all run under the
policy, and nothing of the learner's was even blocked: it never reached the page as markup),
nbgrader's page did its work (tables filled, scores loaded), the learner's text is on the page,
and afterwards the gradebook holds exactly what autograde wrote. The same for each feedback file
and for the class report, opened from disk (file://).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from readkit.course.course import Course
from readkit.lab import lab_environment, write_lab_config
from readkit.nbgrader.release import release
from tests.browser.conftest import require
from tests.support.browser_harness import jupyter_server
from tests.support.grading import REPO, make_course

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader, pytest.mark.sandbox]

A1, NB1 = "01-sort-the-sources", "sort-the-sources"
FIXTURE = REPO / "tests" / "fixtures" / "submissions" / "hostile-html"
BIN = Path(sys.executable).parent
MALLORY = "mallory"
# Student ids that are HTML: one opens an element with a handler, one closes the string of
# nbgrader's inline `var student_id = "..."` and runs code after it.
SVG_ID = "<svg onload=window.name+='|id-svg'>"
JS_ID = 'rk";window.name+="|id-js";"'
HOSTILE_IDS = (SVG_ID, JS_ID)
# What mallory's markdown does once it runs: press every "Full credit" button of the page.
GRADE = ("setTimeout(function(){document.querySelectorAll('.full-credit')"
         ".forEach(function(b){b.click()})},1500)")
# Text of mallory's that the instructor must still see.
MARKDOWN_TEXT, REWRITE_TEXT = "MARKDOWN-TEXT-VISIBLE", "REWRITE-TEXT-VISIBLE"
OUTPUT_TEXTS = ("OUTPUT-HTML-VISIBLE", "OUTPUT-MARKDOWN-VISIBLE", "OUTPUT-STREAM-VISIBLE")
SETTLE_MS = 3000  # longer than the payloads' own 1.5 s delay
# The attribute names of every image of the page made from an image output (data: source).
IMAGE_ATTRIBUTES = ("[...document.querySelectorAll('.output_png img, .output_jpeg img')]"
                    ".map(i => i.getAttributeNames().sort())")


def fixture_text(name: str) -> str:
    return (FIXTURE / name).read_text(encoding="utf-8").replace("@GRADE@", GRADE)


def answers_file() -> str:
    return json.dumps({"version": 1, "assignment": A1, "answers": {"p51s1": "commentary"}})


def hand_in(root: Path, student: str, nb) -> None:
    folder = root / "grading" / "submitted" / student / A1
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{NB1}.ipynb")
    (folder / "answers.json").write_text(answers_file(), encoding="utf-8")


def hostile_notebook(root: Path):
    nb = nbformat.read(root / "exercises" / A1 / f"{NB1}.ipynb", 4)
    cells = {cell.get("id"): cell for cell in nb.cells}
    cells["rewrite-choice"].source = 'chosen_unit = "p51s2"'
    cells["rewrite-answer"].source = fixture_text("rewrite-answer.md")
    nb.cells.insert(1, new_markdown_cell(fixture_text("markdown-cell.md"), id="mallory-notes"))
    nb.cells.insert(2, new_code_cell(fixture_text("output-cell.py"), id="mallory-outputs"))
    return nb


def run(argv: list[str], root: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=900)


def gradebook_state(root: Path) -> list[tuple]:
    """Every grade and comment of the gradebook: what a payload would change."""
    from nbgrader.api import Gradebook

    url = "sqlite:///" + str(root / "grading" / "gradebook.db")
    rows = []
    with Gradebook(url) as gb:
        for notebook in gb.notebook_submissions(NB1, A1):
            student = notebook.student.id
            rows += [(student, g.name, g.auto_score, g.manual_score, g.extra_credit)
                     for g in notebook.grades]
            rows += [(student, c.name, c.manual_comment) for c in notebook.comments]
    return sorted(rows, key=repr)


def submission_ids(root: Path) -> dict[str, str]:
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "grading" / "gradebook.db")) as gb:
        return {nb.student.id: nb.id for nb in gb.notebook_submissions(NB1, A1)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require(shutil.which("bwrap") is not None, "bubblewrap is needed: run `make sandbox`")
    base = tmp_path_factory.mktemp("formgrader-safety")
    root = make_course(base)
    shutil.copytree(REPO / "solutions", root / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "READKIT_COURSE"}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", env["PATH"])
        patch.delenv("READKIT_COURSE", raising=False)
        assert release(Course.open(root), [A1]).ok
    hand_in(root, MALLORY, hostile_notebook(root))
    for student in HOSTILE_IDS:
        hand_in(root, student, nbformat.read(root / "exercises" / A1 / f"{NB1}.ipynb", 4))

    ours = run([sys.executable, "-m", "readkit.cli", "autograde", A1, "--jobs", "2"], root, env)
    # plain nbgrader, as the formgrader's own Autograde button or a hand-made folder would
    theirs = [run([str(BIN / "nbgrader"), "autograde", A1, f"--student={s}"], root, env)
              for s in HOSTILE_IDS]
    feedback = run([str(BIN / "nbgrader"), "generate_feedback", A1], root, env)
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr
    for command in ("grade", "report"):
        done = run([sys.executable, "-m", "readkit.cli", command, A1], root, env)
        assert done.returncode == 0, done.stdout + done.stderr
    return root, ours, theirs


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    """The server of `make lab-instructor` (readkit.lab's config: instructor panels, readkit's
    formgrader extension) at the course root, without a token."""
    root = course[0]
    config = write_lab_config(tmp_path_factory.mktemp("lab-config"), instructor=True)
    with jupyter_server("lab", root, env=lab_environment(config, base={})) as server:
        yield server


def test_readkit_refuses_html_student_ids_and_grades_the_rest(course):
    root, ours, theirs = course
    assert ours.returncode == 1, ours.stdout + ours.stderr
    for student in HOSTILE_IDS:
        assert (f"FAILED {student} (0.0 s): not autograded: student id refused (a student id "
                "is 1 to 64 characters") in ours.stdout
    assert f"autograded {MALLORY} (" in ours.stdout
    assert "Autograded 1 of 3 submission(s)" in ours.stdout
    assert all(r.returncode == 0 for r in theirs), [r.stdout + r.stderr for r in theirs]
    assert set(submission_ids(root)) == {MALLORY, *HOSTILE_IDS}


def formgrader_pages(root: Path) -> list[tuple[str, str, list[str]]]:
    """(path, what shows the page did its work, texts that must be visible) of every
    formgrader page that shows the learners' work or names."""
    quote = lambda text: urllib.parse.quote(text, safe="")  # noqa: E731
    table = "#main-table tr td a"
    pages = [
        ("formgrader/manage_assignments", table, [A1]),
        (f"formgrader/manage_submissions/{A1}", "#main-table .student-id",
         [MALLORY, *HOSTILE_IDS]),
        ("formgrader/gradebook", table, [A1]),
        (f"formgrader/gradebook/{A1}", table, [NB1]),
        (f"formgrader/gradebook/{A1}/{NB1}", table, []),
        ("formgrader/manage_students", table, [MALLORY, *HOSTILE_IDS]),
    ]
    for student, submission in submission_ids(root).items():
        pages += [
            (f"formgrader/manage_students/{quote(student)}", table, [student, A1]),
            (f"formgrader/manage_students/{quote(student)}/{A1}", table, [student, NB1]),
            (f"formgrader/submissions/{submission}/", "#part-1-grade",
             [MARKDOWN_TEXT, REWRITE_TEXT, *OUTPUT_TEXTS] if student == MALLORY else []),
        ]
    return pages


def open_fresh(browser, url: str):
    """A new tab on `url`, recording the page's Content-Security-Policy reports."""
    page = browser.new_page()
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    page.goto(url)
    return page


def test_no_learner_script_runs_on_any_formgrader_page(course, lab, browser):
    root = course[0]
    before = gradebook_state(root)
    assert any(row[0] == MALLORY and row[1] == "rewrite-answer" for row in before)
    # Every page in a tab of its own, all open at once: they settle together (a payload that
    # runs does so within SETTLE_MS of its page's load).
    pages = [(open_fresh(browser, lab.url + path), path, ready, texts)
             for path, ready, texts in formgrader_pages(root)]
    try:
        for page, _, ready, _ in pages:
            page.wait_for_selector(ready, state="attached", timeout=30000)
        pages[-1][0].wait_for_timeout(SETTLE_MS)
        for page, path, _, texts in pages:
            assert page.evaluate("window.name") == "", path
            assert page.evaluate("window.__csp") == [], path
            shown = page.inner_text("body")
            for text in texts:
                assert text in shown, (path, text)
            if path.startswith("formgrader/submissions/"):
                # nbgrader's page works: the autograded score is loaded into its input, and the
                # learner's name shows on request (readkit's stand-in for the inline handler)
                student = next(s for s, i in submission_ids(root).items() if i in path)
                auto = next(row[2] for row in before if row[:2] == (student, "part-1-grade"))
                assert page.get_attribute("#part-1-grade", "placeholder") == f"{auto:g}"
                page.click(".glyphicon-eye-open.name-hidden")
                assert page.locator(".name-shown").first.is_visible()
    finally:
        for page, *_ in pages:
            page.close()
    assert gradebook_state(root) == before


def test_html_student_ids_stay_text_on_the_pages_that_name_them(course, lab, browser):
    root = course[0]
    for student in HOSTILE_IDS:
        page = open_fresh(browser,
                          f"{lab.url}formgrader/manage_students/{urllib.parse.quote(student, safe='')}")
        try:
            page.wait_for_selector("#main-table tr td a", timeout=30000)
            assert page.locator(".breadcrumb li.active").inner_text() == student
            assert page.evaluate("window.student_id") == student
            assert page.locator("svg[onload]").count() == 0
        finally:
            page.close()
    assert set(submission_ids(root)) == {MALLORY, *HOSTILE_IDS}


def test_formgrader_responses_carry_the_policy(course, lab):
    import urllib.request

    root = course[0]
    submission = submission_ids(root)[MALLORY]
    with urllib.request.urlopen(f"{lab.url}formgrader/manage_students") as response:
        policy = response.headers["Content-Security-Policy"]
    assert "script-src http://127.0.0.1:" in policy and "'unsafe-inline' " not in policy.split(
        "script-src")[1].split(";")[0]
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy
    # a file of the learner's, served by the formgrader beside her submission: sandboxed
    with urllib.request.urlopen(
            f"{lab.url}formgrader/submissions/{submission}/answers.json") as response:
        assert response.headers["Content-Security-Policy"].startswith("sandbox;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    with urllib.request.urlopen(f"{lab.url}api/status") as response:
        assert "script-src" not in (response.headers["Content-Security-Policy"] or "")


def test_feedback_and_report_opened_from_disk_run_nothing(course, browser):
    root = course[0]
    files = [root / "grading" / "feedback" / student / A1 / f"{NB1}.html"
             for student in (MALLORY, *HOSTILE_IDS)]
    report = root / "grading" / "reports" / A1 / "report" / "index.html"
    for path in [*files, report]:
        assert path.is_file(), path
    pages = [(open_fresh(browser, path.as_uri()), path) for path in [*files, report]]
    try:
        for page, _ in pages:
            page.wait_for_load_state("load")
        pages[-1][0].wait_for_timeout(SETTLE_MS)  # they settle together, as above
        for page, path in pages:
            assert page.evaluate("window.name") == "", path
            shown = page.inner_text("body")
            if path == files[0]:
                for text in (MARKDOWN_TEXT, REWRITE_TEXT, *OUTPUT_TEXTS):
                    assert text in shown, text
                # her image outputs are shown (png, jpeg, the png result), with no attribute of
                # her metadata but whole-pixel sizes and alt text, and no source of hers
                assert page.evaluate(IMAGE_ATTRIBUTES) == [
                    ["alt", "src"], ["alt", "src", "width"], ["alt", "src"]]
                assert page.evaluate("[...document.images].filter(i => "
                                     "i.src.includes('out-png-filename')).length") == 0
            if path == report:
                for student in HOSTILE_IDS:
                    assert student in shown
    finally:
        for page, _ in pages:
            page.close()
