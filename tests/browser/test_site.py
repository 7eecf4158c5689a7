"""The static JupyterLite site (`make site`, dist/site/; make test builds it first): nothing in
it reveals the assessment key, and, served on 127.0.0.1 with every other host aborted, it runs
the course in headless Chromium: lesson 4's practice Sorter by keyboard with its feedback, the
labels back after a reload, assignment 01 labelled by keyboard and handed in as a downloaded
answers.json that `readkit grade` scores exactly as the same labels saved by `make lab`, and
every lesson run top to bottom (or opening on its "needs make lab" note).

Lesson 4's test reloads its page, so it has a browser profile of its own (its storage is that
learner's drive); assignment 01, the lessons and the pre- and post-tests share one page and one
kernel, each opening its notebook on the kernel the previous one used. Speed is measured by
`readkit bench site`, not here.
"""

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from readkit.course.answers import read_answers, write_answers
from readkit.course.course import Course
from readkit.course.labels import LABELS
from tests.support.browser_harness import wait_for_idle_kernel
from tests.support.grading import hand_in, make_course
from tests.support.lite_harness import (
    drive_file,
    offline_context,
    open_in_lite,
    open_on_same_kernel,
    run_all_and_wait,
    site_server,
    wait_for_reopened,
)
from tools.site.contents import NOTE_TAG

from .conftest import ROOT, folder_for, notebook_page, require, serious_axe_violations

SITE = ROOT / "dist" / "site"
COURSE = Course.open(ROOT)
ASSIGNMENT = "01-sort-the-sources"
LESSON_4 = "lessons/04-fact-claim-commentary.ipynb"
EXERCISE = f"exercises/{ASSIGNMENT}/sort-the-sources.ipynb"
LETTERS = {"sourced": "s", "claim": "c", "commentary": "o", "meta": "m"}
# The notebook in view: the shared page keeps the notebooks opened before it open, hidden.
SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden)"


@pytest.fixture(scope="module")
def site() -> Path:
    require((SITE / "jupyter-lite.json").is_file(),
            f"No built site in {SITE}: run `make site` (make test builds it first)")
    return SITE


# -- what the site holds ----------------------------------------------------------------------

def site_files(site: Path) -> dict[str, bytes]:
    """Every file of the site, and every file inside each of its wheels."""
    files = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        files[name] = path.read_bytes()
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                files |= {f"{name}!{inner}": wheel.read(inner) for inner in wheel.namelist()}
    return files


def texts(name: str, data: bytes) -> list[str]:
    """The text of a file as it is, and its CSV cells or JSON strings (where quotation marks
    are doubled or escaped)."""
    text = data.decode("utf-8", errors="replace")
    found = [text]
    if name.endswith(".csv"):
        found += [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    elif name.endswith((".json", ".ipynb")):
        try:
            stack = [json.loads(text)]
        except ValueError:
            stack = []
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                stack += [*item.keys(), *item.values()]
            elif isinstance(item, list):
                stack += item
    return found


@pytest.mark.slow  # reads every file of the 43 MB site, archives included
def test_no_assessment_label_or_rationale_in_any_file_of_the_site(site):
    files = site_files(site)
    assert any(name.endswith("readkit/_data/articles.csv") for name in files)  # scanned inside
    secrets = [entry.rationale for slug in COURSE.article_slugs
               for entry in COURSE.article(slug).key("assessment").values()]
    assert len(secrets) > 20
    blob = "\n".join(text for name, data in files.items() for text in texts(name, data))
    assert [secret for secret in secrets if secret in blob] == []
    # Every key.csv in the site (the learner wheel's) keeps no label of an assessment row.
    keys = {name: data for name, data in files.items() if name.endswith("/key.csv")}
    assert len(keys) == len(COURSE.article_slugs)
    for name, data in keys.items():
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        bare = [row for row in rows if row["split"] == "assessment"]
        assert bare and all(not (row["label"] or row["accept"] or row["source"]
                                 or row["rationale"]) for row in bare), name
    # The check can fail: the instructor's key holds every secret.
    instructor = "\n".join(texts("key.csv", (COURSE.article().folder / "key.csv").read_bytes()))
    assert sum(secret in instructor for secret in secrets) == len(
        COURSE.article().key("assessment"))


def test_site_is_offline_and_loads_no_package_index(site):
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    lock = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text("utf-8"))
    shipped = {p.name for p in (site / "static" / "pyodide").glob("*.whl")}
    assert {p["file_name"] for p in lock["packages"].values()} == shipped
    folder = site / "static" / "pyodide"
    assert all(hashlib.sha256((folder / p["file_name"]).read_bytes()).hexdigest() == p["sha256"]
               for p in lock["packages"].values())
    assert {d for p in lock["packages"].values() for d in p["depends"]} <= set(lock["packages"])
    assert set(kernel["loadPyodideOptions"]["packages"]) == set(lock["packages"])
    assert not list(site.rglob("*.map"))  # built without source maps


def test_the_browser_assignments_are_in_and_the_pandas_one_is_not(site):
    assert (site / "files" / "exercises" / ASSIGNMENT / "sort-the-sources.ipynb").is_file()
    assert not (site / "files" / "exercises" / "02-trace-the-numbers").exists()
    assert not list((site / "files").rglob("answers.json"))


def test_lessons_that_need_pandas_open_on_their_note(site):
    for path in sorted((site / "files" / "lessons").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        uses_pandas = any("pandas" in cell.source or "matplotlib" in cell.source
                          for cell in notebook.cells if cell.cell_type == "code")
        first = notebook.cells[0]
        assert (NOTE_TAG in first.metadata.get("tags", [])) == uses_pandas, path.name
        assert notebook.metadata["kernelspec"]["name"] == "python"  # Pyodide's: no dialog


# make test's own site build: under make check, a checkout's site (and its environment's stamp)
# may be older than build-requirements.txt, and that is no fault.
@pytest.mark.slow
def test_second_site_build_installs_and_downloads_nothing(site):
    """After make site, its environment's stamp is up to date (make would run no pip), and
    the cache holds exactly the pinned wheels (the build asks no registry again)."""
    from tools.site import CACHE, fetch

    result = subprocess.run(["make", "-n", ".venv-site/.installed"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0 and "pip install" not in result.stdout, result.stdout
    stamp = CACHE / "wheels" / ".requirements.sha256"
    assert stamp.read_text() == hashlib.sha256(
        fetch.BROWSER_REQUIREMENTS.read_bytes()).hexdigest()


@pytest.mark.parametrize(("code", "needs"), [
    ("import pandas as pd\nimport matplotlib.pyplot as plt", ["pandas", "matplotlib"]),
    ("import readkit\nreadkit.load_claims().head()", ["pandas"]),
    ("from readkit.widgets.show import show_sources\nshow_sources(['bbc'])", []),
])
def test_what_a_lesson_needs_is_read_from_its_code(code, needs):
    from tools.site.contents import browser_only_needs

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    assert browser_only_needs(notebook) == needs


# -- the learner side, as the site runs it ----------------------------------------------------

LEARNER_MODULES = ["readkit", "readkit.course.course", "readkit.widgets.sorter",
                   "readkit.widgets.selfcheck", "readkit.widgets.show", "readkit.widgets.handin",
                   "readkit.grading.cells"]


def test_learner_side_imports_without_pandas_nbgrader_or_bubblewrap():
    """As in Pyodide: pandas, matplotlib and nbgrader cannot even be imported."""
    code = ("import sys\nfor name in ('pandas', 'matplotlib', 'numpy', 'nbgrader'):\n"
            "    sys.modules[name] = None\n"
            f"for name in {LEARNER_MODULES!r}:\n    __import__(name)\n"
            "import readkit\nprint(readkit.Sorter.__name__, readkit.HandIn.__name__)\n"
            "try:\n    readkit.load_units()\nexcept ModuleNotFoundError as error:\n"
            "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    names, message = result.stdout.splitlines()
    assert names == "Sorter HandIn"
    assert "needs pandas" in message and "make lab" in message


def test_sorter_says_at_once_when_the_browser_cannot_keep_answers(monkeypatch, tmp_path):
    from readkit.course import browser
    from readkit.widgets.sorter import Sorter

    path = tmp_path / "answers.json"
    assert Sorter((1, 2), assignment="lesson", answers_path=path).notice == ""
    monkeypatch.setattr(browser, "in_browser", lambda: True)
    assert "cannot keep your answers" in Sorter((1, 2), assignment="lesson",
                                                answers_path=path).notice
    assert browser.not_kept(browser.DRIVE / "lessons" / "answers.json") == ""


def test_a_failed_save_in_the_browser_says_to_reload(monkeypatch, tmp_path):
    """JupyterLite reports a write its storage did not take as errno 28 ("no space")."""
    from readkit.course import answers as store
    from readkit.course import browser
    from readkit.widgets.sorter import Sorter

    monkeypatch.setattr(browser, "in_browser", lambda: True)
    monkeypatch.setattr(browser, "DRIVE", tmp_path)  # the answers file is in "the drive"
    sorter = Sorter((1, 2), assignment="lesson", answers_path=tmp_path / "answers.json")
    assert sorter.notice == ""

    def full(*args):
        raise OSError(28, "Invalid argument")

    monkeypatch.setattr(store, "write_answers", full)
    assert not sorter.choose("p01s1", "meta")
    assert "lost its link to the site's storage: reload the page" in sorter.notice
    assert "Free some space" not in sorter.notice


def test_hand_in_sends_the_answers_file_as_saved(tmp_path):
    from readkit.widgets.handin import HandIn

    path = tmp_path / "answers.json"
    button = HandIn(ASSIGNMENT, answers_path=path)
    missing = button.file_message()
    assert missing["type"] == "not-ready" and "answers.json not found" in missing["text"]
    write_answers(path, ASSIGNMENT, {"p51s1": "claim", "p51s2": "sourced"}, "raqqa-2021")
    sent = button.file_message()
    assert (sent["type"], sent["name"]) == ("file", "answers.json")
    assert sent["text"] == path.read_text(encoding="utf-8")
    assert "2 sentences labelled" in sent["summary"]
    path.write_text("{broken", encoding="utf-8")
    assert button.file_message()["type"] == "not-ready"


def test_hand_in_is_a_placeholder_while_nbgrader_grades(monkeypatch):
    import readkit

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert "not shown while nbgrader grades" in repr(readkit.HandIn(ASSIGNMENT))


def test_show_sources_is_a_table_without_pandas():
    from readkit.widgets.show import sources_html

    table = sources_html(["bbc", "cbs"])
    assert table.count("<tr>") == 3 and "Raqqa&#39;s dirty secret" in table
    with pytest.raises(ValueError, match="Unknown source id"):
        sources_html(["nobody"])


# -- in the browser ---------------------------------------------------------------------------

def unit(unit_id: str) -> str:
    return f'.rk-unit[data-unit="{unit_id}"]'


def focused_unit(page) -> str | None:
    return page.evaluate("() => document.activeElement.closest('.rk-unit')?.dataset.unit ?? null")


def checked(page, unit_id: str) -> list[str]:
    return page.eval_on_selector_all(f'{unit(unit_id)} [role="radio"][aria-checked="true"]',
                                     "els => els.map(e => e.dataset.label)")


def wait_until_saved(page, timeout: float = 30) -> None:
    page.wait_for_function("() => [...document.querySelectorAll('.rk-sorter')]"
                           ".every(s => s.dataset.pending === '0')", timeout=timeout * 1000)


def press_labels(page, ids: list[str]) -> dict[str, str]:
    """Focus the first sentence, then one key per sentence (digits and letters in turn, every
    label used), never moving the focus by hand. Returns the labels given."""
    page.locator(f'{SHOWN} .rk-sorter [role="radio"]').first.focus()
    given = {}
    for n, unit_id in enumerate(ids):
        assert focused_unit(page) == unit_id, f"key {n}: the focus is not on {unit_id}"
        label = LABELS[(n + n // 4) % len(LABELS)]
        page.keyboard.press(str(LABELS.index(label) + 1) if n % 2 else LETTERS[label])
        given[unit_id] = label
    wait_until_saved(page)
    return given


def drive_answers(page, path: str) -> dict:
    text = drive_file(page, path)
    return json.loads(text)["answers"] if text else {}


def assignment_units() -> list[str]:
    article = COURSE.article_for(ASSIGNMENT)
    return [u for section in article.sections(ASSIGNMENT) for u in article.section_units(section)]


@pytest.fixture(scope="module")
def site_url(site) -> str:
    with site_server(site) as url:
        yield url


@contextmanager
def offline_page(browser, site_url: str):
    """A page in a browser profile of its own (its storage is a learner's drive) on the site at
    127.0.0.1; fails afterwards if any request off 127.0.0.1 was attempted."""
    context, external = offline_context(browser, site_url)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert external == [], f"requests off 127.0.0.1 were attempted: {external[:10]}"


@pytest.fixture
def learner(browser, site_url):
    """A learner's own browser profile, for the test that reloads the page."""
    with offline_page(browser, site_url) as page:
        yield page


@pytest.fixture(scope="module")
def site_page(browser, site_url):
    """One learner's page for the module's tests that do not reload it: the notebooks are
    opened one after the other on one kernel (a Pyodide boot costs about 13 s of CPU), each
    from an emptied namespace; each test checks only its own notebook's files in the drive."""
    with offline_page(browser, site_url) as page:
        yield page


def open_on_site_page(page, site_url: str, path: str) -> None:
    """`path` on the shared page: the first opening boots Pyodide, later ones reuse its kernel."""
    if page.url.startswith(site_url):
        open_on_same_kernel(page, path)
    else:
        open_in_lite(page, site_url, path)


@pytest.mark.browser
def test_a_request_off_127_0_0_1_is_caught_from_the_page_and_from_a_worker(browser, site_url):
    """The offline guard is not vacuous: the page's and a web worker's (Pyodide runs in one)
    requests to another host are aborted and counted."""
    context, external = offline_context(browser, site_url)
    try:
        page = context.new_page()
        page.goto(f"{site_url}files/START-HERE.md")
        page.evaluate("""() => new Promise(done => {
            fetch('https://cdn.jsdelivr.net/pyodide/page.js').catch(() => 0);
            const code = "fetch('https://pypi.org/simple/worker/').catch(() => 0)" +
                         ".finally(() => postMessage('done'))";
            const worker = new Worker(URL.createObjectURL(new Blob([code])));
            worker.onmessage = () => done();
        })""")
        page.wait_for_timeout(500)
    finally:
        context.close()
    assert sorted(urlparse(url).hostname for url in set(external)) == ["cdn.jsdelivr.net",
                                                                      "pypi.org"]


@pytest.mark.browser
def test_lesson_4_practice_by_keyboard_gets_feedback_and_survives_a_reload(learner, site_url):
    page = learner
    open_in_lite(page, site_url, LESSON_4)
    assert run_all_and_wait(page) == []
    page.wait_for_selector(".rk-sorter .rk-unit")
    ids = page.eval_on_selector_all(".rk-sorter .rk-unit", "els => els.map(e => e.dataset.unit)")
    given = press_labels(page, ids[:5])
    assert drive_answers(page, "lessons/answers.json") == given  # in the site's storage
    page.click(".rk-check")
    page.wait_for_function("() => document.querySelector('.rk-status').textContent"
                           ".startsWith('Checked 5')", timeout=30000)
    key = COURSE.article().key("practice")
    right = sum(label in key[u].accepted for u, label in given.items())
    assert page.inner_text(".rk-status").startswith(f"Checked 5: {right} right, {5 - right} wrong.")
    assert all(page.inner_text(f"{unit(u)} .rk-feedback") for u in given)  # a verdict each

    page.reload()  # JupyterLab reopens the lesson, with a new kernel
    wait_for_reopened(page, LESSON_4)
    assert run_all_and_wait(page) == []
    page.wait_for_selector(unit(ids[0]))
    wait_until_saved(page)
    assert {u: checked(page, u) for u in given} == {u: [label] for u, label in given.items()}
    assert drive_answers(page, "lessons/answers.json") == given


def label_in_make_lab(browser, server, folder: Path, ids: list[str]) -> Path:
    """The same keys on the released notebook in JupyterLab (what `make lab` serves), in
    `folder` under the server's root; returns the answers.json the Sorter saved there."""
    notebook = folder / "sort-the-sources.ipynb"
    shutil.copy(ROOT / "exercises" / ASSIGNMENT / notebook.name, notebook)
    with notebook_page(browser, server, notebook) as page:
        assert run_all_and_wait(page) == []
        page.wait_for_function(
            "n => document.querySelectorAll('.rk-sorter .rk-unit').length === n",
            arg=len(ids), timeout=60000)
        wait_for_idle_kernel(page)
        press_labels(page, ids)
    return folder / "answers.json"


@pytest.mark.browser
def test_assignment_01_by_keyboard_then_download_grades_as_make_lab(site_page, site_url, tmp_path,
                                                                   browser, lab_server, request):
    page = site_page
    open_on_site_page(page, site_url, EXERCISE)
    assert run_all_and_wait(page) == []
    ids = assignment_units()
    page.wait_for_function(
        "([shown, n]) => document.querySelectorAll(`${shown} .rk-sorter .rk-unit`).length === n",
        arg=[SHOWN, len(ids)], timeout=60000)
    given = press_labels(page, ids)
    assert drive_answers(page, f"exercises/{ASSIGNMENT}/answers.json") == given
    serious, report = serious_axe_violations(page, [f"{SHOWN} .rk-handin"])
    assert serious == [], report
    with page.expect_download(timeout=30000) as download:
        page.click(f"{SHOWN} .rk-handin-button")
    assert download.value.suggested_filename == "answers.json"
    downloaded = tmp_path / "answers.json"
    download.value.save_as(downloaded)
    found = read_answers(downloaded, ASSIGNMENT)
    assert found.usable and found.answers == given

    # The same keys under `make lab`, then the teacher's side: both files handed in, and
    # `readkit grade` scores both.
    lab_answers = label_in_make_lab(browser, lab_server, folder_for(request, lab_server), ids)
    assert read_answers(lab_answers, ASSIGNMENT).answers == given
    course = make_course(tmp_path / "teacher", solutions=True)
    hand_in(course, "from-the-site", downloaded)
    hand_in(course, "from-make-lab", lab_answers)
    result = subprocess.run([sys.executable, "-m", "readkit.cli", "grade", ASSIGNMENT,
                             "--course", str(course)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    grades = course / "grading" / "reports" / ASSIGNMENT / "grades.csv"
    with grades.open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    # The Sorter parts are scored now; the total waits for the rewrite, graded by hand.
    parts = [column for column in rows["from-the-site"] if column.startswith("part-")]
    scores = ["points", "max", "percent", "manual_grading", *parts]
    site_scores = {c: rows["from-the-site"][c] for c in scores}
    assert site_scores == {c: rows["from-make-lab"][c] for c in scores}
    assert parts and sum(float(site_scores[c]) for c in parts) > 0
    assert site_scores["points"] == "" and site_scores["manual_grading"] == "pending"
    assert rows["from-the-site"]["status"].startswith("ok")


def form_shown(page) -> str:
    """The output of the current notebook's your-form cell, from the notebook's model (the page
    renders only the cells near the one last run)."""
    outputs = page.evaluate("""() => {
        const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
        for (let i = 0; i < cells.length; i++) {
            if (cells.get(i).id === 'your-form') { return cells.get(i).toJSON().outputs; }
        }
        return null;
    }""")
    return " ".join("".join(o.get("text", "") for o in outputs or []).split())


@pytest.mark.browser
def test_in_the_site_every_learner_takes_form_a_then_form_b(site_page, site_url):
    """Pyodide knows no user name (its USER is Emscripten's "web_user" for everyone): the
    pre-test gives form A and the post-test form B, and each says why; the test is handed in
    by the Download answers.json button, as assignment 01 is. One learner's browser, the
    pre-test first, then the post-test."""
    page = site_page
    for notebook, form in (("00-pre-test/pre-test", "A"), ("03-post-test/post-test", "B")):
        open_on_site_page(page, site_url, f"exercises/{notebook}.ipynb")
        assert run_all_and_wait(page) == [], notebook
        shown = form_shown(page)
        assert shown.startswith(f"Your form: {form}, "), shown
        assert ("no user name is known here, so everyone takes form A on the pre-test and form "
                "B on the post-test") in shown
        button = page.locator(f"{SHOWN} .rk-handin-button")
        button.wait_for(timeout=30000)
        assert button.inner_text() == "Download answers.json"


@pytest.mark.browser
@pytest.mark.parametrize("lesson", sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb")))
def test_every_lesson_runs_top_to_bottom_or_opens_on_its_note(site_page, site_url, site,
                                                             lesson):
    page = site_page
    path = f"lessons/{lesson}"
    open_on_site_page(page, site_url, path)
    notebook = nbformat.read(site / "files" / path, as_version=4)
    if NOTE_TAG in notebook.cells[0].metadata.get("tags", []):
        first = page.locator(f"{SHOWN} .jp-Cell").first
        assert "This lesson needs make lab" in first.inner_text().replace("`", "")
    else:
        assert run_all_and_wait(page) == [], lesson
