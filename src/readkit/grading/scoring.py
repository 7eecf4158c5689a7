"""Scoring: answers + key -> per-unit results, points and feedback text.

Pure functions: no file access, no pandas, no printing. readkit's trusted grade step
(readkit.grading.trusted) calls them outside every kernel, for nbgrader's gradebook and for
`readkit grade` alike: there is one score.

Points are plain Python floats rounded to 2 decimals and clamped to [0, max_points]: nbgrader
parses a test cell's first text/plain result as points and aborts a submission on a value above
the cell's maximum.

A Sorter section is scored so that every sentence counts about the same and labelling without
reading earns little (docs/grading.md, "How the widget parts are graded"): Cohen's kappa between
the learner's labels and the key's, an accepted alternative counting as the key's label and an
unlabelled sentence as a category of its own; a negative kappa scores 0.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol


class KeyLike(Protocol):
    """What scoring needs from a key entry (`readkit.course.key.KeyEntry` fits)."""

    @property
    def label(self) -> str: ...

    @property
    def accepted(self) -> tuple[str, ...]: ...

    @property
    def rationale(self) -> str: ...


class UnitResult(NamedTuple):
    """One unit of a graded section: what the learner chose (None: not labelled) and whether it
    earns credit (the key's label or one of its accepted alternatives). `label` and `accepted`
    are the key's (the unit's class, and the labels that earn credit), which `section_points`
    needs; they default to "no class given" for results built by hand. A NamedTuple: a class
    report builds one per learner and unit, and a tuple is several times cheaper to create."""

    unit_id: str
    chosen: str | None
    correct: bool
    label: str = ""
    accepted: tuple[str, ...] = ()

    @property
    def labelled(self) -> bool:
        return self.chosen is not None


def _check_max(max_points: float) -> float:
    max_points = float(max_points)
    if not math.isfinite(max_points) or max_points < 0:
        raise ValueError(f"max_points must be a finite number >= 0, not {max_points!r}")
    return max_points


def clamp_points(points: float, max_points: float) -> float:
    """A plain float, rounded to 2 decimals, within [0, max_points] (rounding never lifts it
    above a max_points that has more decimals: then max_points itself is returned)."""
    max_points = _check_max(max_points)
    points = float(points)
    if math.isnan(points):
        return 0.0
    return min(float(round(max(points, 0.0), 2)), max_points)


def unit_results(
    answers: Mapping[str, str], key: Mapping[str, KeyLike], unit_ids: Iterable[str]
) -> list[UnitResult]:
    """One result per unit id, in the order given. A unit is right when the chosen label is the
    key's label or an accepted alternative. Answers for units outside `unit_ids` are ignored."""
    results = []
    for unit_id in unit_ids:
        try:
            entry = key[unit_id]
        except KeyError:
            raise KeyError(f"unit {unit_id!r} is not in the answer key (its key.csv)") from None
        chosen = answers.get(unit_id)
        if chosen is not None and not isinstance(chosen, str):
            chosen = None
        accepted = entry.accepted
        results.append(UnitResult(unit_id, chosen, chosen is not None and chosen in accepted,
                                  entry.label, accepted))
    return results


UNLABELLED = "unlabelled"  # the learner's category for a unit left without a label
# The rule below in a learner's words: shown beside a part in the notebook (its check cell) and
# in the feedback under the part's points.
SCORING_NOTE = (
    "How this part is scored: every sentence counts about the same, and what guessing would get "
    "by luck is taken off (Cohen's kappa), so a share of the sentences right earns a smaller "
    "share of the points. A sentence left unlabelled counts as a miss; one label for "
    "everything, or guessing, earns about nothing."
)


class Agreement(NamedTuple):
    """How far a learner's labels agree with the key on a section, beyond chance.

    observed: the share of units right (the key's label or an accepted alternative);
    chance: the share that the same labels would get right if they were shuffled among the
    section's units, i.e. given without reading: sum over the labels the learner used of
    (share of units given that label) x (share of units whose key accepts that label), an
    unlabelled unit counting as a label no unit accepts;
    kappa: (observed - chance) / (1 - chance), 1.0 when chance is 1.

    Where every unit accepts exactly one label this is Cohen's kappa between the key and the
    learner (chance = sum over labels of the key's share x the learner's share)."""

    observed: float
    chance: float

    @property
    def kappa(self) -> float:
        if self.chance >= 1:
            return 1.0
        return (self.observed - self.chance) / (1 - self.chance)


def agreement(results: Sequence[UnitResult]) -> Agreement:
    """The agreement of a section's unit results with the key (see Agreement)."""
    n = len(results)
    if not n:
        return Agreement(0.0, 0.0)
    chosen = Counter(r.chosen or UNLABELLED for r in results)
    accepting = Counter(label for r in results for label in set(r.accepted or (r.label,)))
    chance = sum(count * accepting[label] for label, count in chosen.items()) / (n * n)
    return Agreement(sum(1 for r in results if r.correct) / n, chance)


def section_points(results: Sequence[UnitResult], max_points: float) -> float:
    """Points for a Sorter section: max_points * kappa (`agreement`), a negative kappa scored
    0, rounded to 2 decimals (a plain float, never above max_points).

    So the key scores max_points; one label for every unit scores 0, and labels given without
    reading (random ones) 0 on average before the clamp; each unit's mistake costs about the
    same, whatever the size of its label's class. An empty section gives 0.0 (a course-data
    mistake that `parse_sections` users should catch)."""
    max_points = _check_max(max_points)
    if not results:
        return 0.0
    return clamp_points(max_points * agreement(results).kappa, max_points)


def points_for_checks(passed: Sequence[bool], max_points: float) -> float:
    """Partial credit for a code cell: max_points * (checks passed) / (checks)."""
    max_points = _check_max(max_points)
    if not passed:
        return 0.0
    return clamp_points(max_points * sum(1 for ok in passed if ok) / len(passed), max_points)


def feedback_lines(
    results: Sequence[UnitResult], key: Mapping[str, KeyLike], show_key: bool = False
) -> list[str]:
    """What the learner is told about a section.

    Always: how many units were right. Without show_key: the ids of the units labelled wrong,
    then of those unlabelled, and no label of the key (so the assessment can be reused). With
    show_key: instead, one line per unit not right, in reading order, with the learner's choice,
    the key's label, its accepted alternatives and the rationale."""
    right = sum(1 for result in results if result.correct)
    lines = [f"{right} of {len(results)} units right."]
    wrong = [r for r in results if r.labelled and not r.correct]
    unlabelled = [r for r in results if not r.labelled]
    if not show_key:
        if wrong:
            lines.append("Look again at: " + ", ".join(r.unit_id for r in wrong) + ".")
        if unlabelled:
            lines.append("Not labelled: " + ", ".join(r.unit_id for r in unlabelled) + ".")
        return lines
    for result in results:
        if result.correct:
            continue
        entry = key[result.unit_id]
        chosen = f"you chose {result.chosen}" if result.labelled else "not labelled"
        also = [label for label in entry.accepted if label != entry.label]
        accepted = f" (also accepted: {', '.join(also)})" if also else ""
        lines.append(
            f"{result.unit_id}: {chosen}; the key says {entry.label}{accepted}. {entry.rationale}"
        )
    return lines
