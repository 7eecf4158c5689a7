"""readkit.grading.scoring and readkit.course.sections: pure functions, tested on small
hand-made keys and sections (no course data needed)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readkit.course.key import KeyEntry
from readkit.course.labels import LABELS
from readkit.course.sections import Section, parse_sections, units_in_paragraphs
from readkit.grading.scoring import (
    UNLABELLED,
    UnitResult,
    agreement,
    clamp_points,
    feedback_lines,
    points_for_checks,
    section_points,
    unit_results,
)


def entry(unit_id, label, accept=(), rationale="Because."):
    return KeyEntry(unit_id, label, tuple(accept), "", "assessment", rationale)


KEY = {
    "p10s1": entry("p10s1", "sourced", rationale="Names the BBC as the source."),
    "p10s2": entry("p10s2", "commentary", accept=("claim",), rationale="Loaded wording."),
    "p11s1": entry("p11s1", "claim", rationale="Asserted with no source."),
    "p12s1": entry("p12s1", "meta", rationale="A caption."),
}
UNITS = ["p10s1", "p10s2", "p11s1", "p12s1"]


def test_unit_results_right_wrong_unlabelled_and_accepted():
    answers = {"p10s1": "sourced", "p10s2": "claim", "p11s1": "commentary"}
    assert unit_results(answers, KEY, UNITS) == [
        UnitResult("p10s1", "sourced", True, "sourced", ("sourced",)),
        # an accepted alternative earns full credit
        UnitResult("p10s2", "claim", True, "commentary", ("commentary", "claim")),
        UnitResult("p11s1", "commentary", False, "claim", ("claim",)),
        UnitResult("p12s1", None, False, "meta", ("meta",)),
    ]


def test_unit_results_ignores_units_outside_the_section_and_non_string_labels():
    answers = {"p99s9": "claim", "p10s1": ["sourced"], "p11s1": "claim"}
    results = unit_results(answers, KEY, ["p10s1", "p11s1"])
    assert [tuple(r[:3]) for r in results] == [("p10s1", None, False), ("p11s1", "claim", True)]


def test_unit_results_unknown_section_unit_is_a_course_data_error():
    with pytest.raises(KeyError, match="p77s7"):
        unit_results({}, KEY, ["p77s7"])


def test_section_points_kappa_with_accepted_alternatives_rounded_plain_float():
    # Units p10s1 (sourced), p10s2 (commentary, claim accepted), p11s1 (claim). The learner:
    # sourced, claim (accepted), unlabelled. Observed agreement 2/3. Chance: the learner's
    # labels shuffled among the units: sourced (1 unit given it) x 1 unit accepts it, claim
    # 1 x 2 (p10s2 and p11s1 accept it), unlabelled 1 x 0: (1 + 2 + 0) / 9 = 1/3.
    # kappa = (2/3 - 1/3) / (1 - 1/3) = 0.5; points = 10 x 0.5 = 5.0.
    results = unit_results({"p10s1": "sourced", "p10s2": "claim"}, KEY, ["p10s1", "p10s2", "p11s1"])
    assert agreement(results) == pytest.approx((2 / 3, 1 / 3))
    assert agreement(results).kappa == pytest.approx(0.5)
    points = section_points(results, 10)
    assert points == 5.0 and type(points) is float
    # One unit right, two unlabelled: observed 1/3, chance 1 x 1 / 9: (1/3 - 1/9) / (8/9) = 1/4.
    assert section_points(unit_results({"p10s1": "sourced"}, KEY, ["p10s1", "p10s2", "p11s1"]),
                          10) == 2.5
    assert section_points(unit_results({}, KEY, UNITS), 10) == 0.0
    perfect = {unit_id: KEY[unit_id].label for unit_id in UNITS}
    assert section_points(unit_results(perfect, KEY, UNITS), 7.5) == 7.5
    assert section_points([], 10) == 0.0


def test_worked_example_of_docs_grading():
    """docs/grading.md, "How the widget parts are graded": six sentences, 10 points."""
    key = {
        "s1": entry("s1", "sourced"), "s2": entry("s2", "sourced"),
        "s3": entry("s3", "claim"), "s4": entry("s4", "claim"),
        "s5": entry("s5", "commentary", accept=("claim",)), "s6": entry("s6", "commentary"),
    }
    units = list(key)
    answers = {"s1": "sourced", "s2": "claim", "s3": "claim", "s4": "commentary", "s5": "claim"}
    found = agreement(unit_results(answers, key, units))
    # observed 3/6; chance (sourced 1 x 2 + claim 3 x 3 + commentary 1 x 2 + unlabelled 1 x 0)
    # / 36 = 13/36; kappa = (1/2 - 13/36) / (23/36) = 5/23 = 0.2174
    assert found == pytest.approx((3 / 6, 13 / 36))
    assert found.kappa == pytest.approx(5 / 23)
    assert section_points(unit_results(answers, key, units), 10) == 2.17
    # one label for everything: observed = chance = the share of units that accept it
    assert section_points(unit_results(dict.fromkeys(units, "claim"), key, units), 10) == 0.0
    # the key with s2 alone wrong (claim): observed 5/6, chance (1 x 2 + 3 x 3 + 2 x 2) / 36 =
    # 15/36, kappa 15/21: s2 weighs 10 - 7.14 = 2.86 points
    wrong_s2 = {u: key[u].label for u in units} | {"s2": "claim"}
    assert section_points(unit_results(wrong_s2, key, units), 10) == 7.14


def test_without_alternatives_it_is_cohens_kappa_of_a_confusion_matrix():
    """A textbook case worked by hand: 50 items, the key says yes to 25, the learner to 30;
    both yes 20, key yes and learner no 5, key no and learner yes 10, both no 15.
    p_o = (20 + 15) / 50 = 0.7; p_e = (25 x 30 + 25 x 20) / 50^2 = 0.5; kappa = 0.4."""
    cells = {("sourced", "sourced"): 20, ("sourced", "claim"): 5,
             ("claim", "sourced"): 10, ("claim", "claim"): 15}
    key, answers, n = {}, {}, 0
    for (truth, chosen), count in cells.items():
        for _ in range(count):
            n += 1
            key[f"u{n}"] = entry(f"u{n}", truth)
            answers[f"u{n}"] = chosen
    found = agreement(unit_results(answers, key, list(key)))
    assert found == pytest.approx((0.7, 0.5))
    assert found.kappa == pytest.approx(0.4)
    assert section_points(unit_results(answers, key, list(key)), 10) == 4.0


def test_a_second_hand_worked_kappa_with_three_labels_and_unlabelled():
    """Key: 4 sourced, 3 claim, 3 commentary. Learner (rows: key, columns: learner):
    sourced -> 3 sourced, 1 claim; claim -> 2 claim, 1 commentary; commentary -> 1 claim,
    1 commentary, 1 unlabelled. p_o = (3 + 2 + 1) / 10 = 0.6. Learner's shares: sourced 3,
    claim 4, commentary 2, unlabelled 1; p_e = (4 x 3 + 3 x 4 + 3 x 2) / 100 = 0.30.
    kappa = (0.6 - 0.3) / 0.7 = 3/7 = 0.428571."""
    rows = [("sourced", "sourced")] * 3 + [("sourced", "claim")] + [("claim", "claim")] * 2 \
        + [("claim", "commentary"), ("commentary", "claim"), ("commentary", "commentary"),
           ("commentary", None)]
    key = {f"u{i}": entry(f"u{i}", truth) for i, (truth, _) in enumerate(rows)}
    answers = {f"u{i}": chosen for i, (_, chosen) in enumerate(rows) if chosen}
    found = agreement(unit_results(answers, key, list(key)))
    assert found == pytest.approx((0.6, 0.3))
    assert found.kappa == pytest.approx(3 / 7)
    assert section_points(unit_results(answers, key, list(key)), 7) == 3.0


def test_a_constant_label_scores_zero_even_where_units_accept_it():
    # Four units; "commentary" for all: right only on p10s2, and chance is the same 1/4.
    everything = dict.fromkeys(UNITS, "commentary")
    assert agreement(unit_results(everything, KEY, UNITS)) == pytest.approx((0.25, 0.25))
    assert section_points(unit_results(everything, KEY, UNITS), 10) == 0.0
    # "claim" for all: p10s2 accepts it, so right on 2 of 4; chance 4 x 2 / 16 = 1/2: 0 again.
    everything = dict.fromkeys(UNITS, "claim")
    assert agreement(unit_results(everything, KEY, UNITS)) == pytest.approx((0.5, 0.5))
    assert section_points(unit_results(everything, KEY, UNITS), 10) == 0.0


def test_worse_than_chance_scores_zero():
    # Every unit labelled as another unit's key label: observed 0, chance > 0: kappa < 0.
    answers = {"p10s1": "claim", "p11s1": "sourced", "p12s1": "sourced"}
    results = unit_results(answers, KEY, ["p10s1", "p11s1", "p12s1"])
    assert agreement(results).kappa < 0
    assert section_points(results, 10) == 0.0


def test_each_sentence_weighs_about_the_same_however_large_its_class():
    """Under the per-label recall scored before, a sourced unit of two beside nine meta ones
    weighed 4.5 times a meta unit; under kappa, the cost of one wrong unit depends on the class
    sizes only through the chance term."""
    key = {**KEY, **{f"p20s{i}": entry(f"p20s{i}", "meta") for i in range(1, 10)},
           "p21s1": entry("p21s1", "sourced")}
    units = ["p10s1", "p21s1", *[f"p20s{i}" for i in range(1, 10)]]
    perfect = {u: key[u].label for u in units}
    lost_sourced = 10 - section_points(unit_results(perfect | {"p10s1": "meta"}, key, units), 10)
    lost_meta = 10 - section_points(unit_results(perfect | {"p20s1": "sourced"}, key, units), 10)
    # sourced wrong: observed 10/11, chance (1 x 2 + 10 x 9) / 121 = 92/121: kappa 0.6207;
    # meta wrong: chance (3 x 2 + 8 x 9) / 121 = 78/121: kappa 0.7442
    assert (round(lost_sourced, 2), round(lost_meta, 2)) == (3.79, 2.56)
    assert lost_sourced / lost_meta < 3


def test_results_without_a_class_are_one_class():
    # Both "" (the key's label unknown): one right, one unlabelled. Observed 1/2; chance: the
    # learner's "claim" (1 unit) x units accepting it (the right one, 1): 1/4. (1/2 - 1/4) /
    # (3/4) = 1/3.
    results = [UnitResult("a", "claim", True, "", ("claim",)), UnitResult("b", None, False)]
    assert section_points(results, 3) == 1.0
    assert UNLABELLED == "unlabelled"


@pytest.mark.parametrize("bad", [-1, math.inf, math.nan])
def test_max_points_must_be_finite_and_not_negative(bad):
    with pytest.raises(ValueError):
        section_points([], bad)
    with pytest.raises(ValueError):
        points_for_checks([True], bad)


def test_points_for_checks():
    assert points_for_checks([True, True, False], 3) == 2.0
    assert points_for_checks([True, False, False], 2) == 0.67
    assert points_for_checks([], 2) == 0.0
    assert type(points_for_checks([True], 1)) is float


def test_clamp_points():
    assert clamp_points(11, 10) == 10.0
    assert clamp_points(-3, 10) == 0.0
    assert clamp_points(math.nan, 10) == 0.0
    assert clamp_points(2.345678, 10) == 2.35
    assert clamp_points(1.546875, 1.546875) == 1.546875  # rounding never goes above the max


@given(
    st.dictionaries(st.sampled_from(UNITS + ["x1", "x2"]), st.sampled_from(LABELS + ("bogus",))),
    st.floats(min_value=0, max_value=1000, allow_nan=False),
)
def test_section_points_always_within_bounds(answers, max_points):
    points = section_points(unit_results(answers, KEY, UNITS), max_points)
    assert type(points) is float
    assert 0.0 <= points <= max_points
    assert points == round(points, 2) or points == max_points


@given(st.lists(st.booleans(), max_size=30), st.floats(min_value=0, max_value=100))
def test_points_for_checks_within_bounds(passed, max_points):
    points = points_for_checks(passed, max_points)
    assert type(points) is float and 0.0 <= points <= max_points
    if passed and all(passed):
        assert points == min(round(max_points, 2), max_points)


def test_feedback_without_key_names_units_but_no_labels_or_rationale():
    answers = {"p10s1": "claim", "p10s2": "claim"}
    lines = feedback_lines(unit_results(answers, KEY, UNITS), KEY, show_key=False)
    assert lines == [
        "1 of 4 units right.",
        "Look again at: p10s1.",
        "Not labelled: p11s1, p12s1.",
    ]
    text = "\n".join(lines)
    for key_entry in KEY.values():
        assert key_entry.rationale not in text
    for label in LABELS:
        assert label not in text


def test_feedback_with_key_gives_label_alternatives_and_rationale():
    answers = {"p10s1": "claim", "p10s2": "sourced", "p11s1": "claim", "p12s1": "meta"}
    lines = feedback_lines(unit_results(answers, KEY, UNITS), KEY, show_key=True)
    assert lines == [
        "2 of 4 units right.",
        "p10s1: you chose claim; the key says sourced. Names the BBC as the source.",
        "p10s2: you chose sourced; the key says commentary (also accepted: claim). Loaded wording.",
    ]


def test_feedback_all_right():
    perfect = {unit_id: KEY[unit_id].label for unit_id in UNITS}
    assert feedback_lines(unit_results(perfect, KEY, UNITS), KEY) == ["4 of 4 units right."]


ROWS = [
    {"assignment": "01-x", "section": "part-1", "title": "One", "first_paragraph": "10",
     "last_paragraph": "11", "points": "10"},
    {"assignment": "01-x", "section": "part-2", "title": "Two", "first_paragraph": "12",
     "last_paragraph": "12", "points": "5"},
]


def test_parse_sections_and_units_in_range():
    sections = parse_sections(ROWS)
    assert sections[0] == Section("01-x", "part-1", "One", 10, 11, 10.0)
    paragraphs = {"p09s1": 9, "p10s1": 10, "p10s2": 10, "p11s1": 11, "p12s1": 12, "p13s1": 13}
    # p09s1 and p13s1 are outside every range; the order is the one of `paragraphs`
    assert units_in_paragraphs(sections[0], paragraphs) == ["p10s1", "p10s2", "p11s1"]
    assert units_in_paragraphs(sections[1], paragraphs) == ["p12s1"]
    assert units_in_paragraphs(sections[1], {"p12s2": 12, "p12s1": 12}) == ["p12s2", "p12s1"]
    assert units_in_paragraphs(sections[1], {}) == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"points": ""}, "empty or missing points"),
        ({"points": "0"}, "points must be"),
        ({"first_paragraph": "x"}, "line 3"),
        ({"first_paragraph": "13", "last_paragraph": "12"}, "first_paragraph <= last_paragraph"),
        ({"first_paragraph": "11"}, "overlap"),
        ({"section": "part-1", "first_paragraph": "20", "last_paragraph": "21"}, "twice"),
    ],
)
def test_parse_sections_rejects_bad_rows(change, message):
    with pytest.raises(ValueError, match=message):
        parse_sections([ROWS[0], {**ROWS[1], **change}])


def test_parse_sections_other_assignment_may_reuse_names_and_ranges():
    other = {**ROWS[0], "assignment": "03-y"}
    assert len(parse_sections([*ROWS, other])) == 3


def test_a_section_scored_from_its_paragraphs():
    """parse_sections -> units_in_paragraphs -> unit_results -> section_points, as the
    trusted grade step chains them."""
    paragraphs = {"p10s1": 10, "p10s2": 10, "p11s1": 11, "p12s1": 12}
    answers = {"p10s1": "sourced", "p12s1": "meta"}
    units = [units_in_paragraphs(s, paragraphs) for s in parse_sections(ROWS)]
    graded = [section_points(unit_results(answers, KEY, u), s.points)
              for s, u in zip(parse_sections(ROWS), units, strict=True)]
    # part-1: 1 right of 3, 2 unlabelled: kappa 1/4 (above): 2.5. part-2: its one meta unit
    # right (one label, both agree on every unit: kappa 1): 5.
    assert graded == [2.5, 5.0]
    assert units[0] == ["p10s1", "p10s2", "p11s1"]
