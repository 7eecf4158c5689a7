"""readkit.widgets.show without a browser: which units are chosen, that the article's text is shown
verbatim and escaped, highlights, the reporting-verb table, side-by-side passages, the reveal
helper and the practice key (never an assessment unit's)."""

import html
import re
from pathlib import Path

import pytest
from IPython.display import HTML

from readkit.course.course import Course, Unit
from readkit.widgets import show

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def course(monkeypatch):
    monkeypatch.setenv("READKIT_COURSE", str(ROOT))


def ids(units) -> list[str]:
    return [unit.unit_id for unit in units]


def text_of(markup: str) -> str:
    """What a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


# -- choosing units ----------------------------------------------------------------------------

def read_key(split):
    return Course.default().article().key(split)


def test_select_units_by_paragraph_range_id_and_list():
    everything = show.select_units()
    assert ids(everything) == [unit.unit_id for unit in Course.open(ROOT).article().units]
    assert len(everything) > 100
    assert everything[0] == Unit("p01s1", 1, everything[0].text)
    assert ids(show.select_units((8, 10))) == ["p08s1", "p08s2", "p09s1", "p09s2", "p10s1"]
    assert ids(show.select_units(range(8, 11))) == ids(show.select_units((8, 10)))
    assert ids(show.select_units("p33s1")) == ["p33s1"]
    # Always in reading order, whatever order they are asked for in.
    assert ids(show.select_units(["p34s1", "p02s1"])) == ["p02s1", "p34s1"]


def test_select_units_explains_bad_input():
    with pytest.raises(ValueError, match="Unknown unit id.*p99s9"):
        show.select_units(["p01s1", "p99s9"])
    with pytest.raises(ValueError, match="No units in paragraphs"):
        show.select_units((500, 501))
    with pytest.raises(ValueError, match="No units given"):
        show.select_units([])


def test_select_units_of_an_explicit_course(tmp_path):
    for slug, text in (("first", "One"), ("second", "Other")):
        (tmp_path / "data" / "articles" / slug).mkdir(parents=True)
        (tmp_path / "data" / "articles" / slug / "units.csv").write_text(
            f"unit_id,paragraph,text\np01s1,1,{text}\np02s1,2,Two\n", encoding="utf-8")
    (tmp_path / "data" / "articles.csv").write_text("slug,title\nfirst,A\nsecond,B\n")
    other = Course(tmp_path)
    assert show.select_units(course=other) == [
        Unit("p01s1", 1, "One"), Unit("p02s1", 2, "Two")]
    assert show.select_units((2, 2), course=other) == [Unit("p02s1", 2, "Two")]
    with pytest.raises(ValueError, match="the article has paragraphs 1 to 2"):
        show.select_units((3, 4), course=other)
    assert show.select_units("p01s1", course=other, article="second") == [
        Unit("p01s1", 1, "Other")]


def test_unit_text_is_the_csv_text():
    assert show.unit_text("p02s1") == "By Prof Michel Chossudovsky"


# -- passages ----------------------------------------------------------------------------------

def test_passage_shows_every_unit_verbatim_with_its_id():
    chosen = show.select_units((14, 16))
    markup = show.units_html((14, 16))
    seen = text_of(markup)
    for unit in chosen:
        assert unit.text in seen
        assert f">{unit.unit_id}</span>" in markup
    assert "From the article, paragraphs 14 to 16 (verbatim)" in seen
    assert ">p16s2</span>" not in show.units_html((14, 16), ids=False)


def test_article_markup_is_shown_formatted_and_never_as_raw_html():
    assert show.unit_text("p05s1") == "Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u>"
    markup = show.units_html("p05s1")
    assert ">p05s1</span>Theme: <u>Terrorism</u>, <u>US NATO War Agenda</u></p>" in markup
    assert "Theme: Terrorism, US NATO War Agenda" in text_of(markup)
    assert "In-depth Report: <strong>SYRIA</strong></p>" in show.units_html("p06s1")
    # A highlight is found in the text as read, and keeps the formatting inside it.
    marked = show.units_html("p05s1", highlight="Terrorism, US NATO")
    assert re.search(r"<mark[^>]*><u>Terrorism</u>, <u>US NATO</u></mark><u> War Agenda</u>",
                     marked)
    # Anything but the two forms stays text: escaped, never HTML.
    hostile = show.highlight_html('<u onclick="x()">a</u> <script>b</script> **c <b>d</b>')
    assert hostile == ("&lt;u onclick=&quot;x()&quot;&gt;a&lt;/u&gt; &lt;script&gt;b&lt;/script&gt; "
                       "**c &lt;b&gt;d&lt;/b&gt;")
    assert show.highlight_html("**<u>x</u>** & y") == "<strong><u>x</u></strong> &amp; y"


def test_left_out_paragraphs_are_marked():
    assert "[…]" in show.units_html(["p01s1", "p10s1"])
    assert "[…]" not in show.units_html((1, 2))


def test_show_units_returns_displayable_html():
    shown = show.show_units("p02s1")
    assert isinstance(shown, HTML)
    assert shown.data == show.units_html("p02s1")
    assert show.show_paragraph(2).data == show.units_html((2, 2))


# -- highlighting ------------------------------------------------------------------------------

def test_highlight_marks_the_phrase_and_keeps_the_rest():
    markup = show.units_html("p33s1", highlight="casually claimed")
    assert re.search(r"<mark[^>]*>casually claimed</mark>", markup)
    assert show.unit_text("p33s1") in text_of(markup)


def test_highlight_escapes_text_and_phrase():
    markup = show.highlight_html('<script>alert("x")</script> a & b', ["alert", "a & b"])
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert re.search(r"<mark[^>]*>a &amp; b</mark>", markup)


def test_highlight_matches_whole_words_only():
    markup = show.highlight_html("He says so in his essays.", "says")
    assert markup.count("<mark") == 1
    assert re.search(r"<mark[^>]*>says</mark> so", markup)


def test_overlapping_phrases_longest_wins():
    markup = show.highlight_html("US officials casually claimed it", ["claimed", "casually claimed"])
    assert markup.count("<mark") == 1
    assert re.search(r"<mark[^>]*>casually claimed</mark>", markup)


def test_roles_are_tagged_in_words_not_only_colour():
    markup = show.units_html("p34s1", highlight={"says": "cue", "Col Ryan Dillon": "source"})
    assert re.search(r'<mark data-role="cue"[^>]*>says<span[^>]*>\[cue\]</span></mark>', markup)
    assert "[source]" in text_of(markup)
    assert "underline double" in markup  # and a line style per role


def test_highlight_errors_are_explained():
    with pytest.raises(ValueError, match="Highlight not found.*not in the text"):
        show.units_html("p02s1", highlight="not in the text")
    with pytest.raises(ValueError, match="Unknown highlight role"):
        show.units_html("p34s1", highlight={"says": "verb"})


# -- reporting verbs ---------------------------------------------------------------------------

def test_reporting_verbs_of_the_practice_half():
    found = show.find_reporting_verbs((1, 45))
    for expected in [("p11s1", "confirmed"), ("p16s4", "According to"), ("p31s1", "admits"),
                     ("p33s1", "casually claimed"), ("p34s1", "says"), ("p36s2", "maintains")]:
        assert expected in found
    # "admit their part" is not a reporting verb, and "claimed" keeps its adverb.
    assert not any(unit_id == "p24s2" for unit_id, _ in found)
    assert ("p33s1", "claimed") not in found
    assert [unit_id for unit_id, _ in found] == sorted(unit_id for unit_id, _ in found)


def test_reporting_verbs_table():
    markup = show.reporting_verbs_html(["p33s1", "p34s1"])
    assert markup.count("<tr>") == 3  # header + two rows
    assert "2 reporting verbs found" in markup
    assert '<th scope="col"' in markup
    assert show.show_reporting_verbs(["p33s1"]).data == show.reporting_verbs_html(["p33s1"])


# -- side by side and reveal -------------------------------------------------------------------

def test_side_by_side_highlights_each_side_where_the_phrase_occurs():
    markup = show.side_by_side_html(["p23s1"], ["p17s1"], titles=["BBC <text>", "Article"],
                                    highlight=["arranged by local officials", "facilitated"])
    left, right = markup.split("</section>")[:2]
    assert "BBC &lt;text&gt;" in left
    assert re.search(r"<mark[^>]*>arranged by local officials</mark>", left)
    assert re.search(r"<mark[^>]*>facilitated</mark>", right)
    assert "facilitated" not in left and "local officials" not in right


def test_reveal_is_closed_escaped_and_can_carry_units():
    markup = show.reveal_html("First <b>part</b>.\n\nSecond part.", units="p02s1",
                              label="Show <it>")
    assert markup.startswith("<details") and " open" not in markup.split(">")[0]
    assert "data-lm-suppress-shortcuts" in markup
    assert "Show &lt;it&gt;</summary>" in markup
    assert "First &lt;b&gt;part&lt;/b&gt;." in markup and "<b>" not in markup
    assert markup.count("<p style") >= 2
    assert "By Prof Michel Chossudovsky" in text_of(markup)
    assert isinstance(show.reveal("x"), HTML)


def test_reveal_needs_something_to_reveal():
    with pytest.raises(ValueError, match="needs an answer text"):
        show.reveal_html("  ")


def test_reveal_key_shows_practice_rationales_only():
    entry = read_key("practice")["p33s1"]
    markup = show.key_html("p33s1")
    assert f"Key: {entry.label}" in markup
    assert entry.rationale in text_of(markup)
    assert "also accepted: sourced" in markup
    assessment = next(iter(read_key("assessment").values()))
    with pytest.raises(ValueError, match="practice units only.*" + assessment.unit_id):
        show.key_html(["p33s1", assessment.unit_id])
