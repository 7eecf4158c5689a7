"""readkit.widgets.selfcheck without a browser: a SelfCheck's state as synced traits (choose, Check,
feedback, two tries then the answer), the Check message from the front end, quiz(), and the
evidence table with its model answer shown only on request."""

from pathlib import Path

import pytest

from readkit.course.markup import plain
from readkit.widgets.selfcheck import (
    ASSERTS,
    EVIDENCE_OPTIONS,
    INTERPRETS,
    NAMED,
    EvidenceTable,
    Quiz,
    SelfCheck,
    quiz,
)
from readkit.widgets.show import unit_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def course(monkeypatch):
    monkeypatch.setenv("READKIT_COURSE", str(ROOT))


def question(**overrides) -> SelfCheck:
    arguments = dict(question="Whose verb is it?", options=["The author's", "The BBC's", "Dillon's"],
                     answer="The BBC's", explanation="It is inside the BBC quotation.")
    return SelfCheck(**{**arguments, **overrides})


def send_from_browser(widget, content: dict) -> None:
    """A custom message as the front end sends it (model.send)."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}},
                        "buffers": []})


# -- SelfCheck ---------------------------------------------------------------------------------

def test_starts_with_nothing_chosen_and_no_feedback():
    check = question()
    assert check.index is None and check.value is None
    assert check.feedback == "" and check.verdict == "" and check.checks == 0
    assert check.answer == "The BBC's"


def test_check_without_a_choice_asks_for_one():
    check = question()
    assert check.check() == "none"
    assert check.feedback == "Choose an answer first, then press Check."


def test_right_answer_gives_the_explanation():
    check = question()
    check.value = "The BBC's"
    assert check.check() == "right"
    assert check.feedback == "Right. It is inside the BBC quotation."
    assert check.checks == 1


def test_two_different_wrong_tries_then_the_answer():
    check = question(hint="Look for the quotation marks.")
    check.value = "The author's"
    assert check.check() == "wrong"
    assert check.feedback == "Not quite. Look for the quotation marks."
    assert "The BBC's" not in check.feedback
    check.check()  # the same wrong answer again is still one try
    assert check.verdict == "wrong" and check.checks == 2
    check.value = "Dillon's"
    assert check.check() == "revealed"
    assert check.feedback == ("Not quite. The answer is: The BBC's. "
                              "It is inside the BBC quotation.")
    check.value = "The BBC's"
    assert check.check() == "right"


def test_an_accepted_alternative_counts_as_right():
    check = SelfCheck("Which label?", ["sourced", "claim", "commentary", "meta"],
                      answer="claim", accept="commentary", explanation="Brackets.")
    check.value = "commentary"
    assert check.check() == "right"
    assert check.feedback.startswith("Right: commentary is also accepted; the first choice is claim.")


def test_answer_by_position_and_choice_from_the_browser():
    check = question(answer=1)
    assert check.answer == "The BBC's"
    check.set_state({"index": 1})  # what a click in the browser syncs
    assert check.value == "The BBC's"
    send_from_browser(check, {"type": "check"})
    assert check.verdict == "right" and check.checks == 1


def test_traits_the_browser_needs_are_synced():
    check = question()
    state = check.get_state()
    for name in ("question", "options", "index", "feedback", "verdict", "checks"):
        assert name in state
    assert "explanation" not in state and "_answer" not in state  # sent only as feedback


@pytest.mark.parametrize(("overrides", "message"), [
    ({"answer": "Nobody's"}, "is not one of the options"),
    ({"answer": 7}, "is not a position"),
    ({"answer": True}, "must be the text of an option"),
    ({"options": ["only one"], "answer": 0}, "at least two options"),
    ({"options": ["a", "a"], "answer": 0}, "must differ"),
    ({"explanation": " "}, "Give an explanation"),
])
def test_bad_questions_are_explained(overrides, message):
    with pytest.raises((ValueError, TypeError), match=message):
        question(**overrides)


def test_front_end_uses_text_not_markup_and_real_radios():
    for esm in (str(SelfCheck._esm), str(EvidenceTable._esm)):
        assert "innerHTML" not in esm  # feedback and article text are set as text
        assert "data-lm-suppress-shortcuts" in esm
    esm = str(SelfCheck._esm)
    assert 'input.type = "radio"' in esm and "input.name = name" in esm
    assert "fieldset" in esm and "legend" in esm
    assert 'setAttribute("aria-live", "polite")' in esm


# -- quiz --------------------------------------------------------------------------------------

def test_quiz_accepts_selfchecks_tuples_and_dicts():
    shown = quiz(question(), ("Q2?", ["a", "b"], "b", "Because b."),
                 {"question": "Q3?", "options": ["x", "y"], "answer": 0, "explanation": "X."})
    assert isinstance(shown, Quiz) and len(shown.checks) == 3
    assert list(shown.children) == shown.checks
    assert quiz([("Q?", ["a", "b"], "a", "A.")]).checks[0].answer == "a"


def test_quiz_score_counts_right_answers():
    shown = quiz(("Q1?", ["a", "b"], "a", "A."), ("Q2?", ["a", "b"], "b", "B."))
    first, second = shown.checks
    first.value, second.value = "a", "a"
    first.check()
    second.check()
    assert shown.score == 1


def test_quiz_rejects_what_it_cannot_show():
    with pytest.raises(ValueError, match="at least one question"):
        quiz()
    with pytest.raises(TypeError, match="Each question is"):
        quiz(("too", "short"))


# -- the evidence table ------------------------------------------------------------------------

MODEL = {"p20s1": NAMED, "p30s2": ASSERTS, "p52s1": INTERPRETS}


def test_rows_show_the_units_verbatim_in_the_given_order():
    table = EvidenceTable(MODEL)
    assert [row["unit_id"] for row in table.rows] == list(MODEL)
    assert all(row["text"] == unit_text(row["unit_id"]) for row in table.rows)
    # The browser builds each row's text from runs of plain text (the article's markup read).
    assert all("".join(run["text"] for run in row["runs"]) == plain(row["text"])
               for row in table.rows)
    assert table.options == list(EVIDENCE_OPTIONS)


def test_model_answer_stays_in_python_until_asked_for():
    table = EvidenceTable(MODEL)
    state = table.get_state()
    assert not state["revealed"] and state["comparison"] == [] and state["summary"] == ""
    assert INTERPRETS not in repr(state["rows"])


def test_show_model_compares_with_the_learners_choices():
    table = EvidenceTable(MODEL)
    table.choices = {"p20s1": NAMED, "p30s2": INTERPRETS}
    comparison = table.show_model()
    assert table.revealed
    assert [(row["unit_id"], row["same"]) for row in comparison] == [
        ("p20s1", True), ("p30s2", False), ("p52s1", False)]
    assert comparison[2]["yours"] == "" and comparison[2]["model"] == INTERPRETS
    assert table.summary.startswith("Your table agrees with the model answer on 1 of 3 rows "
                                    "(1 not answered yet).")
    table.choices = {**table.choices, "p30s2": ASSERTS}  # changed after the reveal
    assert table.comparison[1]["same"] and "on 2 of 3 rows" in table.summary


def test_reveal_and_hide_reach_the_view_in_one_update_each(monkeypatch):
    """The view never shows (or a screen reader announces) the summary with the model still
    hidden, nor a hidden table with the old summary."""
    table = EvidenceTable(MODEL)
    sent = []
    monkeypatch.setattr(table, "send_state", lambda key=None: sent.append(
        {key} if isinstance(key, str) else set(key or ())))
    table.show_model()
    assert sent == [{"comparison", "summary", "revealed"}]
    sent.clear()
    table.hide_model()
    assert sent == [{"comparison", "summary", "revealed"}]


def test_reveal_and_hide_from_the_browser():
    table = EvidenceTable(MODEL)
    send_from_browser(table, {"type": "reveal"})
    assert table.revealed and len(table.comparison) == 3
    send_from_browser(table, {"type": "hide"})
    assert not table.revealed and table.comparison == [] and table.summary == ""


def test_choices_keep_only_known_units_and_options():
    table = EvidenceTable(MODEL)
    table.choices = {"p20s1": NAMED, "p99s9": NAMED, "p30s2": "a guess"}
    assert table.choices == {"p20s1": NAMED}


def test_bad_tables_are_explained():
    with pytest.raises(ValueError, match="must be one of the options"):
        EvidenceTable({"p20s1": "the moon"})
    with pytest.raises(ValueError, match="Unknown unit id"):
        EvidenceTable({"p99s9": NAMED})


# -- requests carry the state they act on ------------------------------------------------------

def test_check_carries_the_choice_it_acts_on():
    """A fast choice then Check: the Check message may overtake the held-back state sync."""
    check = question()
    check.index = 0  # the state Python has (an older choice)
    send_from_browser(check, {"type": "check", "index": 1})  # what the learner sees
    assert check.index == 1 and check.verdict == "right"
    send_from_browser(check, {"type": "check", "index": 7})  # nonsense is ignored
    assert check.index == 1


def test_reveal_carries_the_choices_it_compares():
    table = EvidenceTable({"p20s1": NAMED, "p52s1": INTERPRETS})
    send_from_browser(table, {"type": "reveal", "choices": {"p20s1": NAMED, "p52s1": ASSERTS}})
    assert [row["same"] for row in table.comparison] == [True, False]
    assert table.choices == {"p20s1": NAMED, "p52s1": ASSERTS}


def test_a_self_check_on_a_practice_unit_comes_from_the_practice_key():
    from readkit.course.course import Course

    entry = Course.default().article().key("practice")["p01s1"]
    check = SelfCheck.on_unit("p01s1")
    assert check.get_state()["options"] == ["sourced", "claim", "commentary", "meta"]
    assert check.answer == entry.label == "meta"
    check.value = "commentary"  # accepted by the key
    assert check.check() == "right"
    assert check.hint.startswith("Two readings can be defended here, but not "
                                 "every label. Step 1: is it part of the page")
    with pytest.raises(ValueError, match="'p51s1' is not a practice unit of this article: a "
                                         "self-check may only ask about practice units"):
        SelfCheck.on_unit("p51s1")
