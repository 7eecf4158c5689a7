"""Cutting an article's assessment paragraphs into the graded parts of a Sorter assignment.

Parts follow paragraph boundaries, each mixes labels, and the cut must not reward labelling
without reading: it is checked as `readkit validate` checks a Sorter assignment
(`readkit.grading.guessing.Fairness`: the three no-reading strategies and their limits, no label
of a single sentence in a part, sentences of comparable weight, little meta). The most even cut
that passes is taken; when the most even one fails, the message says why it was moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from readkit.course.key import KeyEntry
from readkit.course.sections import Section
from readkit.grading.trusted import SorterAssignment

MAX_CANDIDATES = 400  # cuts graded at most (each one is 24 gradings of the assignment)


class CutError(Exception):
    """No cut works; the message says why and what to change."""


@dataclass(frozen=True)
class Cut:
    sections: tuple[Section, ...]
    section_units: dict[str, tuple[str, ...]]
    scores: dict  # plan_guessing_scores of this cut
    note: str = ""  # why the most even cut was not taken ("" when it was)


def assessment_paragraphs(unit_paragraphs: dict[str, int],
                          key: dict[str, KeyEntry]) -> list[tuple[int, tuple[str, ...]]]:
    """(paragraph, its assessment units in reading order) for each paragraph with any."""
    paragraphs: dict[int, list[str]] = {}
    for unit_id, paragraph in unit_paragraphs.items():
        if unit_id in key:
            paragraphs.setdefault(paragraph, []).append(unit_id)
    return [(number, tuple(units)) for number, units in paragraphs.items()]


def part_points(sizes: list[int], total: float) -> list[float]:
    """`total` shared in proportion to the parts' unit counts, in half points (the last part
    takes what rounding leaves, so the sum is exact)."""
    if len(sizes) == 1:
        return [round(total, 2)]
    share = [max(0.5, round(total * size / sum(sizes) * 2) / 2) for size in sizes[:-1]]
    last = round(total - sum(share), 2)
    if last <= 0:  # too few points to round: equal shares to the cent
        equal = round(total / len(sizes), 2)
        return [equal] * (len(sizes) - 1) + [round(total - equal * (len(sizes) - 1), 2)]
    return [*share, last]


def guessing(sections: tuple[Section, ...], section_units: dict[str, tuple[str, ...]],
             key: dict[str, KeyEntry], unit_paragraphs: dict[str, int],
             unit_text: dict[str, str]) -> tuple[dict, list[str]]:
    """The no-reading scores of these parts, and what fails the checks of `readkit validate`
    (readkit.grading.guessing.Fairness): each strategy that passes its limit, a part with a
    single sentence of a label, sentences of very unequal weight, too much meta."""
    from readkit.grading.guessing import Fairness

    plan = SorterAssignment(sections[0].assignment, sections, section_units, key,
                            unit_paragraphs, unit_text)
    fairness = Fairness.of(plan)
    failed = [f"a learner who never reads gets {strategy} scores "
              f"{fairness.scores[strategy]:.0%} (limit {limit:.0%})"
              for strategy, limit in fairness.guessing_failures()]
    return fairness.scores, failed + fairness.shape_problems()


def _groups(paragraphs: list, parts: int):
    """Every way to cut the paragraphs into `parts` runs of consecutive paragraphs."""
    for cuts in combinations(range(1, len(paragraphs)), parts - 1):
        bounds = (0, *cuts, len(paragraphs))
        yield [paragraphs[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _describe(sections) -> str:
    return ", ".join(f"{s.section} paragraphs {s.first_paragraph}-{s.last_paragraph}"
                     for s in sections)


def cut_assessment(assignment: str, unit_paragraphs: dict[str, int], unit_text: dict[str, str],
                   key: dict[str, KeyEntry], parts: int, points: float) -> Cut:
    """The graded parts of `assignment`; `key` is the assessment key (unit_id -> entry)."""
    paragraphs = assessment_paragraphs(unit_paragraphs, key)
    if parts < 1:
        raise CutError("--parts must be at least 1.")
    if len(paragraphs) < parts:
        raise CutError(f"The assessment half has {len(paragraphs)} paragraph(s), too few for "
                       f"{parts} parts: ask for at most {len(paragraphs)} (--parts).")
    candidates = []
    for groups in _groups(paragraphs, parts):
        units = [tuple(u for _, ids in group for u in ids) for group in groups]
        if all(len({key[u].label for u in part}) >= 2 for part in units):
            sizes = [len(part) for part in units]
            candidates.append((max(sizes) - min(sizes), groups, units))
    if not candidates:
        raise CutError(f"No cut into {parts} parts gives every part two labels or more (a part "
                       "of one label is passed by guessing that label): ask for fewer parts "
                       "(--parts), or check the labels of the assessment half.")
    candidates.sort(key=lambda c: c[0])  # stable: among equally even cuts, the earliest first
    first_failure = ""
    for _, groups, units in candidates[:MAX_CANDIDATES]:
        shares = part_points([len(part) for part in units], points)
        sections = tuple(
            Section(assignment, f"part-{number}", _title(group), group[0][0], group[-1][0], share)
            for number, (group, share) in enumerate(zip(groups, shares, strict=True), start=1))
        section_units = {s.section: part for s, part in zip(sections, units, strict=True)}
        scores, failed = guessing(sections, section_units, key, unit_paragraphs, unit_text)
        if not failed:
            note = (f"The most even cut was moved: {first_failure}." if first_failure else "")
            return Cut(sections, section_units, scores, note)
        if not first_failure:
            first_failure = f"with {_describe(sections)}, " + "; ".join(failed)
    raise CutError(f"Every cut into {parts} parts can be passed without reading ({first_failure}"
                   "). Ask for fewer or more parts (--parts), or look again at the labels and "
                   "accepted alternatives of the assessment half (readkit validate).")


def _title(group) -> str:
    first, last = group[0][0], group[-1][0]
    return f"Paragraphs {first}-{last}" if first != last else f"Paragraph {first}"
