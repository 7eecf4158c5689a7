"""The article's markup (<u>...</u>, **...**) is read for display and only for display: the
parser, the runs the widgets' front ends draw, the handout; units.csv and article.txt stay
byte for byte as they are."""

import csv
import hashlib
import re
from pathlib import Path

import pytest

from readkit.authoring.handout import write_handout
from readkit.course.markup import Run, parse, plain, to_html
from readkit.widgets.unit_runs import unit_runs

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "data" / "articles"


@pytest.mark.parametrize(("text", "runs"), [
    ("Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u>",
     [Run("Theme: "), Run("Terrorism", underline=True), Run(", "),
      Run("US NATO War Agenda", underline=True)]),
    ("In-depth Report: **SYRIA**", [Run("In-depth Report: "), Run("SYRIA", bold=True)]),
    ("**<u>both</u>** and <u>**both**</u>",
     [Run("both", True, True), Run(" and "), Run("both", True, True)]),
    # Not closed, or not one of the two forms: text, shown as typed.
    ("a <u> b", [Run("a <u> b")]),
    ("2 ** 3 = 8", [Run("2 ** 3 = 8")]),
    ("<b>x</b> <U>y</U> <u onclick=1>z</u>", [Run("<b>x</b> <U>y</U> <u onclick=1>z</u>")]),
    ("", []),
])
def test_parse(text, runs):
    assert parse(text) == runs
    assert plain(text) == "".join(run.text for run in runs)


def test_html_is_escaped_then_formatted():
    assert to_html('<u>a & "b"</u> **<script>**') == \
        "<u>a &amp; &quot;b&quot;</u> <strong>&lt;script&gt;</strong>"


def test_every_markup_the_articles_use_is_read():
    """Whatever looks like markup in any article's units is one of the two forms, closed: no
    markup character is left in what a reader sees."""
    seen = set()
    for units in sorted(ARTICLES.glob("*/units.csv")):
        with units.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                seen |= set(re.findall(r"</?[A-Za-z][^>]*>|\*\*", row["text"]))
                shown = plain(row["text"])
                assert not re.search(r"</?[A-Za-z][^>]*>|\*\*", shown), (units, row["unit_id"])
    assert seen == {"<u>", "</u>", "**"}


def test_the_runs_a_front_end_draws_mark_quotations_across_a_paragraph():
    units = [{"unit_id": "p01s1", "paragraph": 1, "text": 'He said "one. <u>Two</u>'},
             {"unit_id": "p01s2", "paragraph": 1, "text": 'three." Then'},
             {"unit_id": "p02s1", "paragraph": 2, "text": 'Never "closed'}]
    assert [unit["runs"] for unit in unit_runs(units)] == [
        [{"text": "He said "}, {"text": '"one. ', "q": True}, {"text": "Two", "u": True, "q": True}],
        [{"text": 'three."', "q": True}, {"text": " Then"}],
        [{"text": "Never "}, {"text": '"closed', "q": True}],
    ]


def test_the_handout_shows_the_markup_formatted(tmp_path):
    result = write_handout(ARTICLES / "raqqa-2021", tmp_path, pdf=False)
    learner = result.learner.read_text(encoding="utf-8")
    teacher = result.teacher.read_text(encoding="utf-8")
    for page in (learner, teacher):
        assert "Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u>" in page
        assert "In-depth Report: <strong>SYRIA</strong>" in page
        assert "&lt;u&gt;" not in page and "**" not in page


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_showing_the_article_leaves_its_data_byte_for_byte(tmp_path, monkeypatch):
    """Every view of the Raqqa article (the text views, the Sorter's units, the handout) reads
    its files and changes none: the markup stays in units.csv and article.txt as typed."""
    from readkit.widgets import show
    from readkit.widgets.sorter import Sorter

    folder = ARTICLES / "raqqa-2021"
    files = sorted(path for path in folder.iterdir() if path.is_file())
    before = {path.name: digest(path) for path in files}
    monkeypatch.setenv("READKIT_COURSE", str(ROOT))
    monkeypatch.chdir(tmp_path)
    show.units_html((1, 7))
    Sorter((1, 7), assignment="markup-test", mode="practice").widget.get_state()
    write_handout(folder, tmp_path / "handout", pdf=False)
    assert {path.name: digest(path) for path in files} == before
    units = (folder / "units.csv").read_text(encoding="utf-8")
    article = (folder / "article.txt").read_text(encoding="utf-8")
    for typed in ("Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u>",
                  "In-depth Report: **SYRIA**"):
        assert typed in units and typed in article
