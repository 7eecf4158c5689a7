"""The Sorter in a real browser: JupyterLab (click, keyboard, Check, reload and kernel restart,
axe-core, contrast in light and dark themes, the docs screenshot), Notebook 7 and Voila.

One server per front end (class-scoped); the tests of a class share one page and run in order.
"""

import json
import os
import re
import time
from pathlib import Path

import pytest

from readkit.course.course import Course
from tests.support.browser_harness import (
    jupyter_server,
    open_notebook,
    restart_kernel,
    run_all,
    wait_for_idle_kernel,
    write_notebook,
)

from .conftest import ROOT, require

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "img" / "sorter.png"
LAB_CELL = """\
import readkit
sorter = readkit.Sorter((1, 12), assignment="lesson-sorter", mode="practice")
sorter"""
SECTION_CELL = """\
import readkit
readkit.Sorter((51, 54), assignment="01-sort-the-sources", mode="assessment")"""


def unit(unit_id: str) -> str:
    return f'.rk-unit[data-unit="{unit_id}"]'


def radio(unit_id: str, label: str) -> str:
    return f'{unit(unit_id)} [role="radio"][data-label="{label}"]'


def wait_for_answers(path: Path, expected: dict, timeout: float = 15) -> dict:
    """Poll the answers file until its answers are `expected`; it must be valid JSON whenever
    it exists."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = None
        if text is not None:
            last = json.loads(text)  # a half-written file would fail here
            if last["answers"] == expected:
                return last
        time.sleep(0.02)
    raise AssertionError(f"{path.name} never held {expected}; last seen: {last}")


def checked(page, unit_id: str) -> list[str]:
    return page.eval_on_selector_all(
        f'{unit(unit_id)} [role="radio"][aria-checked="true"]', "els => els.map(e => e.dataset.label)"
    )


def wait_for_units(page, count: int, timeout: float = 60) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.rk-sorter .rk-unit').length === n", arg=count,
        timeout=timeout * 1000,
    )


def unit_count(paragraphs: range) -> int:
    import csv

    with (ROOT / "data" / "units.csv").open(encoding="utf-8", newline="") as handle:
        return sum(int(row["paragraph"]) in paragraphs for row in csv.DictReader(handle))


# -- colour contrast (WCAG 2.2: 3:1 for focus indicators and the selected state) ---------------

def _rgba(css: str) -> tuple[float, ...]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    return (*numbers[:3], numbers[3] if len(numbers) > 3 else 1.0)


def _over(color: tuple, background: tuple) -> tuple:
    alpha = color[3]
    return tuple(alpha * c + (1 - alpha) * b for c, b in zip(color[:3], background[:3], strict=True))


def _luminance(rgb: tuple) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    back = _rgba(background)[:3]
    fore = _over(_rgba(foreground), back)
    light, dark = sorted((_luminance(fore), _luminance(back)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


STYLES = """(selector) => {
  const el = document.querySelector(selector);
  const s = getComputedStyle(el);
  const tick = el.querySelector('.rk-tick');
  return {
    outline: s.outlineColor, outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
    background: s.backgroundColor, border: s.borderTopColor, color: s.color,
    weight: s.fontWeight, tick: tick ? getComputedStyle(tick, '::before').content : '',
    focusVisible: el.matches(':focus-visible'),
    page: getComputedStyle(el.closest('.rk-sorter')).backgroundColor,
  };
}"""


def measure_contrast(page, checked_radio: str, unchecked_radio: str) -> dict:
    results = {}
    for name, selector in (("checked", checked_radio), ("unchecked", unchecked_radio)):
        page.keyboard.press("Shift")  # a keyboard interaction first: focus() is then :focus-visible
        page.eval_on_selector(selector, "el => el.focus()")
        results[name] = page.evaluate(STYLES, selector)
    return results


def assert_contrast(styles: dict, theme: str) -> None:
    on, off = styles["checked"], styles["unchecked"]
    for state in (on, off):
        assert state["focusVisible"], theme
        assert state["outlineStyle"] != "none" and state["outlineWidth"] >= 2, (theme, state)
        assert contrast(state["outline"], state["page"]) >= 3, (theme, "focus ring", state)
    assert contrast(on["background"], on["page"]) >= 3, (theme, "selected fill", on)
    assert contrast(on["color"], on["background"]) >= 4.5, (theme, "selected text", on)
    assert contrast(off["border"], off["page"]) >= 3, (theme, "choice border", off)
    assert contrast(off["color"], off["page"]) >= 4.5, (theme, "choice text", off)
    # Not by colour alone: a check mark and bold text on the selected choice only.
    assert on["tick"] == '"\u2714"' and off["tick"] in ("none", "normal", ""), theme
    assert int(on["weight"]) >= 700 > int(off["weight"]), theme


def set_theme(page, theme: str, layout_color0: str) -> None:
    page.evaluate("t => { window.jupyterapp.commands.execute('apputils:change-theme', {theme: t}); }",
                  theme)
    page.wait_for_function(
        "c => getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim() === c",
        arg=layout_color0, timeout=15000,
    )
    page.wait_for_timeout(300)  # let the new stylesheet settle


# -- JupyterLab ---------------------------------------------------------------------------------

@pytest.fixture(scope="class")
def lab(browser, course_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    write_notebook(folder / "sorter.ipynb", [LAB_CELL])
    with jupyter_server("lab", folder, env=course_env) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        open_notebook(page, server, "sorter.ipynb")
        run_all(page)
        wait_for_units(page, unit_count(range(1, 13)))
        yield page, folder / "answers.json"
        page.close()


class TestJupyterLab:
    def test_click_and_keyboard_save_to_disk(self, lab):
        page, answers = lab
        total = unit_count(range(1, 13))
        assert page.inner_text(".rk-progress") == f"0 of {total} labelled"
        notebook = "window.jupyterapp.shell.currentWidget.content"
        before = page.evaluate(f"() => [{notebook}.activeCellIndex, {notebook}.mode]")

        page.click(radio("p01s1", "meta"))
        wait_for_answers(answers, {"p01s1": "meta"})
        assert checked(page, "p01s1") == ["meta"]

        # Keyboard: Tab to the next sentence, arrows move and select, Space selects.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('.rk-unit').dataset.unit") == "p02s1"
        for _ in range(3):
            page.keyboard.press("ArrowRight")  # sourced -> claim -> commentary -> meta
        page.keyboard.press("Tab")
        page.keyboard.press("Space")  # p03s1: the first choice, sourced
        page.keyboard.press("ArrowLeft")  # wraps round to meta
        wait_for_answers(answers, {"p01s1": "meta", "p02s1": "meta", "p03s1": "meta"})
        assert checked(page, "p02s1") == ["meta"] and checked(page, "p03s1") == ["meta"]
        # Roving tabindex: one tabbable choice per sentence, the checked one.
        assert page.eval_on_selector_all(
            f'{unit("p03s1")} [role="radio"]', "els => els.map(e => e.tabIndex)") == [-1, -1, -1, 0]
        assert page.evaluate("() => document.activeElement.dataset.label") == "meta"
        # Announced once saved (clicks made while the kernel was busy are saved together).
        page.wait_for_function("() => /^Saved: (.+, )?p03s1 meta$/.test("
                               "document.querySelector('.rk-status').textContent)")
        assert page.inner_text(".rk-progress") == f"3 of {total} labelled"
        # The keys stayed in the widget: the notebook did not move or enter edit mode.
        assert page.evaluate(f"() => [{notebook}.activeCellIndex, {notebook}.mode]") == before

    def test_radiogroups_are_named_after_their_sentence(self, lab):
        page, _ = lab
        group = page.locator(f'{unit("p09s1")} [role="radiogroup"]')
        name = group.get_attribute("aria-label")
        assert re.fullmatch(r"Sentence \d+: The US has no intention of going after the terrorists"
                            r".*", name), name
        assert page.get_by_role("radiogroup", name=name).count() == 1
        assert group.get_by_role("radio").count() == 4

    def test_check_marks_right_and_wrong_then_reveals(self, lab):
        page, answers = lab
        key = Course.open(ROOT).key("practice")
        wrong = [label for label in ("sourced", "claim", "commentary", "meta")
                 if label not in key["p04s1"].accepted]
        page.click(radio("p04s1", wrong[0]))
        page.click(".rk-check")
        page.wait_for_function("() => document.querySelector('.rk-status').textContent"
                               ".startsWith('Checked 4:')")
        assert page.inner_text(f"{unit('p01s1')} .rk-feedback") == "\u2714 Right: meta."
        first = page.inner_text(f"{unit('p04s1')} .rk-feedback")
        assert first == f"\u2718 Not {wrong[0]} (1 wrong try). Try another label."

        page.click(radio("p04s1", wrong[1]))
        page.click(".rk-check")
        page.wait_for_function(
            "() => document.querySelector('[data-unit=p04s1] .rk-feedback').textContent"
            ".includes('Accepted')")
        revealed = page.inner_text(f"{unit('p04s1')} .rk-feedback")
        entry = key["p04s1"]
        assert revealed == (f"\u2718 Not {wrong[1]} (2 wrong tries). Accepted: "
                            f"{' or '.join(entry.accepted)}. Why: {entry.rationale}")
        # The feedback describes its radiogroup for screen readers.
        described = page.get_attribute(f'{unit("p04s1")} [role="radiogroup"]', "aria-describedby")
        assert page.inner_text(f"#{described}") == revealed
        wait_for_answers(answers, {"p01s1": "meta", "p02s1": "meta", "p03s1": "meta",
                                   "p04s1": wrong[1]})

    def test_markup_is_text_and_quotations_are_marked(self, lab):
        page, _ = lab
        assert page.inner_text(f"{unit('p05s1')} .rk-text").endswith(
            "Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u>")
        assert page.inner_text(f"{unit('p06s1')} .rk-text").endswith("In-depth Report: **SYRIA**")
        assert page.locator(".rk-sorter u, .rk-sorter strong").count() == 0
        quotes = page.eval_on_selector_all(f"{unit('p01s1')} .rk-quote", "els => els.map(e => e.textContent)")
        assert quotes == ['"Secret Deal"']
        style = page.eval_on_selector(f"{unit('p01s1')} .rk-quote", "e => getComputedStyle(e).fontStyle")
        assert style == "italic"

    def test_rapid_clicks_last_one_wins(self, lab):
        page, answers = lab
        before = json.loads(answers.read_text(encoding="utf-8"))["answers"]
        # A burst within one task (the front end buffers while the kernel is busy) ...
        page.evaluate("""() => ['sourced', 'claim', 'commentary', 'claim', 'meta'].forEach(
            l => document.querySelector(`[data-unit=p05s1] [data-label=${l}]`).click())""")
        # ... and real mouse clicks that do not wait for the disk.
        for label in ("commentary", "sourced", "claim", "meta", "claim"):
            page.click(radio("p06s1", label))
        wait_for_answers(answers, {**before, "p05s1": "meta", "p06s1": "claim"})
        assert checked(page, "p05s1") == ["meta"] and checked(page, "p06s1") == ["claim"]

    def test_axe_finds_no_serious_violations(self, lab):
        page, _ = lab
        try:
            from axe_playwright_python.sync_playwright import Axe
        except ImportError:
            require(False, "axe-playwright-python is not installed: pip install -e '.[test]'")
        results = Axe().run(page, context=".rk-sorter", options={
            "runOnly": {"type": "tag", "values": [
                "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
            "resultTypes": ["violations"],
        })
        serious = [v for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], results.generate_report()

    def test_screenshot_for_the_docs(self, lab, tmp_path):
        page, _ = lab
        # The committed picture is rewritten only when missing or asked for, so that a test run
        # leaves the work tree clean.
        update = os.environ.get("READKIT_SCREENSHOTS") == "1" or not SCREENSHOT.exists()
        target = SCREENSHOT if update else tmp_path / "sorter.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1100, "height": 2600})
        page.mouse.move(0, 0)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.locator(".rk-sorter").screenshot(path=str(target), animations="disabled")
        page.set_viewport_size({"width": 1280, "height": 1000})
        assert target.stat().st_size > 10_000

    def test_focus_and_selection_contrast_light_and_dark(self, lab):
        page, _ = lab
        args = (radio("p01s1", "meta"), radio("p01s1", "claim"))
        assert_contrast(measure_contrast(page, *args), "light")
        set_theme(page, "JupyterLab Dark", "#111")
        try:
            assert_contrast(measure_contrast(page, *args), "dark")
        finally:
            set_theme(page, "JupyterLab Light", "white")

    def test_reload_and_kernel_restart_restore_answers(self, lab):
        page, answers = lab
        saved = json.loads(answers.read_text(encoding="utf-8"))["answers"]
        assert len(saved) >= 4
        page.reload()
        wait_for_idle_kernel(page)
        restart_kernel(page)
        run_all(page)
        wait_for_units(page, unit_count(range(1, 13)))
        for unit_id, label in saved.items():
            page.wait_for_selector(f'{radio(unit_id, label)}[aria-checked="true"]')
            assert checked(page, unit_id) == [label]
        total = unit_count(range(1, 13))
        assert page.inner_text(".rk-progress") == f"{len(saved)} of {total} labelled"
        assert json.loads(answers.read_text(encoding="utf-8"))["answers"] == saved


# -- Notebook 7 and Voila -----------------------------------------------------------------------

def render_and_click(page, answers: Path) -> None:
    wait_for_units(page, unit_count(range(51, 55)))
    assert page.locator(".rk-check").count() == 0  # assessment mode: no Check
    first = page.get_attribute(".rk-unit", "data-unit")
    page.click(radio(first, "claim"))
    wait_for_answers(answers, {first: "claim"})
    assert checked(page, first) == ["claim"]


def test_notebook7_renders_and_saves_after_a_corrupt_file(browser, course_env, tmp_path):
    write_notebook(tmp_path / "section.ipynb", [SECTION_CELL])
    (tmp_path / "answers.json").write_bytes(b'{"version": 1, "answers": {"p46')
    with jupyter_server("notebook", tmp_path, env=course_env) as server:
        page = browser.new_page()
        open_notebook(page, server, "section.ipynb")
        run_all(page)
        render_and_click(page, tmp_path / "answers.json")
        notice = page.locator(".rk-notice")
        assert notice.is_visible() and notice.get_attribute("role") == "alert"
        (aside,) = tmp_path.glob("answers.unreadable-*.json")
        assert notice.inner_text() == (
            "\u26a0 Your earlier answers file could not be used: answers.json is not valid JSON."
            f" Nothing was deleted: it is kept as {aside.name} in the same folder, and a fresh "
            "answers.json was started. Ask your instructor if you need the old answers back.")
        page.close()


def test_voila_renders_and_saves(browser, course_env, tmp_path):
    notebook = write_notebook(tmp_path / "section.ipynb", [SECTION_CELL])
    with jupyter_server("voila", tmp_path, notebook=notebook, env=course_env) as server:
        page = browser.new_page()
        open_notebook(page, server, notebook.name)  # Voila runs the notebook itself
        render_and_click(page, tmp_path / "answers.json")
        page.close()
