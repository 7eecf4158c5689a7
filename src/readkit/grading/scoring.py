"""Scoring: answers + key -> per-unit results, points and feedback text.

Pure functions: no file access, no pandas, no printing. readkit's trusted grade step
(readkit.grading.trusted) calls them outside every kernel, for nbgrader's gradebook and for
`readkit grade` alike: there is one score.

Points are plain Python floats rounded to 2 decimals and clamped to [0, max_points]: nbgrader
parses a test cell's first text/plain result as points and aborts a submission on a value above
the cell's maximum.
"""

import math
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
    earns credit (the key's label or one of its accepted alternatives). A NamedTuple: a class
    report builds one per learner and unit, and a tuple is several times cheaper to create."""

    unit_id: str
    chosen: str | None
    correct: bool

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
            raise KeyError(f"unit {unit_id!r} is not in the answer key (data/key.csv)") from None
        chosen = answers.get(unit_id)
        if chosen is not None and not isinstance(chosen, str):
            chosen = None
        results.append(UnitResult(unit_id, chosen, chosen is not None and chosen in entry.accepted))
    return results


def section_points(results: Sequence[UnitResult], max_points: float) -> float:
    """Points proportional to the units right: max_points * right / total, 2 decimals.
    An empty section gives 0.0 (a course-data mistake that `parse_sections` users should catch)."""
    max_points = _check_max(max_points)
    if not results:
        return 0.0
    right = sum(1 for result in results if result.correct)
    return clamp_points(max_points * right / len(results), max_points)


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
