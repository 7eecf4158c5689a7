"""Bring your own article: `readkit new-article` (extraction, segmentation, the folder it writes),
`readkit handout` (learner copy without the key, teacher's answer sheet apart) and the metric of
`readkit bench segment`. No browser: the PDF step is tested with the converter absent.

The fixture article (tests/fixtures/articles/harbour-bridge.*) was written for these tests:
invented local news with a headline, byline, dateline, two captions, quotations over several
sentences, an ellipsis, brackets, "U.S.", "p.m." and initials.
"""

import csv
import hashlib
import io
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.segment import boundary_scores, default_data, unit_starts
from benchmarks.segment import run as run_segment_benchmark
from readkit.authoring import handout as handout_module
from readkit.authoring.extract import extract, looks_like_html
from readkit.authoring.handout import write_handout
from readkit.authoring.new_article import (
    CLAIMS_HEADER,
    KEY_HEADER,
    SECTIONS_HEADER,
    SOURCES_HEADER,
    UNITS_HEADER,
    NewArticleError,
    write_article,
)
from readkit.authoring.segment import blocks_of, quote_states, segment, sentence_spans
from readkit.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
HTML = FIXTURES / "harbour-bridge.html"
TEXT = FIXTURES / "harbour-bridge.txt"

EXPECTED_UNITS = [
    ("p01s1", 1, "Harbour Bridge to close for six weeks of repairs"),
    ("p02s1", 2, "By A. J. Penrose, Local Affairs Reporter"),
    ("p03s1", 3, "KELMOUTH, 4 March 2026"),
    ("p04s1", 4, "The Harbour Bridge will close to all traffic from 9 p.m. on Friday while engineers replace its worn bearings, the town council said on Tuesday."),
    ("p04s2", 4, "The work is expected to take six weeks."),
    ("p05s1", 5, "The bridge carries about 11,000 vehicles a day, according to the council's latest traffic survey."),
    ("p05s2", 5, "Buses will divert via Mill Road, adding roughly ten minutes to each journey."),
    ("p06s1", 6, '"We know this is a long closure.'),
    ("p06s2", 6, 'We have looked at every option, and this is the quickest safe way to do the job," said Councillor R. T. Okafor, who chairs the transport committee.'),
    ("p06s3", 6, '"Nobody wanted to close the bridge in the spring."'),
    ("p07s1", 7, "The Harbour Bridge, built in 1931, seen from the north quay."),
    ("p08s1", 8, "An inspection last autumn found that two of the eight bearings had moved out of line."),
    ("p08s2", 8, 'The report said the bridge was "safe for normal use ... but [the bearings] should be replaced within a year."'),
    ("p09s1", 9, "The contract has gone to Tamsin & Hale, a firm from Port Everly that repaired the Ferry Street viaduct in 2022."),
    ("p09s2", 9, "It is worth £2.4 million, the council said."),
    ("p10s1", 10, "Pedestrians and cyclists will still be able to cross on a temporary walkway on the east side."),
    ("p10s2", 10, "The walkway will be open from 6 a.m. to 11 p.m. every day."),
    ("p11s1", 11, "Some traders on Quay Street are worried."),
    ("p11s2", 11, '"Half of my customers come over that bridge.'),
    ("p11s3", 11, 'If they can\'t drive across, I don\'t know whether they will come at all," said Mariam Choudhry, who runs a bakery near the south end.'),
    ("p11s4", 11, "She said she had written to the council twice."),
    ("p12s1", 12, "Others were more relaxed."),
    ("p12s2", 12, '"It\'s six weeks... we\'ll manage," said Tom Brennan, a taxi driver.'),
    ("p12s3", 12, '"I\'d rather they fix it now than wait for something to go wrong."'),
    ("p13s1", 13, "The bearings are being made by a specialist supplier in the U.S. and will arrive by sea at the end of the month."),
    ("p13s2", 13, "Similar bearings were fitted to bridges in Portland, Maine, and in Hamburg."),
    ("p14s1", 14, "Dr. H. L. Marsh, an engineer who is not involved in the project, said the plan was sensible."),
    ("p14s2", 14, '"Bearings wear out.'),
    ("p14s3", 14, "That is what they are designed to do."),
    ("p14s4", 14, 'Replacing them before they fail is exactly what a careful owner does."'),
    ("p15s1", 15, "The council will hold a public meeting about the closure at 7 p.m. on Thursday in the Town Hall."),
    ("p15s2", 15, "Residents can also send questions by email (the address is on the council's website)."),
    ("p16s1", 16, "A second closure, of about four days, may be needed in the autumn to resurface the road."),
    ("p16s2", 16, "No date has been set for it."),
    ("p17s1", 17, "A drawing of the temporary walkway."),
    ("p17s2", 17, "Image: Kelmouth Town Council."),
]
# the saved page's furniture after the article (its related links and the footer's copyright
# line), kept as blocks of their own at the end; the text file has none
HTML_FOOTER = ["Related Ferry timetable changes",
               "© 2026 The Kelmouth Courier. All rights reserved."]
EXPECTED_HTML_UNITS = EXPECTED_UNITS + [
    ("p18s1", 18, "Related Ferry timetable changes"),
    ("p19s1", 19, "© 2026 The Kelmouth Courier."),
    ("p19s2", 19, "All rights reserved."),
]
# units that start inside a quotation an earlier unit of their paragraph opened
EXPECTED_QUOTES = {"p06s2": "p06s1", "p11s3": "p11s2", "p14s3": "p14s2", "p14s4": "p14s2"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(next(csv.reader(handle)))


def units_of(folder: Path) -> list[tuple[str, int, str]]:
    return [(r["unit_id"], int(r["paragraph"]), r["text"]) for r in read_csv(folder / "units.csv")]


def assert_contract(folder: Path) -> None:
    """Verbatim units in order that cover every non-blank piece; ids pNNsM by block/sentence."""
    article = (folder / "article.txt").read_text(encoding="utf-8")
    assert article.endswith("\n") and not article.endswith("\n\n")
    units = units_of(folder)
    blocks = blocks_of(article)
    cursor, rest, counters = 0, [], {}
    for unit_id, paragraph, text in units:
        at = article.find(text, cursor)
        assert at >= 0, f"{unit_id} is not verbatim (or out of order)"
        rest.append(article[cursor:at])
        cursor = at + len(text)
        block = blocks[paragraph - 1]
        assert block.start <= at and cursor <= block.end, f"{unit_id} is not in its paragraph"
        counters[paragraph] = counters.get(paragraph, 0) + 1
        assert unit_id == f"p{paragraph:02d}s{counters[paragraph]}"
    rest.append(article[cursor:])
    assert "".join(rest).strip() == "", "a non-blank piece of the article is in no unit"
    assert set(counters) == {block.number for block in blocks}


# -- new-article ------------------------------------------------------------------------------


def test_new_article_from_html(tmp_path, capsys):
    folder = tmp_path / "harbour-bridge"
    assert main(["new-article", "harbour-bridge", str(HTML), "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["article.txt", "units.csv", "key.csv", "sources.csv", "sections.csv", "claims.csv",
         "checksum.sha256"])
    # headline, byline, dateline and captions are blocks of their own where they stand; the
    # related links and the copyright line end the article; the navigation is gone
    assert (folder / "article.txt").read_text(encoding="utf-8") == TEXT.read_text(
        encoding="utf-8") + "".join(f"\n{text}\n" for text in HTML_FOOTER)
    assert units_of(folder) == EXPECTED_HTML_UNITS
    assert_contract(folder)
    for needed in ("Wrote 39 units in 19 paragraphs from the HTML page",
                   'readkit.AuthorSorter(article="harbour-bridge")',
                   "readkit validate harbour-bridge", "readkit new-lesson harbour-bridge",
                   "readkit new-assignment harbour-bridge", "p14s4 (from p14s2)"):
        assert needed in out


def test_new_article_writes_a_blank_key_and_empty_tables(tmp_path):
    folder = tmp_path / "a"
    write_article("harbour-bridge", HTML.read_text(encoding="utf-8"), folder)
    key = read_csv(folder / "key.csv")
    assert header(folder / "key.csv") == KEY_HEADER
    assert [row["unit_id"] for row in key] == [u[0] for u in EXPECTED_HTML_UNITS]
    assert all(row[name] == "" for row in key for name in KEY_HEADER[1:])
    for name, expected in (("sources.csv", SOURCES_HEADER), ("sections.csv", SECTIONS_HEADER),
                           ("claims.csv", CLAIMS_HEADER)):
        assert (folder / name).read_text(encoding="utf-8") == ",".join(expected) + "\n"
    digest = hashlib.sha256((folder / "article.txt").read_bytes()).hexdigest()
    assert (folder / "checksum.sha256").read_text() == f"{digest}  article.txt\n"


def test_headers_are_the_raqqa_articles():
    data = default_data()
    assert header(data / "units.csv") == UNITS_HEADER
    assert header(data / "key.csv") == KEY_HEADER
    assert header(data / "sources.csv") == SOURCES_HEADER
    assert header(data / "sections.csv") == SECTIONS_HEADER
    assert header(data / "claims.csv") == CLAIMS_HEADER


def test_new_article_from_text_keeps_it_as_given(tmp_path):
    folder = tmp_path / "b"
    assert main(["new-article", "harbour-bridge", str(TEXT), "--out", str(folder)]) == 0
    assert (folder / "article.txt").read_bytes() == TEXT.read_bytes()
    assert units_of(folder) == EXPECTED_UNITS


def test_new_article_from_stdin(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(HTML.read_text(encoding="utf-8")))
    folder = tmp_path / "c"
    assert main(["new-article", "harbour-bridge", "-", "--out", str(folder)]) == 0
    assert units_of(folder) == EXPECTED_HTML_UNITS
    monkeypatch.setattr(sys, "stdin", io.StringIO("One line. Two.\r\nThird line"))
    assert main(["new-article", "plain", "-", "--out", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "article.txt").read_bytes() == b"One line. Two.\nThird line\n"
    assert units_of(tmp_path / "d") == [("p01s1", 1, "One line."), ("p01s2", 1, "Two."),
                                        ("p02s1", 2, "Third line")]


def test_the_raqqa_article_keeps_its_bytes_and_contract(tmp_path):
    data = default_data()
    folder = tmp_path / "raqqa"
    write_article("raqqa-2021", (data / "article.txt").read_text(encoding="utf-8"), folder,
                  kind="text")
    given = (data / "article.txt").read_bytes()
    # as given (it opens with two blank lines), a final newline added
    assert (folder / "article.txt").read_bytes() == given + (b"" if given.endswith(b"\n") else b"\n")
    assert_contract(folder)
    hand = {(int(r["paragraph"]), r["text"]) for r in read_csv(data / "units.csv")}
    mine = {(p, t) for _, p, t in units_of(folder)}
    assert len(hand & mine) >= 125  # of 130: the benchmark measures the boundaries


def test_refuses_to_overwrite_an_article(tmp_path, capsys):
    folder = tmp_path / "harbour-bridge"
    assert main(["new-article", "harbour-bridge", str(HTML), "--out", str(folder)]) == 0
    (folder / "key.csv").write_text("unit_id,label\np01s1,meta\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["new-article", "harbour-bridge", str(TEXT), "--out", str(folder)]) == 2
    assert "already holds an article" in capsys.readouterr().err
    assert (folder / "key.csv").read_text(encoding="utf-8") == "unit_id,label\np01s1,meta\n"
    assert main(["new-article", "harbour-bridge", str(TEXT), "--out", str(folder),
                 "--force"]) == 0
    # the unit whose text is unchanged keeps its row; the others are drafted
    assert header(folder / "key.csv") == (*KEY_HEADER, "status")
    first, *rest = read_csv(folder / "key.csv")
    assert (first["unit_id"], first["label"], first["status"]) == ("p01s1", "meta", "")
    assert {row["status"] for row in rest} == {"draft"}


def test_default_folder_is_in_the_courses_data(tmp_path):
    (tmp_path / "data").mkdir()
    assert main(["new-article", "harbour-bridge", str(TEXT), "--course", str(tmp_path)]) == 0
    assert units_of(tmp_path / "data" / "articles" / "harbour-bridge") == EXPECTED_UNITS
    # listed in data/articles.csv (after the articles there: the first stays the default),
    # once, with the headline as its title
    (tmp_path / "data" / "articles.csv").write_text("slug,title\nfirst,First\n")
    assert main(["new-article", "harbour-bridge", str(TEXT), "--course", str(tmp_path),
                 "--force"]) == 0
    from readkit.course.course import Course

    course = Course(tmp_path)
    assert course.article_slugs == ("first", "harbour-bridge")
    assert course.article("harbour-bridge").title == EXPECTED_UNITS[0][2]
    assert main(["new-article", "harbour-bridge", str(TEXT), "--course", str(tmp_path),
                 "--force"]) == 0
    assert (tmp_path / "data" / "articles.csv").read_text().count("harbour-bridge") == 1


@pytest.mark.parametrize(("slug", "file", "message"), [
    ("Harbour Bridge", "TEXT", "not a usable article name"),
    ("harbour-bridge", "missing.html", "no such file"),
    ("harbour-bridge", "EMPTY", "No article text"),
])
def test_errors_say_what_to_do(tmp_path, capsys, slug, file, message):
    (tmp_path / "empty.txt").write_text("\n  \n", encoding="utf-8")
    path = {"TEXT": str(TEXT), "EMPTY": str(tmp_path / "empty.txt")}.get(file, file)
    assert main(["new-article", slug, path, "--out", str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_extract_falls_back_to_the_pages_paragraphs():
    page = ("<html><body><nav><p>Menu</p></nav><h1>Short</h1><p>One line only.</p>"
            "<figure><figcaption>A caption.</figcaption></figure><footer><p>(c)</p></footer>"
            "</body></html>")
    extracted = extract(page)
    assert extracted.kind == "html" and looks_like_html(page)
    blocks = [b.text for b in blocks_of(extracted.text)]
    assert blocks == ["Short", "One line only.", "A caption.", "(c)"]  # the footer last
    assert "Menu" not in blocks
    assert not looks_like_html("Plain text about <3 things.")


# -- segmentation -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("At 9 p.m. on Friday the bridge shuts. It reopens in April.",
     ["At 9 p.m. on Friday the bridge shuts.", "It reopens in April."]),
    ("A supplier in the U.S. and one in Hamburg bid. Neither won.",
     ["A supplier in the U.S. and one in Hamburg bid.", "Neither won."]),
    ("Councillor R. T. Okafor spoke. J. R. Smith agreed.",
     ["Councillor R. T. Okafor spoke.", "J. R. Smith agreed."]),
    ('It was "safe ... but [the bearings] should go." So they went.',
     ['It was "safe ... but [the bearings] should go."', "So they went."]),
    ("It's six weeks... we'll manage. Fine.", ["It's six weeks... we'll manage.", "Fine."]),
    ("They left. (Ibid)", ["They left. (Ibid)"]),
    ("See Fig. 3. it shows the bridge.", ["See Fig. 3. it shows the bridge."]),
    ('They were told "to go. Now." (see the report, 4 March).',
     ['They were told "to go.', 'Now." (see the report, 4 March).']),
    ("We did not do so... (emphasis added)", ["We did not do so... (emphasis added)"]),
    ('"We know. We care," she said. "Truly."',
     ['"We know.', 'We care," she said.', '"Truly."']),
    ("“Curly quotes. Too,” he said.", ["“Curly quotes.", "Too,” he said."]),
    ("... According to the report, it held. (Ibid)",
     ["... According to the report, it held. (Ibid)"]),
    ("It was watched from the air. [but nobody stopped it] ...",
     ["It was watched from the air.", "[but nobody stopped it] ..."]),
])
def test_tricky_sentences(text, expected):
    assert [text[a:b] for a, b in sentence_spans(text)] == expected


def test_quote_state_marks_sentences_inside_an_open_quotation():
    units = segment(TEXT.read_text(encoding="utf-8"))
    assert {u.unit_id: u.quote_from for u in units if u.quote_from} == EXPECTED_QUOTES
    # a quotation left open at the end of a paragraph does not run into the next one
    assert quote_states([("p01s1", 1, '"Open.'), ("p01s2", 1, "Still."), ("p02s1", 2, "New.")]) \
        == {"p01s2": "p01s1"}
    # a stray closing quote opens nothing
    assert quote_states([("p01s1", 1, 'The exodus" began.'), ("p01s2", 1, "Then.")]) == {}


BLOCK_PIECES = st.sampled_from([
    "The", "bridge", "U.S.", "p.m.", "J. R.", "Smith", "closed.", "opened!", "why?", '"We',
    'know."', "“Yes.”", "...", "[the]", "(Ibid)", "(see", "p. 4).", "–", "£2.4", "it's", "A.",
    "and", "e.g.", "Dr.", "\t", "",
])
BLOCK = st.lists(BLOCK_PIECES, min_size=0, max_size=25).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(BLOCK, min_size=1, max_size=6), st.sampled_from(["\n\n", "\n", "\n \n"]))
def test_units_are_verbatim_in_order_and_cover_everything(blocks, separator):
    text = separator.join(blocks) + "\n"
    units = segment(text)
    cursor, gaps = 0, []
    for unit in units:
        assert text[unit.start:unit.end] == unit.text and unit.text == unit.text.strip()
        assert unit.start >= cursor
        gaps.append(text[cursor:unit.start])
        cursor = unit.end
    gaps.append(text[cursor:])
    assert "".join(gaps).strip() == ""
    ids = [u.unit_id for u in units]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"p\d{2,}s\d+", i) for i in ids)
    assert [u.paragraph for u in units] == sorted(u.paragraph for u in units)


def test_segmentation_meets_the_goal_on_the_raqqa_article():
    result = run_segment_benchmark(default_data())
    chosen = result["segmenters"][result["chosen"]]
    assert result["met"] and chosen["f1"] >= 0.95
    assert result["reference_boundaries"] == 50


# -- the benchmark's metric -------------------------------------------------------------------


def test_boundary_scores_on_a_hand_made_case():
    scores = boundary_scores({10, 20, 30, 40}, {10, 20, 35})
    assert scores["true_positives"] == 2 and scores["false_positives"] == 1
    assert scores["false_negatives"] == 2
    assert scores["precision"] == round(2 / 3, 4) and scores["recall"] == 0.5
    assert scores["f1"] == round(4 / 7, 4)
    assert boundary_scores(set(), set()) == {"precision": 1.0, "recall": 1.0, "f1": 1.0,
                                             "true_positives": 0, "false_positives": 0,
                                             "false_negatives": 0}
    assert boundary_scores({5}, set())["f1"] == 0.0


def test_unit_starts_leaves_paragraph_starts_out():
    text = "One. Two. Three.\n\nFour. Five.\n"
    hand = [(1, "One."), (1, "Two. Three."), (2, "Four."), (2, "Five.")]
    assert unit_starts(text, hand) == {5, 24}
    mine = [(1, "One."), (1, "Two."), (1, "Three."), (2, "Four. Five.")]
    scores = boundary_scores(unit_starts(text, hand), unit_starts(text, mine))
    assert (scores["precision"], scores["recall"]) == (0.5, 0.5)


def test_bench_segment_is_a_readkit_bench():
    args = build_parser().parse_args(["bench", "segment"])
    assert args.bench == "segment"


# -- handout ----------------------------------------------------------------------------------


@pytest.fixture
def labelled(tmp_path):
    """The fixture article with a key filled in, rationales easy to find."""
    folder = tmp_path / "harbour-bridge"
    write_article("harbour-bridge", HTML.read_text(encoding="utf-8"), folder)
    rows = read_csv(folder / "key.csv")
    for number, row in enumerate(rows):
        row.update(label="meta" if row["unit_id"] < "p04" else "claim", split=(
            "practice" if number % 2 else "assessment"),
            rationale=f"RATIONALE-{row['unit_id']}: why <this> label & not another.")
    with (folder / "key.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=KEY_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_handout_has_every_unit_and_no_key(labelled, tmp_path, capsys):
    out = tmp_path / "handouts"
    assert main(["handout", str(labelled), "--out", str(out), "--no-pdf"]) == 0
    printed = capsys.readouterr().out
    assert "never release" in printed
    learner = (out / "harbour-bridge-handout.html").read_text(encoding="utf-8")
    for unit_id, _, _ in EXPECTED_HTML_UNITS:
        assert f'id="{unit_id}"' in learner
    assert "RATIONALE" not in learner and "assessment" not in learner
    assert "Tamsin &amp; Hale" in learner  # autoescaped
    assert learner.count('class="square"') == 4 * len(EXPECTED_HTML_UNITS)
    assert "@media print" in learner
    assert "(continues the quotation from p14s2)" in learner
    # the learner's copy is made without the key: the same with a blank key
    blank = tmp_path / "blank" / "harbour-bridge"
    write_article("harbour-bridge", HTML.read_text(encoding="utf-8"), blank)
    write_handout(blank, tmp_path / "blank-out", pdf=False)
    assert (tmp_path / "blank-out" / "harbour-bridge-handout.html").read_text(
        encoding="utf-8") == learner
    assert sorted(p.name for p in out.iterdir()) == ["harbour-bridge-handout.html"]


def test_the_answer_sheet_goes_to_an_ignored_folder_apart_from_the_handout(labelled, tmp_path,
                                                                           capsys):
    """From the course root, the learners' copy goes to handouts/SLUG and the answer sheet to
    grading/handouts/SLUG, which .gitignore keeps out of the repository and no release reads."""
    course = tmp_path / "course"
    course.mkdir()
    assert main(["handout", str(labelled), "--course", str(course), "--no-pdf"]) == 0
    assert [p.relative_to(course).as_posix() for p in sorted(course.rglob("*.html"))] == [
        "grading/handouts/harbour-bridge/harbour-bridge-answer-sheet.html",
        "handouts/harbour-bridge/harbour-bridge-handout.html"]
    assert "/grading/" in (ROOT / ".gitignore").read_text().splitlines()


def test_teacher_sheet_is_separate_and_has_the_rationales(labelled, tmp_path):
    result = write_handout(labelled, tmp_path / "out", pdf=False)
    assert result.teacher.parent == tmp_path / "out-teacher"
    sheet = result.teacher.read_text(encoding="utf-8")
    assert "Never release this file" in sheet
    for unit_id, _, _ in EXPECTED_UNITS:
        assert f"RATIONALE-{unit_id}: why &lt;this&gt; label &amp; not another." in sheet
    assert "<this>" not in sheet


def test_no_pdf_without_a_converter(labelled, tmp_path, monkeypatch):
    monkeypatch.setattr(handout_module, "find_converter", lambda: None)
    result = write_handout(labelled, tmp_path / "out")
    assert result.pdfs == [] and "no Chromium found" in result.note
    assert result.learner.is_file() and result.teacher.is_file()


def test_handout_of_a_folder_that_is_no_article(tmp_path, capsys):
    assert main(["handout", str(tmp_path), "--out", str(tmp_path / "o"), "--no-pdf"]) == 2
    assert "is not an article folder" in capsys.readouterr().err


def test_handouts_are_ignored_by_git():
    """The teacher's answer sheet (the key) goes to grading/handouts/, and the learner copy to
    handouts/: git ignores both, so neither is committed by accident."""
    import subprocess

    for made in ("grading/handouts/raqqa-2021/raqqa-2021-answer-sheet.html",
                 "handouts/raqqa-2021/raqqa-2021-handout.html"):
        assert subprocess.run(["git", "check-ignore", "-q", made], cwd=ROOT).returncode == 0, made
    assert "grading/handouts/SLUG/SLUG-answer-sheet.html" in handout_module.__doc__


def test_write_article_raises_for_an_existing_folder(tmp_path):
    write_article("harbour-bridge", TEXT.read_text(encoding="utf-8"), tmp_path / "a")
    with pytest.raises(NewArticleError, match="--force"):
        write_article("harbour-bridge", TEXT.read_text(encoding="utf-8"), tmp_path / "a")


def test_hard_wrapped_text_gets_a_warning(tmp_path, capsys):
    wrapped = tmp_path / "wrapped.txt"
    wrapped.write_text("The bridge will close on Friday while\nengineers replace its bearings, the\n"
                       "council said.\n\nIt reopens in April.\n", encoding="utf-8")
    assert main(["new-article", "wrapped", str(wrapped), "--out", str(tmp_path / "w")]) == 0
    assert "Warning: 2 lines run on into the next line" in capsys.readouterr().out
    assert main(["new-article", "flat", str(TEXT), "--out", str(tmp_path / "f")]) == 0
    assert "run on" not in capsys.readouterr().out


# -- re-importing keeps the key ----------------------------------------------------------------


def _labelled_folder(tmp_path: Path) -> Path:
    """The test article with the teacher's finished key (tests/fixtures/articles)."""
    folder = tmp_path / "harbour-bridge"
    write_article("harbour-bridge", TEXT.read_text(encoding="utf-8"), folder)
    for name in ("key.csv", "sources.csv"):
        (folder / name).write_bytes((FIXTURES / f"harbour-bridge-{name}").read_bytes())
    return folder


def test_force_after_a_one_sentence_edit_keeps_every_other_units_row(tmp_path, capsys):
    folder = _labelled_folder(tmp_path)
    before = {row["unit_id"]: row for row in read_csv(folder / "key.csv")}
    edited = tmp_path / "edited.txt"
    edited.write_text(TEXT.read_text(encoding="utf-8").replace(
        "The work is expected to take six weeks.", "The work should take about six weeks."),
        encoding="utf-8")
    capsys.readouterr()
    assert main(["new-article", "harbour-bridge", str(edited), "--out", str(folder),
                 "--force"]) == 0
    out = capsys.readouterr().out
    after = {row["unit_id"]: row for row in read_csv(folder / "key.csv")}
    # every other unit: the same id and the same row (label, accept, source, split, rationale)
    assert {u: r for u, r in after.items() if u != "p04s3"} == {
        u: {**r, "status": ""} for u, r in before.items() if u != "p04s2"}
    # the edited sentence is a new unit with a new id (p04s2 named other text), drafted
    assert [u for u, _, _ in units_of(folder)][3:6] == ["p04s1", "p04s3", "p05s1"]
    assert after["p04s3"]["status"] == "draft" and after["p04s3"]["label"] == "commentary"
    assert after["p04s3"]["split"] == before["p04s2"]["split"]
    assert "Kept the key rows of 35 unit(s) whose text is unchanged." in out
    assert "New units (new text, new ids): p04s3." in out
    assert "Gone (their text is no longer in the article): p04s2 ('The work is expected to " \
           "take six weeks.')." in out
    # sources.csv is the teacher's, untouched
    assert (folder / "sources.csv").read_bytes() == (
        FIXTURES / "harbour-bridge-sources.csv").read_bytes()


def test_force_keeps_rows_of_units_that_moved_to_another_paragraph(tmp_path, capsys):
    folder = _labelled_folder(tmp_path)
    before = {row["unit_id"]: row for row in read_csv(folder / "key.csv")}
    edited = tmp_path / "edited.txt"
    text = TEXT.read_text(encoding="utf-8")
    edited.write_text(text.replace("KELMOUTH, 4 March 2026\n", "KELMOUTH, 4 March 2026\n\n"
                                   "Updated on 5 March.\n"), encoding="utf-8")
    assert main(["new-article", "harbour-bridge", str(edited), "--out", str(folder),
                 "--force", "--blank"]) == 0
    out = capsys.readouterr().out
    after = {row["unit_id"]: row for row in read_csv(folder / "key.csv")}
    # one paragraph down: a new id (p05s1 and p05s2 named other text before), the same row
    assert {k: v for k, v in after["p05s3"].items() if k != "unit_id"} == {
        k: v for k, v in before["p04s1"].items() if k != "unit_id"}
    assert after["p04s3"]["label"] == ""  # the new line (p04s1, p04s2 were taken): blank
    assert "Renumbered (same text, another paragraph): p04s1 -> p05s3, p04s2 -> p05s4" in out
    assert "New units (new text, new ids): p04s3." in out
    assert header(folder / "key.csv") == KEY_HEADER  # no draft: the usual six columns


# -- the draft key -----------------------------------------------------------------------------


def test_new_article_drafts_every_row_and_the_split(tmp_path, capsys):
    folder = tmp_path / "harbour-bridge"
    assert main(["new-article", "harbour-bridge", str(TEXT), "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    key = read_csv(folder / "key.csv")
    assert header(folder / "key.csv") == (*KEY_HEADER, "status")
    assert {row["status"] for row in key} == {"draft"}
    rows = {row["unit_id"]: row for row in key}
    assert (rows["p01s1"]["label"], rows["p02s1"]["label"]) == ("meta", "meta")
    assert rows["p05s1"]["label"] == "sourced"
    assert rows["p05s1"]["rationale"] == ('"according to" names where the information comes '
                                          "from (council-latest-traffic-survey): sourced.")
    assert (rows["p06s2"]["label"], rows["p06s2"]["source"]) == ("sourced", "okafor")
    assert rows["p17s2"]["label"] == "meta"  # "Image:"
    # the sources the draft names, listed for the teacher to add (sources.csv stays theirs)
    assert read_csv(folder / "sources.csv") == []
    assert "okafor (R. T. Okafor, official?)" in out
    # the split: practice first, then assessment, at a paragraph boundary, and said
    splits = [row["split"] for row in key]
    assert splits == sorted(splits, key=("practice", "assessment").index)
    start = next(row["unit_id"] for row in key if row["split"] == "assessment")
    assert f"The draft starts the assessment half at {start}" in out
    assert "Drafted the key rows of 36 unit(s) from readable rules" in out
    assert "readkit handout harbour-bridge " in out and str(tmp_path) not in out.split(
        "Next:")[1].split("\n  2.")[1]


def test_draft_agrees_with_the_teachers_key_of_the_test_article():
    """The test article was written before the rules: how far they agree on unseen text."""
    from readkit.authoring.draft_key import agreement, draft_key

    key = {row["unit_id"]: (row["label"], *filter(None, row["accept"].split("|")))
           for row in read_csv(FIXTURES / "harbour-bridge-key.csv")}
    found = agreement(draft_key(EXPECTED_UNITS).label_of(), key)
    assert found["exact"] >= 0.85 and found["accepted"] >= 0.9


def draft_goal_misses(course) -> tuple[dict, list[str]]:
    """The draft-key benchmark's figures on `course`, and the articles the kit ships (the seed
    article and those written for the kit) that miss its goal. An article a teacher adds is
    measured too, but not held to the goal: its draft is the rules' guess on text they were never
    tuned on (or its key is not labelled yet), and adding it must keep the tests green."""
    from benchmarks.draft_key import measure
    from tests.test_kit_articles import written_for_the_kit

    found = measure(course)
    shipped = [slug for slug in course.article_slugs
               if slug == "raqqa-2021" or written_for_the_kit(course.article(slug))]
    misses = [slug for slug in shipped
              if not (found["articles"][slug]["exact"] >= 0.70
                      and found["articles"][slug]["accepted"] >= 0.70
                      and found["articles"][slug]["kappa"] > 0.5)]
    return found, misses


def test_draft_key_benchmark_meets_the_goal_on_every_article_of_the_kit():
    from readkit.course.course import Course

    course = Course.open(ROOT)
    found, misses = draft_goal_misses(course)
    assert set(found["articles"]) == set(course.article_slugs)
    assert misses == [], {slug: found["articles"][slug] for slug in misses}
    assert found["articles"]["raqqa-2021"]["exact"] >= 0.70


def test_a_teachers_article_is_measured_but_not_held_to_the_draft_goal(tmp_path):
    """A teacher's article added and not labelled yet: the benchmark shows it, far below the
    goal, and the kit's own articles still meet it (the test above stays green)."""
    import shutil

    from readkit.authoring.new_article import register
    from readkit.course.course import Course

    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()  # noqa\n", encoding="utf-8")
    write_article("harbour-bridge", TEXT.read_text(encoding="utf-8"),
                  tmp_path / "data" / "articles" / "harbour-bridge")
    register(tmp_path / "data", "harbour-bridge", "Harbour Bridge to close")
    found, misses = draft_goal_misses(Course(tmp_path))
    assert found["articles"]["harbour-bridge"]["exact"] == 0.0
    assert not found["all_meet_goal"]
    assert misses == []


def test_agreement_and_kappa_by_hand():
    from readkit.authoring.draft_key import agreement

    key = {"a": ("sourced",), "b": ("claim", "commentary"), "c": ("meta",), "d": ("claim",)}
    draft = {"a": "sourced", "b": "commentary", "c": "meta", "d": "sourced"}
    found = agreement(draft, key)
    # exact 2/4; accepted 3/4; chance: sourced .5*.25 + claim 0*.5 + commentary .25*0 + meta
    # .25*.25 = 0.1875; kappa (0.5 - 0.1875) / 0.8125
    assert found == {"units": 4, "exact": 0.5, "accepted": 0.75,
                     "kappa": pytest.approx(0.3125 / 0.8125)}
