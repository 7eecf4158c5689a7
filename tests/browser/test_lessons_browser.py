"""The lessons in a real JupyterLab: lesson 4's Sorter gives feedback and, after two different
wrong tries, the key's rationale; lesson 1's self-check works from the keyboard and its outputs
pass axe-core in the light and dark themes; lesson 7's evidence table shows its model answer on
request. Also writes the screenshots in docs/img/ (lesson-01.png, lesson-04.png).

One server for the module, serving a temporary copy of lessons/ (running a lesson must not
write answers.json into the repo); the tests of a page share it and run in order.
"""

import os
import shutil
from pathlib import Path

import pytest

from readkit.course.course import Course
from readkit.course.labels import LABELS
from tests.support.browser_harness import jupyter_server, run_all, wait_for_idle_kernel

from .conftest import ROOT, serious_axe_violations

pytestmark = pytest.mark.browser

IMAGES = ROOT / "docs" / "img"
NOTEBOOK = "window.jupyterapp.shell.currentWidget.content"
PRACTICE_UNIT = "p02s1"  # the byline: one accepted label, so two wrong tries are easy to pick


def unit(unit_id: str) -> str:
    return f'.rk-sorter .rk-unit[data-unit="{unit_id}"]'


def radio(unit_id: str, label: str) -> str:
    return f'{unit(unit_id)} [role="radio"][data-label="{label}"]'


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """The committed picture is rewritten only when missing or asked for (READKIT_SCREENSHOTS=1),
    so that a test run leaves the work tree clean."""
    target = IMAGES / name
    if os.environ.get("READKIT_SCREENSHOTS") == "1" or not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path / name


def tidy_for_screenshot(page) -> None:
    """No file browser, no focus ring, no hover: the picture shows the lesson only."""
    if page.evaluate("() => !window.jupyterapp.shell.leftCollapsed"):
        page.evaluate("() => { window.jupyterapp.commands.execute('application:toggle-left-area'); }")
        page.wait_for_function("() => window.jupyterapp.shell.leftCollapsed")
    page.mouse.move(0, 0)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.wait_for_timeout(300)


def scroll_to_top_of(page, selector: str) -> None:
    page.eval_on_selector(selector, "el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(200)


def set_theme(page, theme: str, layout_color0: str) -> None:
    page.evaluate("t => { window.jupyterapp.commands.execute('apputils:change-theme', {theme: t}); }",
                  theme)
    page.wait_for_function(
        "c => getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim() === c",
        arg=layout_color0, timeout=15000)
    page.wait_for_timeout(300)


def repo_answers_file() -> tuple | None:
    """The repo's own lessons/answers.json (a learner's real answers), as bytes and mtime."""
    path = ROOT / "lessons" / "answers.json"
    return (path.read_bytes(), path.stat().st_mtime_ns) if path.exists() else None


REPO_ANSWERS_BEFORE = repo_answers_file()


@pytest.fixture(scope="module")
def lessons_server(course_env, tmp_path_factory):
    copy = tmp_path_factory.mktemp("lessons") / "lessons"
    shutil.copytree(ROOT / "lessons", copy, ignore=shutil.ignore_patterns("answers.json"))
    with jupyter_server("lab", copy, env=course_env) as server:
        yield server, copy


def open_lesson(browser, server, name: str, ready: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    # ?reset: a fresh workspace, so the lesson opened before is not restored in a hidden tab.
    page.goto(server.notebook_url(name) + "?reset")
    wait_for_idle_kernel(page)
    run_all(page)
    page.wait_for_selector(ready, timeout=60000)
    return page


# -- lesson 4: the Sorter in practice mode -----------------------------------------------------

@pytest.fixture(scope="class")
def lesson4(browser, lessons_server):
    server, folder = lessons_server
    page = open_lesson(browser, server, "04-fact-claim-commentary.ipynb", unit(PRACTICE_UNIT))
    yield page, folder
    page.close()


class TestLesson4:
    def test_two_wrong_tries_then_the_rationale_from_the_key(self, lesson4):
        page, folder = lesson4
        entry = Course.open(ROOT).article().key("practice")[PRACTICE_UNIT]
        wrong = [label for label in LABELS if label not in entry.accepted]
        feedback = f"{unit(PRACTICE_UNIT)} .rk-feedback"

        page.click(radio("p01s1", "meta"))  # one right answer too, for the picture
        page.click(radio(PRACTICE_UNIT, wrong[0]))
        page.click(".rk-sorter .rk-check")
        page.wait_for_function(f"() => document.querySelector('{feedback}')?.textContent"
                               ".includes('Try another label')")
        assert entry.rationale not in page.inner_text(feedback)

        page.click(radio(PRACTICE_UNIT, wrong[1]))
        page.click(".rk-sorter .rk-check")
        page.wait_for_function(f"() => document.querySelector('{feedback}')?.textContent"
                               ".includes('Accepted')")
        shown = page.inner_text(feedback)
        assert entry.rationale in shown
        assert f"Accepted: {' or '.join(entry.accepted)}." in shown
        assert entry.rationale in page.inner_text("body")
        # Saved beside the notebook in the (copied) lessons folder; the repo's lessons/ (where a
        # self-study learner's own answers.json may be) is neither read nor written.
        assert (folder / "answers.json").is_file()
        assert repo_answers_file() == REPO_ANSWERS_BEFORE

    def test_screenshot_of_the_sorter_with_feedback(self, lesson4, tmp_path):
        page, _ = lesson4
        target = screenshot_path("lesson-04.png", tmp_path)
        page.set_viewport_size({"width": 1100, "height": 1000})
        tidy_for_screenshot(page)
        scroll_to_top_of(page, ".rk-sorter")
        box = page.locator(".rk-sorter").bounding_box()
        page.screenshot(path=str(target), animations="disabled", clip={
            "x": box["x"], "y": max(box["y"], 0), "width": box["width"], "height": 760})
        assert target.stat().st_size > 10_000


# -- lesson 1: passages, reveal, self-check ----------------------------------------------------

@pytest.fixture(scope="class")
def lesson1(browser, lessons_server):
    server, _ = lessons_server
    page = open_lesson(browser, server, "01-first-look.ipynb", ".rk-selfcheck")
    page.wait_for_function("() => document.querySelectorAll('.rk-selfcheck').length === 3")
    yield page
    page.close()


class TestLesson1:
    def test_screenshot_of_the_top(self, lesson1, tmp_path):
        page = lesson1
        target = screenshot_path("lesson-01.png", tmp_path)
        page.set_viewport_size({"width": 1100, "height": 1100})
        tidy_for_screenshot(page)
        page.evaluate(f"() => {{ {NOTEBOOK}.activeCellIndex = 0; }}")
        scroll_to_top_of(page, ".jp-Notebook .jp-Cell")
        page.screenshot(path=str(target), animations="disabled")
        assert target.stat().st_size > 10_000
        page.set_viewport_size({"width": 1280, "height": 1000})

    def test_passages_show_the_article_verbatim(self, lesson1):
        page = lesson1
        first = page.locator(".rk-passage").first
        first.scroll_into_view_if_needed()
        assert "Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u>" in first.inner_text()
        assert first.locator("u").count() == 0

    def test_reveal_opens_from_the_keyboard_without_leaving_command_mode(self, lesson1):
        page = lesson1
        summary = page.locator(".rk-reveal summary").first
        summary.focus()
        page.keyboard.press("Enter")
        assert page.locator(".rk-reveal").first.evaluate("el => el.open")
        assert page.evaluate(f"() => {NOTEBOOK}.mode") == "command"

    def test_self_check_from_the_keyboard(self, lesson1):
        page = lesson1
        check = page.locator(".rk-selfcheck").first
        check.scroll_into_view_if_needed()
        status = check.locator('[role="status"]')
        assert check.locator("legend").text_content().startswith("The page is dated")
        check.locator("input[type=radio]").first.focus()
        page.keyboard.press("ArrowDown")  # moves to, and selects, the second option
        assert check.locator("input[type=radio]").nth(1).is_checked()
        assert page.evaluate(f"() => {NOTEBOOK}.mode") == "command"
        page.keyboard.press("Tab")  # the group is one tab stop: next comes Check
        assert page.evaluate("() => document.activeElement.textContent") == "Check"
        page.keyboard.press("Enter")
        page.wait_for_function("el => el.textContent.startsWith('\u2714 Right.')",
                               arg=status.element_handle())
        assert status.get_attribute("aria-live") == "polite"

        check.locator("input[type=radio]").first.check()  # wrong, then another wrong
        check.locator("button").click()
        # The first miss gives the question's hint (lesson 1 points at p10s1), not the answer.
        page.wait_for_function("el => el.textContent.includes('Not quite. Find the words')"
                               " && !el.textContent.includes('November 2017')",
                               arg=status.element_handle())
        check.locator("input[type=radio]").nth(2).check()
        check.locator("button").click()
        page.wait_for_function("el => el.textContent.includes('The answer is: November 2017')",
                               arg=status.element_handle())

    def test_axe_finds_no_serious_violations_light_and_dark(self, lesson1):
        page = lesson1
        page.locator(".rk-reveal summary").nth(0).click()
        targets = [".rk-passage", ".rk-selfcheck", ".rk-reveal"]
        serious, report = serious_axe_violations(page, targets)
        assert serious == [], report
        set_theme(page, "JupyterLab Dark", "#111")
        try:
            serious, report = serious_axe_violations(page, targets)
            assert serious == [], report
        finally:
            set_theme(page, "JupyterLab Light", "white")


# -- lesson 7: the evidence table --------------------------------------------------------------

def test_lesson7_evidence_table_shows_the_model_answer_on_request(browser, lessons_server):
    server, _ = lessons_server
    page = open_lesson(browser, server, "07-analogy.ipynb", ".rk-evidence select")
    try:
        table = page.locator(".rk-evidence")
        model_cells = table.locator(".rk-ev-model")
        assert model_cells.first.is_hidden()
        button = table.locator("button")
        assert button.get_attribute("aria-expanded") == "false"
        # Two fast choices and the request in one task: the second choice's state sync is held
        # back by ipywidgets, and the request goes first; it carries the choices it acts on.
        page.evaluate("""() => {
            const pick = (unit, value) => {
                const select = document.querySelector(`.rk-evidence tr[data-unit=${unit}] select`);
                select.value = value;
                select.dispatchEvent(new Event('change'));
            };
            pick('p20s1', 'a named source');
            pick('p30s2', "the author's interpretation (no source)");
            document.querySelector('.rk-evidence button').click();
        }""")
        page.wait_for_function("() => document.querySelector('.rk-evidence [role=status]')"
                               ".textContent.startsWith('Your table agrees')")
        assert button.get_attribute("aria-expanded") == "true"
        assert "same as yours" in table.locator('tr[data-unit="p20s1"] .rk-ev-model').inner_text()
        assert "yours differs" in table.locator('tr[data-unit="p30s2"] .rk-ev-model').inner_text()
        assert "on 1 of 10 rows" in table.locator("[role=status]").inner_text()
        serious, report = serious_axe_violations(page, [".rk-evidence"])
        assert serious == [], report
    finally:
        page.close()
