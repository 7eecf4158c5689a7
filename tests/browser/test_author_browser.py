"""The Sorter's author mode in a real browser (JupyterLab): the fixture article labelled by
keyboard only (label keys, an accepted alternative, a new source and a chosen one, a rationale,
the assessment split, one merge and one split), then key.csv's exact rows; a draft key checked in
the documented order (label first, then `e` for the details beside the sentence: a new source whose
kind is chosen from the codebook's kinds, a two-line rationale) and confirmed one key per unit;
the focus stays in the widget and no key reaches JupyterLab; axe-core and the contrast of the new
controls in the light and dark themes.

Each test has a course of its own (made with readkit.authoring.new_article from
tests/fixtures/articles/harbour-bridge.txt in a temporary folder: a blank key, or with
`lab` parametrized "draft", the draft key readkit new-article writes) and a page of its own on
the JupyterLab server the module shares: each passes alone and in any order, and nothing here
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
RUNS = f"() => {NOTEBOOK}.widgets[0].model.executionCount"  # Ctrl+Enter would run the cell again


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
    write_article(SLUG, text, folder, draft=getattr(request, "param", "") == "draft")
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


def select_all_and_type(page, text: str) -> None:
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def rect(page, selector: str) -> dict:
    return page.evaluate("q => { const r = document.querySelector(q).getBoundingClientRect();"
                         " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};"
                         " }", selector)


def focused(page) -> str:
    """What has the focus: its class (or name, in a form) and its unit."""
    return page.evaluate("""() => { const e = document.activeElement;
      return `${e.name || e.className} ${e.closest('.rk-unit')?.dataset.unit ?? ''}`; }""")


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
        page.keyboard.press("o")  # the kind: the first of the codebook's kinds with an o
        page.keyboard.press("Tab")
        page.keyboard.type("2026-03-03")
        page.keyboard.press("Tab")
        page.keyboard.type("Kelmouth Town Council, press release, 3 March 2026.")
        press(page, "Enter")  # added and chosen: on to the rationale beside it
        page.wait_for_function("() => document.activeElement.classList.contains('rk-rationale')")
        assert focused(page) == "rk-rationale p04s1"
        page.keyboard.type("The council is named as the source: mind the dates.")
        press(page, "Control+Enter")  # saved, and back to the sentence
        assert focused(page) == "rk-choice p04s1"
        assert page.locator(".rk-author .rk-details").count() == 0
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

    @pytest.mark.parametrize("lab", ["draft"], indirect=True)
    def test_a_draft_key_is_checked_in_the_documented_order(self, lab):
        """README step 2 and the teacher guide's order: Enter confirms a draft as it stands;
        a wrong one is labelled first (the focus moves on), then e opens its details beside it;
        a new source's kind is chosen from the codebook's kinds; a two-line rationale."""
        page, folder = lab
        draft = key_rows(folder)
        assert [r["status"] for r in draft] == ["draft"] * 36
        page.click(".rk-author .rk-intro")
        # A draft says so, in words and in its radiogroup's accessible name.
        assert page.inner_text(f"{unit('p07s1')} .rk-draft") == "DRAFT"
        group = page.get_by_role("radiogroup", name="draft The Harbour Bridge, built in 1931, "
                                 "seen from the north quay.", exact=True)
        assert group.count() == 1
        page.locator(radio("p01s1", "meta")).focus()
        runs = page.evaluate(RUNS)
        confirms = 0

        def confirm(*expected_next: str) -> None:
            nonlocal confirms
            for next_unit in expected_next:
                press(page, "Enter")
                confirms += 1
                assert focused_unit(page) == next_unit

        confirm("p02s1", "p03s1", "p04s1")  # the headline, byline and dateline, as drafted
        # p04s1 is right, but its source (town-council) is not in sources.csv yet.
        assert "source town-council is not in sources.csv yet (Shift+N adds it)" in \
            page.inner_text(f"{unit('p04s1')} .rk-state")
        press(page, "Shift+N")
        form = f"{unit('p04s1')} .rk-details .rk-add-source"
        page.wait_for_selector(form)
        # The form is beside its sentence: inside the unit, under its text, above the next one.
        text, box = rect(page, f"{unit('p04s1')} .rk-text"), rect(page, form)
        whole, after = rect(page, unit("p04s1")), rect(page, unit("p04s2"))
        assert text["bottom"] <= box["top"] < box["bottom"] <= whole["bottom"] <= after["top"]
        assert page.inner_text(f"{form} .rk-form-head") == (
            "New source for p04s1 \u201cThe Harbour Bridge will close to all traffic\u2026"
            "\u201d")
        # Filled in with the draft's guess, to check; the kind is one of the codebook's.
        values = page.evaluate(f"""() => Array.from(document.querySelectorAll(
            '{form} input, {form} select')).map(e => e.value)""")
        assert values == ["town-council", "town council", "official", "", ""]
        assert page.evaluate(f"""() => Array.from(document.querySelector(
            '{form} select[name=kind]').options).map(o => o.value)""") == [
            "", "news-report", "magazine-article", "study", "official", "organisation",
            "person-quoted"]
        select_all_and_type(page, "council")
        page.keyboard.press("Tab")
        select_all_and_type(page, "Kelmouth Town Council")
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowDown")  # organisation: its description shows beside it
        assert page.inner_text(f"{form} .rk-kind-help").startswith("a company, a charity")
        page.keyboard.press("ArrowUp")  # back to official
        page.keyboard.press("Tab")
        page.keyboard.type("2026-03-03")
        page.keyboard.press("Tab")
        page.keyboard.type("Kelmouth Town Council, press release, 3 March 2026.")
        press(page, "Enter")
        page.wait_for_function("() => document.activeElement.classList.contains('rk-rationale')")
        assert focused(page) == "rk-rationale p04s1"
        select_all_and_type(page, "\"the town council said\" names who announced the closure.")
        page.keyboard.press("Enter")  # a new line, not a save
        page.keyboard.type("The date is the council's, not the reporter's.")
        assert page.input_value(f"{unit('p04s1')} .rk-rationale") == (
            "\"the town council said\" names who announced the closure.\n"
            "The date is the council's, not the reporter's.")
        press(page, "Control+Enter")
        assert focused(page) == "rk-choice p04s1"
        confirm("p04s2", "p05s1", "p05s2", "p06s1", "p06s2", "p06s3", "p07s1")
        # p07s1, a caption, was drafted a claim: label it first (the focus moves on to the next
        # draft, p08s1), then e opens the details of the sentence just labelled, beside it.
        press(page, "m")
        assert focused_unit(page) == "p08s1"
        press(page, "e")
        assert focused(page) == "rk-rationale p07s1"
        assert page.inner_text(f"{unit('p07s1')} .rk-details-head").startswith(
            "Details of p07s1 \u201cThe Harbour Bridge, built in 1931,")
        select_all_and_type(page, "A caption for a picture that is not in the text copy.")
        page.keyboard.press("Shift+Enter")  # a new line too, never JupyterLab's run-and-advance
        page.keyboard.type("Furniture: meta.")
        page.keyboard.press("Tab")  # the rationale is saved as the focus leaves it
        assert focused(page) == "rk-confirm p07s1"
        press(page, "Enter")  # confirmed; back to the sentence the teacher was on
        assert focused_unit(page) == "p08s1"
        confirm("p08s2", "p09s1", "p09s2", "p10s1", "p10s2", "p11s1")
        # One key for each of the 16 drafts confirmed as they stood (p07s1 was corrected, then
        # confirmed in its details).
        assert confirms == 16

        confirmed = {"p01s1", "p02s1", "p03s1", "p04s1", "p04s2", "p05s1", "p05s2", "p06s1",
                     "p06s2", "p06s3", "p07s1", "p08s1", "p08s2", "p09s1", "p09s2", "p10s1",
                     "p10s2"}
        expected = [{**r, "status": "" if r["unit_id"] in confirmed else "draft"} for r in draft]
        expected[3].update(source="council", rationale=(
            "\"the town council said\" names who announced the closure. The date is the "
            "council's, not the reporter's."))
        expected[10].update(label="meta", rationale=(
            "A caption for a picture that is not in the text copy. Furniture: meta."))
        wait_for_key(folder, expected)
        assert (folder / "sources.csv").read_text(encoding="utf-8") == (
            "source_id,name,kind,date,citation\n"
            "council,Kelmouth Town Council,official,2026-03-03,"
            "\"Kelmouth Town Council, press release, 3 March 2026.\"\n")
        assert page.evaluate(IN_WIDGET)
        assert page.evaluate(SHAPE) == ["code", "command", 0, 36]
        assert page.evaluate(RUNS) == runs
        assert page.inner_text(".rk-author .rk-progress") == \
            "36 of 36 labelled; 19 drafts to confirm; assessment from paragraph 11"

    @pytest.mark.parametrize("lab", ["draft"], indirect=True)
    def test_confirming_every_draft_is_one_key_per_unit(self, lab):
        page, folder = lab
        draft = key_rows(folder)
        page.click(".rk-author .rk-intro")
        page.locator(radio("p01s1", "meta")).focus()
        keys = 0
        while page.evaluate("() => document.querySelectorAll('.rk-author .rk-is-draft').length"):
            press(page, "Enter")
            keys += 1
            assert keys <= 36
        assert keys == len(draft) == 36
        # The last confirmation takes the status column away: the key's usual six columns.
        wait_for_key(folder, [{k: v for k, v in r.items() if k != "status"} for r in draft])
        assert (folder / "key.csv").read_text(encoding="utf-8").startswith(
            "unit_id,label,accept,source,split,rationale\n")
        assert page.inner_text(".rk-author .rk-progress") == \
            "36 of 36 labelled; assessment from paragraph 11"

    @pytest.mark.parametrize("lab", ["draft"], indirect=True)
    def test_e_opens_the_details_of_the_last_draft_labelled(self, lab):
        """The last sentence still to do, labelled: nothing is left to move on to, so the focus
        goes to the next sentence, and e still opens the details of the one just labelled."""
        page, _ = lab
        page.click(".rk-author .rk-intro")
        page.locator(radio("p04s2", "claim")).focus()
        while page.evaluate("() => document.querySelectorAll('.rk-author .rk-is-draft').length"
                            " > 1"):
            press(page, "Enter")
        assert focused_unit(page) == "p04s1"  # round to the start: the one draft left
        press(page, "c")
        assert focused_unit(page) == "p04s2"
        press(page, "e")
        assert focused(page) == "rk-rationale p04s1"
        assert page.inner_text(f"{unit('p04s1')} .rk-details-head").startswith(
            "Details of p04s1 \u201cThe Harbour Bridge will close")

    def test_label_first_then_details_with_a_blank_key(self, lab):
        """The order the teacher guide gives: label (the focus moves on), then e; Ctrl+Enter
        goes back to the sentence the teacher was on. Escape drops what was typed."""
        page, folder = lab
        page.click(".rk-author .rk-intro")
        page.locator(radio("p04s1", "sourced")).focus()
        press(page, "s")
        assert focused_unit(page) == "p04s2"
        press(page, "e")  # sourced: the details open at the source
        assert focused(page) == "rk-source p04s1"
        page.keyboard.press("Shift+N")
        page.keyboard.type("council")
        page.keyboard.press("Tab")
        page.keyboard.type("Kelmouth Town Council")
        page.keyboard.press("Tab")
        page.keyboard.press("o")
        press(page, "Enter")
        page.wait_for_function("() => document.activeElement.classList.contains('rk-rationale')")
        page.keyboard.type("Named: the council.")
        page.keyboard.press("Enter")
        page.keyboard.type("It said so on Tuesday.")
        press(page, "Control+Enter")
        assert focused_unit(page) == "p04s2"  # where the teacher was
        press(page, "c")
        assert focused_unit(page) == "p05s1"
        press(page, "r")  # the focused sentence's rationale; Escape leaves it as it was
        page.keyboard.type("typed, then dropped")
        press(page, "Escape")
        assert focused(page) == "rk-choice p05s1"
        wait_for_key(folder, [*key_rows(folder)[:3],
                              row("p04s1", "sourced", source="council",
                                  rationale="Named: the council. It said so on Tuesday."),
                              row("p04s2", "claim"), *key_rows(folder)[5:]])
        assert key_rows(folder)[5] == row("p05s1")
        assert page.evaluate(SHAPE) == ["code", "command", 0, 36]

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
        page.keyboard.press("Escape")
        page.locator(radio("p04s1", "sourced")).focus()
        press(page, "Shift+N")  # the details and the new-source form open beside p04s1
        page.wait_for_selector(f"{unit('p04s1')} .rk-add-source")
        serious, report = serious_axe_violations(page, [".rk-author"])
        assert serious == [], report

    @pytest.mark.parametrize("lab", ["draft"], indirect=True)
    def test_a_draft_passes_axe_and_its_new_controls_contrast_light_and_dark(self, lab):
        page, _ = lab
        # An accepted alternative on p04s1, the assessment split from paragraph 11, and the
        # details of p04s1 (drafts: the badge, the confirm button) with the new-source form.
        page.click(".rk-author .rk-intro")
        page.locator(radio("p04s1", "sourced")).focus()
        press(page, "Shift+C")
        page.locator(radio("p11s1", "claim")).focus()
        press(page, "a")
        page.wait_for_selector('.rk-split-line[data-paragraph="11"]:not([hidden])')
        page.locator(radio("p04s1", "sourced")).focus()
        press(page, "Shift+N")
        page.wait_for_selector(f"{unit('p04s1')} .rk-add-source")
        # axe-core on a draft with its details open (the confirm button, the badge, the form)
        assert page.locator(f"{unit('p04s1')} .rk-details .rk-confirm").count() == 1
        serious, report = serious_axe_violations(page, [".rk-author"])
        assert serious == [], report
        for theme, color0 in (("JupyterLab Light", "white"), ("JupyterLab Dark", "#111")):
            set_theme(page, theme, color0)
            styles = page.evaluate("""() => {
              const s = (q, pseudo) => getComputedStyle(document.querySelector(q), pseudo);
              const u = '.rk-unit[data-unit="p04s1"] ';
              const page = s('.rk-author').backgroundColor;
              const on = s(u + '.rk-alt[aria-pressed="true"]');
              const off = s(u + '.rk-alt[aria-pressed="false"]');
              const input = s(u + '.rk-rationale');
              const select = s(u + '.rk-source');
              const kind = s(u + '.rk-add-source select');
              const field = s(u + '.rk-add-source input');
              const panel = s(u + '.rk-details');
              const button = s(u + '.rk-confirm');
              const badge = s(u + '.rk-text .rk-draft');
              const open = s(u + '.rk-open');
              const hint = s(u + '.rk-hint');
              const why = s(u + '.rk-why-text');
              const keys = s('.rk-keylist li');
              const line = s('.rk-split-line:not([hidden])');
              return {page, onBg: on.backgroundColor, onFg: on.color, onWeight: on.fontWeight,
                      offBorder: off.borderTopColor, offFg: off.color, offBg: off.backgroundColor,
                      input: input.borderTopColor, inputFg: input.color,
                      select: select.borderTopColor, selectFg: select.color,
                      kind: kind.borderTopColor, kindFg: kind.color, field: field.borderTopColor,
                      panel: panel.borderTopColor, panelBg: panel.backgroundColor,
                      button: button.borderTopColor, buttonFg: button.color,
                      badge: badge.borderTopColor, badgeFg: badge.color,
                      open: open.borderTopColor, openFg: open.color, hint: hint.color,
                      why: why.color, keys: keys.color,
                      line: line.borderTopColor, lineFg: line.color};
            }""")
            page_bg = styles["page"]
            for name in ("onBg", "offBorder", "input", "select", "kind", "field", "panel",
                         "button", "badge", "open", "line"):  # borders and fills: 3:1
                assert contrast(styles[name], page_bg) >= 3, (theme, name, styles)
            for name in ("inputFg", "selectFg", "kindFg", "buttonFg", "badgeFg", "openFg",
                         "hint", "why", "keys", "lineFg"):  # text: 4.5:1
                assert contrast(styles[name], page_bg) >= 4.5, (theme, name, styles)
            assert contrast(styles["onFg"], styles["onBg"]) >= 4.5, (theme, styles)
            assert contrast(styles["offFg"], styles["offBg"]) >= 4.5, (theme, styles)
            assert int(styles["onWeight"]) >= 700, theme
        set_theme(page, "JupyterLab Light", "white")
