"""The Sorter's author mode without a browser: readkit.authoring.key_editor on an article folder
(exact key.csv, units.csv and sources.csv after each change; atomic writes; split and merge id
rules; bad input and a file edited meanwhile), then the widget's Python API and its messages,
and where author mode refuses to run.

The article folder is made from tests/fixtures/articles/harbour-bridge.txt with
readkit.authoring.new_article, in a temporary course.
"""

import csv
import io
import os
import re
import tempfile
from pathlib import Path

import pytest

from readkit.authoring.key_editor import KeyEditError, KeyEditor
from readkit.authoring.new_article import register, write_article
from readkit.course.course import PACKAGED_DATA, Course, CourseError
from readkit.course.labels import key_letters
from readkit.course.source_kinds import SOURCE_KINDS
from readkit.widgets.author import AuthorSorter, author_keys
from tests.support.author_key import label_the_test_article

ROOT = Path(__file__).resolve().parents[1]
TEXT = ROOT / "tests" / "fixtures" / "articles" / "harbour-bridge.txt"
SLUG = "harbour-bridge"
KEY_HEADER = "unit_id,label,accept,source,split,rationale\n"


def make_course(root: Path) -> Path:
    (root / "data" / "articles").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()  # noqa\n", encoding="utf-8")
    write_article(SLUG, TEXT.read_text(encoding="utf-8"), root / "data" / "articles" / SLUG)
    register(root / "data", SLUG, "Harbour Bridge to close for six weeks of repairs")
    return root


@pytest.fixture
def course(tmp_path) -> Course:
    return Course(make_course(tmp_path / "course"))


@pytest.fixture
def folder(course) -> Path:
    return course.data / "articles" / SLUG


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read(path))))


def unit_ids(folder: Path) -> list[str]:
    return [row["unit_id"] for row in rows(folder / "units.csv")]


def blank_key(ids, split="") -> str:
    return KEY_HEADER + "".join(f"{unit_id},,,,{split},\n" for unit_id in ids)


ORIGINAL_IDS = [
    "p01s1", "p02s1", "p03s1", "p04s1", "p04s2", "p05s1", "p05s2", "p06s1", "p06s2", "p06s3",
    "p07s1", "p08s1", "p08s2", "p09s1", "p09s2", "p10s1", "p10s2", "p11s1", "p11s2", "p11s3",
    "p11s4", "p12s1", "p12s2", "p12s3", "p13s1", "p13s2", "p14s1", "p14s2", "p14s3", "p14s4",
    "p15s1", "p15s2", "p16s1", "p16s2", "p17s1", "p17s2",
]


# -- the key: one change, one write ------------------------------------------------------------

def test_each_change_is_written_at_once(folder):
    editor = KeyEditor.load(folder)
    assert read(folder / "key.csv") == blank_key(ORIGINAL_IDS)
    rest = blank_key(ORIGINAL_IDS[1:]).removeprefix(KEY_HEADER)

    editor.set_label("p01s1", "meta")
    assert read(folder / "key.csv") == KEY_HEADER + "p01s1,meta,,,,\n" + rest
    editor.set_accept("p01s1", ["commentary", "claim"])  # written in the order of the labels
    assert read(folder / "key.csv") == KEY_HEADER + "p01s1,meta,claim|commentary,,,\n" + rest
    editor.toggle_accept("p01s1", "claim")
    assert read(folder / "key.csv") == KEY_HEADER + "p01s1,meta,commentary,,,\n" + rest
    editor.set_rationale("p01s1", 'The headline,\n "framed".')
    assert read(folder / "key.csv") == (
        KEY_HEADER + 'p01s1,meta,commentary,,,"The headline, ""framed""."\n' + rest)
    # Choosing the accepted alternative as the label takes it out of accept.
    editor.set_label("p01s1", "commentary")
    assert editor.row("p01s1") == {"unit_id": "p01s1", "label": "commentary", "accept": "",
                                   "source": "", "split": "",
                                   "rationale": 'The headline, "framed".'}

    assert read(folder / "sources.csv") == "source_id,name,kind,date,citation\n"
    editor.add_source("council", "Kelmouth Town Council", "official")
    assert read(folder / "sources.csv") == (
        "source_id,name,kind,date,citation\ncouncil,Kelmouth Town Council,official,,\n")
    editor.set_label("p04s1", "sourced")
    editor.set_source("p04s1", "council")
    assert editor.row("p04s1") == {"unit_id": "p04s1", "label": "sourced", "accept": "",
                                   "source": "council", "split": "", "rationale": ""}
    editor.set_source("p04s1", None)
    assert editor.row("p04s1")["source"] == ""
    # What is on disk is what a fresh load reads.
    assert KeyEditor.load(folder).key_rows() == editor.key_rows()


def test_assessment_starts_at_a_units_paragraph(folder):
    editor = KeyEditor.load(folder)
    assert editor.start_assessment_at("p11s3") == "p11s1"  # the paragraph's first unit
    practice, assessment = ORIGINAL_IDS[:17], ORIGINAL_IDS[17:]
    assert read(folder / "key.csv") == (
        blank_key(practice, "practice") + blank_key(assessment, "assessment")
        .removeprefix(KEY_HEADER))
    assert editor.start_assessment_at("p16s2") == "p16s1"
    assert [r["split"] for r in rows(folder / "key.csv")] == ["practice"] * 32 + ["assessment"] * 4
    assert editor.start_assessment_at(None) is None
    assert {r["split"] for r in rows(folder / "key.csv")} == {"practice"}


# -- drafts and the sources they name ----------------------------------------------------------

@pytest.fixture
def drafted(tmp_path) -> Course:
    """The test article as `readkit new-article` makes it: every row a draft."""
    root = tmp_path / "drafted"
    (root / "data" / "articles").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()  # noqa\n", encoding="utf-8")
    write_article(SLUG, TEXT.read_text(encoding="utf-8"), root / "data" / "articles" / SLUG,
                  draft=True)
    register(root / "data", SLUG, "Harbour Bridge to close for six weeks of repairs")
    return Course(root)


def test_unlisted_sources_are_the_drafts_guesses_until_added(drafted):
    folder = drafted.data / "articles" / SLUG
    editor = KeyEditor.load(folder)
    assert editor.unlisted_sources() == [
        {"source_id": "town-council", "name": "town council", "kind": "official"},
        {"source_id": "council-latest-traffic-survey", "name": "council's latest traffic survey",
         "kind": "study"},
        {"source_id": "okafor", "name": "R. T. Okafor", "kind": "official"},
        {"source_id": "choudhry", "name": "Mariam Choudhry", "kind": "person-quoted"},
        {"source_id": "brennan", "name": "Tom Brennan", "kind": "person-quoted"},
        {"source_id": "marsh", "name": "H. L. Marsh", "kind": "person-quoted"},
    ]
    editor.add_source("okafor", "Councillor R. T. Okafor", "official")
    editor.set_source("p04s1", "okafor")  # town-council is still named, by p09s2
    editor.set_source("p09s2", None)
    assert [s["source_id"] for s in editor.unlisted_sources()] == [
        "council-latest-traffic-survey", "choudhry", "brennan", "marsh"]


def test_a_source_named_by_hand_has_no_guess(folder):
    editor = KeyEditor.load(folder)
    assert editor.unlisted_sources() == []  # a blank key names none
    by_hand = read(folder / "key.csv").replace("p04s1,,,,", "p04s1,sourced,,harbour-trust,")
    (folder / "key.csv").write_text(by_hand, encoding="utf-8")
    assert KeyEditor.load(folder).unlisted_sources() == [
        {"source_id": "harbour-trust", "name": "", "kind": ""}]


def test_the_widget_shows_drafts_and_confirms_one_per_message(drafted, sent):
    folder = drafted.data / "articles" / SLUG
    sorter = AuthorSorter(article=SLUG, course=drafted)
    assert all(sorter.key[u]["draft"] for u in ORIGINAL_IDS)
    assert [s["source_id"] for s in sorter.unlisted][:2] == ["town-council",
                                                             "council-latest-traffic-survey"]
    # p07s1, a caption, was drafted as a claim: corrected, it stays a draft until confirmed.
    sorter.choose("p07s1", "meta")
    assert sorter.key["p07s1"]["draft"] is True
    before = rows(folder / "key.csv")
    sorter._handle_custom_msg({"type": "edit", "action": "confirm", "unit": "p07s1",
                               "seq": 1}, [])
    assert sent[-1] == {"type": "edited", "seq": 1, "action": "confirm", "ok": True,
                        "result": {**before[10], "status": ""}}
    assert rows(folder / "key.csv")[10] == {**before[10], "status": ""}
    assert sorter.key["p07s1"]["draft"] is False
    assert sorter.confirm("p07s1") == {**before[10], "status": ""}  # no draft: as it is
    for n, unit_id in enumerate(ORIGINAL_IDS, 2):
        sorter._handle_custom_msg({"type": "edit", "action": "confirm", "unit": unit_id,
                                   "seq": n}, [])
    assert [m["ok"] for m in sent] == [True] * 37
    # The last confirmation takes the status column away: the key's usual six columns.
    assert read(folder / "key.csv").startswith(KEY_HEADER)
    assert [r["label"] for r in rows(folder / "key.csv")][9:11] == ["sourced", "meta"]
    assert not any(entry["draft"] for entry in sorter.key.values())
    assert sorter.undo() == ["p17s2"]  # a confirmation is undone like any change
    assert sorter.key["p17s2"]["draft"] is True


def test_a_draft_without_a_label_cannot_be_confirmed(drafted, sent):
    sorter = AuthorSorter(article=SLUG, course=drafted)
    sorter.choose("p04s2", None)
    sorter._handle_custom_msg({"type": "edit", "action": "confirm", "unit": "p04s2",
                               "seq": 1}, [])
    assert sent[-1]["ok"] is False
    assert sorter.notice == "p04s2 has no label: label it before confirming it."
    assert sorter.key["p04s2"]["draft"] is True


def test_a_new_source_needs_one_of_the_codebooks_kinds(course, folder, sent):
    sorter = AuthorSorter(article=SLUG, course=course)
    assert sorter._kinds == [{"name": name, "description": text}
                             for name, text in SOURCE_KINDS.items()]
    sorter._handle_custom_msg({"type": "edit", "action": "add-source", "unit": "p04s1",
                               "source_id": "council", "name": "Kelmouth Town Council",
                               "kind": "government", "seq": 1}, [])
    assert sent[-1]["ok"] is False
    assert sorter.notice.startswith("The source's kind 'government' is not one of the "
                                    "codebook's kinds (news-report, ")
    assert read(folder / "sources.csv") == "source_id,name,kind,date,citation\n"
    sorter._handle_custom_msg({"type": "edit", "action": "add-source", "unit": "p04s1",
                               "source_id": "council", "name": "Kelmouth Town Council",
                               "kind": "official", "seq": 2}, [])
    assert read(folder / "sources.csv") == (
        "source_id,name,kind,date,citation\ncouncil,Kelmouth Town Council,official,,\n")
    assert rows(folder / "key.csv")[3]["source"] == "council"


# -- the keys: the widget's list is the teacher guide's table ------------------------------------

def guide_key_table() -> list[tuple[str, str]]:
    """(keys, what it does) of each row of the teacher guide's author-mode key table."""
    guide = read(ROOT / "docs" / "teacher-guide.md")
    section = guide.split("## Author mode: making the key of your own article", 1)[1]
    section = section.split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| Key "), table[0]
    cells = [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in table[1:]
             if not line.startswith("| ---")]
    return [(keys, does) for keys, does, *_ in cells]


def test_the_teacher_guide_lists_every_key_the_widget_lists(course):
    sorter = AuthorSorter(article=SLUG, course=course)
    widget = [(hint["keys"], hint["does"]) for hint in sorter._keys]
    assert widget == author_keys(key_letters())
    assert guide_key_table() == widget


def test_the_readme_sends_the_teacher_to_the_key_list():
    readme = read(ROOT / "README.md")
    step_2 = readme.split("\n2. ", 1)[1].split("\n3. ", 1)[0]
    assert "(docs/teacher-guide.md#author-mode-making-the-key-of-your-own-article)" in step_2
    assert "## Author mode: making the key of your own article" in read(
        ROOT / "docs" / "teacher-guide.md")


# -- split and merge ---------------------------------------------------------------------------

P06 = ('"We know this is a long closure.', 'We have looked at every option, and this is the '
       'quickest safe way to do the job," said Councillor R. T. Okafor, who chairs the transport '
       'committee.', '"Nobody wanted to close the bridge in the spring."')


def test_split_gives_both_parts_new_ids_and_keeps_every_other_row(folder):
    editor = KeyEditor.load(folder)
    editor.set_label("p06s1", "sourced")
    editor.set_label("p06s2", "sourced")
    editor.set_rationale("p06s3", "Okafor again.")
    editor.start_assessment_at("p11s1")
    units_before = rows(folder / "units.csv")
    key_before = rows(folder / "key.csv")
    cut = P06[1].index("said")
    assert editor.split_unit("p06s2", cut) == ("p06s4", "p06s5")

    units = rows(folder / "units.csv")
    at = unit_ids(folder).index("p06s4")
    assert units[at:at + 2] == [
        {"unit_id": "p06s4", "paragraph": "6", "text": P06[1][:cut].rstrip()},
        {"unit_id": "p06s5", "paragraph": "6", "text": P06[1][cut:]},
    ]
    assert units[:at] + units[at + 2:] == [u for u in units_before if u["unit_id"] != "p06s2"]
    key = rows(folder / "key.csv")
    assert key[at:at + 2] == [
        {"unit_id": "p06s4", "label": "", "accept": "", "source": "", "split": "practice",
         "rationale": ""},
        {"unit_id": "p06s5", "label": "", "accept": "", "source": "", "split": "practice",
         "rationale": ""},
    ]
    assert key[:at] + key[at + 2:] == [r for r in key_before if r["unit_id"] != "p06s2"]
    article = read(folder / "article.txt")
    assert all(u["text"] in article for u in units)


def test_merge_takes_the_exact_article_slice_and_a_new_id(folder):
    editor = KeyEditor.load(folder)
    editor.set_label("p06s3", "sourced")
    units_before = rows(folder / "units.csv")
    key_before = rows(folder / "key.csv")
    assert editor.merge_with_next("p06s1") == "p06s4"
    units = rows(folder / "units.csv")
    assert [u["unit_id"] for u in units if u["paragraph"] == "6"] == ["p06s4", "p06s3"]
    assert units[7] == {"unit_id": "p06s4", "paragraph": "6", "text": f"{P06[0]} {P06[1]}"}
    article = read(folder / "article.txt")
    assert units[7]["text"] in article
    others = [u for u in units_before if u["unit_id"] not in ("p06s1", "p06s2")]
    assert [u for u in units if u["unit_id"] != "p06s4"] == others
    key = rows(folder / "key.csv")
    assert key[7] == {"unit_id": "p06s4", "label": "", "accept": "", "source": "", "split": "",
                      "rationale": ""}
    assert [r for r in key if r["unit_id"] != "p06s4"] == \
        [r for r in key_before if r["unit_id"] not in ("p06s1", "p06s2")]
    assert editor.row("p06s3")["label"] == "sourced"


def test_an_id_given_up_is_never_given_out_again(folder):
    editor = KeyEditor.load(folder)
    first, second = editor.split_unit("p04s1", len("The Harbour Bridge will close"))
    assert (first, second) == ("p04s3", "p04s4")
    assert editor.merge_with_next(first) == "p04s5"  # p04s3 was used: not again
    assert unit_ids(folder)[3:5] == ["p04s5", "p04s2"]
    # Merging a split back gives the original text, under a new id.
    assert editor.unit("p04s5").text == (
        "The Harbour Bridge will close to all traffic from 9 p.m. on Friday while engineers "
        "replace its worn bearings, the town council said on Tuesday.")


def test_ids_are_not_given_out_twice_across_sessions(folder):
    assert KeyEditor.load(folder).split_unit("p06s3", 10) == ("p06s4", "p06s5")
    assert KeyEditor.load(folder).merge_with_next("p06s4") == "p06s6"
    assert KeyEditor.load(folder).split_unit("p06s6", 10) == ("p06s7", "p06s8")
    assert unit_ids(folder)[7:11] == ["p06s1", "p06s2", "p06s7", "p06s8"]


def test_undo_puts_back_each_change_in_turn(folder):
    editor = KeyEditor.load(folder)
    original = {name: read(folder / name) for name in ("units.csv", "key.csv", "sources.csv")}
    assert editor.undo() is None  # nothing yet
    editor.set_label("p04s1", "sourced")
    editor.add_source("council", "Kelmouth Town Council", "official")
    editor.set_source("p04s1", "council")
    after_label = read(folder / "key.csv")
    assert editor.split_unit("p06s2", 10) == ("p06s4", "p06s5")
    assert editor.undo() == ["p06s2"]  # the original unit is back, with its own id and text
    assert read(folder / "key.csv") == after_label
    assert read(folder / "units.csv") == original["units.csv"]
    assert editor.merge_with_next("p06s1") == "p06s6"  # p06s4 and p06s5 stay given up
    assert editor.undo() == ["p06s1", "p06s2"]
    assert editor.undo() == ["p04s1"]  # the source
    assert editor.undo() == []  # the added source: no unit changes
    assert editor.undo() == ["p04s1"]  # the label
    assert {name: read(folder / name) for name in original} == original
    assert editor.undo() is None


def test_loading_and_saving_changes_no_byte_of_the_courses_articles(tmp_path):
    """A change shows in git as that change only: the course's own key, units and sources
    come back byte for byte."""
    course = Course.open(ROOT)
    folders = [course.article(slug).folder for slug in course.article_slugs]
    assert folders
    for source in folders:
        folder = tmp_path / source.name
        folder.mkdir()
        for name in ("article.txt", "units.csv", "key.csv", "sources.csv"):
            if (source / name).is_file():
                (folder / name).write_bytes((source / name).read_bytes())
        editor = KeyEditor.load(folder)
        editor.set_rationale(editor.unit_ids[0], editor.row(editor.unit_ids[0])["rationale"])
        editor.start_assessment_at(editor.assessment_start())
        editor._save(units=editor.units, sources=editor.sources)
        for name in ("units.csv", "key.csv", "sources.csv"):
            if (source / name).is_file():
                assert read(folder / name) == read(source / name), (source, name)


# -- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "message"), [
    (lambda e: e.set_label("p04s1", "opinion"),
     "Unknown label 'opinion': use one of sourced, claim, commentary, meta."),
    (lambda e: e.set_label("p99s1", "meta"),
     "Unknown unit 'p99s1': this article's units are p01s1 to p17s2 (see units.csv)."),
    (lambda e: e.set_accept("p04s1", ["maybe"]),
     "Unknown label(s) 'maybe': accepted alternatives are among sourced, claim, commentary, "
     "meta."),
    (lambda e: e.split_unit("p04s2", 0),
     "Split point 0 is outside p04s2's text: give a character offset from 1 to 38 (the first "
     "part is text[:offset])."),
    (lambda e: e.split_unit("p04s2", 39),
     "Split point 39 is outside p04s2's text: give a character offset from 1 to 38 (the first "
     "part is text[:offset])."),
    (lambda e: e.merge_with_next("p05s2"),
     "p05s2 is the last unit of paragraph 5: a unit merges only with the next unit of the same "
     "paragraph. Merge the unit before it instead."),
    (lambda e: e.merge_with_next("p17s2"),
     "p17s2 is the last unit of paragraph 17: a unit merges only with the next unit of the same "
     "paragraph. Merge the unit before it instead."),
    (lambda e: e.set_source("p04s1", "bbc"),
     "Unknown source 'bbc': sources.csv has no sources yet. Add it first (add_source: id, name, "
     "kind)."),
    (lambda e: e.add_source("Town Council", "Kelmouth Town Council", "official"),
     "Source id 'Town Council' is not usable: use lower-case letters, digits, - and _ (up to "
     "40), starting with a letter or digit, e.g. council."),
    (lambda e: e.add_source("council", "", "official"),
     "A source needs a name: who or what it is, e.g. Kelmouth Town Council."),
    (lambda e: e.add_source("council", "Kelmouth Town Council", "witness"),
     "The source's kind 'witness' is not one of the codebook's kinds (news-report, "
     "magazine-article, study, official, organisation, person-quoted); use the first that fits "
     "(docs/codebook.md, \"The kinds of source\")."),
    (lambda e: e.add_source("council", "Kelmouth Town Council", ""),
     "The source's kind empty is not one of the codebook's kinds (news-report, "
     "magazine-article, study, official, organisation, person-quoted); use the first that fits "
     "(docs/codebook.md, \"The kinds of source\")."),
])
def test_bad_input_says_what_to_do_and_writes_nothing(folder, change, message):
    editor = KeyEditor.load(folder)
    before = {name: read(folder / name) for name in ("units.csv", "key.csv", "sources.csv")}
    with pytest.raises(KeyEditError) as raised:
        change(editor)
    assert str(raised.value) == message
    assert {name: read(folder / name) for name in before} == before


def test_an_accepted_alternative_is_not_the_label(folder):
    editor = KeyEditor.load(folder)
    editor.set_label("p04s1", "claim")
    with pytest.raises(KeyEditError, match="'claim' is p04s1's label already"):
        editor.set_accept("p04s1", ["claim"])


def test_a_file_edited_meanwhile_is_never_overwritten(folder):
    editor = KeyEditor.load(folder)
    editor.set_label("p01s1", "meta")
    by_hand = read(folder / "key.csv").replace("p02s1,,", "p02s1,meta,")
    (folder / "key.csv").write_text(by_hand, encoding="utf-8")
    with pytest.raises(KeyEditError) as raised:
        editor.set_label("p03s1", "meta")
    assert str(raised.value) == (
        f"key.csv in {folder} changed since author mode loaded it (edited by hand, by git or in "
        "another notebook), so nothing was written. Run the Sorter cell again to load the "
        "article as it is now, then make the change again.")
    assert read(folder / "key.csv") == by_hand
    fresh = editor.reload()
    fresh.set_label("p03s1", "meta")
    assert [r["label"] for r in rows(folder / "key.csv")][:3] == ["meta", "meta", "meta"]


def test_a_folder_whose_key_does_not_match_its_units_is_refused(folder):
    text = read(folder / "key.csv").replace("p04s2,,,,,\n", "")
    (folder / "key.csv").write_text(text, encoding="utf-8")
    with pytest.raises(KeyEditError, match=r"do not list the same units .*no key row for p04s2"):
        KeyEditor.load(folder)


# -- atomic writes --------------------------------------------------------------------------------

def fail_replace(monkeypatch, after: int = 0):
    """os.replace fails (as on a full disk) after `after` successful calls."""
    real, calls = os.replace, []

    def replace(source, target):
        calls.append(target)
        if len(calls) > after:
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(os, "replace", replace)


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(folder, monkeypatch):
    editor = KeyEditor.load(folder)
    editor.set_label("p01s1", "meta")
    before = read(folder / "key.csv")
    listing = sorted(os.listdir(folder))
    fail_replace(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        editor.set_label("p02s1", "meta")
    monkeypatch.undo()
    assert read(folder / "key.csv") == before
    assert sorted(os.listdir(folder)) == listing
    assert editor.row("p02s1")["label"] == ""  # the editor did not change either
    editor.set_label("p02s1", "meta")  # and goes on once the disk has room
    assert [r["label"] for r in rows(folder / "key.csv")][:2] == ["meta", "meta"]


def test_a_split_that_fails_halfway_changes_neither_file(folder, monkeypatch):
    editor = KeyEditor.load(folder)
    before = {name: read(folder / name) for name in ("units.csv", "key.csv")}
    real, calls = tempfile.mkstemp, []

    def mkstemp(*args, **kwargs):  # units.csv's temp file is written, key.csv's is not
        calls.append(kwargs.get("prefix"))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    with pytest.raises(OSError):
        editor.split_unit("p06s2", 10)
    monkeypatch.undo()
    assert {name: read(folder / name) for name in before} == before
    assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]
    assert editor.unit_ids == ORIGINAL_IDS
    assert KeyEditor.load(folder).unit_ids == ORIGINAL_IDS


# -- the widget ------------------------------------------------------------------------------------

@pytest.fixture
def sent(monkeypatch) -> list:
    messages = []
    monkeypatch.setattr(AuthorSorter, "send",
                        lambda self, content, buffers=None: messages.append(content))
    return messages


def test_readkit_author_sorter_is_the_author_widget(course, folder):
    import readkit

    assert readkit.AuthorSorter is AuthorSorter
    sorter = readkit.AuthorSorter(article=SLUG, course=course)
    assert sorter.mode == "author" and sorter.article == SLUG
    assert sorter.unit_ids == ORIGINAL_IDS
    assert [unit["unit_id"] for unit in sorter._units] == ORIGINAL_IDS
    assert [label["key"] for label in sorter._labels] == ["s", "c", "o", "m"]


def test_the_python_api_writes_the_files(course, folder):
    sorter = AuthorSorter(article=SLUG, course=course)
    sorter.choose("p04s1", "sourced")
    sorter.accept("p04s1", "claim")
    sorter.add_source("council", "Kelmouth Town Council", "official")
    sorter.set_source("p04s1", "council")
    sorter.set_rationale("p04s1", "The council is named: it said so on Tuesday.")
    sorter.start_assessment_at("p11s2")
    assert sorter.split_unit("p06s2", P06[1].index("said")) == ("p06s4", "p06s5")
    assert sorter.merge_with_next("p12s2") == "p12s4"
    assert rows(folder / "key.csv")[3] == {
        "unit_id": "p04s1", "label": "sourced", "accept": "claim", "source": "council",
        "split": "practice", "rationale": "The council is named: it said so on Tuesday."}
    assert sorter.key["p04s1"] == {"label": "sourced", "accept": "claim", "source": "council",
                                   "split": "practice",
                                   "rationale": "The council is named: it said so on Tuesday.",
                                   "draft": False}
    assert sorter.sources == [{"source_id": "council", "name": "Kelmouth Town Council",
                               "kind": "official"}]
    assert [u["unit_id"] for u in sorter._units if u["paragraph"] == 12] == ["p12s1", "p12s4"]
    assert sorter.key_rows() == rows(folder / "key.csv")
    assert unit_ids(folder) == sorter.unit_ids


def test_browser_messages_are_answered_and_bad_ones_shown(course, folder, sent):
    sorter = AuthorSorter(article=SLUG, course=course)
    sorter._handle_custom_msg({"type": "edit", "action": "label", "unit": "p01s1",
                               "label": "meta", "seq": 1}, [])
    sorter._handle_custom_msg({"type": "edit", "action": "accept", "unit": "p01s1",
                               "label": "commentary", "seq": 2}, [])
    sorter._handle_custom_msg({"type": "edit", "action": "add-source", "unit": "p04s1",
                               "source_id": "council", "name": "Kelmouth Town Council",
                               "kind": "official", "seq": 3}, [])
    assert rows(folder / "key.csv")[0]["accept"] == "commentary"
    assert rows(folder / "key.csv")[3]["source"] == "council"
    assert sent[0] == {"type": "edited", "seq": 1, "action": "label", "ok": True,
                       "result": {"unit_id": "p01s1", "label": "meta", "accept": "", "source": "",
                                  "split": "", "rationale": ""}}
    assert [m["ok"] for m in sent] == [True, True, True]
    sorter._handle_custom_msg({"type": "edit", "action": "merge", "unit": "p05s2", "seq": 4},
                              [])
    assert sent[-1]["ok"] is False
    assert sorter.notice == sent[-1]["message"] == (
        "p05s2 is the last unit of paragraph 5: a unit merges only with the next unit of the "
        "same paragraph. Merge the unit before it instead.")
    sorter._handle_custom_msg({"type": "edit", "action": "split", "unit": "p04s2",
                               "offset": 8, "seq": 5}, [])
    assert sent[-1] == {"type": "edited", "seq": 5, "action": "split", "ok": True,
                        "result": ["p04s3", "p04s4"]}
    assert sorter.notice == ""


def test_a_full_disk_is_a_notice_not_a_crash(course, folder, sent, monkeypatch):
    sorter = AuthorSorter(article=SLUG, course=course)
    fail_replace(monkeypatch)
    sorter._handle_custom_msg({"type": "edit", "action": "label", "unit": "p01s1",
                               "label": "meta", "seq": 1}, [])
    monkeypatch.undo()
    assert sent[-1]["ok"] is False
    assert sorter.notice.startswith("Not saved: No space left on device while writing to ")
    assert sorter.key["p01s1"]["label"] == ""


# -- where author mode refuses to run ------------------------------------------------------------

def test_not_in_the_learner_package(monkeypatch):
    learner = Course(PACKAGED_DATA.parent, PACKAGED_DATA)
    with pytest.raises(CourseError, match="installed learner package has only the practice"):
        AuthorSorter(article=SLUG, course=learner)


def test_not_in_a_learner_data_folder(tmp_path):
    """The grading sandbox's folder: data/ without the course (no nbgrader_config.py)."""
    root = make_course(tmp_path / "learner")
    (root / "nbgrader_config.py").unlink()
    with pytest.raises(CourseError, match="is not a course checkout"):
        AuthorSorter(article=SLUG, course=Course(root))


def test_not_while_nbgrader_runs_the_notebook(course, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(CourseError, match="does not run while nbgrader runs a notebook"):
        AuthorSorter(article=SLUG, course=course)


def test_an_unknown_article_says_how_to_make_it(course, folder):
    with pytest.raises(CourseError, match="No article 'ferry' in this course.*new-article"):
        AuthorSorter(article="ferry", course=course)
    register(course.data, "ferry", "Listed, never made")
    with pytest.raises(CourseError, match="No article folder .*readkit new-article ferry FILE"):
        AuthorSorter(article="ferry", course=Course(course.root))


def test_without_an_article_it_edits_the_default_one(course):
    assert AuthorSorter(course=course).article == SLUG


def test_the_python_api_makes_the_fixture_key_byte_for_byte(course, folder):
    """The teacher's key of the end-to-end test (tests/fixtures/articles/harbour-bridge-key.csv
    and -sources.csv), made through the author mode's Python API: the same bytes."""
    fixtures = ROOT / "tests" / "fixtures" / "articles"
    label_the_test_article(AuthorSorter(article=SLUG, course=course))
    for name in ("key.csv", "sources.csv"):
        assert (folder / name).read_bytes() == (fixtures / f"harbour-bridge-{name}").read_bytes()
