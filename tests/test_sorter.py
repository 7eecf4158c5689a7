"""The Sorter widget without a browser: state as synced traits, the answers file, practice
feedback, and proof that assessment mode carries no key. Runs on small fixture courses."""

import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traitlets import TraitError

from readkit.course import answers as store
from readkit.course import article as article_module
from readkit.course.course import Article, Course, CourseError
from readkit.course.labels import LABELS, RESERVED_KEYS, key_letters
from readkit.widgets.sorter import Sorter
from readkit.widgets.sorter_widget import SorterWarning, SorterWidget

UNITS = [
    ("p01s1", 1, 'Headline: the "Secret Deal" to Allow <u>Escape</u>'),
    ("p02s1", 2, "By A. Writer"),
    ("p03s1", 3, 'The BBC said "ten trucks left the city."'),
    ("p03s2", 3, "This was, plainly, a scandal that nobody in Washington wants you to notice."),
    ("p04s1", 4, "Officials confirmed the figure."),
    ("p04s2", 4, "Nobody asked why."),
]
# unit_id, label, accept, split, rationale
KEY = [
    ("p01s1", "meta", "commentary", "practice", "RATIONALE-HEADLINE: furniture that frames."),
    ("p02s1", "meta", "", "practice", "RATIONALE-BYLINE: who wrote it."),
    ("p03s1", "sourced", "", "practice", "RATIONALE-BBC: the BBC is named."),
    ("p03s2", "commentary", "", "assessment", "SECRET-RATIONALE-SCANDAL: loaded words."),
    ("p04s1", "claim", "sourced", "assessment", "SECRET-RATIONALE-OFFICIALS: no name given."),
    ("p04s2", "commentary", "", "assessment", "SECRET-RATIONALE-NOBODY: rhetorical."),
]
PRACTICE_IDS = ["p01s1", "p02s1", "p03s1"]
ASSESSMENT_IDS = ["p03s2", "p04s1", "p04s2"]


SECTIONS = [
    ("01-sort", "part-1", "The start", 1, 3, 5),
    ("01-sort", "part-2", "The rest", 4, 4, 10),
]


SLUG = "test-article"


def make_course(folder: Path, key=KEY, units=UNITS) -> Path:
    """A course folder: nbgrader_config.py and one article (units.csv, key.csv, sections.csv)."""
    data = folder / "data" / "articles" / SLUG
    data.mkdir(parents=True)
    (folder / "data" / "articles.csv").write_text(f"slug,title\n{SLUG},A test article\n")
    with (data / "sections.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "section", "title", "first_paragraph", "last_paragraph",
                         "points"])
        writer.writerows(SECTIONS)
    (folder / "nbgrader_config.py").write_text("c = get_config()  # noqa\n", encoding="utf-8")
    with (data / "units.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "paragraph", "text"])
        writer.writerows(units)
    with (data / "key.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "label", "accept", "source", "split", "rationale"])
        writer.writerows((uid, label, accept, "", split, why) for uid, label, accept, split, why in key)
    return folder


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    root = make_course(tmp_path / "course")
    monkeypatch.setenv("READKIT_COURSE", str(root))
    return root


@pytest.fixture
def work(tmp_path, course, monkeypatch) -> Path:
    """The notebook's folder (the working directory) where answers.json goes."""
    folder = tmp_path / "notebook"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def sent(monkeypatch) -> list:
    """Custom messages the widget sends to the browser."""
    messages = []
    monkeypatch.setattr(SorterWidget, "send", lambda self, content, buffers=None: messages.append(content))
    return messages


def file_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# -- choosing the units ---------------------------------------------------------------------

def test_default_units_follow_mode(work):
    assert Sorter(assignment="a").unit_ids == PRACTICE_IDS
    assert Sorter(assignment="a", mode="assessment").unit_ids == ASSESSMENT_IDS


def test_units_by_ids_in_reading_order(work):
    assert Sorter(["p04s2", "p01s1", "p04s2"], assignment="a", mode="assessment").unit_ids == [
        "p01s1", "p04s2"]
    assert Sorter("p02s1", assignment="a").unit_ids == ["p02s1"]


def test_units_by_paragraph_range_and_tuple(work):
    assert Sorter(range(3, 5), assignment="a", mode="assessment").unit_ids == [
        "p03s1", "p03s2", "p04s1", "p04s2"]
    assert Sorter((2, 3), assignment="a", mode="assessment").unit_ids == ["p02s1", "p03s1", "p03s2"]
    assert Sorter((1, 2), assignment="a").unit_ids == ["p01s1", "p02s1"]


def test_unknown_ids_raise_a_clear_error(work):
    with pytest.raises(ValueError, match=r"Unknown unit ids: p99s1, nope\. Unit ids look like"):
        Sorter(["p01s1", "p99s1", "nope"], assignment="a")


@pytest.mark.parametrize("units, message", [
    ((7, 9), r"No units in paragraphs 7 to 9: the article has paragraphs 1 to 4"),
    (range(10, 12), r"No units in paragraphs 10 to 11"),
    ([], r"units is empty"),
])
def test_empty_selection_raises(work, units, message):
    with pytest.raises(ValueError, match=message):
        Sorter(units, assignment="a", mode="assessment")


def test_bad_arguments_raise(work):
    with pytest.raises(TypeError, match="units must be None, a list of unit ids"):
        Sorter(12, assignment="a")
    with pytest.raises(ValueError, match="mode must be 'practice' or 'assessment'"):
        Sorter(assignment="a", mode="exam")
    with pytest.raises(ValueError, match="assignment must be"):
        Sorter(assignment="")
    with pytest.raises(ValueError, match="the folder .*missing does not exist"):
        Sorter(assignment="a", answers_path=work / "missing" / "answers.json")


def test_an_explicit_course_is_used_instead_of_the_default(work, tmp_path):
    other = make_course(tmp_path / "other", units=[
        (uid, paragraph, f"OTHER {text}") for uid, paragraph, text in UNITS])
    sorter = Sorter((3, 3), assignment="a", mode="assessment", course=Course.open(other))
    assert [unit["text"] for unit in sorter.widget.get_state()["_units"]] == [
        f"OTHER {UNITS[2][2]}", f"OTHER {UNITS[3][2]}"]
    assert Sorter((3, 3), assignment="a", mode="assessment").widget.get_state()["_units"][0]["text"] \
        == UNITS[2][2]


def test_no_course_data_raises_a_course_error(work, tmp_path, monkeypatch):
    monkeypatch.setenv("READKIT_COURSE", str(tmp_path / "nowhere"))
    with pytest.raises(CourseError, match=r"READKIT_COURSE=.*nowhere has no data/ folder"):
        Sorter(assignment="a")


def test_section_sorter_shows_the_assessment_units_of_its_paragraphs(work, monkeypatch):
    forbid_key(monkeypatch)  # a section's units come from the split column only
    first = Sorter.section("01-sort", "part-1")
    second = Sorter.section("01-sort", "part-2", answers_path=work / "two.json")
    assert (first.mode, first.assignment, first.answers_path) == (
        "assessment", "01-sort", work / "answers.json")  # absolute: resolved once
    assert first.unit_ids == ["p03s2"]  # p01s1, p02s1 and p03s1 are practice units
    assert second.unit_ids == ["p04s1", "p04s2"]
    assert second.answers_path == work / "two.json"


def test_a_section_without_assessment_units_says_what_to_fix(tmp_path, monkeypatch):
    practice_only = [(uid, label, accept, "practice", why) for uid, label, accept, _s, why in KEY]
    root = make_course(tmp_path / "practice-only", practice_only)
    with pytest.raises(CourseError, match=r"section 'part-2' of '01-sort' \(paragraphs 4 to 4\) "
                                          r"has no assessment units to show"):
        Sorter.section("01-sort", "part-2", course=Course.open(root))


def test_unknown_section_names_the_sections_there_are(work):
    with pytest.raises(CourseError, match=r"no section 'part-9' for '01-sort' \(it has: "
                                          r"part-1, part-2\)"):
        Sorter.section("01-sort", "part-9")
    with pytest.raises(CourseError, match=r"No article's sections.csv has parts of 'other'. "
                                          r"Assignments with parts: 01-sort\."):
        Sorter.section("other", "part-1")


def test_practice_mode_refuses_assessment_units(work):
    with pytest.raises(ValueError, match=r"not practice units: p03s2, p04s1, p04s2\. Use mode="):
        Sorter((3, 4), assignment="a", mode="practice")


def test_units_carry_their_full_text_for_the_accessible_name(work):
    """The browser names each radiogroup after the whole sentence (aria-labelledby), built
    from runs of text: quotations marked, the article's markup read (never HTML)."""
    sorter = Sorter((3, 3), assignment="a", mode="assessment")
    assert sorter.widget.get_state()["_units"] == [
        {"unit_id": "p03s1", "paragraph": 3, "text": UNITS[2][2],
         "runs": [{"text": "The BBC said "}, {"text": '"ten trucks left the city."', "q": True}]},
        {"unit_id": "p03s2", "paragraph": 3, "text": UNITS[3][2],
         "runs": [{"text": UNITS[3][2]}]},
    ]
    headline = Sorter(["p01s1"], assignment="a").widget.get_state()["_units"][0]
    assert headline["text"] == 'Headline: the "Secret Deal" to Allow <u>Escape</u>'
    assert headline["runs"] == [{"text": "Headline: the "}, {"text": '"Secret Deal"', "q": True},
                                {"text": " to Allow "}, {"text": "Escape", "u": True}]
    assert [label["name"] for label in sorter.widget.get_state()["_labels"]] == list(LABELS)


def test_each_label_has_a_digit_and_a_letter_that_do_not_collide(work):
    labels = Sorter((3, 3), assignment="a", mode="assessment").widget.get_state()["_labels"]
    assert [(label["digit"], label["key"]) for label in labels] == [
        ("1", "s"), ("2", "c"), ("3", "o"), ("4", "m")]
    assert all(label["key"] in label["name"] for label in labels)


@given(st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), min_size=1,
                max_size=6, unique=True))
def test_key_letters_are_distinct_and_never_the_undo_key(names):
    try:
        letters = key_letters(names)
    except ValueError as error:
        assert "No free letter" in str(error)
        return
    assert len(set(letters.values())) == len(names)
    assert not set(letters.values()) & RESERVED_KEYS
    assert all(letters[name] in name for name in names)


# -- the answers file ---------------------------------------------------------------------

def test_setting_answers_writes_the_file(work, sent):
    sorter = Sorter(assignment="01-sort")
    assert not (work / "answers.json").exists()  # nothing is written by showing the widget
    sorter.answers = {"p01s1": "meta", "p03s1": "sourced"}
    assert (work / "answers.json").read_text(encoding="utf-8") == (
        '{\n "answers": {\n  "p01s1": "meta",\n  "p03s1": "sourced"\n },\n'
        ' "article": "test-article",\n "assignment": "01-sort",\n "version": 1\n}\n'
    )
    sorter.answers = {"p01s1": "meta", "p03s1": "claim"}
    assert file_json(work / "answers.json") == {
        "version": 1, "article": SLUG, "assignment": "01-sort",
        "answers": {"p01s1": "meta", "p03s1": "claim"}}
    assert sent == [
        {"type": "saved", "changes": [["p01s1", "meta"], ["p03s1", "sourced"]]},
        {"type": "saved", "changes": [["p03s1", "claim"]]},
    ]
    assert os.listdir(work) == ["answers.json"]


def test_change_from_an_old_front_end_is_saved(work, sent):
    sorter = Sorter(assignment="01-sort", answers_path="lesson.json")
    sorter.widget.set_state({"answers": {"p02s1": "meta"}})  # a front end that syncs the whole dict
    assert file_json(work / "lesson.json")["answers"] == {"p02s1": "meta"}
    assert sent == [{"type": "saved", "changes": [["p02s1", "meta"]]}]


def test_new_sorter_restores_saved_answers(work):
    Sorter(assignment="01-sort").answers = {"p01s1": "meta", "p02s1": "claim"}
    again = Sorter(assignment="01-sort")
    assert again.answers == {"p01s1": "meta", "p02s1": "claim"}
    assert again.notice == ""
    assert again.widget.get_state()["answers"] == {"p01s1": "meta", "p02s1": "claim"}


def test_sorters_sharing_a_file_keep_each_others_answers(work):
    first = Sorter((1, 2), assignment="01-sort", mode="assessment")
    second = Sorter((3, 4), assignment="01-sort", mode="assessment")
    first.answers = {"p01s1": "meta"}
    second.answers = {"p04s2": "commentary"}
    first.answers = {"p01s1": "meta", "p02s1": "meta"}
    assert file_json(work / "answers.json")["answers"] == {
        "p01s1": "meta", "p02s1": "meta", "p04s2": "commentary"}
    assert Sorter((3, 4), assignment="01-sort", mode="assessment").answers == {
        "p04s2": "commentary"}


def test_clearing_an_answer_from_python(work, sent):
    sorter = Sorter(assignment="a")
    sorter.answers = {"p01s1": "meta", "p02s1": "meta"}
    sorter.answers = {"p02s1": "meta"}
    assert file_json(work / "answers.json")["answers"] == {"p02s1": "meta"}
    assert sent[-1] == {"type": "saved", "changes": [["p01s1", None]]}


def test_corrupt_file_is_moved_aside(work):
    original = b'{"version": 1, "answers": {"p01s1": "me'
    (work / "answers.json").write_bytes(original)
    sorter = Sorter(assignment="01-sort")
    aside = [path for path in work.iterdir() if path.name != "answers.json"]
    assert len(aside) == 1
    assert aside[0].name.startswith("answers.unreadable-") and aside[0].suffix == ".json"
    assert aside[0].read_bytes() == original
    assert sorter.notice == (
        f"Your earlier answers file could not be used: answers.json is not valid JSON. Nothing "
        f"was deleted: it is kept as {aside[0].name} in the same folder, and a fresh "
        "answers.json was started. Ask your instructor if you need the old answers back."
    )
    assert sorter.widget.get_state()["notice"] == sorter.notice
    assert sorter.answers == {}
    assert file_json(work / "answers.json") == {
        "version": 1, "article": SLUG, "assignment": "01-sort", "answers": {}}
    sorter.answers = {"p02s1": "meta"}
    assert file_json(work / "answers.json")["answers"] == {"p02s1": "meta"}


@pytest.mark.parametrize("payload, reason", [
    ({"version": 1, "assignment": "02-trace", "answers": {"p01s1": "meta"}},
     "answers.json belongs to assignment '02-trace', not '01-sort'"),
    ({"version": 2, "assignment": "01-sort", "answers": {"p01s1": "meta"}},
     "answers.json is not a readkit answers file"),
    ({"p01s1": "meta"}, "answers.json is not a readkit answers file"),
    ({"version": 1, "article": "another", "assignment": "01-sort", "answers": {"p01s1": "meta"}},
     "answers.json holds answers for the article 'another', not 'test-article'"),
])
def test_foreign_file_is_moved_aside(work, payload, reason):
    original = json.dumps(payload).encode()
    (work / "answers.json").write_bytes(original)
    sorter = Sorter(assignment="01-sort")
    (aside,) = work.glob("answers.unreadable-*.json")
    assert aside.read_bytes() == original
    assert sorter.notice.startswith(f"Your earlier answers file could not be used: {reason}. ")
    assert f"it is kept as {aside.name}" in sorter.notice
    assert sorter.answers == {}
    assert file_json(work / "answers.json") == {
        "version": 1, "article": SLUG, "assignment": "01-sort", "answers": {}}


def test_a_folder_or_link_in_place_of_the_file_is_moved_aside(work, tmp_path):
    (work / "answers.json").mkdir()
    sorter = Sorter(assignment="01-sort")
    (aside,) = work.glob("answers.unreadable-*.json")
    assert aside.is_dir()
    assert sorter.notice.startswith("Your earlier answers file could not be used: answers.json "
                                    "is not a regular file (a link, a folder or a device). ")
    assert file_json(work / "answers.json")["answers"] == {}

    elsewhere = tmp_path / "elsewhere.json"
    store.write_answers(elsewhere, "02-sort", {"p01s1": "meta"})
    (work / "link").mkdir()
    (work / "link" / "answers.json").symlink_to(elsewhere)
    linked = Sorter(assignment="02-sort", answers_path=work / "link" / "answers.json")
    assert linked.answers == {}  # the link was not followed
    (moved,) = (work / "link").glob("answers.unreadable-*.json")
    assert moved.is_symlink()
    assert file_json(elsewhere)["answers"] == {"p01s1": "meta"}  # the target is untouched


def test_restored_file_with_unknown_label_warns(work):
    (work / "answers.json").write_text(json.dumps({
        "version": 1, "assignment": "a", "answers": {"p01s1": "meta", "p02s1": "opinion"}}))
    with pytest.warns(SorterWarning, match=r"p02s1: unknown label 'opinion' ignored"):
        sorter = Sorter(assignment="a")
    assert sorter.answers == {"p01s1": "meta"}


def test_unknown_ids_and_labels_are_dropped_with_a_warning(work):
    sorter = Sorter(assignment="a")
    with pytest.warns(SorterWarning) as caught:
        sorter.answers = {"p01s1": "meta", "p99s1": "claim", "p04s1": "claim",
                          "p02s1": "opinion", "p03s1": 3}
    assert [str(w.message) for w in caught] == [
        "Sorter ignored unit ids it does not show: p99s1, p04s1.",
        "Sorter ignored unknown labels: p02s1='opinion', p03s1=3 (use one of sourced, claim, "
        "commentary, meta).",
    ]
    assert {Path(w.filename).name for w in caught} == {"test_sorter.py"}  # points at the caller
    assert sorter.answers == {"p01s1": "meta"}
    assert file_json(work / "answers.json")["answers"] == {"p01s1": "meta"}


def disk_full_while(monkeypatch, full: list) -> None:
    """write_answers fails with ENOSPC while `full` holds True."""
    real = store.write_answers

    def write(*args):
        if full and full[-1]:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(store, "write_answers", write)


def test_a_failed_save_shows_a_notice(work, sent, monkeypatch):
    sorter = Sorter(assignment="a")
    full = [True]
    disk_full_while(monkeypatch, full)
    sorter.answers = {"p01s1": "meta"}
    assert sorter.notice == (
        f"Your answers could not be saved to answers.json ({work}): No space left on device. "
        "Free some space or fix the folder's permissions, then choose again: every unsaved "
        "answer is saved with the next one.")
    assert sent == [{"type": "save-failed"}]
    assert sorter.answers == {"p01s1": "meta"}  # set from Python: kept, and saved next time
    full.append(False)
    sorter.answers = {"p01s1": "meta", "p02s1": "claim"}
    assert file_json(work / "answers.json")["answers"] == {"p01s1": "meta", "p02s1": "claim"}
    assert sorter.notice == ""


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(PRACTICE_IDS), st.sampled_from(LABELS)),
                min_size=1, max_size=25))
def test_any_sequence_of_changes_leaves_the_last_state_on_disk(course, states):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.json"
        sorter = Sorter(assignment="a", answers_path=path)
        for state in states:
            sorter.answers = state
            found = store.read_answers(path, "a")  # valid JSON after every change
            assert found.status in (store.OK, store.MISSING)
            if found.status == store.OK:
                assert found.answers == state
        final = states[-1]
        if path.exists():
            assert file_json(path) == {"version": 1, "article": SLUG, "assignment": "a",
                                       "answers": final}
        else:
            assert all(state == {} for state in states)  # no change ever happened
        assert sorted(os.listdir(folder)) == (["answers.json"] if path.exists() else [])
        assert Sorter(assignment="a", answers_path=path).answers == final


# -- practice feedback ------------------------------------------------------------------------

def test_practice_check_right_wrong_and_reveal_after_two_tries(work, sent):
    sorter = Sorter(assignment="lesson")
    sorter.answers = {"p01s1": "commentary", "p02s1": "claim"}
    assert sorter.check() == {
        "p01s1": {"label": "commentary", "verdict": "right", "tries": 0},  # accepted alternative
        "p02s1": {"label": "claim", "verdict": "wrong", "tries": 1},
    }
    assert sent[-1] == {"type": "checked",
                        "summary": "Checked 2: 1 right, 1 wrong. 1 not labelled yet."}

    sorter.check()  # the same wrong label again is not a new try
    assert sorter.feedback["p02s1"] == {"label": "claim", "verdict": "wrong", "tries": 1}

    sorter.answers = {"p01s1": "commentary", "p02s1": "sourced", "p03s1": "sourced"}
    sorter.check()
    assert sorter.feedback == {
        "p01s1": {"label": "commentary", "verdict": "right", "tries": 0},
        "p02s1": {"label": "sourced", "verdict": "wrong", "tries": 2, "accepted": ["meta"],
                  "rationale": "RATIONALE-BYLINE: who wrote it."},
        "p03s1": {"label": "sourced", "verdict": "right", "tries": 0},
    }
    assert sent[-1] == {"type": "checked", "summary": "Checked 3: 2 right, 1 wrong."}

    sorter.answers = {**sorter.answers, "p02s1": "meta"}
    sorter.check()  # once revealed, it stays revealed
    assert sorter.feedback["p02s1"] == {
        "label": "meta", "verdict": "right", "tries": 2, "accepted": ["meta"],
        "rationale": "RATIONALE-BYLINE: who wrote it."}
    assert sorter.widget.get_state()["feedback"] == sorter.feedback


def test_check_message_from_the_browser(work, sent):
    sorter = Sorter(assignment="lesson")
    sorter.widget.set_state({"answers": {"p03s1": "claim"}})
    sorter.widget._handle_custom_msg({"type": "check"}, [])
    assert sorter.feedback == {"p03s1": {"label": "claim", "verdict": "wrong", "tries": 1}}
    assert sent[-1]["type"] == "checked"


def test_practice_feedback_never_carries_the_whole_key(work):
    sorter = Sorter(assignment="lesson")
    sorter.answers = {"p01s1": "meta"}
    sorter.check()
    state = json.dumps(sorter.widget.get_state())
    for _uid, _label, _accept, _split, rationale in KEY:
        assert rationale not in state


# -- assessment mode carries no key -----------------------------------------------------------

def forbid_key(monkeypatch):
    """Every way an Article reads key.csv's labels fails the test: the key, its DataFrame, the
    parser and the plain rows of key.csv (split_unit_ids reads the split column on its own)."""
    def spy(*_args, **_kwargs):
        raise AssertionError("assessment mode must not read the key")

    real_rows = Article.rows

    def rows(self, name):
        if name == "key.csv":
            spy()
        return real_rows(self, name)

    monkeypatch.setattr(Article, "key", spy)
    monkeypatch.setattr(Article, "load_key", spy)
    monkeypatch.setattr(Article, "rows", rows)
    monkeypatch.setattr(article_module, "parse_key", spy)


def test_forbid_key_catches_a_key_read(work, monkeypatch):
    """The spy above works: practice mode, which needs the key, fails under it."""
    forbid_key(monkeypatch)
    with pytest.raises(AssertionError, match="must not read the key"):
        Sorter(assignment="lesson")
    with pytest.raises(AssertionError, match="must not read the key"):
        Course.default().article().rows("key.csv")


def test_assessment_mode_reads_no_key_and_shows_none(work, monkeypatch, sent):
    forbid_key(monkeypatch)
    sorter = Sorter(assignment="01-sort", mode="assessment")
    sorter.answers = {"p03s2": "claim", "p04s1": "claim"}
    sorter.widget._handle_custom_msg({"type": "check"}, [])  # ignored: no Check in assessment mode
    with pytest.raises(RuntimeError, match="practice mode only"):
        sorter.check()
    with pytest.raises(TraitError, match="read-only"):
        sorter.widget.mode = "practice"
    with pytest.raises(AttributeError):
        sorter.mode = "practice"
    state = sorter.widget.get_state()
    assert state["mode"] == "assessment" and state["feedback"] == {}
    dumped = json.dumps(state)
    for _uid, _label, _accept, _split, rationale in KEY:
        assert rationale not in dumped
    assert not any(isinstance(m, dict) and m.get("type") == "checked" for m in sent)


def test_assessment_state_does_not_depend_on_the_key(tmp_path, monkeypatch):
    """The same units with a different key (labels, alternatives, rationales) give the very
    same widget state: nothing in it is derived from the key beyond the split."""
    other_key = [(uid, "meta", "claim|sourced", split, f"OTHER {why}")
                 for uid, _label, _accept, split, why in KEY]
    states = []
    for name, key in (("one", KEY), ("two", other_key)):
        root = make_course(tmp_path / name, key)
        monkeypatch.setenv("READKIT_COURSE", str(root))
        sorter = Sorter(assignment="01-sort", mode="assessment",
                        answers_path=tmp_path / f"{name}.json")
        state = sorter.widget.get_state()
        state.pop("layout")  # the id of another widget
        states.append(json.dumps(state, sort_keys=True))
    assert states[0] == states[1]


def test_while_nbgrader_autogrades_a_sorter_draws_nothing_and_keeps_the_file(work, monkeypatch):
    """Always the one Sorter class; while nbgrader autogrades it holds no widget, reads no
    course data and leaves the handed-in file as it came (even an unreadable one)."""
    import readkit

    (work / "answers.json").write_text("{not json")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("READKIT_COURSE", str(work / "no-course-here"))
    assert readkit.Sorter is Sorter
    sorter = readkit.Sorter((1, 2), assignment="a", mode="assessment")
    assert type(sorter) is Sorter and sorter.widget is None
    assert repr(sorter) == ("Sorter for a (not shown while nbgrader grades: "
                            "the grade comes from answers.json)")
    assert sorter._repr_mimebundle_() == {"text/plain": repr(sorter)}
    section = readkit.Sorter.section("01-sort", "part-1", answers_path="part.json")
    assert type(section) is Sorter and section.widget is None
    assert (section.assignment, section.mode) == ("01-sort", "assessment")
    assert repr(section) == ("Sorter for 01-sort (not shown while nbgrader grades: "
                             "the grade comes from part.json)")
    with pytest.raises(RuntimeError, match="not shown while nbgrader grades"):
        section.answers  # noqa: B018
    assert (work / "answers.json").read_text() == "{not json"
    assert [p.name for p in work.iterdir()] == ["answers.json"]

    # nbgrader validate is the learner's own check: the Sorter works as usual.
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    monkeypatch.setenv("READKIT_COURSE", str(work.parent / "course"))
    assert readkit.Sorter is Sorter
    assert readkit.Sorter.section("01-sort", "part-1").widget is not None


def test_a_grading_kernel_loads_no_widget_library(work):
    """What a graded notebook's Sorter cell does in a fresh interpreter while nbgrader
    autogrades (its value displayed, as a kernel does): no widget library, no pandas."""
    code = (
        "import sys\nfrom IPython.core.formatters import DisplayFormatter\n"
        "from readkit import Sorter\n"
        "shown = DisplayFormatter().format(Sorter.section('01-sort', 'part-1'))[0]\n"
        "print(shown['text/plain'])\n"
        "print(' '.join(sorted(sys.modules)))\n")
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
    out = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert out[0] == ("Sorter for 01-sort (not shown while nbgrader grades: the grade comes "
                      "from answers.json)")
    loaded = set(out[1].split())
    assert {"anywidget", "ipywidgets", "pandas", "readkit.widgets.sorter_widget"} & loaded == set()
    assert "readkit.widgets.sorter" in loaded
    assert list(work.iterdir()) == []


def test_a_live_sorter_shows_its_widget(work):
    from IPython.core.formatters import DisplayFormatter

    sorter = Sorter(assignment="01-sort")
    shown = DisplayFormatter().format(sorter)[0]
    assert shown["application/vnd.jupyter.widget-view+json"]["model_id"] == \
        sorter.widget.model_id
    assert repr(sorter) == "Sorter for 01-sort: 0 of 3 units labelled (answers.json)"


def test_the_author_mode_is_its_own_widget(work):
    with pytest.raises(ValueError, match=r"readkit.AuthorSorter\(article=...\)"):
        Sorter(article=SLUG, mode="author")


# -- per-unit messages from the browser ---------------------------------------------------------

def choose(sorter, unit_id, label, seq=1, view="v1") -> None:
    """What a key press or a click in the browser sends."""
    sorter.widget._handle_custom_msg({"type": "choose", "unit": unit_id, "label": label, "seq": seq,
                               "view": view}, [])


def test_a_choice_from_the_browser_is_merged_saved_and_acknowledged(work, sent):
    sorter = Sorter(assignment="01-sort")
    choose(sorter, "p02s1", "meta", seq=7)
    assert file_json(work / "answers.json")["answers"] == {"p02s1": "meta"}
    assert sorter.answers == {"p02s1": "meta"}
    assert sent == [{"type": "saved", "changes": [["p02s1", "meta"]], "seq": 7, "view": "v1"}]
    choose(sorter, "p03s1", "sourced", seq=8)
    choose(sorter, "p02s1", None, seq=9)  # Backspace
    assert file_json(work / "answers.json")["answers"] == {"p03s1": "sourced"}
    assert sent[-1] == {"type": "saved", "changes": [["p02s1", None]], "seq": 9, "view": "v1"}


@pytest.mark.parametrize("unit_id, label", [("p99s1", "meta"), ("p03s2", "meta"),
                                            ("p01s1", "opinion"), ("p01s1", 3), (None, None),
                                            (["p01s1"], "meta"), ("p01s1", ["meta"])])
def test_a_choice_for_an_unknown_unit_or_label_is_refused(work, sent, unit_id, label):
    sorter = Sorter(assignment="a")
    choose(sorter, unit_id, label, seq=3)
    assert sent == [{"type": "not-saved", "unit": unit_id, "seq": 3, "view": "v1",
                     "reason": "unknown unit or label"}]
    assert sorter.answers == {} and not (work / "answers.json").exists()


def test_two_views_clicking_different_sentences_keep_both(work, sent):
    """Each view sends only its own unit: neither overwrites the other's click."""
    sorter = Sorter(assignment="a")
    choose(sorter, "p01s1", "meta", seq=1, view="tab-1")
    choose(sorter, "p02s1", "claim", seq=1, view="tab-2")
    assert file_json(work / "answers.json")["answers"] == {"p01s1": "meta", "p02s1": "claim"}
    assert [m["view"] for m in sent] == ["tab-1", "tab-2"]


def slow_disk(monkeypatch, seconds: float = 0.2) -> None:
    write = store.write_answers

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return write(*args, **kwargs)

    monkeypatch.setattr(store, "write_answers", slow)


def test_choices_handled_at_the_same_time_are_all_saved(work, sent, monkeypatch):
    """ipykernel 7 may handle two messages of one widget at once, in two threads (seen with a
    busy kernel): each choice is saved and acknowledged with its own label, none is lost."""
    sorter = Sorter(assignment="01-sort")
    slow_disk(monkeypatch)
    threads = [threading.Thread(target=choose, args=(sorter, unit_id, label, seq))
               for seq, (unit_id, label) in enumerate(
                   [("p01s1", "meta"), ("p02s1", "claim"), ("p03s1", "sourced")], start=1)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # each starts while the one before is writing
    for thread in threads:
        thread.join()
    expected = {"p01s1": "meta", "p02s1": "claim", "p03s1": "sourced"}
    assert file_json(work / "answers.json")["answers"] == expected
    assert sorter.answers == expected
    acknowledged = {m["seq"]: m["changes"] for m in sent if m.get("type") == "saved"}
    assert acknowledged == {1: [["p01s1", "meta"]], 2: [["p02s1", "claim"]],
                            3: [["p03s1", "sourced"]]}


def test_an_older_choice_handled_after_a_newer_one_does_not_undo_it(work, sent):
    """Messages may also be handled out of order: a view's older choice for a unit that comes
    after its newer one changes nothing, and is acknowledged with what is saved."""
    sorter = Sorter(assignment="01-sort")
    choose(sorter, "p02s1", "claim", seq=6)
    choose(sorter, "p02s1", "meta", seq=5)  # pressed before, handled after
    choose(sorter, "p02s1", "sourced", seq=2, view="v2")  # another view: its own order
    assert file_json(work / "answers.json")["answers"] == {"p02s1": "sourced"}
    choose(sorter, "p02s1", "commentary", seq=1, view="v2")
    assert sorter.answers == {"p02s1": "sourced"}
    assert [(m["view"], m["seq"], m["changes"]) for m in sent if m.get("type") == "saved"] == [
        ("v1", 6, [["p02s1", "claim"]]), ("v1", 5, [["p02s1", "claim"]]),
        ("v2", 2, [["p02s1", "sourced"]]), ("v2", 1, [["p02s1", "sourced"]])]
    # A Check carries the view's pending choices with their order too.
    check = Sorter(assignment="lesson", answers_path="lesson.json")
    choose(check, "p01s1", "commentary", seq=9)
    check.widget._handle_custom_msg({"type": "check", "view": "v1", "pending": {
        "p01s1": {"label": "meta", "seq": 8}, "p02s1": {"label": "meta", "seq": 10}}}, [])
    assert check.answers == {"p01s1": "commentary", "p02s1": "meta"}


def test_overlapping_sorters_on_one_file_merge_per_unit(work, sent):
    first = Sorter(["p01s1", "p02s1", "p03s1"], assignment="a")
    second = Sorter(["p02s1", "p03s1"], assignment="a")  # shares two units with the first
    choose(first, "p02s1", "meta")
    choose(second, "p03s1", "sourced")
    assert second.answers == {"p02s1": "meta", "p03s1": "sourced"}  # read back from the file
    choose(first, "p01s1", "commentary")
    assert file_json(work / "answers.json")["answers"] == {
        "p01s1": "commentary", "p02s1": "meta", "p03s1": "sourced"}
    assert first.answers == {"p01s1": "commentary", "p02s1": "meta", "p03s1": "sourced"}
    second.answers = {**second.answers, "p02s1": "claim"}  # from Python: merged the same way
    assert file_json(work / "answers.json")["answers"] == {
        "p01s1": "commentary", "p02s1": "claim", "p03s1": "sourced"}


def test_the_answers_path_is_resolved_once(work, tmp_path, monkeypatch):
    sorter = Sorter(assignment="a", answers_path="answers.json")
    assert sorter.answers_path == work / "answers.json" and sorter.answers_path.is_absolute()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a chdir in the notebook
    choose(sorter, "p01s1", "meta")
    assert file_json(work / "answers.json")["answers"] == {"p01s1": "meta"}
    assert list(elsewhere.iterdir()) == []


def test_a_choice_that_cannot_be_saved_is_not_shown_as_saved(work, sent, monkeypatch):
    sorter = Sorter(assignment="a")
    choose(sorter, "p01s1", "meta", seq=1)
    full = [True]
    disk_full_while(monkeypatch, full)
    choose(sorter, "p01s1", "claim", seq=2)
    choose(sorter, "p02s1", "meta", seq=3)
    assert sorter.answers == {"p01s1": "meta"}  # what is on disk
    assert file_json(work / "answers.json")["answers"] == {"p01s1": "meta"}
    assert [(m["type"], m.get("unit"), m["seq"]) for m in sent] == [
        ("saved", None, 1), ("not-saved", "p01s1", 2), ("not-saved", "p02s1", 3)]
    assert sent[-1]["reason"] == sorter.notice and "No space left" in sorter.notice
    full.append(False)
    choose(sorter, "p02s1", "meta", seq=4)
    assert file_json(work / "answers.json")["answers"] == {"p01s1": "meta", "p02s1": "meta"}
    assert sorter.notice == ""


def test_a_file_deleted_meanwhile_gets_everything_the_sorter_shows(work, sent):
    sorter = Sorter(assignment="a")
    choose(sorter, "p01s1", "meta")
    (work / "answers.json").unlink()
    choose(sorter, "p02s1", "claim")
    assert file_json(work / "answers.json")["answers"] == {"p01s1": "meta", "p02s1": "claim"}


def test_a_fast_choice_then_check_gets_the_verdict_for_the_latest_choice(work, sent):
    """Messages arrive in order; a Check also carries the choices its view had not seen
    acknowledged, and acts on them."""
    sorter = Sorter(assignment="lesson")
    choose(sorter, "p02s1", "claim", seq=1)
    choose(sorter, "p02s1", "meta", seq=2)
    sorter.widget._handle_custom_msg({"type": "check", "view": "v1", "pending": {}}, [])
    assert sorter.feedback["p02s1"] == {"label": "meta", "verdict": "right", "tries": 0}
    # A choice that had not reached Python before the Check (pending in the view):
    sorter.widget._handle_custom_msg({"type": "check", "view": "v1",
                               "pending": {"p02s1": "sourced", "p99s1": "meta"}}, [])
    assert sorter.feedback["p02s1"]["label"] == "sourced"
    assert file_json(work / "answers.json")["answers"] == {"p02s1": "sourced"}
    assert sent[-1] == {"type": "checked", "view": "v1",
                        "summary": "Checked 1: 0 right, 1 wrong. 2 not labelled yet."}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([0, 1, 2]), st.sampled_from(PRACTICE_IDS),
                          st.sampled_from([*LABELS, None])), min_size=1, max_size=30))
def test_interleaved_choices_from_overlapping_sorters_leave_each_units_last_choice(course, steps):
    """Three Sorters on one file (two share every unit, one shows a part): after any
    sequence of choices, the file holds each unit's last choice, and every Sorter shows the
    file's answer for the units it has just saved."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.json"
        sorters = [Sorter(assignment="a", answers_path=path),
                   Sorter(assignment="a", answers_path=path),
                   Sorter((1, 2), assignment="a", answers_path=path)]
        expected: dict[str, str] = {}
        for n, (which, unit_id, label) in enumerate(steps):
            sorter = sorters[which]
            if unit_id not in sorter.unit_ids:
                continue
            choose(sorter, unit_id, label, seq=n)
            if label is None:
                expected.pop(unit_id, None)
            else:
                expected[unit_id] = label
            assert store.read_answers(path, "a").answers == expected
            assert sorter.answers == {u: v for u, v in expected.items() if u in sorter.unit_ids}
        assert sorted(os.listdir(folder)) == (["answers.json"] if path.exists() else [])


def test_a_file_written_before_articles_had_names_is_restored_and_named(work):
    """answers.json files from before data/articles/ (no "article") keep working."""
    (work / "answers.json").write_text(json.dumps(
        {"version": 1, "assignment": "01-sort", "answers": {"p01s1": "meta"}}))
    sorter = Sorter(assignment="01-sort")
    assert sorter.answers == {"p01s1": "meta"} and sorter.notice == ""
    sorter.choose("p02s1", "meta")
    assert file_json(work / "answers.json") == {
        "version": 1, "article": SLUG, "assignment": "01-sort",
        "answers": {"p01s1": "meta", "p02s1": "meta"}}


def test_the_article_is_chosen_by_name(work, course):
    """Sorter(article=...) shows that article's units; an unknown name says which there are."""
    second = course / "data" / "articles" / "second"
    second.mkdir()
    for name in ("units.csv", "key.csv", "sections.csv"):
        (second / name).write_bytes((course / "data" / "articles" / SLUG / name).read_bytes())
    with (course / "data" / "articles.csv").open("a") as handle:
        handle.write("second,Another article\n")
    sorter = Sorter(assignment="lesson", article="second")
    assert (sorter.article, sorter.unit_ids) == ("second", PRACTICE_IDS)
    sorter.choose("p01s1", "meta")
    assert file_json(work / "answers.json")["article"] == "second"
    with pytest.raises(CourseError, match=r"No article 'third' in this course. Articles: "
                                          r"test-article, second "):
        Sorter(assignment="lesson", article="third")
