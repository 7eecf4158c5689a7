"""The Sorter's author mode in a real browser (JupyterLab): the fixture article labelled by
keyboard only (label keys, an accepted alternative, a new source and a chosen one, a rationale,
the assessment split, one merge and one split), then key.csv's exact rows; the focus stays in
the widget and no key reaches JupyterLab; axe-core and the contrast of the new controls in the
light and dark themes.

Each test has a course of its own (made with readkit.authoring.new_article from
tests/fixtures/articles/harbour-bridge.txt in a temporary folder) and a page of its own on the
JupyterLab server the module shares: each passes alone and in any order, and nothing here
writes into the repository.
"""

import csv
import io
import time
from pathlib import Path

import pytest

from readkit.authoring.new_article import register, write_article
from tests.support.browser_harness import jupyter_server, write_notebook

from .conftest import ROOT, notebook_page, run_all_and_settle, serious_axe_violations
from .test_sorter_browser import NOTEBOOK, contrast, set_theme

pytestmark = pytest.mark.browser

SLUG = "harbour-bridge"
CELL = f"""\
import readkit
sorter = readkit.AuthorSorter(article="{SLUG}", course=readkit.Course.open({{course!r}}))
sorter"""
SHAPE = f"""() => [{NOTEBOOK}.widgets.map(cell => cell.model.type).join(","),
  {NOTEBOOK}.mode, {NOTEBOOK}.activeCellIndex,
  document.querySelectorAll('.rk-author [role="radiogroup"]').length]"""
IN_WIDGET = "() => !!document.activeElement.closest('.rk-author')"


def unit(unit_id: str) -> str:
    return f'.rk-author .rk-unit[data-unit="{unit_id}"]'


def radio(unit_id: str, label: str) -> str:
    return f'{unit(unit_id)} [role="radio"][data-label="{label}"]'


def focused_unit(page) -> str | None:
    return page.evaluate("() => document.activeElement.closest('.rk-unit')?.dataset.unit ?? null")


def key_rows(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / "key.csv").read_text(encoding="utf-8"))))


def wait_for_key(folder: Path, expected: list[dict[str, str]], timeout: float = 20) -> None:
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        last = key_rows(folder)
        if last == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"key.csv never held the expected rows; last seen: {last}")


def wait_until_saved(page) -> None:
    page.wait_for_function("() => document.querySelector('.rk-author').dataset.pending === '0'",
                           timeout=15000)


def press(page, *keys: str) -> None:
    """Keys one at a time, each answered by the kernel before the next (as a person types)."""
    for key in keys:
        page.keyboard.press(key)
        wait_until_saved(page)


@pytest.fixture(scope="module")
def author_server(tmp_path_factory):
    """One JupyterLab for the module; each test's course is a folder under its root, and the
    notebook names its course (AuthorSorter's course=)."""
    root = tmp_path_factory.mktemp("author-courses")
    with jupyter_server("lab", root) as server:
        yield server


@pytest.fixture
def lab(browser, author_server, request):
    root = author_server.root / request.node.name[:60].replace("[", "-").replace("]", "")
    (root / "data").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()  # noqa\n", encoding="utf-8")
    folder = root / "data" / "articles" / SLUG
    text = (ROOT / "tests" / "fixtures" / "articles" / f"{SLUG}.txt").read_text(encoding="utf-8")
    write_article(SLUG, text, folder)
    register(root / "data", SLUG, "Harbour Bridge to close for six weeks of repairs")
    notebook = root / "notebooks" / "author.ipynb"
    notebook.parent.mkdir()
    write_notebook(notebook, [CELL.format(course=str(root))])
    with notebook_page(browser, author_server, notebook) as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        run_all_and_settle(page)
        page.wait_for_function(
            "() => document.querySelectorAll('.rk-author .rk-unit').length === 36",
            timeout=60000)
        yield page, folder
        assert errors == [], errors  # no script error in the widget, all along


def row(unit_id, label="", accept="", source="", split="", rationale=""):
    return {"unit_id": unit_id, "label": label, "accept": accept, "source": source,
            "split": split, "rationale": rationale}


class TestAuthorMode:
    def test_an_article_is_labelled_by_keyboard_only(self, lab):
        page, folder = lab
        ids_before = [r["unit_id"] for r in key_rows(folder)]
        page.click(".rk-author .rk-intro")  # as a person would: the Sorter's cell is active
        shape = page.evaluate(SHAPE)
        assert shape == ["code", "command", 0, 36]
        page.locator(radio("p01s1", "sourced")).focus()

        press(page, "m", "4", "m")  # p01s1, p02s1, p03s1: meta; the focus moves on
        assert focused_unit(page) == "p04s1"
        # p04s1: claim also accepted, a new source (chosen for it), a rationale, then the label.
        press(page, "Shift+C")
        press(page, "Shift+N")
        page.keyboard.type("council")
        page.keyboard.press("Tab")
        page.keyboard.type("Kelmouth Town Council")
        page.keyboard.press("Tab")
        page.keyboard.type("official")
        page.keyboard.press("Tab")
        page.keyboard.type("2026-03-03")
        page.keyboard.press("Tab")
        page.keyboard.type("Kelmouth Town Council, press release, 3 March 2026.")
        press(page, "Enter")
        page.wait_for_function("() => document.activeElement.closest('.rk-unit')?.dataset.unit"
                               " === 'p04s1'")
        press(page, "r")
        page.keyboard.type("The council is named as the source: mind the dates.")
        press(page, "Enter")
        assert focused_unit(page) == "p04s1"
        press(page, "s")  # p04s1 sourced
        press(page, "c")  # p04s2 claim
        assert focused_unit(page) == "p05s1"
        press(page, "n", "ArrowDown", "Enter")  # p05s1's source: the council
        press(page, "s", "c")  # p05s1 sourced, p05s2 claim
        assert focused_unit(page) == "p06s1"
        # Merge the two sentences of the councillor's quotation; the merged unit has focus.
        press(page, "j")
        page.wait_for_function("() => document.activeElement.closest('.rk-unit')?.dataset.unit"
                               " === 'p06s4'")
        press(page, "s", "s", "m", "c")  # p06s4, p06s3 sourced; p07s1 meta; p08s1 claim
        assert focused_unit(page) == "p08s2"
        # Keys the widget does not use do nothing (and never reach JupyterLab).
        before = key_rows(folder)
        for key in ("x", "d", "d", "b", "y", "z", "v", "Escape"):
            page.keyboard.press(key)
            page.wait_for_timeout(100)
            assert page.evaluate(SHAPE) == ["code", "command", 0, 35], key
        assert key_rows(folder) == before
        for _ in range(5):
            page.keyboard.press("Tab")  # p09s1 ... p11s1
        assert focused_unit(page) == "p11s1"
        press(page, "a")  # assessment from paragraph 11
        page.wait_for_selector('.rk-split-line[data-paragraph="11"]:not([hidden])')
        for _ in range(5):
            page.keyboard.press("Tab")  # p11s2 ... p12s2
        assert focused_unit(page) == "p12s2"
        page.keyboard.press("/")  # the split point starts after the first sentence's end
        assert page.evaluate("() => document.activeElement.getAttribute('aria-valuetext')") \
            == "before \u201cwe'll manage,\" said Tom\u201d"
        press(page, "Enter")
        page.wait_for_function("() => document.activeElement.closest('.rk-unit')?.dataset.unit"
                               " === 'p12s4'")
        press(page, "s", "s")  # p12s4, p12s5 sourced

        practice = ["p01s1", "p02s1", "p03s1", "p04s1", "p04s2", "p05s1", "p05s2", "p06s4",
                    "p06s3", "p07s1", "p08s1", "p08s2", "p09s1", "p09s2", "p10s1", "p10s2"]
        labels = {"p01s1": "meta", "p02s1": "meta", "p03s1": "meta", "p04s2": "claim",
                  "p05s2": "claim", "p06s4": "sourced", "p06s3": "sourced", "p07s1": "meta",
                  "p08s1": "claim", "p12s4": "sourced", "p12s5": "sourced"}
        ids = [*practice, *[u for u in ids_before[17:] if u != "p12s2"]]
        ids.insert(ids.index("p12s1") + 1, "p12s4")
        ids.insert(ids.index("p12s4") + 1, "p12s5")
        expected = [row(u, labels.get(u, ""), split="practice" if u in practice else "assessment")
                    for u in ids]
        expected[3] = row("p04s1", "sourced", "claim", "council", "practice",
                          "The council is named as the source: mind the dates.")
        expected[5] = row("p05s1", "sourced", source="council", split="practice")
        wait_for_key(folder, expected)
        sources = (folder / "sources.csv").read_text(encoding="utf-8")
        assert sources == ("source_id,name,kind,date,citation\n"
                           "council,Kelmouth Town Council,official,2026-03-03,"
                           "\"Kelmouth Town Council, press release, 3 March 2026.\"\n")
        units = {r["unit_id"]: r["text"] for r in csv.DictReader(
            io.StringIO((folder / "units.csv").read_text(encoding="utf-8")))}
        assert units["p06s4"] == (
            '"We know this is a long closure. We have looked at every option, and this is the '
            'quickest safe way to do the job," said Councillor R. T. Okafor, who chairs the '
            'transport committee.')
        assert (units["p12s4"], units["p12s5"]) == (
            "\"It's six weeks...", "we'll manage,\" said Tom Brennan, a taxi driver.")
        # The focus stayed in the widget, and the notebook is as it was: one code cell, in
        # command mode, the widget's cell active (36 units - 1 merge + 1 split).
        assert page.evaluate(IN_WIDGET)
        assert page.evaluate(SHAPE) == ["code", "command", 0, 36]
        assert page.inner_text(".rk-author .rk-progress") == \
            "13 of 36 labelled; assessment from paragraph 11"

    def test_a_bad_change_is_shown_and_writes_nothing(self, lab):
        page, folder = lab
        before = key_rows(folder)
        page.locator(radio("p05s2", "claim")).focus()
        press(page, "j")  # the last unit of its paragraph
        notice = page.inner_text(".rk-author .rk-notice")
        assert "p05s2 is the last unit of paragraph 5" in notice
        assert key_rows(folder) == before
        assert page.evaluate(IN_WIDGET)

    def test_u_undoes_the_last_change(self, lab):
        page, folder = lab
        before = key_rows(folder)
        page.locator(radio("p12s3", "sourced")).focus()
        press(page, "o")  # p12s3 commentary; the focus moves on
        assert [r["label"] for r in key_rows(folder) if r["unit_id"] == "p12s3"] == ["commentary"]
        press(page, "u")
        wait_for_key(folder, before)
        page.wait_for_function("() => document.activeElement.closest('.rk-unit')?.dataset.unit"
                               " === 'p12s3'")

    def test_axe_finds_no_serious_violations(self, lab):
        page, _ = lab
        page.click(".rk-author .rk-intro")
        page.locator(radio("p01s1", "sourced")).focus()
        press(page, "m", "Shift+C")  # p01s1 meta; p02s1 claim accepted too
        press(page, "a")  # the assessment split from paragraph 2
        page.locator(radio("p03s1", "sourced")).focus()
        page.keyboard.press("/")  # the split point chooser open
        page.wait_for_selector(".rk-splitter")
        serious, report = serious_axe_violations(page, [".rk-author"])
        assert serious == [], report

    def test_new_controls_contrast_light_and_dark(self, lab):
        page, _ = lab
        # An accepted alternative on p04s1 and the assessment split from paragraph 11.
        page.click(".rk-author .rk-intro")
        page.locator(radio("p04s1", "sourced")).focus()
        press(page, "Shift+C")
        page.locator(radio("p11s1", "sourced")).focus()
        press(page, "a")
        page.wait_for_selector('.rk-split-line[data-paragraph="11"]:not([hidden])')
        for theme, color0 in (("JupyterLab Light", "white"), ("JupyterLab Dark", "#111")):
            set_theme(page, theme, color0)
            styles = page.evaluate("""() => {
              const s = (q, pseudo) => getComputedStyle(document.querySelector(q), pseudo);
              const page = s('.rk-author').backgroundColor;
              const on = s('.rk-unit[data-unit="p04s1"] .rk-alt[aria-pressed="true"]');
              const off = s('.rk-unit[data-unit="p04s1"] .rk-alt[aria-pressed="false"]');
              const input = s('.rk-unit[data-unit="p04s1"] .rk-rationale');
              const line = s('.rk-split-line:not([hidden])');
              return {page, onBg: on.backgroundColor, onFg: on.color, onWeight: on.fontWeight,
                      offBorder: off.borderTopColor, offFg: off.color, offBg: off.backgroundColor,
                      input: input.borderTopColor, inputFg: input.color, line: line.borderTopColor,
                      lineFg: line.color};
            }""")
            assert contrast(styles["onBg"], styles["page"]) >= 3, (theme, styles)
            assert contrast(styles["onFg"], styles["onBg"]) >= 4.5, (theme, styles)
            assert int(styles["onWeight"]) >= 700, theme
            assert contrast(styles["offBorder"], styles["page"]) >= 3, (theme, styles)
            assert contrast(styles["offFg"], styles["offBg"]) >= 4.5, (theme, styles)
            assert contrast(styles["input"], styles["page"]) >= 3, (theme, styles)
            assert contrast(styles["inputFg"], styles["page"]) >= 4.5, (theme, styles)
            assert contrast(styles["line"], styles["page"]) >= 3, (theme, styles)
            assert contrast(styles["lineFg"], styles["page"]) >= 4.5, (theme, styles)
        set_theme(page, "JupyterLab Light", "white")
