"""The Sorter in a real browser: JupyterLab (one key per decision, no key reaching JupyterLab's
command mode, pending until saved, Check, two tabs, kernel restart and a disconnected view,
axe-core, contrast in light and dark themes, the docs screenshot); the whole of assignment 01
labelled with one key per sentence in JupyterLab, Notebook 7 and Voila.

Each test has a page, a notebook and an answers.json of its own on the JupyterLab server the
module shares (conftest.py): it passes alone and in any order. Every server serves a temporary
folder: nothing here reads or writes the repo's answers files.
"""

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from readkit.course.course import Course
from readkit.course.labels import LABELS
from tests.support.browser_harness import (
    KERNEL,
    jupyter_server,
    open_notebook,
    restart_kernel,
    run_all,
    wait_for_idle_kernel,
    write_notebook,
)

from .conftest import ROOT, folder_for, notebook_page, run_all_and_settle, serious_axe_violations
from .snapshots import assert_aria_snapshot, colour_at, rgb, screenshot_path

pytestmark = pytest.mark.browser

LAB_CELL = """\
import readkit
sorter = readkit.Sorter((1, 12), assignment="lesson-sorter", mode="practice")
sorter"""
SELFCHECK_CELL = """\
from readkit.widgets.selfcheck import SelfCheck
SelfCheck("Who wrote it?", ["The BBC", "The author"], answer=1, explanation="The byline.")"""
EVIDENCE_CELL = """\
from readkit.widgets.selfcheck import NAMED, INTERPRETS, EvidenceTable
EvidenceTable({"p20s1": NAMED, "p52s1": INTERPRETS})"""
ASSIGNMENT = "01-sort-the-sources"
SECTION_CELLS = [f'from readkit import Sorter\nSorter.section("{ASSIGNMENT}", "part-{n}")'
                 for n in range(1, 4)]  # 01's three parts
NOTEBOOK = "window.jupyterapp.shell.currentWidget.content"
# After each key: the notebook's cell types (and hidden outputs), and how many radiogroups and
# self-checks it shows.
NOTEBOOK_SHAPE = f"""() => [{NOTEBOOK}.widgets.map(
    cell => cell.model.type + (cell.outputHidden ? " (output hidden)" : "")).join(","),
  document.querySelectorAll('.rk-sorter [role="radiogroup"]').length,
  document.querySelectorAll('.rk-selfcheck, .rk-evidence').length]"""
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


def run_in_kernel(page, code: str) -> None:
    """Run code in the notebook's kernel (not in a cell) and wait until it has run."""
    page.evaluate(f"async code => {{ await {KERNEL}.requestExecute({{code}}).done; }}", code)


def practice_key() -> dict:
    return Course.open(ROOT).article().key("practice")


def on_disk(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["answers"] if path.exists() else {}


def focused_unit(page) -> str | None:
    return page.evaluate("() => document.activeElement.closest('.rk-unit')?.dataset.unit ?? null")


def wait_until_saved(page, timeout: float = 15) -> None:
    """Until no Sorter of the page shows a choice as pending."""
    page.wait_for_function("() => [...document.querySelectorAll('.rk-sorter')]"
                           ".every(s => s.dataset.pending === '0')", timeout=timeout * 1000)


def checked(page, unit_id: str) -> list[str]:
    return page.eval_on_selector_all(
        f'{unit(unit_id)} [role="radio"][aria-checked="true"]', "els => els.map(e => e.dataset.label)"
    )


UNIT_STATES = """() => [...document.querySelectorAll('.rk-sorter .rk-unit')].map(u =>
  `${u.dataset.unit} ${u.querySelector('.rk-state').textContent || '-'} ` +
  [...u.querySelectorAll('[aria-checked=true]')].map(r => r.dataset.label).join())
  .concat([...document.querySelectorAll('.rk-offline, .rk-notice')]
  .filter(e => !e.hidden).map(e => e.textContent))"""


def wait_for_state(page, unit_id: str, state: str, timeout: float = 15) -> None:
    """Until the unit's state line reads `state`; if it never does, fail with every unit's
    state and choice, and any notice, as the page shows them."""
    try:
        page.wait_for_function(
            "([id, state]) => document.querySelector(`[data-unit=${id}] .rk-state`)"
            ".textContent === state", arg=[unit_id, state], timeout=timeout * 1000)
    except Exception as error:  # noqa: BLE001 (Playwright's TimeoutError, reported with the page)
        raise AssertionError(f"{unit_id} never read {state!r}; the page: "
                             f"{page.evaluate(UNIT_STATES)}") from error


def wait_for_units(page, count: int, timeout: float = 60) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.rk-sorter .rk-unit').length === n", arg=count,
        timeout=timeout * 1000,
    )


def unit_count(paragraphs: range) -> int:
    import csv

    with (ROOT / "data" / "articles" / "raqqa-2021" / "units.csv").open(encoding="utf-8", newline="") as handle:
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


WIDGETS = (".rk-sorter", ".rk-selfcheck", ".rk-evidence")  # the three kinds on the test page
KEYS_TO_TRY = ["m", "y", "a", "b", "x", "d", "d", "z", "o", "c", "v", "Enter", "Escape"]


def assert_no_key_reaches_the_notebook(page, answers: Path, where: str) -> None:
    """Click (or focus) a control of the widget, as a person would (the notebook is then in
    command mode), then type the notebook's command keys one at a time: after each, the cells,
    their types and outputs, and the widgets are as they were."""
    target = {".rk-sorter": radio("p10s1", "claim"),
              ".rk-selfcheck": ".rk-selfcheck input[type=radio]",
              ".rk-evidence": ".rk-evidence select"}[where]
    if where == ".rk-evidence":
        page.locator(target).first.focus()  # a click would open the list
    else:
        page.locator(target).first.click()
    assert page.evaluate(f"() => {NOTEBOOK}.mode") == "command", where
    shape = page.evaluate(NOTEBOOK_SHAPE)
    assert shape == ["code,code,code", unit_count(range(1, 13)), 2], where
    for key in KEYS_TO_TRY:
        if where == ".rk-sorter":  # a decision moves the focus on: back to the sentence
            page.locator(radio("p10s1", "claim")).focus()
        page.keyboard.press(key)
        page.wait_for_timeout(120)  # a shortcut would act at once
        assert page.evaluate(NOTEBOOK_SHAPE) == shape, (where, key)
        assert page.evaluate(f"() => {NOTEBOOK}.mode") == "command", (where, key)
        assert page.evaluate(f"() => {NOTEBOOK}.activeCellIndex") == \
            {".rk-sorter": 0, ".rk-selfcheck": 1, ".rk-evidence": 2}[where], (where, key)
        if where == ".rk-sorter" and key in ("m", "Enter"):
            # Decisions here: m is meta; Enter chooses the focused choice, claim.
            wait_until_saved(page)
            assert on_disk(answers)["p10s1"] == {"m": "meta", "Enter": "claim"}[key], key


# -- JupyterLab ---------------------------------------------------------------------------------

@pytest.fixture
def lab(browser, lab_server, test_folder):
    """A fresh page on a fresh notebook (the Sorter, a self-check, an evidence table), its
    cells run."""
    write_notebook(test_folder / "sorter.ipynb", [LAB_CELL, SELFCHECK_CELL, EVIDENCE_CELL])
    with notebook_page(browser, lab_server, test_folder / "sorter.ipynb") as page:
        run_all_and_settle(page)
        wait_for_units(page, unit_count(range(1, 13)))
        page.wait_for_selector(".rk-evidence select")
        yield page, test_folder / "answers.json", lab_server


def label_by_clicks(page, answers: Path, labels: dict[str, str]) -> None:
    """Click each unit's label, and wait until the file holds them all."""
    expected = {**on_disk(answers), **labels}
    for unit_id, label in labels.items():
        page.click(radio(unit_id, label))
    wait_for_answers(answers, expected)
    wait_until_saved(page)


class TestJupyterLab:
    def test_one_key_per_decision_saves_and_moves_on(self, lab):
        page, answers, _ = lab
        total = unit_count(range(1, 13))
        assert page.inner_text(".rk-progress") == f"0 of {total} labelled"
        page.click(radio("p01s1", "meta"))  # the Sorter's cell is the active one now
        before = page.evaluate(f"() => [{NOTEBOOK}.activeCellIndex, {NOTEBOOK}.mode]")
        assert before == [0, "command"]
        wait_for_answers(answers, {"p01s1": "meta"})
        assert checked(page, "p01s1") == ["meta"]
        assert focused_unit(page) == "p01s1"

        # A digit (in the order shown) or the letter on the choice: saved, focus moves on.
        page.keyboard.press("2")  # p01s1 -> claim, then p02s1
        assert focused_unit(page) == "p02s1"
        page.keyboard.press("m")  # p02s1 meta
        page.keyboard.press("o")  # p03s1 commentary
        page.keyboard.press("S")  # p04s1 sourced (either case: Caps Lock is no trap)
        assert focused_unit(page) == "p05s1"
        wait_for_answers(answers, {"p01s1": "claim", "p02s1": "meta", "p03s1": "commentary",
                                   "p04s1": "sourced"})
        # Undo goes back to the unit and its previous answer; Backspace clears.
        page.keyboard.press("u")
        assert focused_unit(page) == "p04s1"
        wait_for_answers(answers, {"p01s1": "claim", "p02s1": "meta", "p03s1": "commentary"})
        page.keyboard.press("4")
        wait_for_answers(answers, {"p01s1": "claim", "p02s1": "meta", "p03s1": "commentary",
                                   "p04s1": "meta"})
        page.keyboard.press("Shift+Tab")  # back to p04s1's checked choice
        assert focused_unit(page) == "p04s1"
        page.keyboard.press("Backspace")
        wait_for_answers(answers, {"p01s1": "claim", "p02s1": "meta", "p03s1": "commentary"})
        page.keyboard.press("Control+z")  # undo, the other way
        wait_for_answers(answers, {"p01s1": "claim", "p02s1": "meta", "p03s1": "commentary",
                                   "p04s1": "meta"})
        wait_until_saved(page)
        page.wait_for_function("() => document.querySelector('.rk-status').textContent"
                               " === 'Saved: p04s1 meta'")

        # The next unlabelled sentence, not merely the next one.
        page.eval_on_selector(radio("p05s1", "sourced"), "el => el.focus()")
        page.keyboard.press("ArrowRight")  # arrows still choose: p05s1 claim
        page.keyboard.press("Home")  # p05s1 sourced
        page.keyboard.press("End")  # p05s1 meta
        wait_for_answers(answers, {"p01s1": "claim", "p02s1": "meta", "p03s1": "commentary",
                                   "p04s1": "meta", "p05s1": "meta"})
        wait_until_saved(page)
        # ... and are not announced: the live region still speaks of the last decision.
        assert page.inner_text(".rk-status") == "Saved: p04s1 meta"
        page.eval_on_selector(radio("p03s1", "sourced"), "el => el.focus()")
        page.keyboard.press("1")  # p03s1 changes; p04s1 and p05s1 are labelled: on to p06s1
        assert focused_unit(page) == "p06s1"
        wait_for_answers(answers, {"p01s1": "claim", "p02s1": "meta", "p03s1": "sourced",
                                   "p04s1": "meta", "p05s1": "meta"})
        assert checked(page, "p03s1") == ["sourced"]
        # Roving tabindex: one tabbable choice per sentence, the checked one.
        assert page.eval_on_selector_all(
            f'{unit("p05s1")} [role="radio"]', "els => els.map(e => e.tabIndex)") == [-1, -1, -1, 0]
        # Tab moves between sentences.
        page.keyboard.press("Tab")
        assert focused_unit(page) == "p07s1"
        wait_until_saved(page)
        assert page.inner_text(".rk-progress") == f"5 of {total} labelled"
        # The keys stayed in the widget: the notebook did not move or enter edit mode.
        assert page.evaluate(f"() => [{NOTEBOOK}.activeCellIndex, {NOTEBOOK}.mode]") == before

    def test_choices_show_their_keys_and_groups_are_named_by_their_full_sentence(self, lab):
        page, _, _ = lab
        choices = page.locator(f'{unit("p09s1")} [role="radio"]')
        assert [choices.nth(k).inner_text().split() for k in range(4)] == [
            ["1", "sourced"], ["2", "claim"], ["3", "commentary"], ["4", "meta"]]
        letters = page.eval_on_selector_all(f'{unit("p09s1")} .rk-letter',
                                            "els => els.map(e => e.textContent)")
        assert letters == ["s", "c", "o", "m"]
        assert [choices.nth(k).get_attribute("aria-keyshortcuts") for k in range(4)] == [
            "1 S", "2 C", "3 O", "4 M"]
        keys = page.locator(".rk-keys")
        assert keys.is_visible()
        assert "Backspace" in keys.inner_text() and "undoes" in keys.inner_text()
        group = page.locator(f'{unit("p09s1")} [role="radiogroup"]')
        assert keys.get_attribute("id") in group.get_attribute("aria-describedby").split()
        # each radiogroup is named by its whole sentence
        sentence = page.inner_text(f"#{group.get_attribute('aria-labelledby')}")
        full = page.inner_text(f"{unit('p09s1')} .rk-text").removeprefix("p09s1").strip()
        assert sentence == full and len(full) > 60
        assert page.get_by_role("radiogroup", name=full).count() == 1
        assert group.get_by_role("radio").count() == 4

    def test_no_key_typed_inside_reaches_jupyterlab(self, lab):
        page, answers, _ = lab
        for where in WIDGETS:
            assert_no_key_reaches_the_notebook(page, answers, where)

    def test_a_choice_is_pending_until_the_kernel_has_saved_it(self, lab):
        page, answers, _ = lab
        # A slow disk for a moment: the choice waits for the kernel's answer, and says so.
        run_in_kernel(page, "import time\nslow = sorter.widget._write\n"
                            "sorter.widget._write = lambda *args: (time.sleep(2), slow(*args))[1]")
        page.click(radio("p11s1", "commentary"))
        choice = page.locator(radio("p11s1", "commentary"))
        assert choice.get_attribute("aria-checked") == "true"
        assert "rk-pending" in choice.get_attribute("class")
        assert page.inner_text(f"{unit('p11s1')} .rk-state") == "Saving\u2026"
        assert "saving" in page.inner_text(".rk-progress")
        assert "p11s1" not in on_disk(answers)
        wait_for_answers(answers, {**on_disk(answers), "p11s1": "commentary"})
        wait_until_saved(page)
        run_in_kernel(page, "del sorter.widget._write")
        assert "rk-pending" not in choice.get_attribute("class")
        assert page.inner_text(f"{unit('p11s1')} .rk-state") == ""

    def test_check_marks_right_and_wrong_then_reveals(self, lab):
        page, answers, _ = lab
        key = practice_key()
        wrong = [label for label in ("sourced", "claim", "commentary", "meta")
                 if label not in key["p04s1"].accepted]
        page.click(radio("p04s1", wrong[0]))
        page.click(".rk-check")
        page.wait_for_function("() => document.querySelector('.rk-status').textContent"
                               ".startsWith('Checked ')")
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
        assert any(page.inner_text(f"#{part}") == revealed for part in described.split())
        wait_until_saved(page)
        assert on_disk(answers)["p04s1"] == wrong[1]

    def test_a_fast_choice_then_check_gets_the_verdict_for_the_latest_choice(self, lab):
        page, _, _ = lab
        key = practice_key()
        right = key["p08s1"].accepted[0]
        wrong = next(label for label in ("sourced", "claim", "commentary", "meta")
                     if label not in key["p08s1"].accepted)
        # Within one task: the Check goes out before any acknowledgement can come back.
        page.evaluate("""([wrong, right]) => {
            document.querySelector(`[data-unit=p08s1] [data-label=${wrong}]`).click();
            document.querySelector(`[data-unit=p08s1] [data-label=${right}]`).click();
            document.querySelector('.rk-check').click();
        }""", [wrong, right])
        page.wait_for_function("() => document.querySelector('[data-unit=p08s1] .rk-feedback')"
                               ".textContent !== ''")
        assert page.inner_text(f"{unit('p08s1')} .rk-feedback") == f"\u2714 Right: {right}."

    def test_skip_link_goes_past_the_sentences_to_check(self, lab):
        page, _, _ = lab
        skip = page.locator(".rk-skip")
        assert skip.inner_text() == "Skip to Check"
        skip.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.className") == "rk-check"
        assert page.evaluate(f"() => {NOTEBOOK}.mode") == "command"

    def test_raw_markup_units_render_as_formatted_text(self, lab):
        """The article's markup shows as underlined and bold text (never as HTML from the
        data), in the sentence and in its radiogroup's name; quotations are marked; the data
        stays as typed."""
        page, _, _ = lab
        data = ROOT / "data" / "articles" / "raqqa-2021"
        before = {name: (data / name).read_bytes() for name in ("units.csv", "article.txt")}
        assert page.inner_text(f"{unit('p05s1')} .rk-sentence") == \
            "Theme: Terrorism, US NATO War Agenda"
        assert page.eval_on_selector_all(f"{unit('p05s1')} .rk-sentence u",
                                         "els => els.map(e => e.textContent)") == [
            "Terrorism", "US NATO War Agenda"]
        assert page.inner_text(f"{unit('p06s1')} .rk-sentence") == "In-depth Report: SYRIA"
        assert page.eval_on_selector_all(f"{unit('p06s1')} .rk-sentence strong",
                                         "els => els.map(e => e.textContent)") == ["SYRIA"]
        assert page.get_by_role("radiogroup", name="Theme: Terrorism, US NATO War Agenda",
                                exact=True).count() == 1
        assert page.get_by_role("radiogroup", name="In-depth Report: SYRIA", exact=True).count() == 1
        underline = page.eval_on_selector(f"{unit('p05s1')} .rk-sentence u",
                                          "e => getComputedStyle(e).textDecorationLine")
        weight = page.eval_on_selector(f"{unit('p06s1')} .rk-sentence strong",
                                       "e => getComputedStyle(e).fontWeight")
        assert underline == "underline" and int(weight) >= 700
        # No other element came from the data: a sentence holds text, u, strong, quote spans.
        tags = page.eval_on_selector_all(".rk-sentence *", "els => [...new Set(els.map("
                                         "e => e.tagName + '.' + e.className))].sort()")
        assert set(tags) <= {"U.", "STRONG.", "SPAN.rk-quote"}
        quotes = page.eval_on_selector_all(f"{unit('p01s1')} .rk-quote",
                                           "els => els.map(e => e.textContent)")
        assert quotes == ['"Secret Deal"']
        style = page.eval_on_selector(f"{unit('p01s1')} .rk-quote", "e => getComputedStyle(e).fontStyle")
        assert style == "italic"
        assert {name: (data / name).read_bytes() for name in before} == before
        assert b"Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u>" in before["units.csv"]
        assert b"In-depth Report: **SYRIA**" in before["units.csv"]

    def test_rapid_clicks_last_one_wins(self, lab):
        page, answers, _ = lab
        wait_until_saved(page)
        before = on_disk(answers)
        # A burst within one task (the front end buffers while the kernel is busy) ...
        page.evaluate("""() => ['sourced', 'claim', 'commentary', 'claim', 'meta'].forEach(
            l => document.querySelector(`[data-unit=p05s1] [data-label=${l}]`).click())""")
        # ... and real mouse clicks that do not wait for the disk.
        for label in ("commentary", "sourced", "claim", "meta", "claim"):
            page.click(radio("p06s1", label))
        wait_for_answers(answers, {**before, "p05s1": "meta", "p06s1": "claim"})
        wait_until_saved(page)
        assert checked(page, "p05s1") == ["meta"] and checked(page, "p06s1") == ["claim"]

    def test_axe_finds_no_serious_violations(self, lab):
        page, answers, _ = lab
        # Every state a unit can be in: labelled, checked right and wrong, pending, unlabelled.
        key = practice_key()
        wrong = next(label for label in LABELS if label not in key["p02s1"].accepted)
        label_by_clicks(page, answers, {"p01s1": key["p01s1"].label, "p02s1": wrong})
        page.click(".rk-check")
        page.wait_for_selector(f"{unit('p02s1')} .rk-feedback:not([hidden])")
        run_in_kernel(page, "import time\nslow = sorter.widget._write\n"
                            "sorter.widget._write = lambda *args: (time.sleep(3), slow(*args))[1]")
        page.click(radio("p03s1", "claim"))
        page.wait_for_selector(".rk-pending")
        serious, report = serious_axe_violations(page, [".rk-sorter"])
        assert serious == [], report

    def test_screenshot_for_the_docs(self, lab, tmp_path):
        """The picture in the README: what it must show is checked in it (the checked choice's
        fill, the page behind an unchecked one) and in the accessibility tree of its first
        paragraphs (compared whole with tests/golden/browser/sorter-top.aria.yml)."""
        page, answers, _ = lab
        label_by_clicks(page, answers, {"p01s1": "meta", "p02s1": "meta", "p03s1": "claim"})
        target = screenshot_path("sorter.png", tmp_path)
        page.set_viewport_size({"width": 1100, "height": 2600})
        page.mouse.move(0, 0)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        sorter = page.locator(".rk-sorter")
        picture = sorter.screenshot(path=str(target), animations="disabled")
        origin = sorter.bounding_box()
        fill = page.eval_on_selector(radio("p02s1", "meta"), "e => getComputedStyle(e).backgroundColor")
        back = page.eval_on_selector(".rk-sorter", "e => getComputedStyle(e).backgroundColor")
        # Inside each choice, right of its text (in its padding): the checked one's accent fill,
        # the page behind an unchecked one.
        for label, colour in (("meta", fill), ("sourced", back), ("claim", back)):
            box = page.locator(radio("p02s1", label)).bounding_box()
            assert colour_at(picture, origin, box["x"] + box["width"] - 4,
                             box["y"] + box["height"] / 2) == rgb(colour), label
        assert_aria_snapshot([page.locator(".rk-para").nth(n) for n in range(6)], "sorter-top")
        page.set_viewport_size({"width": 1280, "height": 1000})

    def test_focus_and_selection_contrast_light_and_dark(self, lab):
        page, answers, _ = lab
        label_by_clicks(page, answers, {"p02s1": "meta"})
        args = (radio("p02s1", "meta"), radio("p02s1", "claim"))
        assert_contrast(measure_contrast(page, *args), "light")
        set_theme(page, "JupyterLab Dark", "#111")
        try:
            assert_contrast(measure_contrast(page, *args), "dark")
        finally:
            set_theme(page, "JupyterLab Light", "white")

    def test_two_tabs_clicking_different_sentences_both_save(self, lab, browser):
        page, answers, server = lab
        label_by_clicks(page, answers, {"p02s1": "meta"})
        page.evaluate("() => { window.jupyterapp.commands.execute('docmanager:save'); }")
        page.wait_for_function(f"() => !{NOTEBOOK}.model.dirty")
        before = on_disk(answers)
        other = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            open_notebook(other, server, answers.parent.relative_to(server.root) / "sorter.ipynb")
            # the same kernel: its widgets are restored in the second tab
            wait_for_units(other, unit_count(range(1, 13)))
            assert checked(other, "p02s1") == [before["p02s1"]]
            page.click(radio("p12s1", "claim"))
            other.click(radio("p07s1", "sourced"))
            wait_for_answers(answers, {**before, "p12s1": "claim", "p07s1": "sourced"})
            for tab in (page, other):  # each tab shows the other's click too
                tab.wait_for_selector(f'{radio("p07s1", "sourced")}[aria-checked="true"]')
                tab.wait_for_selector(f'{radio("p12s1", "claim")}[aria-checked="true"]')
                wait_until_saved(tab)
        finally:
            other.close()

    def test_after_a_kernel_restart_the_old_view_says_it_is_disconnected(self, lab):
        page, answers, _ = lab
        label_by_clicks(page, answers, {"p01s1": "meta", "p09s1": "claim"})
        saved = on_disk(answers)
        restart_kernel(page)
        offline = page.locator(".rk-offline")
        offline.wait_for(state="visible")
        assert offline.get_attribute("role") == "alert"
        assert offline.inner_text().startswith("\u26a0 Disconnected: ")
        previous = saved.get("p09s1")
        page.click(radio("p09s1", "commentary"), force=True)  # aria-disabled: forced, as a hand would
        page.keyboard.press("1")
        page.wait_for_timeout(1000)
        assert on_disk(answers) == saved
        # Nothing shown as saved that is not on disk.
        for unit_id in ["p09s1", *saved]:
            assert checked(page, unit_id) == ([saved[unit_id]] if unit_id in saved else []), unit_id
        assert checked(page, "p09s1") == ([previous] if previous else [])
        assert page.locator(".rk-pending").count() == 0

    def test_a_view_whose_kernel_forgot_it_says_it_is_disconnected(self, lab):
        page, answers, _ = lab
        label_by_clicks(page, answers, {"p01s1": "meta", "p12s1": "claim"})
        saved = on_disk(answers)
        # The kernel drops the widget's comm without telling the page (as a kernel that was
        # replaced behind JupyterLab's back would): the next choice gets no answer.
        run_in_kernel(page, "from comm import get_comm_manager\n"
                            "get_comm_manager().unregister_comm(sorter.widget.comm)")
        page.click(radio("p12s1", "meta"))
        page.locator(".rk-offline").wait_for(state="visible")
        assert page.locator(".rk-pending").count() == 0
        assert checked(page, "p12s1") == ([saved["p12s1"]] if "p12s1" in saved else [])
        assert on_disk(answers) == saved
        assert "Not saved" in page.inner_text(f"{unit('p12s1')} .rk-state")

    def test_reload_and_kernel_restart_restore_answers(self, lab):
        page, answers, _ = lab
        label_by_clicks(page, answers, {"p01s1": "meta", "p02s1": "meta", "p03s1": "claim",
                                        "p05s1": "meta", "p07s1": "sourced", "p08s1": "claim",
                                        "p10s1": "commentary", "p12s1": "claim"})
        saved = on_disk(answers)
        assert len(saved) == 8
        page.reload()
        wait_for_idle_kernel(page)
        restart_kernel(page)
        run_all_and_settle(page)
        wait_for_units(page, unit_count(range(1, 13)))
        for unit_id, label in saved.items():
            page.wait_for_selector(f'{radio(unit_id, label)}[aria-checked="true"]')
            assert checked(page, unit_id) == [label]
        total = unit_count(range(1, 13))
        assert page.inner_text(".rk-progress") == f"{len(saved)} of {total} labelled"
        assert on_disk(answers) == saved


# -- Notebook 7 and Voila -----------------------------------------------------------------------

def render_and_click(page, answers: Path) -> None:
    wait_for_units(page, unit_count(range(51, 55)))
    assert page.locator(".rk-check").count() == 0  # assessment mode: no Check
    first = page.get_attribute(".rk-unit", "data-unit")
    page.click(radio(first, "claim"))
    wait_for_answers(answers, {first: "claim"})
    assert checked(page, first) == ["claim"]


@pytest.fixture(scope="module")
def notebook7_server(course_env, tmp_path_factory):
    """One Notebook 7 for the module's Notebook 7 tests (each in a folder of its own)."""
    with jupyter_server("notebook", tmp_path_factory.mktemp("notebook7"), env=course_env) as server:
        yield server


def test_notebook7_renders_and_saves_after_a_corrupt_file(browser, notebook7_server, request):
    folder = folder_for(request, notebook7_server)
    notebook = write_notebook(folder / "section.ipynb", [SECTION_CELL])
    (folder / "answers.json").write_bytes(b'{"version": 1, "answers": {"p46')
    with notebook_page(browser, notebook7_server, notebook) as page:
        run_all(page)
        render_and_click(page, folder / "answers.json")
        notice = page.locator(".rk-notice")
        assert notice.is_visible() and notice.get_attribute("role") == "alert"
        (aside,) = folder.glob("answers.unreadable-*.json")
        assert notice.inner_text() == (
            "\u26a0 Your earlier answers file could not be used: answers.json is not valid JSON."
            f" Nothing was deleted: it is kept as {aside.name} in the same folder, and a fresh "
            "answers.json was started. Ask your instructor if you need the old answers back.")


def test_voila_renders_and_saves(browser, course_env, tmp_path):
    notebook = write_notebook(tmp_path / "section.ipynb", [SECTION_CELL])
    with jupyter_server("voila", tmp_path, notebook=notebook, env=course_env) as server:
        page = browser.new_page()
        open_notebook(page, server, notebook.name)  # Voila runs the notebook itself
        render_and_click(page, tmp_path / "answers.json")
        page.close()


# -- the whole of assignment 01, one key per sentence: JupyterLab, Notebook 7, Voila ------------

LETTERS = {"sourced": "s", "claim": "c", "commentary": "o", "meta": "m"}


def assignment_units() -> list[str]:
    course = Course.open(ROOT).article_for(ASSIGNMENT)
    return [unit_id for section in course.sections(ASSIGNMENT)
            for unit_id in course.section_units(section)]


def label_everything_by_keys(page, answers: Path) -> int:
    """Focus the first sentence, then press one key per sentence (digits and letters in turn,
    every label used), never moving the focus by hand. Returns the number of key presses."""
    ids = assignment_units()
    wait_for_units(page, len(ids))
    assert page.eval_on_selector_all(".rk-sorter .rk-unit", "els => els.map(e => e.dataset.unit)") \
        == ids  # the four parts, in reading order
    page.locator('.rk-sorter [role="radio"]').first.focus()
    expected, presses = {}, 0
    for n, unit_id in enumerate(ids):
        assert focused_unit(page) == unit_id, f"key {presses}: the focus is not on {unit_id}"
        label = LABELS[(n + n // 4) % len(LABELS)]
        page.keyboard.press(str(LABELS.index(label) + 1) if n % 2 else LETTERS[label])
        presses += 1
        expected[unit_id] = label
    wait_for_answers(answers, expected)
    wait_until_saved(page)
    for unit_id, label in expected.items():
        assert checked(page, unit_id) == [label], unit_id
    return presses


@contextmanager
def page_on(kind: str, notebook: Path, browser, server, env: dict[str, str]) -> Iterator:
    """A page on `notebook`: on the module's `server` (JupyterLab, Notebook 7), or on a Voila
    of its own (Voila serves one notebook), which runs it."""
    if kind == "voila":
        with jupyter_server("voila", notebook.parent, notebook=notebook, env=env) as voila:
            with notebook_page(browser, voila, notebook) as page:
                yield page
        return
    with notebook_page(browser, server, notebook) as page:
        run_all_and_settle(page)
        yield page


@pytest.mark.parametrize("kind", ["lab", "notebook", "voila"])
def test_assignment_01_is_labelled_with_one_key_per_sentence(browser, course_env, request,
                                                             tmp_path, kind):
    server = None if kind == "voila" else request.getfixturevalue(
        {"lab": "lab_server", "notebook": "notebook7_server"}[kind])
    folder = folder_for(request, server) if server else tmp_path
    notebook = write_notebook(folder / "sort-the-sources.ipynb", SECTION_CELLS)
    with page_on(kind, notebook, browser, server, course_env) as page:
        presses = label_everything_by_keys(page, folder / "answers.json")
        assert presses == len(assignment_units())  # one key per sentence, no more
        if kind != "voila":  # and the notebook is as it was
            assert page.evaluate(f"() => {NOTEBOOK}.widgets.map(c => c.model.type)") == [
                "code"] * len(SECTION_CELLS)


# A kernel on a busy hub: every save answers late (0.3 s), one unit's very late (8 s), and the
# disk refuses another's (the kernel answers "not saved"). By the unit each write adds, not by
# the count of writes: under load the kernel may take the choices' writes in another order.
def busy_kernel_cell(refused: str, late: str) -> str:
    return f"""\
import errno, time
from readkit.course import answers as store
_write_answers, _written = store.write_answers, set()
def _busy(path, assignment, answers, *args, **kwargs):
    added = set(answers) - _written
    time.sleep(8 if {late!r} in added else 0.3)
    if {refused!r} in added:
        raise OSError(errno.ENOSPC, "No space left on device")
    _write_answers(path, assignment, answers, *args, **kwargs)
    _written.update(answers)
store.write_answers = _busy"""


def test_the_focus_never_goes_back_however_late_or_badly_the_kernel_answers(
        browser, lab_server, test_folder):
    """One key per sentence through parts 1 and 2 of assignment 01 while the kernel answers
    late (a hub with a class on it) and refuses one save: the focus goes on from sentence to
    sentence and into part 2, never back to a sentence this view labelled, whether its choice
    is still waiting for the kernel or came back "not saved" (that one says so, in place)."""
    course = Course.open(ROOT).article_for(ASSIGNMENT)
    part1, part2 = (course.section_units(course.section(ASSIGNMENT, f"part-{n}")) for n in (1, 2))
    refused = part1[2]  # the 3rd sentence's save
    late = part1[3]  # the 4th: still waiting when part 1 ends
    notebook = write_notebook(test_folder / "busy.ipynb",
                              [busy_kernel_cell(refused, late), *SECTION_CELLS[:2]])
    with notebook_page(browser, lab_server, notebook) as page:
        run_all_and_settle(page)
        wait_for_units(page, len(part1) + len(part2))
        page.locator('.rk-sorter [role="radio"]').first.focus()
        for n, unit_id in enumerate([*part1, *part2]):
            assert focused_unit(page) == unit_id, f"key {n}: the focus is not on {unit_id}"
            if unit_id == part1[-1]:
                # Part 1's last sentence: one choice has come back refused, one still waits.
                wait_for_state(page, refused, "Not saved", timeout=30)
                assert page.inner_text(f"{unit(late)} .rk-state") == "Saving\u2026"
            page.keyboard.press(LETTERS[LABELS[n % len(LABELS)]])
        expected = {unit_id: LABELS[n % len(LABELS)]
                    for n, unit_id in enumerate([*part1, *part2]) if unit_id != refused}
        wait_for_answers(test_folder / "answers.json", expected, timeout=60)
        wait_until_saved(page, timeout=30)
        assert page.inner_text(f"{unit(refused)} .rk-state") == "Not saved"
        assert checked(page, refused) == []


def test_no_key_typed_inside_reaches_notebook7(browser, notebook7_server, request):
    """Notebook 7 handles shortcuts before the widget sees the key (o hides outputs there)."""
    folder = folder_for(request, notebook7_server)
    notebook = write_notebook(folder / "sorter.ipynb", [LAB_CELL, SELFCHECK_CELL, EVIDENCE_CELL])
    with notebook_page(browser, notebook7_server, notebook) as page:
        run_all_and_settle(page)
        page.wait_for_selector(".rk-evidence select")
        for where in WIDGETS:
            assert_no_key_reaches_the_notebook(page, folder / "answers.json", where)
