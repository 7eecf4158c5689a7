"""The lessons in a real JupyterLab: lesson 4's Sorter gives feedback and, after two different
wrong tries, the key's rationale; lesson 1's self-check works from the keyboard and its outputs
pass axe-core in the light and dark themes; lesson 7's evidence table shows its model answer on
request. Also writes the screenshots in docs/img/ (lesson-01.png, lesson-04.png).

One server for the module; each test opens its lesson in a page of its own, from a copy of
lessons/ of its own (so its own answers.json: running a lesson must not write into the repo):
each test passes alone and in any order.
"""

import shutil
from contextlib import contextmanager

import pytest

from readkit.course.course import Course
from readkit.course.labels import LABELS

from .conftest import ROOT, notebook_page, run_all_and_settle, serious_axe_violations
from .snapshots import assert_aria_snapshot, colour_at, rgb, screenshot_path
from .test_sorter_browser import set_theme

pytestmark = pytest.mark.browser

NOTEBOOK = "window.jupyterapp.shell.currentWidget.content"
PRACTICE_UNIT = "p02s1"  # the byline: one accepted label, so two wrong tries are easy to pick


def unit(unit_id: str) -> str:
    return f'.rk-sorter .rk-unit[data-unit="{unit_id}"]'


def radio(unit_id: str, label: str) -> str:
    return f'{unit(unit_id)} [role="radio"][data-label="{label}"]'


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


def repo_answers_file() -> tuple | None:
    """The repo's own lessons/answers.json (a learner's real answers), as bytes and mtime."""
    path = ROOT / "lessons" / "answers.json"
    return (path.read_bytes(), path.stat().st_mtime_ns) if path.exists() else None


REPO_ANSWERS_BEFORE = repo_answers_file()


@contextmanager
def lesson(browser, server, folder, name: str, ready: str):
    """Lesson `name` from a copy of lessons/ in `folder`, run in a page of its own."""
    copy = folder / "lessons"
    shutil.copytree(ROOT / "lessons", copy, ignore=shutil.ignore_patterns("answers.json"))
    with notebook_page(browser, server, copy / name) as page:
        run_all_and_settle(page)
        page.wait_for_selector(ready, timeout=60000)
        yield page, copy


# -- lesson 4: the Sorter in practice mode -----------------------------------------------------

@pytest.fixture
def lesson4(browser, lab_server, test_folder):
    with lesson(browser, lab_server, test_folder, "04-fact-claim-commentary.ipynb",
                unit(PRACTICE_UNIT)) as (page, folder):
        yield page, folder


def one_right_one_wrong(page) -> str:
    """p01s1 right, the practice unit wrong, then Check: the feedback of both shows. Returns
    the wrong label."""
    entry = Course.open(ROOT).article().key("practice")[PRACTICE_UNIT]
    wrong = next(label for label in LABELS if label not in entry.accepted)
    page.click(radio("p01s1", "meta"))
    page.click(radio(PRACTICE_UNIT, wrong))
    page.click(".rk-sorter .rk-check")
    page.wait_for_function(f"() => document.querySelector('{unit(PRACTICE_UNIT)} .rk-feedback')"
                           "?.textContent.includes('Try another label')")
    return wrong


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
        """The picture in the docs shows a right and a wrong answer: the units' verdict lines
        in their colours (checked in its pixels), and their accessibility tree is the one in
        tests/golden/browser/lesson-04-feedback.aria.yml."""
        page, _ = lesson4
        one_right_one_wrong(page)
        target = screenshot_path("lesson-04.png", tmp_path)
        page.set_viewport_size({"width": 1100, "height": 1000})
        tidy_for_screenshot(page)
        scroll_to_top_of(page, ".rk-sorter")
        box = page.locator(".rk-sorter").bounding_box()
        clip = {"x": box["x"], "y": max(box["y"], 0), "width": box["width"], "height": 760}
        picture = page.screenshot(path=str(target), animations="disabled", clip=clip)
        lines = {}
        for unit_id in ("p01s1", PRACTICE_UNIT):  # each unit's verdict line, in the picture
            line = rgb(page.eval_on_selector(unit(unit_id),
                                              "e => getComputedStyle(e).borderLeftColor"))
            at = page.locator(unit(unit_id)).bounding_box()
            assert colour_at(picture, clip, at["x"] + 1, at["y"] + at["height"] / 2) == line
            lines[unit_id] = line
        page_colour = rgb(page.eval_on_selector(".rk-sorter",
                                                 "e => getComputedStyle(e).backgroundColor"))
        assert len({lines["p01s1"], lines[PRACTICE_UNIT], page_colour}) == 3  # right, wrong, page
        assert_aria_snapshot([page.locator(unit("p01s1")), page.locator(unit(PRACTICE_UNIT))],
                             "lesson-04-feedback")


# -- lesson 1: passages, reveal, self-check ----------------------------------------------------

@pytest.fixture
def lesson1(browser, lab_server, test_folder):
    with lesson(browser, lab_server, test_folder, "01-first-look.ipynb",
                ".rk-selfcheck") as (page, _):
        page.wait_for_function("() => document.querySelectorAll('.rk-selfcheck').length === 3")
        yield page


class TestLesson1:
    def test_screenshot_of_the_top(self, lesson1, tmp_path):
        """The picture in the docs shows the top of the page as the course has it: the first
        passage, its markup formatted (not shown as tags), its accessibility tree as in
        tests/golden/browser/lesson-01-top.aria.yml, and its left rule in the picture."""
        page = lesson1
        first = page.locator(".rk-passage").first
        # Its text as the page holds it (innerText is empty while the cell is scrolled away:
        # JupyterLab skips drawing cells out of view).
        text = first.text_content()
        assert "Theme: Terrorism, US NATO War Agenda" in text
        assert "In-depth Report: SYRIA" in text
        assert "<u>" not in text and "**" not in text
        assert first.locator("u").all_text_contents() == ["Terrorism", "US NATO War Agenda"]
        assert first.locator("strong").all_text_contents() == ["SYRIA"]
        target = screenshot_path("lesson-01.png", tmp_path)
        page.set_viewport_size({"width": 1100, "height": 1100})
        tidy_for_screenshot(page)
        page.evaluate(f"() => {{ {NOTEBOOK}.activeCellIndex = 0; }}")
        scroll_to_top_of(page, ".jp-Notebook .jp-Cell")
        picture = page.screenshot(path=str(target), animations="disabled")
        passage = page.locator(".rk-passage").first
        box = passage.bounding_box()
        assert box["y"] + box["height"] / 2 < 1100, "the first passage is in the picture"
        rule = page.eval_on_selector(".rk-passage", "e => getComputedStyle(e).borderLeftColor")
        viewport = {"x": 0, "y": 0}
        assert colour_at(picture, viewport, box["x"] + 1, box["y"] + 10) == rgb(rule)
        assert_aria_snapshot(passage, "lesson-01-top")
        page.set_viewport_size({"width": 1280, "height": 1000})

    def test_reveal_and_self_check_from_the_keyboard(self, lesson1):
        page = lesson1
        # a reveal opens with Enter, and the notebook stays in command mode
        summary = page.locator(".rk-reveal summary").first
        summary.focus()
        page.keyboard.press("Enter")
        assert page.locator(".rk-reveal").first.evaluate("el => el.open")
        assert page.evaluate(f"() => {NOTEBOOK}.mode") == "command"

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

def test_lesson7_evidence_table_shows_the_model_answer_on_request(browser, lab_server,
                                                                   test_folder):
    with lesson(browser, lab_server, test_folder, "07-analogy.ipynb",
                ".rk-evidence select") as (page, _):
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
