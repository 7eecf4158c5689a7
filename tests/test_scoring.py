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
    UnitResult,
    balanced_recall,
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


def test_section_points_chance_corrected_mean_recall_rounded_plain_float():
    # Units p10s1 (sourced), p10s2 (commentary, claim accepted), p11s1 (claim): three classes.
    # sourced 1/1 right, commentary 1/1 (claim is accepted), claim 0/1: recall = 2/3.
    # Chance (uniform random labels): (1/4 + 2/4 + 1/4) / 3 = 1/3.
    # Points = 10 * (2/3 - 1/3) / (1 - 1/3) = 10 * 0.5 = 5.0.
    results = unit_results({"p10s1": "sourced", "p10s2": "claim"}, KEY, ["p10s1", "p10s2", "p11s1"])
    assert balanced_recall(results) == pytest.approx((2 / 3, 1 / 3))
    points = section_points(results, 10)
    assert points == 5.0 and type(points) is float
    # One unit right of three: recall 1/3 is what chance gets, so 0 points.
    assert section_points(unit_results({"p10s1": "sourced"}, KEY, ["p10s1", "p10s2", "p11s1"]),
                          10) == 0.0
    assert section_points(unit_results({}, KEY, UNITS), 10) == 0.0
    perfect = {unit_id: KEY[unit_id].label for unit_id in UNITS}
    assert section_points(unit_results(perfect, KEY, UNITS), 7.5) == 7.5
    assert section_points([], 10) == 0.0


def test_a_constant_label_earns_only_what_other_classes_accept():
    # Four classes, chance = (1/4 + 2/4 + 1/4 + 1/4) / 4 = 0.3125.
    # All "commentary": recall (0 + 1 + 0 + 0) / 4 = 0.25, below chance: 0 points.
    everything = dict.fromkeys(UNITS, "commentary")
    assert section_points(unit_results(everything, KEY, UNITS), 10) == 0.0
    # All "claim": commentary's unit accepts claim, so recall (0 + 1 + 1 + 0) / 4 = 0.5:
    # 10 * (0.5 - 0.3125) / 0.6875 = 2.727... -> 2.73.
    everything = dict.fromkeys(UNITS, "claim")
    assert section_points(unit_results(everything, KEY, UNITS), 10) == 2.73


def test_each_class_counts_the_same_however_many_units_it_has():
    key = {**KEY, **{f"p20s{i}": entry(f"p20s{i}", "meta") for i in range(1, 10)}}
    units = ["p10s1", *[f"p20s{i}" for i in range(1, 10)]]
    # Nine meta units right and the sourced unit wrong: recall (0 + 1) / 2 = 0.5, chance 0.25,
    # so (0.5 - 0.25) / 0.75 = 1/3 of the points, not 9/10.
    answers = dict.fromkeys(units, "meta")
    assert section_points(unit_results(answers, key, units), 3) == 1.0


def test_results_without_a_class_are_one_class():
    results = [UnitResult("a", "claim", True), UnitResult("b", None, False)]
    # One class, recall 1/2, chance 1/4: (0.5 - 0.25) / 0.75 = 1/3.
    assert section_points(results, 3) == 1.0


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
    # part-1: recall 1/3 equals chance (see above): 0. part-2: its one meta unit right: 5.
    assert graded == [0.0, 5.0]
    assert units[0] == ["p10s1", "p10s2", "p11s1"]
